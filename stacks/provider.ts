import * as aws from "../resources/aws";
import { AccountSettings } from "../config/account";
import { StackIdentity } from "../domain/stack-identity";

/**
 * The one AWS provider of a stack. `allowedAccountIds` makes the provider refuse credentials for any
 * other account before a single change is made. Credentials come from the stack's `profile` when set
 * (otherwise from the environment), and the deployment role, when set, is assumed for every call.
 */
export function accountProvider(settings: AccountSettings, identity: StackIdentity): aws.Provider {
    return new aws.Provider(`${identity.stack}-account`, {
        region: settings.region,
        allowedAccountIds: [settings.accountId],
        profile: settings.profile,
        assumeRoles: settings.deployRoleArn ? [{ roleArn: settings.deployRoleArn, sessionName: `pulumi-${identity.stack}` }] : undefined,
        defaultTags: { tags: { ...settings.tags, "pulumi:project": identity.project, "pulumi:stack": identity.stack } },
    });
}
