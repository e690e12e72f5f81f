/**
 * npm run deploy | preview | destroy | status | stacks, each with --help.
 * The ordered rollout of every stack of the project, through the Pulumi CLI.
 */
import { existsSync } from "fs";
import { join, resolve } from "path";
import { UsageError, userPath } from "../cli/command-line";
import { ownerSettingsOf, readProjectFiles } from "../config/stack-files";
import { automationOperations } from "./automation";
import { explainEngineError } from "./engine-errors";
import { StopRequest } from "./interrupt";
import { parseRolloutArgs } from "./command-specs";
import { changed, StackOperations } from "./operations";
import { Rollout, RolloutStacks } from "./orchestrator";
import { returns } from "./report";
import { liveReporter, plainReporter, Reporter } from "./progress";
import { RolloutReport, summaryTable } from "./report";
import { analyseStatus, consistent, StatusRow } from "./status";
import { table } from "./table";
import { variableStackName } from "../domain/stack-identity";

export { summaryTable } from "./report";
export { COMMAND_SPECS, parseRolloutArgs } from "./command-specs";

export const COMMANDS = ["deploy", "preview", "destroy", "status", "stacks"] as const;
export type Command = (typeof COMMANDS)[number];

/** The owners and consumers of the project, from its `Pulumi.<stack>.yaml` files, each owner with the consumers it lists. */
export function projectStacks(dir: string): RolloutStacks & { ownerConsumers: Record<string, { stack: string; accountId: string }[]> } {
    const { owners, consumers } = readProjectFiles(dir);
    const listed = owners.map((o) => ({ stack: o.stack, consumers: ownerSettingsOf(o).consumers.map((c) => ({ stack: c.stack, accountId: c.accountId })) }));
    return {
        owners: listed.map((o) => ({ stack: o.stack, lists: o.consumers.map((c) => c.stack.split("/").pop() ?? c.stack) })),
        consumers: consumers.map((c) => c.stack),
        ownerConsumers: Object.fromEntries(listed.map((o) => [o.stack, o.consumers])),
    };
}

/**
 * The stacks as CI needs them: each with the repository variables that name its roles, by the same
 * convention as AWS_PROFILE_<STACK> (`<STACK>_PREVIEW_ROLE_ARN`, `<STACK>_DEPLOY_ROLE_ARN`).
 */
export function stackList(stacks: RolloutStacks) {
    const entry = (stack: string) => {
        const prefix = variableStackName(stack);
        return { stack, previewRoleVariable: `${prefix}_PREVIEW_ROLE_ARN`, deployRoleVariable: `${prefix}_DEPLOY_ROLE_ARN` };
    };
    return {
        owners: stacks.owners.map((o) => ({ ...entry(o.stack), returns: returns(o, stacks.consumers) })),
        consumers: stacks.consumers.map(entry),
    };
}

/** npm run stacks: the stack names, or with `json` the stacks and their CI role variables. */
export function printStacks(dir: string, json: boolean, print: (text: string) => void): void {
    const list = stackList(projectStacks(dir));
    print(json ? JSON.stringify(list) : [...list.owners, ...list.consumers].map((s) => s.stack).join("\n"));
}

/** How a command runs, from its command line. */
export interface CommandOptions {
    /** Only the summary, not the engine's output. */
    readonly quiet?: boolean;
    /** deploy, preview: refresh each stack's state from the cloud first. */
    readonly refresh?: boolean;
    /** status: also run a refreshing preview of every stack and report the ones that drifted from their code. */
    readonly drift?: boolean;
    /** status: only these stacks' rows (and drift checks). */
    readonly stacks?: readonly string[];
    /** deploy, preview, destroy: consumer stacks at once. */
    readonly parallel?: number;
    /** deploy, preview: policy pack folders every up and preview runs with. */
    readonly policyPacks?: readonly string[];
    /** stacks: JSON for CI. */
    readonly json?: boolean;
    /** Ctrl-C and SIGTERM. */
    readonly stop?: StopRequest;
    /** Where progress goes; plain lines by default. */
    readonly reporter?: Reporter;
    /** Receives the running rollout, so a second Ctrl-C can print what it did so far. */
    readonly started?: (rollout: Rollout) => void;
}

/**
 * Whether engines run side by side: then their output is not streamed (it would interleave) and a
 * terminal gets the live board. One consumer, or --parallel 1, streams it as it comes.
 */
export const concurrent = (parallel: number | undefined, stacks: RolloutStacks) => Math.min(parallel ?? 1, stacks.consumers.length) > 1;

