/**
 * Ctrl-C as a terminal delivers it: one SIGINT to the whole process group of the rollout command,
 * which holds the command and the Pulumi CLI it started. A fake `pulumi` on the PATH records the
 * signals it receives. These specs spawn processes because a process-group signal needs them.
 */
import { expect } from "chai";
import { spawn } from "child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { stringify } from "yaml";
import { automationOperations, PulumiCliVersion } from "../rollout/automation";
import { Rollout } from "../rollout/orchestrator";
import { plainReporter } from "../rollout/progress";
import { fakePulumi, FakePulumi } from "./fake-pulumi";
import { CONSUMER_ACCOUNT, OWNER_ACCOUNT, REGION } from "./fixtures";

const PROJECT_DIR = join(__dirname, "..");

/** A project folder: Pulumi.yaml with the version range, the owner and one consumer, and an installed policy pack. */
function project(): { dir: string; policyPack: string } {
    const dir = mkdtempSync(join(tmpdir(), "interrupt-project-"));
    writeFileSync(join(dir, "Pulumi.yaml"), stringify({ name: "cross-account-s3", runtime: "nodejs", requiredPulumiVersion: ">=3.276.0 <4.0.0" }));
    const files: Record<string, Record<string, unknown>> = {
        owner: {
            "cross-account-s3:accountId": OWNER_ACCOUNT,
            "cross-account-s3:region": REGION,
            "cross-account-s3:consumers": [{ stack: "consumer", accountId: CONSUMER_ACCOUNT }],
        },
        consumer: { "cross-account-s3:accountId": CONSUMER_ACCOUNT, "cross-account-s3:region": REGION },
    };
    for (const [stack, config] of Object.entries(files)) {
        writeFileSync(join(dir, `Pulumi.${stack}.yaml`), stringify({ config }));
    }
    const policyPack = join(dir, "guard");
    mkdirSync(join(policyPack, "node_modules"), { recursive: true });
    return { dir, policyPack };
}

/**
 * Waits for the condition; fails instead of waiting for ever once the command has exited without it,
 * or after 15 s (a guard against a hang within mocha's timeout, not a measure of speed).
 */
