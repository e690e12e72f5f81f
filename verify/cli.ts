/**
 * npm run verify [-- --probe-instance <consumer stack>=<instance id> …] [--logs] [--analyzer NAME]
 * npm run verify -- --planned
 * Checks the real thing with AWS's own evaluators; see docs/operations.md and --help.
 */
import { OrganizationsClient } from "@aws-sdk/client-organizations";
import { resolve } from "path";
import { CommandSpec, parseCommandLine, usage, UsageError, userPath } from "../cli/command-line";
import { AccountSettings } from "../config/account";
import { consumerSettingsOf, ownerSettingsOf, readProjectFiles } from "../config/stack-files";
import { skipPulumiPromiseStacks } from "../offline/fast-stacks";
import { planRollout } from "../offline/plan";
import { automationOperations, profileVariable } from "../rollout/automation";
import { table } from "../rollout/table";
import { AccountApi, accountProfileVariable, clientsFor } from "./aws";
import { OrganizationsApi } from "./aws-organizations";
import { OrganizationsAccess } from "./organization-checks";
import type { OwnerStack } from "./expected";
import { CheckRow, failed } from "./judge";
import { plannedDocuments } from "./planned-documents";
import { LiveStacks, verifyPlanned } from "./planned";
import { AccountApiFor, MissingCredentials, verifyDeployed, VerifyOptions } from "./run";

/** The variable naming the AWS profile verify reads AWS Organizations with. */
export const ORGANIZATION_PROFILE_VARIABLE = "AWS_PROFILE_ORGANIZATION";

export const VERIFY_COMMAND: CommandSpec = {
    command: "npm run verify --",
    summary:
        "Checks the deployed stacks on real AWS with AWS's own evaluators, through each stack's own credentials. It only reads, " +
        "except where a check below says so. Exit 0 when everything holds, 1 on any FAIL, 2 on a wrong command line.",
    options: [
        {
            name: "probe-instance",
            type: "string",
            multiple: true,
            value: "<consumer stack>=<instance id>",
            description: "also run the probe on that instance of the consumer VPC through SSM Run Command (the 403 test from inside)",
        },
        { name: "logs", type: "boolean", description: "also run the saved Athena query of consumer requests from non-private addresses" },
        {
            name: "analyzer",
            type: "string",
            value: "NAME",
            description: "read external-access findings from this analyzer (default: the owner stack's, or the active one)",
        },
        {
            name: "planned",
            type: "boolean",
            description: "check a change instead (pull requests): the documents it would write, and whether it grants new access compared with the live ones",
        },
        { name: "config-dir", type: "string", value: "DIR", description: "the folder with the Pulumi.<stack>.yaml files (default: the project folder)" },
    ],
    environment: [
        {
            name: "AWS_PROFILE_<STACK>",
            description: "the AWS profile of one stack's account (e.g. AWS_PROFILE_OWNER); else the stack's profile setting, else the default chain",
        },
        {
            name: ORGANIZATION_PROFILE_VARIABLE,
            description:
                "the AWS profile verify reads AWS Organizations with, for organization grants: the management account or a delegated " +
                "administrator; else the owner's credentials",
        },
        {
            name: "AWS_PROFILE_ACCOUNT_<id>",
            description:
                "the AWS profile of an account that is no stack's: a shared VPC's owner (endpointOwnerAccountId), e.g. AWS_PROFILE_ACCOUNT_555555555555; " +
                "without it, verify checks nothing of that account's endpoint and says so",
        },
        { name: "PULUMI_ACCESS_TOKEN", description: "or another backend login: verify reads the stacks' outputs through the Pulumi CLI" },
    ],
    notes: [
        "Checks (each row of the report names one):",
        "  live equals generated  bucket, log bucket, key, endpoint, role and trust policies and the endpoint's route tables equal what the",
        "                         builders produce from the stack files and outputs. Needs: read credentials per account. Free.",
        "  path                   per consumer VPC: an S3 interface endpoint with private DNS (it takes S3 traffic away from the gateway),",
        "                         route tables of private subnets missing from the endpoint. Needs: consumer credentials (ec2:Describe*). Free.",
        "  shared VPC endpoint    a consumer whose endpoint is another account's (endpointOwnerAccountId): the endpoint (an S3 gateway",
        "                         endpoint of the region) and the path of its VPC, described with that account's credentials",
        "                         (AWS_PROFILE_ACCOUNT_<id>), never the consumer's. Without them an INFO row names what was not checked.",
        "                         Needs: ec2:Describe* in the VPC owner's account. Free.",
        "  ValidatePolicy         Access Analyzer validation of every generated document. Needs: owner and consumer credentials. Free.",
        "  custom checks          CheckNoPublicAccess and CheckAccessNotGranted on the bucket (and key) policy. BILLED per call",
        "                         (Access Analyzer custom policy checks; a run makes about three).",
        "  external access        the analyzer's findings on the bucket tie each consumer role to its own endpoints exactly.",
        "                         Needs: an ACCOUNT or ORGANIZATION analyzer in the owner's account and region. Free.",
        "  organization grant     per owner's organizationGrants entry: the accounts under its OU path and child OUs (ListOrganizationalUnitsForParent,",
        "                         ListAccountsForParent), and whether a service control policy attached on the path denies the IAM writes",
        "                         on role/<roleName> to all but a deploy role (ListPoliciesForTarget, DescribePolicy); WARN when none does.",
        "                         Needs: the management account or a delegated administrator (AWS_PROFILE_ORGANIZATION, else the owner's",
        "                         credentials); what it cannot read is UNKNOWN (INFO) with the reason, never PASS. Free.",
        "  the 403 test, outside  for each consumer that sets verifyTester, on each owner's bucket it reads: the consumer's credentials (that tester principal) assume the",
        "                         workload role and send a list and a get from where verify runs, outside the endpoint; both must be refused,",
        "                         and the report names the refusing statement when S3 says which policy refused. Needs: verifyTester.",
        "                         Costs two S3 requests (not billed to the owner when they come from outside its organization).",
        "  the 403 test, inside   --probe-instance: each owner's granted operations from an instance in the consumer VPC must succeed; reads that",
        "                         instance's security-group egress. Needs: an SSM managed instance with the workload role. Writes one object.",
        "  access logs            --logs: consumer requests from non-private addresses must all have been refused. Needs: accessLogs on",
        "                         the owner. Costs a small Athena scan.",
        "  --planned              ValidatePolicy and the custom checks on the change's documents, then CheckNoNewAccess of each bucket policy",
        "                         built from the live outputs and the changed stack files against the live one (BILLED). Needs: owner",
        "                         credentials and the backend; without the backend it says so and skips CheckNoNewAccess. New access",
        "                         (a new consumer, read → read-write, a wider prefix) is a FAIL naming what is new.",
        "                         For an adopted bucket with existingBucketPolicy, it first reads that bucket's live policy and WARNs,",
        "                         statement by statement, where its own statements differ from the file. Free.",
        "See docs/operations.md (Verify on real AWS) for the IAM permissions each check needs.",
    ],
    examples: [
        "npm run verify",
        "npm run verify -- --probe-instance consumer=i-0123456789abcdef0 --logs",
        "AWS_PROFILE_OWNER=owner-ro npm run verify -- --planned --config-dir ../my-stacks",
    ],
};

