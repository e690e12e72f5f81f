/**
 * The AWS calls behind the path checks and the outside 403 test: the consumer VPC's endpoints, route
 * tables and security-group egress, and S3 requests sent as the workload role from where verify runs.
 * Each method is one (paginated) call returning plain data; the judgement is in path.ts.
 */
import {
    DescribeInstancesCommand,
    DescribeRouteTablesCommand,
    DescribeSecurityGroupRulesCommand,
    DescribeVpcEndpointsCommand,
    EC2Client,
} from "@aws-sdk/client-ec2";
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { EgressRule, OutsideAnswer, RouteTableSummary, VpcEndpointSummary } from "./path";

export class PathApi {
    constructor(
        private readonly ec2: EC2Client,
        private readonly sts: STSClient,
        private readonly region: string,
    ) {}

    /** Every VPC endpoint of the VPC, every page. */
    async endpointsOfVpc(vpcId: string): Promise<VpcEndpointSummary[]> {
        const found: VpcEndpointSummary[] = [];
        let NextToken: string | undefined;
        do {
            const page = await this.ec2.send(new DescribeVpcEndpointsCommand({ Filters: [{ Name: "vpc-id", Values: [vpcId] }], NextToken }));
            for (const e of page.VpcEndpoints ?? []) {
                found.push({
                    id: String(e.VpcEndpointId),
                    type: String(e.VpcEndpointType),
                    serviceName: String(e.ServiceName),
                    state: String(e.State),
                    privateDns: e.PrivateDnsEnabled === true,
                    privateDnsOnlyForInboundResolver: e.DnsOptions?.PrivateDnsOnlyForInboundResolverEndpoint === true,
                    routeTableIds: [...(e.RouteTableIds ?? [])],
                });
            }
            NextToken = page.NextToken;
        } while (NextToken);
        return found;
    }

    /** Every route table of the VPC, every page: its subnets, whether it is the main one, and its routes' targets. */
    async routeTablesOfVpc(vpcId: string): Promise<RouteTableSummary[]> {
        const found: RouteTableSummary[] = [];
        let NextToken: string | undefined;
        do {
            const page = await this.ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: "vpc-id", Values: [vpcId] }], NextToken }));
            for (const t of page.RouteTables ?? []) {
                found.push({
                    id: String(t.RouteTableId),
                    main: (t.Associations ?? []).some((a) => a.Main === true),
                    subnetIds: (t.Associations ?? []).flatMap((a) => (a.SubnetId ? [a.SubnetId] : [])),
                    internetGateway: (t.Routes ?? []).some((r) => r.GatewayId?.startsWith("igw-") === true),
                });
            }
            NextToken = page.NextToken;
        } while (NextToken);
        return found;
    }

    /** The egress rules of the instance's security groups, every page. */
    async egressOfInstance(instanceId: string): Promise<{ groupIds: string[]; rules: EgressRule[] }> {
        const reservations = (await this.ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }))).Reservations ?? [];
        const groupIds = reservations.flatMap((r) => r.Instances ?? []).flatMap((i) => (i.SecurityGroups ?? []).map((g) => String(g.GroupId)));
        const rules: EgressRule[] = [];
        let NextToken: string | undefined;
        do {
            const page = await this.ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: "group-id", Values: groupIds }], NextToken }));
            for (const r of page.SecurityGroupRules ?? []) {
                if (r.IsEgress === true) {
                    rules.push({
                        groupId: String(r.GroupId),
                        protocol: String(r.IpProtocol),
                        fromPort: r.FromPort ?? -1,
                        toPort: r.ToPort ?? -1,
                        ...(r.CidrIpv4 ? { cidr: r.CidrIpv4 } : {}),
                        ...(r.PrefixListId ? { prefixListId: r.PrefixListId } : {}),
                    });
                }
            }
            NextToken = page.NextToken;
        } while (NextToken);
        return { groupIds, rules };
    }

    /**
     * The outside test: assume the workload role (the trust names the tester and this session name), then
     * list under the prefix and get a key, from here, so the requests carry no aws:SourceVpce.
     */
    async requestsFromOutside(roleArn: string, sessionName: string, bucket: string, prefix: string | undefined, key: string): Promise<OutsideAnswer[]> {
        const assumed = await this.sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: sessionName, DurationSeconds: 900 }));
        const c = assumed.Credentials;
        const s3 = new S3Client({
            region: this.region,
            credentials: { accessKeyId: String(c?.AccessKeyId), secretAccessKey: String(c?.SecretAccessKey), sessionToken: c?.SessionToken },
        });
        const answer = async (operation: string, call: () => Promise<unknown>): Promise<OutsideAnswer> => {
            try {
                await call();
                return { operation, status: 200 };
            } catch (error) {
                const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
                return { operation, status: e.$metadata?.httpStatusCode ?? 0, code: e.name, message: e.message };
            }
        };
        try {
            return [
                await answer("s3:ListBucket", () => s3.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 1, ...(prefix ? { Prefix: prefix } : {}) }))),
                await answer("s3:GetObject", () => s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))),
            ];
        } finally {
            s3.destroy();
        }
    }
}
