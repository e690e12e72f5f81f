import * as pulumi from "@pulumi/pulumi";
import { MockCloud, Registration, StackOutputsFixture } from "./mockCloud";

/** The project every stack of this program belongs to (Pulumi.yaml `name`). */
export const PROJECT = "cross-account-s3";
/** The organization of a self-managed backend, where every stack lives under `organization/`. */
export const ORGANIZATION = "organization";

export interface MockRunOptions {
    readonly stack: string;
    /** Stack config with full keys (`cross-account-s3:region`); non-strings are stored as JSON, as Pulumi does. */
    readonly config: Readonly<Record<string, unknown>>;
    /** Outputs of the other stacks this one may reference. */
    readonly stackOutputs?: StackOutputsFixture;
    /** Run as `pulumi preview` would. @default false */
    readonly preview?: boolean;
}

export type StackRunOptions = MockRunOptions;

export interface StackRunResult {
    /** The stack's outputs, fully resolved. */
    readonly outputs: Record<string, unknown>;
    readonly resources: readonly PlacedRegistration[];
    /** What the program logged (`info: …`, `warning: …`), in order. */
    readonly logs: readonly string[];
}

/** A failed run: the program's error, and whatever it registered before failing. */
export class StackRunError extends Error {
    constructor(
        readonly cause: Error,
        readonly resources: readonly PlacedRegistration[],
    ) {
        super(cause.message);
        this.name = "StackRunError";
    }
}

/** A registration and the type of its parent component, read from its URN. */
export interface PlacedRegistration extends Registration {
    /** The parent component's type token; undefined for top-level resources. */
    readonly parentType?: string;
}

/**
 * Runs the real program (`index.ts`) for one stack under Pulumi's mock runtime, exactly as
 * `pulumi up` would call it, and returns what it registered and exported.
 */
export function runStack(options: StackRunOptions): Promise<StackRunResult> {
    return runUnderMocks(options, () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const program = require("../index") as () => Promise<Record<string, unknown>>;
        return program();
    });
}

/** Runs any program (a component, say) under the mock runtime with the given stack and config. */
export async function runUnderMocks(
    options: MockRunOptions,
    program: () => Promise<Record<string, unknown>> | Record<string, unknown>,
): Promise<StackRunResult> {
    const cloud = new MockCloud(options.stackOutputs ?? {});
    await pulumi.runtime.setMocks(cloud, PROJECT, options.stack, options.preview ?? false, ORGANIZATION);
    pulumi.runtime.setAllConfig(
        Object.fromEntries(Object.entries(options.config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)])),
    );
    const logs: string[] = [];
    const restore = captureRuntimeLogs(logs);
    try {
        const exported = await program();
        const outputs = (await resolve(pulumi.output(exported))) as Record<string, unknown>;
        await settle(cloud);
        return { outputs, resources: placed(cloud.registrations), logs };
    } catch (error) {
        await settle(cloud);
        throw new StackRunError(error instanceof Error ? error : new Error(String(error)), placed(cloud.registrations));
    } finally {
        restore();
    }
}

/** Adds each registration's parent type, from the URNs the mock monitor assigned. */
function placed(registrations: readonly Registration[]): PlacedRegistration[] {
    const monitor = pulumi.runtime.getMonitor() as unknown as { getRegisteredResources?(): Map<string, unknown> } | undefined;
    const urns = [...(monitor?.getRegisteredResources?.().keys() ?? [])];
    return registrations.map((r) => {
        const urn = urns.find((u) => u.endsWith(`::${r.name}`) && u.split("::")[2].split("$").pop() === r.type);
        const types = urn?.split("::")[2].split("$") ?? [];
        return types.length > 1 ? { ...r, parentType: types[types.length - 2] } : r;
    });
}

/** The value of an Output, rejecting when it fails (the public `apply` would hang instead). */
export function resolve<T>(output: pulumi.Output<T>): Promise<T> {
    return (output as unknown as { promise(): Promise<T> }).promise();
}

/** Waits until registrations stop arriving: some resources feed no output and finish later. */
async function settle(cloud: MockCloud): Promise<void> {
    let quietTurns = 0;
    let seen = -1;
    while (quietTurns < 5) {
        await new Promise((r) => setImmediate(r));
        quietTurns = cloud.registrations.length === seen ? quietTurns + 1 : 0;
        seen = cloud.registrations.length;
    }
}

/** Without an engine, pulumi.log writes "info: [runtime] …" to the console; keep those lines instead. */
function captureRuntimeLogs(into: string[]): () => void {
    const original = { log: console.log, warn: console.warn, error: console.error };
    const capture =
        (passThrough: (...args: unknown[]) => void) =>
        (...args: unknown[]) => {
            const line = args.map(String).join(" ");
            const match = /^(\w+): \[runtime\] ([\s\S]*)$/.exec(line);
            if (match) {
                into.push(`${match[1]}: ${match[2]}`);
            } else {
                passThrough(...args);
            }
        };
    console.log = capture(original.log);
    console.warn = capture(original.warn);
    console.error = capture(original.error);
    return () => Object.assign(console, original);
}
