/**
 * What every command of the project (plan, check, deploy, preview, destroy, status, verify, …) shares:
 * one way to describe its options, one `--help` that prints the whole usage and exits 0, one kind of
 * usage error (exit 2), and paths that resolve where the user stands, not where npm runs the script.
 */
import { isAbsolute, resolve } from "path";
import { parseArgs } from "util";

export interface OptionSpec {
    readonly name: string;
    readonly type: "string" | "boolean";
    readonly multiple?: boolean;
    readonly short?: string;
    /** The value's placeholder in the usage (`DIR`, `N`, `<stack>=<instance id>`). */
    readonly value?: string;
    readonly description: string;
}

export interface CommandSpec {
    /** How a user types it: `npm run plan --`. */
    readonly command: string;
    /** Positional arguments as the synopsis shows them (`deploy|preview|destroy|status`). */
    readonly positionals?: string;
    /** One or two sentences: what it does. */
    readonly summary: string;
    readonly options: readonly OptionSpec[];
    /** The environment variables the command reads. */
    readonly environment?: readonly { readonly name: string; readonly description: string }[];
    readonly examples: readonly string[];
    /** Anything else a user needs before running it (what it costs, what it needs). */
    readonly notes?: readonly string[];
}

/** A command line the command cannot run: the message, then the usage. Exit code 2. */
export class UsageError extends Error {
    readonly exitCode = 2;

    constructor(message: string, spec: CommandSpec) {
        super(`${message}\n\n${synopsis(spec)}\nRun with --help for every option.`);
        this.name = "UsageError";
    }
}

const HELP: OptionSpec = { name: "help", type: "boolean", short: "h", description: "print this help and exit" };

function synopsis(spec: CommandSpec): string {
    return `usage: ${spec.command}${spec.positionals ? ` ${spec.positionals}` : ""} [options]`;
}

/** The full usage: synopsis, summary, options, environment, examples. */
export function usage(spec: CommandSpec): string {
    const flag = (o: OptionSpec) => `${o.short ? `-${o.short}, ` : ""}--${o.name}${o.value ? ` ${o.value}` : ""}${o.multiple ? " (repeatable)" : ""}`;
    const options = [...spec.options, HELP];
    const width = Math.max(...options.map((o) => flag(o).length));
    const lines = [synopsis(spec), "", spec.summary, "", "Options:", ...options.map((o) => `  ${flag(o).padEnd(width)}  ${o.description}`)];
    if (spec.environment?.length) {
        const envWidth = Math.max(...spec.environment.map((e) => e.name.length));
        lines.push("", "Environment:", ...spec.environment.map((e) => `  ${e.name.padEnd(envWidth)}  ${e.description}`));
    }
    if (spec.notes?.length) {
        lines.push("", ...spec.notes);
    }
    lines.push("", spec.examples.length === 1 ? "Example:" : "Examples:", ...spec.examples.map((e) => `  ${e}`));
    return `${lines.join("\n")}\n`;
}

export interface ParsedCommandLine {
    readonly values: Readonly<Record<string, string | boolean | string[] | undefined>>;
    readonly positionals: readonly string[];
}

/** The command line parsed against the spec, "help" for `--help`/`-h`, or a UsageError. */
export function parseCommandLine(spec: CommandSpec, argv: readonly string[]): ParsedCommandLine | "help" {
    const options = Object.fromEntries(
        [...spec.options, HELP].map((o) => [o.name, { type: o.type, ...(o.multiple ? { multiple: true } : {}), ...(o.short ? { short: o.short } : {}) }]),
    );
    let parsed;
    try {
        parsed = parseArgs({ args: [...argv], strict: true, allowPositionals: spec.positionals !== undefined, options });
    } catch (error) {
        const message = (error as Error).message;
        const unknown = /Unknown option '([^']+)'/.exec(message)?.[1];
        const positional = /Unexpected argument '([^']+)'/.exec(message)?.[1];
        throw new UsageError(unknown ? `unknown option ${unknown}` : positional ? `unexpected argument ${positional}` : message.split(".")[0], spec);
    }
    if (parsed.values.help === true) {
        return "help";
    }
    return { values: parsed.values as ParsedCommandLine["values"], positionals: parsed.positionals };
}

/**
 * A path the user typed, made absolute from the folder they ran the command in. `npm run` starts
 * scripts in the project folder and keeps the user's folder in INIT_CWD.
 */
export function userPath(path: string, env: NodeJS.ProcessEnv = process.env): string {
    return isAbsolute(path) ? path : resolve(env.INIT_CWD ?? process.cwd(), path);
}
