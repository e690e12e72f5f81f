import { IssueList } from "./errors";
import { didYouMean, oneOf, Rule } from "./rules";

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
     */
    constructor(
        readonly namespace: string,
        private readonly raw: Readonly<Record<string, string>>,
        private readonly elsewhere: Readonly<Record<string, unknown>> = {},
    ) {}

    /** The full key as a user types it: `cross-account-s3:accountId`. */
    key(name: string): string {
        return `${this.namespace}:${name}`;
    }

    has(name: string): boolean {
        return this.raw[name] !== undefined;
    }

    /** A required string that must satisfy `rule`. */
    require(name: string, rule: Rule, example: string): string {
        const value = this.raw[name];
        if (value === undefined || value === "") {
            this.issues.add(this.key(name), value, "is required", `pulumi config set ${this.key(name)} ${example}`);
            return "";
        }
        return this.check(name, value, rule, example);
    }

    /** An optional string that, when set, must satisfy `rule`. */
    optional(name: string, rule: Rule, example: string): string | undefined {
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
        this.check(name, value, rule, fallback);
        return rule(value) === undefined ? (value as T) : fallback;
    }

    /** true or false, with a default. */
    boolean(name: string, fallback: boolean): boolean {
        const value = this.raw[name];
        if (value === undefined) {
            return fallback;
        }
        if (value !== "true" && value !== "false") {
            this.issues.add(this.key(name), value, "must be true or false", `pulumi config set ${this.key(name)} ${fallback}`);
            return fallback;
        }
        return value === "true";
    }

    /** A whole number within bounds, with a default. */
    integer(name: string, fallback: number, min: number, max: number): number {
        const value = this.raw[name];
        if (value === undefined) {
            return fallback;
        }
        const n = Number(value);
        if (!/^\d+$/.test(value) || n < min || n > max) {
            this.issues.add(this.key(name), value, `must be a whole number from ${min} to ${max}`, `pulumi config set ${this.key(name)} ${fallback}`);
            return fallback;
        }
        return n;
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
            this.issues.add(
                this.key(name),
                value,
                "must be a structured value (a YAML list or map), not a plain string",
                `write it as YAML under ${this.key(name)} in Pulumi.<stack>.yaml, or use pulumi config set --path`,
            );
            return undefined;
        }
    }

    /** A list of strings, each satisfying `rule`, without duplicates. */
    list(name: string, rule: Rule, example: string): string[] {
        const value = this.json(name);
        if (value === undefined) {
            return [];
        }
        if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) {
            this.issues.add(this.key(name), value, "must be a list of strings", `set it as a YAML list: [${example}]`);
            return [];
        }
        const seen = new Set<string>();
        for (const [index, item] of (value as string[]).entries()) {
            this.check(`${name}[${index}]`, item, rule, example);
            if (seen.has(item)) {
                this.issues.add(this.key(`${name}[${index}]`), item, "appears twice in the list", "remove the duplicate");
            }
            seen.add(item);
        }
        return value as string[];
    }

    /** A map of string to string (tags). */
    stringMap(name: string): Record<string, string> {
        const value = this.json(name);
        if (value === undefined) {
            return {};
        }
        if (typeof value !== "object" || value === null || Array.isArray(value) || Object.values(value).some((v) => typeof v !== "string")) {
            this.issues.add(this.key(name), value, "must be a map of string to string", "set it as a YAML map, e.g. team: platform");
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
            if (!known.includes(name)) {
                const close = didYouMean(name, known);
                this.issues.add(
                    this.key(name),
                    this.raw[name],
                    "is not a setting of this stack (unknown key)",
                    close ? `did you mean ${this.key(close)}?` : `remove it; the settings are ${known.join(", ")}`,
                );
            }
        }
        for (const [fullKey, value] of Object.entries(this.elsewhere)) {
            const colon = fullKey.lastIndexOf(":");
            const name = fullKey.slice(colon + 1);
            const bare = colon < 0;
            if (known.includes(name) && (bare || !this.has(name))) {
                const where = bare ? "has no namespace" : `is in the ${fullKey.slice(0, colon)} namespace`;
                this.issues.add(fullKey, value, `is not a setting of this stack (unknown key): it ${where}, and this stack reads ${this.key(name)}`, `did you mean ${this.key(name)}? Rename the key`);
            }
        }
    }

    /** Records a problem found by a cross-field check. */
    problem(name: string, value: unknown, rule: string, fix: string): void {
        this.issues.add(this.key(name), value, rule, fix);
    }

    private check(name: string, value: string, rule: Rule, example: string): string {
        const broken = rule(value);
        if (broken !== undefined) {
            const set = name.includes("[") ? `pulumi config set --path '${this.key(name)}'` : `pulumi config set ${this.key(name)}`;
            this.issues.add(this.key(name), value, broken, `${set} ${example}`);
        }
        return value;
    }
}

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
