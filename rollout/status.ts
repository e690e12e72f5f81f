import { ConsumerEntry } from "../config/owner";
import { compareWithAgreement } from "../stacks/contract";

/** An owner stack as status sees it: its outputs, and whom it shares with (its consumers config). */
export interface OwnerState {
    readonly stack: string;
    readonly outputs: Readonly<Record<string, unknown>>;
    /** The owner's `consumers` config, stack names as configured or qualified. */
    readonly consumers: readonly Pick<ConsumerEntry, "stack" | "accountId">[];
}

export interface ConsumerState {
    readonly stack: string;
    readonly outputs: Readonly<Record<string, unknown>>;
}

export interface StatusRow {
    readonly stack: string;
    readonly check: string;
    readonly ok: boolean;
    readonly detail: string;
}

const shortName = (stack: string) => stack.split("/").pop() ?? stack;
const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);
const text = (v: unknown, key: string): string | undefined => {
    const value = typeof v === "object" && v !== null ? (v as Record<string, unknown>)[key] : undefined;
    return typeof value === "string" ? value : undefined;
};

/** The organization grant of `owner` a consumer stack relies on (its exported `organizationGrant`), if the owner still has it. */
function grantOf(owner: OwnerState, consumer: ConsumerState): { orgPath: string; roleName: string } | undefined {
    const orgPath = text(consumer.outputs.organizationGrant, "orgPath");
    const grant = Array.isArray(owner.outputs.organizationGrants)
        ? (owner.outputs.organizationGrants as unknown[]).find((g) => orgPath !== undefined && text(g, "orgPath") === orgPath)
        : undefined;
    const roleName = text(grant, "roleName");
    return orgPath === undefined || roleName === undefined ? undefined : { orgPath, roleName };
}

/**
 * Whether the stacks agree with each other, for every owner: each consumer it lists deployed,
 * granted and locked; each consumer under one of its organization grants named as the grant says;
 * no lock entry or grant left over from a replaced endpoint or role; regions and accounts matching.
 * A consumer stack that no owner lists and no organization grant covers is flagged.
 */
export function analyseStatus(owners: readonly OwnerState[], consumers: readonly ConsumerState[]): StatusRow[] {
    const rows: StatusRow[] = [];
    const row = (stack: string, check: string, ok: boolean, detail: string) => rows.push({ stack, check, ok, detail });
    const deployed = (o: OwnerState) => o.outputs.bucketArn !== undefined;
    for (const owner of owners) {
        row(owner.stack, "deployed", deployed(owner), deployed(owner) ? String(owner.outputs.bucketArn) : "no outputs: run npm run deploy");
    }

    for (const consumer of consumers) {
        const name = shortName(consumer.stack);
        const listing = owners.flatMap((owner) => owner.consumers.filter((e) => shortName(e.stack) === name).map((entry) => ({ owner, entry })));
        const covering = owners.filter((o) => !listing.some((l) => l.owner === o)).flatMap((owner) => grantOf(owner, consumer) ?? []);
        if (listing.length === 0 && covering.length === 0) {
            const lost = text(consumer.outputs.organizationGrant, "orgPath");
            row(
                name,
                "shared",
                false,
                `not in the owner's consumers${lost === undefined ? "" : `, and no owner grants ${lost} any more`}: add it there, or remove the stack`,
            );
            continue;
        }
        const { roleArn, vpceId } = consumer.outputs;
        if (roleArn === undefined || vpceId === undefined) {
            row(name, "deployed", false, "no role or endpoint exported yet: run npm run deploy");
            continue;
        }
        row(name, "deployed", true, `${String(vpceId)}, ${String(roleArn)}`);
        for (const grant of covering) {
            const roleName = String(roleArn).split("/").pop();
            row(
                name,
                "organization grant",
                roleName === grant.roleName,
                roleName === grant.roleName
                    ? `under organization grant ${grant.orgPath} (role ${grant.roleName})`
                    : `under organization grant ${grant.orgPath}, which names the role ${grant.roleName}, but the stack's role is ${String(roleName)}, so the bucket refuses it: run npm run deploy (the consumer renames its role)`,
            );
        }
        for (const { owner, entry } of listing) {
            const of = ` (${owner.stack})`;
            const { account, region } = compareWithAgreement(entry, consumer.outputs, String(owner.outputs.region));
            if (deployed(owner)) {
                row(name, `region${of}`, region.ok, `consumer ${String(region.consumer)}, bucket ${region.bucket}`);
            }
            row(
                name,
                `account${of}`,
                account.ok,
                account.ok ? account.agreed : `agreed ${account.agreed}, stack ${String(account.stack)}, role ${String(account.role)}`,
            );
            if (deployed(owner)) {
                const granted = list(owner.outputs.grantedRoleArns).includes(String(roleArn));
                const locked = list(owner.outputs.lockedVpceIds).includes(String(vpceId));
                row(name, `role granted${of}`, granted, granted ? "in the bucket policy" : "not in the bucket policy: run the owner (npm run deploy)");
                row(
                    name,
                    `endpoint locked${of}`,
                    locked,
                    locked ? "in the lock" : "not in the lock, so the consumer is refused: run the owner (npm run deploy)",
                );
            }
        }
    }

    const stackFiles = new Set(consumers.map((c) => shortName(c.stack)));
    const exportedEndpoints = new Set(consumers.map((c) => String(c.outputs.vpceId)));
    const exportedRoles = new Set(consumers.map((c) => String(c.outputs.roleArn)));
    for (const owner of owners) {
        for (const name of owner.consumers.map((e) => shortName(e.stack)).filter((n) => !stackFiles.has(n))) {
            row(name, "stack file", false, `listed in ${owner.stack}'s consumers, but there is no Pulumi.${name}.yaml`);
        }
        for (const id of list(owner.outputs.lockedVpceIds).filter((v) => !exportedEndpoints.has(v))) {
            row(owner.stack, "lock entry", false, `${id} is locked but no consumer exports it (replaced or destroyed endpoint): run the owner`);
        }
        for (const arn of list(owner.outputs.grantedRoleArns).filter((v) => !exportedRoles.has(v))) {
            row(owner.stack, "grant", false, `${arn} is granted but no consumer exports it: run the owner`);
        }
    }
    return rows;
}

export const consistent = (rows: readonly StatusRow[]) => rows.every((r) => r.ok);
