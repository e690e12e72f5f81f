/**
 * The judgement of the organization-grant checks, on what AWS Organizations and Access Analyzer return:
 * whether the grant's accounts can be seen, whether a service control policy on the path reserves the
 * granted role name, and whether an external-access finding is exactly an organization grant.
 * Anything it cannot see is said as unknown (an info row), never as a pass.
 */
import { RESERVED_ROLE_ACTIONS } from "../policies/actions";
import { grantedRolePattern } from "../policies/organization-grant";
import { OrganizationGrant, organizationOf } from "../domain/terms";
import type { CheckRow, ExternalAccess } from "./rows";

/** Where the example SCP that reserves a role name is documented. */
export const EXAMPLE_SCP = "the example SCP in docs/design.md (What it trusts)";

/** The root and OU ids of an organization path, root first: `o-…/r-…/ou-…/` → `[r-…, ou-…]`. */
export const pathTargets = (orgPath: string): string[] => orgPath.split("/").filter(Boolean).slice(1);

/** What the Organizations reads found for one grant. */
export interface GrantAccounts {
    /** The organization of the credentials used. */
    readonly organizationId: string;
    readonly managementAccountId: string;
    /** The first id of the path that is not where the path puts it. */
    readonly notFound?: { readonly id: string; readonly parent: string };
    /** Every account under the path's last OU and its child OUs. */
    readonly accounts: readonly string[];
}

/** A service control policy attached to the path's root or one of its OUs, with its document. */
export interface AttachedScp {
    readonly target: string;
    readonly id: string;
    readonly name: string;
    readonly content: string;
}

/** A grant's row name: its role name and the OU (or root) its path ends in, since one name may be granted under two paths. */
export const grantCheck = (grant: OrganizationGrant, what: "accounts" | "role name reserved") =>
    `organization grant ${grant.roleName} under ${pathTargets(grant.orgPath).at(-1)}: ${what}`;

const HOW_TO_SEE =
    "set AWS_PROFILE_ORGANIZATION to a profile of the organization's management account or of a delegated administrator " +
    "(organizations:Describe*/List* read-only) and run again";

/** Why Organizations could not be read, as an unknown (info) row; undefined for any other error. */
export function unknownRow(stack: string, check: string, error: unknown, credentials: string): CheckRow | undefined {
    const name = (error as { name?: string }).name ?? "";
    const message = (error as Error).message ?? "";
    const reason =
        name === "AccessDeniedException"
            ? `${credentials} may not read AWS Organizations (AccessDenied: ${message}): ${HOW_TO_SEE}`
            : name === "AWSOrganizationsNotInUseException"
              ? `the account of ${credentials} is in no organization (AWSOrganizationsNotInUseException): ${HOW_TO_SEE}`
              : name === "CredentialsProviderError" || /Could not load credentials/i.test(message)
                ? `no credentials for AWS Organizations (${credentials}): ${HOW_TO_SEE}`
                : undefined;
    return reason === undefined ? undefined : { stack, check, result: "info", detail: `unknown: ${reason}` };
}

/** Whether the grant's accounts can be seen, and how many there are. */
export function judgeGrantAccounts(stack: string, grant: OrganizationGrant, seen: GrantAccounts, credentials: string): CheckRow {
    const check = grantCheck(grant, "accounts");
    const organization = organizationOf(grant.orgPath);
    if (seen.organizationId !== organization) {
        return {
            stack,
            check,
            result: "info",
            detail: `unknown: ${credentials} belong to organization ${seen.organizationId}, not the grant's ${organization}: ${HOW_TO_SEE}`,
        };
    }
    if (seen.notFound !== undefined) {
        return {
            stack,
            check,
            result: "fail",
            detail:
                `orgPath ${grant.orgPath}: ${seen.notFound.id} is not under ${seen.notFound.parent} in ${organization}, so no account matches ` +
                `aws:PrincipalOrgPaths and the grant lets no one in: correct organizationGrants[].orgPath on the owner`,
        };
    }
    if (seen.accounts.length === 0) {
        return { stack, check, result: "warn", detail: `no account under ${grant.orgPath} or its child OUs yet` };
    }
    const shown = seen.accounts.slice(0, 5).join(", ");
    const more = seen.accounts.length > 5 ? ` and ${seen.accounts.length - 5} more` : "";
    return { stack, check, result: "pass", detail: `${seen.accounts.length} accounts under ${grant.orgPath} and its child OUs: ${shown}${more}` };
}

