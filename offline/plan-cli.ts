/**
 * npm run plan: plays a first rollout offline and prints it; exits 1, with nothing on stdout, when a
 * stack's config or inputs are invalid. npm run check: the same validation, without the plan.
 */
import { mkdirSync, writeFileSync } from "fs";
import { dirname, resolve } from "path";
import { CommandSpec, OptionSpec, parseCommandLine, usage, UsageError, userPath } from "../cli/command-line";
import { Plan, planRollout, PlanError } from "./plan";
import { renderHuman, renderJson } from "./planReport";
import { skipPulumiPromiseStacks } from "./fast-stacks";
import { stackFileProblems } from "../config/stack-files";
import { renderMermaid } from "./planPicture";

const FORMATS = ["human", "json", "mermaid"] as const;
type Format = (typeof FORMATS)[number];

const STACK_OPTIONS: readonly OptionSpec[] = [
    {
        name: "config-dir",
        type: "string",
        value: "DIR",
        description: "the folder with your Pulumi.<stack>.yaml files, from where you run the command (default: the project folder)",
    },
    { name: "stacks", type: "string", value: "owner,consumer,…", description: "only these stacks (default: every Pulumi.<stack>.yaml in the folder)" },
];

const ENVIRONMENT = [{ name: "INIT_CWD", description: "set by npm run to the folder you ran it in: --config-dir and --out are resolved from there" }];

export const PLAN_COMMAND: CommandSpec = {
    command: "npm run plan --",
    summary:
        "Plays a first rollout of your stack files offline (owner → each consumer → owner): the real stack programs under Pulumi's mock runtime, no cloud, no credentials, no Pulumi CLI. Prints the plan; invalid config stops it with pulumi preview's own message and exit 1.",
    options: [
        ...STACK_OPTIONS,
        { name: "json", type: "boolean", description: "the plan as one JSON document (same as --format json)" },
        { name: "mermaid", type: "boolean", description: "the final state as a Mermaid picture (same as --format mermaid)" },
        { name: "format", type: "string", value: "human|json|mermaid", description: "the output format (default: human)" },
        {
            name: "out",
            type: "string",
            value: "FILE",
            description:
                "write the output to FILE instead of stdout (a clean document, without npm's banner); missing folders are created, and out/ is ignored by git and by the format check",
        },
        { name: "details", type: "boolean", description: "every input of every resource in the human plan, not only placement and policies" },
    ],
    environment: ENVIRONMENT,
    notes: ["npm prints its own banner on stdout: for machine output use --out FILE, or npm run -s (silent) and redirect."],
    examples: [
        "npm run plan",
        "npm run plan -- --json --out out/plan.json",
        "npm run -s plan -- --mermaid > plan.mmd",
        "npm run plan -- --config-dir ../our-stacks",
    ],
};

export const CHECK_COMMAND: CommandSpec = {
    command: "npm run check --",
    summary:
        "Checks your stack files the way npm run plan and pulumi preview do (every stack's config, and what each stack reads from the others), without printing the plan. Exit 0 when they are valid, 1 with the plan's own message when not.",
    options: STACK_OPTIONS,
    environment: ENVIRONMENT,
    examples: ["npm run check", "npm run check -- --config-dir ../our-stacks"],
};

export interface PlanCliOptions {
    readonly stacks?: string[];
    readonly configDir: string;
    readonly format: Format;
    /** Every input of every resource in the human plan, not only the policies. */
    readonly details: boolean;
    /** Write the output here instead of stdout. */
    readonly out?: string;
}

/** Where the CLI writes: the process's streams, or a spec's buffers. */
export interface Io {
    stdout(text: string): void;
    stderr(text: string): void;
}

const PROJECT_DIR = resolve(__dirname, "..");

/** The options of a command line, "help", or a UsageError. */
export function parsePlanArgs(argv: readonly string[], spec: CommandSpec = PLAN_COMMAND, env: NodeJS.ProcessEnv = process.env): PlanCliOptions | "help" {
    const parsed = parseCommandLine(spec, argv);
    if (parsed === "help") {
        return "help";
    }
    const values = parsed.values as Record<string, string | boolean | undefined>;
    const chosen = [values.json ? "json" : undefined, values.mermaid ? "mermaid" : undefined, values.format as string | undefined].filter(
        (f): f is string => f !== undefined,
    );
    const bad = chosen.find((f) => !(FORMATS as readonly string[]).includes(f));
    if (bad !== undefined) {
        throw new UsageError(`--format ${bad}: the formats are ${FORMATS.join(", ")}`, spec);
    }
    if (new Set(chosen).size > 1) {
        throw new UsageError(`choose one output format, not ${[...new Set(chosen)].join(" and ")}`, spec);
    }
    const stacks =
        typeof values.stacks === "string"
            ? values.stacks
                  .split(",")
                  .map((s) => s.trim())
                  .filter(Boolean)
            : undefined;
    if (stacks !== undefined && stacks.length === 0) {
        throw new UsageError("--stacks names no stack", spec);
    }
    return {
        ...(stacks === undefined ? {} : { stacks }),
        configDir: typeof values["config-dir"] === "string" ? userPath(values["config-dir"], env) : PROJECT_DIR,
        format: (chosen[0] as Format | undefined) ?? "human",
        details: values.details === true,
        ...(typeof values.out === "string" ? { out: userPath(values.out, env) } : {}),
    };
}

