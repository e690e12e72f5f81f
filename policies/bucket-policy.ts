import { AccessLevel, LIST_BUCKET, OBJECT_ACTIONS } from "./actions";
import { denyAllS3, denyInsecureTransport, oneOrMany, policy, PolicyDocument, sortedUnique, Statement } from "./document";

/** One consumer the owner has granted, as read back from the consumer's stack. */
export interface ConsumerGrant {
    /** The consumer's workload role. */
    readonly roleArn: string;
    /** The consumer account (the role's account). */
    readonly accountId: string;
    /** The consumer's S3 gateway endpoint(s): the only path its requests may take. */
    readonly vpceIds: readonly string[];
    readonly access: AccessLevel;
    /** Key prefix that scopes objects and listing, ending in "/"; the whole bucket when absent. */
    readonly prefix?: string;
}

export interface BucketPolicyInput {
    readonly bucketArn: string;
    /** The owner account, whose principals the endpoint lock never covers. */
    readonly ownerAccountId: string;
    readonly consumers: readonly ConsumerGrant[];
}

/**
 * The shared bucket's policy.
 *
 * - TLS only, for everyone.
 * - One Allow per (access level, prefix) shared by all consumers that have it, listing their roles.
 * - The endpoint lock, in two fixed-size Deny statements that only cover principals outside the
 *   owner account (so the owner's console users, CI and `pulumi refresh` are never caught):
 *     1. the request must come through one of the consumers' endpoints (`aws:SourceVpce`);
 *     2. that endpoint must belong to the caller's own account (`aws:VpceAccount` equals
 *        `${aws:PrincipalAccount}`), so no consumer can use another consumer's endpoint.
 *   The lock grows by one endpoint id per consumer, which is what lets hundreds of consumers fit in
 *   S3's 20 KB. Where one account runs several consumer stacks, (2) cannot tell their roles apart,
 *   so each such role gets its own Deny naming its endpoints.
 */
export function buildBucketPolicy(input: BucketPolicyInput): PolicyDocument {
    const { bucketArn, ownerAccountId, consumers } = input;
    const bucketAndObjects = [bucketArn, `${bucketArn}/*`];
    const statements: Statement[] = [denyInsecureTransport(bucketArn), ...grantStatements(bucketArn, consumers)];
    if (consumers.length === 0) {
        return policy(statements);
    }
    statements.push(
        denyAllS3("DenyConsumersOutsideTheirEndpoints", bucketAndObjects, {
            StringNotEquals: {
                "aws:PrincipalAccount": ownerAccountId,
                "aws:SourceVpce": oneOrMany(sortedUnique(consumers.flatMap((c) => c.vpceIds))),
            },
        }),
        denyAllS3("DenyEndpointsOfOtherAccounts", bucketAndObjects, {
            StringNotEquals: { "aws:PrincipalAccount": ownerAccountId, "aws:VpceAccount": "${aws:PrincipalAccount}" },
        }),
        ...sharedAccountLocks(bucketAndObjects, consumers),
    );
    return policy(statements);
}

interface GrantGroup {
    readonly access: AccessLevel;
    readonly prefix?: string;
    readonly roleArns: string[];
}

/** Consumers grouped by what they were granted, in a stable order. */
export function groupGrants(consumers: readonly ConsumerGrant[]): GrantGroup[] {
    const groups = new Map<string, { access: AccessLevel; prefix?: string; roles: string[] }>();
    for (const c of consumers) {
        const key = `${c.access}\u0000${c.prefix ?? ""}`;
        const group = groups.get(key) ?? { access: c.access, prefix: c.prefix, roles: [] };
        group.roles.push(c.roleArn);
        groups.set(key, group);
    }
    return [...groups.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([, g]) => ({ access: g.access, prefix: g.prefix, roleArns: sortedUnique(g.roles) }));
}

function grantStatements(bucketArn: string, consumers: readonly ConsumerGrant[]): Statement[] {
    return groupGrants(consumers).flatMap((group, index): Statement[] => {
        const sid = `Grant${group.access === "read" ? "Read" : "ReadWrite"}${index + 1}`;
        const principal = { AWS: oneOrMany(group.roleArns) };
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
    });
}

function sharedAccountLocks(resources: string[], consumers: readonly ConsumerGrant[]): Statement[] {
    // Endpoints per role (a role used by two consumer stacks may use the endpoints of both),
    // and roles per account.
    const endpointsOfRole = new Map<string, string[]>();
    const rolesOfAccount = new Map<string, Set<string>>();
    for (const c of consumers) {
        endpointsOfRole.set(c.roleArn, [...(endpointsOfRole.get(c.roleArn) ?? []), ...c.vpceIds]);
        rolesOfAccount.set(c.accountId, (rolesOfAccount.get(c.accountId) ?? new Set()).add(c.roleArn));
    }
    const rolesInSharedAccounts = sortedUnique(
        [...rolesOfAccount.values()].filter((roles) => roles.size > 1).flatMap((roles) => [...roles]),
    );
    return rolesInSharedAccounts.map((roleArn, index) =>
        denyAllS3(`DenySharedAccountRole${index + 1}OutsideItsEndpoints`, resources, {
            ArnEquals: { "aws:PrincipalArn": roleArn },
            StringNotEquals: { "aws:SourceVpce": oneOrMany(sortedUnique(endpointsOfRole.get(roleArn) ?? [])) },
        }),
    );
}
