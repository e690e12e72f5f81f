import { LockMode, OrganizationGrant } from "../domain/terms";
import { grantedRolePattern } from "../policies/organization-grant";
import { PolicyDocument, Statement } from "../policies/document";
import { CheckRow, ExternalAccess } from "./rows";
import { organizationGrantOf } from "./organization";

export type { CheckRow, ExternalAccess };

/** Whether any row fails the run. */
export const failed = (rows: readonly CheckRow[]) => rows.some((r) => r.result === "fail");

/** A statement in a canonical form: lists as sorted arrays, so AWS's reordering and `"x"` vs `["x"]` compare equal. */
export function canonical(value: unknown): unknown {
    if (Array.isArray(value)) {
        const items = value.map(canonical);
        return items.length === 1 ? items[0] : [...items].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    }
    if (value !== null && typeof value === "object") {
        return Object.fromEntries(
            Object.entries(value as Record<string, unknown>)
                .sort(([a], [b]) => a.localeCompare(b))
                .map(([k, v]) => [k, canonical(v)]),
        );
    }
    return value;
}

const sidOf = (s: Statement, i: number) => s.Sid ?? `statement ${i + 1}`;

/** Check 1: the live document equals the one the builders produce; a difference is named statement by statement. */
export function compareDocument(stack: string, what: string, expected: PolicyDocument, live: PolicyDocument | undefined): CheckRow {
    const check = `live ${what}`;
    if (live === undefined) {
        return { stack, check, result: "fail", detail: "not found: the stack has not applied it (run npm run deploy)" };
    }
    const want = new Map(expected.Statement.map((s, i) => [sidOf(s, i), JSON.stringify(canonical(s))]));
    const have = new Map(live.Statement.map((s, i) => [sidOf(s, i), JSON.stringify(canonical(s))]));
    const missing = [...want.keys()].filter((sid) => !have.has(sid));
    const extra = [...have.keys()].filter((sid) => !want.has(sid));
    const changed = [...want.keys()].filter((sid) => have.has(sid) && have.get(sid) !== want.get(sid));
    const differences = [
        missing.length ? `missing ${missing.join(", ")}` : "",
        extra.length ? `not generated ${extra.join(", ")}` : "",
        changed.length ? `different ${changed.join(", ")}` : "",
    ].filter(Boolean);
    return differences.length === 0
        ? { stack, check, result: "pass", detail: `equals the generated document (${expected.Statement.length} statements)` }
        : { stack, check, result: "fail", detail: `${differences.join("; ")}: run npm run deploy, or find who changed it by hand` };
}

/** What ValidatePolicy reports about one finding. */
export interface ValidationFinding {
    readonly findingType?: string;
    readonly issueCode?: string;
    readonly findingDetails?: string;
}

/** Check 2: no ERROR or SECURITY_WARNING finding; warnings and suggestions are shown, not failed. */
export function judgeValidation(stack: string, what: string, findings: readonly ValidationFinding[]): CheckRow[] {
    const check = `ValidatePolicy ${what}`;
    if (findings.length === 0) {
        return [{ stack, check, result: "pass", detail: "no findings" }];
    }
    return findings.map((f) => ({
        stack,
        check,
        result: f.findingType === "ERROR" || f.findingType === "SECURITY_WARNING" ? "fail" : f.findingType === "WARNING" ? "warn" : "info",
        detail: `${f.findingType} ${f.issueCode}: ${f.findingDetails ?? ""}`.trim(),
    }));
}

/** What a custom policy check (CheckNoPublicAccess, CheckAccessNotGranted, CheckNoNewAccess) answers. */
export interface CustomCheckResult {
    readonly result?: string;
    readonly message?: string;
    readonly reasons?: readonly { readonly description?: string; readonly statementId?: string }[];
}

/** Check 3 (and --planned's CheckNoNewAccess): PASS passes; anything else fails with AWS's reasons. */
export function judgeCustomCheck(stack: string, check: string, answer: CustomCheckResult): CheckRow {
    if (answer.result === "PASS") {
        return { stack, check, result: "pass", detail: answer.message ?? "PASS" };
    }
    const reasons = (answer.reasons ?? []).map((r) => `${r.statementId ? `${r.statementId}: ` : ""}${r.description ?? ""}`).filter(Boolean);
    return { stack, check, result: "fail", detail: [answer.message ?? String(answer.result), ...reasons].join(" · ") };
}

/**
 * What no one may be granted by the bucket policy: changing the policy, ACLs, encryption, versioning
 * or lifecycle, deleting versions, bypassing Object Lock. The owner account manages these through IAM.
 */
