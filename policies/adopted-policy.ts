import { PolicyDocument, Statement, Values } from "./document";

/**
 * The policy an adopted bucket already has, and how its grants meet the endpoint lock.
 *
 * The lock denies every principal outside the owner account unless its request came through a
 * consumer's endpoint, so an adopted statement that grants such a principal (a partner account, a role,
 * a service such as log delivery) would be cut off. Each one is the user's choice, by Sid:
 * - `exempt`: the lock lets that principal through wherever it comes from (account → `aws:PrincipalAccount`,
 *   role or user → `aws:PrincipalArn`, service → `aws:PrincipalServiceName`); the grant keeps working.
 * - `lock`: the lock applies; the grant only works through a consumer's endpoint (under account-match,
 *   only through one its own account owns, which no consumer's is), which in practice ends it.
 * The adopted statements are kept as written (they may use NotAction, NotResource or NotPrincipal,
 * which this project's own statements never do).
 */

/** What to do about an adopted statement that grants a principal outside the owner account. */
export type ExistingGrantChoice = "exempt" | "lock";

export const EXISTING_GRANT_CHOICES: readonly ExistingGrantChoice[] = ["exempt", "lock"];

/** Principals the lock lets through, because the user kept their adopted grants. */
export interface LockExemption {
    readonly accounts: readonly string[];
    readonly principalArns: readonly string[];
    readonly services: readonly string[];
}

export const NO_EXEMPTION: LockExemption = { accounts: [], principalArns: [], services: [] };

/** An adopted bucket's own policy statements, and who of them the lock exempts. */
export interface AdoptedPolicy {
    readonly statements: readonly Statement[];
    readonly exempt: LockExemption;
}

/** One principal of an adopted Allow, as the lock sees it. */
export interface OutsidePrincipal {
    readonly kind: "account" | "arn" | "service" | "everyone" | "other";
    readonly value: string;
}

/** An adopted Allow that grants principals outside the owner account. */
export interface OutsideGrant {
    readonly index: number;
    readonly sid?: string;
    readonly principals: readonly OutsidePrincipal[];
}

/**
 * The statements of a bucket policy as the user saved it: the output of `aws s3api get-bucket-policy`
 * (`{"Policy": "<document as a string>"}`) or the plain document. Returns the rule it breaks instead.
 */
