import { expect } from "chai";
import { validateCrossAccountBucketArgs } from "../components/crossAccountBucket";
import { buildBucketPolicy, ConsumerGrant } from "../policies/bucket-policy";
import { byteSize, LIMITS } from "../policies/document";
import { EndpointPolicyMode } from "../policies/endpoint-policy";
import {
    ACCOUNT_A,
    bucketScenarios,
    BUCKET,
    CONSUMER_A,
    CONSUMER_B,
    endpointPolicyOf,
    evaluate,
    evaluateScenario,
    manyConsumers,
    OWNER,
    PATHS,
    Principal,
    Scenario,
    THIRD_ACCOUNT,
    throughEndpointOf,
} from "./policy-world";
import { renderPolicyTable, tableInReadme } from "./policy-table";

const describeScenario = (s: Scenario) =>
    `${s.principal.label} via ${s.path.label}: ${s.action} ${s.key || "(bucket)"}${s.listPrefix ? ` prefix ${s.listPrefix}` : ""} → ${s.expected}`;

async function expectDecision(scenario: Scenario, consumers: readonly ConsumerGrant[]): Promise<void> {
    const result = await evaluateScenario(scenario, consumers);
    expect(result.error, "simulation error").to.equal(undefined);
    expect(result.ignoredContextKeys, "context keys the simulator ignored").to.deep.equal([]);
    expect(result.decision).to.equal(scenario.expected);
}

describe("who can reach the bucket (independent IAM evaluator)", function () {
    this.timeout(60_000);

    describe("with two consumers", () => {
        for (const scenario of bucketScenarios()) {
            it(describeScenario(scenario), () => expectDecision(scenario, [CONSUMER_A, CONSUMER_B]));
        }
    });

    describe("with the same two consumers among 200", () => {
        const crowd = [...manyConsumers(99), CONSUMER_A, ...manyConsumers(99, 99), CONSUMER_B];

        it("the 200-consumer policy fits S3's 20 KB even with the longest bucket name", () => {
            expect(crowd).to.have.length(200);
            const longest = `arn:aws:s3:::${"b".repeat(63)}`;
            expect(byteSize(buildBucketPolicy({ bucketArn: longest, ownerAccountId: OWNER, consumers: crowd }))).to.be.at.most(LIMITS.bucketPolicy.bytes);
            expect(validateCrossAccountBucketArgs({ ownerAccountId: OWNER, region: "eu-west-1", consumers: crowd, encryption: "sse-kms" })).to.deep.equal([]);
        });

        for (const scenario of bucketScenarios()) {
            it(describeScenario(scenario), () => expectDecision(scenario, crowd));
        }

        it("every one of the 200 reaches the bucket through its own endpoint and no other", async () => {
            const policy = buildBucketPolicy({ bucketArn: BUCKET, ownerAccountId: OWNER, consumers: crowd });
            for (const [i, consumer] of crowd.entries()) {
                const neighbour = crowd[(i + 1) % crowd.length];
                const principal: Principal = { label: "consumer", arn: consumer.roleArn, identityPolicy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }] } };
                const request = { principal, action: "s3:GetObject", resource: `${BUCKET}/${consumer.prefix ?? ""}x`, resourceAccount: OWNER };
                const own = await evaluate({ ...request, path: throughEndpointOf(consumer, "own") }, policy);
                const other = await evaluate({ ...request, path: throughEndpointOf(neighbour, "neighbour") }, policy);
                expect([own.decision, other.decision], consumer.roleArn).to.deep.equal(["Allowed", "ExplicitlyDenied"]);
            }
        });
    });

    describe("when one account runs two consumer stacks", () => {
        const first: ConsumerGrant = { ...CONSUMER_A, roleArn: `arn:aws:iam::${ACCOUNT_A}:role/first`, vpceIds: ["vpce-0a1a1a1a1a1a1a1a1"] };
        const second: ConsumerGrant = { ...CONSUMER_A, roleArn: `arn:aws:iam::${ACCOUNT_A}:role/second`, vpceIds: ["vpce-0a2a2a2a2a2a2a2a2"] };
        const principal = (c: ConsumerGrant): Principal => ({ label: c.roleArn, arn: c.roleArn, identityPolicy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }] } });
        const get = (c: ConsumerGrant, via: ConsumerGrant, consumers: ConsumerGrant[]) =>
            evaluate({ principal: principal(c), path: throughEndpointOf(via, "endpoint"), action: "s3:GetObject", resource: `${BUCKET}/x`, resourceAccount: OWNER }, buildBucketPolicy({ bucketArn: BUCKET, ownerAccountId: OWNER, consumers }));

        it("each role passes only through its own stack's endpoint", async () => {
            expect((await get(first, first, [first, second])).decision).to.equal("Allowed");
            expect((await get(first, second, [first, second])).decision).to.equal("ExplicitlyDenied");
            expect((await get(second, first, [first, second])).decision).to.equal("ExplicitlyDenied");
        });

        it("a role shared by both stacks passes through either endpoint", async () => {
            const shared = { ...second, roleArn: first.roleArn };
            expect((await get(first, first, [first, shared])).decision).to.equal("Allowed");
            expect((await get(first, shared, [first, shared])).decision).to.equal("Allowed");
        });
    });

    describe("the consumer's endpoint policy", () => {
        const principal: Principal = {
            label: "workload in A",
            arn: CONSUMER_A.roleArn,
            identityPolicy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject", "s3:ListBucket"], Resource: "*" }] },
        };
        const openTo = (account: string) => ({
            Version: "2012-10-17" as const,
            Statement: [{ Effect: "Allow" as const, Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: "s3:GetObject", Resource: "*" }],
        });
        const targets = {
            owner: { resource: `${BUCKET}/data/file.csv`, account: OWNER, policy: buildBucketPolicy({ bucketArn: BUCKET, ownerAccountId: OWNER, consumers: [CONSUMER_A] }) },
            ownAccount: { resource: "arn:aws:s3:::a-own-bucket/file", account: ACCOUNT_A, policy: undefined },
            foreign: { resource: "arn:aws:s3:::foreign-bucket/file", account: THIRD_ACCOUNT, policy: openTo(ACCOUNT_A) },
            osRepository: { resource: "arn:aws:s3:::amazonlinux-2-repos-eu-west-1/repo.xml", account: "137112412989", policy: openTo(ACCOUNT_A) },
        };
        const table: [EndpointPolicyMode, string[], keyof typeof targets, "Allowed" | "denied"][] = [
            ["allow-all", [], "owner", "Allowed"],
            ["allow-all", [], "ownAccount", "Allowed"],
            ["allow-all", [], "foreign", "Allowed"],
            ["account-and-owner", [], "owner", "Allowed"],
            ["account-and-owner", [], "ownAccount", "Allowed"],
            ["account-and-owner", [], "foreign", "denied"],
            ["account-and-owner", [], "osRepository", "denied"],
            ["owner-only", [], "owner", "Allowed"],
            ["owner-only", [], "ownAccount", "denied"],
            ["owner-only", [], "foreign", "denied"],
            ["owner-only", ["amazonlinux-2-repos-eu-west-1"], "osRepository", "Allowed"],
            ["owner-only", ["amazonlinux-2-repos-eu-west-1"], "foreign", "denied"],
        ];
        for (const [mode, extra, target, expected] of table) {
            it(`${mode}${extra.length ? ` + ${extra.join(",")}` : ""}: ${target} bucket → ${expected}`, async () => {
                const t = targets[target];
                const path = { ...PATHS.aEndpoint, endpointPolicy: endpointPolicyOf(mode, extra) };
                const result = await evaluate({ principal, path, action: "s3:GetObject", resource: t.resource, resourceAccount: t.account }, t.policy);
                expect(result.ignoredContextKeys).to.deep.equal([]);
                expect(result.decision === "Allowed" ? "Allowed" : "denied").to.equal(expected);
            });
        }
    });
});