export const NEVER_GRANTED = [
    "s3:PutBucketPolicy",
    "s3:DeleteBucketPolicy",
    "s3:PutBucketAcl",
    "s3:PutObjectAcl",
    "s3:PutBucketPublicAccessBlock",
    "s3:PutBucketOwnershipControls",
    "s3:PutEncryptionConfiguration",
    "s3:PutBucketVersioning",
    "s3:PutLifecycleConfiguration",
    "s3:DeleteObjectVersion",
    "s3:DeleteBucket",
    "s3:BypassGovernanceRetention",
    "s3:PutObjectRetention",
    "s3:PutObjectLegalHold",
] as const;

/** What the exact check needs of each granted role: its endpoints, its account, and whether the account-match lock ties it by account. */
export interface RoleEndpoints {
    readonly endpoints: readonly string[];
    readonly accountId: string;
    /** account-match, and the role has no own LockRole statement (so aws:VpceAccount is what ties it). */
    readonly tiedByAccount: boolean;
}

const conditionValue = (condition: Readonly<Record<string, string>> | undefined, key: string) =>
    Object.entries(condition ?? {}).find(([k]) => k.toLowerCase() === key.toLowerCase())?.[1];

/**
 * Whether a finding's conditions tie the role to its own endpoints: every aws:SourceVpce it lists is one
 * of the role's, or (account-match) aws:VpceAccount is the role's own account. A list that merely
 * includes the role's endpoints among other consumers' does not.
 */
export function tiedToOwnEndpoints(condition: Readonly<Record<string, string>> | undefined, role: RoleEndpoints): boolean {
    const listed = conditionValue(condition, "aws:SourceVpce")?.match(/vpce-[0-9a-z]+/g) ?? [];
    if (listed.length === 0) {
        return false;
    }
    if (listed.every((e) => role.endpoints.includes(e))) {
        return true;
    }
    const account = conditionValue(condition, "aws:VpceAccount")?.trim();
    return role.tiedByAccount && (account === role.accountId || account === "${aws:PrincipalAccount}");
}

/**
 * Check 4: the analyzer's external-access findings on the shared bucket name exactly the granted
 * consumer roles and organization grants, none is public, and each role is tied to its own endpoints.
 */
export function judgeExternalAccess(
    stack: string,
    findings: readonly ExternalAccess[],
    roles: ReadonlyMap<string, RoleEndpoints>,
    zone: "ACCOUNT" | "ORGANIZATION" = "ACCOUNT",
    organization: { readonly grants: readonly OrganizationGrant[]; readonly partition: string } = { grants: [], partition: "aws" },
): CheckRow[] {
    const rows: CheckRow[] = [];
    const seen = new Set<string>();
    const grantKey = (g: OrganizationGrant) => g.orgPath + grantedRolePattern(g, organization.partition);
    for (const f of findings) {
        const principal = f.principal?.AWS ?? JSON.stringify(f.principal ?? {});
        const role = roles.get(principal);
        const grant = organizationGrantOf(f, organization.grants, organization.partition);
        seen.add(grant === undefined ? principal : grantKey(grant));
        if (grant !== undefined) {
            continue; // exactly the grant: its organization, its path, its role name, not public
        }
        if (f.isPublic || role === undefined) {
            rows.push({
                stack,
                check: "external access",
                result: "fail",
                detail: `finding ${f.id}: ${f.isPublic ? "public access" : `${principal} is not a granted consumer`}`,
            });
        } else if (!tiedToOwnEndpoints(f.condition, role)) {
            rows.push({
                stack,
                check: "external access",
                result: "fail",
                detail:
                    `finding ${f.id}: ${principal} is not tied to its own endpoints (${role.endpoints.join(", ")}): the finding allows ` +
                    `${JSON.stringify(f.condition ?? {})}. The lock lets it use other consumers' endpoints: compare the bucket policy with the generated one`,
            });
        }
    }
    for (const g of organization.grants.filter((grant) => !seen.has(grantKey(grant)))) {
        // The grant's principals are in the owner's organization: an organization analyzer's zone of trust.
        rows.push({
            stack,
            check: "external access",
            result: zone === "ORGANIZATION" ? "info" : "warn",
            detail:
                zone === "ORGANIZATION"
                    ? `no finding for the organization grant ${g.roleName} under ${g.orgPath}: an organization analyzer does not report its own organization`
                    : `no finding for the organization grant ${g.roleName} under ${g.orgPath} yet: the analyzer may not have scanned the latest policy`,
        });
    }
    for (const role of [...roles.keys()].filter((r) => !seen.has(r))) {
        // An organization analyzer's zone of trust is the organization: a consumer inside it is no finding.
        rows.push(
            zone === "ORGANIZATION"
                ? {
                      stack,
                      check: "external access",
                      result: "info",
                      detail: `no finding for ${role}: an organization analyzer does not report consumers inside the organization`,
                  }
                : {
                      stack,
                      check: "external access",
                      result: "warn",
                      detail: `no finding for ${role} yet: the analyzer may not have scanned the latest policy`,
                  },
        );
    }
    if (rows.every((r) => r.result !== "fail")) {
        rows.unshift({
            stack,
            check: "external access",
            result: "pass",
            detail: `${findings.length} findings, each a granted consumer tied to its own endpoints${organization.grants.length > 0 ? " or exactly an organization grant" : ""}`,
        });
    }
    return rows;
}

