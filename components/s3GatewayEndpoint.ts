import * as aws from "../resources/aws";
import * as pulumi from "@pulumi/pulumi";
import * as rules from "../domain/rules";
import { compact, LIMITS, overLimit } from "../policies/document";
import { buildEndpointPolicy, EndpointPolicyInput, OwnerBucketPassage } from "../policies/endpoint-policy";
import { ConfigError, Issue, IssueList } from "../domain/issues";

export interface S3GatewayEndpointArgs {
    /** The region of the VPC, which must be the bucket's region. Required. */
    readonly region: string;
    /** ARN partition of the region. @default "aws" */
    readonly partition?: string;
    /** The VPC to create the endpoint in. Required unless `existingEndpointId` is set. */
    readonly vpcId?: string;
    /**
     * Route tables whose subnets reach S3 through the endpoint: the private subnets' tables.
     * Required (one or more) when creating; when adopting, these are added to the endpoint.
     */
    readonly routeTableIds: readonly string[];
    /**
     * Adopt this existing S3 gateway endpoint instead of creating one: a route table can carry only
     * one S3 gateway endpoint, so a VPC that already has one must reuse it.
     */
    readonly existingEndpointId?: string;
    /**
     * The account that owns the adopted endpoint, when it is another account (the VPC owner's, in a
     * shared VPC). The endpoint is then taken as declared and never read: a participant cannot describe
     * the VPC owner's endpoints. Requires `existingEndpointId`; excludes `routeTableIds` and `endpointPolicy`.
     */
    readonly endpointOwnerAccountId?: string;
    /**
     * The endpoint policy to apply, with the first owner's bucket and, for a consumer of several owners,
     * the others' (`otherOwners`); leave undefined to keep an adopted endpoint's policy as it is.
     */
    readonly endpointPolicy?: Omit<EndpointPolicyInput, "partition"> & { readonly otherOwners?: readonly OwnerBucketPassage[] };
}

/** Everything wrong with the args, checked before any resource exists. */
export function validateS3GatewayEndpointArgs(args: S3GatewayEndpointArgs): readonly Issue[] {
    const issues = new IssueList();
    const adopting = args.existingEndpointId !== undefined;
    issues.check(
        "existingEndpointId",
        args.existingEndpointId,
        adopting && rules.vpceId(args.existingEndpointId!),
        "pass the id of the VPC's S3 gateway endpoint",
    );
    issues.check("vpcId", undefined, !adopting && args.vpcId === undefined && "is required unless existingEndpointId is set", "pass the consumer VPC's id");
    issues.check("vpcId", args.vpcId, args.vpcId !== undefined && rules.vpcId(args.vpcId), "pass the consumer VPC's id");
    issues.check(
        "routeTableIds",
        [],
        !adopting && args.routeTableIds.length === 0 && "must list at least one route table when creating an endpoint",
        "pass the private subnets' route tables",
    );
    for (const [i, id] of args.routeTableIds.entries()) {
        issues.check(`routeTableIds[${i}]`, id, rules.routeTableId(id), "pass rtb- ids");
        issues.check(`routeTableIds[${i}]`, id, rules.repeatedAt(args.routeTableIds, i), "list each route table once");
    }
    issues.check(
        "endpointPolicy",
        undefined,
        !adopting && args.endpointPolicy === undefined && "is required when creating an endpoint",
        "pass the policy inputs",
    );
    const shared = args.endpointOwnerAccountId !== undefined;
    issues.check(
        "endpointOwnerAccountId",
        args.endpointOwnerAccountId,
        shared && (rules.accountId(args.endpointOwnerAccountId!) ?? (!adopting && "requires existingEndpointId")),
        "pass the 12-digit account id of the VPC owner, with existingEndpointId",
    );
    issues.check(
        "routeTableIds",
        args.routeTableIds,
        shared && args.routeTableIds.length > 0 && "must be empty for an endpoint of another account: its route tables are the VPC owner's",
        "leave the route tables to the VPC owner",
    );
    issues.check(
        "endpointPolicy",
        "managed",
        shared && args.endpointPolicy !== undefined && "must be left out for an endpoint of another account: its policy is the VPC owner's",
        "leave the endpoint policy to the VPC owner",
    );
    if (args.endpointPolicy !== undefined && issues.size === 0) {
        const over = overLimit(
            buildEndpointPolicy({ ...args.endpointPolicy, partition: args.partition ?? "aws" }, ...(args.endpointPolicy.otherOwners ?? [])),
            LIMITS.endpointPolicy,
        );
        issues.check(
            "extraBuckets",
            args.endpointPolicy.extraBuckets.length,
            over && `make the endpoint policy ${over.bytes} bytes, over AWS's limit of ${over.limit}`,
            "list fewer extra buckets",
        );
    }
    return issues.items;
}

