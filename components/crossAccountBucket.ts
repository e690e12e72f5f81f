import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as rules from "../domain/rules";
import { buildBucketPolicy } from "../policies/bucket-policy";
import { byteSize, compact, LIMITS, overLimit } from "../policies/document";
import { buildKeyPolicy } from "../policies/key-policy";
import { WriteEncryption } from "../policies/write-encryption";
import { privateBucket } from "../resources/privateBucket";
import { ConfigError, Issue, IssueList } from "../domain/issues";
import {
    AccessLevel,
    ConsumerGrant,
    DEFAULT_ENCRYPTION,
    DEFAULT_LOCK_MODE,
    Encryption,
    Grant,
    isListedGrant,
    isOrganizationGrant,
    LOCK_MODES,
    LockMode,
    PER_CONSUMER_CANNOT_LOCK_ORGANIZATION,
} from "../domain/terms";

export interface CrossAccountBucketArgs {
    /** The owner account; its principals are never caught by the endpoint lock. Required. */
    readonly ownerAccountId: string;
    /** The bucket's region, for `kms:ViaService`. Required. */
    readonly region: string;
    /** ARN partition of the region. @default "aws" */
    readonly partition?: string;
    /** A fixed, globally unique bucket name. @default auto-named from the component name */
    readonly bucketName?: string;
    /**
     * Default encryption. `sse-kms` creates a customer-managed key whose policy lets the consumer
     * roles use it through S3 (the AWS-managed `aws/s3` key cannot be shared across accounts).
     * @default "sse-s3"
     */
    readonly encryption?: Encryption;
    /**
     * The consumers to grant, each locked to its endpoints, and organization grants (a role name under an
     * OU path, locked to endpoints of the caller's own account; requires lockMode "account-match").
     * @default [] (no one but the owner)
     */
    readonly grants?: readonly Grant[];
    /**
     * Consumers agreed on but not deployed yet (no role or endpoint to grant). They get nothing; the
     * size check counts each at the smallest size it could have, so a list that can never fit the
     * bucket policy fails on the first preview instead of after every consumer stack has run.
     * @default []
     */
    readonly pendingConsumers?: readonly PendingConsumer[];
    /** How each consumer is tied to its own endpoints (see endpoint-lock.ts). @default "account-match" */
    readonly lockMode?: LockMode;
    /**
     * Protect the bucket and its key: a change that would replace or delete them (a new `bucketName`
     * or region, say) stops at preview instead of orphaning the data. @default true
     */
    readonly protect?: boolean;
}

/** A consumer the owner has agreed to share with, before its stack has exported a role and endpoint. */
export interface PendingConsumer {
    readonly accountId: string;
    readonly access: AccessLevel;
    readonly prefix?: string;
}

/** The longest name S3 allows: the policy is measured with it while the real name is unknown. */
const LONGEST_BUCKET_NAME = "b".repeat(63);

/** A key ARN of the real length, for measuring before the key exists. */
const placeholderKeyArn = (partition: string, region: string, account: string) =>
    `arn:${partition}:kms:${region}:${account}:key/${"0".repeat(8)}-${"0".repeat(4)}-${"0".repeat(4)}-${"0".repeat(4)}-${"0".repeat(12)}`;

/** A pending consumer at its smallest: a one-character role name and a short-form endpoint id. */
function smallestGrant(pending: PendingConsumer, index: number, partition: string): ConsumerGrant {
    return {
        roleArn: `arn:${partition}:iam::${pending.accountId}:role/${index.toString(36)}`,
        accountId: pending.accountId,
        vpceIds: [`vpce-${index.toString(16).padStart(8, "0")}`],
        access: pending.access,
        ...(pending.prefix === undefined ? {} : { prefix: pending.prefix }),
    };
}

/**
 * Everything wrong with the args, checked before any resource exists. The size check builds the
 * real policy documents, using the longest possible bucket name when the name is auto-assigned.
 */
