import { expect } from "chai";
import { CrossAccountBucketArgs, PendingConsumer, validateCrossAccountBucketArgs } from "../components/crossAccountBucket";
import { ExistingGrantChoice } from "../policies/adopted-policy";
import { buildBucketPolicy } from "../policies/bucket-policy";
import { byteSize, LIMITS, PolicyDocument, Statement } from "../policies/document";
import { buildKeyPolicy } from "../policies/key-policy";
import { buildConsumerRolePolicy } from "../policies/role-policy";
import { WriteEncryption } from "../policies/write-encryption";
import {
    ACCOUNT_A,
    ADOPTED,
    adoptedBucketPolicy,
    BUCKET,
    BUCKET_KEY,
    bucketPolicyFor,
    bucketScenarios,
    CONSUMER_A,
    CONSUMER_B,
    Decision,
    DEFAULT_OPTIONS,
    encryptionScenarios,
    evaluateKeyUse,
    endpointPolicyOf,
    evaluate,
    evaluateScenario,
    LOG_DELIVERY,
    LOG_DELIVERY_PATH,
    manyConsumers,
    ORG_GRANT,
    ORGANIZATION_ID,
    organizationScenarios,
    orgRole,
    ACCOUNT_D,
    ACCOUNT_BESIDE,
    OWNER,
    Path,
    PATHS,
    PRINCIPALS,
    PolicyOptions,
    Principal,
    Scenario,
    sharedVpcConsumer,
    THIRD_ACCOUNT,
    throughEndpointOf,
    throughOwnEndpoint,
    twoOwnerWorld,
    SECOND_OWNER_KEY,
    VPC_OWNER,
} from "./policy-world";
import { renderPolicyTable, tableInDesign, TABLES } from "./policy-table";
import { ConsumerGrant, EndpointPolicyMode, Grant, LOCK_MODES, LockMode } from "../domain/terms";

const describeScenario = (s: Scenario) =>
    `${s.principal.label} via ${s.path.label}: ${s.label ?? s.action} ${s.key || "(bucket)"}${s.listPrefix ? ` prefix ${s.listPrefix}` : ""} → ${s.expected}`;

async function expectDecision(scenario: Scenario, consumers: readonly Grant[], options: PolicyOptions = DEFAULT_OPTIONS): Promise<void> {
    const result = await evaluateScenario(scenario, consumers, options);
    expect(result.error, "simulation error").to.equal(undefined);
    expect(result.ignoredContextKeys, "context keys the simulator ignored").to.deep.equal([]);
    expect(result.decision).to.equal(scenario.expected);
}

const readAnything: PolicyDocument = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }] };
const roleOf = (c: ConsumerGrant): Principal => ({ label: c.roleArn, arn: c.roleArn, identityPolicy: readAnything });
/** An object the consumer is granted. */
const objectOf = (c: ConsumerGrant) => `${BUCKET}/${c.prefix ?? ""}x`;

