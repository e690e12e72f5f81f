import { PolicyResource, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { expect } from "chai";
import { policies } from "../policy-pack/policies";
import { PlacedRegistration } from "../offline/runStack";
import { CONSUMER_STACK, consumerConfig, consumerOutputs, key, OWNER_ACCOUNT, OWNER_STACK, ownerConfig, ownerOutputs } from "./fixtures";
import { TYPES, runOnce } from "./helpers";

class NotApplicable extends Error {}

/** A resource as the policy engine presents it. */
function resource(
    type: string,
    name: string,
    props: Record<string, unknown>,
    deps: Record<string, PolicyResource[]> = {},
    provider?: PolicyResource,
): PolicyResource {
    return {
        type,
        name,
        props,
        urn: `urn:pulumi:s::p::${type}::${name}`,
        opts: {} as PolicyResource["opts"],
        provider: provider && { type: provider.type, name: provider.name, urn: provider.urn, props: provider.props },
        dependencies: Object.values(deps).flat(),
        propertyDependencies: deps,
        isType: () => false,
        asType: () => undefined,
    };
}

const notApplicable = (reason?: string): never => {
    throw new NotApplicable(reason);
};

async function violations(name: string, resources: PolicyResource[]): Promise<string[]> {
    const policy = policies.find((p) => p.name === name)!;
    const found: string[] = [];
    const report: ReportViolation = (message) => found.push(message);
    if ("validateStack" in policy) {
        const args: StackValidationArgs = { resources, stackTags: new Map(), getConfig: <T extends object>() => ({}) as T, notApplicable };
        await (policy as StackValidationPolicy).validateStack!(args, report);
    } else {
        for (const r of resources) {
            const args: ResourceValidationArgs = {
                ...r,
                stackTags: new Map(),
                getConfig: <T extends object>() => ({}) as T,
                notApplicable,
                isType: () => false,
                asType: () => undefined,
            };
            for (const validate of [(policy as ResourceValidationPolicy).validateResource!].flat()) {
                try {
                    await validate(args, report);
                } catch (e) {
                    if (!(e instanceof NotApplicable)) throw e;
                }
            }
        }
    }
    return found;
}

const B = "arn:aws:s3:::data";
const ownerProvider = resource(TYPES.provider, "owner-account", { allowedAccountIds: [OWNER_ACCOUNT] });
const tls = {
    Sid: "DenyInsecureTransport",
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: [B, `${B}/*`],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
};
const grant = { Sid: "Grant", Effect: "Allow", Principal: { AWS: "arn:aws:iam::222222222222:role/app" }, Action: ["s3:GetObject"], Resource: `${B}/*` };
const scopedLock = {
    Sid: "Lock",
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: [B, `${B}/*`],
    Condition: { StringNotEquals: { "aws:PrincipalAccount": OWNER_ACCOUNT, "aws:SourceVpce": "vpce-0aaaaaaaa" } },
};
const unscopedLock = { ...scopedLock, Sid: "ArticleLock", Condition: { StringNotEquals: { "aws:SourceVpce": "vpce-0aaaaaaaa" } } };
const bucketPolicy = (...Statement: object[]) =>
    resource(TYPES.bucketPolicy, "p", { bucket: "data", policy: JSON.stringify({ Version: "2012-10-17", Statement }) }, {}, ownerProvider);

describe("policy pack (each policy's validation called directly)", () => {
    describe("s3-buckets-block-public-access", () => {
        const bucket = resource(TYPES.bucket, "data", { bucket: "data" });
        it("passes a bucket with all four settings", async () => {
            const pab = resource(TYPES.publicAccessBlock, "pab", {
                bucket: "data",
                blockPublicAcls: true,
                blockPublicPolicy: true,
                ignorePublicAcls: true,
                restrictPublicBuckets: true,
            });
            expect(await violations("s3-buckets-block-public-access", [bucket, pab])).to.deep.equal([]);
        });
        it("reports a bucket without one, or with a setting off", async () => {
            const partial = resource(
                TYPES.publicAccessBlock,
                "pab",
                { blockPublicAcls: true, blockPublicPolicy: false, ignorePublicAcls: true, restrictPublicBuckets: true },
                { bucket: [bucket] },
            );
            expect(await violations("s3-buckets-block-public-access", [bucket])).to.deep.equal([
                "bucket data has no BucketPublicAccessBlock with all four settings true",
            ]);
            expect(await violations("s3-buckets-block-public-access", [bucket, partial])).to.have.length(1);
        });
    });

    describe("s3-buckets-enforce-tls", () => {
        const bucket = resource(TYPES.bucket, "data", { bucket: "data" });
        it("passes a policy that denies aws:SecureTransport false on the bucket and its objects", async () => {
            expect(await violations("s3-buckets-enforce-tls", [bucket, bucketPolicy(tls)])).to.deep.equal([]);
        });
        it("reports no policy, or one without the TLS Deny", async () => {
            expect(await violations("s3-buckets-enforce-tls", [bucket])).to.deep.equal(["bucket data has no bucket policy, so nothing refuses plain HTTP"]);
            expect(await violations("s3-buckets-enforce-tls", [bucket, bucketPolicy({ ...tls, Resource: `${B}/*` })])).to.deep.equal([
                "bucket data's policy does not deny requests with aws:SecureTransport false",
            ]);
        });
        it("waits for a policy that is unknown at preview", async () => {
            const unknown = resource(TYPES.bucketPolicy, "p", {}, { bucket: [bucket] });
            expect(await violations("s3-buckets-enforce-tls", [bucket, unknown])).to.deep.equal([]);
        });
    });

    describe("s3-buckets-encrypted", () => {
        const bucket = resource(TYPES.bucket, "data", { bucket: "data" });
        it("passes SSE-S3 and SSE-KMS, reports a bucket with neither", async () => {
            for (const sseAlgorithm of ["AES256", "aws:kms"]) {
                const sse = resource(TYPES.encryption, "sse", { bucket: "data", rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm } }] });
                expect(await violations("s3-buckets-encrypted", [bucket, sse]), sseAlgorithm).to.deep.equal([]);
            }
            expect(await violations("s3-buckets-encrypted", [bucket])).to.have.length(1);
        });
    });

    describe("s3-bucket-policy-no-public-allow", () => {
        it('reports an Allow to Principal "*" and passes named principals', async () => {
            expect(await violations("s3-bucket-policy-no-public-allow", [bucketPolicy({ ...grant, Principal: "*" })])).to.deep.equal([
                'statement Grant allows Principal "*"',
            ]);
            expect(await violations("s3-bucket-policy-no-public-allow", [bucketPolicy({ ...grant, Principal: { AWS: ["*"] } })])).to.have.length(1);
            expect(await violations("s3-bucket-policy-no-public-allow", [bucketPolicy(grant, scopedLock)])).to.deep.equal([]);
            const toOrganization = { ...grant, Principal: "*", Condition: { StringEquals: { "aws:PrincipalOrgID": "o-a1b2c3d4e5" } } };
            expect(await violations("s3-bucket-policy-no-public-allow", [bucketPolicy(toOrganization)]), "pinned organization id").to.deep.equal([]);
            const anyOrganization = { ...toOrganization, Condition: { StringLike: { "aws:PrincipalOrgID": "o-*" } } };
            expect(await violations("s3-bucket-policy-no-public-allow", [bucketPolicy(anyOrganization)]), "wildcard organization id").to.have.length(1);
        });
    });

    describe("s3-cross-account-grants-locked", () => {
        it("passes a cross-account grant covered by an endpoint lock", async () => {
            expect(await violations("s3-cross-account-grants-locked", [bucketPolicy(grant, scopedLock)])).to.deep.equal([]);
        });
        it("reports a grant with no lock, or a lock that exempts the grantee's account", async () => {
            expect(await violations("s3-cross-account-grants-locked", [bucketPolicy(grant)])).to.deep.equal([
                "statement Grant grants arn:aws:iam::222222222222:role/app (account 222222222222) with no aws:SourceVpce lock that covers it",
            ]);
            const exempting = {
                ...scopedLock,
                Condition: { StringNotEquals: { "aws:PrincipalAccount": ["222222222222", OWNER_ACCOUNT], "aws:SourceVpce": "vpce-0aaaaaaaa" } },
            };
            expect(await violations("s3-cross-account-grants-locked", [bucketPolicy(grant, exempting)])).to.have.length(1);
        });
        it("needs no lock for the owner's own principals", async () => {
            expect(
                await violations("s3-cross-account-grants-locked", [
                    bucketPolicy({ ...grant, Principal: { AWS: `arn:aws:iam::${OWNER_ACCOUNT}:role/admin` } }),
                ]),
            ).to.deep.equal([]);
        });
    });

    describe("s3-endpoint-lock-spares-owner", () => {
        it("reports the scenario's unscoped lock, which would lock the owner out", async () => {
            expect(await violations("s3-endpoint-lock-spares-owner", [bucketPolicy(grant, unscopedLock)])).to.deep.equal([
                `statement ArticleLock denies requests outside the endpoints to the owner account ${OWNER_ACCOUNT} too: scope it (e.g. StringNotEquals aws:PrincipalAccount ${OWNER_ACCOUNT})`,
            ]);
        });
        it("passes locks scoped away from the owner by account or by principal ARN", async () => {
            const byArn = {
                ...scopedLock,
                Condition: { ArnEquals: { "aws:PrincipalArn": "arn:aws:iam::222222222222:role/app" }, StringNotEquals: { "aws:SourceVpce": "vpce-0aaaaaaaa" } },
            };
            expect(await violations("s3-endpoint-lock-spares-owner", [bucketPolicy(grant, scopedLock, byArn)])).to.deep.equal([]);
        });
    });

    describe("vpc-gateway-endpoints-have-route-tables", () => {
        it("passes route tables inline or by association, reports a gateway endpoint with none", async () => {
            const inline = resource(TYPES.endpoint, "s3", { vpcEndpointType: "Gateway", routeTableIds: ["rtb-0a1b2c3d"] });
            const bare = resource(TYPES.endpoint, "bare", { vpcEndpointType: "Gateway" });
            const association = resource(TYPES.routeTableAssociation, "a", { routeTableId: "rtb-0a1b2c3d" }, { vpcEndpointId: [bare] });
            const iface = resource(TYPES.endpoint, "ssm", { vpcEndpointType: "Interface" });
            expect(await violations("vpc-gateway-endpoints-have-route-tables", [inline, iface])).to.deep.equal([]);
            expect(await violations("vpc-gateway-endpoints-have-route-tables", [bare])).to.deep.equal([
                "gateway endpoint bare has no route tables, so no subnet uses it",
            ]);
            expect(await violations("vpc-gateway-endpoints-have-route-tables", [bare, association])).to.deep.equal([]);
        });
    });

    describe("no-s3-wildcard-grants", () => {
        it('reports "s3:*", "*" and NotAction grants in IAM and bucket policies', async () => {
            const doc = (statement: object) => JSON.stringify({ Version: "2012-10-17", Statement: [statement] });
            const role = (statement: object) => resource(TYPES.rolePolicy, "r", { policy: doc(statement) });
            expect(await violations("no-s3-wildcard-grants", [role({ Sid: "All", Effect: "Allow", Action: "s3:*", Resource: "*" })])).to.deep.equal([
                "statement All grants s3:*",
            ]);
            expect(await violations("no-s3-wildcard-grants", [role({ Effect: "Allow", Action: ["s3:GetObject", "*"], Resource: "*" })])).to.have.length(1);
            expect(await violations("no-s3-wildcard-grants", [role({ Effect: "Allow", NotAction: "iam:*", Resource: "*" })])).to.have.length(1);
            expect(await violations("no-s3-wildcard-grants", [bucketPolicy({ ...grant, Action: "s3:*" })])).to.have.length(1);
            expect(
                await violations("no-s3-wildcard-grants", [role({ Effect: "Deny", Action: "s3:*", Resource: "*" }), bucketPolicy(tls, grant)]),
            ).to.deep.equal([]);
        });
    });
});

