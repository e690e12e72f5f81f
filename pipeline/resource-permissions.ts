/**
 * What the AWS provider calls for each resource type the programs register, as IAM actions: `read`
 * is what a refresh (and a preview of an existing resource) calls, `write` what create and update
 * add, `remove` what a delete adds. Pulumi's AWS provider bridges the Terraform AWS provider, so the
 * calls are that provider's create, read, update and delete functions for the type; the action
 * names are the Service Authorization Reference's for each API call. `where` scopes each group to
 * this project's resources: by name pattern, by the provider's `pulumi:project` / `pulumi:stack`
 * default tags where the service authorizes on them, or `*` where the action takes no resource.
 */
import { PlannedResource } from "../offline/plan";

/** One group of actions on one set of resources, under one condition. */
export interface Grant {
    readonly access: "read" | "write";
    readonly actions: readonly string[];
    readonly resources: readonly string[];
    readonly condition?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/** What the permissions of one stack are scoped to. */
export interface Scope {
    readonly stack: string;
    readonly project: string;
    readonly partition: string;
    readonly accountId: string;
    readonly region: string;
    /**
     * The physical name behind a name input: the value as configured, or `<resource name>-*` for a
     * name Pulumi generates (no value, or a value the plan made up).
     */
    name(value: unknown, resourceName?: string): string;
}

/** Resources of this pattern that carry the stack's default tags. */
interface Tagged {
    readonly tagged: string;
}

export interface TypePermissions {
    readonly read: readonly string[];
    readonly write: readonly string[];
    readonly remove: readonly string[];
    /** The reads are EC2 Describe calls, which take no resource: they are granted on `*`. */
    readonly readsOnAny?: boolean;
    /** The resources the actions apply to, or the ARN pattern to scope by the stack's default tags. */
    readonly where: (r: PlannedResource, s: Scope) => readonly string[] | Tagged;
    /** Extra grants a type needs beyond its own resources (passing a role, creating with tags). */
    readonly extra?: (r: PlannedResource, s: Scope) => Grant[];
}

const arn = (s: Scope, service: string, resource: string, region = s.region, account = s.accountId) =>
    `arn:${s.partition}:${service}:${region}:${account}:${resource}`;
const bucketArn = (s: Scope, r: PlannedResource) => `arn:${s.partition}:s3:::${s.name(r.inputs.bucket)}`;
const glue = (s: Scope, ...resources: string[]) => [arn(s, "glue", "catalog"), ...resources.map((x) => arn(s, "glue", x))];
const workgroup = (s: Scope, name: unknown) => [arn(s, "athena", `workgroup/${s.name(name)}`)];
const iamArn = (s: Scope, kind: string, name: unknown, resourceName?: string) => `arn:${s.partition}:iam::${s.accountId}:${kind}/${s.name(name, resourceName)}`;
const roleOf = (s: Scope, role: unknown) => {
    const name = s.name(role);
    return name.startsWith("arn:") ? name : `arn:${s.partition}:iam::${s.accountId}:role/${name}`;
};

/** Conditions on the default tags the stack's provider puts on every resource it creates. */
export const tagCondition = (s: Scope, prefix: "aws:RequestTag" | "aws:ResourceTag") => ({
    StringEquals: { [`${prefix}/pulumi:project`]: s.project, [`${prefix}/pulumi:stack`]: s.stack },
});

/** S3 bucket sub-resources: one configuration each, read and written on the bucket. */
const bucketSetting = (read: string, write: string, remove: string = write): TypePermissions => ({
    read: [read],
    write: [write],
    remove: [remove],
    where: (r, s) => [bucketArn(s, r)],
});

/** Where an endpoint is managed: by its tags when this stack created it, by its id when adopted. */
const endpointScope = (r: PlannedResource, s: Scope): readonly string[] | Tagged => {
    const id = s.name(r.inputs.vpcEndpointId);
    return id.endsWith("-*") ? { tagged: arn(s, "ec2", "vpc-endpoint/*") } : [arn(s, "ec2", `vpc-endpoint/${id}`)];
};
const routeTables = (s: Scope, ids: unknown): string[] =>
    (Array.isArray(ids) ? ids : ids === undefined ? [] : [ids]).map((id) => arn(s, "ec2", `route-table/${String(id)}`));
const onRouteTables =
    (access: "write", ids: unknown) =>
    (r: PlannedResource, s: Scope): Grant[] => {
        const resources = routeTables(s, ids === "routeTableId" ? r.inputs.routeTableId : r.inputs.routeTableIds);
        return resources.length === 0 ? [] : [{ access, actions: ["ec2:ModifyVpcEndpoint"], resources }];
    };

export const RESOURCE_PERMISSIONS: Readonly<Record<string, TypePermissions>> = {
    "aws:s3/bucket:Bucket": {
        // HeadBucket needs s3:ListBucket, which also lists object keys: names, not contents.
        read: [
            "s3:ListBucket",
            "s3:GetBucketLocation",
            "s3:GetBucketPolicy",
            "s3:GetBucketAcl",
            "s3:GetBucketCORS",
            "s3:GetBucketWebsite",
            "s3:GetBucketVersioning",
            "s3:GetAccelerateConfiguration",
            "s3:GetBucketRequestPayment",
            "s3:GetBucketLogging",
            "s3:GetLifecycleConfiguration",
            "s3:GetReplicationConfiguration",
            "s3:GetEncryptionConfiguration",
            "s3:GetBucketObjectLockConfiguration",
            "s3:GetBucketTagging",
        ],
        write: ["s3:CreateBucket", "s3:PutBucketTagging"],
        remove: ["s3:DeleteBucket"],
        where: (r, s) => [`arn:${s.partition}:s3:::${s.name(r.inputs.bucket, r.name)}`],
    },
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": bucketSetting("s3:GetBucketPublicAccessBlock", "s3:PutBucketPublicAccessBlock"),
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": bucketSetting("s3:GetBucketOwnershipControls", "s3:PutBucketOwnershipControls"),
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": bucketSetting(
        "s3:GetEncryptionConfiguration",
        "s3:PutEncryptionConfiguration",
    ),
    "aws:s3/bucketVersioning:BucketVersioning": bucketSetting("s3:GetBucketVersioning", "s3:PutBucketVersioning"),
    // The bucket policy names who may read the data; reading it reads no data.
    "aws:s3/bucketPolicy:BucketPolicy": bucketSetting("s3:GetBucketPolicy", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy"),
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": bucketSetting("s3:GetLifecycleConfiguration", "s3:PutLifecycleConfiguration"),
    "aws:s3/bucketLogging:BucketLogging": bucketSetting("s3:GetBucketLogging", "s3:PutBucketLogging"),
    "aws:kms/key:Key": {
        // The key policy names who may decrypt; reading it decrypts nothing. No kms:Decrypt or
        // kms:GenerateDataKey: nothing the provider does uses the key.
        read: ["kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags"],
        write: ["kms:PutKeyPolicy", "kms:EnableKeyRotation", "kms:DisableKeyRotation", "kms:UpdateKeyDescription", "kms:TagResource", "kms:UntagResource"],
        remove: ["kms:ScheduleKeyDeletion"],
        where: (_r, s) => ({ tagged: arn(s, "kms", "key/*") }),
        // CreateKey takes no key resource: it is allowed only with the stack's tags on the request.
        extra: (_r, s) => [{ access: "write", actions: ["kms:CreateKey", "kms:TagResource"], resources: ["*"], condition: tagCondition(s, "aws:RequestTag") }],
    },
    // An adopted key's policy, written only with manageKeyPolicy: by that key's ARN, and never deleted
    // (the resource is retained; the key is the key owner's).
    "aws:kms/keyPolicy:KeyPolicy": {
        read: ["kms:DescribeKey", "kms:GetKeyPolicy"],
        write: ["kms:PutKeyPolicy"],
        remove: [],
        where: (r) => [String(r.inputs.keyId)],
    },
    "aws:ec2/vpcEndpoint:VpcEndpoint": {
        read: ["ec2:DescribeVpcEndpoints", "ec2:DescribePrefixLists"],
        readsOnAny: true,
        write: ["ec2:ModifyVpcEndpoint", "ec2:CreateTags", "ec2:DeleteTags"],
        remove: ["ec2:DeleteVpcEndpoints"],
        where: (_r, s) => ({ tagged: arn(s, "ec2", "vpc-endpoint/*") }),
        extra: (r, s) => [
            // Creating authorizes the new endpoint (by the tags on the request), the VPC and the route tables.
            { access: "write", actions: ["ec2:CreateVpcEndpoint"], resources: [arn(s, "ec2", "vpc-endpoint/*")], condition: tagCondition(s, "aws:RequestTag") },
            {
                access: "write",
                actions: ["ec2:CreateTags"],
                resources: [arn(s, "ec2", "vpc-endpoint/*")],
                condition: { StringEquals: { "ec2:CreateAction": "CreateVpcEndpoint" } },
            },
            {
                access: "write",
                actions: ["ec2:CreateVpcEndpoint"],
                resources: [arn(s, "ec2", `vpc/${String(r.inputs.vpcId)}`), ...routeTables(s, r.inputs.routeTableIds)],
            },
            ...onRouteTables("write", "routeTableIds")(r, s),
        ],
    },
    "aws:ec2/vpcEndpointRouteTableAssociation:VpcEndpointRouteTableAssociation": {
        read: ["ec2:DescribeVpcEndpoints"],
        readsOnAny: true,
        write: ["ec2:ModifyVpcEndpoint"],
        remove: ["ec2:ModifyVpcEndpoint"],
        where: endpointScope,
        extra: onRouteTables("write", "routeTableId"),
    },
    "aws:ec2/vpcEndpointPolicy:VpcEndpointPolicy": {
        read: ["ec2:DescribeVpcEndpoints"],
        readsOnAny: true,
        write: ["ec2:ModifyVpcEndpoint"],
        remove: ["ec2:ModifyVpcEndpoint"],
        where: endpointScope,
    },
    "aws:iam/role:Role": {
        read: ["iam:GetRole", "iam:ListRolePolicies", "iam:GetRolePolicy", "iam:ListAttachedRolePolicies"],
        write: ["iam:CreateRole", "iam:TagRole", "iam:UntagRole", "iam:UpdateRole", "iam:UpdateRoleDescription", "iam:UpdateAssumeRolePolicy"],
        remove: ["iam:DeleteRole", "iam:ListInstanceProfilesForRole", "iam:DeleteRolePolicy"],
        // The instance profile is deleted first (it depends on the role), taking the role out of it.
        where: (r, s) => [iamArn(s, "role", r.inputs.name, r.name)],
    },
    "aws:iam/instanceProfile:InstanceProfile": {
        read: ["iam:GetInstanceProfile"],
        write: [
            "iam:CreateInstanceProfile",
            "iam:TagInstanceProfile",
            "iam:UntagInstanceProfile",
            "iam:AddRoleToInstanceProfile",
            "iam:RemoveRoleFromInstanceProfile",
        ],
        remove: ["iam:DeleteInstanceProfile"],
        where: (r, s) => [iamArn(s, "instance-profile", r.inputs.name, r.name)],
        // AddRoleToInstanceProfile passes the role: only the profile's own role.
        extra: (r, s) => [{ access: "write", actions: ["iam:PassRole"], resources: [roleOf(s, r.inputs.role)] }],
    },
    "aws:iam/rolePolicy:RolePolicy": {
        read: ["iam:GetRolePolicy"],
        write: ["iam:PutRolePolicy"],
        remove: ["iam:DeleteRolePolicy"],
        where: (r, s) => [roleOf(s, r.inputs.role)],
    },
    "aws:glue/catalogDatabase:CatalogDatabase": {
        read: ["glue:GetDatabase", "glue:GetTags"],
        write: ["glue:CreateDatabase", "glue:UpdateDatabase", "glue:TagResource", "glue:UntagResource"],
        // Deleting a database deletes its tables and functions.
        remove: ["glue:DeleteDatabase", "glue:DeleteTable"],
        where: (r, s) => glue(s, `database/${s.name(r.inputs.name)}`, `table/${s.name(r.inputs.name)}/*`, `userDefinedFunction/${s.name(r.inputs.name)}/*`),
    },
    "aws:glue/catalogTable:CatalogTable": {
        read: ["glue:GetTable", "glue:GetPartitionIndexes"],
        write: ["glue:CreateTable", "glue:UpdateTable"],
        remove: ["glue:DeleteTable"],
        where: (r, s) => glue(s, `database/${s.name(r.inputs.databaseName)}`, `table/${s.name(r.inputs.databaseName)}/${s.name(r.inputs.name)}`),
    },
    "aws:athena/workgroup:Workgroup": {
        read: ["athena:GetWorkGroup", "athena:ListTagsForResource"],
        write: ["athena:CreateWorkGroup", "athena:UpdateWorkGroup", "athena:TagResource", "athena:UntagResource"],
        remove: ["athena:DeleteWorkGroup"],
        where: (r, s) => workgroup(s, r.inputs.name),
    },
    "aws:athena/namedQuery:NamedQuery": {
        read: ["athena:GetNamedQuery"],
        write: ["athena:CreateNamedQuery"],
        remove: ["athena:DeleteNamedQuery"],
        where: (r, s) => workgroup(s, r.inputs.workgroup ?? "primary"),
    },
    "aws:accessanalyzer/analyzer:Analyzer": {
        read: ["access-analyzer:GetAnalyzer", "access-analyzer:ListTagsForResource"],
        write: ["access-analyzer:CreateAnalyzer", "access-analyzer:TagResource", "access-analyzer:UntagResource"],
        remove: ["access-analyzer:DeleteAnalyzer"],
        where: (r, s) => [arn(s, "access-analyzer", `analyzer/${s.name(r.inputs.analyzerName)}`)],
        // The first analyzer of an account creates Access Analyzer's service-linked role.
        extra: (_r, s) => [
            {
                access: "write",
                actions: ["iam:CreateServiceLinkedRole"],
                resources: [`arn:${s.partition}:iam::${s.accountId}:role/aws-service-role/access-analyzer.amazonaws.com/*`],
                condition: { StringEquals: { "iam:AWSServiceName": "access-analyzer.amazonaws.com" } },
            },
        ],
    },
};

/** Types that are no AWS resource: the provider (its account check needs no permission), stack references (the backend), components. */
export const NOT_IN_AWS = (type: string): boolean => type === "pulumi:providers:aws" || type === "pulumi:pulumi:StackReference" || !type.startsWith("aws:");

/** A type the table does not know: ci-policies stops rather than emit a policy that would fail a deploy. */
export class UnknownResourceType extends Error {
    constructor(
        readonly type: string,
        readonly stack: string,
    ) {
        super(
            `Stack ${stack} registers ${type}, and pipeline/resource-permissions.ts has no IAM actions for it: add its provider calls there before generating the pipeline roles.`,
        );
        this.name = "UnknownResourceType";
    }
}

/**
 * The grants one planned resource needs: its reads; with `read` false also its writes and, unless it
 * is retained or protected (a destroy never deletes it), its deletes. A resource the program only
 * reads (`Resource.get`, an adopted endpoint) registers no inputs and gets its reads alone.
 */
export function grantsFor(r: PlannedResource, s: Scope, read: boolean): Grant[] {
    if (NOT_IN_AWS(r.type)) {
        return [];
    }
    const entry = RESOURCE_PERMISSIONS[r.type];
    if (entry === undefined) {
        throw new UnknownResourceType(r.type, s.stack);
    }
    const where = entry.where(r, s);
    const tagged = "tagged" in where;
    const scoped = (access: Grant["access"], actions: readonly string[]): Grant =>
        tagged ? { access, actions, resources: [where.tagged], condition: tagCondition(s, "aws:ResourceTag") } : { access, actions, resources: where };
    const grants: Grant[] = [entry.readsOnAny ? { access: "read", actions: entry.read, resources: ["*"] } : scoped("read", entry.read)];
    const managed = Object.keys(r.inputs).length > 0;
    if (!read && managed) {
        grants.push(scoped("write", [...entry.write, ...(r.options.retainOnDelete || r.options.protect ? [] : entry.remove)]), ...(entry.extra?.(r, s) ?? []));
    }
    return grants;
}
