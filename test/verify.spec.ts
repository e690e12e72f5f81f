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
import { GetBucketPolicyCommand, S3Client } from "@aws-sdk/client-s3";
import { GetCommandInvocationCommand, SendCommandCommand, SSMClient } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import { join } from "path";
import { consumerSettingsOf, ownerSettingsOf, readProjectFiles } from "../config/stack-files";
import { PolicyDocument } from "../policies/document";
import { AccountApi, clientsFor } from "../verify/aws";
import { main, parseVerifyArgs, VerifyDeps } from "../verify/cli";
import { expectedDocuments } from "../verify/expected";
import { NEVER_GRANTED } from "../verify/judge";
import { CONSUMER_ACCOUNT, OWNER_ACCOUNT, REGION, stackFolder } from "./fixtures";
import { planOnce } from "./helpers";

const ROOT = join(__dirname, "..");
const BUCKET = "shared-data-0a1b2c3";
const LOG_BUCKET = "shared-data-logs-4d5e6f7";
const VPCE = "vpce-0123456789abcdef0";
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

/** The documents the example stack files and these outputs generate: what AWS holds after a rollout. */
function generated() {
    const files = readProjectFiles(stackFolder("example"));
    const owner = { stack: "owner", settings: ownerSettingsOf(files.owner), outputs: OUTPUTS.owner };
    const consumers = files.consumers.map((f) => ({ stack: f.stack, settings: consumerSettingsOf(f), outputs: OUTPUTS[f.stack] }));
    const docs = expectedDocuments(owner, consumers);
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

const s3 = mockClient(S3Client);
const ec2 = mockClient(EC2Client);
const iam = mockClient(IAMClient);
const analyzer = mockClient(AccessAnalyzerClient);
const ssm = mockClient(SSMClient);
const athena = mockClient(AthenaClient);

/** A healthy deployment: live documents as generated, clean validation and checks, no analyzer. */
function healthy(): void {
    const docs = generated();
    for (const m of [s3, ec2, iam, analyzer, ssm, athena]) {
        m.reset();
    }
    s3.on(GetBucketPolicyCommand, { Bucket: BUCKET }).resolves({ Policy: asAwsReturnsIt(docs.bucket) });
    s3.on(GetBucketPolicyCommand, { Bucket: LOG_BUCKET }).resolves({ Policy: JSON.stringify(docs.logBucket) });
    ec2.on(DescribeVpcEndpointsCommand).resolves({
        VpcEndpoints: [{ VpcEndpointId: VPCE, PolicyDocument: JSON.stringify(docs.endpoint), RouteTableIds: ["rtb-0a1b2c3d4e5f60718"] }],
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

async function verify(argv: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = "";
    let err = "";
    const deps: VerifyDeps = {
        outputs: async (stack) => OUTPUTS[stack] ?? {},
        api: (_stack, settings) => new AccountApi(clientsFor(settings.region), { pollMs: 0, attempts: 5 }),
        plan: planOnce,
    };
    const code = await main(["--config-dir", stackFolder("example"), ...argv], { stdout: (t) => (out += t), stderr: (t) => (err += t) }, deps);
    return { code, out, err };
}

const row = (out: string, check: string) => out.split("\n").find((l) => l.includes(check)) ?? "";

describe("npm run verify (AWS SDK v3, mocked with AWS's documented responses)", function () {
    this.timeout(30_000);
    beforeEach(healthy);

    it("passes a deployment whose live documents equal the generated ones, however AWS orders them", async () => {
        const run = await verify([]);
        expect(run.code, run.out + run.err).to.equal(0);
        expect(row(run.out, "live bucket policy")).to.match(/PASS\s+equals the generated document/);
        expect(row(run.out, "live endpoint policy")).to.contain("PASS");
        expect(row(run.out, "live role policy")).to.contain("PASS");
        expect(row(run.out, "live trust policy")).to.contain("PASS");
        expect(row(run.out, "live endpoint route tables")).to.match(/PASS\s+on rtb-0a1b2c3d4e5f60718/);
        expect(row(run.out, "external access")).to.match(/INFO\s+no active Access Analyzer/);
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
        expect((await verify([])).out).to.match(/external access\s+PASS\s+1 findings, each a granted consumer through its endpoints/);
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
            const sent = ssm.commandCalls(SendCommandCommand)[0].args[0].input;
            expect(sent).to.deep.include({ InstanceIds: ["i-0123456789abcdef0"], DocumentName: "AWS-RunShellScript" });
            expect(sent.Parameters?.commands?.join("\n")).to.contain(`aws s3api put-object --bucket ${BUCKET} --key cross-account-s3-verify-probe.txt`);
        });

        it("refused while every policy check passes: points at lockMode per-consumer", async () => {
            probe("PROBE put-object 254\nPROBE list-objects 254\nPROBE get-object 254\n");
            const run = await verify(["--probe-instance", "consumer=i-0123456789abcdef0"]);
            expect(run.code).to.equal(1);
            expect(run.out).to.contain("refused while every policy check passed: most likely requests here arrive without aws:VpceAccount");
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
        it("validates the documents of the offline plan and says whether the change grants new access", async () => {
            analyzer.on(CheckNoNewAccessCommand).resolves({
                result: "FAIL",
                message: "The modified permissions grant new access compared to your existing policy.",
                reasons: [{ description: "New access in the statement with index: 2.", statementIndex: 2, statementId: "GrantReadWrite1" }],
            });
            const run = await verify(["--planned"]);
            expect(run.code, run.out + run.err).to.equal(0);
            expect(row(run.out, "CheckNoNewAccess bucket policy")).to.match(
                /WARN\s+grants new access: The modified permissions grant new access.*GrantReadWrite1/,
            );
            const kinds = analyzer.commandCalls(ValidatePolicyCommand).map((c) => c.args[0].input.validatePolicyResourceType ?? c.args[0].input.policyType);
            expect(kinds).to.include.members(["AWS::S3::Bucket", "RESOURCE_POLICY", "IDENTITY_POLICY", "AWS::IAM::AssumeRolePolicyDocument"]);
            const compared = analyzer.commandCalls(CheckNoNewAccessCommand)[0].args[0].input;
            expect(JSON.parse(String(compared.existingPolicyDocument))).to.deep.equal(JSON.parse(asAwsReturnsIt(generated().bucket)));
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

    it("parses its command line", () => {
        expect(parseVerifyArgs(["--probe-instance", "consumer=i-0123456789abcdef0", "--logs"], ROOT)).to.deep.include({
            planned: false,
            logs: true,
            probes: { consumer: "i-0123456789abcdef0" },
        });
        expect(() => parseVerifyArgs(["--probe-instance", "consumer"], ROOT)).to.throw("write <consumer stack>=<instance id>");
        expect(() => parseVerifyArgs(["--planned", "--logs"], ROOT)).to.throw("--planned checks documents only");
        expect(() => parseVerifyArgs(["--fast"], ROOT)).to.throw("unknown option --fast");
    });
});
