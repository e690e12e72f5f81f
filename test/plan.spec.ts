import { expect } from "chai";
import { mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { stringify } from "yaml";
import { main } from "../offline/plan-cli";
import { Plan, planRollout } from "../offline/plan";
import { renderHuman } from "../offline/planReport";
import { PolicyDocument } from "../policies/document";
import { CONSUMER_ACCOUNT, OWNER_ACCOUNT, REGION, SECOND_CONSUMER_ACCOUNT, stackFolder } from "./fixtures";
import { expectNothingCreated, failure, planOnce, TYPES } from "./helpers";
import { runStack } from "../offline/runStack";
import { CliRun, PLAN_PROCESS_OUT, planProcessRun } from "./plan-process";
import { evaluate } from "./policy-world";

const EXAMPLE_DIR = stackFolder("example");

/**
 * Runs the `npm run plan` command in this process: the same main() the CLI calls, on the example
 * stack files unless the arguments name a folder.
 */
async function planCli(args: string[]): Promise<CliRun> {
    let stdout = "";
    let stderr = "";
    const argv = args.includes("--config-dir") ? args : ["--config-dir", EXAMPLE_DIR, ...args];
    const status = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) }, planOnce);
    return { status, stdout, stderr };
}

/** A folder of stack files, as a team keeps its own settings. */
function configDir(files: Record<string, Record<string, unknown>>): string {
    const dir = mkdtempSync(join(tmpdir(), "plan-"));
    for (const [stack, config] of Object.entries(files)) {
        writeFileSync(join(dir, `Pulumi.${stack}.yaml`), stringify({ config }));
    }
    return dir;
}

const resourceSet = (plan: Plan, phase: number) =>
    plan.phases
        .filter((p) => p.phase === phase)
        .flatMap((p) => p.resources.filter((r) => r.type.startsWith("aws:")).map((r) => `${r.type} ${r.name}`))
        .sort();

/** The access-log resources of the owner stack (on by default). */
const ACCESS_LOGS = [
    `${TYPES.bucket} shared-data-logs`,
    `${TYPES.publicAccessBlock} shared-data-logs-public-access-block`,
    `${TYPES.ownership} shared-data-logs-ownership`,
    `${TYPES.encryption} shared-data-logs-encryption`,
    `${TYPES.lifecycle} shared-data-logs-lifecycle`,
    `${TYPES.bucketPolicy} shared-data-logs-policy`,
    `${TYPES.logging} shared-data-logs-source`,
    `${TYPES.glueDatabase} shared-data-logs-database`,
    `${TYPES.glueTable} shared-data-logs-table`,
    `${TYPES.workgroup} shared-data-logs-workgroup`,
    `${TYPES.namedQuery} shared-data-logs-requestsByNetwork`,
    `${TYPES.namedQuery} shared-data-logs-consumerRequestsNotPrivate`,
    `${TYPES.namedQuery} shared-data-logs-deniedByRequester`,
];

const bucketPolicy = (plan: Plan, phase: number) =>
    plan.phases.find((p) => p.phase === phase)!.resources.find((r) => r.name === "shared-data-policy")!.inputs.policy as PolicyDocument;

