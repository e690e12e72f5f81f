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
    const accountId = config.require("accountId", rules.accountId, "111122223333");
    // A region newer than the installed provider can be allowed explicitly; its shape is still checked.
    const region = config.require("region", config.boolean("allowUnlistedRegion", false) ? rules.region : rules.knownRegion, "eu-west-1");
    const deployRoleArn = config.optional("deployRoleArn", rules.roleArn, "arn:aws:iam::111122223333:role/deploy");
    if (deployRoleArn !== undefined && rules.roleArn(deployRoleArn) === undefined) {
        config.issues.check(
            config.key("deployRoleArn"),
            deployRoleArn,
            rules.roleOfAccount(accountId, "this stack's account")(deployRoleArn),
            "name the deployment role of this stack's own account",
        );
    }
    const profile = config.optional("profile", rules.awsProfile, "account-b-admin");
    return { accountId, region, partition: rules.partitionOf(region), deployRoleArn, profile, tags: config.stringMap("tags") };
}
