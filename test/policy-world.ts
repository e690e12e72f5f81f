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
import { buildConsumerRolePolicy } from "../policies/role-policy";
import { WriteEncryption } from "../policies/write-encryption";
import { ConsumerGrant, EndpointPolicyMode, LockMode } from "../domain/terms";

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
    readonly context: Readonly<Record<string, string>>;
    /** The endpoint policy in force on this path, if it crosses an endpoint. */
    readonly endpointPolicy?: PolicyDocument;
}

export interface Principal {
    readonly label: string;
    readonly arn: string | "anonymous";
    readonly identityPolicy?: PolicyDocument;
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
export function bucketPolicyFor(consumers: readonly ConsumerGrant[], options: PolicyOptions = DEFAULT_OPTIONS): PolicyDocument {
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

/** The scenarios that must hold for the two-consumer bucket, in the order docs/design.md shows them. */
export function bucketScenarios(): Scenario[] {
    const { a, b, otherInA, thirdAccount, anonymous, ownerAdmin, ownerDeployer } = PRINCIPALS;
    const s = (principal: Principal, path: Path, action: string, key: string, expected: Decision, listPrefix?: string): Scenario => ({
        principal,
        path,
        action,
        key,
        expected,
        ...(listPrefix === undefined ? {} : { listPrefix }),
    });
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
    const context: Record<string, string> = { ...path.context, ...request.headers, "aws:ResourceAccount": request.resourceAccount };
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
export function evaluateScenario(scenario: Scenario, consumers: readonly ConsumerGrant[], options: PolicyOptions = DEFAULT_OPTIONS): Promise<Evaluation> {
    const resource = scenario.key === "" ? BUCKET : `${BUCKET}/${scenario.key}`;
    return evaluate({ ...scenario, resource, resourceAccount: OWNER }, bucketPolicyFor(consumers, options));
}

/**
 * A request S3 makes to KMS for a caller, evaluated against the key policy. The validated simulation
 * drops `kms:EncryptionContext:<key>` context keys (it matches variable keys of the `prefix/name` form
 * only), so this runs the same evaluator's unvalidated entry point, which takes the context as given;
 * every key passed here is one AWS sets on such a request.
 */
export function evaluateKeyUse(request: { principal: Principal; action: string; context: Record<string, string> }, keyPolicy: PolicyDocument): Decision {
    const { principal } = request;
    const simulation = {
        request: {
            principal: principal.arn,
            action: request.action,
            resource: { resource: BUCKET_KEY, accountId: OWNER },
            contextVariables: { "aws:PrincipalArn": principal.arn, "aws:PrincipalAccount": accountOf(principal.arn), ...request.context },
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
