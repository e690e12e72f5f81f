import * as aws from "../resources/aws";
import * as pulumi from "@pulumi/pulumi";
import * as rules from "../domain/rules";
import { repeatedSids } from "../policies/adopted-policy";
import { buildBucketPolicy } from "../policies/bucket-policy";
import { byteSize, compact, LIMITS, overLimit, policy as document } from "../policies/document";
import { buildKeyPolicy } from "../policies/key-policy";
import { checkGrants, LONGEST_BUCKET_NAME, PendingConsumer, placeholderKeyArn, smallestGrant } from "../policies/measure";
import { WriteEncryption } from "../policies/write-encryption";
import { AdoptedBucket, adoptionNotes, checkExistingBucket, existingBucket, existingKeyPolicy } from "../resources/existingBucket";
import { privateBucket } from "../resources/privateBucket";
import { ConfigError, Issue, IssueList } from "../domain/issues";
import {
    BucketSetting,
    DEFAULT_ENCRYPTION,
    DEFAULT_LOCK_MODE,
    Encryption,
    Grant,
    isListedGrant,
    isOrganizationGrant,
    LOCK_MODES,
    LockMode,
    PER_CONSUMER_CANNOT_LOCK_ORGANIZATION,
} from "../domain/terms";

export type { PendingConsumer };

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
    /**
     * The consumers to grant, each locked to its endpoints, and organization grants (a role name under an
     * OU path, locked to endpoints of the caller's own account; requires lockMode "account-match").
     * @default [] (no one but the owner)
     */
    readonly grants?: readonly Grant[];
    /**
     * Consumers agreed on but not deployed yet (no role or endpoint to grant). They get nothing; the
     * size check counts each at the smallest size it could have, so a list that can never fit the
     * bucket policy fails on the first preview instead of after every consumer stack has run.
     * @default []
     */
    readonly pendingConsumers?: readonly PendingConsumer[];
    /** How each consumer is tied to its own endpoints (see endpoint-lock.ts). @default "account-match" */
    readonly lockMode?: LockMode;
    /**
     * Protect the bucket and its key: a change that would replace or delete them (a new `bucketName`
     * or region, say) stops at preview instead of orphaning the data. @default true
     */
    readonly protect?: boolean;
    /** Adopt this existing bucket of the owner account and region instead of creating one. Mutually exclusive with `bucketName`. @default none (create) */
    readonly existingBucket?: AdoptedBucket;
}

/**
 * Everything wrong with the args, checked before any resource exists. The size check builds the
 * real policy documents, using the longest possible bucket name when the name is auto-assigned.
 */
