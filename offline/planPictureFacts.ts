import { PolicyDocument, Statement } from "../policies/document";
import { PlannedPhase } from "./plan";

/**
 * What the plan picture draws, read from the plan as it is: each owner's final bucket policy (what it
 * grants and how it locks each role) and what each consumer stack reads. Pure, so the picture shows
 * what the policy writes rather than what the config meant.
 */

/** An owner stack in its final phase: the bucket, its policy, and whom it shares with. */
export interface OwnerFacts {
    readonly stack: string;
    readonly phase: PlannedPhase;
    readonly accountId: string;
    readonly region: string;
    readonly bucketArn: string;
    readonly bucketName: string;
    readonly logBucketName?: string;
    readonly statements: readonly Statement[];
    /** Consumer stacks the owner lists, by stack name. */
    readonly listed: readonly string[];
    readonly organizationGrants: readonly OrganizationGrantFacts[];
}

export interface OrganizationGrantFacts {
    readonly orgPath: string;
    readonly roleName: string;
    readonly access: string;
    readonly prefix?: string;
}

export interface Grant {
    readonly access: "read" | "read-write";
    readonly prefix?: string;
}

/** Each owner stack's last phase: phase 3 where it ran again, phase 1 where it had nothing to add. */
export function finalOwners(phases: readonly PlannedPhase[]): OwnerFacts[] {
    const stacks = [...new Set(phases.filter((p) => p.phase !== 2).map((p) => p.stack))];
    return stacks.map((stack) => {
        const phase = phases.filter((p) => p.stack === stack).pop()!;
        const out = phase.outputs;
        const policy = phase.resources.find((r) => r.name === "shared-data-policy")?.inputs.policy as PolicyDocument | undefined;
        return {
            stack,
            phase,
            accountId: String(out.accountId),
            region: String(out.region),
            bucketArn: String(out.bucketArn),
            bucketName: String(out.bucketName),
            ...(out.accessLogBucketName === undefined ? {} : { logBucketName: String(out.accessLogBucketName) }),
            statements: policy?.Statement ?? [],
            listed: asStrings(out.consumerStacks).map(stackName),
            organizationGrants: Array.isArray(out.organizationGrants) ? (out.organizationGrants as OrganizationGrantFacts[]) : [],
        };
    });
}

/** The owner stacks a consumer phase reads through its StackReferences, by stack name. */
export function ownersRead(phase: PlannedPhase): string[] {
    return phase.resources.filter((r) => r.type === "pulumi:pulumi:StackReference").map((r) => stackName(r.name));
}

/** Each granted role's access and prefix, read from the bucket policy's Allow statements. */
export function grantsOf(statements: readonly Statement[], bucketArn: string): Map<string, Grant> {
    const grants = new Map<string, Grant>();
    for (const s of statements) {
        if (s.Effect !== "Allow" || s.Sid?.endsWith("List") || s.Principal === undefined || s.Principal === "*" || !("AWS" in s.Principal)) {
            continue;
        }
        const actions = asStrings(s.Action);
        const objects = asStrings(s.Resource).find((r) => r.startsWith(`${bucketArn}/`));
        const prefix = objects === undefined || objects === `${bucketArn}/*` ? undefined : objects.slice(bucketArn.length + 1, -1);
        for (const role of asStrings(s.Principal.AWS)) {
            grants.set(role, { access: actions.includes("s3:PutObject") ? "read-write" : "read", ...(prefix === undefined ? {} : { prefix }) });
        }
    }
    return grants;
}

const condition = (s: Statement, operator: string, key: string) => asStrings(s.Condition?.[operator]?.[key]);

/** The lock on one listed role as the bucket policy writes it, or undefined when nothing locks it. */
export function lockOf(statements: readonly Statement[], role: string, account: string, vpceId: string): string | undefined {
    const denies = statements.filter((s) => s.Effect === "Deny");
    const endpoints = (s: Statement) => condition(s, "StringNotEquals", "aws:SourceVpce");
    const perRole = denies.find((s) => s.Sid?.startsWith("LockRole") && condition(s, "ArnEquals", "aws:PrincipalArn").includes(role));
    if (perRole !== undefined && endpoints(perRole).includes(vpceId)) {
        return `per-role lock: only via ${endpoints(perRole).join(", ")}`;
    }
    const perAccount = denies.find((s) => s.Sid?.startsWith("LockAccount") && condition(s, "StringEquals", "aws:PrincipalAccount").includes(account));
    if (perAccount !== undefined && endpoints(perAccount).includes(vpceId)) {
        return `per-account lock: only via ${endpoints(perAccount).join(", ")}`;
    }
    const anyConsumer = denies.find((s) => s.Sid === "DenyConsumersOutsideTheirEndpoints");
    const ownAccount = denies.find((s) => s.Sid === "DenyEndpointsOfOtherAccounts");
    // A role behind another account's endpoint (shared VPC) is exempt from the account match.
    const exempt = ownAccount !== undefined && condition(ownAccount, "ArnNotEquals", "aws:PrincipalArn").includes(role);
    if (anyConsumer !== undefined && ownAccount !== undefined && !exempt && endpoints(anyConsumer).includes(vpceId)) {
        return `account-match lock: only via endpoints of account ${account} (${vpceId})`;
    }
    return undefined;
}

/**
 * An organization grant as the bucket policy writes it: undefined when the policy holds no Allow for the
 * role name under the path; else the lock on it (an endpoint of the caller's own account, and of the
 * organization where the grant asks for that), or "NOT LOCKED".
 */
export function organizationLockOf(statements: readonly Statement[], grant: OrganizationGrantFacts, partition: string): string | undefined {
    const pattern = `arn:${partition}:iam::*:role/${grant.roleName}`;
    const allowed = statements.some(
        (s) =>
            s.Effect === "Allow" &&
            s.Principal === "*" &&
            condition(s, "ArnLike", "aws:PrincipalArn").includes(pattern) &&
            condition(s, "ForAnyValue:StringLike", "aws:PrincipalOrgPaths").includes(`${grant.orgPath}*`),
    );
    if (!allowed) {
        return undefined;
    }
    const denies = statements.filter((s) => s.Effect === "Deny");
    const ownAccount = denies.some(
        (s) => s.Sid === "DenyEndpointsOfOtherAccounts" && condition(s, "StringNotEquals", "aws:VpceAccount").includes("${aws:PrincipalAccount}"),
    );
    const organization = denies.find((s) => s.Sid?.startsWith("DenyOrgGrant") && condition(s, "ArnLike", "aws:PrincipalArn").includes(pattern));
    const inOrganization = organization === undefined ? "" : ` of organization ${condition(organization, "StringNotEquals", "aws:VpceOrgID").join(", ")}`;
    return ownAccount ? `own-account endpoint${inOrganization}` : "NOT LOCKED";
}

/** The stack name of a fully qualified one (`organization/project/stack`). */
export const stackName = (qualified: string): string => qualified.split("/").pop()!;

export const asStrings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]);
