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

/**
 * The mandatory policy violations the engine printed when a policy pack refused an operation
 * (the "Policy Violations:" section of its output), or undefined when the failure was something else.
 */
export function policyViolation(error: unknown): string | undefined {
    if (!(error instanceof CommandError)) {
        return undefined;
    }
    const result = (error as unknown as { commandResult?: { stdout?: string; stderr?: string } }).commandResult;
    const lines = `${result?.stdout ?? ""}\n${result?.stderr ?? ""}`.split("\n").map((l) => l.trimEnd());
    const start = lines.findIndex((l) => l.trim() === "Policy Violations:" || l.trim() === "Policy violations:");
    if (start < 0) {
        return undefined;
    }
    const section: string[] = [];
    for (const line of lines.slice(start + 1)) {
        if (line !== "" && !/^\s/.test(line)) break; // the next section ("Resources:", "Duration:")
        if (line.trim() !== "") section.push(line.trim());
    }
    return section.some((l) => l.includes("[mandatory]")) ? section.join("\n") : undefined;
}