export function validateCrossAccountBucketArgs(args: CrossAccountBucketArgs): readonly Issue[] {
    const issues = new IssueList();
    const grants = args.grants ?? [];
    const pending = args.pendingConsumers ?? [];
    issues.check("ownerAccountId", args.ownerAccountId, rules.accountId(args.ownerAccountId), "pass the owner account's id");
    issues.check("bucketName", args.bucketName, args.bucketName !== undefined && rules.bucketName(args.bucketName), "choose a valid S3 bucket name");
    issues.check("lockMode", args.lockMode, args.lockMode !== undefined && rules.oneOf(LOCK_MODES)(args.lockMode), 'pass "account-match" or "per-consumer"');
    issues.check(
        "lockMode",
        args.lockMode,
        args.lockMode === "per-consumer" && grants.some(isOrganizationGrant) && PER_CONSUMER_CANNOT_LOCK_ORGANIZATION,
        'use lockMode "account-match" with organization grants',
    );
    checkExistingBucket(issues, args.existingBucket, args.bucketName, grants.filter(isListedGrant));
    checkGrants(issues, grants, args.ownerAccountId);
    if (issues.size > 0) {
        return issues.items;
    }
    const partition = args.partition ?? "aws";
    const lockMode = args.lockMode ?? DEFAULT_LOCK_MODE;
    const bucketArn = `arn:${partition}:s3:::${args.existingBucket?.name ?? args.bucketName ?? LONGEST_BUCKET_NAME}`;
    const kmsKeyArn = args.existingBucket?.kmsKeyArn ?? placeholderKeyArn(partition, args.region, args.ownerAccountId);
    const encryption = writeEncryption(args, kmsKeyArn);
    const all = [...grants, ...pending.map((p, i) => smallestGrant(p, i, partition))];
    const adopted = args.existingBucket?.policy;
    const bucketPolicy = (mode: LockMode) =>
        buildBucketPolicy({ bucketArn, ownerAccountId: args.ownerAccountId, grants: all, encryption, lockMode: mode, adopted });
    for (const sid of repeatedSids(bucketPolicy(lockMode))) {
        issues.check(
            "existingBucket.policy",
            sid,
            "is the Sid of an adopted statement and of a generated one (Sids must be unique in a policy)",
            "rename the adopted statement's Sid, in the bucket's policy too",
        );
    }
    const counted =
        pending.length === 0
            ? `${grants.length} consumers`
            : `${all.length} consumers (${pending.length} not deployed yet, counted at their smallest possible size)`;
    const tooBig = (what: string, over: { bytes: number; limit: number }, fix: string) =>
        issues.check(
            "grants",
            counted,
            `make the ${what} ${pending.length > 0 ? "at least " : ""}${over.bytes} bytes, over AWS's limit of ${over.limit} bytes`,
            fix,
        );
    const sharing = "share grants (consumers with the same access and prefix share one statement), use shorter role names, or split consumers across buckets";

    const overBucket = overLimit(bucketPolicy(lockMode), LIMITS.bucketPolicy);
    if (overBucket) {
        const other = LOCK_MODES.find((m) => m !== lockMode)!;
        const fitsOther = !grants.some(isOrganizationGrant) && overLimit(bucketPolicy(other), LIMITS.bucketPolicy) === undefined;
        tooBig(
            `${LIMITS.bucketPolicy.what} (lockMode ${lockMode})`,
            overBucket,
            fitsOther ? `set lockMode to "${other}", which fits (${byteSize(bucketPolicy(other))} bytes); or ${sharing}` : sharing,
        );
    }
    if (encryption.kind === "sse-kms") {
        const keyPolicy = buildKeyPolicy({ bucketArn, ownerAccountId: args.ownerAccountId, region: args.region, partition, grants: all });
        const overKey = overLimit(keyPolicy, LIMITS.keyPolicy);
        if (overKey) {
            tooBig(LIMITS.keyPolicy.what, overKey, sharing);
        }
    }
    return issues.items;
}