// One scenario table, proven under each lock mode: the modes differ in how they lock, not in what they allow.
for (const lockMode of LOCK_MODES) {
    const options: PolicyOptions = { ...DEFAULT_OPTIONS, lockMode };
    const get = (c: ConsumerGrant, via: Path, consumers: readonly ConsumerGrant[]) =>
        evaluate(
            { principal: roleOf(c), path: via, action: "s3:GetObject", resource: objectOf(c), resourceAccount: OWNER },
            bucketPolicyFor(consumers, options),
        );

    describe(`who can reach the bucket, lockMode ${lockMode} (independent IAM evaluator)`, function () {
        this.timeout(60_000);

        describe("with two consumers", () => {
            for (const scenario of bucketScenarios()) {
                it(describeScenario(scenario), () => expectDecision(scenario, [CONSUMER_A, CONSUMER_B], options));
            }
        });

        // As many consumers as the mode fits in S3's 20 KB: 200 with account-match, 40 with per-consumer.
        const crowdSize = lockMode === "account-match" ? 200 : 40;
        describe(`with the same two consumers among ${crowdSize}`, () => {
            const half = crowdSize / 2 - 1;
            const crowd = [...manyConsumers(half), CONSUMER_A, ...manyConsumers(half, half), CONSUMER_B];

            for (const scenario of bucketScenarios()) {
                it(describeScenario(scenario), () => expectDecision(scenario, crowd, options));
            }

            it(`every one of the ${crowdSize} reaches the bucket through its own endpoint and no other`, async () => {
                expect(crowd).to.have.length(crowdSize);
                for (const [i, consumer] of crowd.entries()) {
                    const neighbour = crowd[(i + 1) % crowd.length];
                    const own = await get(consumer, throughEndpointOf(consumer, "own"), crowd);
                    const other = await get(consumer, throughEndpointOf(neighbour, "neighbour"), crowd);
                    expect([own.decision, other.decision], consumer.roleArn).to.deep.equal(["Allowed", "ExplicitlyDenied"]);
                }
            });
        });

        describe("when one account runs two consumer stacks", () => {
            const first: ConsumerGrant = { ...CONSUMER_A, roleArn: `arn:aws:iam::${ACCOUNT_A}:role/first`, vpceIds: ["vpce-0a1a1a1a1a1a1a1a1"] };
            const second: ConsumerGrant = { ...CONSUMER_A, roleArn: `arn:aws:iam::${ACCOUNT_A}:role/second`, vpceIds: ["vpce-0a2a2a2a2a2a2a2a2"] };
            const via = (c: ConsumerGrant) => throughEndpointOf(c, "endpoint");

            it("each role passes only through its own stack's endpoint", async () => {
                expect((await get(first, via(first), [first, second])).decision).to.equal("Allowed");
                expect((await get(first, via(second), [first, second])).decision).to.equal("ExplicitlyDenied");
                expect((await get(second, via(first), [first, second])).decision).to.equal("ExplicitlyDenied");
                expect((await get(second, via(CONSUMER_B), [first, second, CONSUMER_B])).decision).to.equal("ExplicitlyDenied");
            });

            it("a role shared by both stacks passes through either endpoint", async () => {
                const shared = { ...second, roleArn: first.roleArn };
                expect((await get(first, via(first), [first, shared])).decision).to.equal("Allowed");
                expect((await get(first, via(shared), [first, shared])).decision).to.equal("Allowed");
            });
        });

        for (const [layout, vpcOwner] of [
            ["another account", VPC_OWNER],
            ["consumer A's account", ACCOUNT_A],
        ] as const) {
            describe(`with a third consumer behind a shared-VPC endpoint owned by ${layout}`, () => {
                const c = sharedVpcConsumer(vpcOwner);
                const three = [CONSUMER_A, CONSUMER_B, c];
                const viaC = throughEndpointOf(c, "C's shared-VPC endpoint");

                it("C reaches the bucket through its endpoint and no other path", async () => {
                    expect((await get(c, viaC, three)).decision).to.equal("Allowed");
                    expect((await get(c, PATHS.aEndpoint, three)).decision).to.equal("ExplicitlyDenied");
                    expect((await get(c, PATHS.bEndpoint, three)).decision).to.equal("ExplicitlyDenied");
                    expect((await get(c, PATHS.internet, three)).decision).to.equal("ExplicitlyDenied");
                    const otherEndpointOfOwner = {
                        label: "another endpoint of the VPC owner",
                        context: { ...viaC.context, "aws:SourceVpce": "vpce-0eeeeeeeeeeeeeeee" },
                    };
                    expect((await get(c, otherEndpointOfOwner, three)).decision).to.equal("ExplicitlyDenied");
                });

                it("nobody else passes through C's endpoint", async () => {
                    expect((await get(CONSUMER_A, viaC, three)).decision).to.equal("ExplicitlyDenied");
                    expect((await get(CONSUMER_B, viaC, three)).decision).to.equal("ExplicitlyDenied");
                });

                for (const scenario of bucketScenarios()) {
                    it(`and A and B gain nothing: ${describeScenario(scenario)}`, () => expectDecision(scenario, three, options));
                }
            });
        }
    });
}

