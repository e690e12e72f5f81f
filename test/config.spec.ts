import { expect } from "chai";
import { CONSUMER_ACCOUNT, CONSUMER_STACK, consumerConfig, consumerOutputs, key, OWNER_ACCOUNT, OWNER_STACK, ownerConfig, ownerOutputs } from "./fixtures";
import { expectNothingCreated, failure, the, TYPES, runOnce } from "./helpers";

/** [what is wrong, config overrides, the key and value the message names, the rule it states] */
type Case = [string, Record<string, unknown>, string, string];

const ownerCases: Case[] = [
    ["missing account id", { [key("accountId")]: undefined }, "cross-account-s3:accountId = (not set)", "is required"],
    ["short account id", { [key("accountId")]: "12345" }, 'cross-account-s3:accountId = "12345"', "must be a 12-digit AWS account id"],
    ["missing region", { [key("region")]: undefined }, "cross-account-s3:region = (not set)", "is required"],
    ["bad region", { [key("region")]: "Europe" }, 'cross-account-s3:region = "Europe"', "must be an AWS region code"],
    ["bucket name with capitals", { [key("bucketName")]: "My_Bucket" }, 'cross-account-s3:bucketName = "My_Bucket"', "may hold only lowercase letters"],
    ["bucket name like an IP", { [key("bucketName")]: "192.168.5.4" }, 'cross-account-s3:bucketName = "192.168.5.4"', "must not be formatted as an IP address"],
    [
        "bucket name with a reserved suffix",
        { [key("bucketName")]: "data-s3alias" },
        'cross-account-s3:bucketName = "data-s3alias"',
        'must not end with the reserved suffix "-s3alias"',
    ],
    ["deploy role that is not a role ARN", { [key("deployRoleArn")]: "deploy" }, 'cross-account-s3:deployRoleArn = "deploy"', "must be an IAM role ARN"],
    [
        "deploy role of another account",
        { [key("deployRoleArn")]: `arn:aws:iam::${CONSUMER_ACCOUNT}:role/deploy` },
        "cross-account-s3:deployRoleArn",
        `must be a role in this stack's account ${OWNER_ACCOUNT}`,
    ],
    ["profile with spaces", { [key("profile")]: "my profile" }, 'cross-account-s3:profile = "my profile"', "must be an AWS profile name"],
    ["unknown encryption", { [key("encryption")]: "aes" }, 'cross-account-s3:encryption = "aes"', 'must be one of "sse-s3", "sse-kms"'],
    ["access logs switch that is not a boolean", { [key("accessLogs")]: "yes" }, 'cross-account-s3:accessLogs = "yes"', "must be true or false"],
    [
        "log retention of zero days",
        { [key("accessLogRetentionDays")]: "0" },
        'cross-account-s3:accessLogRetentionDays = "0"',
        "must be a whole number from 1 to 3650",
    ],
    ["misspelt key", { [key("bucketname")]: "x" }, 'cross-account-s3:bucketname = "x"', "is not a setting of this stack"],
    ["tags that are not a map", { [key("tags")]: ["a"] }, "cross-account-s3:tags", "must be a map of string to string"],
];

const consumerEntryCases: [string, unknown, string, string][] = [
    ["consumer account equal to the owner account", { stack: "consumer", accountId: OWNER_ACCOUNT }, "consumers[0].accountId", "is the owner account itself"],
    ["consumer without account id", { stack: "consumer" }, "consumers[0].accountId = (not set)", "is required"],
    [
        "unknown access level",
        { stack: "consumer", accountId: CONSUMER_ACCOUNT, access: "admin" },
        'consumers[0].access = "admin"',
        'must be one of "read", "read-write"',
    ],
    [
        "prefix with a wildcard",
        { stack: "consumer", accountId: CONSUMER_ACCOUNT, prefix: "team-*/" },
        'consumers[0].prefix = "team-*/"',
        "must not contain the wildcards",
    ],
    [
        "prefix without a trailing slash",
        { stack: "consumer", accountId: CONSUMER_ACCOUNT, prefix: "team-a" },
        'consumers[0].prefix = "team-a"',
        'must end with "/"',
    ],
    ["unknown consumer field", { stack: "consumer", accountId: CONSUMER_ACCOUNT, acess: "read" }, "consumers[0].acess", "is not a consumer field"],
    ["bad stack name", { stack: "a b", accountId: CONSUMER_ACCOUNT }, 'consumers[0].stack = "a b"', "must be a stack name"],
];

