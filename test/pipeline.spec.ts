import { expect } from "chai";
import * as aws from "../resources/aws";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { Plan } from "../offline/plan";
import { LIMITS, PolicyDocument } from "../policies/document";
import { CI_POLICIES, main } from "../pipeline/cli";
import { RESOURCE_PERMISSIONS, UnknownResourceType } from "../pipeline/resource-permissions";
import { PipelineRoles, pipelineRoles, PROBE_TAG, StackAccount } from "../pipeline/roles";
import { documentsIn, mappedCalls, readVerifySources, sdkCallsIn, UnmappedVerifyCall, VERIFY_CALLS } from "../pipeline/verify-calls";
import { planOnce, TYPES } from "./helpers";
import { evaluate } from "./policy-world";

const EVERY_RESOURCE = join(__dirname, "stacks", "every-resource");
const OWNER = "111111111111";
const CONSUMER = "222222222222";
const SHARED_BUCKET = "arn:aws:s3:::acme-shared-data";
const OWNER_KEY = `arn:aws:kms:eu-west-1:${OWNER}:key/0f0e0d0c-0b0a-0908-0706-050403020100`;

/** The stack's own tags, as AWS reports them on a resource the stack created. */
const tagsOf = (stack: string, prefix: "aws:ResourceTag" | "aws:RequestTag") => ({
    [`${prefix}/pulumi:project`]: "cross-account-s3",
    [`${prefix}/pulumi:stack`]: stack,
});

async function rolesOfFixture(): Promise<Record<string, PipelineRoles>> {
    const out: string[] = [];
    const code = await main(["--json", "--config-dir", EVERY_RESOURCE], { stdout: (t) => out.push(t), stderr: (t) => out.push(t) }, planOnce);
    expect(code, out.join("")).to.equal(0);
    return JSON.parse(out.join("")) as Record<string, PipelineRoles>;
}

/** One request by a role holding `policy`, from outside any VPC, with the context AWS would add. */
async function decide(
    policy: PolicyDocument,
    account: string,
    action: string,
    resource: string,
    resourceAccount: string,
    context: Record<string, string> = {},
    resourcePolicy?: PolicyDocument,
) {
    const principal = { label: "pipeline role", arn: `arn:aws:iam::${account}:role/pipeline`, identityPolicy: policy };
    return (
        await evaluate(
            { principal, path: { label: "internet", context: { "aws:SecureTransport": "true" } }, action, resource, resourceAccount, headers: context },
            resourcePolicy,
        )
    ).decision;
}

/** The shared bucket's policy as the owner's last phase of the plan writes it (grants and locks in place). */
async function sharedBucketPolicy(): Promise<PolicyDocument> {
    const plan = await planOnce({ configDir: EVERY_RESOURCE });
    const last = plan.phases.filter((p) => p.stack === "owner").at(-1)!;
    const found = last.resources.find((r) => r.type === TYPES.bucketPolicy && r.inputs.bucket === "acme-shared-data");
    return found!.inputs.policy as PolicyDocument;
}

