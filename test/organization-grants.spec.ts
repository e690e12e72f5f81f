import { expect } from "chai";
import { validateWorkloadRoleArgs } from "../components/workloadRole";
import { PolicyDocument } from "../policies/document";
import { CONSUMER_ACCOUNT, CONSUMER_STACK, consumerConfig, key, OWNER_STACK, ownerConfig, ownerOutputs } from "./fixtures";
import { all, expectNothingCreated, failure, policyOf, the, TYPES, runOnce } from "./helpers";

const ORG_PATH = "o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/";
const GRANT = { orgPath: ORG_PATH, roleName: "shared-data-exchange", access: "read-write", prefix: "exchange/" };
/** An owner with no listed consumer and one organization grant. */
const orgOwner = (grants: unknown[] = [GRANT], overrides: Record<string, unknown> = {}) =>
    ownerConfig({ [key("organizationGrants")]: grants, ...overrides }, []);
const runOwner = (config: Record<string, unknown>) => runOnce({ stack: "owner", config, stackOutputs: {} });

async function expectRefused(run: Promise<unknown>, names: string, rule: string): Promise<void> {
    const error = await failure(run);
    expect(error.message).to.contain(names);
    expect(error.message).to.contain(rule);
    expect(error.message).to.match(/Fix: \S/);
    expectNothingCreated(error);
}

describe("organization grants: owner stack", () => {
    it("grants the role name under the path beside nothing else, reads no consumer stack and exports the grants", async () => {
        const run = await runOwner(orgOwner());
        const doc = policyOf(the(run.resources, TYPES.bucketPolicy, "shared-data-policy"));
        expect(doc.Statement.map((s) => s.Sid)).to.deep.equal([
            "DenyInsecureTransport",
            "DenyOtherEncryption",
            "OrgGrantReadWrite1",
            "OrgGrantReadWrite1List",
            "DenyEndpointsOfOtherAccounts",
        ]);
        expect(all(run.resources, TYPES.stackReference)).to.deep.equal([]);
        expect(run.outputs.organizationGrants).to.deep.equal([GRANT]);
        expect(run.outputs.consumerStacks).to.deep.equal([]);
        expect(run.outputs.grantedRoleArns).to.deep.equal([]);
    });

    it("keeps listed consumers' statements beside the grant, and exempts only the granted role name from their endpoint list", async () => {
        const config = ownerConfig({ [key("organizationGrants")]: [GRANT] });
        const run = await runOnce({ stack: "owner", config, stackOutputs: { [CONSUMER_STACK]: {} } });
        expect(run.outputs.consumerStacks).to.deep.equal([CONSUMER_STACK]);
        expect(run.outputs.pendingConsumers).to.deep.equal([CONSUMER_STACK]);
        const doc: PolicyDocument = policyOf(the(run.resources, TYPES.bucketPolicy, "shared-data-policy"));
        expect(doc.Statement.some((s) => s.Sid === "OrgGrantReadWrite1")).to.equal(true);
    });

    it("shares the bucket's KMS key with the granted role name under the path, through S3 and for this bucket only", async () => {
        const run = await runOwner(orgOwner([GRANT], { [key("encryption")]: "sse-kms" }));
        const keyPolicy = policyOf(the(run.resources, TYPES.kmsKey));
        const statement = keyPolicy.Statement.find((s) => s.Sid === "OrgGrant1EncryptsAndDecryptsThroughS3");
        expect(statement?.Principal).to.equal("*");
        expect(statement?.Condition?.StringEquals).to.deep.equal({ "kms:ViaService": "s3.eu-west-1.amazonaws.com", "aws:PrincipalOrgID": "o-a1b2c3d4e5" });
        expect(statement?.Condition?.ArnLike).to.deep.equal({ "aws:PrincipalArn": "arn:aws:iam::*:role/shared-data-exchange" });
        expect(statement?.Condition?.["ForAnyValue:StringLike"]).to.deep.equal({ "aws:PrincipalOrgPaths": `${ORG_PATH}*` });
    });

    const cases: [string, Record<string, unknown>, unknown[], string, string][] = [
        [
            "lockMode per-consumer beside an organization grant",
            { [key("lockMode")]: "per-consumer" },
            [GRANT],
            'cross-account-s3:lockMode = "per-consumer"',
            "cannot hold organization grants: per-consumer names each consumer account and its endpoints",
        ],
        ["a path that is not an OU path", {}, [{ ...GRANT, orgPath: "ou-ab12-11111111" }], "organizationGrants[0].orgPath", "must be an organization path"],
        ["a path with a wildcard", {}, [{ ...GRANT, orgPath: `${ORG_PATH}*` }], "organizationGrants[0].orgPath", "no wildcards"],
        ["a role name with a wildcard", {}, [{ ...GRANT, roleName: "app-*" }], "organizationGrants[0].roleName", "must be an IAM role name"],
        ["no role name", {}, [{ orgPath: ORG_PATH }], "organizationGrants[0].roleName", "is required"],
        ["an unknown field", {}, [{ ...GRANT, accountId: "222222222222" }], "organizationGrants[0].accountId", "is not an organization grant field"],
        ["endpointInOrganization that is not a boolean", {}, [{ ...GRANT, endpointInOrganization: "yes" }], "endpointInOrganization", "must be true or false"],
        ["the same role name under the same path twice", {}, [GRANT, { ...GRANT, access: "read" }], "organizationGrants[1].orgPath", "a second time"],
        [
            "paths of two organizations",
            {},
            [GRANT, { ...GRANT, orgPath: "o-f6g7h8i9j0/r-ab12/" }],
            "organizationGrants[1].orgPath",
            "is in organization o-f6g7h8i9j0, but the first grant is in o-a1b2c3d4e5",
        ],
        ["a grants value that is not a list", {}, { orgPath: ORG_PATH } as unknown as unknown[], "cross-account-s3:organizationGrants", "must be a list"],
    ];
    for (const [what, overrides, grants, names, rule] of cases) {
        it(`refuses ${what}, before anything is created`, () => expectRefused(runOwner(orgOwner(grants, overrides)), names, rule));
    }
});

