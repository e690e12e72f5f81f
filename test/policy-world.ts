/**
 * The request scenarios that define what the shared bucket allows, evaluated with an independent IAM
 * evaluator (@cloud-copilot/iam-simulate, AGPL: imported only by tests and test tools).
 *
 * The simulator knows only the request context it is given, so each path sets every key AWS would:
 * `aws:PrincipalArn`, `aws:PrincipalAccount`, `aws:SecureTransport`, and, through an endpoint,
 * `aws:SourceVpce` and `aws:VpceAccount`.
 */
import "./collators";
import { createValidatedPolicy, validateEndpointPolicy, validateIdentityPolicy, validateResourcePolicy } from "@cloud-copilot/iam-policy";
import { anonymousPrincipal, runSimulation, runUnsafeSimulation, Simulation } from "@cloud-copilot/iam-simulate";
import { buildBucketPolicy } from "../policies/bucket-policy";
import { ExistingGrantChoice, grantsOutside, lockExemption } from "../policies/adopted-policy";
import { PolicyDocument, Statement } from "../policies/document";
import { buildEndpointPolicy } from "../policies/endpoint-policy";
import { buildConsumerRolePolicy, RolePolicyInput } from "../policies/role-policy";
import { WriteEncryption } from "../policies/write-encryption";
import { ConsumerGrant, EndpointPolicyMode, Grant, LockMode, OrganizationGrant } from "../domain/terms";

export const OWNER = "111111111111";
export const ACCOUNT_A = "222222222222";
export const ACCOUNT_B = "333333333333";
export const THIRD_ACCOUNT = "444444444444";
export const BUCKET = "arn:aws:s3:::shared-data-abc1234";
/** The bucket's customer-managed key under sse-kms. */
export const BUCKET_KEY = `arn:aws:kms:eu-west-1:${OWNER}:key/0f0e0d0c-0b0a-0908-0706-050403020100`;

export const CONSUMER_A: ConsumerGrant = {
    roleArn: `arn:aws:iam::${ACCOUNT_A}:role/workload-aaaaaaa`,
    accountId: ACCOUNT_A,
    vpceIds: ["vpce-0aaaaaaaaaaaaaaaa"],
    access: "read-write",
};
export const CONSUMER_B: ConsumerGrant = {
    roleArn: `arn:aws:iam::${ACCOUNT_B}:role/workload-bbbbbbb`,
    accountId: ACCOUNT_B,
    vpceIds: ["vpce-0bbbbbbbbbbbbbbbb"],
    access: "read",
    prefix: "reports/",
};

export type Decision = "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied";

/** Where a request comes from: the network path and what AWS puts in the context for it. */
export interface Path {
    readonly label: string;
    readonly context: Readonly<Record<string, string | string[]>>;
    /** The endpoint policy in force on this path, if it crosses an endpoint. */
    readonly endpointPolicy?: PolicyDocument;
}

export interface Principal {
    readonly label: string;
    readonly arn: string | "anonymous";
    readonly identityPolicy?: PolicyDocument;
    /** Keys AWS sets for this principal beyond its ARN and account (its organization and OU path). */
    readonly context?: Readonly<Record<string, string | string[]>>;
}

export interface Scenario {
    readonly principal: Principal;
    readonly path: Path;
    readonly action: string;
    /** Object key (under the bucket) or "" for the bucket itself. */
    readonly key: string;
    /** `s3:prefix` of a ListBucket request. */
    readonly listPrefix?: string;
    /** Request headers that become context keys (`s3:x-amz-server-side-encryption`, …). */
    readonly headers?: Readonly<Record<string, string>>;
    /** What the request is, when the action alone does not say (CopyObject is authorised as s3:PutObject). */
    readonly label?: string;
    readonly expected: Decision;
}

/** How the bucket policy is built for a scenario run. */
export interface PolicyOptions {
    readonly lockMode: LockMode;
    readonly encryption: WriteEncryption;
}

export const DEFAULT_OPTIONS: PolicyOptions = { lockMode: "account-match", encryption: { kind: "sse-s3" } };

