import * as aws from "../resources/aws";
import * as pulumi from "@pulumi/pulumi";
import {
    ACCESS_LOG_COLUMNS,
    ACCESS_LOG_REGEX,
    INPUT_FORMAT,
    LOG_PREFIX,
    logLocation,
    OUTPUT_FORMAT,
    PARTITION_COLUMN,
    SERDE,
    tableParameters,
} from "../analytics/access-log-table";
import { accessLogQueries } from "../analytics/queries";
import { partitionOf } from "../domain/rules";
import * as rules from "../domain/rules";
import { compact } from "../policies/document";
import { buildLogBucketPolicy } from "../policies/log-bucket-policy";
import { privateBucket } from "../resources/privateBucket";
import { ConfigError, Issue, IssueList } from "../domain/issues";
import { ACCESS_LOG_RETENTION_DAYS } from "../domain/terms";

export interface AccessLogsArgs {
    /** The bucket whose requests are logged. Required. */
    readonly sourceBucketName: pulumi.Input<string>;
    readonly sourceBucketArn: pulumi.Input<string>;
    /** Resources that configure the source bucket: logging is switched on after them (S3 409). */
    readonly sourceConfiguredBy?: pulumi.Resource[];
    /** The owner account, which holds both buckets. Required. */
    readonly accountId: string;
    readonly region: string;
    /** Days before log records (and query results) expire. @default 90 */
    readonly retentionDays?: number;
    /** Consumer roles, for the saved query of their non-private requests. @default [] */
    readonly consumerRoleArns?: readonly string[];
    /**
     * Base of the Glue database and Athena workgroup names, unique per account and region: letters,
     * digits and underscores. Required.
     */
    readonly catalogName: string;
}

const RESULTS_PREFIX = "athena-results/";
const TABLE = "s3_access_logs";

/** AWS's limits on the names built from `catalogName`: a Glue database 255 characters, an Athena workgroup 128. */
export const NAME_LIMITS = { database: 255, workgroup: 128 } as const;

/** The Glue database and Athena workgroup names for a catalog name. */
export function accessLogNames(catalogName: string): { database: string; workgroup: string } {
    return { database: `${catalogName}_access_logs`, workgroup: `${catalogName.replace(/_/g, "-")}-access-logs` };
}

export function validateAccessLogsArgs(args: AccessLogsArgs): readonly Issue[] {
    const issues = new IssueList();
    const days = args.retentionDays ?? ACCESS_LOG_RETENTION_DAYS.default;
    const { min, max } = ACCESS_LOG_RETENTION_DAYS;
    issues.check("retentionDays", days, rules.wholeNumber(min, max)(String(days)), `pass e.g. ${ACCESS_LOG_RETENTION_DAYS.default}`);
    issues.check("catalogName", args.catalogName, rules.athenaName(args.catalogName), 'pass e.g. "owner_shared_data"');
    const names = accessLogNames(args.catalogName);
    for (const what of ["database", "workgroup"] as const) {
        issues.check(
            "catalogName",
            args.catalogName,
            names[what].length > NAME_LIMITS[what] && `makes the ${what} name ${names[what].length} characters, over AWS's limit of ${NAME_LIMITS[what]}`,
            "pass a shorter name",
        );
    }
    issues.check("accountId", args.accountId, rules.accountId(args.accountId), "pass the owner account's id");
    return issues.items;
}

/**
 * S3 server access logging for the shared bucket, and Athena over it: the article's second check
 * (private 10.x addresses through the endpoint, public ones without it), as saved queries.
 *
 * A dedicated log bucket (private, SSE-S3 as log delivery requires, retained on destroy) receives
 * date-partitioned records; a Glue table with partition projection reads them with no crawler; an
 * Athena workgroup with encrypted results runs the saved queries.
 */
export class AccessLogs extends pulumi.ComponentResource {
    public readonly logBucketName: pulumi.Output<string>;
    public readonly databaseName: pulumi.Output<string>;
    public readonly tableName: pulumi.Output<string>;
    public readonly workgroupName: pulumi.Output<string>;
    /** Saved query ids by key (requestsByNetwork, consumerRequestsNotPrivate, deniedByRequester). */
    public readonly queryIds: Record<string, pulumi.Output<string>>;

