/**
 * docs/design.md's "what a change does" table. Each setting's change is played through the real stack
 * program under the mock runtime, before and after; the effect column is what the two runs differ by:
 * a protected resource deleted or replaced (Pulumi stops at preview), a resource replaced (an input the
 * provider cannot update changed), resources added or removed, inputs updated, or nothing. Settings a
 * run cannot show (the account, the region, the program) say so. `npm run docs:change-table` rewrites
 * the table; a spec fails when the page is stale or a setting the code reads has no row.
 */
import { readFileSync, writeFileSync } from "fs";
import { PlacedRegistration } from "../offline/runStack";
import { DESIGN } from "./policy-table";
import { runOnce } from "./helpers";
import {
    CONSUMER_ACCOUNT,
    CONSUMER_STACK,
    consumerConfig,
    consumerOutputs,
    key,
    OWNER_STACK,
    ownerConfig,
    ownerOutputs,
    qualified,
    SECOND_CONSUMER_ACCOUNT,
    SECOND_CONSUMER_STACK,
} from "./fixtures";

type Config = Record<string, unknown>;

export const EFFECTS = {
    blocked: "**stops at preview**, protected",
    replaces: "replaces a resource",
    addsOrRemoves: "adds or removes resources",
    inPlace: "updates in place",
    nothing: "nothing changes in AWS",
    stepsFirst: "**steps first**",
} as const;
export type Effect = (typeof EFFECTS)[keyof typeof EFFECTS];

/**
 * Inputs that the Terraform AWS provider (which Pulumi's bridges) marks ForceNew: changing one
 * deletes the resource and creates a new one. Only the inputs this project sets.
 */
export const FORCE_NEW: Readonly<Record<string, readonly string[]>> = {
    "aws:s3/bucket:Bucket": ["bucket"],
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": ["bucket"],
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": ["bucket"],
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": ["bucket"],
    "aws:s3/bucketVersioning:BucketVersioning": ["bucket"],
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": ["bucket"],
    "aws:s3/bucketPolicy:BucketPolicy": ["bucket"],
    "aws:s3/bucketLogging:BucketLogging": ["bucket"],
    "aws:iam/role:Role": ["name", "namePrefix"],
    "aws:iam/instanceProfile:InstanceProfile": ["name", "namePrefix"],
    "aws:ec2/vpcEndpoint:VpcEndpoint": ["vpcId", "serviceName", "vpcEndpointType"],
    "aws:ec2/vpcEndpointRouteTableAssociation:VpcEndpointRouteTableAssociation": ["vpcEndpointId", "routeTableId"],
    "aws:ec2/vpcEndpointPolicy:VpcEndpointPolicy": ["vpcEndpointId"],
    "aws:iam/rolePolicy:RolePolicy": ["role", "name"],
    "aws:glue/catalogDatabase:CatalogDatabase": ["name"],
    "aws:glue/catalogTable:CatalogTable": ["name", "databaseName"],
    "aws:athena/workgroup:Workgroup": ["name"],
    "aws:athena/namedQuery:NamedQuery": ["name", "database", "query", "workgroup", "description"],
    "aws:accessanalyzer/analyzer:Analyzer": ["analyzerName", "type"],
};

export interface ChangeRow {
    readonly stack: "both" | "owner" | "consumer";
    /** The setting as docs/config.md names it. */
    readonly key: string;
    readonly change: string;
    /** Overrides of the stack's base config before and after; absent where a run cannot show the change. */
    readonly play?: { readonly from: Config; readonly to: Config };
    /** The effect, declared, for a change that is not played. */
    readonly effect?: Effect;
    readonly then: string;
}

