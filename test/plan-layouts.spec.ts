import { expect } from "chai";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { parse, stringify } from "yaml";
import { Plan, PlanError, PlannedPhase } from "../offline/plan";
import { renderHuman } from "../offline/planReport";
import { PolicyDocument, Statement } from "../policies/document";
import { readStackFile } from "../config/stack-files";
import { expectNothingCreated, failure, planOnce, runOnce } from "./helpers";
import { evaluate, Path } from "./policy-world";

/** The layouts of test/stacks/, planned as `npm run plan -- --config-dir test/stacks/<layout>` plans them. */
const LAYOUT = (name: string) => join(__dirname, "stacks", name);

/** A copy of a layout folder with some settings changed (and stacks added), for the refusals. */
function changed(layout: string, edits: Record<string, Record<string, unknown>>): string {
    const dir = mkdtempSync(join(tmpdir(), `${layout}-`));
    const files = readdirSync(LAYOUT(layout));
    for (const stack of Object.keys(edits).filter((s) => !files.includes(`Pulumi.${s}.yaml`))) {
        writeFileSync(join(dir, `Pulumi.${stack}.yaml`), stringify({ config: edits[stack] }));
    }
    for (const file of files) {
        const stack = /^Pulumi\.(.+)\.yaml$/.exec(file)![1];
        const document = parse(readFileSync(join(LAYOUT(layout), file), "utf8")) as { config: Record<string, unknown> };
        const config = { ...document.config, ...edits[stack] };
        Object.keys(config).forEach((k) => config[k] === undefined && delete config[k]);
        writeFileSync(join(dir, file), stringify({ config }));
    }
    return dir;
}

const ns = (key: string) => `cross-account-s3:${key}`;
/** Another consumer stack, of account 333333333333, that reads owner-web. */
const OTHER_CONSUMER = {
    [ns("accountId")]: "333333333333",
    [ns("region")]: "eu-west-1",
    [ns("ownerStack")]: "owner-web",
    [ns("vpcId")]: "vpc-0b1c2d3e4f5a60718",
    [ns("routeTableIds")]: ["rtb-0b1c2d3e4f5a60718"],
};
const OTHER_ENTRY = [{ stack: "consumer-other", accountId: "333333333333", access: "read" }];
const phase = (plan: Plan, stack: string, n: number): PlannedPhase => plan.phases.find((p) => p.stack === stack && p.phase === n)!;
const policyOf = (p: PlannedPhase, name: string, type?: string) =>
    p.resources.find((r) => r.name === name && (type === undefined || r.type === type))!.inputs.policy as PolicyDocument;
const sid = (doc: PolicyDocument, id: string): Statement | undefined => doc.Statement.find((s) => s.Sid === id);
const asList = (v: unknown) => (Array.isArray(v) ? v.map(String) : [String(v)]);

async function planError(configDir: string): Promise<PlanError> {
    try {
        await planOnce({ configDir });
    } catch (error) {
        expect(error).to.be.instanceOf(PlanError);
        return error as PlanError;
    }
    throw new Error("the plan did not stop");
}

