import { CommandError, ConcurrentUpdateError, StackNotFoundError } from "@pulumi/pulumi/automation";

/** How many of the engine's last lines a failure shows: it already streamed the rest. */
const TAIL_LINES = 8;

/**
 * A failed operation in words a person can act on. The SDK's CommandError message repeats all the
 * output the engine already streamed; only the tail of its stderr is shown.
 */
export function explainEngineError(error: unknown, stack: string): string {
    if (error instanceof ConcurrentUpdateError) {
        return (
            `stack ${stack} is locked by another update, or by one that was interrupted. Check that nothing else is deploying it ` +
            `(another terminal, a CI job), then release the lock: pulumi cancel --stack ${stack} --yes`
        );
    }
    if (error instanceof StackNotFoundError) {
        return `stack ${stack} does not exist in this backend: pulumi stack init ${stack} (npm run deploy creates missing stacks)`;
    }
    if (error instanceof CommandError) {
        const stderr = (error as unknown as { commandResult?: { stderr?: string } }).commandResult?.stderr ?? "";
        const tail = stderr
            .split("\n")
            .map((l) => l.trimEnd())
            .filter((l) => l.trim() !== "")
            .slice(-TAIL_LINES);
        return tail.length > 0 ? tail.join("\n") : "the Pulumi CLI failed without a message on stderr";
    }
    return error instanceof Error ? error.message : String(error);
}
