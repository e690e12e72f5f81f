import { LOG_PREFIX } from "../analytics/access-log-table";
import { ConsumerSettings } from "../config/consumer";
import { OwnerSettings } from "../config/owner";
import { IssueList } from "../domain/issues";
import { roleArnName } from "../domain/rules";
import { ConsumerGrant, Grant } from "../domain/terms";
import { buildBucketPolicy } from "../policies/bucket-policy";
import { policy, PolicyDocument } from "../policies/document";
import { RoleEndpoints } from "./judge";
import { buildEndpointPolicy } from "../policies/endpoint-policy";
import { buildKeyPolicy, consumerKeyStatements } from "../policies/key-policy";
import { buildLogBucketPolicy } from "../policies/log-bucket-policy";
import { buildConsumerRolePolicy, ec2TrustPolicy } from "../policies/role-policy";
import { ORGANIZATION, PROJECT, qualifyStackName } from "../domain/stack-identity";
import { consumerPolicyInputs } from "../stacks/consumer";
import { OwnerGrant, Outputs, readConsumerOutputs } from "../stacks/contract";
import { OwnersView, readOwners } from "../stacks/owner-outputs";

/** A deployed stack as verify sees it: its settings (from its stack file) and its outputs. */
export interface OwnerStack {
    readonly stack: string;
    readonly settings: OwnerSettings;
    readonly outputs: Outputs;
}

export interface ConsumerStack {
    readonly stack: string;
    readonly settings: ConsumerSettings;
    readonly outputs: Outputs;
}

/** One policy document the project writes, and how Access Analyzer validates it. */
export interface PolicyToCheck {
    readonly stack: string;
    /** What it is: "bucket policy", "endpoint policy vpce-…", … */
    readonly what: string;
    readonly document: PolicyDocument;
    readonly policyType: "IDENTITY_POLICY" | "RESOURCE_POLICY";
    /** For resource policies Access Analyzer knows the type of. */
    readonly resourceType?: "AWS::S3::Bucket" | "AWS::KMS::Key" | "AWS::IAM::AssumeRolePolicyDocument";
}

/** A document of the deployed stacks, and where verify reads its live copy. */
export interface ExpectedDocument extends PolicyToCheck {
    /** Only these statements must be in the live copy, which may hold others (an adopted key's policy). */
    readonly partial?: boolean;
    readonly live:
        | { readonly kind: "bucket-policy"; readonly bucket: string }
        | { readonly kind: "key-policy"; readonly keyArn: string }
        | { readonly kind: "endpoint-policy"; readonly endpointId: string }
        | { readonly kind: "role-policy"; readonly roleName: string }
        | { readonly kind: "trust-policy"; readonly roleName: string };
}

/** The listed consumers' grants the owner's next update would write: its consumers' outputs against its terms. */
export function expectedGrants(owner: OwnerStack, consumers: readonly ConsumerStack[]): ConsumerGrant[] {
    const issues = new IssueList();
    const grants: ConsumerGrant[] = [];
    for (const entry of owner.settings.consumers) {
        const consumer = consumers.find((c) => entry.stack.endsWith(`/${c.stack}`) || entry.stack === c.stack);
        const view = readConsumerOutputs(consumer?.outputs ?? {}, entry, owner.settings, issues);
        if (view.state === "ready") {
            grants.push(view.grant);
        }
    }
    return grants;
}

/** The owner stacks of the project in the folder that a consumer's ownerStacks entry names. */
const ownerNamed = (owners: readonly OwnerStack[], ref: string) => owners.find((o) => ref === o.stack || ref.endsWith(`/${o.stack}`));

/**
 * What a consumer's next update reads from the deployed owners, read as its program reads it
 * (readOwners): every owner it names, with that owner's exported grant. A message when it cannot.
 */