/** A failed plan as the user reads it: where it stopped, and the program's own message. */
function failure(error: unknown): string {
    if (error instanceof PlanError) {
        return error.phase === 0 ? `${error.message}\n` : `Plan stopped at phase ${error.phase} (stack ${error.stack}):\n${error.message}\n`;
    }
    return `${error instanceof Error ? error.message : String(error)}\n`;
}

/**
 * Runs one of the commands: exit code 0 with its output, 2 for a command line it cannot run, 1 with
 * the reason on stderr. `plan` is the planner (specs pass one that plays each config folder once).
 */
async function runCommand(
    spec: CommandSpec,
    argv: readonly string[],
    io: Io,
    plan: typeof planRollout,
    done: (played: Plan, options: PlanCliOptions) => void,
    validate?: (options: PlanCliOptions) => string[],
) {
    let options: PlanCliOptions | "help";
    try {
        options = parsePlanArgs(argv, spec);
    } catch (error) {
        io.stderr(`${(error as Error).message}\n`);
        return error instanceof UsageError ? error.exitCode : 1;
    }
    if (options === "help") {
        io.stdout(usage(spec));
        return 0;
    }
    try {
        const problems = validate?.(options) ?? [];
        if (problems.length > 0) {
            io.stderr(`${problems.join("\n\n")}\n`);
            return 1;
        }
        done(await plan({ configDir: options.configDir, ...(options.stacks === undefined ? {} : { stacks: options.stacks }) }), options);
        return 0;
    } catch (error) {
        io.stderr(failure(error));
        return 1;
    }
}

/** npm run plan. */
export function main(argv: readonly string[], io: Io, plan: typeof planRollout = planRollout): Promise<number> {
    return runCommand(PLAN_COMMAND, argv, io, plan, (played, options) => {
        const render = {
            human: () => renderHuman(played, { details: options.details }),
            json: () => `${renderJson(played)}\n`,
            mermaid: () => renderMermaid(played),
        };
        const text = render[options.format]();
        if (options.out === undefined) {
            io.stdout(text);
        } else {
            mkdirSync(dirname(options.out), { recursive: true });
            writeFileSync(options.out, text);
            io.stderr(`Wrote the ${options.format} plan to ${options.out}\n`);
        }
    });
}

/** A stack's warnings (what pulumi preview would print as warnings), once each, under its line. */
function warningsOf(played: Plan, stack: string): string[] {
    const logs = played.phases.filter((p) => p.stack === stack).flatMap((p) => p.logs);
    return [...new Set(logs.filter((l) => l.startsWith("warning:")))].map((l) => `  ${l}`);
}

/**
 * npm run check: every stack file's own settings first, each file's problems at once; then, when all
 * are valid, the plan's validation of what the stacks read from each other. A line per stack, with
 * its warnings under it; no plan.
 */
export function check(argv: readonly string[], io: Io, plan: typeof planRollout = planRollout): Promise<number> {
    return runCommand(
        CHECK_COMMAND,
        argv,
        io,
        plan,
        (played) => {
            const owners = [...new Set(played.phases.filter((p) => p.phase !== 2).map((p) => p.stack))];
            const locked = played.phases.filter((p) => p.phase !== 2).flatMap((p) => (Array.isArray(p.outputs.lockedVpceIds) ? p.outputs.lockedVpceIds : []));
            const consumers = played.phases
                .filter((p) => p.phase === 2)
                .flatMap((p) => [
                    `Pulumi.${p.stack}.yaml: valid (consumer; ${locked.includes(p.outputs.vpceId) ? "granted, and locked to its endpoint" : "not granted or locked"})`,
                    ...warningsOf(played, p.stack),
                ]);
            io.stdout(
                [
                    ...owners.flatMap((owner) => [`Pulumi.${owner}.yaml: valid (owner)`, ...warningsOf(played, owner)]),
                    ...consumers,
                    ...played.unlisted.map(
                        (u) => `Pulumi.${u.stack}.yaml: not on the owner's consumers list, so it gets nothing; npm run plan shows how to finish`,
                    ),
                ].join("\n") + "\n",
            );
        },
        (options) => stackFileProblems(options.configDir, options.stacks),
    );
}

if (require.main === module) {
    skipPulumiPromiseStacks();
    const command = process.argv[2] === "check" ? check : main;
    const argv = process.argv.slice(process.argv[2] === "check" ? 3 : 2);
    void command(argv, { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) }).then((code) => {
        process.exitCode = code;
    });
}
