import { expect } from "chai";
import { mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { parse, stringify } from "yaml";
import { Plan, PlanError, PlannedPhase, planRollout } from "../offline/plan";
import { renderJson } from "../offline/planReport";
import { cannotExempt, grantsOutside, lockExemption, NO_EXEMPTION, parseBucketPolicy } from "../policies/adopted-policy";
import { CrossAccountBucketArgs, validateCrossAccountBucketArgs } from "../components/crossAccountBucket";
import { buildBucketPolicy } from "../policies/bucket-policy";
import { PolicyDocument, Statement } from "../policies/document";
import { unlockedGrants } from "../policy-pack/policies";
import { CONSUMER_ACCOUNT, CONSUMER_STACK, consumerOutputs, key, OWNER_ACCOUNT, ownerConfig, REGION } from "./fixtures";
import { all, expectNothingCreated, failure, planOnce, policyOf, the, TYPES, runOnce } from "./helpers";
import { consumerSettingsOf, ownerSettingsOf, readStackFile } from "../config/stack-files";
import { AccountApi } from "../verify/aws";
import { ConsumerStack, expectedDocuments, OwnerStack } from "../verify/expected";
import { compareDocument } from "../verify/judge";
import { judgeAdoptedPolicy, verifyPlanned } from "../verify/planned";
import { MissingCredentials, sameSids } from "../verify/run";

const FOLDER = "test/stacks/adopted-bucket";
const EXISTING_POLICY = `${FOLDER}/existing-bucket-policy.json`;
const THIRD_ACCOUNT_POLICY = `${FOLDER}/third-account-policy.json`;
const BUCKET = "legacy-analytics-data";
const KEY_ARN = `arn:aws:kms:${REGION}:${OWNER_ACCOUNT}:key/0f0e0d0c-0b0a-0908-0706-050403020100`;

/** The statements of a fixture policy file, read the way the stack reads it. */
const statementsOf = (file: string) => parseBucketPolicy(readFileSync(join(__dirname, "..", file), "utf8")) as Statement[];

const adopting = (overrides: Record<string, unknown> = {}) =>
    ownerConfig({ [key("existingBucketName")]: BUCKET, ...overrides }, [{ stack: "consumer", accountId: CONSUMER_ACCOUNT, access: "read-write" }]);

const runOwner = (config: Record<string, unknown>) => runOnce({ stack: "owner", config, stackOutputs: { [CONSUMER_STACK]: consumerOutputs() } });

describe("adopting an existing bucket", () => {
    describe(`npm run plan of ${FOLDER}`, function () {
        this.timeout(60_000);
        let plan: Plan;
        let finalOwner: PlannedPhase;
        before(async () => {
            plan = await planOnce({ configDir: join(__dirname, "stacks", "adopted-bucket") });
            finalOwner = plan.phases[plan.phases.length - 1];
        });

        it("creates no bucket: every owner phase reads the named one, marked adopted in the JSON plan", () => {
            for (const phase of plan.phases.filter((p) => p.stack === "owner")) {
                const buckets = phase.resources.filter((r) => r.type === TYPES.bucket);
                expect(buckets.map((b) => [b.name, b.adopted])).to.deep.equal([["shared-data", true]]);
                expect(phase.resources.filter((r) => r.type.startsWith("aws:") && r.type !== TYPES.bucket && r.adopted).map((r) => r.name)).to.deep.equal([]);
            }
            const json = JSON.parse(renderJson(plan)) as { phases: { resources: { type: string; adopted: boolean }[] }[] };
            expect(json.phases[2].resources.find((r) => r.type === TYPES.bucket)?.adopted).to.equal(true);
        });

        it("writes a final bucket policy holding the adopted statement beside the grant and the lock", () => {
            const policy = finalOwner.resources.find((r) => r.type === TYPES.bucketPolicy)!.inputs.policy as PolicyDocument;
            const [extra] = statementsOf(EXISTING_POLICY);
            expect(policy.Statement.find((s) => s.Sid === extra.Sid)).to.deep.equal(extra);
            expect(policy.Statement.map((s) => s.Sid)).to.include.members([
                "GrantReadWrite1",
                "DenyConsumersOutsideTheirEndpoints",
                "DenyEndpointsOfOtherAccounts",
            ]);
            const lock = policy.Statement.find((s) => s.Sid === "DenyConsumersOutsideTheirEndpoints")!;
            expect(lock.Condition?.StringNotEquals?.["aws:PrincipalServiceName"]).to.equal("logging.s3.amazonaws.com");
        });

        it("manages the settings not kept, retained on destroy, keeps versioning, and says what each one replaces", () => {
            const owned = finalOwner.resources.filter((r) => r.parent === "shared-data" && r.type !== TYPES.bucket);
            expect(owned.map((r) => r.type).sort()).to.deep.equal([TYPES.publicAccessBlock, TYPES.ownership, TYPES.bucketPolicy, TYPES.encryption].sort());
            for (const r of owned) {
                expect(r.options.retainOnDelete, r.name).to.equal(true);
            }
            // Versioning is kept, so the policy waits for the encryption step instead (S3 409 OperationAborted).
            expect(owned.find((r) => r.type === TYPES.bucketPolicy)!.options.dependsOn).to.include.members([
                "shared-data-public-access-block",
                "shared-data-ownership",
                "shared-data-encryption",
            ]);
            expect(finalOwner.logs.join("\n")).to.match(/managing publicAccessBlock replaces the bucket's Block Public Access settings/);
            expect(finalOwner.logs.join("\n")).to.match(/versioning is left as the bucket has it/);
            expect(finalOwner.logs.join("\n")).to.match(/"S3ServerAccessLogs" \(service logging.s3.amazonaws.com\) is exempt from the endpoint lock/);
        });
    });

    it("reads the bucket whatever protect says: nothing of this stack can replace or delete it", async () => {
        for (const protect of ["true", "false"]) {
            const run = await runOwner(adopting({ [key("protect")]: protect }));
            const bucket = the(run.resources, TYPES.bucket);
            expect([bucket.read, bucket.id, bucket.inputs], `protect ${protect}`).to.deep.equal([true, BUCKET, {}]);
        }
    });

    it("counts the adopted statements in the bucket policy's 20 KB", () => {
        const big: Statement = {
            ...statementsOf(EXISTING_POLICY)[0],
            Sid: "Big",
            Resource: Array.from({ length: 600 }, (_, i) => `arn:aws:s3:::${BUCKET}/logs-${i}/*`),
        };
        const args: CrossAccountBucketArgs = { ownerAccountId: OWNER_ACCOUNT, region: REGION, existingBucket: { name: BUCKET } };
        expect(validateCrossAccountBucketArgs(args)).to.deep.equal([]);
        const issues = validateCrossAccountBucketArgs({ ...args, existingBucket: { name: BUCKET, policy: { statements: [big], exempt: NO_EXEMPTION } } });
        expect(issues.map((i) => i.rule)).to.have.length(1);
        expect(issues[0].rule).to.match(/^make the S3 bucket policy \(lockMode account-match\) \d+ bytes, over AWS's limit of 20480 bytes$/);
    });

    it("npm run plan stops on a policy file granting a third account without a choice, naming the statement and the choice", async () => {
        const dir = mkdtempSync(join(tmpdir(), "adopted-"));
        const owner = parse(readFileSync(join(__dirname, "stacks", "adopted-bucket", "Pulumi.owner.yaml"), "utf8")) as { config: Record<string, unknown> };
        const config = { ...owner.config, [key("existingBucketPolicy")]: THIRD_ACCOUNT_POLICY };
        delete config[key("existingGrants")];
        writeFileSync(join(dir, "Pulumi.owner.yaml"), stringify({ config }));
        const error = await planRollout({ configDir: dir }).then(
            () => undefined,
            (e: unknown) => e,
        );
        expect(error).to.be.instanceOf(PlanError);
        expect((error as PlanError).phase).to.equal(1);
        expect((error as PlanError).message)
            .to.include('Statement[0] (Sid "PartnerRead") grants account 444444444444')
            .and.include(`'${key("existingGrants")}.PartnerRead' exempt`);
    });

    describe("refuses before anything is created", () => {
        const refused = async (config: Record<string, unknown>) => {
            const error = await failure(runOwner(config));
            expectNothingCreated(error);
            return error.message;
        };

        it("a policy file granting a third account without the user's choice, naming the statement and the choice", async () => {
            const message = await refused(adopting({ [key("existingBucketPolicy")]: THIRD_ACCOUNT_POLICY }));
            expect(message).to.include(`${key("existingBucketPolicy")} = "${THIRD_ACCOUNT_POLICY}"`);
            expect(message).to.include('Statement[0] (Sid "PartnerRead") grants account 444444444444, outside the owner account');
            expect(message).to.include(`pulumi config set --path '${key("existingGrants")}.PartnerRead' exempt`);
            expect(message).to.include("or lock");
        });

        it("exempting a consumer's whole account", async () => {
            const file = statementsOf(THIRD_ACCOUNT_POLICY);
            expect(file[0].Principal).to.deep.equal({ AWS: "arn:aws:iam::444444444444:root" });
            const message = await refused(
                adopting({
                    [key("consumers")]: [{ stack: "consumer", accountId: "444444444444", access: "read" }],
                    [key("existingBucketPolicy")]: THIRD_ACCOUNT_POLICY,
                    [key("existingGrants")]: { PartnerRead: "exempt" },
                }),
            );
            expect(message).to.include(`${key("existingGrants")}.PartnerRead = "exempt": cannot be exempt: account 444444444444 is a consumer`);
        });

        it("a choice for a Sid the file does not grant outside, and a choice that is neither exempt nor lock", async () => {
            const message = await refused(
                adopting({ [key("existingBucketPolicy")]: EXISTING_POLICY, [key("existingGrants")]: { S3ServerAccessLogs: "keep", Partner: "lock" } }),
            );
            expect(message).to.include(`${key("existingGrants")}.S3ServerAccessLogs = "keep"`);
            expect(message).to.include(`${key("existingGrants")}.Partner = "lock": matches no statement of ${EXISTING_POLICY}`);
        });

        it("a policy file that is not there, with the folder it is relative to", async () => {
            const message = await refused(adopting({ [key("existingBucketPolicy")]: "missing.json" }));
            expect(message).to.match(
                /existingBucketPolicy = "missing.json": names no file \(looked for .*missing.json; the path is relative to the project folder\)/,
            );
        });

        it("adoption settings without existingBucketName, and bucketName beside it", async () => {
            const message = await refused(ownerConfig({ [key("giveBackBucket")]: "true" }));
            expect(message).to.include(`${key("giveBackBucket")} = "true": is only read when adopting a bucket`);
            const both = await refused(adopting({ [key("bucketName")]: "another-bucket" }));
            expect(both).to.include(`${key("bucketName")} = "another-bucket": names a bucket to create, and existingBucketName one to adopt`);
        });

        it("exempting a consumer's own workload role, once the consumer has deployed", async () => {
            const role = consumerOutputs().roleArn as string;
            const error = await failure(
                runOwner(
                    adopting({
                        [key("existingBucketPolicy")]: `${FOLDER}/consumer-role-policy.json`,
                        [key("existingGrants")]: { OldWorkloadAccess: "exempt" },
                    }),
                ),
            );
            expectNothingCreated(error);
            expect(statementsOf(`${FOLDER}/consumer-role-policy.json`)[0].Principal).to.deep.equal({ AWS: role });
            expect(error.message).to.include(`existingBucket.policy.exempt = "${role}": is a consumer's workload role`);
        });

        it("an adopted Sid that a generated statement already uses", async () => {
            const error = await failure(runOwner(adopting({ [key("existingBucketPolicy")]: `${FOLDER}/colliding-sid-policy.json` })));
            expectNothingCreated(error);
            expect(error.message).to.include('existingBucket.policy = "DenyInsecureTransport": is the Sid of an adopted statement and of a generated one');
        });
    });

    describe("an existing KMS key", () => {
        it("stays the bucket's key: writes must name it, no key is created, and its policy is left to its owner with the statements printed", async () => {
            const run = await runOwner(adopting({ [key("existingKmsKeyArn")]: KEY_ARN }));
            expect(all(run.resources, TYPES.kmsKey)).to.deep.equal([]);
            expect(all(run.resources, "aws:kms/keyPolicy:KeyPolicy")).to.deep.equal([]);
            const encryption = the(run.resources, TYPES.encryption).inputs.rules as { applyServerSideEncryptionByDefault: { kmsMasterKeyId: string } }[];
            expect(encryption[0].applyServerSideEncryptionByDefault.kmsMasterKeyId).to.equal(KEY_ARN);
            const policy = policyOf(the(run.resources, TYPES.bucketPolicy));
            expect(policy.Statement.find((s) => s.Sid === "DenyOtherKmsKeys")?.Condition?.StringNotEquals).to.deep.equal({
                "s3:x-amz-server-side-encryption-aws-kms-key-id": KEY_ARN,
            });
            const printed = run.logs.find((l) => l.includes("its policy must hold these statements"));
            expect(printed)
                .to.include("ConsumersEncryptAndDecryptThroughS3")
                .and.include(consumerOutputs().roleArn as string);
            expect(printed).not.to.include("OwnerAccountAdministersKey");
        });

        it("gets its whole policy written, retained on destroy, when the user lets the stack manage it", async () => {
            const run = await runOwner(adopting({ [key("existingKmsKeyArn")]: KEY_ARN, [key("manageKeyPolicy")]: "true" }));
            const keyPolicy = the(run.resources, "aws:kms/keyPolicy:KeyPolicy");
            expect(keyPolicy.inputs.keyId).to.equal(KEY_ARN);
            expect(keyPolicy.retainOnDelete).to.equal(true);
            expect(policyOf(keyPolicy).Statement.map((s) => s.Sid)).to.deep.equal(["OwnerAccountAdministersKey", "ConsumersEncryptAndDecryptThroughS3"]);
        });

        it("is what a new sse-kms key would be for when the bucket's encryption is kept", async () => {
            const error = await failure(runOwner(adopting({ [key("encryption")]: "sse-kms", [key("keepBucketSettings")]: ["encryption"] })));
            expectNothingCreated(error);
            expect(error.message).to.include(
                `${key("encryption")} = "sse-kms": creates a key that the bucket's default encryption, kept as it is, would never use`,
            );
        });

        it("is required to let the stack manage a key policy", async () => {
            const error = await failure(runOwner(adopting({ [key("manageKeyPolicy")]: "true" })));
            expectNothingCreated(error);
            expect(error.message).to.include(`${key("manageKeyPolicy")} = "true": requires existingKmsKeyArn`);
        });

        it("must be a key of the owner account and region", async () => {
            const elsewhere = KEY_ARN.replace(OWNER_ACCOUNT, "999999999999");
            const error = await failure(runOwner(adopting({ [key("existingKmsKeyArn")]: elsewhere })));
            expectNothingCreated(error);
            expect(error.message).to.include(`${key("existingKmsKeyArn")} = "${elsewhere}": must be a key of the owner account ${OWNER_ACCOUNT} in ${REGION}`);
        });
    });

    describe("giving the bucket back", () => {
        it("writes the adopted statements alone, no grant and no lock, in a policy a destroy leaves in place", async () => {
            const run = await runOwner(
                adopting({
                    [key("existingBucketPolicy")]: EXISTING_POLICY,
                    [key("existingGrants")]: { S3ServerAccessLogs: "exempt" },
                    [key("giveBackBucket")]: "true",
                }),
            );
            const bucketPolicy = the(run.resources, TYPES.bucketPolicy);
            expect(policyOf(bucketPolicy)).to.deep.equal({ Version: "2012-10-17", Statement: statementsOf(EXISTING_POLICY) });
            expect(bucketPolicy.retainOnDelete).to.equal(true);
            expect(run.outputs.grantedRoleArns).to.deep.equal([]);
            expect(the(run.resources, TYPES.bucket).read).to.equal(true);
        });

        it("removes the stack's policy from a bucket that had none: not retained, and not registered when given back", async () => {
            const adopted = await runOwner(adopting());
            expect(the(adopted.resources, TYPES.bucketPolicy).retainOnDelete).to.equal(false);
            const givenBack = await runOwner(adopting({ [key("giveBackBucket")]: "true" }));
            expect(all(givenBack.resources, TYPES.bucketPolicy)).to.deep.equal([]);
        });
    });
});

describe("npm run verify on an adopted bucket", () => {
    const ownerFile = readStackFile(join(__dirname, "stacks", "adopted-bucket"), "owner");
    const consumer: ConsumerStack = {
        stack: "consumer",
        settings: consumerSettingsOf(readStackFile(join(__dirname, "stacks", "adopted-bucket"), "consumer")),
        outputs: consumerOutputs(),
    };
    const deployed = { bucketName: BUCKET, bucketArn: `arn:aws:s3:::${BUCKET}`, region: REGION, accountId: OWNER_ACCOUNT };
    const ownerStack = (config: Record<string, unknown> = {}, outputs: Record<string, unknown> = deployed): OwnerStack => ({
        stack: "owner",
        settings: ownerSettingsOf({ ...ownerFile, config: { ...ownerFile.config, ...config } }),
        outputs,
    });
    const [logDelivery] = statementsOf(EXISTING_POLICY);

    it("expects the merged bucket policy: the adopted statement beside the grant and the lock", () => {
        const [bucketPolicy] = expectedDocuments([ownerStack()], [consumer]);
        expect(bucketPolicy.document.Statement.map((s) => s.Sid)).to.include.members([
            "GrantReadWrite1",
            "DenyConsumersOutsideTheirEndpoints",
            logDelivery.Sid,
        ]);
    });

    it("expects the adopted statements alone once the bucket is given back", () => {
        const [bucketPolicy] = expectedDocuments([ownerStack({ [key("giveBackBucket")]: "true" })], [consumer]);
        expect(bucketPolicy.document).to.deep.equal({ Version: "2012-10-17", Statement: [logDelivery] });
    });

    it("expects only the consumers' statements in an adopted key's policy it does not manage, and reads only those of the live copy", () => {
        const docs = expectedDocuments([ownerStack({ [key("existingKmsKeyArn")]: KEY_ARN }, { ...deployed, kmsKeyArn: KEY_ARN })], [consumer]);
        const keyDoc = docs.find((d) => d.live.kind === "key-policy")!;
        expect(keyDoc.partial).to.equal(true);
        expect(keyDoc.document.Statement.map((s) => s.Sid)).to.deep.equal(["ConsumersEncryptAndDecryptThroughS3"]);
        const ownersOwn: Statement = {
            Sid: "KeyAdministrators",
            Effect: "Allow",
            Principal: { AWS: `arn:aws:iam::${OWNER_ACCOUNT}:root` },
            Action: "kms:*",
            Resource: "*",
        };
        const live: PolicyDocument = { Version: "2012-10-17", Statement: [ownersOwn, ...keyDoc.document.Statement] };
        expect(compareDocument("owner", keyDoc.what, keyDoc.document, sameSids(keyDoc, live)).result).to.equal("pass");
        const without = { ...live, Statement: [ownersOwn] };
        expect(compareDocument("owner", keyDoc.what, keyDoc.document, sameSids(keyDoc, without)).detail).to.match(
            /^missing ConsumersEncryptAndDecryptThroughS3/,
        );
        const managed = expectedDocuments(
            [ownerStack({ [key("existingKmsKeyArn")]: KEY_ARN, [key("manageKeyPolicy")]: "true" }, { ...deployed, kmsKeyArn: KEY_ARN })],
            [consumer],
        );
        expect(managed.find((d) => d.live.kind === "key-policy")!.partial).to.equal(undefined);
    });

    describe("--planned: the live policy against the adopted file", () => {
        const generated = new Set(["DenyInsecureTransport", "GrantReadWrite1"]);
        const doc = (...statements: Statement[]): PolicyDocument => ({ Version: "2012-10-17", Statement: statements });

        it("passes when the live policy's own statements are the file's, before and after the merge", () => {
            const before = judgeAdoptedPolicy("owner", EXISTING_POLICY, [logDelivery], generated, doc(logDelivery));
            expect(before.result).to.equal("pass");
            const merged = doc({ ...logDelivery, Sid: "DenyInsecureTransport" }, { ...logDelivery, Sid: "GrantReadWrite1" }, logDelivery);
            expect(judgeAdoptedPolicy("owner", EXISTING_POLICY, [logDelivery], generated, merged).result).to.equal("pass");
        });

        it("warns, naming each statement, when the live policy has changed since the file was saved", () => {
            const partner = statementsOf(THIRD_ACCOUNT_POLICY)[0];
            const changed = { ...logDelivery, Resource: `arn:aws:s3:::${BUCKET}/other-logs/*` };
            const row = judgeAdoptedPolicy("owner", EXISTING_POLICY, [logDelivery], generated, doc(changed, partner));
            expect(row.result).to.equal("warn");
            expect(row.detail).to.equal(
                `the live policy differs from ${EXISTING_POLICY}: PartnerRead is in the live policy, not in the file; S3ServerAccessLogs differs. Save it again (aws s3api get-bucket-policy) and plan again`,
            );
            expect(judgeAdoptedPolicy("owner", EXISTING_POLICY, [logDelivery], generated, undefined).detail).to.match(
                /S3ServerAccessLogs is in the file, not in the live policy/,
            );
        });

        it("reads the adopted bucket's live policy before the owner stack has ever deployed", async () => {
            const asked: string[] = [];
            const api = {
                bucketPolicy: async (bucket: string) => (asked.push(bucket), doc(logDelivery, statementsOf(THIRD_ACCOUNT_POLICY)[0])),
            } as unknown as AccountApi;
            const rows = await verifyPlanned(
                [],
                () => api,
                () => new MissingCredentials("owner", OWNER_ACCOUNT, "AWS_PROFILE_OWNER"),
                { owners: [ownerStack({}, {})], consumers: [consumer] },
            );
            expect(asked).to.deep.equal([BUCKET]);
            expect(rows.find((r) => r.check === "adopted bucket policy")).to.deep.include({ result: "warn" });
            expect(rows.find((r) => r.check === "CheckNoNewAccess bucket policy")?.detail).to.match(/owner stack is not deployed/);
        });
    });
});

describe("an adopted policy document (pure)", () => {
    const doc = {
        Version: "2012-10-17",
        Statement: { Sid: "One", Effect: "Allow", Principal: { AWS: "444444444444" }, Action: "s3:GetObject", Resource: "*" },
    };

    it("reads get-bucket-policy output and the plain document alike, a lone Statement as a list of one", () => {
        const plain = parseBucketPolicy(JSON.stringify(doc));
        expect(plain).to.deep.equal([doc.Statement]);
        expect(parseBucketPolicy(JSON.stringify({ Policy: JSON.stringify(doc) }))).to.deep.equal(plain);
    });

    it("names what is wrong with a file that is not a policy", () => {
        expect(parseBucketPolicy("{not json")).to.match(/^is not valid JSON/);
        expect(parseBucketPolicy(JSON.stringify({ Version: "2012-10-17" }))).to.match(/^holds no policy document/);
        expect(parseBucketPolicy(JSON.stringify({ Statement: [{ Effect: "Maybe" }] }))).to.equal("Statement[0] is not a statement with Effect Allow or Deny");
    });

    it("finds the Allows that reach outside the owner account, and whom the lock could exempt", () => {
        const s = (Sid: string, rest: Record<string, unknown>) =>
            ({ Sid, Effect: "Allow", Action: "s3:GetObject", Resource: "*", ...rest }) as unknown as Statement;
        const statements = [
            s("OwnerRole", { Principal: { AWS: `arn:aws:iam::${OWNER_ACCOUNT}:role/analytics` } }),
            s("OwnerRoot", { Principal: { AWS: `arn:aws:iam::${OWNER_ACCOUNT}:root` } }),
            s("PartnerRole", { Principal: { AWS: ["arn:aws:iam::444444444444:role/reader", `arn:aws:iam::${OWNER_ACCOUNT}:role/x`] } }),
            s("Cdn", { Principal: { Service: "cloudfront.amazonaws.com" } }),
            s("Everyone", { Principal: "*" }),
            s("AllButOne", { NotPrincipal: { AWS: "arn:aws:iam::444444444444:root" } }),
            s("Canonical", { Principal: { CanonicalUser: "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be" } }),
            { ...s("DenyIsNoGrant", { Principal: "*" }), Effect: "Deny" } as Statement,
        ];
        const outside = grantsOutside(statements, OWNER_ACCOUNT);
        expect(outside.map((g) => [g.sid, g.principals.map((p) => `${p.kind} ${p.value}`)])).to.deep.equal([
            ["PartnerRole", ["arn arn:aws:iam::444444444444:role/reader"]],
            ["Cdn", ["service cloudfront.amazonaws.com"]],
            ["Everyone", ["everyone *"]],
            ["AllButOne", ["everyone *"]],
            ["Canonical", ["other 79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"]],
        ]);
        expect(outside.map((g) => cannotExempt(g) ?? "can be exempt")).to.deep.equal([
            "can be exempt",
            "can be exempt",
            "it grants everyone (Principal or NotPrincipal), and exempting everyone would switch the lock off",
            "it grants everyone (Principal or NotPrincipal), and exempting everyone would switch the lock off",
            "the lock cannot name its principal 79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be (only accounts, IAM roles and users by ARN, and services)",
        ]);
        expect(lockExemption(outside.slice(0, 2))).to.deep.equal({
            accounts: [],
            principalArns: ["arn:aws:iam::444444444444:role/reader"],
            services: ["cloudfront.amazonaws.com"],
        });
    });
});

describe("the policy pack on an adopted bucket's merged policy", () => {
    type PackStatements = Parameters<typeof unlockedGrants>[0];
    const partner = statementsOf(THIRD_ACCOUNT_POLICY)[0];
    const merged = (choice: "exempt" | "lock") =>
        buildBucketPolicy({
            bucketArn: `arn:aws:s3:::${BUCKET}`,
            ownerAccountId: OWNER_ACCOUNT,
            grants: [{ roleArn: consumerOutputs().roleArn as string, accountId: CONSUMER_ACCOUNT, vpceIds: ["vpce-0aaaaaaaaaaaaaaaa"], access: "read" }],
            encryption: { kind: "sse-s3" },
            adopted: { statements: [partner], exempt: lockExemption(choice === "exempt" ? grantsOutside([partner], OWNER_ACCOUNT) : []) },
        }).Statement as unknown as PackStatements;

    // The pack's mandatory rule knows no exemption: a grant kept exempt is one it must report (docs/operations.md).
    it("accepts an adopted grant left under the lock, and reports one kept exempt", () => {
        expect(unlockedGrants(merged("lock"), OWNER_ACCOUNT)).to.deep.equal([]);
        expect(unlockedGrants(merged("exempt"), OWNER_ACCOUNT)).to.deep.equal([
            "statement PartnerRead grants arn:aws:iam::444444444444:root (account 444444444444) with no aws:SourceVpce lock that covers it",
        ]);
    });
});
