import { ACCOUNT_KEYS, AccountSettings, readAccountSettings } from "./account";
import { ConfigReader } from "./reader";
import { EXISTING_BUCKET_KEYS, ExistingBucket, readExistingBucket } from "./existing-bucket";
import * as rules from "../domain/rules";
import {
    ACCESS_LEVELS,
    ACCESS_LOG_RETENTION_DAYS,
    AccessLevel,
    DEFAULT_ACCESS,
    DEFAULT_ENCRYPTION,
    DEFAULT_LOCK_MODE,
    Encryption,
    ENCRYPTIONS,
    LOCK_MODES,
    LockMode,
    OrganizationGrant,
    organizationOf,
    PER_CONSUMER_CANNOT_LOCK_ORGANIZATION,
} from "../domain/terms";
import { qualifyStackName, StackIdentity } from "../domain/stack-identity";

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
    /** Role names granted in every account under an OU path: consumers there need not be listed. */
    readonly organizationGrants: readonly OrganizationGrant[];
    /** S3 server access logs of the shared bucket, with Athena over them. */
    readonly accessLogs: boolean;
    /** Days before access-log records and query results expire. */
    readonly accessLogRetentionDays: number;
    /** How the bucket policy ties each consumer to its own endpoints. */
    readonly lockMode: LockMode;
    /** Protect the bucket and its key from deletion and replacement. */
    readonly protect: boolean;
    /** Create an IAM Access Analyzer (external access, this account) for npm run verify's findings check. */
    readonly accessAnalyzer: boolean;
    /** The existing bucket to adopt instead of creating one. */
    readonly existingBucket?: ExistingBucket;
}

export const OWNER_KEYS = [
    ...ACCOUNT_KEYS,
    "bucketName",
    "encryption",
    "consumers",
    "organizationGrants",
    "accessLogs",
    "accessLogRetentionDays",
    "lockMode",
    "protect",
    "accessAnalyzer",
    ...EXISTING_BUCKET_KEYS,
];
export const ENTRY_FIELDS = ["stack", "accountId", "access", "prefix"];
export const ORGANIZATION_GRANT_FIELDS = ["orgPath", "roleName", "access", "prefix", "endpointInOrganization"];

/** The owner stack's settings from its raw config, or a ConfigError listing every problem. */
export function parseOwnerSettings(
    raw: Readonly<Record<string, string>>,
    identity: StackIdentity,
    elsewhere: Readonly<Record<string, unknown>> = {},
): OwnerSettings {
    const config = new ConfigReader(identity.project, raw, elsewhere, identity.stack);
    config.rejectUnknown(OWNER_KEYS);
    const account = readAccountSettings(config);
    const consumers = readConsumers(config, account.accountId, identity);
    const existingBucket = readExistingBucket(config, { ...account, consumerAccounts: consumers.map((c) => c.accountId) });
    const settings: OwnerSettings = {
        ...account,
        bucketName: config.optional("bucketName", rules.bucketName, "my-shared-bucket"),
        encryption: config.oneOf("encryption", ENCRYPTIONS, DEFAULT_ENCRYPTION),
        consumers,
        organizationGrants: readOrganizationGrants(config),
        // An adopted bucket's logging is one more setting S3 replaces whole: switched on only when asked.
        accessLogs: config.boolean("accessLogs", existingBucket === undefined),
        accessLogRetentionDays: config.integer(
            "accessLogRetentionDays",
            ACCESS_LOG_RETENTION_DAYS.default,
            ACCESS_LOG_RETENTION_DAYS.min,
            ACCESS_LOG_RETENTION_DAYS.max,
        ),
        lockMode: config.oneOf("lockMode", LOCK_MODES, DEFAULT_LOCK_MODE),
        protect: config.boolean("protect", true),
        accessAnalyzer: config.boolean("accessAnalyzer", false),
        ...(existingBucket ? { existingBucket } : {}),
    };
    config.issues.check(
        config.key("lockMode"),
        settings.lockMode,
        settings.lockMode === "per-consumer" && settings.organizationGrants.length > 0 && `is "per-consumer", which ${PER_CONSUMER_CANNOT_LOCK_ORGANIZATION}`,
        `${config.setLine("lockMode", "account-match")} (or remove ${config.key("organizationGrants")} from ${config.file})`,
    );
    config.issues.throwIfAny(`Invalid configuration for owner stack "${identity.stack}" in ${config.file}`);
    return settings;
}

