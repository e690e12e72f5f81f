/**
 * npm run ci-policies [-- --json | --out DIR] [--config-dir DIR] [--repo OWNER/REPO] [--repo-ids OWNER_ID/REPO_ID] [--probe-instance <stack>=<id> …]
 * The preview, deploy and verify role policies of every stack, and their GitHub OIDC trust policies.
 */
import { mkdirSync, writeFileSync } from "fs";
import { join, resolve } from "path";
import { CommandSpec, parseCommandLine, usage, UsageError, userPath } from "../cli/command-line";
import { consumerSettingsOf, ownerSettingsOf, readProjectFiles } from "../config/stack-files";
import { skipPulumiPromiseStacks } from "../offline/fast-stacks";
import { planRollout, PlanError } from "../offline/plan";
import { closeToData } from "./close-to-data";
import { pipelineRoles, PipelineRoles, PROBE_TAG, StackAccount } from "./roles";
import { documentsIn, readVerifySources, sdkCallsIn } from "./verify-calls";

export const CI_POLICIES: CommandSpec = {
    command: "npm run ci-policies --",
    summary:
        "Writes, for every stack of the project's stack files, the IAM policies of its three pipeline roles (preview, deploy, verify) and their " +
        "trust policies for GitHub Actions OIDC, derived from the offline plan and from verify's own AWS calls. No role reads or writes the shared data.",
    options: [
        {
            name: "json",
            type: "boolean",
            description: 'print one JSON document: { "<stack>": { preview, deploy, verify, trust: { preview, deploy, verify } } }',
        },
        {
            name: "out",
            type: "string",
            value: "DIR",
            description: "write DIR/<stack>/<role>-policy.json and <role>-trust.json, and print the AWS CLI commands that create the roles",
        },
        { name: "config-dir", type: "string", value: "DIR", description: "read the Pulumi.<stack>.yaml files from DIR (default: the project folder)" },
        { name: "repo", type: "string", value: "OWNER/REPO", description: "the GitHub repository the roles trust (default: <owner>/<repo>, to fill in)" },
        {
            name: "repo-ids",
            type: "string",
            value: "OWNER_ID/REPO_ID",
            description: "its numeric owner and repository ids, for the immutable sub claim (default: <owner-id>/<repo-id>)",
        },
        {
            name: "probe-instance",
            type: "string",
            multiple: true,
            value: "<consumer stack>=<instance id>",
            description: `the instance verify probes from; without it, the instance tagged ${PROBE_TAG}=<consumer stack>`,
        },
    ],
    examples: [
        "npm run ci-policies -- --json",
        "npm run ci-policies -- --out out/ci-roles --repo acme/shared-data --repo-ids 1234567/89012345 --probe-instance consumer=i-0123456789abcdef0",
    ],
    notes: ["Nothing is sent to AWS: the output is for you to review and create (docs/operations.md shows how)."],
};

export interface Io {
    stdout(text: string): void;
    stderr(text: string): void;
}

/** The stacks' accounts, as the programs parse their settings. */
function accountsOf(configDir: string): StackAccount[] {
    const files = readProjectFiles(configDir);
    return [
        ...files.owners.map((f) => ({ stack: f.stack, role: "owner" as const, ...ownerSettingsOf(f) })),
        ...files.consumers.map((f) => ({ stack: f.stack, role: "consumer" as const, ...consumerSettingsOf(f) })),
    ].map(({ stack, role, accountId, region, partition, deployRoleArn }) => ({
        stack,
        role,
        accountId,
        region,
        partition,
        ...(deployRoleArn ? { deployRoleArn } : {}),
    }));
}

const ROLES = ["preview", "deploy", "verify"] as const;

/** The files of `--out`, and the commands that create each role from them. */
function writeRoles(dir: string, roles: Record<string, PipelineRoles>, accounts: readonly StackAccount[]): string {
    const lines = [`Wrote the pipeline roles to ${dir}. Create each with its account's credentials:`, ""];
    for (const [stack, r] of Object.entries(roles)) {
        const account = accounts.find((a) => a.stack === stack)!;
        mkdirSync(join(dir, stack), { recursive: true });
        lines.push(`# stack ${stack}, account ${account.accountId}`);
        for (const role of ROLES) {
            writeFileSync(join(dir, stack, `${role}-policy.json`), `${JSON.stringify(r[role], null, 2)}\n`);
            writeFileSync(join(dir, stack, `${role}-trust.json`), `${JSON.stringify(r.trust[role], null, 2)}\n`);
            const name = `cross-account-s3-${stack}-${role}`;
            lines.push(
                ...closeToData(r[role]).map((n) => `#   ${role}: ${n}`),
                `aws iam create-role --role-name ${name} --assume-role-policy-document file://${join(dir, stack, `${role}-trust.json`)}`,
                `aws iam put-role-policy --role-name ${name} --policy-name ${role} --policy-document file://${join(dir, stack, `${role}-policy.json`)}`,
            );
        }
        lines.push("");
    }
    return `${lines.join("\n")}`;
}