const adopt = { [key("existingEndpointId")]: "vpce-0123456789abcdef0", [key("vpcId")]: undefined };
const adoptBucket = { [key("existingBucketName")]: "legacy-analytics-data" };
const adoptedPolicy = (choice: "exempt" | "lock") => ({
    [key("existingBucketPolicy")]: "test/stacks/adopted-bucket/existing-bucket-policy.json",
    [key("existingGrants")]: { S3ServerAccessLogs: choice },
});
const adoptedKey = { [key("existingKmsKeyArn")]: "arn:aws:kms:eu-west-1:111111111111:key/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d" };
const entry = (fields: Config = {}) => [{ stack: "consumer", accountId: CONSUMER_ACCOUNT, access: "read-write", ...fields }];
const consumers = (fields: Config) => ({ [key("consumers")]: entry(fields) });
const unprotect = (name: string, type: string) =>
    `\`pulumi state unprotect 'urn:pulumi:owner::cross-account-s3::cross-account-s3:index:CrossAccountBucket$${type}::${name}' -s owner\``;

export const CHANGE_ROWS: readonly ChangeRow[] = [
    {
        stack: "both",
        key: "role",
        change: "`owner` ↔ `consumer`",
        effect: EFFECTS.stepsFirst,
        then: "Another program, not a change: create a new stack for it; destroy the old one as its section says.",
    },
    {
        stack: "both",
        key: "accountId",
        change: "another account",
        effect: EFFECTS.stepsFirst,
        then: "A stack holds one account's resources and the provider refuses any other: create a new stack for the new account (and list it in the owner's `consumers`).",
    },
    {
        stack: "both",
        key: "region",
        change: "another region",
        effect: EFFECTS.stepsFirst,
        then: "Every resource moves: the owner's protected bucket stops the preview (see *Protected*), and a consumer must follow the bucket's region. Create new stacks in the new region instead.",
    },
    {
        stack: "both",
        key: "allowUnlistedRegion",
        change: "`false` → `true`",
        play: { from: {}, to: { [key("allowUnlistedRegion")]: true } },
        then: "Only widens the region check.",
    },
    {
        stack: "both",
        key: "deployRoleArn",
        change: "set or changed",
        play: { from: {}, to: { [key("deployRoleArn")]: "arn:aws:iam::111111111111:role/deploy" } },
        then: "Only the provider's credentials.",
    },
    {
        stack: "both",
        key: "profile",
        change: "set or changed",
        play: { from: {}, to: { [key("profile")]: "account-b" } },
        then: "Only the provider's credentials.",
    },
    {
        stack: "both",
        key: "tags",
        change: "a tag added",
        play: { from: {}, to: { [key("tags")]: { team: "data" } } },
        then: "Tags on every resource.",
    },
    {
        stack: "owner",
        key: "bucketName",
        change: "another name",
        play: { from: { [key("bucketName")]: "shared-data-one" }, to: { [key("bucketName")]: "shared-data-two" } },
        then: `A new, empty bucket. To move deliberately: ${unprotect("shared-data", "aws:s3/bucket:Bucket")}, \`pulumi up -s owner\` (the old bucket is forgotten with its data, not deleted), then \`pulumi up\` every consumer.`,
    },
    {
        stack: "owner",
        key: "encryption",
        change: "`sse-s3` → `sse-kms`",
        play: { from: {}, to: { [key("encryption")]: "sse-kms" } },
        then: "A new key encrypts new objects. Then `pulumi up` every consumer: its role gets the key only from the owner's new `kmsKeyArn`, and until then cannot read the new objects.",
    },
    {
        stack: "owner",
        key: "encryption",
        change: "`sse-kms` → `sse-s3`",
        play: { from: { [key("encryption")]: "sse-kms" }, to: {} },
        then: `The key leaves the program but is protected, and objects written so far stay encrypted under it. In order: ${unprotect("shared-data-key", "aws:kms/key:Key")} (or \`protect: false\` and \`pulumi up -s owner\` while still on \`sse-kms\`); \`pulumi up -s owner\` (the key is forgotten, not deleted: it still decrypts older objects and versions); re-encrypt what consumers must still read, which the bucket now allows (\`aws s3 cp s3://<bucket>/ s3://<bucket>/ --recursive --sse AES256\`); then \`pulumi up\` every consumer, which drops the key from its role.`,
    },
    {
        stack: "owner",
        key: "consumers",
        change: "a consumer added",
        play: {
            from: {},
            to: { [key("consumers")]: [...entry(), { stack: "consumer-eu", accountId: SECOND_CONSUMER_ACCOUNT }] },
        },
        then: "The bucket policy (and key policy), and the saved query that names the consumer roles (a new query id). A consumer not deployed yet is granted on the owner's next run: owner → consumer → owner.",
    },
    {
        stack: "owner",
        key: "consumers[].stack",
        change: "another stack",
        play: { from: consumers({}), to: consumers({ stack: "consumer-eu", accountId: SECOND_CONSUMER_ACCOUNT }) },
        then: "The grant and lock follow the other stack's role and endpoint; the saved query of consumer roles gets a new id.",
    },
    {
        stack: "owner",
        key: "consumers[].accountId",
        change: "another account",
        play: { from: consumers({}), to: consumers({ stack: "consumer-eu", accountId: SECOND_CONSUMER_ACCOUNT }) },
        then: "Must be the account of the consumer stack's role and endpoint: changes with its stack, as above.",
    },
    {
        stack: "owner",
        key: "consumers[].access",
        change: "`read-write` → `read`",
        play: { from: consumers({}), to: consumers({ access: "read" }) },
        then: "The grant. Change the consumer's own `access` too (its role asks for what it was granted).",
    },
    {
        stack: "owner",
        key: "consumers[].prefix",
        change: "set or changed",
        play: { from: consumers({}), to: consumers({ prefix: "team-a/" }) },
        then: "The grant. Change the consumer's own `prefix` too.",
    },
    {
        stack: "owner",
        key: "accessLogs",
        change: "`true` → `false`",
        play: { from: {}, to: { [key("accessLogs")]: false } },
        then: "Logging stops; Glue, Athena (with its query history) and the log bucket's policy go; the log bucket and its settings are forgotten, not deleted. Back to `true` makes a new log bucket.",
    },
    {
        stack: "owner",
        key: "accessLogRetentionDays",
        change: "another number",
        play: { from: {}, to: { [key("accessLogRetentionDays")]: 30 } },
        then: "The lifecycle rules; S3 expires older records on its next pass.",
    },
    {
        stack: "owner",
        key: "lockMode",
        change: "the other mode",
        play: { from: {}, to: { [key("lockMode")]: "per-consumer" } },
        then: "The bucket policy only; no consumer change.",
    },
    {
        stack: "owner",
        key: "protect",
        change: "`true` → `false`",
        play: { from: {}, to: { [key("protect")]: false } },
        then: "State only: the next replacement or destroy is no longer stopped.",
    },
    {
        stack: "owner",
        key: "accessAnalyzer",
        change: "`false` → `true`",
        play: { from: {}, to: { [key("accessAnalyzer")]: true } },
        then: "Creates (or, back to `false`, deletes) the analyzer; AWS allows one per account and region.",
    },
    {
        stack: "owner",
        key: "organizationGrants",
        change: "a grant added",
        play: {
            from: {},
            to: { [key("organizationGrants")]: [{ orgPath: "o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/", roleName: "shared-data-exchange", access: "read" }] },
        },
        then: "The bucket policy (and key policy) gets one constant-size statement for the whole OU path. Consumers under it deploy without an owner run: owner → consumer.",
    },
    {
        stack: "owner",
        key: "existingBucketName",
        change: "create → adopt",
        play: { from: {}, to: adoptBucket },
        then: "A stack that created its bucket cannot swap it for an existing one: the created bucket is protected and the preview stops. Share an existing bucket from a new owner stack (operations: *Adopting a bucket you already have*), then move the consumers to it.",
    },
    {
        stack: "owner",
        key: "existingBucketPolicy",
        change: "set, with its choices",
        play: { from: adoptBucket, to: { ...adoptBucket, ...adoptedPolicy("exempt") } },
        then: "The bucket policy gains the adopted statements beside the grants and the lock. Save the live policy to the file first (`aws s3api get-bucket-policy`); `npm run verify -- --planned` warns where the file and the bucket differ.",
    },
    {
        stack: "owner",
        key: "existingGrants",
        change: "`exempt` → `lock`",
        play: { from: { ...adoptBucket, ...adoptedPolicy("exempt") }, to: { ...adoptBucket, ...adoptedPolicy("lock") } },
        then: "The bucket policy only: the kept grant's principal is held to the consumers' endpoints from now on (under `account-match`, cut off everywhere).",
    },
    {
        stack: "owner",
        key: "existingKmsKeyArn",
        change: "set",
        play: { from: adoptBucket, to: { ...adoptBucket, ...adoptedKey } },
        then: "Writes must name that key, and the bucket's default encryption uses it. Then `pulumi up` every consumer: its role gets the key from the owner's `kmsKeyArn`.",
    },
    {
        stack: "owner",
        key: "manageKeyPolicy",
        change: "`false` → `true`",
        play: { from: { ...adoptBucket, ...adoptedKey }, to: { ...adoptBucket, ...adoptedKey, [key("manageKeyPolicy")]: true } },
        then: "The stack writes the adopted key's whole policy (kept on destroy): save it first with `aws kms get-key-policy`.",
    },
    {
        stack: "owner",
        key: "keepBucketSettings",
        change: "a setting added",
        play: { from: adoptBucket, to: { ...adoptBucket, [key("keepBucketSettings")]: ["versioning"] } },
        then: "The stack stops managing that setting and forgets it: the bucket keeps the value it has now.",
    },
    {
        stack: "owner",
        key: "giveBackBucket",
        change: "`false` → `true`",
        play: { from: adoptBucket, to: { ...adoptBucket, [key("giveBackBucket")]: true } },
        then: "One `pulumi up -s owner` puts the bucket policy back to the adopted statements alone (no grant, no lock); then remove the consumers and destroy the stack (operations: *Giving the bucket back*).",
    },
    {
        stack: "consumer",
        key: "ownerStack",
        change: "another owner",
        play: { from: {}, to: { [key("ownerStack")]: "owner-eu" } },
        then: "The role and endpoint policies name the other bucket. The new owner lists this consumer and runs first: new owner → consumer → new owner.",
    },
    {
        stack: "consumer",
        key: "ownerStacks",
        change: "an owner added",
        play: { from: {}, to: { [key("ownerStacks")]: ["owner", "owner-eu"] } },
        then: "The role and endpoint policies add the other owner's bucket with its grant. That owner lists this consumer and runs first: owner → consumer → owner.",
    },
    {
        stack: "consumer",
        key: "endpointOwnerAccountId",
        change: "own account → the VPC owner's",
        play: {
            from: { ...adopt, [key("routeTableIds")]: [] },
            to: { ...adopt, [key("routeTableIds")]: [], [key("endpointOwnerAccountId")]: "555555555555" },
        },
        then: "The endpoint is no longer read (a participant cannot), and `vpceAccountId` names the VPC owner: then `pulumi up -s owner`, whose lock gives this role its own Deny.",
    },
    {
        stack: "consumer",
        key: "verifyTester",
        change: "set",
        play: { from: {}, to: { [key("verifyTester")]: `arn:aws:iam::${CONSUMER_ACCOUNT}:role/verify` } },
        then: "The workload role's trust policy gains one statement for verify's session name; removing the key takes it out again.",
    },
    {
        stack: "consumer",
        key: "vpcId",
        change: "another VPC",
        play: { from: {}, to: { [key("vpcId")]: "vpc-0f1e2d3c4b5a69788" } },
        then: "A new endpoint with a new id: the owner's lock still names the old one, so run `pulumi up -s owner` right after.",
    },
    {
        stack: "consumer",
        key: "routeTableIds",
        change: "a table added or taken out",
        play: { from: {}, to: { [key("routeTableIds")]: ["rtb-0a1b2c3d4e5f60718"] } },
        then: "The created endpoint's routes.",
    },
    {
        stack: "consumer",
        key: "routeTableIds",
        change: "a table taken out, adopted endpoint",
        play: { from: adopt, to: { ...adopt, [key("routeTableIds")]: ["rtb-0a1b2c3d4e5f60718"] } },
        then: "The association is forgotten and the route stays: the stack cannot tell a table it added from one the endpoint carried before. Take off one you added with `aws ec2 modify-vpc-endpoint --remove-route-table-ids`.",
    },
    {
        stack: "consumer",
        key: "existingEndpointId",
        change: "create → adopt",
        play: { from: {}, to: adopt },
        then: "The created endpoint is deleted with its routes, and the adopted one gets the route tables: then `pulumi up -s owner` to lock the new endpoint id.",
    },
    {
        stack: "consumer",
        key: "existingEndpointId",
        change: "another adopted endpoint",
        play: { from: adopt, to: { ...adopt, [key("existingEndpointId")]: "vpce-0fedcba9876543210" } },
        then: "The route tables stay on the first endpoint, and a route table carries one S3 gateway endpoint, so the new associations fail with `RouteAlreadyExists`: first take them off the first endpoint (`aws ec2 modify-vpc-endpoint --remove-route-table-ids`), then `pulumi up`, then `pulumi up -s owner` to lock the new id.",
    },
    {
        stack: "consumer",
        key: "endpointPolicy",
        change: "another mode",
        play: { from: {}, to: { [key("endpointPolicy")]: "owner-only" } },
        then: "The endpoint's policy.",
    },
    {
        stack: "consumer",
        key: "endpointPolicy",
        change: "a mode → `unmanaged`, adopted endpoint",
        play: { from: { ...adopt, [key("endpointPolicy")]: "owner-only" }, to: { ...adopt, [key("endpointPolicy")]: "unmanaged" } },
        then: "The policy this stack set stays on the endpoint (deleting it would reset the endpoint to full access). Put back the one saved before adopting with `aws ec2 modify-vpc-endpoint --policy-document`.",
    },
    {
        stack: "consumer",
        key: "extraBuckets",
        change: "a bucket added",
        play: { from: { [key("endpointPolicy")]: "owner-only" }, to: { [key("endpointPolicy")]: "owner-only", [key("extraBuckets")]: ["preset:ssm"] } },
        then: "The endpoint's policy.",
    },
    {
        stack: "consumer",
        key: "access",
        change: "`read-write` → `read`",
        play: { from: {}, to: { [key("access")]: "read" } },
        then: "The role's policy; the owner's grant decides what it gets.",
    },
    {
        stack: "consumer",
        key: "prefix",
        change: "set or changed",
        play: { from: {}, to: { [key("prefix")]: "team-a/" } },
        then: "The role's policy.",
    },
    {
        stack: "consumer",
        key: "existingRoleArn",
        change: "set",
        play: { from: {}, to: { [key("existingRoleArn")]: `arn:aws:iam::${CONSUMER_ACCOUNT}:role/batch-worker` } },
        then: "The created role and instance profile are deleted and the policy moves to the existing role: then `pulumi up -s owner` to grant it.",
    },
];

