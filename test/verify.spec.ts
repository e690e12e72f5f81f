import {
    CheckAccessNotGrantedCommand,
    CheckNoNewAccessCommand,
    CheckNoPublicAccessCommand,
    GetFindingV2Command,
    ListAnalyzersCommand,
    ListFindingsV2Command,
    ValidatePolicyCommand,
} from "@aws-sdk/client-accessanalyzer";
import { GetNamedQueryCommand, GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand } from "@aws-sdk/client-athena";
import { DescribeInstancesCommand, DescribeRouteTablesCommand, DescribeSecurityGroupRulesCommand, DescribeVpcEndpointsCommand } from "@aws-sdk/client-ec2";
import { GetRoleCommand, GetRolePolicyCommand, ListRolePoliciesCommand } from "@aws-sdk/client-iam";
import { GetBucketPolicyCommand, GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { GetCommandInvocationCommand, SendCommandCommand } from "@aws-sdk/client-ssm";
import { AssumeRoleCommand } from "@aws-sdk/client-sts";
import { expect } from "chai";
import { join } from "path";
import { consumerSettingsOf, ownerSettingsOf, readProjectFiles } from "../config/stack-files";
import { PolicyDocument } from "../policies/document";
import { AccountApi, clientsFor } from "../verify/aws";
import { main, parseVerifyArgs, VerifyDeps } from "../verify/cli";
import { expectedDocuments } from "../verify/expected";
import { judgeProbe, NEVER_GRANTED, tiedToOwnEndpoints } from "../verify/judge";
import { judgeEgress } from "../verify/path";
import { analyzer, athena, ec2, iam, s3, ssm, sts } from "./aws-mocks";
import { CONSUMER_ACCOUNT, OWNER_ACCOUNT, REGION, SECOND_CONSUMER_ACCOUNT } from "./fixtures";
import { planOnce } from "./helpers";

const ROOT = join(__dirname, "stacks", "verify");
const BUCKET = "shared-data-0a1b2c3";
const LOG_BUCKET = "shared-data-logs-4d5e6f7";
const VPCE = "vpce-0123456789abcdef0";
const VPC = "vpc-0a1b2c3d4e5f60718";
const ROLE = `arn:aws:iam::${CONSUMER_ACCOUNT}:role/workload-1a2b3c4`;

/** What the deployed stacks export, as `pulumi stack output --json` gives it. */
const OUTPUTS: Record<string, Record<string, unknown>> = {
    owner: {
        bucketName: BUCKET,
        bucketArn: `arn:aws:s3:::${BUCKET}`,
        region: REGION,
        accountId: OWNER_ACCOUNT,
        accessLogBucketName: LOG_BUCKET,
        athenaWorkgroup: "owner-shared-data-access-logs",
        athenaQueryIds: { consumerRequestsNotPrivate: "9f0e8d7c-0000-4000-8000-000000000001" },
    },
    consumer: {
        vpceId: VPCE,
        vpceAccountId: CONSUMER_ACCOUNT,
        roleArn: ROLE,
        accountId: CONSUMER_ACCOUNT,
        region: REGION,
        access: "read-write",
        routeTableIds: ["rtb-0a1b2c3d4e5f60718"],
    },
};

/** The documents a folder of stack files and these outputs generate: what AWS holds after a rollout. */
function generated(dir = ROOT) {
    const files = readProjectFiles(dir);
    const owner = { stack: "owner", settings: ownerSettingsOf(files.owners[0]), outputs: OUTPUTS.owner };
    const consumers = files.consumers.map((f) => ({ stack: f.stack, settings: consumerSettingsOf(f), outputs: OUTPUTS[f.stack] ?? {} }));
    const docs = expectedDocuments([owner], consumers);
    const doc = (what: string) => docs.find((d) => d.what.startsWith(what))!.document;
    return {
        bucket: doc("bucket policy"),
        logBucket: doc("log bucket policy"),
        endpoint: doc("endpoint policy"),
        role: doc("role policy"),
        trust: doc("trust policy"),
    };
}

/** As AWS returns a stored policy: same statements, lists in another order, one-element lists as bare values. */
function asAwsReturnsIt(doc: PolicyDocument): string {
    const shuffle = (v: unknown): unknown =>
        Array.isArray(v)
            ? v.length === 1
                ? shuffle(v[0])
                : [...v].reverse().map(shuffle)
            : v && typeof v === "object"
              ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shuffle(x)]))
              : v;
    return JSON.stringify({ ...doc, Statement: [...doc.Statement].reverse().map(shuffle) });
}

/** A healthy deployment of the stack files in `dir`: live documents as generated, clean validation and checks, no analyzer. */
function healthy(dir = ROOT): void {
    const docs = generated(dir);
    for (const m of [s3, ec2, iam, analyzer, ssm, athena, sts]) {
        m.reset();
    }
    s3.on(GetBucketPolicyCommand, { Bucket: BUCKET }).resolves({ Policy: asAwsReturnsIt(docs.bucket) });
    s3.on(GetBucketPolicyCommand, { Bucket: LOG_BUCKET }).resolves({ Policy: JSON.stringify(docs.logBucket) });
    ec2.on(DescribeVpcEndpointsCommand).resolves({
        VpcEndpoints: [
            {
                VpcEndpointId: VPCE,
                VpcEndpointType: "Gateway",
                VpcId: VPC,
                ServiceName: `com.amazonaws.${REGION}.s3`,
                State: "Available",
                PolicyDocument: JSON.stringify(docs.endpoint),
                RouteTableIds: ["rtb-0a1b2c3d4e5f60718"],
            },
        ],
    });
    ec2.on(DescribeRouteTablesCommand).resolves({
        RouteTables: [
            {
                RouteTableId: "rtb-0a1b2c3d4e5f60718",
                VpcId: VPC,
                Associations: [{ Main: false, RouteTableId: "rtb-0a1b2c3d4e5f60718", SubnetId: "subnet-0a1b2c3d4e5f60718" }],
                Routes: [
                    { DestinationCidrBlock: "10.0.0.0/16", GatewayId: "local", State: "active" },
                    { DestinationCidrBlock: "0.0.0.0/0", NatGatewayId: "nat-0a1b2c3d4e5f60718", State: "active" },
                ],
            },
            {
                RouteTableId: "rtb-0f0e0d0c0b0a09080",
                VpcId: VPC,
                Associations: [{ Main: true, RouteTableId: "rtb-0f0e0d0c0b0a09080" }],
                Routes: [
                    { DestinationCidrBlock: "10.0.0.0/16", GatewayId: "local", State: "active" },
                    { DestinationCidrBlock: "0.0.0.0/0", GatewayId: "igw-0a1b2c3d4e5f60718", State: "active" },
                ],
            },
        ],
    });
    iam.on(ListRolePoliciesCommand).resolves({ PolicyNames: ["workload-shared-bucket-5e6f7a8"], IsTruncated: false });
    iam.on(GetRolePolicyCommand).resolves({
        RoleName: "workload-1a2b3c4",
        PolicyName: "workload-shared-bucket-5e6f7a8",
        PolicyDocument: encodeURIComponent(JSON.stringify(docs.role)),
    });
    iam.on(GetRoleCommand).resolves({
        Role: {
            RoleName: "workload-1a2b3c4",
            Arn: ROLE,
            Path: "/",
            RoleId: "AROAEXAMPLE",
            CreateDate: new Date(),
            AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(docs.trust)),
        },
    });
    analyzer.on(ValidatePolicyCommand).resolves({ findings: [] });
    analyzer.on(CheckNoPublicAccessCommand).resolves({ result: "PASS", message: "The resource policy does not grant public access." });
    analyzer.on(CheckAccessNotGrantedCommand).resolves({ result: "PASS", message: "The policy document does not grant access to perform the listed actions." });
    analyzer.on(ListAnalyzersCommand).resolves({ analyzers: [] });
}