describe("a consumer of two owners (independent IAM evaluator)", () => {
    const SSE = { "s3:x-amz-server-side-encryption": "aws:kms" };
    for (const lockMode of LOCK_MODES) {
        describe(`lockMode ${lockMode}`, () => {
            const world = twoOwnerWorld(lockMode);
            const [one, two] = world.owners;
            const request = (principal: Principal, owner: typeof one, action: string, key: string, headers: Record<string, string> = {}) =>
                evaluate(
                    { principal, path: world.path, action, resource: `${owner.bucketArn}/${key}`, resourceAccount: owner.account, headers },
                    owner.policy,
                ).then((e) => {
                    expect(e.error, "simulation error").to.equal(undefined);
                    expect(e.ignoredContextKeys).to.deep.equal([]);
                    return e.decision;
                });
            const ownKey = (owner: typeof one) => ({ ...SSE, "s3:x-amz-server-side-encryption-aws-kms-key-id": owner === one ? BUCKET_KEY : SECOND_OWNER_KEY });

            it("gets each owner's grant through its one endpoint and role", async () => {
                expect(await request(world.role, one, "s3:GetObject", "exports/a.csv")).to.equal("Allowed");
                expect(await request(world.role, one, "s3:PutObject", "exports/a.csv", ownKey(one))).to.equal("Allowed");
                expect(await request(world.role, two, "s3:GetObject", "reports/q1.csv")).to.equal("Allowed");
            });

            for (const [label, principal] of [
                ["its generated role policy", "role"],
                ["a role allowed S3 on every bucket", "broadRole"],
            ] as const) {
                it(`gets nothing on owner 2's bucket beyond owner 2's grant, with ${label}`, async () => {
                    const who = world[principal];
                    expect(await request(who, two, "s3:PutObject", "reports/q1.csv", ownKey(two))).to.not.equal("Allowed");
                    expect(await request(who, two, "s3:GetObject", "exports/a.csv")).to.not.equal("Allowed");
                    expect(await request(who, two, "s3:GetObject", "data/file.csv")).to.not.equal("Allowed");
                });
            }

            it("cannot write to owner 1's bucket under owner 2's key", async () => {
                const underSecondKey = { ...SSE, "s3:x-amz-server-side-encryption-aws-kms-key-id": SECOND_OWNER_KEY };
                expect(await request(world.role, one, "s3:PutObject", "exports/a.csv", underSecondKey)).to.equal("ExplicitlyDenied");
                expect(await request(world.broadRole, one, "s3:PutObject", "exports/a.csv", underSecondKey)).to.equal("ExplicitlyDenied");
            });
        });
    }
});

describe("when S3 does not set aws:VpceAccount on a request", () => {
    const withoutVpceAccount = (c: ConsumerGrant): Path => {
        const context = Object.fromEntries(Object.entries(throughEndpointOf(c, "own endpoint").context).filter(([k]) => k !== "aws:VpceAccount"));
        return { label: "own endpoint, without aws:VpceAccount", context };
    };
    const read = (c: ConsumerGrant, lockMode: LockMode) =>
        evaluate(
            { principal: roleOf(c), path: withoutVpceAccount(c), action: "s3:GetObject", resource: objectOf(c), resourceAccount: OWNER },
            bucketPolicyFor([CONSUMER_A, CONSUMER_B], { ...DEFAULT_OPTIONS, lockMode }),
        );

    it("account-match refuses every consumer (the symptom), per-consumer still lets each through its own endpoint", async () => {
        expect((await read(CONSUMER_A, "account-match")).decision).to.equal("ExplicitlyDenied");
        expect((await read(CONSUMER_B, "account-match")).decision).to.equal("ExplicitlyDenied");
        expect((await read(CONSUMER_A, "per-consumer")).decision).to.equal("Allowed");
        expect((await read(CONSUMER_B, "per-consumer")).decision).to.equal("Allowed");
    });

    it("per-consumer still keeps each consumer off the other's endpoint", async () => {
        const viaB = { ...withoutVpceAccount(CONSUMER_B), label: "B's endpoint, without aws:VpceAccount" };
        const result = await evaluate(
            { principal: roleOf(CONSUMER_A), path: viaB, action: "s3:GetObject", resource: `${BUCKET}/x`, resourceAccount: OWNER },
            bucketPolicyFor([CONSUMER_A, CONSUMER_B], { ...DEFAULT_OPTIONS, lockMode: "per-consumer" }),
        );
        expect(result.decision).to.equal("ExplicitlyDenied");
    });
});

