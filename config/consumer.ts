import { AWS_BUCKET_PRESETS, expandBucketPresets } from "../policies/aws-owned-buckets";
import { ACCOUNT_KEYS, AccountSettings, checkPartition, readAccountSettings } from "./account";
import { ConfigReader } from "./reader";
import * as rules from "../domain/rules";
import { ACCESS_LEVELS, AccessLevel, DEFAULT_ACCESS, DEFAULT_ENDPOINT_POLICY, ENDPOINT_POLICY_MODES, EndpointPolicyMode } from "../domain/terms";
import { qualifyStackName, StackIdentity } from "../domain/stack-identity";

/** `unmanaged` leaves an adopted endpoint's policy as it is; it is the default only when adopting. */
export type EndpointPolicySetting = EndpointPolicyMode | "unmanaged";

export interface ConsumerSettings extends AccountSettings {
    /** The owner stacks whose buckets this stack reads, fully qualified: one or more. */
    readonly ownerStacks: readonly string[];
    /** The VPC for a new endpoint; absent when adopting one. */
    readonly vpcId?: string;
    /** Route tables to associate (the private subnets' ones). */
    readonly routeTableIds: readonly string[];
    /** An S3 gateway endpoint that already exists in the VPC, adopted instead of creating one. */
    readonly existingEndpointId?: string;
    /**
     * The account that owns the adopted endpoint when it is not this stack's own: the VPC owner's, in a
     * VPC shared through AWS RAM. Declared, because a participant cannot read the VPC owner's endpoint.
     */
    readonly endpointOwnerAccountId?: string;
    readonly endpointPolicy: EndpointPolicySetting;
    /** Buckets the restricted endpoint policies also let through (read-only), presets expanded. */
    readonly extraBuckets: readonly string[];
    /** The access this consumer's role asks for; it gets what both this and the owner's grant allow. */
    readonly access: AccessLevel;
    readonly prefix?: string;
    /** Attach the role policy (the shared bucket's grants) to this existing role instead of creating a role and instance profile. */
    readonly existingRoleArn?: string;
    /** A role of this account that the workload role trusts for verify's outside test only (session name `cross-account-s3-verify`). */
    readonly verifyTester?: string;
}

export const CONSUMER_KEYS = [
    ...ACCOUNT_KEYS,
    "ownerStack",
    "ownerStacks",
    "vpcId",
    "routeTableIds",
    "existingEndpointId",
    "endpointOwnerAccountId",
    "endpointPolicy",
    "extraBuckets",
    "access",
    "prefix",
    "existingRoleArn",
    "verifyTester",
];

/**
 * Settings that state facts about resources this stack does not manage (an adopted endpoint, its
 * owner, an existing role). Neither a preview nor the offline plan can confirm them: they are taken
 * as given, and the plan shows them as declared.
 */
export const DECLARED_KEYS = ["existingEndpointId", "endpointOwnerAccountId", "existingRoleArn"] as const;

