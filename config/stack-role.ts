import { ConfigError } from "./errors";

/** Which program a stack runs. */
export type StackRole = "owner" | "consumer";

export const STACK_ROLES: readonly StackRole[] = ["owner", "consumer"];

/**
 * The configured role, or one derived from the stack name: `owner…` runs the owner program and
 * `consumer…` the consumer program, so another consumer account is only another
 * `Pulumi.consumer-<name>.yaml`.
 */
export function resolveStackRole(configured: string | undefined, stack: string, namespace: string): StackRole {
    const key = `${namespace}:role`;
    if (configured !== undefined) {
        if ((STACK_ROLES as readonly string[]).includes(configured)) {
            return configured as StackRole;
        }
        throw new ConfigError(`Cannot tell which program stack "${stack}" runs`, [
            { key, value: configured, rule: 'must be "owner" or "consumer"', fix: `pulumi config set ${key} consumer` },
        ]);
    }
    const derived = STACK_ROLES.find((role) => stack === role || stack.startsWith(`${role}-`) || stack.startsWith(`${role}_`));
    if (derived === undefined) {
        throw new ConfigError(`Cannot tell which program stack "${stack}" runs`, [
            {
                key,
                value: undefined,
                rule: `is required because the stack name "${stack}" does not start with "owner" or "consumer"; valid values are "owner" and "consumer"`,
                fix: `pulumi config set ${key} owner (or consumer)`,
            },
        ]);
    }
    return derived;
}
