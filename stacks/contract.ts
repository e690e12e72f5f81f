import type * as pulumi from "@pulumi/pulumi";
import { ConsumerEntry, OwnerSettings } from "../config/owner";
import { IssueList } from "../domain/issues";
import * as rules from "../domain/rules";
import { AccessLevel, ConsumerGrant, OrganizationGrant } from "../domain/terms";

/**
 * The contract between the stacks: what each exports, which of those outputs the other side reads,
 * and how it reads them. Values read from another stack are checked like config: the other stack
 * may be older, edited by hand or simply wrong, and a bad value here would end up in a bucket policy.
 */

/** The owner stack's outputs: what consumers read, and what the lock holds. */
export interface OwnerExports {
    readonly bucketName: pulumi.Output<string>;
    readonly bucketArn: pulumi.Output<string>;
    readonly region: string;
    readonly accountId: string;
    readonly grantedRoleArns: string[];
    readonly lockedVpceIds: string[];
    /** Consumer stacks listed in config that have not exported a role and endpoint yet. */
    readonly pendingConsumers: string[];
    /** Every consumer stack the owner shares with (fully qualified): a consumer listed by none of its owners needs an organization grant. */
    readonly consumerStacks: string[];
    /** Role names granted under OU paths: a consumer there deploys unlisted, naming its role to match. */
    readonly organizationGrants: OrganizationGrantExport[];
    /** What the owner grants each of those stacks: the consumer's role and endpoint policies follow it. */
    readonly consumerGrants: Record<string, OwnerGrant>;
    /** The consumer stacks that manage each endpoint's policy, by endpoint id: a second one is refused. */
    readonly endpointPolicyManagers: Record<string, string[]>;
    readonly kmsKeyArn?: pulumi.Output<string>;
    /** With access logs on: the log bucket, the Athena catalog and workgroup, and the saved query ids. */
    readonly accessLogBucketName?: pulumi.Output<string>;
    readonly athenaDatabase?: pulumi.Output<string>;
    readonly athenaTable?: pulumi.Output<string>;
    readonly athenaWorkgroup?: pulumi.Output<string>;
    readonly athenaQueryIds?: Record<string, pulumi.Output<string>>;
    /** With accessAnalyzer on: the analyzer npm run verify reads external-access findings from. */
    readonly accessAnalyzerName?: pulumi.Output<string>;
}

/** One owner's grant to one consumer stack, as the owner exports it. */
export interface OwnerGrant {
    readonly access: AccessLevel;
    readonly prefix?: string;
}

/** The consumer stack's outputs: what the owner reads to grant and lock. */
export interface ConsumerExports {
    readonly vpceId: pulumi.Output<string>;
    /** The account that owns the endpoint: the VPC owner's, for an endpoint of a shared VPC. */
    readonly vpceAccountId: pulumi.Output<string>;
    /** Absent for an endpoint of a shared VPC, which the consumer cannot read. */
    readonly prefixListId?: pulumi.Output<string>;
    /** True when this stack sets the endpoint's policy: two stacks that do so on one endpoint are refused. */
    readonly endpointPolicyManaged: boolean;
    readonly routeTableIds: string[];
    readonly roleArn: pulumi.Output<string>;
    readonly instanceProfileName?: pulumi.Output<string>;
    readonly region: string;
    readonly accountId: string;
    /** The access this consumer asks for; it gets what both this and the owner's grant allow. */
    readonly access: AccessLevel;
    readonly prefix?: string;
    /** The owner's organization grant this stack relies on, when the owner does not list it. */
    readonly organizationGrant?: OrganizationGrantExport;
}

/** An organization grant as the owner exports it. */
export type OrganizationGrantExport = Omit<OrganizationGrant, "kind">;

/** The owner stack outputs a consumer uses. */
export const OWNER_OUTPUTS = [
    "bucketArn",
    "bucketName",
    "region",
    "accountId",
    "kmsKeyArn",
    "consumerStacks",
    "organizationGrants",
    "consumerGrants",
    "endpointPolicyManagers",
] as const satisfies readonly (keyof OwnerExports)[];
/** The consumer stack outputs the owner uses. */
export const CONSUMER_OUTPUTS = [
    "roleArn",
    "vpceId",
    "vpceAccountId",
    "endpointPolicyManaged",
    "accountId",
    "region",
    "access",
    "prefix",
] as const satisfies readonly (keyof ConsumerExports)[];

export type Outputs = Readonly<Record<string, unknown>>;

/** One output as text: its value when it is a string that keeps `rule`, else "" with the problem recorded. */
export function textOutput(outputs: Outputs, name: string, rule: rules.Rule, issues: IssueList, key: string, fix: string): string {
    const value = outputs[name];
    const broken = typeof value === "string" ? rule(value) : value === undefined ? "is missing" : "must be a string";
    return issues.check(key, value, broken, fix) ? (value as string) : "";
}

/** How a consumer's exports compare with what the owner agreed for it: the one check the owner program and status share. */
export interface Agreement {
    readonly account: { readonly ok: boolean; readonly agreed: string; readonly stack: unknown; readonly role: string | undefined };
    readonly region: { readonly ok: boolean; readonly consumer: unknown; readonly bucket: string };
}

