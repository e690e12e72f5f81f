import { didYouMean, oneOf, repeatedAt, Rule, wholeNumber } from "../domain/rules";
import { IssueList } from "../domain/issues";
import { stackFileName } from "../domain/stack-identity";

/** The value a fix line suggests: a fixed example, or one chosen from the value given (a typo's correction). */
export type Example = string | ((value: string | undefined) => string);

/**
 * Reads one namespace of raw stack config (the strings Pulumi stores, objects as JSON) and records an
 * issue for every value that is missing or breaks its rule, instead of stopping at the first.
 */
export class ConfigReader {
    readonly issues = new IssueList();

    /**
     * @param raw this namespace's config, keys without the namespace
     * @param elsewhere the rest of the stack's config, full keys (`aws:region`), or bare keys a stack
     *   file may hold: checked for settings of this stack put under the wrong key
     * @param stack the stack whose config this is: fix lines name it (`-s <stack>`) and its file
     */
    constructor(
        readonly namespace: string,
        private readonly raw: Readonly<Record<string, string>>,
        private readonly elsewhere: Readonly<Record<string, unknown>> = {},
        readonly stack?: string,
    ) {}

    /** The stack file a user edits: `Pulumi.<stack>.yaml`. */
    get file(): string {
        return this.stack === undefined ? "Pulumi.<stack>.yaml" : stackFileName(this.stack);
    }

    /** The command that sets `name` (a path such as `consumers[0].prefix` too) to `value` on this stack. */
    setLine(name: string, value: string): string {
        const target = /[[.]/.test(name) ? `--path '${this.key(name)}'` : this.key(name);
        return `pulumi config set ${target} ${value}${this.stack === undefined ? "" : ` -s ${this.stack}`}`;
    }

    /** The command that removes `name` from this stack's config. */
    removeLine(name: string): string {
        return `pulumi config rm ${this.key(name)}${this.stack === undefined ? "" : ` -s ${this.stack}`}`;
    }

    /** The full key as a user types it: `cross-account-s3:accountId`. */
    key(name: string): string {
        return `${this.namespace}:${name}`;
    }

    has(name: string): boolean {
        return this.raw[name] !== undefined;
    }

    /** A required string that must satisfy `rule`. */
    require(name: string, rule: Rule, example: Example): string {
        const value = this.raw[name];
        if (
            !this.issues.check(this.key(name), value, (value === undefined || value === "") && "is required", this.setLine(name, suggested(example, undefined)))
        ) {
            return "";
        }
        return this.check(name, value, rule, example);
    }

    /** An optional string that, when set, must satisfy `rule`. */
    optional(name: string, rule: Rule, example: Example): string | undefined {
        const value = this.raw[name];
        return value === undefined ? undefined : this.check(name, value, rule, example);
    }

    /** One of a fixed set of values, with a default. */
    oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
        const value = this.raw[name];
        if (value === undefined) {
            return fallback;
        }
        const rule = oneOf(allowed);
        this.check(name, value, rule, (v) => (v === undefined ? undefined : didYouMean(v, allowed)) ?? fallback);
        return rule(value) === undefined ? (value as T) : fallback;
    }

    /** true or false, with a default. */
    boolean(name: string, fallback: boolean): boolean {
        const value = this.raw[name];
        if (
            value === undefined ||
            !this.issues.check(this.key(name), value, oneOf(["true", "false"])(value) && "must be true or false", this.setLine(name, String(fallback)))
        ) {
            return fallback;
        }
        return value === "true";
    }

    /** A whole number within bounds, with a default. */
    integer(name: string, fallback: number, min: number, max: number): number {
        const value = this.raw[name];
        if (value === undefined || !this.issues.check(this.key(name), value, wholeNumber(min, max)(value), this.setLine(name, String(fallback)))) {
            return fallback;
        }
        return Number(value);
    }

    /** A structured value (YAML object or list in the stack file), parsed from its JSON form. */
    json(name: string): unknown {
        const value = this.raw[name];
        if (value === undefined) {
            return undefined;
        }
        try {
            return JSON.parse(value);
        } catch {
            this.issues.check(
                this.key(name),
                value,
                "must be a structured value (a YAML list or map), not a plain string",
                `write it as YAML under ${this.key(name)} in ${this.file}, or use pulumi config set --path … -s ${this.stack ?? "<stack>"}`,
            );
            return undefined;
        }
    }

