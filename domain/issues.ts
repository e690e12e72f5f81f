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

/**
 * Collects issues while inputs are checked; `throwIfAny` ends the check. `check` is the one way to
 * record a problem: config, components and the contract between stacks all go through it.
 */
export class IssueList {
    private readonly list: Issue[] = [];

    /**
     * Records a problem when `broken` names the rule `value` broke (a Rule's result, or a rule text
     * guarded by a condition); returns whether the value is fine.
     */
    check(key: string, value: unknown, broken: string | false | undefined, fix: string): boolean {
        if (broken === undefined || broken === false) {
            return true;
        }
        this.list.push({ key, value, rule: broken, fix });
        return false;
    }

    get items(): readonly Issue[] {
        return this.list;
    }

    get size(): number {
        return this.list.length;
    }

    throwIfAny(context: string): void {
        if (this.list.length > 0) {
            throw new ConfigError(context, this.list);
        }
    }
}