describe("organization grants: a consumer stack the owner does not list", () => {
    const owner = (overrides: Record<string, unknown> = {}) => ({
        [OWNER_STACK]: ownerOutputs({ consumerStacks: [], organizationGrants: [GRANT], ...overrides }),
    });
    const asking = (overrides: Record<string, unknown> = {}) => consumerConfig({ [key("access")]: "read-write", [key("prefix")]: "exchange/", ...overrides });

    it("deploys, naming its role by the grant and exporting the grant it relies on", async () => {
        const run = await runOnce({ stack: "consumer", config: asking(), stackOutputs: owner() });
        const role = the(run.resources, TYPES.role);
        expect(role.inputs.name).to.equal("shared-data-exchange");
        expect(run.outputs.roleArn).to.equal(`arn:aws:iam::${CONSUMER_ACCOUNT}:role/shared-data-exchange`);
        expect(run.outputs.organizationGrant).to.deep.equal(GRANT);
    });

    describe("with several owners (ownerStacks)", () => {
        const SECOND = "organization/cross-account-s3/owner-b";
        const several = (second: Record<string, unknown>) => ({
            ...owner(),
            [SECOND]: ownerOutputs({ bucketName: "producer-b-data", bucketArn: "arn:aws:s3:::producer-b-data", accountId: "444444444444", ...second }),
        });
        const reading = asking({ [key("ownerStacks")]: ["owner", "owner-b"] });

        it("names its one role by the grant of the owner that does not list it, and keeps the other owner's listed grant", async () => {
            const run = await runOnce({
                stack: "consumer",
                config: reading,
                stackOutputs: several({ consumerStacks: [CONSUMER_STACK], consumerGrants: { [CONSUMER_STACK]: { access: "read" } } }),
            });
            expect(the(run.resources, TYPES.role).inputs.name).to.equal("shared-data-exchange");
            const objects = policyOf(the(run.resources, TYPES.rolePolicy)).Statement.filter((s) => String(s.Sid).endsWith("Objects"));
            expect(objects.map((s) => s.Resource)).to.deep.equal(["arn:aws:s3:::shared-data-abc1234/exchange/*", "arn:aws:s3:::producer-b-data/*"]);
        });

        it("refuses owners whose organization grants name different roles, since one role serves every owner", async () => {
            const error = await failure(
                runOnce({
                    stack: "consumer",
                    config: reading,
                    stackOutputs: several({ consumerStacks: [], organizationGrants: [{ ...GRANT, roleName: "other-exchange" }] }),
                }),
            );
            expect(error.message).to.contain("name different roles in the owners this stack reads under organization grants");
            expectNothingCreated(error);
        });
    });

    it("keeps an auto-named role when the owner lists it, grants or not", async () => {
        const run = await runOnce({ stack: "consumer", config: asking(), stackOutputs: owner({ consumerStacks: [CONSUMER_STACK] }) });
        expect(the(run.resources, TYPES.role).inputs).not.to.have.property("name");
        expect(run.outputs).not.to.have.property("organizationGrant");
    });

    it("refuses when no grant has the access and prefix it asks for, saying both ways out", async () => {
        const error = await failure(runOnce({ stack: "consumer", config: asking({ [key("prefix")]: "reports/" }), stackOutputs: owner() }));
        expect(error.message).to.contain("no organization grant gives read-write access under reports/");
        expect(error.message).to.contain("or ask for the access and prefix of one of the owner's organizationGrants");
        expectNothingCreated(error);
    });

    it("refuses when grants of its access and prefix name different roles", async () => {
        const grants = [GRANT, { ...GRANT, orgPath: "o-a1b2c3d4e5/r-ab12/ou-ab12-22222222/", roleName: "other" }];
        const error = await failure(runOnce({ stack: "consumer", config: asking(), stackOutputs: owner({ organizationGrants: grants }) }));
        expect(error.message).to.contain("has several grants of read-write access under exchange/ with different role names");
        expectNothingCreated(error);
    });

    it("refuses an existing role of another name", async () => {
        const config = asking({ [key("existingRoleArn")]: `arn:aws:iam::${CONSUMER_ACCOUNT}:role/app` });
        const error = await failure(runOnce({ stack: "consumer", config, stackOutputs: owner() }));
        expect(error.message).to.contain("is not a role named shared-data-exchange (path /)");
        expectNothingCreated(error);
    });

    it("refuses unreadable grants from the owner", async () => {
        const error = await failure(runOnce({ stack: "consumer", config: asking(), stackOutputs: owner({ organizationGrants: [{ orgPath: "x" }] }) }));
        expect(error.message).to.contain("output organizationGrants");
        expect(error.message).to.contain("must be a list of { orgPath, roleName, access, prefix }");
        expectNothingCreated(error);
    });
});

describe("WorkloadRole roleName", () => {
    const bucketArn = "arn:aws:s3:::shared-data-abc1234";
    it("accepts an IAM role name and refuses one with a wildcard", () => {
        expect(validateWorkloadRoleArgs({ buckets: [{ bucketArn, access: "read" }], roleName: "shared-data-exchange" })).to.deep.equal([]);
        expect(validateWorkloadRoleArgs({ buckets: [{ bucketArn, access: "read" }], roleName: "app*" }).map((i) => i.key)).to.deep.equal(["roleName"]);
    });
    it("requires an existing role to carry that name", () => {
        const issues = validateWorkloadRoleArgs({
            buckets: [{ bucketArn, access: "read" }],
            roleName: "x",
            existingRoleArn: "arn:aws:iam::222222222222:role/y",
        });
        expect(issues.map((i) => i.rule)).to.deep.equal(["must name a role called x (path /), as roleName requires"]);
    });
});
