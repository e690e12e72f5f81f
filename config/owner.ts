import { ACCESS_LEVELS, AccessLevel } from "../policies/actions";
import { LOCK_MODES, LockMode } from "../policies/endpoint-lock";
import { ACCOUNT_KEYS, AccountSettings, readAccountSettings } from "./account";
import { ConfigReader } from "./reader";
import * as rules from "./rules";
import { qualifyStackName, StackIdentity } from "./stack-names";

export type Encryption = "sse-s3" | "sse-kms";
export const ENCRYPTIONS: readonly Encryption[] = ["sse-s3", "sse-kms"];

/** A consumer the owner agrees to share with, and on what terms. */
export interface ConsumerEntry {
    /** The consumer's stack, fully qualified (`org/project/stack`). */
    readonly stack: string;
    /** The consumer account; the role and endpoint read from its stack must belong to it. */
    readonly accountId: string;
    readonly access: AccessLevel;
    readonly prefix?: string;
}

export interface OwnerSettings extends AccountSettings {
    /** Fixed bucket name; auto-named from the component name when absent. */
    readonly bucketName?: string;
    readonly encryption: Encryption;
    readonly consumers: readonly ConsumerEntry[];
    /** S3 server access logs of the shared bucket, with Athena over them. */
    readonly accessLogs: boolean;
    /** Days before access-log records and query results expire. */
    readonly accessLogRetentionDays: number;
    /** How the bucket policy ties each consumer to its own endpoints. */
    readonly lockMode: LockMode;
    /** Protect the bucket and its key from deletion and replacement. */
    readonly protect: boolean;
}

const OWNER_KEYS = [...ACCOUNT_KEYS, "bucketName", "encryption", "consumers", "accessLogs", "accessLogRetentionDays", "lockMode", "protect"];
const ENTRY_FIELDS = ["stack", "accountId", "access", "prefix"];

/** The owner stack's settings from its raw config, or a ConfigError listing every problem. */
export function parseOwnerSettings(
    raw: Readonly<Record<string, string>>,
    identity: StackIdentity,
    elsewhere: Readonly<Record<string, unknown>> = {},
): OwnerSettings {
    const config = new ConfigReader(identity.namespace, raw, elsewhere);
    config.rejectUnknown(OWNER_KEYS);
    const account = readAccountSettings(config);
    const settings: OwnerSettings = {
        ...account,
        bucketName: config.optional("bucketName", rules.bucketName, "my-shared-bucket"),
        encryption: config.oneOf("encryption", ENCRYPTIONS, "sse-s3"),
        consumers: readConsumers(config, account.accountId, identity),
        accessLogs: config.boolean("accessLogs", true),
        accessLogRetentionDays: config.integer("accessLogRetentionDays", 90, 1, 3650),
        lockMode: config.oneOf("lockMode", LOCK_MODES, "account-match"),
        protect: config.boolean("protect", true),
    };
    config.issues.throwIfAny(`Invalid configuration for owner stack "${identity.stack}"`);
    return settings;
}

function readConsumers(config: ConfigReader, ownerAccountId: string, identity: StackIdentity): ConsumerEntry[] {
    const value = config.json("consumers");
    if (value === undefined) {
        return [];
    }
    if (!Array.isArray(value)) {
        config.problem("consumers", value, "must be a list of { stack, accountId, access, prefix }", "see the config reference in the README");
        return [];
    }
    const entries: ConsumerEntry[] = [];
    for (const [index, item] of value.entries()) {
        const at = `consumers[${index}]`;
        if (typeof item !== "object" || item === null || Array.isArray(item)) {
            config.problem(at, item, "must be a map with stack, accountId, access and optional prefix", "see the config reference in the README");
            continue;
        }
        const entry = item as Record<string, unknown>;
        for (const field of Object.keys(entry).filter((f) => !ENTRY_FIELDS.includes(f))) {
            config.problem(`${at}.${field}`, entry[field], "is not a consumer field", `use only ${ENTRY_FIELDS.join(", ")}`);
        }
        const field = (name: string, rule: rules.Rule, example: string, required: boolean): string | undefined => {
            // An unquoted 12-digit account id is a YAML number that converts back without loss.
            const v = name === "accountId" && typeof entry[name] === "number" && Number.isSafeInteger(entry[name]) ? String(entry[name]) : entry[name];
            if (v === undefined && !required) {
                return undefined;
            }
            const broken = typeof v !== "string" ? (v === undefined ? "is required" : "must be a string") : rule(v);
            if (broken !== undefined) {
                config.problem(`${at}.${name}`, v, broken, `pulumi config set --path '${config.key(`${at}.${name}`)}' ${example}`);
                return undefined;
            }
            return v as string;
        };
        const stack = field("stack", rules.stackName, "consumer", true);
        const accountId = field("accountId", rules.accountId, "444455556666", true);
        const access = field("access", rules.oneOf(ACCESS_LEVELS), "read", false) as AccessLevel | undefined;
        const prefix = field("prefix", rules.keyPrefix, "team-a/", false);
        if (accountId !== undefined && accountId === ownerAccountId) {
            config.problem(
                `${at}.accountId`,
                accountId,
                "is the owner account itself; the endpoint lock never covers the owner account, so a consumer there would be unlocked",
                "give the consumer account's id; principals of the owner account need no cross-account grant",
            );
        }
        if (stack === undefined || accountId === undefined) {
            continue;
        }
        const qualified = qualifyStackName(stack, identity);
        if (entries.some((e) => e.stack === qualified)) {
            config.problem(`${at}.stack`, stack, "is listed twice", "list each consumer stack once");
            continue;
        }
        entries.push({ stack: qualified, accountId, access: access ?? "read", ...(prefix === undefined ? {} : { prefix }) });
    }
    return entries;
}
