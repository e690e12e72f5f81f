import { ConsumerSettings, parseConsumerSettings } from "../config/consumer";
import * as pulumi from "@pulumi/pulumi";
import { ConsumerExports, OrganizationGrantExport, OWNER_OUTPUTS } from "./contract";
import { OwnerView, readOwners } from "./owner-outputs";
import { S3GatewayEndpoint, S3GatewayEndpointArgs } from "../components/s3GatewayEndpoint";
import { WorkloadRole, WorkloadRoleArgs } from "../components/workloadRole";
import { accountProvider } from "./provider";
import { readStackOutputs } from "./references";
import { qualifyStackName, StackIdentity } from "../domain/stack-identity";

/**
 * Consumer account (A): the S3 gateway endpoint on the private route tables, and the workload role.
 * One endpoint and one role serve the buckets of every owner stack it reads, each with that owner's grant.
 */
export async function consumerProgram(
    identity: StackIdentity,
    config: Readonly<Record<string, string>>,
    elsewhere: Readonly<Record<string, unknown>> = {},
): Promise<ConsumerExports> {
    const settings = parseConsumerSettings(config, identity, elsewhere);
    const self = qualifyStackName(identity.stack, identity);
    const read = await Promise.all(settings.ownerStacks.map(async (stack) => ({ stack, outputs: await readStackOutputs(stack, OWNER_OUTPUTS) })));
    const { owners, warnings } = readOwners(read, settings, self);
    warnings.forEach((w) => pulumi.log.warn(w));
    const { endpointPolicy, buckets, organizationGrant } = consumerPolicyInputs(owners, settings);

    const provider = accountProvider(settings, identity);
    const endpoint = new S3GatewayEndpoint(
        "s3",
        {
            region: settings.region,
            partition: settings.partition,
            vpcId: settings.vpcId,
            routeTableIds: settings.routeTableIds,
            existingEndpointId: settings.existingEndpointId,
            endpointOwnerAccountId: settings.endpointOwnerAccountId,
            endpointPolicy,
        },
        { providers: [provider] },
    );
    const role = new WorkloadRole(
        "workload",
        {
            buckets,
            partition: settings.partition,
            existingRoleArn: settings.existingRoleArn,
            verifyTester: settings.verifyTester,
            ...(organizationGrant ? { roleName: organizationGrant.roleName } : {}),
        },
        { providers: [provider] },
    );

    return {
        vpceId: endpoint.vpceId,
        vpceAccountId: endpoint.ownerAccountId,
        ...(endpoint.prefixListId ? { prefixListId: endpoint.prefixListId } : {}),
        routeTableIds: endpoint.routeTableIds,
        endpointPolicyManaged: endpoint.policy !== undefined,
        roleArn: role.roleArn,
        ...(role.instanceProfileName ? { instanceProfileName: role.instanceProfileName } : {}),
        region: settings.region,
        accountId: settings.accountId,
        access: settings.access,
        ...(settings.prefix === undefined ? {} : { prefix: settings.prefix }),
        ...(organizationGrant ? { organizationGrant } : {}),
    };
}

/**
 * What the endpoint policy and the role policy are built from: every owner the consumer reads, each
 * bucket with that owner's grant (prefix, access, key). The program and `npm run verify` both use it.
 */
export function consumerPolicyInputs(
    owners: readonly OwnerView[],
    settings: ConsumerSettings,
): {
    readonly endpointPolicy: S3GatewayEndpointArgs["endpointPolicy"];
    readonly buckets: WorkloadRoleArgs["buckets"];
    readonly organizationGrant?: OrganizationGrantExport;
} {
    // Under an organization grant the bucket lets in a role name, not an ARN: the role takes that name.
    const organizationGrant = owners.find((o) => o.organizationGrant !== undefined)?.organizationGrant;
    const [first, ...others] = owners.map((o) => ({ ownerBucketArn: o.bucketArn, access: o.grant.access, prefix: o.grant.prefix }));
    return {
        endpointPolicy:
            settings.endpointPolicy === "unmanaged"
                ? undefined
                : { mode: settings.endpointPolicy, ...first, otherOwners: others, accountId: settings.accountId, extraBuckets: settings.extraBuckets },
        buckets: owners.map((o) => ({ bucketArn: o.bucketArn, ...o.grant, kmsKeyArn: o.kmsKeyArn })),
        ...(organizationGrant ? { organizationGrant } : {}),
    };
}