/** Outputs of every stack a played run may read. */
const STACKS = {
    [CONSUMER_STACK]: consumerOutputs(),
    [SECOND_CONSUMER_STACK]: consumerOutputs(SECOND_CONSUMER_ACCOUNT, "b"),
    [OWNER_STACK]: ownerOutputs(),
    [qualified("owner-eu")]: ownerOutputs({ bucketName: "shared-data-eu", bucketArn: "arn:aws:s3:::shared-data-eu" }),
};

/** One run of the owner or consumer program with these overrides, played once for the suite (runOnce). */
export function playedRun(stack: "owner" | "consumer", overrides: Config): Promise<readonly PlacedRegistration[]> {
    const config = stack === "owner" ? ownerConfig(overrides) : consumerConfig(overrides);
    return runOnce({ stack, config, stackOutputs: STACKS }).then((r) => r.resources);
}

/**
 * What separates two runs of one program: the effect, the resources it names (replaced, or stopping
 * the preview), and the removed or replaced resources that are retained on delete (forgotten, left in AWS).
 */
export function effectOf(
    before: readonly PlacedRegistration[],
    after: readonly PlacedRegistration[],
): { effect: Effect; names: string[]; leftInAws: string[] } {
    const managed = (rs: readonly PlacedRegistration[]) => new Map(rs.filter((r) => r.custom && !r.read).map((r) => [`${r.type} ${r.name}`, r]));
    const [a, b] = [managed(before), managed(after)];
    const removed = [...a.keys()].filter((k) => !b.has(k)).map((k) => a.get(k)!);
    const added = [...b.keys()].filter((k) => !a.has(k));
    const kept = [...a.keys()].filter((k) => b.has(k)).map((k) => [a.get(k)!, b.get(k)!] as const);
    const differs = (x: PlacedRegistration, y: PlacedRegistration, field: string) => JSON.stringify(x.inputs[field]) !== JSON.stringify(y.inputs[field]);
    const replaced = kept.filter(([x, y]) => (FORCE_NEW[x.type] ?? []).some((f) => differs(x, y, f))).map(([x]) => x);
    const blocked = [...removed, ...replaced].filter((r) => r.protect);
    // The delete half of a replacement forgets a retained resource too.
    const leftInAws = [...removed, ...replaced].filter((r) => r.retainOnDelete).map((r) => r.name);
    if (blocked.length > 0) {
        return { effect: EFFECTS.blocked, names: blocked.map((r) => r.name), leftInAws: [] };
    }
    if (replaced.length > 0) {
        return { effect: EFFECTS.replaces, names: replaced.map((r) => r.name), leftInAws };
    }
    if (removed.length > 0 || added.length > 0) {
        return { effect: EFFECTS.addsOrRemoves, names: [], leftInAws };
    }
    const changed = kept.some(([x, y]) => JSON.stringify(x.inputs) !== JSON.stringify(y.inputs));
    return { effect: changed ? EFFECTS.inPlace : EFFECTS.nothing, names: [], leftInAws };
}

