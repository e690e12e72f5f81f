/**
 * The three pipeline roles of each stack, from the offline plan and verify's own calls:
 * - preview: the reads `pulumi preview --refresh` makes of every resource the plan registers for the
 *   stack, plus the document checks of `npm run verify -- --planned` (pull requests run it with
 *   this role);
 * - deploy: those reads and what create, update and delete call, on this project's resources only;
 * - verify: exactly the calls verify makes in that stack's account.
 * and each role's trust policy for GitHub's OIDC provider, in both forms of the `sub` claim.
 */
import { Plan, PlannedResource } from "../offline/plan";
import { LIMITS, overLimit, policy, PolicyDocument, Statement } from "../policies/document";
import { Grant, grantsFor, Scope, tagCondition } from "./resource-permissions";
import { CallPermission, mappedCalls, SdkCall, Target } from "./verify-calls";

/** What ci-policies needs to know of a stack beyond its plan. */
export interface StackAccount {
    readonly stack: string;
    readonly role: "owner" | "consumer";
    readonly accountId: string;
    readonly region: string;
    readonly partition: string;
    readonly deployRoleArn?: string;
}

/** The GitHub repository the roles trust: `owner/name`, and the immutable form's ids `owner-id/repo-id`. */
export interface Repository {
    readonly name: string;
    readonly ids: string;
}

export interface RoleOptions {
    readonly repository: Repository;
    /** Probe instance ids by consumer stack; without one, the probe is scoped by the instance tag PROBE_TAG. */
    readonly probes: Readonly<Record<string, string>>;
}

export interface PipelineRoles {
    readonly preview: PolicyDocument;
    readonly deploy: PolicyDocument;
    readonly verify: PolicyDocument;
    readonly trust: { readonly preview: PolicyDocument; readonly deploy: PolicyDocument; readonly verify: PolicyDocument };
}

/** The tag that marks a consumer's probe instance when no instance id is given: its value is the stack. */
export const PROBE_TAG = "cross-account-s3:probe";

/** The GitHub Actions environments the deploy jobs run in, by stack role. */
export const DEPLOY_ENVIRONMENTS = { owner: "owner-account", consumer: "consumer-account" } as const;

/** Every resource the plan registers for a stack, over all its phases (the owner runs twice). */
function resourcesOf(plan: Plan, stack: string): { resources: PlannedResource[]; placeholders: Set<string>; outputs: Record<string, unknown> } {
    const phases = plan.phases.filter((p) => p.stack === stack);
    const seen = new Map<string, PlannedResource>();
    for (const r of phases.flatMap((p) => p.resources)) {
        seen.set(`${r.type}::${r.name}`, r);
    }
    return { resources: [...seen.values()], placeholders: new Set(phases.flatMap((p) => p.placeholders)), outputs: phases.at(-1)?.outputs ?? {} };
}

/** The stack's scope: its account, and names resolved from what the plan made up to what AWS will name. */
function scopeOf(account: StackAccount, project: string, resources: readonly PlannedResource[], placeholders: ReadonlySet<string>): Scope {
    const generated = resources.filter((r) => r.type.startsWith("aws:")).map((r) => r.name);
    // A value the plan made up is a generated name when it is a resource's name plus Pulumi's random suffix;
    // any other placeholder (an id AWS assigns) stays as it is.
    const pattern = (value: string): string => {
        const last = value.split(/[/:]/).at(-1) ?? value;
        const base = generated.filter((n) => last.startsWith(`${n}-`) && /^[0-9a-f]+$/.test(last.slice(n.length + 1))).sort((a, b) => b.length - a.length)[0];
        return base === undefined ? value : `${value.slice(0, value.length - last.length)}${base}-*`;
    };
    return {
        stack: account.stack,
        project,
        partition: account.partition,
        accountId: account.accountId,
        region: account.region,
        name: (value, resourceName) =>
            value === undefined || value === null ? `${resourceName ?? "*"}-*` : placeholders.has(String(value)) ? pattern(String(value)) : String(value),
    };
}

const SERVICE_NAMES: Readonly<Record<string, string>> = {
    s3: "S3",
    kms: "Kms",
    ec2: "Ec2",
    iam: "Iam",
    glue: "Glue",
    athena: "Athena",
    "access-analyzer": "AccessAnalyzer",
    ssm: "Ssm",
    sts: "Sts",
};

