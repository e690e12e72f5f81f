import {
    CheckAccessNotGrantedCommand,
    CheckNoPublicAccessCommand,
    GetFindingV2Command,
    ListAnalyzersCommand,
    ListFindingsV2Command,
    ValidatePolicyCommand,
} from "@aws-sdk/client-accessanalyzer";
import {
    AccessDeniedException,
    AWSOrganizationsNotInUseException,
    DescribeOrganizationCommand,
    DescribePolicyCommand,
    ListAccountsForParentCommand,
    ListOrganizationalUnitsForParentCommand,
    ListPoliciesForTargetCommand,
    OrganizationsClient,
} from "@aws-sdk/client-organizations";
import { GetBucketPolicyCommand } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import { readFileSync } from "fs";
import { join } from "path";
import { consumerSettingsOf, ownerSettingsOf, readProjectFiles } from "../config/stack-files";
import { RESERVED_ROLE_ACTIONS } from "../policies/actions";
import { PolicyDocument } from "../policies/document";
import { AccountApi, clientsFor } from "../verify/aws";
import { main, organizationsAccess, VERIFY_COMMAND } from "../verify/cli";
import { expectedDocuments } from "../verify/expected";
import { reservation } from "../verify/organization";
import { OWNER_ACCOUNT, REGION } from "./fixtures";

/** The owner of test/stacks/organization: one organization grant (read-write, exchange/), three consumer stacks it does not list. */
const DIR = join(__dirname, "stacks", "organization");
const ORG = "o-a1b2c3d4e5";
const ROOT = "r-ab12";
const OU = "ou-ab12-11111111";
const CHILD_OU = "ou-ab12-33333333";
const ORG_PATH = `${ORG}/${ROOT}/${OU}/`;
const BUCKET = "shared-data-0a1b2c3";
const OWNER_OUTPUTS = { bucketName: BUCKET, bucketArn: `arn:aws:s3:::${BUCKET}`, region: REGION, accountId: OWNER_ACCOUNT };
const MANAGEMENT_ACCOUNT = "999999999999";

/** The example SCP of docs/design.md ("What it trusts"), as the user would paste it. */
const DESIGN_SCP = (() => {
    const design = readFileSync(join(__dirname, "..", "docs", "design.md"), "utf8");
    const block = /reserves the name[\s\S]*?```json\n([\s\S]*?)```/.exec(design);
    return block![1];
})();

/**
 * The client with a send of its own, so that its instance mock neither undoes nor is undone by
 * verify.spec.ts's mocks of the client classes.
 */
function own<C extends object>(client: C): C {
    Object.defineProperty(client, "send", { value: () => Promise.reject(new Error("not mocked")), writable: true, configurable: true });
    return client;
}
const clients = clientsFor(REGION);
const s3 = mockClient(own(clients.s3));
const analyzer = mockClient(own(clients.analyzer));
const untouched = [
    mockClient(own(clients.kms)),
    mockClient(own(clients.ec2)),
    mockClient(own(clients.iam)),
    mockClient(own(clients.ssm)),
    mockClient(own(clients.athena)),
    mockClient(own(clients.sts)),
];
// Only this spec mocks Organizations: the prototype, so that verify's own choice of credentials runs.
const organizations = mockClient(OrganizationsClient);

function generatedBucketPolicy(): PolicyDocument {
    const files = readProjectFiles(DIR);
    const [ownerFile] = files.owners;
    const owner = { stack: ownerFile.stack, settings: ownerSettingsOf(ownerFile), outputs: OWNER_OUTPUTS };
    const consumers = files.consumers.map((f) => ({ stack: f.stack, settings: consumerSettingsOf(f), outputs: {} }));
    return expectedDocuments([owner], consumers)[0].document;
}

