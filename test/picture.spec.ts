import { expect } from "chai";
import { Plan } from "../offline/plan";
import { renderMermaid } from "../offline/planPicture";
import { renderHuman, renderJson } from "../offline/planReport";
import { stackFolder } from "./fixtures";
import { planOnce, TYPES } from "./helpers";

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
        expect(block(chart, "a1")[0]).to.not.contain("subgraph");
        expect(chart).to.contain('subgraph a1["consumer account 222222222222 · eu-west-1 · stacks consumer-a, consumer-b"]');
    });

    it("puts each role at account level, and route tables and the endpoint inside the stack's VPC", () => {
        const account = block(chart, "a1");
        const vpc = block(chart, "a1s1vpc");
        const role = account.find((l) => l.includes("role workload-"))!;
        expect(role).to.be.a("string");
        expect(vpc.some((l) => l.includes("role "))).to.equal(false);
        expect(vpc.join("\n")).to.contain("route tables rtb-0a1b2c3d, rtb-0a1b2c3e");
        expect(vpc.join("\n")).to.contain(`S3 gateway endpoint ${String(plan.phases.find((p) => p.stack === "consumer-a")!.outputs.vpceId)}`);
        expect(block(chart, "a1s2vpc").join("\n")).to.contain('(adopted: read, never created or deleted)"}}:::adopted');
    });

    it("labels each lock as the bucket policy writes it: per role where an account holds two consumer stacks", () => {
        for (const stack of ["consumer-a", "consumer-b"]) {
            const vpceId = String(plan.phases.find((p) => p.stack === stack)!.outputs.vpceId);
            expect(chart).to.match(new RegExp(`vpce -->\\|"read · whole bucket · per-role lock: only via ${vpceId}"\\| bucket`));
        }
    });

    it("draws the refused path from anywhere else, and the stack being removed", () => {
        expect(chart).to.contain('outside -.->|"403 AccessDenied: not through the consumer\'s own endpoint"| bucket');
        expect(chart).to.contain("stack consumer-old: not on the owner's list · being removed");
        expect(chart).to.not.contain("subgraph a2");
    });
});
