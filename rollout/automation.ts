import { readFileSync } from "fs";
import { join } from "path";
import { LocalWorkspace, LocalWorkspaceOptions, OutputMap, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import { satisfies } from "semver";
import { parse } from "yaml";
import { ChangeCounts, StackOperations } from "./operations";
import { variableStackName } from "../domain/stack-identity";

/** `AWS_PROFILE_<STACK>` (stack name upper-cased, other characters as `_`) selects a stack's credentials. */
export function profileVariable(stack: string): string {
    return `AWS_PROFILE_${variableStackName(stack)}`;
}

/** Environment for one stack's operations: its own AWS profile when the environment names one. */
export function stackEnvironment(stack: string, env: NodeJS.ProcessEnv): Record<string, string> {
    const profile = env[profileVariable(stack)];
    return profile ? { AWS_PROFILE: profile } : {};
}

export class PulumiCliMissing extends Error {
    constructor(cause: unknown) {
        super(
            "The Pulumi CLI was not found on PATH, and the rollout commands and verify read the stacks through it. " +
                "Install it (https://www.pulumi.com/docs/install/), log in to the backend that holds these stacks, and run again.",
            { cause },
        );
        this.name = "PulumiCliMissing";
    }
}

/** The Pulumi CLI versions the project accepts: `requiredPulumiVersion` in its Pulumi.yaml. */
export function requiredPulumiVersion(workDir: string): string | undefined {
    const project = parse(readFileSync(join(workDir, "Pulumi.yaml"), "utf8")) as { requiredPulumiVersion?: unknown } | null;
    return typeof project?.requiredPulumiVersion === "string" ? project.requiredPulumiVersion : undefined;
}

export class PulumiCliVersion extends Error {
    constructor(found: string, required: string) {
        super(
            `The Pulumi CLI on PATH is ${found}, and this project needs ${required} (requiredPulumiVersion in Pulumi.yaml): ` +
                `the rollout relies on options older CLIs lack. Install a matching one (https://www.pulumi.com/docs/install/, ` +
                `e.g. curl -fsSL https://get.pulumi.com | sh -s -- --version <version>) and run again.`,
        );
        this.name = "PulumiCliVersion";
    }
}

/** The CLI on PATH (or under `root`), refused unless its version is in the project's range. */
export async function pulumiCli(workDir: string, root?: string): Promise<PulumiCommand> {
    let command: PulumiCommand;
    try {
        command = await PulumiCommand.get(root ? { root } : {});
    } catch (error) {
        throw new PulumiCliMissing(error);
    }
    const required = requiredPulumiVersion(workDir);
    if (required !== undefined && (command.version === null || !satisfies(command.version, required))) {
        throw new PulumiCliVersion(command.version?.version ?? "of unknown version", required);
    }
    return command;
}

/**
 * A workspace whose `selectStack` only checks that the stack exists (it reads the stack's outputs)
 * instead of running `pulumi stack select`: every operation names its stack with `--stack`, so the
 * stack the user has selected for this project stays as it was.
 */
export function withoutSelecting<W extends { selectStack(name: string): Promise<void>; stackOutputs(name: string): Promise<unknown> }>(workspace: W): W {
    workspace.selectStack = async (name: string) => {
        await workspace.stackOutputs(name);
    };
    return workspace;
}

/**
 * StackOperations over the Pulumi CLI (Automation API, LocalWorkspace on the project folder). Stack
 * names, the backend and secrets provider come from the project (Pulumi.yaml, Pulumi.<stack>.yaml)
 * and the environment (PULUMI_BACKEND_URL, PULUMI_ACCESS_TOKEN, PULUMI_CONFIG_PASSPHRASE). Nothing
 * here selects a stack.
 */
export async function automationOperations(workDir: string, env: NodeJS.ProcessEnv = process.env, pulumiRoot?: string): Promise<StackOperations> {
    const pulumiCommand = await pulumiCli(workDir, pulumiRoot);
    const options = (stack?: string): LocalWorkspaceOptions => ({ workDir, pulumiCommand, envVars: stack ? stackEnvironment(stack, env) : {} });
    const workspace = async (stack?: string) => withoutSelecting(await LocalWorkspace.create(options(stack)));
    const stackOf = async (stack: string): Promise<Stack> => Stack.select(stack, await workspace(stack));
    const counts = (map: ChangeCounts | undefined): ChangeCounts => map ?? {};
    const values = (outputs: OutputMap) => Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, v.value]));

    return {
        async existingStacks() {
            return (await (await workspace()).listStacks()).map((s) => s.name.split("/").pop() ?? s.name);
        },
        async createStack(stack) {
            // `pulumi stack init` selects the new stack: select the user's stack again afterwards.
            const plain = await LocalWorkspace.create(options(stack));
            const selected = (await plain.stack())?.name;
            await plain.createStack(stack);
            if (selected !== undefined) {
                await plain.selectStack(selected);
            }
        },
        async up(stack, { onOutput, signal, refresh, policyPacks }) {
            return counts(
                (await (await stackOf(stack)).up({ onOutput, signal, refresh, policyPacks: policyPacks && [...policyPacks] })).summary.resourceChanges,
            );
        },
        async preview(stack, { onOutput, signal, refresh, policyPacks }) {
            return counts((await (await stackOf(stack)).preview({ onOutput, signal, refresh, policyPacks: policyPacks && [...policyPacks] })).changeSummary);
        },
        async destroy(stack, { onOutput, signal }) {
            // The shared bucket and its key are protected: destroy everything else and leave them in state.
            // `pulumi destroy` takes no policy pack: policies validate resources being created or updated.
            return counts((await (await stackOf(stack)).destroy({ onOutput, signal, excludeProtected: true })).summary.resourceChanges);
        },
        async drift(stack, { onOutput, signal }) {
            return counts((await (await stackOf(stack)).preview({ onOutput, signal, refresh: true })).changeSummary);
        },
        async outputs(stack) {
            return values(await (await workspace(stack)).stackOutputs(stack));
        },
    };
}