const summary = (Id: string, Name: string, AwsManaged: boolean) => ({
    Id,
    Arn: `arn:aws:organizations::${MANAGEMENT_ACCOUNT}:policy/${ORG}/service_control_policy/${Id}`,
    Name,
    Description: Name,
    Type: "SERVICE_CONTROL_POLICY" as const,
    AwsManaged,
});
const FULL_ACCESS = summary("p-FullAWSAccess", "FullAWSAccess", true);
const RESERVE = summary("p-reserve01", "reserve-shared-data-role", false);
const account = (Id: string) => ({
    Id,
    Arn: `arn:aws:organizations::${MANAGEMENT_ACCOUNT}:account/${ORG}/${Id}`,
    Email: `aws+${Id}@example.com`,
    Name: `workload-${Id}`,
    Status: "ACTIVE" as const,
    JoinedMethod: "CREATED" as const,
    JoinedTimestamp: new Date(),
});
const ou = (Id: string) => ({ Id, Arn: `arn:aws:organizations::${MANAGEMENT_ACCOUNT}:ou/${ORG}/${Id}`, Name: Id });

/** A healthy deployment of the owner, and an organization whose path holds three accounts, each answer on two pages where AWS may split it. */
function healthy(scp = DESIGN_SCP): void {
    for (const m of [s3, analyzer, organizations, ...untouched]) {
        m.reset();
    }
    s3.on(GetBucketPolicyCommand, { Bucket: BUCKET }).resolves({ Policy: JSON.stringify(generatedBucketPolicy()) });
    analyzer.on(ValidatePolicyCommand).resolves({ findings: [] });
    analyzer.on(CheckNoPublicAccessCommand).resolves({ result: "PASS", message: "The resource policy does not grant public access." });
    analyzer.on(CheckAccessNotGrantedCommand).resolves({ result: "PASS", message: "The policy document does not grant access to perform the listed actions." });
    analyzer.on(ListAnalyzersCommand).resolves({ analyzers: [] });
    organizations.on(DescribeOrganizationCommand).resolves({
        Organization: {
            Id: ORG,
            Arn: `arn:aws:organizations::${MANAGEMENT_ACCOUNT}:organization/${ORG}`,
            FeatureSet: "ALL",
            MasterAccountArn: `arn:aws:organizations::${MANAGEMENT_ACCOUNT}:account/${ORG}/${MANAGEMENT_ACCOUNT}`,
            MasterAccountId: MANAGEMENT_ACCOUNT,
            MasterAccountEmail: "aws+management@example.com",
        },
    });
    organizations
        .on(ListOrganizationalUnitsForParentCommand, { ParentId: ROOT })
        .resolvesOnce({ OrganizationalUnits: [ou("ou-ab12-22222222")], NextToken: "ous-2" })
        .resolves({ OrganizationalUnits: [ou(OU)] });
    organizations.on(ListOrganizationalUnitsForParentCommand, { ParentId: OU }).resolves({ OrganizationalUnits: [ou(CHILD_OU)] });
    organizations.on(ListOrganizationalUnitsForParentCommand, { ParentId: CHILD_OU }).resolves({ OrganizationalUnits: [] });
    organizations
        .on(ListAccountsForParentCommand, { ParentId: OU })
        .resolvesOnce({ Accounts: [account("777777777777")], NextToken: "accounts-2" })
        .resolves({ Accounts: [account("888888888888")] });
    organizations.on(ListAccountsForParentCommand, { ParentId: CHILD_OU }).resolves({ Accounts: [account("666666666666")] });
    organizations.on(ListPoliciesForTargetCommand, { TargetId: ROOT }).resolves({ Policies: [FULL_ACCESS] });
    organizations
        .on(ListPoliciesForTargetCommand, { TargetId: OU })
        .resolvesOnce({ Policies: [FULL_ACCESS], NextToken: "policies-2" })
        .resolves({ Policies: [RESERVE] });
    organizations.on(DescribePolicyCommand, { PolicyId: RESERVE.Id }).resolves({ Policy: { PolicySummary: RESERVE, Content: scp } });
}

async function verify(argv: string[] = []): Promise<{ code: number; out: string; err: string }> {
    let out = "";
    let err = "";
    const code = await main(
        [...argv, "--config-dir", DIR],
        { stdout: (t) => (out += t), stderr: (t) => (err += t) },
        { outputs: async (stack) => (stack === "owner" ? OWNER_OUTPUTS : {}), api: () => new AccountApi(clients, { pollMs: 0, attempts: 1 }) },
    );
    return { code, out, err };
}

