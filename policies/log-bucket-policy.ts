import { denyInsecureTransport, policy, PolicyDocument } from "./document";

export interface LogBucketPolicyInput {
    readonly logBucketArn: string;
    /** Key prefix the log records go under, ending in "/". */
    readonly prefix: string;
    /** The bucket whose requests are logged. */
    readonly sourceBucketArn: string;
    /** The account of the source bucket. */
    readonly sourceAccountId: string;
}

/**
 * The access-log bucket's policy: the S3 logging service may write records under the prefix, and
 * only for the source bucket of this account (`aws:SourceArn`, `aws:SourceAccount`: no confused
 * deputy); everyone else needs TLS. With ACLs disabled, this policy is how log delivery is allowed.
 */
export function buildLogBucketPolicy(input: LogBucketPolicyInput): PolicyDocument {
    return policy([
        denyInsecureTransport(input.logBucketArn),
        {
            Sid: "S3ServerAccessLogDelivery",
            Effect: "Allow",
            Principal: { Service: "logging.s3.amazonaws.com" },
            Action: "s3:PutObject",
            Resource: `${input.logBucketArn}/${input.prefix}*`,
            Condition: {
                ArnLike: { "aws:SourceArn": input.sourceBucketArn },
                StringEquals: { "aws:SourceAccount": input.sourceAccountId },
            },
        },
    ]);
}