/** The consumer stack's settings from its raw config, or a ConfigError listing every problem. */
export function parseConsumerSettings(
    raw: Readonly<Record<string, string>>,
    identity: StackIdentity,
    elsewhere: Readonly<Record<string, unknown>> = {},
): ConsumerSettings {
    const config = new ConfigReader(identity.project, raw, elsewhere, identity.stack);
    config.rejectUnknown(CONSUMER_KEYS);
    const account = readAccountSettings(config);
    const existingEndpointId = config.optional("existingEndpointId", rules.vpceId, "vpce-0123456789abcdef0");
    const adopting = existingEndpointId !== undefined;
    const vpcId = adopting ? config.optional("vpcId", rules.vpcId, "vpc-0123456789abcdef0") : config.require("vpcId", rules.vpcId, "vpc-0123456789abcdef0");
    config.issues.check(
        config.key("vpcId"),
        vpcId,
        adopting &&
            vpcId !== undefined &&
            `is set together with existingEndpointId: an adopted endpoint stays in the VPC it was created in, so vpcId would be ignored`,
        `${config.removeLine("vpcId")} (to adopt ${existingEndpointId}), or ${config.removeLine("existingEndpointId")} (to create a new endpoint in ${vpcId})`,
    );
    const routeTableIds = config.list("routeTableIds", rules.routeTableId, "rtb-0123456789abcdef0");
    config.issues.check(
        config.key("routeTableIds"),
        config.has("routeTableIds") ? routeTableIds : undefined,
        !adopting &&
            routeTableIds.length === 0 &&
            "must list at least one route table: a gateway endpoint only works for subnets whose route table carries its route",
        `${config.setLine("routeTableIds[0]", "rtb-0123456789abcdef0")} (the private subnets' route tables)`,
    );
    const endpointPolicy = config.oneOf<EndpointPolicySetting>(
        "endpointPolicy",
        adopting ? [...ENDPOINT_POLICY_MODES, "unmanaged"] : ENDPOINT_POLICY_MODES,
        adopting ? "unmanaged" : DEFAULT_ENDPOINT_POLICY,
    );
    const endpointOwner = config.optional("endpointOwnerAccountId", rules.accountId, rules.ACCOUNT_ID_PLACEHOLDER);
    const sharedVpc = endpointOwner !== undefined && rules.accountId(endpointOwner) === undefined && endpointOwner !== account.accountId;
    config.issues.check(
        config.key("endpointOwnerAccountId"),
        endpointOwner,
        endpointOwner !== undefined && !adopting && "only applies to an adopted endpoint, but existingEndpointId is not set",
        `pulumi config set ${config.key("existingEndpointId")} vpce-0123456789abcdef0 (the shared VPC's S3 gateway endpoint), or remove endpointOwnerAccountId`,
    );
    config.issues.check(
        config.key("routeTableIds"),
        routeTableIds,
        sharedVpc &&
            adopting &&
            routeTableIds.length > 0 &&
            `must be empty: the endpoint belongs to account ${endpointOwner} (endpointOwnerAccountId), and a participant of a shared VPC cannot change the VPC owner's route tables`,
        `remove ${config.key("routeTableIds")}; the VPC owner (${endpointOwner}) associates its route tables with the endpoint`,
    );
    config.issues.check(
        config.key("endpointPolicy"),
        endpointPolicy,
        sharedVpc &&
            adopting &&
            endpointPolicy !== "unmanaged" &&
            `must be unmanaged: the endpoint belongs to account ${endpointOwner} (endpointOwnerAccountId), and a participant of a shared VPC cannot change the VPC owner's endpoint policy`,
        `pulumi config set ${config.key("endpointPolicy")} unmanaged (the VPC owner sets the endpoint's policy)`,
    );
    const extraBucketEntries = config.list("extraBuckets", rules.bucketNameOrPreset(AWS_BUCKET_PRESETS), "preset:ssm");
    const extraBuckets = expandBucketPresets(extraBucketEntries, account.region);
    config.issues.check(
        config.key("extraBuckets"),
        extraBucketEntries,
        extraBuckets.length > 0 &&
            (endpointPolicy === "allow-all" || endpointPolicy === "unmanaged") &&
            `only applies to a restricted endpoint policy, but endpointPolicy is "${endpointPolicy}"`,
        `${config.setLine("endpointPolicy", "owner-only")} (or account-and-owner), or ${config.removeLine("extraBuckets")}`,
    );
    const existingRoleArn = config.optional("existingRoleArn", rules.roleArn, rules.roleArnExample(account.partition, account.accountId, "role name"));
    if (existingRoleArn !== undefined && rules.roleArn(existingRoleArn) === undefined) {
        checkPartition(config, "existingRoleArn", existingRoleArn, account.region);
        config.issues.check(
            config.key("existingRoleArn"),
            existingRoleArn,
            rules.roleOfAccount(account.accountId, "this stack's account")(existingRoleArn),
            "name a role of the consumer account, or remove the key to create one",
        );
        config.issues.check(
            config.key("existingRoleArn"),
            existingRoleArn,
            rules.notServiceLinkedRole(existingRoleArn),
            `name a role your workloads assume, or ${config.removeLine("existingRoleArn")} to create one`,
        );
    }
    const verifyTester = config.optional("verifyTester", rules.roleArn, rules.roleArnExample(account.partition, account.accountId, "tester role name"));
    if (verifyTester !== undefined && rules.roleArn(verifyTester) === undefined) {
        config.issues.check(
            config.key("verifyTester"),
            verifyTester,
            rules.roleOfAccount(account.accountId, "this stack's account")(verifyTester) ||
                (existingRoleArn !== undefined &&
                    "only applies to the role this stack creates, but existingRoleArn is set (its trust policy is not this stack's)"),
            existingRoleArn !== undefined
                ? "remove verifyTester, or add the tester to that role's trust policy yourself"
                : "name a role of the consumer account",
        );
    }
    const ownerStack = config.optional("ownerStack", rules.stackName, "owner");
    const listedOwners = config.list("ownerStacks", rules.stackName, "owner-a, owner-b");
    config.issues.check(
        config.key("ownerStacks"),
        config.has("ownerStacks") ? listedOwners : undefined,
        config.has("ownerStacks") &&
            (ownerStack !== undefined ? `is set together with ${config.key("ownerStack")}` : listedOwners.length === 0 && "must list at least one owner stack"),
        `keep one of them: ${config.key("ownerStacks")} lists every owner stack this consumer reads (one is a list of one)`,
    );
    const prefix = config.optional("prefix", rules.keyPrefix, "team-a/");
    const settings: ConsumerSettings = {
        ...account,
        ownerStacks: (listedOwners.length > 0 ? listedOwners : [ownerStack ?? "owner"]).map((stack) => qualifyStackName(stack, identity)),
        ...(vpcId === undefined ? {} : { vpcId }),
        routeTableIds,
        ...(existingEndpointId === undefined ? {} : { existingEndpointId }),
        ...(sharedVpc ? { endpointOwnerAccountId: endpointOwner } : {}),
        endpointPolicy,
        extraBuckets,
        access: config.oneOf("access", ACCESS_LEVELS, DEFAULT_ACCESS),
        ...(prefix === undefined ? {} : { prefix }),
        ...(existingRoleArn === undefined ? {} : { existingRoleArn }),
        ...(verifyTester === undefined || existingRoleArn !== undefined ? {} : { verifyTester }),
    };
    config.issues.throwIfAny(`Invalid configuration for consumer stack "${identity.stack}" in ${config.file}`);
    return settings;
}
