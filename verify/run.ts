import { PolicyDocument } from "../policies/document";
import { AccountApi } from "./aws";
import {
    bucketPolicyOf,
    bucketsOf,
    ConsumerStack,
    consumerOwners,
    expectedDocuments,
    ExpectedDocument,
    OwnerStack,
    PolicyToCheck,
    roleEndpoints,
    sharedEndpointOwner,
} from "./expected";
import { CheckRow, compareDocument, failed, judgeCustomCheck, judgeLogRows, judgeProbe, judgeValidation, NEVER_GRANTED, PROBE_MARKER } from "./judge";
import { externalAccessRows } from "./external-access";
import { grantCheck } from "./organization";
import { organizationGrantChecks, OrganizationsAccess } from "./organization-checks";
import { judgeEgress } from "./path";
import { outsideTest, pathChecks, sharedEndpointChecks } from "./path-checks";
import { probeScript } from "./probe";

/** A stack's credentials are missing: the run stops with how to provide them, not a stack trace. */
export class MissingCredentials extends Error {
    constructor(
        readonly stack: string,
        readonly accountId: string,
        readonly profileVariable: string,
    ) {
        super(
            `No AWS credentials for stack ${stack} (account ${accountId}): set ${profileVariable}=<profile of that account>, ` +
                `or cross-account-s3:profile in Pulumi.${stack}.yaml, or export that account's credentials, and run again.`,
        );
        this.name = "MissingCredentials";
    }
}

/** Errors the SDK raises when it finds no credentials at all. */
export function isMissingCredentials(error: unknown): boolean {
    const name = (error as { name?: string }).name;
    return name === "CredentialsProviderError" || /Could not load credentials|Unable to locate credentials/i.test(String((error as Error).message));
}

export interface VerifyOptions {
    /** Instances to probe from, by consumer stack: they run with the workload role's instance profile. */
    readonly probes?: Readonly<Record<string, string>>;
    /** Run the saved Athena query of consumer requests from non-private addresses. */
    readonly logs?: boolean;
    /** The analyzer to read findings from; the account's active one by default. */
    readonly analyzer?: string;
}

/** An account's API for a stack, or the reason it cannot be had. */
export type ApiFor = (stack: string) => AccountApi;

/** The API of an account that is no stack's (a shared VPC's owner), in a region; undefined when verify has no credentials for it. */
export type AccountApiFor = (accountId: string, region: string) => AccountApi | undefined;

/** No AWS Organizations access was given: an organization grant's check fails and says so. */
function noOrganizations(owner: OwnerStack): OrganizationsAccess {
    throw new Error(`verify was given no AWS Organizations access to check ${owner.stack}'s organization grants`);
}

/** One step's calls; an AWS error becomes a failed row (AccessDenied, throttling after retries), missing credentials stop the run. */
export async function step(
    rows: CheckRow[],
    stack: string,
    check: string,
    body: () => Promise<CheckRow[]>,
    credentials: () => MissingCredentials,
): Promise<void> {
    try {
        rows.push(...(await body()));
    } catch (error) {
        if (isMissingCredentials(error)) {
            throw credentials();
        }
        const name = (error as { name?: string }).name ?? "Error";
        rows.push({ stack, check, result: "fail", detail: `${name}: ${(error as Error).message}` });
    }
}

/** Where a document's live copy is read. */
async function liveCopy(api: AccountApi, doc: ExpectedDocument): Promise<PolicyDocument | undefined> {
    switch (doc.live.kind) {
        case "bucket-policy":
            return api.bucketPolicy(doc.live.bucket);
        case "key-policy":
            return api.keyPolicy(doc.live.keyArn);
        case "endpoint-policy":
            return (await api.endpoint(doc.live.endpointId))?.policy;
        case "role-policy":
            return api.rolePolicy(doc.live.roleName);
        case "trust-policy":
            return api.trustPolicy(doc.live.roleName);
    }
}

