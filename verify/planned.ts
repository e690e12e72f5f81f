/**
 * npm run verify -- --planned: a change checked before it is applied. Validation and the custom checks
 * run on the offline plan's documents; CheckNoNewAccess compares like with like: the bucket policy the
 * builders make from the live stacks' real outputs and the changed stack files, against the live one.
 */
import { PolicyDocument, Statement } from "../policies/document";
import { ApiFor, MissingCredentials, policyChecks, step } from "./run";
import { bucketPolicyOf, ConsumerStack, expectedDocuments, expectedGrants, OwnerStack, PolicyToCheck } from "./expected";
import { canonical, CheckRow, judgeCustomCheck } from "./judge";

const CHECK = "CheckNoNewAccess bucket policy";

/** The live side of the comparison: the deployed stacks' outputs under the changed settings, or why they could not be read. */
export type LiveStacks = { readonly owners: readonly OwnerStack[]; readonly consumers: readonly ConsumerStack[] } | { readonly unreadable: string };

/** What the change would write to one owner's live bucket, built from real outputs, and the consumers it adds that have not deployed yet. */
export function plannedFromLive(
    owner: OwnerStack,
    consumers: readonly ConsumerStack[],
): {
    readonly bucketPolicy: PolicyDocument;
    readonly notDeployed: readonly string[];
} {
    const granted = new Set(expectedGrants(owner, consumers).map((g) => g.roleArn));
    const roleOf = (stack: string) => consumers.find((c) => stack === c.stack || stack.endsWith(`/${c.stack}`))?.outputs.roleArn;
    const notDeployed = owner.settings.consumers
        .filter((entry) => {
            const role = roleOf(entry.stack);
            return typeof role !== "string" || !granted.has(role);
        })
        .map((entry) => `${entry.stack.split("/").pop()} (account ${entry.accountId}, ${entry.access}${entry.prefix ? ` under ${entry.prefix}` : ""})`);
    return { bucketPolicy: bucketPolicyOf(expectedDocuments([owner], consumers), owner.stack)!, notDeployed };
}

const ADOPTED = "adopted bucket policy";

/**
 * The live policy's own statements (those the stack does not generate) against the adopted file: a
 * difference is a warning, so the user adopts what is really there before the merged policy replaces it.
 */
export function judgeAdoptedPolicy(
    stack: string,
    file: string,
    adopted: readonly Statement[],
    generatedSids: ReadonlySet<string>,
    live: PolicyDocument | undefined,
): CheckRow {
    const key = (s: Statement, i: number) => s.Sid ?? `statement ${i + 1} without a Sid`;
    const want = new Map(adopted.map((s, i) => [key(s, i), JSON.stringify(canonical(s))]));
    const own = (live?.Statement ?? []).filter((s) => s.Sid === undefined || !generatedSids.has(s.Sid));
    const have = new Map(own.map((s, i) => [key(s, i), JSON.stringify(canonical(s))]));
    const differences = [
        [...want.keys()].filter((k) => !have.has(k)).map((k) => `${k} is in the file, not in the live policy`),
        [...have.keys()].filter((k) => !want.has(k)).map((k) => `${k} is in the live policy, not in the file`),
        [...want.keys()].filter((k) => have.has(k) && have.get(k) !== want.get(k)).map((k) => `${k} differs`),
    ].flat();
    return differences.length === 0
        ? { stack, check: ADOPTED, result: "pass", detail: `the live policy's own statements equal ${file} (${adopted.length})` }
        : {
              stack,
              check: ADOPTED,
              result: "warn",
              detail: `the live policy differs from ${file}: ${differences.join("; ")}. Save it again (aws s3api get-bucket-policy) and plan again`,
          };
}

/** A new-access answer is a failure: a reviewer must see it, and approve it by merging knowingly. */
function newAccess(row: CheckRow): CheckRow {
    return row.result === "fail" ? { ...row, detail: `grants new access: ${row.detail}` } : { ...row, detail: `grants no new access (${row.detail})` };
}

export async function verifyPlanned(
    docs: readonly PolicyToCheck[],
    apiFor: ApiFor,
    credentials: (stack: string) => MissingCredentials,
    live: LiveStacks,
): Promise<CheckRow[]> {
    const rows: CheckRow[] = [];
    await policyChecks(rows, docs, apiFor, credentials);
    if ("unreadable" in live) {
        rows.push({ stack: "-", check: CHECK, result: "info", detail: `skipped: the live stacks' outputs cannot be read here (${live.unreadable})` });
        return rows;
    }
    for (const owner of live.owners) {
        await adoptedPolicyCheck(rows, owner, live.consumers, apiFor, credentials);
        await ownerNoNewAccess(rows, owner, live.consumers, apiFor, credentials);
    }
    return rows;
}

/** An owner's adopted policy file against its bucket's live policy (judgeAdoptedPolicy); nothing when it adopts no policy. */
async function adoptedPolicyCheck(
    rows: CheckRow[],
    owner: OwnerStack,
    consumers: readonly ConsumerStack[],
    apiFor: ApiFor,
    credentials: (stack: string) => MissingCredentials,
): Promise<void> {
    const adopted = owner.settings.existingBucket;
    if (adopted?.policy === undefined || adopted.policyFile === undefined) {
        return;
    }
    const own = new Set(adopted.policy.statements.map((s) => s.Sid));
    const generated = new Set(
        plannedFromLive(owner, consumers)
            .bucketPolicy.Statement.map((s) => s.Sid)
            .filter((sid): sid is string => sid !== undefined && !own.has(sid)),
    );
    const { policyFile, policy } = adopted;
    await step(
        rows,
        owner.stack,
        ADOPTED,
        async () => [judgeAdoptedPolicy(owner.stack, policyFile, policy.statements, generated, await apiFor(owner.stack).bucketPolicy(adopted.name))],
        () => credentials(owner.stack),
    );
}

/** CheckNoNewAccess of one owner's bucket policy: built from the live outputs and the changed stack files, against the live one. */
async function ownerNoNewAccess(
    rows: CheckRow[],
    owner: OwnerStack,
    consumers: readonly ConsumerStack[],
    apiFor: ApiFor,
    credentials: (stack: string) => MissingCredentials,
): Promise<void> {
    if (typeof owner.outputs.bucketName !== "string") {
        rows.push({
            stack: owner.stack,
            check: CHECK,
            result: "info",
            detail: "skipped: the owner stack is not deployed, so there is no live policy to compare with",
        });
        return;
    }
    const planned = plannedFromLive(owner, consumers);
    for (const consumer of planned.notDeployed) {
        rows.push({ stack: owner.stack, check: CHECK, result: "fail", detail: `grants new access: consumer ${consumer} is added (not deployed yet)` });
    }
    const bucket = owner.outputs.bucketName;
    await step(
        rows,
        owner.stack,
        CHECK,
        async () => {
            const current = await apiFor(owner.stack).bucketPolicy(bucket);
            return current === undefined
                ? [{ stack: owner.stack, check: CHECK, result: "info", detail: "the live bucket has no policy yet: everything is new" }]
                : [newAccess(judgeCustomCheck(owner.stack, CHECK, await apiFor(owner.stack).checkNoNewAccess(planned.bucketPolicy, current)))];
        },
        () => credentials(owner.stack),
    );
}
