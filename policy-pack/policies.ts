/**
 * The project's security invariants as CrossGuard policies, run with
 * `pulumi preview --policy-pack policy-pack`. Each policy's logic is a pure check over resource
 * properties, so the unit tests call it directly; index.ts only builds the PolicyPack.
 *
 * At preview, values computed from resources that do not exist yet (a new bucket's ARN inside its
 * policy) are unknown; checks that need them pass then and run again during `pulumi up`, before the
 * resource is created.
 */
import { PolicyResource, ReportViolation, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";

const T = {
    bucket: "aws:s3/bucket:Bucket",
    publicAccessBlock: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    encryption: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
    endpoint: "aws:ec2/vpcEndpoint:VpcEndpoint",
    routeTableAssociation: "aws:ec2/vpcEndpointRouteTableAssociation:VpcEndpointRouteTableAssociation",
    iamPolicies: ["aws:iam/rolePolicy:RolePolicy", "aws:iam/policy:Policy", "aws:iam/userPolicy:UserPolicy", "aws:iam/groupPolicy:GroupPolicy"],
} as const;

type Values = string | string[];
interface Statement {
    Sid?: string;
    Effect?: string;
    Principal?: "*" | Record<string, Values>;
    Action?: Values;
    NotAction?: Values;
    Resource?: Values;
    Condition?: Record<string, Record<string, Values>>;
}

const list = (v: Values | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** The statements of a policy property (a JSON string or an object); undefined while unknown. */
export function statementsOf(policy: unknown): Statement[] | undefined {
    if (policy === undefined || policy === null) {
        return undefined;
    }
    const doc = (typeof policy === "string" ? JSON.parse(policy) : policy) as { Statement?: Statement | Statement[] };
    return list(doc.Statement as Values | undefined) as unknown as Statement[];
}

/** The value of a condition key under any of the given operators, case-insensitively on the key. */
function conditionValues(s: Statement, operators: string[], key: string): string[] | undefined {
    for (const [operator, keys] of Object.entries(s.Condition ?? {})) {
        if (!operators.includes(operator)) {
            continue;
        }
        const found = Object.entries(keys).find(([k]) => k.toLowerCase() === key.toLowerCase());
        if (found) {
            return list(found[1]);
        }
    }
    return undefined;
}

const accountOfArn = (arn: string) => /^arn:[^:]+:(?:iam|sts)::(\d{12}):/.exec(arn)?.[1] ?? (/^\d{12}$/.test(arn) ? arn : undefined);

// ---------------------------------------------------------------------------------------------
// Checks on one bucket policy

/** Allow statements open to everyone; one pinned to a fixed aws:PrincipalOrgID is not (nor is it to Block Public Access). */
export function publicAllows(statements: Statement[]): string[] {
    const pinned = (s: Statement) => conditionValues(s, ["StringEquals"], "aws:PrincipalOrgID")?.some((v) => /^o-[a-z0-9]+$/.test(v));
    const open = statements.filter((s) => s.Effect === "Allow" && (s.Principal === "*" || list(s.Principal?.AWS).includes("*")) && !pinned(s));
    return open.map((s) => `statement ${s.Sid ?? "(no Sid)"} allows Principal "*"`);
}

/** Allow statements that grant every S3 action (or every action). */
export function wildcardGrants(statements: Statement[]): string[] {
    return statements
        .filter((s) => s.Effect === "Allow" && (s.NotAction !== undefined || list(s.Action).some((a) => a === "*" || a.toLowerCase() === "s3:*")))
        .map((s) => `statement ${s.Sid ?? "(no Sid)"} grants ${s.NotAction !== undefined ? "NotAction (everything else)" : list(s.Action).join(", ")}`);
}

const NEGATED = ["StringNotEquals", "StringNotEqualsIfExists"];

/** Deny statements that refuse requests from outside given endpoints: the endpoint lock. */
export function lockStatements(statements: Statement[]): Statement[] {
    return statements.filter((s) => s.Effect === "Deny" && conditionValues(s, NEGATED, "aws:SourceVpce") !== undefined);
}

/** Whether a Deny statement applies to a principal of `account` (with ARN `arn`, when known). */
function covers(s: Statement, account: string, arn?: string): boolean {
    const principals = s.Principal === "*" ? ["*"] : list(s.Principal?.AWS);
    if (!principals.includes("*") && !principals.some((p) => p === arn || accountOfArn(p) === account)) {
        return false;
    }
    const exempt = conditionValues(s, NEGATED, "aws:PrincipalAccount");
    if (exempt !== undefined && exempt.includes(account)) {
        return false;
    }
    const only = conditionValues(s, ["StringEquals"], "aws:PrincipalAccount");
    if (only !== undefined && !only.includes(account)) {
        return false;
    }
    const arns = conditionValues(s, ["ArnEquals", "ArnLike", "StringEquals", "StringLike"], "aws:PrincipalArn");
    if (arns !== undefined) {
        const pattern = (p: string) =>
            new RegExp(
                `^${p
                    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
                    .replace(/\*/g, ".*")
                    .replace(/\?/g, ".")}$`,
            );
        return arn !== undefined ? arns.some((p) => pattern(p).test(arn)) : arns.some((p) => accountOfArn(p) === account || p.includes("::*:"));
    }
    return true;
}

/** Cross-account grants that no endpoint lock covers. */
export function unlockedGrants(statements: Statement[], ownerAccountId: string): string[] {
    const locks = lockStatements(statements);
    const problems: string[] = [];
    for (const s of statements.filter((x) => x.Effect === "Allow")) {
        for (const principal of s.Principal === "*" ? [] : list(s.Principal?.AWS)) {
            const account = accountOfArn(principal);
            if (account === undefined || account === ownerAccountId) {
                continue;
            }
            if (!locks.some((lock) => covers(lock, account, principal))) {
                problems.push(`statement ${s.Sid ?? "(no Sid)"} grants ${principal} (account ${account}) with no aws:SourceVpce lock that covers it`);
            }
        }
    }
    return problems;
}

/** Endpoint locks that would also refuse the owner account's own principals. */
export function locksCoveringOwner(statements: Statement[], ownerAccountId: string): string[] {
    return lockStatements(statements)
        .filter((s) => covers(s, ownerAccountId))
        .map(
            (s) =>
                `statement ${s.Sid ?? "(no Sid)"} denies requests outside the endpoints to the owner account ${ownerAccountId} too: scope it (e.g. StringNotEquals aws:PrincipalAccount ${ownerAccountId})`,
        );
}

/** Whether a bucket policy refuses plain-HTTP requests to the bucket and its objects for everyone. */
export function enforcesTls(statements: Statement[]): boolean {
    return statements.some(
        (s) =>
            s.Effect === "Deny" &&
            (s.Principal === "*" || list(s.Principal?.AWS).includes("*")) &&
            list(s.Action).some((a) => a === "*" || a.toLowerCase() === "s3:*") &&
            (conditionValues(s, ["Bool", "BoolIfExists"], "aws:SecureTransport") ?? []).includes("false") &&
            list(s.Resource).some((r) => r.endsWith("/*")) &&
            list(s.Resource).some((r) => !r.includes("/")),
    );
}

// ---------------------------------------------------------------------------------------------
// Stack-wide: which resources configure which bucket

/** The resources of `type` that configure `bucket` (by dependency on it, or by its name). */
export function configuring(resources: PolicyResource[], bucket: PolicyResource, type: string): PolicyResource[] {
    return resources.filter(
        (r) =>
            r.type === type &&
            ((r.propertyDependencies?.bucket ?? []).some((d) => d.urn === bucket.urn) ||
                (r.props.bucket !== undefined && r.props.bucket === bucket.props.bucket)),
    );
}

/** Runs a check on every bucket of the stack and gathers its problems. */
function eachBucket(resources: PolicyResource[], check: (bucket: PolicyResource) => string[]): string[] {
    return resources.filter((r) => r.type === T.bucket).flatMap(check);
}

export function publicAccessProblems(resources: PolicyResource[]): string[] {
    const settings = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"];
    return eachBucket(resources, (bucket) => {
        const full = configuring(resources, bucket, T.publicAccessBlock).some((b) => settings.every((k) => b.props[k] === true));
        return full ? [] : [`bucket ${bucket.name} has no BucketPublicAccessBlock with all four settings true`];
    });
}

export function encryptionProblems(resources: PolicyResource[]): string[] {
    const algorithms = ["AES256", "aws:kms", "aws:kms:dsse"];
    type Rule = { applyServerSideEncryptionByDefault?: { sseAlgorithm?: string } };
    return eachBucket(resources, (bucket) => {
        const ok = configuring(resources, bucket, T.encryption).some((c) =>
            (c.props.rules as Rule[] | undefined)?.some((rule) => algorithms.includes(rule.applyServerSideEncryptionByDefault?.sseAlgorithm ?? "")),
        );
        return ok ? [] : [`bucket ${bucket.name} has no default encryption (BucketServerSideEncryptionConfiguration with ${algorithms.join(", ")})`];
    });
}

export function tlsProblems(resources: PolicyResource[]): string[] {
    return eachBucket(resources, (bucket) => {
        const policies = configuring(resources, bucket, T.bucketPolicy);
        if (policies.length === 0) {
            return [`bucket ${bucket.name} has no bucket policy, so nothing refuses plain HTTP`];
        }
        const known = policies.map((p) => statementsOf(p.props.policy)).filter((s): s is Statement[] => s !== undefined);
        if (known.length < policies.length) {
            return []; // unknown until the bucket exists; checked again during up
        }
        return known.some(enforcesTls) ? [] : [`bucket ${bucket.name}'s policy does not deny requests with aws:SecureTransport false`];
    });
}

export function routeTableProblems(resources: PolicyResource[]): string[] {
    return resources
        .filter((r) => r.type === T.endpoint && (r.props.vpcEndpointType ?? "Gateway") === "Gateway")
        .flatMap((endpoint) => {
            const inline = (endpoint.props.routeTableIds as string[] | undefined)?.length ?? 0;
            const associated = resources.some(
                (a) => a.type === T.routeTableAssociation && (a.propertyDependencies?.vpcEndpointId ?? []).some((d) => d.urn === endpoint.urn),
            );
            return inline > 0 || associated ? [] : [`gateway endpoint ${endpoint.name} has no route tables, so no subnet uses it`];
        });
}

/** The account a resource's provider is pinned to (allowedAccountIds), when there is exactly one. */
export function pinnedAccount(provider: { props: Record<string, unknown> } | undefined): string | undefined {
    const raw = provider?.props.allowedAccountIds;
    const ids = typeof raw === "string" ? (JSON.parse(raw) as string[]) : (raw as string[] | undefined);
    return ids?.length === 1 ? ids[0] : undefined;
}

// ---------------------------------------------------------------------------------------------
// The policies

const each = (report: ReportViolation, problems: string[]) => problems.forEach((p) => report(p));

/** The statements of a bucket policy under validation; undefined for other resources or while unknown. */
const bucketPolicyStatements = (args: { type: string; props: Record<string, unknown> }) =>
    args.type === T.bucketPolicy ? statementsOf(args.props.policy) : undefined;

export const policies: (ResourceValidationPolicy | StackValidationPolicy)[] = [
    {
        name: "s3-buckets-block-public-access",
        description: "Every S3 bucket has a public access block with all four settings on.",
        enforcementLevel: "mandatory",
        validateStack: (args, report) => each(report, publicAccessProblems(args.resources)),
    },
    {
        name: "s3-buckets-enforce-tls",
        description: "Every S3 bucket's policy denies requests that do not use TLS.",
        enforcementLevel: "mandatory",
        validateStack: (args, report) => each(report, tlsProblems(args.resources)),
    },
    {
        name: "s3-buckets-encrypted",
        description: "Every S3 bucket has default encryption.",
        enforcementLevel: "mandatory",
        validateStack: (args, report) => each(report, encryptionProblems(args.resources)),
    },
    {
        name: "s3-bucket-policy-no-public-allow",
        description: 'No bucket policy allows Principal "*" unless pinned to an organization id (aws:PrincipalOrgID).',
        enforcementLevel: "mandatory",
        validateResource: (args, report) => {
            const statements = bucketPolicyStatements(args);
            each(report, statements ? publicAllows(statements) : []);
        },
    },
    {
        name: "s3-cross-account-grants-locked",
        description: "Every grant to another account in a bucket policy is paired with an aws:SourceVpce endpoint lock that covers it.",
        enforcementLevel: "mandatory",
        validateResource: (args, report) => {
            const statements = bucketPolicyStatements(args);
            const owner = pinnedAccount(args.provider);
            if (statements && owner === undefined) {
                report("cannot tell the bucket owner's account: pin the provider with allowedAccountIds");
            }
            each(report, statements && owner ? unlockedGrants(statements, owner) : []);
        },
    },
    {
        name: "s3-endpoint-lock-spares-owner",
        description: "An endpoint lock in a bucket policy never covers the owner account's own principals (no lockout).",
        enforcementLevel: "mandatory",
        validateResource: (args, report) => {
            const statements = bucketPolicyStatements(args);
            const owner = pinnedAccount(args.provider);
            each(report, statements && owner ? locksCoveringOwner(statements, owner) : []);
        },
    },
    {
        name: "vpc-gateway-endpoints-have-route-tables",
        description: "Every gateway VPC endpoint is associated with at least one route table.",
        enforcementLevel: "mandatory",
        validateStack: (args, report) => each(report, routeTableProblems(args.resources)),
    },
    {
        name: "no-s3-wildcard-grants",
        description: 'No IAM policy or bucket policy grants "s3:*" or "*".',
        enforcementLevel: "mandatory",
        validateResource: (args, report) => {
            const relevant = (T.iamPolicies as readonly string[]).includes(args.type) || args.type === T.bucketPolicy;
            const statements = relevant ? statementsOf(args.props.policy) : undefined;
            each(report, statements ? wildcardGrants(statements) : []);
        },
    },
];
