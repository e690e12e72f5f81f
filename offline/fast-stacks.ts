/**
 * Pulumi captures stack traces as bookkeeping: one with every resource promise it makes (for the leak
 * report it prints when PULUMI_DEBUG_PROMISE_LEAKS is set), and one with every resource it registers
 * (the resource's source position, sent to the engine). Under ts-node each of those stacks is also
 * source-mapped, and together they are most of the time a mock run takes. This makes the promise
 * stacks empty and takes the resource positions from the unmapped stack; every other stack — an
 * assertion that fails, an error a program throws — keeps its frames and its TypeScript lines.
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
    const { Resource } = require("@pulumi/pulumi/resource") as { Resource?: { callsites?: Wrapped } };
    wrap(debuggable, "debuggablePromise", withoutFrames);
    if (Resource) {
        wrap(Resource, "callsites", withoutSourceMaps);
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

/** `original`, with the stacks it captures holding no frames, and formatted by V8 itself (no hook to call). */
const withoutFrames = (original: Wrapped): Wrapped =>
    function (this: unknown, ...args: unknown[]) {
        const errors = Error as { prepareStackTrace?: unknown };
        const limit = Error.stackTraceLimit;
        const prepare = errors.prepareStackTrace;
        Error.stackTraceLimit = 0;
        errors.prepareStackTrace = undefined;
        try {
            return original.apply(this, args);
        } finally {
            Error.stackTraceLimit = limit;
            errors.prepareStackTrace = prepare;
        }
    };

/** `original`, with the stacks it captures formatted by V8 itself: positions in the running JavaScript. */
const withoutSourceMaps = (original: Wrapped): Wrapped =>
    function (this: unknown, ...args: unknown[]) {
        const errors = Error as { prepareStackTrace?: unknown };
        const prepare = errors.prepareStackTrace;
        errors.prepareStackTrace = undefined;
        try {
            return original.apply(this, args);
        } finally {
            errors.prepareStackTrace = prepare;
        }
    };
