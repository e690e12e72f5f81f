/**
 * How many consumers fit in one policy, naive versus shipped, found by building policies of growing
 * size and measuring them. Run: npm run bench:policy
 */
import { ALL_S3, LIST_BUCKET, OBJECT_ACTIONS, KMS_ACTIONS } from "../policies/actions";
import { buildBucketPolicy } from "../policies/bucket-policy";
import { byteSize, Limit, LIMITS, policy, PolicyDocument, Statement } from "../policies/document";
import { buildEndpointPolicy } from "../policies/endpoint-policy";
import { buildKeyPolicy } from "../policies/key-policy";
import { buildConsumerRolePolicy } from "../policies/role-policy";
import { ConsumerGrant, LockMode, OrganizationGrant } from "../domain/terms";

const OWNER = "111111111111";
/** The longest bucket name, as the preview-time check assumes for an auto-named bucket. */
const BUCKET = `arn:aws:s3:::${"b".repeat(63)}`;
const REGION = "eu-west-1";

/** Consumers as the programs produce them: own account, auto-named role, one endpoint; a third read-only. */
function consumers(n: number): ConsumerGrant[] {
    return Array.from({ length: n }, (_, i) => ({
        roleArn: `arn:aws:iam::${String(500000000000 + i)}:role/workload-${i.toString(16).padStart(7, "0")}`,
        accountId: String(500000000000 + i),
        vpceIds: [`vpce-0${i.toString(16).padStart(16, "0")}`],
        access: i % 3 === 0 ? "read" : "read-write",
    }));
}

