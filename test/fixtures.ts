import { join } from "path";
import { ORGANIZATION, PROJECT } from "../domain/stack-identity";
/** Shared inputs for the specs: two consumer accounts and one owner, in one region. */

export const OWNER_ACCOUNT = "111111111111";
export const CONSUMER_ACCOUNT = "222222222222";
export const SECOND_CONSUMER_ACCOUNT = "333333333333";
export const REGION = "eu-west-1";

/**
 * A folder of the specs' own stack files, one per layout (test/stacks/<layout>/): `example` is the
 * shipped owner/consumer pair. The stack files at the project root are the user's: no spec reads them.
 */
export const stackFolder = (layout: "example" | "own-accounts" | "aws-cn" | "aws-us-gov" | "shared-account") => join(__dirname, "stacks", layout);

export const key = (name: string) => `${PROJECT}:${name}`;
export const qualified = (stack: string) => `${ORGANIZATION}/${PROJECT}/${stack}`;

export const OWNER_STACK = qualified("owner");
export const CONSUMER_STACK = qualified("consumer");
export const SECOND_CONSUMER_STACK = qualified("consumer-eu");

type Config = Record<string, unknown>;

/** Owner config sharing with the given consumer entries (by default: `consumer`, read-write). */
export function ownerConfig(overrides: Config = {}, consumers: unknown[] = [{ stack: "consumer", accountId: CONSUMER_ACCOUNT, access: "read-write" }]): Config {
    return { [key("accountId")]: OWNER_ACCOUNT, [key("region")]: REGION, [key("consumers")]: consumers, ...overrides };
}

export function consumerConfig(overrides: Config = {}): Config {
    return {
        [key("accountId")]: CONSUMER_ACCOUNT,
        [key("region")]: REGION,
        [key("vpcId")]: "vpc-0a1b2c3d4e5f60718",
        [key("routeTableIds")]: ["rtb-0a1b2c3d4e5f60718", "rtb-0b1c2d3e4f5a60718"],
        [key("access")]: "read-write",
        ...overrides,
    };
}

/** What a deployed owner stack exports. */
export function ownerOutputs(overrides: Config = {}): Config {
    return {
        bucketName: "shared-data-abc1234",
        bucketArn: "arn:aws:s3:::shared-data-abc1234",
        region: REGION,
        accountId: OWNER_ACCOUNT,
        grantedRoleArns: [],
        lockedVpceIds: [],
        ...overrides,
    };
}

/** What a deployed consumer stack exports. */
export function consumerOutputs(account = CONSUMER_ACCOUNT, suffix = "a", overrides: Config = {}): Config {
    return {
        vpceId: `vpce-0${suffix.repeat(16)}`,
        vpceAccountId: account,
        prefixListId: "pl-6da54004",
        endpointPolicyManaged: true,
        routeTableIds: ["rtb-0a1b2c3d4e5f60718"],
        roleArn: `arn:aws:iam::${account}:role/workload-${suffix.repeat(7)}`,
        instanceProfileName: `workload-${suffix.repeat(7)}`,
        region: REGION,
        accountId: account,
        access: "read-write",
        ...overrides,
    };
}