const row = (out: string, check: string) => out.split("\n").find((l) => l.includes(check)) ?? "";
const ACCOUNTS = "organization grant shared-data-exchange under ou-ab12-11111111: accounts";
const RESERVED = "organization grant shared-data-exchange under ou-ab12-11111111: role name reserved";
const denied = () => new AccessDeniedException({ message: "You don't have permissions to access this resource.", $metadata: { httpStatusCode: 403 } });

describe("npm run verify with an organization grant (test/stacks/organization)", function () {
    this.timeout(30_000);
    beforeEach(() => healthy());

    describe("live equals generated", () => {
        it("passes when the live bucket policy equals the generated one, which carries the grant's organization, path and role pattern", async () => {
            const run = await verify();
            expect(row(run.out, "live bucket policy"), run.out + run.err).to.match(/PASS\s+equals the generated document/);
            const orgGrant = generatedBucketPolicy().Statement.find((s) => s.Sid === "OrgGrantReadWrite1");
            expect(orgGrant?.Principal).to.equal("*");
            expect(orgGrant?.Condition).to.deep.include({
                StringEquals: { "aws:PrincipalOrgID": ORG },
                "ForAnyValue:StringLike": { "aws:PrincipalOrgPaths": `${ORG_PATH}*` },
                ArnLike: { "aws:PrincipalArn": "arn:aws:iam::*:role/shared-data-exchange" },
            });
        });

        it("fails a live policy whose grant was widened by hand to the whole organization, naming the statement", async () => {
            const widened = generatedBucketPolicy();
            const statements = widened.Statement.map((s) =>
                s.Sid === "OrgGrantReadWrite1" ? { ...s, Condition: { ...s.Condition, "ForAnyValue:StringLike": { "aws:PrincipalOrgPaths": `${ORG}/*` } } } : s,
            );
            s3.on(GetBucketPolicyCommand, { Bucket: BUCKET }).resolves({ Policy: JSON.stringify({ ...widened, Statement: statements }) });
            const run = await verify();
            expect(run.code).to.equal(1);
            expect(row(run.out, "live bucket policy")).to.match(/FAIL\s+different OrgGrantReadWrite1/);
        });
    });

    describe("external access", () => {
        const analyzerArn = (type: string) => `arn:aws:access-analyzer:${REGION}:${OWNER_ACCOUNT}:analyzer/${type.toLowerCase()}`;
        /** One finding on the bucket, as GetFindingV2 details it, from an analyzer of that type. */
        const finding = (type: "ACCOUNT" | "ORGANIZATION", details?: { condition: Record<string, string>; isPublic: boolean; principal?: string }) => {
            analyzer.on(ListAnalyzersCommand).resolves({ analyzers: [] });
            analyzer
                .on(ListAnalyzersCommand, { type })
                .resolves({ analyzers: [{ arn: analyzerArn(type), name: type.toLowerCase(), type, status: "ACTIVE", createdAt: new Date() }] });
            const summaries =
                details === undefined
                    ? []
                    : [
                          {
                              id: "f-1",
                              resource: `arn:aws:s3:::${BUCKET}`,
                              resourceType: "AWS::S3::Bucket" as const,
                              resourceOwnerAccount: OWNER_ACCOUNT,
                              status: "ACTIVE" as const,
                              createdAt: new Date(),
                              updatedAt: new Date(),
                              analyzedAt: new Date(),
                          },
                      ];
            analyzer.on(ListFindingsV2Command).resolves({ findings: summaries });
            if (details !== undefined) {
                analyzer.on(GetFindingV2Command, { id: "f-1" }).resolves({
                    id: "f-1",
                    findingDetails: [
                        {
                            externalAccessDetails: {
                                principal: { AWS: details.principal ?? "*" },
                                condition: details.condition,
                                action: ["s3:GetObject", "s3:PutObject"],
                                isPublic: details.isPublic,
                            },
                        },
                    ],
                } as never);
            }
        };
        const exact = {
            "aws:PrincipalOrgID": ORG,
            "aws:PrincipalOrgPaths": `${ORG_PATH}*`,
            "aws:PrincipalArn": "arn:aws:iam::*:role/shared-data-exchange",
        };

        it("passes an ACCOUNT analyzer's finding that carries exactly the grant's organization, path and role pattern", async () => {
            finding("ACCOUNT", { condition: exact, isPublic: false });
            const run = await verify();
            expect(row(run.out, "external access"), run.out).to.match(
                /PASS\s+1 findings, each a granted consumer tied to its own endpoints or exactly an organization grant/,
            );
            expect(run.out).not.to.match(/external access\s+(FAIL|WARN)/);
        });

        for (const [what, details, reason] of [
            ["public", { condition: exact, isPublic: true }, "public access"],
            ["for the whole organization", { condition: { ...exact, "aws:PrincipalOrgPaths": `${ORG}/*` }, isPublic: false }, "\\* is not a granted consumer"],
            [
                "for the path and another OU",
                { condition: { ...exact, "aws:PrincipalOrgPaths": `${ORG_PATH}*,${ORG}/${ROOT}/ou-ab12-22222222/*` }, isPublic: false },
                "\\* is not a granted consumer",
            ],
            ["for every role name", { condition: { ...exact, "aws:PrincipalArn": "arn:aws:iam::*:role/*" }, isPublic: false }, "\\* is not a granted consumer"],
            [
                "without the role pattern",
                { condition: { "aws:PrincipalOrgID": ORG, "aws:PrincipalOrgPaths": `${ORG_PATH}*` }, isPublic: false },
                "\\* is not a granted consumer",
            ],
            ["of another organization", { condition: { ...exact, "aws:PrincipalOrgID": "o-zzzzzzzzzz" }, isPublic: false }, "\\* is not a granted consumer"],
            [
                "for one account's role of the name",
                { condition: {}, isPublic: false, principal: "arn:aws:iam::777777777777:role/shared-data-exchange" },
                "is not a granted consumer",
            ],
        ] as const) {
            it(`fails a finding ${what}`, async () => {
                finding("ACCOUNT", details);
                const run = await verify();
                expect(run.code).to.equal(1);
                expect(row(run.out, "external access")).to.match(new RegExp(`FAIL\\s+finding f-1: .*${reason}`));
            });
        }

        it("warns when an ACCOUNT analyzer has no finding for the grant yet, and says an ORGANIZATION analyzer reports none", async () => {
            finding("ACCOUNT");
            const account = await verify();
            expect(account.code).to.equal(0);
            expect(account.out).to.match(
                /external access\s+WARN\s+no finding for the organization grant shared-data-exchange under o-a1b2c3d4e5\/r-ab12\/ou-ab12-11111111\/ yet/,
            );
            finding("ORGANIZATION");
            const organization = await verify();
            expect(organization.out).to.match(
                /external access\s+INFO\s+no finding for the organization grant shared-data-exchange .*an organization analyzer does not report its own organization/,
            );
        });
    });

    describe("whether the grant's accounts can be checked (AWS Organizations)", () => {
        it("lists every account under the path and its child OUs, every page, and passes the example SCP of docs/design.md", async () => {
            const run = await verify();
            expect(run.code, run.out + run.err).to.equal(0);
            expect(row(run.out, ACCOUNTS)).to.match(
                /PASS\s+3 accounts under o-a1b2c3d4e5\/r-ab12\/ou-ab12-11111111\/ and its child OUs: 777777777777, 888888888888, 666666666666/,
            );
            expect(row(run.out, RESERVED)).to.match(
                /PASS\s+reserve-shared-data-role \(p-reserve01\) on ou-ab12-11111111 deny the IAM writes on role\/shared-data-exchange to all but arn:aws:iam::\*:role\/platform-deploy/,
            );
            const calls = (command: Parameters<typeof organizations.commandCalls>[0]) =>
                organizations.commandCalls(command).map((c) => JSON.stringify(c.args[0].input));
            expect(calls(ListOrganizationalUnitsForParentCommand)).to.include(JSON.stringify({ ParentId: ROOT, NextToken: "ous-2" }));
            expect(calls(ListAccountsForParentCommand)).to.include(JSON.stringify({ ParentId: OU, NextToken: "accounts-2" }));
            expect(calls(ListPoliciesForTargetCommand)).to.include(JSON.stringify({ TargetId: OU, Filter: "SERVICE_CONTROL_POLICY", NextToken: "policies-2" }));
            expect(calls(DescribePolicyCommand)).to.deep.equal([JSON.stringify({ PolicyId: RESERVE.Id })]);
            for (const m of untouched) {
                expect(m.calls()).to.have.length(0);
            }
        });

        it("warns, with where the example SCP is, when no SCP on the path reserves the role name", async () => {
            organizations.on(ListPoliciesForTargetCommand, { TargetId: OU }).resolves({ Policies: [FULL_ACCESS] });
            const run = await verify();
            expect(run.code).to.equal(0);
            expect(row(run.out, RESERVED)).to.match(
                /WARN\s+no service control policy attached on the path \(r-ab12, ou-ab12-11111111\) denies the IAM writes on role\/shared-data-exchange: .* Attach the example SCP in docs\/design.md \(What it trusts\) to ou-ab12-11111111/,
            );
        });

        it("warns about an SCP that leaves iam:PassRole allowed, and about one that exempts every role", async () => {
            const scp = JSON.parse(DESIGN_SCP) as { Statement: { Action: string[]; Condition: unknown }[] };
            const withoutPassRole = { ...scp, Statement: [{ ...scp.Statement[0], Action: scp.Statement[0].Action.filter((a) => a !== "iam:PassRole") }] };
            healthy(JSON.stringify(withoutPassRole));
            expect(row((await verify()).out, RESERVED)).to.match(
                /WARN\s+reserve-shared-data-role \(p-reserve01\) on ou-ab12-11111111 leave iam:PassRole on role\/shared-data-exchange allowed/,
            );
            const everyone = { ...scp, Statement: [{ ...scp.Statement[0], Condition: { ArnNotLike: { "aws:PrincipalArn": "arn:aws:iam::*:role/*" } } }] };
            healthy(JSON.stringify(everyone));
            expect(row((await verify()).out, RESERVED)).to.match(/WARN\s+no service control policy attached on the path/);
        });

        it("warns when the management account, which no SCP binds, is under the path", async () => {
            organizations.on(ListAccountsForParentCommand, { ParentId: CHILD_OU }).resolves({ Accounts: [account(MANAGEMENT_ACCOUNT)] });
            expect(row((await verify()).out, RESERVED)).to.match(/WARN\s+.*the management account 999999999999 is under the path and SCPs do not apply to it/);
        });

        it("says unknown, with the reason and how to give access, when Organizations refuses (AccessDenied), never pass", async () => {
            organizations.on(DescribeOrganizationCommand).rejects(denied());
            const run = await verify();
            expect(run.code, run.out + run.err).to.equal(0);
            for (const check of [ACCOUNTS, RESERVED]) {
                expect(row(run.out, check)).to.match(
                    /INFO\s+unknown: the owner's credentials may not read AWS Organizations \(AccessDenied: You don't have permissions to access this resource.\): set AWS_PROFILE_ORGANIZATION/,
                );
            }
            expect(organizations.commandCalls(ListAccountsForParentCommand)).to.have.length(0);
        });

        it("says unknown, not a stopped run, when the Organizations profile has no credentials", async () => {
            // As the SDK's credential chain fails: a CredentialsProviderError.
            const noCredentials = Object.assign(new Error("Could not load credentials from any providers"), { name: "CredentialsProviderError" });
            organizations.on(DescribeOrganizationCommand).rejects(noCredentials);
            const run = await verify();
            expect(run.code, run.err).to.equal(0);
            expect(row(run.out, ACCOUNTS)).to.match(
                /INFO\s+unknown: no credentials for AWS Organizations \(the owner's credentials\): set AWS_PROFILE_ORGANIZATION/,
            );
        });

        it("says unknown for the SCPs alone when only DescribePolicy is refused", async () => {
            organizations.on(DescribePolicyCommand).rejects(denied());
            const run = await verify();
            expect(row(run.out, ACCOUNTS)).to.match(/PASS\s+3 accounts/);
            expect(row(run.out, RESERVED)).to.match(/INFO\s+unknown: the owner's credentials may not read AWS Organizations \(AccessDenied/);
        });

        it("says unknown outside an organization (AWSOrganizationsNotInUseException) and in another one", async () => {
            organizations
                .on(DescribeOrganizationCommand)
                .rejects(
                    new AWSOrganizationsNotInUseException({ message: "Your account is not a member of an organization.", $metadata: { httpStatusCode: 400 } }),
                );
            expect(row((await verify()).out, ACCOUNTS)).to.match(
                /INFO\s+unknown: the account of the owner's credentials is in no organization \(AWSOrganizationsNotInUseException\)/,
            );
            healthy();
            organizations.on(DescribeOrganizationCommand).resolves({ Organization: { Id: "o-zzzzzzzzzz", MasterAccountId: MANAGEMENT_ACCOUNT } });
            const other = await verify();
            expect(row(other.out, ACCOUNTS)).to.match(
                /INFO\s+unknown: the owner's credentials belong to organization o-zzzzzzzzzz, not the grant's o-a1b2c3d4e5/,
            );
            expect(row(other.out, RESERVED)).to.match(/INFO\s+unknown/);
        });

        it("fails a path whose OU is not under the root it names: the grant lets no one in", async () => {
            organizations.on(ListOrganizationalUnitsForParentCommand, { ParentId: ROOT }).resolves({ OrganizationalUnits: [ou("ou-ab12-22222222")] });
            const run = await verify();
            expect(run.code).to.equal(1);
            expect(row(run.out, ACCOUNTS)).to.match(
                /FAIL\s+orgPath o-a1b2c3d4e5\/r-ab12\/ou-ab12-11111111\/: ou-ab12-11111111 is not under r-ab12 .* correct organizationGrants\[\]\.orgPath/,
            );
        });

        it("reads Organizations with AWS_PROFILE_ORGANIZATION when set, else with the owner's credentials", () => {
            const settings = ownerSettingsOf(readProjectFiles(DIR).owners[0]);
            expect(organizationsAccess("owner", settings, { AWS_PROFILE_ORGANIZATION: "org-audit" }).credentials).to.equal(
                "the profile org-audit (AWS_PROFILE_ORGANIZATION)",
            );
            expect(organizationsAccess("owner", settings, {}).credentials).to.equal("the owner's credentials");
        });
    });

    describe("what reserves a role name (pure)", () => {
        const deny = (statement: Record<string, unknown>) => JSON.stringify({ Version: "2012-10-17", Statement: { Effect: "Deny", ...statement } });
        const ACCOUNTS_UNDER = ["777777777777"];

        it("asks for exactly the actions the example SCP of docs/design.md denies", () => {
            const scp = JSON.parse(DESIGN_SCP) as { Statement: { Action: string[] }[] };
            expect([...scp.Statement[0].Action].sort()).to.deep.equal([...RESERVED_ROLE_ACTIONS].sort());
        });

        it("takes IAM's wildcards in actions (any case) and resources", () => {
            const wide = reservation(deny({ Action: "IAM:*", Resource: "arn:aws:iam::*:role/shared-*" }), "shared-data-exchange", "aws", ACCOUNTS_UNDER);
            expect(wide.actions).to.deep.equal([...RESERVED_ROLE_ACTIONS]);
            expect(wide.exceptions).to.deep.equal([]);
        });

        it("counts nothing that misses an account, another role, an Allow or a condition other than a principal exception", () => {
            for (const statement of [
                { Action: "iam:*", Resource: "arn:aws:iam::777777777777:role/shared-data-exchange" },
                { Action: "iam:*", Resource: "arn:aws:iam::*:role/other" },
                { Action: "iam:*", Resource: "*", Effect: "Allow" },
                { Action: "iam:*", Resource: "*", Condition: { StringEquals: { "aws:RequestedRegion": "eu-west-1" } } },
                { NotAction: "s3:*", Resource: "*" },
            ]) {
                expect(reservation(deny(statement), "shared-data-exchange", "aws", ACCOUNTS_UNDER).actions, JSON.stringify(statement)).to.deep.equal([]);
            }
        });
    });

    it("--help describes the organization-grant check, what it needs and what it costs", async () => {
        const run = await verify(["--help"]);
        expect(run.code).to.equal(0);
        for (const part of [
            "organization grant",
            "ListAccountsForParent",
            "ListPoliciesForTarget",
            "AWS_PROFILE_ORGANIZATION",
            "delegated administrator",
            "UNKNOWN (INFO)",
        ]) {
            expect(run.out, part).to.include(part);
        }
        expect(VERIFY_COMMAND.environment?.map((e) => e.name)).to.include("AWS_PROFILE_ORGANIZATION");
        expect(organizations.calls()).to.have.length(0);
    });
});
