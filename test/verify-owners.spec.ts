import {
    CheckAccessNotGrantedCommand,
    CheckNoNewAccessCommand,
    CheckNoPublicAccessCommand,
    ListAnalyzersCommand,
    ValidatePolicyCommand,
} from "@aws-sdk/client-accessanalyzer";
import { DescribeRouteTablesCommand, DescribeVpcEndpointsCommand } from "@aws-sdk/client-ec2";
import { GetRoleCommand, GetRolePolicyCommand, ListRolePoliciesCommand } from "@aws-sdk/client-iam";
import { GetKeyPolicyCommand } from "@aws-sdk/client-kms";
import { GetBucketPolicyCommand, GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { GetCommandInvocationCommand, SendCommandCommand } from "@aws-sdk/client-ssm";
import { AssumeRoleCommand } from "@aws-sdk/client-sts";
import { expect } from "chai";
import { mkdtempSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { OrganizationsClient } from "@aws-sdk/client-organizations";
import { consumerSettingsOf, ownerSettingsOf, readProjectFiles, readStackFile } from "../config/stack-files";
import { PolicyDocument, Statement } from "../policies/document";
import { main as ciPolicies } from "../pipeline/cli";
import { AccountApi, Clients, clientsFor } from "../verify/aws";
import { defaultDeps, main, VERIFY_COMMAND, VerifyDeps } from "../verify/cli";
import { bucketPolicyOf, ConsumerStack, expectedDocuments, OwnerStack } from "../verify/expected";
import { CheckRow } from "../verify/judge";
import { MissingCredentials, verifyDeployed } from "../verify/run";
import { OrganizationsApi } from "../verify/aws-organizations";
import { OrganizationsAccess } from "../verify/organization-checks";
import { verifyPlanned } from "../verify/planned";
import { usage } from "../cli/command-line";
import { ALL_MOCKS, analyzer, ec2, iam, kms, s3, ssm, sts } from "./aws-mocks";
import { qualified, REGION } from "./fixtures";
import { planOnce, policyOf, the, TYPES, runOnce } from "./helpers";

const MULTI = join(__dirname, "stacks", "multi-owner");
const SHARED = join(__dirname, "stacks", "shared-vpc");
const SALES = "sales-data-0a1b2c3";
const WEB = "web-data-4d5e6f7";
const SALES_KEY = "arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const ANALYTICS = qualified("consumer-analytics");
const ANALYTICS_ROLE = "arn:aws:iam::222222222222:role/workload-1a2b3c4";
const VPCE = "vpce-0a1b2c3d4e5f60718";
const VPC = "vpc-0a1b2c3d4e5f60718";
const SHARED_VPCE = "vpce-0123456789abcdef0";
const SHARED_VPC = "vpc-05e5e5e5e5e5e5e5e";
const VPC_OWNER = "555555555555";

/** What `pulumi stack output --json` gives for each stack of the multi-owner folder, as the owner program exports it. */
const MULTI_OUTPUTS: Record<string, Record<string, unknown>> = {
    "owner-sales": {
        bucketName: SALES,
        bucketArn: `arn:aws:s3:::${SALES}`,
        region: REGION,
        accountId: "111111111111",
        kmsKeyArn: SALES_KEY,
        consumerStacks: [ANALYTICS],
        consumerGrants: { [ANALYTICS]: { access: "read-write", prefix: "exports/" } },
    },
    "owner-web": {
        bucketName: WEB,
        bucketArn: `arn:aws:s3:::${WEB}`,
        region: REGION,
        accountId: "444444444444",
        consumerStacks: [ANALYTICS],
        consumerGrants: { [ANALYTICS]: { access: "read", prefix: "reports/" } },
    },
    "consumer-analytics": {
        vpceId: VPCE,
        vpceAccountId: "222222222222",
        roleArn: ANALYTICS_ROLE,
        accountId: "222222222222",
        region: REGION,
        access: "read",
        routeTableIds: ["rtb-0a1b2c3d4e5f60718"],
    },
};

const SHARED_OUTPUTS: Record<string, Record<string, unknown>> = {
    owner: {
        bucketName: "shared-data-0a1b2c3",
        bucketArn: "arn:aws:s3:::shared-data-0a1b2c3",
        region: REGION,
        accountId: "111111111111",
        consumerStacks: [qualified("consumer"), qualified("consumer-shared")],
        consumerGrants: { [qualified("consumer")]: { access: "read-write" }, [qualified("consumer-shared")]: { access: "read" } },
    },
    consumer: {
        vpceId: VPCE,
        vpceAccountId: "222222222222",
        roleArn: ANALYTICS_ROLE,
        accountId: "222222222222",
        region: REGION,
        access: "read-write",
        routeTableIds: ["rtb-0a1b2c3d4e5f60718"],
    },
    "consumer-shared": {
        vpceId: SHARED_VPCE,
        vpceAccountId: VPC_OWNER,
        roleArn: "arn:aws:iam::333333333333:role/workload-9f8e7d6",
        accountId: "333333333333",
        region: REGION,
        access: "read",
        routeTableIds: [],
    },
};

/** The stacks of a folder with these outputs, as verify reads them. */
function stacksOf(dir: string, outputs: Record<string, Record<string, unknown>>): { owners: OwnerStack[]; consumers: ConsumerStack[] } {
    const files = readProjectFiles(dir);
    return {
        owners: files.owners.map((f) => ({ stack: f.stack, settings: ownerSettingsOf(f), outputs: outputs[f.stack] ?? {} })),
        consumers: files.consumers.map((f) => ({ stack: f.stack, settings: consumerSettingsOf(f), outputs: outputs[f.stack] ?? {} })),
    };
}

const statement = (doc: PolicyDocument, sid: string): Statement | undefined => doc.Statement.find((s) => s.Sid === sid);
const actions = (st: Statement | undefined) => [st?.Action ?? []].flat();
const row = (out: string, stack: string, check: string) => out.split("\n").find((l) => l.includes(stack) && l.includes(check)) ?? "";

/** A healthy deployment: AWS holds the generated documents; validation and the custom checks are clean; no analyzer. */
function healthy(dir: string, outputs: Record<string, Record<string, unknown>>): void {
    ALL_MOCKS.forEach((m) => m.reset());
    const { owners, consumers } = stacksOf(dir, outputs);
    const docs = expectedDocuments(owners, consumers);
    for (const owner of owners) {
        s3.on(GetBucketPolicyCommand, { Bucket: String(owner.outputs.bucketName) }).resolves({ Policy: JSON.stringify(bucketPolicyOf(docs, owner.stack)) });
    }
    const key = docs.find((d) => d.what === "key policy");
    if (key) {
        kms.on(GetKeyPolicyCommand).resolves({ Policy: JSON.stringify(key.document), PolicyName: "default" });
    }
    const endpoint = docs.find((d) => d.what.startsWith("endpoint policy"));
    ec2.on(DescribeVpcEndpointsCommand, { VpcEndpointIds: [VPCE] }).resolves({
        VpcEndpoints: [
            {
                VpcEndpointId: VPCE,
                VpcEndpointType: "Gateway",
                VpcId: VPC,
                ServiceName: `com.amazonaws.${REGION}.s3`,
                State: "Available",
                ...(endpoint ? { PolicyDocument: JSON.stringify(endpoint.document) } : {}),
                RouteTableIds: ["rtb-0a1b2c3d4e5f60718"],
            },
        ],
    });
    ec2.on(DescribeVpcEndpointsCommand, { Filters: [{ Name: "vpc-id", Values: [VPC] }] }).resolves({ VpcEndpoints: [] });
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
        ],
    });
    // Each role's inline policy and trust policy, as IAM returns them (URL-encoded).
    for (const role of docs.filter((d) => d.live.kind === "role-policy")) {
        const name = role.what.replace("role policy of ", "");
        const trust = docs.find((d) => d.what === `trust policy of ${name}`);
        iam.on(ListRolePoliciesCommand, { RoleName: name }).resolves({ PolicyNames: ["workload-shared-bucket-5e6f7a8"], IsTruncated: false });
        iam.on(GetRolePolicyCommand, { RoleName: name }).resolves({
            RoleName: name,
            PolicyName: "workload-shared-bucket-5e6f7a8",
            PolicyDocument: encodeURIComponent(JSON.stringify(role.document)),
        });
        iam.on(GetRoleCommand, { RoleName: name }).resolves({
            Role: {
                RoleName: name,
                Arn: `arn:aws:iam::222222222222:role/${name}`,
                Path: "/",
                RoleId: "AROAEXAMPLE",
                CreateDate: new Date(),
                AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(trust?.document)),
            },
        });
    }
    analyzer.on(ValidatePolicyCommand).resolves({ findings: [] });
    analyzer.on(CheckNoPublicAccessCommand).resolves({ result: "PASS", message: "The resource policy does not grant public access." });
    analyzer.on(CheckAccessNotGrantedCommand).resolves({ result: "PASS", message: "The policy document does not grant access to perform the listed actions." });
    analyzer.on(ListAnalyzersCommand).resolves({ analyzers: [] });
}

