import { CONSUMER_OUTPUTS } from "../stacks/contract";
import { explainEngineError } from "./engine-errors";
import { changed, StackOperations } from "./operations";

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
    /** `interrupted`: stopped by Ctrl-C while running; `not started`: after an interruption. */
    readonly status: "done" | "skipped" | "failed" | "interrupted" | "not started";
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

/** Where progress goes: one line per step, and the engine's own output underneath. */
export interface Reporter {
    line(text: string): void;
    engineOutput(text: string): void;
}

export interface RolloutOptions {
    /** Aborted on Ctrl-C: the running operation stops cleanly and nothing after it starts. */
    readonly signal?: AbortSignal;
    /** Refresh each stack's state from the cloud before deploy and preview (`--refresh`). */
    readonly refresh?: boolean;
    readonly now?: () => number;
}

/**
 * The ordered rollout across accounts. The owner needs the consumers' roles and endpoints, the
 * consumers need the bucket: a first rollout is owner → every consumer → owner.
 */
export class Rollout {
    private readonly now: () => number;

    constructor(
        private readonly ops: StackOperations,
        private readonly stacks: RolloutStacks,
        private readonly reporter: Reporter,
        private readonly options: RolloutOptions = {},
    ) {
        this.now = options.now ?? Date.now;
    }

    /**
     * Creates missing stacks, then owner → consumers → owner. The last owner run is skipped when the
     * consumers export what the owner already read in its first run; so a re-run on an up-to-date
     * system changes nothing, and a run after a failure picks up where the last one stopped.
     */
    async deploy(): Promise<RolloutReport> {
        const steps: Step[] = [];
        const existing = new Set(await this.ops.existingStacks());
        for (const stack of [this.stacks.owner, ...this.stacks.consumers].filter((s) => !existing.has(s))) {
            this.reporter.line(`creating stack ${stack}`);
            await this.ops.createStack(stack);
        }
        const readByOwner = await this.consumerView();
        if (!(await this.step(steps, this.stacks.owner, 1, "up"))) {
            return this.report("deploy", steps, []);
        }
        for (const consumer of this.stacks.consumers) {
            if (!(await this.step(steps, consumer, 2, "up"))) {
                return this.report("deploy", steps, []);
            }
        }
        if (JSON.stringify(await this.consumerView()) === JSON.stringify(readByOwner)) {
            steps.push(this.skipped(this.stacks.owner, 3, "up", "the consumers export what the owner read in phase 1"));
        } else {
            await this.step(steps, this.stacks.owner, 3, "up");
        }
        return this.report("deploy", steps, []);
    }

    /**
     * Previews in rollout order. A consumer cannot be previewed before the owner has outputs, and the
     * owner's second run depends on what applying the consumers produces: both are said, not failed.
     */
    async preview(): Promise<RolloutReport> {
        const steps: Step[] = [];
        const notes: string[] = [];
        const existing = new Set(await this.ops.existingStacks());
        const missing = "the stack does not exist yet; npm run deploy creates it";
        const ownerDeployed = existing.has(this.stacks.owner) && Object.keys(await this.ops.outputs(this.stacks.owner)).length > 0;
        if (!existing.has(this.stacks.owner)) {
            steps.push(this.skipped(this.stacks.owner, 1, "preview", missing));
        } else if (!(await this.step(steps, this.stacks.owner, 1, "preview"))) {
            return this.report("preview", steps, notes);
        }
        let consumersChange = false;
        for (const consumer of this.stacks.consumers) {
            if (!existing.has(consumer)) {
                steps.push(this.skipped(consumer, 2, "preview", missing));
                consumersChange = true;
                continue;
            }
            if (!ownerDeployed) {
                steps.push(this.skipped(consumer, 2, "preview", "needs the owner's bucket outputs, which the owner's first up produces"));
                consumersChange = true;
                continue;
            }
            const before = steps.length;
            if (!(await this.step(steps, consumer, 2, "preview"))) {
                return this.report("preview", steps, notes);
            }
            consumersChange ||= (steps[before].changes ?? 0) > 0 || Object.keys(await this.ops.outputs(consumer)).length === 0;
        }
        if (consumersChange) {
            steps.push(this.skipped(this.stacks.owner, 3, "preview", "grants and locks what applying the consumers produces; npm run deploy runs it"));
            notes.push("The owner's grants and endpoint lock follow once the consumers are applied: run npm run deploy.");
        }
        return this.report("preview", steps, notes);
    }