/** The analyzer to read: the named one, else an active ACCOUNT analyzer, else an active ORGANIZATION one. */
export function chooseAnalyzer<A extends { readonly name?: string; readonly type?: string; readonly status?: string; readonly arn?: string }>(
    analyzers: readonly A[],
    name?: string,
): A | undefined {
    const active = analyzers.filter((a) => a.status === "ACTIVE" && a.arn !== undefined && (name === undefined || a.name === name));
    return active.find((a) => a.type === "ACCOUNT") ?? active.find((a) => a.type === "ORGANIZATION");
}

/** The likeliest cause of a refused probe when every policy is as generated, by lock mode. */
const PROBE_HINT: Record<LockMode, string> = {
    "account-match":
        "look at the path rows above (an S3 interface endpoint, a route table, security-group egress); if they pass, requests here most likely " +
        "arrive without aws:VpceAccount, which the default lockMode account-match needs. Set lockMode: per-consumer on the owner and run pulumi up -s owner " +
        "(docs/design.md, the endpoint lock)",
    "per-consumer":
        "lockMode per-consumer names endpoint ids only, so the request did not carry this consumer's endpoint id: look at the path rows above " +
        "(an S3 interface endpoint with private DNS, the instance's subnet on a route table without the endpoint, security-group egress), " +
        "or an endpoint replaced since the owner's last update (run pulumi up -s owner)",
};

/** The marker lines the probe script prints: `PROBE <operation> <exit status>`. */
export const PROBE_MARKER = "PROBE";

/**
 * Check 5: the scenario's 403 test for real. Every granted operation must have succeeded through the
 * endpoint. When they are refused while every policy check passed, the likeliest cause is named.
 */
export function judgeProbe(stack: string, stdout: string, policyChecksPassed: boolean, lockMode: LockMode): CheckRow[] {
    const results = [...stdout.matchAll(new RegExp(`^${PROBE_MARKER} (\\S+) (\\d+)$`, "gm"))].map((m) => ({ operation: m[1], status: Number(m[2]) }));
    if (results.length === 0) {
        return [{ stack, check: "probe", result: "fail", detail: "the probe printed no result: is the AWS CLI installed on the instance?" }];
    }
    const refused = results.filter((r) => r.status !== 0);
    const rows: CheckRow[] = results.map((r) => ({
        stack,
        check: `probe ${r.operation}`,
        result: r.status === 0 ? "pass" : "fail",
        detail: r.status === 0 ? "succeeded through the endpoint" : `refused (exit ${r.status})`,
    }));
    if (refused.length > 0 && policyChecksPassed) {
        rows.push({
            stack,
            check: "probe",
            result: "fail",
            detail: `refused while every policy check passed: ${PROBE_HINT[lockMode]}`,
        });
    }
    return rows;
}

/** Check 6: consumer requests from non-private addresses; healthy is none, or only refused ones. */
export function judgeLogRows(stack: string, rows: readonly Readonly<Record<string, string>>[]): CheckRow {
    const served = rows.filter((r) => r.httpstatus !== "403");
    if (rows.length === 0) {
        return { stack, check: "access logs", result: "pass", detail: "no consumer request from a non-private address" };
    }
    return served.length === 0
        ? { stack, check: "access logs", result: "pass", detail: `${rows.length} consumer requests from outside the VPC, all refused (403)` }
        : {
              stack,
              check: "access logs",
              result: "fail",
              detail: `${served.length} consumer requests from a non-private address were served, e.g. ${served[0].requestdatetime} ${served[0].remoteip} ${served[0].operation} ${served[0].key} → ${served[0].httpstatus}`,
          };
}
