/**
 * The path checks and the outside 403 test of one consumer: the calls (aws-path.ts) in order, the
 * judgement (path.ts) on what they return.
 */
import { PolicyDocument } from "../policies/document";
import { VERIFY_SESSION_NAME } from "../policies/role-policy";
import { profileVariable } from "../rollout/automation";
import { AccountApi, accountProfileVariable } from "./aws";
import { ConsumerStack, GrantedBucket } from "./expected";
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

/**
 * The path of a consumer in a shared VPC, from the VPC owner's side: the endpoint, its route tables
 * and its VPC are that account's, and a participant cannot describe them. With that account's
 * credentials (`vpcOwner`) the endpoint, the interface endpoints and the private route tables of its
 * VPC are checked as for an endpoint of the consumer's own; without them, a row says what was not.
 */
export async function sharedEndpointChecks(vpcOwner: AccountApi | undefined, consumer: ConsumerStack, ownerAccountId: string): Promise<CheckRow[]> {
    const stack = consumer.stack;
    const endpointId = String(consumer.outputs.vpceId);
    const check = "shared VPC endpoint";
    if (vpcOwner === undefined) {
        return [
            {
                stack,
                check,
                result: "info",
                detail:
                    `not checked: ${endpointId} belongs to account ${ownerAccountId} (endpointOwnerAccountId), whose endpoints ${stack}'s credentials cannot describe; ` +
                    `unchecked are that it exists in ${consumer.settings.region}, the private route tables of its VPC that miss it, and S3 interface endpoints there. ` +
                    `Set ${accountProfileVariable(ownerAccountId)}=<a profile of account ${ownerAccountId}> to check them from the VPC owner's side`,
            },
        ];
    }
    const live = await vpcOwner.endpoint(endpointId);
    if (live === undefined || live.vpcId === undefined) {
        return [
            {
                stack,
                check,
                result: "fail",
                detail: `account ${ownerAccountId} has no endpoint ${endpointId} in ${consumer.settings.region}: correct existingEndpointId or endpointOwnerAccountId in Pulumi.${stack}.yaml`,
            },
        ];
    }
    const region = consumer.settings.region;
    if (live.type !== "Gateway" || !live.serviceName?.endsWith(`.${region}.s3`)) {
        return [
            {
                stack,
                check,
                result: "fail",
                detail: `${endpointId} is an endpoint of type ${live.type ?? "?"} for ${live.serviceName ?? "?"}, not an S3 gateway endpoint in ${region}: correct existingEndpointId in Pulumi.${stack}.yaml`,
            },
        ];
    }
    return [
        {
            stack,
            check,
            result: "pass",
            detail: `${endpointId} in ${live.vpcId}, on ${live.routeTableIds.join(", ") || "no route table"}, as account ${ownerAccountId} describes it`,
        },
        judgeInterfaceEndpoints(stack, consumer.settings.region, await vpcOwner.path.endpointsOfVpc(live.vpcId)),
        judgePrivateRouteTables(stack, endpointId, live.routeTableIds, await vpcOwner.path.routeTablesOfVpc(live.vpcId)),
    ];
}

/** The scenario's method 1, when the consumer names a tester: the workload role from here must get 403 from the owner's lock. */
export async function outsideTest(api: AccountApi, bucket: GrantedBucket, consumer: ConsumerStack, bucketPolicy: PolicyDocument): Promise<CheckRow[]> {
    const stack = consumer.stack;
    const check = `403 from outside${bucket.suffix}`;
    const roleArn = consumer.outputs.roleArn;
    if (consumer.settings.verifyTester === undefined || typeof roleArn !== "string") {
        const why =
            consumer.settings.verifyTester === undefined
                ? "set verifyTester on this consumer (a role its credentials use) to prove the refusal from outside the endpoint"
                : "the consumer stack exports no role yet (deploy it)";
        return [{ stack, check, result: "info", detail: `not run: ${why}` }];
    }
    let answers;
    try {
        answers = await api.path.requestsFromOutside(roleArn, VERIFY_SESSION_NAME, bucket.bucketName, bucket.grant.prefix, probeKey(bucket.grant.prefix));
    } catch (error) {
        if ((error as { name?: string }).name !== "AccessDenied") {
            throw error;
        }
        return [
            {
                stack,
                check,
                result: "fail",
                detail:
                    `the credentials of ${stack} cannot assume ${roleArn}: run verify as ${consumer.settings.verifyTester} (${profileVariable(stack)}), ` +
                    `or set verifyTester to the role those credentials use and run pulumi up -s ${stack}`,
            },
        ];
    }
    const lock = bucketPolicy.Statement.map((st) => st.Sid).filter((sid): sid is string => isLockStatement(sid));
    return judgeOutside(stack, answers, lock).map((r) => ({ ...r, check: `${r.check}${bucket.suffix}` }));
}
