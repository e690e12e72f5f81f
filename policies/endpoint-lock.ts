import { Grant, isListedGrant, isOrganizationGrant, LockMode, organizationOf, PER_CONSUMER_CANNOT_LOCK_ORGANIZATION } from "../domain/terms";
import { endpointMap, EndpointMap } from "./endpoint-map";
import { denyAllS3, oneOrMany, sortedUnique, Statement } from "./document";
import { arnPartition, grantedRolePattern } from "./organization-grant";

/**
 * The endpoint lock. It only covers principals outside the owner account, so the owner's console
 * users, CI and `pulumi refresh` are never caught. In both modes:
 *   1. the request must come through one of the grants' endpoints (`aws:SourceVpce`).
 * Then, so that no consumer can use another consumer's endpoint:
 * - `account-match`: 2. that endpoint must belong to the caller's own account (`aws:VpceAccount`
 *   equals `${aws:PrincipalAccount}`). This grows by one endpoint id per consumer, which is what lets
 *   hundreds of grants fit in S3's 20 KB. Where (2) cannot tell grants apart — an account with
 *   several consumer stacks, or an account that owns another consumer's shared-VPC endpoint — or does
 *   not apply — a consumer behind an endpoint another account owns (shared VPC), exempted from (2) —
 *   the role gets its own Deny naming its endpoints.
 * - `per-consumer`: one Deny per consumer account naming that account's endpoints, or one per role
 *   where an account holds several consumer stacks.
 * Organization grants (account-match only): their endpoints are not known, so their role names are
 * exempt from (1) and held by (2) alone — an endpoint of the caller's own account — and, where the grant
 * asks, by a Deny of endpoints outside the organization (`aws:VpceOrgID`). None of this grows with the
 * number of accounts under the path.
 */
export function endpointLockStatements(resources: string[], ownerAccountId: string, grants: readonly Grant[], mode: LockMode): Statement[] {
    const listed = grants.filter(isListedGrant);
    const organization = grants.filter(isOrganizationGrant);
    if (organization.length > 0 && mode === "per-consumer") {
        throw new Error(`lockMode "per-consumer" ${PER_CONSUMER_CANNOT_LOCK_ORGANIZATION}`);
    }
    if (grants.length === 0) {
        return [];
    }
    const partition = arnPartition(resources[0]);
    const map = endpointMap(listed);
    const organizationRoles = sortedUnique(organization.map((g) => grantedRolePattern(g, partition)));
    const throughConsumerEndpoints = denyAllS3("DenyConsumersOutsideTheirEndpoints", resources, {
        StringNotEquals: { "aws:PrincipalAccount": ownerAccountId, "aws:SourceVpce": oneOrMany(map.endpoints) },
        ...(organizationRoles.length > 0 ? { ArnNotLike: { "aws:PrincipalArn": oneOrMany(organizationRoles) } } : {}),
    });
    return [
        ...(listed.length > 0 ? [throughConsumerEndpoints] : []),
        ...(mode === "account-match" ? accountMatchLock(resources, ownerAccountId, map) : perConsumerLock(resources, map)),
        ...organizationEndpointLock(
            resources,
            ownerAccountId,
            organization.filter((g) => g.endpointInOrganization === true),
            partition,
        ),
    ];
}

/** Organization grants that also require an endpoint of their organization: one Deny per organization. */
function organizationEndpointLock(resources: string[], ownerAccountId: string, grants: readonly Grant[], partition: string): Statement[] {
    const rolesOfOrganization = new Map<string, string[]>();
    for (const g of grants.filter(isOrganizationGrant)) {
        const org = organizationOf(g.orgPath);
        rolesOfOrganization.set(org, [...(rolesOfOrganization.get(org) ?? []), grantedRolePattern(g, partition)]);
    }
    return [...rolesOfOrganization.keys()].sort().map((org, i) =>
        denyAllS3(`DenyOrgGrant${i + 1}EndpointsOutsideTheOrganization`, resources, {
            ArnLike: { "aws:PrincipalArn": oneOrMany(sortedUnique(rolesOfOrganization.get(org)!)) },
            StringNotEquals: { "aws:PrincipalAccount": ownerAccountId, "aws:VpceOrgID": org },
        }),
    );
}

function accountMatchLock(resources: string[], ownerAccountId: string, map: EndpointMap): Statement[] {
    const roles = [...map.endpointsOfRole.keys()];
    // Behind an endpoint of another account (shared VPC): aws:VpceAccount is that account, never the caller's.
    const sharedVpcRoles = sortedUnique(
        roles.filter((role) => map.endpointsOfRole.get(role)!.some((e) => map.accountOfEndpoint.get(e) !== map.accountOfRole.get(role))),
    );
    const ownAccountEndpoints = denyAllS3("DenyEndpointsOfOtherAccounts", resources, {
        StringNotEquals: { "aws:PrincipalAccount": ownerAccountId, "aws:VpceAccount": "${aws:PrincipalAccount}" },
        ...(sharedVpcRoles.length > 0 ? { ArnNotEquals: { "aws:PrincipalArn": oneOrMany(sharedVpcRoles) } } : {}),
    });
    // What (1) and (2) let a role through: every consumer endpoint its account owns. Exact only when
    // those are its own (for a role that is not exempt, its own endpoints are among them).
    const shared = new Set(sharedVpcRoles);
    const passable = (role: string) => map.endpointsOfAccount.get(map.accountOfRole.get(role)!) ?? [];
    const needsOwnDeny = sortedUnique(roles.filter((role) => shared.has(role) || passable(role).length > map.endpointsOfRole.get(role)!.length));
    return [ownAccountEndpoints, ...needsOwnDeny.map((role, i) => roleLock(resources, map, role, i))];
}

function perConsumerLock(resources: string[], map: EndpointMap): Statement[] {
    const statements: Statement[] = [];
    const accounts = [...map.rolesOfAccount.keys()].sort();
    const sharedAccountRoles = accounts.flatMap((a) => (map.rolesOfAccount.get(a)!.length > 1 ? map.rolesOfAccount.get(a)! : []));
    accounts
        .filter((a) => map.rolesOfAccount.get(a)!.length === 1)
        .forEach((account, i) => {
            const [role] = map.rolesOfAccount.get(account)!;
            statements.push(
                denyAllS3(`LockAccount${i + 1}ToItsEndpoints`, resources, {
                    StringEquals: { "aws:PrincipalAccount": account },
                    StringNotEquals: { "aws:SourceVpce": oneOrMany(map.endpointsOfRole.get(role)!) },
                }),
            );
        });
    return [...statements, ...sharedAccountRoles.map((role, i) => roleLock(resources, map, role, i))];
}

function roleLock(resources: string[], map: EndpointMap, role: string, index: number): Statement {
    return denyAllS3(`LockRole${index + 1}ToItsEndpoints`, resources, {
        ArnEquals: { "aws:PrincipalArn": role },
        StringNotEquals: { "aws:SourceVpce": oneOrMany(map.endpointsOfRole.get(role)!) },
    });
}