export interface VerifyArgs extends VerifyOptions {
    readonly planned: boolean;
    readonly configDir: string;
}

export function parseVerifyArgs(
    argv: readonly string[],
    defaultConfigDir = resolve(__dirname, ".."),
    env: NodeJS.ProcessEnv = process.env,
): VerifyArgs | "help" {
    const parsed = parseCommandLine(VERIFY_COMMAND, argv);
    if (parsed === "help") {
        return "help";
    }
    const { values } = parsed;
    const probes: Record<string, string> = {};
    for (const probe of (values["probe-instance"] as string[] | undefined) ?? []) {
        const match = /^([\w.-]+)=(i-[0-9a-f]{8,17})$/.exec(probe);
        if (match === null) {
            throw new UsageError(`--probe-instance ${probe}: write <consumer stack>=<instance id>, e.g. consumer=i-0123456789abcdef0`, VERIFY_COMMAND);
        }
        probes[match[1]] = match[2];
    }
    if (values.planned === true && (Object.keys(probes).length > 0 || values.logs === true)) {
        throw new UsageError("--planned checks documents only; --probe-instance and --logs go with a deployed rollout", VERIFY_COMMAND);
    }
    return {
        planned: values.planned === true,
        probes,
        logs: values.logs === true,
        ...(typeof values.analyzer === "string" ? { analyzer: values.analyzer } : {}),
        configDir: typeof values["config-dir"] === "string" ? userPath(values["config-dir"], env) : defaultConfigDir,
    };
}

/** What verify needs from outside: the deployed stacks' outputs, and each account's AWS API. */
export interface VerifyDeps {
    /** A stack's outputs (`{}` when never deployed); fails when the Pulumi CLI or the backend cannot be reached. */
    outputs(stack: string): Promise<Record<string, unknown>>;
    api(stack: string, settings: AccountSettings): AccountApi;
    /** AWS Organizations, for the organization-grant check. @default organizationsAccess */
    organizations?(ownerStack: string, settings: AccountSettings): OrganizationsAccess;
    /** An account that is no stack's (a shared VPC's owner): its API when verify has its credentials. @default none */
    accountApi?: AccountApiFor;
    /** The offline planner behind `--planned`. @default planRollout */
    plan?: typeof planRollout;
}

