import { PolicyDocument } from "../policies/document";
import { AccountApi } from "./aws";
import { ConsumerStack, expectedDocuments, ExpectedDocument, OwnerStack, PolicyToCheck, roleEndpoints } from "./expected";
import {
    CheckRow,
    chooseAnalyzer,
    compareDocument,
    failed,
    judgeCustomCheck,
    judgeExternalAccess,
    judgeLogRows,
    judgeProbe,
    judgeValidation,
    NEVER_GRANTED,
    PROBE_MARKER,
} from "./judge";
import { grantCheck } from "./organization";
import { organizationGrantChecks, OrganizationsAccess } from "./organization-checks";
import { judgeEgress } from "./path";
import { outsideTest, pathChecks } from "./path-checks";
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
 */
export async function verifyDeployed(
    owner: OwnerStack,
    consumers: readonly ConsumerStack[],
    apiFor: ApiFor,
    credentials: (stack: string) => MissingCredentials,
    options: VerifyOptions,
    organizations: OrganizationsAccess,
): Promise<CheckRow[]> {
    const rows: CheckRow[] = [];
    const docs = expectedDocuments(owner, consumers);
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
        await step(
            rows,
            consumer.stack,
            "path",
            () => pathChecks(apiFor(consumer.stack), consumer),
            () => credentials(consumer.stack),
        );
    }
    await policyChecks(rows, docs, apiFor, credentials);

    const roles = roleEndpoints(owner, consumers, docs[0].document);
    await step(
        rows,
        owner.stack,
        "external access",
        async () => {
            const api = apiFor(owner.stack);
            const named = options.analyzer ?? (typeof owner.outputs.accessAnalyzerName === "string" ? owner.outputs.accessAnalyzerName : undefined);
            const analyzer = chooseAnalyzer(await api.externalAccessAnalyzers(), named);
            return analyzer?.arn === undefined
                ? [
                      {
                          stack: owner.stack,
                          check: "external access",
                          result: "info",
                          detail: `no active ${named ? `analyzer named ${named}` : "ACCOUNT or ORGANIZATION analyzer"} in the owner's account and region: set accessAnalyzer: true on the owner, or see docs/operations.md`,
                      },
                  ]
                : judgeExternalAccess(
                      owner.stack,
                      await api.externalAccess(analyzer.arn, String(owner.outputs.bucketArn)),
                      roles,
                      analyzer.type === "ORGANIZATION" ? "ORGANIZATION" : "ACCOUNT",
                      { grants: owner.settings.organizationGrants, partition: owner.settings.partition },
                  );
        },
        () => credentials(owner.stack),
    );
    for (const grant of owner.settings.organizationGrants) {
        await step(
            rows,
            owner.stack,
            grantCheck(grant, "accounts"),
            () => organizationGrantChecks(owner.stack, organizations, grant, owner.settings.partition),
            () => credentials(owner.stack),
        );
    }
    for (const consumer of consumers) {
        await step(
            rows,
            consumer.stack,
            "403 from outside",
            () => outsideTest(apiFor(consumer.stack), owner, consumer, docs[0].document),
            () => credentials(consumer.stack),
        );
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
            "probe",
            async () => {
                const run = await apiFor(stack).runOnInstance(
                    instanceId,
                    probeScript(String(owner.outputs.bucketName), consumer.settings.prefix, consumer.settings.access, consumer.settings.region),
                );
                const egress = await apiFor(stack).path.egressOfInstance(instanceId);
                const prefixList = typeof consumer.outputs.prefixListId === "string" ? consumer.outputs.prefixListId : undefined;
                rows.push(judgeEgress(stack, instanceId, egress.groupIds, egress.rules, prefixList));
                return run.status === "Success" || run.stdout.includes(PROBE_MARKER)
                    ? judgeProbe(stack, run.stdout, policyChecksPassed, owner.settings.lockMode)
                    : [{ stack, check: "probe", result: "fail", detail: `the SSM command ended ${run.status}: ${run.stderr.trim().split("\n").pop() ?? ""}` }];
            },
            () => credentials(stack),
        );
    }
    if (options.logs) {
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
                            detail: "the owner stack exports no Athena query: turn accessLogs on and run pulumi up -s owner",
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
