/**
 * npm run verify [-- --probe-instance <consumer stack>=<instance id> …] [--logs] [--analyzer NAME]
 * npm run verify -- --planned
 * Checks the real thing with AWS's own evaluators; see docs/operations.md.
 */
import { resolve } from "path";
import { parseArgs } from "util";
import { AccountSettings } from "../config/account";
import { consumerSettingsOf, ownerSettingsOf, readProjectFiles } from "../config/stack-files";
import { skipPulumiPromiseStacks } from "../offline/fast-stacks";
import { planRollout } from "../offline/plan";
import { automationOperations, profileVariable } from "../rollout/automation";
import { table } from "../rollout/table";
import { AccountApi, clientsFor } from "./aws";
import { CheckRow, failed } from "./judge";
import { plannedDocuments } from "./planned-documents";
import { MissingCredentials, verifyDeployed, verifyPlanned, VerifyOptions } from "./run";

const USAGE = "usage: npm run verify -- [--probe-instance <consumer stack>=<instance id> …] [--logs] [--analyzer NAME] | npm run verify -- --planned";

export interface VerifyArgs extends VerifyOptions {
    readonly planned: boolean;
    readonly configDir: string;
}

export function parseVerifyArgs(argv: readonly string[], defaultConfigDir = resolve(__dirname, "..")): VerifyArgs {
    let parsed;
    try {
        parsed = parseArgs({
            args: [...argv],
            strict: true,
            options: {
                planned: { type: "boolean" },
                "probe-instance": { type: "string", multiple: true },
                logs: { type: "boolean" },
                analyzer: { type: "string" },
                "config-dir": { type: "string" },
            },
        });
    } catch (error) {
        const unknown = /Unknown option '([^']+)'/.exec(String((error as Error).message));
        throw new Error(`${unknown ? `unknown option ${unknown[1]}` : (error as Error).message}\n${USAGE}`);
    }
    const { values } = parsed;
    const probes: Record<string, string> = {};
    for (const probe of values["probe-instance"] ?? []) {
        const match = /^([\w.-]+)=(i-[0-9a-f]{8,17})$/.exec(probe);
        if (match === null) {
            throw new Error(`--probe-instance ${probe}: write <consumer stack>=<instance id>, e.g. consumer=i-0123456789abcdef0\n${USAGE}`);
        }
        probes[match[1]] = match[2];
    }
    if (values.planned && (Object.keys(probes).length > 0 || values.logs)) {
        throw new Error(`--planned checks documents only; --probe-instance and --logs go with a deployed rollout\n${USAGE}`);
    }
    return {
        planned: values.planned === true,
        probes,
        logs: values.logs === true,
        ...(values.analyzer === undefined ? {} : { analyzer: values.analyzer }),
        configDir: values["config-dir"] === undefined ? defaultConfigDir : resolve(values["config-dir"]),
    };
}

/** What verify needs from outside: the deployed stacks' outputs, and each account's AWS API. */
export interface VerifyDeps {
    /** A stack's outputs (`{}` when never deployed); fails when the Pulumi CLI or the backend cannot be reached. */
    outputs(stack: string): Promise<Record<string, unknown>>;
    api(stack: string, settings: AccountSettings): AccountApi;
    /** The offline planner behind `--planned`. @default planRollout */
    plan?: typeof planRollout;
}

export function defaultDeps(dir: string, env: NodeJS.ProcessEnv = process.env): VerifyDeps {
    let ops: ReturnType<typeof automationOperations> | undefined;
    return {
        async outputs(stack) {
            ops ??= automationOperations(dir);
            return (await ops).outputs(stack);
        },
        api: (stack, settings) => new AccountApi(clientsFor(settings.region, env[profileVariable(stack)] ?? settings.profile)),
    };
}

export interface Io {
    stdout(text: string): void;
    stderr(text: string): void;
}

export async function main(argv: readonly string[], io: Io, deps?: VerifyDeps): Promise<number> {
    try {
        const args = parseVerifyArgs(argv);
        const files = readProjectFiles(args.configDir);
        const stacks = {
            owner: { stack: files.owner.stack, settings: ownerSettingsOf(files.owner) },
            consumers: files.consumers.map((f) => ({ stack: f.stack, settings: consumerSettingsOf(f) })),
        };
        const use = deps ?? defaultDeps(args.configDir);
        const settingsOf = (stack: string): AccountSettings =>
            stack === stacks.owner.stack ? stacks.owner.settings : stacks.consumers.find((c) => c.stack === stack)!.settings;
        const apis = new Map<string, AccountApi>();
        const apiFor = (stack: string) => apis.get(stack) ?? apis.set(stack, use.api(stack, settingsOf(stack))).get(stack)!;
        const credentials = (stack: string) => new MissingCredentials(stack, settingsOf(stack).accountId, profileVariable(stack));

        let rows: CheckRow[];
        if (args.planned) {
            skipPulumiPromiseStacks();
            const docs = plannedDocuments(await (use.plan ?? planRollout)({ configDir: args.configDir }));
            let ownerOutputs: Record<string, unknown> = {};
            try {
                ownerOutputs = await use.outputs(stacks.owner.stack);
            } catch (error) {
                io.stderr(`Not comparing with the live bucket policy: ${(error as Error).message.split("\n")[0]}\n`);
            }
            const live = typeof ownerOutputs.bucketName === "string" ? { stack: stacks.owner.stack, bucket: ownerOutputs.bucketName } : undefined;
            rows = await verifyPlanned(docs, apiFor, credentials, live);
        } else {
            const owner = { ...stacks.owner, outputs: await use.outputs(stacks.owner.stack) };
            if (owner.outputs.bucketArn === undefined) {
                io.stderr(
                    `The owner stack ${owner.stack} has no outputs: deploy first (npm run deploy), or check a change with npm run verify -- --planned.\n`,
                );
                return 1;
            }
            const consumers = await Promise.all(stacks.consumers.map(async (c) => ({ ...c, outputs: await use.outputs(c.stack) })));
            rows = await verifyDeployed(owner, consumers, apiFor, credentials, args);
        }
        io.stdout(
            `${table(
                ["stack", "check", "result", "detail"],
                rows.map((r) => [r.stack, r.check, r.result.toUpperCase(), r.detail]),
            )}\n`,
        );
        io.stdout(failed(rows) ? "\nVerify failed: see the rows marked FAIL.\n" : "\nEverything verify checks holds.\n");
        return failed(rows) ? 1 : 0;
    } catch (error) {
        io.stderr(`${error instanceof Error ? error.message : String(error)}\n`);
        return 1;
    }
}

if (require.main === module) {
    // Exit explicitly: the SDK's keep-alive sockets and the Pulumi CLI's children must not hold the process.
    void main(process.argv.slice(2), { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) }).then((code) => process.exit(code));
}
