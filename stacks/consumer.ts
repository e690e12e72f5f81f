import { parseConsumerSettings } from "../config/consumer";
import * as pulumi from "@pulumi/pulumi";
import { ConsumerExports, OWNER_OUTPUTS } from "./contract";
import { readOwners } from "./owner-outputs";
import { S3GatewayEndpoint } from "../components/s3GatewayEndpoint";
import { WorkloadRole } from "../components/workloadRole";
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
    // Under an organization grant the bucket lets in a role name, not an ARN: the role takes that name.
    const organizationGrant = owners.find((o) => o.organizationGrant !== undefined)?.organizationGrant;
    const [first, ...others] = owners.map((o) => ({ ownerBucketArn: o.bucketArn, access: o.grant.access, prefix: o.grant.prefix }));

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
            endpointPolicy:
                settings.endpointPolicy === "unmanaged"
                    ? undefined
                    : {
                          mode: settings.endpointPolicy,
                          ...first,
                          otherOwners: others,
                          accountId: settings.accountId,
                          extraBuckets: settings.extraBuckets,
                      },
        },
        { providers: [provider] },
    );
    const role = new WorkloadRole(
        "workload",
        {
            buckets: owners.map((o) => ({ bucketArn: o.bucketArn, ...o.grant, kmsKeyArn: o.kmsKeyArn })),
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