const builtPolicies = new Map<string, PolicyDocument>();

/** The bucket policy for these consumers, built once per consumer list and options (the crowd scenarios ask hundreds of times). */
export function bucketPolicyFor(consumers: readonly Grant[], options: PolicyOptions = DEFAULT_OPTIONS): PolicyDocument {
    const key = JSON.stringify([consumers, options]);
    const policy = builtPolicies.get(key) ?? buildBucketPolicy({ bucketArn: BUCKET, ownerAccountId: OWNER, grants: consumers, ...options });
    builtPolicies.set(key, policy);
    return policy;
}

type Validated = ReturnType<typeof createValidatedPolicy>;
const validatedPolicies = new Map<(p: unknown) => unknown[], WeakMap<PolicyDocument, Validated>>();

/** A policy validated once by the evaluator's own rules for its kind; the simulation reuses the result. */
function validated(policy: PolicyDocument, validate: (p: unknown) => unknown[]): Validated {
    const cache = validatedPolicies.get(validate) ?? new WeakMap<PolicyDocument, Validated>();
    validatedPolicies.set(validate, cache);
    const result = cache.get(policy) ?? createValidatedPolicy(policy, validate as Parameters<typeof createValidatedPolicy>[1]);
    cache.set(policy, result);
    return result;
}

const allow = (action: string | string[], resource: string | string[] = "*"): PolicyDocument => ({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Action: action, Resource: resource }],
});

const endpointPolicyFor = (c: ConsumerGrant) =>
    buildEndpointPolicy({
        mode: "allow-all",
        ownerBucketArn: BUCKET,
        access: c.access,
        prefix: c.prefix,
        accountId: c.accountId,
        extraBuckets: [],
        partition: "aws",
    });

export function throughEndpointOf(c: ConsumerGrant, label: string, secure = true): Path {
    return {
        label,
        context: { "aws:SourceVpce": c.vpceIds[0], "aws:VpceAccount": c.vpceAccountId ?? c.accountId, "aws:SecureTransport": secure ? "true" : "false" },
        endpointPolicy: endpointPolicyFor(c),
    };
}

export const PATHS = {
    aEndpoint: throughEndpointOf(CONSUMER_A, "A's endpoint"),
    bEndpoint: throughEndpointOf(CONSUMER_B, "B's endpoint"),
    otherVpcOfA: {
        label: "another endpoint in A's account",
        context: { "aws:SourceVpce": "vpce-0cccccccccccccccc", "aws:VpceAccount": ACCOUNT_A, "aws:SecureTransport": "true" },
    },
    internet: { label: "the internet", context: { "aws:SecureTransport": "true" } },
    plainHttpViaA: throughEndpointOf(CONSUMER_A, "A's endpoint, plain HTTP", false),
} satisfies Record<string, Path>;

const consumerPrincipal = (c: ConsumerGrant, label: string): Principal => ({
    label,
    arn: c.roleArn,
    identityPolicy: buildConsumerRolePolicy({ bucketArn: BUCKET, access: c.access, prefix: c.prefix }),
});

export const PRINCIPALS = {
    a: consumerPrincipal(CONSUMER_A, "consumer A role (read-write)"),
    b: consumerPrincipal(CONSUMER_B, "consumer B role (read, reports/)"),
    otherInA: {
        label: "another role in account A (S3 read on every bucket)",
        arn: `arn:aws:iam::${ACCOUNT_A}:role/other-app`,
        identityPolicy: allow(["s3:GetObject", "s3:ListBucket"]),
    },
    thirdAccount: {
        label: "a role in a third account (S3 read on every bucket)",
        arn: `arn:aws:iam::${THIRD_ACCOUNT}:role/outsider`,
        identityPolicy: allow(["s3:GetObject", "s3:ListBucket"]),
    },
    anonymous: { label: "anonymous", arn: "anonymous" },
    ownerAdmin: { label: "owner administrator (`*`)", arn: `arn:aws:iam::${OWNER}:role/Admin`, identityPolicy: allow("*") },
    ownerDeployer: {
        label: "owner deployment role",
        arn: `arn:aws:iam::${OWNER}:role/pulumi-deploy`,
        identityPolicy: allow(["s3:*"], [BUCKET, `${BUCKET}/*`]),
    },
} satisfies Record<string, Principal>;

