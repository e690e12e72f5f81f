import { AWS_BUCKET_PRESETS, expandBucketPresets } from "../policies/aws-owned-buckets";
import { ACCOUNT_KEYS, AccountSettings, checkPartition, readAccountSettings } from "./account";
import { ConfigReader } from "./reader";
import * as rules from "../domain/rules";
import { ACCESS_LEVELS, AccessLevel, DEFAULT_ACCESS, DEFAULT_ENDPOINT_POLICY, ENDPOINT_POLICY_MODES, EndpointPolicyMode } from "../domain/terms";
import { qualifyStackName, StackIdentity } from "../domain/stack-identity";

/** `unmanaged` leaves an adopted endpoint's policy as it is; it is the default only when adopting. */
export type EndpointPolicySetting = EndpointPolicyMode | "unmanaged";

export interface ConsumerSettings extends AccountSettings {
    /** The owner stack, fully qualified. */
    readonly ownerStack: string;
    /** The VPC for a new endpoint; absent when adopting one. */
    readonly vpcId?: string;
    /** Route tables to associate (the private subnets' ones). */
    readonly routeTableIds: readonly string[];
    /** An S3 gateway endpoint that already exists in the VPC, adopted instead of creating one. */
    readonly existingEndpointId?: string;
    readonly endpointPolicy: EndpointPolicySetting;
    /** Buckets the restricted endpoint policies also let through (read-only), presets expanded. */
    readonly extraBuckets: readonly string[];
    /** The access this consumer's role asks for; it gets what both this and the owner's grant allow. */
    readonly access: AccessLevel;
    readonly prefix?: string;
    /** Attach the role policy (the shared bucket's grants) to this existing role instead of creating a role and instance profile. */
    readonly existingRoleArn?: string;
}

export const CONSUMER_KEYS = [
    ...ACCOUNT_KEYS,
    "ownerStack",
    "vpcId",
    "routeTableIds",
    "existingEndpointId",
    "endpointPolicy",
    "extraBuckets",
    "access",
    "prefix",
    "existingRoleArn",
];

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
    const existingRoleArn = config.optional("existingRoleArn", rules.roleArn, `arn:${account.partition}:iam::444455556666:role/app`);
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
    const ownerStack = config.optional("ownerStack", rules.stackName, "owner") ?? "owner";
    const prefix = config.optional("prefix", rules.keyPrefix, "team-a/");
    const settings: ConsumerSettings = {
        ...account,
        ownerStack: qualifyStackName(ownerStack, identity),
        ...(vpcId === undefined ? {} : { vpcId }),
        routeTableIds,
        ...(existingEndpointId === undefined ? {} : { existingEndpointId }),
        endpointPolicy,
        extraBuckets,
        access: config.oneOf("access", ACCESS_LEVELS, DEFAULT_ACCESS),
        ...(prefix === undefined ? {} : { prefix }),
        ...(existingRoleArn === undefined ? {} : { existingRoleArn }),
    };
    config.issues.throwIfAny(`Invalid configuration for consumer stack "${identity.stack}" in ${config.file}`);
    return settings;
}
