import { PolicyDocument, Statement } from "../policies/document";
import { Plan, PlannedPhase, PlannedResource, POLICY_INPUTS } from "./plan";

/** One difference between the owner's last and first phase. */
export interface Change {
    readonly what: string;
    readonly detail: string;
}

/** What the owner's second run changes compared with its first: the grants and the lock. */
export function ownerChanges(plan: Plan, stack?: string): Change[] {
    const owners = plan.phases.filter((p) => p.phase !== 2 && (stack === undefined || p.stack === stack));
    if (owners.length !== 2) {
        return [];
    }
    const [first, last] = owners;
    const changes: Change[] = [];
    const id = (r: PlannedResource) => `${r.type} ${r.name}`;
    const before = new Map(first.resources.map((r) => [id(r), r]));
    const after = new Map(last.resources.map((r) => [id(r), r]));
    for (const [key, r] of after) {
        const old = before.get(key);
        if (old === undefined) {
            changes.push({ what: `+ ${key}`, detail: "added" });
            continue;
        }
        for (const input of new Set([...Object.keys(old.inputs), ...Object.keys(r.inputs)])) {
            if (JSON.stringify(old.inputs[input]) === JSON.stringify(r.inputs[input])) {
                continue;
            }
            const sids = (doc: unknown) => ((doc as { Statement?: { Sid?: string }[] } | undefined)?.Statement ?? []).map((s) => s.Sid ?? "(no Sid)");
            if (input === "policy") {
                const added = sids(r.inputs[input]).filter((s) => !sids(old.inputs[input]).includes(s));
                const removed = sids(old.inputs[input]).filter((s) => !sids(r.inputs[input]).includes(s));
                const parts = [
                    added.length ? `statements added: ${added.join(", ")}` : "",
                    removed.length ? `statements removed: ${removed.join(", ")}` : "",
                ].filter(Boolean);
                changes.push({ what: `~ ${key}`, detail: parts.join("; ") || "policy statements changed" });
            } else {
                changes.push({ what: `~ ${key}`, detail: `${input} changed` });
            }
        }
    }
    for (const key of before.keys()) {
        if (!after.has(key)) {
            changes.push({ what: `- ${key}`, detail: "removed" });
        }
    }
    for (const output of new Set([...Object.keys(first.outputs), ...Object.keys(last.outputs)])) {
        const [a, b] = [JSON.stringify(first.outputs[output]), JSON.stringify(last.outputs[output])];
        if (a !== b) {
            changes.push({ what: `~ output ${output}`, detail: `${a ?? "(none)"} → ${b ?? "(none)"}` });
        }
    }
    return changes;
}

/** The plan as one JSON document. */
export function renderJson(plan: Plan): string {
    return JSON.stringify(
        {
            project: plan.project,
            note: "Offline plan: ids, ARNs and generated names listed under placeholders were made up from resource names; AWS assigns the real ones.",
            phases: plan.phases.map((p) => ({
                stack: p.stack,
                phase: p.phase,
                resources: p.resources.map((r) => ({ type: r.type, name: r.name, parent: r.parent, adopted: r.adopted, inputs: r.inputs, options: r.options })),
                outputs: p.outputs,
                logs: p.logs,
                placeholders: p.placeholders,
                declared: p.declared,
            })),
            ownerChanges: ownerChanges(plan),
            unlisted: plan.unlisted,
        },
        null,
        2,
    );
}

/** Inputs a reviewer reads by default besides the policies: where things are and who they belong to. */
const PLACEMENT_INPUTS = ["allowedAccountIds", "region", "vpcId", "serviceName", "routeTableIds", "routeTableId", "vpcEndpointId"];

export interface HumanOptions {
    /** Every input of every resource (Glue schemas, query texts, …), not only the policies and placement. */
    readonly details?: boolean;
}

