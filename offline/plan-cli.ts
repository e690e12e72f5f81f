/**
 * npm run plan [-- --stacks owner,consumer] [--config-dir DIR] [--json | --mermaid | --format F] [--details]
 * Plays a first rollout offline and prints it; exits 1, with nothing on stdout, when a stack's
 * config or inputs are invalid.
 */
import { resolve } from "path";
import { parseArgs } from "util";
import { planRollout, PlanError } from "./plan";
import { renderHuman, renderJson } from "./planReport";
import { skipPulumiPromiseStacks } from "./fast-stacks";
import { renderMermaid } from "./planPicture";

const USAGE = "usage: npm run plan -- [--stacks owner,consumer,…] [--config-dir DIR] [--json | --mermaid | --format human|json|mermaid] [--details]";
const FORMATS = ["human", "json", "mermaid"] as const;
type Format = (typeof FORMATS)[number];

export interface PlanCliOptions {
    readonly stacks?: string[];
    readonly configDir: string;
    readonly format: Format;
    /** Every input of every resource in the human plan, not only the policies. */
    readonly details: boolean;
}

/** Where the CLI writes: the process's streams, or a spec's buffers. */
export interface Io {
    stdout(text: string): void;
    stderr(text: string): void;
}

/** The options of a command line, or an Error whose message ends with the usage. */
export function parsePlanArgs(argv: readonly string[], defaultConfigDir = resolve(__dirname, "..")): PlanCliOptions | "help" {
    let parsed;
    try {
        parsed = parseArgs({
            args: [...argv],
            strict: true,
            allowPositionals: false,
            options: {
                stacks: { type: "string" },
                "config-dir": { type: "string" },
                json: { type: "boolean" },
                mermaid: { type: "boolean" },
                format: { type: "string" },
                details: { type: "boolean" },
                help: { type: "boolean", short: "h" },
            },
        });
    } catch (error) {
        const unknown = /Unknown option '([^']+)'/.exec(String((error as Error).message));
        throw new Error(`${unknown ? `unknown option ${unknown[1]}` : (error as Error).message}\n${USAGE}`);
    }
    const { values } = parsed;
    if (values.help) {
        return "help";
    }
    const chosen = [values.json ? "json" : undefined, values.mermaid ? "mermaid" : undefined, values.format].filter((f): f is string => f !== undefined);
    const bad = chosen.find((f) => !(FORMATS as readonly string[]).includes(f));
    if (bad !== undefined) {
        throw new Error(`--format ${bad}: the formats are ${FORMATS.join(", ")}\n${USAGE}`);
    }
    if (new Set(chosen).size > 1) {
        throw new Error(`choose one output format, not ${[...new Set(chosen)].join(" and ")}\n${USAGE}`);
    }
    return {
        ...(values.stacks === undefined
            ? {}
            : {
                  stacks: values.stacks
                      .split(",")
                      .map((s) => s.trim())
                      .filter(Boolean),
              }),
        configDir: values["config-dir"] === undefined ? defaultConfigDir : resolve(values["config-dir"]),
        format: (chosen[0] as Format | undefined) ?? "human",
        details: values.details === true,
    };
}

/**
 * The command: exit code 0 with the plan on stdout, or 1 with the reason on stderr. `plan` is the
 * planner (specs pass one that plays each config folder once for the whole suite).
 */
export async function main(argv: readonly string[], io: Io, plan: typeof planRollout = planRollout): Promise<number> {
    try {
        const options = parsePlanArgs(argv);
        if (options === "help") {
            io.stdout(`${USAGE}\n`);
            return 0;
        }
        const played = await plan({ configDir: options.configDir, stacks: options.stacks });
        const render = {
            human: () => renderHuman(played, { details: options.details }),
            json: () => `${renderJson(played)}\n`,
            mermaid: () => renderMermaid(played),
        };
        io.stdout(render[options.format]());
        return 0;
    } catch (error) {
        if (error instanceof PlanError) {
            io.stderr(`Plan stopped at phase ${error.phase} (stack ${error.stack}):\n${error.message}\n`);
        } else {
            io.stderr(`${error instanceof Error ? error.message : String(error)}\n`);
        }
        return 1;
    }
}

if (require.main === module) {
    skipPulumiPromiseStacks();
    void main(process.argv.slice(2), { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) }).then((code) => {
        process.exitCode = code;
    });
}
