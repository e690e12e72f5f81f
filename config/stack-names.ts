/** Where a stack program runs: its config namespace and its place in the backend. */
export interface StackIdentity {
    /** The config namespace: the Pulumi project name. */
    readonly namespace: string;
    readonly organization: string;
    readonly project: string;
    readonly stack: string;
}

/**
 * A StackReference name. A bare stack name is taken to live in the same organization and project
 * (`organization` on a self-managed backend); a fully qualified `org/project/stack` is kept.
 */
export function qualifyStackName(name: string, identity: StackIdentity): string {
    return name.includes("/") ? name : `${identity.organization}/${identity.project}/${name}`;
}
