import { StackOutputsFixture } from "./mockCloud";
import { PlacedRegistration, runStack, StackRunError } from "./runStack";
import { discoverStacks, readStackFile, StackFile } from "../config/stack-files";
import { ORGANIZATION, PROJECT } from "../domain/stack-identity";

/**
 * A first rollout played offline: the real stack programs (through index.ts) under Pulumi's mock
 * runtime, owner → each consumer → owner again, each stack's exports fed to the others'
 * StackReferences as a real rollout would.
 */

export interface PlannedResource {
    readonly type: string;
    readonly name: string;
    /** The parent component's name, or null for top-level resources. */
    readonly parent: string | null;
    /** Inputs as the program passed them; policy documents parsed to objects. */
    readonly inputs: Record<string, unknown>;
    readonly options: ResourceOptions;
    /** Read or adopted, not created: the stack reads it (`Resource.get`) and never replaces or deletes it. */
    readonly adopted: boolean;
}

/** The resource options that decide what an update or a destroy may do to a resource. */
export interface ResourceOptions {
    /** A delete or replacement stops at preview. */
    readonly protect: boolean;
    /** A destroy (or the delete half of a replacement) forgets the resource instead of deleting it. */
    readonly retainOnDelete: boolean;
    /** The explicit provider's name; null for components and stack references. */
    readonly provider: string | null;
    /** The resources this one waits for. */
    readonly dependsOn: readonly string[];
}

export interface PlannedPhase {
    readonly stack: string;
    readonly phase: 1 | 2 | 3;
    readonly resources: PlannedResource[];
    readonly outputs: Record<string, unknown>;
    /** What the program logged (pending consumers, grant mismatches). */
    readonly logs: string[];
    /** Values AWS would assign (ids, ARNs, generated names), made up offline from resource names. */
    readonly placeholders: string[];
}

export interface Plan {
    readonly project: string;
    readonly phases: PlannedPhase[];
}

/** A plan that stopped: where, and the program's own message (the one preview would print). */
export class PlanError extends Error {
    constructor(
        readonly stack: string,
        readonly phase: number,
        message: string,
    ) {
        super(message);
        this.name = "PlanError";
    }
}

export interface PlanOptions {
    /** The folder with the `Pulumi.<stack>.yaml` files. */
    readonly configDir: string;
    /** Stacks to plan; every `Pulumi.<stack>.yaml` in the folder by default. */
    readonly stacks?: readonly string[];
}

export async function planRollout(options: PlanOptions): Promise<Plan> {
    const names = options.stacks ?? discoverStacks(options.configDir);
    const files = names.map((stack) => readStackFile(options.configDir, stack));
    const owners = files.filter((f) => f.role === "owner");
    if (owners.length !== 1) {
        throw new PlanError(names.join(","), 0, `A plan needs exactly one owner stack; found ${owners.length} among ${names.join(", ") || "(none)"}`);
    }
    const [owner] = owners;
    const consumers = files.filter((f) => f.role === "consumer");

    // Every planned stack exists from the start, with no outputs until its phase has run.
    const outputs: Record<string, Record<string, unknown>> = Object.fromEntries(files.map((f) => [qualified(f.stack), {}]));
    const phases: PlannedPhase[] = [];
    const run = async (file: StackFile, phase: 1 | 2 | 3) => {
        try {
            const result = await runStack({ stack: file.stack, config: file.config, stackOutputs: outputs as StackOutputsFixture });
            outputs[qualified(file.stack)] = result.outputs;
            phases.push({
                stack: file.stack,
                phase,
                resources: result.resources.map(planned),
                outputs: result.outputs,
                logs: [...result.logs],
                placeholders: placeholders(result.resources, JSON.stringify([result.resources.map((r) => r.inputs), result.outputs])),
            });
        } catch (error) {
            const message = error instanceof StackRunError ? error.message : String(error);
            throw new PlanError(file.stack, phase, `${message}${unknownStackHint(message, file)}`);
        }
    };

    await run(owner, 1);
    for (const consumer of consumers) {
        await run(consumer, 2);
    }
    await run(owner, 3);
    return { project: PROJECT, phases };
}

const qualified = (stack: string) => `${ORGANIZATION}/${PROJECT}/${stack}`;

/** What to do about a StackReference to a stack the plan does not have. */
function unknownStackHint(message: string, file: StackFile): string {
    const unknown = /unknown stack "([^"]+)"/.exec(message)?.[1];
    if (unknown === undefined) {
        return "";
    }
    const ownerStack = file.config[`${PROJECT}:ownerStack`];
    const named = typeof ownerStack === "string" ? ownerStack : "owner";
    if (file.role === "consumer" && (named === unknown || qualified(named) === unknown)) {
        return ` (the consumer's ${PROJECT}:ownerStack names "${named}", and no such owner stack is planned: check its spelling in Pulumi.${file.stack}.yaml; it must name the owner stack, "owner" by default)`;
    }
    return ` (plan that stack too: add it to --stacks, with its Pulumi.<stack>.yaml)`;
}

/** Inputs that hold policy documents (JSON strings the plan shows as objects). */
export const POLICY_INPUTS = ["policy", "assumeRolePolicy"];

function planned(r: PlacedRegistration): PlannedResource {
    const inputs: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(r.inputs)) {
        // Policy documents travel as JSON strings, and the SDK sends a provider's structured inputs as
        // JSON strings too; show both as the objects the program built.
        const parse = typeof value === "string" && (POLICY_INPUTS.includes(key) || (r.type.startsWith("pulumi:providers:") && /^[[{]/.test(value)));
        inputs[key] = parse ? JSON.parse(value as string) : value;
    }
    return {
        type: r.type,
        name: r.name,
        parent: r.parent ?? null,
        inputs,
        options: { protect: r.protect, retainOnDelete: r.retainOnDelete, provider: r.provider ?? null, dependsOn: [...r.dependsOn] },
        adopted: r.read,
    };
}

/** What the mock cloud made up (ids and computed strings of created resources) that the phase shows. */
function placeholders(resources: readonly PlacedRegistration[], shown: string): string[] {
    const values = new Set<string>();
    for (const r of resources) {
        if (!r.custom || r.read || r.type.startsWith("pulumi:")) {
            continue;
        }
        values.add(r.id);
        for (const [key, value] of Object.entries(r.state)) {
            if (typeof value === "string" && r.inputs[key] === undefined) {
                values.add(value);
            }
        }
    }
    return [...values].filter((v) => v !== "" && shown.includes(v)).sort();
}
