import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";

/**
 * A stand-in for AWS and the Pulumi engine, for the unit tests and the offline plan. It records every
 * registration, answers StackReferences from fixture outputs (as the engine would: a stack that is
 * not in the fixtures does not exist), fills in what AWS would assign with fake but well-formed ids
 * derived from the stack, account and resource names (stable across runs, distinct between stacks),
 * and refuses every invoke: the programs call no data sources.
 */

export interface Registration {
    readonly type: string;
    readonly name: string;
    readonly inputs: Readonly<Record<string, unknown>>;
    /** The explicit provider's resource name; undefined for components and StackReferences. */
    readonly provider?: string;
    /** True for custom (cloud) resources, false for components. */
    readonly custom: boolean;
    /** True for `Resource.get` reads of existing resources. */
    readonly read: boolean;
    /** The id the mock assigned (or read). */
    readonly id: string;
    /** The state the mock answered with: inputs plus the computed fields. */
    readonly state: Readonly<Record<string, unknown>>;
}

/** Outputs of other stacks by fully qualified name; `{}` is a stack that exists but was never deployed. */
export type StackOutputsFixture = Readonly<Record<string, Readonly<Record<string, unknown>>>>;

export const STACK_REFERENCE = "pulumi:pulumi:StackReference";
const AWS_PROVIDER = "pulumi:providers:aws";

/** Hex digits derived from a seed: stable across runs, obviously not real. */
export function fakeHex(seed: string, length: number): string {
    return createHash("sha256").update(seed).digest("hex").slice(0, length);
}

interface Account {
    readonly accountId: string;
    readonly region: string;
    readonly partition: string;
}

export interface MockCloudOptions {
    /** Outputs of the other stacks. */
    readonly stackOutputs?: StackOutputsFixture;
    /** The stack being run: made-up ids differ between stacks, as real ones would. */
    readonly stack?: string;
}

export class MockCloud implements pulumi.runtime.Mocks {
    readonly registrations: Registration[] = [];
    private readonly accounts = new Map<string, Account>();

    private readonly stacks: StackOutputsFixture;
    private readonly stack: string;

    constructor(options: MockCloudOptions = {}) {
        this.stacks = options.stackOutputs ?? {};
        this.stack = options.stack ?? "stack";
    }

    call(args: pulumi.runtime.MockCallArgs): pulumi.runtime.MockCallResult {
        throw new Error(`Unexpected invoke ${args.token}: the stack programs call no data sources`);
    }

    newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
        const inputs = (args.inputs ?? {}) as Record<string, unknown>;
        const read = args.custom === true && args.id !== undefined && args.id !== "";
        const provider = args.provider ? args.provider.split("::")[3] : undefined;
        let id: string;
        let state: Record<string, unknown>;
        if (args.type === STACK_REFERENCE) {
            const stackName = String(inputs.name);
            const outputs = this.stacks[stackName];
            if (outputs === undefined) {
                throw new Error(`unknown stack "${stackName}"`);
            }
            id = stackName;
            state = { ...inputs, outputs, secretOutputNames: [] };
        } else if (args.type === AWS_PROVIDER) {
            const accountId = (JSON.parse(String(inputs.allowedAccountIds ?? "[]")) as string[])[0] ?? "";
            const region = String(inputs.region ?? "");
            const partition = region.startsWith("cn-") ? "aws-cn" : region.startsWith("us-gov-") ? "aws-us-gov" : "aws";
            this.accounts.set(args.name, { accountId, region, partition });
            id = `${args.name}-provider`;
            state = inputs;
        } else if (args.custom) {
            const account = provider === undefined ? undefined : this.accounts.get(provider);
            if (account === undefined) {
                throw new Error(`${args.type} "${args.name}" was registered without this stack's explicit AWS provider`);
            }
            ({ id, state } = awsState(
                `${this.stack}/${account.accountId}/${args.type}/${args.name}`,
                args.type,
                args.name,
                inputs,
                account,
                read ? args.id : undefined,
            ));
            if (args.type === "aws:ec2/vpcEndpoint:VpcEndpoint") {
                // A stack can read only its own account's endpoints: a shared VPC's endpoint is declared, not read.
                state = { ...state, ownerId: account.accountId };
            }
        } else {
            id = "";
            state = {};
        }
        this.registrations.push({ type: args.type, name: args.name, inputs, provider, custom: args.custom === true, read, id, state });
        return { id, state };
    }
}

/** What AWS would fill in for the resource types this project creates. */
function awsState(
    seed: string,
    type: string,
    name: string,
    inputs: Record<string, unknown>,
    account: Account,
    readId: string | undefined,
): { id: string; state: Record<string, unknown> } {
    const autoName = `${name}-${fakeHex(seed, 7)}`;
    switch (type) {
        case "aws:s3/bucket:Bucket": {
            const bucket = readId ?? (inputs.bucket as string | undefined) ?? autoName;
            return { id: bucket, state: { ...inputs, bucket, arn: `arn:${account.partition}:s3:::${bucket}` } };
        }
        case "aws:kms/key:Key": {
            const h = fakeHex(seed, 32);
            const keyId = `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
            return { id: keyId, state: { ...inputs, keyId, arn: `arn:${account.partition}:kms:${account.region}:${account.accountId}:key/${keyId}` } };
        }
        case "aws:ec2/vpcEndpoint:VpcEndpoint": {
            const id = readId ?? `vpce-${fakeHex(seed, 17)}`;
            const prefixListId = `pl-${fakeHex(`${account.region}/s3`, 8)}`;
            return {
                id,
                state: {
                    ...inputs,
                    vpcEndpointType: "Gateway",
                    prefixListId,
                    arn: `arn:${account.partition}:ec2:${account.region}:${account.accountId}:vpc-endpoint/${id}`,
                },
            };
        }
        case "aws:iam/role:Role": {
            const roleName = (inputs.name as string | undefined) ?? autoName;
            return { id: roleName, state: { ...inputs, name: roleName, arn: `arn:${account.partition}:iam::${account.accountId}:role/${roleName}` } };
        }
        case "aws:iam/instanceProfile:InstanceProfile": {
            const profileName = (inputs.name as string | undefined) ?? autoName;
            return {
                id: profileName,
                state: { ...inputs, name: profileName, arn: `arn:${account.partition}:iam::${account.accountId}:instance-profile/${profileName}` },
            };
        }
        default:
            return { id: readId ?? `${name}-${fakeHex(seed, 8)}`, state: inputs };
    }
}
