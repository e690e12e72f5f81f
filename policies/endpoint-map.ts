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
    /** The endpoints each account owns. */
    readonly endpointsOfAccount: ReadonlyMap<string, readonly string[]>;
    readonly accountOfRole: ReadonlyMap<string, string>;
}

export function endpointMap(grants: readonly ConsumerGrant[]): EndpointMap {
    const endpointsOfRole = new Map<string, string[]>();
    const rolesOfAccount = new Map<string, string[]>();
    const accountOfEndpoint = new Map<string, string>();
    const accountOfRole = new Map<string, string>();
    for (const c of grants) {
        endpointsOfRole.set(c.roleArn, [...(endpointsOfRole.get(c.roleArn) ?? []), ...c.vpceIds]);
        rolesOfAccount.set(c.accountId, [...(rolesOfAccount.get(c.accountId) ?? []), c.roleArn]);
        accountOfRole.set(c.roleArn, c.accountId);
        c.vpceIds.forEach((id) => accountOfEndpoint.set(id, c.vpceAccountId ?? c.accountId));
    }
    for (const map of [endpointsOfRole, rolesOfAccount]) {
        map.forEach((values, key) => map.set(key, sortedUnique(values)));
    }
    const endpointsOfAccount = new Map<string, string[]>();
    for (const [endpoint, account] of accountOfEndpoint) {
        endpointsOfAccount.set(account, [...(endpointsOfAccount.get(account) ?? []), endpoint]);
    }
    return { endpoints: sortedUnique(accountOfEndpoint.keys()), endpointsOfRole, rolesOfAccount, accountOfEndpoint, endpointsOfAccount, accountOfRole };
}
