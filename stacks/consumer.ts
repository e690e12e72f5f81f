import { parseConsumerSettings } from "../config/consumer";
import { ConsumerExports, OWNER_OUTPUTS, readOwnerOutputs } from "./contract";
import { S3GatewayEndpoint } from "../components/s3GatewayEndpoint";
import { WorkloadRole } from "../components/workloadRole";
import { accountProvider } from "./provider";
import { readStackOutputs } from "./references";
import { qualifyStackName, StackIdentity } from "../domain/stack-identity";

/** Consumer account (A): the S3 gateway endpoint on the private route tables, and the workload role. */
export async function consumerProgram(
    identity: StackIdentity,
    config: Readonly<Record<string, string>>,
    elsewhere: Readonly<Record<string, unknown>> = {},
): Promise<ConsumerExports> {
    const settings = parseConsumerSettings(config, identity, elsewhere);
    const self = qualifyStackName(identity.stack, identity);
    const owner = readOwnerOutputs(await readStackOutputs(settings.ownerStack, OWNER_OUTPUTS), settings.ownerStack, settings, self);

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
                          ownerBucketArn: owner.bucketArn,
                          access: settings.access,
                          prefix: settings.prefix,
                          accountId: settings.accountId,
                          extraBuckets: settings.extraBuckets,
                      },
        },
        { providers: [provider] },
    );
    const role = new WorkloadRole(
        "workload",
        {
            bucketArn: owner.bucketArn,
            access: settings.access,
            prefix: settings.prefix,
            kmsKeyArn: owner.kmsKeyArn,
            existingRoleArn: settings.existingRoleArn,
        },
        { providers: [provider] },
    );

    return {
        vpceId: endpoint.vpceId,
        vpceAccountId: endpoint.ownerAccountId,
        ...(endpoint.prefixListId ? { prefixListId: endpoint.prefixListId } : {}),
        routeTableIds: endpoint.routeTableIds,
        roleArn: role.roleArn,
        ...(role.instanceProfileName ? { instanceProfileName: role.instanceProfileName } : {}),
        region: settings.region,
        accountId: settings.accountId,
        access: settings.access,
        ...(settings.prefix === undefined ? {} : { prefix: settings.prefix }),
    };
}