/** The live statements a partial expected document speaks of (by Sid); the whole live copy otherwise. */
export function sameSids(doc: ExpectedDocument, live: PolicyDocument | undefined): PolicyDocument | undefined {
    const sids = new Set(doc.document.Statement.map((s) => s.Sid));
    return doc.partial && live ? { ...live, Statement: live.Statement.filter((s) => sids.has(s.Sid)) } : live;
}

/** Checks 2 and 3 on documents: AWS's own validation and custom policy checks. */
export async function policyChecks(
    rows: CheckRow[],
    docs: readonly PolicyToCheck[],
    apiFor: ApiFor,
    credentials: (stack: string) => MissingCredentials,
): Promise<void> {
    for (const doc of docs) {
        const api = apiFor(doc.stack);
        await step(
            rows,
            doc.stack,
            `ValidatePolicy ${doc.what}`,
            async () => judgeValidation(doc.stack, doc.what, await api.validatePolicy(doc.document, doc.policyType, doc.resourceType)),
            () => credentials(doc.stack),
        );
        if (doc.resourceType === "AWS::S3::Bucket" || doc.resourceType === "AWS::KMS::Key") {
            const type = doc.resourceType;
            await step(
                rows,
                doc.stack,
                `CheckNoPublicAccess ${doc.what}`,
                async () => [judgeCustomCheck(doc.stack, `CheckNoPublicAccess ${doc.what}`, await api.checkNoPublicAccess(doc.document, type))],
                () => credentials(doc.stack),
            );
        }
        if (doc.what === "bucket policy") {
            await step(
                rows,
                doc.stack,
                "CheckAccessNotGranted bucket policy",
                async () => [judgeCustomCheck(doc.stack, "CheckAccessNotGranted bucket policy", await api.checkAccessNotGranted(doc.document, NEVER_GRANTED))],
                () => credentials(doc.stack),
            );
        }
    }
}

/**
 * npm run verify: the deployed stacks against their generated documents (1), AWS's validation and
 * custom checks (2, 3), the analyzer's findings (4), each organization grant's accounts and reserved
 * role name (through AWS Organizations), and, when asked, the probe (5) and the logs (6).
 * Each owner's bucket is checked on its own: its documents, its findings, its organization grants, and
 * the 403 test and the probe of each consumer on it, with that owner's grant.
 * @param organizations AWS Organizations as each owner's organization-grant check reads it
 * @param accountApi the API of an account that is no stack's (a shared VPC's owner), when verify has its credentials
 */