async function verify(argv: string[], configDir = ROOT): Promise<{ code: number; out: string; err: string }> {
    return verifyWith(argv, configDir, async (stack) => OUTPUTS[stack] ?? {});
}

async function verifyWith(argv: string[], configDir: string, outputs: VerifyDeps["outputs"]): Promise<{ code: number; out: string; err: string }> {
    let out = "";
    let err = "";
    const deps: VerifyDeps = {
        outputs,
        api: (_stack, settings) => new AccountApi(clientsFor(settings.region), { pollMs: 0, attempts: 5 }),
        plan: planOnce,
    };
    const code = await main([...argv, "--config-dir", configDir], { stdout: (t) => (out += t), stderr: (t) => (err += t) }, deps);
    return { code, out, err };
}

/** An S3 interface endpoint in the consumer VPC, as DescribeVpcEndpoints describes it. */
const interfaceEndpoint = (dns: {
    PrivateDnsEnabled: boolean;
    DnsOptions?: { DnsRecordIpType: "ipv4"; PrivateDnsOnlyForInboundResolverEndpoint: boolean };
}) => ({
    VpcEndpointId: "vpce-0e1b2c3d4e5f60718",
    VpcEndpointType: "Interface" as const,
    VpcId: VPC,
    ServiceName: `com.amazonaws.${REGION}.s3`,
    State: "Available" as const,
    SubnetIds: ["subnet-0a1b2c3d4e5f60718"],
    Groups: [{ GroupId: "sg-0e1b2c3d4e5f60718", GroupName: "s3-interface" }],
    ...dns,
});

const row = (out: string, check: string) => out.split("\n").find((l) => l.includes(check)) ?? "";

