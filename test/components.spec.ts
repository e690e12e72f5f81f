import * as aws from "../resources/aws";
import { expect } from "chai";
import { AccessLogs, validateAccessLogsArgs } from "../components/accessLogs";
import { CrossAccountBucket, CrossAccountBucketArgs, validateCrossAccountBucketArgs } from "../components/crossAccountBucket";
import { s3ServiceName, S3GatewayEndpoint, validateS3GatewayEndpointArgs } from "../components/s3GatewayEndpoint";
import { validateWorkloadRoleArgs, WorkloadRole } from "../components/workloadRole";
import { runUnderMocks, StackRunResult } from "../offline/runStack";
import { CONSUMER_ACCOUNT, OWNER_ACCOUNT, REGION } from "./fixtures";
import { all, failure, policyOf, the, TYPES } from "./helpers";
import { ConsumerGrant, LockMode } from "../domain/terms";

/** Builds components on an explicit provider, as the stack programs do. */
function inAccount(accountId: string, build: (provider: aws.Provider) => Record<string, unknown>): Promise<StackRunResult> {
    return runUnderMocks({ stack: "components", config: {} }, () => build(new aws.Provider("account", { region: REGION, allowedAccountIds: [accountId] })));
}

const grant = (n: number, overrides: Partial<ConsumerGrant> = {}): ConsumerGrant => {
    const account = String(200000000000 + n);
    return {
        roleArn: `arn:aws:iam::${account}:role/workload-${String(n).padStart(7, "0")}`,
        accountId: account,
        vpceIds: [`vpce-${n.toString(16).padStart(17, "0")}`],
        access: "read",
        ...overrides,
    };
};

const bucketArgs = (overrides: Partial<CrossAccountBucketArgs> = {}): CrossAccountBucketArgs => ({
    ownerAccountId: OWNER_ACCOUNT,
    region: REGION,
    ...overrides,
});

