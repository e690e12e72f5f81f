/**
 * The formats AWS and Pulumi accept, as pure predicates. Each returns `undefined` when the value is
 * fine and otherwise the rule it broke, worded to follow "value: …".
 */

import { Region } from "@pulumi/aws/types/enums";
import { closest, distance } from "fastest-levenshtein";

export type Rule = (value: string) => string | undefined;

/** The one of `candidates` a typo of `value` most likely meant, if any is close (at most 2 edits). */
export function didYouMean(value: string, candidates: readonly string[]): string | undefined {
    if (candidates.length === 0) {
        return undefined;
    }
    const best = closest(value.toLowerCase(), [...candidates]);
    return distance(value.toLowerCase(), best.toLowerCase()) <= 2 ? best : undefined;
}

const hexId = (prefix: string) => new RegExp(`^${prefix}-(?:[0-9a-f]{8}|[0-9a-f]{17})$`);

export const accountId: Rule = (v) => (/^\d{12}$/.test(v) ? undefined : "must be a 12-digit AWS account id");

/** The fix value where none can be suggested: it cannot be mistaken for a real account id. */
export const ACCOUNT_ID_PLACEHOLDER = "'<12-digit account id>'";

/** A role ARN to fill in, quoted: this stack's account when it is valid, and the role's name to choose. */
export const roleArnExample = (partition: string, account: string, roleName: string): string =>
    `'arn:${partition}:iam::${accountId(account) === undefined ? account : "<12-digit account id>"}:role/<${roleName}>'`;

/**
 * An account id written as an unquoted YAML number that started with 0: YAML read it as a number and
 * dropped the 0. The id meant is the number with its 0 back, quoted.
 */
export function shortenedAccountId(value: unknown): { rule: string; fixed: string } | undefined {
    return typeof value === "number" && Number.isSafeInteger(value) && /^\d{11}$/.test(String(value))
        ? { rule: "must be a 12-digit AWS account id; an unquoted id that starts with 0 loses the 0 in YAML, so quote it", fixed: `'0${value}'` }
        : undefined;
}

export const region: Rule = (v) => (/^[a-z]{2,4}(?:-[a-z]+)+-\d{1,2}$/.test(v) ? undefined : "must be an AWS region code such as eu-west-1");

/** The regions the installed @pulumi/aws knows (its Region enum follows each provider release). */
export const PROVIDER_REGIONS: readonly string[] = Object.values(Region);

/** Partitions whose ARNs this project writes. */
const SUPPORTED_REGION = /^(?:(?!us-iso|eu-isoe|eusc-)[a-z])/;

/** A region the installed provider knows, in a partition this project supports. */
export const knownRegion: Rule = (v) => {
    const shape = region(v);
    if (shape !== undefined) {
        return shape;
    }
    if (!PROVIDER_REGIONS.includes(v)) {
        const near = didYouMean(v, PROVIDER_REGIONS);
        return `is not a region the installed AWS provider knows${near ? ` (did you mean ${near}?)` : ""}; for a region newer than the provider, set allowUnlistedRegion to true`;
    }
    return SUPPORTED_REGION.test(v) ? undefined : "is in a partition this project does not support (aws, aws-cn and aws-us-gov are)";
};

export const vpcId: Rule = (v) => (hexId("vpc").test(v) ? undefined : "must be a VPC id (vpc- and 8 or 17 hex digits)");

export const routeTableId: Rule = (v) => (hexId("rtb").test(v) ? undefined : "must be a route table id (rtb- and 8 or 17 hex digits)");

export const vpceId: Rule = (v) => (hexId("vpce").test(v) ? undefined : "must be a VPC endpoint id (vpce- and 8 or 17 hex digits)");

const PARTITION = "aws|aws-cn|aws-us-gov";
const ROLE_ARN = new RegExp(`^arn:(?:${PARTITION}):iam::(\\d{12}):role/(?:[\\w+=,.@-]+/)*([\\w+=,.@-]{1,64})$`);
const BUCKET_ARN = new RegExp(`^arn:(?:${PARTITION}):s3:::([^/*?]+)$`);
const KMS_KEY_ARN = new RegExp(`^arn:(?:${PARTITION}):kms:([a-z0-9-]+):(\\d{12}):key/[0-9a-f-]{36}$`);