/** The scenario's policy, repeated per consumer: its own Allow and its own endpoint Deny. */
function naiveBucketPolicy(list: ConsumerGrant[]): PolicyDocument {
    const resources = [BUCKET, `${BUCKET}/*`];
    const statements: Statement[] = [
        {
            Sid: "DenyInsecureTransport",
            Effect: "Deny",
            Principal: "*",
            Action: ALL_S3,
            Resource: resources,
            Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
    ];
    list.forEach((c, i) => {
        statements.push(
            { Sid: `Grant${i}`, Effect: "Allow", Principal: { AWS: c.roleArn }, Action: [...OBJECT_ACTIONS[c.access], LIST_BUCKET], Resource: resources },
            {
                Sid: `Lock${i}`,
                Effect: "Deny",
                Principal: "*",
                Action: ALL_S3,
                Resource: resources,
                Condition: { ArnEquals: { "aws:PrincipalArn": c.roleArn }, StringNotEquals: { "aws:SourceVpce": [...c.vpceIds] } },
            },
        );
    });
    return policy(statements);
}

/** One key-policy statement per consumer role. */
function naiveKeyPolicy(list: ConsumerGrant[]): PolicyDocument {
    return policy([
        { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${OWNER}:root` }, Action: "kms:*", Resource: "*" },
        ...list.map(
            (c): Statement => ({
                Effect: "Allow",
                Principal: { AWS: c.roleArn },
                Action: [...KMS_ACTIONS[c.access]],
                Resource: "*",
                Condition: { StringEquals: { "kms:ViaService": `s3.${REGION}.amazonaws.com` } },
            }),
        ),
    ]);
}

/** The longest role names a user can configure (64 characters, through existingRoleArn). */
const longestNames = (list: ConsumerGrant[]): ConsumerGrant[] =>
    list.map((c, i) => ({ ...c, roleArn: `arn:aws:iam::${c.accountId}:role/${i.toString(16).padStart(64, "r")}` }));
const shipped =
    (lockMode: LockMode, names: (l: ConsumerGrant[]) => ConsumerGrant[] = (l) => l) =>
    (list: ConsumerGrant[]) =>
        buildBucketPolicy({ bucketArn: BUCKET, ownerAccountId: OWNER, grants: names(list), encryption: { kind: "sse-s3" }, lockMode });
const shippedBucketPolicy = shipped("account-match");
const shippedKeyPolicy = (list: ConsumerGrant[]) =>
    buildKeyPolicy({ bucketArn: BUCKET, ownerAccountId: OWNER, region: REGION, partition: "aws", grants: list });

/** The largest consumer count whose document fits, by building documents of growing size. */
function measure(build: (list: ConsumerGrant[]) => PolicyDocument, limit: Limit): { fit: number; perConsumer: number } {
    let fit = 0;
    while (byteSize(build(consumers(fit + 1))) <= limit.bytes) {
        fit += 1;
    }
    const perConsumer = fit === 0 ? 0 : (byteSize(build(consumers(fit))) - byteSize(build([]))) / fit;
    return { fit, perConsumer };
}

function report(builder: string, naive: (l: ConsumerGrant[]) => PolicyDocument, shippedOne: (l: ConsumerGrant[]) => PolicyDocument, limit: Limit): void {
    line(`${builder} naive`, naive, limit);
    line(`${builder} shipped`, shippedOne, limit);
}

function line(label: string, build: (l: ConsumerGrant[]) => PolicyDocument, limit: Limit): void {
    const started = process.hrtime.bigint();
    const { fit, perConsumer } = measure(build, limit);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    console.log(
        `${label}: ${fit} consumers fit, ${Math.round(perConsumer)} bytes per consumer   (limit ${limit.bytes} bytes; measured in ${ms.toFixed(0)} ms)`,
    );
}

report("bucket policy", naiveBucketPolicy, shippedBucketPolicy, LIMITS.bucketPolicy);
line("bucket policy shipped (longest names)", shipped("account-match", longestNames), LIMITS.bucketPolicy);
line("bucket policy shipped, lockMode per-consumer", shipped("per-consumer"), LIMITS.bucketPolicy);
line("bucket policy shipped, lockMode per-consumer (longest names)", shipped("per-consumer", longestNames), LIMITS.bucketPolicy);
report("key policy", naiveKeyPolicy, shippedKeyPolicy, LIMITS.keyPolicy);

// An organization grant: the owner's inputs are its config (the grant) and the listed consumers' exports;
// the accounts under the path and their consumer stacks are none of them, so the count cannot matter.
const ORG_GRANT: OrganizationGrant = {
    kind: "organization",
    orgPath: "o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/",
    roleName: "shared-data-exchange",
    access: "read-write",
    prefix: "exchange/",
};
/** The owner's bucket policy with the listed consumers and the grant: the accounts under its path are no input. */
const withOrganizationGrant = (listed: ConsumerGrant[]) =>
    buildBucketPolicy({ bucketArn: BUCKET, ownerAccountId: OWNER, grants: [...listed, ORG_GRANT], encryption: { kind: "sse-s3" }, lockMode: "account-match" });
for (const accounts of [1, 10_000]) {
    console.log(
        `bucket policy, one organization grant (prefix), ${accounts.toLocaleString("en")} account${accounts === 1 ? "" : "s"} under the path: ${byteSize(withOrganizationGrant([]))} bytes`,
    );
}
line("bucket policy shipped beside one organization grant", withOrganizationGrant, LIMITS.bucketPolicy);

// One of these per consumer, in the consumer's account: their size does not grow with consumers.
const endpoint = buildEndpointPolicy({
    mode: "owner-only",
    ownerBucketArn: BUCKET,
    access: "read-write",
    prefix: "team-a/",
    accountId: "222222222222",
    extraBuckets: ["amazonlinux-2-repos-eu-west-1", "al2023-repos-eu-west-1-de612dc2", "prod-eu-west-1-starport-layer-bucket"],
    partition: "aws",
});
const role = buildConsumerRolePolicy({
    bucketArn: BUCKET,
    access: "read-write",
    prefix: "team-a/",
    kmsKeyArn: `arn:aws:kms:${REGION}:${OWNER}:key/0f0e0d0c-0b0a-0908-0706-050403020100`,
});
console.log(`endpoint policy (one per consumer, 3 extra buckets): ${byteSize(endpoint)} of ${LIMITS.endpointPolicy.bytes} bytes`);
console.log(`role policy (one per consumer, prefix and KMS): ${byteSize(role)} of ${LIMITS.roleInlinePolicy.bytes} bytes`);
