import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, Issue } from "../config/errors";
import type { Encryption } from "../config/owner";
import * as rules from "../config/rules";
import { buildBucketPolicy, ConsumerGrant } from "../policies/bucket-policy";
import { compact, LIMITS, overLimit } from "../policies/document";
import { buildKeyPolicy } from "../policies/key-policy";
import { privateBucket } from "../resources/privateBucket";

export interface CrossAccountBucketArgs {
    /** The owner account; its principals are never caught by the endpoint lock. Required. */
    readonly ownerAccountId: string;
    /** The bucket's region, for `kms:ViaService`. Required. */
    readonly region: string;
    /** ARN partition of the region. @default "aws" */
    readonly partition?: string;
    /** A fixed, globally unique bucket name. @default auto-named from the component name */
    readonly bucketName?: string;
    /**
     * Default encryption. `sse-kms` creates a customer-managed key whose policy lets the consumer
     * roles use it through S3 (the AWS-managed `aws/s3` key cannot be shared across accounts).
     * @default "sse-s3"
     */
    readonly encryption?: Encryption;
    /** Consumers to grant; each is locked to its endpoints. @default [] (no one but the owner) */
    readonly consumers?: readonly ConsumerGrant[];
}

/** The longest name S3 allows: the policy is measured with it while the real name is unknown. */
const LONGEST_BUCKET_NAME = "b".repeat(63);

/**
 * Everything wrong with the args, checked before any resource exists. The size check builds the
 * real policy documents, using the longest possible bucket name when the name is auto-assigned.
 */
export function validateCrossAccountBucketArgs(args: CrossAccountBucketArgs): Issue[] {
    const issues: Issue[] = [];
    const consumers = args.consumers ?? [];
    const problem = (key: string, value: unknown, rule: string, fix: string) => issues.push({ key, value, rule, fix });
    if (rules.accountId(args.ownerAccountId)) {
        problem("ownerAccountId", args.ownerAccountId, "must be a 12-digit AWS account id", "pass the owner account's id");
    }
    if (args.bucketName !== undefined && rules.bucketName(args.bucketName)) {
        problem("bucketName", args.bucketName, rules.bucketName(args.bucketName)!, "choose a valid S3 bucket name");
    }
    for (const [i, c] of consumers.entries()) {
        if (c.accountId === args.ownerAccountId) {
            problem(`consumers[${i}].accountId`, c.accountId, "is the owner account, which the lock never covers", "grant only other accounts");
        }
        if (rules.roleArnAccount(c.roleArn) !== c.accountId) {
            problem(`consumers[${i}].roleArn`, c.roleArn, `must be a role ARN in account ${c.accountId}`, "pass the consumer's workload role");
        }
        if (c.vpceIds.length === 0 || c.vpceIds.some((id) => rules.vpceId(id))) {
            problem(`consumers[${i}].vpceIds`, c.vpceIds, "must list one or more vpce- ids", "pass the consumer's gateway endpoint id");
        }
    }
    if (issues.length > 0) {
        return issues;
    }
    const partition = args.partition ?? "aws";
    const bucketArn = `arn:${partition}:s3:::${args.bucketName ?? LONGEST_BUCKET_NAME}`;
    const sizes = [
        { limit: LIMITS.bucketPolicy, over: overLimit(buildBucketPolicy({ bucketArn, ownerAccountId: args.ownerAccountId, consumers }), LIMITS.bucketPolicy) },
        ...(args.encryption === "sse-kms"
            ? [{ limit: LIMITS.keyPolicy, over: overLimit(buildKeyPolicy({ ownerAccountId: args.ownerAccountId, region: args.region, partition, consumers }), LIMITS.keyPolicy) }]
            : []),
    ];
    for (const { limit, over } of sizes) {
        if (over) {
            problem(
                "consumers",
                `${consumers.length} consumers`,
                `make the ${limit.what} ${over.bytes} bytes, over AWS's limit of ${over.limit} bytes`,
                "share grants (consumers with the same access and prefix share one statement), use shorter role names, or split consumers across buckets",
            );
        }
    }
    return issues;
}