describe("npm run verify (AWS SDK v3, mocked with AWS's documented responses)", function () {
    this.timeout(30_000);
    beforeEach(() => healthy());

    it("passes a deployment whose live documents equal the generated ones, however AWS orders them", async () => {
        const run = await verify([]);
        expect(run.code, run.out + run.err).to.equal(0);
        expect(row(run.out, "live bucket policy")).to.match(/PASS\s+equals the generated document/);
        expect(row(run.out, "live endpoint policy")).to.contain("PASS");
        expect(row(run.out, "live role policy")).to.contain("PASS");
        expect(row(run.out, "live trust policy")).to.contain("PASS");
        expect(row(run.out, "live endpoint route tables")).to.match(/PASS\s+on rtb-0a1b2c3d4e5f60718/);
        expect(row(run.out, "external access")).to.match(/INFO\s+no active ACCOUNT or ORGANIZATION analyzer/);
        expect(row(run.out, "path: private route tables")).to.match(/PASS\s+every private route table of the VPC carries vpce-0123456789abcdef0/);
        expect(row(run.out, "403 from outside")).to.match(/INFO\s+not run: set verifyTester/);
        expect(run.out).to.contain("Everything verify checks holds.");
    });

    it("names the statements of a live document that differ from the generated one", async () => {
        const docs = generated();
        const tampered = {
            ...docs.bucket,
            Statement: [
                ...docs.bucket.Statement.filter((s) => s.Sid !== "DenyEndpointsOfOtherAccounts"),
                { Sid: "HandAdded", Effect: "Allow" as const, Principal: "*" as const, Action: "s3:GetObject", Resource: "*" },
            ],
        };
        s3.on(GetBucketPolicyCommand, { Bucket: BUCKET }).resolves({ Policy: JSON.stringify(tampered) });
        const run = await verify([]);
        expect(run.code).to.equal(1);
        expect(row(run.out, "live bucket policy")).to.match(/FAIL\s+missing DenyEndpointsOfOtherAccounts; not generated HandAdded/);
    });

    it("runs ValidatePolicy on every generated document, failing on ERROR and SECURITY_WARNING only", async () => {
        analyzer.on(ValidatePolicyCommand, { policyType: "IDENTITY_POLICY" }).resolves({
            findings: [
                {
                    findingType: "SECURITY_WARNING",
                    issueCode: "PASS_ROLE_WITH_STAR_IN_RESOURCE",
                    findingDetails: "Using iam:PassRole with a wildcard…",
                    learnMoreLink: "https://docs.aws.amazon.com/",
                    locations: [],
                },
            ],
        });
        analyzer.on(ValidatePolicyCommand, { validatePolicyResourceType: "AWS::IAM::AssumeRolePolicyDocument" }).resolves({
            findings: [
                {
                    findingType: "SUGGESTION",
                    issueCode: "EMPTY_ARRAY_CONDITION",
                    findingDetails: "…",
                    learnMoreLink: "https://docs.aws.amazon.com/",
                    locations: [],
                },
            ],
        });
        const run = await verify([]);
        expect(run.code).to.equal(1);
        expect(row(run.out, "ValidatePolicy role policy")).to.match(/FAIL\s+SECURITY_WARNING PASS_ROLE_WITH_STAR_IN_RESOURCE/);
        expect(row(run.out, "ValidatePolicy trust policy")).to.match(/INFO\s+SUGGESTION EMPTY_ARRAY_CONDITION/);
        const validated = analyzer
            .commandCalls(ValidatePolicyCommand)
            .map((c) => `${c.args[0].input.policyType} ${c.args[0].input.validatePolicyResourceType ?? "-"}`);
        expect(validated).to.include.members([
            "RESOURCE_POLICY AWS::S3::Bucket",
            "RESOURCE_POLICY -",
            "IDENTITY_POLICY -",
            "RESOURCE_POLICY AWS::IAM::AssumeRolePolicyDocument",
        ]);
    });

    it("asks CheckAccessNotGranted about the actions no one may have, and fails on a public policy", async () => {
        analyzer.on(CheckNoPublicAccessCommand, { resourceType: "AWS::S3::Bucket" }).resolves({
            result: "FAIL",
            message: "The resource policy grants public access for the given resource type.",
            reasons: [{ description: "Public access granted in the following statement with index: 0.", statementIndex: 0, statementId: "HandAdded" }],
        });
        const run = await verify([]);
        expect(row(run.out, "CheckNoPublicAccess bucket policy")).to.match(/FAIL\s+The resource policy grants public access.*HandAdded: Public access granted/);
        const asked = analyzer.commandCalls(CheckAccessNotGrantedCommand)[0].args[0].input;
        expect(asked.policyType).to.equal("RESOURCE_POLICY");
        expect(asked.access?.[0].actions).to.deep.equal([...NEVER_GRANTED]);
    });

    it("reads the analyzer's findings: the consumer through its endpoint passes, anyone else fails", async () => {
        const analyzerArn = `arn:aws:access-analyzer:${REGION}:${OWNER_ACCOUNT}:analyzer/account`;
        analyzer
            .on(ListAnalyzersCommand)
            .resolves({ analyzers: [{ arn: analyzerArn, name: "account", type: "ACCOUNT", status: "ACTIVE", createdAt: new Date() }] });
        analyzer.on(ListFindingsV2Command).resolves({
            findings: [
                {
                    id: "f-1",
                    resource: `arn:aws:s3:::${BUCKET}`,
                    resourceType: "AWS::S3::Bucket",
                    resourceOwnerAccount: OWNER_ACCOUNT,
                    status: "ACTIVE",
                    createdAt: new Date(),
                    updatedAt: new Date(),
                    analyzedAt: new Date(),
                },
            ],
        });
        analyzer.on(GetFindingV2Command).resolves({
            id: "f-1",
            findingDetails: [
                { externalAccessDetails: { principal: { AWS: ROLE }, condition: { "aws:SourceVpce": VPCE }, action: ["s3:GetObject"], isPublic: false } },
            ],
        } as never);
        expect((await verify([])).out).to.match(/external access\s+PASS\s+1 findings, each a granted consumer tied to its own endpoints/);
        expect(analyzer.commandCalls(ListFindingsV2Command)[0].args[0].input.filter).to.deep.equal({
            resource: { eq: [`arn:aws:s3:::${BUCKET}`] },
            status: { eq: ["ACTIVE"] },
        });

        analyzer.on(GetFindingV2Command).resolves({
            id: "f-1",
            findingDetails: [{ externalAccessDetails: { principal: { AWS: "arn:aws:iam::444444444444:root" }, condition: {}, isPublic: false } }],
        } as never);
        const stranger = await verify([]);
        expect(stranger.code).to.equal(1);
        expect(row(stranger.out, "external access")).to.match(/FAIL\s+finding f-1: arn:aws:iam::444444444444:root is not a granted consumer/);
    });

    it("reads the findings of the analyzer the owner stack created, when it exports one", async () => {
        const arn = (name: string) => `arn:aws:access-analyzer:${REGION}:${OWNER_ACCOUNT}:analyzer/${name}`;
        analyzer.on(ListAnalyzersCommand).resolves({
            analyzers: [
                { arn: arn("other"), name: "other", type: "ACCOUNT", status: "ACTIVE", createdAt: new Date() },
                { arn: arn("cross-account-s3-owner"), name: "cross-account-s3-owner", type: "ACCOUNT", status: "ACTIVE", createdAt: new Date() },
            ],
        });
        analyzer.on(ListFindingsV2Command).resolves({ findings: [] });
        OUTPUTS.owner.accessAnalyzerName = "cross-account-s3-owner";
        try {
            await verify([]);
        } finally {
            delete OUTPUTS.owner.accessAnalyzerName;
        }
        expect(analyzer.commandCalls(ListFindingsV2Command)[0].args[0].input.analyzerArn).to.equal(arn("cross-account-s3-owner"));
    });

    describe("the 403 test on an instance in the consumer VPC (--probe-instance)", () => {
        const probe = (stdout: string) => {
            ec2.on(DescribeInstancesCommand).resolves({
                Reservations: [
                    { Instances: [{ InstanceId: "i-0123456789abcdef0", SecurityGroups: [{ GroupId: "sg-0a1b2c3d4e5f60718", GroupName: "workload" }] }] },
                ],
            });
            ec2.on(DescribeSecurityGroupRulesCommand).resolves({
                SecurityGroupRules: [
                    {
                        SecurityGroupRuleId: "sgr-01",
                        GroupId: "sg-0a1b2c3d4e5f60718",
                        IsEgress: false,
                        IpProtocol: "tcp",
                        FromPort: 22,
                        ToPort: 22,
                        CidrIpv4: "10.0.0.0/16",
                    },
                    {
                        SecurityGroupRuleId: "sgr-02",
                        GroupId: "sg-0a1b2c3d4e5f60718",
                        IsEgress: true,
                        IpProtocol: "-1",
                        FromPort: -1,
                        ToPort: -1,
                        CidrIpv4: "0.0.0.0/0",
                    },
                ],
            });
            ssm.on(SendCommandCommand).resolves({ Command: { CommandId: "c0ffee00-0000-4000-8000-000000000001", Status: "Pending" } });
            ssm.on(GetCommandInvocationCommand)
                .rejectsOnce(Object.assign(new Error("Invocation does not exist"), { name: "InvocationDoesNotExist" }))
                .resolves({ Status: "Success", StandardOutputContent: stdout, StandardErrorContent: "", ResponseCode: 0 });
        };

        it("runs the granted operations with the instance's role and passes when they succeed", async () => {
            probe("PROBE put-object 0\nPROBE list-objects 0\nPROBE get-object 0\n");
            const run = await verify(["--probe-instance", "consumer=i-0123456789abcdef0"]);
            expect(run.code, run.out).to.equal(0);
            expect(row(run.out, "probe get-object")).to.match(/PASS\s+succeeded through the endpoint/);
            expect(row(run.out, "path: security-group egress")).to.match(/PASS\s+sg-0a1b2c3d4e5f60718 lets HTTPS out to 0\.0\.0\.0\/0/);
            const sent = ssm.commandCalls(SendCommandCommand)[0].args[0].input;
            expect(sent).to.deep.include({ InstanceIds: ["i-0123456789abcdef0"], DocumentName: "AWS-RunShellScript" });
            expect(sent.Parameters?.commands?.join("\n")).to.contain(`aws s3api put-object --bucket ${BUCKET} --key cross-account-s3-verify-probe.txt`);
        });

        it("refused while every policy check passes under account-match: points at the path, then at lockMode per-consumer", async () => {
            probe("PROBE put-object 254\nPROBE list-objects 254\nPROBE get-object 254\n");
            const run = await verify(["--probe-instance", "consumer=i-0123456789abcdef0"]);
            expect(run.code).to.equal(1);
            expect(run.out).to.contain("refused while every policy check passed: look at the path rows above");
            expect(run.out).to.contain("requests here most likely arrive without aws:VpceAccount");
            expect(run.out).to.contain("Set lockMode: per-consumer on the owner");
        });
    });

    describe("the access-log check (--logs)", () => {
        const results = (rows: string[][]) => {
            athena.on(GetNamedQueryCommand).resolves({
                NamedQuery: {
                    Name: "consumer requests",
                    Database: "owner_shared_data_access_logs",
                    QueryString: "SELECT …",
                    WorkGroup: "owner-shared-data-access-logs",
                },
            });
            athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: "q-1" });
            athena
                .on(GetQueryExecutionCommand)
                .resolvesOnce({ QueryExecution: { Status: { State: "RUNNING" } } })
                .resolves({ QueryExecution: { Status: { State: "SUCCEEDED" } } });
            const header = ["requestdatetime", "remoteip", "requester", "operation", "key", "httpstatus", "errorcode"];
            athena.on(GetQueryResultsCommand).resolves({ ResultSet: { Rows: [header, ...rows].map((r) => ({ Data: r.map((v) => ({ VarCharValue: v })) })) } });
        };
        /** A log row: the consumer's role reading an object from a public address, answered with this status. */
        const consumerGetFromOutside = (status: string, errorCode: string) => [
            "[28/Nov/2026:10:00:00 +0000]",
            "52.95.4.1",
            `arn:aws:sts::${CONSUMER_ACCOUNT}:assumed-role/workload-1a2b3c4/i-0abc`,
            "REST.GET.OBJECT",
            "data/file.csv",
            status,
            errorCode,
        ];

        it("passes when consumer requests from outside the VPC were all refused", async () => {
            results([consumerGetFromOutside("403", "AccessDenied")]);
            const run = await verify(["--logs"]);
            expect(row(run.out, "access logs")).to.match(/PASS\s+1 consumer requests from outside the VPC, all refused/);
            expect(athena.commandCalls(StartQueryExecutionCommand)[0].args[0].input).to.deep.include({
                WorkGroup: "owner-shared-data-access-logs",
                QueryString: "SELECT …",
            });
        });

        it("reads every page of the results (the column names only on the first)", async () => {
            results([consumerGetFromOutside("403", "AccessDenied")]);
            const data = (r: string[]) => ({ Data: r.map((v) => ({ VarCharValue: v })) });
            const header = ["requestdatetime", "remoteip", "requester", "operation", "key", "httpstatus", "errorcode"];
            athena
                .on(GetQueryResultsCommand)
                .resolvesOnce({ ResultSet: { Rows: [data(header), data(consumerGetFromOutside("403", "AccessDenied"))] }, NextToken: "rows-2" })
                .resolves({ ResultSet: { Rows: [data(consumerGetFromOutside("200", "-"))] } });
            const run = await verify(["--logs"]);
            expect(row(run.out, "access logs")).to.match(/FAIL\s+1 consumer requests from a non-private address were served/);
            expect(athena.commandCalls(GetQueryResultsCommand).map((c) => c.args[0].input.NextToken)).to.deep.equal([undefined, "rows-2"]);
        });

        it("fails when one was served", async () => {
            results([consumerGetFromOutside("200", "-")]);
            expect(row((await verify(["--logs"])).out, "access logs")).to.match(/FAIL\s+1 consumer requests from a non-private address were served/);
        });
    });

    it("turns AccessDenied and throttling into failed rows with AWS's words", async () => {
        s3.on(GetBucketPolicyCommand, { Bucket: BUCKET }).rejects(Object.assign(new Error("Access Denied"), { name: "AccessDenied" }));
        analyzer.on(CheckAccessNotGrantedCommand).rejects(Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" }));
        const run = await verify([]);
        expect(row(run.out, "live bucket policy")).to.match(/FAIL\s+AccessDenied: Access Denied/);
        expect(row(run.out, "CheckAccessNotGranted")).to.match(/FAIL\s+ThrottlingException: Rate exceeded/);
    });

    it("without credentials, names the stack and how to provide them, with no stack trace", async () => {
        s3.on(GetBucketPolicyCommand).rejects(Object.assign(new Error("Could not load credentials from any providers"), { name: "CredentialsProviderError" }));
        const run = await verify([]);
        expect(run.code).to.equal(1);
        expect(run.err).to.equal(
            `No AWS credentials for stack owner (account ${OWNER_ACCOUNT}): set AWS_PROFILE_OWNER=<profile of that account>, or cross-account-s3:profile in Pulumi.owner.yaml, or export that account's credentials, and run again.\n`,
        );
        expect(run.out).to.equal("");
    });

    describe("--planned (pull requests)", () => {
        const READ = join(__dirname, "stacks", "verify-read");
        const TWO = join(__dirname, "stacks", "verify-two");
        const newAccessAnswer = {
            result: "FAIL" as const,
            message: "The modified permissions grant new access compared to your existing policy.",
            reasons: [{ description: "New access in the statement with index: 2.", statementIndex: 2, statementId: "GrantReadWrite1" }],
        };
        const compared = () => {
            const input = analyzer.commandCalls(CheckNoNewAccessCommand)[0].args[0].input;
            return {
                planned: JSON.parse(String(input.newPolicyDocument)) as PolicyDocument,
                live: JSON.parse(String(input.existingPolicyDocument)) as PolicyDocument,
            };
        };

        it("validates the offline plan's documents and compares like with like: an unchanged change hands AWS the live policy's own statements", async () => {
            analyzer
                .on(CheckNoNewAccessCommand)
                .resolves({ result: "PASS", message: "The modified permissions do not grant new access compared to your existing policy." });
            const run = await verify(["--planned"]);
            expect(run.code, run.out + run.err).to.equal(0);
            expect(row(run.out, "CheckNoNewAccess bucket policy")).to.match(/PASS\s+grants no new access/);
            const kinds = analyzer.commandCalls(ValidatePolicyCommand).map((c) => c.args[0].input.validatePolicyResourceType ?? c.args[0].input.policyType);
            expect(kinds).to.include.members(["AWS::S3::Bucket", "RESOURCE_POLICY", "IDENTITY_POLICY", "AWS::IAM::AssumeRolePolicyDocument"]);
            const { planned, live } = compared();
            expect(planned).to.deep.equal(generated().bucket);
            expect(asAwsReturnsIt(planned)).to.equal(JSON.stringify(live));
        });

        it("fails a change that widens access (read → read-write, data/ → the whole bucket) and names what is new, in real names", async () => {
            healthy(READ);
            analyzer.on(CheckNoNewAccessCommand).resolves(newAccessAnswer);
            const run = await verify(["--planned"]);
            expect(run.code).to.equal(1);
            expect(row(run.out, "CheckNoNewAccess bucket policy")).to.match(
                /FAIL\s+grants new access: The modified permissions grant new access.*GrantReadWrite1/,
            );
            const { planned, live } = compared();
            const grant = (doc: PolicyDocument) => doc.Statement.find((st) => /^Grant(Read|ReadWrite)1$/.test(st.Sid ?? ""));
            expect(grant(live)).to.deep.include({ Sid: "GrantRead1", Principal: { AWS: ROLE }, Resource: `arn:aws:s3:::${BUCKET}/data/*` });
            expect(grant(planned)).to.deep.include({
                Sid: "GrantReadWrite1",
                Principal: { AWS: ROLE },
                Resource: [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/*`],
            });
        });

        it("fails a change that adds a consumer, naming it, without inventing its role", async () => {
            analyzer
                .on(CheckNoNewAccessCommand)
                .resolves({ result: "PASS", message: "The modified permissions do not grant new access compared to your existing policy." });
            const run = await verify(["--planned"], TWO);
            expect(run.code).to.equal(1);
            expect(row(run.out, "CheckNoNewAccess bucket policy"), run.out).to.match(
                /FAIL\s+grants new access: consumer consumer-b \(account 333333333333, read\) is added/,
            );
            expect(JSON.stringify(compared().planned)).to.not.contain(SECOND_CONSUMER_ACCOUNT);
        });

        it("says so and skips CheckNoNewAccess when the live outputs cannot be read", async () => {
            const run = await verifyWith(["--planned"], ROOT, async () => {
                throw new Error("error: PULUMI_ACCESS_TOKEN must be set for login during non-interactive CLI sessions");
            });
            expect(run.code, run.out).to.equal(0);
            expect(row(run.out, "CheckNoNewAccess bucket policy")).to.match(
                /INFO\s+skipped: the live stacks' outputs cannot be read here \(error: PULUMI_ACCESS_TOKEN must be set/,
            );
            expect(analyzer.commandCalls(CheckNoNewAccessCommand)).to.have.length(0);
        });
    });

    it("validates a key policy as a plain resource policy, the only way ValidatePolicy takes it, and follows its pages", async () => {
        analyzer.on(ValidatePolicyCommand).resolvesOnce({ findings: [], nextToken: "page-2" }).resolves({ findings: [] });
        const api = new AccountApi(clientsFor(REGION));
        await api.validatePolicy({ Version: "2012-10-17", Statement: [] }, "RESOURCE_POLICY", "AWS::KMS::Key");
        const calls = analyzer.commandCalls(ValidatePolicyCommand).map((c) => c.args[0].input);
        expect(calls.map((c) => [c.policyType, c.validatePolicyResourceType, c.nextToken])).to.deep.equal([
            ["RESOURCE_POLICY", undefined, undefined],
            ["RESOURCE_POLICY", undefined, "page-2"],
        ]);
    });

    describe("external access, exactly", () => {
        const VPCE_B = "vpce-0b1b2c3d4e5f60718";
        const ROLE_B = `arn:aws:iam::${SECOND_CONSUMER_ACCOUNT}:role/workload-9f8e7d6`;
        const analyzerArn = `arn:aws:access-analyzer:${REGION}:${OWNER_ACCOUNT}:analyzer/account`;
        /** Findings as GetFindingV2 details them, one per consumer role, with the conditions under which it has access. */
        const findings = (conditions: Record<string, Record<string, string>>) => {
            analyzer.on(ListAnalyzersCommand).resolves({ analyzers: [] });
            analyzer
                .on(ListAnalyzersCommand, { type: "ACCOUNT" })
                .resolves({ analyzers: [{ arn: analyzerArn, name: "account", type: "ACCOUNT", status: "ACTIVE", createdAt: new Date() }] });
            const ids = Object.keys(conditions).map((_, i) => `f-${i + 1}`);
            analyzer.on(ListFindingsV2Command).resolves({
                findings: ids.map((id) => ({
                    id,
                    resource: `arn:aws:s3:::${BUCKET}`,
                    resourceType: "AWS::S3::Bucket",
                    resourceOwnerAccount: OWNER_ACCOUNT,
                    status: "ACTIVE",
                    createdAt: new Date(),
                    updatedAt: new Date(),
                    analyzedAt: new Date(),
                })),
            });
            Object.entries(conditions).forEach(([role, condition], i) =>
                analyzer.on(GetFindingV2Command, { id: ids[i] }).resolves({
                    id: ids[i],
                    findingDetails: [{ externalAccessDetails: { principal: { AWS: role }, condition, action: ["s3:GetObject"], isPublic: false } }],
                } as never),
            );
        };
        const TWO = join(__dirname, "stacks", "verify-two");

        beforeEach(() => {
            OUTPUTS["consumer-b"] = {
                vpceId: VPCE_B,
                vpceAccountId: SECOND_CONSUMER_ACCOUNT,
                roleArn: ROLE_B,
                accountId: SECOND_CONSUMER_ACCOUNT,
                region: REGION,
                access: "read",
            };
            healthy(TWO);
        });
        afterEach(() => delete OUTPUTS["consumer-b"]);

        it("passes findings tied to each role's own account's endpoints (account-match)", async () => {
            const both = `${VPCE},${VPCE_B}`;
            findings({
                [ROLE]: { "aws:SourceVpce": both, "aws:VpceAccount": "${aws:PrincipalAccount}" },
                [ROLE_B]: { "aws:SourceVpce": both, "aws:VpceAccount": "${aws:PrincipalAccount}" },
            });
            const run = await verify([], TWO);
            expect(row(run.out, "external access")).to.match(/PASS\s+2 findings, each a granted consumer tied to its own endpoints/);
        });

        it("fails a finding whose endpoint list merely includes the role's own: the per-account Deny removed", async () => {
            const docs = generated(TWO);
            const withoutAccountDeny = { ...docs.bucket, Statement: docs.bucket.Statement.filter((st) => st.Sid !== "DenyEndpointsOfOtherAccounts") };
            s3.on(GetBucketPolicyCommand, { Bucket: BUCKET }).resolves({ Policy: JSON.stringify(withoutAccountDeny) });
            findings({ [ROLE]: { "aws:SourceVpce": `${VPCE}, ${VPCE_B}` }, [ROLE_B]: { "aws:SourceVpce": `${VPCE}, ${VPCE_B}` } });
            const run = await verify([], TWO);
            expect(run.code).to.equal(1);
            expect(row(run.out, "live bucket policy")).to.match(/FAIL\s+missing DenyEndpointsOfOtherAccounts/);
            expect(run.out).to.match(new RegExp(`external access\\s+FAIL\\s+finding f-1: ${ROLE} is not tied to its own endpoints \\(${VPCE}\\)`));
            expect(run.out).to.match(new RegExp(`external access\\s+FAIL\\s+finding f-2: ${ROLE_B} is not tied to its own endpoints \\(${VPCE_B}\\)`));
        });

        it("ties by endpoint ids alone under per-consumer, by the account only under account-match", () => {
            const role = { endpoints: [VPCE], accountId: CONSUMER_ACCOUNT };
            const listed = { "aws:SourceVpce": `${VPCE},${VPCE_B}`, "aws:VpceAccount": CONSUMER_ACCOUNT };
            expect(tiedToOwnEndpoints(listed, { ...role, tiedByAccount: true })).to.equal(true);
            expect(tiedToOwnEndpoints(listed, { ...role, tiedByAccount: false })).to.equal(false);
            expect(tiedToOwnEndpoints({ "aws:SourceVpce": VPCE }, { ...role, tiedByAccount: false })).to.equal(true);
            expect(tiedToOwnEndpoints({ "aws:VpceAccount": CONSUMER_ACCOUNT }, { ...role, tiedByAccount: true })).to.equal(false);
        });
    });

    describe("complete reads", () => {
        it("reads every page of analyzers of both types, of findings and of each finding's details", async () => {
            const orgArn = `arn:aws:access-analyzer:${REGION}:${OWNER_ACCOUNT}:analyzer/organization`;
            analyzer.on(ListAnalyzersCommand, { type: "ACCOUNT" }).resolves({ analyzers: [] });
            analyzer
                .on(ListAnalyzersCommand, { type: "ORGANIZATION" })
                .resolvesOnce({ analyzers: [], nextToken: "analyzers-2" })
                .resolves({ analyzers: [{ arn: orgArn, name: "organization", type: "ORGANIZATION", status: "ACTIVE", createdAt: new Date() }] });
            const summary = (id: string) => ({
                id,
                resource: `arn:aws:s3:::${BUCKET}`,
                resourceType: "AWS::S3::Bucket" as const,
                resourceOwnerAccount: OWNER_ACCOUNT,
                status: "ACTIVE" as const,
                createdAt: new Date(),
                updatedAt: new Date(),
                analyzedAt: new Date(),
            });
            analyzer
                .on(ListFindingsV2Command)
                .resolvesOnce({ findings: [summary("f-1")], nextToken: "findings-2" })
                .resolves({ findings: [summary("f-2")] });
            const detail = (principal: string) => ({
                externalAccessDetails: { principal: { AWS: principal }, condition: { "aws:SourceVpce": VPCE }, isPublic: false },
            });
            analyzer.on(GetFindingV2Command, { id: "f-1" }).resolves({ id: "f-1", findingDetails: [detail(ROLE)] } as never);
            analyzer
                .on(GetFindingV2Command, { id: "f-2" })
                .resolvesOnce({ id: "f-2", findingDetails: [detail(ROLE)], nextToken: "details-2" } as never)
                .resolves({ id: "f-2", findingDetails: [detail("arn:aws:iam::444444444444:root")] } as never);
            const run = await verify([]);
            expect(row(run.out, "external access")).to.match(/FAIL\s+finding f-2: arn:aws:iam::444444444444:root is not a granted consumer/);
            expect(analyzer.commandCalls(ListAnalyzersCommand).map((c) => `${c.args[0].input.type} ${c.args[0].input.nextToken ?? "-"}`)).to.deep.equal([
                "ACCOUNT -",
                "ORGANIZATION -",
                "ORGANIZATION analyzers-2",
            ]);
            expect(analyzer.commandCalls(ListFindingsV2Command).map((c) => c.args[0].input.analyzerArn)).to.deep.equal([orgArn, orgArn]);
        });

        it("does not expect a finding for a consumer inside the organization from an organization analyzer", async () => {
            const orgArn = `arn:aws:access-analyzer:${REGION}:${OWNER_ACCOUNT}:analyzer/organization`;
            analyzer.on(ListAnalyzersCommand, { type: "ACCOUNT" }).resolves({ analyzers: [] });
            analyzer
                .on(ListAnalyzersCommand, { type: "ORGANIZATION" })
                .resolves({ analyzers: [{ arn: orgArn, name: "organization", type: "ORGANIZATION", status: "ACTIVE", createdAt: new Date() }] });
            analyzer.on(ListFindingsV2Command).resolves({ findings: [] });
            const run = await verify([]);
            expect(run.code, run.out).to.equal(0);
            expect(run.out).to.contain(`INFO    no finding for ${ROLE}: an organization analyzer does not report consumers inside the organization`);
        });

        it("reads every page of the probe instance's security-group rules", async () => {
            ec2.on(DescribeInstancesCommand).resolves({
                Reservations: [
                    { Instances: [{ InstanceId: "i-0123456789abcdef0", SecurityGroups: [{ GroupId: "sg-0a1b2c3d4e5f60718", GroupName: "workload" }] }] },
                ],
            });
            ec2.on(DescribeSecurityGroupRulesCommand)
                .resolvesOnce({
                    SecurityGroupRules: [
                        {
                            SecurityGroupRuleId: "sgr-01",
                            GroupId: "sg-0a1b2c3d4e5f60718",
                            IsEgress: true,
                            IpProtocol: "udp",
                            FromPort: 53,
                            ToPort: 53,
                            CidrIpv4: "10.0.0.2/32",
                        },
                    ],
                    NextToken: "rules-2",
                })
                .resolves({
                    SecurityGroupRules: [
                        {
                            SecurityGroupRuleId: "sgr-02",
                            GroupId: "sg-0a1b2c3d4e5f60718",
                            IsEgress: true,
                            IpProtocol: "tcp",
                            FromPort: 443,
                            ToPort: 443,
                            PrefixListId: "pl-6da54004",
                        },
                    ],
                });
            const egress = await new AccountApi(clientsFor(REGION)).path.egressOfInstance("i-0123456789abcdef0");
            expect(egress.rules.map((r) => r.prefixListId ?? r.cidr)).to.deep.equal(["10.0.0.2/32", "pl-6da54004"]);
            expect(ec2.commandCalls(DescribeSecurityGroupRulesCommand)[1].args[0].input).to.deep.include({
                Filters: [{ Name: "group-id", Values: ["sg-0a1b2c3d4e5f60718"] }],
                NextToken: "rules-2",
            });
        });

        it("reads the VPC's endpoints and route tables to their last page", async () => {
            ec2.on(DescribeVpcEndpointsCommand, { Filters: [{ Name: "vpc-id", Values: [VPC] }] })
                .resolvesOnce({ VpcEndpoints: [], NextToken: "endpoints-2" })
                .resolves({ VpcEndpoints: [interfaceEndpoint({ PrivateDnsEnabled: true })] });
            ec2.on(DescribeRouteTablesCommand)
                .resolvesOnce({ RouteTables: [], NextToken: "tables-2" })
                .resolves({
                    RouteTables: [
                        {
                            RouteTableId: "rtb-0c1b2c3d4e5f60718",
                            VpcId: VPC,
                            Associations: [{ Main: false, SubnetId: "subnet-0c1b2c3d4e5f60718" }],
                            Routes: [],
                        },
                    ],
                });
            const run = await verify([]);
            expect(row(run.out, "path: S3 interface endpoint")).to.contain("FAIL");
            expect(row(run.out, "path: private route tables")).to.match(/WARN\s+rtb-0c1b2c3d4e5f60718 \(subnet-0c1b2c3d4e5f60718\) not on vpce-/);
            expect(ec2.commandCalls(DescribeRouteTablesCommand).map((c) => c.args[0].input.NextToken)).to.deep.equal([undefined, "tables-2"]);
        });

        it("keeps polling an SSM command that is Cancelling, until it is Cancelled", async () => {
            ssm.on(SendCommandCommand).resolves({ Command: { CommandId: "c0ffee00-0000-4000-8000-000000000002", Status: "Pending" } });
            ssm.on(GetCommandInvocationCommand)
                .resolvesOnce({ Status: "InProgress" })
                .resolvesOnce({ Status: "Cancelling", StatusDetails: "Cancelling" })
                .resolves({ Status: "Cancelled", StatusDetails: "Cancelled", StandardOutputContent: "", StandardErrorContent: "" });
            const api = new AccountApi(clientsFor(REGION), { pollMs: 0, attempts: 5 });
            const run = await api.runOnInstance("i-0123456789abcdef0", ["true"]);
            expect(run.status).to.equal("Cancelled");
            expect(ssm.commandCalls(GetCommandInvocationCommand)).to.have.length(3);
        });
    });

    describe("what breaks the path", () => {
        it("reports an S3 interface endpoint with private DNS in the consumer VPC, with the fix", async () => {
            ec2.on(DescribeVpcEndpointsCommand, { Filters: [{ Name: "vpc-id", Values: [VPC] }] }).resolves({
                VpcEndpoints: [
                    interfaceEndpoint({ PrivateDnsEnabled: true, DnsOptions: { DnsRecordIpType: "ipv4", PrivateDnsOnlyForInboundResolverEndpoint: false } }),
                ],
            });
            const run = await verify([]);
            expect(run.code).to.equal(1);
            expect(row(run.out, "path: S3 interface endpoint")).to.match(
                /FAIL\s+vpce-0e1b2c3d4e5f60718: an S3 interface endpoint with private DNS takes the VPC's S3 traffic .*PrivateDnsOnlyForInboundResolverEndpoint=true/,
            );
        });

        it("passes one whose private DNS serves inbound resolver endpoints only", async () => {
            ec2.on(DescribeVpcEndpointsCommand, { Filters: [{ Name: "vpc-id", Values: [VPC] }] }).resolves({
                VpcEndpoints: [
                    interfaceEndpoint({ PrivateDnsEnabled: true, DnsOptions: { DnsRecordIpType: "ipv4", PrivateDnsOnlyForInboundResolverEndpoint: true } }),
                ],
            });
            expect(row((await verify([])).out, "path: S3 interface endpoint")).to.contain("PASS");
        });

        it("fails security-group egress that lets no HTTPS out, and names the S3 prefix list in the fix", () => {
            const row = judgeEgress(
                "consumer",
                "i-0123456789abcdef0",
                ["sg-0a1b2c3d4e5f60718"],
                [{ groupId: "sg-0a1b2c3d4e5f60718", protocol: "tcp", fromPort: 5432, toPort: 5432, cidr: "10.0.0.0/16" }],
                "pl-6da54004",
            );
            expect(row.result).to.equal("fail");
            expect(row.detail).to.contain("add an egress rule for tcp 443 to pl-6da54004 to sg-0a1b2c3d4e5f60718");
            expect(
                judgeEgress(
                    "consumer",
                    "i-0123456789abcdef0",
                    ["sg-0a1b2c3d4e5f60718"],
                    [{ groupId: "sg-0a1b2c3d4e5f60718", protocol: "tcp", fromPort: 443, toPort: 443, prefixListId: "pl-6da54004" }],
                    "pl-6da54004",
                ).result,
            ).to.equal("pass");
        });

        it("hints by lock mode when the probe is refused: per-consumer never blames aws:VpceAccount", () => {
            const refused = "PROBE list-objects 254\n";
            const perConsumer = judgeProbe("consumer", refused, true, "per-consumer")
                .map((r) => r.detail)
                .join("\n");
            expect(perConsumer).to.not.contain("VpceAccount");
            expect(perConsumer).to.contain("did not carry this consumer's endpoint id");
            expect(
                judgeProbe("consumer", refused, true, "account-match")
                    .map((r) => r.detail)
                    .join("\n"),
            ).to.contain("aws:VpceAccount");
        });
    });

    describe("the scenario's 403 test from outside the endpoint (verifyTester)", () => {
        const TESTER = join(__dirname, "stacks", "verify-tester");
        const denied = (action: string, resource: string, why: string) =>
            Object.assign(
                new Error(
                    `User: arn:aws:sts::${CONSUMER_ACCOUNT}:assumed-role/workload-1a2b3c4/cross-account-s3-verify is not authorized to perform: ${action} on resource: "${resource}" ${why}`,
                ),
                {
                    name: "AccessDenied",
                    $fault: "client",
                    $metadata: { httpStatusCode: 403, requestId: "0A1B2C3D4E5F6071" },
                },
            );
        beforeEach(() => {
            healthy(TESTER);
            sts.on(AssumeRoleCommand).resolves({
                Credentials: { AccessKeyId: "ASIAEXAMPLE", SecretAccessKey: "secret", SessionToken: "token", Expiration: new Date() },
                AssumedRoleUser: {
                    AssumedRoleId: "AROAEXAMPLE:cross-account-s3-verify",
                    Arn: `arn:aws:sts::${CONSUMER_ACCOUNT}:assumed-role/workload-1a2b3c4/cross-account-s3-verify`,
                },
            });
        });

        it("assumes the workload role as the tester and passes when the lock refuses it, naming the lock's statements", async () => {
            const why = "with an explicit deny in a resource-based policy";
            s3.on(ListObjectsV2Command).rejects(denied("s3:ListBucket", `arn:aws:s3:::${BUCKET}`, why));
            s3.on(GetObjectCommand).rejects(denied("s3:GetObject", `arn:aws:s3:::${BUCKET}/cross-account-s3-verify-probe.txt`, why));
            const run = await verify([], TESTER);
            expect(run.code, run.out).to.equal(0);
            expect(row(run.out, "403 from outside s3:ListBucket")).to.match(
                /PASS\s+refused by an explicit deny in the bucket policy: the endpoint lock \(DenyConsumersOutsideTheirEndpoints, DenyEndpointsOfOtherAccounts\)/,
            );
            expect(sts.commandCalls(AssumeRoleCommand)[0].args[0].input).to.deep.include({ RoleArn: ROLE, RoleSessionName: "cross-account-s3-verify" });
            expect(s3.commandCalls(ListObjectsV2Command)[0].args[0].input).to.deep.include({ Bucket: BUCKET, MaxKeys: 1 });
        });

        it("fails when the refusal is a missing grant, not the lock", async () => {
            s3.on(ListObjectsV2Command).rejects(
                denied("s3:ListBucket", `arn:aws:s3:::${BUCKET}`, "because no resource-based policy allows the s3:ListBucket action"),
            );
            s3.on(GetObjectCommand).rejects(denied("s3:GetObject", `arn:aws:s3:::${BUCKET}/x`, "with an explicit deny in a resource-based policy"));
            const run = await verify([], TESTER);
            expect(run.code).to.equal(1);
            expect(row(run.out, "403 from outside s3:ListBucket")).to.match(
                /FAIL\s+refused because no resource-based policy allows it — a missing grant, not the lock/,
            );
        });

        it("fails when the role is served from outside, and says the statement cannot be named where S3 does not say", async () => {
            s3.on(ListObjectsV2Command).resolves({ IsTruncated: false, KeyCount: 0, Name: BUCKET });
            s3.on(GetObjectCommand).rejects(Object.assign(new Error("Access Denied"), { name: "AccessDenied", $metadata: { httpStatusCode: 403 } }));
            const run = await verify([], TESTER);
            expect(row(run.out, "403 from outside s3:ListBucket")).to.match(/FAIL\s+served from outside the endpoint/);
            expect(row(run.out, "403 from outside s3:GetObject")).to.match(
                /PASS\s+refused \(403 AccessDenied\); S3 names the refusing policy only within one account or organization/,
            );
        });

        it("tells the user how to become the tester when the role refuses them", async () => {
            sts.on(AssumeRoleCommand).rejects(
                Object.assign(new Error("User: arn:aws:sts::222222222222:assumed-role/admin/me is not authorized to perform: sts:AssumeRole"), {
                    name: "AccessDenied",
                }),
            );
            const run = await verify([], TESTER);
            expect(row(run.out, "403 from outside")).to.match(
                /FAIL\s+the credentials of consumer cannot assume .*run verify as arn:aws:iam::222222222222:role\/verify \(AWS_PROFILE_CONSUMER\)/,
            );
        });

        it("the trust policy names the tester only under verify's session name", () => {
            const trust = generated(TESTER).trust;
            expect(trust.Statement.find((st) => st.Sid === "VerifyTester")).to.deep.equal({
                Sid: "VerifyTester",
                Effect: "Allow",
                Principal: { AWS: "arn:aws:iam::222222222222:role/verify" },
                Action: "sts:AssumeRole",
                Condition: { StringEquals: { "sts:RoleSessionName": "cross-account-s3-verify" } },
            });
        });
    });

    it("parses its command line, resolving --config-dir where the user ran npm", () => {
        expect(parseVerifyArgs(["--probe-instance", "consumer=i-0123456789abcdef0", "--logs"], ROOT)).to.deep.include({
            planned: false,
            logs: true,
            probes: { consumer: "i-0123456789abcdef0" },
            configDir: ROOT,
        });
        expect(parseVerifyArgs(["--config-dir", "my-stacks"], ROOT, { INIT_CWD: "/home/me/work" })).to.deep.include({
            configDir: join("/home/me/work", "my-stacks"),
        });
        expect(parseVerifyArgs(["-h"], ROOT)).to.equal("help");
    });

    it("refuses a wrong command line with exit code 2 and the synopsis", async () => {
        for (const [argv, message] of [
            [["--probe-instance", "consumer"], "--probe-instance consumer: write <consumer stack>=<instance id>"],
            [["--planned", "--logs"], "--planned checks documents only"],
            [["--fast"], "unknown option --fast"],
        ] as const) {
            const run = await verify([...argv]);
            expect(run.code, argv.join(" ")).to.equal(2);
            expect(run.err.startsWith(message), run.err).to.equal(true);
            expect(run.err).to.contain("\n\nusage: npm run verify -- [options]\nRun with --help for every option.");
            expect(run.out).to.equal("");
        }
    });

    it("--help prints every check, what each needs and what it costs, and exits 0", async () => {
        const run = await verify(["--help"]);
        expect(run.code).to.equal(0);
        expect(run.err).to.equal("");
        for (const part of [
            "usage: npm run verify -- [options]",
            "--probe-instance <consumer stack>=<instance id> (repeatable)",
            "--config-dir DIR",
            "AWS_PROFILE_<STACK>",
            "live equals generated",
            "path ",
            "ValidatePolicy",
            "BILLED per call",
            "external access",
            "Needs: an ACCOUNT or ORGANIZATION analyzer",
            "the 403 test, outside",
            "Needs: verifyTester",
            "the 403 test, inside",
            "Needs: an SSM managed instance",
            "access logs",
            "--planned",
            "Example",
        ]) {
            expect(run.out, part).to.include(part);
        }
        expect(s3.commandCalls(GetBucketPolicyCommand)).to.have.length(0);
    });
});