/** Said at every preview of an adopted endpoint whose policy this stack manages. */
export function adoptedPolicyWarning(endpointId: string): string {
    return (
        `The endpoint policy of ${endpointId} is replaced by this stack's, and every workload that uses that endpoint is held to it: ` +
        "S3 requests the new policy does not allow are refused, from now on. Destroying this stack, or setting endpointPolicy to unmanaged " +
        "later, leaves this stack's policy on the endpoint: it does not go back to the policy it had before, nor to AWS's default. " +
        `Before the first pulumi up that sets it, save the policy the endpoint has now, to put it back later: aws ec2 describe-vpc-endpoints --vpc-endpoint-ids ${endpointId} ` +
        "--query 'VpcEndpoints[0].PolicyDocument' --output text > endpoint-policy.json (restore: aws ec2 modify-vpc-endpoint " +
        `--vpc-endpoint-id ${endpointId} --policy-document file://endpoint-policy.json). To leave the policy as it is, set endpointPolicy to unmanaged.`
    );
}

/** Said at every preview of an adopted endpoint that this stack adds route tables to. */
export function adoptedRouteTablesNotice(endpointId: string, routeTableIds: readonly string[]): string {
    return (
        `Route tables ${routeTableIds.join(", ")} are added to the adopted endpoint ${endpointId} and stay on it when this stack is destroyed ` +
        "or a table is taken out of routeTableIds: the stack cannot tell a route table it added from one the endpoint already carried, " +
        "which other workloads may route through. To take off one that this stack added and nothing else uses: " +
        `aws ec2 modify-vpc-endpoint --vpc-endpoint-id ${endpointId} --remove-route-table-ids <rtb-id>.`
    );
}

/**
 * The S3 gateway endpoint service of a region. S3 keeps `com.amazonaws.<region>.s3` in every partition:
 * in the China regions too (the console's service list and AWS CDK's gateway endpoints use it), unlike
 * services that take a `cn.com.amazonaws` prefix there.
 */
export function s3ServiceName(region: string): string {
    return `com.amazonaws.${region}.s3`;
}

/**
 * An S3 gateway endpoint in the consumer VPC, on the private route tables, with an endpoint policy
 * that lets the owner bucket's granted actions through. Creates the endpoint, or adopts an existing
 * one by id and adds the route tables (and, if asked, the policy) to it.
 */
export class S3GatewayEndpoint extends pulumi.ComponentResource {
    public readonly vpceId: pulumi.Output<string>;
    /** The account that owns the endpoint (`aws:VpceAccount`): in a shared VPC, the VPC owner's. */
    public readonly ownerAccountId: pulumi.Output<string>;
    /**
     * The S3 prefix list: what security-group egress rules must allow on 443. Absent for an endpoint of
     * another account, which this stack cannot read.
     */
    public readonly prefixListId: pulumi.Output<string> | undefined;
    public readonly routeTableIds: string[];
    /** The endpoint policy sent to AWS, when managed here. */
    public readonly policy: string | undefined;

