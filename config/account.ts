import { ConfigReader } from "./reader";
import * as rules from "../domain/rules";

/** What every stack knows about the AWS account it deploys into. */
export interface AccountSettings {
    /** The account this stack must deploy into; credentials for any other account stop the deployment. */
    readonly accountId: string;
    readonly region: string;
    /** ARN partition of `region`. */
    readonly partition: string;
    /** A role in `accountId` that the provider assumes for every call, when set. */
    readonly deployRoleArn?: string;
    /** The AWS profile (shared config files) the provider takes credentials from, when set. */
    readonly profile?: string;
    /** Tags applied to every taggable resource through the provider's default tags. */
    readonly tags: Readonly<Record<string, string>>;
}

export const ACCOUNT_KEYS = ["role", "accountId", "region", "allowUnlistedRegion", "deployRoleArn", "profile", "tags"] as const;

export function readAccountSettings(config: ConfigReader): AccountSettings {
    const accountId = config.require("accountId", rules.accountId, rules.ACCOUNT_ID_PLACEHOLDER);
    // A region newer than the installed provider can be allowed explicitly; its shape is still checked.
    const region = config.require(
        "region",
        config.boolean("allowUnlistedRegion", false) ? rules.region : rules.knownRegion,
        (typed) => (typed === undefined ? undefined : rules.didYouMean(typed, rules.PROVIDER_REGIONS)) ?? "eu-west-1",
    );
    const partition = rules.partitionOf(region);
    const deployRoleArn = config.optional("deployRoleArn", rules.roleArn, rules.roleArnExample(partition, accountId, "deploy role name"));
    if (deployRoleArn !== undefined && rules.roleArn(deployRoleArn) === undefined) {
        checkPartition(config, "deployRoleArn", deployRoleArn, region);
        config.issues.check(
            config.key("deployRoleArn"),
            deployRoleArn,
            rules.roleOfAccount(accountId, "this stack's account")(deployRoleArn),
            "name the deployment role of this stack's own account",
        );
    }
    const profile = config.optional("profile", rules.awsProfile, "account-b-admin");
    const tags = config.stringMap("tags");
    checkTags(config, tags);
    return { accountId, region, partition, deployRoleArn, profile, tags };
}

/** A role ARN of another partition than the region's: refused, with the ARN in the right one as the fix. */
export function checkPartition(config: ConfigReader, name: string, arn: string, region: string): void {
    if (rules.region(region) !== undefined) {
        return;
    }
    const partition = rules.partitionOf(region);
    config.issues.check(
        config.key(name),
        arn,
        rules.arnInPartition(partition, region)(arn),
        config.setLine(name, arn.replace(/^arn:[^:]+:/, `arn:${partition}:`)),
    );
}

/** Tags every resource carries besides the user's (the provider's default tags). */
export const STACK_TAG_KEYS = ["pulumi:project", "pulumi:stack"] as const;

/** Tags AWS would refuse at deploy time, refused now: AWS's tag rules, and its 50 tags a resource. */
function checkTags(config: ConfigReader, tags: Readonly<Record<string, string>>): void {
    const room = rules.TAG_LIMITS.perResource - STACK_TAG_KEYS.length;
    const keys = Object.keys(tags);
    config.issues.check(
        config.key("tags"),
        `${keys.length} tags`,
        keys.length > room &&
            `with ${STACK_TAG_KEYS.join(" and ")} every resource would carry ${keys.length + STACK_TAG_KEYS.length} tags; AWS allows ${rules.TAG_LIMITS.perResource}`,
        `keep at most ${room} tags under ${config.key("tags")} in ${config.file}`,
    );
    for (const [key, value] of Object.entries(tags)) {
        const at = config.key(`tags.${key}`);
        config.issues.check(at, key, rules.tagKey(key) && `has a key that ${rules.tagKey(key)}`, `rename the tag key in ${config.file}`);
        config.issues.check(at, value, rules.tagValue(value), config.setLine(`tags.${key}`, "<a value AWS accepts>"));
    }
}