export async function verifyDeployed(
    owners: readonly OwnerStack[],
    consumers: readonly ConsumerStack[],
    apiFor: ApiFor,
    credentials: (stack: string) => MissingCredentials,
    options: VerifyOptions = {},
    accountApi: AccountApiFor = () => undefined,
    organizations: (owner: OwnerStack) => OrganizationsAccess = noOrganizations,
): Promise<CheckRow[]> {
    const rows: CheckRow[] = [];
    const docs = expectedDocuments(owners, consumers);
    const read = new Map(consumers.map((c) => [c.stack, consumerOwners(owners, c)] as const));
    for (const [stack, view] of read) {
        if (typeof view === "string") {
            rows.push({ stack, check: "owners' outputs", result: "fail", detail: `cannot build this stack's role and endpoint policies: ${view}` });
        }
    }
    for (const doc of docs) {
        await step(
            rows,
            doc.stack,
            `live ${doc.what}`,
            async () => [compareDocument(doc.stack, doc.what, doc.document, sameSids(doc, await liveCopy(apiFor(doc.stack), doc)))],
            () => credentials(doc.stack),
        );
    }
    for (const consumer of consumers.filter((c) => typeof c.outputs.vpceId === "string")) {
        const vpcOwner = sharedEndpointOwner(consumer);
        await step(
            rows,
            consumer.stack,
            "path",
            // Another account's endpoint is described only with that account's credentials, never the consumer's.
            () =>
                vpcOwner === undefined
                    ? pathChecks(apiFor(consumer.stack), consumer)
                    : sharedEndpointChecks(accountApi(vpcOwner, consumer.settings.region), consumer, vpcOwner),
            () => credentials(consumer.stack),
        );
    }
    await policyChecks(rows, docs, apiFor, credentials);

    for (const owner of owners) {
        const roles = roleEndpoints(owner, consumers, bucketPolicyOf(docs, owner.stack)!);
        await step(
            rows,
            owner.stack,
            "external access",
            () => externalAccessRows(apiFor(owner.stack), owner, roles, options.analyzer),
            () => credentials(owner.stack),
        );
        for (const grant of owner.settings.organizationGrants) {
            await step(
                rows,
                owner.stack,
                grantCheck(grant, "accounts"),
                () => organizationGrantChecks(owner.stack, organizations(owner), grant, owner.settings.partition),
                () => credentials(owner.stack),
            );
        }
    }
    for (const consumer of consumers) {
        for (const bucket of bucketsOf(owners, read.get(consumer.stack)!)) {
            await step(
                rows,
                consumer.stack,
                `403 from outside${bucket.suffix}`,
                () => outsideTest(apiFor(consumer.stack), bucket, consumer, bucketPolicyOf(docs, bucket.owner.stack)!),
                () => credentials(consumer.stack),
            );
        }
    }

    const policyChecksPassed = !failed(rows);
    for (const [stack, instanceId] of Object.entries(options.probes ?? {})) {
        const consumer = consumers.find((c) => c.stack === stack);
        if (consumer === undefined) {
            rows.push({ stack, check: "probe", result: "fail", detail: `--probe-instance names ${stack}, which is not a consumer stack of this project` });
            continue;
        }
        await step(
            rows,
            stack,
            "path: security-group egress",
            async () => {
                const found = await apiFor(stack).path.egressOfInstance(instanceId);
                const prefixList = typeof consumer.outputs.prefixListId === "string" ? consumer.outputs.prefixListId : undefined;
                return [judgeEgress(stack, instanceId, found.groupIds, found.rules, prefixList)];
            },
            () => credentials(stack),
        );
        for (const bucket of bucketsOf(owners, read.get(stack)!)) {
            await step(
                rows,
                stack,
                `probe${bucket.suffix}`,
                async () => {
                    const run = await apiFor(stack).runOnInstance(
                        instanceId,
                        probeScript(bucket.bucketName, bucket.grant.prefix, bucket.grant.access, consumer.settings.region),
                    );
                    const judged =
                        run.status === "Success" || run.stdout.includes(PROBE_MARKER)
                            ? judgeProbe(stack, run.stdout, policyChecksPassed, bucket.owner.settings.lockMode)
                            : [
                                  {
                                      stack,
                                      check: "probe",
                                      result: "fail" as const,
                                      detail: `the SSM command ended ${run.status}: ${run.stderr.trim().split("\n").pop() ?? ""}`,
                                  },
                              ];
                    return judged.map((r) => ({ ...r, check: `${r.check}${bucket.suffix}` }));
                },
                () => credentials(stack),
            );
        }
    }
    for (const owner of options.logs ? owners : []) {
        await step(
            rows,
            owner.stack,
            "access logs",
            async () => {
                const ids = owner.outputs.athenaQueryIds as Record<string, string> | undefined;
                if (ids?.consumerRequestsNotPrivate === undefined || typeof owner.outputs.athenaWorkgroup !== "string") {
                    return [
                        {
                            stack: owner.stack,
                            check: "access logs",
                            result: "fail",
                            detail: `the owner stack exports no Athena query: turn accessLogs on and run pulumi up -s ${owner.stack}`,
                        },
                    ];
                }
                return [judgeLogRows(owner.stack, await apiFor(owner.stack).runSavedQuery(ids.consumerRequestsNotPrivate, owner.outputs.athenaWorkgroup))];
            },
            () => credentials(owner.stack),
        );
    }
    return rows;
}