export function parseBucketPolicy(text: string): Statement[] | string {
    let value: unknown;
    try {
        value = JSON.parse(text);
        if (isMap(value) && typeof value.Policy === "string") {
            value = JSON.parse(value.Policy);
        }
    } catch (error) {
        return `is not valid JSON (${error instanceof Error ? error.message : String(error)})`;
    }
    if (!isMap(value) || value.Statement === undefined) {
        return 'holds no policy document: expected {"Version": …, "Statement": […]} or the output of aws s3api get-bucket-policy';
    }
    const statements = Array.isArray(value.Statement) ? value.Statement : [value.Statement];
    const broken = statements.findIndex((s) => !isMap(s) || (s.Effect !== "Allow" && s.Effect !== "Deny"));
    if (broken >= 0) {
        return `Statement[${broken}] is not a statement with Effect Allow or Deny`;
    }
    return statements as Statement[];
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

const list = (v: unknown): string[] => (typeof v === "string" ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);

/** How the lock can name one principal of a `Principal` element. */
function classify(kind: string, value: string): OutsidePrincipal & { account?: string } {
    if (kind === "Service") {
        return { kind: "service", value };
    }
    if (kind !== "AWS") {
        return { kind: "other", value };
    }
    if (value === "*") {
        return { kind: "everyone", value };
    }
    if (/^\d{12}$/.test(value)) {
        return { kind: "account", value, account: value };
    }
    const root = /^arn:[\w-]+:iam::(\d{12}):root$/.exec(value);
    if (root) {
        return { kind: "account", value: root[1], account: root[1] };
    }
    const named = /^arn:[\w-]+:iam::(\d{12}):(?:role|user)\/.+$/.exec(value);
    return named ? { kind: "arn", value, account: named[1] } : { kind: "other", value };
}

/** The adopted Allows that grant someone outside the owner account, and whom. */
export function grantsOutside(statements: readonly Statement[], ownerAccountId: string): OutsideGrant[] {
    const grants: OutsideGrant[] = [];
    for (const [index, statement] of statements.entries()) {
        const raw = statement as unknown as Record<string, unknown>;
        if (raw.Effect !== "Allow") {
            continue;
        }
        // NotPrincipal in an Allow grants everyone but the named principals.
        const element = raw.NotPrincipal !== undefined ? "*" : raw.Principal;
        const entries: [string, string][] =
            element === "*" ? [["AWS", "*"]] : isMap(element) ? Object.entries(element).flatMap(([k, v]) => list(v).map((p): [string, string] => [k, p])) : [];
        const outside = entries.map(([k, v]) => classify(k, v)).filter((p) => p.account !== ownerAccountId);
        if (outside.length > 0) {
            grants.push({ index, ...(typeof raw.Sid === "string" ? { sid: raw.Sid } : {}), principals: outside.map(({ kind, value }) => ({ kind, value })) });
        }
    }
    return grants;
}

/** Why a grant cannot be kept exempt, or undefined when every principal of it can be named to the lock. */
export function cannotExempt(grant: OutsideGrant): string | undefined {
    const unnamed = grant.principals.find((p) => p.kind === "everyone" || p.kind === "other");
    if (unnamed === undefined) {
        return undefined;
    }
    return unnamed.kind === "everyone"
        ? "it grants everyone (Principal or NotPrincipal), and exempting everyone would switch the lock off"
        : `the lock cannot name its principal ${unnamed.value} (only accounts, IAM roles and users by ARN, and services)`;
}

/** The principals of the grants kept exempt, as the lock names them. */
export function lockExemption(grants: readonly OutsideGrant[]): LockExemption {
    const of = (kind: OutsidePrincipal["kind"]) => [...new Set(grants.flatMap((g) => g.principals.filter((p) => p.kind === kind).map((p) => p.value)))].sort();
    return { accounts: of("account"), principalArns: of("arn"), services: of("service") };
}

/**
 * The lock with the exemption: the Denies that cover every principal outside the owner account
 * (`StringNotEquals aws:PrincipalAccount` = the owner) also spare the exempt principals. Conditions of
 * one statement must all match for the Deny to apply, so one more negated key lets exactly those
 * principals through; a negated key a request lacks (`aws:PrincipalServiceName` of a role) still matches.
 * Denies aimed at one consumer are left as they are.
 */
export function exemptFromLock(lock: readonly Statement[], ownerAccountId: string, exempt: LockExemption): Statement[] {
    if (exempt.accounts.length + exempt.principalArns.length + exempt.services.length === 0) {
        return [...lock];
    }
    return lock.map((s) => {
        const notEquals = s.Condition?.StringNotEquals;
        if (notEquals?.["aws:PrincipalAccount"] !== ownerAccountId) {
            return s;
        }
        const arns = [...list(s.Condition?.ArnNotEquals?.["aws:PrincipalArn"]), ...exempt.principalArns];
        return {
            ...s,
            Condition: {
                ...s.Condition,
                StringNotEquals: {
                    ...notEquals,
                    "aws:PrincipalAccount": oneOrList([ownerAccountId, ...exempt.accounts]),
                    ...(exempt.services.length > 0 ? { "aws:PrincipalServiceName": oneOrList(exempt.services) } : {}),
                },
                ...(arns.length > 0 ? { ArnNotEquals: { "aws:PrincipalArn": oneOrList(arns) } } : {}),
            },
        };
    });
}

const oneOrList = (values: readonly string[]): Values => (values.length === 1 ? values[0] : [...values]);

/** What a choice does to an adopted grant, for the plan and every preview. */
export function choiceNote(grant: OutsideGrant, choice: ExistingGrantChoice): string {
    const whom = grant.principals.map((p) => `${p.kind} ${p.value}`).join(", ");
    return choice === "exempt"
        ? `Adopted statement "${grant.sid}" (${whom}) is exempt from the endpoint lock: it keeps working from anywhere, as before.`
        : `Adopted statement "${grant.sid}" (${whom}) is under the endpoint lock: it only works through a consumer's endpoint (under account-match, one its own account owns), so it is cut off wherever it is used today.`;
}

/** Sids used by more than one statement of a document (an adopted statement named like a generated one). */
export function repeatedSids(doc: PolicyDocument): string[] {
    const sids = doc.Statement.map((s) => s.Sid).filter((sid): sid is string => sid !== undefined);
    return [...new Set(sids.filter((sid, i) => sids.indexOf(sid) !== i))];
}