const until = async (condition: () => boolean, running: () => boolean = () => true, what = "the condition") => {
    const giveUp = Date.now() + 15_000;
    while (!condition()) {
        if (!running()) throw new Error(`the command exited before ${what}`);
        if (Date.now() > giveUp) throw new Error(`gave up waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 50));
    }
};

/** Process groups these specs started and have not seen end: ended after each spec, so none outlives mocha. */
const groups = new Set<number>();
afterEach(() => {
    for (const pid of groups) {
        try {
            process.kill(-pid, "SIGKILL");
        } catch {
            // already gone
        }
    }
    groups.clear();
});

/** `npm run deploy` as its own process group, with the fake CLI first on PATH. */
function deploy(fake: FakePulumi) {
    const { dir, policyPack } = project();
    const child = spawn(
        process.execPath,
        ["-r", "ts-node/register", join(__dirname, "rollout-driver.ts"), dir, "deploy", "--parallel", "1", "--policy-pack", policyPack],
        {
            cwd: PROJECT_DIR,
            detached: true,
            env: { ...process.env, PATH: `${fake.bin}:${process.env.PATH ?? ""}`, PULUMI_SKIP_UPDATE_CHECK: "true" },
            stdio: ["ignore", "pipe", "pipe"],
        },
    );
    let output = "";
    child.stdout.on("data", (d) => (output += String(d)));
    child.stderr.on("data", (d) => (output += String(d)));
    groups.add(child.pid as number);
    let running = true;
    // "close", not "exit": the command's last lines may still be in the pipe when it exits.
    const exited = new Promise<number | null>((done) =>
        child.on("close", (code) => {
            running = false;
            done(code);
        }),
    );
    return { policyPack, exited, running: () => running, output: () => output, ctrlC: () => process.kill(-(child.pid as number), "SIGINT") };
}

describe("Ctrl-C through a real process group and the Automation API", () => {
    it("one Ctrl-C: the engine receives exactly one SIGINT, stops at a safe point, and the summary says so", async () => {
        const fake = fakePulumi({ version: "3.276.0", hang: { stack: "consumer", until: "once" } });
        const run = deploy(fake);
        await until(() => fake.lines().includes("STARTED up consumer"), run.running, "the consumer's up started");
        run.ctrlC();
        const code = await run.exited;
        expect(fake.lines()).to.include("EXIT");
        expect(fake.lines().filter((l) => l.startsWith("SIGINT"))).to.deep.equal(["SIGINT 1"]);
        expect(code).to.equal(130);
        expect(run.output()).to.match(/consumer\s+2\s+up\s+interrupted/);
        expect(run.output()).to.match(/owner\s+3\s+up\s+not started/);
        expect(run.output()).to.contain("the engine got one Ctrl-C and stopped at a safe point");
        expect(fake.lines().find((l) => l.startsWith("CALL up") && l.includes("--stack owner"))).to.contain(
            `--policy-pack ${join(fake.root, "..")}`.slice(0, 15),
        );
    });

    it("a second Ctrl-C stops at once: two SIGINTs in all, the command says so and exits 130 with the summary so far", async () => {
        const fake = fakePulumi({ version: "3.276.0", hang: { stack: "consumer", until: "twice" } });
        const run = deploy(fake);
        await until(() => fake.lines().includes("STARTED up consumer"), run.running, "the consumer's up started");
        run.ctrlC();
        await until(() => fake.lines().includes("SIGINT 1"), run.running, "the engine got the first SIGINT");
        run.ctrlC();
        const code = await run.exited;
        await until(() => fake.lines().includes("EXIT"), undefined, "the engine's exit"); // the command does not wait for the engine; the record does
        expect(code).to.equal(130);
        expect(fake.lines().filter((l) => l.startsWith("SIGINT"))).to.deep.equal(["SIGINT 1", "SIGINT 2"]);
        expect(run.output()).to.contain("Second Ctrl-C: stopping at once");
        expect(run.output()).to.match(/consumer\s+2\s+up\s+stopped at once/);
        expect(run.output()).to.contain("pulumi refresh -s consumer");
    });
});

describe("the Pulumi CLI the rollout drives (a fake one on the PATH)", () => {
    it("runs up with --policy-pack, and a mandatory violation stops the rollout with the policy's message", async () => {
        const { dir } = project();
        const violation = [
            "Policy Violations:",
            "    [mandatory]  cross-account-s3-policies v0.1.0  s3-buckets-encrypted (aws:s3/bucketV2:BucketV2: shared)",
            "    A bucket without default encryption.",
            "",
            "Resources:",
        ].join("\n");
        const fake = fakePulumi({ version: "3.280.1", stdout: violation, exit: 255 });
        const ops = await automationOperations(dir, {}, fake.root);
        const lines: string[] = [];
        const report = await new Rollout(
            ops,
            { owners: [{ stack: "owner", lists: ["consumer"] }], consumers: ["consumer"] },
            plainReporter((t) => lines.push(t)),
            {
                policyPacks: ["/project/policy-pack"],
            },
        ).deploy();
        const up = fake.lines().find((l) => l.startsWith("CALL up"));
        expect(up).to.contain("--policy-pack /project/policy-pack");
        expect(up).to.contain("--stack owner");
        expect(report.steps.map((s) => `${s.stack} ${s.status}`)).to.deep.equal(["owner failed", "consumer not started", "owner not started"]);
        expect(report.steps[0].note).to.contain("s3-buckets-encrypted (aws:s3/bucketV2:BucketV2: shared)\nA bucket without default encryption.");
        expect(report.notes.join("\n")).to.contain("Stopped by a mandatory policy of the policy pack");
    });

    it("refuses a CLI outside requiredPulumiVersion and names the range it needs", async () => {
        const { dir } = project();
        const fake = fakePulumi({ version: "3.200.0" });
        try {
            await automationOperations(dir, {}, fake.root);
            expect.fail("an old CLI was accepted");
        } catch (error) {
            expect(error).to.be.instanceOf(PulumiCliVersion);
            expect((error as Error).message).to.match(
                /^The Pulumi CLI on PATH is 3\.200\.0, and this project needs >=3\.276\.0 <4\.0\.0 \(requiredPulumiVersion in Pulumi\.yaml\)/,
            );
        }
    });
});