describe("npm run ci-policies: the pipeline roles", () => {
    let roles: Record<string, PipelineRoles>;
    before(async () => {
        roles = await rolesOfFixture();
    });

    describe("derived from the plan and from verify's calls", () => {
        it("has a permission entry for every AWS resource type the programs register, and the fixture plans each of them", async () => {
            const plan = await planOnce({ configDir: EVERY_RESOURCE });
            const planned = new Set(plan.phases.flatMap((p) => p.resources.map((r) => r.type)).filter((t) => t.startsWith("aws:")));
            const known = Object.values(TYPES).filter((t) => t.startsWith("aws:"));
            expect([...planned].sort()).to.deep.equal([...known].sort());
            expect(known.filter((t) => RESOURCE_PERMISSIONS[t] === undefined)).to.deep.equal([]);
        });

        it("has an entry for every AWS resource class the program source constructs or reads, planned by this fixture or not", () => {
            const dirs = ["components", "resources", "stacks"].map((d) => join(__dirname, "..", d));
            const source = dirs.flatMap((d) => readdirSync(d).map((f) => readFileSync(join(d, f), "utf8"))).join("\n");
            const classes = [...new Set([...source.matchAll(/aws\.(\w+)\.([A-Z]\w+)(?:\(|\.get\()/g)].map((m) => `${m[1]}.${m[2]}`))];
            const namespaces = aws as unknown as Record<string, Record<string, { __pulumiType?: string }>>;
            const types = classes.map((c) => namespaces[c.split(".")[0]][c.split(".")[1]].__pulumiType);
            expect(types.length).to.be.above(15);
            expect(types.filter((t) => t === undefined || RESOURCE_PERMISSIONS[t] === undefined)).to.deep.equal([]);
        });

        it("stops, naming the type, the stack and the file to extend, when the plan registers a type it has no entry for", async () => {
            const plan = await planOnce({ configDir: EVERY_RESOURCE });
            const phases = plan.phases.map((p) =>
                p.stack === "consumer"
                    ? {
                          ...p,
                          resources: [
                              ...p.resources,
                              { type: "aws:sns/topic:Topic", name: "alerts", parent: null, inputs: { name: "alerts" }, options: p.resources[0].options },
                          ],
                      }
                    : p,
            );
            const accounts: StackAccount[] = [{ stack: "consumer", role: "consumer", accountId: CONSUMER, region: "eu-west-1", partition: "aws" }];
            const run = () => pipelineRoles({ ...plan, phases } as Plan, accounts, [], [], { repository: { name: "a/b", ids: "1/2" }, probes: {} });
            expect(run).to.throw(
                UnknownResourceType,
                /Stack consumer registers aws:sns\/topic:Topic, and pipeline\/resource-permissions\.ts has no IAM actions for it/,
            );
        });

        it("keeps every role's policy within IAM's limit for a role's inline policies, and refuses one that would not fit", async () => {
            for (const [stack, r] of Object.entries(roles)) {
                for (const role of ["preview", "deploy", "verify"] as const) {
                    expect(JSON.stringify(r[role]).length, `${stack} ${role}`).to.be.below(LIMITS.roleInlinePolicy.bytes);
                }
            }
            const plan = await planOnce({ configDir: EVERY_RESOURCE });
            const template = plan.phases.find((p) => p.stack === "consumer-adopted")!.resources.find((r) => r.type === TYPES.rolePolicy)!;
            const many = Array.from({ length: 150 }, (_, i) => ({
                ...template,
                name: `grant-${i}`,
                inputs: { ...template.inputs, role: `analytics-app-${i}` },
            }));
            const phases = plan.phases.map((p) => (p.stack === "consumer-adopted" ? { ...p, resources: [...p.resources, ...many] } : p));
            const accounts: StackAccount[] = [
                { stack: "consumer-adopted", role: "consumer", accountId: "333333333333", region: "eu-west-1", partition: "aws" },
            ];
            expect(() => pipelineRoles({ ...plan, phases }, accounts, [], [], { repository: { name: "a/b", ids: "1/2" }, probes: {} })).to.throw(
                /The preview role policy of stack consumer-adopted is \d+ characters, over IAM's 10240 for a role's inline policies/,
            );
        });

        it("maps every AWS SDK call verify makes, and the calls expected next", () => {
            const calls = sdkCallsIn(readVerifySources());
            expect(calls).to.include.members(["s3.GetBucketPolicy", "ssm.SendCommand", "athena.StartQueryExecution", "accessanalyzer.ListFindingsV2"]);
            expect(() => mappedCalls(calls)).not.to.throw();
            for (const next of [
                "ec2.DescribeRouteTables",
                "ec2.DescribeSubnets",
                "ec2.DescribeSecurityGroups",
                "ssm.ListCommandInvocations",
                "athena.StopQueryExecution",
            ]) {
                expect(VERIFY_CALLS, next).to.have.property(next);
            }
            expect(documentsIn(readVerifySources())).to.deep.equal(["AWS-RunShellScript"]);
        });

        it("stops, naming the call, when verify makes one it has no mapping for", () => {
            const source = 'import { PublishCommand } from "@aws-sdk/client-sns";\nawait sns.send(new PublishCommand({}));';
            const calls = sdkCallsIn([source]);
            expect(calls).to.deep.equal(["sns.Publish"]);
            expect(() => mappedCalls(calls)).to.throw(
                UnmappedVerifyCall,
                /npm run verify makes sns\.Publish, and pipeline\/verify-calls\.ts has no IAM actions for it/,
            );
        });

        it("names only actions IAM knows (the evaluator refuses an unknown action name as invalid)", async () => {
            const actions = new Set([
                ...Object.values(roles).flatMap((r) => [r.preview, r.deploy, r.verify].flatMap((d) => d.Statement.flatMap((x) => [x.Action].flat()))),
                ...Object.values(RESOURCE_PERMISSIONS).flatMap((p) => [...p.read, ...p.write, ...p.remove]),
                ...Object.values(VERIFY_CALLS).flatMap((c) => c.grants.flatMap((g) => g.actions)),
            ]);
            const everything: PolicyDocument = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] };
            const unknown: string[] = [];
            for (const action of actions) {
                const principal = { label: "admin", arn: `arn:aws:iam::${OWNER}:role/admin`, identityPolicy: everything };
                const result = await evaluate(
                    { principal, path: { label: "internet", context: {} }, action, resource: "*", resourceAccount: OWNER },
                    undefined,
                );
                if (result.decision === "error" && String(result.error).includes("invalid.action")) {
                    unknown.push(action);
                }
            }
            expect(actions.size).to.be.above(60);
            expect(unknown).to.deep.equal([]);
            // The check itself: the V2 name of an Access Analyzer call is no IAM action.
            const v2 = await evaluate(
                {
                    principal: { label: "admin", arn: `arn:aws:iam::${OWNER}:role/admin`, identityPolicy: everything },
                    path: { label: "internet", context: {} },
                    action: "access-analyzer:ListFindingsV2",
                    resource: "*",
                    resourceAccount: OWNER,
                },
                undefined,
            );
            expect(String(v2.error)).to.include("invalid.action");
        });

        it("grants the verify role only calls verify makes: the owner's role has no probe, the consumer's no Athena", () => {
            const actions = (doc: PolicyDocument) => doc.Statement.flatMap((s) => [s.Action].flat());
            expect(actions(roles.owner.verify)).to.include("athena:StartQueryExecution").and.not.include("ssm:SendCommand");
            expect(actions(roles.consumer.verify)).to.include("ssm:SendCommand").and.not.include("athena:StartQueryExecution");
        });

        it("grants no stack's role the organization-grant check's Organizations reads, and the consumer's the assume of its workload role for the 403 test", () => {
            const granted = Object.values(roles)
                .flatMap((r) => [r.preview, r.deploy, r.verify])
                .flatMap((doc) => doc.Statement.flatMap((s) => [s.Action].flat()));
            expect(granted.filter((a) => String(a).startsWith("organizations:"))).to.deep.equal([]);
            expect(roles.consumer.verify.Statement.flatMap((s) => [s.Action].flat())).to.include("sts:AssumeRole");
        });
    });

    describe("no pipeline role reads or writes the data (independent evaluator)", () => {
        const DATA_ACTIONS = ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"];
        for (const role of ["preview", "deploy", "verify"] as const) {
            for (const stack of ["owner", "consumer", "consumer-adopted"]) {
                it(`the ${stack} ${role} role is refused every object action on the shared bucket and the use of its key`, async () => {
                    const policy = roles[stack][role];
                    const account = stack === "owner" ? OWNER : stack === "consumer" ? CONSUMER : "333333333333";
                    // With the bucket's own policy in force, as AWS evaluates a request to it.
                    const bucketPolicy = await sharedBucketPolicy();
                    for (const action of DATA_ACTIONS) {
                        const decision = await decide(policy, account, action, `${SHARED_BUCKET}/reports/2026.csv`, OWNER, {}, bucketPolicy);
                        expect(decision, `${action}`).to.be.oneOf(["ImplicitlyDenied", "ExplicitlyDenied"]);
                    }
                    for (const action of ["kms:Decrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom"]) {
                        // The key carries the owner stack's tags: the tag-scoped grants match it, and still refuse.
                        expect(await decide(policy, account, action, OWNER_KEY, OWNER, tagsOf("owner", "aws:ResourceTag")), action).to.equal(
                            "ImplicitlyDenied",
                        );
                    }
                });
            }
        }

        it("grants no action that uses a key or touches objects, and no wildcard action, in any role (checked on the documents too)", () => {
            for (const [stack, r] of Object.entries(roles)) {
                for (const role of ["preview", "deploy", "verify"] as const) {
                    const actions = r[role].Statement.flatMap((x) => [x.Action].flat());
                    const forbidden = actions.filter((a) => /\*|^kms:(Decrypt|Encrypt|GenerateDataKey|ReEncrypt)|^s3:(GetObject|DeleteObject)/.test(a));
                    const writes = actions.filter((a) => a === "s3:PutObject");
                    expect(forbidden, `${stack} ${role}`).to.deep.equal(role === "verify" && stack === "owner" ? ["s3:GetObject", "s3:GetObject"] : []);
                    expect(writes.length, `${stack} ${role}`).to.equal(role === "verify" && stack === "owner" ? 1 : 0);
                }
            }
        });

        it("reads the bucket's configuration for preview, policy included, without any object action", async () => {
            expect(await decide(roles.owner.preview, OWNER, "s3:GetBucketPolicy", SHARED_BUCKET, OWNER)).to.equal("Allowed");
            expect(await decide(roles.owner.preview, OWNER, "s3:PutBucketPolicy", SHARED_BUCKET, OWNER)).to.equal("ImplicitlyDenied");
        });
    });

    describe("the deploy roles are scoped to this project's resources", () => {
        it("lets the owner's deploy role write the shared bucket's policy, and no other bucket's", async () => {
            expect(await decide(roles.owner.deploy, OWNER, "s3:PutBucketPolicy", SHARED_BUCKET, OWNER)).to.equal("Allowed");
            expect(await decide(roles.owner.deploy, OWNER, "s3:PutBucketPolicy", "arn:aws:s3:::payroll-exports", OWNER)).to.equal("ImplicitlyDenied");
        });

        it("gives it no way to delete what the stack keeps on destroy: the bucket, its settings, the key", async () => {
            for (const action of ["s3:DeleteBucket", "s3:PutBucketPolicy"]) {
                const expected = action === "s3:PutBucketPolicy" ? "Allowed" : "ImplicitlyDenied";
                expect(await decide(roles.owner.deploy, OWNER, action, SHARED_BUCKET, OWNER), action).to.equal(expected);
            }
            const actions = roles.owner.deploy.Statement.flatMap((x) => [x.Action].flat());
            expect(actions).to.include("kms:PutKeyPolicy").and.not.include("kms:ScheduleKeyDeletion");
            expect(actions).to.include("s3:DeleteBucketPolicy").and.not.include("s3:DeleteBucket");
        });

        it("lets it create a key only with the stack's tags, and change only keys that carry them", async () => {
            expect(await decide(roles.owner.deploy, OWNER, "kms:CreateKey", "*", OWNER, tagsOf("owner", "aws:RequestTag"))).to.equal("Allowed");
            expect(await decide(roles.owner.deploy, OWNER, "kms:CreateKey", "*", OWNER, tagsOf("other-project", "aws:RequestTag"))).to.equal(
                "ImplicitlyDenied",
            );
            expect(await decide(roles.owner.deploy, OWNER, "kms:CreateKey", "*", OWNER)).to.equal("ImplicitlyDenied");
            // The evaluator does not apply aws:ResourceTag to KMS key operations (AWS lists it on the key
            // resource type only), so the scoping of changes to existing keys is checked on the document.
            const onKeys = roles.owner.deploy.Statement.filter((x) => [x.Resource].flat().some((r) => String(r).includes(":key/")));
            expect(onKeys.map((x) => x.Condition)).to.deep.equal([
                { StringEquals: { "aws:ResourceTag/pulumi:project": "cross-account-s3", "aws:ResourceTag/pulumi:stack": "owner" } },
            ]);
        });

        it("lets the consumer's deploy role create the endpoint and the role in its own account", async () => {
            const deploy = roles.consumer.deploy;
            const here = (resource: string) => `arn:aws:ec2:eu-west-1:${CONSUMER}:${resource}`;
            expect(await decide(deploy, CONSUMER, "ec2:CreateVpcEndpoint", here("vpc-endpoint/*"), CONSUMER, tagsOf("consumer", "aws:RequestTag"))).to.equal(
                "Allowed",
            );
            expect(await decide(deploy, CONSUMER, "ec2:CreateVpcEndpoint", here("vpc/vpc-0a1b2c3d4e5f60718"), CONSUMER)).to.equal("Allowed");
            expect(await decide(deploy, CONSUMER, "ec2:CreateVpcEndpoint", here("vpc/vpc-0ffffffffffffffff"), CONSUMER)).to.equal("ImplicitlyDenied");
            expect(await decide(deploy, CONSUMER, "iam:CreateRole", `arn:aws:iam::${CONSUMER}:role/workload-1a2b3c4`, CONSUMER)).to.equal("Allowed");
            expect(await decide(deploy, CONSUMER, "iam:PutRolePolicy", `arn:aws:iam::${CONSUMER}:role/workload-1a2b3c4`, CONSUMER)).to.equal("Allowed");
            expect(await decide(deploy, CONSUMER, "iam:CreateRole", `arn:aws:iam::${CONSUMER}:role/admin`, CONSUMER)).to.equal("ImplicitlyDenied");
        });

        it("lets the consumer's deploy role do nothing in the owner's account", async () => {
            const deploy = roles.consumer.deploy;
            const requests: [string, string, Record<string, string>][] = [
                ["s3:PutBucketPolicy", SHARED_BUCKET, {}],
                ["s3:CreateBucket", "arn:aws:s3:::acme-shared-data-2", {}],
                ["kms:CreateKey", "*", tagsOf("consumer", "aws:RequestTag")],
                ["iam:CreateRole", `arn:aws:iam::${OWNER}:role/workload-1a2b3c4`, {}],
                ["ec2:CreateVpcEndpoint", `arn:aws:ec2:eu-west-1:${OWNER}:vpc-endpoint/*`, tagsOf("consumer", "aws:RequestTag")],
            ];
            for (const [action, resource, context] of requests) {
                expect(await decide(deploy, CONSUMER, action, resource, OWNER, context), `${action} on ${resource}`).to.equal("ImplicitlyDenied");
            }
            // And every statement that changes something names the consumer's own account.
            for (const s of deploy.Statement.filter((x) => [x.Action].flat().some((a) => !/:(Describe|Get|List)/.test(a)))) {
                for (const resource of [s.Resource ?? []].flat()) {
                    expect(resource, s.Sid).to.include(`:${CONSUMER}:`);
                }
            }
        });

        it("manages an adopted endpoint by its id and leaves its deletion out", async () => {
            const deploy = roles["consumer-adopted"].deploy;
            const endpoint = "arn:aws:ec2:eu-west-1:333333333333:vpc-endpoint/vpce-0c1d2e3f4a5b60718";
            expect(await decide(deploy, "333333333333", "ec2:ModifyVpcEndpoint", endpoint, "333333333333")).to.equal("Allowed");
            expect(await decide(deploy, "333333333333", "ec2:DeleteVpcEndpoints", endpoint, "333333333333")).to.equal("ImplicitlyDenied");
            expect(await decide(deploy, "333333333333", "iam:PutRolePolicy", "arn:aws:iam::333333333333:role/analytics-app", "333333333333")).to.equal(
                "Allowed",
            );
        });
    });

    describe("the verify role's probe", () => {
        it("may run only the one document verify uses, only on the consumer's probe instance", async () => {
            const verify = roles.consumer.verify;
            const instance = `arn:aws:ec2:eu-west-1:${CONSUMER}:instance/i-0123456789abcdef0`;
            const probeTag = { [`aws:ResourceTag/${PROBE_TAG}`]: "consumer" };
            expect(await decide(verify, CONSUMER, "ssm:SendCommand", instance, CONSUMER, probeTag)).to.equal("Allowed");
            expect(await decide(verify, CONSUMER, "ssm:SendCommand", instance, CONSUMER)).to.equal("ImplicitlyDenied");
            expect(await decide(verify, CONSUMER, "ssm:SendCommand", "arn:aws:ssm:eu-west-1:222222222222:document/AWS-RunShellScript", CONSUMER)).to.equal(
                "Allowed",
            );
            expect(
                await decide(verify, CONSUMER, "ssm:SendCommand", "arn:aws:ssm:eu-west-1:222222222222:document/AWS-StartInteractiveCommand", CONSUMER),
            ).to.equal("ImplicitlyDenied");
        });

        it("names the instance by id when --probe-instance gives it", async () => {
            const out: string[] = [];
            const args = ["--json", "--config-dir", EVERY_RESOURCE, "--probe-instance", "consumer=i-0123456789abcdef0"];
            expect(await main(args, { stdout: (t) => out.push(t), stderr: (t) => out.push(t) }, planOnce)).to.equal(0);
            const verify = (JSON.parse(out.join("")) as Record<string, PipelineRoles>).consumer.verify;
            const arn = (id: string) => `arn:aws:ec2:eu-west-1:${CONSUMER}:instance/${id}`;
            expect(await decide(verify, CONSUMER, "ssm:SendCommand", arn("i-0123456789abcdef0"), CONSUMER)).to.equal("Allowed");
            expect(await decide(verify, CONSUMER, "ssm:SendCommand", arn("i-0fedcba9876543210"), CONSUMER)).to.equal("ImplicitlyDenied");
        });

        it("lets Athena write its results under the log bucket's results prefix, not into the shared bucket", async () => {
            const verify = roles.owner.verify;
            const results = (JSON.stringify(verify).match(/arn:aws:s3:::[\w*-]+\/athena-results\/\*/) ?? [""])[0]
                .replace("-*/", "-8c56a4c/")
                .replace(/\*$/, "q1.csv");
            expect(results).to.match(/athena-results\/q1\.csv$/);
            expect(await decide(verify, OWNER, "s3:PutObject", results, OWNER)).to.equal("Allowed");
            expect(await decide(verify, OWNER, "s3:PutObject", `${SHARED_BUCKET}/athena-results/q1.csv`, OWNER)).to.equal("ImplicitlyDenied");
        });
    });

    describe("trust and the command line", () => {
        it("trusts GitHub's OIDC provider for pull requests (preview), the account's environment (deploy) and main (verify), in both sub forms", () => {
            const subs = (doc: PolicyDocument) => doc.Statement[0].Condition?.StringLike["token.actions.githubusercontent.com:sub"];
            expect(subs(roles.consumer.trust.preview)).to.deep.equal([
                "repo:<owner>/<repo>:pull_request",
                "repo:<owner>@<owner-id>/<repo>@<repo-id>:pull_request",
            ]);
            expect(subs(roles.owner.trust.deploy)).to.include("repo:<owner>@<owner-id>/<repo>@<repo-id>:environment:owner-account");
            expect(subs(roles.consumer.trust.deploy)).to.include("repo:<owner>/<repo>:environment:consumer-account");
            expect(subs(roles.owner.trust.verify)).to.deep.equal([
                "repo:<owner>/<repo>:ref:refs/heads/main",
                "repo:<owner>@<owner-id>/<repo>@<repo-id>:ref:refs/heads/main",
            ]);
            expect(roles.owner.trust.preview.Statement[0].Principal).to.deep.equal({
                Federated: `arn:aws:iam::${OWNER}:oidc-provider/token.actions.githubusercontent.com`,
            });
        });

        it("prints the whole usage for --help, and refuses a malformed --repo with exit code 2", async () => {
            const out: string[] = [];
            const err: string[] = [];
            const io = { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t) };
            expect(await main(["--help"], io, planOnce)).to.equal(0);
            expect(out.join("")).to.include("usage: npm run ci-policies -- [options]").and.include("--probe-instance").and.include("Example");
            expect(await main(["--repo", "not a repo"], io, planOnce)).to.equal(2);
            expect(err.join("")).to.include("--repo not a repo: write OWNER/REPO");
            expect(CI_POLICIES.options.map((o) => o.name)).to.include.members(["json", "out", "config-dir"]);
        });

        it("refuses --json with --out and a probe on no consumer stack (exit 2), and says why it cannot plan a folder without an owner stack file (exit 1)", async () => {
            const err: string[] = [];
            const io = { stdout: () => undefined, stderr: (t: string) => err.push(t) };
            expect(await main(["--json", "--out", "x"], io, planOnce)).to.equal(2);
            expect(err.join("")).to.include("choose --json or --out, not both");
            expect(await main(["--config-dir", EVERY_RESOURCE, "--probe-instance", "owner=i-0123456789abcdef0"], io, planOnce)).to.equal(2);
            expect(err.join("")).to.include("--probe-instance names owner, which is not a consumer stack of this project (consumer, consumer-adopted)");
            const empty = mkdtempSync(join(tmpdir(), "ci-empty-"));
            expect(await main(["--json", "--config-dir", empty], io, planOnce)).to.equal(1);
            expect(err.join("")).to.include(`${empty} holds no stack files (Pulumi.<stack>.yaml): name the folder that holds them`);
            expect(await main(["--json", "--config-dir", join(empty, "missing")], io, planOnce)).to.equal(1);
            expect(err.join("")).to.include(`${join(empty, "missing")} is not a folder: name the folder that holds your Pulumi.<stack>.yaml files`);
            writeFileSync(join(empty, "Pulumi.consumer.yaml"), "config: {}\n");
            expect(await main(["--json", "--config-dir", empty], io, planOnce)).to.equal(1);
            expect(err.join("")).to.include(
                `The project needs at least one owner stack file (Pulumi.owner.yaml, or cross-account-s3:role: owner); found none in ${empty}`,
            );
        });

        it("writes each role's policy and trust with --out, and the AWS CLI commands that create them", async () => {
            const dir = mkdtempSync(join(tmpdir(), "ci-roles-"));
            const out: string[] = [];
            expect(
                await main(
                    ["--out", dir, "--config-dir", EVERY_RESOURCE, "--repo", "acme/data", "--repo-ids", "1/2"],
                    { stdout: (t) => out.push(t), stderr: (t) => out.push(t) },
                    planOnce,
                ),
            ).to.equal(0);
            const written = JSON.parse(readFileSync(join(dir, "consumer", "deploy-trust.json"), "utf8")) as PolicyDocument;
            expect(JSON.stringify(written)).to.include("repo:acme@1/data@2:environment:consumer-account");
            expect(existsSync(join(dir, "owner", "verify-policy.json"))).to.equal(true);
            expect(out.join("")).to.include(
                "#   verify: ssm:SendCommand on arn:aws:ec2:eu-west-1:222222222222:instance/*, arn:aws:ssm:eu-west-1:*:document/AWS-RunShellScript: runs a script as the instance's role",
            );
            expect(out.join("")).to.match(
                /# {3}preview: s3:GetBucketPolicy on [^\n]*arn:aws:s3:::acme-shared-data[^\n]*: reads who may access the data, not the data/,
            );
            expect(out.join("")).to.include(
                `aws iam put-role-policy --role-name cross-account-s3-owner-deploy --policy-name deploy --policy-document file://${join(dir, "owner", "deploy-policy.json")}`,
            );
        });
    });
});
