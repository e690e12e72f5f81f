import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { parseOwnerSettings } from "../config/owner";
import { CONSUMER_OUTPUTS, ConsumerView, OwnerExports, readConsumerOutputs } from "./contract";
import { AccessLogs } from "../components/accessLogs";
import { CrossAccountBucket, CrossAccountBucketArgs, validateCrossAccountBucketArgs } from "../components/crossAccountBucket";
import { accountProvider } from "./provider";
import { readStackOutputs } from "./references";
import { ConfigError, IssueList } from "../domain/issues";
import { StackIdentity } from "../domain/stack-identity";
import { ConsumerGrant } from "../domain/terms";
import { choiceNote } from "../policies/adopted-policy";

/** Owner account (B): the shared bucket, granted to and locked for each deployed consumer. */
export async function ownerProgram(
    identity: StackIdentity,
    config: Readonly<Record<string, string>>,
    elsewhere: Readonly<Record<string, unknown>> = {},
): Promise<OwnerExports> {
    const settings = parseOwnerSettings(config, identity, elsewhere);

    const issues = new IssueList();
    const outputs = await Promise.all(settings.consumers.map((entry) => readStackOutputs(entry.stack, CONSUMER_OUTPUTS)));
    const views: ConsumerView[] = settings.consumers.map((entry, i) => readConsumerOutputs(outputs[i], entry, settings, issues));
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
        grants,
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
                  catalogName: catalogName(identity.stack),
              },
              { providers: [provider] },
          )
        : undefined;

    // One external-access analyzer per account and region: opt-in, since the account may have one already.
    const analyzer = settings.accessAnalyzer
        ? new aws.accessanalyzer.Analyzer("access-analyzer", { analyzerName: `${identity.project}-${identity.stack}`, type: "ACCOUNT" }, { provider })
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

/** Athena names allow lowercase letters, digits and underscores; the stack name keeps them unique per account. */
function catalogName(stack: string): string {
    return `${stack.toLowerCase().replace(/[^a-z0-9]+/g, "_")}_shared_data`;
}
