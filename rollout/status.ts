import { ConsumerEntry } from "../config/owner";
import { compareWithAgreement } from "../stacks/contract";

/** The owner stack as status sees it: its outputs, and whom it shares with (its consumers config). */
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

/**
 * Whether the stacks agree with each other: every listed consumer deployed, granted and locked, no
 * lock entry or grant left over from a replaced endpoint or role, regions and accounts matching.
 */
export function analyseStatus(owner: OwnerState, consumers: readonly ConsumerState[]): StatusRow[] {
    const rows: StatusRow[] = [];
    const row = (stack: string, check: string, ok: boolean, detail: string) => rows.push({ stack, check, ok, detail });
    const ownerDeployed = owner.outputs.bucketArn !== undefined;
    row(owner.stack, "deployed", ownerDeployed, ownerDeployed ? String(owner.outputs.bucketArn) : "no outputs: run npm run deploy");
    const granted = list(owner.outputs.grantedRoleArns);
    const locked = list(owner.outputs.lockedVpceIds);
    const byName = new Map(consumers.map((c) => [shortName(c.stack), c]));

    for (const entry of owner.consumers) {
        const name = shortName(entry.stack);
        const consumer = byName.get(name);
        if (consumer === undefined) {
            row(name, "stack file", false, `listed in the owner's consumers, but there is no Pulumi.${name}.yaml`);
            continue;
        }
        const { roleArn, vpceId } = consumer.outputs;
        if (roleArn === undefined || vpceId === undefined) {
            row(name, "deployed", false, "no role or endpoint exported yet: run npm run deploy");
            continue;
        }
        row(name, "deployed", true, `${String(vpceId)}, ${String(roleArn)}`);
        const { account, region } = compareWithAgreement(entry, consumer.outputs, String(owner.outputs.region));
        if (ownerDeployed) {
            row(name, "region", region.ok, `consumer ${String(region.consumer)}, bucket ${region.bucket}`);
        }
        row(
            name,
            "account",
            account.ok,
            account.ok ? account.agreed : `agreed ${account.agreed}, stack ${String(account.stack)}, role ${String(account.role)}`,
        );
        if (ownerDeployed) {
            row(
                name,
                "role granted",
                granted.includes(String(roleArn)),
                granted.includes(String(roleArn)) ? "in the bucket policy" : "not in the bucket policy: run the owner (npm run deploy)",
            );
            row(
                name,
                "endpoint locked",
                locked.includes(String(vpceId)),
                locked.includes(String(vpceId)) ? "in the lock" : "not in the lock, so the consumer is refused: run the owner (npm run deploy)",
            );
        }
    }

    const listed = new Set(owner.consumers.map((e) => shortName(e.stack)));
    for (const consumer of consumers.filter((c) => !listed.has(shortName(c.stack)))) {
        row(shortName(consumer.stack), "shared", false, "not in the owner's consumers: add it there, or remove the stack");
    }
    const exportedEndpoints = new Set(consumers.map((c) => String(c.outputs.vpceId)));
    const exportedRoles = new Set(consumers.map((c) => String(c.outputs.roleArn)));
    for (const id of locked.filter((v) => !exportedEndpoints.has(v))) {
        row(owner.stack, "lock entry", false, `${id} is locked but no consumer exports it (replaced or destroyed endpoint): run the owner`);
    }
    for (const arn of granted.filter((v) => !exportedRoles.has(v))) {
        row(owner.stack, "grant", false, `${arn} is granted but no consumer exports it: run the owner`);
    }
    return rows;
}

export const consistent = (rows: readonly StatusRow[]) => rows.every((r) => r.ok);
