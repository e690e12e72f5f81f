import { existsSync, readFileSync } from "fs";
import { isAbsolute, resolve } from "path";
import { ConfigReader } from "./reader";
import * as rules from "../domain/rules";
import { BUCKET_SETTINGS, BucketSetting } from "../domain/terms";
import {
    AdoptedPolicy,
    cannotExempt,
    EXISTING_GRANT_CHOICES,
    ExistingGrantChoice,
    grantsOutside,
    lockExemption,
    OutsideGrant,
    parseBucketPolicy,
} from "../policies/adopted-policy";

/** The folder that holds Pulumi.yaml: `existingBucketPolicy` is a path relative to it. */
export const PROJECT_DIR = resolve(__dirname, "..");

/** An existing bucket the owner stack adopts instead of creating one. */
export interface ExistingBucket {
    readonly name: string;
    /** The bucket's own policy (from `existingBucketPolicy`), merged with the generated statements. */
    readonly policy?: AdoptedPolicy;
    /** The file `policy` was read from, as the user wrote it. */
    readonly policyFile?: string;
    /** Each adopted grant to a principal outside the owner account, and what the user chose for it. */
    readonly decisions: readonly { readonly grant: OutsideGrant; readonly choice: ExistingGrantChoice }[];
    /** The bucket's existing KMS key: writes must use it. */
    readonly kmsKeyArn?: string;
    /** Let the stack write that key's whole policy; otherwise it prints what consumers need in it. */
    readonly manageKeyPolicy: boolean;
    /** The bucket-level settings left as the bucket has them; every other one is managed. */
    readonly keep: readonly BucketSetting[];
    /** Give the bucket back: the bucket policy becomes the adopted statements alone, no grant, no lock. */
    readonly giveBack: boolean;
}

export const EXISTING_BUCKET_KEYS = [
    "existingBucketName",
    "existingBucketPolicy",
    "existingGrants",
    "existingKmsKeyArn",
    "manageKeyPolicy",
    "keepBucketSettings",
    "giveBackBucket",
];

/** The adopted bucket's settings, or undefined when the stack creates its bucket. */
export function readExistingBucket(
    config: ConfigReader,
    owner: { accountId: string; region: string; consumerAccounts: readonly string[] },
): ExistingBucket | undefined {
    const name = config.optional("existingBucketName", rules.bucketName, "my-existing-bucket");
    if (name === undefined) {
        for (const key of EXISTING_BUCKET_KEYS.filter((k) => config.has(k))) {
            config.issues.check(
                config.key(key),
                raw(config, key),
                "is only read when adopting a bucket",
                `set ${config.key("existingBucketName")}, or remove ${key}`,
            );
        }
        return undefined;
    }
    config.issues.check(
        config.key("bucketName"),
        raw(config, "bucketName"),
        config.has("bucketName") && "names a bucket to create, and existingBucketName one to adopt",
        "keep one: existingBucketName to adopt that bucket",
    );
    const kmsKeyArn = config.optional("existingKmsKeyArn", rules.kmsKeyArn, `arn:aws:kms:${owner.region}:${owner.accountId}:key/<key id>`);
    if (kmsKeyArn !== undefined) {
        const [, , , region, account] = kmsKeyArn.split(":");
        config.issues.check(
            config.key("existingKmsKeyArn"),
            kmsKeyArn,
            (account !== owner.accountId || region !== owner.region) &&
                `must be a key of the owner account ${owner.accountId} in ${owner.region}, as the bucket is`,
            "name the key the bucket's default encryption uses (aws s3api get-bucket-encryption)",
        );
        config.issues.check(
            config.key("encryption"),
            raw(config, "encryption"),
            config.has("encryption") && "chooses a new encryption, and existingKmsKeyArn keeps the bucket's key",
            "remove encryption: the adopted bucket keeps its key",
        );
    }
    const keep = config.list("keepBucketSettings", rules.oneOf(BUCKET_SETTINGS), BUCKET_SETTINGS[0]) as BucketSetting[];
    config.issues.check(
        config.key("encryption"),
        raw(config, "encryption"),
        kmsKeyArn === undefined &&
            keep.includes("encryption") &&
            raw(config, "encryption") === "sse-kms" &&
            "creates a key that the bucket's default encryption, kept as it is, would never use",
        "name the bucket's own key in existingKmsKeyArn, or stop keeping encryption",
    );
    const { policy, policyFile, decisions } = readPolicyFile(config, owner);
    return {
        name,
        ...(policy ? { policy, policyFile } : {}),
        decisions,
        ...(kmsKeyArn ? { kmsKeyArn } : {}),
        manageKeyPolicy: manageKeyPolicy(config, kmsKeyArn),
        keep,
        giveBack: config.boolean("giveBackBucket", false),
    };
}