export function compareWithAgreement(entry: Pick<ConsumerEntry, "accountId">, outputs: Outputs, bucketRegion: string): Agreement {
    const role = typeof outputs.roleArn === "string" ? rules.roleArnAccount(outputs.roleArn) : undefined;
    return {
        account: { ok: outputs.accountId === entry.accountId && role === entry.accountId, agreed: entry.accountId, stack: outputs.accountId, role },
        region: { ok: outputs.region === bucketRegion, consumer: outputs.region, bucket: bucketRegion },
    };
}

/**
 * What a consumer really gets: a request needs both its role's policy and the bucket policy, so the
 * effective access is what both allow — the lesser access, and the narrower prefix. A prefix that
 * shares nothing with the grant leaves nothing: every request would be refused, so it is an issue.
 * Returns a warning for each difference that still leaves access.
 */
function effectiveAccess(outputs: Outputs, entry: ConsumerEntry, owner: OwnerSettings, issues: IssueList, ownerStack: string): string[] {
    const warnings: string[] = [];
    const asked = { access: outputs.access, prefix: typeof outputs.prefix === "string" ? outputs.prefix : undefined };
    if (asked.access !== undefined && asked.access !== entry.access) {
        warnings.push(`${entry.stack} asks for ${String(asked.access)} access but is granted ${entry.access}; it gets what both allow: read`);
    }
    const [mine, granted] = [asked.prefix ?? "", entry.prefix ?? ""];
    if (mine === granted) {
        return warnings;
    }
    const narrower = mine.startsWith(granted) ? mine : granted.startsWith(mine) ? granted : undefined;
    const stack = entry.stack.split("/").pop()!;
    const index = owner.consumers.indexOf(entry);
    issues.check(
        `${entry.stack} output prefix`,
        asked.prefix,
        narrower === undefined &&
            `shares nothing with the owner's grant "${granted}": the role may only use ${mine} and the bucket only lets it use ${granted}, so every request it makes would be refused (403)`,
        `pulumi config set cross-account-s3:prefix ${granted} -s ${stack} (in Pulumi.${stack}.yaml), or change the grant: pulumi config set --path 'cross-account-s3:consumers[${index}].prefix' ${mine} -s ${ownerStack} (in Pulumi.${ownerStack}.yaml)`,
    );
    if (narrower !== undefined) {
        const show = (p: string) => (p === "" ? "the whole bucket" : `prefix ${p}`);
        warnings.push(`${entry.stack} asks for ${show(mine)} but is granted ${show(granted)}; it gets what both allow: ${show(narrower)}`);
    }
    return warnings;
}

/** A consumer whose stack has no outputs yet (first rollout) is pending, not an error. */
export type ConsumerView =
    | { readonly state: "pending"; readonly stack: string }
    | { readonly state: "ready"; readonly grant: ConsumerGrant; readonly warnings: readonly string[] };

/**
 * A consumer's outputs, checked against the owner's terms for it. Problems are added to `issues`
 * so that every consumer is checked before the owner program stops.
 */
export function readConsumerOutputs(outputs: Outputs, entry: ConsumerEntry, owner: OwnerSettings, issues: IssueList, ownerStack = "owner"): ConsumerView {
    if (outputs.roleArn === undefined && outputs.vpceId === undefined) {
        return { state: "pending", stack: entry.stack };
    }
    const before = issues.size;
    const key = (name: string) => `${entry.stack} output ${name}`;
    const text = (name: string, rule: rules.Rule) =>
        textOutput(outputs, name, rule, issues, key(name), `run pulumi up on ${entry.stack} so that it exports a valid value`);
    const roleArn = text("roleArn", rules.roleArn);
    const vpceId = text("vpceId", rules.vpceId);
    const accountId = text("accountId", rules.accountId);
    const region = text("region", rules.region);
    // Stacks deployed before the endpoint's account was exported own their endpoint.
    const vpceAccountId = outputs.vpceAccountId === undefined ? undefined : text("vpceAccountId", rules.accountId);
    const agreement = compareWithAgreement(entry, outputs, owner.region);
    issues.check(
        key("roleArn"),
        roleArn,
        agreement.account.role !== undefined &&
            agreement.account.role !== entry.accountId &&
            `belongs to account ${agreement.account.role}, but the owner shares with this stack as account ${entry.accountId}`,
        "fix the consumer's accountId in the owner's consumers list, or deploy the consumer into the agreed account",
    );
    issues.check(
        key("accountId"),
        accountId,
        accountId !== "" && accountId !== entry.accountId && `differs from the agreed account ${entry.accountId}`,
        "deploy the consumer into the agreed account",
    );
    issues.check(
        key("region"),
        region,
        region !== "" && !agreement.region.ok && `differs from the bucket's region "${owner.region}": a gateway endpoint there cannot reach this bucket`,
        `deploy the consumer in ${owner.region}`,
    );
    if (issues.size > before) {
        return { state: "pending", stack: entry.stack };
    }
    const warnings = effectiveAccess(outputs, entry, owner, issues, ownerStack);
    if (issues.size > before) {
        return { state: "pending", stack: entry.stack };
    }
    const grant: ConsumerGrant = {
        roleArn,
        accountId: entry.accountId,
        vpceIds: [vpceId],
        ...(vpceAccountId === undefined || vpceAccountId === entry.accountId ? {} : { vpceAccountId }),
        access: entry.access,
        ...(entry.prefix === undefined ? {} : { prefix: entry.prefix }),
    };
    return { state: "ready", grant, warnings };
}