describe("offline plan of a consumer that reads two owners (test/stacks/multi-owner)", () => {
    let plan: Plan;
    before(async () => {
        plan = await planOnce({ configDir: LAYOUT("multi-owner") });
    });

    it("runs every owner, then the consumer, then every owner again", () => {
        expect(plan.phases.map((p) => `${p.phase} ${p.stack}`)).to.deep.equal([
            "1 owner-sales",
            "1 owner-web",
            "2 consumer-analytics",
            "3 owner-sales",
            "3 owner-web",
        ]);
    });

    it("puts the two owners in their own accounts", () => {
        expect(phase(plan, "owner-sales", 3).outputs.accountId).to.equal("111111111111");
        expect(phase(plan, "owner-web", 3).outputs.accountId).to.equal("444444444444");
    });

    it("gives the one role each bucket with that owner's grant, prefix and key", () => {
        const consumer = phase(plan, "consumer-analytics", 2);
        const [sales, web] = ["owner-sales", "owner-web"].map((s) => phase(plan, s, 1).outputs);
        expect(consumer.resources.filter((r) => r.type === "aws:iam/role:Role")).to.have.length(1);
        const role = policyOf(consumer, "workload-shared-bucket");
        expect(sid(role, "SharedBucketObjects")).to.deep.include({
            Action: ["s3:GetObject", "s3:PutObject"],
            Resource: `${String(sales.bucketArn)}/exports/*`,
        });
        expect(sid(role, "SharedBucketKey")?.Resource).to.equal(sales.kmsKeyArn);
        expect(sid(role, "SharedBucket2Objects")).to.deep.include({ Action: "s3:GetObject", Resource: `${String(web.bucketArn)}/reports/*` });
        expect(sid(role, "SharedBucket2List")?.Condition).to.deep.equal({ StringLike: { "s3:prefix": "reports/*" } });
        expect(sid(role, "SharedBucket2Key")).to.equal(undefined);
    });

    it("gives the one endpoint's owner-only policy both buckets, each with its grant", () => {
        const consumer = phase(plan, "consumer-analytics", 2);
        expect(consumer.resources.filter((r) => r.type === "aws:ec2/vpcEndpoint:VpcEndpoint")).to.have.length(1);
        const [sales, web] = ["owner-sales", "owner-web"].map((s) => phase(plan, s, 1).outputs);
        const endpoint = policyOf(consumer, "s3", "aws:ec2/vpcEndpoint:VpcEndpoint");
        expect(endpoint.Statement.map((s) => s.Sid)).to.deep.equal(["OwnerBucket", "OwnerBucket2"]);
        expect(sid(endpoint, "OwnerBucket")?.Resource).to.deep.equal([sales.bucketArn, `${String(sales.bucketArn)}/exports/*`]);
        expect(sid(endpoint, "OwnerBucket2")).to.deep.include({ Action: ["s3:GetObject", "s3:ListBucket"] });
        expect(sid(endpoint, "OwnerBucket2")?.Resource).to.deep.equal([web.bucketArn, `${String(web.bucketArn)}/reports/*`]);
    });

    it("has both final owner phases grant the role and lock it to the consumer's endpoint", () => {
        const consumer = phase(plan, "consumer-analytics", 2).outputs;
        for (const owner of ["owner-sales", "owner-web"]) {
            const final = phase(plan, owner, 3);
            expect(final.outputs.grantedRoleArns, owner).to.deep.equal([consumer.roleArn]);
            expect(final.outputs.lockedVpceIds, owner).to.deep.equal([consumer.vpceId]);
            const doc = policyOf(final, "shared-data-policy");
            expect(asList(sid(doc, "DenyConsumersOutsideTheirEndpoints")?.Condition?.StringNotEquals?.["aws:SourceVpce"])).to.deep.equal([consumer.vpceId]);
        }
        // Each owner's own lock mode.
        expect(sid(policyOf(phase(plan, "owner-sales", 3), "shared-data-policy"), "DenyEndpointsOfOtherAccounts")).to.not.equal(undefined);
        expect(sid(policyOf(phase(plan, "owner-web", 3), "shared-data-policy"), "LockAccount1ToItsEndpoints")).to.not.equal(undefined);
    });

    it("lets the role, through its endpoint, do what each owner grants on each bucket and nothing more (independent IAM evaluator)", async () => {
        const consumerPhase = phase(plan, "consumer-analytics", 2);
        const consumer = consumerPhase.outputs;
        const principal = { label: "analytics role", arn: String(consumer.roleArn), identityPolicy: policyOf(consumerPhase, "workload-shared-bucket") };
        const path: Path = {
            label: "the consumer's endpoint",
            context: { "aws:SourceVpce": String(consumer.vpceId), "aws:VpceAccount": String(consumer.vpceAccountId), "aws:SecureTransport": "true" },
            endpointPolicy: policyOf(consumerPhase, "s3", "aws:ec2/vpcEndpoint:VpcEndpoint"),
        };
        const decide = async (owner: string, action: string, key: string) => {
            const final = phase(plan, owner, 3);
            const e = await evaluate(
                { principal, path, action, resource: `${String(final.outputs.bucketArn)}/${key}`, resourceAccount: String(final.outputs.accountId) },
                policyOf(final, "shared-data-policy"),
            );
            expect(e.error).to.equal(undefined);
            return e.decision;
        };
        expect(await decide("owner-sales", "s3:GetObject", "exports/day.csv")).to.equal("Allowed");
        expect(await decide("owner-web", "s3:GetObject", "reports/q1.csv")).to.equal("Allowed");
        expect(await decide("owner-web", "s3:PutObject", "reports/q1.csv")).to.not.equal("Allowed");
        expect(await decide("owner-web", "s3:GetObject", "exports/day.csv")).to.not.equal("Allowed");
        expect(await decide("owner-sales", "s3:GetObject", "reports/q1.csv")).to.not.equal("Allowed");
    });

    it("shows each owner's second run in the text plan", () => {
        const text = renderHuman(plan);
        expect(text).to.contain("owner-sales → owner-web → consumer-analytics → owner-sales → owner-web");
        const runOf = (owner: string) => text.split(`Owner ${owner}'s second run, compared with its first:\n`)[1]?.split("\n  Owner")[0] ?? "";
        expect(runOf("owner-sales")).to.contain(
            "shared-data-policy: statements added: GrantReadWrite1, GrantReadWrite1List, DenyConsumersOutsideTheirEndpoints",
        );
        expect(runOf("owner-web")).to.contain(
            "shared-data-policy: statements added: GrantRead1, GrantRead1List, DenyConsumersOutsideTheirEndpoints, LockAccount1",
        );
    });

    describe("refuses", () => {
        it("an owner in another region than the consumer, naming it and the fix", async () => {
            const error = await planError(changed("multi-owner", { "owner-web": { [ns("region")]: "us-east-1" } }));
            expect([error.stack, error.phase]).to.deep.equal(["consumer-analytics", 2]);
            expect(error.message).to.contain(
                'organization/cross-account-s3/owner-web output region = "us-east-1": differs from this stack\'s region "eu-west-1": gateway endpoints only carry requests to S3 in their own region',
            );
            expect(error.message).to.contain("Fix: read only owners in eu-west-1 from this stack: remove owner-web from cross-account-s3:ownerStacks");
        });

        it("a consumer stack that no owner lists: the plan shows its removal, and its own run is refused with both next steps", async () => {
            const dir = changed("multi-owner", {
                "owner-sales": { [ns("consumers")]: OTHER_ENTRY },
                "owner-web": { [ns("consumers")]: OTHER_ENTRY },
                "consumer-other": OTHER_CONSUMER,
            });
            const plan = await planOnce({ configDir: dir });
            expect(plan.phases.map((p) => p.stack)).not.to.include("consumer-analytics");
            expect(plan.unlisted.map((u) => u.stack)).to.deep.equal(["consumer-analytics"]);
            expect(plan.unlisted[0].steps[0]).to.match(/^pulumi up -s owner-sales, pulumi up -s owner-web /);
            const file = readStackFile(dir, "consumer-analytics");
            const owners = Object.fromEntries(plan.phases.filter((p) => p.phase === 1).map((p) => [`organization/cross-account-s3/${p.stack}`, p.outputs]));
            const error = await failure(runOnce({ stack: "consumer-analytics", config: file.config, stackOutputs: owners }));
            expect(error.message).to.contain("(2 problems)");
            expect(error.message).to.contain(
                'owner-web output consumerStacks = ["organization/cross-account-s3/consumer-other"]: does not list this stack "organization/cross-account-s3/consumer-analytics", and no organization grant gives',
            );
            expect(error.message).to.contain(
                "the owner grants it nothing, and neither does any other owner this stack reads, so every request it makes would be refused (403)",
            );
            expect(error.message).to.contain("to remove it, run pulumi destroy -s consumer-analytics");
            expectNothingCreated(error);
        });
    });

    it("gives a consumer listed by one owner only that owner's bucket, and says why the other's is left out", async () => {
        const partial = await planOnce({
            configDir: changed("multi-owner", { "owner-web": { [ns("consumers")]: OTHER_ENTRY }, "consumer-other": OTHER_CONSUMER }),
        });
        const consumer = phase(partial, "consumer-analytics", 2);
        const web = phase(partial, "owner-web", 1).outputs;
        expect(JSON.stringify(policyOf(consumer, "workload-shared-bucket"))).to.not.contain(String(web.bucketArn));
        expect(JSON.stringify(policyOf(consumer, "s3", "aws:ec2/vpcEndpoint:VpcEndpoint"))).to.not.contain(String(web.bucketArn));
        expect(consumer.logs).to.deep.equal([
            `warning: Owner stack organization/cross-account-s3/owner-web does not list this stack "organization/cross-account-s3/consumer-analytics" among its consumers: it grants nothing on ${String(web.bucketName)}, so this stack's role and endpoint policies leave that bucket out. To share it, add { stack: consumer-analytics, accountId: "222222222222", access: read } to that owner's cross-account-s3:consumers, run pulumi up -s owner-web, then this stack.`,
        ]);
        expect(phase(partial, "owner-web", 3).outputs.grantedRoleArns).to.deep.equal([phase(partial, "consumer-other", 2).outputs.roleArn]);
        expect(phase(partial, "owner-sales", 3).outputs.grantedRoleArns).to.deep.equal([consumer.outputs.roleArn]);
    });
});

