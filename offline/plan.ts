import { StackOutputsFixture } from "./mockCloud";
import { PlacedRegistration, runStack, StackRunError, StackRunOptions, StackRunResult } from "./runStack";
import { readStackFile, StackFile, stacksInFolder } from "../config/stack-files";
import { DECLARED_KEYS } from "../config/consumer";
import { ORGANIZATION, PROJECT, variableStackName } from "../domain/stack-identity";
import { ownerReturns } from "../domain/rollout-order";

/**
 * A first rollout played offline: the real stack programs (through index.ts) under Pulumi's mock
 * runtime, every owner → each consumer → every owner again, each stack's exports fed to the others'
 * StackReferences as a real rollout would. An owner that lists none of the planned consumers (they are
 * all under its organization grants) has nothing to add: it does not run again.
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
    /** What the stack file declares about resources it does not manage (`endpointOwnerAccountId = …`): taken as given. */
    readonly declared: string[];
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
    /** Plays one stack: runStack by default. */
    readonly runStack?: (options: StackRunOptions) => Promise<StackRunResult>;
}

export async function planRollout(options: PlanOptions): Promise<Plan> {
    const names = options.stacks ?? stacksInFolder(options.configDir);
    const files = names.map((stack) => readStackFile(options.configDir, stack));
    const owners = files.filter((f) => f.role === "owner");
    if (owners.length === 0) {
        const fix = `name the owner's file Pulumi.owner.yaml, or set cross-account-s3:role: owner in it${options.stacks === undefined ? "" : ", and name it in --stacks"}`;
        throw new PlanError(names.join(","), 0, `A plan needs at least one owner stack; found none among ${names.join(", ")} in ${options.configDir}: ${fix}`);
    }
    const consumers = files.filter((f) => f.role === "consumer");

    // Every planned stack exists from the start, with no outputs until its phase has run.
    const outputs: Record<string, Record<string, unknown>> = Object.fromEntries(files.map((f) => [qualified(f.stack), {}]));
    const phases: PlannedPhase[] = [];
    const run = async (file: StackFile, phase: 1 | 2 | 3) => {
        try {
            const result = await (options.runStack ?? runStack)({ stack: file.stack, config: file.config, stackOutputs: outputs as StackOutputsFixture });
            outputs[qualified(file.stack)] = result.outputs;
            phases.push({
                stack: file.stack,
                phase,
                resources: result.resources.map(planned),
                outputs: result.outputs,
                logs: [...result.logs],
                placeholders: placeholders(result.resources, JSON.stringify([result.resources.map((r) => r.inputs), result.outputs])),
                declared: DECLARED_KEYS.filter((k) => typeof file.config[`${PROJECT}:${k}`] === "string").map(
                    (k) => `${k} = ${String(file.config[`${PROJECT}:${k}`])}`,
                ),
            });
        } catch (error) {
            const message = error instanceof StackRunError ? error.message : String(error);
            throw new PlanError(file.stack, phase, `${message}${unknownStackHint(message, file, options)}`);
        }
    };

    // Every owner first (its bucket, no grants yet), then the consumers, then every owner again to grant and lock.
    for (const owner of owners) {
        await run(owner, 1);
    }
    // A consumer stack no owner lists, where no owner has organization grants either, is being removed
    // (or not added yet): it is not played, and the plan says what to do with it.
    const ownerOutputs = owners.map((o) => outputs[qualified(o.stack)]);
    const listedByAny = (c: StackFile) => ownerOutputs.some((o) => Array.isArray(o.consumerStacks) && o.consumerStacks.includes(qualified(c.stack)));
    const organizationGrants = ownerOutputs.some((o) => Array.isArray(o.organizationGrants) && o.organizationGrants.length > 0);
    const unlisted = consumers.filter((c) => !listedByAny(c) && !organizationGrants);
    const played = consumers.filter((c) => !unlisted.includes(c));
    for (const consumer of played) {
        await run(consumer, 2);
    }
    sameRoleNameTwice(phases);
    // Consumers under an organization grant change nothing on the owner's side: an owner returns only
    // when it lists one of the planned consumers.
    for (const owner of owners) {
        const listed = outputs[qualified(owner.stack)].consumerStacks;
        if (
            !ownerReturns(
                Array.isArray(listed) ? listed.map(String) : [],
                played.map((c) => qualified(c.stack)),
            )
        ) {
            continue;
        }
        await run(owner, 3);
    }
    const ownerNames = owners.map((o) => o.stack);
    return { project: PROJECT, phases, unlisted: unlisted.map((c) => ({ stack: c.stack, steps: unlistedSteps(c.stack, ownerNames) })) };
}

/** How to finish with a consumer stack the owner does not list: offboarding, or onboarding half done. */
function unlistedSteps(stack: string, ownerStacks: readonly string[]): string[] {
    return [
        `${ownerStacks.map((o) => `pulumi up -s ${o}`).join(", ")} (with the owner account's credentials): the bucket policy no longer grants or locks ${stack}`,
        `pulumi destroy -s ${stack} (with its account's credentials): its endpoint, route-table associations and role go; the bucket and its data stay`,
        `pulumi stack rm ${stack}, and delete Pulumi.${stack}.yaml`,
        `delete the repository variables ${variableStackName(stack)}_PREVIEW_ROLE_ARN and ${variableStackName(stack)}_DEPLOY_ROLE_ARN (and the roles they name, in its account)`,
        `(adding it instead? list { stack: ${stack}, accountId: "…", access: read } in the owner's cross-account-s3:consumers, then roll out owner → ${stack} → owner)`,
    ];
}

/** Two consumer stacks of one account under organization grants would create the same role name: IAM refuses the second. */
function sameRoleNameTwice(phases: readonly PlannedPhase[]): void {
    const seen = new Map<string, string>();
    const createsRole = (p: PlannedPhase) => p.resources.some((r) => r.type === "aws:iam/role:Role");
    for (const phase of phases.filter((p) => p.phase === 2 && p.outputs.organizationGrant !== undefined && createsRole(p))) {
        const role = String(phase.outputs.roleArn);
        const first = seen.get(role);
        if (first !== undefined) {
            throw new PlanError(
                phase.stack,
                2,
                `Consumer stacks ${first} and ${phase.stack} are both under an organization grant in account ${String(phase.outputs.accountId)}, so both would create the role ${role}: IAM refuses the second (EntityAlreadyExists). Run one consumer stack per account under a grant, or list one of them in the owner's consumers.`,
            );
        }
        seen.set(role, phase.stack);
    }
}

const qualified = (stack: string) => `${ORGANIZATION}/${PROJECT}/${stack}`;

/** What to do about a StackReference to a stack the plan does not have. */
function unknownStackHint(message: string, file: StackFile, options: PlanOptions): string {
    const unknown = /unknown stack "([^"]+)"/.exec(message)?.[1];
    if (unknown === undefined) {
        return "";
    }
    const ownerStacks = file.config[`${PROJECT}:ownerStacks`];
    const key = Array.isArray(ownerStacks) ? "ownerStacks" : "ownerStack";
    const ownerStack = file.config[`${PROJECT}:ownerStack`];
    const named = (Array.isArray(ownerStacks) ? ownerStacks : [typeof ownerStack === "string" ? ownerStack : "owner"]).find(
        (n) => n === unknown || qualified(String(n)) === unknown,
    );
    if (file.role === "consumer" && named !== undefined) {
        return ` (the consumer's ${PROJECT}:${key} names "${String(named)}", and no such owner stack is planned: check its spelling in Pulumi.${file.stack}.yaml; it must name an owner stack, "owner" by default)`;
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