/** One scenario: who asks, along which path, for what, and the decision expected. */
function scenario(principal: Principal, path: Path, action: string, key: string, expected: Decision, listPrefix?: string): Scenario {
    return { principal, path, action, key, expected, ...(listPrefix === undefined ? {} : { listPrefix }) };
}

/** The scenarios that must hold for the two-consumer bucket, in the order docs/design.md shows them. */
export function bucketScenarios(): Scenario[] {
    const { a, b, otherInA, thirdAccount, anonymous, ownerAdmin, ownerDeployer } = PRINCIPALS;
    const s = scenario;
    return [
        s(a, PATHS.aEndpoint, "s3:GetObject", "data/file.csv", "Allowed"),
        s(a, PATHS.aEndpoint, "s3:PutObject", "data/file.csv", "Allowed"),
        s(a, PATHS.aEndpoint, "s3:ListBucket", "", "Allowed"),
        s(a, PATHS.aEndpoint, "s3:PutObjectAcl", "data/file.csv", "ImplicitlyDenied"),
        s(a, PATHS.aEndpoint, "s3:DeleteObject", "data/file.csv", "ImplicitlyDenied"),
        s(a, PATHS.aEndpoint, "s3:PutBucketPolicy", "", "ImplicitlyDenied"),
        s(a, PATHS.internet, "s3:GetObject", "data/file.csv", "ExplicitlyDenied"),
        s(a, PATHS.otherVpcOfA, "s3:GetObject", "data/file.csv", "ExplicitlyDenied"),
        s(a, PATHS.bEndpoint, "s3:GetObject", "data/file.csv", "ExplicitlyDenied"),
        s(a, PATHS.plainHttpViaA, "s3:GetObject", "data/file.csv", "ExplicitlyDenied"),
        s(b, PATHS.bEndpoint, "s3:GetObject", "reports/q1.csv", "Allowed"),
        s(b, PATHS.bEndpoint, "s3:ListBucket", "", "Allowed", "reports/"),
        s(b, PATHS.bEndpoint, "s3:GetObject", "data/file.csv", "ImplicitlyDenied"),
        s(b, PATHS.bEndpoint, "s3:ListBucket", "", "ImplicitlyDenied", "data/"),
        s(b, PATHS.bEndpoint, "s3:ListBucket", "", "ImplicitlyDenied"),
        s(b, PATHS.bEndpoint, "s3:PutObject", "reports/q1.csv", "ImplicitlyDenied"),
        s(b, PATHS.aEndpoint, "s3:GetObject", "reports/q1.csv", "ExplicitlyDenied"),
        s(b, PATHS.internet, "s3:GetObject", "reports/q1.csv", "ExplicitlyDenied"),
        s(otherInA, PATHS.aEndpoint, "s3:GetObject", "data/file.csv", "ImplicitlyDenied"),
        s(thirdAccount, PATHS.internet, "s3:GetObject", "data/file.csv", "ExplicitlyDenied"),
        s(anonymous, PATHS.internet, "s3:GetObject", "data/file.csv", "ExplicitlyDenied"),
        s(ownerAdmin, PATHS.internet, "s3:GetObject", "data/file.csv", "Allowed"),
        s(ownerAdmin, PATHS.internet, "s3:DeleteObject", "data/file.csv", "Allowed"),
        s(ownerDeployer, PATHS.internet, "s3:GetBucketPolicy", "", "Allowed"),
        s(ownerDeployer, PATHS.internet, "s3:PutBucketPolicy", "", "Allowed"),
        s(ownerDeployer, PATHS.internet, "s3:ListBucket", "", "Allowed"),
    ];
}

export interface Evaluation {
    readonly decision: Decision | "error";
    /** Context keys the simulator did not use: any here means the scenario proves less than it says. */
    readonly ignoredContextKeys: readonly string[];
    readonly error?: string;
}