    constructor(name: string, args: S3GatewayEndpointArgs, opts?: pulumi.ComponentResourceOptions) {
        const issues = validateS3GatewayEndpointArgs(args);
        if (issues.length > 0) {
            throw new ConfigError(`Invalid arguments for S3GatewayEndpoint "${name}"`, issues);
        }
        super("cross-account-s3:index:S3GatewayEndpoint", name, {}, opts);

        const partition = args.partition ?? "aws";
        const routeTableIds = [...args.routeTableIds].sort();
        this.policy = args.endpointPolicy && compact(buildEndpointPolicy({ ...args.endpointPolicy, partition }, ...(args.endpointPolicy.otherOwners ?? [])));

        let endpoint: aws.ec2.VpcEndpoint | undefined;
        if (args.endpointOwnerAccountId !== undefined) {
            endpoint = undefined; // another account's endpoint: declared, never read (declaredEndpoint)
        } else if (args.existingEndpointId === undefined) {
            endpoint = new aws.ec2.VpcEndpoint(
                name,
                {
                    vpcId: args.vpcId!,
                    serviceName: s3ServiceName(args.region),
                    vpcEndpointType: "Gateway",
                    routeTableIds,
                    policy: this.policy,
                },
                { parent: this },
            );
        } else {
            // Read, not managed: the endpoint serves other workloads, so this stack never replaces
            // or deletes it; it only adds its route tables and, if asked, its policy.
            endpoint = aws.ec2.VpcEndpoint.get(name, args.existingEndpointId, undefined, { parent: this });
            addRouteTables(name, args.existingEndpointId, endpoint.id, routeTableIds, this);
            if (this.policy !== undefined) {
                applyPolicy(name, args.existingEndpointId, endpoint.id, this.policy, this);
            }
        }

        const shared = endpoint === undefined ? declaredEndpoint(args.existingEndpointId!, args.endpointOwnerAccountId!) : undefined;
        this.vpceId = shared?.vpceId ?? endpoint!.id;
        this.ownerAccountId = shared?.ownerAccountId ?? endpoint!.ownerId;
        this.prefixListId = shared ? undefined : endpoint!.prefixListId;
        this.routeTableIds = routeTableIds;
        this.registerOutputs({
            vpceId: this.vpceId,
            ownerAccountId: this.ownerAccountId,
            prefixListId: this.prefixListId,
            routeTableIds: this.routeTableIds,
            policy: this.policy,
        });
    }
}

/**
 * An endpoint of another account (a shared VPC's), as its id and its declared owner: no EC2 call, since
 * a participant can neither describe nor change the VPC owner's endpoint, its route tables or its policy.
 */
function declaredEndpoint(vpceId: string, ownerAccountId: string): { vpceId: pulumi.Output<string>; ownerAccountId: pulumi.Output<string> } {
    return { vpceId: pulumi.output(vpceId), ownerAccountId: pulumi.output(ownerAccountId) };
}

/**
 * Adds route tables to an adopted endpoint, each association retained on delete: once this stack has
 * run, a read of the endpoint lists the route tables it added beside the ones it found, so it cannot
 * tell them apart, and deleting an association removes the route whoever relied on it. A destroy, or
 * a table taken out of the list, therefore leaves every association in place (and says so).
 */
function addRouteTables(name: string, endpointId: string, id: pulumi.Input<string>, routeTableIds: readonly string[], parent: pulumi.Resource): void {
    if (routeTableIds.length === 0) {
        return;
    }
    pulumi.log.info(adoptedRouteTablesNotice(endpointId, routeTableIds), parent);
    for (const routeTableId of routeTableIds) {
        new aws.ec2.VpcEndpointRouteTableAssociation(`${name}-${routeTableId}`, { vpcEndpointId: id, routeTableId }, { parent, retainOnDelete: true });
    }
}

/**
 * Sets an adopted endpoint's policy, retained on delete: deleting the resource would reset the policy
 * to AWS's default (full access), which is neither what the endpoint had before nor what `unmanaged`
 * promises. A destroy or a switch to `unmanaged` leaves this stack's last policy in place (and says so).
 */
function applyPolicy(name: string, endpointId: string, id: pulumi.Input<string>, policy: string, parent: pulumi.Resource): void {
    pulumi.log.warn(adoptedPolicyWarning(endpointId), parent);
    new aws.ec2.VpcEndpointPolicy(`${name}-policy`, { vpcEndpointId: id, policy }, { parent, retainOnDelete: true });
}
