import { existsSync, readdirSync, readFileSync, statSync } from "fs";
import { join } from "path";
import { parse, YAMLError } from "yaml";
import { IssueList } from "../domain/issues";
import { shortenedAccountId } from "../domain/rules";
import { ORGANIZATION, PROJECT, resolveStackRole, StackIdentity, StackRole } from "../domain/stack-identity";
import { ACCOUNT_KEYS } from "./account";
import { CONSUMER_KEYS, ConsumerSettings, parseConsumerSettings } from "./consumer";
import { OWNER_KEYS, OwnerSettings, parseOwnerSettings } from "./owner";
import { configOutside, namespaceConfig, storedConfig } from "./reader";

/** One stack's settings file, `Pulumi.<stack>.yaml`. */
export interface StackFile {
    readonly stack: string;
    readonly role: StackRole;
    /** Config with full keys, values as YAML gave them (objects stay objects). */
    readonly config: Readonly<Record<string, unknown>>;
}

/** The stacks that have a `Pulumi.<stack>.yaml` in the folder, owners first, then by name. */
export function discoverStacks(dir: string): string[] {
    return readdirSync(dir)
        .map((f) => /^Pulumi\.(.+)\.ya?ml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** The stacks of the folder a user named, or a message that says what is wrong with that folder. */
export function stacksInFolder(dir: string): string[] {
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
        throw new Error(`${dir} is not a folder: name the folder that holds your Pulumi.<stack>.yaml files`);
    }
    const stacks = discoverStacks(dir);
    if (stacks.length === 0) {
        throw new Error(
            `${dir} holds no stack files (Pulumi.<stack>.yaml): name the folder that holds them, or create Pulumi.owner.yaml and Pulumi.consumer.yaml there (docs/config.md)`,
        );
    }
    return stacks;
}

const rank = (stack: string) => (stack.startsWith("owner") ? 0 : 1);

/** Stack files parsed, by their text: a plan, a check and a verify each read every file more than once. */
const parsedTexts = new Map<string, unknown>();

/** The YAML document in `text`, a copy of its own; a text that fails to parse throws every time. */
function parsedYaml(text: string): unknown {
    if (!parsedTexts.has(text)) {
        parsedTexts.set(text, parse(text));
    }
    return structuredClone(parsedTexts.get(text));
}

export function readStackFile(dir: string, stack: string): StackFile {
    const path = [join(dir, `Pulumi.${stack}.yaml`), join(dir, `Pulumi.${stack}.yml`)].find(existsSync);
    if (path === undefined) {
        throw new Error(`No Pulumi.${stack}.yaml in ${dir}, but the stack ${stack} was asked for (--stacks): create the file, or leave ${stack} out`);
    }
    let document: Record<string, unknown> & { config?: Record<string, unknown> };
    try {
        document = (parsedYaml(readFileSync(path, "utf8")) ?? {}) as typeof document;
    } catch (error) {
        const at = error instanceof YAMLError && error.linePos ? `:${error.linePos[0].line}:${error.linePos[0].col}` : "";
        const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
        throw new Error(`${path}${at}: not valid YAML: ${reason}`);
    }
    refuseSettingsOutsideConfig(document, stack);
    const config = document.config ?? {};
    const secret = Object.entries(config).find(([, v]) => typeof v === "object" && v !== null && "secure" in v);
    if (secret) {
        throw new Error(`${path}: ${secret[0]} is a secret; the offline plan cannot decrypt secrets`);
    }
    const role = config[`${PROJECT}:role`];
    return { stack, role: resolveStackRole(typeof role === "string" ? role : undefined, stack, PROJECT), config };
}

/** The top-level keys of a stack file besides `config:` that Pulumi itself reads. */
const PULUMI_STACK_FILE_KEYS = ["secretsprovider", "encryptedkey", "encryptionsalt", "environment"];

/**
 * A setting written beside `config:` instead of under it: Pulumi never hands it to the program, so
 * the stack would deploy without it (a region, a consumer list) and no message would say why. And an
 * account id YAML read as a number that lost its leading 0.
 */
function refuseSettingsOutsideConfig(document: Record<string, unknown>, stack: string): void {
    const names = new Set<string>([...ACCOUNT_KEYS, ...OWNER_KEYS, ...CONSUMER_KEYS]);
    const file = `Pulumi.${stack}.yaml`;
    const issues = new IssueList();
    for (const [key, value] of Object.entries(document)) {
        const setting = key.startsWith(`${PROJECT}:`) || (key.includes(":") && !key.startsWith("pulumi:")) || names.has(key);
        const fullKey = key.includes(":") ? key : `${PROJECT}:${key}`;
        const scalar = typeof value === "string" || typeof value === "number" || typeof value === "boolean";
        const set = scalar ? `pulumi config set ${fullKey} ${shellWord(String(value))} -s ${stack}` : `write it as YAML under config: as ${fullKey}`;
        issues.check(
            key,
            value,
            key !== "config" &&
                !PULUMI_STACK_FILE_KEYS.includes(key) &&
                setting &&
                "is written outside config:, so Pulumi never passes it to the program and the stack would deploy without it",
            `move it under config: in ${file}${key.includes(":") ? "" : ` as ${fullKey}`}: delete the line from ${file}, then ${set}`,
        );
    }
    const config = (document.config ?? {}) as Record<string, unknown>;
    for (const [key, value] of Object.entries(config)) {
        const shortened = /^[^:]+:(?:accountId|endpointOwnerAccountId)$/.test(key) ? shortenedAccountId(value) : undefined;
        issues.check(key, String(value), shortened?.rule, `pulumi config set ${key} ${shortened?.fixed ?? ""} -s ${stack}`);
    }
    issues.throwIfAny(`Invalid stack file for stack "${stack}" (${file})`);
}

/** A value as one word of a shell command line: quoted when it holds anything besides safe characters. */
const shellWord = (value: string) => (/^[\w./:@=+-]+$/.test(value) ? value : `'${value.replace(/'/g, "'\\''")}'`);

/** The project's stack files: its owners (at least one; a consumer may read several), and its consumers. */
export function readProjectFiles(dir: string): { owners: StackFile[]; consumers: StackFile[] } {
    const files = stacksInFolder(dir).map((s) => readStackFile(dir, s));
    const owners = files.filter((f) => f.role === "owner");
    if (owners.length === 0) {
        throw new Error(`The project needs at least one owner stack file (Pulumi.owner.yaml, or cross-account-s3:role: owner); found none in ${dir}`);
    }
    return { owners, consumers: files.filter((f) => f.role === "consumer") };
}

/** A stack file's settings, parsed as the program parses them (a ConfigError when they are invalid). */
function settingsOf<T>(file: StackFile, parser: (raw: Record<string, string>, id: StackIdentity, elsewhere: Record<string, unknown>) => T): T {
    const stored = storedConfig(file.config);
    return parser(namespaceConfig(stored, PROJECT), { project: PROJECT, organization: ORGANIZATION, stack: file.stack }, configOutside(stored, PROJECT));
}

export const ownerSettingsOf = (file: StackFile): OwnerSettings => settingsOf(file, parseOwnerSettings);
export const consumerSettingsOf = (file: StackFile): ConsumerSettings => settingsOf(file, parseConsumerSettings);

/**
 * Every stack file's own settings, each parsed as its program parses them: the message of each file
 * that is invalid (all of them, not only the first), or none.
 */
export function stackFileProblems(dir: string, stacks: readonly string[] = stacksInFolder(dir)): string[] {
    const problems: string[] = [];
    for (const stack of stacks) {
        try {
            const file = readStackFile(dir, stack);
            if (file.role === "owner") {
                ownerSettingsOf(file);
            } else {
                consumerSettingsOf(file);
            }
        } catch (error) {
            problems.push(error instanceof Error ? error.message : String(error));
        }
    }
    return problems;
}