/** A stack's registrations as the policy engine would present them after the program ran. */
function asPolicyResources(registrations: readonly PlacedRegistration[]): PolicyResource[] {
    const byName = new Map<string, PolicyResource>();
    const provider = registrations.find((r) => r.type === TYPES.provider);
    const providerResource =
        provider && resource(TYPES.provider, provider.name, { ...provider.inputs, allowedAccountIds: JSON.parse(String(provider.inputs.allowedAccountIds)) });
    const result: PolicyResource[] = [];
    for (const r of registrations.filter((x) => x.custom && x.type.startsWith("aws:"))) {
        const deps = r.dependsOn.map((n) => byName.get(n)).filter((d): d is PolicyResource => d !== undefined);
        const converted = resource(r.type, r.name, { ...r.state, ...r.inputs }, { bucket: deps, vpcEndpointId: deps }, providerResource);
        byName.set(r.name, converted);
        result.push(converted);
    }
    return result;
}

async function allViolations(resources: PolicyResource[]): Promise<string[]> {
    return (await Promise.all(policies.map(async (p) => (await violations(p.name, resources)).map((v) => `${p.name}: ${v}`)))).flat();
}

describe("the project's own stacks pass every policy", () => {
    it("owner before and after granting, with SSE-KMS, lockMode per-consumer and a shared-VPC consumer too", async () => {
        for (const [config, outputs] of [
            [ownerConfig(), {}],
            [ownerConfig(), consumerOutputs()],
            [ownerConfig({ [key("encryption")]: "sse-kms" }), consumerOutputs()],
            [ownerConfig({ [key("lockMode")]: "per-consumer" }), consumerOutputs()],
            [ownerConfig(), consumerOutputs(undefined, "a", { vpceAccountId: "666666666666" })],
        ] as const) {
            const run = await runOnce({ stack: "owner", config, stackOutputs: { [CONSUMER_STACK]: outputs } });
            expect(await allViolations(asPolicyResources(run.resources))).to.deep.equal([]);
        }
    });

    it("consumer, creating or adopting its endpoint", async () => {
        const adopt = { ...consumerConfig({ [key("existingEndpointId")]: "vpce-0123456789abcdef0" }) };
        delete adopt[key("vpcId")];
        for (const config of [consumerConfig(), adopt]) {
            const run = await runOnce({ stack: "consumer", config, stackOutputs: { [OWNER_STACK]: ownerOutputs() } });
            expect(await allViolations(asPolicyResources(run.resources))).to.deep.equal([]);
        }
    });

    it("and the pack notices when a bucket loses its public access block", async () => {
        const run = await runOnce({ stack: "owner", config: ownerConfig(), stackOutputs: { [CONSUMER_STACK]: consumerOutputs() } });
        const resources = asPolicyResources(run.resources.filter((r) => r.name !== "shared-data-public-access-block"));
        expect(await allViolations(resources)).to.deep.equal([
            "s3-buckets-block-public-access: bucket shared-data has no BucketPublicAccessBlock with all four settings true",
        ]);
    });
});
