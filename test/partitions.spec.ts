import { expect } from "chai";
import { Plan } from "../offline/plan";
import { stackFolder } from "./fixtures";
import { planOnce, TYPES } from "./helpers";

/** Every string inside a value (policy documents, query texts, nested inputs). */
function strings(value: unknown): string[] {
    if (typeof value === "string") {
        return [value];
    }
    if (Array.isArray(value)) {
        return value.flatMap(strings);
    }
    return value !== null && typeof value === "object" ? Object.values(value).flatMap(strings) : [];
}

/** The partition of every ARN (or ARN pattern) written in a text. */
const partitionsIn = (text: string) => [...text.matchAll(/arn:([^:'"\s]*):/g)].map((m) => m[1]);

for (const [partition, region] of [
    ["aws-cn", "cn-north-1"],
    ["aws-us-gov", "us-gov-west-1"],
] as const) {
    describe(`the ${partition} partition (${region})`, function () {
        this.timeout(60_000);
        let plan: Plan;
        before(async () => {
            plan = await planOnce({ configDir: stackFolder(partition) });
        });

        const resource = (phase: number, type: string, name?: string) =>
            plan.phases.filter((p) => p.phase === phase).flatMap((p) => p.resources.filter((r) => r.type === type && (name === undefined || r.name === name)));

        it("writes every ARN of every generated input and output in that partition, in every phase", () => {
            const found = plan.phases.flatMap((p) => [...p.resources.map((r) => r.inputs), p.outputs].flatMap(strings).flatMap(partitionsIn));
            expect(found.length).to.be.above(20);
            expect([...new Set(found)]).to.deep.equal([partition]);
        });

        it("covers each kind of document and query: bucket, log bucket, key, endpoint and role policies, and the Athena queries", () => {
            const documents = [
                ...resource(3, TYPES.bucketPolicy),
                ...resource(3, TYPES.kmsKey),
                ...resource(2, TYPES.endpoint),
                ...resource(2, TYPES.rolePolicy),
                ...resource(1, TYPES.namedQuery),
                ...resource(3, TYPES.namedQuery),
            ];
            for (const r of documents) {
                const arns = strings(r.inputs).flatMap(partitionsIn);
                if (r.type === TYPES.namedQuery && !/consumerRequestsNotPrivate/.test(r.name)) {
                    continue;
                }
                expect(arns.length, `${r.type} ${r.name}`).to.be.above(0);
                expect([...new Set(arns)], `${r.type} ${r.name}`).to.deep.equal([partition]);
            }
            expect(resource(3, TYPES.bucketPolicy)).to.have.length(2);
            expect(resource(2, TYPES.rolePolicy)).to.have.length(2);
        });

        it("names the partition's own service names: EC2's principal in the role's trust policy, and S3's gateway service", () => {
            const trust = resource(2, TYPES.role).map(
                (r) => (r.inputs.assumeRolePolicy as { Statement: { Principal?: { Service?: string } }[] }).Statement[0].Principal,
            );
            expect(trust.length).to.be.above(0);
            expect(new Set(trust.map((p) => p?.Service))).to.deep.equal(new Set([partition === "aws-cn" ? "ec2.amazonaws.com.cn" : "ec2.amazonaws.com"]));
            expect(new Set(resource(2, TYPES.endpoint).map((r) => r.inputs.serviceName))).to.deep.equal(new Set([`com.amazonaws.${region}.s3`]));
        });

        it("finds consumer requests from public addresses in the access logs by their partition's session ARNs", () => {
            const query = (phase: number) => String(resource(phase, TYPES.namedQuery).find((r) => r.name.endsWith("consumerRequestsNotPrivate"))!.inputs.query);
            expect(query(1)).to.contain(`requester NOT LIKE 'arn:${partition}:%::111111111111:%'`);
            expect(query(3)).to.contain(`requester LIKE 'arn:${partition}:sts::333333333333:assumed-role/app/%'`);
            expect(query(3)).to.match(new RegExp(`requester LIKE 'arn:${partition}:sts::222222222222:assumed-role/workload-[0-9a-f]+/%'`));
        });
    });
}
