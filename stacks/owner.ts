import * as aws from "../resources/aws";
import * as pulumi from "@pulumi/pulumi";
import { parseOwnerSettings } from "../config/owner";
import { CONSUMER_OUTPUTS, ConsumerView, OrganizationGrantExport, OwnerExports, readConsumerOutputs } from "./contract";
import { AccessLogs } from "../components/accessLogs";
import { CrossAccountBucket, CrossAccountBucketArgs, validateCrossAccountBucketArgs } from "../components/crossAccountBucket";
import { analyzerName, catalogName } from "./names";
import { accountProvider } from "./provider";
import { readStackOutputs } from "./references";
import { checkSharedEndpointPolicies, endpointPolicyManagers } from "./endpoint-sharing";
import { ConfigError, IssueList } from "../domain/issues";
import { StackIdentity } from "../domain/stack-identity";
import { ConsumerGrant, OrganizationGrant } from "../domain/terms";
import { choiceNote } from "../policies/adopted-policy";

/**
 * Owner account (B): the shared bucket, granted to and locked for each deployed consumer, and for the
 * role names its organization grants name under an OU path (consumers there are not read at all).
 */
export async function ownerProgram(
    identity: StackIdentity,
    config: Readonly<Record<string, string>>,
    elsewhere: Readonly<Record<string, unknown>> = {},
): Promise<OwnerExports> {
    const settings = parseOwnerSettings(config, identity, elsewhere);

    const issues = new IssueList();
    const outputs = await Promise.all(settings.consumers.map((entry) => readStackOutputs(entry.stack, CONSUMER_OUTPUTS)));
    const views: ConsumerView[] = settings.consumers.map((entry, i) => readConsumerOutputs(outputs[i], entry, settings, issues, identity.stack));
    const consumerOutputs = settings.consumers.map((entry, i) => ({ stack: entry.stack, outputs: outputs[i] }));
    checkSharedEndpointPolicies(consumerOutputs, issues);
    issues.throwIfAny(`Owner stack "${identity.stack}" cannot use what its consumer stacks export`);

    const grants: ConsumerGrant[] = [];
    const pending: string[] = [];
    for (const view of views) {
        if (view.state === "pending") {
            pending.push(view.stack);
            pulumi.log.info(
                `Consumer stack ${view.stack} has no role or endpoint yet, so it gets no grant in this update. ` +
                    `Deploy it (pulumi up -s ${view.stack}), then run pulumi up -s ${identity.stack} again to grant and lock it.`,
            );
        } else {
            view.warnings.forEach((w) => pulumi.log.warn(w));
            grants.push(view.grant);
        }
    }

    (settings.existingBucket?.giveBack ? [] : (settings.existingBucket?.decisions ?? [])).forEach((d) => pulumi.log.info(choiceNote(d.grant, d.choice)));
    if (settings.existingBucket && settings.accessLogs) {
        pulumi.log.warn(`Adopted bucket ${settings.existingBucket.name}: accessLogs replaces its logging setting; pulumi destroy switches logging off.`);
    }

    const bucketArgs: CrossAccountBucketArgs = {
        ownerAccountId: settings.accountId,
        region: settings.region,
        partition: settings.partition,
        bucketName: settings.bucketName,
        encryption: settings.encryption,
        grants: [...grants, ...settings.organizationGrants],
        pendingConsumers: settings.consumers.filter((entry) => pending.includes(entry.stack)),
        lockMode: settings.lockMode,
        protect: settings.protect,
        existingBucket: settings.existingBucket,
    };
    // Checked before the provider too: what only the merged policy shows (an adopted Sid a generated statement uses) stops nothing half-built.
    const bucketIssues = validateCrossAccountBucketArgs(bucketArgs);
    if (bucketIssues.length > 0) {
        throw new ConfigError(`Invalid arguments for CrossAccountBucket "shared-data" in owner stack "${identity.stack}"`, bucketIssues);
    }
    const provider = accountProvider(settings, identity);
    const bucket = new CrossAccountBucket("shared-data", bucketArgs, { providers: [provider] });

    const logs = settings.accessLogs
        ? new AccessLogs(
              "shared-data-logs",
              {
                  sourceBucketName: bucket.bucketName,
                  sourceBucketArn: bucket.bucketArn,
                  sourceConfiguredBy: bucket.configuredBy,
                  accountId: settings.accountId,
                  region: settings.region,
                  retentionDays: settings.accessLogRetentionDays,
                  consumerRoleArns: bucket.grantedRoleArns,
                  catalogName: catalogName(identity),
              },
              { providers: [provider] },
          )
        : undefined;

    // One account-level external-access analyzer per account and region (an AWS quota of 1): opt-in,
    // since the account may have one already, and replaced by deleting first (a new name).
    const analyzer = settings.accessAnalyzer
        ? new aws.accessanalyzer.Analyzer("access-analyzer", { analyzerName: analyzerName(identity), type: "ACCOUNT" }, { provider, deleteBeforeReplace: true })
        : undefined;

    return {
        bucketName: bucket.bucketName,
        bucketArn: bucket.bucketArn,
        region: settings.region,
        accountId: settings.accountId,
        grantedRoleArns: bucket.grantedRoleArns,
        lockedVpceIds: bucket.lockedVpceIds,
        pendingConsumers: pending,
        consumerStacks: settings.consumers.map((entry) => entry.stack),
        organizationGrants: settings.organizationGrants.map(exportedGrant),
        endpointPolicyManagers: endpointPolicyManagers(consumerOutputs),
        consumerGrants: Object.fromEntries(
            settings.consumers.map((entry) => [entry.stack, { access: entry.access, ...(entry.prefix === undefined ? {} : { prefix: entry.prefix }) }]),
        ),
        ...(bucket.kmsKeyArn ? { kmsKeyArn: bucket.kmsKeyArn } : {}),
        ...(logs
            ? {
                  accessLogBucketName: logs.logBucketName,
                  athenaDatabase: logs.databaseName,
                  athenaTable: logs.tableName,
                  athenaWorkgroup: logs.workgroupName,
                  athenaQueryIds: logs.queryIds,
              }
            : {}),
        ...(analyzer ? { accessAnalyzerName: analyzer.analyzerName } : {}),
    };
}

/** An organization grant as consumers read it: plain fields, no variant tag. */
function exportedGrant(g: OrganizationGrant): OrganizationGrantExport {
    return {
        orgPath: g.orgPath,
        roleName: g.roleName,
        access: g.access,
        ...(g.prefix === undefined ? {} : { prefix: g.prefix }),
        ...(g.endpointInOrganization ? { endpointInOrganization: true } : {}),
    };
}