/** What writes must keep: an adopted bucket's own key, else the bucket's chosen encryption. */
function writeEncryption(args: CrossAccountBucketArgs, kmsKeyArn: string): WriteEncryption {
    return args.existingBucket?.kmsKeyArn !== undefined || args.encryption === "sse-kms" ? { kind: "sse-kms", kmsKeyArn } : { kind: "sse-s3" };
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

        const adopted = args.existingBucket;
        // Adopting is decided here, once: the bucket is read, not created; each setting is managed unless
        // kept; the bucket's own key stays its key; giving the bucket back grants and locks no one.
        const manages = (setting: BucketSetting) => !(adopted?.keep ?? []).includes(setting);
        const grants = adopted?.giveBack ? [] : (args.grants ?? []);
        const encryption = adopted?.kmsKeyArn !== undefined ? "sse-kms" : (args.encryption ?? DEFAULT_ENCRYPTION);
        const partition = args.partition ?? "aws";
        const lockMode = args.lockMode ?? DEFAULT_LOCK_MODE;
        // Data outlives the stack: a destroy forgets these resources instead of deleting them, and
        // (protected by default) a change that would replace the bucket or its key stops at preview.
        const keep = { parent: this, retainOnDelete: true };
        const guard = { ...keep, protect: args.protect ?? true };

        // ACLs off (BucketOwnerEnforced): that is why the consumer is never granted s3:PutObjectAcl.
        // Each configuration step below waits for the one before it (S3 409 OperationAborted).
        const { bucket, publicAccessBlock, ownership } = adopted
            ? existingBucket(name, this, adopted.name, manages)
            : privateBucket(name, this, args.bucketName, guard);
        adoptionNotes(adopted).forEach((note) => pulumi.log.warn(note, this));

        const key =
            encryption === "sse-kms" && adopted?.kmsKeyArn === undefined
                ? new aws.kms.Key(
                      `${name}-key`,
                      {
                          description: `Default encryption of the shared bucket ${name}`,
                          enableKeyRotation: true,
                          deletionWindowInDays: 30,
                          policy: bucket.arn.apply((bucketArn) =>
                              compact(buildKeyPolicy({ bucketArn, ownerAccountId: args.ownerAccountId, region: args.region, partition, grants })),
                          ),
                      },
                      guard,
                  )
                : undefined;
        const kmsKeyArn = adopted?.kmsKeyArn !== undefined ? pulumi.output(adopted.kmsKeyArn) : key?.arn;
        if (adopted?.kmsKeyArn !== undefined && !adopted.giveBack) {
            existingKeyPolicy(name, this, adopted, bucket.arn, { ownerAccountId: args.ownerAccountId, region: args.region, partition, grants });
        }
        const encryptionConfig = manages("encryption")
            ? new aws.s3.BucketServerSideEncryptionConfiguration(
                  `${name}-encryption`,
                  {
                      bucket: bucket.id,
                      rules: [
                          {
                              ...(kmsKeyArn
                                  ? { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: kmsKeyArn }, bucketKeyEnabled: true }
                                  : { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }),
                              // SSE-C keys are the writer's own: nobody else could read such an object.
                              blockedEncryptionTypes: ["SSE-C"],
                          },
                      ],
                  },
                  { ...keep, dependsOn: settled(ownership) },
              )
            : undefined;
        const versioning = manages("versioning")
            ? new aws.s3.BucketVersioning(
                  `${name}-versioning`,
                  { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } },
                  { ...keep, dependsOn: settled(encryptionConfig ?? ownership) },
              )
            : undefined;

        this.policy = pulumi.all([bucket.arn, kmsKeyArn]).apply(([bucketArn, keyArn]) =>
            compact(
                adopted?.giveBack
                    ? document(adopted.policy?.statements ?? [])
                    : buildBucketPolicy({
                          bucketArn,
                          ownerAccountId: args.ownerAccountId,
                          grants,
                          encryption: keyArn === undefined ? { kind: "sse-s3" } : { kind: "sse-kms", kmsKeyArn: keyArn },
                          lockMode,
                          adopted: adopted?.policy,
                      }),
            ),
        );
        // Not retained on a bucket of its own: destroying the owner stack ends the sharing. Retained on an
        // adopted bucket that had a policy: a delete would leave it with none, so giving the bucket back
        // writes the adopted statements alone and a destroy leaves them. One that had none gets none back.
        const bucketPolicy =
            adopted?.giveBack && adopted.policy === undefined
                ? undefined
                : new aws.s3.BucketPolicy(
                      `${name}-policy`,
                      { bucket: bucket.id, policy: this.policy },
                      {
                          parent: this,
                          retainOnDelete: adopted?.policy !== undefined,
                          dependsOn: settled(publicAccessBlock, ownership, versioning ?? encryptionConfig),
                      },
                  );
        this.configuredBy = settled(bucketPolicy ?? versioning ?? encryptionConfig ?? ownership ?? publicAccessBlock);

        this.bucketName = bucket.bucket;
        this.bucketArn = bucket.arn;
        this.kmsKeyArn = kmsKeyArn;
        const listed = grants.filter(isListedGrant);
        this.grantedRoleArns = [...new Set(listed.map((g) => g.roleArn))].sort();
        this.lockedVpceIds = [...new Set(listed.flatMap((g) => g.vpceIds))].sort();
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

/** The configuration steps that exist (an adopted bucket's kept settings have none). */
const settled = (...steps: (pulumi.Resource | undefined)[]): pulumi.Resource[] => steps.filter((r): r is pulumi.Resource => r !== undefined);