/** Runs `npm run verify` on a folder; `clients` records each stack's clients, to tell whose credentials made a call. */
async function verify(
    argv: string[],
    dir: string,
    outputs: Record<string, Record<string, unknown>>,
    accountApi?: VerifyDeps["accountApi"],
): Promise<{ code: number; out: string; err: string; clients: Map<string, Clients> }> {
    let out = "";
    let err = "";
    const clients = new Map<string, Clients>();
    const deps: VerifyDeps = {
        outputs: async (stack) => outputs[stack] ?? {},
        api: (stack, settings) => new AccountApi(clients.set(stack, clientsFor(settings.region)).get(stack)!, { pollMs: 0, attempts: 5 }),
        ...(accountApi ? { accountApi } : {}),
        plan: planOnce,
    };
    const code = await main([...argv, "--config-dir", dir], { stdout: (t) => (out += t), stderr: (t) => (err += t) }, deps);
    return { code, out, err, clients };
}

describe("npm run verify with several owners per consumer (multi-owner folder)", function () {
    this.timeout(30_000);
    beforeEach(() => healthy(MULTI, MULTI_OUTPUTS));

    it("reads every owner stack file of the folder, and refuses a folder without one", () => {
        expect(readProjectFiles(MULTI).owners.map((o) => o.stack)).to.deep.equal(["owner-sales", "owner-web"]);
        const consumerOnly = mkdtempSync(join(tmpdir(), "stacks-"));
        writeFileSync(join(consumerOnly, "Pulumi.consumer.yaml"), "config: {}\n");
        expect(() => readProjectFiles(consumerOnly)).to.throw(/needs at least one owner stack file .*found none in/);
        expect(() => readProjectFiles(join(__dirname, "stacks"))).to.throw(/holds no stack files \(Pulumi.<stack>.yaml\): name the folder that holds them/);
        expect(() => readProjectFiles(join(consumerOnly, "missing"))).to.throw(/is not a folder: name the folder that holds your Pulumi.<stack>.yaml files/);
    });

    it("builds each owner's bucket and key policies from its own consumers' outputs, each with that owner's grant", () => {
        const { owners, consumers } = stacksOf(MULTI, MULTI_OUTPUTS);
        const docs = expectedDocuments(owners, consumers);
        expect(docs.filter((d) => d.what === "bucket policy").map((d) => d.stack)).to.deep.equal(["owner-sales", "owner-web"]);
        expect(docs.filter((d) => d.what === "key policy").map((d) => d.stack)).to.deep.equal(["owner-sales"]);
        const sales = JSON.stringify(bucketPolicyOf(docs, "owner-sales"));
        const web = JSON.stringify(bucketPolicyOf(docs, "owner-web"));
        expect(sales).to.contain(ANALYTICS_ROLE).and.contain(`arn:aws:s3:::${SALES}/exports/*`).and.not.contain(WEB);
        expect(web).to.contain(ANALYTICS_ROLE).and.contain(`arn:aws:s3:::${WEB}/reports/*`).and.not.contain(SALES);
    });

    it("builds the consumer's role and endpoint policies from every owner it reads, with each owner's exported grant", () => {
        const { owners, consumers } = stacksOf(MULTI, MULTI_OUTPUTS);
        const docs = expectedDocuments(owners, consumers);
        const role = docs.find((d) => d.what === "role policy of workload-1a2b3c4")!.document;
        // The consumer asks for read; owner-sales exports read-write under exports/: the owner's grant applies.
        expect(statement(role, "SharedBucketObjects")?.Resource).to.equal(`arn:aws:s3:::${SALES}/exports/*`);
        expect(actions(statement(role, "SharedBucketObjects"))).to.include("s3:PutObject");
        expect(statement(role, "SharedBucketKey")?.Resource).to.equal(SALES_KEY);
        expect(statement(role, "SharedBucket2Objects")?.Resource).to.equal(`arn:aws:s3:::${WEB}/reports/*`);
        expect(actions(statement(role, "SharedBucket2Objects"))).to.not.include("s3:PutObject");
        expect(statement(role, "SharedBucket2Key")).to.equal(undefined);
        const endpoint = docs.find((d) => d.what === `endpoint policy ${VPCE}`)!.document;
        expect(statement(endpoint, "OwnerBucket")?.Resource).to.deep.equal([`arn:aws:s3:::${SALES}`, `arn:aws:s3:::${SALES}/exports/*`]);
        expect(statement(endpoint, "OwnerBucket2")?.Resource).to.deep.equal([`arn:aws:s3:::${WEB}`, `arn:aws:s3:::${WEB}/reports/*`]);

        // An owner whose export narrows the grant narrows the role with it.
        const narrowed = { ...MULTI_OUTPUTS["owner-sales"], consumerGrants: { [ANALYTICS]: { access: "read", prefix: "exports/daily/" } } };
        const again = stacksOf(MULTI, { ...MULTI_OUTPUTS, "owner-sales": narrowed });
        const narrowRole = expectedDocuments(again.owners, again.consumers).find((d) => d.what.startsWith("role policy"))!.document;
        expect(statement(narrowRole, "SharedBucketObjects")?.Resource).to.equal(`arn:aws:s3:::${SALES}/exports/daily/*`);
        expect(actions(statement(narrowRole, "SharedBucketObjects"))).to.not.include("s3:PutObject");
    });

    it("expects exactly the role and endpoint policies the consumer program registers from the same owner outputs", async () => {
        const file = readProjectFiles(MULTI).consumers[0];
        const stackOutputs = { [qualified("owner-sales")]: MULTI_OUTPUTS["owner-sales"], [qualified("owner-web")]: MULTI_OUTPUTS["owner-web"] };
        const run = await runOnce({ stack: file.stack, config: file.config, stackOutputs });
        const { owners, consumers } = stacksOf(MULTI, MULTI_OUTPUTS);
        const docs = expectedDocuments(owners, consumers);
        expect(docs.find((d) => d.what.startsWith("role policy"))!.document).to.deep.equal(policyOf(the(run.resources, TYPES.rolePolicy)));
        expect(docs.find((d) => d.what.startsWith("endpoint policy"))!.document).to.deep.equal(policyOf(the(run.resources, TYPES.endpoint)));
    });

    it("leaves out the bucket of an owner that does not list the consumer, as the consumer program does", () => {
        const unlisted = { ...MULTI_OUTPUTS["owner-web"], consumerStacks: [], consumerGrants: {} };
        const { owners, consumers } = stacksOf(MULTI, { ...MULTI_OUTPUTS, "owner-web": unlisted });
        const role = JSON.stringify(expectedDocuments(owners, consumers).find((d) => d.what.startsWith("role policy"))!.document);
        expect(role).to.contain(SALES).and.not.contain(WEB);
    });

    it("passes when every owner's and the consumer's live documents equal the generated ones, and fails a role policy that misses an owner", async () => {
        const run = await verify([], MULTI, MULTI_OUTPUTS);
        expect(run.code, run.out + run.err).to.equal(0);
        expect(row(run.out, "owner-sales", "live bucket policy")).to.contain("PASS");
        expect(row(run.out, "owner-web", "live bucket policy")).to.contain("PASS");
        expect(row(run.out, "owner-sales", "live key policy")).to.contain("PASS");
        expect(row(run.out, "consumer-analytics", "live role policy")).to.contain("PASS");
        expect(row(run.out, "consumer-analytics", "live endpoint policy")).to.contain("PASS");
        expect(s3.commandCalls(GetBucketPolicyCommand).map((c) => c.args[0].input.Bucket)).to.have.members([SALES, WEB]);

        const { owners, consumers } = stacksOf(MULTI, MULTI_OUTPUTS);
        const onlySales = expectedDocuments(owners.slice(0, 1), [
            { ...consumers[0], settings: { ...consumers[0].settings, ownerStacks: ["owner-sales"] } },
        ]).find((d) => d.what.startsWith("role policy"))!.document;
        iam.on(GetRolePolicyCommand, { RoleName: "workload-1a2b3c4" }).resolves({
            RoleName: "workload-1a2b3c4",
            PolicyName: "workload-shared-bucket-5e6f7a8",
            PolicyDocument: encodeURIComponent(JSON.stringify(onlySales)),
        });
        const stale = await verify([], MULTI, MULTI_OUTPUTS);
        expect(stale.code).to.equal(1);
        expect(row(stale.out, "consumer-analytics", "live role policy")).to.match(/FAIL\s+missing SharedBucket2Objects, SharedBucket2List/);
    });

    it("fails the consumer, with its program's own message, when no owner it reads lists it", async () => {
        const unlisted = (stack: string) => ({ ...MULTI_OUTPUTS[stack], consumerStacks: [], consumerGrants: {} });
        const run = await verify([], MULTI, { ...MULTI_OUTPUTS, "owner-sales": unlisted("owner-sales"), "owner-web": unlisted("owner-web") });
        expect(run.code).to.equal(1);
        expect(row(run.out, "consumer-analytics", "owners' outputs")).to.match(
            /FAIL\s+cannot build this stack's role and endpoint policies: Cannot read the owner stacks .*does not list this stack "organization\/cross-account-s3\/consumer-analytics"/,
        );
        expect(run.out).to.not.contain("live role policy");
    });

    it("says which owner is not deployed, instead of checking against a bucket that is not there", async () => {
        const run = await verify([], MULTI, { ...MULTI_OUTPUTS, "owner-web": {} });
        expect(run.code).to.equal(1);
        expect(run.err).to.contain("The owner stack owner-web has no outputs: deploy first");
        expect(s3.commandCalls(GetBucketPolicyCommand)).to.have.length(0);
    });

    it("runs the 403 test and the probe on each owner's bucket, with that owner's grant", async () => {
        const { owners, consumers } = stacksOf(MULTI, MULTI_OUTPUTS);
        const tester = [{ ...consumers[0], settings: { ...consumers[0].settings, verifyTester: "arn:aws:iam::222222222222:role/verify" } }];
        sts.on(AssumeRoleCommand).resolves({
            Credentials: { AccessKeyId: "ASIAEXAMPLE", SecretAccessKey: "secret", SessionToken: "token", Expiration: new Date() },
            AssumedRoleUser: { AssumedRoleId: "AROAEXAMPLE:cross-account-s3-verify", Arn: "arn:aws:sts::222222222222:assumed-role/workload-1a2b3c4/x" },
        });
        const denied = (action: string) =>
            Object.assign(new Error(`User: … is not authorized to perform: ${action} on resource: "…" with an explicit deny in a resource-based policy`), {
                name: "AccessDenied",
                $metadata: { httpStatusCode: 403 },
            });
        s3.on(ListObjectsV2Command).rejects(denied("s3:ListBucket"));
        s3.on(GetObjectCommand).rejects(denied("s3:GetObject"));
        ssm.on(SendCommandCommand).resolves({ Command: { CommandId: "c0ffee00-0000-4000-8000-000000000001", Status: "Pending" } });
        const ran = (stdout: string) => ({ Status: "Success" as const, StandardOutputContent: stdout, StandardErrorContent: "", ResponseCode: 0 });
        ssm.on(GetCommandInvocationCommand)
            .resolvesOnce(ran("PROBE put-object 0\nPROBE list-objects 0\nPROBE get-object 0\n"))
            .resolves(ran("PROBE list-objects 0\n"));
        const apis = new Map<string, AccountApi>();
        const apiFor = (stack: string) => apis.get(stack) ?? apis.set(stack, new AccountApi(clientsFor(REGION), { pollMs: 0, attempts: 5 })).get(stack)!;
        const rows: CheckRow[] = await verifyDeployed(owners, tester, apiFor, (s) => new MissingCredentials(s, "0", "X"), {
            probes: { "consumer-analytics": "i-0123456789abcdef0" },
        });

        const listed = s3.commandCalls(ListObjectsV2Command).map((c) => `${c.args[0].input.Bucket} ${c.args[0].input.Prefix}`);
        expect(listed).to.deep.equal([`${SALES} exports/`, `${WEB} reports/`]);
        const outside = rows.filter((r) => r.check.startsWith("403 from outside s3:ListBucket"));
        expect(outside.map((r) => `${r.check} ${r.result}`)).to.deep.equal([
            "403 from outside s3:ListBucket owner-sales pass",
            "403 from outside s3:ListBucket owner-web pass",
        ]);
        const scripts = ssm.commandCalls(SendCommandCommand).map((c) => c.args[0].input.Parameters?.commands?.join("\n") ?? "");
        expect(scripts).to.have.length(2);
        expect(scripts[0]).to.contain(`put-object --bucket ${SALES} --key exports/`);
        expect(scripts[1]).to.contain(`list-objects-v2 --bucket ${WEB} --max-items 1 --prefix reports/`).and.not.contain("put-object");
        expect(rows.map((r) => r.check)).to.include.members(["probe put-object owner-sales", "probe list-objects owner-web"]);
    });

    it("--planned compares each owner's bucket policy with its own live one", async () => {
        analyzer
            .on(CheckNoNewAccessCommand)
            .resolves({ result: "PASS", message: "The modified permissions do not grant new access compared to your existing policy." });
        const run = await verify(["--planned"], MULTI, MULTI_OUTPUTS);
        expect(run.code, run.out + run.err).to.equal(0);
        expect(row(run.out, "owner-sales", "CheckNoNewAccess bucket policy")).to.match(/PASS\s+grants no new access/);
        expect(row(run.out, "owner-web", "CheckNoNewAccess bucket policy")).to.match(/PASS\s+grants no new access/);
        const { owners, consumers } = stacksOf(MULTI, MULTI_OUTPUTS);
        const docs = expectedDocuments(owners, consumers);
        const compared = analyzer.commandCalls(CheckNoNewAccessCommand).map((c) => JSON.parse(String(c.args[0].input.newPolicyDocument)) as PolicyDocument);
        expect(compared).to.deep.equal([bucketPolicyOf(docs, "owner-sales"), bucketPolicyOf(docs, "owner-web")]);
    });

    it("npm run ci-policies writes roles for every owner stack of the folder", async () => {
        const out: string[] = [];
        expect(
            await ciPolicies(["--json", "--config-dir", MULTI], { stdout: (t) => out.push(t), stderr: (t) => out.push(t) }, planOnce),
            out.join(""),
        ).to.equal(0);
        expect(Object.keys(JSON.parse(out.join("")) as object)).to.have.members(["owner-sales", "owner-web", "consumer-analytics"]);
    });
});