export function consumerOwners(owners: readonly OwnerStack[], consumer: ConsumerStack): OwnersView | string {
    const s = consumer.settings;
    const absent = s.ownerStacks.filter((ref) => ownerNamed(owners, ref) === undefined);
    if (absent.length > 0) {
        return `reads owner stack ${absent.join(", ")}, which has no stack file in this folder: verify the folder that holds every stack`;
    }
    // The consumer's name as the owners export it in consumerStacks and consumerGrants.
    const exported = owners.flatMap((o) => (Array.isArray(o.outputs.consumerStacks) ? (o.outputs.consumerStacks as unknown[]) : []));
    const self =
        exported.find((n): n is string => typeof n === "string" && n.endsWith(`/${consumer.stack}`)) ??
        qualifyStackName(consumer.stack, { organization: ORGANIZATION, project: PROJECT, stack: consumer.stack });
    try {
        return readOwners(
            s.ownerStacks.map((ref) => ({ stack: ref, outputs: ownerNamed(owners, ref)!.outputs })),
            s,
            self,
        );
    } catch (error) {
        // One line, for a row of the report.
        return (error as Error).message.replace(/\s*\n\s*/g, " ");
    }
}

/** The account that owns a consumer's adopted endpoint, when it is another account (a shared VPC's owner). */
export function sharedEndpointOwner(consumer: ConsumerStack): string | undefined {
    const declared = consumer.settings.endpointOwnerAccountId;
    return declared !== undefined && declared !== consumer.settings.accountId ? declared : undefined;
}

/** One owner's bucket as a consumer reads it: that owner's grant; the suffix tells the rows apart when it reads several. */
export interface GrantedBucket {
    readonly owner: OwnerStack;
    readonly bucketName: string;
    readonly grant: OwnerGrant;
    readonly suffix: string;
}

/** The owners' buckets a consumer's program reads (none when it cannot read them: a failed row says why). */
export function bucketsOf(owners: readonly OwnerStack[], view: OwnersView | string): GrantedBucket[] {
    if (typeof view === "string") {
        return [];
    }
    return view.owners.map((o) => {
        const owner = owners.find((x) => o.stack === x.stack || o.stack.endsWith(`/${x.stack}`))!;
        return { owner, bucketName: o.bucketName, grant: o.grant, suffix: view.owners.length > 1 ? ` ${owner.stack}` : "" };
    });
}

/** The bucket policy verify expects of an owner stack. */
export const bucketPolicyOf = (docs: readonly ExpectedDocument[], owner: string): PolicyDocument | undefined =>
    docs.find((d) => d.stack === owner && d.what === "bucket policy")?.document;

/**
 * Every document the project generates for the deployed stacks, built by the same builders the
 * programs use, from the stacks' settings and outputs: what the live copies must equal. Each owner's
 * from its own consumers' outputs; each consumer's from every owner it reads (consumerPolicyInputs),
 * skipped when it cannot read them (consumerOwners says why).
 */
export function expectedDocuments(owners: readonly OwnerStack[], consumers: readonly ConsumerStack[]): ExpectedDocument[] {
    return [...owners.flatMap((owner) => ownerDocuments(owner, consumers)), ...consumers.flatMap((c) => consumerDocuments(owners, c))];
}

