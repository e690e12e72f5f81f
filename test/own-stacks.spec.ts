import { expect } from "chai";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { stringify } from "yaml";
import { execFile } from "child_process";
import { check, main, PLAN_COMMAND } from "../offline/plan-cli";
import { CI_POLICIES, main as ciPolicies } from "../pipeline/cli";
import { main as verify } from "../verify/cli";
import { projectStacks } from "../rollout/cli";
import { Plan, planRollout } from "../offline/plan";
import { stackFolder } from "./fixtures";
import { planOnce } from "./helpers";
import { CliRun } from "./plan-process";

const ROOT = join(__dirname, "..");

/** Whether `npm run format:check` (Biome) skips the file: it names a path it was given but ignored. */
async function formatCheckIgnores(file: string): Promise<boolean> {
    const path = join(ROOT, file);
    const made = !existsSync(path);
    if (made) {
        mkdirSync(join(path, ".."), { recursive: true });
        writeFileSync(path, "{}\n");
    }
    const biome = join(ROOT, "node_modules", ".bin", "biome");
    const output = await new Promise<string>((done) =>
        execFile(biome, ["format", "--colors=off", file], { cwd: ROOT, encoding: "utf8" }, (_error, stdout, stderr) => done(`${stdout}${stderr}`)),
    );
    if (made) rmSync(path);
    return output.includes("provided but ignored");
}

async function run(command: typeof main, args: string[], env?: NodeJS.ProcessEnv): Promise<CliRun> {
    let stdout = "";
    let stderr = "";
    const saved = process.env.INIT_CWD;
    if (env?.INIT_CWD !== undefined) {
        process.env.INIT_CWD = env.INIT_CWD;
    }
    try {
        const status = await command(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) }, planOnce);
        return { status, stdout, stderr };
    } finally {
        if (saved === undefined) {
            delete process.env.INIT_CWD;
        } else {
            process.env.INIT_CWD = saved;
        }
    }
}

function folder(files: Record<string, Record<string, unknown>>): string {
    const dir = mkdtempSync(join(tmpdir(), "stacks-"));
    for (const [stack, config] of Object.entries(files)) {
        writeFileSync(join(dir, `Pulumi.${stack}.yaml`), stringify({ config }));
    }
    return dir;
}