const accountOf = (arn: string) => arn.split(":")[4];
const isServicePrincipal = (principal: string) => principal.endsWith(".amazonaws.com");

/** Evaluates one request against the identity, bucket and endpoint policies, as AWS would. */
export async function evaluate(
    request: {
        principal: Principal;
        path: Path;
        action: string;
        resource: string;
        resourceAccount: string;
        listPrefix?: string;
        headers?: Readonly<Record<string, string>>;
    },
    resourcePolicy: PolicyDocument | undefined,
): Promise<Evaluation> {
    const { principal, path } = request;
    const context: Record<string, string | string[]> = {
        ...path.context,
        ...principal.context,
        ...request.headers,
        "aws:ResourceAccount": request.resourceAccount,
    };
    if (isServicePrincipal(principal.arn)) {
        // A service acting on its own (log delivery) is named by its service principal, not an ARN.
        context["aws:PrincipalServiceName"] = principal.arn;
        context["aws:PrincipalIsAWSService"] = "true";
    } else if (principal.arn !== "anonymous") {
        context["aws:PrincipalArn"] = principal.arn;
        context["aws:PrincipalAccount"] = accountOf(principal.arn);
    }
    if (request.listPrefix !== undefined) {
        context["s3:prefix"] = request.listPrefix;
    }
    const simulation: Simulation = {
        request: {
            principal: principal.arn === "anonymous" ? anonymousPrincipal : principal.arn,
            action: request.action,
            resource: { resource: request.resource, accountId: request.resourceAccount },
            contextVariables: context,
        },
        identityPolicies: principal.identityPolicy ? [{ name: "identity", policy: validated(principal.identityPolicy, validateIdentityPolicy) }] : [],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy: resourcePolicy && validated(resourcePolicy, validateResourcePolicy),
        vpcEndpointPolicies: path.endpointPolicy ? [{ name: "endpoint", policy: validated(path.endpointPolicy, validateEndpointPolicy) }] : [],
    };
    const result = await runSimulation(simulation, { simulationMode: "Strict" });
    if (result.resultType === "error") {
        return { decision: "error", ignoredContextKeys: [], error: JSON.stringify(result.errors) };
    }
    const ignored = result.resultType === "single" ? (result.result.ignoredContextKeys ?? []) : result.results.flatMap((r) => r.ignoredContextKeys ?? []);
    return { decision: result.overallResult as Decision, ignoredContextKeys: ignored };
}

/** Evaluates a scenario against a bucket policy built for the given consumers. */
export function evaluateScenario(scenario: Scenario, consumers: readonly Grant[], options: PolicyOptions = DEFAULT_OPTIONS): Promise<Evaluation> {
    const resource = scenario.key === "" ? BUCKET : `${BUCKET}/${scenario.key}`;
    return evaluate({ ...scenario, resource, resourceAccount: OWNER }, bucketPolicyFor(consumers, options));
}

/**
 * A request S3 makes to KMS for a caller, evaluated against the key policy. The validated simulation
 * drops `kms:EncryptionContext:<key>` context keys (it matches variable keys of the `prefix/name` form
 * only), so this runs the same evaluator's unvalidated entry point, which takes the context as given;
 * every key passed here is one AWS sets on such a request.
 */
export function evaluateKeyUse(
    request: { principal: Principal; action: string; context: Record<string, string | string[]> },
    keyPolicy: PolicyDocument,
): Decision {
    const { principal } = request;
    const simulation = {
        request: {
            principal: principal.arn,
            action: request.action,
            resource: { resource: BUCKET_KEY, accountId: OWNER },
            contextVariables: { "aws:PrincipalArn": principal.arn, "aws:PrincipalAccount": accountOf(principal.arn), ...principal.context, ...request.context },
        },
        identityPolicies: principal.identityPolicy ? [{ name: "identity", policy: principal.identityPolicy }] : [],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        // A validated policy carries the name the evaluator reports a matching statement under.
        resourcePolicy: createValidatedPolicy(keyPolicy, () => [], { name: "key policy" }),
        vpcEndpointPolicies: [],
    };
    return runUnsafeSimulation(simulation as unknown as Simulation, {}) as Decision;
}