describe("bucket policy size budget", () => {
    const args = (consumers: ConsumerGrant[], bucketName?: string) => ({ ownerAccountId: OWNER, region: "eu-west-1", consumers, ...(bucketName ? { bucketName } : {}) });
    /** The most consumers that pass validation while the bucket name is unknown (measured with 63 characters). */
    let fits = 0;
    before(() => {
        while (validateCrossAccountBucketArgs(args(manyConsumers(fits + 1))).length === 0) {
            fits += 1;
        }
    });

    it("fits at least 200 consumers", () => {
        expect(fits).to.be.at.least(200);
    });

    it("refuses one consumer more at preview, naming the size, the limit and the count", () => {
        const issues = validateCrossAccountBucketArgs(args(manyConsumers(fits + 1)));
        expect(issues).to.have.length(1);
        expect(issues[0].key).to.equal("consumers");
        expect(issues[0].value).to.equal(`${fits + 1} consumers`);
        expect(issues[0].rule).to.match(/^make the S3 bucket policy (\d+) bytes, over AWS's limit of 20480 bytes$/);
        const reported = Number(/(\d+) bytes,/.exec(issues[0].rule)![1]);
        expect(reported - LIMITS.bucketPolicy.bytes).to.be.within(1, 200);
    });

    it("measures with the real name when the bucket name is fixed, so a short name fits more", () => {
        expect(validateCrossAccountBucketArgs(args(manyConsumers(fits + 1), "data"))).to.deep.equal([]);
    });
});

describe("README", () => {
    it("shows the policy table generated from these scenarios (npm run docs:policy-table)", async () => {
        expect(tableInReadme(), "README policy table").to.equal(await renderPolicyTable());
    });
});