    /**
     * Consumers first, then the owner. The bucket and its key are protected (they stay in the owner
     * stack) and everything of the bucket is retained on delete, so destroying ends the sharing but
     * keeps the data.
     */
    async destroy(): Promise<RolloutReport> {
        const steps: Step[] = [];
        const existing = new Set(await this.ops.existingStacks());
        for (const consumer of [...this.stacks.consumers].reverse()) {
            if (!existing.has(consumer)) {
                steps.push(this.skipped(consumer, 2, "destroy", "stack does not exist"));
            } else if (!(await this.step(steps, consumer, 2, "destroy"))) {
                return this.report("destroy", steps, []);
            }
        }
        const notes: string[] = [];
        if (!existing.has(this.stacks.owner)) {
            steps.push(this.skipped(this.stacks.owner, 1, "destroy", "stack does not exist"));
            return this.report("destroy", steps, notes);
        }
        const owner = await this.ops.outputs(this.stacks.owner);
        if (await this.step(steps, this.stacks.owner, 1, "destroy")) {
            if (owner.bucketName !== undefined) {
                notes.push(`Kept: bucket ${String(owner.bucketName)} with its objects, versions and settings (protected, and retained on destroy).`);
                notes.push(
                    `The protected bucket${owner.kmsKeyArn === undefined ? " stays" : " and key stay"} in stack ${this.stacks.owner}: to let go of them, ` +
                        `pulumi state unprotect --all -s ${this.stacks.owner}, then pulumi destroy -s ${this.stacks.owner} (they are forgotten, not deleted).`,
                );
                notes.push(
                    `To delete the data deliberately: empty the bucket, every version included, then aws s3api delete-bucket --bucket ${String(owner.bucketName)}.`,
                );
            }
            if (owner.kmsKeyArn !== undefined) {
                notes.push(
                    `Kept: KMS key ${String(owner.kmsKeyArn)}. Delete it only after the bucket: aws kms schedule-key-deletion --key-id ${String(owner.kmsKeyArn)}.`,
                );
            }
        }
        return this.report("destroy", steps, notes);
    }

    /** What the owner reads from each consumer, in a stable form. */
    private async consumerView(): Promise<Record<string, Record<string, unknown>>> {
        const view: Record<string, Record<string, unknown>> = {};
        for (const consumer of this.stacks.consumers) {
            const outputs = await this.ops.outputs(consumer);
            view[consumer] = Object.fromEntries(CONSUMER_OUTPUTS.map((k) => [k, outputs[k] ?? null]));
        }
        return view;
    }

    /** Runs one step; false when it failed or was interrupted (the rollout stops there). */
    private async step(steps: Step[], stack: string, phase: 1 | 2 | 3, operation: Operation): Promise<boolean> {
        if (this.options.signal?.aborted) {
            steps.push({ stack, phase, operation, status: "not started", seconds: 0 });
            return false;
        }
        const started = this.now();
        this.reporter.line(`▶ phase ${phase} · ${stack} · ${operation}`);
        const onOutput = (text: string) => this.reporter.engineOutput(text);
        try {
            const refresh = operation === "destroy" ? undefined : this.options.refresh;
            const counts = await this.ops[operation](stack, { onOutput, signal: this.options.signal, ...(refresh ? { refresh } : {}) });
            const seconds = (this.now() - started) / 1000;
            steps.push({ stack, phase, operation, status: "done", changes: changed(counts), seconds });
            this.reporter.line(
                `✔ phase ${phase} · ${stack} · ${operation}: ${changed(counts)} resources ${operation === "preview" ? "would change" : "changed"} in ${seconds.toFixed(1)} s`,
            );
            return true;
        } catch (error) {
            const seconds = (this.now() - started) / 1000;
            if (this.options.signal?.aborted) {
                steps.push({ stack, phase, operation, status: "interrupted", seconds });
                this.reporter.line(`■ phase ${phase} · ${stack} · ${operation} interrupted after ${seconds.toFixed(1)} s`);
                return false;
            }
            const message = explainEngineError(error, stack);
            steps.push({ stack, phase, operation, status: "failed", seconds, note: message });
            this.reporter.line(`✖ phase ${phase} · ${stack} · ${operation} failed after ${seconds.toFixed(1)} s: ${message}`);
            return false;
        }
    }

    private skipped(stack: string, phase: 1 | 2 | 3, operation: Operation, note: string): Step {
        this.reporter.line(`– phase ${phase} · ${stack} · ${operation} skipped: ${note}`);
        return { stack, phase, operation, status: "skipped", seconds: 0, note };
    }

    /**
     * The report; after an interruption, every planned step that did not run is listed as not started,
     * with what to run next.
     */
    private report(command: RolloutReport["command"], steps: Step[], notes: string[]): RolloutReport {
        const interrupted = steps.find((s) => s.status === "interrupted");
        if (interrupted !== undefined) {
            const ran = new Set(steps.map((s) => `${s.phase} ${s.stack}`));
            for (const planned of this.planned(command).filter((p) => !ran.has(`${p.phase} ${p.stack}`))) {
                steps.push({ ...planned, status: "not started", seconds: 0 });
            }
        }
        const ok = steps.every((s) => s.status === "done" || s.status === "skipped");
        const failed = steps.find((s) => s.status === "failed");
        const next: string[] = [];
        if (failed && command === "deploy") {
            next.push(`Fix the error and run npm run deploy again: stacks before ${failed.stack} are left as they are, and the rollout picks up from there.`);
        }
        if (interrupted !== undefined) {
            next.push(
                `Interrupted during phase ${interrupted.phase} · ${interrupted.stack} · ${interrupted.operation}; the engine stopped cleanly. ` +
                    `Check that stack with pulumi stack -s ${interrupted.stack}; if it reports an update in progress, release it with pulumi cancel --stack ${interrupted.stack} --yes. ` +
                    `Then run npm run ${command} again${command === "deploy" ? ": it picks up from there" : ""}.`,
            );
        }
        return { command, steps, ok, notes: [...notes, ...next] };
    }

    /** The steps a command runs, in order. */
    private planned(command: RolloutReport["command"]): Pick<Step, "stack" | "phase" | "operation">[] {
        const { owner, consumers } = this.stacks;
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
}
