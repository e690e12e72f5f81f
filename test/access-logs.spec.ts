import { expect } from "chai";
import { ACCESS_LOG_COLUMNS, ACCESS_LOG_REGEX, PARTITION_COLUMN } from "../analytics/access-log-table";
import * as ipaddr from "ipaddr.js";
import { privateAddress, PRIVATE_RANGES } from "../analytics/queries";
import { CONSUMER_STACK, consumerOutputs, key, OWNER_ACCOUNT, ownerConfig, REGION } from "./fixtures";
import { all, policyOf, the, TYPES, runOnce } from "./helpers";

const LOGS = "shared-data-logs";
/** The names generated for the stack `owner`: readable, then 8 hex digits that are the stack's own. */
const DATABASE = /^owner_([0-9a-f]{8})_shared_data_access_logs$/;
const WORKGROUP = /^owner-([0-9a-f]{8})-shared-data-access-logs$/;
/**
 * Records in the documented S3 server access log format, as S3 writes them today (every field, "-"
 * where empty): a consumer GET through the endpoint, an owner console call followed by a field newer
 * than the table (source region), which the pattern ignores, and an anonymous 403 from the internet.
 */
const SAMPLE_RECORDS = [
    '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be shared-data-abc1234 [06/Feb/2019:00:00:38 +0000] 10.0.1.25 arn:aws:sts::222222222222:assumed-role/workload-aaaaaaa/i-0abc 3E57427F3EXAMPLE REST.GET.OBJECT data/file.csv "GET /data/file.csv HTTP/1.1" 200 - 113 113 7 6 "-" "aws-cli/2.15" - s9lzHYrFp76ZVxRcpX9+5cjAnEH2ROuNkd2BHfIa6UkFVdtjf5mKR3/eTPFvsiP/XV/VLi31234= SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader shared-data-abc1234.s3.eu-west-1.amazonaws.com TLSv1.3 - Yes',
    '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be shared-data-abc1234 [06/Feb/2019:00:00:38 +0000] 192.0.2.3 arn:aws:iam::111111111111:user/admin 891CE47D2EXAMPLE REST.GET.LOGGING_STATUS - "GET /shared-data-abc1234?logging HTTP/1.1" 200 - 242 - 11 - "-" "S3Console/0.4" - 9vKBE6vMhrNiWHZmb2L0mXOcqPGzQOI5XLnCtZNPxev+Hf+7tpT6sxDwDty4LHBUOZJG96N1234= SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader shared-data-abc1234.s3.eu-west-1.amazonaws.com TLSV1.2 - - eu-west-1',
    '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be shared-data-abc1234 [07/Feb/2019:10:12:01 +0000] 52.95.4.1 - A1206F460EXAMPLE REST.GET.OBJECT data/file.csv "GET /data/file.csv HTTP/1.1" 403 AccessDenied 243 - 2 - "-" "curl/8.0" - Bt2dUJ1GZ8mT+xGQ6Mp2t96Ic5WnZxk1234= - - - shared-data-abc1234.s3.eu-west-1.amazonaws.com - - -',
];