function human(roles: Record<string, PipelineRoles>): string {
    const parts: string[] = [];
    for (const [stack, r] of Object.entries(roles)) {
        for (const role of ROLES) {
            parts.push(
                `━━ ${stack} · ${role} role policy ━━`,
                ...closeToData(r[role]).map((n) => `close to data: ${n}`),
                JSON.stringify(r[role], null, 2),
                `━━ ${stack} · ${role} role trust ━━`,
                JSON.stringify(r.trust[role], null, 2),
            );
        }
    }
    return `${parts.join("\n")}\n`;
}

export async function main(argv: readonly string[], io: Io, plan: typeof planRollout = planRollout): Promise<number> {
    try {
        const parsed = parseCommandLine(CI_POLICIES, argv);
        if (parsed === "help") {
            io.stdout(usage(CI_POLICIES));
            return 0;
        }
        const { values } = parsed;
        if (values.json === true && values.out !== undefined) {
            throw new UsageError("choose --json or --out, not both", CI_POLICIES);
        }
        const probes: Record<string, string> = {};
        for (const probe of (values["probe-instance"] as string[] | undefined) ?? []) {
            const match = /^([\w.-]+)=(i-[0-9a-f]{8,17})$/.exec(probe);
            if (match === null) {
                throw new UsageError(`--probe-instance ${probe}: write <consumer stack>=<instance id>, e.g. consumer=i-0123456789abcdef0`, CI_POLICIES);
            }
            probes[match[1]] = match[2];
        }
        for (const [option, form] of [
            ["repo", /^[\w.-]+\/[\w.-]+$/],
            ["repo-ids", /^\d+\/\d+$/],
        ] as const) {
            const value = values[option];
            if (typeof value === "string" && !form.test(value)) {
                throw new UsageError(
                    `--${option} ${value}: write ${option === "repo" ? "OWNER/REPO, e.g. acme/shared-data" : "OWNER_ID/REPO_ID, e.g. 1234567/89012345"}`,
                    CI_POLICIES,
                );
            }
        }
        const configDir = typeof values["config-dir"] === "string" ? userPath(values["config-dir"]) : resolve(__dirname, "..");
        const accounts = accountsOf(configDir);
        const consumers = accounts.filter((a) => a.role === "consumer").map((a) => a.stack);
        const stray = Object.keys(probes).find((stack) => !consumers.includes(stack));
        if (stray !== undefined) {
            throw new UsageError(
                `--probe-instance names ${stray}, which is not a consumer stack of this project (${consumers.join(", ") || "none"})`,
                CI_POLICIES,
            );
        }
        const sources = readVerifySources();
        const roles = pipelineRoles(await plan({ configDir }), accounts, sdkCallsIn(sources), documentsIn(sources), {
            repository: {
                name: (values.repo as string | undefined) ?? "<owner>/<repo>",
                ids: (values["repo-ids"] as string | undefined) ?? "<owner-id>/<repo-id>",
            },
            probes,
        });
        if (values.json === true) {
            io.stdout(`${JSON.stringify(roles, null, 2)}\n`);
        } else if (typeof values.out === "string") {
            io.stdout(writeRoles(userPath(values.out), roles, accounts));
        } else {
            io.stdout(human(roles));
        }
        return 0;
    } catch (error) {
        if (error instanceof UsageError) {
            io.stderr(`${error.message}\n`);
            return error.exitCode;
        }
        const where = error instanceof PlanError ? `The plan stopped at stack ${error.stack}:\n` : "";
        io.stderr(`${where}${error instanceof Error ? error.message : String(error)}\n`);
        return 1;
    }
}

if (require.main === module) {
    skipPulumiPromiseStacks();
    void main(process.argv.slice(2), { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) }).then((code) => {
        process.exitCode = code;
    });
}
