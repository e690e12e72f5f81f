/**
 * Pulumi records a stack trace (`new Error().stack`) with every resource promise it makes, for the
 * leak report it prints when PULUMI_DEBUG_PROMISE_LEAKS is set. Under the mock runtime, capturing
 * (and, under ts-node, source-mapping) those stacks is most of the time a run takes. This wraps
 * Pulumi's `debuggablePromise` so that those bookkeeping stacks are empty; every other stack — an
 * assertion that fails, an error a program throws — keeps its frames and its TypeScript lines.
 *
 * It reaches into an internal module of @pulumi/pulumi: if that module or function ever changes, it
 * does nothing and runs are only slower. With PULUMI_DEBUG_PROMISE_LEAKS set it does nothing either.
 */
export function skipPulumiPromiseStacks(): void {
    if (process.env.PULUMI_DEBUG_PROMISE_LEAKS) {
        return;
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const debuggable = require("@pulumi/pulumi/runtime/debuggable") as { debuggablePromise?: Wrapped };
    const original = debuggable.debuggablePromise;
    if (typeof original !== "function" || original.withoutStacks) {
        return;
    }
    const wrapped: Wrapped = function (this: unknown, ...args: unknown[]) {
        const limit = Error.stackTraceLimit;
        Error.stackTraceLimit = 0;
        try {
            return original.apply(this, args);
        } finally {
            Error.stackTraceLimit = limit;
        }
    };
    wrapped.withoutStacks = true;
    debuggable.debuggablePromise = wrapped;
}

type Wrapped = ((...args: unknown[]) => unknown) & { withoutStacks?: boolean };
