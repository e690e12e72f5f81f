import { expect } from "chai";
import { Statement } from "../policies/document";
import {
    CONSUMER_ACCOUNT,
    CONSUMER_STACK,
    consumerOutputs,
    key,
    OWNER_ACCOUNT,
    ownerConfig,
    qualified,
    REGION,
    SECOND_CONSUMER_ACCOUNT,
    SECOND_CONSUMER_STACK,
} from "./fixtures";
import { all, expectNothingCreated, failure, policyOf, the, TYPES, runOnce } from "./helpers";

const statement = (doc: { Statement: readonly Statement[] }, sid: string) => doc.Statement.find((s) => s.Sid === sid);

describe("owner stack (through index.ts)", () => {
    describe("before any consumer has deployed", () => {
        it("creates the hardened bucket with the explicit provider, without grants or lock, and says what to run next", async () => {
            const run = await runOnce({ stack: "owner", config: ownerConfig(), stackOutputs: { [CONSUMER_STACK]: {} } });

            const provider = the(run.resources, TYPES.provider);
            expect(provider.name).to.equal("owner-account");
            expect(provider.inputs.region).to.equal(REGION);
            expect(JSON.parse(String(provider.inputs.allowedAccountIds))).to.deep.equal([OWNER_ACCOUNT]);

            const awsResources = run.resources.filter((r) => r.type.startsWith("aws:") && r.parent === "shared-data");
            expect(awsResources.map((r) => r.type).sort()).to.deep.equal(
                [TYPES.bucket, TYPES.publicAccessBlock, TYPES.ownership, TYPES.encryption, TYPES.versioning, TYPES.bucketPolicy].sort(),
            );
            for (const r of awsResources) {
                expect(r.parentType, `${r.type} parent`).to.equal(TYPES.crossAccountBucket);
            }
            for (const r of run.resources.filter((x) => x.type.startsWith("aws:"))) {
                expect(r.provider, `${r.type} ${r.name} provider`).to.equal("owner-account");
            }

            const doc = policyOf(the(run.resources, TYPES.bucketPolicy, "shared-data-policy"));
            expect(doc.Statement.map((s) => s.Sid)).to.deep.equal(["DenyInsecureTransport", "DenyOtherEncryption"]);
            expect(run.outputs.grantedRoleArns).to.deep.equal([]);
            expect(run.outputs.lockedVpceIds).to.deep.equal([]);
            expect(run.outputs.pendingConsumers).to.deep.equal([CONSUMER_STACK]);
            expect(run.logs.join("\n")).to.match(/Consumer stack .*consumer has no role or endpoint yet.*pulumi up -s owner again/);
        });

        it("exports what the consumer reads", async () => {
            const run = await runOnce({ stack: "owner", config: ownerConfig(), stackOutputs: { [CONSUMER_STACK]: {} } });
            const bucket = the(run.resources, TYPES.bucket, "shared-data");
            expect(run.outputs.bucketName).to.equal(bucket.state.bucket);
            expect(run.outputs.bucketArn).to.equal(`arn:aws:s3:::${String(bucket.state.bucket)}`);
            expect(run.outputs.region).to.equal(REGION);
            expect(run.outputs.accountId).to.equal(OWNER_ACCOUNT);
            expect(run.outputs).not.to.have.property("kmsKeyArn");
        });
    });

    describe("with one deployed consumer", () => {
        it("grants the consumer role its access and locks it to its endpoint", async () => {
            const consumer = consumerOutputs();
            const run = await runOnce({ stack: "owner", config: ownerConfig(), stackOutputs: { [CONSUMER_STACK]: consumer } });

            const doc = policyOf(the(run.resources, TYPES.bucketPolicy, "shared-data-policy"));
            const grant = statement(doc, "GrantReadWrite1");
            expect(grant?.Principal).to.deep.equal({ AWS: consumer.roleArn });
            expect(grant?.Action).to.deep.equal(["s3:GetObject", "s3:PutObject", "s3:ListBucket"]);
            const lock = statement(doc, "DenyConsumersOutsideTheirEndpoints");
            expect(lock?.Condition).to.deep.equal({ StringNotEquals: { "aws:PrincipalAccount": OWNER_ACCOUNT, "aws:SourceVpce": consumer.vpceId } });
            expect(statement(doc, "DenyEndpointsOfOtherAccounts")).to.not.equal(undefined);

            expect(run.outputs.grantedRoleArns).to.deep.equal([consumer.roleArn]);
            expect(run.outputs.lockedVpceIds).to.deep.equal([consumer.vpceId]);
            expect(run.outputs.pendingConsumers).to.deep.equal([]);
        });

        it("grants what the owner decided, and warns when the consumer asked for more", async () => {
            const config = ownerConfig({}, [{ stack: "consumer", accountId: CONSUMER_ACCOUNT, access: "read", prefix: "team-a/" }]);
            const run = await runOnce({ stack: "owner", config, stackOutputs: { [CONSUMER_STACK]: consumerOutputs() } });

            const doc = policyOf(the(run.resources, TYPES.bucketPolicy, "shared-data-policy"));
            expect(statement(doc, "GrantRead1")?.Action).to.equal("s3:GetObject");
            expect(statement(doc, "GrantRead1")?.Resource).to.match(/\/team-a\/\*$/);
            expect(statement(doc, "GrantRead1List")?.Condition).to.deep.equal({ StringLike: { "s3:prefix": "team-a/*" } });
            expect(run.logs.filter((l) => l.startsWith("warning:"))).to.have.length(2);
        });

        it("creates a customer-managed key that the consumer role may use through S3 when encryption is sse-kms", async () => {
            const consumer = consumerOutputs();
            const run = await runOnce({
                stack: "owner",
                config: ownerConfig({ [key("encryption")]: "sse-kms" }),
                stackOutputs: { [CONSUMER_STACK]: consumer },
            });

            const kmsKey = the(run.resources, TYPES.kmsKey);
            expect(kmsKey.inputs.enableKeyRotation).to.equal(true);
            const keyPolicy = policyOf(kmsKey);
            expect(statement(keyPolicy, "OwnerAccountAdministersKey")?.Principal).to.deep.equal({ AWS: `arn:aws:iam::${OWNER_ACCOUNT}:root` });
            expect(statement(keyPolicy, "ConsumersEncryptAndDecryptThroughS3")?.Principal).to.deep.equal({ AWS: consumer.roleArn });

            const sse = the(run.resources, TYPES.encryption, "shared-data-encryption").inputs.rules as {
                applyServerSideEncryptionByDefault: Record<string, string>;
                bucketKeyEnabled: boolean;
            }[];
            expect(sse[0].applyServerSideEncryptionByDefault).to.deep.equal({ sseAlgorithm: "aws:kms", kmsMasterKeyId: kmsKey.state.arn });
            expect(run.outputs.kmsKeyArn).to.equal(kmsKey.state.arn);
        });
    });

    describe("with two consumers", () => {
        const twoConsumers = [
            { stack: "consumer", accountId: CONSUMER_ACCOUNT, access: "read-write" },
            { stack: "consumer-eu", accountId: SECOND_CONSUMER_ACCOUNT, access: "read", prefix: "reports/" },
        ];

        it("gives each consumer its own grant and locks both endpoints", async () => {
            const first = consumerOutputs(CONSUMER_ACCOUNT, "a");
            const second = consumerOutputs(SECOND_CONSUMER_ACCOUNT, "b", { access: "read", prefix: "reports/" });
            const run = await runOnce({
                stack: "owner",
                config: ownerConfig({}, twoConsumers),
                stackOutputs: { [CONSUMER_STACK]: first, [SECOND_CONSUMER_STACK]: second },
            });

            const doc = policyOf(the(run.resources, TYPES.bucketPolicy, "shared-data-policy"));
            expect(statement(doc, "GrantReadWrite2")?.Principal).to.deep.equal({ AWS: first.roleArn });
            expect(statement(doc, "GrantRead1")?.Principal).to.deep.equal({ AWS: second.roleArn });
            const lock = statement(doc, "DenyConsumersOutsideTheirEndpoints");
            expect(lock?.Condition?.StringNotEquals["aws:SourceVpce"]).to.deep.equal([first.vpceId, second.vpceId]);
            expect(run.outputs.lockedVpceIds).to.deep.equal([first.vpceId, second.vpceId]);
            expect(run.logs.filter((l) => l.startsWith("warning:"))).to.deep.equal([]);
        });

        it("grants the deployed consumer and leaves the other pending", async () => {
            const run = await runOnce({
                stack: "owner",
                config: ownerConfig({}, twoConsumers),
                stackOutputs: { [CONSUMER_STACK]: consumerOutputs(), [SECOND_CONSUMER_STACK]: {} },
            });
            expect(run.outputs.grantedRoleArns).to.deep.equal([consumerOutputs().roleArn]);
            expect(run.outputs.pendingConsumers).to.deep.equal([SECOND_CONSUMER_STACK]);
        });
    });

    describe("locking consumers to their endpoints", () => {
        const twoConsumers = [
            { stack: "consumer", accountId: CONSUMER_ACCOUNT, access: "read-write" },
            { stack: "consumer-eu", accountId: SECOND_CONSUMER_ACCOUNT, access: "read" },
        ];
        const sids = (run: Awaited<ReturnType<typeof runOnce>>) =>
            policyOf(the(run.resources, TYPES.bucketPolicy, "shared-data-policy")).Statement.map((s) => s.Sid);

        it("exempts a consumer behind a shared-VPC endpoint from the account match and locks its role to that endpoint", async () => {
            const vpcOwner = "666666666666";
            const first = consumerOutputs(CONSUMER_ACCOUNT, "a", { vpceAccountId: vpcOwner });
            const second = consumerOutputs(SECOND_CONSUMER_ACCOUNT, "b", { vpceAccountId: SECOND_CONSUMER_ACCOUNT });
            const run = await runOnce({
                stack: "owner",
                config: ownerConfig({}, twoConsumers),
                stackOutputs: { [CONSUMER_STACK]: first, [SECOND_CONSUMER_STACK]: second },
            });
            const doc = policyOf(the(run.resources, TYPES.bucketPolicy, "shared-data-policy"));
            expect(statement(doc, "DenyEndpointsOfOtherAccounts")?.Condition?.ArnNotEquals).to.deep.equal({ "aws:PrincipalArn": first.roleArn });
            expect(statement(doc, "LockRole1ToItsEndpoints")?.Condition).to.deep.equal({
                ArnEquals: { "aws:PrincipalArn": first.roleArn },
                StringNotEquals: { "aws:SourceVpce": first.vpceId },
            });
            expect(sids(run).filter((sid) => sid?.startsWith("LockRole"))).to.deep.equal(["LockRole1ToItsEndpoints"]);
        });

        it("never uses aws:VpceAccount with lockMode per-consumer", async () => {
            const first = consumerOutputs(CONSUMER_ACCOUNT, "a");
            const second = consumerOutputs(SECOND_CONSUMER_ACCOUNT, "b", { access: "read" });
            const run = await runOnce({
                stack: "owner",
                config: ownerConfig({ [key("lockMode")]: "per-consumer" }, twoConsumers),
                stackOutputs: { [CONSUMER_STACK]: first, [SECOND_CONSUMER_STACK]: second },
            });
            const sent = String(the(run.resources, TYPES.bucketPolicy, "shared-data-policy").inputs.policy);
            expect(sent).not.to.contain("aws:VpceAccount");
            expect(sids(run)).to.include.members(["DenyConsumersOutsideTheirEndpoints", "LockAccount1ToItsEndpoints", "LockAccount2ToItsEndpoints"]);
        });

        it("refuses an unknown lockMode before creating anything", async () => {
            const error = await failure(
                runOnce({ stack: "owner", config: ownerConfig({ [key("lockMode")]: "per-role" }), stackOutputs: { [CONSUMER_STACK]: {} } }),
            );
            expect(error.message).to.contain('cross-account-s3:lockMode = "per-role": must be one of "account-match", "per-consumer"');
            expectNothingCreated(error);
        });

        it("refuses at its first preview a consumer list that can never fit the bucket policy", async () => {
            // Each consumer has its own long prefix, so each needs its own grant statements: 20 can never fit.
            const entries = Array.from({ length: 20 }, (_, i) => ({
                stack: `consumer-${i}`,
                accountId: String(500000000000 + i),
                access: "read",
                prefix: `${"p".repeat(500)}${i}/`,
            }));
            const stacks = Object.fromEntries(entries.map((e) => [qualified(e.stack), {}]));
            const error = await failure(runOnce({ stack: "owner", config: ownerConfig({}, entries), stackOutputs: stacks, preview: true }));
            expect(error.message).to.contain("20 consumers (20 not deployed yet, counted at their smallest possible size)");
            expect(error.message).to.match(/make the S3 bucket policy \(lockMode account-match\) at least \d+ bytes, over AWS's limit of 20480 bytes/);
            expect(error.resources.filter((r) => r.type.startsWith("aws:"))).to.deep.equal([]);
        });
    });

    describe("the optional Access Analyzer", () => {
        it("is created on request, in this account and region, and its name exported for npm run verify", async () => {
            const run = await runOnce({ stack: "owner", config: ownerConfig({ [key("accessAnalyzer")]: "true" }), stackOutputs: { [CONSUMER_STACK]: {} } });
            const analyzer = the(run.resources, TYPES.analyzer);
            expect(analyzer.inputs.type).to.equal("ACCOUNT");
            expect(analyzer.inputs.analyzerName).to.match(/^cross-account-s3-owner-[0-9a-f]{8}$/);
            expect(analyzer.provider).to.equal("owner-account");
            // AWS allows one account-level analyzer per account and region: a new name must delete the old one first.
            expect(analyzer.deleteBeforeReplace).to.equal(true);
            expect(run.outputs.accessAnalyzerName).to.equal(analyzer.inputs.analyzerName);
        });

        it("is not created by default: the account may already have its one analyzer", async () => {
            const run = await runOnce({ stack: "owner", config: ownerConfig(), stackOutputs: { [CONSUMER_STACK]: {} } });
            expect(all(run.resources, TYPES.analyzer)).to.deep.equal([]);
            expect(run.outputs).to.not.have.property("accessAnalyzerName");
        });
    });

    describe("protects the shared data", () => {
        it("protects the bucket (and key) by default, and can be told not to", async () => {
            const protectedTypes = async (extra: Record<string, unknown>) => {
                const run = await runOnce({
                    stack: "owner",
                    config: ownerConfig({ [key("encryption")]: "sse-kms", ...extra }),
                    stackOutputs: { [CONSUMER_STACK]: {} },
                });
                return run.resources
                    .filter((r) => r.protect)
                    .map((r) => r.type)
                    .sort();
            };
            expect(await protectedTypes({})).to.deep.equal([TYPES.bucket, TYPES.kmsKey].sort());
            expect(await protectedTypes({ [key("protect")]: "false" })).to.deep.equal([]);
        });
    });

    describe("refuses bad values read from a consumer stack, before creating anything", () => {
        const cases: [string, Record<string, unknown>, RegExp][] = [
            ["a vpceId that is not a vpce- id", { vpceId: "vpc-0aaaaaaaaaaaaaaaa" }, /output vpceId = "vpc-0aaaaaaaaaaaaaaaa": must be a VPC endpoint id/],
            [
                "a role ARN from another account",
                { roleArn: `arn:aws:iam::${SECOND_CONSUMER_ACCOUNT}:role/x` },
                /belongs to account 333333333333, but the owner shares with this stack as account 222222222222/,
            ],
            ["a role ARN that is not a role", { roleArn: "arn:aws:iam::222222222222:user/bob" }, /output roleArn = .*must be an IAM role ARN/],
            ["a consumer in another region", { region: "us-east-1" }, /output region = "us-east-1": differs from the bucket's region "eu-west-1"/],
            ["an endpoint without a role", { roleArn: undefined }, /output roleArn = \(not set\): is missing/],
        ];
        for (const [what, override, message] of cases) {
            it(what, async () => {
                const outputs = { ...consumerOutputs(), ...override };
                const error = await failure(runOnce({ stack: "owner", config: ownerConfig(), stackOutputs: { [CONSUMER_STACK]: outputs } }));
                expect(error.message).to.match(message);
                expect(error.message).to.contain("Fix:");
                expectNothingCreated(error);
            });
        }

        describe("two consumer stacks that adopt one endpoint", () => {
            const shared = "vpce-0123456789abcdef0";
            const config = ownerConfig({}, [
                { stack: "consumer", accountId: CONSUMER_ACCOUNT },
                { stack: "consumer-eu", accountId: SECOND_CONSUMER_ACCOUNT },
            ]);
            const outputs = (secondManages: boolean) => ({
                [CONSUMER_STACK]: consumerOutputs(CONSUMER_ACCOUNT, "a", { vpceId: shared, vpceAccountId: CONSUMER_ACCOUNT }),
                [SECOND_CONSUMER_STACK]: consumerOutputs(SECOND_CONSUMER_ACCOUNT, "b", {
                    vpceId: shared,
                    vpceAccountId: CONSUMER_ACCOUNT,
                    endpointPolicyManaged: secondManages,
                }),
            });

            it("are refused when both manage its policy, naming both stacks and the fix", async () => {
                const error = await failure(runOnce({ stack: "owner", config, stackOutputs: outputs(true) }));
                expect(error.message).to.contain(
                    `${CONSUMER_STACK}, ${SECOND_CONSUMER_STACK} output endpointPolicyManaged = "${shared}": consumer and consumer-eu each manage the policy of this one endpoint`,
                );
                expect(error.message).to.contain("the last one wins");
                expect(error.message).to.contain(
                    "Fix: manage it from one stack only: pulumi config set cross-account-s3:endpointPolicy unmanaged -s consumer-eu",
                );
                expectNothingCreated(error);
            });

            it("are granted and locked when only one manages it, which the owner reports for the others to check", async () => {
                const run = await runOnce({ stack: "owner", config, stackOutputs: outputs(false) });
                expect(run.outputs.lockedVpceIds).to.deep.equal([shared]);
                expect(run.outputs.grantedRoleArns).to.have.length(2);
                expect(run.outputs.endpointPolicyManagers).to.deep.equal({ [shared]: [CONSUMER_STACK] });
            });
        });

        it("reports the problems of every consumer at once", async () => {
            const config = ownerConfig({}, [
                { stack: "consumer", accountId: CONSUMER_ACCOUNT },
                { stack: "consumer-eu", accountId: SECOND_CONSUMER_ACCOUNT },
            ]);
            const error = await failure(
                runOnce({
                    stack: "owner",
                    config,
                    stackOutputs: {
                        [CONSUMER_STACK]: consumerOutputs(CONSUMER_ACCOUNT, "a", { vpceId: "nope" }),
                        [SECOND_CONSUMER_STACK]: consumerOutputs(SECOND_CONSUMER_ACCOUNT, "b", { region: "us-east-1" }),
                    },
                }),
            );
            expect(error.message).to.contain("(2 problems)");
            expectNothingCreated(error);
        });
    });

    it("fails like the engine when a listed consumer stack does not exist", async () => {
        const error = await failure(runOnce({ stack: "owner", config: ownerConfig(), stackOutputs: {} }));
        expect(error.message).to.contain(`unknown stack "${CONSUMER_STACK}"`);
        expect(all(error.resources, TYPES.provider)).to.deep.equal([]);
    });
});