describe("offline plan (npm run plan)", function () {
    this.timeout(60_000);

    describe("of the shipped example config", () => {
        let plan: Plan;
        before(async () => {
            plan = await planOnce({ configDir: EXAMPLE_DIR });
        });

        it("plays owner → consumer → owner", () => {
            expect(plan.phases.map((p) => [p.stack, p.phase])).to.deep.equal([
                ["owner", 1],
                ["consumer", 2],
                ["owner", 3],
            ]);
        });

        it("creates exactly the expected resources in each phase", () => {
            const owner = [
                `${TYPES.bucket} shared-data`,
                `${TYPES.publicAccessBlock} shared-data-public-access-block`,
                `${TYPES.ownership} shared-data-ownership`,
                `${TYPES.encryption} shared-data-encryption`,
                `${TYPES.versioning} shared-data-versioning`,
                `${TYPES.bucketPolicy} shared-data-policy`,
                ...ACCESS_LOGS,
            ].sort();
            expect(resourceSet(plan, 1)).to.deep.equal(owner);
            expect(resourceSet(plan, 2)).to.deep.equal(
                [`${TYPES.endpoint} s3`, `${TYPES.role} workload`, `${TYPES.instanceProfile} workload`, `${TYPES.rolePolicy} workload-shared-bucket`].sort(),
            );
            expect(resourceSet(plan, 3)).to.deep.equal(owner);
        });

        it("has no grant or lock after phase 1, and both after phase 3, naming the consumer's role and endpoint", () => {
            expect(bucketPolicy(plan, 1).Statement.map((s) => s.Sid)).to.deep.equal(["DenyInsecureTransport", "DenyOtherEncryption"]);
            const consumer = plan.phases[1].outputs;
            const final = bucketPolicy(plan, 3);
            expect(final.Statement.find((s) => s.Sid === "GrantReadWrite1")?.Principal).to.deep.equal({ AWS: consumer.roleArn });
            const lock = final.Statement.find((s) => s.Sid === "DenyConsumersOutsideTheirEndpoints");
            expect(lock?.Condition?.StringNotEquals["aws:SourceVpce"]).to.equal(consumer.vpceId);
            expect(plan.phases[2].outputs.lockedVpceIds).to.deep.equal([consumer.vpceId]);
        });

        it("feeds the owner's first-phase outputs to the consumer, as a rollout would", () => {
            const rolePolicy = plan.phases[1].resources.find((r) => r.type === TYPES.rolePolicy)!.inputs.policy as PolicyDocument;
            expect(rolePolicy.Statement[0].Resource).to.equal(`${String(plan.phases[0].outputs.bucketArn)}/*`);
        });

        it("lists the values it made up as placeholders", () => {
            expect(plan.phases[1].placeholders).to.include(plan.phases[1].outputs.vpceId);
            expect(plan.phases[1].placeholders).to.include(plan.phases[1].outputs.roleArn);
            expect(plan.phases[0].placeholders).to.include(plan.phases[0].outputs.bucketName);
        });

        it("carries each resource's options, and marks protected resources in the human plan", () => {
            const owner = plan.phases[0].resources;
            const bucket = owner.find((r) => r.type === TYPES.bucket && r.name === "shared-data")!;
            expect(bucket.options).to.deep.include({ protect: true, retainOnDelete: true, provider: "owner-account" });
            const policy = owner.find((r) => r.name === "shared-data-policy")!;
            expect(policy.options).to.deep.include({ protect: false, retainOnDelete: false });
            expect(policy.options.dependsOn).to.include.members(["shared-data-public-access-block", "shared-data-ownership", "shared-data-versioning"]);
            expect(owner.filter((r) => r.options.protect).map((r) => r.name)).to.deep.equal(["shared-data"]);
            const human = renderHuman(plan);
            expect(human).to.contain(`${TYPES.bucket}  shared-data  (protected, kept on destroy)`);
            expect(human).to.contain(`${TYPES.bucketPolicy}  shared-data-policy\n`);
        });

        it("summarises what the owner's second run adds", () => {
            const human = renderHuman(plan);
            expect(human).to.match(/shared-data-policy: statements added: GrantReadWrite1, DenyConsumersOutsideTheirEndpoints, DenyEndpointsOfOtherAccounts/);
            expect(human).to.contain("~ output lockedVpceIds: [] → ");
        });
    });

    describe("from the command line", () => {
        it("runs as its own process: --config-dir from where the user stands, a clean JSON file with --out (smoke test: one spawn for the whole suite)", async () => {
            const run = await planProcessRun;
            expect(run.status, run.stderr).to.equal(0);
            expect(run.stdout).to.equal("");
            expect(run.stderr).to.equal(`Wrote the json plan to ${PLAN_PROCESS_OUT}\n`);
            expect((JSON.parse(readFileSync(PLAN_PROCESS_OUT, "utf8")) as { phases: unknown[] }).phases).to.have.length(3);
        });

        it("--json prints one JSON document that matches the human output (with --details)", async () => {
            const json = await planCli(["--json"]);
            const human = await planCli(["--details"]);
            expect([json.status, human.status]).to.deep.equal([0, 0]);
            const doc = JSON.parse(json.stdout) as {
                phases: {
                    stack: string;
                    phase: number;
                    resources: { type: string; name: string; parent: string | null; inputs: Record<string, unknown>; options: Record<string, unknown> }[];
                    outputs: Record<string, unknown>;
                }[];
            };
            expect(doc.phases).to.have.length(3);
            expect(doc.phases[0].resources.find((r) => r.type === TYPES.bucket && r.name === "shared-data")?.options).to.deep.include({
                protect: true,
                retainOnDelete: true,
            });
            for (const phase of doc.phases) {
                const section = human.stdout.split(`━━ Phase ${phase.phase} of 3 · stack ${phase.stack} ━━`)[1]?.split("━━ ")[0];
                expect(section, `human section of phase ${phase.phase}`).to.be.a("string");
                for (const r of phase.resources) {
                    expect(section).to.contain(`${r.type}  ${r.name}`);
                    if (r.parent !== null) {
                        expect(doc.phases.flatMap((p) => p.resources).some((c) => c.name === r.parent && c.type.includes(":index:"))).to.equal(true);
                    }
                    if (r.inputs.policy && typeof r.inputs.policy === "object") {
                        for (const line of JSON.stringify(r.inputs.policy, null, 2).split("\n")) {
                            expect(section).to.contain(line);
                        }
                    }
                }
                for (const [key, value] of Object.entries(phase.outputs)) {
                    expect(section).to.contain(`    ${key}: ${JSON.stringify(value)}`);
                }
            }
        });

        it("--stacks and --config-dir plan a team's own settings, one owner and two consumers", async () => {
            const dir = configDir({
                owner: {
                    "cross-account-s3:accountId": OWNER_ACCOUNT,
                    "cross-account-s3:region": REGION,
                    "cross-account-s3:consumers": [
                        { stack: "consumer-a", accountId: CONSUMER_ACCOUNT, access: "read" },
                        { stack: "consumer-b", accountId: SECOND_CONSUMER_ACCOUNT, access: "read", prefix: "b/" },
                    ],
                },
                "consumer-a": {
                    "cross-account-s3:accountId": CONSUMER_ACCOUNT,
                    "cross-account-s3:region": REGION,
                    "cross-account-s3:vpcId": "vpc-0a1b2c3d",
                    "cross-account-s3:routeTableIds": ["rtb-0a1b2c3d"],
                },
                "consumer-b": {
                    "cross-account-s3:accountId": SECOND_CONSUMER_ACCOUNT,
                    "cross-account-s3:region": REGION,
                    "cross-account-s3:vpcId": "vpc-0b1c2d3e",
                    "cross-account-s3:routeTableIds": ["rtb-0b1c2d3e"],
                    "cross-account-s3:prefix": "b/",
                },
                ignored: { "cross-account-s3:role": "consumer" },
            });
            const run = await planCli(["--config-dir", dir, "--stacks", "owner,consumer-b,consumer-a", "--json"]);
            expect(run.status, run.stderr).to.equal(0);
            const doc = JSON.parse(run.stdout) as { phases: { stack: string; outputs: Record<string, unknown> }[] };
            expect(doc.phases.map((p) => p.stack)).to.deep.equal(["owner", "consumer-b", "consumer-a", "owner"]);
            expect(doc.phases[3].outputs.grantedRoleArns).to.have.length(2);
        });

        it("fails an invalid config the way preview would: same message, exit 1, nothing on stdout", async () => {
            const dir = configDir({ owner: { "cross-account-s3:accountId": "12345", "cross-account-s3:region": REGION } });
            const run = await planCli(["--config-dir", dir]);
            expect(run.status).to.equal(1);
            expect(run.stdout).to.equal("");
            expect(run.stderr).to.contain("Plan stopped at phase 1 (stack owner):");
            expect(run.stderr).to.contain(
                'Invalid configuration for owner stack "owner" in Pulumi.owner.yaml (1 problem):\n  - cross-account-s3:accountId = "12345": must be a 12-digit AWS account id.',
            );
        });

        it("fails a consumer in another region at phase 2, exit 1, nothing on stdout", async () => {
            const shipped = (stack: string) => readFileSync(join(EXAMPLE_DIR, `Pulumi.${stack}.yaml`), "utf8");
            const dir = mkdtempSync(join(tmpdir(), "plan-"));
            writeFileSync(join(dir, "Pulumi.owner.yaml"), shipped("owner"));
            writeFileSync(
                join(dir, "Pulumi.consumer.yaml"),
                shipped("consumer").replace("cross-account-s3:region: eu-west-1", "cross-account-s3:region: us-east-1"),
            );
            const run = await planCli(["--config-dir", dir]);
            expect([run.status, run.stdout]).to.deep.equal([1, ""]);
            expect(run.stderr).to.contain("Plan stopped at phase 2 (stack consumer):");
            expect(run.stderr).to.contain("gateway endpoints only carry requests to S3 in their own region");
        });

        it("refuses an unknown option with the usage, exit 2", async () => {
            const run = await planCli(["--stack", "owner"]);
            expect(run.status).to.equal(2);
            expect(run.stderr).to.contain("unknown option --stack");
            expect(run.stderr).to.contain("usage: npm run plan");
        });
    });
});