/** Grants merged into statements: one per set of resources and condition, actions sorted, named by service and access. */
export function statementsOf(grants: readonly Grant[]): Statement[] {
    const groups = new Map<string, { grant: Grant; actions: Set<string>; write: boolean }>();
    for (const g of grants) {
        if (g.actions.length === 0 || g.resources.length === 0) {
            continue;
        }
        const key = JSON.stringify([[...g.resources].sort(), g.condition ?? null]);
        const group = groups.get(key) ?? { grant: g, actions: new Set<string>(), write: false };
        g.actions.forEach((a) => group.actions.add(a));
        group.write ||= g.access === "write";
        groups.set(key, group);
    }
    const used = new Map<string, number>();
    return [...groups.values()].map(({ grant, actions, write }) => {
        const sorted = [...actions].sort();
        const services = [...new Set(sorted.map((a) => a.split(":")[0]))];
        const base = `${services.map((s) => SERVICE_NAMES[s] ?? s.replace(/[^A-Za-z0-9]/g, "")).join("")}${write ? "Manage" : "Read"}`;
        const n = (used.get(base) ?? 0) + 1;
        used.set(base, n);
        const resources = [...grant.resources].sort();
        return {
            Sid: n === 1 ? base : `${base}${n}`,
            Effect: "Allow",
            Action: sorted.length === 1 ? sorted[0] : sorted,
            Resource: resources.length === 1 ? resources[0] : resources,
            ...(grant.condition ? { Condition: grant.condition } : {}),
        };
    });
}

/** What a verify target is in one stack, or undefined when the stack has none (no key, no access logs). */
function targetOf(
    target: Target,
    scope: Scope,
    account: StackAccount,
    outputs: Record<string, unknown>,
    resources: readonly PlannedResource[],
    options: RoleOptions,
    documents: readonly string[],
): Grant["resources"] | { tagged: string } | undefined {
    const arn = (service: string, resource: string, region = scope.region, acct = scope.accountId) =>
        `arn:${scope.partition}:${service}:${region}:${acct}:${resource}`;
    const s3 = (name: unknown) => `arn:${scope.partition}:s3:::${scope.name(name)}`;
    const out = (key: string) => outputs[key];
    const logging = resources.find((r) => r.type === "aws:s3/bucketLogging:BucketLogging");
    const results = resources.find((r) => r.type === "aws:athena/workgroup:Workgroup");
    const location = (results?.inputs.configuration as { resultConfiguration?: { outputLocation?: string } } | undefined)?.resultConfiguration?.outputLocation;
    switch (target) {
        case "any":
            return ["*"];
        case "shared-bucket":
            return out("bucketName") === undefined ? undefined : [s3(out("bucketName"))];
        case "key":
            return out("kmsKeyArn") === undefined ? undefined : { tagged: arn("kms", "key/*") };
        case "analyzer":
            return [arn("access-analyzer", `analyzer/${out("accessAnalyzerName") === undefined ? "*" : scope.name(out("accessAnalyzerName"))}`)];
        case "workload-roles":
            return out("roleArn") === undefined ? undefined : [scope.name(out("roleArn"))];
        case "athena-workgroup":
            return out("athenaWorkgroup") === undefined ? undefined : [arn("athena", `workgroup/${scope.name(out("athenaWorkgroup"))}`)];
        case "glue-table": {
            const db = out("athenaDatabase");
            return db === undefined
                ? undefined
                : [arn("glue", "catalog"), arn("glue", `database/${scope.name(db)}`), arn("glue", `table/${scope.name(db)}/${scope.name(out("athenaTable"))}`)];
        }
        case "log-bucket":
            return out("accessLogBucketName") === undefined ? undefined : [s3(out("accessLogBucketName"))];
        case "access-logs":
            return logging === undefined ? undefined : [`${s3(logging.inputs.targetBucket)}/${String(logging.inputs.targetPrefix ?? "")}*`];
        case "athena-results": {
            const match = location === undefined ? null : /^s3:\/\/([^/]+)\/(.*)$/.exec(location);
            return match === null ? undefined : [`${s3(match[1])}/${match[2]}*`];
        }
        case "probe-instance": {
            const id = options.probes[account.stack];
            return id === undefined ? { tagged: arn("ec2", "instance/*") } : [arn("ec2", `instance/${id}`)];
        }
        case "probe-document":
            // AWS's own documents belong to no account of yours: their ARNs carry AWS's account or none.
            return documents.length === 0 ? undefined : documents.map((d) => arn("ssm", `document/${d}`, scope.region, "*"));
    }
}

