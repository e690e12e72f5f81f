import { expect } from "chai";
import { mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { Plan, PlanError, planRollout } from "../offline/plan";
import { renderHuman } from "../offline/planReport";
import { byteSize, PolicyDocument } from "../policies/document";
import { planOnce } from "./helpers";
import { evaluate, Principal } from "./policy-world";

/** An owner with one organization grant and three consumer stacks it does not list, in three accounts. */
const DIR = join(__dirname, "stacks", "organization");
const CONSUMERS = ["consumer-a", "consumer-b", "consumer-c"];
const GRANTED_ROLE = "shared-data-exchange";

const finalBucketPolicy = (plan: Plan): PolicyDocument => {
    const owner = [...plan.phases].reverse().find((p) => p.stack === "owner")!;
    return owner.resources.find((r) => r.name === "shared-data-policy")!.inputs.policy as PolicyDocument;
};
const consumerOutputs = (plan: Plan) => plan.phases.filter((p) => p.phase === 2).map((p) => p.outputs);

describe("offline plan of an organization grant (test/stacks/organization)", function () {
    this.timeout(60_000);
    let plan: Plan;
    before(async () => {
        plan = await planOnce({ configDir: DIR });
    });

    it("succeeds owner → three unlisted consumers, with no return to the owner", () => {
        expect(plan.phases.map((p) => [p.stack, p.phase])).to.deep.equal([["owner", 1], ...CONSUMERS.map((c) => [c, 2])]);
        expect(renderHuman(plan)).to.contain("━━ Phase 2 of 2 · stack consumer-c ━━");
    });

    it("gives the same final bucket policy, byte for byte, as with one such consumer", async () => {
        const one = await planOnce({ configDir: DIR, stacks: ["owner", "consumer-a"] });
        expect(one.phases.map((p) => p.stack)).to.deep.equal(["owner", "consumer-a"]);
        expect(byteSize(finalBucketPolicy(plan))).to.equal(byteSize(finalBucketPolicy(one)));
        expect(finalBucketPolicy(plan)).to.deep.equal(finalBucketPolicy(one));
    });

    it("names each consumer's role by the grant's pattern, never by its ARN, and each consumer names its role to match", () => {
        const text = JSON.stringify(finalBucketPolicy(plan));
        expect(text).to.contain(`arn:aws:iam::*:role/${GRANTED_ROLE}`);
        const outputs = consumerOutputs(plan);
        expect(new Set(outputs.map((o) => o.accountId)).size).to.equal(3);
        for (const o of outputs) {
            expect(o.roleArn).to.equal(`arn:aws:iam::${String(o.accountId)}:role/${GRANTED_ROLE}`);
            expect(text).not.to.contain(String(o.roleArn));
            expect(text).not.to.contain(String(o.vpceId));
        }
    });

    it("lets each consumer in through its own endpoint and no other's (independent IAM evaluator)", async () => {
        const policy = finalBucketPolicy(plan);
        const bucketArn = String(plan.phases[0].outputs.bucketArn);
        const outputs = consumerOutputs(plan);
        // The fixture's accounts are under the granted OU: the context AWS would set for their roles.
        const role = (o: Record<string, unknown>): Principal => ({
            label: String(o.roleArn),
            arn: String(o.roleArn),
            identityPolicy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }] },
            context: { "aws:PrincipalOrgID": "o-a1b2c3d4e5", "aws:PrincipalOrgPaths": ["o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/"] },
        });
        const get = async (who: Record<string, unknown>, via: Record<string, unknown>) =>
            (
                await evaluate(
                    {
                        principal: role(who),
                        path: {
                            label: String(via.vpceId),
                            context: { "aws:SourceVpce": String(via.vpceId), "aws:VpceAccount": String(via.vpceAccountId), "aws:SecureTransport": "true" },
                        },
                        action: "s3:GetObject",
                        resource: `${bucketArn}/exchange/file.csv`,
                        resourceAccount: String(plan.phases[0].outputs.accountId),
                    },
                    policy,
                )
            ).decision;
        for (const [i, o] of outputs.entries()) {
            expect(await get(o, o), `${String(o.roleArn)} through its own endpoint`).to.equal("Allowed");
            expect(await get(o, outputs[(i + 1) % 3]), `${String(o.roleArn)} through another consumer's endpoint`).to.equal("ExplicitlyDenied");
        }
    });

    it("refuses two consumer stacks of one account under the grant: both would create the same role", async () => {
        const dir = mkdtempSync(join(tmpdir(), "plan-org-"));
        for (const stack of ["owner", "consumer-a"]) {
            writeFileSync(join(dir, `Pulumi.${stack}.yaml`), readFileSync(join(DIR, `Pulumi.${stack}.yaml`), "utf8"));
        }
        writeFileSync(join(dir, "Pulumi.consumer-a2.yaml"), readFileSync(join(DIR, "Pulumi.consumer-a.yaml"), "utf8"));
        const error = await planRollout({ configDir: dir }).then(
            () => undefined,
            (e: unknown) => e,
        );
        expect(error).to.be.instanceOf(PlanError);
        expect((error as PlanError).message).to.contain(
            "Consumer stacks consumer-a and consumer-a2 are both under an organization grant in account 777777777777",
        );
        expect((error as PlanError).message).to.contain("IAM refuses the second (EntityAlreadyExists)");
    });
});