describe("offline plan: layouts and mistakes a user makes", function () {
    this.timeout(60_000);
    const ns = (key: string) => `cross-account-s3:${key}`;
    const consumerFile = (account: string, vpc: string, rtb: string, extra: Record<string, unknown> = {}) => ({
        [ns("accountId")]: account,
        [ns("region")]: REGION,
        [ns("vpcId")]: vpc,
        [ns("routeTableIds")]: [rtb],
        [ns("access")]: "read",
        ...extra,
    });
    const ownerFile = (consumers: unknown[], extra: Record<string, unknown> = {}) => ({
        [ns("accountId")]: OWNER_ACCOUNT,
        [ns("region")]: REGION,
        [ns("consumers")]: consumers,
        ...extra,
    });

    describe("two consumer stacks in one account", () => {
        let plan: Plan;
        let dir: string;
        before(async () => {
            dir = configDir({
                owner: ownerFile([
                    { stack: "consumer-a", accountId: CONSUMER_ACCOUNT, access: "read" },
                    { stack: "consumer-b", accountId: CONSUMER_ACCOUNT, access: "read" },
                ]),
                "consumer-a": consumerFile(CONSUMER_ACCOUNT, "vpc-0a1b2c3d", "rtb-0a1b2c3d"),
                "consumer-b": consumerFile(CONSUMER_ACCOUNT, "vpc-0b1c2d3e", "rtb-0b1c2d3e"),
            });
            plan = await planRollout({ configDir: dir });
        });

        it("get two endpoints and two roles, distinct and stable across runs", async () => {
            const [a, b] = [plan.phases[1].outputs, plan.phases[2].outputs];
            expect(a.vpceId).to.not.equal(b.vpceId);
            expect(a.roleArn).to.not.equal(b.roleArn);
            const again = await planRollout({ configDir: dir });
            expect([again.phases[1].outputs.vpceId, again.phases[2].outputs.roleArn]).to.deep.equal([a.vpceId, b.roleArn]);
        });

        it("each get a per-role Deny, and the evaluator lets each role through its own endpoint only", async () => {
            const [a, b] = [plan.phases[1].outputs, plan.phases[2].outputs];
            const final = bucketPolicy(plan, 3);
            expect(final.Statement.filter((s) => s.Sid?.startsWith("LockRole")).map((s) => s.Condition?.ArnEquals?.["aws:PrincipalArn"])).to.have.members([
                a.roleArn,
                b.roleArn,
            ]);
            const bucketArn = String(plan.phases[3].outputs.bucketArn);
            const read = (role: unknown, vpce: unknown) =>
                evaluate(
                    {
                        principal: {
                            label: String(role),
                            arn: String(role),
                            identityPolicy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }] },
                        },
                        path: {
                            label: String(vpce),
                            context: { "aws:SourceVpce": String(vpce), "aws:VpceAccount": CONSUMER_ACCOUNT, "aws:SecureTransport": "true" },
                        },
                        action: "s3:GetObject",
                        resource: `${bucketArn}/x`,
                        resourceAccount: OWNER_ACCOUNT,
                    },
                    final,
                );
            expect((await read(a.roleArn, a.vpceId)).decision).to.equal("Allowed");
            expect((await read(b.roleArn, b.vpceId)).decision).to.equal("Allowed");
            expect((await read(a.roleArn, b.vpceId)).decision).to.equal("ExplicitlyDenied");
            expect((await read(b.roleArn, a.vpceId)).decision).to.equal("ExplicitlyDenied");
        });
    });

    describe("a consumer stack file the owner does not list (being removed)", () => {
        let dir: string;
        before(() => {
            dir = configDir({
                owner: ownerFile([{ stack: "consumer", accountId: CONSUMER_ACCOUNT, access: "read" }]),
                consumer: consumerFile(CONSUMER_ACCOUNT, "vpc-0a1b2c3d", "rtb-0a1b2c3d"),
                "consumer-b": consumerFile(SECOND_CONSUMER_ACCOUNT, "vpc-0b1c2d3e", "rtb-0b1c2d3e"),
            });
        });

        it("plans the others and shows the removal: no grant, no lock, and the steps in order", async () => {
            const run = await planCli(["--config-dir", dir]);
            expect(run.status, run.stderr).to.equal(0);
            expect(run.stdout).to.not.contain("Phase 2 of 3 · stack consumer-b");
            expect(run.stdout).to.match(/phase 1 · owner: \d+ AWS resources created\n/);
            expect(run.stdout).to.match(/phase 3 · owner: \d+ AWS resources in the stack, changed or kept\n/);
            expect(run.stdout).to.not.match(/phase 3 · owner: \d+ AWS resources created/);
            const removal = run.stdout.split("━━ Removal of stack consumer-b (not on the owner's list) ━━")[1];
            expect(removal, run.stdout).to.be.a("string");
            const steps = [
                "1. pulumi up -s owner",
                "2. pulumi destroy -s consumer-b",
                "3. pulumi stack rm consumer-b, and delete Pulumi.consumer-b.yaml",
                "4. delete the repository variables CONSUMER_B_PREVIEW_ROLE_ARN and CONSUMER_B_DEPLOY_ROLE_ARN",
            ];
            expect(steps.map((step) => removal.indexOf(step))).to.satisfy((at: number[]) => at.every((i, n) => i > 0 && (n === 0 || i > at[n - 1])));
            const json = JSON.parse((await planCli(["--config-dir", dir, "--json"])).stdout) as { unlisted: { stack: string }[]; phases: { stack: string }[] };
            expect(json.unlisted.map((u) => u.stack)).to.deep.equal(["consumer-b"]);
            expect(json.phases.map((p) => p.stack)).to.deep.equal(["owner", "consumer", "owner"]);
        });

        it("its own deploy is refused with the next step, before any resource is created", async () => {
            const plan = await planOnce({ configDir: dir });
            const owner = plan.phases[2].outputs;
            const error = await failure(
                runStack({
                    stack: "consumer-b",
                    config: consumerFile(SECOND_CONSUMER_ACCOUNT, "vpc-0b1c2d3e", "rtb-0b1c2d3e"),
                    stackOutputs: { "organization/cross-account-s3/owner": owner },
                }),
            );
            expect(error.message).to.contain(
                'organization/cross-account-s3/owner output consumerStacks = ["organization/cross-account-s3/consumer"]: does not list this stack "organization/cross-account-s3/consumer-b"',
            );
            expect(error.message).to.contain(
                `Fix: to keep it, add { stack: consumer-b, accountId: "${SECOND_CONSUMER_ACCOUNT}", access: read } to cross-account-s3:consumers in Pulumi.owner.yaml`,
            );
            expect(error.message).to.contain("to remove it, run pulumi destroy -s consumer-b");
            expectNothingCreated(error);
        });
    });

    describe("regions", () => {
        const planOwner = (extra: Record<string, unknown>) => planCli(["--config-dir", configDir({ owner: ownerFile([], extra) })]);

        it("refuses a region the provider does not know, suggesting the closest", async () => {
            const typo = await planOwner({ [ns("region")]: "eu-wset-1" });
            expect(typo.status).to.equal(1);
            expect(typo.stderr).to.contain('cross-account-s3:region = "eu-wset-1": is not a region the installed AWS provider knows (did you mean eu-west-1?)');
            const made = await planOwner({ [ns("region")]: "us-east-7" });
            expect(made.stderr).to.contain('cross-account-s3:region = "us-east-7": is not a region the installed AWS provider knows');
            expect(made.stderr).to.contain("set allowUnlistedRegion to true");
        });

        it("accepts a region newer than the provider when told to, still checking its shape", async () => {
            expect((await planOwner({ [ns("region")]: "us-east-7", [ns("allowUnlistedRegion")]: true })).status).to.equal(0);
            const shapeless = await planOwner({ [ns("region")]: "europe", [ns("allowUnlistedRegion")]: true });
            expect(shapeless.stderr).to.contain('cross-account-s3:region = "europe": must be an AWS region code');
        });
    });

    describe("smaller diagnostics", () => {
        it("names the file and line of a stack file that is not valid YAML", async () => {
            const dir = mkdtempSync(join(tmpdir(), "plan-"));
            writeFileSync(join(dir, "Pulumi.owner.yaml"), "config:\n  cross-account-s3:accountId: '111111111111'\n  cross-account-s3:region: [eu-west-1\n");
            const run = await planCli(["--config-dir", dir]);
            expect(run.status).to.equal(1);
            expect(run.stderr.startsWith(`${join(dir, "Pulumi.owner.yaml")}:`), run.stderr).to.equal(true);
            expect(run.stderr).to.match(/Pulumi\.owner\.yaml:\d+:\d+: not valid YAML: /);
        });

        it("accepts unquoted 12-digit account ids everywhere, and hints to quote one YAML shortened", async () => {
            const dir = mkdtempSync(join(tmpdir(), "plan-"));
            writeFileSync(
                join(dir, "Pulumi.owner.yaml"),
                `config:\n  cross-account-s3:accountId: ${OWNER_ACCOUNT}\n  cross-account-s3:region: ${REGION}\n  cross-account-s3:consumers:\n    - { stack: consumer, accountId: ${CONSUMER_ACCOUNT}, access: read }\n`,
            );
            writeFileSync(
                join(dir, "Pulumi.consumer.yaml"),
                `config:\n  cross-account-s3:accountId: ${CONSUMER_ACCOUNT}\n  cross-account-s3:region: ${REGION}\n  cross-account-s3:vpcId: vpc-0a1b2c3d\n  cross-account-s3:routeTableIds: [rtb-0a1b2c3d]\n`,
            );
            const ok = await planCli(["--config-dir", dir, "--json"]);
            expect(ok.status, ok.stderr).to.equal(0);
            writeFileSync(
                join(dir, "Pulumi.owner.yaml"),
                `config:\n  cross-account-s3:accountId: 011111111111\n  cross-account-s3:region: ${REGION}\n  cross-account-s3:consumers:\n    - { stack: consumer, accountId: 022222222222, access: read }\n`,
            );
            const shortened = await planCli(["--config-dir", dir]);
            expect(shortened.stderr).to.contain(
                "cross-account-s3:accountId = \"11111111111\": must be a 12-digit AWS account id; an unquoted id that starts with 0 loses the 0 in YAML, so quote it.\n    Fix: pulumi config set cross-account-s3:accountId '011111111111' -s owner",
            );
            writeFileSync(
                join(dir, "Pulumi.owner.yaml"),
                `config:\n  cross-account-s3:accountId: "${OWNER_ACCOUNT}"\n  cross-account-s3:region: ${REGION}\n  cross-account-s3:consumers:\n    - { stack: consumer, accountId: 022222222222, access: read }\n`,
            );
            const listed = await planCli(["--config-dir", dir]);
            expect(listed.stderr).to.contain(
                "cross-account-s3:consumers[0].accountId = \"22222222222\": must be a 12-digit AWS account id; an unquoted id that starts with 0 loses the 0 in YAML, so quote it.\n    Fix: pulumi config set --path 'cross-account-s3:consumers[0].accountId' '022222222222' -s owner",
            );
        });

        it("a quoted id of the wrong length gets a placeholder to fill in, and no hint to quote it", async () => {
            const dir = mkdtempSync(join(tmpdir(), "plan-"));
            writeFileSync(
                join(dir, "Pulumi.owner.yaml"),
                `config:\n  cross-account-s3:accountId: "11111111111"\n  cross-account-s3:region: ${REGION}\n  cross-account-s3:consumers:\n    - { stack: consumer, accountId: "2222", access: read }\n`,
            );
            const run = await planCli(["--config-dir", dir]);
            expect(run.stderr).to.contain(
                "cross-account-s3:accountId = \"11111111111\": must be a 12-digit AWS account id.\n    Fix: pulumi config set cross-account-s3:accountId '<12-digit account id>' -s owner",
            );
            expect(run.stderr).to.contain("Fix: pulumi config set --path 'cross-account-s3:consumers[0].accountId' '<12-digit account id>' -s owner");
            expect(run.stderr).not.to.contain("quote it");
        });

        it("names settings under the wrong key, with the key meant", async () => {
            const dir = configDir({
                owner: { accountId: OWNER_ACCOUNT, "aws:region": REGION, [ns("acessLogs")]: false, [ns("consumers")]: [] },
            });
            const run = await planCli(["--config-dir", dir]);
            expect(run.stderr).to.contain(
                'cross-account-s3:acessLogs = "false": is not a setting of this stack (unknown key).\n    Fix: did you mean cross-account-s3:accessLogs?',
            );
            expect(run.stderr).to.contain(
                `accountId = "${OWNER_ACCOUNT}": is not a setting of this stack (unknown key): it has no namespace, and this stack reads cross-account-s3:accountId`,
            );
            expect(run.stderr).to.contain(
                `aws:region = "${REGION}": is not a setting of this stack (unknown key): it is in the aws namespace, and this stack reads cross-account-s3:region`,
            );
        });

        it("points a mistyped ownerStack at the owner stack's name, not at --stacks", async () => {
            const dir = configDir({
                owner: ownerFile([{ stack: "consumer", accountId: CONSUMER_ACCOUNT, access: "read" }]),
                consumer: consumerFile(CONSUMER_ACCOUNT, "vpc-0a1b2c3d", "rtb-0a1b2c3d", { [ns("ownerStack")]: "ownr" }),
            });
            const run = await planCli(["--config-dir", dir]);
            expect(run.stderr).to.contain('the consumer\'s cross-account-s3:ownerStack names "ownr", and no such owner stack is planned');
            expect(run.stderr).to.not.contain("--stacks");
        });
    });

    describe("output", () => {
        it("--mermaid (or --format mermaid) draws the final state with the real values", async () => {
            const plan = await planOnce({ configDir: EXAMPLE_DIR });
            const [owner, consumer] = [plan.phases[2].outputs, plan.phases[1].outputs];
            const run = await planCli(["--mermaid"]);
            expect(run.status, run.stderr).to.equal(0);
            expect(await planCli(["--format", "mermaid"])).to.deep.equal(run);
            const chart = run.stdout;
            expect(chart.split("\n")[0]).to.equal("flowchart LR");
            expect(chart).to.contain(`owner account ${OWNER_ACCOUNT} · ${REGION} · stack owner`);
            expect(chart).to.contain(`S3 bucket ${String(owner.bucketName)}`);
            expect(chart).to.contain(`access logs ${String(owner.accessLogBucketName)}`);
            expect(chart).to.contain(`consumer account ${CONSUMER_ACCOUNT} · ${REGION} · stack consumer`);
            expect(chart).to.contain("VPC vpc-0a1b2c3d4e5f60718");
            expect(chart).to.contain(`S3 gateway endpoint ${String(consumer.vpceId)}`);
            expect(chart).to.contain(
                `c1vpce -->|"read-write · whole bucket · account-match lock: only via endpoints of account ${CONSUMER_ACCOUNT} (${String(consumer.vpceId)})"| o1bucket`,
            );
        });

        it("shows a consumer not granted yet, a prefix and the per-consumer lock", async () => {
            const dir = configDir({
                owner: ownerFile([{ stack: "consumer", accountId: CONSUMER_ACCOUNT, access: "read", prefix: "team-a/" }], { [ns("lockMode")]: "per-consumer" }),
                consumer: consumerFile(CONSUMER_ACCOUNT, "vpc-0a1b2c3d", "rtb-0a1b2c3d", { [ns("prefix")]: "team-a/" }),
            });
            const chart = (await planCli(["--config-dir", dir, "--mermaid"])).stdout;
            expect(chart).to.match(/c1vpce -->\|"read · team-a\/ · per-account lock: only via vpce-[0-9a-f]+"\| o1bucket/);
        });

        it("refuses two formats at once and an unknown one", async () => {
            expect((await planCli(["--json", "--mermaid"])).stderr).to.contain("choose one output format, not json and mermaid");
            expect((await planCli(["--format", "svg"])).stderr).to.contain("--format svg: the formats are human, json, mermaid");
        });

        it("keeps the human plan to what a reviewer reads, and shows every input with --details", async () => {
            const short = (await planCli([])).stdout;
            const full = (await planCli(["--details"])).stdout;
            expect(short).to.not.contain("storageDescriptor");
            expect(short).to.not.match(/^ +query: /m);
            expect(full).to.contain("storageDescriptor");
            expect(full).to.match(/^ +query: /m);
            for (const kept of [
                "- DenyConsumersOutsideTheirEndpoints: Deny * s3:* on arn:aws:s3:::",
                "routeTableIds:",
                "vpcId:",
                "allowedAccountIds:",
                "The owner's second run, compared with its first:",
            ]) {
                expect(short).to.contain(kept);
            }
            expect(short.split("\n").length).to.be.below(full.split("\n").length / 2);
        });
    });
});
