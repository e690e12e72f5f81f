/**
 * The judgement of organization grants on what Access Analyzer returns: whether an external-access
 * finding is exactly an organization grant.
 */
import { grantedRolePattern } from "../policies/organization-grant";
import { OrganizationGrant, organizationOf } from "../domain/terms";
import type { ExternalAccess } from "./judge";

/** The values of a finding's condition key (case-insensitive), split where Access Analyzer joins several. */
const values = (condition: Readonly<Record<string, string>> | undefined, key: string): string[] =>
    Object.entries(condition ?? {})
        .filter(([k]) => k.toLowerCase() === key.toLowerCase())
        .flatMap(([, v]) => v.split(","))
        .map((v) => v.trim())
        .filter(Boolean);

/**
 * The organization grant an external-access finding is exactly: principal `*`, not public, conditioned on
 * the grant's organization id, its path (and only it) and its role pattern (and only it). Anything wider
 * matches no grant.
 */
export function organizationGrantOf(finding: ExternalAccess, grants: readonly OrganizationGrant[], partition: string): OrganizationGrant | undefined {
    if (finding.isPublic || finding.principal?.AWS !== "*") {
        return undefined;
    }
    const org = values(finding.condition, "aws:PrincipalOrgID");
    const paths = values(finding.condition, "aws:PrincipalOrgPaths");
    const roles = values(finding.condition, "aws:PrincipalArn");
    return grants.find(
        (g) =>
            org.length === 1 &&
            org[0] === organizationOf(g.orgPath) &&
            paths.length > 0 &&
            paths.every((p) => p === `${g.orgPath}*`) &&
            roles.length > 0 &&
            roles.every((r) => r === grantedRolePattern(g, partition)),
    );
}