describe("your own stack files", function () {
    this.timeout(60_000);

    it("are out of the specs' reach: reading a stack file at the project root fails the spec", async () => {
        expect(() => readFileSync(join(ROOT, "Pulumi.owner.yaml"), "utf8")).to.throw("is the user's stack file");
        let refused: unknown;
        await planRollout({ configDir: ROOT }).catch((error: unknown) => (refused = error));
        expect(String(refused)).to.contain("Pulumi.owner.yaml is the user's stack file: specs use their own stack files under test/stacks/");
        expect(readFileSync(join(ROOT, "Pulumi.yaml"), "utf8")).to.contain("name: cross-account-s3");
    });

    describe("a team's own layout: other ids, another region, a second consumer stack in a third account", () => {
        let plan: Plan;
        before(async () => {
            plan = await planOnce({ configDir: stackFolder("own-accounts") });
        });

        it("plans owner → both consumers → owner in that region, and locks both consumers to their own endpoints", () => {
            expect(plan.phases.map((p) => p.stack)).to.deep.equal(["owner", "consumer", "consumer-analytics", "owner"]);
            const [consumer, analytics, owner] = [plan.phases[1].outputs, plan.phases[2].outputs, plan.phases[3].outputs];
            expect([consumer.accountId, analytics.accountId, owner.accountId]).to.deep.equal(["777788889999", "012345678901", "444455556666"]);
            expect(new Set(plan.phases.map((p) => p.outputs.region))).to.deep.equal(new Set(["us-east-2"]));
            expect(owner.grantedRoleArns).to.have.members([consumer.roleArn, analytics.roleArn]);
            expect(owner.lockedVpceIds).to.have.members([consumer.vpceId, analytics.vpceId]);
        });

        it("npm run check passes it, a line per stack, and says both consumers are locked", async () => {
            const checked = await run(check, ["--config-dir", stackFolder("own-accounts")]);
            expect(checked.status, checked.stderr).to.equal(0);
            expect(checked.stdout).to.equal(
                [
                    "Pulumi.owner.yaml: valid (owner)",
                    "Pulumi.consumer.yaml: valid (consumer; granted, and locked to its endpoint)",
                    "Pulumi.consumer-analytics.yaml: valid (consumer; granted, and locked to its endpoint)",
                    "",
                ].join("\n"),
            );
        });
    });

    describe("npm run check", () => {
        it("passes a consumer stack file the owner no longer lists, saying so", async () => {
            const checked = await run(check, ["--config-dir", stackFolder("shared-account")]);
            expect(checked.status, checked.stderr).to.equal(0);
            expect(checked.stdout).to.contain(
                "Pulumi.consumer-old.yaml: not on the owner's consumers list, so it gets nothing; npm run plan shows how to finish\n",
            );
        });

        it("fails a problem with the plan's own message and exit 1, printing no plan", async () => {
            const dir = folder({ owner: { "cross-account-s3:accountId": "12345", "cross-account-s3:region": "eu-west-1" } });
            const [checked, planned] = [await run(check, ["--config-dir", dir]), await run(main, ["--config-dir", dir])];
            expect([checked.status, checked.stdout]).to.deep.equal([1, ""]);
            expect(planned.stderr).to.contain(checked.stderr);
            expect(checked.stderr).to.contain('cross-account-s3:accountId = "12345": must be a 12-digit AWS account id');
        });

        it("reports every stack file's problems at once, before it plays any rollout", async () => {
            const dir = folder({
                owner: { "cross-account-s3:accountId": "12345", "cross-account-s3:region": "eu-west-1" },
                consumer: { "cross-account-s3:accountId": "777788889999", "cross-account-s3:region": "eu-wst-1", "cross-account-s3:vpcId": "vpc-0a1b2c3d" },
                "consumer-b": { "cross-account-s3:accountId": "777788889999", "cross-account-s3:region": "eu-west-1", "cross-account-s3:vpcId": "vpc-xyz" },
            });
            let played = 0;
            let stdout = "";
            let stderr = "";
            const status = await check(["--config-dir", dir], { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) }, (options) => {
                played += 1;
                return planOnce(options);
            });
            expect([status, stdout, played]).to.deep.equal([1, "", 0]);
            expect(stderr).to.contain('Invalid configuration for owner stack "owner" in Pulumi.owner.yaml');
            expect(stderr).to.contain('cross-account-s3:accountId = "12345": must be a 12-digit AWS account id');
            expect(stderr).to.contain("Pulumi.consumer.yaml");
            expect(stderr).to.contain('cross-account-s3:region = "eu-wst-1"');
            expect(stderr).to.contain("Pulumi.consumer-b.yaml");
            expect(stderr).to.contain('cross-account-s3:vpcId = "vpc-xyz"');
        });

        it("prints each stack's warnings under its line", async () => {
            const dir = mkdtempSync(join(tmpdir(), "stacks-"));
            for (const name of ["owner", "consumer", "consumer-analytics"]) {
                const text = readFileSync(join(stackFolder("own-accounts"), `Pulumi.${name}.yaml`), "utf8");
                writeFileSync(join(dir, `Pulumi.${name}.yaml`), name === "consumer-analytics" ? text.replace("access: read\n", "access: read-write\n") : text);
            }
            const checked = await run(check, ["--config-dir", dir]);
            expect(checked.status, checked.stderr).to.equal(0);
            expect(checked.stdout).to.contain(
                [
                    "Pulumi.owner.yaml: valid (owner)",
                    "  warning: organization/cross-account-s3/consumer-analytics asks for read-write access but is granted read; it gets what both allow: read",
                    "Pulumi.consumer.yaml: valid",
                ].join("\n"),
            );
        });
    });

    describe("the plan's command line", () => {
        for (const [name, command] of [
            ["plan", main],
            ["check", check],
        ] as const) {
            it(`npm run ${name} -- --help prints the whole usage on stdout and exits 0`, async () => {
                const help = await run(command, ["--help"]);
                expect([help.status, help.stderr]).to.deep.equal([0, ""]);
                expect(help.stdout).to.match(new RegExp(`^usage: npm run ${name} -- \\[options\\]`));
                for (const part of ["Options:", "--config-dir DIR", "--stacks", "-h, --help", "Environment:", "INIT_CWD", "Example"]) {
                    expect(help.stdout).to.contain(part);
                }
                expect((await run(command, ["-h"])).stdout).to.equal(help.stdout);
            });
        }

        it("--out FILE writes a clean document where the user stands, and nothing on stdout", async () => {
            const here = mkdtempSync(join(tmpdir(), "here-"));
            const written = await run(main, ["--config-dir", stackFolder("example"), "--json", "--out", "plan.json"], { INIT_CWD: here });
            expect([written.status, written.stdout]).to.deep.equal([0, ""]);
            const doc = JSON.parse(readFileSync(join(here, "plan.json"), "utf8")) as { phases: unknown[] };
            expect(doc.phases).to.have.length(3);
        });

        it("--out creates the folders it needs, and the examples' out/ folder is one npm test never checks", async () => {
            const here = mkdtempSync(join(tmpdir(), "here-"));
            const written = await run(main, ["--config-dir", stackFolder("example"), "--mermaid", "--out", "out/pictures/plan.mmd"], { INIT_CWD: here });
            expect([written.status, written.stdout], written.stderr).to.deep.equal([0, ""]);
            expect(readFileSync(join(here, "out", "pictures", "plan.mmd"), "utf8")).to.match(/^flowchart|^graph|^%%/);
            // The format check (Biome) skips what .gitignore lists: it reports a path it was given but ignored.
            const ignored = await Promise.all(["out/plan.json", "out/ci-roles/owner/preview-policy.json", "package.json"].map(formatCheckIgnores));
            expect(ignored).to.deep.equal([true, true, false]);
            const examples = [
                readFileSync(join(ROOT, "README.md"), "utf8"),
                readFileSync(join(ROOT, "docs", "operations.md"), "utf8"),
                ...PLAN_COMMAND.examples,
                ...CI_POLICIES.examples,
            ].join("\n");
            const targets = [...examples.matchAll(/--out (\S+)/g)].map((m) => m[1]).filter((t) => !/FILE|DIR/.test(t));
            expect(targets).to.include("out/plan.json");
            expect(
                targets.filter((t) => !t.startsWith("out/")),
                "every --out example writes under out/",
            ).to.deep.equal([]);
        });

        it("--config-dir resolves from where the user stands, not the project folder", async () => {
            const here = mkdtempSync(join(tmpdir(), "here-"));
            mkdirSync(join(here, "mycfg"));
            const relative = await run(main, ["--config-dir", "mycfg"], { INIT_CWD: here });
            expect(relative.status).to.equal(1);
            expect(relative.stderr).to.equal(
                `${join(here, "mycfg")} holds no stack files (Pulumi.<stack>.yaml): name the folder that holds them, or create Pulumi.owner.yaml and Pulumi.consumer.yaml there (docs/config.md)\n`,
            );
        });

        it("a missing or empty folder gets the same message from every command that reads stack files", async () => {
            const empty = mkdtempSync(join(tmpdir(), "empty-"));
            for (const [dir, message] of [
                [empty, `${empty} holds no stack files (Pulumi.<stack>.yaml): name the folder that holds them`],
                [join(empty, "missing"), `${join(empty, "missing")} is not a folder: name the folder that holds your Pulumi.<stack>.yaml files`],
            ]) {
                const commands: [string, typeof main][] = [
                    ["plan", main],
                    ["check", check],
                    ["verify", (argv, io) => verify(argv, io)],
                    ["ci-policies", ciPolicies],
                ];
                for (const [name, command] of commands) {
                    const answer = await run(command, ["--config-dir", dir]);
                    expect(answer.status, name).to.equal(1);
                    expect(answer.stderr, name).to.contain(message);
                }
                expect(() => projectStacks(dir)).to.throw(message.split(": name")[0]);
            }
        });

        it("a folder that does not exist: says so", async () => {
            const missing = join(tmpdir(), "no-such-folder-for-plan");
            const answer = await run(main, ["--config-dir", missing]);
            expect([answer.status, answer.stderr]).to.deep.equal([
                1,
                `${missing} is not a folder: name the folder that holds your Pulumi.<stack>.yaml files\n`,
            ]);
        });

        it("--stacks naming a stack without a file: says --stacks asked for it", async () => {
            const answer = await run(main, ["--config-dir", stackFolder("example"), "--stacks", "owner,consumer-x"]);
            expect([answer.status, answer.stdout]).to.deep.equal([1, ""]);
            expect(answer.stderr).to.equal(
                `No Pulumi.consumer-x.yaml in ${stackFolder("example")}, but the stack consumer-x was asked for (--stacks): create the file, or leave consumer-x out\n`,
            );
        });

        it("stack files without an owner: names the stacks found and how to mark the owner", async () => {
            const dir = folder({ "consumer-a": { "cross-account-s3:accountId": "222222222222" } });
            const answer = await run(main, ["--config-dir", dir]);
            expect(answer.stderr).to.equal(
                `A plan needs at least one owner stack; found none among consumer-a in ${dir}: name the owner's file Pulumi.owner.yaml, or set cross-account-s3:role: owner in it\n`,
            );
        });

        it("a consumer the owner lists without a stack file: names the file to create, or --stacks when --stacks chose the stacks", async () => {
            const example = (stack: string) => readFileSync(join(stackFolder("example"), `Pulumi.${stack}.yaml`), "utf8");
            const dir = mkdtempSync(join(tmpdir(), "stacks-"));
            writeFileSync(
                join(dir, "Pulumi.owner.yaml"),
                example("owner").replace("      access: read-write", '      access: read-write\n    - stack: consumer-b\n      accountId: "333333333333"'),
            );
            writeFileSync(join(dir, "Pulumi.consumer.yaml"), example("consumer"));
            const found = await run(main, ["--config-dir", dir]);
            expect(found.status).to.equal(1);
            expect(found.stderr).to.contain(
                `(Pulumi.owner.yaml names the stack consumer-b, but ${dir} has no Pulumi.consumer-b.yaml: create it, or remove consumer-b from Pulumi.owner.yaml)`,
            );
            expect(found.stderr).to.not.contain("--stacks");
            const chosen = await run(main, ["--config-dir", dir, "--stacks", "owner,consumer"]);
            expect(chosen.stderr).to.contain(`(plan that stack too: add consumer-b to --stacks, with its Pulumi.consumer-b.yaml in ${dir})`);
        });
    });
});