export const roleArn: Rule = (v) => (ROLE_ARN.test(v) ? undefined : "must be an IAM role ARN such as arn:aws:iam::111122223333:role/app");

/** The account a role ARN belongs to, or undefined for anything that is not a role ARN. */
export function roleArnAccount(v: string): string | undefined {
    return ROLE_ARN.exec(v)?.[1];
}

/** The role name (last path segment) of a role ARN: what `aws.iam.RolePolicy` takes. */
export function roleArnName(v: string): string | undefined {
    return ROLE_ARN.exec(v)?.[2];
}

export const bucketArn: Rule = (v) => {
    const name = BUCKET_ARN.exec(v)?.[1];
    if (name === undefined) {
        return "must be an S3 bucket ARN such as arn:aws:s3:::my-bucket";
    }
    const nameProblem = bucketName(name);
    return nameProblem && `names a bucket that ${nameProblem}`;
};

export const kmsKeyArn: Rule = (v) => (KMS_KEY_ARN.test(v) ? undefined : "must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<uuid>), not an alias");

/**
 * S3 general purpose bucket naming rules
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html).
 */
export const bucketName: Rule = (v) => {
    if (v.length < 3 || v.length > 63) {
        return "must be 3 to 63 characters long";
    }
    if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(v)) {
        return "may hold only lowercase letters, digits, dots and hyphens, and must start and end with a letter or digit";
    }
    if (v.includes("..")) {
        return "must not contain two adjacent dots";
    }
    if (/^\d{1,3}(?:\.\d{1,3}){3}$/.test(v)) {
        return "must not be formatted as an IP address";
    }
    const badPrefix = ["xn--", "sthree-", "amzn-s3-demo-"].find((p) => v.startsWith(p));
    if (badPrefix) {
        return `must not start with the reserved prefix "${badPrefix}"`;
    }
    const badSuffix = ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"].find((s) => v.endsWith(s));
    if (badSuffix) {
        return `must not end with the reserved suffix "${badSuffix}"`;
    }
    return undefined;
};

/** A bucket name, or `preset:<name>` naming one of `presets` (a colon never appears in a bucket name). */
export function bucketNameOrPreset(presets: readonly string[]): Rule {
    return (v) => {
        if (!v.startsWith("preset:")) {
            return bucketName(v);
        }
        const name = v.slice("preset:".length);
        return presets.includes(name) ? undefined : `names no preset; the presets are ${presets.map((p) => `preset:${p}`).join(", ")}`;
    };
}

/**
 * A key prefix that scopes a grant. It ends with "/" so that "team" cannot also match "teammate/…",
 * and holds no IAM wildcard or policy-variable characters, which would widen the grant.
 */
export const keyPrefix: Rule = (v) => {
    if (v.length === 0 || v.length > 512) {
        return "must be 1 to 512 characters long";
    }
    if (/[*?]|\$\{/.test(v)) {
        return "must not contain the wildcards * or ? or a policy variable ${…}";
    }
    if (v.startsWith("/")) {
        return 'must not start with "/" (S3 keys have no leading slash)';
    }
    if (!v.endsWith("/")) {
        return 'must end with "/" so that it matches one folder only';
    }
    return undefined;
};

/**
 * An AWS Organizations entity path down to an OU (or the root): the organization id, the root id and
 * up to five nested OU ids, each followed by "/" (Organizations API id patterns).
 */
export const organizationPath: Rule = (v) =>
    /^o-[a-z0-9]{10,32}\/r-[0-9a-z]{4,32}\/(?:ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}\/){0,5}$/.test(v)
        ? undefined
        : "must be an organization path such as o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/ (organization, root, then OUs, each ending in /; no wildcards)";

/** An IAM role name without a path: no wildcard can slip into the ARN patterns built from it. */
export const roleName: Rule = (v) => (/^[\w+=,.@-]{1,64}$/.test(v) ? undefined : "must be an IAM role name (1 to 64 letters, digits and + = , . @ _ -)");

/** A stack name: `stack`, or fully qualified `org/project/stack`. */
export const stackName: Rule = (v) => (/^(?:[\w.-]+\/[\w.-]+\/)?[\w.-]+$/.test(v) ? undefined : 'must be a stack name ("consumer") or "org/project/stack"');