const consumerCases: Case[] = [
    ["missing VPC id", { [key("vpcId")]: undefined }, "cross-account-s3:vpcId = (not set)", "is required"],
    ["VPC id without vpc- prefix", { [key("vpcId")]: "0a1b2c3d" }, 'cross-account-s3:vpcId = "0a1b2c3d"', "must be a VPC id"],
    [
        "route table id that is a subnet id",
        { [key("routeTableIds")]: ["subnet-0a1b2c3d"] },
        'cross-account-s3:routeTableIds[0] = "subnet-0a1b2c3d"',
        "must be a route table id",
    ],
    ["empty route table list", { [key("routeTableIds")]: [] }, "cross-account-s3:routeTableIds = []", "must list at least one route table"],
    ["missing route table list", { [key("routeTableIds")]: undefined }, "cross-account-s3:routeTableIds = (not set)", "must list at least one route table"],
    [
        "duplicated route table",
        { [key("routeTableIds")]: ["rtb-0a1b2c3d", "rtb-0a1b2c3d"] },
        'cross-account-s3:routeTableIds[1] = "rtb-0a1b2c3d"',
        "appears twice in the list",
    ],
    [
        "route tables as a plain string",
        { [key("routeTableIds")]: "rtb-0a1b2c3d" },
        'cross-account-s3:routeTableIds = "rtb-0a1b2c3d"',
        "must be a structured value",
    ],
    [
        "existing endpoint id that is not a vpce- id",
        { [key("existingEndpointId")]: "vpc-0a1b2c3d" },
        'cross-account-s3:existingEndpointId = "vpc-0a1b2c3d"',
        "must be a VPC endpoint id",
    ],
    [
        "existing role of another account",
        { [key("existingRoleArn")]: `arn:aws:iam::${OWNER_ACCOUNT}:role/app` },
        "cross-account-s3:existingRoleArn",
        `must be a role in this stack's account ${CONSUMER_ACCOUNT}`,
    ],
    [
        "existing role that is a bucket ARN",
        { [key("existingRoleArn")]: "arn:aws:s3:::bucket" },
        'cross-account-s3:existingRoleArn = "arn:aws:s3:::bucket"',
        "must be an IAM role ARN",
    ],
    [
        "verify tester of another account",
        { [key("verifyTester")]: `arn:aws:iam::${OWNER_ACCOUNT}:role/verify` },
        "cross-account-s3:verifyTester",
        `must be a role in this stack's account ${CONSUMER_ACCOUNT}`,
    ],
    [
        "verify tester with an existing role",
        { [key("verifyTester")]: `arn:aws:iam::${CONSUMER_ACCOUNT}:role/verify`, [key("existingRoleArn")]: `arn:aws:iam::${CONSUMER_ACCOUNT}:role/app` },
        "cross-account-s3:verifyTester",
        "only applies to the role this stack creates, but existingRoleArn is set",
    ],
    ["unknown access level", { [key("access")]: "write" }, 'cross-account-s3:access = "write"', 'must be one of "read", "read-write"'],
    ["prefix with a wildcard", { [key("prefix")]: "a?/" }, 'cross-account-s3:prefix = "a?/"', "must not contain the wildcards"],
    [
        "unknown endpoint policy",
        { [key("endpointPolicy")]: "none" },
        'cross-account-s3:endpointPolicy = "none"',
        'must be one of "allow-all", "account-and-owner", "owner-only"',
    ],
    ["unmanaged policy on a new endpoint", { [key("endpointPolicy")]: "unmanaged" }, 'cross-account-s3:endpointPolicy = "unmanaged"', "must be one of"],
    [
        "extra buckets under allow-all",
        { [key("extraBuckets")]: ["repo-bucket"] },
        "cross-account-s3:extraBuckets",
        'only applies to a restricted endpoint policy, but endpointPolicy is "allow-all"',
    ],
    [
        "extra bucket with a bad name",
        { [key("endpointPolicy")]: "owner-only", [key("extraBuckets")]: ["Repo"] },
        'cross-account-s3:extraBuckets[0] = "Repo"',
        "may hold only lowercase letters",
    ],
    [
        "unknown bucket preset",
        { [key("endpointPolicy")]: "owner-only", [key("extraBuckets")]: ["preset:sms"] },
        'cross-account-s3:extraBuckets[0] = "preset:sms"',
        "names no preset; the presets are preset:ssm, preset:amazon-linux, preset:ecr",
    ],
    ["owner stack with spaces", { [key("ownerStack")]: "the owner" }, 'cross-account-s3:ownerStack = "the owner"', "must be a stack name"],
    [
        "ownerStack and ownerStacks together",
        { [key("ownerStack")]: "owner", [key("ownerStacks")]: ["owner-a"] },
        'cross-account-s3:ownerStacks = ["owner-a"]',
        "is set together with cross-account-s3:ownerStack",
    ],
    ["an empty ownerStacks", { [key("ownerStacks")]: [] }, "cross-account-s3:ownerStacks = []", "must list at least one owner stack"],
    ["an owner listed twice", { [key("ownerStacks")]: ["owner", "owner"] }, 'cross-account-s3:ownerStacks[1] = "owner"', "appears twice"],
];

function withOverrides(base: Record<string, unknown>, overrides: Record<string, unknown>): Record<string, unknown> {
    const config = { ...base, ...overrides };
    for (const [k, v] of Object.entries(overrides)) {
        if (v === undefined) {
            delete config[k];
        }
    }
    return config;
}

