/** What a rollout did, step by step, as the orchestrator reports it and the command prints it. */
import { ownerReturns } from "../domain/rollout-order";
import { table } from "./table";

/** The stacks of one rollout: the owners and the consumers, in rollout order. One owner is a list of one. */
export interface RolloutStacks {
    readonly owners: readonly OwnerStack[];
    readonly consumers: readonly string[];
}

/** An owner stack and the consumer stacks its `consumers` config lists (short names). */
export interface OwnerStack {
    readonly stack: string;
    readonly lists: readonly string[];
}

/** Whether an owner runs again after these consumers (domain/rollout-order.ts). */
export const returns = (owner: OwnerStack, consumers: readonly string[]) => ownerReturns(owner.lists, consumers);

/** Why an owner that lists none of the consumers does not run again. */
export const NO_RETURN = "lists none of these consumers (those under its organization grants need no owner change): owner → consumer, no return";

export type Operation = "up" | "preview" | "destroy";

export interface Step {
    readonly stack: string;
    readonly phase: 1 | 2 | 3;
    readonly operation: Operation;
    /**
     * `interrupted`: stopped by one Ctrl-C while running (the engine stopped at a safe point);
     * `stopped at once`: a second Ctrl-C came while it ran; `not started`: after either, or after a
     * policy violation.
     */
    readonly status: "done" | "skipped" | "failed" | "interrupted" | "stopped at once" | "not started";
    /** Resources the operation changed (or would change, for a preview). */
    readonly changes?: number;
    readonly seconds: number;
    readonly note?: string;
}

export interface RolloutReport {
    readonly command: "deploy" | "preview" | "destroy";
    readonly steps: readonly Step[];
    readonly ok: boolean;
    /** What a person should know after the run (kept data, next commands). */
    readonly notes: readonly string[];
}

/** The steps a command runs, in order. */
export function plannedSteps(command: RolloutReport["command"], { owners, consumers }: RolloutStacks): Pick<Step, "stack" | "phase" | "operation">[] {
    if (command === "destroy") {
        return [
            ...[...consumers].reverse().map((stack) => ({ stack, phase: 2 as const, operation: "destroy" as const })),
            ...owners.map(({ stack }) => ({ stack, phase: 1 as const, operation: "destroy" as const })),
        ];
    }
    const operation: Operation = command === "deploy" ? "up" : "preview";
    return [
        ...owners.map(({ stack }) => ({ stack, phase: 1 as const, operation })),
        ...consumers.map((stack) => ({ stack, phase: 2 as const, operation })),
        ...owners.filter((o) => returns(o, consumers)).map(({ stack }) => ({ stack, phase: 3 as const, operation })),
    ];
}

/** What an owner's destroy keeps (its protected bucket and key), and how to let go of them or delete them. */
export function keptAfterDestroy(stack: string, owner: Readonly<Record<string, unknown>>): string[] {
    const notes: string[] = [];
    if (owner.bucketName !== undefined) {
        const bucket = String(owner.bucketName);
        notes.push(`Kept: bucket ${bucket} with its objects, versions and settings (protected, and retained on destroy).`);
        notes.push(
            `The protected bucket${owner.kmsKeyArn === undefined ? " stays" : " and key stay"} in stack ${stack}: to let go of them, ` +
                `pulumi state unprotect --all -s ${stack}, then pulumi destroy -s ${stack} (they are forgotten, not deleted).`,
        );
        notes.push(`To delete the data deliberately: empty the bucket, every version included, then aws s3api delete-bucket --bucket ${bucket}.`);
    }
    if (owner.kmsKeyArn !== undefined) {
        const key = String(owner.kmsKeyArn);
        notes.push(`Kept: KMS key ${key}. Delete it only after the bucket: aws kms schedule-key-deletion --key-id ${key}.`);
    }
    return notes;
}

/** The summary table a command prints at the end. */
export function summaryTable(report: RolloutReport): string {
    return table(
        ["stack", "phase", "operation", "result", "resources changed", "duration"],
        report.steps.map((s) => [
            s.stack,
            String(s.phase),
            s.operation,
            s.status,
            s.changes === undefined ? "-" : String(s.changes),
            `${s.seconds.toFixed(1)} s`,
        ]),
    );
}