// An adopted bucket's own grants, on the merged policy: each choice seen from the kept grant's side and the lock's.
for (const lockMode of LOCK_MODES) {
    describe(`an adopted bucket's own grants beside the lock, lockMode ${lockMode} (independent IAM evaluator)`, () => {
        const { a, b, thirdAccount, otherInA } = PRINCIPALS;
        const partner: Principal = { ...thirdAccount, label: "a role of the partner's account (S3 read on every bucket)" };
        const cases: [Statement, ExistingGrantChoice, string, Principal, Path, string, string, Decision][] = [
            [ADOPTED.partnerRead, "exempt", "the kept grant works from anywhere", partner, PATHS.internet, "s3:GetObject", "data/file.csv", "Allowed"],
            [ADOPTED.partnerRead, "exempt", "the lock still holds for consumer A", a, PATHS.internet, "s3:GetObject", "data/file.csv", "ExplicitlyDenied"],
            [
                ADOPTED.partnerRead,
                "exempt",
                "the lock still holds for consumer B on A's endpoint",
                b,
                PATHS.aEndpoint,
                "s3:GetObject",
                "reports/q1.csv",
                "ExplicitlyDenied",
            ],
            [ADOPTED.partnerRead, "exempt", "consumer A still works through its endpoint", a, PATHS.aEndpoint, "s3:GetObject", "data/file.csv", "Allowed"],
            [
                ADOPTED.partnerRead,
                "exempt",
                "the exemption names the partner's account, not A's",
                otherInA,
                PATHS.internet,
                "s3:GetObject",
                "data/file.csv",
                "ExplicitlyDenied",
            ],
            [ADOPTED.partnerRead, "lock", "the grant is cut off from anywhere", partner, PATHS.internet, "s3:GetObject", "data/file.csv", "ExplicitlyDenied"],
            // Under the lock the grant only works through a consumer's endpoint, and under account-match only
            // through an endpoint of the partner's own account, which no consumer has.
            [
                ADOPTED.partnerRead,
                "lock",
                lockMode === "account-match" ? "the grant is cut off through a consumer's endpoint too" : "the grant works only through a consumer's endpoint",
                partner,
                PATHS.aEndpoint,
                "s3:GetObject",
                "data/file.csv",
                lockMode === "account-match" ? "ExplicitlyDenied" : "Allowed",
            ],
            [ADOPTED.partnerRead, "lock", "consumer A still works through its endpoint", a, PATHS.aEndpoint, "s3:GetObject", "data/file.csv", "Allowed"],
            [
                ADOPTED.logDelivery,
                "exempt",
                "log delivery keeps writing its logs",
                LOG_DELIVERY,
                LOG_DELIVERY_PATH,
                "s3:PutObject",
                "logs/2026-12-01-00-00-00-ABC",
                "Allowed",
            ],
            [
                ADOPTED.logDelivery,
                "exempt",
                "log delivery gets only what it was granted",
                LOG_DELIVERY,
                LOG_DELIVERY_PATH,
                "s3:PutObject",
                "data/file.csv",
                "ImplicitlyDenied",
            ],
            [
                ADOPTED.logDelivery,
                "exempt",
                "the exemption names the service, not other outsiders",
                thirdAccount,
                PATHS.internet,
                "s3:GetObject",
                "data/file.csv",
                "ExplicitlyDenied",
            ],
            [ADOPTED.logDelivery, "exempt", "the lock still holds for consumer A", a, PATHS.internet, "s3:GetObject", "data/file.csv", "ExplicitlyDenied"],
            [
                ADOPTED.logDelivery,
                "lock",
                "log delivery is cut off",
                LOG_DELIVERY,
                LOG_DELIVERY_PATH,
                "s3:PutObject",
                "logs/2026-12-01-00-00-00-ABC",
                "ExplicitlyDenied",
            ],
            [ADOPTED.logDelivery, "lock", "consumer A still works through its endpoint", a, PATHS.aEndpoint, "s3:PutObject", "data/file.csv", "Allowed"],
        ];
        for (const [statement, choice, what, principal, path, action, key, expected] of cases) {
            it(`${statement.Sid} ${choice}: ${what} (${principal.label} via ${path.label}: ${action} ${key} → ${expected})`, async () => {
                const policy = adoptedBucketPolicy(statement, choice, lockMode);
                expect(policy.Statement.filter((s) => s.Sid === statement.Sid)).to.deep.equal([statement]);
                const result = await evaluate({ principal, path, action, resource: `${BUCKET}/${key}`, resourceAccount: OWNER }, policy);
                expect(result.error, "simulation error").to.equal(undefined);
                expect(result.ignoredContextKeys, "context keys the simulator ignored").to.deep.equal([]);
                expect(result.decision).to.equal(expected);
            });
        }
    });
}

