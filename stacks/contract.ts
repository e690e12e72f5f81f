import type * as pulumi from "@pulumi/pulumi";
import { ConsumerEntry, OwnerSettings } from "../config/owner";
import { ConsumerSettings } from "../config/consumer";
import { IssueList } from "../domain/issues";
import * as rules from "../domain/rules";
import { ACCESS_LEVELS, AccessLevel, ConsumerGrant } from "../domain/terms";

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
    /** Every consumer stack the owner shares with (fully qualified): a consumer listed by none of its owners refuses to deploy. */
    readonly consumerStacks: string[];
    /** What the owner grants each of those stacks: the consumer's role and endpoint policies follow it. */
    readonly consumerGrants: Record<string, OwnerGrant>;
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
    /** The access this consumer asks for; the owner's grant decides. */
    readonly access: AccessLevel;
    readonly prefix?: string;
}

/** The owner stack outputs a consumer uses. */
export const OWNER_OUTPUTS = [
    "bucketArn",
    "bucketName",
    "region",
    "accountId",
    "kmsKeyArn",
    "consumerStacks",
    "consumerGrants",
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

export interface OwnerView {
    /** The owner stack, fully qualified. */
    readonly stack: string;
    readonly bucketArn: string;
    readonly bucketName: string;
    readonly region: string;
    readonly accountId: string;
    readonly kmsKeyArn?: string;
    /** What this owner grants the consumer: its exported grant, or what the consumer asks for when the owner exports none. */
    readonly grant: OwnerGrant;
    /** False when the owner's consumer list leaves this consumer out: it grants nothing. */
    readonly listed: boolean;
}

/** One output as text: its value when it is a string that keeps `rule`, else "" with the problem recorded. */
function textOutput(outputs: Outputs, name: string, rule: rules.Rule, issues: IssueList, key: string, fix: string): string {
    const value = outputs[name];
    const broken = typeof value === "string" ? rule(value) : value === undefined ? "is missing" : "must be a string";
    return issues.check(key, value, broken, fix) ? (value as string) : "";
}

/** The owners a consumer reads, and what it says about those that leave it out. */
export interface OwnersView {
    /** The owners that list this consumer, in the consumer's order: at least one. */
    readonly owners: readonly OwnerView[];
    readonly warnings: readonly string[];
}

/**
 * Every owner's outputs, checked together: problems of all owners are reported at once. An owner
 * whose consumer list leaves this stack out grants it nothing, which is said; when none lists it,
 * every request would be refused, so it stops.
 * @param self this consumer stack, fully qualified: an owner's consumer list must name it
 */
export function readOwners(read: readonly { stack: string; outputs: Outputs }[], consumer: ConsumerSettings, self: string): OwnersView {
    const issues = new IssueList();
    const views = read.map(({ stack, outputs }) => readOwnerOutputs(outputs, stack, consumer, self, issues));
    const context = `Cannot read the owner stack${read.length > 1 ? "s" : ""} ${read.map((r) => `"${r.stack}"`).join(", ")}`;
    issues.throwIfAny(context);
    const listed = views.filter((v) => v.listed);
    for (const [i, view] of (listed.length === 0 ? views : []).entries()) {
        const stacks = read[i].outputs.consumerStacks;
        issues.check(
            `${view.stack} output consumerStacks`,
            Array.isArray(stacks) && stacks.length > 5 ? `${stacks.length} stacks` : stacks,
            `does not list this stack "${self}": the owner grants it nothing${views.length > 1 ? ", and neither does any other owner this stack reads" : ""}, so every request it makes would be refused (403)`,
            `add { stack: ${self.split("/").pop()}, accountId: "${consumer.accountId}", access: ${consumer.access} } to cross-account-s3:consumers in the owner's stack file, run pulumi up -s ${view.stack.split("/").pop()}, then this stack`,
        );
    }
    issues.throwIfAny(context);
    const warnings = views
        .filter((v) => !v.listed)
        .map(
            (v) =>
                `Owner stack ${v.stack} does not list this stack "${self}" among its consumers: it grants nothing on ${v.bucketName}, so this stack's role and endpoint policies leave that bucket out. ` +
                `To share it, add { stack: ${self.split("/").pop()}, accountId: "${consumer.accountId}", access: ${consumer.access} } to that owner's cross-account-s3:consumers, run pulumi up -s ${v.stack.split("/").pop()}, then this stack.`,
        );
    return { owners: listed, warnings };
}

/** One owner's outputs, its problems added to `issues`. */
export function readOwnerOutputs(outputs: Outputs, ownerStack: string, consumer: ConsumerSettings, self: string, issues: IssueList): OwnerView {
    const asked: OwnerGrant = { access: consumer.access, ...(consumer.prefix === undefined ? {} : { prefix: consumer.prefix }) };
    const none: OwnerView = { stack: ownerStack, bucketArn: "", bucketName: "", region: "", accountId: "", grant: asked, listed: false };
    if (
        !issues.check(
            `${ownerStack} output bucketArn`,
            undefined,
            outputs.bucketArn === undefined && "is missing: the owner stack has not been deployed yet",
            `deploy the owner first (pulumi up -s ${ownerStack.split("/").pop()} with the owner account's credentials), then this stack`,
        )
    ) {
        return none;
    }
    const text = (name: string, rule: rules.Rule) =>
        textOutput(
            outputs,
            name,
            rule,
            issues,
            `${ownerStack} output ${name}`,
            `run pulumi up -s ${ownerStack.split("/").pop()} so that it exports a valid ${name}`,
        );
    const bucketArn = text("bucketArn", rules.bucketArn);
    const bucketName = text("bucketName", rules.bucketName);
    const region = text("region", rules.region);
    const accountId = text("accountId", rules.accountId);
    const kmsKeyArn = outputs.kmsKeyArn === undefined ? undefined : text("kmsKeyArn", rules.kmsKeyArn);
    issues.check(
        `${ownerStack} output region`,
        region,
        region !== "" &&
            region !== consumer.region &&
            `differs from this stack's region "${consumer.region}": gateway endpoints only carry requests to S3 in their own region`,
        consumer.ownerStacks.length === 1
            ? `deploy the consumer in ${region} (pulumi config set cross-account-s3:region ${region}) with a VPC there`
            : `read only owners in ${consumer.region} from this stack: remove ${ownerStack.split("/").pop()} from cross-account-s3:ownerStacks and read it from a consumer stack in ${region}`,
    );
    issues.check(
        `${ownerStack} output accountId`,
        accountId,
        accountId !== "" && accountId === consumer.accountId && "is this consumer's own account; the product shares a bucket across accounts",
        "deploy the owner and the consumer into different accounts",
    );
    // Owners deployed before the list was exported say nothing here, and so list everyone.
    const stacks = outputs.consumerStacks;
    const listed = !Array.isArray(stacks) || stacks.includes(self);
    const grant = listed ? ownerGrant(outputs.consumerGrants, self, asked, ownerStack, issues) : asked;
    return { stack: ownerStack, bucketArn, bucketName, region, accountId, ...(kmsKeyArn === undefined ? {} : { kmsKeyArn }), grant, listed };
}

/** The owner's exported grant for this stack, checked; what the consumer asks for when the owner exports none. */
function ownerGrant(grants: unknown, self: string, asked: OwnerGrant, ownerStack: string, issues: IssueList): OwnerGrant {
    const exported = typeof grants === "object" && grants !== null ? (grants as Record<string, unknown>)[self] : undefined;
    if (exported === undefined) {
        return asked;
    }
    const { access, prefix } = exported as { access?: unknown; prefix?: unknown };
    const key = `${ownerStack} output consumerGrants["${self}"]`;
    const fix = `run pulumi up -s ${ownerStack.split("/").pop()} so that it exports a valid grant`;
    const accessOk = issues.check(key, access, !ACCESS_LEVELS.includes(access as AccessLevel) && `access must be one of ${ACCESS_LEVELS.join(", ")}`, fix);
    const prefixOk = issues.check(
        key,
        prefix,
        prefix !== undefined && (typeof prefix !== "string" ? "prefix must be a string" : rules.keyPrefix(prefix) && `prefix ${rules.keyPrefix(prefix)}`),
        fix,
    );
    return accessOk && prefixOk ? { access: access as AccessLevel, ...(prefix === undefined ? {} : { prefix: prefix as string }) } : asked;
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

/** A consumer whose stack has no outputs yet (first rollout) is pending, not an error. */
export type ConsumerView =
    { readonly state: "pending"; readonly stack: string } | { readonly state: "ready"; readonly grant: ConsumerGrant; readonly warnings: readonly string[] };

/**
 * A consumer's outputs, checked against the owner's terms for it. Problems are added to `issues`
 * so that every consumer is checked before the owner program stops.
 */
export function readConsumerOutputs(outputs: Outputs, entry: ConsumerEntry, owner: OwnerSettings, issues: IssueList): ConsumerView {
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
    const warnings: string[] = [];
    const requested = { access: outputs.access, prefix: outputs.prefix };
    if (requested.access !== undefined && requested.access !== entry.access) {
        warnings.push(`${entry.stack} asks for ${String(requested.access)} access but is granted ${entry.access}; the grant applies`);
    }
    if (requested.prefix !== entry.prefix && (requested.prefix !== undefined || entry.prefix !== undefined)) {
        warnings.push(
            `${entry.stack} asks for prefix ${String(requested.prefix ?? "(whole bucket)")} but is granted ${entry.prefix ?? "the whole bucket"}; the grant applies`,
        );
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
