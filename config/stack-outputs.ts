import { ConsumerGrant } from "../policies/bucket-policy";
import { ConsumerSettings } from "./consumer";
import { ConfigError, IssueList } from "./errors";
import { ConsumerEntry, OwnerSettings } from "./owner";
import * as rules from "./rules";

/**
 * Values read from another stack are checked like config: the other stack may be older, edited by
 * hand or simply wrong, and a bad value here would end up in a bucket policy.
 */

/** The owner stack outputs a consumer uses. */
export const OWNER_OUTPUTS = ["bucketArn", "bucketName", "region", "accountId", "kmsKeyArn", "consumerStacks"] as const;
/** The consumer stack outputs the owner uses. */
export const CONSUMER_OUTPUTS = ["roleArn", "vpceId", "vpceAccountId", "accountId", "region", "access", "prefix"] as const;

export type Outputs = Readonly<Record<string, unknown>>;

export interface OwnerView {
    readonly bucketArn: string;
    readonly bucketName: string;
    readonly region: string;
    readonly accountId: string;
    readonly kmsKeyArn?: string;
}

/**
 * @param self this consumer stack, fully qualified: the owner's consumer list must name it
 */
export function readOwnerOutputs(outputs: Outputs, ownerStack: string, consumer: ConsumerSettings, self: string): OwnerView {
    const context = `Cannot read the owner stack "${ownerStack}"`;
    if (outputs.bucketArn === undefined) {
        throw new ConfigError(context, [
            {
                key: `${ownerStack} output bucketArn`,
                value: undefined,
                rule: "is missing: the owner stack has not been deployed yet",
                fix: "deploy the owner first (pulumi up -s owner with the owner account's credentials), then this stack",
            },
        ]);
    }
    const issues = new IssueList();
    const text = (name: string, rule: rules.Rule): string => {
        const value = outputs[name];
        const broken = typeof value === "string" ? rule(value) : "must be a string";
        if (broken !== undefined) {
            issues.add(`${ownerStack} output ${name}`, value, broken, `run pulumi up -s owner so that it exports a valid ${name}`);
        }
        return typeof value === "string" ? value : "";
    };
    const bucketArn = text("bucketArn", rules.bucketArn);
    const bucketName = text("bucketName", rules.bucketName);
    const region = text("region", rules.region);
    const accountId = text("accountId", rules.accountId);
    const kmsKeyArn = outputs.kmsKeyArn === undefined ? undefined : text("kmsKeyArn", rules.kmsKeyArn);
    if (region !== "" && region !== consumer.region) {
        issues.add(
            `${ownerStack} output region`,
            region,
            `differs from this stack's region "${consumer.region}": gateway endpoints only carry requests to S3 in their own region`,
            `deploy the consumer in ${region} (pulumi config set cross-account-s3:region ${region}) with a VPC there`,
        );
    }
    // Owners deployed before the list was exported say nothing here.
    if (Array.isArray(outputs.consumerStacks) && !outputs.consumerStacks.includes(self)) {
        const bare = self.split("/").pop();
        issues.add(
            `${ownerStack} output consumerStacks`,
            outputs.consumerStacks.length <= 5 ? outputs.consumerStacks : `${outputs.consumerStacks.length} stacks`,
            `does not list this stack "${self}": the owner grants it nothing, so every request it makes would be refused (403)`,
            `add { stack: ${bare}, accountId: "${consumer.accountId}", access: ${consumer.access} } to cross-account-s3:consumers in the owner's stack file, run pulumi up -s ${ownerStack.split("/").pop()}, then this stack`,
        );
    }
    if (accountId !== "" && accountId === consumer.accountId) {
        issues.add(
            `${ownerStack} output accountId`,
            accountId,
            "is this consumer's own account; the product shares a bucket across accounts",
            "deploy the owner and the consumer into different accounts",
        );
    }
    issues.throwIfAny(context);
    return { bucketArn, bucketName, region, accountId, ...(kmsKeyArn === undefined ? {} : { kmsKeyArn }) };
}

/** A consumer whose stack has no outputs yet (first rollout) is pending, not an error. */
export type ConsumerView =
    | { readonly state: "pending"; readonly stack: string }
    | { readonly state: "ready"; readonly grant: ConsumerGrant; readonly warnings: readonly string[] };

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
    const redeploy = `run pulumi up on ${entry.stack} so that it exports a valid value`;
    const text = (name: string, rule: rules.Rule): string => {
        const value = outputs[name];
        const broken = typeof value === "string" ? rule(value) : value === undefined ? "is missing" : "must be a string";
        if (broken !== undefined) {
            issues.add(key(name), value, broken, redeploy);
        }
        return typeof value === "string" ? value : "";
    };
    const roleArn = text("roleArn", rules.roleArn);
    const vpceId = text("vpceId", rules.vpceId);
    const accountId = text("accountId", rules.accountId);
    const region = text("region", rules.region);
    // Stacks deployed before the endpoint's account was exported own their endpoint.
    const vpceAccountId = outputs.vpceAccountId === undefined ? undefined : text("vpceAccountId", rules.accountId);
    const roleAccount = rules.roleArnAccount(roleArn);
    if (roleAccount !== undefined && roleAccount !== entry.accountId) {
        issues.add(
            key("roleArn"),
            roleArn,
            `belongs to account ${roleAccount}, but the owner shares with this stack as account ${entry.accountId}`,
            "fix the consumer's accountId in the owner's consumers list, or deploy the consumer into the agreed account",
        );
    }
    if (accountId !== "" && accountId !== entry.accountId) {
        issues.add(key("accountId"), accountId, `differs from the agreed account ${entry.accountId}`, "deploy the consumer into the agreed account");
    }
    if (region !== "" && region !== owner.region) {
        issues.add(
            key("region"),
            region,
            `differs from the bucket's region "${owner.region}": a gateway endpoint there cannot reach this bucket`,
            `deploy the consumer in ${owner.region}`,
        );
    }
    if (issues.size > before) {
        return { state: "pending", stack: entry.stack };
    }
    const warnings: string[] = [];
    const requested = { access: outputs.access, prefix: outputs.prefix };
    if (requested.access !== undefined && requested.access !== entry.access) {
        warnings.push(`${entry.stack} asks for ${String(requested.access)} access but is granted ${entry.access}; the grant applies`);
    }
    if (requested.prefix !== entry.prefix && (requested.prefix !== undefined || entry.prefix !== undefined)) {
        warnings.push(`${entry.stack} asks for prefix ${String(requested.prefix ?? "(whole bucket)")} but is granted ${entry.prefix ?? "the whole bucket"}; the grant applies`);
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
