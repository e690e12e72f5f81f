/**
 * The AWS calls verify makes, one thin adapter per account: each method is one API call (or one
 * paginated/polled call) and returns plain data; the judgement is in judge.ts. Clients use the
 * stack's region and, when set, its AWS profile.
 */
import {
    AccessAnalyzerClient,
    CheckAccessNotGrantedCommand,
    CheckNoNewAccessCommand,
    CheckNoPublicAccessCommand,
    GetFindingV2Command,
    ListAnalyzersCommand,
    ListFindingsV2Command,
    ValidatePolicyCommand,
} from "@aws-sdk/client-accessanalyzer";
import { AthenaClient, GetNamedQueryCommand, GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand } from "@aws-sdk/client-athena";
import { DescribeVpcEndpointsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { GetRoleCommand, GetRolePolicyCommand, IAMClient, ListRolePoliciesCommand } from "@aws-sdk/client-iam";
import { GetKeyPolicyCommand, KMSClient } from "@aws-sdk/client-kms";
import { GetBucketPolicyCommand, S3Client } from "@aws-sdk/client-s3";
import { GetCommandInvocationCommand, SendCommandCommand, SSMClient } from "@aws-sdk/client-ssm";
import { STSClient } from "@aws-sdk/client-sts";
import { PolicyDocument } from "../policies/document";
import { PathApi } from "./aws-path";
import { CustomCheckResult, ExternalAccess, ValidationFinding } from "./judge";

/** The prefix of the inline policy WorkloadRole attaches (Pulumi adds a suffix to the name). */
export const ROLE_POLICY_PREFIX = "workload-shared-bucket";

export interface Clients {
    readonly region: string;
    readonly s3: S3Client;
    readonly kms: KMSClient;
    readonly ec2: EC2Client;
    readonly iam: IAMClient;
    readonly analyzer: AccessAnalyzerClient;
    readonly ssm: SSMClient;
    readonly athena: AthenaClient;
    readonly sts: STSClient;
}

export function clientsFor(region: string, profile?: string): Clients {
    const config = { region, ...(profile ? { profile } : {}) };
    return {
        region,
        s3: new S3Client(config),
        kms: new KMSClient(config),
        ec2: new EC2Client(config),
        iam: new IAMClient(config),
        analyzer: new AccessAnalyzerClient(config),
        ssm: new SSMClient(config),
        athena: new AthenaClient(config),
        sts: new STSClient(config),
    };
}

/**
 * The variable naming the AWS profile of an account that is no stack's, e.g. the VPC owner of a shared
 * VPC: `AWS_PROFILE_ACCOUNT_555555555555`.
 */
export const accountProfileVariable = (accountId: string) => `AWS_PROFILE_ACCOUNT_${accountId}`;

const parse = (json: string | undefined): PolicyDocument | undefined => (json === undefined ? undefined : (JSON.parse(json) as PolicyDocument));
/** IAM returns policy documents URL-encoded (RFC 3986). */
const parseIam = (encoded: string | undefined): PolicyDocument | undefined => parse(encoded === undefined ? undefined : decodeURIComponent(encoded));
const errorName = (error: unknown) => (error as { name?: string }).name;

/** How long to wait between polls of an SSM command or an Athena query. */
export interface Waits {
    readonly pollMs: number;
    readonly attempts: number;
}

/** SSM's final invocation statuses; Pending, InProgress, Delayed and Cancelling are still on the way to one. */
const FINAL_SSM_STATUSES = ["Success", "Cancelled", "TimedOut", "Failed"];

/** An analyzer as ListAnalyzers lists it. */
export interface AnalyzerSummary {
    readonly arn?: string;
    readonly name?: string;
    readonly type?: string;
    readonly status?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class AccountApi {
    /** The path checks' and the outside test's calls. */
    readonly path: PathApi;

    constructor(
        readonly clients: Clients,
        private readonly waits: Waits = { pollMs: 2000, attempts: 90 },
    ) {
        this.path = new PathApi(clients.ec2, clients.sts, clients.region);
    }

    async bucketPolicy(bucket: string): Promise<PolicyDocument | undefined> {
        try {
            return parse((await this.clients.s3.send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy);
        } catch (error) {
            if (errorName(error) === "NoSuchBucketPolicy") {
                return undefined;
            }
            throw error;
        }
    }

    async keyPolicy(keyArn: string): Promise<PolicyDocument | undefined> {
        return parse((await this.clients.kms.send(new GetKeyPolicyCommand({ KeyId: keyArn, PolicyName: "default" }))).Policy);
    }

    async endpoint(
        endpointId: string,
    ): Promise<
        | { readonly policy?: PolicyDocument; readonly routeTableIds: string[]; readonly vpcId?: string; readonly type?: string; readonly serviceName?: string }
        | undefined
    > {
        const found = (await this.clients.ec2.send(new DescribeVpcEndpointsCommand({ VpcEndpointIds: [endpointId] }))).VpcEndpoints?.[0];
        return found === undefined
            ? undefined
            : {
                  policy: parse(found.PolicyDocument),
                  routeTableIds: [...(found.RouteTableIds ?? [])].sort(),
                  ...(found.VpcId ? { vpcId: found.VpcId } : {}),
                  ...(found.VpcEndpointType ? { type: found.VpcEndpointType } : {}),
                  ...(found.ServiceName ? { serviceName: found.ServiceName } : {}),
              };
    }

    async rolePolicy(roleName: string): Promise<PolicyDocument | undefined> {
        const names = (await this.clients.iam.send(new ListRolePoliciesCommand({ RoleName: roleName }))).PolicyNames ?? [];
        const name = names.find((n) => n.startsWith(ROLE_POLICY_PREFIX));
        return name === undefined
            ? undefined
            : parseIam((await this.clients.iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: name }))).PolicyDocument);
    }

    async trustPolicy(roleName: string): Promise<PolicyDocument | undefined> {
        return parseIam((await this.clients.iam.send(new GetRoleCommand({ RoleName: roleName }))).Role?.AssumeRolePolicyDocument);
    }

    /**
     * ValidatePolicy, every page. Only the resource types ValidatePolicy knows are passed (an S3 bucket,
     * a role's trust policy); a key policy is validated as a plain resource policy.
     */
    async validatePolicy(document: PolicyDocument, policyType: "IDENTITY_POLICY" | "RESOURCE_POLICY", resourceType?: string): Promise<ValidationFinding[]> {
        const known = resourceType === "AWS::S3::Bucket" || resourceType === "AWS::IAM::AssumeRolePolicyDocument" ? resourceType : undefined;
        const findings: ValidationFinding[] = [];
        let nextToken: string | undefined;
        do {
            const page = await this.clients.analyzer.send(
                new ValidatePolicyCommand({
                    policyDocument: JSON.stringify(document),
                    policyType,
                    ...(known ? { validatePolicyResourceType: known } : {}),
                    nextToken,
                }),
            );
            findings.push(...(page.findings ?? []));
            nextToken = page.nextToken;
        } while (nextToken);
        return findings;
    }

    async checkNoPublicAccess(document: PolicyDocument, resourceType: "AWS::S3::Bucket" | "AWS::KMS::Key"): Promise<CustomCheckResult> {
        return this.clients.analyzer.send(new CheckNoPublicAccessCommand({ policyDocument: JSON.stringify(document), resourceType }));
    }

    async checkAccessNotGranted(document: PolicyDocument, actions: readonly string[]): Promise<CustomCheckResult> {
        return this.clients.analyzer.send(
            new CheckAccessNotGrantedCommand({ policyDocument: JSON.stringify(document), access: [{ actions: [...actions] }], policyType: "RESOURCE_POLICY" }),
        );
    }

    async checkNoNewAccess(planned: PolicyDocument, live: PolicyDocument): Promise<CustomCheckResult> {
        return this.clients.analyzer.send(
            new CheckNoNewAccessCommand({
                newPolicyDocument: JSON.stringify(planned),
                existingPolicyDocument: JSON.stringify(live),
                policyType: "RESOURCE_POLICY",
            }),
        );
    }

    /** Every external-access analyzer of the account and region: both types (ACCOUNT, ORGANIZATION), every page. */
    async externalAccessAnalyzers(): Promise<AnalyzerSummary[]> {
        const found: AnalyzerSummary[] = [];
        for (const type of ["ACCOUNT", "ORGANIZATION"] as const) {
            let nextToken: string | undefined;
            do {
                const page = await this.clients.analyzer.send(new ListAnalyzersCommand({ type, nextToken }));
                found.push(...(page.analyzers ?? []).map((a) => ({ arn: a.arn, name: a.name, type: a.type, status: a.status })));
                nextToken = page.nextToken;
            } while (nextToken);
        }
        return found;
    }

    /** The active findings on one resource, every page, each with every page of its details. */
    async externalAccess(analyzerArn: string, resourceArn: string): Promise<ExternalAccess[]> {
        const found: ExternalAccess[] = [];
        let nextToken: string | undefined;
        do {
            const page = await this.clients.analyzer.send(
                new ListFindingsV2Command({ analyzerArn, filter: { resource: { eq: [resourceArn] }, status: { eq: ["ACTIVE"] } }, nextToken }),
            );
            for (const summary of page.findings ?? []) {
                let detailsToken: string | undefined;
                do {
                    const finding = await this.clients.analyzer.send(new GetFindingV2Command({ analyzerArn, id: summary.id, nextToken: detailsToken }));
                    for (const detail of finding.findingDetails ?? []) {
                        const external = "externalAccessDetails" in detail ? detail.externalAccessDetails : undefined;
                        if (external !== undefined) {
                            found.push({ id: String(summary.id), principal: external.principal, condition: external.condition, isPublic: external.isPublic });
                        }
                    }
                    detailsToken = finding.nextToken;
                } while (detailsToken);
            }
            nextToken = page.nextToken;
        } while (nextToken);
        return found;
    }

    /** Runs a shell script on an instance through SSM Run Command and waits for it. */
    async runOnInstance(instanceId: string, commands: readonly string[]): Promise<{ status: string; stdout: string; stderr: string }> {
        const sent = await this.clients.ssm.send(
            new SendCommandCommand({
                InstanceIds: [instanceId],
                DocumentName: "AWS-RunShellScript",
                Parameters: { commands: [...commands] },
                Comment: "cross-account-s3 verify probe",
            }),
        );
        const commandId = sent.Command?.CommandId;
        for (let attempt = 0; attempt < this.waits.attempts; attempt++) {
            await sleep(this.waits.pollMs);
            try {
                const invocation = await this.clients.ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId }));
                if (FINAL_SSM_STATUSES.includes(String(invocation.Status))) {
                    return { status: String(invocation.Status), stdout: invocation.StandardOutputContent ?? "", stderr: invocation.StandardErrorContent ?? "" };
                }
            } catch (error) {
                // Right after SendCommand the invocation may not exist yet.
                if (errorName(error) !== "InvocationDoesNotExist") {
                    throw error;
                }
            }
        }
        return { status: "TimedOut", stdout: "", stderr: "the probe did not finish in time" };
    }

    /** Runs a saved Athena query in its workgroup and returns the rows as records by column name. */
    async runSavedQuery(namedQueryId: string, workgroup: string): Promise<Record<string, string>[]> {
        const saved = (await this.clients.athena.send(new GetNamedQueryCommand({ NamedQueryId: namedQueryId }))).NamedQuery;
        const started = await this.clients.athena.send(
            new StartQueryExecutionCommand({ QueryString: saved?.QueryString, WorkGroup: workgroup, QueryExecutionContext: { Database: saved?.Database } }),
        );
        const id = started.QueryExecutionId;
        for (let attempt = 0; ; attempt++) {
            const state = (await this.clients.athena.send(new GetQueryExecutionCommand({ QueryExecutionId: id }))).QueryExecution?.Status;
            if (state?.State === "SUCCEEDED") {
                break;
            }
            if (state?.State === "FAILED" || state?.State === "CANCELLED") {
                throw new Error(`the Athena query ${state.State.toLowerCase()}: ${state.StateChangeReason ?? ""}`);
            }
            if (attempt >= this.waits.attempts) {
                throw new Error(`the Athena query ${id} did not finish in time`);
            }
            await sleep(this.waits.pollMs);
        }
        const rows: Record<string, string>[] = [];
        let header: string[] | undefined;
        let nextToken: string | undefined;
        do {
            const page = await this.clients.athena.send(new GetQueryResultsCommand({ QueryExecutionId: id, NextToken: nextToken }));
            for (const row of page.ResultSet?.Rows ?? []) {
                const values = (row.Data ?? []).map((d) => d.VarCharValue ?? "");
                if (header === undefined) {
                    header = values; // the first row of the first page holds the column names
                } else {
                    rows.push(Object.fromEntries(header.map((h, i) => [h, values[i]])));
                }
            }
            nextToken = page.NextToken;
        } while (nextToken);
        return rows;
    }
}
