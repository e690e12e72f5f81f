/**
 * The AWS calls `npm run verify` makes, read from its own source (every `new <Name>Command(` of an
 * AWS SDK v3 client imported there), and the IAM actions each needs: so the verify role is exactly
 * what verify calls, and a call added to verify without an entry here stops `npm run ci-policies`.
 */
import { readdirSync, readFileSync } from "fs";
import { join } from "path";

/** One SDK call, as `<client package without client->.<command without Command>`: `s3.GetBucketPolicy`. */
export type SdkCall = string;

/**
 * The account a call goes to: the owner's (the bucket, its key, its logs), each consumer's (endpoints,
 * roles, probe), either, or the organization's management or delegated-administrator account (the
 * organization-grant check, with `AWS_PROFILE_ORGANIZATION`): no stack's role, see docs/operations.md.
 */
export type Side = "owner" | "consumer" | "both" | "organization";

/** What scopes a call's actions, filled in per stack from its plan. */
export type Target =
    | "any"
    | "shared-bucket"
    | "key"
    | "analyzer"
    | "workload-roles"
    | "athena-workgroup"
    | "glue-table"
    | "log-bucket"
    | "athena-results"
    | "access-logs"
    | "probe-instance"
    | "probe-document";

export interface CallPermission {
    readonly side: Side;
    /** Groups of actions and what they apply to; most calls are one action on one target. */
    readonly grants: readonly { readonly actions: readonly string[]; readonly on: Target }[];
    /** Also made by `npm run verify -- --planned` on pull requests (documents only, no live resource but the bucket policy). */
    readonly planned?: boolean;
}

const one = (side: Side, action: string, on: Target, planned = false): CallPermission => ({
    side,
    grants: [{ actions: [action], on }],
    ...(planned ? { planned } : {}),
});

/**
 * Every SDK call verify makes or is expected to make, with its actions from the Service
 * Authorization Reference. Athena reads the Glue catalog and the logs with the caller's
 * credentials, and writes its results to the workgroup's results location under the log bucket:
 * those S3 grants are on the log bucket's prefixes, never on the shared bucket.
 */
