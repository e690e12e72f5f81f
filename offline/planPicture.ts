import { PolicyDocument, Statement } from "../policies/document";
import { Plan, PlannedPhase } from "./plan";

/**
 * The plan's final state as a Mermaid flowchart, for a pull request: one box per AWS account with its
 * region — the owner's with the bucket (and log bucket), each consumer account's with its roles at
 * account level and, per consumer stack, the VPC with its route tables and S3 gateway endpoint. One
 * edge per grant, labelled with its access, prefix and the lock as the bucket policy really writes it
 * (per role where an account holds several consumer stacks), and the refused path from anywhere else.
 * What a stack only reads or adopts is marked and drawn dashed. Real ids and names throughout; ids
 * AWS assigns are the plan's placeholders.
 */
export function renderMermaid(plan: Plan): string {
    const owner = [...plan.phases].reverse().find((p) => p.phase !== 2);
    if (owner === undefined) {
        return "flowchart LR\n";
    }
    const out = owner.outputs;
    const policy = owner.resources.find((r) => r.name === "shared-data-policy")?.inputs.policy as PolicyDocument | undefined;
    const statements = policy?.Statement ?? [];
    const grants = grantsOf(statements, String(out.bucketArn));

    const lines = ["flowchart LR", "  classDef adopted stroke-dasharray: 5 5"];
    lines.push(`  subgraph owner["${label(`owner account ${out.accountId} · ${out.region} · stack ${owner.stack}`)}"]`);
    lines.push(`    bucket[("${label(`S3 bucket ${out.bucketName}`)}")]`);
    if (out.accessLogBucketName !== undefined) {
        lines.push(`    logs[("${label(`access logs ${out.accessLogBucketName}`)}")]`);
    }
    lines.push("  end");
    if (out.accessLogBucketName !== undefined) {
        lines.push('  bucket -.->|"server access logs"| logs');
    }
    const consumers = plan.phases.filter((p) => p.phase === 2);
    const accounts = [...new Set(consumers.map((c) => String(c.outputs.accountId)))];
    accounts.forEach((account, a) => {
        const stacks = consumers.filter((c) => String(c.outputs.accountId) === account);
        lines.push(...accountBlock(`a${a + 1}`, account, stacks, grants, statements));
    });
    lines.push(`  outside(["${label("the same roles from anywhere else: internet, NAT, another VPC")}"])`);
    lines.push(`  outside -.->|"${label("403 AccessDenied: not through the consumer's own endpoint")}"| bucket`);
    plan.unlisted.forEach((u, i) => {
        lines.push(`  gone${i + 1}["${label(`stack ${u.stack}: not on the owner's list · being removed (owner first, then its destroy)`)}"]:::adopted`);
    });
    return `${lines.join("\n")}\n`;
}

interface Grant {
    readonly access: "read" | "read-write";
    readonly prefix?: string;
}

/** Each granted role's access and prefix, read from the bucket policy's Allow statements. */
function grantsOf(statements: readonly Statement[], bucketArn: string): Map<string, Grant> {
    const grants = new Map<string, Grant>();
    for (const s of statements) {
        if (s.Effect !== "Allow" || s.Sid?.endsWith("List") || s.Principal === undefined || s.Principal === "*" || !("AWS" in s.Principal)) {
            continue;
        }
        const actions = asStrings(s.Action);
        const objects = asStrings(s.Resource).find((r) => r.startsWith(`${bucketArn}/`));
        const prefix = objects === undefined || objects === `${bucketArn}/*` ? undefined : objects.slice(bucketArn.length + 1, -1);
        for (const role of asStrings(s.Principal.AWS)) {
            grants.set(role, { access: actions.includes("s3:PutObject") ? "read-write" : "read", ...(prefix === undefined ? {} : { prefix }) });
        }
    }
    return grants;
}

/** The lock on one role as the bucket policy writes it, or undefined when nothing locks it. */
function lockOf(statements: readonly Statement[], role: string, account: string, vpceId: string): string | undefined {
    const condition = (s: Statement, operator: string, key: string) => asStrings(s.Condition?.[operator]?.[key]);
    const denies = statements.filter((s) => s.Effect === "Deny");
    const endpoints = (s: Statement) => condition(s, "StringNotEquals", "aws:SourceVpce");
    const perRole = denies.find((s) => s.Sid?.startsWith("LockRole") && condition(s, "ArnEquals", "aws:PrincipalArn").includes(role));
    if (perRole !== undefined && endpoints(perRole).includes(vpceId)) {
        return `per-role lock: only via ${endpoints(perRole).join(", ")}`;
    }
    const perAccount = denies.find((s) => s.Sid?.startsWith("LockAccount") && condition(s, "StringEquals", "aws:PrincipalAccount").includes(account));
    if (perAccount !== undefined && endpoints(perAccount).includes(vpceId)) {
        return `per-account lock: only via ${endpoints(perAccount).join(", ")}`;
    }
    const anyConsumer = denies.find((s) => s.Sid === "DenyConsumersOutsideTheirEndpoints");
    const ownAccount = denies.find((s) => s.Sid === "DenyEndpointsOfOtherAccounts");
    if (anyConsumer !== undefined && ownAccount !== undefined && endpoints(anyConsumer).includes(vpceId)) {
        return `account-match lock: only via endpoints of account ${account} (${vpceId})`;
    }
    return undefined;
}

function accountBlock(id: string, account: string, stacks: readonly PlannedPhase[], grants: Map<string, Grant>, statements: readonly Statement[]): string[] {
    const region = String(stacks[0].outputs.region);
    const names = stacks.map((s) => s.stack).join(", ");
    const lines = [`  subgraph ${id}["${label(`consumer account ${account} · ${region} · stack${stacks.length > 1 ? "s" : ""} ${names}`)}"]`];
    const edges: string[] = [];
    stacks.forEach((phase, i) => {
        const out = phase.outputs;
        const s = `${id}s${i + 1}`;
        const endpoint = phase.resources.find((r) => r.type === "aws:ec2/vpcEndpoint:VpcEndpoint");
        const adoptedEndpoint = endpoint?.adopted === true;
        const createdRole = phase.resources.some((r) => r.type === "aws:iam/role:Role");
        const vpc = typeof endpoint?.inputs.vpcId === "string" ? `VPC ${endpoint.inputs.vpcId}` : `the VPC of ${String(out.vpceId)}`;
        const shared = out.vpceAccountId !== undefined && out.vpceAccountId !== out.accountId ? ` (owned by ${String(out.vpceAccountId)}, shared VPC)` : "";
        const role = `role ${String(out.roleArn).split("/").pop()}${createdRole ? "" : " (existing role: only its policy is managed)"} · stack ${phase.stack}`;
        lines.push(`    ${s}role["${label(role)}"]${createdRole ? "" : ":::adopted"}`);
        lines.push(`    subgraph ${s}vpc["${label(`${vpc} · stack ${phase.stack}`)}"]`);
        lines.push(`      ${s}rt["${label(`route tables ${asStrings(out.routeTableIds).join(", ") || "(the VPC owner's)"}`)}"]`);
        lines.push(
            `      ${s}vpce{{"${label(`S3 gateway endpoint ${String(out.vpceId)}${shared}${adoptedEndpoint ? " (adopted: read, never created or deleted)" : ""}`)}"}}${adoptedEndpoint ? ":::adopted" : ""}`,
        );
        lines.push("    end");
        edges.push(`  ${s}role --> ${s}rt --> ${s}vpce`);
        const grant = grants.get(String(out.roleArn));
        if (grant === undefined) {
            edges.push(`  ${s}vpce -.->|"${label("not granted yet: run the owner again")}"| bucket`);
        } else {
            const lock = lockOf(statements, String(out.roleArn), account, String(out.vpceId)) ?? "NOT LOCKED";
            edges.push(`  ${s}vpce -->|"${label(`${grant.access} · ${grant.prefix ?? "whole bucket"} · ${lock}`)}"| bucket`);
        }
    });
    return [...lines, "  end", ...edges];
}

const asStrings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]);

/** Text safe inside a quoted Mermaid label. */
function label(text: string): string {
    return text.replace(/"/g, "#quot;");
}
