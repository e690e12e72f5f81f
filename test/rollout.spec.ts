import { expect } from "chai";
import { mkdtempSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { stringify } from "yaml";
import { CommandError, ConcurrentUpdateError, StackNotFoundError } from "@pulumi/pulumi/automation";
import { automationOperations, PulumiCliMissing, stackEnvironment, withoutSelecting } from "../rollout/automation";
import { concurrent, installStopHandlers, parseRolloutArgs, run } from "../rollout/cli";
import { UsageError } from "../cli/command-line";
import { StopRequest } from "../rollout/interrupt";
import { boardLines, liveReporter, plainReporter, StepEvent, stepLine } from "../rollout/progress";
import { ChangeCounts, RunOptions, StackOperations } from "../rollout/operations";
import { Reporter, Rollout, RolloutOptions, RolloutReport } from "../rollout/orchestrator";
import { analyseStatus, consistent } from "../rollout/status";
import { CONSUMER_ACCOUNT, OWNER_ACCOUNT, REGION, SECOND_CONSUMER_ACCOUNT } from "./fixtures";

const PROJECT_DIR = join(__dirname, "..");

/** A folder of stack files (config by stack name), as a project keeps them. */
function stackFiles(label: string, files: Record<string, Record<string, unknown>>): string {
    const dir = mkdtempSync(join(tmpdir(), `${label}-`));
    for (const [stack, config] of Object.entries(files)) {
        writeFileSync(join(dir, `Pulumi.${stack}.yaml`), stringify({ config }));
    }
    return dir;
}

/**
 * A backend with an owner and consumers whose programs behave like the real ones: a consumer needs
 * the owner's outputs, and the owner grants and locks what the consumers export at the time it runs.
 */
class FakeBackend implements StackOperations {
    readonly calls: string[] = [];
    readonly deployed = new Map<string, Record<string, unknown>>();
    readonly existing = new Set<string>();
    /** Bumped to simulate a replaced endpoint. */
    readonly endpointGeneration = new Map<string, number>();
    failOn?: { stack: string; operation: string; error?: Error };
    /** An operation that runs until it is aborted, as the engine does when Ctrl-C arrives mid-update. */
    hangOn?: { stack: string; operation: string };
    /** What a SIGINT from the terminal does to the hanging operation's engine. */
    cancel?: () => void;
    /** The options each operation received, by "operation stack". */
    readonly options = new Map<string, RunOptions>();
    /** Resources that differ from the code, by stack, for the drift check. */
    readonly drifted = new Map<string, number>();

    readonly owners: string[];

    /** `owner`: one owner stack or several; `lists`: the consumers each owner lists (every consumer by default). */
    constructor(
        owner: string | string[],
        readonly consumers: string[],
        readonly lists: Record<string, string[]> = {},
    ) {
        this.owners = ([] as string[]).concat(owner);
    }

    get owner(): string {
        return this.owners[0];
    }

    listedBy(owner: string): string[] {
        return this.lists[owner] ?? this.consumers;
    }

    get stacks() {
        return { owners: this.owners.map((stack) => ({ stack, lists: this.listedBy(stack) })), consumers: this.consumers };
    }

    private desired(stack: string): Record<string, unknown> {
        if (this.owners.includes(stack)) {
            const exported = this.listedBy(stack)
                .map((c) => this.deployed.get(c))
                .filter((o): o is Record<string, unknown> => o !== undefined);
            return {
                bucketName: `${stack}-data-abc1234`,
                bucketArn: `arn:aws:s3:::${stack}-data-abc1234`,
                region: REGION,
                grantedRoleArns: exported.map((o) => o.roleArn).sort(),
                lockedVpceIds: exported.map((o) => o.vpceId).sort(),
            };
        }
        const missing = this.owners.find((o) => !this.deployed.has(o));
        if (missing !== undefined) {
            throw new Error(`Cannot read the owner stack ${missing}: deploy the owner first`);
        }
        const n = this.consumers.indexOf(stack) + 2;
        return {
            roleArn: `arn:aws:iam::${String(n).repeat(12)}:role/workload`,
            vpceId: `vpce-0${String(n).repeat(8)}${this.endpointGeneration.get(stack) ?? 0}`,
            accountId: String(n).repeat(12),
            region: REGION,
        };
    }

    private async begin(stack: string, operation: string, options?: RunOptions): Promise<void> {
        this.calls.push(`${operation} ${stack}`);
        if (options !== undefined) {
            this.options.set(`${operation} ${stack}`, options);
        }
        if (this.failOn?.stack === stack && this.failOn.operation === operation) {
            throw this.failOn.error ?? new Error(`${operation} of ${stack} failed: AccessDenied`);
        }
        if (this.hangOn?.stack === stack && this.hangOn.operation === operation) {
            await new Promise<void>((_, reject) => {
                this.cancel = () => reject(new Error("the engine was cancelled"));
                options?.signal?.addEventListener("abort", this.cancel);
            });
        }
    }

    async existingStacks() {
        return [...this.existing];
    }
    async createStack(stack: string) {
        this.calls.push(`create ${stack}`);
        this.existing.add(stack);
    }
    async up(stack: string, options: RunOptions): Promise<ChangeCounts> {
        options.onOutput(`Updating (${stack})\n`);
        await this.begin(stack, "up", options);
        const desired = this.desired(stack);
        const before = this.deployed.get(stack);
        this.deployed.set(stack, desired);
        return JSON.stringify(before) === JSON.stringify(desired) ? { same: 5 } : { same: 4, [before ? "update" : "create"]: before ? 1 : 5 };
    }
    async preview(stack: string, options: RunOptions): Promise<ChangeCounts> {
        await this.begin(stack, "preview", options);
        const desired = this.desired(stack);
        return JSON.stringify(this.deployed.get(stack)) === JSON.stringify(desired) ? { same: 5 } : { same: 4, update: 1 };
    }
    async destroy(stack: string, options: RunOptions): Promise<ChangeCounts> {
        await this.begin(stack, "destroy", options);
        this.deployed.delete(stack);
        return { delete: 5 };
    }
    async drift(stack: string, options: RunOptions): Promise<ChangeCounts> {
        await this.begin(stack, "drift", options);
        return { same: 5, ...(this.drifted.has(stack) ? { update: this.drifted.get(stack) } : {}) };
    }
    async outputs(stack: string) {
        return { ...(this.deployed.get(stack) ?? {}) };
    }
}

function recorder(): Reporter & { lines: string[]; engine: string[] } {
    const lines: string[] = [];
    const engine: string[] = [];
    return {
        lines,
        engine,
        step: (e) => {
            const text = stepLine(e);
            if (text !== undefined) lines.push(text);
        },
        line: (t) => lines.push(t),
        engineOutput: (t) => engine.push(t),
    };
}

let clock = 0;
const tick = () => (clock += 1500);
const rollout = (backend: FakeBackend, reporter = recorder(), options: RolloutOptions = {}) =>
    new Rollout(backend, backend.stacks, reporter, { now: tick, ...options });
const stepsOf = (report: RolloutReport) =>
    report.steps.map((s) => `${s.phase} ${s.stack} ${s.operation} ${s.status}${s.changes === undefined ? "" : ` ${s.changes}`}`);

describe("ordered rollout (npm run deploy | preview | destroy)", () => {
    describe("deploy", () => {
        it("creates the stacks, then runs owner → consumers → owner, and the owner ends up granting every consumer", async () => {
            const backend = new FakeBackend("owner", ["consumer", "consumer-eu"]);
            const report = await rollout(backend).deploy();
            expect(backend.calls).to.deep.equal([
                "create owner",
                "create consumer",
                "create consumer-eu",
                "up owner",
                "up consumer",
                "up consumer-eu",
                "up owner",
            ]);
            expect(report.ok).to.equal(true);
            expect(stepsOf(report)).to.deep.equal(["1 owner up done 5", "2 consumer up done 5", "2 consumer-eu up done 5", "3 owner up done 1"]);
            expect(backend.deployed.get("owner")?.lockedVpceIds).to.have.length(2);
        });

        it("changes nothing when re-run on an up-to-date system, and skips the owner's second run", async () => {
            const backend = new FakeBackend("owner", ["consumer"]);
            await rollout(backend).deploy();
            backend.calls.length = 0;
            const report = await rollout(backend).deploy();
            expect(backend.calls).to.deep.equal(["up owner", "up consumer"]);
            expect(stepsOf(report)).to.deep.equal(["1 owner up done 0", "2 consumer up done 0", "3 owner up skipped"]);
            expect(report.steps[2].note).to.equal("the consumers export what the owner read in phase 1");
        });

        it("runs the owner again when a consumer's endpoint was replaced, so the lock follows it", async () => {
            const backend = new FakeBackend("owner", ["consumer"]);
            await rollout(backend).deploy();
            backend.endpointGeneration.set("consumer", 1);
            const report = await rollout(backend).deploy();
            expect(stepsOf(report)).to.deep.equal(["1 owner up done 0", "2 consumer up done 1", "3 owner up done 1"]);
            expect(backend.deployed.get("owner")?.lockedVpceIds).to.deep.equal([backend.deployed.get("consumer")?.vpceId]);
        });

        it("goes on with the other consumers when one fails, then the owner grants and locks those that deployed, and exits non-zero", async () => {
            const backend = new FakeBackend("owner", ["consumer", "consumer-eu"]);
            backend.failOn = { stack: "consumer", operation: "up" };
            const reporter = recorder();
            const report = await rollout(backend, reporter).deploy();
            expect(report.ok).to.equal(false);
            expect(stepsOf(report)).to.deep.equal(["1 owner up done 5", "2 consumer up failed", "2 consumer-eu up done 5", "3 owner up done 1"]);
            expect(report.steps[1].note).to.equal("up of consumer failed: AccessDenied");
            expect(backend.deployed.get("owner")?.lockedVpceIds).to.deep.equal([backend.deployed.get("consumer-eu")?.vpceId]);
            expect(backend.calls.filter((c) => c.startsWith("destroy"))).to.deep.equal([]);
            expect(reporter.lines).to.include("✖ phase 2 · consumer · up failed after 1.5 s: up of consumer failed: AccessDenied");
            expect(report.notes.join("\n")).to.contain("Fix what failed (consumer) and run npm run deploy again");
        });

        it("picks up where it stopped: after a failed last owner run, the next phase 1 grants and phase 3 is skipped", async () => {
            const backend = new FakeBackend("owner", ["consumer"]);
            await rollout(backend).deploy();
            backend.endpointGeneration.set("consumer", 1);
            backend.failOn = { stack: "owner", operation: "up" };
            const failed = await rollout(backend).deploy();
            expect(stepsOf(failed)).to.deep.equal(["1 owner up failed"]);
            backend.failOn = undefined;
            backend.deployed.set("consumer", { ...(await backend.outputs("consumer")), vpceId: "vpce-0222222221" });
            const resumed = await rollout(backend).deploy();
            expect(stepsOf(resumed)).to.deep.equal(["1 owner up done 1", "2 consumer up done 0", "3 owner up skipped"]);
            expect(backend.deployed.get("owner")?.lockedVpceIds).to.deep.equal(["vpce-0222222221"]);
        });

        it("reports one line per step with elapsed time, and streams the engine's output", async () => {
            const reporter = recorder();
            await rollout(new FakeBackend("owner", ["consumer"]), reporter).deploy();
            expect(reporter.lines).to.include("▶ phase 1 · owner · up");
            expect(reporter.lines).to.include("✔ phase 1 · owner · up: 5 resources changed in 1.5 s");
            expect(reporter.engine).to.include("Updating (owner)\n");
        });
    });

    describe("preview", () => {
        it("creates missing stacks first (empty), so the owner can read every consumer it lists, and changes nothing in the cloud", async () => {
            const backend = new FakeBackend("owner", ["consumer"]);
            const reporter = recorder();
            const report = await rollout(backend, reporter).preview();
            expect(backend.calls).to.deep.equal(["create owner", "create consumer", "preview owner"]);
            expect(reporter.lines.slice(0, 2)).to.deep.equal(["creating stack owner", "creating stack consumer"]);
            expect(stepsOf(report)).to.deep.equal(["1 owner preview done 1", "2 consumer preview skipped", "3 owner preview skipped"]);
            expect(report.ok).to.equal(true);
            expect(backend.deployed.size).to.equal(0);
        });

        it("says what it cannot preview yet instead of failing, and changes nothing", async () => {
            const backend = new FakeBackend("owner", ["consumer"]);
            backend.existing.add("owner").add("consumer");
            const report = await rollout(backend).preview();
            expect(backend.calls).to.deep.equal(["preview owner"]);
            expect(stepsOf(report)).to.deep.equal(["1 owner preview done 1", "2 consumer preview skipped", "3 owner preview skipped"]);
            expect(report.steps[1].note).to.equal("needs the bucket outputs of owner, which the owner's first up produces");
            expect(report.ok).to.equal(true);
            expect(backend.deployed.size).to.equal(0);
        });

        it("previews every stack in order once the owner is deployed, and needs no second owner run when nothing changes", async () => {
            const backend = new FakeBackend("owner", ["consumer"]);
            await rollout(backend).deploy();
            backend.calls.length = 0;
            const report = await rollout(backend).preview();
            expect(backend.calls).to.deep.equal(["preview owner", "preview consumer"]);
            expect(stepsOf(report)).to.deep.equal(["1 owner preview done 0", "2 consumer preview done 0"]);
        });
    });

    describe("destroy", () => {
        it("destroys consumers first, then the owner, and says what was kept and how to delete it", async () => {
            const backend = new FakeBackend("owner", ["consumer", "consumer-eu"]);
            await rollout(backend).deploy();
            backend.calls.length = 0;
            const report = await rollout(backend).destroy();
            expect(backend.calls).to.deep.equal(["destroy consumer-eu", "destroy consumer", "destroy owner"]);
            expect(report.notes[0]).to.equal("Kept: bucket owner-data-abc1234 with its objects, versions and settings (protected, and retained on destroy).");
            expect(report.notes[1]).to.equal(
                "The protected bucket stays in stack owner: to let go of them, pulumi state unprotect --all -s owner, then pulumi destroy -s owner (they are forgotten, not deleted).",
            );
            expect(report.notes[2]).to.contain("aws s3api delete-bucket --bucket owner-data-abc1234");
        });

        it("stops before the owner when a consumer fails to destroy", async () => {
            const backend = new FakeBackend("owner", ["consumer"]);
            await rollout(backend).deploy();
            backend.failOn = { stack: "consumer", operation: "destroy" };
            backend.calls.length = 0;
            const report = await rollout(backend).destroy();
            expect(backend.calls).to.deep.equal(["destroy consumer"]);
            expect(report.ok).to.equal(false);
        });
    });
});

/** Stacks that hold these outputs, behind operations that refuse any change: all that status may use. */
function statusOnly(outputs: Record<string, Record<string, unknown>>): StackOperations {
    const fail = () => Promise.reject(new Error("status must not change anything"));
    return {
        existingStacks: async () => Object.keys(outputs),
        createStack: fail,
        up: fail,
        preview: fail,
        destroy: fail,
        drift: fail,
        outputs: async (s) => outputs[s] ?? {},
    };
}

describe("status (npm run status)", () => {
    const owner = (outputs: Record<string, unknown>, consumers = [{ stack: "organization/cross-account-s3/consumer", accountId: "222222222222" }]) => ({
        stack: "owner",
        outputs,
        consumers,
    });
    const consumerOut = { roleArn: "arn:aws:iam::222222222222:role/workload", vpceId: "vpce-0aaaaaaaa", accountId: "222222222222", region: REGION };
    const ownerOut = { bucketArn: "arn:aws:s3:::b", region: REGION, grantedRoleArns: [consumerOut.roleArn], lockedVpceIds: [consumerOut.vpceId] };
    const drift = (rows: ReturnType<typeof analyseStatus>) => rows.filter((r) => !r.ok).map((r) => `${r.stack} ${r.check}: ${r.detail}`);

    it("is consistent when every consumer is deployed, granted and locked", () => {
        const rows = analyseStatus([owner(ownerOut)], [{ stack: "consumer", outputs: consumerOut }]);
        expect(drift(rows)).to.deep.equal([]);
        expect(consistent(rows)).to.equal(true);
    });

    it("reports a replaced endpoint: the new one is not locked and the old lock entry is stale", () => {
        const rows = analyseStatus([owner(ownerOut)], [{ stack: "consumer", outputs: { ...consumerOut, vpceId: "vpce-0bbbbbbbb" } }]);
        expect(drift(rows)).to.deep.equal([
            "consumer endpoint locked (owner): not in the lock, so the consumer is refused: run the owner (npm run deploy)",
            "owner lock entry: vpce-0aaaaaaaa is locked but no consumer exports it (replaced or destroyed endpoint): run the owner",
        ]);
    });

    it("reports a role the owner does not grant, and a grant no consumer exports", () => {
        const rows = analyseStatus([owner(ownerOut)], [{ stack: "consumer", outputs: { ...consumerOut, roleArn: "arn:aws:iam::222222222222:role/new" } }]);
        expect(drift(rows)).to.deep.equal([
            "consumer role granted (owner): not in the bucket policy: run the owner (npm run deploy)",
            "owner grant: arn:aws:iam::222222222222:role/workload is granted but no consumer exports it: run the owner",
        ]);
    });

    it("reports region and account mismatches", () => {
        const rows = analyseStatus([owner(ownerOut)], [{ stack: "consumer", outputs: { ...consumerOut, region: "us-east-1", accountId: "333333333333" } }]);
        expect(drift(rows)).to.deep.equal([
            "consumer region (owner): consumer us-east-1, bucket eu-west-1",
            "consumer account (owner): agreed 222222222222, stack 333333333333, role 222222222222",
        ]);
    });

    it("reports consumers that are not deployed, not listed by the owner, or listed without a stack file", () => {
        const listed = [
            { stack: "consumer", accountId: "222222222222" },
            { stack: "consumer-gone", accountId: "333333333333" },
        ];
        const rows = analyseStatus(
            [owner(ownerOut, listed)],
            [
                { stack: "consumer", outputs: {} },
                { stack: "consumer-extra", outputs: {} },
            ],
        );
        expect(drift(rows)).to.deep.equal([
            "consumer deployed: no role or endpoint exported yet: run npm run deploy",
            "consumer-extra shared: not in the owner's consumers: add it there, or remove the stack",
            "consumer-gone stack file: listed in owner's consumers, but there is no Pulumi.consumer-gone.yaml",
            "owner lock entry: vpce-0aaaaaaaa is locked but no consumer exports it (replaced or destroyed endpoint): run the owner",
            "owner grant: arn:aws:iam::222222222222:role/workload is granted but no consumer exports it: run the owner",
        ]);
    });

    describe("as a command", () => {
        const dir = stackFiles("status", {
            owner: {
                "cross-account-s3:accountId": OWNER_ACCOUNT,
                "cross-account-s3:region": REGION,
                "cross-account-s3:consumers": [{ stack: "consumer", accountId: CONSUMER_ACCOUNT }],
            },
            consumer: { "cross-account-s3:accountId": CONSUMER_ACCOUNT, "cross-account-s3:region": REGION },
        });
        const backend = (consumerVpce: string): StackOperations => statusOnly({ owner: ownerOut, consumer: { ...consumerOut, vpceId: consumerVpce } });

        it("exits 0 and prints the table when the stacks agree", async () => {
            const printed: string[] = [];
            expect(await run("status", backend(consumerOut.vpceId), dir, { quiet: true }, (t) => printed.push(t))).to.equal(0);
            expect(printed.join("\n")).to.match(/^stack\s+check\s+state\s+detail/);
            expect(printed.join("\n")).to.contain("All stacks agree.");
        });

        it("exits 1 with DRIFT rows when they do not (a CI gate)", async () => {
            const printed: string[] = [];
            expect(await run("status", backend("vpce-0ffffffff"), dir, { quiet: true }, (t) => printed.push(t))).to.equal(1);
            expect(printed.join("\n")).to.match(/consumer\s+endpoint locked \(owner\)\s+DRIFT/);
        });
    });

    it("deploy through the command prints a summary table and exits 1 on failure", async () => {
        const dir = stackFiles("deploy", {
            owner: {
                "cross-account-s3:accountId": OWNER_ACCOUNT,
                "cross-account-s3:region": REGION,
                "cross-account-s3:consumers": [{ stack: "consumer-eu", accountId: SECOND_CONSUMER_ACCOUNT }],
            },
            "consumer-eu": {},
        });
        const fake = new FakeBackend("owner", ["consumer-eu"]);
        fake.failOn = { stack: "consumer-eu", operation: "up" };
        const printed: string[] = [];
        expect(await run("deploy", fake, dir, { quiet: true }, (t) => printed.push(t))).to.equal(1);
        const text = printed.join("\n");
        expect(text).to.match(/stack\s+phase\s+operation\s+result\s+resources changed\s+duration/);
        expect(text).to.match(/consumer-eu\s+2\s+up\s+failed/);
    });
});

describe("credentials and the Pulumi CLI", () => {
    it("gives each stack its own AWS profile from AWS_PROFILE_<STACK>", () => {
        const env = { AWS_PROFILE_OWNER: "account-b", AWS_PROFILE_CONSUMER_EU: "account-c" };
        expect(stackEnvironment("owner", env)).to.deep.equal({ AWS_PROFILE: "account-b" });
        expect(stackEnvironment("consumer-eu", env)).to.deep.equal({ AWS_PROFILE: "account-c" });
        expect(stackEnvironment("consumer", env)).to.deep.equal({});
    });

    it("fails with a clear message when the Pulumi CLI is missing", async () => {
        const empty = mkdtempSync(join(tmpdir(), "no-pulumi-"));
        try {
            await automationOperations(PROJECT_DIR, {}, empty);
            expect.fail("expected the missing CLI to be reported");
        } catch (error) {
            expect(error).to.be.instanceOf(PulumiCliMissing);
            expect((error as Error).message).to.match(/^The Pulumi CLI was not found on PATH.*Install it \(https:\/\/www\.pulumi\.com\/docs\/install\/\)/);
        }
    });
});

describe("the rollout command line", () => {
    it("takes one command and its options: --parallel N (default 4), --refresh, --policy-pack, --quiet; --drift and --stack for status; --json for stacks", () => {
        expect(parseRolloutArgs(["deploy", "--quiet"])).to.deep.equal({
            command: "deploy",
            quiet: true,
            refresh: false,
            drift: false,
            json: false,
            parallel: 4,
            stacks: [],
        });
        expect(parseRolloutArgs(["preview", "--refresh", "--parallel", "12", "--policy-pack", "guard"])).to.deep.include({
            command: "preview",
            refresh: true,
            parallel: 12,
            policyPack: "guard",
        });
        expect(parseRolloutArgs(["status", "--drift", "--stack", "owner", "--stack", "consumer"])).to.deep.include({
            drift: true,
            stacks: ["owner", "consumer"],
        });
        expect(parseRolloutArgs(["stacks", "--json"])).to.deep.include({ command: "stacks", json: true });
    });

    it("refuses an unknown command or option, or an option of another command, with exit code 2 and the synopsis", () => {
        const refused = (argv: string[]) => {
            try {
                parseRolloutArgs(argv);
            } catch (error) {
                expect(error).to.be.instanceOf(UsageError);
                expect((error as UsageError).exitCode).to.equal(2);
                return (error as Error).message;
            }
            return expect.fail(`${argv.join(" ")} was accepted`);
        };
        expect(refused(["launch"])).to.match(/^the first argument is the command, one of deploy, preview, destroy, status, stacks, not launch/);
        expect(refused(["deploy", "--fast"])).to.match(/^unknown option --fast\n\nusage: npm run deploy -- \[options\]/);
        expect(refused(["deploy", "preview"])).to.contain("unexpected argument preview");
        expect(refused(["destroy", "--refresh"])).to.contain("unknown option --refresh");
        expect(refused(["deploy", "--drift"])).to.contain("unknown option --drift");
        expect(refused(["deploy", "--parallel", "0"])).to.contain("--parallel takes a whole number of at least 1, not 0");
    });

    for (const command of ["deploy", "preview", "destroy", "status", "stacks"]) {
        it(`npm run ${command} -- --help prints the whole usage: options, the environment it reads, an example`, () => {
            const printed: string[] = [];
            expect(parseRolloutArgs([command, "--help"], (t) => printed.push(t))).to.equal("help");
            const text = printed.join("");
            expect(text).to.match(new RegExp(`^usage: npm run (-s )?${command} -- \\[options\\]`));
            expect(text).to.contain("-h, --help");
            expect(text).to.match(/Examples?:\n {2}\S/);
            if (command !== "stacks") {
                expect(text).to.contain("AWS_PROFILE_<STACK>");
                expect(text).to.contain("requiredPulumiVersion");
            }
            if (command === "deploy" || command === "preview") {
                expect(text).to.contain("--parallel N");
                expect(text).to.contain("--policy-pack DIR");
            }
        });
    }

    it("stops at a safe point on the first Ctrl-C without telling the engine again, stops at once on the second, and passes SIGTERM on once", () => {
        const handlers = new Map<string, () => void>();
        const stop = new StopRequest();
        const atOnce: string[] = [];
        const warnings: string[] = [];
        installStopHandlers(
            stop,
            () => atOnce.push("exit"),
            (t) => warnings.push(t),
            (event: string, handler: () => void) => handlers.set(event, handler),
        );
        handlers.get("SIGINT")?.();
        expect([stop.kind, stop.engineSignal.aborted, atOnce]).to.deep.equal(["safe point", false, []]);
        expect(warnings[0]).to.contain("the Pulumi engine got it too and stops at its next safe point");
        handlers.get("SIGINT")?.();
        expect([stop.kind, stop.engineSignal.aborted, atOnce]).to.deep.equal(["at once", false, ["exit"]]);
        expect(warnings[1]).to.contain("Second Ctrl-C: stopping at once");
        const terminated = new StopRequest();
        installStopHandlers(
            terminated,
            () => undefined,
            () => undefined,
            (event: string, handler: () => void) => handlers.set(event, handler),
        );
        handlers.get("SIGTERM")?.();
        expect([terminated.kind, terminated.engineSignal.aborted]).to.deep.equal(["safe point", true]);
    });
});

describe("the rollout, interrupted, refreshed and explained", () => {
    it("Ctrl-C during a consumer's update lets its engine stop at a safe point, starts nothing more, and says what to run next", async () => {
        const backend = new FakeBackend("owner", ["consumer", "consumer-eu"]);
        backend.hangOn = { stack: "consumer", operation: "up" };
        const stop = new StopRequest();
        const reporter = recorder();
        const running = rollout(backend, reporter, { stop, parallel: 1 }).deploy();
        while (!backend.calls.includes("up consumer")) {
            await new Promise((r) => setImmediate(r));
        }
        stop.interrupt();
        backend.cancel?.(); // the terminal's SIGINT reaches the engine itself
        const report = await running;
        expect(backend.options.get("up consumer")?.signal?.aborted).to.equal(false);
        expect(stepsOf(report)).to.deep.equal(["1 owner up done 5", "2 consumer up interrupted", "2 consumer-eu up not started", "3 owner up not started"]);
        expect(backend.calls).to.not.include("up consumer-eu");
        expect(report.ok).to.equal(false);
        expect(report.notes.at(-1)).to.match(/^Interrupted during phase 2 · consumer · up; the engine got one Ctrl-C and stopped at a safe point\./);
        expect(report.notes.at(-1)).to.contain("pulumi cancel --stack consumer --yes");
        expect(report.notes.at(-1)).to.contain("Then run npm run deploy again: it picks up from there.");
        expect(reporter.lines).to.include("■ phase 2 · consumer · up interrupted after 1.5 s");
    });

    it("a second Ctrl-C: the report so far marks the running stack as stopped at once and says what to check", async () => {
        const backend = new FakeBackend("owner", ["consumer"]);
        backend.hangOn = { stack: "consumer", operation: "up" };
        const stop = new StopRequest();
        const running = rollout(backend, recorder(), { stop });
        const deploying = running.deploy();
        while (!backend.calls.includes("up consumer")) {
            await new Promise((r) => setImmediate(r));
        }
        stop.interrupt();
        stop.interrupt();
        const report = running.snapshot("deploy");
        expect(stepsOf(report)).to.deep.equal(["1 owner up done 5", "2 consumer up stopped at once", "3 owner up not started"]);
        expect(report.notes.at(-1)).to.contain("stopped at once by a second Ctrl-C: the engine may have stopped mid-change");
        expect(report.notes.at(-1)).to.contain("pulumi refresh -s consumer");
        backend.cancel?.();
        await deploying;
    });

    it("passes --refresh to deploy and preview, never to destroy", async () => {
        const backend = new FakeBackend("owner", ["consumer"]);
        await rollout(backend, recorder(), { refresh: true }).deploy();
        await rollout(backend, recorder(), { refresh: true }).preview();
        await rollout(backend, recorder(), { refresh: true }).destroy();
        expect(backend.options.get("up owner")?.refresh).to.equal(true);
        expect(backend.options.get("preview consumer")?.refresh).to.equal(true);
        expect(backend.options.get("destroy owner")).to.not.have.property("refresh");
        await rollout(backend).deploy();
        expect(backend.options.get("up owner")).to.not.have.property("refresh");
    });

    describe("explains engine errors (the SDK's own error classes)", () => {
        type ErrorClass = new (result: unknown) => Error;
        const result = (stderr: string) => ({
            stdout: "Updating (owner)\n…every line already streamed…",
            stderr,
            code: 255,
            toString: () => `code: 255\n stderr: ${stderr}`,
        });
        const failWith = async (error: Error) => {
            const backend = new FakeBackend("owner", ["consumer"]);
            backend.failOn = { stack: "owner", operation: "up", error };
            return (await rollout(backend).deploy()).steps[0].note;
        };

        it("a locked stack: which one, and how to release it once nothing else runs", async () => {
            const note = await failWith(
                new (ConcurrentUpdateError as unknown as ErrorClass)(result("error: [409] Conflict: Another update is currently in progress.")),
            );
            expect(note).to.equal(
                "stack owner is locked by another update, or by one that was interrupted. Check that nothing else is deploying it (another terminal, a CI job), then release the lock: pulumi cancel --stack owner --yes",
            );
        });

        it("a missing stack: the pulumi stack init to run", async () => {
            const note = await failWith(new (StackNotFoundError as unknown as ErrorClass)(result("error: no stack named 'owner' found")));
            expect(note).to.equal("stack owner does not exist in this backend: pulumi stack init owner (npm run deploy creates missing stacks)");
        });

        it("any other CLI failure: the tail of stderr, not the output already streamed", async () => {
            const stderr = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`).join("\n") + "\nerror: update failed\n";
            const note = await failWith(new (CommandError as unknown as ErrorClass)(result(stderr)));
            expect(note?.split("\n")).to.deep.equal(["line 14", "line 15", "line 16", "line 17", "line 18", "line 19", "line 20", "error: update failed"]);
            expect(note).to.not.contain("already streamed");
        });
    });

    it("status --drift runs a refreshing preview of every stack and reports the ones that drifted", async () => {
        const dir = stackFiles("drift", {
            owner: {
                "cross-account-s3:accountId": OWNER_ACCOUNT,
                "cross-account-s3:region": REGION,
                "cross-account-s3:consumers": [{ stack: "consumer", accountId: "222222222222" }],
            },
            consumer: { "cross-account-s3:accountId": "222222222222", "cross-account-s3:region": REGION },
        });
        const backend = new FakeBackend("owner", ["consumer"]);
        await rollout(backend).deploy();
        backend.drifted.set("consumer", 2);
        const printed: string[] = [];
        expect(await run("status", backend, dir, { drift: true }, (t) => printed.push(t))).to.equal(1);
        const out = printed.join("\n");
        expect(out).to.match(/owner\s+drift\s+ok\s+matches its code/);
        expect(out).to.match(/consumer\s+drift\s+DRIFT\s+2 resources differ from the code/);
        expect(backend.calls.filter((c) => c.startsWith("drift"))).to.deep.equal(["drift owner", "drift consumer"]);
        backend.calls.length = 0;
        await run("status", backend, dir, {}, () => undefined);
        expect(backend.calls).to.deep.equal([]);
    });

    it("reads stack outputs without selecting a stack, and checks a stack exists without selecting it", async () => {
        const calls: string[] = [];
        const workspace = withoutSelecting({
            selectStack: async (name: string) => void calls.push(`select ${name}`),
            stackOutputs: async (name: string) => void calls.push(`outputs ${name}`),
        });
        await workspace.selectStack("consumer");
        expect(calls).to.deep.equal(["outputs consumer"]);
    });
});

describe("the consumer phase in parallel (--parallel N)", () => {
    /** Operations that take a random time and sometimes fail, recording how many run at once and in which order they start. */
    class Timed implements StackOperations {
        running = 0;
        peak = 0;
        readonly started: string[] = [];
        readonly finished: string[] = [];
        readonly policyPacks: (readonly string[] | undefined)[] = [];
        readonly order: string[] = [];

        constructor(
            readonly failing: ReadonlySet<string>,
            readonly random: () => number,
        ) {}

        async existingStacks() {
            return [];
        }
        async createStack() {}
        private async run(stack: string, options: RunOptions): Promise<ChangeCounts> {
            this.order.push(stack);
            this.policyPacks.push(options.policyPacks);
            this.started.push(stack);
            this.running += 1;
            this.peak = Math.max(this.peak, this.running);
            for (let i = Math.floor(this.random() * 5); i > 0; i--) {
                await new Promise((r) => setImmediate(r));
            }
            this.running -= 1;
            this.finished.push(stack);
            if (this.failing.has(stack)) throw new Error(`${stack} failed: Throttling`);
            return { create: 2 };
        }
        up = (stack: string, options: RunOptions) => this.run(stack, options);
        preview = (stack: string, options: RunOptions) => this.run(stack, options);
        destroy = (stack: string, options: RunOptions) => this.run(stack, options);
        drift = (stack: string, options: RunOptions) => this.run(stack, options);
        async outputs(stack: string) {
            return { roleArn: `arn:aws:iam::111111111111:role/${stack}-${this.finished.includes(stack)}` };
        }
    }

    /** A seeded generator, so a failing run can be replayed. */
    const seeded = (seed: number) => () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;

    for (const [parallel, seed] of [
        [1, 7],
        [4, 11],
        [16, 23],
    ] as const) {
        it(`100 consumers with random durations and failures, ${parallel} at a time: never more at once, in order, the summary right`, async () => {
            const random = seeded(seed);
            const consumers = Array.from({ length: 100 }, (_, i) => `consumer-${String(i).padStart(3, "0")}`);
            const failing = new Set(consumers.filter(() => random() < 0.15));
            const ops = new Timed(failing, random);
            const reporter = recorder();
            const report = await new Rollout(ops, { owners: [{ stack: "owner", lists: consumers }], consumers }, reporter, {
                parallel,
                policyPacks: ["/guard"],
            }).deploy();
            expect(ops.peak).to.equal(parallel);
            expect(ops.order[0]).to.equal("owner");
            expect(ops.order.slice(1, 101)).to.deep.equal(consumers);
            expect(ops.order.at(-1)).to.equal("owner");
            expect(ops.finished.indexOf("owner")).to.equal(0);
            expect(ops.finished.slice(1, 101)).to.have.members(consumers);
            const phase2 = report.steps.filter((s) => s.phase === 2);
            expect(phase2.map((s) => s.stack)).to.have.members(consumers);
            for (const step of phase2) {
                expect(`${step.stack} ${step.status}`).to.equal(`${step.stack} ${failing.has(step.stack) ? "failed" : "done"}`);
            }
            expect(report.steps.filter((s) => s.phase === 3).map((s) => s.status)).to.deep.equal(["done"]);
            expect(report.ok).to.equal(failing.size === 0);
            expect(report.notes.join("\n")).to.contain(`Fix what failed (${consumers.filter((c) => failing.has(c)).join(", ")})`);
            expect(ops.policyPacks.every((p) => p?.[0] === "/guard")).to.equal(true);
        });
    }

    it("stops starting consumers on Ctrl-C, lets the running ones stop, lists the rest as not started and skips the owner's last run", async () => {
        const consumers = Array.from({ length: 20 }, (_, i) => `consumer-${i}`);
        const stop = new StopRequest();
        const ops = new Timed(new Set(), () => 0.5);
        const original = ops.up;
        ops.up = async (stack, options) => {
            if (stack === "consumer-5") stop.interrupt();
            return original(stack, options);
        };
        const report = await new Rollout(ops, { owners: [{ stack: "owner", lists: consumers }], consumers }, recorder(), { parallel: 3, stop }).deploy();
        const statuses = report.steps.filter((s) => s.phase === 2).map((s) => s.status);
        expect(statuses.filter((s) => s === "not started")).to.have.length(20 - ops.started.length + 1);
        expect(report.steps.find((s) => s.phase === 3)?.status).to.equal("not started");
        expect(ops.started).to.not.include("consumer-9");
    });

    it("runs the policy pack with every up and preview, never with destroy (pulumi destroy takes none), and a mandatory violation stops the rollout with the policy's message", async () => {
        const backend = new FakeBackend("owner", ["consumer", "consumer-eu"]);
        await rollout(backend, recorder(), { policyPacks: ["/project/policy-pack"] }).deploy();
        await rollout(backend, recorder(), { policyPacks: ["/project/policy-pack"] }).preview();
        await rollout(backend, recorder(), { policyPacks: ["/project/policy-pack"] }).destroy();
        expect(backend.options.get("up owner")?.policyPacks).to.deep.equal(["/project/policy-pack"]);
        expect(backend.options.get("preview consumer")?.policyPacks).to.deep.equal(["/project/policy-pack"]);
        expect(backend.options.get("destroy consumer")).to.not.have.property("policyPacks");

        const violating = new FakeBackend("owner", ["consumer", "consumer-eu"]);
        const stdout = [
            "Previewing update (consumer):",
            "Policy Violations:",
            "    [mandatory]  cross-account-s3-policies v0.1.0  no-s3-wildcard-grants (aws:iam/rolePolicy:RolePolicy: workload)",
            "    A policy grants s3:*: grant the actions the workload needs.",
            "",
            "Resources:",
            "    5 unchanged",
        ].join("\n");
        violating.failOn = {
            stack: "consumer",
            operation: "up",
            error: new (CommandError as unknown as new (result: unknown) => Error)({
                stdout,
                stderr: "error: update failed",
                code: 255,
                toString: () => stdout,
            }),
        };
        const report = await rollout(violating, recorder(), { policyPacks: ["/project/policy-pack"], parallel: 1 }).deploy();
        expect(stepsOf(report)).to.deep.equal(["1 owner up done 5", "2 consumer up failed", "2 consumer-eu up not started", "3 owner up not started"]);
        expect(report.steps[1].note).to.equal(
            "[mandatory]  cross-account-s3-policies v0.1.0  no-s3-wildcard-grants (aws:iam/rolePolicy:RolePolicy: workload)\nA policy grants s3:*: grant the actions the workload needs.",
        );
        expect(report.notes.at(-1)).to.match(/^Stopped by a mandatory policy of the policy pack \(consumer: \[mandatory\]/);
    });
});

describe("progress: a live board in a terminal, plain lines elsewhere", () => {
    const events: StepEvent[] = [
        { stack: "consumer-a", phase: 2, operation: "up", state: "done", seconds: 42.4, changes: 3 },
        { stack: "consumer-b", phase: 2, operation: "up", state: "running" },
        {
            stack: "consumer-c",
            phase: 2,
            operation: "up",
            state: "failed",
            seconds: 7,
            note: "Command failed with exit code 255\nAccessDenied: not authorized",
        },
        { stack: "consumer-d", phase: 2, operation: "up", state: "waiting" },
    ];

    it("shows each stack as waiting, running, done or failed, with the time taken, under a count per state", () => {
        const lines = boardLines(events, new Map([["consumer-b", 1_000]]), 13_000, 20);
        expect(lines).to.deep.equal([
            "phase 2 · up: 1 waiting, 1 running, 1 done, 1 failed",
            "  ✔ consumer-a  done          42 s  3 changed",
            "  ▶ consumer-b  running       12 s",
            "  ✖ consumer-c  failed         7 s  AccessDenied: not authorized",
            "  · consumer-d  waiting",
        ]);
    });

    it("keeps running and failed stacks on screen when the phase has more stacks than the terminal has rows", () => {
        const many: StepEvent[] = [
            ...Array.from({ length: 30 }, (_, i): StepEvent => ({ stack: `c-${i}`, phase: 2, operation: "up", state: "waiting" })),
            ...events,
        ];
        const lines = boardLines(many, new Map(), 0, 6);
        expect(lines).to.have.length(6);
        expect(lines.slice(1, 3).map((l) => l.trim().split(/\s+/)[1])).to.deep.equal(["consumer-b", "consumer-c"]);
        expect(lines.at(-1)).to.equal("  … 30 more");
    });

    it("redraws the board in place on a terminal, and prints other messages above it", () => {
        let screen = "";
        const live = liveReporter({ write: (t: string) => (screen += t), rows: 24 }, () => 5_000);
        live.step({ stack: "consumer-a", phase: 2, operation: "up", state: "waiting" });
        live.step({ stack: "consumer-a", phase: 2, operation: "up", state: "running" });
        live.line("creating stack consumer-b");
        live.close();
        expect(screen).to.contain("\x1b[2F\x1b[0J"); // back up over the two lines of the board, and clear them
        expect(screen).to.contain("creating stack consumer-b\nphase 2 · up: 1 running\n  ▶ consumer-a  running        0 s");
    });

    it("prints plain lines when the output is not a terminal, and nothing for a waiting stack", () => {
        const printed: string[] = [];
        const plain = plainReporter((t) => printed.push(t));
        for (const e of events) plain.step(e);
        expect(printed).to.deep.equal([
            "✔ phase 2 · consumer-a · up: 3 resources changed in 42.4 s",
            "▶ phase 2 · consumer-b · up",
            "✖ phase 2 · consumer-c · up failed after 7.0 s: Command failed with exit code 255\nAccessDenied: not authorized",
        ]);
    });
});

describe("npm run stacks and status --stack", () => {
    const dir = stackFiles("stacks", {
        owner: {
            "cross-account-s3:accountId": OWNER_ACCOUNT,
            "cross-account-s3:region": REGION,
            "cross-account-s3:consumers": [
                { stack: "consumer", accountId: CONSUMER_ACCOUNT },
                { stack: "consumer-eu", accountId: SECOND_CONSUMER_ACCOUNT },
            ],
        },
        consumer: { "cross-account-s3:accountId": CONSUMER_ACCOUNT, "cross-account-s3:region": REGION },
        "consumer-eu": { "cross-account-s3:accountId": SECOND_CONSUMER_ACCOUNT, "cross-account-s3:region": REGION },
    });

    it("lists the stacks from the stack files, each with the repository variables naming its CI roles", async () => {
        const printed: string[] = [];
        expect(await run("stacks", new FakeBackend("owner", []), dir, { json: true }, (t) => printed.push(t))).to.equal(0);
        expect(JSON.parse(printed[0])).to.deep.equal({
            owners: [{ stack: "owner", previewRoleVariable: "OWNER_PREVIEW_ROLE_ARN", deployRoleVariable: "OWNER_DEPLOY_ROLE_ARN", returns: true }],
            consumers: [
                { stack: "consumer", previewRoleVariable: "CONSUMER_PREVIEW_ROLE_ARN", deployRoleVariable: "CONSUMER_DEPLOY_ROLE_ARN" },
                { stack: "consumer-eu", previewRoleVariable: "CONSUMER_EU_PREVIEW_ROLE_ARN", deployRoleVariable: "CONSUMER_EU_DEPLOY_ROLE_ARN" },
            ],
        });
    });

    it("status --drift --stack checks and reports only that stack", async () => {
        const backend = new FakeBackend("owner", ["consumer", "consumer-eu"]);
        await rollout(backend).deploy();
        backend.drifted.set("consumer-eu", 2);
        backend.calls.length = 0;
        const printed: string[] = [];
        expect(await run("status", backend, dir, { drift: true, stacks: ["consumer-eu"] }, (t) => printed.push(t))).to.equal(1);
        expect(backend.calls).to.deep.equal(["drift consumer-eu"]);
        const rows = printed[0].split("\n").slice(2);
        expect(rows.every((r) => r.startsWith("consumer-eu "))).to.equal(true);
        expect(printed[0]).to.match(/consumer-eu\s+drift\s+DRIFT\s+2 resources differ from the code/);
        await run("status", backend, dir, { stacks: ["consumer-us"] }, () => undefined).then(
            () => expect.fail("an unknown stack was accepted"),
            (error: Error) =>
                expect(error.message).to.equal("--stack consumer-us: no such stack file (Pulumi.<stack>.yaml); the stacks are owner, consumer, consumer-eu"),
        );
    });
});

describe("--quiet and the engine's output", () => {
    it("--quiet prints only the summary and the notes; without it, each step has its line", async () => {
        const dir = stackFiles("quiet", {
            owner: {
                "cross-account-s3:accountId": OWNER_ACCOUNT,
                "cross-account-s3:region": REGION,
                "cross-account-s3:consumers": [{ stack: "consumer", accountId: CONSUMER_ACCOUNT }],
            },
            consumer: { "cross-account-s3:accountId": CONSUMER_ACCOUNT, "cross-account-s3:region": REGION },
        });
        const quiet: string[] = [];
        await run("deploy", new FakeBackend("owner", ["consumer"]), dir, { quiet: true }, (t) => quiet.push(t));
        expect(quiet[0]).to.match(/^\nstack\s+phase/);
        const loud: string[] = [];
        await run("deploy", new FakeBackend("owner", ["consumer"]), dir, { parallel: 2 }, (t) => loud.push(t));
        expect(loud).to.include("creating stack owner");
        expect(loud).to.include("▶ phase 2 · consumer · up");
    });
});

describe("when the engines' output streams", () => {
    it("streams it while only one engine runs at a time (one consumer, or --parallel 1), not when several would interleave", () => {
        const one = { owners: [{ stack: "owner", lists: ["consumer"] }], consumers: ["consumer"] };
        const two = { owners: [{ stack: "owner", lists: ["consumer", "consumer-eu"] }], consumers: ["consumer", "consumer-eu"] };
        expect([concurrent(4, one), concurrent(1, two), concurrent(undefined, two), concurrent(2, two)]).to.deep.equal([false, false, false, true]);
    });
});

describe("several owners, and consumers under organization grants", () => {
    const FIXTURES = join(__dirname, "stacks");

    it("deploy runs every owner first, then the consumers in parallel, then every owner again, each granting what it lists", async () => {
        const backend = new FakeBackend(["owner-sales", "owner-web"], ["consumer-a", "consumer-b"]);
        let running = 0;
        let peak = 0;
        const up = backend.up.bind(backend);
        backend.up = async (stack, options) => {
            running += 1;
            peak = Math.max(peak, running);
            await new Promise((resolve) => setImmediate(resolve));
            running -= 1;
            return up(stack, options);
        };
        const report = await rollout(backend, recorder(), { parallel: 2 }).deploy();
        expect(backend.calls.filter((c) => c.startsWith("up "))).to.deep.equal([
            "up owner-sales",
            "up owner-web",
            "up consumer-a",
            "up consumer-b",
            "up owner-sales",
            "up owner-web",
        ]);
        expect(peak, "the two consumers ran at once").to.equal(2);
        expect(stepsOf(report)).to.deep.equal([
            "1 owner-sales up done 5",
            "1 owner-web up done 5",
            "2 consumer-a up done 5",
            "2 consumer-b up done 5",
            "3 owner-sales up done 1",
            "3 owner-web up done 1",
        ]);
        for (const owner of ["owner-sales", "owner-web"]) {
            expect(backend.deployed.get(owner)?.lockedVpceIds, owner).to.have.length(2);
        }
    });

    it("an owner that fails stops the rollout before the consumers, after the other owners' first run", async () => {
        const backend = new FakeBackend(["owner-sales", "owner-web"], ["consumer"]);
        backend.failOn = { stack: "owner-sales", operation: "up" };
        const report = await rollout(backend).deploy();
        expect(stepsOf(report)).to.deep.equal(["1 owner-sales up failed", "1 owner-web up done 5"]);
        expect(backend.calls).to.not.include("up consumer");
        expect(report.ok).to.equal(false);
    });

    it("an owner whose consumers are all under its organization grants does not run again, and the rollout says so", async () => {
        const backend = new FakeBackend("owner", ["consumer-a", "consumer-b", "consumer-c"], { owner: [] });
        const report = await rollout(backend).deploy();
        expect(backend.calls.filter((c) => c === "up owner")).to.have.length(1);
        expect(stepsOf(report)).to.deep.equal([
            "1 owner up done 5",
            "2 consumer-a up done 5",
            "2 consumer-b up done 5",
            "2 consumer-c up done 5",
            "3 owner up skipped",
        ]);
        expect(report.steps[4].note).to.equal(
            "lists none of these consumers (those under its organization grants need no owner change): owner → consumer, no return",
        );
        expect(report.ok).to.equal(true);
    });

    it("beside an owner that lists the consumer, only that owner returns", async () => {
        const backend = new FakeBackend(["owner-org", "owner-sales"], ["consumer"], { "owner-org": [], "owner-sales": ["consumer"] });
        const report = await rollout(backend).deploy();
        expect(stepsOf(report)).to.deep.equal([
            "1 owner-org up done 5",
            "1 owner-sales up done 5",
            "2 consumer up done 5",
            "3 owner-sales up done 1",
            "3 owner-org up skipped",
        ]);
        expect(backend.deployed.get("owner-org")?.lockedVpceIds).to.deep.equal([]);
        expect(backend.deployed.get("owner-sales")?.lockedVpceIds).to.have.length(1);
    });

    it("preview says which owners a consumer waits for, and that an owner under organization grants has no second run", async () => {
        const backend = new FakeBackend(["owner-org", "owner-sales"], ["consumer"], { "owner-org": [], "owner-sales": ["consumer"] });
        backend.existing.add("owner-org").add("owner-sales").add("consumer");
        const report = await rollout(backend).preview();
        expect(stepsOf(report)).to.deep.equal([
            "1 owner-org preview done 1",
            "1 owner-sales preview done 1",
            "2 consumer preview skipped",
            "3 owner-sales preview skipped",
            "3 owner-org preview skipped",
        ]);
        expect(report.steps[2].note).to.equal("needs the bucket outputs of owner-org, owner-sales, which the owner's first up produces");
        expect(report.steps[4].note).to.contain("owner → consumer, no return");
    });

    it("destroy takes the consumers down first, then every owner, and says what each owner kept", async () => {
        const backend = new FakeBackend(["owner-sales", "owner-web"], ["consumer-a", "consumer-b"]);
        await rollout(backend).deploy();
        backend.calls.length = 0;
        const report = await rollout(backend).destroy();
        expect(backend.calls).to.deep.equal(["destroy consumer-b", "destroy consumer-a", "destroy owner-sales", "destroy owner-web"]);
        expect(report.notes.filter((n) => n.startsWith("Kept: bucket"))).to.deep.equal([
            "Kept: bucket owner-sales-data-abc1234 with its objects, versions and settings (protected, and retained on destroy).",
            "Kept: bucket owner-web-data-abc1234 with its objects, versions and settings (protected, and retained on destroy).",
        ]);
    });

    it("npm run -s stacks -- --json lists every owner, each with its role variables and whether it runs again", async () => {
        const printed: string[] = [];
        await run("stacks", new FakeBackend("owner", []), join(FIXTURES, "multi-owner"), { json: true }, (t) => printed.push(t));
        await run("stacks", new FakeBackend("owner", []), join(FIXTURES, "organization"), { json: true }, (t) => printed.push(t));
        const [multi, organization] = printed.map((p) => JSON.parse(p) as { owners: unknown[]; consumers: { stack: string }[] });
        expect(multi.owners).to.deep.equal([
            { stack: "owner-sales", previewRoleVariable: "OWNER_SALES_PREVIEW_ROLE_ARN", deployRoleVariable: "OWNER_SALES_DEPLOY_ROLE_ARN", returns: true },
            { stack: "owner-web", previewRoleVariable: "OWNER_WEB_PREVIEW_ROLE_ARN", deployRoleVariable: "OWNER_WEB_DEPLOY_ROLE_ARN", returns: true },
        ]);
        expect(multi.consumers.map((c) => c.stack)).to.deep.equal(["consumer-analytics"]);
        expect(organization.owners).to.deep.equal([
            { stack: "owner", previewRoleVariable: "OWNER_PREVIEW_ROLE_ARN", deployRoleVariable: "OWNER_DEPLOY_ROLE_ARN", returns: false },
        ]);
        expect(organization.consumers.map((c) => c.stack)).to.deep.equal(["consumer-a", "consumer-b", "consumer-c"]);
    });

    it("npm run deploy on the organization layout reads the owner's list from its stack file: owner → consumers, no return", async () => {
        const backend = new FakeBackend("owner", ["consumer-a", "consumer-b", "consumer-c"], { owner: [] });
        const printed: string[] = [];
        expect(await run("deploy", backend, join(FIXTURES, "organization"), { quiet: true }, (t) => printed.push(t))).to.equal(0);
        expect(backend.calls.filter((c) => c === "up owner")).to.have.length(1);
        expect(printed.join("\n")).to.match(/owner\s+3\s+up\s+skipped/);
    });

    describe("status", () => {
        const grant = { orgPath: "o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/", roleName: "shared-data-exchange", access: "read-write", prefix: "exchange/" };
        const orgOwner = {
            stack: "owner-org",
            outputs: { bucketArn: "arn:aws:s3:::org", region: REGION, grantedRoleArns: [], lockedVpceIds: [], organizationGrants: [grant] },
            consumers: [],
        };
        const underGrant = (roleName: string) => ({
            stack: "consumer-b",
            outputs: {
                roleArn: `arn:aws:iam::888888888888:role/${roleName}`,
                vpceId: "vpce-0bbbbbbbb",
                accountId: "888888888888",
                region: REGION,
                organizationGrant: grant,
            },
        });
        const listed = { roleArn: "arn:aws:iam::222222222222:role/workload", vpceId: "vpce-0aaaaaaaa", accountId: "222222222222", region: REGION };
        const salesOwner = {
            stack: "owner-sales",
            outputs: { bucketArn: "arn:aws:s3:::sales", region: REGION, grantedRoleArns: [listed.roleArn], lockedVpceIds: [listed.vpceId] },
            consumers: [{ stack: "consumer-a", accountId: "222222222222" }],
        };
        const rowsOf = (rows: ReturnType<typeof analyseStatus>) => rows.map((r) => `${r.stack} ${r.check} ${r.ok ? "ok" : "DRIFT"}: ${r.detail}`);

        it("shows every owner's rows, and a consumer under an organization grant as ok, not a drift", () => {
            const rows = analyseStatus([salesOwner, orgOwner], [{ stack: "consumer-a", outputs: listed }, underGrant("shared-data-exchange")]);
            expect(rowsOf(rows)).to.deep.equal([
                "owner-sales deployed ok: arn:aws:s3:::sales",
                "owner-org deployed ok: arn:aws:s3:::org",
                "consumer-a deployed ok: vpce-0aaaaaaaa, arn:aws:iam::222222222222:role/workload",
                "consumer-a region (owner-sales) ok: consumer eu-west-1, bucket eu-west-1",
                "consumer-a account (owner-sales) ok: 222222222222",
                "consumer-a role granted (owner-sales) ok: in the bucket policy",
                "consumer-a endpoint locked (owner-sales) ok: in the lock",
                "consumer-b deployed ok: vpce-0bbbbbbbb, arn:aws:iam::888888888888:role/shared-data-exchange",
                "consumer-b organization grant ok: under organization grant o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/ (role shared-data-exchange)",
            ]);
            expect(consistent(rows)).to.equal(true);
        });

        it("npm run status on the organization layout: the three consumers under the grant agree with the owner, unlisted", async () => {
            const consumer = (account: string) => ({
                roleArn: `arn:aws:iam::${account}:role/shared-data-exchange`,
                vpceId: `vpce-0${account.slice(0, 8)}`,
                accountId: account,
                region: REGION,
                organizationGrant: grant,
            });
            const ops = statusOnly({
                owner: { ...orgOwner.outputs },
                "consumer-a": consumer("777777777777"),
                "consumer-b": consumer("888888888888"),
                "consumer-c": consumer("999999999999"),
            });
            const printed: string[] = [];
            expect(await run("status", ops, join(FIXTURES, "organization"), { quiet: true }, (t) => printed.push(t))).to.equal(0);
            const text = printed.join("\n");
            for (const stack of ["consumer-a", "consumer-b", "consumer-c"]) {
                expect(text).to.match(
                    new RegExp(
                        `${stack}\\s+organization grant\\s+ok\\s+under organization grant o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/ \\(role shared-data-exchange\\)`,
                    ),
                );
            }
            expect(text).to.contain("All stacks agree.");
        });

        it("npm run status on the two-owner layout checks the consumer against each owner's lock", async () => {
            const analytics = { roleArn: "arn:aws:iam::222222222222:role/workload", vpceId: "vpce-0aaaaaaaa", accountId: "222222222222", region: REGION };
            const owner = (locked: string[]) => ({ bucketArn: "arn:aws:s3:::b", region: REGION, grantedRoleArns: [analytics.roleArn], lockedVpceIds: locked });
            const ops = statusOnly({ "owner-sales": owner([analytics.vpceId]), "owner-web": owner([]), "consumer-analytics": analytics });
            const printed: string[] = [];
            expect(await run("status", ops, join(FIXTURES, "multi-owner"), { quiet: true }, (t) => printed.push(t))).to.equal(1);
            const text = printed.join("\n");
            expect(text).to.match(/consumer-analytics\s+endpoint locked \(owner-sales\)\s+ok/);
            expect(text).to.match(/consumer-analytics\s+endpoint locked \(owner-web\)\s+DRIFT/);
        });

        it("flags a consumer under a grant whose role name differs from the grant's", () => {
            const rows = analyseStatus([orgOwner], [underGrant("workload")]);
            expect(rows.filter((r) => !r.ok).map((r) => `${r.stack} ${r.check}: ${r.detail}`)).to.deep.equal([
                "consumer-b organization grant: under organization grant o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/, which names the role shared-data-exchange, but the stack's role is workload, so the bucket refuses it: run npm run deploy (the consumer renames its role)",
            ]);
        });

        it("flags a consumer no owner lists and no grant covers, as with one owner", () => {
            const withoutGrant = { ...orgOwner, outputs: { ...orgOwner.outputs, organizationGrants: [] } };
            const rows = analyseStatus([salesOwner, withoutGrant], [{ stack: "consumer-a", outputs: listed }, underGrant("shared-data-exchange")]);
            expect(rows.filter((r) => !r.ok).map((r) => `${r.stack} ${r.check}: ${r.detail}`)).to.deep.equal([
                "consumer-b shared: not in the owner's consumers, and no owner grants o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/ any more: add it there, or remove the stack",
            ]);
        });
    });
});
