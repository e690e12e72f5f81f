import * as aws from "./aws";
import * as pulumi from "@pulumi/pulumi";
import { IssueList } from "../domain/issues";
import * as rules from "../domain/rules";
import { BucketSetting, ConsumerGrant } from "../domain/terms";
import { AdoptedPolicy } from "../policies/adopted-policy";
import { compact, policy } from "../policies/document";
import { buildKeyPolicy, consumerKeyStatements, KeyPolicyInput } from "../policies/key-policy";

/** An existing bucket to adopt: read, never replaced or deleted; its settings managed or kept one by one. */
export interface AdoptedBucket {
    readonly name: string;
    /** Its current policy's statements, kept in the merged policy, and who of them the lock exempts. @default none (it had no policy) */
    readonly policy?: AdoptedPolicy;
    /** Its existing KMS key (full ARN): writes must use it, and default encryption stays on it. @default none (`encryption` applies) */
    readonly kmsKeyArn?: string;
    /** Write that key's whole policy (requires `kmsKeyArn`); otherwise the consumers' statements are printed for its owner. @default false */
    readonly manageKeyPolicy?: boolean;
    /** Settings left as the bucket has them; every other one is managed. @default [] */
    readonly keep?: readonly BucketSetting[];
    /** Give the bucket back: its policy becomes the adopted statements alone, with no grant and no lock. @default false */
    readonly giveBack?: boolean;
}

export function checkExistingBucket(
    issues: IssueList,
    adopted: AdoptedBucket | undefined,
    bucketName: string | undefined,
    grants: readonly ConsumerGrant[],
): void {
    if (adopted === undefined) {
        return;
    }
    issues.check("existingBucket.name", adopted.name, rules.bucketName(adopted.name), "pass the existing bucket's name");
    issues.check("bucketName", bucketName, bucketName !== undefined && "names a bucket to create, and existingBucket one to adopt", "pass one of them");
    issues.check(
        "existingBucket.manageKeyPolicy",
        adopted.manageKeyPolicy,
        adopted.manageKeyPolicy === true && adopted.kmsKeyArn === undefined && "requires existingBucket.kmsKeyArn",
        "name the bucket's key, or leave manageKeyPolicy off",
    );
    for (const role of adopted.policy?.exempt.principalArns.filter((arn) => grants.some((g) => g.roleArn === arn)) ?? []) {
        issues.check(
            "existingBucket.policy.exempt",
            role,
            "is a consumer's workload role, and exempting it would release that consumer from its endpoints",
            "set the adopted statement that grants it to lock: the consumer's grant already gives it access",
        );
    }
}

export interface ExistingBucket {
    readonly bucket: aws.s3.Bucket;
    /** Present when the stack manages the setting. */
    readonly publicAccessBlock?: aws.s3.BucketPublicAccessBlock;
    readonly ownership?: aws.s3.BucketOwnershipControls;
}

/**
 * An existing bucket, read (`Resource.get`) and never managed: no update, replacement or delete of
 * this stack can reach it, whatever `protect` says, and a bucket that is not there stops the preview.
 * The public access block and ownership controls are the private-bucket baseline (privateBucket.ts),
 * each only where `manages` says so, retained on destroy: deleting them would not restore what the
 * bucket had, it would remove the setting.
 */
export function existingBucket(name: string, parent: pulumi.Resource, bucketName: string, manages: (s: BucketSetting) => boolean): ExistingBucket {
    const keep = { parent, retainOnDelete: true };
    const bucket = aws.s3.Bucket.get(name, bucketName, undefined, { parent });
    const publicAccessBlock = manages("publicAccessBlock")
        ? new aws.s3.BucketPublicAccessBlock(
              `${name}-public-access-block`,
              { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
              keep,
          )
        : undefined;
    const ownership = manages("ownershipControls")
        ? new aws.s3.BucketOwnershipControls(
              `${name}-ownership`,
              { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
              { ...keep, dependsOn: publicAccessBlock ? [publicAccessBlock] : [] },
          )
        : undefined;
    return { bucket, ...(publicAccessBlock ? { publicAccessBlock } : {}), ...(ownership ? { ownership } : {}) };
}

/**
 * The adopted key's policy. Managed (`manageKeyPolicy`): the whole policy is written, the owner
 * account's statement plus the consumers', replacing what the key had; retained on destroy, since a
 * delete would not restore it. Otherwise the key's owner adds the consumers' statements by hand: they are
 * printed at every preview, and `npm run verify` checks that they are there.
 */
export function existingKeyPolicy(
    name: string,
    parent: pulumi.Resource,
    adopted: AdoptedBucket,
    bucketArn: pulumi.Output<string>,
    key: Omit<KeyPolicyInput, "bucketArn">,
): aws.kms.KeyPolicy | undefined {
    if (adopted.manageKeyPolicy) {
        return new aws.kms.KeyPolicy(
            `${name}-key-policy`,
            { keyId: adopted.kmsKeyArn!, policy: bucketArn.apply((arn) => compact(buildKeyPolicy({ ...key, bucketArn: arn }))) },
            { parent, retainOnDelete: true },
        );
    }
    if (key.grants.length > 0) {
        bucketArn.apply((arn) =>
            pulumi.log.info(
                `The key ${adopted.kmsKeyArn} is not managed by this stack (manageKeyPolicy is off): its policy must hold these statements for the consumers, ` +
                    `added by the key's owner: ${compact(policy(consumerKeyStatements({ ...key, bucketArn: arn })))}`,
                parent,
            ),
        );
    }
    return undefined;
}

/** What adopting does to each bucket-level setting: said at every preview, so nothing is rewritten silently. */
export function adoptionNotes(adopted: AdoptedBucket | undefined): string[] {
    if (adopted === undefined) {
        return [];
    }
    const { name: bucketName, kmsKeyArn } = adopted;
    const keep = adopted.keep ?? [];
    if (adopted.giveBack) {
        return [
            `Giving back the bucket ${bucketName}: its policy becomes the adopted statements alone (no grant, no lock; or no policy, if it had none). ` +
                `Every other setting stays as it is. Then pulumi destroy forgets the bucket and its settings without changing them.`,
        ];
    }
    const replaces: Record<BucketSetting, string> = {
        publicAccessBlock: "replaces the bucket's Block Public Access settings with all four on",
        ownershipControls: "replaces the bucket's object ownership with BucketOwnerEnforced (ACLs off; the owner owns every object)",
        encryption: `replaces the bucket's default encryption with ${kmsKeyArn ? `SSE-KMS under ${kmsKeyArn} (Bucket Key on)` : "SSE-S3"}, SSE-C blocked`,
        versioning: "turns versioning on (S3 can then only suspend it, never turn it off)",
    };
    const managed = (Object.keys(replaces) as BucketSetting[]).filter((s) => !keep.includes(s));
    return [
        `Adopting the existing bucket ${bucketName}: never replaced or deleted by this stack. ` +
            `Its policy is replaced by the adopted statements plus the grants and the endpoint lock.`,
        ...managed.map((s) => `Adopted bucket ${bucketName}: managing ${s} ${replaces[s]}; pulumi destroy leaves it as set.`),
        ...keep.map((s) => `Adopted bucket ${bucketName}: ${s} is left as the bucket has it (keepBucketSettings).`),
    ];
}
