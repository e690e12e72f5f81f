/**
 * The two Ctrl-C specs (test/interrupt.spec.ts) each need `npm run deploy` running as its own process
 * group, with a fake `pulumi` whose consumer `up` waits for Ctrl-C. Loading the command and reaching
 * that `up` takes each process about a second. Both start when mocha loads the spec file that imports
 * this one, and do that work on the other core while mocha loads and runs the specs before it; the
 * specs then send Ctrl-C to a process already waiting for it. A run without that spec file starts none.
 *
 * No process outlives mocha: the ones no spec ended are killed at the end of the run, and on exit for
 * a run that ends without its root hooks (a --grep that matches nothing, say). Until a spec takes one,
 * a process does not keep mocha running.
 */
import { ChildProcess, spawn } from "child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "fs";
import { Socket } from "net";
import { tmpdir } from "os";
import { join } from "path";
import { stringify } from "yaml";
import { fakePulumi, FakePulumi } from "./fake-pulumi";
import { CONSUMER_ACCOUNT, OWNER_ACCOUNT, REGION } from "./fixtures";

const PROJECT_DIR = join(__dirname, "..");

/** A project folder: Pulumi.yaml with the version range, the owner and one consumer, and an installed policy pack. */
export function project(): { dir: string; policyPack: string } {
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

export interface Deploy {
    readonly fake: FakePulumi;
    readonly exited: Promise<number | null>;
    running(): boolean;
    /** What the command printed, stdout and stderr as they came. */
    output(): string;
    /** Ctrl-C as a terminal delivers it: one SIGINT to the whole process group. */
    ctrlC(): void;
    /** Lets the process keep mocha running until it ends, as any process a spec waits for. */
    take(): void;
    /** Ends the process group, if it still runs. */
    end(): void;
    /** Sends Ctrl-C as soon as the fake engine's `up` of `stack` has started (waiting as `until` does). */
    ctrlCOnceStarted(stack: string): Promise<void>;
}

/**
 * Waits for the condition; fails instead of waiting for ever once the command has exited without it,
 * or after 15 s (a guard against a hang within mocha's timeout, not a measure of speed). Without
 * `keepAlive`, the wait alone does not keep mocha running.
 */
export async function until(condition: () => boolean, running: () => boolean = () => true, what = "the condition", { keepAlive = true } = {}): Promise<void> {
    const giveUp = Date.now() + 15_000;
    while (!condition()) {
        if (!running()) throw new Error(`the command exited before ${what}`);
        if (Date.now() > giveUp) throw new Error(`gave up waiting for ${what}`);
        await new Promise((r) => {
            const timer = setTimeout(r, 50);
            if (!keepAlive) timer.unref();
        });
    }
}

/** Process groups started here and not seen to end. */
const groups = new Set<number>();
const kill = (pid: number) => {
    try {
        process.kill(-pid, "SIGKILL");
    } catch {
        // already gone
    }
};
const endAll = () => {
    groups.forEach(kill);
    groups.clear();
};
process.on("exit", endAll);
// Registered while mocha loads the specs, outside any describe: a root hook, run at the end of the run.
after(endAll);
// Ctrl-C or SIGTERM to mocha does not reach these process groups: end them, then let the signal do
// what it would have done (mocha's own reporters do the same).
for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
        endAll();
        process.kill(process.pid, signal);
    });
}

/** `npm run deploy` as its own process group, with the fake CLI first on PATH. */
function deploy(fake: FakePulumi): Deploy {
    const { dir, policyPack } = project();
    const child: ChildProcess = spawn(
        process.execPath,
        ["-r", "ts-node/register", join(__dirname, "rollout-driver.ts"), dir, "deploy", "--parallel", "1", "--policy-pack", policyPack],
        {
            cwd: PROJECT_DIR,
            detached: true,
            env: { ...process.env, PATH: `${fake.bin}:${process.env.PATH ?? ""}`, PULUMI_SKIP_UPDATE_CHECK: "true" },
            stdio: ["ignore", "pipe", "pipe"],
        },
    );
    const pid = child.pid as number;
    const pipes = [child.stdout as Socket, child.stderr as Socket];
    let output = "";
    for (const pipe of pipes) {
        pipe.on("data", (d) => (output += String(d)));
        pipe.unref();
    }
    child.unref();
    groups.add(pid);
    let running = true;
    // "close", not "exit": the command's last lines may still be in the pipe when it exits.
    const exited = new Promise<number | null>((done) =>
        child.on("close", (code) => {
            running = false;
            groups.delete(pid);
            done(code);
        }),
    );
    return {
        fake,
        exited,
        running: () => running,
        output: () => output,
        ctrlC: () => process.kill(-pid, "SIGINT"),
        take: () => {
            child.ref();
            pipes.forEach((p) => p.ref());
        },
        end: () => running && kill(pid),
        ctrlCOnceStarted: async (stack) => {
            // Also polled beside the other specs (below): the wait does not keep a run without them going.
            await until(
                () => fake.lines().includes(`STARTED up ${stack}`),
                () => running,
                `the ${stack}'s up started`,
                { keepAlive: false },
            );
            process.kill(-pid, "SIGINT");
        },
    };
}

/** For the spec of one Ctrl-C: the engine exits a second after it. */
export const deployStoppedOnce = deploy(fakePulumi({ version: "3.276.0", hang: { stack: "consumer", until: "once" } }));
/**
 * Its Ctrl-C goes out as soon as the consumer's up starts, while mocha runs the specs before it: the
 * second the engine then waits (to show that no second SIGINT follows) passes on the other core too.
 */
export const deployStoppedOnceInterrupted: Promise<Error | undefined> = deployStoppedOnce.ctrlCOnceStarted("consumer").then(
    () => undefined,
    (error: Error) => error, // settled, so that no spec waiting for it yet makes it an unhandled rejection
);
/** For the spec of a second Ctrl-C: the engine exits only then. */
export const deployStoppedTwice = deploy(fakePulumi({ version: "3.276.0", hang: { stack: "consumer", until: "twice" } }));