describe("offline plan of a consumer in a shared VPC (test/stacks/shared-vpc)", () => {
    const SHARED_ENDPOINT = "vpce-0123456789abcdef0";
    const NETWORK_ACCOUNT = "555555555555";
    let plan: Plan;
    before(async () => {
        plan = await planOnce({ configDir: LAYOUT("shared-vpc") });
    });

    it("makes no EC2 call on the VPC owner's endpoint, and exports the declared owner", () => {
        const shared = phase(plan, "consumer-shared", 2);
        expect(shared.resources.filter((r) => r.type.startsWith("aws:ec2"))).to.deep.equal([]);
        expect(shared.outputs).to.deep.include({
            vpceId: SHARED_ENDPOINT,
            vpceAccountId: NETWORK_ACCOUNT,
            accountId: "333333333333",
            endpointPolicyManaged: false,
        });
    });

    it("marks the endpoint and its owner as declared in the stack file, not as placeholders", () => {
        const shared = phase(plan, "consumer-shared", 2);
        expect(shared.declared).to.deep.equal([`existingEndpointId = ${SHARED_ENDPOINT}`, `endpointOwnerAccountId = ${NETWORK_ACCOUNT}`]);
        expect(shared.placeholders.filter((p) => p.includes(NETWORK_ACCOUNT) || p === SHARED_ENDPOINT)).to.deep.equal([]);
        expect(phase(plan, "consumer", 2).declared).to.deep.equal([]);
        expect(renderHuman(plan)).to.contain(
            `Declared in the stack file, taken as given (not read from AWS): existingEndpointId = ${SHARED_ENDPOINT}, endpointOwnerAccountId = ${NETWORK_ACCOUNT}`,
        );
    });

    it("has the final bucket policy give the shared-VPC consumer's role its own Deny (account-match)", () => {
        const role = phase(plan, "consumer-shared", 2).outputs.roleArn;
        const doc = policyOf(phase(plan, "owner", 3), "shared-data-policy");
        expect(sid(doc, "DenyEndpointsOfOtherAccounts")?.Condition?.ArnNotEquals).to.deep.equal({ "aws:PrincipalArn": role });
        expect(sid(doc, "LockRole1ToItsEndpoints")?.Condition).to.deep.equal({
            ArnEquals: { "aws:PrincipalArn": role },
            StringNotEquals: { "aws:SourceVpce": SHARED_ENDPOINT },
        });
    });

    it("has per-consumer give the shared-VPC consumer's account its own Deny", async () => {
        const perConsumer = await planOnce({ configDir: changed("shared-vpc", { owner: { [ns("lockMode")]: "per-consumer" } }) });
        const doc = policyOf(phase(perConsumer, "owner", 3), "shared-data-policy");
        const locks = doc.Statement.filter((s) => s.Sid?.startsWith("LockAccount")).map((s) => s.Condition);
        expect(locks).to.deep.include({ StringEquals: { "aws:PrincipalAccount": "333333333333" }, StringNotEquals: { "aws:SourceVpce": SHARED_ENDPOINT } });
    });

    for (const [layout, vpcOwner] of [
        ["a third account", NETWORK_ACCOUNT],
        ["the other consumer's account", "222222222222"],
    ] as const) {
        for (const lockMode of ["account-match", "per-consumer"]) {
            it(`holds each consumer to its own endpoint with the VPC owned by ${layout}, ${lockMode} (independent IAM evaluator)`, async () => {
                const planned = await planOnce({
                    configDir: changed("shared-vpc", {
                        owner: { [ns("lockMode")]: lockMode },
                        "consumer-shared": { [ns("endpointOwnerAccountId")]: vpcOwner },
                    }),
                });
                const final = phase(planned, "owner", 3);
                const [own, shared] = ["consumer", "consumer-shared"].map((s) => phase(planned, s, 2).outputs);
                const via = (c: Record<string, unknown>): Path => ({
                    label: String(c.vpceId),
                    context: { "aws:SourceVpce": String(c.vpceId), "aws:VpceAccount": String(c.vpceAccountId), "aws:SecureTransport": "true" },
                });
                const get = async (who: Record<string, unknown>, path: Path) => {
                    const principal = { label: String(who.roleArn), arn: String(who.roleArn), identityPolicy: ANY_READ };
                    const e = await evaluate(
                        { principal, path, action: "s3:GetObject", resource: `${String(final.outputs.bucketArn)}/x`, resourceAccount: "111111111111" },
                        policyOf(final, "shared-data-policy"),
                    );
                    expect(e.error).to.equal(undefined);
                    expect(e.ignoredContextKeys).to.deep.equal([]);
                    return e.decision;
                };
                expect(shared.vpceAccountId).to.equal(vpcOwner);
                expect(await get(shared, via(shared))).to.equal("Allowed");
                expect(await get(own, via(own))).to.equal("Allowed");
                expect(await get(shared, via(own))).to.equal("ExplicitlyDenied");
                expect(await get(own, via(shared))).to.equal("ExplicitlyDenied");
            });
        }
    }
});

const ANY_READ: PolicyDocument = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }] };
