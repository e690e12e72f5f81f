import { Plan } from "../offline/plan";
import { PolicyDocument } from "../policies/document";
import { PolicyToCheck } from "./expected";

/** Which planned resources hold a document verify checks, and how Access Analyzer reads it. */
const KINDS: readonly {
    readonly type: string;
    readonly input: string;
    readonly what: (name: string) => string;
    readonly policyType: PolicyToCheck["policyType"];
    readonly resourceType?: PolicyToCheck["resourceType"];
}[] = [
    {
        type: "aws:s3/bucketPolicy:BucketPolicy",
        input: "policy",
        what: (n) => (n === "shared-data-policy" ? "bucket policy" : "log bucket policy"),
        policyType: "RESOURCE_POLICY",
        resourceType: "AWS::S3::Bucket",
    },
    { type: "aws:kms/key:Key", input: "policy", what: () => "key policy", policyType: "RESOURCE_POLICY", resourceType: "AWS::KMS::Key" },
    { type: "aws:ec2/vpcEndpoint:VpcEndpoint", input: "policy", what: () => "endpoint policy", policyType: "RESOURCE_POLICY" },
    { type: "aws:ec2/vpcEndpointPolicy:VpcEndpointPolicy", input: "policy", what: () => "endpoint policy", policyType: "RESOURCE_POLICY" },
    { type: "aws:iam/rolePolicy:RolePolicy", input: "policy", what: () => "role policy", policyType: "IDENTITY_POLICY" },
    {
        type: "aws:iam/role:Role",
        input: "assumeRolePolicy",
        what: () => "trust policy",
        policyType: "RESOURCE_POLICY",
        resourceType: "AWS::IAM::AssumeRolePolicyDocument",
    },
];

/**
 * The documents of the offline plan's final state (the same code path as `npm run plan -- --json`):
 * each consumer's from its phase, the owner's from its last phase. Ids in them are placeholders,
 * which is fine for validation and for the custom checks.
 */
export function plannedDocuments(plan: Plan): PolicyToCheck[] {
    const last = new Map(plan.phases.map((p) => [p.stack, p]));
    return [...last.values()].flatMap((phase) =>
        phase.resources.flatMap((r) => {
            const kind = KINDS.find((k) => k.type === r.type);
            const document = kind && (r.inputs[kind.input] as PolicyDocument | undefined);
            if (kind === undefined || document === undefined || typeof document !== "object") {
                return [];
            }
            return [
                {
                    stack: phase.stack,
                    what: kind.what(r.name),
                    document,
                    policyType: kind.policyType,
                    ...(kind.resourceType ? { resourceType: kind.resourceType } : {}),
                },
            ];
        }),
    );
}
