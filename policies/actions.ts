import { AccessLevel } from "../domain/terms";

/**
 * Every IAM action this project grants, in one place. Nothing here is a wildcard: a grant names
 * exactly what the workload does.
 *
 * `s3:PutObjectAcl` (granted in the scenario's manual steps) is deliberately absent: the bucket
 * enforces object ownership (`BucketOwnerEnforced`), ACLs are disabled, and an ACL call would only
 * fail with `AccessControlListNotSupported`.
 */

/** Object-level actions per access level (resource `bucket/prefix*`). */
export const OBJECT_ACTIONS: Readonly<Record<AccessLevel, readonly string[]>> = {
    read: ["s3:GetObject"],
    "read-write": ["s3:GetObject", "s3:PutObject"],
};

/** Bucket-level action that every access level needs (resource `bucket`). */
export const LIST_BUCKET = "s3:ListBucket";

/**
 * KMS actions a consumer role needs on the bucket's customer-managed key: S3 decrypts with the
 * caller's permissions on GET, and generates a data key with them on PUT.
 */
export const KMS_ACTIONS: Readonly<Record<AccessLevel, readonly string[]>> = {
    read: ["kms:Decrypt"],
    "read-write": ["kms:Decrypt", "kms:GenerateDataKey"],
};

/** Read-only actions allowed on extra buckets in a restricted endpoint policy (OS package mirrors, ECR layers). */
export const EXTRA_BUCKET_ACTIONS: readonly string[] = ["s3:GetObject", "s3:ListBucket"];

/** Every S3 action: used only in Deny statements and in endpoint-policy filters, never in a grant. */
export const ALL_S3 = "s3:*";

/**
 * The IAM actions that create or change a role, or hand it to a service: what a service control policy
 * denies, on an organization grant's role name, to all but the platform's deploy role (docs/design.md).
 */
export const RESERVED_ROLE_ACTIONS: readonly string[] = [
    "iam:CreateRole",
    "iam:DeleteRole",
    "iam:UpdateRole",
    "iam:UpdateAssumeRolePolicy",
    "iam:PutRolePolicy",
    "iam:DeleteRolePolicy",
    "iam:AttachRolePolicy",
    "iam:DetachRolePolicy",
    "iam:PutRolePermissionsBoundary",
    "iam:DeleteRolePermissionsBoundary",
    "iam:TagRole",
    "iam:UntagRole",
    "iam:AddRoleToInstanceProfile",
    "iam:RemoveRoleFromInstanceProfile",
    "iam:PassRole",
];
