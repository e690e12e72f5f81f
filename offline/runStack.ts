import * as pulumi from "@pulumi/pulumi";
import { MockCloud, Registration, StackOutputsFixture } from "./mockCloud";

import { storedConfig } from "../config/reader";
import { ORGANIZATION, PROJECT } from "../domain/stack-identity";

export { ORGANIZATION, PROJECT };

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

/** A registration with the resource options the SDK sent to the engine for it. */
export interface PlacedRegistration extends Registration {
    /** The parent component's type token and name; undefined for top-level resources. */
    readonly parentType?: string;
    readonly parent?: string;
    readonly retainOnDelete: boolean;
    readonly protect: boolean;
    /** Replaced by deleting first, then creating (a name or quota that allows only one). */
    readonly deleteBeforeReplace: boolean;
    /** Names of the resources this one waits for (explicit `dependsOn` and its inputs). */
    readonly dependsOn: readonly string[];
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
    const cloud = new MockCloud({ stackOutputs: options.stackOutputs, stack: options.stack });
    await pulumi.runtime.setMocks(cloud, PROJECT, options.stack, options.preview ?? false, ORGANIZATION);
    const requestOptions = recordRequestOptions();
    pulumi.runtime.setAllConfig(storedConfig(options.config));
    const logs: string[] = [];
    const restore = captureRuntimeLogs(logs);
    // A failed resource read (an unknown stack, say) rejects a promise inside the SDK that nothing
    // awaits; the engine would report it and fail the update, so the run fails with it here too.
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
        const exported = await program();
        const outputs = (await resolve(pulumi.output(exported))) as Record<string, unknown>;
        await settle(cloud);
        if (unhandled.length > 0) {
            throw unhandled[0];
        }
        return { outputs, resources: placed(cloud.registrations, requestOptions), logs };
    } catch (error) {
        await settle(cloud);
        throw new StackRunError(error instanceof Error ? error : new Error(String(error)), placed(cloud.registrations, requestOptions));
    } finally {
        process.off("unhandledRejection", onUnhandled);
        restore();
    }
}

interface RequestOptions {
    readonly parent: string;
    readonly retainOnDelete: boolean;
    readonly protect: boolean;
    readonly deleteBeforeReplace: boolean;
    readonly dependencies: readonly string[];
}

interface RegisterRequest {
    getType(): string;
    getName(): string;
    getParent(): string;
    getRetainondelete?(): boolean | undefined;
    getProtect?(): boolean | undefined;
    getDeletebeforereplace?(): boolean | undefined;
    getDependenciesList?(): string[];
}

type MonitorMethod = (request: RegisterRequest, callback: unknown) => unknown;

/**
 * The mock monitor hands `newResource` only type, name and inputs; the resource options (parent,
 * retainOnDelete, protect, deleteBeforeReplace, dependencies) travel in the register request. Record them from there.
 */
function recordRequestOptions(): Map<string, RequestOptions> {
    const seen = new Map<string, RequestOptions>();
    const monitor = pulumi.runtime.getMonitor() as unknown as Record<string, MonitorMethod>;
    for (const method of ["registerResource", "readResource"]) {
        const original = monitor[method].bind(monitor);
        monitor[method] = (request, callback) => {
            seen.set(`${request.getType()}::${request.getName()}`, {
                parent: request.getParent(),
                retainOnDelete: request.getRetainondelete?.() === true,
                protect: request.getProtect?.() === true,
                deleteBeforeReplace: request.getDeletebeforereplace?.() === true,
                dependencies: request.getDependenciesList?.() ?? [],
            });
            return original(request, callback);
        };
    }
    return seen;
}

const urnName = (urn: string) => urn.split("::").pop() ?? urn;
const urnType = (urn: string) => urn.split("::")[2]?.split("$").pop() ?? "";

function placed(registrations: readonly Registration[], options: Map<string, RequestOptions>): PlacedRegistration[] {
    return registrations.map((r) => {
        const o = options.get(`${r.type}::${r.name}`);
        const parent = o?.parent ? { parent: urnName(o.parent), parentType: urnType(o.parent) } : {};
        return {
            ...r,
            ...parent,
            retainOnDelete: o?.retainOnDelete ?? false,
            protect: o?.protect ?? false,
            deleteBeforeReplace: o?.deleteBeforeReplace ?? false,
            dependsOn: (o?.dependencies ?? []).map(urnName),
        };
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
