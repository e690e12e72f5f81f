import { expect } from "chai";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { parse, stringify } from "yaml";
import { Plan, PlannedPhase } from "../offline/plan";
import { PolicyDocument, Statement } from "../policies/document";
import { renderMermaid } from "../offline/planPicture";
import { renderHuman, renderJson } from "../offline/planReport";
import { stackFolder } from "./fixtures";
import { planOnce, TYPES } from "./helpers";

/** A layout of test/stacks/, as `npm run plan -- --config-dir test/stacks/<layout>` plans it. */
const layout = (name: string) => join(__dirname, "stacks", name);

/** A copy of a layout with one stack's settings changed (undefined removes a setting). */
function changed(name: string, stack: string, settings: Record<string, unknown>): string {
    const dir = mkdtempSync(join(tmpdir(), `${name}-`));
    for (const file of readdirSync(layout(name))) {
        const document = parse(readFileSync(join(layout(name), file), "utf8")) as { config: Record<string, unknown> };
        const config = file === `Pulumi.${stack}.yaml` ? { ...document.config, ...settings } : document.config;
        Object.keys(config).forEach((k) => config[k] === undefined && delete config[k]);
        writeFileSync(join(dir, file), stringify({ config }));
    }
    return dir;
}

const outputsOf = (plan: Plan, stack: string, phase = 2) => plan.phases.find((p) => p.stack === stack && p.phase === phase)!.outputs;

/** The plan with some statements taken out of one owner's final bucket policy: the picture must follow the policy, not the config. */
function withoutStatements(plan: Plan, owner: string, drop: (s: Statement) => boolean): Plan {
    const copy = JSON.parse(JSON.stringify(plan)) as Plan;
    const last = copy.phases.filter((p: PlannedPhase) => p.stack === owner).pop()!;
    const resource = last.resources.find((r) => r.name === "shared-data-policy")!;
    const policy = resource.inputs.policy as PolicyDocument;
    const kept = policy.Statement.filter((s) => !drop(s));
    expect(kept.length, "statements taken out").to.be.below(policy.Statement.length);
    resource.inputs.policy = { ...policy, Statement: kept };
    return copy;
}

/** The edges leaving one node. */
const edgesFrom = (chart: string, node: string) => chart.split("\n").filter((l) => l.trim().startsWith(`${node} -`));

/** The lines between a subgraph's opening and its `end`, nested subgraphs included. */
function block(chart: string, id: string): string[] {
    const lines = chart.split("\n");
    const start = lines.findIndex((l) => l.trim().startsWith(`subgraph ${id}[`));
    expect(start, `subgraph ${id}`).to.be.above(-1);
    let depth = 0;
    for (let i = start; i < lines.length; i++) {
        depth += lines[i].trim().startsWith("subgraph ") ? 1 : lines[i].trim() === "end" ? -1 : 0;
        if (depth === 0) {
            return lines.slice(start + 1, i);
        }
    }
    throw new Error(`subgraph ${id} is not closed`);
}