    /** A list of strings, each satisfying `rule`, without duplicates. */
    list(name: string, rule: Rule, example: Example): string[] {
        const value = this.json(name);
        if (value === undefined) {
            return [];
        }
        const strings = Array.isArray(value) && value.every((v) => typeof v === "string");
        if (
            !this.issues.check(
                this.key(name),
                value,
                !strings && "must be a list of strings",
                `set it as a YAML list in ${this.file}: [${suggested(example, undefined)}]`,
            )
        ) {
            return [];
        }
        const items = value as string[];
        for (const [index, item] of items.entries()) {
            this.check(`${name}[${index}]`, item, rule, example);
            this.issues.check(this.key(`${name}[${index}]`), item, repeatedAt(items, index), "remove the duplicate");
        }
        return items;
    }

    /** A map of string to string (tags). */
    stringMap(name: string): Record<string, string> {
        const value = this.json(name);
        if (value === undefined) {
            return {};
        }
        const isMap = typeof value === "object" && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === "string");
        if (
            !this.issues.check(
                this.key(name),
                value,
                !isMap && "must be a map of string to string",
                `set it as a YAML map in ${this.file}, e.g. team: platform`,
            )
        ) {
            return {};
        }
        return value as Record<string, string>;
    }

    /**
     * Keys in this namespace that nothing reads (almost always a typo), and this stack's settings put
     * under another namespace (`aws:region`) or none (`accountId:`) where the right key is not set.
     */
    rejectUnknown(known: readonly string[]): void {
        for (const name of Object.keys(this.raw)) {
            const close = didYouMean(name, known);
            this.issues.check(
                this.key(name),
                this.raw[name],
                !known.includes(name) && "is not a setting of this stack (unknown key)",
                close ? `did you mean ${this.key(close)}? Rename the key in ${this.file}` : `remove it from ${this.file}; the settings are ${known.join(", ")}`,
            );
        }
        for (const [fullKey, value] of Object.entries(this.elsewhere)) {
            const colon = fullKey.lastIndexOf(":");
            const name = fullKey.slice(colon + 1);
            const bare = colon < 0;
            const where = bare ? "has no namespace" : `is in the ${fullKey.slice(0, colon)} namespace`;
            const misplaced = known.includes(name) && (bare || !this.has(name));
            this.issues.check(
                fullKey,
                value,
                misplaced && `is not a setting of this stack (unknown key): it ${where}, and this stack reads ${this.key(name)}`,
                `did you mean ${this.key(name)}? Rename the key in ${this.file}`,
            );
        }
    }

    /** Checks a value against its rule; the fix is the `pulumi config set` line with the suggested value. */
    private check(name: string, value: string, rule: Rule, example: Example): string {
        this.issues.check(this.key(name), value, rule(value), this.setLine(name, suggested(example, value)));
        return value;
    }
}

const suggested = (example: Example, value: string | undefined): string => (typeof example === "string" ? example : example(value));

/** Config values as Pulumi stores them: strings as they are, structured values as JSON. */
export function storedConfig(config: Readonly<Record<string, unknown>>): Record<string, string> {
    return Object.fromEntries(Object.entries(config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
}

/** The config outside one namespace (other namespaces, and bare keys a stack file may hold), full keys. */
export function configOutside(all: Readonly<Record<string, unknown>>, namespace: string): Record<string, unknown> {
    return Object.fromEntries(Object.entries(all).filter(([k]) => !k.startsWith(`${namespace}:`)));
}

/** Raw config of one namespace, namespace prefix removed, from Pulumi's `allConfig()` map. */
export function namespaceConfig(all: Readonly<Record<string, string>>, namespace: string): Record<string, string> {
    const prefix = `${namespace}:`;
    return Object.fromEntries(
        Object.entries(all)
            .filter(([k]) => k.startsWith(prefix))
            .map(([k, v]) => [k.slice(prefix.length), v]),
    );
}