export function validateCrossAccountBucketArgs(args: CrossAccountBucketArgs): readonly Issue[] {
    const issues = new IssueList();
    const grants = args.grants ?? [];
    const pending = args.pendingConsumers ?? [];
    issues.check("ownerAccountId", args.ownerAccountId, rules.accountId(args.ownerAccountId), "pass the owner account's id");
    issues.check("bucketName", args.bucketName, args.bucketName !== undefined && rules.bucketName(args.bucketName), "choose a valid S3 bucket name");
    issues.check("lockMode", args.lockMode, args.lockMode !== undefined && rules.oneOf(LOCK_MODES)(args.lockMode), 'pass "account-match" or "per-consumer"');
    issues.check(
        "lockMode",
        args.lockMode,
        args.lockMode === "per-consumer" && grants.some(isOrganizationGrant) && PER_CONSUMER_CANNOT_LOCK_ORGANIZATION,
        'use lockMode "account-match" with organization grants',
    );
    for (const [i, g] of grants.entries()) {
        if (isOrganizationGrant(g)) {
            issues.check(
                `grants[${i}].orgPath`,
                g.orgPath,
                rules.organizationPath(g.orgPath),
                "pass the OU path, such as o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/",
            );
            issues.check(`grants[${i}].roleName`, g.roleName, rules.roleName(g.roleName), "pass the role name the accounts under the path use");
            continue;
        }
        issues.check(`grants[${i}].accountId`, g.accountId, rules.notOwnerAccount(args.ownerAccountId)(g.accountId), "grant only other accounts");
        issues.check(`grants[${i}].roleArn`, g.roleArn, rules.roleOfAccount(g.accountId, "account")(g.roleArn), "pass the consumer's workload role");
        issues.check(
            `grants[${i}].vpceIds`,
            g.vpceIds,
            (g.vpceIds.length === 0 || g.vpceIds.some((id) => rules.vpceId(id))) && "must list one or more vpce- ids",
            "pass the consumer's gateway endpoint id",
        );
        issues.check(
            `grants[${i}].vpceAccountId`,
            g.vpceAccountId,
            g.vpceAccountId !== undefined && rules.accountId(g.vpceAccountId),
            "pass the account that owns the endpoint",
        );
    }
    if (issues.size > 0) {
        return issues.items;
    }
    const partition = args.partition ?? "aws";
    const lockMode = args.lockMode ?? DEFAULT_LOCK_MODE;
    const bucketArn = `arn:${partition}:s3:::${args.bucketName ?? LONGEST_BUCKET_NAME}`;
    const kmsKeyArn = placeholderKeyArn(partition, args.region, args.ownerAccountId);
    const encryption: WriteEncryption = args.encryption === "sse-kms" ? { kind: "sse-kms", kmsKeyArn } : { kind: "sse-s3" };
    const all = [...grants, ...pending.map((p, i) => smallestGrant(p, i, partition))];
    const bucketPolicy = (mode: LockMode) => buildBucketPolicy({ bucketArn, ownerAccountId: args.ownerAccountId, grants: all, encryption, lockMode: mode });
    const counted =
        pending.length === 0
            ? `${grants.length} consumers`
            : `${all.length} consumers (${pending.length} not deployed yet, counted at their smallest possible size)`;
    const tooBig = (what: string, over: { bytes: number; limit: number }, fix: string) =>
        issues.check(
            "grants",
            counted,
            `make the ${what} ${pending.length > 0 ? "at least " : ""}${over.bytes} bytes, over AWS's limit of ${over.limit} bytes`,
            fix,
        );
    const sharing = "share grants (consumers with the same access and prefix share one statement), use shorter role names, or split consumers across buckets";

    const overBucket = overLimit(bucketPolicy(lockMode), LIMITS.bucketPolicy);
    if (overBucket) {
        const other = LOCK_MODES.find((m) => m !== lockMode)!;
        const fitsOther = !grants.some(isOrganizationGrant) && overLimit(bucketPolicy(other), LIMITS.bucketPolicy) === undefined;
        tooBig(
            `${LIMITS.bucketPolicy.what} (lockMode ${lockMode})`,
            overBucket,
            fitsOther ? `set lockMode to "${other}", which fits (${byteSize(bucketPolicy(other))} bytes); or ${sharing}` : sharing,
        );
    }
    if (args.encryption === "sse-kms") {
        const keyPolicy = buildKeyPolicy({ bucketArn, ownerAccountId: args.ownerAccountId, region: args.region, partition, grants: all });
        const overKey = overLimit(keyPolicy, LIMITS.keyPolicy);
        if (overKey) {
            tooBig(LIMITS.keyPolicy.what, overKey, sharing);
        }
    }
    return issues.items;
}

/**
 * An S3 bucket in the owner account, shared with consumer accounts only through their S3 gateway
 * endpoints. Private and encrypted by default, versioned, TLS only, and never deleted by a stack
 * destroy: the bucket and its settings are retained, and `forceDestroy` stays off.
 */
