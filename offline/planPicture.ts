import { Plan, PlannedPhase } from "./plan";
import { finalOwners, grantsOf, lockOf, organizationLockOf, OrganizationGrantFacts, OwnerFacts, ownersRead, asStrings } from "./planPictureFacts";

/**
 * The plan's final state as a Mermaid flowchart, for a pull request: one box per AWS account with its
 * region — each owner's with its bucket (and log bucket), each consumer account's with its roles at
 * account level and, per consumer stack, the VPC with its route tables and S3 gateway endpoint, drawn in
 * the account that owns the endpoint (the VPC owner's, for a shared VPC, as the consumer declares it).
 * One edge per consumer/owner pair, labelled with that owner's access, prefix and the lock as its
 * bucket policy really writes it (per role where an account holds several consumer stacks or the
 * endpoint is another account's), or with the organization grant the consumer comes in under; the
 * refused path from anywhere else, the rollout order, and the stacks being removed. What a stack only
 * reads, adopts or declares is marked and drawn dashed. Real ids and names throughout; ids AWS assigns
 * are the plan's placeholders.
 */
export function renderMermaid(plan: Plan): string {
    const owners = finalOwners(plan.phases);
    if (owners.length === 0) {
        return "flowchart LR\n";
    }
    const consumers = plan.phases.filter((p) => p.phase === 2);
    const accounts = [...new Set([...owners.map((o) => o.accountId), ...consumers.map(accountOf), ...consumers.map(endpointAccountOf)])];
    // Mermaid widens a box to its title: the extra rank spacing keeps an account box off its neighbour
    // where an edge crosses from one account into another's VPC (shared VPCs).
    const lines = ["flowchart LR", '%%{init: {"flowchart": {"rankSpacing": 100}}}%%', "  classDef adopted stroke-dasharray: 5 5"];
    const edges: string[] = [];
    accounts.forEach((account, a) => {
        const ownersHere = owners.filter((o) => o.accountId === account);
        const consumersHere = consumers.filter((c) => accountOf(c) === account);
        const vpcsHere = consumers.filter((c) => endpointAccountOf(c) === account);
        lines.push(`  subgraph a${a + 1}["${label(accountLabel(account, ownersHere, consumersHere, vpcsHere))}"]`);
        for (const owner of ownersHere) {
            const o = `o${owners.indexOf(owner) + 1}`;
            lines.push(`    ${o}bucket[("${label(`S3 bucket ${owner.bucketName} · stack ${owner.stack}`)}")]`);
            if (owner.logBucketName !== undefined) {
                lines.push(`    ${o}logs[("${label(`access logs ${owner.logBucketName}`)}")]`);
                edges.push(`  ${o}bucket -.->|"server access logs"| ${o}logs`);
            }
        }
        for (const consumer of consumersHere) {
            lines.push(`    ${roleNode(`c${consumers.indexOf(consumer) + 1}`, consumer)}`);
        }
        for (const consumer of vpcsHere) {
            const c = `c${consumers.indexOf(consumer) + 1}`;
            lines.push(...vpcBlock(c, consumer));
            edges.push(`  ${c}role --> ${c}rt --> ${c}vpce`);
            for (const owner of owners.filter((o) => ownersRead(consumer).includes(o.stack))) {
                edges.push(grantEdge(c, consumer, owner, `o${owners.indexOf(owner) + 1}bucket`));
            }
        }
        lines.push("  end");
    });
    lines.push(...edges);
    lines.push(`  outside(["${label("the same roles from anywhere else: internet, NAT, another VPC")}"])`);
    owners.forEach((_, i) => lines.push(`  outside -.->|"${label("403 AccessDenied: not through the consumer's own endpoint")}"| o${i + 1}bucket`));
    lines.push(`  rollout["${label(rolloutLabel(plan, owners))}"]`);
    plan.unlisted.forEach((u, i) => {
        const first = owners.map((o) => o.stack).join(", ");
        lines.push(`  gone${i + 1}["${label(`stack ${u.stack}: listed by no owner · being removed (up ${first} first, then its destroy)`)}"]:::adopted`);
    });
    return `${lines.join("\n")}\n`;
}

const accountOf = (phase: PlannedPhase) => String(phase.outputs.accountId);
/** The account that owns the consumer's endpoint: its own, or the VPC owner's for a shared VPC. */
const endpointAccountOf = (phase: PlannedPhase) => String(phase.outputs.vpceAccountId ?? phase.outputs.accountId);
/** The value the stack file declares for `key` (taken as given, never read from AWS), if it does. */
const declared = (phase: PlannedPhase, key: string) => phase.declared.find((d) => d.startsWith(`${key} = `))?.slice(key.length + 3);

function accountLabel(account: string, owners: readonly OwnerFacts[], consumers: readonly PlannedPhase[], vpcs: readonly PlannedPhase[]): string {
    const shared = vpcs.filter((c) => accountOf(c) !== account);
    const kinds = [
        owners.length > 0 && "owner",
        consumers.length > 0 && "consumer",
        shared.length > 0 &&
            (shared.every((c) => declared(c, "endpointOwnerAccountId") === account) ? "VPC owner (declared, not read)" : "VPC owner (read from the endpoint)"),
    ].filter(Boolean);
    const stacks = [...owners.map((o) => o.stack), ...consumers.map((c) => c.stack)];
    const regions = [
        ...new Set([...owners.map((o) => o.region), ...consumers.map((c) => String(c.outputs.region)), ...shared.map((c) => String(c.outputs.region))]),
    ];
    const parts = [`${kinds.join(" and ")} account ${account}`, regions.join(", ")];
    if (stacks.length > 0) {
        parts.push(`stack${stacks.length > 1 ? "s" : ""} ${stacks.join(", ")}`);
    }
    return parts.join(" · ");
}

