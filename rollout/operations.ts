/**
 * What the rollout needs from Pulumi, per stack. The real implementation drives the Pulumi CLI
 * through the Automation API (automation.ts); specs drive the rollout with a recording fake.
 */

/** Resource operations by kind, as the engine counts them ("same", "create", "update", …). */
export type ChangeCounts = Readonly<Partial<Record<string, number>>>;

export interface StackOperations {
    /** Names (without organization or project) of the stacks that exist in the backend. */
    existingStacks(): Promise<string[]>;
    createStack(stack: string): Promise<void>;
    up(stack: string, onOutput: (text: string) => void): Promise<ChangeCounts>;
    preview(stack: string, onOutput: (text: string) => void): Promise<ChangeCounts>;
    /** Destroys every resource of the stack but the protected ones (`pulumi destroy --exclude-protected`). */
    destroy(stack: string, onOutput: (text: string) => void): Promise<ChangeCounts>;
    /** The stack's outputs; `{}` for a stack that was never deployed. */
    outputs(stack: string): Promise<Record<string, unknown>>;
}

/** How many resources an operation changed: everything but "same". */
export function changed(counts: ChangeCounts): number {
    return Object.entries(counts).reduce((sum, [kind, n]) => (kind === "same" ? sum : sum + (n ?? 0)), 0);
}
