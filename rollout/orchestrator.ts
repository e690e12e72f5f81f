import { CONSUMER_OUTPUTS } from "../stacks/contract";
import { explainEngineError, policyViolation } from "./engine-errors";
import { StopRequest } from "./interrupt";
import { changed, StackOperations } from "./operations";
import { Reporter, StepEvent } from "./progress";
import { keptAfterDestroy, NO_RETURN, Operation, OwnerStack, plannedSteps, returns, RolloutReport, RolloutStacks, Step } from "./report";
import { inPool } from "./scheduler";

export type { Reporter } from "./progress";
export type { Operation, OwnerStack, RolloutReport, RolloutStacks, Step } from "./report";

/** How many consumer stacks run at once unless told otherwise; docs/operations.md says why. */
export const DEFAULT_PARALLEL = 4;

export interface RolloutOptions {
    /** Ctrl-C and SIGTERM: the running operations stop at a safe point and nothing more starts. */
    readonly stop?: StopRequest;
    /** Refresh each stack's state from the cloud before deploy and preview (`--refresh`). */
    readonly refresh?: boolean;
    /** Consumer stacks run at once in phase 2 (1: one after another). */
    readonly parallel?: number;
    /** Policy packs every `up` and `preview` runs with; a mandatory violation stops the rollout. */
    readonly policyPacks?: readonly string[];
    readonly now?: () => number;
}

/**
 * The ordered rollout across accounts. The owners need the consumers' roles and endpoints, the
 * consumers need the buckets: a first rollout is every owner → every consumer → every owner that
 * lists one of them. The consumers of phase 2 do not depend on each other, so they run `parallel` at a time.
 */
export class Rollout {
    private readonly now: () => number;
    private readonly steps: Step[] = [];
    private readonly running = new Map<string, { stack: string; phase: 1 | 2 | 3; operation: Operation; started: number }>();
    /** The policy violation that stopped the rollout. */
    private halted?: string;

    constructor(
        private readonly ops: StackOperations,
        private readonly stacks: RolloutStacks,
        private readonly reporter: Reporter,
        private readonly options: RolloutOptions = {},
    ) {
        this.now = options.now ?? Date.now;
    }

    /**
     * Creates missing stacks, then every owner → consumers → every owner again. An owner's last run
     * is skipped when the consumers it lists export what it already read in its first run; so a re-run
     * on an up-to-date system changes nothing, and a run after a failure picks up where the last one
     * stopped. An owner that lists none of the consumers does not run again. A consumer that fails
     * does not stop the others; the owners' last run then grants and locks the consumers that
     * deployed, and the failed one stays pending. An owner that fails stops the rollout before the
     * consumers (they read every owner), after the other owners' first run.
     */
    async deploy(): Promise<RolloutReport> {
        await this.createMissing();
        const readByOwner = new Map<string, string>();
        for (const owner of this.stacks.owners) {
            readByOwner.set(owner.stack, JSON.stringify(await this.consumerView(owner)));
        }
        if (!(await this.ownerPhase("up")) || !(await this.consumerPhase("up", this.stacks.consumers))) {
            return this.report("deploy", []);
        }
        for (const owner of this.stacks.owners) {
            if (!returns(owner, this.stacks.consumers)) {
                this.steps.push(this.skipped(owner.stack, 3, "up", NO_RETURN));
            } else if (JSON.stringify(await this.consumerView(owner)) === readByOwner.get(owner.stack)) {
                this.steps.push(this.skipped(owner.stack, 3, "up", "the consumers export what the owner read in phase 1"));
            } else {
                await this.step(owner.stack, 3, "up");
            }
        }
        return this.report("deploy", []);
    }

    /**
     * Previews in rollout order. Missing stacks are created first (empty: nothing in the cloud), so
     * each owner can read every consumer it lists. A consumer cannot be previewed before every owner
     * has outputs, and the owners' second run depends on what applying the consumers produces: both
     * are said, not failed.
     */
    async preview(): Promise<RolloutReport> {
        const notes: string[] = [];
        await this.createMissing();
        const undeployed: string[] = [];
        for (const owner of this.stacks.owners) {
            if (Object.keys(await this.ops.outputs(owner.stack)).length === 0) undeployed.push(owner.stack);
        }
        if (!(await this.ownerPhase("preview"))) {
            return this.report("preview", notes);
        }
        let consumersChange = undeployed.length > 0 && this.stacks.consumers.length > 0;
        if (undeployed.length > 0) {
            const note = `needs the bucket outputs of ${undeployed.join(", ")}, which the owner's first up produces`;
            for (const consumer of this.stacks.consumers) {
                this.steps.push(this.skipped(consumer, 2, "preview", note));
            }
        } else {
            const undeployed = new Set<string>();
            for (const consumer of this.stacks.consumers) {
                if (Object.keys(await this.ops.outputs(consumer)).length === 0) undeployed.add(consumer);
            }
            if (!(await this.consumerPhase("preview", this.stacks.consumers))) {
                return this.report("preview", notes);
            }
            consumersChange = this.steps.some((s) => s.phase === 2 && ((s.changes ?? 0) > 0 || undeployed.has(s.stack)));
        }
        for (const owner of this.stacks.owners) {
            if (!returns(owner, this.stacks.consumers)) {
                this.steps.push(this.skipped(owner.stack, 3, "preview", NO_RETURN));
            } else if (consumersChange) {
                this.steps.push(this.skipped(owner.stack, 3, "preview", "grants and locks what applying the consumers produces; npm run deploy runs it"));
            }
        }
        if (consumersChange && this.stacks.owners.some((o) => returns(o, this.stacks.consumers))) {
            notes.push("The owners' grants and endpoint locks follow once the consumers are applied: run npm run deploy.");
        }
        return this.report("preview", notes);
    }

