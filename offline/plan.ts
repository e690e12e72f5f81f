import { StackOutputsFixture } from "./mockCloud";
import { PlacedRegistration, runStack, StackRunError } from "./runStack";
import { existsSync, statSync } from "fs";
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

/** A consumer stack file the owner does not list: being removed, or not added yet. */
export interface UnlistedConsumer {
    readonly stack: string;
    /** What to do next, in order. */
    readonly steps: readonly string[];
}

export interface Plan {
    readonly project: string;
    readonly phases: PlannedPhase[];
    /** Consumer stack files the owner does not list: the plan gives them nothing and says how to finish. */
    readonly unlisted: readonly UnlistedConsumer[];
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
    const names = options.stacks ?? stacksInFolder(options.configDir);
    const files = names.map((stack) => readStackFile(options.configDir, stack));
    const owners = files.filter((f) => f.role === "owner");
    if (owners.length !== 1) {
        const found = owners.length === 0 ? "none" : `${owners.length} (${owners.map((o) => o.stack).join(", ")})`;
        const fix =
            owners.length === 0
                ? `name the owner's file Pulumi.owner.yaml, or set cross-account-s3:role: owner in it${options.stacks === undefined ? "" : ", and name it in --stacks"}`
                : "choose one with --stacks owner-name,consumer,…";
        throw new PlanError(
            names.join(","),
            0,
            `A plan needs exactly one owner stack; found ${found} among ${names.join(", ")} in ${options.configDir}: ${fix}`,
        );
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
            throw new PlanError(file.stack, phase, `${message}${unknownStackHint(message, file, options)}`);
        }
    };

    await run(owner, 1);
    const listed = (phases[0].outputs.consumerStacks ?? []) as unknown[];
    const unlisted = consumers.filter((c) => !listed.includes(qualified(c.stack)));
    for (const consumer of consumers.filter((c) => !unlisted.includes(c))) {
        await run(consumer, 2);
    }
    await run(owner, 3);
    return { project: PROJECT, phases, unlisted: unlisted.map((c) => ({ stack: c.stack, steps: unlistedSteps(c.stack, owner.stack) })) };
}

/** The stacks of a folder, or a message that says what is wrong with the folder the user named. */
function stacksInFolder(dir: string): string[] {
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
        throw new PlanError("", 0, `${dir} is not a folder: name the folder that holds your Pulumi.<stack>.yaml files`);
    }
    const stacks = discoverStacks(dir);
    if (stacks.length === 0) {
        throw new PlanError(
            "",
            0,
            `${dir} holds no stack files (Pulumi.<stack>.yaml): name the folder that holds them, or create Pulumi.owner.yaml and Pulumi.consumer.yaml there (docs/config.md)`,
        );
    }
    return stacks;
}

/** How to finish with a consumer stack the owner does not list: offboarding, or onboarding half done. */
function unlistedSteps(stack: string, ownerStack: string): string[] {
    return [
        `pulumi up -s ${ownerStack} (with the owner account's credentials): the bucket policy no longer grants or locks ${stack}`,
        `pulumi destroy -s ${stack} (with its account's credentials): its endpoint, route-table associations and role go; the bucket and its data stay`,
        `pulumi stack rm ${stack}, and delete Pulumi.${stack}.yaml`,
        `(adding it instead? list { stack: ${stack}, accountId: "…", access: read } in the owner's cross-account-s3:consumers, then roll out owner → ${stack} → owner)`,
    ];
}

const qualified = (stack: string) => `${ORGANIZATION}/${PROJECT}/${stack}`;

/** What to do about a StackReference to a stack the plan does not have. */
function unknownStackHint(message: string, file: StackFile, options: PlanOptions): string {
    const unknown = /unknown stack "([^"]+)"/.exec(message)?.[1];
    if (unknown === undefined) {
        return "";
    }
    const ownerStack = file.config[`${PROJECT}:ownerStack`];
    const named = typeof ownerStack === "string" ? ownerStack : "owner";
    if (file.role === "consumer" && (named === unknown || qualified(named) === unknown)) {
        return ` (the consumer's ${PROJECT}:ownerStack names "${named}", and no such owner stack is planned: check its spelling in Pulumi.${file.stack}.yaml; it must name the owner stack, "owner" by default)`;
    }
    const stack = unknown.split("/").pop();
    if (options.stacks !== undefined) {
        return ` (plan that stack too: add ${stack} to --stacks, with its Pulumi.${stack}.yaml in ${options.configDir})`;
    }
    return ` (Pulumi.${file.stack}.yaml names the stack ${stack}, but ${options.configDir} has no Pulumi.${stack}.yaml: create it, or remove ${stack} from Pulumi.${file.stack}.yaml)`;
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
