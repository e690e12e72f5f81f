import * as aws from "../resources/aws";
import * as pulumi from "@pulumi/pulumi";
import * as rules from "../domain/rules";
import { compact, LIMITS, overLimit } from "../policies/document";
import { buildConsumerRolePolicy, ec2TrustPolicy, RolePolicyInput } from "../policies/role-policy";
import { ConfigError, Issue, IssueList } from "../domain/issues";

export interface WorkloadRoleArgs {
    /**
     * The owner buckets the role uses, one per owner, each with that owner's grant: access, key prefix
     * (ending in "/"; the whole bucket when absent) and customer-managed key (with SSE-KMS). Required (one or more).
     */
    readonly buckets: readonly RolePolicyInput[];
    /** ARN partition of the region: EC2's service principal differs in `aws-cn`. @default "aws" */
    readonly partition?: string;
    /**
     * Attach the policy to this existing role instead of creating a role and an instance profile.
     * Mutually exclusive with creating one: no instance profile is made for an existing role.
     */
    readonly existingRoleArn?: string;
    /** A role the created role also trusts, under verify's session name only. Ignored with existingRoleArn. @default none */
    readonly verifyTester?: string;
    /**
     * A fixed role name (path `/`), required where the owner grants a role name rather than an ARN (an
     * organization grant). With `existingRoleArn`, the existing role must have this name.
     * @default auto-named from the component name
     */
    readonly roleName?: string;
}

export function validateWorkloadRoleArgs(args: WorkloadRoleArgs): readonly Issue[] {
    const issues = new IssueList();
    const optional = (value: string | undefined, rule: rules.Rule) => value !== undefined && rule(value);
    issues.check("buckets", [], args.buckets.length === 0 && "must list at least one owner bucket", "pass each owner's bucket and grant");
    for (const [i, b] of args.buckets.entries()) {
        issues.check(`buckets[${i}].bucketArn`, b.bucketArn, rules.bucketArn(b.bucketArn), "pass the owner bucket's ARN");
        issues.check(
            `buckets[${i}].bucketArn`,
            b.bucketArn,
            rules.repeatedAt(
                args.buckets.map((x) => x.bucketArn),
                i,
            ),
            "list each bucket once",
        );
        issues.check(`buckets[${i}].prefix`, b.prefix, optional(b.prefix, rules.keyPrefix), 'pass a prefix such as "team-a/"');
        issues.check(`buckets[${i}].kmsKeyArn`, b.kmsKeyArn, optional(b.kmsKeyArn, rules.kmsKeyArn), "pass the owner key's full ARN");
    }
    issues.check("existingRoleArn", args.existingRoleArn, optional(args.existingRoleArn, rules.roleArn), "pass a role ARN");
    issues.check("verifyTester", args.verifyTester, optional(args.verifyTester, rules.roleArn), "pass a role ARN");
    issues.check("roleName", args.roleName, optional(args.roleName, rules.roleName), "pass an IAM role name");
    issues.check(
        "existingRoleArn",
        args.existingRoleArn,
        args.roleName !== undefined &&
            args.existingRoleArn !== undefined &&
            !args.existingRoleArn.endsWith(`:role/${args.roleName}`) &&
            `must name a role called ${args.roleName} (path /), as roleName requires`,
        "pass the role of that name, or no existingRoleArn",
    );
    if (issues.size === 0) {
        const over = overLimit(buildConsumerRolePolicy(...args.buckets), LIMITS.roleInlinePolicy);
        issues.check(
            "buckets",
            args.buckets.length,
            over && `make the role policy ${over.bytes} bytes, over ${over.limit}`,
            "use shorter prefixes, or split the owners between consumer stacks",
        );
    }
    return issues.items;
}

/**
 * The consumer's workload identity: an EC2 role with an instance profile (or an existing role) and
 * an inline policy with exactly each owner bucket's granted actions — never `s3:*`.
 */
export class WorkloadRole extends pulumi.ComponentResource {
    public readonly roleArn: pulumi.Output<string>;
    public readonly roleName: pulumi.Output<string>;
    /** The instance profile to launch workloads with; absent for an existing role. */
    public readonly instanceProfileName: pulumi.Output<string> | undefined;
    /** The inline policy sent to IAM. */
    public readonly policy: string;

    constructor(name: string, args: WorkloadRoleArgs, opts?: pulumi.ComponentResourceOptions) {
        const issues = validateWorkloadRoleArgs(args);
        if (issues.length > 0) {
            throw new ConfigError(`Invalid arguments for WorkloadRole "${name}"`, issues);
        }
        super("cross-account-s3:index:WorkloadRole", name, {}, opts);

        this.policy = compact(buildConsumerRolePolicy(...args.buckets));
        if (args.existingRoleArn === undefined) {
            const role = new aws.iam.Role(
                name,
                {
                    assumeRolePolicy: compact(ec2TrustPolicy(args.partition, args.verifyTester)),
                    description: "Workload role with access to the shared S3 bucket",
                    ...(args.roleName === undefined ? {} : { name: args.roleName }),
                },
                { parent: this },
            );
            const profile = new aws.iam.InstanceProfile(name, { role: role.name }, { parent: this });
            this.roleArn = role.arn;
            this.roleName = role.name;
            this.instanceProfileName = profile.name;
        } else {
            this.roleArn = pulumi.output(args.existingRoleArn);
            this.roleName = pulumi.output(rules.roleArnName(args.existingRoleArn)!);
            this.instanceProfileName = undefined;
        }
        new aws.iam.RolePolicy(`${name}-shared-bucket`, { role: this.roleName, policy: this.policy }, { parent: this });

        this.registerOutputs({ roleArn: this.roleArn, roleName: this.roleName, instanceProfileName: this.instanceProfileName, policy: this.policy });
    }
}
