import * as rules from "../domain/rules";
import { IssueList } from "../domain/issues";
import { AccessLevel, ConsumerGrant, Grant, isOrganizationGrant } from "../domain/terms";

/**
 * What the bucket policy's size check measures with before the real values exist, and the checks of the
 * grants it is built from.
 */

/** A consumer the owner has agreed to share with, before its stack has exported a role and endpoint. */
export interface PendingConsumer {
    readonly accountId: string;
    readonly access: AccessLevel;
    readonly prefix?: string;
}

/** The longest name S3 allows: the policy is measured with it while the real name is unknown. */
export const LONGEST_BUCKET_NAME = "b".repeat(63);

/** A key ARN of the real length, for measuring before the key exists. */
export const placeholderKeyArn = (partition: string, region: string, account: string) =>
    `arn:${partition}:kms:${region}:${account}:key/${"0".repeat(8)}-${"0".repeat(4)}-${"0".repeat(4)}-${"0".repeat(4)}-${"0".repeat(12)}`;

/** A pending consumer at its smallest: a one-character role name and a short-form endpoint id. */
export function smallestGrant(pending: PendingConsumer, index: number, partition: string): ConsumerGrant {
    return {
        roleArn: `arn:${partition}:iam::${pending.accountId}:role/${index.toString(36)}`,
        accountId: pending.accountId,
        vpceIds: [`vpce-${index.toString(16).padStart(8, "0")}`],
        access: pending.access,
        ...(pending.prefix === undefined ? {} : { prefix: pending.prefix }),
    };
}

/** Every grant's values checked: listed consumers of other accounts with their roles and endpoints, organization paths and role names. */
export function checkGrants(issues: IssueList, grants: readonly Grant[], ownerAccountId: string): void {
    for (const [i, g] of grants.entries()) {
        if (isOrganizationGrant(g)) {
            issues.check(
                `grants[${i}].orgPath`,
                g.orgPath,
                rules.organizationPath(g.orgPath),
                "pass the OU path, such as o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/",
            );
            issues.check(`grants[${i}].roleName`, g.roleName, rules.roleName(g.roleName), "pass the role name the accounts under the path use");
            continue;
        }
        issues.check(`grants[${i}].accountId`, g.accountId, rules.notOwnerAccount(ownerAccountId)(g.accountId), "grant only other accounts");
        issues.check(`grants[${i}].roleArn`, g.roleArn, rules.roleOfAccount(g.accountId, "account")(g.roleArn), "pass the consumer's workload role");
        issues.check(
            `grants[${i}].vpceIds`,
            g.vpceIds,
            (g.vpceIds.length === 0 || g.vpceIds.some((id) => rules.vpceId(id))) && "must list one or more vpce- ids",
            "pass the consumer's gateway endpoint id",
        );
        issues.check(
            `grants[${i}].vpceAccountId`,
            g.vpceAccountId,
            g.vpceAccountId !== undefined && rules.accountId(g.vpceAccountId),
            "pass the account that owns the endpoint",
        );
    }
}
