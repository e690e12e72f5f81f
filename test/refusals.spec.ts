import { expect } from "chai";
import { mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { planRollout } from "../offline/plan";
import { ConfigError } from "../domain/issues";
import { CONSUMER_ACCOUNT, CONSUMER_STACK, consumerConfig, consumerOutputs, key, OWNER_STACK, ownerConfig, ownerOutputs, stackFolder } from "./fixtures";
import { expectNothingCreated, failure, runOnce } from "./helpers";

/** Runs a consumer stack with these settings, against a deployed owner that lists it. */
const consumer = (overrides: Record<string, unknown>, stack = "consumer-b") =>
    runOnce({
        stack,
        config: { ...consumerConfig(), ...overrides },
        stackOutputs: { [OWNER_STACK]: ownerOutputs({ consumerStacks: [`organization/cross-account-s3/${stack}`] }) },
    });

/** Runs the owner with one consumer entry, against that consumer's exports. */
const owner = (entry: Record<string, unknown>, exported: Record<string, unknown>) =>
    runOnce({
        stack: "owner",
        config: ownerConfig({}, [{ stack: "consumer", accountId: CONSUMER_ACCOUNT, ...entry }]),
        stackOutputs: { [CONSUMER_STACK]: consumerOutputs(CONSUMER_ACCOUNT, "a", exported) },
    });

describe("what would fail, or silently do nothing, later is refused at plan and preview", () => {
    describe("every config message names the file and the stack, and its fix line the suggested value and -s <stack>", () => {
        it("a mistyped region: the fix sets the region it suggests, on this stack", async () => {
            const error = await failure(consumer({ [key("region")]: "us-esat-2" }));
            expect(error.message).to.contain('Invalid configuration for consumer stack "consumer-b" in Pulumi.consumer-b.yaml (1 problem):');
            expect(error.message).to.contain(
                'cross-account-s3:region = "us-esat-2": is not a region the installed AWS provider knows (did you mean us-east-2?)',
            );
            expect(error.message).to.contain("Fix: pulumi config set cross-account-s3:region us-east-2 -s consumer-b");
            expectNothingCreated(error);
        });

        it("a mistyped value of a fixed set: the fix sets the value meant", async () => {
            const error = await failure(consumer({ [key("access")]: "raed" }));
            expect(error.message).to.contain("Fix: pulumi config set cross-account-s3:access read -s consumer-b");
            expectNothingCreated(error);
        });

        it("a field of the owner's consumer list: a --path fix line on the owner stack", async () => {
            const error = await failure(
                runOnce({ stack: "owner-prod", config: ownerConfig({}, [{ stack: "consumer", accountId: "12" }]), stackOutputs: { [CONSUMER_STACK]: {} } }),
            );
            expect(error.message).to.contain('Invalid configuration for owner stack "owner-prod" in Pulumi.owner-prod.yaml');
            expect(error.message).to.contain("Fix: pulumi config set --path 'cross-account-s3:consumers[0].accountId' '<12-digit account id>' -s owner-prod");
            expectNothingCreated(error);
        });
    });

    describe("a consumer prefix that shares nothing with its grant", () => {
        it("is refused by the owner: every request would get 403, with both ways to fix it", async () => {
            const error = await failure(owner({ access: "read", prefix: "reports/" }, { access: "read", prefix: "report/" }));
            expect(error.message).to.contain(
                `${CONSUMER_STACK} output prefix = "report/": shares nothing with the owner's grant "reports/": the role may only use report/ and the bucket only lets it use reports/, so every request it makes would be refused (403)`,
            );
            expect(error.message).to.contain("Fix: pulumi config set cross-account-s3:prefix reports/ -s consumer (in Pulumi.consumer.yaml)");
            expect(error.message).to.contain("pulumi config set --path 'cross-account-s3:consumers[0].prefix' report/ -s owner");
            expectNothingCreated(error);
        });

        it("a nested prefix is granted, with a warning naming the narrower one as what it gets", async () => {
            const run = await owner({ access: "read", prefix: "reports/" }, { access: "read-write", prefix: "reports/daily/" });
            expect(run.logs).to.include.members([
                `warning: ${CONSUMER_STACK} asks for read-write access but is granted read; it gets what both allow: read`,
                `warning: ${CONSUMER_STACK} asks for prefix reports/daily/ but is granted prefix reports/; it gets what both allow: prefix reports/daily/`,
            ]);
            expect(run.outputs.grantedRoleArns).to.have.length(1);
        });
    });

    it("a project key written outside config: in a stack file", async () => {
        const dir = mkdtempSync(join(tmpdir(), "stacks-"));
        const example = readFileSync(join(stackFolder("example"), "Pulumi.consumer.yaml"), "utf8");
        writeFileSync(join(dir, "Pulumi.owner.yaml"), readFileSync(join(stackFolder("example"), "Pulumi.owner.yaml"), "utf8"));
        writeFileSync(join(dir, "Pulumi.consumer.yaml"), `${example}cross-account-s3:prefix: team-a/\nroute TableIds: x\n`);
        let error: unknown;
        await planRollout({ configDir: dir }).catch((e: unknown) => (error = e));
        expect(error).to.be.instanceOf(ConfigError);
        expect((error as Error).message).to.equal(
            [
                'Invalid stack file for stack "consumer" (Pulumi.consumer.yaml) (1 problem):',
                '  - cross-account-s3:prefix = "team-a/": is written outside config:, so Pulumi never passes it to the program and the stack would deploy without it.',
                "    Fix: move it under config: in Pulumi.consumer.yaml: delete the line from Pulumi.consumer.yaml, then pulumi config set cross-account-s3:prefix team-a/ -s consumer",
            ].join("\n"),
        );
    });

    it("vpcId together with existingEndpointId", async () => {
        const error = await failure(consumer({ [key("existingEndpointId")]: "vpce-0123456789abcdef0" }));
        expect(error.message).to.contain(
            'cross-account-s3:vpcId = "vpc-0a1b2c3d4e5f60718": is set together with existingEndpointId: an adopted endpoint stays in the VPC it was created in, so vpcId would be ignored',
        );
        expect(error.message).to.contain(
            "Fix: pulumi config rm cross-account-s3:vpcId -s consumer-b (to adopt vpce-0123456789abcdef0), or pulumi config rm cross-account-s3:existingEndpointId -s consumer-b",
        );
        expectNothingCreated(error);
    });

    describe("tags AWS would refuse at deploy time", () => {
        const cases: [string, Record<string, string>, string][] = [
            ["a key beginning with aws:", { "AWS:team": "data" }, 'cross-account-s3:tags.AWS:team = "AWS:team": has a key that begins with "aws:"'],
            ["a key over 128 characters", { ["k".repeat(129)]: "v" }, "has a key that is 129 characters long; AWS takes 1 to 128"],
            [
                "a value over 256 characters",
                { team: "v".repeat(257) },
                'cross-account-s3:tags.team = "' + "v".repeat(257) + '": is 257 characters long; AWS takes at most 256',
            ],
            [
                "a character outside AWS's set",
                { "cost-centre": "a&b" },
                'cross-account-s3:tags.cost-centre = "a&b": holds characters outside AWS\'s tag character set',
            ],
            [
                "more than 50 tags on a resource, counting the stack's own two",
                Object.fromEntries(Array.from({ length: 49 }, (_, i) => [`t${i}`, "x"])),
                'cross-account-s3:tags = "49 tags": with pulumi:project and pulumi:stack every resource would carry 51 tags; AWS allows 50',
            ],
        ];
        for (const [what, tags, message] of cases) {
            it(what, async () => {
                const error = await failure(consumer({ [key("tags")]: tags }));
                expect(error.message).to.contain(message);
                expect(error.message).to.contain("Pulumi.consumer-b.yaml");
                expectNothingCreated(error);
            });
        }

        it("accepts letters of any script, spaces and AWS's symbols, and exactly 48 tags", async () => {
            const tags = {
                "Équipe données": "Plateforme_1 + 2 = 3 @ eu/west:a.b-c",
                ...Object.fromEntries(Array.from({ length: 47 }, (_, i) => [`t${i}`, ""])),
            };
            const run = await consumer({ [key("tags")]: tags });
            expect(run.outputs.roleArn).to.be.a("string");
        });
    });

    it("a role ARN of another partition than the stack's region", async () => {
        const arn = `arn:aws:iam::${CONSUMER_ACCOUNT}:role/deploy`;
        const error = await failure(consumer({ [key("region")]: "cn-north-1", [key("deployRoleArn")]: arn, [key("existingRoleArn")]: arn }));
        for (const name of ["deployRoleArn", "existingRoleArn"]) {
            expect(error.message).to.contain(
                `cross-account-s3:${name} = "${arn}": is in the aws partition, but this stack's region cn-north-1 is in aws-cn, whose IAM knows no such role`,
            );
            expect(error.message).to.contain(`Fix: pulumi config set cross-account-s3:${name} arn:aws-cn:iam::${CONSUMER_ACCOUNT}:role/deploy -s consumer-b`);
        }
        expectNothingCreated(error);
    });

    it("an existingRoleArn naming a service-linked role", async () => {
        const arn = `arn:aws:iam::${CONSUMER_ACCOUNT}:role/aws-service-role/ec2.amazonaws.com/AWSServiceRoleForEC2`;
        const error = await failure(consumer({ [key("existingRoleArn")]: arn }));
        expect(error.message).to.contain(
            `cross-account-s3:existingRoleArn = "${arn}": is a service-linked role (path /aws-service-role/): IAM refuses inline policies on service-linked roles`,
        );
        expect(error.message).to.contain("pulumi config rm cross-account-s3:existingRoleArn -s consumer-b");
        expectNothingCreated(error);
    });
});
