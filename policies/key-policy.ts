import { KMS_ACTIONS } from "./actions";
import { oneOrMany, policy, PolicyDocument, sortedUnique, Statement } from "./document";
import { organizationPrincipal } from "./organization-grant";
import { Grant, isListedGrant, isOrganizationGrant } from "../domain/terms";

export interface KeyPolicyInput {
    /** The one bucket grants may use the key for. */
    readonly bucketArn: string;
    readonly ownerAccountId: string;
    readonly region: string;
    readonly partition: string;
    readonly grants: readonly Grant[];
}

/**
 * The key policy of the bucket's customer-managed KMS key.
 *
 * The owner account keeps full control through IAM (AWS's default key policy statement): without it
 * the key — and every object encrypted with it — could become unmanageable. Consumer roles may use
 * the key only through S3 in this region (`kms:ViaService`), only for this bucket, and only with the
 * actions their access needs. S3 names the bucket in the encryption context `aws:s3:arn`: the bucket
 * ARN when an S3 Bucket Key is used (this bucket's default), the object ARN when a request turns Bucket
 * Keys off; both are matched. An organization grant gets the same, for `Principal: "*"` narrowed to
 * its role name under its OU path (one statement per grant, whatever the number of accounts).
 */
export function buildKeyPolicy(input: KeyPolicyInput): PolicyDocument {
    const { ownerAccountId, region, partition } = input;
    const grants = input.grants.filter(isListedGrant);
    const throughS3 = {
        StringEquals: { "kms:ViaService": `s3.${region}.amazonaws.com` },
        StringLike: { "kms:EncryptionContext:aws:s3:arn": [input.bucketArn, `${input.bucketArn}/*`] },
    };
    const statements: Statement[] = [
        {
            Sid: "OwnerAccountAdministersKey",
            Effect: "Allow",
            Principal: { AWS: `arn:${partition}:iam::${ownerAccountId}:root` },
            Action: "kms:*",
            Resource: "*",
        },
    ];
    for (const access of ["read", "read-write"] as const) {
        const roles = sortedUnique(grants.filter((c) => c.access === access).map((c) => c.roleArn));
        if (roles.length === 0) {
            continue;
        }
        statements.push({
            Sid: access === "read" ? "ConsumersDecryptThroughS3" : "ConsumersEncryptAndDecryptThroughS3",
            Effect: "Allow",
            Principal: { AWS: oneOrMany(roles) },
            Action: oneOrMany([...KMS_ACTIONS[access]]),
            Resource: "*",
            Condition: throughS3,
        });
    }
    input.grants.filter(isOrganizationGrant).forEach((grant, i) => {
        const who = organizationPrincipal(grant, partition, ownerAccountId);
        statements.push({
            Sid: `OrgGrant${i + 1}${grant.access === "read" ? "DecryptsThroughS3" : "EncryptsAndDecryptsThroughS3"}`,
            Effect: "Allow",
            Principal: "*",
            Action: oneOrMany([...KMS_ACTIONS[grant.access]]),
            Resource: "*",
            Condition: { ...who, StringEquals: { ...throughS3.StringEquals, ...who.StringEquals }, StringLike: throughS3.StringLike },
        });
    });
    return policy(statements);
}

/** The statements consumers need in a key policy the owner account keeps for itself (an adopted bucket's key). */
export function consumerKeyStatements(input: KeyPolicyInput): Statement[] {
    return buildKeyPolicy(input).Statement.slice(1);
}