export class CrossAccountBucket extends pulumi.ComponentResource {
    public readonly bucketName: pulumi.Output<string>;
    public readonly bucketArn: pulumi.Output<string>;
    /** The customer-managed key, under `sse-kms`. */
    public readonly kmsKeyArn: pulumi.Output<string> | undefined;
    /** The bucket policy as sent to S3. */
    public readonly policy: pulumi.Output<string>;
    public readonly grantedRoleArns: string[];
    public readonly lockedVpceIds: string[];
    /** The last of the bucket's configuration steps: further bucket settings wait for it (S3 409). */
    public readonly configuredBy: pulumi.Resource[];

    constructor(name: string, args: CrossAccountBucketArgs, opts?: pulumi.ComponentResourceOptions) {
        const issues = validateCrossAccountBucketArgs(args);
        if (issues.length > 0) {
            throw new ConfigError(`Invalid arguments for CrossAccountBucket "${name}"`, issues);
        }
        super("cross-account-s3:index:CrossAccountBucket", name, {}, opts);

        const grants = args.grants ?? [];
        const encryption = args.encryption ?? DEFAULT_ENCRYPTION;
        const partition = args.partition ?? "aws";
        const lockMode = args.lockMode ?? DEFAULT_LOCK_MODE;
        // Data outlives the stack: a destroy forgets these resources instead of deleting them, and
        // (protected by default) a change that would replace the bucket or its key stops at preview.
        const keep = { parent: this, retainOnDelete: true };
        const guard = { ...keep, protect: args.protect ?? true };

        // ACLs off (BucketOwnerEnforced): that is why the consumer is never granted s3:PutObjectAcl.
        // Each configuration step below waits for the one before it (S3 409 OperationAborted).
        const { bucket, publicAccessBlock, ownership } = privateBucket(name, this, args.bucketName, guard);

        const key =
            encryption === "sse-kms"
                ? new aws.kms.Key(
                      `${name}-key`,
                      {
                          description: `Default encryption of the shared bucket ${name}`,
                          enableKeyRotation: true,
                          deletionWindowInDays: 30,
                          policy: bucket.arn.apply((bucketArn) =>
                              compact(buildKeyPolicy({ bucketArn, ownerAccountId: args.ownerAccountId, region: args.region, partition, grants })),
                          ),
                      },
                      guard,
                  )
                : undefined;
        const encryptionConfig = new aws.s3.BucketServerSideEncryptionConfiguration(
            `${name}-encryption`,
            {
                bucket: bucket.id,
                rules: [
                    {
                        ...(key
                            ? { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: key.arn }, bucketKeyEnabled: true }
                            : { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }),
                        // SSE-C keys are the writer's own: nobody else could read such an object.
                        blockedEncryptionTypes: ["SSE-C"],
                    },
                ],
            },
            { ...keep, dependsOn: [ownership] },
        );
        const versioning = new aws.s3.BucketVersioning(
            `${name}-versioning`,
            { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } },
            { ...keep, dependsOn: [encryptionConfig] },
        );

        this.policy = pulumi.all([bucket.arn, key?.arn]).apply(([bucketArn, kmsKeyArn]) =>
            compact(
                buildBucketPolicy({
                    bucketArn,
                    ownerAccountId: args.ownerAccountId,
                    grants,
                    encryption: kmsKeyArn === undefined ? { kind: "sse-s3" } : { kind: "sse-kms", kmsKeyArn },
                    lockMode,
                }),
            ),
        );
        // Not retained: destroying the owner stack ends the sharing.
        const bucketPolicy = new aws.s3.BucketPolicy(
            `${name}-policy`,
            { bucket: bucket.id, policy: this.policy },
            { parent: this, dependsOn: [publicAccessBlock, ownership, versioning] },
        );
        this.configuredBy = [bucketPolicy];

        this.bucketName = bucket.bucket;
        this.bucketArn = bucket.arn;
        this.kmsKeyArn = key?.arn;
        const listed = grants.filter(isListedGrant);
        this.grantedRoleArns = [...new Set(listed.map((g) => g.roleArn))].sort();
        this.lockedVpceIds = [...new Set(listed.flatMap((g) => g.vpceIds))].sort();
        this.registerOutputs({
            bucketName: this.bucketName,
            bucketArn: this.bucketArn,
            kmsKeyArn: this.kmsKeyArn,
            policy: this.policy,
            grantedRoleArns: this.grantedRoleArns,
            lockedVpceIds: this.lockedVpceIds,
        });
    }
}
