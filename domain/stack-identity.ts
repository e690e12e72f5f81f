import { ConfigError } from "./issues";

/** The Pulumi project: also the namespace of every config key (`cross-account-s3:accountId`). */
export const PROJECT = "cross-account-s3";

/** The organization of a self-managed backend, where every stack lives. */
export const ORGANIZATION = "organization";

/** Where a stack program runs: its project (the config namespace) and its place in the backend. */
export interface StackIdentity {
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

/** The file that holds a stack's settings, `Pulumi.<stack>.yaml`, for a bare or fully qualified stack name. */
export function stackFileName(stack: string): string {
    return `Pulumi.${stack.split("/").pop()}.yaml`;
}

/** Which program a stack runs. */
export type StackRole = "owner" | "consumer";

export const STACK_ROLES: readonly StackRole[] = ["owner", "consumer"];

/**
 * The configured role, or one derived from the stack name: `owner…` runs the owner program and
 * `consumer…` the consumer program, so another consumer account is only another
 * `Pulumi.consumer-<name>.yaml`.
 */
export function resolveStackRole(configured: string | undefined, stack: string, project: string): StackRole {
    const key = `${project}:role`;
    if (configured !== undefined) {
        if ((STACK_ROLES as readonly string[]).includes(configured)) {
            return configured as StackRole;
        }
        throw new ConfigError(`Cannot tell which program stack "${stack}" runs (${stackFileName(stack)})`, [
            { key, value: configured, rule: 'must be "owner" or "consumer"', fix: `pulumi config set ${key} consumer -s ${stack}` },
        ]);
    }
    const derived = STACK_ROLES.find((role) => stack === role || stack.startsWith(`${role}-`) || stack.startsWith(`${role}_`));
    if (derived === undefined) {
        throw new ConfigError(`Cannot tell which program stack "${stack}" runs (${stackFileName(stack)})`, [
            {
                key,
                value: undefined,
                rule: `is required because the stack name "${stack}" does not start with "owner" or "consumer"; valid values are "owner" and "consumer"`,
                fix: `pulumi config set ${key} owner -s ${stack} (or consumer)`,
            },
        ]);
    }
    return derived;
}

/**
 * A stack's name as it appears in environment and repository variable names (`consumer-eu` →
 * `CONSUMER_EU`): upper-cased, other characters as `_`, as in `AWS_PROFILE_<STACK>`.
 */
export const variableStackName = (stack: string): string => stack.toUpperCase().replace(/[^A-Z0-9]/g, "_");
