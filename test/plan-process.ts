/**
 * The one spec that runs `npm run plan` as its own process (test/plan.spec.ts) waits for the process
 * started here. .mocharc loads this file before the specs, so the process does its work on the other
 * core while mocha loads and runs everything else, instead of being waited for.
 */
import { execFile } from "child_process";
import { mkdtempSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";

export interface CliRun {
    readonly status: number | null;
    readonly stdout: string;
    readonly stderr: string;
}

const PROJECT_DIR = join(__dirname, "..");

/** Runs `npm run plan` as a user would: its own process (the CLI on the current Node, ts-node transpile-only). */
function spawnedPlanCli(args: string[], env: NodeJS.ProcessEnv): Promise<CliRun> {
    return new Promise((done) => {
        const child = execFile(
            process.execPath,
            ["-r", "ts-node/register", join(PROJECT_DIR, "offline", "plan-cli.ts"), ...args],
            { cwd: PROJECT_DIR, encoding: "utf8", env: { ...process.env, ...env } },
            (error, stdout, stderr) => done({ status: child.exitCode ?? (error ? 1 : 0), stdout, stderr }),
        );
    });
}

/** Where the spawned plan writes its JSON document. */
export const PLAN_PROCESS_OUT = join(mkdtempSync(join(tmpdir(), "plan-out-")), "plan.json");

/**
 * `npm run plan -- --config-dir example --json --out <file>` run from test/stacks (npm tells the
 * script where the user stands through INIT_CWD), started when mocha starts.
 */
export const planProcessRun = spawnedPlanCli(["--config-dir", "example", "--json", "--out", PLAN_PROCESS_OUT], { INIT_CWD: join(__dirname, "stacks") });
