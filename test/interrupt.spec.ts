/**
 * Ctrl-C as a terminal delivers it: one SIGINT to the whole process group of the rollout command,
 * which holds the command and the Pulumi CLI it started. A fake `pulumi` on the PATH records the
 * signals it receives. These specs spawn processes because a process-group signal needs them.
 */
import { expect } from "chai";
import { join } from "path";
import { automationOperations, PulumiCliVersion } from "../rollout/automation";
import { Rollout } from "../rollout/orchestrator";
import { plainReporter } from "../rollout/progress";
import { Deploy, deployStoppedOnce, deployStoppedOnceInterrupted, deployStoppedTwice, project, until } from "./deploy-processes";
import { fakePulumi } from "./fake-pulumi";

describe("Ctrl-C through a real process group and the Automation API", () => {
    // Each spec drives one `npm run deploy` started with mocha (test/deploy-processes.ts), and ends it.
    let taken: Deploy | undefined;
    const take = (deploy: Deploy) => {
        deploy.take();
        return (taken = deploy);
    };
    afterEach(() => taken?.end());

    it("one Ctrl-C: the engine receives exactly one SIGINT, stops at a safe point, and the summary says so", async () => {
        const run = take(deployStoppedOnce);
        const fake = run.fake;
        const interrupted = await deployStoppedOnceInterrupted; // Ctrl-C, sent once the consumer's up started
        if (interrupted) throw interrupted;
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
        const run = take(deployStoppedTwice);
        const fake = run.fake;
        await run.ctrlCOnceStarted("consumer");
        await until(() => fake.lines().includes("SIGINT 1"), run.running, "the engine got the first SIGINT");
        // A SIGINT that arrives while the first is still pending is merged with it by the kernel, so
        // the second Ctrl-C waits for the command to answer the first, as a person pressing twice would.
        await until(() => run.output().includes("Press Ctrl-C again"), run.running, "the command took the first Ctrl-C");
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