describe("the plan tells adopted from created, and draws what the stacks hold (shared-account layout)", function () {
    this.timeout(60_000);
    let plan: Plan;
    let chart: string;
    before(async () => {
        plan = await planOnce({ configDir: stackFolder("shared-account") });
        chart = renderMermaid(plan);
    });

    const endpoint = (stack: string) => plan.phases.find((p) => p.stack === stack)!.resources.find((r) => r.type === TYPES.endpoint)!;

    it("marks the adopted endpoint in the JSON (a field on the resource) and the text, and not the created one", () => {
        const doc = JSON.parse(renderJson(plan)) as { phases: { stack: string; resources: { type: string; adopted: boolean }[] }[] };
        const adopted = (stack: string) => doc.phases.find((p) => p.stack === stack)!.resources.find((r) => r.type === TYPES.endpoint)!.adopted;
        expect([adopted("consumer-a"), adopted("consumer-b")]).to.deep.equal([false, true]);
        const human = renderHuman(plan);
        expect(human).to.contain(`${TYPES.endpoint}  s3  (adopted: read, never created or deleted by this stack)`);
        expect(human).to.match(/phase 2 · consumer-b: \d+ AWS resources created, 1 adopted/);
        expect(human).to.match(/phase 2 · consumer-a: \d+ AWS resources created\n/);
        expect(endpoint("consumer-a").adopted).to.equal(false);
    });

    it("draws one box per account, with its region: two consumer stacks of one account share it", () => {
        const accounts = [...chart.matchAll(/subgraph (\w+)\["(?:owner|consumer) account (\d{12}) · ([a-z0-9-]+) · /g)].map((m) => [m[2], m[3]]);
        expect(accounts).to.deep.equal([
            ["111111111111", "eu-west-1"],
            ["222222222222", "eu-west-1"],
        ]);
        expect(block(chart, "a2")[0]).to.not.contain("subgraph");
        expect(chart).to.contain('subgraph a2["consumer account 222222222222 · eu-west-1 · stacks consumer-a, consumer-b"]');
    });

    it("puts each role at account level, and route tables and the endpoint inside the stack's VPC", () => {
        const account = block(chart, "a2");
        const vpc = block(chart, "c1vpc");
        const role = account.find((l) => l.includes("role workload-"))!;
        expect(role).to.be.a("string");
        expect(vpc.some((l) => l.includes("role "))).to.equal(false);
        expect(vpc.join("\n")).to.contain("route tables rtb-0a1b2c3d, rtb-0a1b2c3e");
        expect(vpc.join("\n")).to.contain(`S3 gateway endpoint ${String(plan.phases.find((p) => p.stack === "consumer-a")!.outputs.vpceId)}`);
        expect(block(chart, "c2vpc").join("\n")).to.contain('(adopted: read, never created or deleted)"}}:::adopted');
    });

    it("labels each lock as the bucket policy writes it: per role where an account holds two consumer stacks", () => {
        for (const stack of ["consumer-a", "consumer-b"]) {
            const vpceId = String(plan.phases.find((p) => p.stack === stack)!.outputs.vpceId);
            expect(chart).to.match(new RegExp(`vpce -->\\|"read · whole bucket · per-role lock: only via ${vpceId}"\\| o1bucket`));
        }
    });

    it("draws the refused path from anywhere else, and the stack being removed", () => {
        expect(chart).to.contain('outside -.->|"403 AccessDenied: not through the consumer\'s own endpoint"| o1bucket');
        expect(chart).to.contain("stack consumer-old: listed by no owner · being removed (up owner first, then its destroy)");
        expect(chart).to.not.contain("subgraph a3");
    });
});

/** The multi-owner layout with owner-web sharing through one organization grant of the role analytics-reader instead of its list. */
const webUnderOrganizationGrant = (grant: { access: string; prefix?: string }) =>
    changed("multi-owner", "owner-web", {
        "cross-account-s3:consumers": undefined,
        "cross-account-s3:lockMode": undefined,
        "cross-account-s3:organizationGrants": [{ orgPath: "o-a1b2c3d4e5/r-ab12/", roleName: "analytics-reader", ...grant }],
    });

describe("the picture of a consumer that reads two owners (multi-owner layout)", function () {
    this.timeout(60_000);
    let plan: Plan;
    let chart: string;
    before(async () => {
        plan = await planOnce({ configDir: layout("multi-owner") });
        chart = renderMermaid(plan);
    });

    it("draws one box per owner account, each with its own bucket", () => {
        for (const [box, owner, account] of [
            ["a1", "owner-sales", "111111111111"],
            ["a2", "owner-web", "444444444444"],
        ]) {
            expect(chart).to.contain(`subgraph ${box}["owner account ${account} · eu-west-1 · stack ${owner}"]`);
            expect(block(chart, box).join("\n")).to.contain(`S3 bucket ${String(outputsOf(plan, owner, 3).bucketName)} · stack ${owner}`);
        }
        expect(chart).to.contain('subgraph a3["consumer account 222222222222 · eu-west-1 · stack consumer-analytics"]');
    });

    it("draws one edge per owner, labelled with that owner's access, prefix and lock as its own bucket policy writes it", () => {
        const vpceId = String(outputsOf(plan, "consumer-analytics").vpceId);
        expect(edgesFrom(chart, "c1vpce")).to.deep.equal([
            `  c1vpce -->|"read-write · exports/ · account-match lock: only via endpoints of account 222222222222 (${vpceId})"| o1bucket`,
            `  c1vpce -->|"read · reports/ · per-account lock: only via ${vpceId}"| o2bucket`,
        ]);
        expect(edgesFrom(chart, "outside")).to.have.length(2);
        expect(chart).to.contain('rollout["rollout: owner-sales, owner-web → consumer-analytics → owner-sales, owner-web"]');
    });

    it("says NOT LOCKED when an owner's final policy does not lock the consumer", () => {
        const unlocked = renderMermaid(withoutStatements(plan, "owner-web", (s) => s.Sid?.startsWith("LockAccount") === true));
        expect(edgesFrom(unlocked, "c1vpce")[1]).to.contain('"read · reports/ · NOT LOCKED"| o2bucket');
        expect(edgesFrom(unlocked, "c1vpce")[0]).to.contain("account-match lock");
    });

    it("draws the organization grant of an owner that does not list the consumer beside the grant of one that does", async () => {
        const mixed = await planOnce({ configDir: webUnderOrganizationGrant({ access: "read" }) });
        const drawn = renderMermaid(mixed);
        const vpceId = String(outputsOf(mixed, "consumer-analytics").vpceId);
        expect(edgesFrom(drawn, "c1vpce")).to.deep.equal([
            `  c1vpce -->|"read-write · exports/ · account-match lock: only via endpoints of account 222222222222 (${vpceId})"| o1bucket`,
            '  c1vpce -->|"organization grant o-a1b2c3d4e5/r-ab12/ · read whole bucket · role analytics-reader · own-account endpoint · no return to the owner"| o2bucket',
        ]);
        expect(drawn).to.contain("rollout: owner-sales, owner-web → consumer-analytics → owner-sales · no return to owner-web:");
    });

    it("draws a dashed edge that grants nothing to an owner that neither lists the consumer nor grants its access to the organization", async () => {
        const plan = await planOnce({ configDir: webUnderOrganizationGrant({ access: "read", prefix: "reports/" }) });
        expect(edgesFrom(renderMermaid(plan), "c1vpce")[1]).to.equal(
            '  c1vpce -.->|"owner-web does not list consumer-analytics: it grants nothing here"| o2bucket',
        );
    });
});

describe("the picture of a consumer in a shared VPC (shared-vpc layout)", function () {
    this.timeout(60_000);
    let chart: string;
    before(async () => {
        chart = renderMermaid(await planOnce({ configDir: layout("shared-vpc") }));
    });

    it("draws the VPC owner's account, marked as declared and not read, holding the endpoint; the role stays in the consumer's account", () => {
        expect(chart).to.contain('subgraph a4["VPC owner (declared, not read) account 555555555555 · eu-west-1"]');
        const vpcOwner = block(chart, "a4").join("\n");
        expect(vpcOwner).to.contain('subgraph c2vpc["shared VPC of account 555555555555 · stack consumer-shared"]');
        expect(vpcOwner).to.contain(
            'c2vpce{{"S3 gateway endpoint vpce-0123456789abcdef0 (declared in Pulumi.consumer-shared.yaml: existingEndpointId, endpointOwnerAccountId; not read)"}}:::adopted',
        );
        expect(vpcOwner).to.not.contain("role ");
        expect(block(chart, "a3")).to.deep.equal(['    c2role["role workload-5304e54 · stack consumer-shared"]']);
    });

    it("labels the shared-VPC consumer with its own per-role lock, and the other consumer with the account match", () => {
        expect(edgesFrom(chart, "c2vpce")).to.deep.equal(['  c2vpce -->|"read · whole bucket · per-role lock: only via vpce-0123456789abcdef0"| o1bucket']);
        expect(edgesFrom(chart, "c1vpce")[0]).to.contain("read-write · whole bucket · account-match lock: only via endpoints of account 222222222222");
    });

    it("puts the endpoint in another consumer's account box when that account is the declared VPC owner", async () => {
        const other = renderMermaid(
            await planOnce({ configDir: changed("shared-vpc", "consumer-shared", { "cross-account-s3:endpointOwnerAccountId": "222222222222" }) }),
        );
        expect(other).to.not.contain("555555555555");
        expect(other).to.contain('subgraph a2["consumer and VPC owner (declared, not read) account 222222222222 · eu-west-1 · stack consumer"]');
        expect(block(other, "a2").join("\n")).to.contain('subgraph c2vpc["shared VPC of account 222222222222 · stack consumer-shared"]');
        expect(edgesFrom(other, "c2vpce")[0]).to.contain("per-role lock: only via vpce-0123456789abcdef0");
    });
    it("draws the endpoint in the consumer's own box, as before, when the declared owner is the consumer's own account", async () => {
        const own = renderMermaid(
            await planOnce({ configDir: changed("shared-vpc", "consumer-shared", { "cross-account-s3:endpointOwnerAccountId": "333333333333" }) }),
        );
        expect(own).to.not.contain("VPC owner");
        expect(own).to.not.contain("shared VPC");
        expect(block(own, "a3").join("\n")).to.contain(
            'c2vpce{{"S3 gateway endpoint vpce-0123456789abcdef0 (adopted: read, never created or deleted)"}}:::adopted',
        );
        expect(edgesFrom(own, "c2vpce")[0]).to.contain("account-match lock: only via endpoints of account 333333333333 (vpce-0123456789abcdef0)");
    });
});

describe("the picture of consumers under an organization grant (organization layout)", function () {
    this.timeout(60_000);
    let plan: Plan;
    let chart: string;
    before(async () => {
        plan = await planOnce({ configDir: layout("organization") });
        chart = renderMermaid(plan);
    });
    const label = "organization grant o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/ · read-write exchange/ · role shared-data-exchange";

    it("draws each consumer's edge as the organization grant it comes in under, locked to an endpoint of its own account", () => {
        expect(chart).to.not.contain("not granted yet");
        for (const c of ["c1", "c2", "c3"]) {
            expect(edgesFrom(chart, `${c}vpce`)).to.deep.equal([`  ${c}vpce -->|"${label} · own-account endpoint · no return to the owner"| o1bucket`]);
        }
    });

    it("says the rollout does not return to the owner", () => {
        expect(plan.phases.map((p) => p.phase)).to.deep.equal([1, 2, 2, 2]);
        expect(chart).to.contain(
            'rollout["rollout: owner → consumer-a, consumer-b, consumer-c · no return to owner: it lists none of these consumer stacks, which come in under its organization grants"]',
        );
    });

    it("follows the owner's bucket policy: no own-account Deny is NOT LOCKED, no grant statement is said", () => {
        const unlocked = renderMermaid(withoutStatements(plan, "owner", (s) => s.Sid === "DenyEndpointsOfOtherAccounts"));
        expect(edgesFrom(unlocked, "c1vpce")[0]).to.contain(`${label} · NOT LOCKED ·`);
        const ungranted = renderMermaid(withoutStatements(plan, "owner", (s) => s.Sid?.startsWith("OrgGrant") === true));
        expect(edgesFrom(ungranted, "c1vpce")[0]).to.contain(`${label} · NOT IN owner's BUCKET POLICY ·`);
    });
});

describe("the picture marks what a stack file declares (aws-cn layout: an existing role)", function () {
    this.timeout(60_000);

    it("marks the declared role as existing, dashed, and the created one as neither", async () => {
        const plan = await planOnce({ configDir: layout("aws-cn") });
        expect(plan.phases.find((p) => p.stack === "consumer-existing-role")!.declared).to.deep.equal([
            "existingRoleArn = arn:aws-cn:iam::333333333333:role/app",
        ]);
        const chart = renderMermaid(plan);
        expect(chart).to.contain(
            'c2role["role app (existing role, declared by existingRoleArn: only its policy is managed) · stack consumer-existing-role"]:::adopted',
        );
        expect(chart).to.match(/c1role\["role workload-\w+ · stack consumer"\]\n/);
    });
});
