/** The rollout commands' command lines: what each takes, its --help, and parsing. */
import { CommandSpec, OptionSpec, parseCommandLine, usage, UsageError } from "../cli/command-line";
import { DEFAULT_PARALLEL } from "./orchestrator";

type RolloutCommand = "deploy" | "preview" | "destroy" | "status" | "stacks";

const quiet: OptionSpec = { name: "quiet", type: "boolean", description: "only the summary and what to do next: no progress lines, no engine output" };
const refresh: OptionSpec = { name: "refresh", type: "boolean", description: "refresh each stack's state from the cloud first" };
const parallel: OptionSpec = {
    name: "parallel",
    type: "string",
    value: "N",
    description: `consumer stacks run at once in the consumer phase (default ${DEFAULT_PARALLEL}; with more than one at a time the engines' output is not streamed)`,
};
const policyPack: OptionSpec = {
    name: "policy-pack",
    type: "string",
    value: "DIR",
    description: "the policy pack every up and preview runs with (default: the project's policy-pack/, installed with npm ci --prefix policy-pack)",
};

const ENVIRONMENT = [
    { name: "AWS_PROFILE_<STACK>", description: "the AWS profile of one stack (stack name upper-cased, other characters as _), e.g. AWS_PROFILE_CONSUMER_EU" },
    { name: "PULUMI_BACKEND_URL", description: "the backend that holds the stacks (default: the one you are logged in to)" },
    { name: "PULUMI_ACCESS_TOKEN", description: "Pulumi Cloud token, when the backend is Pulumi Cloud" },
    { name: "PULUMI_CONFIG_PASSPHRASE", description: "the passphrase of a self-managed backend's secrets provider" },
    { name: "PATH", description: `where the Pulumi CLI is found; its version must match requiredPulumiVersion in Pulumi.yaml` },
];
const INTERRUPT =
    "Ctrl-C once: the running engines stop at a safe point and nothing more starts; twice: stop at once (the summary says which). SIGTERM acts like one Ctrl-C.";

export const COMMAND_SPECS: Record<RolloutCommand, CommandSpec> = {
    deploy: {
        command: "npm run deploy --",
        summary:
            "Creates missing stacks, then runs pulumi up every owner → every consumer (N at a time) → every owner that lists one of them, each stack with its own credentials and the policy pack.",
        options: [parallel, refresh, policyPack, quiet],
        environment: ENVIRONMENT,
        notes: [INTERRUPT],
        examples: ["AWS_PROFILE_OWNER=account-b AWS_PROFILE_CONSUMER=account-a npm run deploy -- --parallel 8"],
    },
    preview: {
        command: "npm run preview --",
        summary:
            "Creates missing stacks (empty), then previews every owner → every consumer (N at a time) in rollout order, with the policy pack; changes nothing in the cloud.",
        options: [parallel, refresh, policyPack, quiet],
        environment: ENVIRONMENT,
        notes: [INTERRUPT],
        examples: ["npm run preview -- --refresh"],
    },
    destroy: {
        command: "npm run destroy --",
        summary:
            "Destroys every consumer stack (N at a time), then every owner with --exclude-protected: the buckets and their keys stay. pulumi destroy takes no policy pack.",
        options: [parallel, quiet],
        environment: ENVIRONMENT,
        notes: [INTERRUPT],
        examples: ["npm run destroy -- --parallel 1"],
    },
    status: {
        command: "npm run status --",
        summary:
            "Reads every stack's outputs and reports where they disagree; exits 1 unless they agree. With --drift, also where the cloud differs from the code.",
        options: [
            { name: "drift", type: "boolean", description: "also run a refreshing preview of each stack (read-only credentials suffice) and report drift" },
            { name: "stack", type: "string", multiple: true, value: "NAME", description: "only this stack's rows and drift check" },
        ],
        environment: ENVIRONMENT,
        examples: ["npm run status -- --drift --stack consumer"],
    },
    stacks: {
        command: "npm run -s stacks --",
        summary:
            "Lists the project's stacks from its Pulumi.<stack>.yaml files, owners first. With --json, each with the repository variables naming its CI roles (<STACK>_PREVIEW_ROLE_ARN, <STACK>_DEPLOY_ROLE_ARN).",
        options: [
            {
                name: "json",
                type: "boolean",
                description: "one JSON object for CI: { owners, consumers }, each owner with returns (whether it runs again after the consumers)",
            },
        ],
        examples: ["npm run -s stacks -- --json"],
    },
};

export interface RolloutArgs {
    readonly command: RolloutCommand;
    readonly quiet: boolean;
    readonly refresh: boolean;
    readonly drift: boolean;
    readonly json: boolean;
    readonly parallel: number;
    readonly policyPack?: string;
    readonly stacks: readonly string[];
}

/** The command and its options, or "help" after printing the usage; a UsageError (exit 2) for a command line it cannot run. */
export function parseRolloutArgs(argv: readonly string[], print: (text: string) => void = (t) => process.stdout.write(t)): RolloutArgs | "help" {
    const [command, ...rest] = argv;
    const spec = COMMAND_SPECS[command as RolloutCommand];
    if (spec === undefined) {
        throw new UsageError(
            `the first argument is the command, one of ${Object.keys(COMMAND_SPECS).join(", ")}, not ${command ?? "nothing"}`,
            COMMAND_SPECS.deploy,
        );
    }
    const parsed = parseCommandLine(spec, rest);
    if (parsed === "help") {
        print(usage(spec));
        return "help";
    }
    const v = parsed.values;
    const n = v.parallel === undefined ? DEFAULT_PARALLEL : Number(v.parallel);
    if (!Number.isInteger(n) || n < 1) {
        throw new UsageError(`--parallel takes a whole number of at least 1, not ${String(v.parallel)}`, spec);
    }
    return {
        command: command as RolloutCommand,
        quiet: v.quiet === true,
        refresh: v.refresh === true,
        drift: v.drift === true,
        json: v.json === true,
        parallel: n,
        ...(typeof v["policy-pack"] === "string" ? { policyPack: v["policy-pack"] } : {}),
        stacks: Array.isArray(v.stack) ? v.stack : [],
    };
}
