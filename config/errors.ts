/**
 * One problem with one input: which key, what it held, which rule it broke, and how to fix it.
 * `key` is the full config key (`cross-account-s3:accountId`) or, for a value read from another
 * stack, `<stack> output <name>`.
 */
export interface Issue {
    readonly key: string;
    readonly value: unknown;
    readonly rule: string;
    readonly fix: string;
}

/**
 * Every problem found in a stack's inputs, reported at once. Thrown before any resource is created,
 * so a failed preview leaves nothing half-built.
 */
export class ConfigError extends Error {
    constructor(
        readonly context: string,
        readonly issues: readonly Issue[],
    ) {
        super(formatIssues(context, issues));
        this.name = "ConfigError";
    }
}

export function formatIssues(context: string, issues: readonly Issue[]): string {
    const count = issues.length === 1 ? "1 problem" : `${issues.length} problems`;
    const lines = issues.map((i) => `  - ${i.key} = ${describe(i.value)}: ${i.rule}.\n    Fix: ${i.fix}`);
    return `${context} (${count}):\n${lines.join("\n")}`;
}

function describe(value: unknown): string {
    if (value === undefined) {
        return "(not set)";
    }
    return JSON.stringify(value);
}

/** Collects issues while settings are parsed; `throwIfAny` ends the parse. */
export class IssueList {
    private readonly items: Issue[] = [];

    add(key: string, value: unknown, rule: string, fix: string): void {
        this.items.push({ key, value, rule, fix });
    }

    get size(): number {
        return this.items.length;
    }

    throwIfAny(context: string): void {
        if (this.items.length > 0) {
            throw new ConfigError(context, this.items);
        }
    }
}