/** `n` realistic consumers, each its own account, auto-named role and endpoint. */
export function manyConsumers(n: number, offset = 0): ConsumerGrant[] {
    return Array.from({ length: n }, (_, i) => {
        const account = String(500000000000 + offset + i);
        const h = (offset + i).toString(16).padStart(7, "0");
        return {
            roleArn: `arn:aws:iam::${account}:role/workload-${h}`,
            accountId: account,
            vpceIds: [`vpce-0${(offset + i).toString(16).padStart(16, "0")}`],
            access: i % 3 === 0 ? "read" : "read-write",
        };
    });
}

/** The endpoint policy of a consumer in a given mode, for the endpoint-policy scenarios. */
export function endpointPolicyOf(mode: EndpointPolicyMode, extraBuckets: string[] = []): PolicyDocument {
    return buildEndpointPolicy({ mode, ownerBucketArn: BUCKET, access: "read-write", accountId: ACCOUNT_A, extraBuckets, partition: "aws" });
}

export type { Simulation };

/** The account that owns a VPC shared with consumer C through AWS RAM, and so C's endpoint. */
export const VPC_OWNER = "666666666666";
export const ACCOUNT_C = "555555555555";

/** A consumer behind a shared-VPC endpoint: the endpoint belongs to the VPC owner's account. */
export function sharedVpcConsumer(vpcOwner: string): ConsumerGrant {
    return {
        roleArn: `arn:aws:iam::${ACCOUNT_C}:role/workload-ccccccc`,
        accountId: ACCOUNT_C,
        vpceIds: ["vpce-0dddddddddddddddd"],
        vpceAccountId: vpcOwner,
        access: "read-write",
    };
}

const SSE = "s3:x-amz-server-side-encryption";
const SSE_KEY = "s3:x-amz-server-side-encryption-aws-kms-key-id";
/** A key in consumer A's own account: objects written with it are unreadable to everyone else. */
export const FOREIGN_KEY = `arn:aws:kms:eu-west-1:${ACCOUNT_A}:key/1a1a1a1a-1a1a-1a1a-1a1a-1a1a1a1a1a1a`;

/**
 * Writes by consumer A through its endpoint with each encryption a client can ask for, under the
 * bucket's encryption `kind`. PutObject, CopyObject (target) and CreateMultipartUpload are all
 * authorised as `s3:PutObject` with the request's encryption headers. (SSE-C is refused by the
 * bucket's `blockedEncryptionTypes`, which no policy evaluator models; the component spec proves it.)
 */
export function encryptionScenarios(kind: WriteEncryption["kind"]): Scenario[] {
    const { a, ownerAdmin } = PRINCIPALS;
    const kms = kind === "sse-kms";
    const w = (label: string, headers: Record<string, string>, expected: Decision, principal: Principal = a): Scenario => ({
        principal,
        path: principal === a ? PATHS.aEndpoint : PATHS.internet,
        action: "s3:PutObject",
        key: "data/file.csv",
        headers,
        label,
        expected,
    });
    return [
        w("PutObject, no encryption header (bucket default)", {}, "Allowed"),
        w("PutObject, AES256", { [SSE]: "AES256" }, kms ? "ExplicitlyDenied" : "Allowed"),
        w("PutObject, aws:kms with the bucket's key", { [SSE]: "aws:kms", [SSE_KEY]: BUCKET_KEY }, kms ? "Allowed" : "ExplicitlyDenied"),
        w("PutObject, aws:kms with a key of the writer's account", { [SSE]: "aws:kms", [SSE_KEY]: FOREIGN_KEY }, "ExplicitlyDenied"),
        w("PutObject, aws:kms without a key id (the aws/s3 key)", { [SSE]: "aws:kms" }, "ExplicitlyDenied"),
        w("PutObject, aws:kms:dsse with the bucket's key", { [SSE]: "aws:kms:dsse", [SSE_KEY]: BUCKET_KEY }, "ExplicitlyDenied"),
        w("CopyObject to this bucket with a key of the writer's account", { [SSE]: "aws:kms", [SSE_KEY]: FOREIGN_KEY }, "ExplicitlyDenied"),
        w("CreateMultipartUpload with a key of the writer's account", { [SSE]: "aws:kms", [SSE_KEY]: FOREIGN_KEY }, "ExplicitlyDenied"),
        w("CreateMultipartUpload, no encryption header", {}, "Allowed"),
        w(
            "owner administrator: PutObject with another key",
            { [SSE]: "aws:kms", [SSE_KEY]: `arn:aws:kms:eu-west-1:${OWNER}:key/2b2b2b2b-2b2b-2b2b-2b2b-2b2b2b2b2b2b` },
            "ExplicitlyDenied",
            ownerAdmin,
        ),
    ];
}

