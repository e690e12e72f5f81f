import { PolicyDocument, Statement } from "../policies/document";
import { Plan, PlannedPhase } from "./plan";

/**
 * The plan's final state as a Mermaid flowchart, for a pull request: the owner account with the
 * bucket (and log bucket), each consumer account with its VPC, endpoint and role, one edge per grant
 * labelled with its access and prefix, and the endpoint lock. Real ids and names throughout, so a
 * reviewer can match them; ids AWS assigns are the plan's placeholders.
 */
export function renderMermaid(plan: Plan): string {
    const owner = [...plan.phases].reverse().find((p) => p.phase !== 2);
    if (owner === undefined) {
        return "flowchart LR\n";
    }
    const out = owner.outputs;
    const policy = owner.resources.find((r) => r.name === "shared-data-policy")?.inputs.policy as PolicyDocument | undefined;
    const statements = policy?.Statement ?? [];
    const lockMode = statements.some((s) => s.Sid === "DenyEndpointsOfOtherAccounts") ? "account-match" : "per-consumer";
    const grants = grantsOf(statements, String(out.bucketArn));
    const locked = new Set(asStrings(out.lockedVpceIds));

    const lines = ["flowchart LR"];
    lines.push(`  subgraph owner["${label(`owner account ${out.accountId} · stack ${owner.stack} · ${out.region}`)}"]`);
    lines.push(`    bucket[("${label(`S3 bucket ${out.bucketName}`)}")]`);
    if (out.accessLogBucketName !== undefined) {
        lines.push(`    logs[("${label(`access logs ${out.accessLogBucketName}`)}")]`);
    }
    lines.push("  end");
    if (out.accessLogBucketName !== undefined) {
        lines.push('  bucket -.->|"server access logs"| logs');
    }
    const consumers = plan.phases.filter((p) => p.phase === 2);
    consumers.forEach((consumer, i) => lines.push(...consumerBlock(consumer, i, grants, locked, lockMode)));
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

function consumerBlock(phase: PlannedPhase, index: number, grants: Map<string, Grant>, locked: Set<string>, lockMode: string): string[] {
    const out = phase.outputs;
    const id = `c${index + 1}`;
    const endpoint = phase.resources.find((r) => r.type === "aws:ec2/vpcEndpoint:VpcEndpoint");
    const vpc = typeof endpoint?.inputs.vpcId === "string" ? endpoint.inputs.vpcId : "adopted endpoint's VPC";
    const shared = out.vpceAccountId !== undefined && out.vpceAccountId !== out.accountId ? ` (owned by ${out.vpceAccountId}, shared VPC)` : "";
    const lines = [
        `  subgraph ${id}["${label(`consumer account ${out.accountId} · stack ${phase.stack}`)}"]`,
        `    subgraph ${id}vpc["${label(`VPC ${vpc}`)}"]`,
        `      ${id}role["${label(`role ${String(out.roleArn).split("/").pop()}`)}"]`,
        `      ${id}vpce{{"${label(`S3 gateway endpoint ${out.vpceId}${shared}`)}"}}`,
        "    end",
        "  end",
        `  ${id}role --> ${id}vpce`,
    ];
    const grant = grants.get(String(out.roleArn));
    if (grant === undefined) {
        lines.push(`  ${id}vpce -.->|"${label("not granted yet: run the owner again")}"| bucket`);
    } else {
        const lock = locked.has(String(out.vpceId)) ? ` · locked to ${out.vpceId} (${lockMode})` : "";
        lines.push(`  ${id}vpce -->|"${label(`${grant.access} · ${grant.prefix ?? "whole bucket"}${lock}`)}"| bucket`);
    }
    return lines;
}

const asStrings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]);

/** Text safe inside a quoted Mermaid label. */
function label(text: string): string {
    return text.replace(/"/g, "#quot;");
}
