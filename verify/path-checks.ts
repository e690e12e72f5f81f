/**
 * The path checks and the outside 403 test of one consumer: the calls (aws-path.ts) in order, the
 * judgement (path.ts) on what they return.
 */
import { PolicyDocument } from "../policies/document";
import { VERIFY_SESSION_NAME } from "../policies/role-policy";
import { profileVariable } from "../rollout/automation";
import { AccountApi } from "./aws";
import { ConsumerStack, OwnerStack } from "./expected";
import { CheckRow } from "./judge";
import { isLockStatement, judgeInterfaceEndpoints, judgeOutside, judgePrivateRouteTables } from "./path";

/** The key the outside test asks for (the probe's object, under the consumer's prefix). */
export const probeKey = (prefix: string | undefined) => `${prefix ?? ""}cross-account-s3-verify-probe.txt`;

/** The endpoint's route tables as configured, then what in its VPC takes traffic away from it or misses it. */
export async function pathChecks(api: AccountApi, consumer: ConsumerStack): Promise<CheckRow[]> {
    const stack = consumer.stack;
    const endpointId = String(consumer.outputs.vpceId);
    const live = await api.endpoint(endpointId);
    const want = [...consumer.settings.routeTableIds].sort();
    const missing = want.filter((id) => !(live?.routeTableIds ?? []).includes(id));
    const rows: CheckRow[] = [
        {
            stack,
            check: "live endpoint route tables",
            result: missing.length === 0 ? "pass" : "fail",
            detail:
                missing.length === 0
                    ? `on ${want.join(", ") || "the adopted endpoint's own route tables"}`
                    : `not on ${missing.join(", ")}: run pulumi up -s ${stack}`,
        },
    ];
    const vpcId = consumer.settings.vpcId ?? live?.vpcId;
    if (vpcId === undefined) {
        return rows;
    }
    rows.push(judgeInterfaceEndpoints(stack, consumer.settings.region, await api.path.endpointsOfVpc(vpcId)));
    if (consumer.settings.existingEndpointId === undefined || consumer.settings.routeTableIds.length > 0) {
        // A shared VPC's route tables are the VPC owner's to place, and a participant may not read them all.
        rows.push(judgePrivateRouteTables(stack, endpointId, live?.routeTableIds ?? [], await api.path.routeTablesOfVpc(vpcId)));
    }
    return rows;
}

/** The scenario's method 1, when the consumer names a tester: the workload role from here must get 403 from the lock. */
export async function outsideTest(api: AccountApi, owner: OwnerStack, consumer: ConsumerStack, bucketPolicy: PolicyDocument): Promise<CheckRow[]> {
    const stack = consumer.stack;
    const roleArn = consumer.outputs.roleArn;
    if (consumer.settings.verifyTester === undefined || typeof roleArn !== "string") {
        const why =
            consumer.settings.verifyTester === undefined
                ? "set verifyTester on this consumer (a role its credentials use) to prove the refusal from outside the endpoint"
                : "the consumer stack exports no role yet (deploy it)";
        return [{ stack, check: "403 from outside", result: "info", detail: `not run: ${why}` }];
    }
    let answers;
    try {
        answers = await api.path.requestsFromOutside(
            roleArn,
            VERIFY_SESSION_NAME,
            String(owner.outputs.bucketName),
            consumer.settings.prefix,
            probeKey(consumer.settings.prefix),
        );
    } catch (error) {
        if ((error as { name?: string }).name !== "AccessDenied") {
            throw error;
        }
        return [
            {
                stack,
                check: "403 from outside",
                result: "fail",
                detail:
                    `the credentials of ${stack} cannot assume ${roleArn}: run verify as ${consumer.settings.verifyTester} (${profileVariable(stack)}), ` +
                    `or set verifyTester to the role those credentials use and run pulumi up -s ${stack}`,
            },
        ];
    }
    const lock = bucketPolicy.Statement.map((st) => st.Sid).filter((sid): sid is string => isLockStatement(sid));
    return judgeOutside(stack, answers, lock);
}
