import { deny, Statement } from "./document";

/** How the bucket encrypts what is written to it: S3-managed keys, or its own customer-managed KMS key. */
export type WriteEncryption = { readonly kind: "sse-s3" } | { readonly kind: "sse-kms"; readonly kmsKeyArn: string };

const SSE = "s3:x-amz-server-side-encryption";
const SSE_KMS_KEY = "s3:x-amz-server-side-encryption-aws-kms-key-id";

/**
 * Writes must keep the bucket's own encryption, whoever writes: a request either sends no encryption
 * header (the bucket default applies) or asks for exactly that default. Otherwise a writer could
 * encrypt objects under a key of its own account (or its own SSE-C key) that nobody else can use,
 * and poison the bucket by disabling that key.
 *
 * - `sse-s3`: a header other than `AES256` is refused.
 * - `sse-kms`: a header other than `aws:kms` is refused (so `aws:kms:dsse` too), and `aws:kms` must name
 *   the bucket's key by its full ARN: without a key id S3 would use the writer's `aws/s3` key.
 *
 * SSE-C is refused by the bucket itself (`blockedEncryptionTypes`: S3 answers every SSE-C PutObject,
 * CopyObject, PostObject and multipart upload with 403), not here: a policy statement would only
 * repeat it, at the cost of two consumers' worth of the 20 KB.
 *
 * `s3:PutObject` is the action of PutObject, CopyObject (on the target) and CreateMultipartUpload
 * alike, so copies and multipart uploads are covered. Each condition pairs `Null: false` with the
 * negated test: a request without the header is not refused. The statements' size does not depend
 * on the number of consumers.
 */
export function writeEncryptionStatements(bucketArn: string, encryption: WriteEncryption): Statement[] {
    const objects = `${bucketArn}/*`;
    if (encryption.kind === "sse-s3") {
        return [deny("DenyOtherEncryption", "s3:PutObject", objects, { Null: { [SSE]: "false" }, StringNotEquals: { [SSE]: "AES256" } })];
    }
    return [
        deny("DenyOtherEncryption", "s3:PutObject", objects, { Null: { [SSE]: "false" }, StringNotEquals: { [SSE]: "aws:kms" } }),
        deny("DenyOtherKmsKeys", "s3:PutObject", objects, { Null: { [SSE]: "false" }, StringNotEquals: { [SSE_KMS_KEY]: encryption.kmsKeyArn } }),
    ];
}