function readPolicyFile(
    config: ConfigReader,
    owner: { accountId: string; consumerAccounts: readonly string[] },
): Pick<ExistingBucket, "policy" | "policyFile" | "decisions"> {
    const choices = readChoices(config);
    const file = config.optional("existingBucketPolicy", () => undefined, "existing-bucket-policy.json");
    if (file === undefined) {
        for (const sid of Object.keys(choices)) {
            config.issues.check(
                config.key(`existingGrants.${sid}`),
                choices[sid],
                "chooses for a statement, but no existingBucketPolicy is set",
                "set existingBucketPolicy, or remove it",
            );
        }
        return { decisions: [] };
    }
    const key = config.key("existingBucketPolicy");
    const path = isAbsolute(file) ? file : resolve(PROJECT_DIR, file);
    if (
        !config.issues.check(
            key,
            file,
            !existsSync(path) && `names no file (looked for ${path}; the path is relative to the project folder)`,
            "save the policy there: aws s3api get-bucket-policy --bucket <name> > " + file,
        )
    ) {
        return { decisions: [] };
    }
    const statements = parseBucketPolicy(readFileSync(path, "utf8"));
    if (!config.issues.check(key, file, typeof statements === "string" && statements, "save the bucket's policy as aws s3api get-bucket-policy prints it")) {
        return { decisions: [] };
    }
    const list = statements as Exclude<typeof statements, string>;
    const sids = list.map((s) => s.Sid);
    for (const [i, sid] of sids.entries()) {
        config.issues.check(
            key,
            file,
            sid !== undefined && sids.indexOf(sid) !== i && `has two statements with the Sid "${sid}"`,
            "give each statement its own Sid",
        );
    }
    const outside = grantsOutside(list, owner.accountId);
    const decisions: ExistingBucket["decisions"][number][] = [];
    for (const grant of outside) {
        const whom = grant.principals.map((p) => `${p.kind} ${p.value}`).join(", ");
        const what = `Statement[${grant.index}]${grant.sid ? ` (Sid "${grant.sid}")` : ""} grants ${whom}, outside the owner account: the endpoint lock would deny ${grant.principals.length === 1 ? "it" : "them"} every request that does not come through a consumer's endpoint`;
        if (grant.sid === undefined) {
            config.issues.check(
                key,
                file,
                `${what}, and without a Sid its choice cannot be made`,
                "give the statement a Sid in the file (and in the bucket's policy), then choose for it in existingGrants",
            );
            continue;
        }
        const choice = choices[grant.sid];
        const choiceKey = `${config.key("existingGrants")}.${grant.sid}`;
        if (
            !config.issues.check(
                key,
                file,
                choice === undefined && what,
                `choose for it: pulumi config set --path '${choiceKey}' exempt (it keeps working from anywhere) or lock (it is cut off outside the consumers' endpoints)`,
            )
        ) {
            continue;
        }
        const refused = choice === "exempt" ? (cannotExempt(grant) ?? exemptsConsumer(grant, owner.consumerAccounts)) : undefined;
        if (config.issues.check(choiceKey, choice, refused && `cannot be exempt: ${refused}`, `set it to lock, or change the statement in ${file}`)) {
            decisions.push({ grant, choice: choice! });
        }
    }
    for (const sid of Object.keys(choices).filter((s) => !outside.some((g) => g.sid === s))) {
        config.issues.check(
            `${config.key("existingGrants")}.${sid}`,
            choices[sid],
            `matches no statement of ${file} that grants outside the owner account`,
            "remove it, or correct the Sid",
        );
    }
    const exempt = lockExemption(decisions.filter((d) => d.choice === "exempt").map((d) => d.grant));
    return { policy: { statements: list, exempt }, policyFile: file, decisions };
}

/** Writing a key's policy needs the key. */
function manageKeyPolicy(config: ConfigReader, kmsKeyArn: string | undefined): boolean {
    const manage = config.boolean("manageKeyPolicy", false);
    config.issues.check(
        config.key("manageKeyPolicy"),
        raw(config, "manageKeyPolicy"),
        manage && kmsKeyArn === undefined && "requires existingKmsKeyArn",
        "name the bucket's key in existingKmsKeyArn, or remove manageKeyPolicy",
    );
    return manage;
}

/** A setting's value as the stack file holds it, for a message about it. */
const raw = (config: ConfigReader, key: string) => config.optional(key, () => undefined, "");

/** Exempting a consumer's whole account would take that consumer out of the lock. */
function exemptsConsumer(grant: OutsideGrant, consumerAccounts: readonly string[]): string | undefined {
    const account = grant.principals.find((p) => p.kind === "account" && consumerAccounts.includes(p.value));
    return account && `account ${account.value} is a consumer, and exempting the whole account would release that consumer from its endpoints`;
}

function readChoices(config: ConfigReader): Record<string, ExistingGrantChoice> {
    const value = config.json("existingGrants");
    if (value === undefined) {
        return {};
    }
    const isMap = typeof value === "object" && value !== null && !Array.isArray(value);
    if (
        !config.issues.check(
            config.key("existingGrants"),
            value,
            !isMap && "must be a map of statement Sid to exempt or lock",
            "e.g. existingGrants: { PartnerRead: exempt }",
        )
    ) {
        return {};
    }
    const choices: Record<string, ExistingGrantChoice> = {};
    for (const [sid, choice] of Object.entries(value as Record<string, unknown>)) {
        const broken = typeof choice !== "string" ? "must be exempt or lock" : rules.oneOf(EXISTING_GRANT_CHOICES)(choice);
        if (
            config.issues.check(
                `${config.key("existingGrants")}.${sid}`,
                choice,
                broken,
                `pulumi config set --path '${config.key("existingGrants")}.${sid}' exempt`,
            )
        ) {
            choices[sid] = choice as ExistingGrantChoice;
        }
    }
    return choices;
}