describe("CrossAccountBucket", () => {
    const build = (args: CrossAccountBucketArgs) =>
        inAccount(OWNER_ACCOUNT, (provider) => {
            const b = new CrossAccountBucket("data", args, { providers: [provider] });
            return { bucketName: b.bucketName, bucketArn: b.bucketArn, policy: b.policy };
        });

    it("names every child after the component and parents it there, on the explicit provider", async () => {
        const run = await build(bucketArgs());
        const children = run.resources.filter((r) => r.type.startsWith("aws:"));
        expect(children.map((r) => r.name).sort()).to.deep.equal(
            ["data", "data-encryption", "data-ownership", "data-policy", "data-public-access-block", "data-versioning"].sort(),
        );
        for (const child of children) {
            expect(child.parent, child.name).to.equal("data");
            expect(child.parentType, child.name).to.equal(TYPES.crossAccountBucket);
            expect(child.provider, child.name).to.equal("account");
        }
    });

    it("is private, owner-enforced, encrypted with SSE-S3 and versioned by default", async () => {
        const run = await build(bucketArgs());
        expect(the(run.resources, TYPES.publicAccessBlock).inputs).to.include({
            blockPublicAcls: true,
            blockPublicPolicy: true,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
        });
        expect(the(run.resources, TYPES.ownership).inputs.rule).to.deep.equal({ objectOwnership: "BucketOwnerEnforced" });
        expect(the(run.resources, TYPES.encryption).inputs.rules).to.deep.equal([
            { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" }, blockedEncryptionTypes: ["SSE-C"] },
        ]);
        expect(the(run.resources, TYPES.versioning).inputs.versioningConfiguration).to.deep.equal({ status: "Enabled" });
        expect(all(run.resources, TYPES.kmsKey)).to.deep.equal([]);
    });

    it("is never deleted by a stack destroy: the bucket and its settings are retained and forceDestroy is off", async () => {
        const run = await build(bucketArgs({ encryption: "sse-kms" }));
        const bucket = the(run.resources, TYPES.bucket);
        expect(bucket.inputs.forceDestroy).to.equal(false);
        for (const type of [TYPES.bucket, TYPES.publicAccessBlock, TYPES.ownership, TYPES.encryption, TYPES.versioning, TYPES.kmsKey]) {
            expect(the(run.resources, type).retainOnDelete, type).to.equal(true);
        }
        // Destroying the owner stack ends the sharing: the grants go, the data stays.
        expect(the(run.resources, TYPES.bucketPolicy).retainOnDelete).to.equal(false);
    });

    it("applies bucket settings one after another, with Block Public Access before the policy (S3 409 OperationAborted)", async () => {
        const run = await build(bucketArgs());
        expect(the(run.resources, TYPES.ownership).dependsOn).to.include("data-public-access-block");
        expect(the(run.resources, TYPES.encryption).dependsOn).to.include("data-ownership");
        expect(the(run.resources, TYPES.versioning).dependsOn).to.include("data-encryption");
        expect(the(run.resources, TYPES.bucketPolicy).dependsOn).to.include.members(["data-public-access-block", "data-ownership", "data-versioning"]);
    });

    it("is auto-named by default and honours an explicit name", async () => {
        const auto = await build(bucketArgs());
        expect(the(auto.resources, TYPES.bucket).inputs).not.to.have.property("bucket");
        const named = await build(bucketArgs({ bucketName: "acme-shared-data" }));
        expect(the(named.resources, TYPES.bucket).inputs.bucket).to.equal("acme-shared-data");
        expect(named.outputs.bucketArn).to.equal("arn:aws:s3:::acme-shared-data");
    });

    it("sends the bucket policy built for the real bucket ARN, without whitespace", async () => {
        const run = await build(bucketArgs({ bucketName: "acme-shared-data", grants: [grant(1)] }));
        const sent = String(the(run.resources, TYPES.bucketPolicy).inputs.policy);
        expect(sent).not.to.match(/\s/);
        expect(sent).to.equal(run.outputs.policy);
        expect(policyOf(the(run.resources, TYPES.bucketPolicy)).Statement[0].Resource).to.deep.equal([
            "arn:aws:s3:::acme-shared-data",
            "arn:aws:s3:::acme-shared-data/*",
        ]);
    });

    describe("refuses bad args before creating anything", () => {
        it("a consumer in the owner account", async () => {
            const error = await failure(
                build(bucketArgs({ grants: [grant(1, { accountId: OWNER_ACCOUNT, roleArn: `arn:aws:iam::${OWNER_ACCOUNT}:role/x` })] })),
            );
            expect(error.message).to.contain('grants[0].accountId = "111111111111": is the owner account itself, which the endpoint lock never covers');
            expect(all(error.resources, TYPES.crossAccountBucket)).to.deep.equal([]);
            expect(error.resources.filter((r) => r.type.startsWith("aws:"))).to.deep.equal([]);
        });

        it("a policy over S3's 20 KB, naming the size, the limit and the count of consumers", () => {
            const consumers = Array.from({ length: 300 }, (_, i) =>
                grant(i + 1, { roleArn: `arn:aws:iam::${String(200000000001 + i)}:role/${"r".repeat(40)}${i}` }),
            );
            const issues = validateCrossAccountBucketArgs(bucketArgs({ grants: consumers }));
            expect(issues).to.have.length(1);
            expect(issues[0].value).to.equal("300 consumers");
            expect(issues[0].rule).to.match(/^make the S3 bucket policy \(lockMode account-match\) \d+ bytes, over AWS's limit of 20480 bytes$/);
        });

        it("an unknown lock mode and an endpoint account that is not an account id", async () => {
            const args = bucketArgs({ lockMode: "per-role" as LockMode, grants: [grant(1, { vpceAccountId: "12345" })] });
            expect(validateCrossAccountBucketArgs(args).map((i) => `${i.key}: ${i.rule}`)).to.deep.equal([
                'lockMode: must be one of "account-match", "per-consumer"',
                "grants[0].vpceAccountId: must be a 12-digit AWS account id",
            ]);
            const error = await failure(build(args));
            expect(error.resources.filter((r) => r.type.startsWith("aws:") || r.type === TYPES.crossAccountBucket)).to.deep.equal([]);
        });
    });

    describe("keeps writes on the bucket's own encryption", () => {
        it("blocks SSE-C in the bucket's encryption settings, under sse-s3 and sse-kms", async () => {
            for (const encryption of ["sse-s3", "sse-kms"] as const) {
                const run = await build(bucketArgs({ encryption }));
                const [rule] = the(run.resources, TYPES.encryption).inputs.rules as { blockedEncryptionTypes: string[] }[];
                expect(rule.blockedEncryptionTypes, encryption).to.deep.equal(["SSE-C"]);
            }
        });

        it("under sse-kms, refuses writes naming any key but the bucket's own, by its real ARN", async () => {
            const run = await build(bucketArgs({ encryption: "sse-kms", grants: [grant(1)] }));
            const keyArn = the(run.resources, TYPES.kmsKey).state.arn;
            const doc = policyOf(the(run.resources, TYPES.bucketPolicy));
            const otherKeys = doc.Statement.find((s) => s.Sid === "DenyOtherKmsKeys");
            expect(otherKeys?.Condition).to.deep.equal({
                Null: { "s3:x-amz-server-side-encryption": "false" },
                StringNotEquals: { "s3:x-amz-server-side-encryption-aws-kms-key-id": keyArn },
            });
        });

        it("pins the key to this bucket: its policy names the bucket's real ARN", async () => {
            const run = await build(bucketArgs({ encryption: "sse-kms", bucketName: "acme-shared-data", grants: [grant(1)] }));
            const consumerUse = policyOf(the(run.resources, TYPES.kmsKey)).Statement.find((s) => s.Sid === "ConsumersDecryptThroughS3");
            expect(consumerUse?.Condition?.StringLike).to.deep.equal({
                "kms:EncryptionContext:aws:s3:arn": ["arn:aws:s3:::acme-shared-data", "arn:aws:s3:::acme-shared-data/*"],
            });
        });
    });

    describe("protects the data from a replacement", () => {
        it("protects the bucket and its key by default, and nothing that holds no data", async () => {
            const run = await build(bucketArgs({ encryption: "sse-kms" }));
            const protectedOnes = run.resources.filter((r) => r.protect).map((r) => r.type);
            expect(protectedOnes.sort()).to.deep.equal([TYPES.bucket, TYPES.kmsKey].sort());
        });

        it("honours protect: false (a test bucket that may be replaced)", async () => {
            const run = await build(bucketArgs({ encryption: "sse-kms", protect: false }));
            expect(run.resources.filter((r) => r.protect)).to.deep.equal([]);
            expect(the(run.resources, TYPES.bucket).retainOnDelete).to.equal(true);
        });
    });
});

describe("S3GatewayEndpoint", () => {
    const policy = { mode: "owner-only" as const, ownerBucketArn: "arn:aws:s3:::acme", access: "read" as const, accountId: CONSUMER_ACCOUNT, extraBuckets: [] };

    it("names the endpoint after the component, parents it, and sorts route tables so order in config causes no diff", async () => {
        const run = await inAccount(CONSUMER_ACCOUNT, (provider) => {
            const e = new S3GatewayEndpoint(
                "s3",
                { region: REGION, vpcId: "vpc-0a1b2c3d", routeTableIds: ["rtb-0000000b", "rtb-0000000a"], endpointPolicy: policy },
                { providers: [provider] },
            );
            return { vpceId: e.vpceId };
        });
        const endpoint = the(run.resources, TYPES.endpoint, "s3");
        expect(endpoint.parent).to.equal("s3");
        expect(endpoint.inputs.routeTableIds).to.deep.equal(["rtb-0000000a", "rtb-0000000b"]);
        expect(run.outputs.vpceId).to.match(/^vpce-[0-9a-f]{17}$/);
    });

    it("names S3's gateway service com.amazonaws.<region>.s3 in every partition, China included", () => {
        expect(s3ServiceName("cn-north-1")).to.equal("com.amazonaws.cn-north-1.s3");
        expect(s3ServiceName("us-gov-west-1")).to.equal("com.amazonaws.us-gov-west-1.s3");
        expect(s3ServiceName("eu-west-1")).to.equal("com.amazonaws.eu-west-1.s3");
    });

    it("refuses a missing VPC, no route tables and duplicates at once, before creating anything", async () => {
        const issues = validateS3GatewayEndpointArgs({ region: REGION, routeTableIds: [], endpointPolicy: policy });
        expect(issues.map((i) => `${i.key}: ${i.rule}`)).to.deep.equal([
            "vpcId: is required unless existingEndpointId is set",
            "routeTableIds: must list at least one route table when creating an endpoint",
        ]);
        const error = await failure(
            inAccount(CONSUMER_ACCOUNT, (provider) => {
                new S3GatewayEndpoint(
                    "s3",
                    { region: REGION, vpcId: "vpc-0a1b2c3d", routeTableIds: ["rtb-0000000a", "rtb-0000000a"], endpointPolicy: policy },
                    { providers: [provider] },
                );
                return {};
            }),
        );
        expect(error.message).to.contain('routeTableIds[1] = "rtb-0000000a": appears twice');
        expect(all(error.resources, TYPES.endpoint)).to.deep.equal([]);
        expect(all(error.resources, TYPES.gatewayEndpoint)).to.deep.equal([]);
    });
});

describe("S3GatewayEndpoint of another account (shared VPC)", () => {
    const policy = { mode: "owner-only" as const, ownerBucketArn: "arn:aws:s3:::acme", access: "read" as const, accountId: CONSUMER_ACCOUNT, extraBuckets: [] };
    const shared = { region: REGION, routeTableIds: [], existingEndpointId: "vpce-0123456789abcdef0", endpointOwnerAccountId: "555555555555" };

    it("accepts the endpoint id and its owner alone", () => {
        expect(validateS3GatewayEndpointArgs(shared)).to.deep.equal([]);
    });

    it("refuses what would need the VPC owner's endpoint: route tables, a policy, no endpoint id, a bad account", () => {
        const keys = (args: Parameters<typeof validateS3GatewayEndpointArgs>[0]) => validateS3GatewayEndpointArgs(args).map((i) => `${i.key}: ${i.rule}`);
        expect(keys({ ...shared, routeTableIds: ["rtb-0a1b2c3d"] })).to.deep.equal([
            "routeTableIds: must be empty for an endpoint of another account: its route tables are the VPC owner's",
        ]);
        expect(keys({ ...shared, endpointPolicy: policy })).to.deep.equal([
            "endpointPolicy: must be left out for an endpoint of another account: its policy is the VPC owner's",
        ]);
        expect(keys({ ...shared, existingEndpointId: undefined, vpcId: "vpc-0a1b2c3d" })).to.include("endpointOwnerAccountId: requires existingEndpointId");
        expect(keys({ ...shared, endpointOwnerAccountId: "5555" })).to.deep.equal(["endpointOwnerAccountId: must be a 12-digit AWS account id"]);
    });
});

describe("WorkloadRole", () => {
    it("refuses a prefix with a wildcard and a KMS alias instead of a key ARN", async () => {
        const args = { buckets: [{ bucketArn: "arn:aws:s3:::acme", access: "read" as const, prefix: "*", kmsKeyArn: "alias/aws/s3" }] };
        expect(validateWorkloadRoleArgs(args).map((i) => i.key)).to.deep.equal(["buckets[0].prefix", "buckets[0].kmsKeyArn"]);
        const error = await failure(
            inAccount(CONSUMER_ACCOUNT, (provider) => {
                new WorkloadRole("workload", args, { providers: [provider] });
                return {};
            }),
        );
        expect(error.message).to.contain("must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<uuid>), not an alias");
        expect(error.resources.filter((r) => r.type.startsWith("aws:") || r.type === TYPES.workloadRole)).to.deep.equal([]);
    });
});

describe("AccessLogs", () => {
    const args = { sourceBucketName: "data", sourceBucketArn: "arn:aws:s3:::data", accountId: OWNER_ACCOUNT, region: REGION, catalogName: "owner_shared_data" };

    it("refuses a retention outside 1–3650 days and a catalog name Athena cannot use, before creating anything", async () => {
        expect(validateAccessLogsArgs(args)).to.deep.equal([]);
        expect(validateAccessLogsArgs({ ...args, retentionDays: 0, catalogName: "Owner-Data" }).map((i) => `${i.key}: ${i.rule}`)).to.deep.equal([
            "retentionDays: must be a whole number from 1 to 3650",
            "catalogName: may hold only lowercase letters, digits and underscores (Athena names)",
        ]);
        const error = await failure(
            inAccount(OWNER_ACCOUNT, (provider) => {
                new AccessLogs("logs", { ...args, retentionDays: 4000 }, { providers: [provider] });
                return {};
            }),
        );
        expect(error.message).to.contain(
            'Invalid arguments for AccessLogs "logs" (1 problem):\n  - retentionDays = 4000: must be a whole number from 1 to 3650.',
        );
        expect(error.resources.filter((r) => r.type.startsWith("aws:") || r.type === "cross-account-s3:index:AccessLogs")).to.deep.equal([]);
    });

    it("refuses a catalog name whose workgroup name would pass Athena's limit of 128 characters", () => {
        const long = "a".repeat(117);
        expect(validateAccessLogsArgs({ ...args, catalogName: "a".repeat(116) })).to.deep.equal([]);
        expect(validateAccessLogsArgs({ ...args, catalogName: long }).map((i) => `${i.key}: ${i.rule}`)).to.deep.equal([
            "catalogName: makes the workgroup name 129 characters, over AWS's limit of 128",
        ]);
    });
});
