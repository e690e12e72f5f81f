import { IssueList } from "../domain/issues";
import { Outputs } from "./contract";

/**
 * Consumer stacks that adopt one endpoint and each manage its policy. An endpoint has exactly one
 * policy, and each stack's `pulumi up` replaces it with its own: the last to run wins and the other
 * stacks' workloads are refused. The stacks run in different accounts' credentials at different
 * times and none sees the others' policy before its own update, so no stack could compose one policy
 * for all of them: this is refused, with the way out, rather than composed.
 */
export function checkSharedEndpointPolicies(consumers: readonly { readonly stack: string; readonly outputs: Outputs }[], issues: IssueList): void {
    for (const [vpceId, stacks] of Object.entries(endpointPolicyManagers(consumers))) {
        const short = stacks.map((s) => s.split("/").pop()!);
        issues.check(
            `${stacks.join(", ")} output endpointPolicyManaged`,
            vpceId,
            stacks.length > 1 &&
                `${short.join(" and ")} each manage the policy of this one endpoint: it holds one policy, so each stack's pulumi up replaces the other's and the last one wins, refusing the other stacks' workloads`,
            `manage it from one stack only: pulumi config set cross-account-s3:endpointPolicy unmanaged -s ${short.slice(1).join(" (and -s ")}${short.length > 2 ? ")" : ""}, ` +
                `and give ${short[0]} endpointPolicy allow-all, which lets every stack's bucket through (or set unmanaged everywhere and let the endpoint's account set a policy that allows every bucket)`,
        );
    }
}

/** The consumer stacks that manage each endpoint's policy, by endpoint id: what an owner exports so a consumer can check before it deploys. */
export function endpointPolicyManagers(consumers: readonly { readonly stack: string; readonly outputs: Outputs }[]): Record<string, string[]> {
    const managers: Record<string, string[]> = {};
    for (const { stack, outputs } of consumers) {
        if (outputs.endpointPolicyManaged === true && typeof outputs.vpceId === "string") {
            managers[outputs.vpceId] = [...(managers[outputs.vpceId] ?? []), stack];
        }
    }
    return managers;
}

/**
 * The same conflict seen from a consumer about to manage an adopted endpoint's policy: another stack
 * that an owner reports as managing it. Caught at this stack's preview, before it overwrites the policy.
 */
export function checkEndpointPolicyNotManagedElsewhere(managers: unknown, endpointId: string, self: string, ownerStack: string, issues: IssueList): void {
    const listed = typeof managers === "object" && managers !== null ? (managers as Record<string, unknown>)[endpointId] : undefined;
    const others = Array.isArray(listed) ? listed.map(String).filter((stack) => stack !== self) : [];
    issues.check(
        `${ownerStack} output endpointPolicyManagers`,
        { [endpointId]: others },
        others.length > 0 &&
            `says ${others.join(", ")} already manages the policy of ${endpointId}: it holds one policy, so this stack's pulumi up would replace that one and refuse the other stack's workloads`,
        `pulumi config set cross-account-s3:endpointPolicy unmanaged on this stack (${others.map((o) => o.split("/").pop()).join(", ")} keeps managing it; make that one allow-all so every stack's bucket passes)`,
    );
}