export function defaultDeps(dir: string, env: NodeJS.ProcessEnv = process.env): VerifyDeps {
    let ops: ReturnType<typeof automationOperations> | undefined;
    return {
        async outputs(stack) {
            ops ??= automationOperations(dir);
            return (await ops).outputs(stack);
        },
        api: (stack, settings) => new AccountApi(clientsFor(settings.region, env[profileVariable(stack)] ?? settings.profile)),
        accountApi: (accountId, region) => {
            const profile = env[accountProfileVariable(accountId)];
            return profile ? new AccountApi(clientsFor(region, profile)) : undefined;
        },
    };
}

/**
 * Organizations answers the management account or a delegated administrator: the profile in
 * AWS_PROFILE_ORGANIZATION when set, else the owner's credentials (enough when the owner account is one of those).
 */
export function organizationsAccess(ownerStack: string, settings: AccountSettings, env: NodeJS.ProcessEnv = process.env): OrganizationsAccess {
    const named = env[ORGANIZATION_PROFILE_VARIABLE];
    const profile = named ?? env[profileVariable(ownerStack)] ?? settings.profile;
    return {
        // Organizations has one endpoint per partition; the SDK sends every region's requests there.
        api: new OrganizationsApi(new OrganizationsClient({ region: settings.region, ...(profile ? { profile } : {}) })),
        credentials: named ? `the profile ${named} (${ORGANIZATION_PROFILE_VARIABLE})` : `the owner's credentials`,
    };
}

export interface Io {
    stdout(text: string): void;
    stderr(text: string): void;
}

export async function main(argv: readonly string[], io: Io, deps?: VerifyDeps): Promise<number> {
    try {
        const args = parseVerifyArgs(argv);
        if (args === "help") {
            io.stdout(usage(VERIFY_COMMAND));
            return 0;
        }
        const files = readProjectFiles(args.configDir);
        const stacks = {
            owners: files.owners.map((f) => ({ stack: f.stack, settings: ownerSettingsOf(f) })),
            consumers: files.consumers.map((f) => ({ stack: f.stack, settings: consumerSettingsOf(f) })),
        };
        const use = deps ?? defaultDeps(args.configDir);
        const settingsOf = (stack: string): AccountSettings => [...stacks.owners, ...stacks.consumers].find((s) => s.stack === stack)!.settings;
        const apis = new Map<string, AccountApi>();
        const apiFor = (stack: string) => apis.get(stack) ?? apis.set(stack, use.api(stack, settingsOf(stack))).get(stack)!;
        const credentials = (stack: string) => new MissingCredentials(stack, settingsOf(stack).accountId, profileVariable(stack));
        const withOutputs = <T extends { stack: string }>(list: readonly T[]) =>
            Promise.all(list.map(async (s) => ({ ...s, outputs: await use.outputs(s.stack) })));

        let rows: CheckRow[];
        if (args.planned) {
            skipPulumiPromiseStacks();
            const docs = plannedDocuments(await (use.plan ?? planRollout)({ configDir: args.configDir }));
            let live: LiveStacks;
            try {
                live = { owners: await withOutputs(stacks.owners), consumers: await withOutputs(stacks.consumers) };
            } catch (error) {
                live = { unreadable: (error as Error).message.split("\n")[0] };
            }
            rows = await verifyPlanned(docs, apiFor, credentials, live);
        } else {
            const owners = await withOutputs(stacks.owners);
            const undeployed = owners.filter((o) => o.outputs.bucketArn === undefined).map((o) => o.stack);
            if (undeployed.length > 0) {
                io.stderr(
                    `The owner stack${undeployed.length > 1 ? "s" : ""} ${undeployed.join(", ")} ${undeployed.length > 1 ? "have" : "has"} no outputs: deploy first (npm run deploy), or check a change with npm run verify -- --planned.\n`,
                );
                return 1;
            }
            const consumers = await withOutputs(stacks.consumers);
            const organizations = (owner: OwnerStack) => (use.organizations ?? organizationsAccess)(owner.stack, owner.settings);
            rows = await verifyDeployed(owners, consumers, apiFor, credentials, args, use.accountApi ?? (() => undefined), organizations);
        }
        io.stdout(
            `${table(
                ["stack", "check", "result", "detail"],
                rows.map((r) => [r.stack, r.check, r.result.toUpperCase(), r.detail]),
            )}\n`,
        );
        io.stdout(failed(rows) ? "\nVerify failed: see the rows marked FAIL.\n" : "\nEverything verify checks holds.\n");
        return failed(rows) ? 1 : 0;
    } catch (error) {
        io.stderr(`${error instanceof Error ? error.message : String(error)}\n`);
        return error instanceof UsageError ? error.exitCode : 1;
    }
}

if (require.main === module) {
    // Exit explicitly: the SDK's keep-alive sockets and the Pulumi CLI's children must not hold the process.
    void main(process.argv.slice(2), { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) }).then((code) => process.exit(code));
}