    /**
     * Consumers first, then every owner. Each bucket and its key are protected (they stay in the owner
     * stack) and everything of the bucket is retained on delete, so destroying ends the sharing but
     * keeps the data. The owners wait until every consumer is gone.
     */
    async destroy(): Promise<RolloutReport> {
        const existing = new Set(await this.ops.existingStacks());
        const consumers = [...this.stacks.consumers].reverse();
        for (const consumer of consumers.filter((c) => !existing.has(c))) {
            this.steps.push(this.skipped(consumer, 2, "destroy", "stack does not exist"));
        }
        await this.consumerPhase(
            "destroy",
            consumers.filter((c) => existing.has(c)),
        );
        const notes: string[] = [];
        if (this.stopped() || this.steps.some((s) => s.status === "failed")) {
            return this.report("destroy", notes);
        }
        for (const { stack } of this.stacks.owners) {
            if (!existing.has(stack)) {
                this.steps.push(this.skipped(stack, 1, "destroy", "stack does not exist"));
                continue;
            }
            const owner = await this.ops.outputs(stack);
            if (await this.step(stack, 1, "destroy")) {
                notes.push(...keptAfterDestroy(stack, owner));
            }
        }
        return this.report("destroy", notes);
    }

    /**
     * The report so far, when the process must exit at once (a second Ctrl-C): what is still running
     * is marked as stopped at once.
     */
    snapshot(command: RolloutReport["command"]): RolloutReport {
        for (const r of this.running.values()) {
            this.steps.push({ stack: r.stack, phase: r.phase, operation: r.operation, status: "stopped at once", seconds: (this.now() - r.started) / 1000 });
        }
        this.running.clear();
        return this.report(command, []);
    }

    private stopped(): boolean {
        return this.options.stop?.kind !== undefined || this.halted !== undefined;
    }

    private async createMissing(): Promise<void> {
        const existing = new Set(await this.ops.existingStacks());
        for (const stack of [...this.stacks.owners.map((o) => o.stack), ...this.stacks.consumers].filter((s) => !existing.has(s))) {
            this.reporter.line(`creating stack ${stack}`);
            await this.ops.createStack(stack);
        }
    }

    /** Phase 1: every owner, one after another; false when one failed or the rollout was stopped. */
    private async ownerPhase(operation: Operation): Promise<boolean> {
        let ok = true;
        for (const { stack } of this.stacks.owners) {
            ok = (await this.step(stack, 1, operation)) && ok;
        }
        return ok && !this.stopped();
    }

    /** Phase 2: the consumers, `parallel` at a time, in their order; false when the rollout was stopped. */
    private async consumerPhase(operation: Operation, consumers: readonly string[]): Promise<boolean> {
        for (const stack of consumers) {
            this.reporter.step({ stack, phase: 2, operation, state: "waiting" });
        }
        await inPool(
            consumers,
            this.options.parallel ?? 1,
            (stack) => this.step(stack, 2, operation).then(() => undefined),
            () => this.stopped(),
        );
        return !this.stopped();
    }

    /** What an owner reads from each consumer it lists, in a stable form. */
    private async consumerView(owner: OwnerStack): Promise<Record<string, Record<string, unknown>>> {
        const view: Record<string, Record<string, unknown>> = {};
        for (const consumer of this.stacks.consumers.filter((c) => owner.lists.includes(c))) {
            const outputs = await this.ops.outputs(consumer);
            view[consumer] = Object.fromEntries(CONSUMER_OUTPUTS.map((k) => [k, outputs[k] ?? null]));
        }
        return view;
    }