/** The owner's organization: an OU path granted, an OU beside it, and an organization of someone else. */
export const ORGANIZATION_ID = "o-a1b2c3d4e5";
export const GRANTED_OU = `${ORGANIZATION_ID}/r-ab12/ou-ab12-11111111/`;
/** Accounts under the granted OU: D in a child OU, E directly in it. */
export const ACCOUNT_D = "777777777777";
export const ACCOUNT_E = "888888888888";
/** An account of the same organization in an OU outside the granted path. */
export const ACCOUNT_BESIDE = "999999999999";
/** An account of another organization, in an OU whose ids match the granted path's. */
export const ACCOUNT_OTHER_ORG = "101010101010";

export const ORG_GRANT: OrganizationGrant = {
    kind: "organization",
    orgPath: GRANTED_OU,
    roleName: "shared-data-exchange",
    access: "read-write",
    prefix: "exchange/",
};

const memberOf = (orgPath: string) => ({ "aws:PrincipalOrgID": orgPath.split("/")[0], "aws:PrincipalOrgPaths": [orgPath] });
const ORG_PATH_OF: Record<string, string> = {
    [ACCOUNT_D]: `${GRANTED_OU}ou-ab12-22222222/`,
    [ACCOUNT_E]: GRANTED_OU,
    [ACCOUNT_BESIDE]: `${ORGANIZATION_ID}/r-ab12/ou-ab12-33333333/`,
    [ACCOUNT_OTHER_ORG]: "o-f6g7h8i9j0/r-ab12/ou-ab12-11111111/",
};

/** A role of `name` in `account`, with its organization keys and S3 read-write on every bucket. */
export function orgRole(account: string, name: string, label: string): Principal {
    return {
        label,
        arn: `arn:aws:iam::${account}:role/${name}`,
        identityPolicy: allow(["s3:GetObject", "s3:PutObject", "s3:ListBucket"]),
        context: memberOf(ORG_PATH_OF[account]),
    };
}

/** Through an S3 gateway endpoint that `account` owns; `endpointOrg` is what S3 would put in aws:VpceOrgID. */
export function throughOwnEndpoint(account: string, label: string, endpointOrg?: string): Path {
    return {
        label,
        context: {
            "aws:SourceVpce": `vpce-0${account.slice(0, 1).repeat(16)}`,
            "aws:VpceAccount": account,
            ...(endpointOrg === undefined ? {} : { "aws:VpceOrgID": endpointOrg }),
            "aws:SecureTransport": "true",
        },
    };
}