function roleNode(c: string, phase: PlannedPhase): string {
    const createdRole = phase.resources.some((r) => r.type === "aws:iam/role:Role");
    const existing = createdRole
        ? ""
        : ` (existing role${declared(phase, "existingRoleArn") === undefined ? "" : ", declared by existingRoleArn"}: only its policy is managed)`;
    return `${c}role["${label(`role ${String(phase.outputs.roleArn).split("/").pop()}${existing} · stack ${phase.stack}`)}"]${createdRole ? "" : ":::adopted"}`;
}

function vpcBlock(c: string, phase: PlannedPhase): string[] {
    const out = phase.outputs;
    const endpoint = phase.resources.find((r) => r.type === "aws:ec2/vpcEndpoint:VpcEndpoint");
    const sharedVpc = endpointAccountOf(phase) !== accountOf(phase);
    const vpc = sharedVpc
        ? `shared VPC of account ${endpointAccountOf(phase)}`
        : typeof endpoint?.inputs.vpcId === "string"
          ? `VPC ${endpoint.inputs.vpcId}`
          : `the VPC of ${String(out.vpceId)}`;
    const keys = ["existingEndpointId", "endpointOwnerAccountId"].filter((k) => declared(phase, k) !== undefined);
    const mark =
        endpoint?.adopted === true
            ? " (adopted: read, never created or deleted)"
            : endpoint === undefined && keys.length > 0
              ? ` (declared in Pulumi.${phase.stack}.yaml: ${keys.join(", ")}; not read)`
              : "";
    return [
        `    subgraph ${c}vpc["${label(`${vpc} · stack ${phase.stack}`)}"]`,
        `      ${c}rt["${label(`route tables ${asStrings(out.routeTableIds).join(", ") || (sharedVpc ? "(the VPC owner's)" : "(none managed by this stack)")}`)}"]`,
        `      ${c}vpce{{"${label(`S3 gateway endpoint ${String(out.vpceId)}${mark}`)}"}}${mark === "" ? "" : ":::adopted"}`,
        "    end",
    ];
}

/** The edge from a consumer's endpoint to one owner's bucket, labelled with what that owner's policy grants it. */
function grantEdge(c: string, phase: PlannedPhase, owner: OwnerFacts, bucket: string): string {
    const role = String(phase.outputs.roleArn);
    if (owner.listed.includes(phase.stack)) {
        const grant = grantsOf(owner.statements, owner.bucketArn).get(role);
        if (grant === undefined) {
            return `  ${c}vpce -.->|"${label(`not granted yet: run ${owner.stack} again`)}"| ${bucket}`;
        }
        const lock = lockOf(owner.statements, role, accountOf(phase), String(phase.outputs.vpceId)) ?? "NOT LOCKED";
        return `  ${c}vpce -->|"${label(`${grant.access} · ${grant.prefix ?? "whole bucket"} · ${lock}`)}"| ${bucket}`;
    }
    const grant = organizationGrantOf(phase, owner);
    if (grant === undefined) {
        return `  ${c}vpce -.->|"${label(`${owner.stack} does not list ${phase.stack}: it grants nothing here`)}"| ${bucket}`;
    }
    const lock = organizationLockOf(owner.statements, grant, owner.bucketArn.split(":")[1]) ?? `NOT IN ${owner.stack}'s BUCKET POLICY`;
    const text = `organization grant ${grant.orgPath} · ${grant.access} ${grant.prefix ?? "whole bucket"} · role ${grant.roleName} · ${lock} · no return to the owner`;
    return `  ${c}vpce -->|"${label(text)}"| ${bucket}`;
}

/**
 * The owner's organization grant a consumer comes in under, as the consumer program picks it: a role
 * name the consumer's `organizationGrant` output names, for the access and prefix the consumer asks.
 */
function organizationGrantOf(phase: PlannedPhase, owner: OwnerFacts): OrganizationGrantFacts | undefined {
    const out = phase.outputs;
    const used = out.organizationGrant as OrganizationGrantFacts | undefined;
    return owner.organizationGrants.find((g) => g.roleName === used?.roleName && g.access === out.access && g.prefix === out.prefix);
}

/** Every owner, then the consumers, then the owners that run again; an owner that lists none of them has nothing to add. */
function rolloutLabel(plan: Plan, owners: readonly OwnerFacts[]): string {
    const step = (n: number) => plan.phases.filter((p) => p.phase === n).map((p) => p.stack);
    const steps = [step(1), step(2), step(3)].filter((s) => s.length > 0).map((s) => s.join(", "));
    const noReturn = step(2).length === 0 ? [] : owners.filter((o) => o.phase.phase === 1).map((o) => o.stack);
    const why =
        noReturn.length === 0
            ? ""
            : ` · no return to ${noReturn.join(", ")}: it lists none of these consumer stacks, which come in under its organization grants`;
    return `rollout: ${steps.join(" → ")}${why}`;
}

/** Text safe inside a quoted Mermaid label. */
function label(text: string): string {
    return text.replace(/"/g, "#quot;");
}
