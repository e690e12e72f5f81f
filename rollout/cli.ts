/**
 * npm run deploy | preview | destroy | status [-- --quiet]
 * The ordered rollout of every stack of the project, through the Pulumi CLI.
 */
import { resolve } from "path";
import { parseArgs } from "util";
import { discoverStacks, readStackFile } from "../config/stack-files";
import { parseOwnerSettings } from "../config/owner";
import { namespaceConfig, storedConfig } from "../config/reader";
import { automationOperations } from "./automation";
import { StackOperations } from "./operations";
import { Reporter, Rollout, RolloutReport, RolloutStacks } from "./orchestrator";
import { analyseStatus, consistent } from "./status";
import { table } from "./table";
import { ORGANIZATION, PROJECT } from "../domain/stack-identity";

export const COMMANDS = ["deploy", "preview", "destroy", "status"] as const;
export type Command = (typeof COMMANDS)[number];

/** The owner and consumers of the project, from its `Pulumi.<stack>.yaml` files. */
export function projectStacks(dir: string): RolloutStacks & { ownerConsumers: { stack: string; accountId: string }[] } {
    const files = discoverStacks(dir).map((s) => readStackFile(dir, s));
    const owners = files.filter((f) => f.role === "owner");
    if (owners.length !== 1) {
        throw new Error(`The project needs exactly one owner stack file; found ${owners.map((o) => o.stack).join(", ") || "none"} in ${dir}`);
    }
    const owner = owners[0];
    const settings = parseOwnerSettings(namespaceConfig(storedConfig(owner.config), PROJECT), {
        project: PROJECT,
        organization: ORGANIZATION,
        stack: owner.stack,
    });
    return {
        owner: owner.stack,
        consumers: files.filter((f) => f.role === "consumer").map((f) => f.stack),
        ownerConsumers: settings.consumers.map((c) => ({ stack: c.stack, accountId: c.accountId })),
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

/** Runs one command; resolves to the process exit code. */
export async function run(command: Command, ops: StackOperations, dir: string, quiet: boolean, print: (text: string) => void): Promise<number> {
    const stacks = projectStacks(dir);
    if (command === "status") {
        const owner = { stack: stacks.owner, outputs: await ops.outputs(stacks.owner), consumers: stacks.ownerConsumers };
        const consumers = await Promise.all(stacks.consumers.map(async (stack) => ({ stack, outputs: await ops.outputs(stack) })));
        const rows = analyseStatus(owner, consumers);
        print(
            table(
                ["stack", "check", "state", "detail"],
                rows.map((r) => [r.stack, r.check, r.ok ? "ok" : "DRIFT", r.detail]),
            ),
        );
        print(consistent(rows) ? "\nAll stacks agree." : "\nThe stacks do not agree; see the rows marked DRIFT.");
        return consistent(rows) ? 0 : 1;
    }
    const reporter: Reporter = { line: (t) => print(t), engineOutput: (t) => (quiet ? undefined : process.stdout.write(t.replace(/^/gm, "    "))) };
    const rollout = new Rollout(ops, stacks, reporter);
    const report = await rollout[command]();
    print(`\n${summaryTable(report)}`);
    for (const note of report.notes) {
        print(note);
    }
    return report.ok ? 0 : 1;
}

const USAGE = "usage: npm run deploy|preview|destroy|status [-- --quiet]";

/** The command and its options from a command line, or an Error whose message ends with the usage. */
export function parseRolloutArgs(argv: readonly string[]): { command: Command; quiet: boolean } {
    let parsed;
    try {
        parsed = parseArgs({ args: [...argv], strict: true, allowPositionals: true, options: { quiet: { type: "boolean" } } });
    } catch (error) {
        const unknown = /Unknown option '([^']+)'/.exec(String((error as Error).message));
        throw new Error(`${USAGE}${unknown ? ` (unknown option ${unknown[1]})` : ""}`);
    }
    const [command, ...extra] = parsed.positionals;
    if (!(COMMANDS as readonly string[]).includes(command) || extra.length > 0) {
        throw new Error(USAGE);
    }
    return { command: command as Command, quiet: parsed.values.quiet === true };
}

async function main(argv: string[]): Promise<number> {
    const { command, quiet } = parseRolloutArgs(argv);
    const dir = resolve(__dirname, "..");
    const ops = await automationOperations(dir);
    return run(command, ops, dir, quiet, (t) => console.log(t));
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