/** One of a fixed set of values. */
export function oneOf(allowed: readonly string[]): Rule {
    return (v) => (allowed.includes(v) ? undefined : `must be one of ${allowed.map((a) => `"${a}"`).join(", ")}`);
}

/** Whether `values[index]` repeats an earlier entry of its list. */
export function repeatedAt(values: readonly unknown[], index: number): string | undefined {
    return values.indexOf(values[index]) < index ? "appears twice in the list" : undefined;
}

/** A consumer account id, which must not be the owner's: the lock never covers the owner account. */
export function notOwnerAccount(ownerAccountId: string): Rule {
    return (v) => (v === ownerAccountId ? "is the owner account itself, which the endpoint lock never covers: a consumer there would be unlocked" : undefined);
}

/** A role ARN of the given account; `whose` names the account in the message ("this stack's account"). */
export function roleOfAccount(account: string, whose: string): Rule {
    return (v) => {
        const actual = roleArnAccount(v);
        return actual === undefined ? roleArn(v) : actual === account ? undefined : `must be a role in ${whose} ${account}`;
    };
}

/** A whole number within bounds, written as Pulumi stores it (a string). */
export function wholeNumber(min: number, max: number): Rule {
    return (v) => (/^\d+$/.test(v) && Number(v) >= min && Number(v) <= max ? undefined : `must be a whole number from ${min} to ${max}`);
}

/** A Glue/Athena database or table name. */
export const athenaName: Rule = (v) => (/^[a-z0-9_]{1,200}$/.test(v) ? undefined : "may hold only lowercase letters, digits and underscores (Athena names)");

/** A profile name of the AWS shared config files. */
export const awsProfile: Rule = (v) => (/^[\w.+@-]{1,64}$/.test(v) ? undefined : "must be an AWS profile name (letters, digits and . _ + @ -)");

/** An ARN of the partition a stack's region belongs to: IAM in one partition knows no role of another. */
export function arnInPartition(partition: string, region: string): Rule {
    return (v) => {
        const actual = v.split(":")[1];
        return actual === partition
            ? undefined
            : `is in the ${actual} partition, but this stack's region ${region} is in ${partition}, whose IAM knows no such role`;
    };
}

/** A role ARN that is not a service-linked role: IAM refuses inline policies on those. */
export const notServiceLinkedRole: Rule = (v) =>
    /:role\/aws-service-role\//.test(v)
        ? "is a service-linked role (path /aws-service-role/): IAM refuses inline policies on service-linked roles, so its grant could never be attached"
        : undefined;

/** AWS's limits on tags (the same for S3, IAM, EC2, KMS, Glue and Athena resources). */
export const TAG_LIMITS = { perResource: 50, key: 128, value: 256 } as const;

/** Letters, digits and spaces in any script, and _ . : / = + - @ : the characters every AWS service takes in tags. */
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/** A tag key AWS accepts; the message follows "has a key that …". */
export const tagKey: Rule = (v) => {
    if (v.toLowerCase().startsWith("aws:")) {
        return 'begins with "aws:", a prefix AWS reserves for its own tags';
    }
    if ([...v].length < 1 || [...v].length > TAG_LIMITS.key) {
        return `is ${[...v].length} characters long; AWS takes 1 to ${TAG_LIMITS.key}`;
    }
    return TAG_TEXT.test(v) ? undefined : "holds characters outside AWS's tag character set (letters, digits, spaces and _ . : / = + - @)";
};

/** A tag value AWS accepts. */
export const tagValue: Rule = (v) => {
    if ([...v].length > TAG_LIMITS.value) {
        return `is ${[...v].length} characters long; AWS takes at most ${TAG_LIMITS.value}`;
    }
    return TAG_TEXT.test(v) ? undefined : "holds characters outside AWS's tag character set (letters, digits, spaces and _ . : / = + - @)";
};

/** The AWS partition a region belongs to, which every ARN built for it must use. */
export function partitionOf(regionCode: string): string {
    if (regionCode.startsWith("cn-")) {
        return "aws-cn";
    }
    if (regionCode.startsWith("us-gov-")) {
        return "aws-us-gov";
    }
    return "aws";
}
