/**
 * npm run plan [-- --stacks owner,consumer] [--config-dir DIR] [--json]
 * Plays a first rollout offline and prints it; exits 1, with nothing on stdout, when a stack's
 * config or inputs are invalid.
 */
import { resolve } from "path";
import { planRollout, PlanError } from "./plan";
import { renderHuman, renderJson } from "./planReport";

interface Args {
    stacks?: string[];
    configDir: string;
    json: boolean;
}

const USAGE = "usage: npm run plan -- [--stacks owner,consumer,…] [--config-dir DIR] [--json]";

function parseArgs(argv: string[]): Args {
    const args: Args = { configDir: resolve(__dirname, ".."), json: false };
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        const value = () => {
            const v = argv[++i];
            if (v === undefined || v.startsWith("--")) {
                throw new Error(`${arg} needs a value\n${USAGE}`);
            }
            return v;
        };
        if (arg === "--json") {
            args.json = true;
        } else if (arg === "--stacks") {
            args.stacks = value().split(",").map((s) => s.trim()).filter(Boolean);
        } else if (arg === "--config-dir") {
            args.configDir = resolve(value());
        } else if (arg === "--help" || arg === "-h") {
            process.stdout.write(`${USAGE}\n`);
            process.exit(0);
        } else {
            throw new Error(`unknown option ${arg}\n${USAGE}`);
        }
    }
    return args;
}

async function main(): Promise<void> {
    const args = parseArgs(process.argv.slice(2));
    const plan = await planRollout({ configDir: args.configDir, stacks: args.stacks });
    process.stdout.write(args.json ? `${renderJson(plan)}\n` : renderHuman(plan));
}

main().catch((error: unknown) => {
    if (error instanceof PlanError) {
        process.stderr.write(`Plan stopped at phase ${error.phase} (stack ${error.stack}):\n${error.message}\n`);
    } else {
        process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    }
    process.exit(1);
});