    constructor(name: string, args: AccessLogsArgs, opts?: pulumi.ComponentResourceOptions) {
        const issues = validateAccessLogsArgs(args);
        if (issues.length > 0) {
            throw new ConfigError(`Invalid arguments for AccessLogs "${name}"`, issues);
        }
        super("cross-account-s3:index:AccessLogs", name, {}, opts);

        const retentionDays = args.retentionDays ?? ACCESS_LOG_RETENTION_DAYS.default;
        const names = accessLogNames(args.catalogName);
        // Log records are data too: a destroy forgets the log bucket and its settings, never deletes them.
        const keep = { parent: this, retainOnDelete: true };

        const { bucket, ownership } = privateBucket(name, this);
        // Server access log delivery supports only SSE-S3 on the target bucket. SSE-C is blocked, as
        // S3 does by default on new buckets: a rule that left it unset would differ from what S3
        // reports back (["SSE-C"]) and show a diff on every update.
        const encryption = new aws.s3.BucketServerSideEncryptionConfiguration(
            `${name}-encryption`,
            { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" }, blockedEncryptionTypes: ["SSE-C"] }] },
            { ...keep, dependsOn: [ownership] },
        );
        const lifecycle = new aws.s3.BucketLifecycleConfiguration(
            `${name}-lifecycle`,
            {
                bucket: bucket.id,
                rules: [
                    { id: "expire-access-logs", status: "Enabled", filter: { prefix: LOG_PREFIX }, expiration: { days: retentionDays } },
                    { id: "expire-query-results", status: "Enabled", filter: { prefix: RESULTS_PREFIX }, expiration: { days: retentionDays } },
                ],
            },
            { parent: this, dependsOn: [encryption] },
        );
        const policy = new aws.s3.BucketPolicy(
            `${name}-policy`,
            {
                bucket: bucket.id,
                policy: pulumi
                    .all([bucket.arn, args.sourceBucketArn])
                    .apply(([logBucketArn, sourceBucketArn]) =>
                        compact(buildLogBucketPolicy({ logBucketArn, prefix: LOG_PREFIX, sourceBucketArn, sourceAccountId: args.accountId })),
                    ),
            },
            { parent: this, dependsOn: [lifecycle] },
        );
        new aws.s3.BucketLogging(
            `${name}-source`,
            {
                bucket: args.sourceBucketName,
                targetBucket: bucket.id,
                targetPrefix: LOG_PREFIX,
                targetObjectKeyFormat: { partitionedPrefix: { partitionDateSource: "EventTime" } },
            },
            { parent: this, dependsOn: [policy, ...(args.sourceConfiguredBy ?? [])] },
        );

        const database = new aws.glue.CatalogDatabase(
            `${name}-database`,
            { name: names.database, description: "S3 server access logs of the shared bucket" },
            { parent: this },
        );
        const location = pulumi
            .all([bucket.bucket, args.sourceBucketName])
            .apply(([logBucket, sourceBucket]) => logLocation(logBucket, LOG_PREFIX, args.accountId, args.region, sourceBucket));
        const table = new aws.glue.CatalogTable(
            `${name}-table`,
            {
                name: TABLE,
                databaseName: database.name,
                tableType: "EXTERNAL_TABLE",
                parameters: location.apply((l) => tableParameters(l)),
                partitionKeys: [{ name: PARTITION_COLUMN, type: "string" }],
                storageDescriptor: {
                    location,
                    inputFormat: INPUT_FORMAT,
                    outputFormat: OUTPUT_FORMAT,
                    serDeInfo: { serializationLibrary: SERDE, parameters: { "input.regex": ACCESS_LOG_REGEX } },
                    columns: ACCESS_LOG_COLUMNS.map((c) => ({ name: c.name, type: c.type })),
                },
            },
            { parent: this },
        );
        const workgroup = new aws.athena.Workgroup(
            `${name}-workgroup`,
            {
                name: names.workgroup,
                description: "Queries over the shared bucket's access logs",
                configuration: {
                    enforceWorkgroupConfiguration: true,
                    publishCloudwatchMetricsEnabled: true,
                    resultConfiguration: {
                        outputLocation: pulumi.interpolate`s3://${bucket.bucket}/${RESULTS_PREFIX}`,
                        encryptionConfiguration: { encryptionOption: "SSE_S3" },
                        expectedBucketOwner: args.accountId,
                    },
                },
                // Query history is not data (results stay in the retained log bucket): without this, AWS
                // refuses DeleteWorkGroup once the workgroup has run a query, and a destroy or
                // accessLogs: false fails after npm run verify -- --logs.
                forceDestroy: true,
            },
            { parent: this },
        );

        this.queryIds = {};
        for (const q of accessLogQueries({
            database: names.database,
            table: TABLE,
            ownerAccountId: args.accountId,
            partition: partitionOf(args.region),
            consumerRoleArns: args.consumerRoleArns ?? [],
        })) {
            const saved = new aws.athena.NamedQuery(
                `${name}-${q.key}`,
                { name: q.name, description: q.description, database: database.name, workgroup: workgroup.name, query: q.query },
                { parent: this, dependsOn: [table] },
            );
            this.queryIds[q.key] = saved.id;
        }

        this.logBucketName = bucket.bucket;
        this.databaseName = database.name;
        this.tableName = table.name;
        this.workgroupName = workgroup.name;
        this.registerOutputs({
            logBucketName: this.logBucketName,
            databaseName: this.databaseName,
            tableName: this.tableName,
            workgroupName: this.workgroupName,
            queryIds: this.queryIds,
        });
    }
}
