/**
 * The shared terms of the project: what a consumer is granted, how the bucket encrypts, how the
 * endpoint policy and the lock are chosen, and the defaults those settings start from.
 */

/** What a consumer may do with the shared bucket. */
export type AccessLevel = "read" | "read-write";

export const ACCESS_LEVELS: readonly AccessLevel[] = ["read", "read-write"];

/** The access a consumer gets when the owner's entry does not say. */
export const DEFAULT_ACCESS: AccessLevel = "read";

/** The bucket's default encryption: S3-managed keys, or a customer-managed KMS key shared with consumers. */
export type Encryption = "sse-s3" | "sse-kms";

export const ENCRYPTIONS: readonly Encryption[] = ["sse-s3", "sse-kms"];

export const DEFAULT_ENCRYPTION: Encryption = "sse-s3";

/**
 * What may pass through the consumer's S3 gateway endpoint besides the owner bucket.
 * - `allow-all`: everything, as AWS's default endpoint policy does. Nothing else in the VPC breaks.
 * - `account-and-owner`: the consumer account's own buckets, the owner bucket, and `extraBuckets`.
 * - `owner-only`: the owner bucket and `extraBuckets`.
 */
export type EndpointPolicyMode = "allow-all" | "account-and-owner" | "owner-only";

export const ENDPOINT_POLICY_MODES: readonly EndpointPolicyMode[] = ["allow-all", "account-and-owner", "owner-only"];

/** A new endpoint's policy mode when config does not say: nothing else in the VPC breaks. */
export const DEFAULT_ENDPOINT_POLICY: EndpointPolicyMode = "allow-all";

/**
 * How the bucket policy ties each consumer to its own endpoints.
 * - `account-match`: two fixed-size Denies; the second needs S3 to set `aws:VpceAccount`.
 * - `per-consumer`: a Deny per consumer account naming its endpoints; never uses `aws:VpceAccount`.
 */
export type LockMode = "account-match" | "per-consumer";

export const LOCK_MODES: readonly LockMode[] = ["account-match", "per-consumer"];

export const DEFAULT_LOCK_MODE: LockMode = "account-match";

/** Why `per-consumer` cannot hold an organization grant: the one wording config, component and builder use. */
export const PER_CONSUMER_CANNOT_LOCK_ORGANIZATION =
    "cannot hold organization grants: per-consumer names each consumer account and its endpoints, and the accounts and endpoints under an organization path are not known to the owner";

/** How long access-log records and Athena query results are kept, in days. */
export const ACCESS_LOG_RETENTION_DAYS = { default: 90, min: 1, max: 3650 } as const;

/** One consumer the owner has granted, as read back from the consumer's stack. */
export interface ConsumerGrant {
    /** A listed consumer (the default variant of `Grant`). */
    readonly kind?: "listed";
    /** The consumer's workload role. */
    readonly roleArn: string;
    /** The consumer account (the role's account). */
    readonly accountId: string;
    /** The consumer's S3 gateway endpoint(s): the only path its requests may take. */
    readonly vpceIds: readonly string[];
    /**
     * The account that owns those endpoints (`aws:VpceAccount`). It differs from `accountId` only for
     * an endpoint in a VPC shared with the consumer through AWS RAM, which the VPC owner's account owns.
     * @default accountId
     */
    readonly vpceAccountId?: string;
    readonly access: AccessLevel;
    /** Key prefix that scopes objects and listing, ending in "/"; the whole bucket when absent. */
    readonly prefix?: string;
}

/**
 * A grant to every account under an OU path of the owner's organization: the role of one name in each of
 * them, reached only through an S3 endpoint of the role's own account. Its policy size does not depend on
 * how many accounts the path holds, and a consumer under it needs no change on the owner's side.
 */
export interface OrganizationGrant {
    readonly kind: "organization";
    /** `o-…/r-…/` or `o-…/r-…/ou-…/…/`: the OU (or root) and every OU below it. */
    readonly orgPath: string;
    /** The role name (path `/`) granted in each account under `orgPath`. */
    readonly roleName: string;
    readonly access: AccessLevel;
    /** Key prefix that scopes objects and listing, ending in "/"; the whole bucket when absent. */
    readonly prefix?: string;
    /**
     * Also require the endpoint to belong to the organization (`aws:VpceOrgID`), besides the caller's
     * own account (`aws:VpceAccount`). @default false
     */
    readonly endpointInOrganization?: boolean;
}

/** What the owner grants: a listed consumer, or every account under an organization path. */
export type Grant = ConsumerGrant | OrganizationGrant;

export const isOrganizationGrant = (g: Grant): g is OrganizationGrant => g.kind === "organization";
export const isListedGrant = (g: Grant): g is ConsumerGrant => g.kind !== "organization";

/** The organization id (`o-…`) an organization path starts with. */
export const organizationOf = (orgPath: string): string => orgPath.split("/")[0];

/**
 * The bucket-level settings of an adopted bucket the stack may manage. Each is one S3 document that a
 * managed setting replaces; one left as it is stays as the bucket has it. The bucket policy is not
 * among them: the grants and the lock always apply.
 */
export type BucketSetting = "publicAccessBlock" | "ownershipControls" | "encryption" | "versioning";

export const BUCKET_SETTINGS: readonly BucketSetting[] = ["publicAccessBlock", "ownershipControls", "encryption", "versioning"];
