/**
 * How a rollout is asked to stop. A terminal sends Ctrl-C (SIGINT) to the whole foreground process
 * group, so every Pulumi CLI the rollout started already has it: passing it on as well would make it
 * the engine's second SIGINT, which Pulumi treats as "stop now, mid-change". The first Ctrl-C is
 * therefore only noted here (nothing new starts); the engine stops at its next safe point by itself.
 * A stop asked of this process alone (SIGTERM, as CI runners and `kill` send) did not reach the
 * engine: that one is passed on, once, through the SDK's abort signal.
 */
export type StopKind = "safe point" | "at once";

export class StopRequest {
    private count = 0;
    private readonly controller = new AbortController();

    /** For the SDK: aborting it sends each running engine one SIGINT. */
    get engineSignal(): AbortSignal {
        return this.controller.signal;
    }

    /** Undefined until a stop is asked for. */
    get kind(): StopKind | undefined {
        return this.count === 0 ? undefined : this.count === 1 ? "safe point" : "at once";
    }

    /** Ctrl-C in a terminal: the engines got the same SIGINT from the terminal. */
    interrupt(): StopKind {
        this.count += 1;
        return this.kind as StopKind;
    }

    /** A stop sent to this process only: the engines are told once, through the SDK. */
    terminate(): StopKind {
        this.count = Math.max(this.count, 1);
        this.controller.abort();
        return this.kind as StopKind;
    }
}
