/** The Pulumi project every stack of this program belongs to (Pulumi.yaml `name`). */
export const PROJECT = "cross-account-s3";
/** The organization of a self-managed backend, where every stack lives under `organization/`. */
export const ORGANIZATION = "organization";