/** The organization grant beside listed consumers A and B, in the order docs/design.md shows them. */
export function organizationScenarios(): Scenario[] {
    const granted = orgRole(ACCOUNT_D, ORG_GRANT.roleName, `${ORG_GRANT.roleName} in D (child OU under the path)`);
    const grantedE = orgRole(ACCOUNT_E, ORG_GRANT.roleName, `${ORG_GRANT.roleName} in E (under the path)`);
    const otherName = orgRole(ACCOUNT_D, "other-app", "another role name in D");
    const beside = orgRole(ACCOUNT_BESIDE, ORG_GRANT.roleName, `${ORG_GRANT.roleName} in an OU outside the path`);
    const otherOrg = orgRole(ACCOUNT_OTHER_ORG, ORG_GRANT.roleName, `${ORG_GRANT.roleName} in another organization`);
    const service: Principal = { label: "an AWS service principal", arn: "logging.s3.amazonaws.com", context: { "aws:SourceAccount": ACCOUNT_D } };
    const dEndpoint = throughOwnEndpoint(ACCOUNT_D, "D's endpoint");
    const eEndpoint = throughOwnEndpoint(ACCOUNT_E, "E's endpoint");
    const viaService: Path = {
        label: "an AWS service acting for it",
        context: { "aws:ViaAWSService": "true", "aws:CalledVia": ["athena.amazonaws.com"], "aws:SecureTransport": "true" },
    };
    const { a, b, anonymous, ownerAdmin } = PRINCIPALS;
    const s = scenario;
    return [
        s(granted, dEndpoint, "s3:GetObject", "exchange/file.csv", "Allowed"),
        s(granted, dEndpoint, "s3:PutObject", "exchange/file.csv", "Allowed"),
        s(granted, dEndpoint, "s3:ListBucket", "", "Allowed", "exchange/"),
        s(granted, dEndpoint, "s3:GetObject", "data/file.csv", "ImplicitlyDenied"),
        s(granted, dEndpoint, "s3:DeleteObject", "exchange/file.csv", "ImplicitlyDenied"),
        s(grantedE, eEndpoint, "s3:GetObject", "exchange/file.csv", "Allowed"),
        s(granted, eEndpoint, "s3:GetObject", "exchange/file.csv", "ExplicitlyDenied"),
        s(granted, PATHS.aEndpoint, "s3:GetObject", "exchange/file.csv", "ExplicitlyDenied"),
        s(granted, PATHS.internet, "s3:GetObject", "exchange/file.csv", "ExplicitlyDenied"),
        s(granted, viaService, "s3:GetObject", "exchange/file.csv", "ExplicitlyDenied"),
        s(otherName, dEndpoint, "s3:GetObject", "exchange/file.csv", "ExplicitlyDenied"),
        s(beside, throughOwnEndpoint(ACCOUNT_BESIDE, "its own account's endpoint"), "s3:GetObject", "exchange/file.csv", "ImplicitlyDenied"),
        s(otherOrg, throughOwnEndpoint(ACCOUNT_OTHER_ORG, "its own account's endpoint"), "s3:GetObject", "exchange/file.csv", "ImplicitlyDenied"),
        s(anonymous, PATHS.internet, "s3:GetObject", "exchange/file.csv", "ExplicitlyDenied"),
        s(service, PATHS.internet, "s3:PutObject", "exchange/file.csv", "ExplicitlyDenied"),
        s(a, PATHS.aEndpoint, "s3:PutObject", "data/file.csv", "Allowed"),
        s(a, dEndpoint, "s3:GetObject", "data/file.csv", "ExplicitlyDenied"),
        s(b, PATHS.bEndpoint, "s3:GetObject", "reports/q1.csv", "Allowed"),
        s(b, PATHS.bEndpoint, "s3:GetObject", "exchange/file.csv", "ImplicitlyDenied"),
        s(b, PATHS.bEndpoint, "s3:PutObject", "reports/q1.csv", "ImplicitlyDenied"),
        s(ownerAdmin, PATHS.internet, "s3:GetObject", "exchange/file.csv", "Allowed"),
    ];
}

/**
 * A consumer of two owners (a data mesh): owner 1 (`OWNER`, `BUCKET`, `BUCKET_KEY`) grants consumer
 * A read-write under `exports/`; owner 2 (`THIRD_ACCOUNT`) grants A read under `reports/`, with a key
 * of its own. A's role and endpoint policies are built from both grants, as the consumer program does.
 */
export const SECOND_OWNER_BUCKET = "arn:aws:s3:::producer-two-data";
export const SECOND_OWNER_KEY = `arn:aws:kms:eu-west-1:${THIRD_ACCOUNT}:key/2c2c2c2c-2c2c-2c2c-2c2c-2c2c2c2c2c2c`;