describe("access logs and Athena (owner stack)", () => {
    describe("on by default", () => {
        let run: Awaited<ReturnType<typeof runOnce>>;
        before(async () => {
            run = await runOnce({ stack: "owner", config: ownerConfig(), stackOutputs: { [CONSUMER_STACK]: consumerOutputs() } });
        });

        it("keeps logs in a dedicated private, SSE-S3 bucket that a destroy never deletes", () => {
            const bucket = the(run.resources, TYPES.bucket, LOGS);
            expect(bucket.inputs.forceDestroy).to.equal(false);
            expect(the(run.resources, TYPES.publicAccessBlock, `${LOGS}-public-access-block`).inputs).to.include({
                blockPublicAcls: true,
                blockPublicPolicy: true,
                ignorePublicAcls: true,
                restrictPublicBuckets: true,
            });
            expect(the(run.resources, TYPES.ownership, `${LOGS}-ownership`).inputs.rule).to.deep.equal({ objectOwnership: "BucketOwnerEnforced" });
            // SSE-C blocked, as S3 reports it for buckets created since April 2026: no diff on every update.
            expect(the(run.resources, TYPES.encryption, `${LOGS}-encryption`).inputs.rules).to.deep.equal([
                { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" }, blockedEncryptionTypes: ["SSE-C"] },
            ]);
            for (const name of [LOGS, `${LOGS}-public-access-block`, `${LOGS}-ownership`, `${LOGS}-encryption`]) {
                expect(run.resources.find((r) => r.name === name && r.custom)?.retainOnDelete, name).to.equal(true);
            }
            for (const r of run.resources.filter((x) => x.name.startsWith(LOGS) && x.custom)) {
                expect(r.parent, r.name).to.equal(LOGS);
            }
        });

        it("lets only the S3 logging service write, for the shared bucket of this account, and requires TLS", () => {
            const dataBucketArn = the(run.resources, TYPES.bucket, "shared-data").state.arn;
            const logBucketArn = the(run.resources, TYPES.bucket, LOGS).state.arn;
            expect(policyOf(the(run.resources, TYPES.bucketPolicy, `${LOGS}-policy`)).Statement).to.deep.equal([
                {
                    Sid: "DenyInsecureTransport",
                    Effect: "Deny",
                    Principal: "*",
                    Action: "s3:*",
                    Resource: [logBucketArn, `${String(logBucketArn)}/*`],
                    Condition: { Bool: { "aws:SecureTransport": "false" } },
                },
                {
                    Sid: "S3ServerAccessLogDelivery",
                    Effect: "Allow",
                    Principal: { Service: "logging.s3.amazonaws.com" },
                    Action: "s3:PutObject",
                    Resource: `${String(logBucketArn)}/access-logs/*`,
                    Condition: { ArnLike: { "aws:SourceArn": dataBucketArn }, StringEquals: { "aws:SourceAccount": OWNER_ACCOUNT } },
                },
            ]);
        });

        it("expires log records and query results after 90 days", () => {
            expect(the(run.resources, TYPES.lifecycle).inputs.rules).to.deep.equal([
                { id: "expire-access-logs", status: "Enabled", filter: { prefix: "access-logs/" }, expiration: { days: 90 } },
                { id: "expire-query-results", status: "Enabled", filter: { prefix: "athena-results/" }, expiration: { days: 90 } },
            ]);
        });

        it("logs the shared bucket with date-partitioned keys, after its policy and the log bucket's policy", () => {
            const logging = the(run.resources, TYPES.logging);
            expect(logging.inputs).to.deep.include({
                bucket: the(run.resources, TYPES.bucket, "shared-data").state.bucket,
                targetBucket: the(run.resources, TYPES.bucket, LOGS).state.bucket,
                targetPrefix: "access-logs/",
                targetObjectKeyFormat: { partitionedPrefix: { partitionDateSource: "EventTime" } },
            });
            expect(logging.dependsOn).to.include.members(["shared-data-policy", `${LOGS}-policy`]);
        });

        it("defines the Glue table with the documented schema and date projection, so no crawler is needed", () => {
            const logBucket = String(the(run.resources, TYPES.bucket, LOGS).state.bucket);
            const dataBucket = String(the(run.resources, TYPES.bucket, "shared-data").state.bucket);
            const table = the(run.resources, TYPES.glueTable);
            const location = `s3://${logBucket}/access-logs/${OWNER_ACCOUNT}/${REGION}/${dataBucket}/`;
            const sd = table.inputs.storageDescriptor as {
                location: string;
                columns: { name: string; type: string }[];
                serDeInfo: { serializationLibrary: string; parameters: Record<string, string> };
            };
            expect(table.inputs.databaseName).to.match(DATABASE).and.equal(the(run.resources, TYPES.glueDatabase).inputs.name);
            expect(table.inputs.tableType).to.equal("EXTERNAL_TABLE");
            expect(sd.location).to.equal(location);
            expect(sd.columns.map((c) => c.name)).to.deep.equal(ACCESS_LOG_COLUMNS.map((c) => c.name));
            expect(sd.serDeInfo).to.deep.equal({
                serializationLibrary: "org.apache.hadoop.hive.serde2.RegexSerDe",
                parameters: { "input.regex": ACCESS_LOG_REGEX },
            });
            expect(table.inputs.partitionKeys).to.deep.equal([{ name: "logdate", type: "string" }]);
            expect(table.inputs.parameters).to.deep.include({
                "projection.enabled": "true",
                "projection.logdate.type": "date",
                "projection.logdate.format": "yyyy/MM/dd",
                "projection.logdate.interval.unit": "DAYS",
                "storage.location.template": `${location}\${logdate}`,
            });
        });

        it("runs queries in a workgroup that enforces its encrypted results location", () => {
            const logBucket = String(the(run.resources, TYPES.bucket, LOGS).state.bucket);
            const workgroup = the(run.resources, TYPES.workgroup);
            const database = String(the(run.resources, TYPES.glueDatabase).inputs.name);
            expect(String(workgroup.inputs.name).match(WORKGROUP)?.[1], "the workgroup carries the database's stack hash").to.equal(
                database.match(DATABASE)?.[1],
            );
            expect(workgroup.inputs.configuration).to.deep.equal({
                enforceWorkgroupConfiguration: true,
                publishCloudwatchMetricsEnabled: true,
                resultConfiguration: {
                    outputLocation: `s3://${logBucket}/athena-results/`,
                    encryptionConfiguration: { encryptionOption: "SSE_S3" },
                    expectedBucketOwner: OWNER_ACCOUNT,
                },
            });
        });

        it("can be torn down after it has run queries: the workgroup is force-destroyed, the results stay in the retained log bucket", () => {
            // Without RecursiveDeleteOption AWS refuses DeleteWorkGroup on a workgroup with query runs,
            // so a destroy (or accessLogs: false) after npm run verify -- --logs would fail.
            const workgroup = the(run.resources, TYPES.workgroup);
            expect(workgroup.inputs.forceDestroy).to.equal(true);
            const results = (workgroup.inputs.configuration as { resultConfiguration: { outputLocation: string } }).resultConfiguration.outputLocation;
            const logBucket = the(run.resources, TYPES.bucket, LOGS);
            expect(results.startsWith(`s3://${String(logBucket.state.bucket)}/`)).to.equal(true);
            expect(logBucket.retainOnDelete).to.equal(true);
            expect(logBucket.inputs.forceDestroy).to.equal(false);
        });

        it("saves the three queries, the consumer one naming the granted role's sessions", () => {
            const queries = all(run.resources, TYPES.namedQuery);
            expect(queries.map((q) => q.inputs.name)).to.deep.equal([
                "Shared bucket: requests by remote IP, private or public",
                "Shared bucket: consumer requests from a non-private address",
                "Shared bucket: 403 responses by requester",
            ]);
            const workgroup = String(the(run.resources, TYPES.workgroup).inputs.name);
            const database = String(the(run.resources, TYPES.glueDatabase).inputs.name);
            for (const q of queries) {
                expect(q.inputs.workgroup).to.equal(workgroup);
                expect(q.inputs.query).to.contain(`FROM "${database}"."s3_access_logs"`);
                expect(q.inputs.query).to.contain(`${PARTITION_COLUMN} >= date_format(current_date - interval '7' day, '%Y/%m/%d')`);
            }
            expect(queries[1].inputs.query).to.contain("requester LIKE 'arn:aws:sts::222222222222:assumed-role/workload-aaaaaaa/%'");
            expect(queries[2].inputs.query).to.contain("httpstatus = '403'");
            expect(queries[1].inputs.query).to.contain("AND NOT coalesce((contains('10.0.0.0/8', TRY_CAST(remoteip AS IPADDRESS)) OR ");
        });

        it("exports the log bucket, the Athena names and the query ids", () => {
            expect(run.outputs.accessLogBucketName).to.equal(the(run.resources, TYPES.bucket, LOGS).state.bucket);
            expect(run.outputs).to.include({
                athenaDatabase: the(run.resources, TYPES.glueDatabase).inputs.name,
                athenaTable: "s3_access_logs",
                athenaWorkgroup: the(run.resources, TYPES.workgroup).inputs.name,
            });
            expect(run.outputs.athenaDatabase).to.match(DATABASE);
            expect(run.outputs.athenaWorkgroup).to.match(WORKGROUP);
            const ids = all(run.resources, TYPES.namedQuery).map((q) => q.id);
            expect(Object.keys(run.outputs.athenaQueryIds as object)).to.deep.equal(["requestsByNetwork", "consumerRequestsNotPrivate", "deniedByRequester"]);
            expect(Object.values(run.outputs.athenaQueryIds as object)).to.deep.equal(ids);
        });
    });

    it("honours the retention setting", async () => {
        const run = await runOnce({ stack: "owner", config: ownerConfig({ [key("accessLogRetentionDays")]: "30" }), stackOutputs: { [CONSUMER_STACK]: {} } });
        const rules = the(run.resources, TYPES.lifecycle).inputs.rules as { expiration: { days: number } }[];
        expect(rules.map((r) => r.expiration.days)).to.deep.equal([30, 30]);
    });

    it("can be turned off: no log bucket, no logging, no Athena, no exports", async () => {
        const run = await runOnce({ stack: "owner", config: ownerConfig({ [key("accessLogs")]: "false" }), stackOutputs: { [CONSUMER_STACK]: {} } });
        expect(run.resources.filter((r) => r.name.startsWith(LOGS))).to.deep.equal([]);
        expect(all(run.resources, TYPES.logging)).to.deep.equal([]);
        expect(run.outputs).not.to.have.any.keys("accessLogBucketName", "athenaDatabase", "athenaTable", "athenaWorkgroup", "athenaQueryIds");
        expect(all(run.resources, TYPES.bucket).map((b) => b.name)).to.deep.equal(["shared-data"]);
    });
});

describe("the access-log table's regex", () => {
    // Hive's RegexSerDe uses Java regexes; this pattern uses nothing whose meaning differs in JavaScript.
    const regex = new RegExp(`^${ACCESS_LOG_REGEX}`);

    it("has one capture group per column", () => {
        const groups = new RegExp(`${ACCESS_LOG_REGEX}|`).exec("")!.length - 1;
        expect(groups).to.equal(ACCESS_LOG_COLUMNS.length);
    });

    it("splits documented records into the right columns, ignoring fields newer than the table", () => {
        const parsed = SAMPLE_RECORDS.map((line) => {
            const match = regex.exec(line);
            expect(match, line).to.not.equal(null);
            return Object.fromEntries(ACCESS_LOG_COLUMNS.map((c, i) => [c.name, match![i + 1]]));
        });
        expect(parsed[0]).to.include({
            bucket_name: "shared-data-abc1234",
            requestdatetime: "06/Feb/2019:00:00:38 +0000",
            remoteip: "10.0.1.25",
            requester: "arn:aws:sts::222222222222:assumed-role/workload-aaaaaaa/i-0abc",
            operation: "REST.GET.OBJECT",
            key: "data/file.csv",
            request_uri: '"GET /data/file.csv HTTP/1.1"',
            httpstatus: "200",
            useragent: '"aws-cli/2.15"',
            tlsversion: "TLSv1.3",
            accesspointarn: "-",
            aclrequired: "Yes",
        });
        expect(parsed[1]).to.include({
            remoteip: "192.0.2.3",
            operation: "REST.GET.LOGGING_STATUS",
            tlsversion: "TLSV1.2",
            accesspointarn: "-",
            aclrequired: "-",
        });
        expect(parsed[2]).to.include({ remoteip: "52.95.4.1", requester: "-", httpstatus: "403", errorcode: "AccessDenied" });
    });

    it("classifies private and public addresses as the article's check does (ranges evaluated as Athena's contains() would)", () => {
        const ranges = PRIVATE_RANGES.map((r) => ipaddr.parseCIDR(r));
        const isPrivate = (ip: string) => {
            const address = ipaddr.parse(ip);
            return ranges.some(([net, bits]) => address.kind() === net.kind() && address.match(net, bits));
        };
        expect(["10.0.1.25", "172.16.0.1", "172.31.255.9", "192.168.1.1", "100.64.0.1", "100.127.1.1", "fd12:3456::1"].map(isPrivate)).to.deep.equal([
            true,
            true,
            true,
            true,
            true,
            true,
            true,
        ]);
        expect(["52.95.4.1", "172.32.0.1", "172.15.0.1", "192.169.0.1", "100.128.0.1", "110.0.0.1", "2600:1f18::1"].map(isPrivate)).to.deep.equal([
            false,
            false,
            false,
            false,
            false,
            false,
            false,
        ]);
    });

    it("asks Athena with its IP functions for every private range, safe on a malformed address", () => {
        const test = privateAddress("remoteip");
        expect(test.startsWith("(contains('10.0.0.0/8', TRY_CAST(remoteip AS IPADDRESS)) OR ")).to.equal(true);
        expect(test).to.contain("contains('fc00::/7', TRY_CAST(remoteip AS IPADDRESS))");
        expect(test.match(/contains\('/g)).to.have.length(5);
    });
});
