/**
 * The organization-grant check of one grant: the Organizations reads (aws-organizations.ts) in order,
 * the judgement (organization.ts) on what they return. Free: Organizations' read calls are not billed.
 */
import { OrganizationGrant, organizationOf } from "../domain/terms";
import { OrganizationsApi } from "./aws-organizations";
import type { CheckRow } from "./judge";
import { AttachedScp, GrantAccounts, grantCheck, judgeGrantAccounts, judgeRoleNameReserved, pathTargets, unknownRow } from "./organization";

/** The Organizations API verify reads through, and whose credentials those are (for the report). */
export interface OrganizationsAccess {
    readonly api: OrganizationsApi;
    /** e.g. "the profile in AWS_PROFILE_ORGANIZATION", "the owner's credentials". */
    readonly credentials: string;
}

/** The path's OUs, each under the one before it, then every account under its last OU and that OU's children. */
async function grantAccounts(api: OrganizationsApi, grant: OrganizationGrant): Promise<GrantAccounts> {
    const organization = await api.organization();
    const base = { organizationId: organization.id, managementAccountId: organization.managementAccountId, accounts: [] };
    if (organization.id !== organizationOf(grant.orgPath)) {
        return base;
    }
    const targets = pathTargets(grant.orgPath);
    let children: string[] = [];
    for (let i = 0; i < targets.length; i++) {
        const found = await childOusOrNothing(api, targets[i]);
        if (found === undefined) {
            return { ...base, notFound: { id: targets[i], parent: i === 0 ? organization.id : targets[i - 1] } };
        }
        if (i + 1 < targets.length && !found.includes(targets[i + 1])) {
            return { ...base, notFound: { id: targets[i + 1], parent: targets[i] } };
        }
        children = found;
    }
    const accounts = await api.accounts(targets[targets.length - 1]);
    const queue = [...children];
    while (queue.length > 0) {
        const parent = queue.shift()!;
        accounts.push(...(await api.accounts(parent)));
        queue.push(...(await api.childOus(parent)));
    }
    return { ...base, accounts };
}

/** A parent's child OUs, or undefined when Organizations knows no such parent. */
async function childOusOrNothing(api: OrganizationsApi, parent: string): Promise<string[] | undefined> {
    try {
        return await api.childOus(parent);
    } catch (error) {
        if ((error as { name?: string }).name === "ParentNotFoundException") {
            return undefined;
        }
        throw error;
    }
}

/** Every customer-managed SCP attached to the path's root and OUs, with its document (AWS-managed ones, FullAWSAccess, deny nothing). */
async function attachedScps(api: OrganizationsApi, orgPath: string): Promise<AttachedScp[]> {
    const found: AttachedScp[] = [];
    for (const target of pathTargets(orgPath)) {
        for (const policy of (await api.serviceControlPolicies(target)).filter((p) => !p.awsManaged)) {
            found.push({ target, id: policy.id, name: policy.name, content: await api.policyContent(policy.id) });
        }
    }
    return found;
}

/** One grant's rows: its accounts, then whether an SCP on its path reserves its role name. */
export async function organizationGrantChecks(stack: string, access: OrganizationsAccess, grant: OrganizationGrant, partition: string): Promise<CheckRow[]> {
    const unknown = (check: string, error: unknown): CheckRow => {
        const row = unknownRow(stack, check, error, access.credentials);
        if (row === undefined) {
            throw error;
        }
        return row;
    };
    let seen: GrantAccounts;
    try {
        seen = await grantAccounts(access.api, grant);
    } catch (error) {
        const row = unknown(grantCheck(grant, "accounts"), error);
        return [row, { ...row, check: grantCheck(grant, "role name reserved") }];
    }
    const accounts = judgeGrantAccounts(stack, grant, seen, access.credentials);
    if (accounts.result === "info" || accounts.result === "fail") {
        const why = accounts.result === "fail" ? "the path is not in the organization (above)" : "the path's accounts could not be read (above)";
        return [accounts, { stack, check: grantCheck(grant, "role name reserved"), result: "info", detail: `unknown: ${why}` }];
    }
    try {
        return [accounts, judgeRoleNameReserved(stack, grant, partition, seen, await attachedScps(access.api, grant.orgPath))];
    } catch (error) {
        return [accounts, unknown(grantCheck(grant, "role name reserved"), error)];
    }
}
