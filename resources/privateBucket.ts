import * as aws from "./aws";
import * as pulumi from "@pulumi/pulumi";

export interface PrivateBucket {
    readonly bucket: aws.s3.Bucket;
    readonly publicAccessBlock: aws.s3.BucketPublicAccessBlock;
    readonly ownership: aws.s3.BucketOwnershipControls;
}

/**
 * The baseline every bucket of this project starts from, as children of `parent`: the bucket
 * (forceDestroy off), all four Block Public Access settings, and ACLs disabled (BucketOwnerEnforced:
 * the bucket owner owns every object, whoever wrote it). All three are retained on destroy, and
 * ownership waits for the public access block, since S3 answers concurrent configuration calls on
 * one bucket with 409 OperationAborted. `bucketOptions` adds options to the bucket alone (`protect`).
 */
export function privateBucket(name: string, parent: pulumi.Resource, bucketName?: string, bucketOptions: { protect?: boolean } = {}): PrivateBucket {
    const keep = { parent, retainOnDelete: true };
    const bucket = new aws.s3.Bucket(name, { bucket: bucketName, forceDestroy: false }, { ...keep, ...bucketOptions });
    const publicAccessBlock = new aws.s3.BucketPublicAccessBlock(
        `${name}-public-access-block`,
        { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
        keep,
    );
    const ownership = new aws.s3.BucketOwnershipControls(
        `${name}-ownership`,
        { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
        { ...keep, dependsOn: [publicAccessBlock] },
    );
    return { bucket, publicAccessBlock, ownership };
}
