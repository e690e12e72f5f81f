import { PolicyDocument, Statement } from "../policies/document";

/** One line of the verify report. `warn` and `info` do not fail the run. */
export interface CheckRow {
    readonly stack: string;
    readonly check: string;
    readonly result: "pass" | "fail" | "warn" | "info";
    readonly detail: string;
}

export const failed = (rows: readonly CheckRow[]) => rows.some((r) => r.result === "fail");

/** A statement in a canonical form: lists as sorted arrays, so AWS's reordering and `"x"` vs `["x"]` compare equal. */
function canonical(value: unknown): unknown {
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

/** One external-access finding on the shared bucket, as GetFindingV2 details it. */
export interface ExternalAccess {
    readonly id: string;
    readonly principal?: Readonly<Record<string, string>>;
    readonly condition?: Readonly<Record<string, string>>;
    readonly isPublic?: boolean;
}

/**
 * Check 4: the analyzer's external-access findings on the shared bucket name exactly the granted
 * consumer roles, none is public, and each is conditioned on that consumer's endpoints.
 */
export function judgeExternalAccess(stack: string, findings: readonly ExternalAccess[], endpointsOfRole: ReadonlyMap<string, readonly string[]>): CheckRow[] {
    const rows: CheckRow[] = [];
    const seen = new Set<string>();
    for (const f of findings) {
        const principal = f.principal?.AWS ?? JSON.stringify(f.principal ?? {});
        const endpoints = endpointsOfRole.get(principal);
        const conditioned = Object.entries(f.condition ?? {}).some(
            ([key, value]) => key.toLowerCase() === "aws:sourcevpce" && (endpoints ?? []).some((e) => value.includes(e)),
        );
        seen.add(principal);
        if (f.isPublic || endpoints === undefined) {
            rows.push({
                stack,
                check: "external access",
                result: "fail",
                detail: `finding ${f.id}: ${f.isPublic ? "public access" : `${principal} is not a granted consumer`}`,
            });
        } else if (!conditioned) {
            rows.push({
                stack,
                check: "external access",
                result: "fail",
                detail: `finding ${f.id}: ${principal} is not conditioned on its endpoints (${endpoints.join(", ")})`,
            });
        }
    }
    for (const role of [...endpointsOfRole.keys()].filter((r) => !seen.has(r))) {
        rows.push({
            stack,
            check: "external access",
            result: "warn",
            detail: `no finding for ${role} yet: the analyzer may not have scanned the latest policy`,
        });
    }
    if (rows.every((r) => r.result !== "fail")) {
        rows.unshift({ stack, check: "external access", result: "pass", detail: `${findings.length} findings, each a granted consumer through its endpoints` });
    }
    return rows;
}

/** The marker lines the probe script prints: `PROBE <operation> <exit status>`. */
export const PROBE_MARKER = "PROBE";

/**
 * Check 5: the scenario's 403 test for real. Every granted operation must have succeeded through the
 * endpoint. When they are refused while every policy check passed, the likeliest cause is named.
 */
export function judgeProbe(stack: string, stdout: string, policyChecksPassed: boolean): CheckRow[] {
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
            detail:
                "refused while every policy check passed: most likely requests here arrive without aws:VpceAccount, which the default " +
                "lockMode account-match needs. Set lockMode: per-consumer on the owner and run pulumi up -s owner (docs/design.md, the endpoint lock)",
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
