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
    const managers = new Map<string, string[]>();
    for (const { stack, outputs } of consumers) {
        if (outputs.endpointPolicyManaged === true && typeof outputs.vpceId === "string") {
            managers.set(outputs.vpceId, [...(managers.get(outputs.vpceId) ?? []), stack]);
        }
    }
    for (const [vpceId, stacks] of managers) {
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