describe("writes keep the bucket's encryption (independent IAM evaluator)", () => {
    const encryptions: WriteEncryption[] = [{ kind: "sse-s3" }, { kind: "sse-kms", kmsKeyArn: BUCKET_KEY }];
    for (const encryption of encryptions) {
        describe(`under ${encryption.kind}`, () => {
            for (const scenario of encryptionScenarios(encryption.kind)) {
                it(describeScenario(scenario), () => expectDecision(scenario, [CONSUMER_A, CONSUMER_B], { ...DEFAULT_OPTIONS, encryption }));
            }
        });
    }
});

describe("the bucket's KMS key is usable through S3 for this bucket only (independent IAM evaluator)", () => {
    const keyPolicy = buildKeyPolicy({ bucketArn: BUCKET, ownerAccountId: OWNER, region: "eu-west-1", partition: "aws", grants: [CONSUMER_A, CONSUMER_B] });
    const consumerA: Principal = {
        label: "consumer A role",
        arn: CONSUMER_A.roleArn,
        identityPolicy: buildConsumerRolePolicy({ bucketArn: BUCKET, access: "read-write", kmsKeyArn: BUCKET_KEY }),
    };
    const throughS3 = (s3Arn: string) => ({ "kms:ViaService": "s3.eu-west-1.amazonaws.com", "kms:EncryptionContext:aws:s3:arn": s3Arn });
    const table: [string, string, Record<string, string>, Decision][] = [
        ["decrypt for an object of this bucket (Bucket Key off)", "kms:Decrypt", throughS3(`${BUCKET}/data/file.csv`), "Allowed"],
        ["decrypt for this bucket (Bucket Key on)", "kms:Decrypt", throughS3(BUCKET), "Allowed"],
        ["generate a data key for this bucket", "kms:GenerateDataKey", throughS3(BUCKET), "Allowed"],
        ["decrypt through S3 for another bucket", "kms:Decrypt", throughS3("arn:aws:s3:::another-bucket"), "ImplicitlyDenied"],
        ["decrypt for an object of another bucket", "kms:Decrypt", throughS3("arn:aws:s3:::another-bucket/data/file.csv"), "ImplicitlyDenied"],
        ["decrypt for a bucket whose name extends this one", "kms:Decrypt", throughS3(`${BUCKET}-copy`), "ImplicitlyDenied"],
        ["generate a data key for another bucket", "kms:GenerateDataKey", throughS3("arn:aws:s3:::another-bucket"), "ImplicitlyDenied"],
        ["decrypt directly, not through S3", "kms:Decrypt", { "kms:EncryptionContext:aws:s3:arn": BUCKET }, "ImplicitlyDenied"],
    ];
    for (const [what, action, context, expected] of table) {
        it(`consumer A: ${what} → ${expected}`, () => {
            expect(evaluateKeyUse({ principal: consumerA, action, context }, keyPolicy)).to.equal(expected);
        });
    }

    it("B (read) may decrypt but not generate data keys", () => {
        const consumerB: Principal = {
            label: "consumer B role",
            arn: CONSUMER_B.roleArn,
            identityPolicy: buildConsumerRolePolicy({ bucketArn: BUCKET, access: "read", kmsKeyArn: BUCKET_KEY }),
        };
        expect(evaluateKeyUse({ principal: consumerB, action: "kms:Decrypt", context: throughS3(BUCKET) }, keyPolicy)).to.equal("Allowed");
        expect(evaluateKeyUse({ principal: consumerB, action: "kms:GenerateDataKey", context: throughS3(BUCKET) }, keyPolicy)).to.equal("ImplicitlyDenied");
    });
});