/**
 * An S3 bucket in the owner account, shared with consumer accounts only through their S3 gateway
 * endpoints. Private and encrypted by default, versioned, TLS only, and never deleted by a stack
 * destroy: the bucket and its settings are retained, and `forceDestroy` stays off.
 */
export class CrossAccountBucket extends pulumi.ComponentResource {
    public readonly bucketName: pulumi.Output<string>;
    public readonly bucketArn: pulumi.Output<string>;
    /** The customer-managed key, under `sse-kms`. */
    public readonly kmsKeyArn: pulumi.Output<string> | undefined;
    /** The bucket policy as sent to S3. */
    public readonly policy: pulumi.Output<string>;
    public readonly grantedRoleArns: string[];
    public readonly lockedVpceIds: string[];
    /** The last of the bucket's configuration steps: further bucket settings wait for it (S3 409). */
    public readonly configuredBy: pulumi.Resource[];

    constructor(name: string, args: CrossAccountBucketArgs, opts?: pulumi.ComponentResourceOptions) {
        const issues = validateCrossAccountBucketArgs(args);
        if (issues.length > 0) {
            throw new ConfigError(`Invalid arguments for CrossAccountBucket "${name}"`, issues);
        }
        super("cross-account-s3:index:CrossAccountBucket", name, {}, opts);

        const consumers = args.consumers ?? [];
        const encryption = args.encryption ?? "sse-s3";
        const partition = args.partition ?? "aws";
        // Data outlives the stack: a destroy forgets these resources instead of deleting them.
        const keep = { parent: this, retainOnDelete: true };

        // ACLs off (BucketOwnerEnforced): that is why the consumer is never granted s3:PutObjectAcl.
        // Each configuration step below waits for the one before it (S3 409 OperationAborted).
        const { bucket, publicAccessBlock, ownership } = privateBucket(name, this, args.bucketName);

        const key =
            encryption === "sse-kms"
                ? new aws.kms.Key(
                      `${name}-key`,
                      {
                          description: `Default encryption of the shared bucket ${name}`,
                          enableKeyRotation: true,
                          deletionWindowInDays: 30,
                          policy: compact(buildKeyPolicy({ ownerAccountId: args.ownerAccountId, region: args.region, partition, consumers })),
                      },
                      keep,
                  )
                : undefined;
        const encryptionConfig = new aws.s3.BucketServerSideEncryptionConfiguration(
            `${name}-encryption`,
            {
                bucket: bucket.id,
                rules: [
                    key
                        ? { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: key.arn }, bucketKeyEnabled: true }
                        : { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
                ],
            },
            { ...keep, dependsOn: [ownership] },
        );
        const versioning = new aws.s3.BucketVersioning(
            `${name}-versioning`,
            { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } },
            { ...keep, dependsOn: [encryptionConfig] },
        );

        this.policy = bucket.arn.apply((bucketArn) =>
            compact(buildBucketPolicy({ bucketArn, ownerAccountId: args.ownerAccountId, consumers })),
        );
        // Not retained: destroying the owner stack ends the sharing.
        const bucketPolicy = new aws.s3.BucketPolicy(
            `${name}-policy`,
            { bucket: bucket.id, policy: this.policy },
            { parent: this, dependsOn: [publicAccessBlock, ownership, versioning] },
        );
        this.configuredBy = [bucketPolicy];

        this.bucketName = bucket.bucket;
        this.bucketArn = bucket.arn;
        this.kmsKeyArn = key?.arn;
        this.grantedRoleArns = [...new Set(consumers.map((c) => c.roleArn))].sort();
        this.lockedVpceIds = [...new Set(consumers.flatMap((c) => c.vpceIds))].sort();
        this.registerOutputs({
            bucketName: this.bucketName,
            bucketArn: this.bucketArn,
            kmsKeyArn: this.kmsKeyArn,
            policy: this.policy,
            grantedRoleArns: this.grantedRoleArns,
            lockedVpceIds: this.lockedVpceIds,
        });
    }
}
