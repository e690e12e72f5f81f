import { LIST_BUCKET, OBJECT_ACTIONS } from "./actions";
import { denyInsecureTransport, oneOrMany, policy, PolicyDocument, sortedUnique, Statement } from "./document";
import { AdoptedPolicy, exemptFromLock, NO_EXEMPTION } from "./adopted-policy";
import { endpointLockStatements } from "./endpoint-lock";
import { arnPartition, organizationPrincipal } from "./organization-grant";
import { writeEncryptionStatements, WriteEncryption } from "./write-encryption";
import { AccessLevel, ConsumerGrant, DEFAULT_LOCK_MODE, Grant, isListedGrant, isOrganizationGrant, LockMode, OrganizationGrant } from "../domain/terms";

export interface BucketPolicyInput {
    readonly bucketArn: string;
    /** The owner account, whose principals the endpoint lock never covers. */
    readonly ownerAccountId: string;
    /** Listed consumers and organization grants, side by side. */
    readonly grants: readonly Grant[];
    /** The bucket's own encryption, which every write must keep. */
    readonly encryption: WriteEncryption;
    /** @default "account-match" */
    readonly lockMode?: LockMode;
    /** An adopted bucket's own statements, kept after the generated ones, and the lock's exemptions (adopted-policy.ts). @default none */
    readonly adopted?: AdoptedPolicy;
}

/**
 * The shared bucket's policy.
 *
 * - TLS only, for everyone.
 * - Writes keep the bucket's encryption, for everyone (constant size; see write-encryption.ts).
 * - One Allow per (access level, prefix) shared by all consumers that have it, listing their roles.
 * - One Allow per organization grant: a role name under an OU path, whatever the number of accounts.
 * - The endpoint lock (see endpoint-lock.ts): only principals outside the owner account are covered,
 *   and each consumer may use its own endpoints and no other.
 * - An adopted bucket's own statements, as written, with their grants exempt from the lock or not as
 *   the user chose (see adopted-policy.ts).
 */
export function buildBucketPolicy(input: BucketPolicyInput): PolicyDocument {
    const { bucketArn, ownerAccountId, grants } = input;
    return policy([
        denyInsecureTransport(bucketArn),
        ...writeEncryptionStatements(bucketArn, input.encryption),
        ...grantStatements(bucketArn, grants.filter(isListedGrant)),
        ...grants.filter(isOrganizationGrant).flatMap((g, i) => organizationGrantStatements(bucketArn, ownerAccountId, g, i)),
        ...exemptFromLock(
            endpointLockStatements([bucketArn, `${bucketArn}/*`], ownerAccountId, grants, input.lockMode ?? DEFAULT_LOCK_MODE),
            ownerAccountId,
            input.adopted?.exempt ?? NO_EXEMPTION,
        ),
        ...(input.adopted?.statements ?? []),
    ]);
}

interface GrantGroup {
    readonly access: AccessLevel;
    readonly prefix?: string;
    readonly roleArns: string[];
}

/** Consumers grouped by what they were granted, in a stable order. */
export function groupGrants(grants: readonly ConsumerGrant[]): GrantGroup[] {
    const groups = new Map<string, { access: AccessLevel; prefix?: string; roles: string[] }>();
    for (const c of grants) {
        const key = `${c.access}\u0000${c.prefix ?? ""}`;
        const group = groups.get(key) ?? { access: c.access, prefix: c.prefix, roles: [] };
        group.roles.push(c.roleArn);
        groups.set(key, group);
    }
    return [...groups.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([, g]) => ({ access: g.access, prefix: g.prefix, roleArns: sortedUnique(g.roles) }));
}

function grantStatements(bucketArn: string, grants: readonly ConsumerGrant[]): Statement[] {
    return groupGrants(grants).flatMap((group, index): Statement[] =>
        accessStatements(bucketArn, `Grant${group.access === "read" ? "Read" : "ReadWrite"}${index + 1}`, { AWS: oneOrMany(group.roleArns) }, group),
    );
}

/** An organization grant's Allow: everyone, narrowed by its conditions to the granted role under the path. */
function organizationGrantStatements(bucketArn: string, ownerAccountId: string, grant: OrganizationGrant, index: number): Statement[] {
    const sid = `OrgGrant${grant.access === "read" ? "Read" : "ReadWrite"}${index + 1}`;
    const condition = organizationPrincipal(grant, arnPartition(bucketArn), ownerAccountId);
    return accessStatements(bucketArn, sid, "*", grant).map((s) => ({ ...s, Condition: { ...condition, ...s.Condition } }));
}

/** The Allow statements of one access level and prefix for `principal`. */
function accessStatements(bucketArn: string, sid: string, principal: Statement["Principal"], group: Pick<GrantGroup, "access" | "prefix">): Statement[] {
    const objectActions = [...OBJECT_ACTIONS[group.access]];
    if (group.prefix === undefined) {
        // ListBucket applies to the bucket ARN and the object actions to object ARNs, so one
        // statement over both resources grants exactly these pairs.
        return [
            {
                Sid: sid,
                Effect: "Allow",
                Principal: principal,
                Action: [...objectActions, LIST_BUCKET],
                Resource: [bucketArn, `${bucketArn}/*`],
            },
        ];
    }
    return [
        {
            Sid: sid,
            Effect: "Allow",
            Principal: principal,
            Action: oneOrMany(objectActions),
            Resource: `${bucketArn}/${group.prefix}*`,
        },
        {
            Sid: `${sid}List`,
            Effect: "Allow",
            Principal: principal,
            Action: LIST_BUCKET,
            Resource: bucketArn,
            Condition: { StringLike: { "s3:prefix": `${group.prefix}*` } },
        },
    ];
}
