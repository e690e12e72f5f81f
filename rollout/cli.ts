/**
 * npm run deploy | preview [-- --refresh] | destroy | status [-- --drift], each [-- --quiet]
 * The ordered rollout of every stack of the project, through the Pulumi CLI.
 */
import { resolve } from "path";
import { parseArgs } from "util";
import { ownerSettingsOf, readProjectFiles } from "../config/stack-files";
import { automationOperations } from "./automation";
import { Reporter, Rollout, RolloutReport, RolloutStacks } from "./orchestrator";
import { explainEngineError } from "./engine-errors";
import { changed, StackOperations } from "./operations";
import { analyseStatus, consistent, StatusRow } from "./status";
import { table } from "./table";

export const COMMANDS = ["deploy", "preview", "destroy", "status"] as const;
export type Command = (typeof COMMANDS)[number];

/** The owner and consumers of the project, from its `Pulumi.<stack>.yaml` files. */
export function projectStacks(dir: string): RolloutStacks & { ownerConsumers: { stack: string; accountId: string }[] } {
    const {
        owners: [owner],
        consumers,
    } = readProjectFiles(dir);
    return {
        owner: owner.stack,
        consumers: consumers.map((c) => c.stack),
        ownerConsumers: ownerSettingsOf(owner).consumers.map((c) => ({ stack: c.stack, accountId: c.accountId })),
    };
}

export function summaryTable(report: RolloutReport): string {
    return table(
        ["stack", "phase", "operation", "result", "resources changed", "duration"],
        report.steps.map((s) => [
            s.stack,
            String(s.phase),
            s.operation,
            s.status,
            s.changes === undefined ? "-" : String(s.changes),
            `${s.seconds.toFixed(1)} s`,
        ]),
    );
}

/** How a command runs, from its command line. */
export interface CommandOptions {
    /** Only the summary, not the engine's output. */
    readonly quiet?: boolean;
    /** deploy, preview: refresh each stack's state from the cloud first. */
    readonly refresh?: boolean;
    /** status: also run a refreshing preview of every stack and report the ones that drifted from their code. */
    readonly drift?: boolean;
    /** Aborted on Ctrl-C. */
    readonly signal?: AbortSignal;
}

/** Runs one command; resolves to the process exit code. */
export async function run(command: Command, ops: StackOperations, dir: string, options: CommandOptions, print: (text: string) => void): Promise<number> {
    const stacks = projectStacks(dir);
    if (command === "status") {
        const owner = { stack: stacks.owner, outputs: await ops.outputs(stacks.owner), consumers: stacks.ownerConsumers };
        const consumers = await Promise.all(stacks.consumers.map(async (stack) => ({ stack, outputs: await ops.outputs(stack) })));
        const rows = [...analyseStatus(owner, consumers), ...(options.drift ? await driftRows(ops, [stacks.owner, ...stacks.consumers], options.signal) : [])];
        print(
            table(
                ["stack", "check", "state", "detail"],
                rows.map((r) => [r.stack, r.check, r.ok ? "ok" : "DRIFT", r.detail]),
            ),
        );
        print(consistent(rows) ? "\nAll stacks agree." : "\nThe stacks do not agree; see the rows marked DRIFT.");
        return consistent(rows) ? 0 : 1;
    }
    const reporter: Reporter = { line: (t) => print(t), engineOutput: (t) => (options.quiet ? undefined : process.stdout.write(t.replace(/^/gm, "    "))) };
    const rollout = new Rollout(ops, stacks, reporter, { signal: options.signal, refresh: options.refresh });
    const report = await rollout[command]();
    print(`\n${summaryTable(report)}`);
    for (const note of report.notes) {
        print(note);
    }
    return report.ok ? 0 : 1;
}

/** A refreshing preview of each stack that exists: a stack whose resources differ from its code has drifted. */
async function driftRows(ops: StackOperations, stacks: readonly string[], signal?: AbortSignal): Promise<StatusRow[]> {
    const existing = new Set(await ops.existingStacks());
    const rows: StatusRow[] = [];
    for (const stack of stacks.filter((s) => existing.has(s))) {
        try {
            const differ = changed(await ops.drift(stack, { onOutput: () => undefined, signal }));
            rows.push({
                stack,
                check: "drift",
                ok: differ === 0,
                detail:
                    differ === 0 ? "matches its code" : `${differ} resources differ from the code: npm run deploy puts them back (or change the code to match)`,
            });
        } catch (error) {
            rows.push({ stack, check: "drift", ok: false, detail: `could not check: ${explainEngineError(error, stack)}` });
        }
    }
    return rows;
}

const USAGE = "usage: npm run deploy|preview [-- --refresh] | npm run destroy | npm run status [-- --drift]   (each also takes --quiet)";

/** The command and its options from a command line, or an Error whose message ends with the usage. */
export function parseRolloutArgs(argv: readonly string[]): { command: Command } & Omit<CommandOptions, "signal"> {
    let parsed;
    try {
        parsed = parseArgs({
            args: [...argv],
            strict: true,
            allowPositionals: true,
            options: { quiet: { type: "boolean" }, refresh: { type: "boolean" }, drift: { type: "boolean" } },
        });
    } catch (error) {
        const unknown = /Unknown option '([^']+)'/.exec(String((error as Error).message));
        throw new Error(`${USAGE}${unknown ? ` (unknown option ${unknown[1]})` : ""}`);
    }
    const [command, ...extra] = parsed.positionals;
    const { quiet, refresh, drift } = parsed.values;
    if (!(COMMANDS as readonly string[]).includes(command) || extra.length > 0) {
        throw new Error(USAGE);
    }
    if (refresh && command !== "deploy" && command !== "preview") {
        throw new Error(`--refresh goes with deploy or preview\n${USAGE}`);
    }
    if (drift && command !== "status") {
        throw new Error(`--drift goes with status\n${USAGE}`);
    }
    return { command: command as Command, quiet: quiet === true, refresh: refresh === true, drift: drift === true };
}

/**
 * Ctrl-C: the first stops the running operation cleanly (the engine finishes its current step and
 * releases the stack's lock) and lets the rollout print its summary; a second exits at once.
 */
export function interruptHandler(controller: AbortController, exit: (code: number) => void, warn: (text: string) => void): () => void {
    let count = 0;
    return () => {
        count += 1;
        if (count === 1) {
            warn("\nStopping: waiting for the Pulumi engine to stop cleanly. Press Ctrl-C again to exit at once (the stack may stay locked).");
            controller.abort();
        } else {
            exit(130);
        }
    };
}

async function main(argv: string[]): Promise<number> {
    const { command, ...options } = parseRolloutArgs(argv);
    const dir = resolve(__dirname, "..");
    const ops = await automationOperations(dir);
    const controller = new AbortController();
    process.on(
        "SIGINT",
        interruptHandler(
            controller,
            (code) => process.exit(code),
            (t) => console.error(t),
        ),
    );
    return run(command, ops, dir, { ...options, signal: controller.signal }, (t) => console.log(t));
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => process.exit(code),
        (error: unknown) => {
            console.error(error instanceof Error ? error.message : String(error));
            process.exit(1);
        },
    );
}