function verifyGrants(
    calls: readonly [SdkCall, CallPermission][],
    scope: Scope,
    account: StackAccount,
    found: ReturnType<typeof resourcesOf>,
    options: RoleOptions,
    documents: readonly string[],
    planned: boolean,
): Grant[] {
    const grants: Grant[] = [];
    for (const [, call] of calls) {
        if ((call.side !== "both" && call.side !== account.role) || (planned && !call.planned)) {
            continue;
        }
        for (const { actions, on } of call.grants) {
            const where = targetOf(on, scope, account, found.outputs, found.resources, options, documents);
            if (where === undefined) {
                continue;
            }
            // Statements are named by what they do: reading, or running and writing (the probe, Athena's results).
            const access = actions.every((a) => /^[\w-]+:(Get|List|Describe|Check|Validate)/.test(a)) ? "read" : "write";
            if ("tagged" in where) {
                const condition =
                    on === "probe-instance" ? { StringEquals: { [`aws:ResourceTag/${PROBE_TAG}`]: account.stack } } : tagCondition(scope, "aws:ResourceTag");
                grants.push({ access, actions, resources: [where.tagged], condition });
            } else {
                grants.push({ access, actions, resources: where });
            }
        }
    }
    return grants;
}

const OIDC_HOST = "token.actions.githubusercontent.com";

/** A role trust policy for GitHub's OIDC provider, allowing the given `sub` suffixes in both claim forms. */
export function githubTrust(account: StackAccount, repository: Repository, subjects: readonly string[]): PolicyDocument {
    const [owner, repo] = repository.name.split("/");
    const [ownerId, repoId] = repository.ids.split("/");
    return policy([
        {
            Effect: "Allow",
            Principal: { Federated: `arn:${account.partition}:iam::${account.accountId}:oidc-provider/${OIDC_HOST}` },
            Action: "sts:AssumeRoleWithWebIdentity",
            Condition: {
                StringEquals: { [`${OIDC_HOST}:aud`]: "sts.amazonaws.com" },
                StringLike: {
                    [`${OIDC_HOST}:sub`]: subjects.flatMap((s) => [`repo:${owner}/${repo}:${s}`, `repo:${owner}@${ownerId}/${repo}@${repoId}:${s}`]),
                },
            },
        },
    ]);
}

/** The roles of every stack of the plan. */
export function pipelineRoles(
    plan: Plan,
    accounts: readonly StackAccount[],
    verifyCalls: readonly SdkCall[],
    documents: readonly string[],
    options: RoleOptions,
): Record<string, PipelineRoles> {
    const calls = mappedCalls(verifyCalls);
    const roles: Record<string, PipelineRoles> = {};
    for (const account of accounts) {
        const found = resourcesOf(plan, account.stack);
        const scope = scopeOf(account, plan.project, found.resources, found.placeholders);
        const reads = found.resources.flatMap((r) => grantsFor(r, scope, true));
        const writes = found.resources.flatMap((r) => grantsFor(r, scope, false));
        const planned = verifyGrants(calls, scope, account, found, options, documents, true);
        const preview = account.role === "owner" ? ["pull_request", "ref:refs/heads/main"] : ["pull_request"];
        const policies = {
            preview: policy(statementsOf([...reads, ...planned])),
            deploy: policy(statementsOf(writes)),
            verify: policy(statementsOf(verifyGrants(calls, scope, account, found, options, documents, false))),
        };
        for (const [role, doc] of Object.entries(policies)) {
            const over = overLimit(doc, LIMITS.roleInlinePolicy);
            if (over !== undefined) {
                throw new Error(
                    `The ${role} role policy of stack ${account.stack} is ${over.bytes} characters, over IAM's ${over.limit} for a role's inline policies: ` +
                        "split the stack, or fix the names of its resources in config so fewer patterns are needed.",
                );
            }
        }
        roles[account.stack] = {
            ...policies,
            trust: {
                preview: githubTrust(account, options.repository, preview),
                deploy: githubTrust(account, options.repository, [`environment:${DEPLOY_ENVIRONMENTS[account.role]}`]),
                verify: githubTrust(account, options.repository, ["ref:refs/heads/main"]),
            },
        };
    }
    return roles;
}
