/**
 * How the rollout shows its progress: plain lines (CI logs, pipes, one operation at a time) or a
 * live board in a terminal that shows each stack of the running phase as waiting, running, done or
 * failed, with the time taken, redrawn in place.
 */
export type StepState = "waiting" | "running" | "done" | "failed" | "interrupted" | "skipped";

export interface StepEvent {
    readonly stack: string;
    readonly phase: 1 | 2 | 3;
    readonly operation: string;
    readonly state: StepState;
    readonly seconds?: number;
    /** Resources changed (or that would change, for a preview). */
    readonly changes?: number;
    /** Why it failed or was skipped. */
    readonly note?: string;
}

/** Where progress goes: one event per step, other messages as lines, and the engine's own output. */
export interface Reporter {
    step(event: StepEvent): void;
    line(text: string): void;
    engineOutput(text: string): void;
}

const took = (e: StepEvent) => `${(e.seconds ?? 0).toFixed(1)} s`;

/** A step event as one plain line; nothing for a stack that is only waiting. */
export function stepLine(e: StepEvent): string | undefined {
    const at = `phase ${e.phase} · ${e.stack} · ${e.operation}`;
    switch (e.state) {
        case "waiting":
            return undefined;
        case "running":
            return `▶ ${at}`;
        case "done":
            return `✔ ${at}: ${e.changes ?? 0} resources ${e.operation === "preview" ? "would change" : "changed"} in ${took(e)}`;
        case "failed":
            return `✖ ${at} failed after ${took(e)}: ${e.note ?? ""}`;
        case "interrupted":
            return `■ ${at} interrupted after ${took(e)}`;
        case "skipped":
            return `– ${at} skipped: ${e.note ?? ""}`;
    }
}

/** Plain lines, for logs and pipes. */
export function plainReporter(print: (text: string) => void, engineOutput: (text: string) => void = () => undefined): Reporter {
    return {
        step: (e) => {
            const text = stepLine(e);
            if (text !== undefined) print(text);
        },
        line: print,
        engineOutput,
    };
}

/** The last line of an engine error is the one that says what went wrong. */
const lastLine = (text = "") =>
    text
        .split("\n")
        .map((l) => l.trim())
        .filter(Boolean)
        .at(-1) ?? "";

const MARK: Record<StepState, string> = { waiting: "·", running: "▶", done: "✔", failed: "✖", interrupted: "■", skipped: "–" };

/** The board's lines: a count per state, then one line per stack (running and failed first when they do not all fit). */
export function boardLines(events: readonly StepEvent[], started: ReadonlyMap<string, number>, now: number, rows: number): string[] {
    const counts = (["waiting", "running", "done", "failed", "interrupted", "skipped"] as const)
        .map((s) => [s, events.filter((e) => e.state === s).length] as const)
        .filter(([, n]) => n > 0)
        .map(([s, n]) => `${n} ${s}`);
    const width = Math.max(...events.map((e) => e.stack.length));
    const line = (e: StepEvent) => {
        const seconds = e.state === "running" ? (now - (started.get(e.stack) ?? now)) / 1000 : e.seconds;
        const time = e.state === "waiting" || e.state === "skipped" ? "" : `${(seconds ?? 0).toFixed(0)} s`;
        const detail = e.state === "done" ? `${e.changes ?? 0} changed` : e.state === "failed" || e.state === "skipped" ? lastLine(e.note).slice(0, 80) : "";
        return `  ${MARK[e.state]} ${e.stack.padEnd(width)}  ${e.state.padEnd(11)} ${time.padStart(6)}  ${detail}`.trimEnd();
    };
    const order: StepState[] = ["running", "failed", "interrupted", "done", "waiting", "skipped"];
    const shown =
        events.length + 1 <= rows ? events : [...events].sort((a, b) => order.indexOf(a.state) - order.indexOf(b.state)).slice(0, Math.max(rows - 2, 1));
    const phase = events[0];
    return [
        `phase ${phase.phase} · ${phase.operation}: ${counts.join(", ")}`,
        ...shown.map(line),
        ...(shown.length < events.length ? [`  … ${events.length - shown.length} more`] : []),
    ];
}

/** The live board, for a terminal: one board per phase, redrawn on every change and each second. */
export function liveReporter(out: { write(text: string): unknown; rows?: number }, now: () => number = Date.now): Reporter & { close(): void } {
    let board = new Map<string, StepEvent>();
    const started = new Map<string, number>();
    let drawn = 0;
    let phase = 0;
    let closed = false;
    const clear = () => {
        if (drawn > 0) out.write(`\x1b[${drawn}F\x1b[0J`);
        drawn = 0;
    };
    const draw = () => {
        if (closed) return;
        clear();
        if (board.size === 0) return;
        const lines = boardLines([...board.values()], started, now(), Math.max((out.rows ?? 24) - 2, 3));
        out.write(`${lines.join("\n")}\n`);
        drawn = lines.length;
    };
    const timer = setInterval(draw, 1000);
    timer.unref();
    return {
        step: (e) => {
            if (e.phase !== phase) {
                draw();
                drawn = 0; // the finished phase's board stays on screen
                board = new Map();
                phase = e.phase;
            }
            if (e.state === "running") started.set(e.stack, now());
            board.set(e.stack, e);
            draw();
        },
        line: (text) => {
            clear();
            out.write(`${text}\n`);
            draw();
        },
        engineOutput: () => undefined,
        close: () => {
            clearInterval(timer);
            draw();
            closed = true;
            drawn = 0;
        },
    };
}
