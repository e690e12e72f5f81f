import { KMS_ACTIONS, LIST_BUCKET, OBJECT_ACTIONS } from "./actions";
import { oneOrMany, policy, PolicyDocument, Statement } from "./document";
import { AccessLevel } from "../domain/terms";

/** One owner's bucket as a consumer role may use it: that owner's grant. */
export interface RolePolicyInput {
    readonly bucketArn: string;
    readonly access: AccessLevel;
    readonly prefix?: string;
    /** The owner's customer-managed key, when the bucket uses SSE-KMS. */
    readonly kmsKeyArn?: string;
}

/**
 * The consumer workload role's permissions on the owners' buckets: for each bucket exactly that
 * owner's granted actions, under its prefix, with its key — never `s3:*`. Statements stay per bucket
 * so that no grant of one owner reaches another's bucket or key. The first bucket's Sids carry no
 * number, so a consumer of one owner keeps the policy it always had.
 */
export function buildConsumerRolePolicy(...buckets: readonly RolePolicyInput[]): PolicyDocument {
    return policy(buckets.flatMap((bucket, i) => bucketStatements(bucket, i === 0 ? "SharedBucket" : `SharedBucket${i + 1}`)));
}

function bucketStatements(input: RolePolicyInput, sid: string): Statement[] {
    const { bucketArn, access, prefix, kmsKeyArn } = input;
    const statements: Statement[] = [
        {
            Sid: `${sid}Objects`,
            Effect: "Allow",
            Action: oneOrMany([...OBJECT_ACTIONS[access]]),
            Resource: `${bucketArn}/${prefix ?? ""}*`,
        },
        {
            Sid: `${sid}List`,
            Effect: "Allow",
            Action: LIST_BUCKET,
            Resource: bucketArn,
            ...(prefix === undefined ? {} : { Condition: { StringLike: { "s3:prefix": `${prefix}*` } } }),
        },
    ];
    if (kmsKeyArn !== undefined) {
        statements.push({
            Sid: `${sid}Key`,
            Effect: "Allow",
            Action: oneOrMany([...KMS_ACTIONS[access]]),
            Resource: kmsKeyArn,
        });
    }
    return statements;
}

/**
 * Lets EC2 instances (through their instance profile) assume the workload role. EC2's service
 * principal is `ec2.amazonaws.com.cn` in the China partition (as AWS's own EKS node-group templates map it).
 */
export function ec2TrustPolicy(partition = "aws", verifyTester?: string): PolicyDocument {
    return policy([
        { Effect: "Allow", Principal: { Service: partition === "aws-cn" ? "ec2.amazonaws.com.cn" : "ec2.amazonaws.com" }, Action: "sts:AssumeRole" },
        // Opt-in: verify's tester assumes the role from outside the endpoint to see the lock refuse it. Only
        // under the session name verify uses, so the sessions are easy to tell apart in CloudTrail.
        ...(verifyTester === undefined
            ? []
            : [
                  {
                      Sid: "VerifyTester",
                      Effect: "Allow" as const,
                      Principal: { AWS: verifyTester },
                      Action: "sts:AssumeRole",
                      Condition: { StringEquals: { "sts:RoleSessionName": VERIFY_SESSION_NAME } },
                  },
              ]),
    ]);
}

/** The session name verify's outside test assumes the workload role under. */
export const VERIFY_SESSION_NAME = "cross-account-s3-verify";
