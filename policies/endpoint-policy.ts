import { AccessLevel, EndpointPolicyMode } from "../domain/terms";
import { ALL_S3, EXTRA_BUCKET_ACTIONS, LIST_BUCKET, OBJECT_ACTIONS } from "./actions";
import { oneOrMany, policy, PolicyDocument, sortedUnique, Statement } from "./document";

/** One owner's bucket as it passes the endpoint: that owner's grant. */
export interface OwnerBucketPassage {
    readonly ownerBucketArn: string;
    readonly access: AccessLevel;
    readonly prefix?: string;
}

export interface EndpointPolicyInput extends OwnerBucketPassage {
    readonly mode: EndpointPolicyMode;
    /** The consumer account, for `account-and-owner`. */
    readonly accountId: string;
    /** Other buckets workloads read through the endpoint (names), for the restricted modes. */
    readonly extraBuckets: readonly string[];
    /** ARN partition of the region ("aws", "aws-cn", "aws-us-gov"). */
    readonly partition: string;
}

/**
 * The endpoint policy. It always allows each owner bucket's granted actions explicitly, so a reader
 * sees the shared path even under `allow-all`; endpoint policies need `Principal: "*"` and only
 * filter — the bucket policy and the role policy are what grant. `input` carries the first owner's
 * bucket; `otherOwners` the buckets of further owners, for a consumer that reads several.
 */
export function buildEndpointPolicy(input: EndpointPolicyInput, ...otherOwners: readonly OwnerBucketPassage[]): PolicyDocument {
    const statements: Statement[] = [input, ...otherOwners].map(({ ownerBucketArn, access, prefix }, i) => ({
        Sid: i === 0 ? "OwnerBucket" : `OwnerBucket${i + 1}`,
        Effect: "Allow",
        Principal: "*",
        Action: [...OBJECT_ACTIONS[access], LIST_BUCKET],
        Resource: [ownerBucketArn, `${ownerBucketArn}/${prefix ?? ""}*`],
    }));
    if (input.mode === "allow-all") {
        statements.push({ Sid: "AllowAll", Effect: "Allow", Principal: "*", Action: "*", Resource: "*" });
        return policy(statements);
    }
    if (input.mode === "account-and-owner") {
        statements.push({
            Sid: "OwnAccountBuckets",
            Effect: "Allow",
            Principal: "*",
            Action: ALL_S3,
            Resource: "*",
            Condition: { StringEquals: { "aws:ResourceAccount": input.accountId } },
        });
    }
    const extra = sortedUnique(input.extraBuckets);
    if (extra.length > 0) {
        const arns = extra.flatMap((name) => [`arn:${input.partition}:s3:::${name}`, `arn:${input.partition}:s3:::${name}/*`]);
        statements.push({
            Sid: "ExtraBuckets",
            Effect: "Allow",
            Principal: "*",
            Action: oneOrMany([...EXTRA_BUCKET_ACTIONS]),
            Resource: arns,
        });
    }
    return policy(statements);
}