function ownerDocuments(owner: OwnerStack, consumers: readonly ConsumerStack[]): ExpectedDocument[] {
    const { settings, outputs } = owner;
    const bucketArn = String(outputs.bucketArn);
    const bucket = String(outputs.bucketName);
    const kmsKeyArn = typeof outputs.kmsKeyArn === "string" ? outputs.kmsKeyArn : undefined;
    const adopted = settings.existingBucket;
    // Organization grants sit beside the listed consumers in the bucket and key policies, as in the owner program;
    // a bucket given back holds neither.
    const grants: Grant[] = adopted?.giveBack ? [] : [...expectedGrants(owner, consumers), ...settings.organizationGrants];
    const docs: ExpectedDocument[] = [
        {
            stack: owner.stack,
            what: "bucket policy",
            document: adopted?.giveBack
                ? policy(adopted.policy?.statements ?? [])
                : buildBucketPolicy({
                      bucketArn,
                      ownerAccountId: settings.accountId,
                      grants,
                      encryption: kmsKeyArn === undefined ? { kind: "sse-s3" } : { kind: "sse-kms", kmsKeyArn },
                      lockMode: settings.lockMode,
                      adopted: adopted?.policy,
                  }),
            policyType: "RESOURCE_POLICY",
            resourceType: "AWS::S3::Bucket",
            live: { kind: "bucket-policy", bucket },
        },
    ];
    // An adopted key whose policy its owner keeps: the consumers' statements must be among its own.
    if (kmsKeyArn !== undefined && adopted?.kmsKeyArn !== undefined && !adopted.manageKeyPolicy) {
        const key = { bucketArn, ownerAccountId: settings.accountId, region: settings.region, partition: settings.partition, grants };
        docs.push({
            stack: owner.stack,
            what: "key policy (consumers' statements)",
            document: policy(consumerKeyStatements(key)),
            partial: true,
            policyType: "RESOURCE_POLICY",
            resourceType: "AWS::KMS::Key",
            live: { kind: "key-policy", keyArn: kmsKeyArn },
        });
    } else if (kmsKeyArn !== undefined) {
        docs.push({
            stack: owner.stack,
            what: "key policy",
            document: buildKeyPolicy({ bucketArn, ownerAccountId: settings.accountId, region: settings.region, partition: settings.partition, grants }),
            policyType: "RESOURCE_POLICY",
            resourceType: "AWS::KMS::Key",
            live: { kind: "key-policy", keyArn: kmsKeyArn },
        });
    }
    if (typeof outputs.accessLogBucketName === "string") {
        docs.push({
            stack: owner.stack,
            what: "log bucket policy",
            document: buildLogBucketPolicy({
                logBucketArn: `arn:${settings.partition}:s3:::${outputs.accessLogBucketName}`,
                prefix: LOG_PREFIX,
                sourceBucketArn: bucketArn,
                sourceAccountId: settings.accountId,
            }),
            policyType: "RESOURCE_POLICY",
            resourceType: "AWS::S3::Bucket",
            live: { kind: "bucket-policy", bucket: outputs.accessLogBucketName },
        });
    }
    return docs;
}

function consumerDocuments(owners: readonly OwnerStack[], consumer: ConsumerStack): ExpectedDocument[] {
    const s = consumer.settings;
    const o = consumer.outputs;
    const read = consumerOwners(owners, consumer);
    if (typeof read === "string") {
        return [];
    }
    const { endpointPolicy, buckets } = consumerPolicyInputs(read.owners, s);
    const docs: ExpectedDocument[] = [];
    if (typeof o.vpceId === "string" && endpointPolicy !== undefined) {
        docs.push({
            stack: consumer.stack,
            what: `endpoint policy ${o.vpceId}`,
            document: buildEndpointPolicy({ ...endpointPolicy, partition: s.partition }, ...(endpointPolicy.otherOwners ?? [])),
            policyType: "RESOURCE_POLICY",
            live: { kind: "endpoint-policy", endpointId: o.vpceId },
        });
    }
    const roleName = typeof o.roleArn === "string" ? roleArnName(o.roleArn) : undefined;
    if (roleName !== undefined) {
        docs.push({
            stack: consumer.stack,
            what: `role policy of ${roleName}`,
            document: buildConsumerRolePolicy(...buckets),
            policyType: "IDENTITY_POLICY",
            live: { kind: "role-policy", roleName },
        });
        if (s.existingRoleArn === undefined) {
            docs.push({
                stack: consumer.stack,
                what: `trust policy of ${roleName}`,
                document: ec2TrustPolicy(s.partition, s.verifyTester),
                policyType: "RESOURCE_POLICY",
                resourceType: "AWS::IAM::AssumeRolePolicyDocument",
                live: { kind: "trust-policy", roleName },
            });
        }
    }
    return docs;
}

/**
 * What the exact external-access check needs of each granted role. Under account-match, a role the
 * bucket policy gives its own LockRole statement (several stacks in one account, a shared VPC) is tied
 * by its endpoint ids, any other by its account.
 */
export function roleEndpoints(owner: OwnerStack, consumers: readonly ConsumerStack[], bucketPolicy: PolicyDocument): Map<string, RoleEndpoints> {
    const ownLock = new Set(
        bucketPolicy.Statement.filter((st) => /^LockRole\d+ToItsEndpoints$/.test(st.Sid ?? "")).flatMap((st) =>
            [st.Condition?.ArnEquals?.["aws:PrincipalArn"] ?? []].flat(),
        ),
    );
    return new Map(
        expectedGrants(owner, consumers).map((g) => [
            g.roleArn,
            { endpoints: g.vpceIds, accountId: g.accountId, tiedByAccount: owner.settings.lockMode === "account-match" && !ownLock.has(g.roleArn) },
        ]),
    );
}
