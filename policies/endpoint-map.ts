import { ConsumerGrant } from "../domain/terms";
import { sortedUnique } from "./document";

/** Who uses which endpoints, indexed the ways the lock statements need. */
export interface EndpointMap {
    /** Every consumer endpoint, sorted. */
    readonly endpoints: string[];
    /** The endpoints each role may use (a role shared by two consumer stacks may use both stacks' endpoints). */
    readonly endpointsOfRole: ReadonlyMap<string, string[]>;
    /** The consumer roles of each account. */
    readonly rolesOfAccount: ReadonlyMap<string, string[]>;
    /** The account that owns each endpoint. */
    readonly accountOfEndpoint: ReadonlyMap<string, string>;
    readonly accountOfRole: ReadonlyMap<string, string>;
}

export function endpointMap(consumers: readonly ConsumerGrant[]): EndpointMap {
    const endpointsOfRole = new Map<string, string[]>();
    const rolesOfAccount = new Map<string, string[]>();
    const accountOfEndpoint = new Map<string, string>();
    const accountOfRole = new Map<string, string>();
    for (const c of consumers) {
        endpointsOfRole.set(c.roleArn, sortedUnique([...(endpointsOfRole.get(c.roleArn) ?? []), ...c.vpceIds]));
        rolesOfAccount.set(c.accountId, sortedUnique([...(rolesOfAccount.get(c.accountId) ?? []), c.roleArn]));
        accountOfRole.set(c.roleArn, c.accountId);
        c.vpceIds.forEach((id) => accountOfEndpoint.set(id, c.vpceAccountId ?? c.accountId));
    }
    return { endpoints: sortedUnique(accountOfEndpoint.keys()), endpointsOfRole, rolesOfAccount, accountOfEndpoint, accountOfRole };
}