/** The effect of one row, as the table shows it: played through the stack program, or as declared. */
export async function playRow(row: ChangeRow): Promise<string> {
    if (row.play === undefined) {
        return row.effect!;
    }
    const stack = row.stack === "consumer" ? "consumer" : "owner";
    const before = await playedRun(stack, row.play.from);
    const after = await playedRun(stack, row.play.to);
    const { effect, names, leftInAws } = effectOf(before, after);
    const list = (ns: string[]) => ns.map((n) => `\`${n}\``).join(", ");
    return `${effect}${names.length > 0 ? `: ${list(names)}` : ""}${leftInAws.length > 0 ? `; left in AWS (retained): ${list(leftInAws)}` : ""}`;
}

const BEGIN = "<!-- change-table:begin (generated by npm run docs:change-table) -->";
const END = "<!-- change-table:end -->";

export async function renderChangeTable(): Promise<string> {
    const rows = ["| stack | setting | change | effect | then |", "|---|---|---|---|---|"];
    for (const row of CHANGE_ROWS) {
        rows.push(`| ${row.stack} | \`${row.key}\` | ${row.change} | ${await playRow(row)} | ${row.then} |`);
    }
    return rows.join("\n");
}

/** The table currently in docs/design.md, or undefined when the markers are missing. */
export function changeTableInDesign(text = readFileSync(DESIGN, "utf8")): string | undefined {
    const start = text.indexOf(BEGIN);
    const end = text.indexOf(END);
    return start < 0 || end < 0 ? undefined : text.slice(start + BEGIN.length, end).trim();
}

async function write(): Promise<void> {
    const text = readFileSync(DESIGN, "utf8");
    if (changeTableInDesign(text) === undefined) {
        throw new Error(`docs/design.md has no ${BEGIN} … ${END} markers`);
    }
    const table = await renderChangeTable();
    writeFileSync(DESIGN, text.slice(0, text.indexOf(BEGIN) + BEGIN.length) + `\n${table}\n` + text.slice(text.indexOf(END)));
    console.log("docs/design.md: change table updated");
}

if (require.main === module) {
    write().catch((e) => {
        console.error(e);
        process.exit(1);
    });
}
