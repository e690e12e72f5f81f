/**
 * The AWS Organizations calls behind the organization-grant check: who the organization is, the OUs and
 * accounts under a parent, and the service control policies attached to a target. Each method is one
 * (paginated) call returning plain data; the judgement is in organization.ts. Organizations answers
 * these only to the management account or a delegated administrator.
 */
import {
    DescribeOrganizationCommand,
    DescribePolicyCommand,
    ListAccountsForParentCommand,
    ListOrganizationalUnitsForParentCommand,
    ListPoliciesForTargetCommand,
    OrganizationsClient,
} from "@aws-sdk/client-organizations";

/** A service control policy attached to a root or an OU, as ListPoliciesForTarget lists it. */
export interface AttachedPolicy {
    readonly id: string;
    readonly name: string;
    readonly awsManaged: boolean;
}

export class OrganizationsApi {
    constructor(private readonly client: OrganizationsClient) {}

    /** The organization of the credentials' account: its id and its management account. */
    async organization(): Promise<{ readonly id: string; readonly managementAccountId: string }> {
        const found = (await this.client.send(new DescribeOrganizationCommand({}))).Organization;
        return { id: String(found?.Id), managementAccountId: String(found?.MasterAccountId) };
    }

    /** The ids of the OUs directly under a root or an OU, every page. */
    async childOus(parentId: string): Promise<string[]> {
        const found: string[] = [];
        let NextToken: string | undefined;
        do {
            const page = await this.client.send(new ListOrganizationalUnitsForParentCommand({ ParentId: parentId, NextToken }));
            found.push(...(page.OrganizationalUnits ?? []).map((ou) => String(ou.Id)));
            NextToken = page.NextToken;
        } while (NextToken);
        return found;
    }

    /** The ids of the accounts directly under a root or an OU (not in its child OUs), every page. */
    async accounts(parentId: string): Promise<string[]> {
        const found: string[] = [];
        let NextToken: string | undefined;
        do {
            const page = await this.client.send(new ListAccountsForParentCommand({ ParentId: parentId, NextToken }));
            found.push(...(page.Accounts ?? []).map((a) => String(a.Id)));
            NextToken = page.NextToken;
        } while (NextToken);
        return found;
    }

    /** The service control policies attached directly to a root or an OU, every page. */
    async serviceControlPolicies(targetId: string): Promise<AttachedPolicy[]> {
        const found: AttachedPolicy[] = [];
        let NextToken: string | undefined;
        do {
            const page = await this.client.send(new ListPoliciesForTargetCommand({ TargetId: targetId, Filter: "SERVICE_CONTROL_POLICY", NextToken }));
            found.push(...(page.Policies ?? []).map((p) => ({ id: String(p.Id), name: String(p.Name), awsManaged: p.AwsManaged === true })));
            NextToken = page.NextToken;
        } while (NextToken);
        return found;
    }

    /** A policy's document (JSON text). */
    async policyContent(policyId: string): Promise<string> {
        return String((await this.client.send(new DescribePolicyCommand({ PolicyId: policyId }))).Policy?.Content);
    }
}