export const VERIFY_CALLS: Readonly<Record<SdkCall, CallPermission>> = {
    "s3.GetBucketPolicy": one("owner", "s3:GetBucketPolicy", "shared-bucket", true),
    "s3.GetBucketPublicAccessBlock": one("owner", "s3:GetBucketPublicAccessBlock", "shared-bucket"),
    "kms.GetKeyPolicy": one("owner", "kms:GetKeyPolicy", "key"),
    "ec2.DescribeVpcEndpoints": one("consumer", "ec2:DescribeVpcEndpoints", "any"),
    "ec2.DescribeRouteTables": one("consumer", "ec2:DescribeRouteTables", "any"),
    "ec2.DescribeSubnets": one("consumer", "ec2:DescribeSubnets", "any"),
    "ec2.DescribeSecurityGroups": one("consumer", "ec2:DescribeSecurityGroups", "any"),
    "ec2.DescribeSecurityGroupRules": one("consumer", "ec2:DescribeSecurityGroupRules", "any"),
    // The probe instance's subnet and security groups, for the path checks.
    "ec2.DescribeInstances": one("consumer", "ec2:DescribeInstances", "any"),
    "iam.GetRole": one("consumer", "iam:GetRole", "workload-roles"),
    "iam.GetRolePolicy": one("consumer", "iam:GetRolePolicy", "workload-roles"),
    "iam.ListRolePolicies": one("consumer", "iam:ListRolePolicies", "workload-roles"),
    "accessanalyzer.ValidatePolicy": one("both", "access-analyzer:ValidatePolicy", "any", true),
    "accessanalyzer.CheckNoPublicAccess": one("both", "access-analyzer:CheckNoPublicAccess", "any", true),
    "accessanalyzer.CheckAccessNotGranted": one("both", "access-analyzer:CheckAccessNotGranted", "any", true),
    "accessanalyzer.CheckNoNewAccess": one("both", "access-analyzer:CheckNoNewAccess", "any", true),
    // ListAnalyzers takes no resource, whether it lists ACCOUNT or ORGANIZATION analyzers.
    "accessanalyzer.ListAnalyzers": one("owner", "access-analyzer:ListAnalyzers", "any"),
    // The V2 calls are authorized as the original actions (Access Analyzer API Reference).
    "accessanalyzer.ListFindingsV2": one("owner", "access-analyzer:ListFindings", "analyzer"),
    "accessanalyzer.GetFindingV2": one("owner", "access-analyzer:GetFinding", "analyzer"),
    // Run Command acts as the instance's role: only the probe instance, only the one document.
    "ssm.SendCommand": {
        side: "consumer",
        grants: [
            { actions: ["ssm:SendCommand"], on: "probe-instance" },
            { actions: ["ssm:SendCommand"], on: "probe-document" },
        ],
    },
    "ssm.GetCommandInvocation": one("consumer", "ssm:GetCommandInvocation", "any"),
    "ssm.ListCommandInvocations": one("consumer", "ssm:ListCommandInvocations", "any"),
    "athena.GetNamedQuery": one("owner", "athena:GetNamedQuery", "athena-workgroup"),
    "athena.StartQueryExecution": {
        side: "owner",
        grants: [
            { actions: ["athena:StartQueryExecution"], on: "athena-workgroup" },
            { actions: ["glue:GetDatabase", "glue:GetTable", "glue:GetPartitions"], on: "glue-table" },
            // The access log records: who asked for which key, from where. Not the shared data.
            { actions: ["s3:GetObject"], on: "access-logs" },
            { actions: ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"], on: "log-bucket" },
            { actions: ["s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"], on: "athena-results" },
        ],
    },
    "athena.GetQueryExecution": one("owner", "athena:GetQueryExecution", "athena-workgroup"),
    "athena.GetQueryResults": {
        side: "owner",
        grants: [
            { actions: ["athena:GetQueryResults"], on: "athena-workgroup" },
            { actions: ["s3:GetObject"], on: "athena-results" },
        ],
    },
    "athena.StopQueryExecution": one("owner", "athena:StopQueryExecution", "athena-workgroup"),
    "glue.GetDatabase": one("owner", "glue:GetDatabase", "glue-table"),
    "glue.GetTable": one("owner", "glue:GetTable", "glue-table"),
    "glue.GetPartitions": one("owner", "glue:GetPartitions", "glue-table"),
    // GetCallerIdentity needs no permission; listed so the verify role states it.
    "sts.GetCallerIdentity": one("both", "sts:GetCallerIdentity", "any"),
    // The 403 test from outside: the consumer's verify role (its verifyTester) assumes the workload role.
    "sts.AssumeRole": one("consumer", "sts:AssumeRole", "workload-roles"),
    // Sent with the assumed workload role's credentials from outside the endpoint, and meant to be
    // refused by the lock: never granted to a pipeline role.
    "s3.GetObject": { side: "consumer", grants: [] },
    // The organization-grant check: the OUs and accounts under a granted path, and the SCPs on it.
    "organizations.DescribeOrganization": one("organization", "organizations:DescribeOrganization", "any"),
    "organizations.ListOrganizationalUnitsForParent": one("organization", "organizations:ListOrganizationalUnitsForParent", "any"),
    "organizations.ListAccountsForParent": one("organization", "organizations:ListAccountsForParent", "any"),
    "organizations.ListPoliciesForTarget": one("organization", "organizations:ListPoliciesForTarget", "any"),
    "organizations.DescribePolicy": one("organization", "organizations:DescribePolicy", "any"),
    "s3.ListObjectsV2": { side: "consumer", grants: [] },
};

/** An SDK call verify makes that the table does not map: ci-policies stops and says where to add it. */
export class UnmappedVerifyCall extends Error {
    constructor(readonly calls: readonly SdkCall[]) {
        super(
            `npm run verify makes ${calls.join(", ")}, and pipeline/verify-calls.ts has no IAM actions for ${calls.length === 1 ? "it" : "them"}: ` +
                "add each to VERIFY_CALLS (the actions from AWS's Service Authorization Reference, the account it goes to, what it is scoped to).",
        );
        this.name = "UnmappedVerifyCall";
    }
}

/** The SDK calls in some TypeScript sources: commands constructed with `new`, named by the client package they come from. */
export function sdkCallsIn(sources: readonly string[]): SdkCall[] {
    const calls = new Set<SdkCall>();
    for (const source of sources) {
        const packageOf = new Map<string, string>();
        for (const [, names, client] of source.matchAll(/import\s*\{([^}]*)\}\s*from\s*"@aws-sdk\/client-([\w-]+)"/g)) {
            for (const name of names.split(",").map((n) => n.trim().split(/\s+as\s+/)[0])) {
                packageOf.set(name, client);
            }
        }
        for (const [, command] of source.matchAll(/new\s+(\w+)Command\s*\(/g)) {
            calls.add(`${packageOf.get(`${command}Command`) ?? "unknown-client"}.${command}`);
        }
    }
    return [...calls].sort();
}

/** The SSM documents verify runs (`DocumentName: "…"`). */
export function documentsIn(sources: readonly string[]): string[] {
    return [...new Set(sources.flatMap((s) => [...s.matchAll(/DocumentName:\s*"([^"]+)"/g)].map((m) => m[1])))].sort();
}

/** The verify sources as shipped: every `.ts` file of the verify folder. */
export function readVerifySources(dir = join(__dirname, "..", "verify")): string[] {
    return readdirSync(dir)
        .filter((f) => f.endsWith(".ts"))
        .sort()
        .map((f) => readFileSync(join(dir, f), "utf8"));
}

/** The calls with their permissions; an UnmappedVerifyCall when any has none. */
export function mappedCalls(calls: readonly SdkCall[]): [SdkCall, CallPermission][] {
    const unmapped = calls.filter((c) => VERIFY_CALLS[c] === undefined);
    if (unmapped.length > 0) {
        throw new UnmappedVerifyCall(unmapped);
    }
    return calls.map((c) => [c, VERIFY_CALLS[c]]);
}