    /** Runs one step; false when it failed, was interrupted or did not start. */
    private async step(stack: string, phase: 1 | 2 | 3, operation: Operation): Promise<boolean> {
        if (this.stopped()) {
            this.steps.push({ stack, phase, operation, status: "not started", seconds: 0 });
            return false;
        }
        const started = this.now();
        const key = `${phase} ${stack}`;
        this.running.set(key, { stack, phase, operation, started });
        const event = (e: Omit<StepEvent, "stack" | "phase" | "operation">) => this.reporter.step({ stack, phase, operation, ...e });
        event({ state: "running" });
        const { refresh, policyPacks, stop } = this.options;
        try {
            const counts = await this.ops[operation](stack, {
                onOutput: (text) => this.reporter.engineOutput(text),
                signal: stop?.engineSignal,
                ...(refresh && operation !== "destroy" ? { refresh } : {}),
                ...(policyPacks?.length && operation !== "destroy" ? { policyPacks } : {}),
            });
            const seconds = (this.now() - started) / 1000;
            if (!this.running.delete(key)) return false; // already reported as stopped at once
            this.steps.push({ stack, phase, operation, status: "done", changes: changed(counts), seconds });
            event({ state: "done", changes: changed(counts), seconds });
            return true;
        } catch (error) {
            const seconds = (this.now() - started) / 1000;
            if (!this.running.delete(key)) return false;
            if (stop?.kind !== undefined) {
                this.steps.push({ stack, phase, operation, status: "interrupted", seconds });
                event({ state: "interrupted", seconds });
                return false;
            }
            const violation = policyViolation(error);
            this.halted ??= violation === undefined ? undefined : `${stack}: ${violation}`;
            const note = violation ?? explainEngineError(error, stack);
            this.steps.push({ stack, phase, operation, status: "failed", seconds, note });
            event({ state: "failed", seconds, note });
            return false;
        }
    }

    private skipped(stack: string, phase: 1 | 2 | 3, operation: Operation, note: string): Step {
        this.reporter.step({ stack, phase, operation, state: "skipped", note });
        return { stack, phase, operation, status: "skipped", seconds: 0, note };
    }

    /** The report; after a stop, every planned step that did not run is listed as not started, with what to run next. */
    private report(command: RolloutReport["command"], notes: string[]): RolloutReport {
        const steps = this.steps;
        const interrupted = steps.find((s) => s.status === "interrupted" || s.status === "stopped at once");
        const atOnce = this.options.stop?.kind === "at once";
        if (this.stopped()) {
            const ran = new Set(steps.map((s) => `${s.phase} ${s.stack}`));
            for (const planned of plannedSteps(command, this.stacks).filter((p) => !ran.has(`${p.phase} ${p.stack}`))) {
                steps.push({ ...planned, status: "not started", seconds: 0 });
            }
        }
        // An owner's phase 3 that is not planned (no return) goes last, where it would have run.
        const order = plannedSteps(command, this.stacks).map((p) => `${p.phase} ${p.stack}`);
        const at = (s: Step) => (order.includes(`${s.phase} ${s.stack}`) ? order.indexOf(`${s.phase} ${s.stack}`) : order.length);
        steps.sort((a, b) => at(a) - at(b));
        const ok = steps.every((s) => s.status === "done" || s.status === "skipped");
        const failed = steps.filter((s) => s.status === "failed").map((s) => s.stack);
        const next: string[] = [];
        if (this.halted !== undefined) {
            next.push(
                `Stopped by a mandatory policy of the policy pack (${this.halted}); nothing more started. Fix the program or its config, then run npm run ${command} again.`,
            );
        } else if (failed.length > 0 && command === "deploy") {
            next.push(
                `Fix what failed (${failed.join(", ")}) and run npm run deploy again: stacks that deployed are left as they are, ` +
                    `the owners grant and lock only the consumers that deployed, and the rollout picks up from there.`,
            );
        }
        if (interrupted !== undefined) {
            const how = atOnce
                ? `stopped at once by a second Ctrl-C: the engine may have stopped mid-change. Check that stack with pulumi stack -s ${interrupted.stack}, ` +
                  `release it with pulumi cancel --stack ${interrupted.stack} --yes, and run pulumi refresh -s ${interrupted.stack} before anything else.`
                : `the engine got one Ctrl-C and stopped at a safe point. Check that stack with pulumi stack -s ${interrupted.stack}; ` +
                  `if it reports an update in progress, release it with pulumi cancel --stack ${interrupted.stack} --yes.`;
            next.push(
                `Interrupted during phase ${interrupted.phase} · ${interrupted.stack} · ${interrupted.operation}; ${how} ` +
                    `Then run npm run ${command} again${command === "deploy" ? ": it picks up from there" : ""}.`,
            );
        }
        return { command, steps: [...steps], ok, notes: [...notes, ...next] };
    }
}
