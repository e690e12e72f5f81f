/** What a rollout did, step by step, as the orchestrator reports it and the command prints it. */
import { table } from "./table";

/** The stacks of one rollout: the owner and its consumers, in rollout order. */
export interface RolloutStacks {
    readonly owner: string;
    readonly consumers: readonly string[];
}

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
export function plannedSteps(command: RolloutReport["command"], { owner, consumers }: RolloutStacks): Pick<Step, "stack" | "phase" | "operation">[] {
    if (command === "destroy") {
        return [
            ...[...consumers].reverse().map((stack) => ({ stack, phase: 2 as const, operation: "destroy" as const })),
            { stack: owner, phase: 1, operation: "destroy" },
        ];
    }
    const operation: Operation = command === "deploy" ? "up" : "preview";
    return [
        { stack: owner, phase: 1, operation },
        ...consumers.map((stack) => ({ stack, phase: 2 as const, operation })),
        { stack: owner, phase: 3, operation },
    ];
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
