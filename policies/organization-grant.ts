import { OrganizationGrant, organizationOf } from "../domain/terms";
import { Statement } from "./document";

/**
 * Who an organization grant lets in, as conditions on `Principal: "*"`: a role of the granted name
 * (`aws:PrincipalArn`, any account) whose account is under the OU path (`aws:PrincipalOrgPaths`,
 * `ForAnyValue:StringLike` with `*` so that child OUs count), outside the owner account. The fixed
 * `aws:PrincipalOrgID` is what S3 Block Public Access accepts as a non-public condition; the path alone
 * might not be, and `PutBucketPolicy` would then be refused with 403.
 */
export function organizationPrincipal(grant: OrganizationGrant, partition: string, ownerAccountId: string): NonNullable<Statement["Condition"]> {
    return {
        StringEquals: { "aws:PrincipalOrgID": organizationOf(grant.orgPath) },
        "ForAnyValue:StringLike": { "aws:PrincipalOrgPaths": `${grant.orgPath}*` },
        ArnLike: { "aws:PrincipalArn": grantedRolePattern(grant, partition) },
        StringNotEquals: { "aws:PrincipalAccount": ownerAccountId },
    };
}

/** The granted role in every account: `arn:<partition>:iam::*:role/<roleName>`. */
export function grantedRolePattern(grant: Pick<OrganizationGrant, "roleName">, partition: string): string {
    return `arn:${partition}:iam::*:role/${grant.roleName}`;
}

/** The partition an ARN is in (`arn:<partition>:…`). */
export const arnPartition = (arn: string): string => arn.split(":")[1];