describe("npm run verify on a shared VPC's declared endpoint (shared-vpc folder)", function () {
    this.timeout(30_000);
    beforeEach(() => healthy(SHARED, SHARED_OUTPUTS));

    /** What EC2 calls asked about: endpoint ids and VPC filters. */
    const asked = () => ec2.calls().map((c) => JSON.stringify((c.args[0] as { input: unknown }).input));

    it("never describes another account's endpoint with the consumer's credentials, and says what it could not check", async () => {
        const run = await verify([], SHARED, SHARED_OUTPUTS);
        expect(run.code, run.out + run.err).to.equal(0);
        expect(asked().filter((input) => input.includes(SHARED_VPCE))).to.deep.equal([]);
        const participant = run.clients.get("consumer-shared")!.ec2;
        expect(ec2.calls().filter((c) => c.thisValue === participant)).to.have.length(0);
        const info = row(run.out, "consumer-shared", "shared VPC endpoint");
        expect(info).to.match(/INFO\s+not checked: vpce-0123456789abcdef0 belongs to account 555555555555 \(endpointOwnerAccountId\)/);
        expect(run.out).to.contain("Set AWS_PROFILE_ACCOUNT_555555555555=<a profile of account 555555555555>");
        expect(run.out).to.not.match(/consumer-shared\s+shared VPC endpoint\s+PASS/);
        // The consumer with an endpoint of its own is checked as before.
        expect(row(run.out, "consumer ", "live endpoint route tables")).to.contain("PASS");
    });

    it("checks the endpoint from the VPC owner's side with that account's credentials", async () => {
        const owner = clientsFor(REGION);
        ec2.on(DescribeVpcEndpointsCommand, { VpcEndpointIds: [SHARED_VPCE] }).resolves({
            VpcEndpoints: [
                {
                    VpcEndpointId: SHARED_VPCE,
                    VpcEndpointType: "Gateway",
                    VpcId: SHARED_VPC,
                    OwnerId: VPC_OWNER,
                    ServiceName: `com.amazonaws.${REGION}.s3`,
                    State: "Available",
                    RouteTableIds: ["rtb-05e5e5e5e5e5e5e5e"],
                },
            ],
        });
        ec2.on(DescribeVpcEndpointsCommand, { Filters: [{ Name: "vpc-id", Values: [SHARED_VPC] }] }).resolves({ VpcEndpoints: [] });
        ec2.on(DescribeRouteTablesCommand, { Filters: [{ Name: "vpc-id", Values: [SHARED_VPC] }] }).resolves({
            RouteTables: [
                {
                    RouteTableId: "rtb-05e5e5e5e5e5e5e5e",
                    VpcId: SHARED_VPC,
                    OwnerId: VPC_OWNER,
                    Associations: [{ Main: false, RouteTableId: "rtb-05e5e5e5e5e5e5e5e", SubnetId: "subnet-05e5e5e5e5e5e5e5e" }],
                    Routes: [
                        { DestinationCidrBlock: "10.1.0.0/16", GatewayId: "local", State: "active" },
                        { DestinationCidrBlock: "0.0.0.0/0", TransitGatewayId: "tgw-05e5e5e5e5e5e5e5e", State: "active" },
                    ],
                },
            ],
        });
        const wanted: string[] = [];
        const run = await verify([], SHARED, SHARED_OUTPUTS, (accountId, region) => {
            wanted.push(`${accountId} ${region}`);
            return accountId === VPC_OWNER ? new AccountApi(owner) : undefined;
        });
        expect(run.code, run.out + run.err).to.equal(0);
        expect(wanted).to.deep.equal([`${VPC_OWNER} ${REGION}`]);
        const describedShared = ec2.calls().filter((c) => JSON.stringify((c.args[0] as { input: unknown }).input).includes(SHARED_VPCE));
        expect(describedShared).to.have.length(1);
        expect(describedShared[0].thisValue).to.equal(owner.ec2);
        expect(ec2.calls().filter((c) => c.thisValue === run.clients.get("consumer-shared")!.ec2)).to.have.length(0);
        expect(row(run.out, "consumer-shared", "shared VPC endpoint")).to.match(
            /PASS\s+vpce-0123456789abcdef0 in vpc-05e5e5e5e5e5e5e5e, on rtb-05e5e5e5e5e5e5e5e, as account 555555555555 describes it/,
        );
        expect(row(run.out, "consumer-shared", "path: private route tables")).to.contain("PASS");
    });

    it("fails when the VPC owner's account has no such endpoint, with what to correct", async () => {
        ec2.on(DescribeVpcEndpointsCommand, { VpcEndpointIds: [SHARED_VPCE] }).rejects(
            Object.assign(new Error(`The Vpc Endpoint Id '${SHARED_VPCE}' does not exist`), {
                name: "InvalidVpcEndpointId.NotFound",
                $metadata: { httpStatusCode: 400 },
            }),
        );
        const run = await verify([], SHARED, SHARED_OUTPUTS, () => new AccountApi(clientsFor(REGION)));
        expect(run.code).to.equal(1);
        expect(row(run.out, "consumer-shared", "path")).to.match(/FAIL\s+InvalidVpcEndpointId\.NotFound/);
    });

    it("fails a declared endpoint that the VPC owner describes as something else than an S3 gateway endpoint in the region", async () => {
        ec2.on(DescribeVpcEndpointsCommand, { VpcEndpointIds: [SHARED_VPCE] }).resolves({
            VpcEndpoints: [
                {
                    VpcEndpointId: SHARED_VPCE,
                    VpcEndpointType: "Interface",
                    VpcId: SHARED_VPC,
                    OwnerId: VPC_OWNER,
                    ServiceName: `com.amazonaws.${REGION}.dynamodb`,
                    State: "Available",
                    SubnetIds: ["subnet-05e5e5e5e5e5e5e5e"],
                },
            ],
        });
        const run = await verify([], SHARED, SHARED_OUTPUTS, () => new AccountApi(clientsFor(REGION)));
        expect(run.code).to.equal(1);
        expect(row(run.out, "consumer-shared", "shared VPC endpoint")).to.match(
            /FAIL\s+vpce-0123456789abcdef0 is an endpoint of type Interface for com\.amazonaws\.eu-west-1\.dynamodb, not an S3 gateway endpoint in eu-west-1/,
        );
    });

    it("takes the VPC owner's credentials from AWS_PROFILE_ACCOUNT_<id>, and documents it in --help", () => {
        expect(defaultDeps(SHARED, {}).accountApi!(VPC_OWNER, REGION)).to.equal(undefined);
        expect(defaultDeps(SHARED, { [`AWS_PROFILE_ACCOUNT_${VPC_OWNER}`]: "network-ro" }).accountApi!(VPC_OWNER, REGION)).to.be.instanceOf(AccountApi);
        expect(defaultDeps(SHARED, { [`AWS_PROFILE_ACCOUNT_${VPC_OWNER}`]: "network-ro" }).accountApi!("666666666666", REGION)).to.equal(undefined);
        expect(usage(VERIFY_COMMAND)).to.contain("AWS_PROFILE_ACCOUNT_<id>");
    });
});

