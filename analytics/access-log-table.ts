/**
 * The Glue table over S3 server access logs: AWS's documented schema and RegexSerDe pattern
 * (S3 User Guide, "Querying access logs for requests by using Amazon Athena"), with partition
 * projection on the date of the date-partitioned key format, so no crawler is needed.
 */

/** Columns in log-record order; each is one group of ACCESS_LOG_REGEX. */
export const ACCESS_LOG_COLUMNS: readonly { name: string; type: "string" | "bigint" }[] = [
    { name: "bucketowner", type: "string" },
    { name: "bucket_name", type: "string" },
    { name: "requestdatetime", type: "string" },
    { name: "remoteip", type: "string" },
    { name: "requester", type: "string" },
    { name: "requestid", type: "string" },
    { name: "operation", type: "string" },
    { name: "key", type: "string" },
    { name: "request_uri", type: "string" },
    { name: "httpstatus", type: "string" },
    { name: "errorcode", type: "string" },
    { name: "bytessent", type: "bigint" },
    { name: "objectsize", type: "bigint" },
    { name: "totaltime", type: "string" },
    { name: "turnaroundtime", type: "string" },
    { name: "referrer", type: "string" },
    { name: "useragent", type: "string" },
    { name: "versionid", type: "string" },
    { name: "hostid", type: "string" },
    { name: "sigv", type: "string" },
    { name: "ciphersuite", type: "string" },
    { name: "authtype", type: "string" },
    { name: "endpoint", type: "string" },
    { name: "tlsversion", type: "string" },
    { name: "accesspointarn", type: "string" },
    { name: "aclrequired", type: "string" },
];

/** The documented pattern; fields added to the log format later are matched by `.*` and ignored. */
export const ACCESS_LOG_REGEX =
    '([^ ]*) ([^ ]*) \\[(.*?)\\] ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) ("[^"]*"|-) (-|[0-9]*) ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) ("[^"]*"|-) ([^ ]*)(?: ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*))?.*$';

/** The partition column: the day of the requests (key format with EventTime), laid out yyyy/MM/dd. */
export const PARTITION_COLUMN = "logdate";

/** Where S3 delivers the shared bucket's access-log records in the log bucket. */
export const LOG_PREFIX = "access-logs/";

/** Where S3 writes the records of one source bucket under the date-partitioned key format. */
export function logLocation(logBucket: string, prefix: string, sourceAccountId: string, region: string, sourceBucket: string): string {
    return `s3://${logBucket}/${prefix}${sourceAccountId}/${region}/${sourceBucket}/`;
}

/** Table parameters: external table with partition projection over every day since the start date. */
export function tableParameters(location: string, since = "2024/01/01"): Record<string, string> {
    const p = `projection.${PARTITION_COLUMN}`;
    return {
        EXTERNAL: "TRUE",
        "projection.enabled": "true",
        [`${p}.type`]: "date",
        [`${p}.format`]: "yyyy/MM/dd",
        [`${p}.range`]: `${since},NOW`,
        [`${p}.interval`]: "1",
        [`${p}.interval.unit`]: "DAYS",
        "storage.location.template": `${location}\${${PARTITION_COLUMN}}`,
    };
}

export const SERDE = "org.apache.hadoop.hive.serde2.RegexSerDe";
export const INPUT_FORMAT = "org.apache.hadoop.mapred.TextInputFormat";
export const OUTPUT_FORMAT = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat";