async function expectRefused(run: ReturnType<typeof runOnce>, names: string, rule: string): Promise<void> {
    const error = await failure(run);
    expect(error.message).to.contain(`${names}`);
    expect(error.message).to.contain(rule);
    expect(error.message).to.match(/Fix: \S/);
    expectNothingCreated(error);
}

describe("bad input is refused before anything is created", () => {
    describe("owner stack", () => {
        for (const [what, overrides, names, rule] of ownerCases) {
            it(what, () =>
                expectRefused(
                    runOnce({ stack: "owner", config: withOverrides(ownerConfig(), overrides), stackOutputs: { [CONSUMER_STACK]: {} } }),
                    names,
                    rule,
                ),
            );
        }
        for (const [what, entry, names, rule] of consumerEntryCases) {
            it(what, () => expectRefused(runOnce({ stack: "owner", config: ownerConfig({}, [entry]), stackOutputs: { [CONSUMER_STACK]: {} } }), names, rule));
        }

        it("a consumer stack listed twice", () =>
            expectRefused(
                runOnce({
                    stack: "owner",
                    config: ownerConfig({}, [
                        { stack: "consumer", accountId: CONSUMER_ACCOUNT },
                        { stack: CONSUMER_STACK, accountId: CONSUMER_ACCOUNT },
                    ]),
                    stackOutputs: { [CONSUMER_STACK]: {} },
                }),
                `consumers[1].stack = "${CONSUMER_STACK}"`,
                "is listed twice",
            ));

        it("reports every problem at once", async () => {
            const config = withOverrides(ownerConfig({}, [{ stack: "consumer", accountId: "1" }]), { [key("accountId")]: "x", [key("region")]: undefined });
            const error = await failure(runOnce({ stack: "owner", config, stackOutputs: {} }));
            expect(error.message).to.match(/^Invalid configuration for owner stack "owner" in Pulumi\.owner\.yaml \(3 problems\):/);
            expect(error.message).to.contain("cross-account-s3:accountId");
            expect(error.message).to.contain("cross-account-s3:region");
            expect(error.message).to.contain("consumers[0].accountId");
            expectNothingCreated(error);
        });
    });

    describe("consumer stack", () => {
        for (const [what, overrides, names, rule] of consumerCases) {
            it(what, () =>
                expectRefused(
                    runOnce({ stack: "consumer", config: withOverrides(consumerConfig(), overrides), stackOutputs: { [OWNER_STACK]: ownerOutputs() } }),
                    names,
                    rule,
                ),
            );
        }
    });
});

describe("stack selection", () => {
    it("runs the owner program for a stack named owner", async () => {
        const run = await runOnce({ stack: "owner", config: ownerConfig(), stackOutputs: { [CONSUMER_STACK]: {} } });
        the(run.resources, TYPES.crossAccountBucket);
    });

    it("runs the consumer program for any stack named consumer-…, so a second account is only a new stack file", async () => {
        const run = await runOnce({ stack: "consumer-eu", config: consumerConfig(), stackOutputs: { [OWNER_STACK]: ownerOutputs() } });
        the(run.resources, TYPES.gatewayEndpoint);
        expect(the(run.resources, TYPES.provider).name).to.equal("consumer-eu-account");
    });

    it("honours an explicit role over the stack name", async () => {
        const run = await runOnce({ stack: "prod-data", config: { ...ownerConfig(), [key("role")]: "owner" }, stackOutputs: { [CONSUMER_STACK]: {} } });
        the(run.resources, TYPES.crossAccountBucket);
    });

    it("refuses a stack whose role cannot be told, listing the valid values", async () => {
        const error = await failure(runOnce({ stack: "dev", config: ownerConfig() }));
        expect(error.message).to.contain(
            'cross-account-s3:role = (not set): is required because the stack name "dev" does not start with "owner" or "consumer"',
        );
        expect(error.message).to.contain('valid values are "owner" and "consumer"');
        expectNothingCreated(error);
    });

    it("refuses an unknown role", async () => {
        const error = await failure(runOnce({ stack: "owner", config: { ...ownerConfig(), [key("role")]: "admin" } }));
        expect(error.message).to.contain('cross-account-s3:role = "admin": must be "owner" or "consumer"');
        expectNothingCreated(error);
    });
});

describe("a consumer stack used as the owner's input", () => {
    it("accepts what the consumer program itself exports", async () => {
        const consumer = await runOnce({ stack: "consumer", config: consumerConfig(), stackOutputs: { [OWNER_STACK]: ownerOutputs() } });
        const owner = await runOnce({ stack: "owner", config: ownerConfig(), stackOutputs: { [CONSUMER_STACK]: consumer.outputs } });
        expect(owner.outputs.grantedRoleArns).to.deep.equal([consumer.outputs.roleArn]);
        expect(owner.outputs.lockedVpceIds).to.deep.equal([consumer.outputs.vpceId]);
        expect(consumerOutputs()).to.have.all.keys(Object.keys(consumer.outputs));
    });
});