function readOrganizationGrants(config: ConfigReader): OrganizationGrant[] {
    const value = config.json("organizationGrants");
    const shape = "must be a list of { orgPath, roleName, access, prefix }";
    if (value === undefined || !config.issues.check(config.key("organizationGrants"), value, !Array.isArray(value) && shape, "see docs/config.md")) {
        return [];
    }
    const grants: OrganizationGrant[] = [];
    for (const [index, item] of (value as unknown[]).entries()) {
        const at = `organizationGrants[${index}]`;
        const isMap = typeof item === "object" && item !== null && !Array.isArray(item);
        if (!config.issues.check(config.key(at), item, !isMap && "must be a map with orgPath, roleName and optional access and prefix", "see docs/config.md")) {
            continue;
        }
        const entry = item as Record<string, unknown>;
        for (const field of Object.keys(entry)) {
            const known = ORGANIZATION_GRANT_FIELDS.includes(field);
            config.issues.check(
                config.key(`${at}.${field}`),
                entry[field],
                !known && "is not an organization grant field",
                `use only ${ORGANIZATION_GRANT_FIELDS.join(", ")}`,
            );
        }
        const field = (name: string, rule: rules.Rule, example: string, required: boolean): string | undefined => {
            const v = entry[name];
            if (v === undefined && !required) {
                return undefined;
            }
            const broken = typeof v !== "string" ? (v === undefined ? "is required" : "must be a string") : rule(v);
            const key = config.key(`${at}.${name}`);
            return config.issues.check(key, v, broken, `pulumi config set --path '${key}' ${example}`) ? (v as string) : undefined;
        };
        const orgPath = field("orgPath", rules.organizationPath, "o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/", true);
        const roleName = field("roleName", rules.roleName, "shared-data-reader", true);
        const access = field("access", rules.oneOf(ACCESS_LEVELS), "read", false) as AccessLevel | undefined;
        const prefix = field("prefix", rules.keyPrefix, "team-a/", false);
        const strict = entry.endpointInOrganization;
        config.issues.check(
            config.key(`${at}.endpointInOrganization`),
            strict,
            strict !== undefined && typeof strict !== "boolean" && "must be true or false",
            `pulumi config set --path '${config.key(`${at}.endpointInOrganization`)}' true`,
        );
        if (orgPath === undefined || roleName === undefined) {
            continue;
        }
        const first = grants[0] === undefined ? undefined : organizationOf(grants[0].orgPath);
        const checks = [
            [
                grants.some((g) => g.orgPath === orgPath && g.roleName === roleName) && "grants this role name under this path a second time",
                "grant each role name once per path",
            ],
            [
                first !== undefined && first !== organizationOf(orgPath) && `is in organization ${organizationOf(orgPath)}, but the first grant is in ${first}`,
                "grant only paths of the owner's organization",
            ],
        ] as const;
        if (!checks.every(([broken, fix]) => config.issues.check(config.key(`${at}.orgPath`), orgPath, broken, fix))) {
            continue;
        }
        grants.push({
            kind: "organization",
            orgPath,
            roleName,
            access: access ?? DEFAULT_ACCESS,
            ...(prefix === undefined ? {} : { prefix }),
            ...(strict === true ? { endpointInOrganization: true } : {}),
        });
    }
    return grants;
}

function readConsumers(config: ConfigReader, ownerAccountId: string, identity: StackIdentity): ConsumerEntry[] {
    const value = config.json("consumers");
    if (value === undefined) {
        return [];
    }
    if (
        !config.issues.check(
            config.key("consumers"),
            value,
            !Array.isArray(value) && "must be a list of { stack, accountId, access, prefix }",
            "see the config reference in docs/config.md",
        )
    ) {
        return [];
    }
    const entries: ConsumerEntry[] = [];
    for (const [index, item] of (value as unknown[]).entries()) {
        const at = `consumers[${index}]`;
        const isMap = typeof item === "object" && item !== null && !Array.isArray(item);
        if (
            !config.issues.check(
                config.key(at),
                item,
                !isMap && "must be a map with stack, accountId, access and optional prefix",
                "see the config reference in docs/config.md",
            )
        ) {
            continue;
        }
        const entry = item as Record<string, unknown>;
        for (const field of Object.keys(entry)) {
            config.issues.check(
                config.key(`${at}.${field}`),
                entry[field],
                !ENTRY_FIELDS.includes(field) && "is not a consumer field",
                `use only ${ENTRY_FIELDS.join(", ")}`,
            );
        }
        const field = (name: string, rule: rules.Rule, example: string, required: boolean): string | undefined => {
            // An unquoted 12-digit account id is a YAML number that converts back without loss.
            const v = name === "accountId" && typeof entry[name] === "number" && Number.isSafeInteger(entry[name]) ? String(entry[name]) : entry[name];
            if (v === undefined && !required) {
                return undefined;
            }
            const shortened = name === "accountId" ? rules.shortenedAccountId(entry[name]) : undefined;
            const broken = shortened?.rule ?? (typeof v !== "string" ? (v === undefined ? "is required" : "must be a string") : rule(v));
            return config.issues.check(config.key(`${at}.${name}`), v, broken, config.setLine(`${at}.${name}`, shortened?.fixed ?? example))
                ? (v as string)
                : undefined;
        };
        const stack = field("stack", rules.stackName, "consumer", true);
        const accountId = field("accountId", rules.accountId, rules.ACCOUNT_ID_PLACEHOLDER, true);
        if (accountId !== undefined) {
            config.issues.check(
                config.key(`${at}.accountId`),
                accountId,
                rules.notOwnerAccount(ownerAccountId)(accountId),
                "give the consumer account's id; principals of the owner account need no cross-account grant",
            );
        }
        const access = field("access", rules.oneOf(ACCESS_LEVELS), "read", false) as AccessLevel | undefined;
        const prefix = field("prefix", rules.keyPrefix, "team-a/", false);
        if (stack === undefined || accountId === undefined) {
            continue;
        }
        const qualified = qualifyStackName(stack, identity);
        if (
            !config.issues.check(
                config.key(`${at}.stack`),
                stack,
                entries.some((e) => e.stack === qualified) && "is listed twice",
                "list each consumer stack once",
            )
        ) {
            continue;
        }
        entries.push({ stack: qualified, accountId, access: access ?? DEFAULT_ACCESS, ...(prefix === undefined ? {} : { prefix }) });
    }
    return entries;
}