/** IAM's wildcards: `*` any run of characters, `?` one. */
export function wildcardMatch(pattern: string, value: string, ignoreCase: boolean): boolean {
    const source = [...pattern].map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\]/g, "\\$&"))).join("");
    return new RegExp(`^${source}$`, ignoreCase ? "is" : "s").test(value);
}

const list = (v: unknown): string[] => (v === undefined ? [] : [v].flat().map(String));
const PRINCIPAL_EXCEPTION = /^(ArnNotLike|ArnNotEquals|StringNotLike|StringNotEquals)(IfExists)?$/;

/** What one SCP's Deny statements reserve of the role name: the actions they cover and whom they exempt. */
export function reservation(content: string, roleName: string, partition: string, accounts: readonly string[]): { actions: string[]; exceptions: string[] } {
    const document = JSON.parse(content) as { Statement?: unknown };
    const arns = ["*", ...accounts].map((account) => `arn:${partition}:iam::${account}:role/${roleName}`);
    const actions = new Set<string>();
    const exceptions: string[] = [];
    for (const s of document.Statement === undefined ? [] : [document.Statement].flat()) {
        const st = s as { Effect?: string; Action?: unknown; Resource?: unknown; Condition?: Record<string, Record<string, unknown>> };
        const resources = list(st.Resource);
        if (st.Effect !== "Deny" || !arns.every((arn) => resources.some((r) => wildcardMatch(r, arn, false)))) {
            continue; // NotAction and NotResource statements have no Action or Resource here, and count for nothing
        }
        const conditions = Object.entries(st.Condition ?? {}).flatMap(([operator, keys]) =>
            Object.entries(keys).map(([key, value]) => ({ operator, key, value })),
        );
        const exempt = conditions.every((c) => PRINCIPAL_EXCEPTION.test(c.operator) && c.key.toLowerCase() === "aws:principalarn");
        const values = conditions.flatMap((c) => list(c.value));
        // An exception that matches every role name exempts anyone who can create a role: it reserves nothing.
        if (!exempt || values.some((v) => wildcardMatch(v, `arn:${partition}:iam::*:role/*`, false))) {
            continue;
        }
        RESERVED_ROLE_ACTIONS.filter((a) => list(st.Action).some((p) => wildcardMatch(p, a, true))).forEach((a) => actions.add(a));
        exceptions.push(...values);
    }
    return { actions: [...actions], exceptions };
}

/** Whether the SCPs attached on the path deny the role's IAM writes to all but a deploy role. */
export function judgeRoleNameReserved(stack: string, grant: OrganizationGrant, partition: string, seen: GrantAccounts, scps: readonly AttachedScp[]): CheckRow {
    const check = grantCheck(grant, "role name reserved");
    const targets = pathTargets(grant.orgPath);
    const reserving = scps.map((scp) => ({ scp, ...reservation(scp.content, grant.roleName, partition, seen.accounts) })).filter((r) => r.actions.length > 0);
    const covered = new Set(reserving.flatMap((r) => r.actions));
    const missing = RESERVED_ROLE_ACTIONS.filter((a) => !covered.has(a));
    const by = reserving.map((r) => `${r.scp.name} (${r.scp.id}) on ${r.scp.target}`).join(", ");
    const exceptions = [...new Set(reserving.flatMap((r) => r.exceptions))];
    if (reserving.length === 0) {
        return {
            stack,
            check,
            result: "warn",
            detail:
                `no service control policy attached on the path (${targets.join(", ")}) denies the IAM writes on role/${grant.roleName}: any ` +
                `administrator of an account under the path can create that role and reach the bucket. Attach ${EXAMPLE_SCP} to ${targets[targets.length - 1]}`,
        };
    }
    if (missing.length > 0) {
        return { stack, check, result: "warn", detail: `${by} leave ${missing.join(", ")} on role/${grant.roleName} allowed: add them as in ${EXAMPLE_SCP}` };
    }
    if (seen.accounts.includes(seen.managementAccountId)) {
        return {
            stack,
            check,
            result: "warn",
            detail: `${by} reserve role/${grant.roleName}, but the management account ${seen.managementAccountId} is under the path and SCPs do not apply to it: move it out`,
        };
    }
    return {
        stack,
        check,
        result: "pass",
        detail: `${by} deny the IAM writes on role/${grant.roleName} to all but ${exceptions.length > 0 ? exceptions.join(", ") : "no one (not even a deploy role)"}`,
    };
}

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