describe("npm run verify: organization grants and an adopted bucket, owner by owner", () => {
    const GRANT = { orgPath: "o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/", roleName: "shared-data-exchange", access: "read" };
    const withGrant = (owner: OwnerStack): OwnerStack => {
        const file = readProjectFiles(MULTI).owners.find((f) => f.stack === owner.stack)!;
        return {
            ...owner,
            settings: ownerSettingsOf({
                ...file,
                config: { ...file.config, "cross-account-s3:lockMode": "account-match", "cross-account-s3:organizationGrants": [GRANT] },
            }),
        };
    };

    it("checks each owner's organization grants with AWS Organizations as that owner reads it", async () => {
        healthy(MULTI, MULTI_OUTPUTS);
        const { owners, consumers } = stacksOf(MULTI, MULTI_OUTPUTS);
        const asked: string[] = [];
        const denied = Object.assign(new Error("You don't have permissions to access this resource."), { name: "AccessDeniedException" });
        const organizations = (owner: OwnerStack): OrganizationsAccess => {
            asked.push(owner.stack);
            const client = { send: () => Promise.reject(denied) } as unknown as OrganizationsClient;
            return { api: new OrganizationsApi(client), credentials: `the credentials of ${owner.stack}` };
        };
        const apiFor = () => new AccountApi(clientsFor(REGION), { pollMs: 0, attempts: 1 });
        const rows = await verifyDeployed(
            owners.map(withGrant),
            consumers,
            apiFor,
            (s) => new MissingCredentials(s, "0", "X"),
            {},
            () => undefined,
            organizations,
        );

        expect(asked).to.deep.equal(["owner-sales", "owner-web"]);
        const granted = rows.filter((r) => r.check.startsWith("organization grant shared-data-exchange"));
        expect(granted.map((r) => `${r.stack} ${r.check.split(": ").pop()} ${r.result}`)).to.deep.equal([
            "owner-sales accounts info",
            "owner-sales role name reserved info",
            "owner-web accounts info",
            "owner-web role name reserved info",
        ]);
        expect(granted.find((r) => r.stack === "owner-web")?.detail).to.contain("the credentials of owner-web may not read AWS Organizations");
    });

    it("--planned compares the adopted policy file with the live policy of the owner that adopts a bucket, and of no other", async () => {
        const { owners, consumers } = stacksOf(MULTI, MULTI_OUTPUTS);
        const adopted = readStackFile(join(__dirname, "stacks", "adopted-bucket"), "owner");
        const legacy: OwnerStack = { stack: adopted.stack, settings: ownerSettingsOf(adopted), outputs: {} };
        // The live policy is still the saved file, as the stack reads it.
        const saved: PolicyDocument = { Version: "2012-10-17", Statement: [...legacy.settings.existingBucket!.policy!.statements] };
        const read: string[] = [];
        const api = { bucketPolicy: async (bucket: string) => (read.push(bucket), saved) } as unknown as AccountApi;
        const rows = await verifyPlanned(
            [],
            () => api,
            (s) => new MissingCredentials(s, "0", "X"),
            { owners: [...owners, legacy], consumers },
        );

        const adoptedRows = rows.filter((r) => r.check === "adopted bucket policy");
        expect(adoptedRows.map((r) => `${r.stack} ${r.result}`)).to.deep.equal(["owner pass"]);
        expect(read).to.include("legacy-analytics-data");
        expect(read.filter((b) => b === "legacy-analytics-data")).to.have.length(1);
        expect(rows.filter((r) => r.check === "CheckNoNewAccess bucket policy").map((r) => r.stack)).to.include.members(["owner-sales", "owner-web", "owner"]);
    });
});
