import { existsSync, readdirSync, readFileSync } from "fs";
import { join, resolve } from "path";
import { expect } from "chai";
import { Registration } from "../offline/mockCloud";
import { Plan, planRollout } from "../offline/plan";
import { PlacedRegistration, runStack, StackRunError, StackRunOptions, StackRunResult } from "../offline/runStack";
import { PROJECT_DIR } from "../config/existing-bucket";
import { PROJECT } from "../domain/stack-identity";
import { PolicyDocument } from "../policies/document";

/** The type token of every resource the programs register: the one map the specs use. */
export const TYPES = {
    bucket: "aws:s3/bucket:Bucket",
    publicAccessBlock: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    ownership: "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    encryption: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    versioning: "aws:s3/bucketVersioning:BucketVersioning",
    bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
    kmsKey: "aws:kms/key:Key",
    endpoint: "aws:ec2/vpcEndpoint:VpcEndpoint",
    endpointPolicy: "aws:ec2/vpcEndpointPolicy:VpcEndpointPolicy",
    routeTableAssociation: "aws:ec2/vpcEndpointRouteTableAssociation:VpcEndpointRouteTableAssociation",
    role: "aws:iam/role:Role",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    instanceProfile: "aws:iam/instanceProfile:InstanceProfile",
    lifecycle: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    logging: "aws:s3/bucketLogging:BucketLogging",
    glueDatabase: "aws:glue/catalogDatabase:CatalogDatabase",
    glueTable: "aws:glue/catalogTable:CatalogTable",
    workgroup: "aws:athena/workgroup:Workgroup",
    namedQuery: "aws:athena/namedQuery:NamedQuery",
    analyzer: "aws:accessanalyzer/analyzer:Analyzer",
    provider: "pulumi:providers:aws",
    stackReference: "pulumi:pulumi:StackReference",
    crossAccountBucket: "cross-account-s3:index:CrossAccountBucket",
    gatewayEndpoint: "cross-account-s3:index:S3GatewayEndpoint",
    workloadRole: "cross-account-s3:index:WorkloadRole",
} as const;

/** The one registration of this type (and name, when given); fails the spec otherwise. */
export function the(resources: readonly PlacedRegistration[], type: string, name?: string): PlacedRegistration {
    const found = resources.filter((r) => r.type === type && (name === undefined || r.name === name));
    expect(found, `registrations of ${type}${name ? ` "${name}"` : ""}`).to.have.length(1);
    return found[0];
}

export function all(resources: readonly Registration[], type: string): Registration[] {
    return resources.filter((r) => r.type === type);
}

/** The parsed JSON policy of a registration's `policy` input. */
export function policyOf(resource: Registration, field = "policy"): PolicyDocument {
    return JSON.parse(String(resource.inputs[field])) as PolicyDocument;
}

/** Only the AWS resources (no components, providers or stack references). */
export function cloudResources(resources: readonly Registration[]): Registration[] {
    return resources.filter((r) => r.type.startsWith("aws:"));
}

/** Awaits a run that must fail, and returns its error. */
export async function failure(run: Promise<unknown>): Promise<StackRunError> {
    try {
        await run;
    } catch (error) {
        expect(error).to.be.instanceOf(StackRunError);
        return error as StackRunError;
    }
    throw new Error("the run succeeded, but it should have failed");
}

/** A run that failed on its inputs registered nothing in AWS: no provider, no resource. */
export function expectNothingCreated(error: StackRunError): void {
    const created = error.resources.filter((r) => r.type !== TYPES.stackReference).map((r) => `${r.type} ${r.name}`);
    expect(created, "resources registered before the error").to.deep.equal([]);
}

const plans = new Map<string, Promise<Plan>>();

/**
 * planRollout, played once per set of stack files and stack list for the whole suite. A plan depends
 * on nothing but those files (the plan spec proves two runs agree), and specs only read it.
 */
export const planOnce: typeof planRollout = (options) => {
    const files = (existsSync(options.configDir) ? readdirSync(options.configDir) : [])
        .filter((f) => /^Pulumi\..+\.yaml$/.test(f))
        .sort()
        .map((f) => [f, readFileSync(join(options.configDir, f), "utf8")]);
    const key = JSON.stringify([options.configDir, options.stacks ?? null, files]);
    const plan = plans.get(key) ?? planRollout({ runStack: runOnce, ...options });
    plans.set(key, plan);
    return plan;
};

const runs = new Map<string, Promise<StackRunResult>>();
const POLICY_FILE = `${PROJECT}:existingBucketPolicy`;

/**
 * runStack, played once per set of inputs for the whole suite, as planOnce plays plans. A run depends
 * on nothing but its options and the bucket policy file its config may name (its text is part of the
 * key); specs only read the result, which is frozen. The plan spec's two runs of one plan still run twice.
 */
export function runOnce(options: StackRunOptions): Promise<StackRunResult> {
    const file = options.config[POLICY_FILE];
    const path = typeof file === "string" ? resolve(PROJECT_DIR, file) : undefined;
    const policy = path !== undefined && existsSync(path) ? readFileSync(path, "utf8") : null;
    const key = JSON.stringify([options, policy], (_, value: unknown) => (value === undefined ? "(undefined)" : value));
    const known = runs.get(key);
    if (known !== undefined) {
        return known;
    }
    const run = runStack(options).then(deepFreeze, (error: unknown) => {
        if (error instanceof StackRunError) {
            deepFreeze(error.resources);
        }
        throw error;
    });
    runs.set(key, run);
    return run;
}

/** The value, and every object inside it, frozen: for results that specs share and must only read. */
export function deepFreeze<T>(value: T): T {
    if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
        Object.freeze(value);
        Object.values(value).forEach(deepFreeze);
    }
    return value;
}
