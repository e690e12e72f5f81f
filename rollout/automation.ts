import { LocalWorkspace, LocalWorkspaceOptions, OutputMap, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import { ChangeCounts, StackOperations } from "./operations";

/** `AWS_PROFILE_<STACK>` (stack name upper-cased, other characters as `_`) selects a stack's credentials. */
export function profileVariable(stack: string): string {
    return `AWS_PROFILE_${stack.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
}

/** Environment for one stack's operations: its own AWS profile when the environment names one. */
export function stackEnvironment(stack: string, env: NodeJS.ProcessEnv): Record<string, string> {
    const profile = env[profileVariable(stack)];
    return profile ? { AWS_PROFILE: profile } : {};
}

export class PulumiCliMissing extends Error {
    constructor(cause: unknown) {
        super(
            "The Pulumi CLI was not found on PATH, and the rollout commands drive it. " +
                "Install it (https://www.pulumi.com/docs/install/), log in to the backend that holds these stacks, and run again.",
            { cause },
        );
        this.name = "PulumiCliMissing";
    }
}

/**
 * StackOperations over the Pulumi CLI (Automation API, LocalWorkspace on the project folder). Stack
 * names, the backend and secrets provider come from the project (Pulumi.yaml, Pulumi.<stack>.yaml)
 * and the environment (PULUMI_BACKEND_URL, PULUMI_ACCESS_TOKEN, PULUMI_CONFIG_PASSPHRASE).
 */
export async function automationOperations(workDir: string, env: NodeJS.ProcessEnv = process.env, pulumiRoot?: string): Promise<StackOperations> {
    let pulumiCommand: PulumiCommand;
    try {
        pulumiCommand = await PulumiCommand.get(pulumiRoot ? { root: pulumiRoot } : {});
    } catch (error) {
        throw new PulumiCliMissing(error);
    }
    const options = (stack?: string): LocalWorkspaceOptions => ({ workDir, pulumiCommand, envVars: stack ? stackEnvironment(stack, env) : {} });
    const select = (stack: string): Promise<Stack> => LocalWorkspace.selectStack({ stackName: stack, workDir }, options(stack));
    const counts = (map: ChangeCounts | undefined): ChangeCounts => map ?? {};
    const values = (outputs: OutputMap) => Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, v.value]));

    return {
        async existingStacks() {
            const workspace = await LocalWorkspace.create(options());
            return (await workspace.listStacks()).map((s) => s.name.split("/").pop() ?? s.name);
        },
        async createStack(stack) {
            await LocalWorkspace.createStack({ stackName: stack, workDir }, options(stack));
        },
        async up(stack, onOutput) {
            return counts((await (await select(stack)).up({ onOutput })).summary.resourceChanges);
        },
        async preview(stack, onOutput) {
            return counts((await (await select(stack)).preview({ onOutput })).changeSummary);
        },
        async destroy(stack, onOutput) {
            // The shared bucket and its key are protected: destroy everything else and leave them in state.
            return counts((await (await select(stack)).destroy({ onOutput, excludeProtected: true })).summary.resourceChanges);
        },
        async outputs(stack) {
            return values(await (await select(stack)).outputs());
        },
    };
}