/** The plan for a terminal: per phase the resource tree, where each resource goes and the policies. */
export function renderHuman(plan: Plan, options: HumanOptions = {}): string {
    const order = plan.phases.map((p) => p.stack).join(" → ");
    const lines = [
        `Offline plan of ${plan.project}: ${order}`,
        "No cloud was called. Values AWS assigns (ids, ARNs, generated names) are placeholders made up from",
        "the resource names; each phase lists them.",
        ...(options.details ? [] : ["Shown: placement, and policies one statement a line; every input in full with --details, as JSON with --json."]),
    ];
    const shown = (key: string) => options.details === true || POLICY_INPUTS.includes(key) || PLACEMENT_INPUTS.includes(key);
    const full = options.details === true;
    for (const phase of plan.phases) {
        lines.push(
            "",
            `━━ Phase ${phase.phase} of ${Math.max(...plan.phases.map((p) => p.phase))} · stack ${phase.stack} ━━`,
            ...renderResources(phase, shown, full),
        );
        lines.push("  Outputs");
        for (const [key, value] of Object.entries(phase.outputs)) {
            lines.push(`    ${key}: ${JSON.stringify(value)}`);
        }
        if (phase.logs.length) {
            lines.push("  Log", ...phase.logs.map((l) => `    ${l}`));
        }
        if (phase.placeholders.length) {
            lines.push(`  Placeholders: ${phase.placeholders.join(", ")}`);
        }
        if (phase.declared.length) {
            lines.push(`  Declared in the stack file, taken as given (not read from AWS): ${phase.declared.join(", ")}`);
        }
    }
    lines.push("", "━━ Summary ━━");
    for (const phase of plan.phases) {
        const aws = phase.resources.filter((r) => r.type.startsWith("aws:"));
        const adopted = aws.filter((r) => r.adopted).length;
        // Only a stack's first run creates; its later run updates what it created, or keeps it.
        const first = plan.phases.find((p) => p.stack === phase.stack) === phase;
        const managed = `${aws.length - adopted} AWS resources ${first ? "created" : "in the stack, changed or kept"}`;
        lines.push(`  phase ${phase.phase} · ${phase.stack}: ${managed}${adopted ? `, ${adopted} adopted` : ""}`);
    }
    const owners = [...new Set(plan.phases.filter((p) => p.phase === 1).map((p) => p.stack))];
    for (const owner of owners) {
        const changes = ownerChanges(plan, owner);
        lines.push(owners.length === 1 ? "  The owner's second run, compared with its first:" : `  Owner ${owner}'s second run, compared with its first:`);
        lines.push(...(changes.length ? changes.map((c) => `    ${c.what}: ${c.detail}`) : ["    no change (no consumer exported a role and endpoint)"]));
    }
    for (const u of plan.unlisted) {
        lines.push(
            "",
            `━━ Removal of stack ${u.stack} (not on the owner's list) ━━`,
            `  Pulumi.${u.stack}.yaml is not on the owner's consumers list: no grant, no lock, and its own deploy is refused.`,
        );
        lines.push("  To finish removing it:", ...u.steps.map((step, i) => `    ${i + 1}. ${step}`));
    }
    return `${lines.join("\n")}\n`;
}

function renderResources(phase: PlannedPhase, shown: (key: string) => boolean, full: boolean): string[] {
    const lines: string[] = [];
    const top = phase.resources.filter((r) => r.parent === null);
    for (const r of top) {
        lines.push(...renderResource(r, "  ", "  ", shown, full));
        const children = phase.resources.filter((c) => c.parent === r.name && r.type.includes(":index:"));
        children.forEach((c, i) => {
            const last = i === children.length - 1;
            lines.push(...renderResource(c, `  ${last ? "└─ " : "├─ "}`, `  ${last ? "   " : "│  "}`, shown, full));
        });
    }
    return lines;
}

/** A policy statement on one line: Sid, effect, who, what, on what, when. */
function statementLine(s: Statement): string {
    const list = (v: unknown) => (Array.isArray(v) ? v.join(", ") : String(v));
    const principal = s.Principal === undefined ? "" : s.Principal === "*" ? " *" : ` ${list(Object.values(s.Principal)[0])}`;
    const resource = s.Resource === undefined ? "" : ` on ${list(s.Resource)}`;
    const condition = s.Condition === undefined ? "" : ` when ${JSON.stringify(s.Condition)}`;
    return `${s.Sid ?? "(no Sid)"}: ${s.Effect}${principal} ${list(s.Action)}${resource}${condition}`;
}

function renderResource(r: PlannedResource, first: string, rest: string, shown: (key: string) => boolean, full: boolean): string[] {
    const read = r.type === "pulumi:pulumi:StackReference" ? "read" : "adopted: read, never created or deleted by this stack";
    const marks = [r.adopted ? read : "", r.options.protect ? "protected" : "", r.options.retainOnDelete ? "kept on destroy" : ""].filter(Boolean);
    const lines = [`${first}${r.type}  ${r.name}${marks.length ? `  (${marks.join(", ")})` : ""}`];
    for (const [key, value] of Object.entries(r.inputs)) {
        if ((key === "name" && r.type === "pulumi:pulumi:StackReference") || !shown(key)) {
            continue;
        }
        if (POLICY_INPUTS.includes(key) && typeof value === "object" && value !== null && !full) {
            lines.push(`${rest}    ${key}:`, ...((value as PolicyDocument).Statement ?? []).map((st) => `${rest}      - ${statementLine(st)}`));
        } else if (POLICY_INPUTS.includes(key) && typeof value === "object" && value !== null) {
            lines.push(
                `${rest}    ${key}:`,
                ...JSON.stringify(value, null, 2)
                    .split("\n")
                    .map((l) => `${rest}      ${l}`),
            );
        } else {
            lines.push(`${rest}    ${key}: ${JSON.stringify(value)}`);
        }
    }
    return lines;
}