export function twoOwnerWorld(lockMode: LockMode) {
    type OwnerGrant = RolePolicyInput & { readonly kmsKeyArn: string };
    const first: OwnerGrant = { bucketArn: BUCKET, access: "read-write", prefix: "exports/", kmsKeyArn: BUCKET_KEY };
    const second: OwnerGrant = { bucketArn: SECOND_OWNER_BUCKET, access: "read", prefix: "reports/", kmsKeyArn: SECOND_OWNER_KEY };
    const grantOf = (g: OwnerGrant): ConsumerGrant => ({ ...CONSUMER_A, access: g.access, prefix: g.prefix });
    const bucketPolicy = (g: OwnerGrant, owner: string) =>
        buildBucketPolicy({
            bucketArn: g.bucketArn,
            ownerAccountId: owner,
            grants: [grantOf(g)],
            encryption: { kind: "sse-kms", kmsKeyArn: g.kmsKeyArn },
            lockMode,
        });
    const endpointPolicy = buildEndpointPolicy(
        {
            mode: "owner-only",
            ownerBucketArn: first.bucketArn,
            access: first.access,
            prefix: first.prefix,
            accountId: ACCOUNT_A,
            extraBuckets: [],
            partition: "aws",
        },
        { ownerBucketArn: second.bucketArn, access: second.access, prefix: second.prefix },
    );
    const path: Path = { ...throughEndpointOf(CONSUMER_A, "A's endpoint"), endpointPolicy };
    const role: Principal = { label: "consumer A role", arn: CONSUMER_A.roleArn, identityPolicy: buildConsumerRolePolicy(first, second) };
    return {
        role,
        /** The same role with S3 read and write on every bucket: what the owners' bucket policies alone allow. */
        broadRole: { ...role, identityPolicy: allow(["s3:GetObject", "s3:PutObject", "s3:ListBucket"]) } as Principal,
        path,
        owners: [
            { bucketArn: first.bucketArn, account: OWNER, policy: bucketPolicy(first, OWNER) },
            { bucketArn: second.bucketArn, account: THIRD_ACCOUNT, policy: bucketPolicy(second, THIRD_ACCOUNT) },
        ],
    };
}

/** An adopted bucket's own grants, each a statement the bucket had before this project adopted it. */
export const ADOPTED = {
    /** A partner in a third account reads everything. */
    partnerRead: {
        Sid: "PartnerRead",
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${THIRD_ACCOUNT}:root` },
        Action: ["s3:GetObject", "s3:ListBucket"],
        Resource: [BUCKET, `${BUCKET}/*`],
    },
    /** S3 server access logs of another of the owner's buckets, delivered into logs/. */
    logDelivery: {
        Sid: "S3ServerAccessLogs",
        Effect: "Allow",
        Principal: { Service: "logging.s3.amazonaws.com" },
        Action: "s3:PutObject",
        Resource: `${BUCKET}/logs/*`,
        Condition: { StringEquals: { "aws:SourceAccount": OWNER } },
    },
} satisfies Record<string, Statement>;

/** The merged policy: the two consumers' grants and lock, and one adopted statement kept exempt or left under the lock. */
export function adoptedBucketPolicy(statement: Statement, choice: ExistingGrantChoice, lockMode: LockMode): PolicyDocument {
    const grants = grantsOutside([statement], OWNER);
    const exempt = lockExemption(choice === "exempt" ? grants : []);
    return buildBucketPolicy({
        bucketArn: BUCKET,
        ownerAccountId: OWNER,
        grants: [CONSUMER_A, CONSUMER_B],
        encryption: { kind: "sse-s3" },
        lockMode,
        adopted: { statements: [statement], exempt },
    });
}

export const LOG_DELIVERY: Principal = { label: "S3 log delivery (logging.s3.amazonaws.com)", arn: "logging.s3.amazonaws.com" };

/** How S3 log delivery arrives: not through any endpoint, naming the source bucket's account. */
export const LOG_DELIVERY_PATH: Path = {
    label: "S3's own delivery",
    context: { "aws:SecureTransport": "true", "aws:SourceAccount": OWNER, "aws:SourceArn": `arn:aws:s3:::web-assets-${OWNER}` },
};
