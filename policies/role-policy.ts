import { KMS_ACTIONS, LIST_BUCKET, OBJECT_ACTIONS } from "./actions";
import { oneOrMany, policy, PolicyDocument, Statement } from "./document";
import { AccessLevel } from "../domain/terms";

export interface RolePolicyInput {
    readonly bucketArn: string;
    readonly access: AccessLevel;
    readonly prefix?: string;
    /** The owner's customer-managed key, when the bucket uses SSE-KMS. */
    readonly kmsKeyArn?: string;
}

/** The consumer workload role's permissions on the owner bucket: exactly the granted actions. */
export function buildConsumerRolePolicy(input: RolePolicyInput): PolicyDocument {
    const { bucketArn, access, prefix, kmsKeyArn } = input;
    const statements: Statement[] = [
        {
            Sid: "SharedBucketObjects",
            Effect: "Allow",
            Action: oneOrMany([...OBJECT_ACTIONS[access]]),
            Resource: `${bucketArn}/${prefix ?? ""}*`,
        },
        {
            Sid: "SharedBucketList",
            Effect: "Allow",
            Action: LIST_BUCKET,
            Resource: bucketArn,
            ...(prefix === undefined ? {} : { Condition: { StringLike: { "s3:prefix": `${prefix}*` } } }),
        },
    ];
    if (kmsKeyArn !== undefined) {
        statements.push({
            Sid: "SharedBucketKey",
            Effect: "Allow",
            Action: oneOrMany([...KMS_ACTIONS[access]]),
            Resource: kmsKeyArn,
        });
    }
    return policy(statements);
}

/** Lets EC2 instances (through their instance profile) assume the workload role. */
export function ec2TrustPolicy(verifyTester?: string): PolicyDocument {
    return policy([
        { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" },
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
