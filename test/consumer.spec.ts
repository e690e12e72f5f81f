import { expect } from "chai";
import { adoptedPolicyWarning, adoptedRouteTablesNotice } from "../components/s3GatewayEndpoint";
import { PlacedRegistration } from "../offline/runStack";
import { CONSUMER_ACCOUNT, CONSUMER_STACK, consumerConfig, key, OWNER_ACCOUNT, OWNER_STACK, ownerOutputs, qualified, REGION } from "./fixtures";
import { all, expectNothingCreated, failure, policyOf, the, TYPES, runOnce } from "./helpers";

const deployedOwner = { [OWNER_STACK]: ownerOutputs() };
const BUCKET_ARN = String(ownerOutputs().bucketArn);

describe("consumer stack (through index.ts)", () => {
    describe("with a deployed owner", () => {
        it("creates a gateway endpoint for the region's S3 on exactly the configured route tables", async () => {
            const run = await runOnce({ stack: "consumer", config: consumerConfig(), stackOutputs: deployedOwner });

            const endpoint = the(run.resources, TYPES.endpoint);
            expect(endpoint.inputs).to.include({ vpcId: "vpc-0a1b2c3d4e5f60718", serviceName: "com.amazonaws.eu-west-1.s3", vpcEndpointType: "Gateway" });
            expect(endpoint.inputs.routeTableIds).to.deep.equal(["rtb-0a1b2c3d4e5f60718", "rtb-0b1c2d3e4f5a60718"]);
            expect(endpoint.parentType).to.equal(TYPES.gatewayEndpoint);
            expect(run.outputs.vpceId).to.equal(endpoint.id);
            expect(run.outputs.prefixListId).to.equal(endpoint.state.prefixListId);
            expect(run.outputs.routeTableIds).to.deep.equal(endpoint.inputs.routeTableIds);
            expect(run.outputs.vpceAccountId).to.equal(CONSUMER_ACCOUNT);
        });

        it("uses one explicit provider locked to the consumer account for every AWS resource", async () => {
            const run = await runOnce({
                stack: "consumer",
                config: consumerConfig({
                    [key("deployRoleArn")]: `arn:aws:iam::${CONSUMER_ACCOUNT}:role/deploy`,
                    [key("profile")]: "account-a",
                    [key("tags")]: { team: "data" },
                }),
                stackOutputs: deployedOwner,
            });
            const provider = the(run.resources, TYPES.provider);
            expect(JSON.parse(String(provider.inputs.allowedAccountIds))).to.deep.equal([CONSUMER_ACCOUNT]);
            expect(provider.inputs.profile).to.equal("account-a");
            expect(JSON.parse(String(provider.inputs.assumeRoles))).to.deep.equal([
                { roleArn: `arn:aws:iam::${CONSUMER_ACCOUNT}:role/deploy`, sessionName: "pulumi-consumer" },
            ]);
            expect(JSON.parse(String(provider.inputs.defaultTags))).to.deep.equal({
                tags: { team: "data", "pulumi:project": "cross-account-s3", "pulumi:stack": "consumer" },
            });
            for (const r of run.resources.filter((x) => x.type.startsWith("aws:"))) {
                expect(r.provider, `${r.type} ${r.name}`).to.equal("consumer-account");
            }
        });

        it("creates the EC2 workload role, its instance profile and a least-privilege policy on the owner bucket", async () => {
            const run = await runOnce({ stack: "consumer", config: consumerConfig(), stackOutputs: deployedOwner });

            const role = the(run.resources, TYPES.role);
            expect(policyOf(role, "assumeRolePolicy").Statement).to.deep.equal([
                { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" },
            ]);
            expect(the(run.resources, TYPES.instanceProfile).inputs.role).to.equal(role.state.name);
            const rolePolicy = the(run.resources, TYPES.rolePolicy);
            expect(rolePolicy.inputs.role).to.equal(role.state.name);
            expect(policyOf(rolePolicy).Statement).to.deep.equal([
                { Sid: "SharedBucketObjects", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject"], Resource: `${BUCKET_ARN}/*` },
                { Sid: "SharedBucketList", Effect: "Allow", Action: "s3:ListBucket", Resource: BUCKET_ARN },
            ]);
            for (const r of [role, rolePolicy]) {
                expect(r.parentType).to.equal(TYPES.workloadRole);
            }
            expect(run.outputs).to.include({ roleArn: role.state.arn, region: REGION, accountId: CONSUMER_ACCOUNT, access: "read-write" });
            expect(run.outputs.instanceProfileName).to.equal(the(run.resources, TYPES.instanceProfile).state.name);
        });

        it("adds kms:Decrypt and kms:GenerateDataKey on the owner's key when the bucket uses SSE-KMS", async () => {
            const kmsKeyArn = `arn:aws:kms:${REGION}:${OWNER_ACCOUNT}:key/0f0e0d0c-0b0a-0908-0706-050403020100`;
            const run = await runOnce({ stack: "consumer", config: consumerConfig(), stackOutputs: { [OWNER_STACK]: ownerOutputs({ kmsKeyArn }) } });
            const keyStatement = policyOf(the(run.resources, TYPES.rolePolicy)).Statement.find((s) => s.Sid === "SharedBucketKey");
            expect(keyStatement).to.deep.equal({
                Sid: "SharedBucketKey",
                Effect: "Allow",
                Action: ["kms:Decrypt", "kms:GenerateDataKey"],
                Resource: kmsKeyArn,
            });
        });

        it("defaults the endpoint policy to allow-all, with the owner bucket named explicitly", async () => {
            const run = await runOnce({ stack: "consumer", config: consumerConfig(), stackOutputs: deployedOwner });
            const doc = policyOf(the(run.resources, TYPES.endpoint));
            expect(doc.Statement.map((s) => s.Sid)).to.deep.equal(["OwnerBucket", "AllowAll"]);
        });

        it("honours a restricted endpoint policy with extra buckets", async () => {
            const run = await runOnce({
                stack: "consumer",
                config: consumerConfig({ [key("endpointPolicy")]: "owner-only", [key("extraBuckets")]: ["amazonlinux-2-repos-eu-west-1"] }),
                stackOutputs: deployedOwner,
            });
            const doc = policyOf(the(run.resources, TYPES.endpoint));
            expect(doc.Statement.map((s) => s.Sid)).to.deep.equal(["OwnerBucket", "ExtraBuckets"]);
            expect(doc.Statement[1].Resource).to.deep.equal(["arn:aws:s3:::amazonlinux-2-repos-eu-west-1", "arn:aws:s3:::amazonlinux-2-repos-eu-west-1/*"]);
        });

        it("expands the AWS-owned bucket presets for the stack's region, read-only", async () => {
            const run = await runOnce({
                stack: "consumer",
                config: consumerConfig({ [key("endpointPolicy")]: "owner-only", [key("extraBuckets")]: ["preset:ssm", "preset:ecr", "aws-ssm-eu-west-1"] }),
                stackOutputs: deployedOwner,
            });
            const extra = policyOf(the(run.resources, TYPES.endpoint)).Statement[1];
            expect(extra.Action).to.deep.equal(["s3:GetObject", "s3:ListBucket"]);
            const buckets = (extra.Resource as string[]).filter((arn) => !arn.endsWith("/*")).map((arn) => arn.replace("arn:aws:s3:::", ""));
            expect(buckets).to.include.members([
                "aws-ssm-eu-west-1",
                "amazon-ssm-eu-west-1",
                "eu-west-1-birdwatcher-prod",
                "patch-baseline-snapshot-eu-west-1",
                "prod-eu-west-1-starport-layer-bucket",
            ]);
            expect(buckets.filter((b) => b === "aws-ssm-eu-west-1")).to.have.length(1);
            expect(buckets.every((b) => !b.includes("<region>") && !b.startsWith("preset:"))).to.equal(true);
        });

        it("attaches the policy to an existing role instead of creating one", async () => {
            const existing = `arn:aws:iam::${CONSUMER_ACCOUNT}:role/apps/batch-worker`;
            const run = await runOnce({ stack: "consumer", config: consumerConfig({ [key("existingRoleArn")]: existing }), stackOutputs: deployedOwner });
            expect(all(run.resources, TYPES.role)).to.deep.equal([]);
            expect(all(run.resources, TYPES.instanceProfile)).to.deep.equal([]);
            expect(the(run.resources, TYPES.rolePolicy).inputs.role).to.equal("batch-worker");
            expect(run.outputs.roleArn).to.equal(existing);
            expect(run.outputs).not.to.have.property("instanceProfileName");
        });
    });

    it("trusts the verify tester, when set, only under verify's session name", async () => {
        const tester = `arn:aws:iam::${CONSUMER_ACCOUNT}:role/verify`;
        const run = await runOnce({ stack: "consumer", config: consumerConfig({ [key("verifyTester")]: tester }), stackOutputs: deployedOwner });
        const trust = JSON.parse(String(the(run.resources, TYPES.role).inputs.assumeRolePolicy)) as { Statement: unknown[] };
        expect(trust.Statement).to.deep.equal([
            { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" },
            {
                Sid: "VerifyTester",
                Effect: "Allow",
                Principal: { AWS: tester },
                Action: "sts:AssumeRole",
                Condition: { StringEquals: { "sts:RoleSessionName": "cross-account-s3-verify" } },
            },
        ]);
    });

    describe("reading several owner stacks (ownerStacks)", () => {
        const SECOND_OWNER = qualified("owner-b");
        const secondBucket = "arn:aws:s3:::producer-b-data";
        const grants = (access: string, prefix?: string) => ({ [CONSUMER_STACK]: { access, ...(prefix ? { prefix } : {}) } });
        const owners = (second: Record<string, unknown> = {}) => ({
            [OWNER_STACK]: ownerOutputs({ consumerStacks: [CONSUMER_STACK], consumerGrants: grants("read-write") }),
            [SECOND_OWNER]: ownerOutputs({
                bucketName: "producer-b-data",
                bucketArn: secondBucket,
                accountId: "444444444444",
                consumerStacks: [CONSUMER_STACK],
                consumerGrants: grants("read", "reports/"),
                ...second,
            }),
        });
        const config = consumerConfig({ [key("ownerStacks")]: ["owner", "owner-b"], [key("endpointPolicy")]: "owner-only", [key("access")]: "read" });

        it("gives one role and one endpoint every bucket, each with its owner's exported grant rather than what this stack asks for", async () => {
            const run = await runOnce({ stack: "consumer", config, stackOutputs: owners() });
            expect(all(run.resources, TYPES.role)).to.have.length(1);
            const role = policyOf(the(run.resources, TYPES.rolePolicy));
            expect(role.Statement.find((s) => s.Sid === "SharedBucketObjects")).to.deep.include({
                Action: ["s3:GetObject", "s3:PutObject"],
                Resource: `${BUCKET_ARN}/*`,
            });
            expect(role.Statement.find((s) => s.Sid === "SharedBucket2Objects")).to.deep.include({
                Action: "s3:GetObject",
                Resource: `${secondBucket}/reports/*`,
            });
            const endpoint = policyOf(the(run.resources, TYPES.endpoint));
            expect(endpoint.Statement.map((s) => s.Sid)).to.deep.equal(["OwnerBucket", "OwnerBucket2"]);
        });

        it("uses what this stack asks for with an owner that exports no grants", async () => {
            const run = await runOnce({ stack: "consumer", config, stackOutputs: owners({ consumerGrants: undefined }) });
            const role = policyOf(the(run.resources, TYPES.rolePolicy));
            expect(role.Statement.find((s) => s.Sid === "SharedBucket2Objects")).to.deep.include({ Action: "s3:GetObject", Resource: `${secondBucket}/*` });
        });

        it("refuses a malformed grant and reports every owner's problems at once, before anything is created", async () => {
            const stackOutputs = { ...owners({ consumerGrants: grants("admin") }), [OWNER_STACK]: ownerOutputs({ region: "us-east-1" }) };
            const error = await failure(runOnce({ stack: "consumer", config, stackOutputs }));
            expect(error.message).to.contain(`Cannot read the owner stacks "${OWNER_STACK}", "${SECOND_OWNER}"`);
            expect(error.message).to.contain("(2 problems)");
            expect(error.message).to.contain(`${SECOND_OWNER} output consumerGrants["${CONSUMER_STACK}"] = "admin": access must be one of read, read-write`);
            expect(error.message).to.contain(`${OWNER_STACK} output region = "us-east-1": differs from this stack's region`);
            expectNothingCreated(error);
        });
    });

    describe("adopting an existing gateway endpoint", () => {
        const adopt = consumerConfig({ [key("existingEndpointId")]: "vpce-0123456789abcdef0", [key("vpcId")]: undefined });
        delete adopt[key("vpcId")];

        it("reads the endpoint instead of creating it, adds the route tables, and leaves its policy alone", async () => {
            const run = await runOnce({ stack: "consumer", config: adopt, stackOutputs: deployedOwner });
            const endpoint = the(run.resources, TYPES.endpoint);
            expect(endpoint.read).to.equal(true);
            expect(endpoint.id).to.equal("vpce-0123456789abcdef0");
            const associations = all(run.resources, TYPES.routeTableAssociation);
            expect(associations.map((a) => [a.name, a.inputs.routeTableId, a.inputs.vpcEndpointId])).to.deep.equal([
                ["s3-rtb-0a1b2c3d4e5f60718", "rtb-0a1b2c3d4e5f60718", "vpce-0123456789abcdef0"],
                ["s3-rtb-0b1c2d3e4f5a60718", "rtb-0b1c2d3e4f5a60718", "vpce-0123456789abcdef0"],
            ]);
            expect(all(run.resources, TYPES.endpointPolicy)).to.deep.equal([]);
            expect(run.outputs.vpceId).to.equal("vpce-0123456789abcdef0");
            expect(run.outputs.endpointPolicyManaged).to.equal(false);
        });

        it("never takes a route table off the adopted endpoint: each association is retained, and the plan says what stays", async () => {
            // Once the stack has run, a read of the endpoint lists the tables it added beside those it
            // found; deleting an association removes the route for everyone, so none is ever deleted.
            const run = await runOnce({ stack: "consumer", config: adopt, stackOutputs: deployedOwner });
            const associations = all(run.resources, TYPES.routeTableAssociation) as PlacedRegistration[];
            expect(associations).to.have.length(2);
            expect(associations.map((a) => [a.inputs.routeTableId, a.retainOnDelete])).to.deep.equal([
                ["rtb-0a1b2c3d4e5f60718", true],
                ["rtb-0b1c2d3e4f5a60718", true],
            ]);
            expect(run.logs).to.deep.equal([`info: ${adoptedRouteTablesNotice("vpce-0123456789abcdef0", ["rtb-0a1b2c3d4e5f60718", "rtb-0b1c2d3e4f5a60718"])}`]);
            expect(run.logs[0]).to.match(/stay on it when this stack is destroyed or a table is taken out of routeTableIds/);
            expect(run.logs[0]).to.contain("aws ec2 modify-vpc-endpoint --vpc-endpoint-id vpce-0123456789abcdef0 --remove-route-table-ids");
            const preview = await runOnce({ stack: "consumer", config: adopt, stackOutputs: deployedOwner, preview: true });
            expect(preview.logs).to.deep.equal(run.logs);
        });

        it("applies an endpoint policy to the adopted endpoint when one is chosen, warning what that does to its other users", async () => {
            const config = { ...adopt, [key("endpointPolicy")]: "account-and-owner" };
            const run = await runOnce({ stack: "consumer", config, stackOutputs: deployedOwner });
            const policy = the(run.resources, TYPES.endpointPolicy);
            expect(policy.inputs.vpcEndpointId).to.equal("vpce-0123456789abcdef0");
            expect(run.outputs.endpointPolicyManaged).to.equal(true);
            expect(policyOf(policy).Statement.map((s) => s.Sid)).to.deep.equal(["OwnerBucket", "OwnAccountBuckets"]);
            expect(run.logs.filter((l) => l.startsWith("warning:"))).to.deep.equal([`warning: ${adoptedPolicyWarning("vpce-0123456789abcdef0")}`]);
            expect(run.logs.join("\n")).to.match(/every workload that uses that endpoint/);
            const preview = await runOnce({ stack: "consumer", config, stackOutputs: deployedOwner, preview: true });
            expect(preview.logs).to.deep.equal(run.logs);
        });

        it("refuses to manage an adopted endpoint's policy that an owner reports another stack manages, before anything is created", async () => {
            const other = qualified("consumer-b");
            const config = { ...adopt, [key("endpointPolicy")]: "owner-only" };
            const reported = (stacks: string[]) => ({ [OWNER_STACK]: ownerOutputs({ endpointPolicyManagers: { "vpce-0123456789abcdef0": stacks } }) });
            const error = await failure(runOnce({ stack: "consumer", config, stackOutputs: reported([other]) }));
            expect(error.message).to.contain(
                `${OWNER_STACK} output endpointPolicyManagers = {"vpce-0123456789abcdef0":["${other}"]}: says ${other} already manages the policy of vpce-0123456789abcdef0`,
            );
            expect(error.message).to.contain("Fix: pulumi config set cross-account-s3:endpointPolicy unmanaged on this stack (consumer-b keeps managing it");
            expectNothingCreated(error);
            const own = await runOnce({ stack: "consumer", config, stackOutputs: reported([CONSUMER_STACK]) });
            expect(all(own.resources, TYPES.endpointPolicy)).to.have.length(1);
            const unmanaged = await runOnce({ stack: "consumer", config: adopt, stackOutputs: reported([other]) });
            expect(all(unmanaged.resources, TYPES.endpointPolicy)).to.deep.equal([]);
        });

        it("keeps its policy on the adopted endpoint after a destroy or a switch to unmanaged, and says so instead of resetting it", async () => {
            // Deleting a VpcEndpointPolicy resets the endpoint to AWS's full-access default (ResetPolicy):
            // retained, the resource is forgotten and the policy this stack set stays.
            const managed = await runOnce({ stack: "consumer", config: { ...adopt, [key("endpointPolicy")]: "owner-only" }, stackOutputs: deployedOwner });
            expect((the(managed.resources, TYPES.endpointPolicy) as PlacedRegistration).retainOnDelete).to.equal(true);
            const warning = managed.logs.find((l) => l.startsWith("warning:"));
            expect(warning).to.match(/Destroying this stack, or setting endpointPolicy to unmanaged later, leaves this stack's policy on the endpoint/);
            expect(warning).to.contain("aws ec2 describe-vpc-endpoints --vpc-endpoint-ids vpce-0123456789abcdef0");
            const unmanaged = await runOnce({ stack: "consumer", config: { ...adopt, [key("endpointPolicy")]: "unmanaged" }, stackOutputs: deployedOwner });
            expect(all(unmanaged.resources, TYPES.endpointPolicy)).to.deep.equal([]);
        });

        it("leaves an adopted endpoint's policy alone without a word by default", async () => {
            const run = await runOnce({ stack: "consumer", config: adopt, stackOutputs: deployedOwner });
            expect(all(run.resources, TYPES.endpointPolicy)).to.deep.equal([]);
            expect(run.logs.filter((l) => l.startsWith("warning:"))).to.deep.equal([]);
        });

        it("reads its own account's endpoint when endpointOwnerAccountId names that account, as without the key", async () => {
            const own = await runOnce({
                stack: "consumer",
                config: { ...adopt, [key("endpointOwnerAccountId")]: CONSUMER_ACCOUNT },
                stackOutputs: deployedOwner,
            });
            const plain = await runOnce({ stack: "consumer", config: adopt, stackOutputs: deployedOwner });
            expect(the(own.resources, TYPES.endpoint).read).to.equal(true);
            expect(own.resources.map((r) => `${r.type} ${r.name}`)).to.deep.equal(plain.resources.map((r) => `${r.type} ${r.name}`));
            expect(own.outputs).to.deep.equal(plain.outputs);
            expect(own.outputs.vpceAccountId).to.equal(CONSUMER_ACCOUNT);
        });
    });

    describe("adopting the endpoint of a shared VPC (endpointOwnerAccountId names another account)", () => {
        const vpcOwner = "666666666666";
        const shared = consumerConfig({ [key("existingEndpointId")]: "vpce-0123456789abcdef0", [key("endpointOwnerAccountId")]: vpcOwner });
        delete shared[key("vpcId")];
        delete shared[key("routeTableIds")];

        it("makes no EC2 call on the endpoint and exports the declared owner as vpceAccountId", async () => {
            const run = await runOnce({ stack: "consumer", config: shared, stackOutputs: deployedOwner });
            expect(run.resources.filter((r) => r.type.startsWith("aws:ec2"))).to.deep.equal([]);
            expect(run.outputs.vpceId).to.equal("vpce-0123456789abcdef0");
            expect(run.outputs.vpceAccountId).to.equal(vpcOwner);
            expect(run.outputs.accountId).to.equal(CONSUMER_ACCOUNT);
            expect(run.outputs).not.to.have.property("prefixListId");
            expect(the(run.resources, TYPES.rolePolicy).inputs.policy).to.contain(BUCKET_ARN);
        });

        for (const [name, value, rule] of [
            ["routeTableIds", ["rtb-0a1b2c3d4e5f60718"], "cannot change the VPC owner's route tables"],
            ["endpointPolicy", "owner-only", "cannot change the VPC owner's endpoint policy"],
        ] as const) {
            it(`refuses ${name}, which would change the VPC owner's endpoint, before anything is created`, async () => {
                const error = await failure(runOnce({ stack: "consumer", config: { ...shared, [key(name)]: value }, stackOutputs: deployedOwner }));
                expect(error.message).to.contain(`${key(name)} = ${JSON.stringify(value)}: must be`);
                expect(error.message).to.contain(
                    `the endpoint belongs to account ${vpcOwner} (endpointOwnerAccountId), and a participant of a shared VPC ${rule}`,
                );
                expectNothingCreated(error);
            });
        }

        it("refuses endpointOwnerAccountId without an adopted endpoint, and one that is not an account id", async () => {
            const a = await failure(
                runOnce({ stack: "consumer", config: consumerConfig({ [key("endpointOwnerAccountId")]: vpcOwner }), stackOutputs: deployedOwner }),
            );
            expect(a.message).to.contain(`${key("endpointOwnerAccountId")} = "${vpcOwner}": only applies to an adopted endpoint`);
            expectNothingCreated(a);
            const b = await failure(
                runOnce({ stack: "consumer", config: { ...shared, [key("endpointOwnerAccountId")]: "6666" }, stackOutputs: deployedOwner }),
            );
            expect(b.message).to.contain(`${key("endpointOwnerAccountId")} = "6666": must be a 12-digit AWS account id`);
            expectNothingCreated(b);
        });
    });

    describe("refuses to start", () => {
        it("when the owner has not been deployed, saying to deploy it first", async () => {
            const error = await failure(runOnce({ stack: "consumer", config: consumerConfig(), stackOutputs: { [OWNER_STACK]: {} } }));
            expect(error.message).to.contain("output bucketArn = (not set): is missing: the owner stack has not been deployed yet");
            expect(error.message).to.contain("Fix: deploy the owner first");
            expectNothingCreated(error);
        });

        it("when its region differs from the bucket's region", async () => {
            const error = await failure(runOnce({ stack: "consumer", config: consumerConfig({ [key("region")]: "us-east-1" }), stackOutputs: deployedOwner }));
            expect(error.message).to.contain('output region = "eu-west-1": differs from this stack\'s region "us-east-1"');
            expectNothingCreated(error);
        });

        it("when the same region check runs at preview", async () => {
            const error = await failure(
                runOnce({ stack: "consumer", config: consumerConfig({ [key("region")]: "us-east-1" }), stackOutputs: deployedOwner, preview: true }),
            );
            expect(error.message).to.contain("gateway endpoints only carry requests to S3 in their own region");
            expectNothingCreated(error);
        });

        it("when the owner exports a malformed bucket ARN or is in the consumer's own account", async () => {
            const error = await failure(
                runOnce({
                    stack: "consumer",
                    config: consumerConfig(),
                    stackOutputs: { [OWNER_STACK]: ownerOutputs({ bucketArn: "my-bucket", accountId: CONSUMER_ACCOUNT }) },
                }),
            );
            expect(error.message).to.contain("(2 problems)");
            expect(error.message).to.contain('output bucketArn = "my-bucket": must be an S3 bucket ARN');
            expect(error.message).to.contain("is this consumer's own account");
            expectNothingCreated(error);
        });

        it("with the owner stack named in config", async () => {
            const error = await failure(
                runOnce({ stack: "consumer", config: consumerConfig({ [key("ownerStack")]: "acme/shared/owner-prod" }), stackOutputs: deployedOwner }),
            );
            expect(error.message).to.contain('unknown stack "acme/shared/owner-prod"');
        });
    });
});
