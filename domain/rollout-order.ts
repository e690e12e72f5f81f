/**
 * The order of a rollout across accounts, shared by the offline plan and the real rollout: every
 * owner, then the consumers, then every owner again, except an owner with nothing to add.
 */

/**
 * Whether an owner runs again after the consumers: when it lists one of them (or there are none to
 * weigh). An owner whose consumers are all under its organization grants has nothing to grant or
 * lock: its rollout is owner → consumer, with no return.
 */
export const ownerReturns = (listed: readonly string[], consumers: readonly string[]): boolean =>
    consumers.length === 0 || consumers.some((c) => listed.includes(c));
