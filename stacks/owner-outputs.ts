import { ConsumerSettings } from "../config/consumer";
import { IssueList } from "../domain/issues";
import * as rules from "../domain/rules";
import { ACCESS_LEVELS, AccessLevel } from "../domain/terms";
import { OrganizationGrantExport, OwnerGrant, Outputs, textOutput } from "./contract";
import { checkEndpointPolicyNotManagedElsewhere } from "./endpoint-sharing";

/**
 * What a consumer reads from its owner stacks, by the contract: each owner's bucket, region, key and
 * grant to this stack, checked like config, every owner's problems reported together.
 */

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
    /** False when the owner grants this consumer nothing: its list leaves it out and no organization grant fits. */
    readonly listed: boolean;
    /** The organization grant this consumer deploys under (the owner does not list it): its role must take the grant's name. */
    readonly organizationGrant?: OrganizationGrantExport;
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
            `does not list this stack "${self}", and no organization grant gives ${consumer.access} access${consumer.prefix ? ` under ${consumer.prefix}` : ""}: the owner grants it nothing${views.length > 1 ? ", and neither does any other owner this stack reads" : ""}, so every request it makes would be refused (403)`,
            `to keep it, add { stack: ${self.split("/").pop()}, accountId: "${consumer.accountId}", access: ${consumer.access} } to cross-account-s3:consumers in Pulumi.${view.stack.split("/").pop()}.yaml, run pulumi up -s ${view.stack.split("/").pop()}, then this stack (or ask for the access and prefix of one of the owner's organizationGrants); to remove it, run pulumi destroy -s ${self.split("/").pop()} (the owner already dropped its grant), then pulumi stack rm ${self.split("/").pop()}`,
        );
    }
    // One role serves every owner: organization grants of several owners must name the same role.
    const names = [...new Set(listed.flatMap((v) => (v.organizationGrant ? [v.organizationGrant.roleName] : [])))];
    issues.check(
        "organizationGrants",
        listed.filter((v) => v.organizationGrant).map((v) => `${v.organizationGrant!.roleName} (${v.stack})`),
        names.length > 1 && "name different roles in the owners this stack reads under organization grants, and one role serves every owner",
        "ask the owners to grant one role name, or read them from separate consumer stacks",
    );
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
            ? `deploy the consumer in ${region} (pulumi config set cross-account-s3:region ${region} -s ${self.split("/").pop()}) with a VPC there`
            : `read only owners in ${consumer.region} from this stack: remove ${ownerStack.split("/").pop()} from cross-account-s3:ownerStacks and read it from a consumer stack in ${region}`,
    );
    issues.check(
        `${ownerStack} output accountId`,
        accountId,
        accountId !== "" && accountId === consumer.accountId && "is this consumer's own account; the product shares a bucket across accounts",
        "deploy the owner and the consumer into different accounts",
    );
    if (consumer.existingEndpointId !== undefined && consumer.endpointPolicy !== "unmanaged") {
        checkEndpointPolicyNotManagedElsewhere(outputs.endpointPolicyManagers, consumer.existingEndpointId, self, ownerStack, issues);
    }
    // Owners deployed before the list was exported say nothing here, and so list everyone.
    const stacks = outputs.consumerStacks;
    const onList = !Array.isArray(stacks) || stacks.includes(self);
    // Not on the list: an organization grant of the access and prefix this stack asks for may cover it.
    const organizationGrant = onList ? undefined : organizationGrantFor(outputs.organizationGrants, ownerStack, consumer, issues);
    const grant = onList ? ownerGrant(outputs.consumerGrants, self, asked, ownerStack, issues) : asked;
    return {
        stack: ownerStack,
        bucketArn,
        bucketName,
        region,
        accountId,
        ...(kmsKeyArn === undefined ? {} : { kmsKeyArn }),
        grant,
        listed: onList || Boolean(organizationGrant),
        ...(organizationGrant ? { organizationGrant } : {}),
    };
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

/**
 * The owner's organization grant for a consumer it does not list: the one whose access and prefix are
 * what the consumer asks for. null when none is; undefined when the grants are unreadable (recorded).
 * The consumer cannot see its own OU path, so whether its account is under the grant's path is the
 * owner's organization's business: outside it, every request is refused (403).
 */
function organizationGrantFor(value: unknown, ownerStack: string, consumer: ConsumerSettings, issues: IssueList): OrganizationGrantExport | null | undefined {
    const key = `${ownerStack} output organizationGrants`;
    const fix = `run pulumi up -s ${ownerStack.split("/").pop()} so that it exports valid organization grants`;
    if (value === undefined) {
        return null;
    }
    const readable = (g: unknown): g is OrganizationGrantExport => {
        const x = g as Record<string, unknown>;
        return (
            typeof x === "object" &&
            x !== null &&
            typeof x.orgPath === "string" &&
            rules.organizationPath(x.orgPath) === undefined &&
            typeof x.roleName === "string" &&
            rules.roleName(x.roleName) === undefined &&
            ACCESS_LEVELS.includes(x.access as AccessLevel) &&
            (x.prefix === undefined || (typeof x.prefix === "string" && rules.keyPrefix(x.prefix) === undefined))
        );
    };
    if (!issues.check(key, value, (!Array.isArray(value) || !value.every(readable)) && "must be a list of { orgPath, roleName, access, prefix }", fix)) {
        return undefined;
    }
    const matching = (value as OrganizationGrantExport[]).filter((g) => g.access === consumer.access && g.prefix === consumer.prefix);
    const names = [...new Set(matching.map((g) => g.roleName))];
    if (
        !issues.check(
            key,
            matching.map((g) => `${g.roleName} under ${g.orgPath}`),
            names.length > 1 &&
                `has several grants of ${consumer.access} access${consumer.prefix ? ` under ${consumer.prefix}` : ""} with different role names`,
            "ask the owner to list this stack in cross-account-s3:consumers, or to use one role name for the same access and prefix",
        )
    ) {
        return undefined;
    }
    if (matching.length === 0) {
        return null;
    }
    const grant = matching[0];
    const existing = consumer.existingRoleArn;
    issues.check(
        "cross-account-s3:existingRoleArn",
        existing,
        existing !== undefined &&
            !existing.endsWith(`:role/${grant.roleName}`) &&
            `is not a role named ${grant.roleName} (path /), the name the owner's organization grant under ${grant.orgPath} lets in`,
        `name the existing role ${grant.roleName}, or remove existingRoleArn so that this stack creates a role of that name`,
    );
    return grant;
}
