/**
 * What the rollout needs from Pulumi, per stack. The real implementation drives the Pulumi CLI
 * through the Automation API (automation.ts); specs drive the rollout with a recording fake.
 */

/** Resource operations by kind, as the engine counts them ("same", "create", "update", …). */
export type ChangeCounts = Readonly<Partial<Record<string, number>>>;

/** How one operation runs. */
export interface RunOptions {
    /** The engine's output, as it streams. */
    readonly onOutput: (text: string) => void;
    /** Aborting it stops the engine cleanly (Ctrl-C). */
    readonly signal?: AbortSignal;
    /** Refresh the stack's state from the cloud first (`--refresh`). */
    readonly refresh?: boolean;
    /** Policy pack folders the engine runs with (`--policy-pack`); up and preview only. */
    readonly policyPacks?: readonly string[];
}

export interface StackOperations {
    /** Names (without organization or project) of the stacks that exist in the backend. */
    existingStacks(): Promise<string[]>;
    createStack(stack: string): Promise<void>;
    up(stack: string, options: RunOptions): Promise<ChangeCounts>;
    preview(stack: string, options: RunOptions): Promise<ChangeCounts>;
    /** Destroys every resource of the stack but the protected ones (`pulumi destroy --exclude-protected`). */
    destroy(stack: string, options: RunOptions): Promise<ChangeCounts>;
    /** A refreshing preview: what an update would change after reading the cloud, i.e. the drift from the code. */
    drift(stack: string, options: RunOptions): Promise<ChangeCounts>;
    /** The stack's outputs; `{}` for a stack that was never deployed. Never changes the selected stack. */
    outputs(stack: string): Promise<Record<string, unknown>>;
}

/** How many resources an operation changed: everything but "same". */
export function changed(counts: ChangeCounts): number {
    return Object.entries(counts).reduce((sum, [kind, n]) => (kind === "same" ? sum : sum + (n ?? 0)), 0);
}
