import {
    CheckAccessNotGrantedCommand,
    CheckNoPublicAccessCommand,
    GetFindingV2Command,
    ListAnalyzersCommand,
    ListFindingsV2Command,
    ValidatePolicyCommand,
} from "@aws-sdk/client-accessanalyzer";
import { GetBucketPolicyCommand } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import { join } from "path";
import { consumerSettingsOf, ownerSettingsOf, readProjectFiles } from "../config/stack-files";
import { PolicyDocument } from "../policies/document";
import { AccountApi, clientsFor } from "../verify/aws";
import { main } from "../verify/cli";
import { expectedDocuments } from "../verify/expected";
import { OWNER_ACCOUNT, REGION } from "./fixtures";

/** The owner of test/stacks/organization: one organization grant (read-write, exchange/), three consumer stacks it does not list. */
const DIR = join(__dirname, "stacks", "organization");
const ORG = "o-a1b2c3d4e5";
const ROOT = "r-ab12";
const OU = "ou-ab12-11111111";
const ORG_PATH = `${ORG}/${ROOT}/${OU}/`;
const BUCKET = "shared-data-0a1b2c3";
const OWNER_OUTPUTS = { bucketName: BUCKET, bucketArn: `arn:aws:s3:::${BUCKET}`, region: REGION, accountId: OWNER_ACCOUNT };

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

function generatedBucketPolicy(): PolicyDocument {
    const files = readProjectFiles(DIR);
    const owner = { stack: files.owner.stack, settings: ownerSettingsOf(files.owner), outputs: OWNER_OUTPUTS };
    const consumers = files.consumers.map((f) => ({ stack: f.stack, settings: consumerSettingsOf(f), outputs: {} }));
    return expectedDocuments(owner, consumers)[0].document;
}

/** A healthy deployment of the owner. */
function healthy(): void {
    for (const m of [s3, analyzer, ...untouched]) {
        m.reset();
    }
    s3.on(GetBucketPolicyCommand, { Bucket: BUCKET }).resolves({ Policy: JSON.stringify(generatedBucketPolicy()) });
    analyzer.on(ValidatePolicyCommand).resolves({ findings: [] });
    analyzer.on(CheckNoPublicAccessCommand).resolves({ result: "PASS", message: "The resource policy does not grant public access." });
    analyzer.on(CheckAccessNotGrantedCommand).resolves({ result: "PASS", message: "The policy document does not grant access to perform the listed actions." });
    analyzer.on(ListAnalyzersCommand).resolves({ analyzers: [] });
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
});
