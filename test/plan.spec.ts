import { expect } from "chai";
import { spawnSync } from "child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { stringify } from "yaml";
import { Plan, planRollout } from "../offline/plan";
import { renderHuman } from "../offline/planReport";
import { PolicyDocument } from "../policies/document";
import { CONSUMER_ACCOUNT, OWNER_ACCOUNT, REGION, SECOND_CONSUMER_ACCOUNT } from "./fixtures";
import { TYPES } from "./helpers";

const PROJECT_DIR = join(__dirname, "..");

/** Runs `npm run plan` as a user would (the CLI on the current Node, ts-node transpile-only). */
function planCli(args: string[]): { status: number | null; stdout: string; stderr: string } {
    const result = spawnSync(process.execPath, ["-r", "ts-node/register", join(PROJECT_DIR, "offline", "plan-cli.ts"), ...args], { cwd: PROJECT_DIR, encoding: "utf8" });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
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
    `aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration shared-data-logs-lifecycle`,
    `${TYPES.bucketPolicy} shared-data-logs-policy`,
    `aws:s3/bucketLogging:BucketLogging shared-data-logs-source`,
    `aws:glue/catalogDatabase:CatalogDatabase shared-data-logs-database`,
    `aws:glue/catalogTable:CatalogTable shared-data-logs-table`,
    `aws:athena/workgroup:Workgroup shared-data-logs-workgroup`,
    `aws:athena/namedQuery:NamedQuery shared-data-logs-requestsByNetwork`,
    `aws:athena/namedQuery:NamedQuery shared-data-logs-consumerRequestsNotPrivate`,
    `aws:athena/namedQuery:NamedQuery shared-data-logs-deniedByRequester`,
];

const bucketPolicy = (plan: Plan, phase: number) =>
    plan.phases.find((p) => p.phase === phase)!.resources.find((r) => r.name === "shared-data-policy")!.inputs.policy as PolicyDocument;

describe("offline plan (npm run plan)", function () {
    this.timeout(60_000);

    describe("of the shipped example config", () => {
        let plan: Plan;
        before(async () => {
            plan = await planRollout({ configDir: PROJECT_DIR });
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
        it("--json prints one JSON document that matches the human output", () => {
            const json = planCli(["--json"]);
            const human = planCli([]);
            expect([json.status, human.status]).to.deep.equal([0, 0]);
            const doc = JSON.parse(json.stdout) as {
                phases: { stack: string; phase: number; resources: { type: string; name: string; parent: string | null; inputs: Record<string, unknown>; options: Record<string, unknown> }[]; outputs: Record<string, unknown> }[];
            };
            expect(doc.phases).to.have.length(3);
            expect(doc.phases[0].resources.find((r) => r.type === TYPES.bucket && r.name === "shared-data")?.options).to.deep.include({ protect: true, retainOnDelete: true });
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

        it("--stacks and --config-dir plan a team's own settings, one owner and two consumers", () => {
            const dir = configDir({
                owner: {
                    "cross-account-s3:accountId": OWNER_ACCOUNT,
                    "cross-account-s3:region": REGION,
                    "cross-account-s3:consumers": [
                        { stack: "consumer-a", accountId: CONSUMER_ACCOUNT, access: "read" },
                        { stack: "consumer-b", accountId: SECOND_CONSUMER_ACCOUNT, access: "read", prefix: "b/" },
                    ],
                },
                "consumer-a": { "cross-account-s3:accountId": CONSUMER_ACCOUNT, "cross-account-s3:region": REGION, "cross-account-s3:vpcId": "vpc-0a1b2c3d", "cross-account-s3:routeTableIds": ["rtb-0a1b2c3d"] },
                "consumer-b": { "cross-account-s3:accountId": SECOND_CONSUMER_ACCOUNT, "cross-account-s3:region": REGION, "cross-account-s3:vpcId": "vpc-0b1c2d3e", "cross-account-s3:routeTableIds": ["rtb-0b1c2d3e"], "cross-account-s3:prefix": "b/" },
                ignored: { "cross-account-s3:role": "consumer" },
            });
            const run = planCli(["--config-dir", dir, "--stacks", "owner,consumer-b,consumer-a", "--json"]);
            expect(run.status, run.stderr).to.equal(0);
            const doc = JSON.parse(run.stdout) as { phases: { stack: string; outputs: Record<string, unknown> }[] };
            expect(doc.phases.map((p) => p.stack)).to.deep.equal(["owner", "consumer-b", "consumer-a", "owner"]);
            expect(doc.phases[3].outputs.grantedRoleArns).to.have.length(2);
        });

        it("fails an invalid config the way preview would: same message, exit 1, nothing on stdout", () => {
            const dir = configDir({ owner: { "cross-account-s3:accountId": "12345", "cross-account-s3:region": REGION } });
            const run = planCli(["--config-dir", dir]);
            expect(run.status).to.equal(1);
            expect(run.stdout).to.equal("");
            expect(run.stderr).to.contain("Plan stopped at phase 1 (stack owner):");
            expect(run.stderr).to.contain('Invalid configuration for owner stack "owner" (1 problem):\n  - cross-account-s3:accountId = "12345": must be a 12-digit AWS account id.');
        });

        it("fails a consumer in another region at phase 2, exit 1, nothing on stdout", () => {
            const shipped = (stack: string) => (readFileSync(join(PROJECT_DIR, `Pulumi.${stack}.yaml`), "utf8"));
            const dir = mkdtempSync(join(tmpdir(), "plan-"));
            writeFileSync(join(dir, "Pulumi.owner.yaml"), shipped("owner"));
            writeFileSync(join(dir, "Pulumi.consumer.yaml"), shipped("consumer").replace("cross-account-s3:region: eu-west-1", "cross-account-s3:region: us-east-1"));
            const run = planCli(["--config-dir", dir]);
            expect([run.status, run.stdout]).to.deep.equal([1, ""]);
            expect(run.stderr).to.contain("Plan stopped at phase 2 (stack consumer):");
            expect(run.stderr).to.contain("gateway endpoints only carry requests to S3 in their own region");
        });

        it("refuses an unknown option with the usage", () => {
            const run = planCli(["--stack", "owner"]);
            expect(run.status).to.equal(1);
            expect(run.stderr).to.contain("unknown option --stack");
            expect(run.stderr).to.contain("usage: npm run plan");
        });
    });
});
