import { createHash } from "crypto";
import { StackIdentity } from "../domain/stack-identity";

/** The most of the stack name a generated name keeps readable; the hash, not the slug, makes it unique. */
const SLUG_LENGTH = 40;

/**
 * The part of a generated name that tells this stack apart from every other stack that may share its
 * account and region: the stack name folded to lowercase letters and digits joined by `separator`
 * (what Glue, Athena and Access Analyzer all accept), at most 40 characters, then 8 hex digits of the
 * fully qualified stack name. Folding alone maps `owner-a` and `Owner_A` to one name, and the same
 * stack name in another project or organization too; the hash keeps them apart. The result is at most
 * 49 characters whatever the stack is called, so every name built from it stays within AWS's limits.
 */
export function stackNamePart(identity: StackIdentity, separator: "_" | "-"): string {
    const slug = identity.stack
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, separator)
        .slice(0, SLUG_LENGTH);
    const hash = createHash("sha256").update(`${identity.organization}/${identity.project}/${identity.stack}`).digest("hex").slice(0, 8);
    return `${slug}${separator}${hash}`;
}

/** Base of the Glue database and Athena workgroup names (letters, digits and underscores). */
export function catalogName(identity: StackIdentity): string {
    return `${stackNamePart(identity, "_")}_shared_data`;
}

/** The IAM Access Analyzer's name: it must start with a letter, as the project name does. */
export function analyzerName(identity: StackIdentity): string {
    return `${identity.project}-${stackNamePart(identity, "-")}`;
}
