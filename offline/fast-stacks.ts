/**
 * Pulumi captures stack traces as bookkeeping: one with every resource promise it makes (for the leak
 * report it prints when PULUMI_DEBUG_PROMISE_LEAKS is set), and one with every resource it registers
 * (the resource's source position, sent to the engine, and every frame below it). Under ts-node each
 * of those stacks is also source-mapped, and together they are most of the time a mock run takes.
 * This drops the promise stacks, and the id and context Pulumi attaches beside them for that report
 * (a mock run makes hundreds of such promises), while keeping its leak bookkeeping: each promise is a
 * leak candidate until it settles. It takes the resource positions from the first frames of the
 * unmapped stack. Every other stack — an assertion that fails, an error a program throws — keeps its
 * frames and its TypeScript lines.
 *
 * It reaches into internal parts of @pulumi/pulumi: if they ever change, it does nothing and runs
 * are only slower. With PULUMI_DEBUG_PROMISE_LEAKS set it does nothing either. Only the specs, the
 * offline plan and the benchmarks call it; `pulumi up` never does.
 */
export function skipPulumiPromiseStacks(): void {
    if (process.env.PULUMI_DEBUG_PROMISE_LEAKS) {
        return;
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const debuggable = require("@pulumi/pulumi/runtime/debuggable") as { debuggablePromise?: Wrapped };
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Resource } = require("@pulumi/pulumi/resource") as { Resource?: { callsites?: Wrapped; framePositionRegExp?: unknown } };
    wrap(debuggable, "debuggablePromise", leakBookkeepingOnly);
    if (Resource) {
        const position = Resource.framePositionRegExp;
        wrap(Resource, "callsites", position instanceof RegExp ? () => firstFrames(position) : withoutSourceMaps);
    }
}

type Wrapped = ((...args: unknown[]) => unknown) & { fast?: boolean };

function wrap<K extends string>(owner: { [key in K]?: Wrapped }, name: K, make: (original: Wrapped) => Wrapped): void {
    const original = owner[name];
    if (typeof original !== "function" || original.fast) {
        return;
    }
    const wrapped = make(original);
    wrapped.fast = true;
    owner[name] = wrapped;
}

interface LeakStore {
    leakCandidates?: Set<Promise<unknown>>;
}

/**
 * `original` (Pulumi's debuggablePromise) reduced to its leak bookkeeping: the promise is a candidate
 * until it settles, and a rejection names it. The first call runs `original` (frames dropped), which
 * also arms Pulumi's leak report at exit; so does any call whose store is not the expected shape.
 */
function leakBookkeepingOnly(original: Wrapped): Wrapped {
    const framed = withoutFrames(original);
    let state: { getStore?: () => LeakStore | undefined };
    try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        state = require("@pulumi/pulumi/runtime/state") as typeof state;
    } catch {
        return framed;
    }
    let armed = false;
    return function (this: unknown, ...args: unknown[]) {
        const store = state.getStore?.();
        const promise = args[0];
        if (!armed || !(store?.leakCandidates instanceof Set) || !(promise instanceof Promise)) {
            armed = true;
            return framed.apply(this, args);
        }
        store.leakCandidates.add(promise);
        return promise.then(
            (value: unknown) => {
                store.leakCandidates?.delete(promise);
                return value;
            },
            (error: unknown) => {
                store.leakCandidates?.delete(promise);
                (error as { promise?: unknown }).promise = promise; // as Pulumi does, a primitive reason included
                throw error;
            },
        );
    };
}

/**
 * Makes the stacks captured from here on formatted by V8 itself (no hook to call: no source maps)
 * and, when `frames` is given, at most that many frames deep. Returns what puts things back. The
 * caller captures its stacks itself, so that no frame of this function's appears in them.
 */
function plainStacks(frames?: number): () => void {
    const errors = Error as { prepareStackTrace?: unknown };
    const limit = Error.stackTraceLimit;
    const prepare = errors.prepareStackTrace;
    Error.stackTraceLimit = frames ?? limit;
    errors.prepareStackTrace = undefined;
    return () => {
        Error.stackTraceLimit = limit;
        errors.prepareStackTrace = prepare;
    };
}

/** `original`, with the stacks it captures holding no frames. */
const withoutFrames = (original: Wrapped): Wrapped =>
    function (this: unknown, ...args: unknown[]) {
        const restore = plainStacks(0);
        try {
            return original.apply(this, args);
        } finally {
            restore();
        }
    };

/**
 * Frames a resource's stack keeps: its constructors' (Resource, CustomResource or ComponentResource,
 * the resource's class) and then the code that declared it, which Pulumi takes as its position.
 */
const RESOURCE_FRAMES = 12;

/**
 * Pulumi's `Resource.callsites`, parsed as Pulumi parses it, from a stack of RESOURCE_FRAMES frames
 * formatted by V8 itself (positions in the running JavaScript) instead of every frame down to the
 * event loop, each source-mapped. It captures its own stack, as the original does, so that Pulumi's
 * count of frames to skip still lands on the declaring code.
 */
function firstFrames(position: RegExp): Wrapped {
    return function () {
        const restore = plainStacks(RESOURCE_FRAMES);
        try {
            return (new Error().stack ?? "")
                .split("\n")
                .slice(1)
                .map((frame) => {
                    const { file, line, column } = position.exec(frame)?.groups ?? {};
                    return file && line && column && !file.startsWith("node:") ? { file, line: Number(line), column: Number(column) } : {};
                });
        } finally {
            restore();
        }
    };
}

/** `original`, with the stacks it captures formatted by V8 itself: positions in the running JavaScript. */
const withoutSourceMaps = (original: Wrapped): Wrapped =>
    function (this: unknown, ...args: unknown[]) {
        const restore = plainStacks();
        try {
            return original.apply(this, args);
        } finally {
            restore();
        }
    };