describe("the consumer's endpoint policy", function () {
    this.timeout(60_000);
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
        owner: { resource: `${BUCKET}/data/file.csv`, account: OWNER, policy: bucketPolicyFor([CONSUMER_A]) },
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

/**
 * The largest n for which `fits(n)` holds, given that it holds for 0 and, once it fails, fails for
 * every larger n (a policy only grows with its consumers). Doubling, then halving: a few dozen
 * policies built instead of one per count.
 */
function mostThatFit(fits: (n: number) => boolean): number {
    let low = 0;
    let high = 1;
    while (fits(high)) {
        low = high;
        high *= 2;
    }
    while (high - low > 1) {
        const middle = Math.floor((low + high) / 2);
        [low, high] = fits(middle) ? [middle, high] : [low, middle];
    }
    return low;
}

describe("bucket policy size budget", () => {
    const args = (consumers: ConsumerGrant[], extra: Partial<CrossAccountBucketArgs> = {}): CrossAccountBucketArgs => ({
        ownerAccountId: OWNER,
        region: "eu-west-1",
        grants: consumers,
        ...extra,
    });
    /** The most consumers that pass validation while the bucket name is unknown (measured with 63 characters). */
    const capacity = (lockMode: LockMode, extra: Partial<CrossAccountBucketArgs> = {}) =>
        mostThatFit((n) => validateCrossAccountBucketArgs(args(manyConsumers(n), { lockMode, ...extra })).length === 0);
    const fits = { "account-match": capacity("account-match"), "per-consumer": capacity("per-consumer") };

    it("fits at least 200 consumers with account-match and 38 with per-consumer, under sse-s3 and sse-kms alike", () => {
        expect(fits["account-match"]).to.be.at.least(200);
        expect(fits["per-consumer"]).to.be.at.least(38);
        expect(capacity("account-match", { encryption: "sse-kms" })).to.be.at.least(200);
    });

    for (const lockMode of LOCK_MODES) {
        it(`refuses one consumer more at preview, naming the size, the limit, the count and the mode (${lockMode})`, () => {
            const issues = validateCrossAccountBucketArgs(args(manyConsumers(fits[lockMode] + 1), { lockMode }));
            expect(issues).to.have.length(1);
            expect(issues[0].key).to.equal("grants");
            expect(issues[0].value).to.equal(`${fits[lockMode] + 1} consumers`);
            expect(issues[0].rule).to.match(new RegExp(`^make the S3 bucket policy \\(lockMode ${lockMode}\\) (\\d+) bytes, over AWS's limit of 20480 bytes$`));
            const reported = Number(/(\d+) bytes,/.exec(issues[0].rule)![1]);
            expect(reported - LIMITS.bucketPolicy.bytes).to.be.within(1, 500);
        });
    }

    it("suggests the other lock mode when the policy would fit in it", () => {
        const [issue] = validateCrossAccountBucketArgs(args(manyConsumers(fits["per-consumer"] + 1), { lockMode: "per-consumer" }));
        expect(issue.fix).to.match(/^set lockMode to "account-match", which fits \(\d+ bytes\); or share grants/);
        const [tooMany] = validateCrossAccountBucketArgs(args(manyConsumers(fits["account-match"] + 1)));
        expect(tooMany.fix).to.match(/^share grants/);
    });

    it("measures with the real name when the bucket name is fixed, so a short name fits more", () => {
        expect(validateCrossAccountBucketArgs(args(manyConsumers(fits["account-match"] + 1), { bucketName: "data" }))).to.deep.equal([]);
    });

    it("fits at least 150 consumers with the longest names a user can configure", () => {
        const longest = (n: number): ConsumerGrant[] =>
            manyConsumers(n).map((c, i) => ({ ...c, roleArn: `arn:aws:iam::${c.accountId}:role/${i.toString(16).padStart(64, "r")}` }));
        expect(mostThatFit((n) => validateCrossAccountBucketArgs(args(longest(n))).length === 0)).to.be.at.least(150);
    });

    describe("a consumer list that can never fit", () => {
        const pending = (n: number): PendingConsumer[] => manyConsumers(n).map((c) => ({ accountId: c.accountId, access: c.access }));

        it("is refused at the owner's first preview, before any consumer has deployed", () => {
            const issues = validateCrossAccountBucketArgs(args([], { pendingConsumers: pending(800) }));
            expect(issues).to.have.length(1);
            expect(issues[0].value).to.equal("800 consumers (800 not deployed yet, counted at their smallest possible size)");
            expect(issues[0].rule).to.match(/^make the S3 bucket policy \(lockMode account-match\) at least \d+ bytes, over AWS's limit of 20480 bytes$/);
        });

        it("passes when the smallest possible policy fits, even if the deployed consumers may later not", () => {
            expect(validateCrossAccountBucketArgs(args([], { pendingConsumers: pending(fits["account-match"]) }))).to.deep.equal([]);
        });

        it("counts deployed and pending consumers together", () => {
            const issues = validateCrossAccountBucketArgs(args(manyConsumers(fits["account-match"]), { pendingConsumers: pending(100) }));
            expect(issues.map((i) => i.value)).to.deep.equal([
                `${fits["account-match"] + 100} consumers (100 not deployed yet, counted at their smallest possible size)`,
            ]);
        });
    });
});

describe("organization grants: a role name under an OU path (independent IAM evaluator)", function () {
    this.timeout(60_000);
    const listedAndOrganization = [CONSUMER_A, CONSUMER_B, ORG_GRANT];

    for (const lockMode of LOCK_MODES) {
        const options: PolicyOptions = { ...DEFAULT_OPTIONS, lockMode };
        if (lockMode === "account-match") {
            describe(`beside listed consumers A and B, lockMode ${lockMode}`, () => {
                for (const scenario of organizationScenarios()) {
                    it(describeScenario(scenario), () => expectDecision(scenario, listedAndOrganization, options));
                }
            });
            describe("beside 150 listed consumers", () => {
                const crowd = [...manyConsumers(74), CONSUMER_A, ...manyConsumers(74, 74), CONSUMER_B, ORG_GRANT];
                for (const scenario of organizationScenarios()) {
                    it(describeScenario(scenario), () => expectDecision(scenario, crowd, options));
                }
            });
        } else {
            describe(`lockMode ${lockMode}`, () => {
                it("cannot express the grant: the builder refuses it, saying why", () => {
                    expect(() => bucketPolicyFor(listedAndOrganization, options)).to.throw(
                        /per-consumer" cannot hold organization grants: .*not known to the owner/,
                    );
                });
                it("the listed consumers' scenarios still hold there without it", async () => {
                    for (const scenario of bucketScenarios()) {
                        await expectDecision(scenario, [CONSUMER_A, CONSUMER_B], options);
                    }
                });
            });
        }
    }

    describe("that also requires an endpoint of the organization (endpointInOrganization)", () => {
        const strict = { ...ORG_GRANT, endpointInOrganization: true };
        const granted = orgRole(ACCOUNT_D, ORG_GRANT.roleName, "granted role in D");
        const get = (path: Path) =>
            evaluate(
                { principal: granted, path, action: "s3:GetObject", resource: `${BUCKET}/exchange/file.csv`, resourceAccount: OWNER },
                bucketPolicyFor([CONSUMER_A, strict]),
            );
        const table: [string, Path, Decision][] = [
            ["its own endpoint, in the organization", throughOwnEndpoint(ACCOUNT_D, "D's endpoint", ORGANIZATION_ID), "Allowed"],
            ["its own endpoint, said to be in another organization", throughOwnEndpoint(ACCOUNT_D, "D's endpoint", "o-f6g7h8i9j0"), "ExplicitlyDenied"],
            ["its own endpoint, with no aws:VpceOrgID on the request", throughOwnEndpoint(ACCOUNT_D, "D's endpoint"), "ExplicitlyDenied"],
        ];
        for (const [what, path, expected] of table) {
            it(`${what} → ${expected}`, async () => {
                const result = await get(path);
                expect(result.ignoredContextKeys).to.deep.equal([]);
                expect(result.decision).to.equal(expected);
            });
        }
    });

    describe("size", () => {
        const build = (grants: Parameters<typeof bucketPolicyFor>[0]) =>
            buildBucketPolicy({ bucketArn: BUCKET, ownerAccountId: OWNER, grants, encryption: { kind: "sse-s3" }, lockMode: "account-match" });
        it("adds the same number of bytes beside 1 or 200 listed consumers: nothing in it grows with accounts", () => {
            const added = (n: number) => byteSize(build([...manyConsumers(n), ORG_GRANT])) - byteSize(build(manyConsumers(n)));
            expect(added(1)).to.be.greaterThan(0);
            expect(added(200)).to.equal(added(1));
        });
        it("names no account and no endpoint of the path: the granted role appears as a pattern", () => {
            const text = JSON.stringify(build([ORG_GRANT]));
            expect(text).to.contain(`arn:aws:iam::*:role/${ORG_GRANT.roleName}`);
            expect(text).not.to.match(/vpce-|iam::\d{12}:role/);
        });
        it("pins the organization id as a fixed value in every statement that allows Principal *", () => {
            const open = build([CONSUMER_A, ORG_GRANT]).Statement.filter((s) => s.Effect === "Allow" && s.Principal === "*");
            expect(open.map((s) => s.Sid)).to.deep.equal(["OrgGrantReadWrite1", "OrgGrantReadWrite1List"]);
            for (const s of open) {
                expect(s.Condition?.StringEquals?.["aws:PrincipalOrgID"]).to.equal(ORGANIZATION_ID);
                expect(s.Condition?.["ForAnyValue:StringLike"]?.["aws:PrincipalOrgPaths"]).to.equal(`${ORG_GRANT.orgPath}*`);
            }
        });
        it("is refused under lockMode per-consumer by the component's validation, before any resource", () => {
            const issues = validateCrossAccountBucketArgs({
                ownerAccountId: OWNER,
                region: "eu-west-1",
                grants: [CONSUMER_A, ORG_GRANT],
                lockMode: "per-consumer",
            });
            expect(issues).to.have.length(1);
            expect(issues[0].key).to.equal("lockMode");
            expect(issues[0].rule).to.contain("cannot hold organization grants");
        });
    });

    describe("the bucket's KMS key", () => {
        const keyPolicy = buildKeyPolicy({ bucketArn: BUCKET, ownerAccountId: OWNER, region: "eu-west-1", partition: "aws", grants: [CONSUMER_A, ORG_GRANT] });
        const throughS3 = { "kms:ViaService": "s3.eu-west-1.amazonaws.com", "kms:EncryptionContext:aws:s3:arn": BUCKET };
        const withKey = (p: Principal): Principal => ({
            ...p,
            identityPolicy: buildConsumerRolePolicy({ bucketArn: BUCKET, access: "read-write", kmsKeyArn: BUCKET_KEY }),
        });
        const table: [string, Principal, Decision][] = [
            ["the granted role under the path", withKey(orgRole(ACCOUNT_D, ORG_GRANT.roleName, "granted")), "Allowed"],
            ["another role name under the path", withKey(orgRole(ACCOUNT_D, "other-app", "other name")), "ImplicitlyDenied"],
            ["the granted name outside the path", withKey(orgRole(ACCOUNT_BESIDE, ORG_GRANT.roleName, "beside")), "ImplicitlyDenied"],
        ];
        for (const [who, principal, expected] of table) {
            it(`${who}: generate a data key through S3 for this bucket → ${expected}`, () => {
                expect(evaluateKeyUse({ principal, action: "kms:GenerateDataKey", context: throughS3 }, keyPolicy)).to.equal(expected);
            });
        }
    });
});

describe("docs/design.md", () => {
    it("shows the policy table generated from these scenarios (npm run docs:policy-table)", async () => {
        expect(tableInDesign(), "design page policy table").to.equal(await renderPolicyTable());
    });
    it("shows the organization grant's table generated from its scenarios (npm run docs:policy-table)", async () => {
        expect(tableInDesign(undefined, TABLES.organization), "design page organization table").to.equal(await renderPolicyTable(TABLES.organization));
    });
});