/** Runs one command; resolves to the process exit code. */
export async function run(command: Command, ops: StackOperations, dir: string, options: CommandOptions, print: (text: string) => void): Promise<number> {
    const stacks = projectStacks(dir);
    if (command === "stacks") {
        printStacks(dir, options.json === true, print);
        return 0;
    }
    if (command === "status") {
        const every = [...stacks.owners.map((o) => o.stack), ...stacks.consumers];
        const unknown = (options.stacks ?? []).filter((s) => !every.includes(s));
        if (unknown.length > 0) {
            throw new Error(`--stack ${unknown.join(", ")}: no such stack file (Pulumi.<stack>.yaml); the stacks are ${every.join(", ")}`);
        }
        const owners = await Promise.all(
            stacks.owners.map(async ({ stack }) => ({ stack, outputs: await ops.outputs(stack), consumers: stacks.ownerConsumers[stack] })),
        );
        const consumers = await Promise.all(stacks.consumers.map(async (stack) => ({ stack, outputs: await ops.outputs(stack) })));
        const chosen = (stack: string) => !options.stacks?.length || options.stacks.includes(stack);
        const rows = [
            ...analyseStatus(owners, consumers).filter((r) => chosen(r.stack)),
            ...(options.drift ? await driftRows(ops, every.filter(chosen), options.stop) : []),
        ];
        print(
            table(
                ["stack", "check", "state", "detail"],
                rows.map((r) => [r.stack, r.check, r.ok ? "ok" : "DRIFT", r.detail]),
            ),
        );
        print(consistent(rows) ? "\nAll stacks agree." : "\nThe stacks do not agree; see the rows marked DRIFT.");
        return consistent(rows) ? 0 : 1;
    }
    const reporter =
        options.reporter ??
        (options.quiet
            ? plainReporter(() => undefined)
            : plainReporter(print, (t) => (concurrent(options.parallel, stacks) ? undefined : process.stdout.write(t.replace(/^/gm, "    ")))));
    const rollout = new Rollout(ops, stacks, reporter, {
        stop: options.stop,
        refresh: options.refresh,
        parallel: options.parallel,
        policyPacks: options.policyPacks,
    });
    options.started?.(rollout);
    const report = await rollout[command]();
    (reporter as { close?: () => void }).close?.();
    printReport(report, print);
    return report.ok ? 0 : 1;
}

export function printReport(report: RolloutReport, print: (text: string) => void): void {
    print(`\n${summaryTable(report)}`);
    for (const note of report.notes) {
        print(note);
    }
}

/** A refreshing preview of each stack that exists: a stack whose resources differ from its code has drifted. */
async function driftRows(ops: StackOperations, stacks: readonly string[], stop?: StopRequest): Promise<StatusRow[]> {
    const existing = new Set(await ops.existingStacks());
    const rows: StatusRow[] = [];
    for (const stack of stacks.filter((s) => existing.has(s))) {
        try {
            const differ = changed(await ops.drift(stack, { onOutput: () => undefined, signal: stop?.engineSignal }));
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

/** Ctrl-C once: stop at a safe point (the engines got it from the terminal); twice: exit at once, saying so. SIGTERM: tell the engines once. */
export function installStopHandlers(
    stop: StopRequest,
    onAtOnce: () => void,
    warn: (text: string) => void,
    on: (signal: "SIGINT" | "SIGTERM", handler: () => void) => unknown = (signal, handler) => process.on(signal, handler),
): void {
    on("SIGINT", () => {
        if (stop.interrupt() === "safe point") {
            warn(
                "\nCtrl-C: the Pulumi engine got it too and stops at its next safe point; nothing more starts. Press Ctrl-C again to stop at once (mid-change).",
            );
        } else {
            warn("\nSecond Ctrl-C: stopping at once. The engine was told to stop now; the stack it was changing may be left mid-change and locked.");
            onAtOnce();
        }
    });
    on("SIGTERM", () => {
        stop.terminate();
        warn("\nSIGTERM: the Pulumi engine was told to stop at its next safe point; nothing more starts.");
    });
}

/** The command line as `npm run …` gives it: the exit code. `projectDir` is the Pulumi project (this one by default). */
export async function main(argv: string[], projectDir = resolve(__dirname, ".."), env: NodeJS.ProcessEnv = process.env): Promise<number> {
    const parsed = parseRolloutArgs(argv);
    if (parsed === "help") {
        return 0;
    }
    const { command, ...options } = parsed;
    const policyPacks =
        command === "deploy" || command === "preview" ? [options.policyPack ? userPath(options.policyPack, env) : join(projectDir, "policy-pack")] : [];
    for (const pack of policyPacks) {
        if (!existsSync(join(pack, "node_modules"))) {
            throw new Error(`Every up and preview runs with the policy pack ${pack}, and it is not installed: run npm ci --prefix ${pack}, then run again.`);
        }
    }
    if (command === "stacks") {
        printStacks(projectDir, options.json, (t) => console.log(t));
        return 0;
    }
    const ops = await automationOperations(projectDir, env);
    const stop = new StopRequest();
    const live = process.stdout.isTTY && !options.quiet && concurrent(options.parallel, projectStacks(projectDir)) ? liveReporter(process.stdout) : undefined;
    let rollout: Rollout | undefined;
    installStopHandlers(
        stop,
        () => {
            live?.close();
            if (rollout !== undefined && command !== "status") printReport(rollout.snapshot(command), (t) => console.log(t));
            process.exit(130);
        },
        (t) => (live ? live.line(t.trim()) : console.error(t)), // above the board, which would draw over it
    );
    const code = await run(command, ops, projectDir, { ...options, policyPacks, stop, reporter: live, started: (r) => (rollout = r) }, (t) => console.log(t));
    return stop.kind === undefined ? code : 130;
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => process.exit(code),
        (error: unknown) => {
            console.error(error instanceof Error ? error.message : String(error));
            process.exit(error instanceof UsageError ? error.exitCode : 1);
        },
    );
}
