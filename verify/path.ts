/**
 * Judgements on the request path, pure: what in a consumer VPC takes S3 traffic away from the gateway
 * endpoint or blocks it, and what the requests sent from outside the endpoint were answered.
 */
import { CheckRow } from "./judge";

/** A VPC endpoint as DescribeVpcEndpoints describes it. */
export interface VpcEndpointSummary {
    readonly id: string;
    readonly type: string;
    readonly serviceName: string;
    readonly state: string;
    readonly privateDns: boolean;
    readonly privateDnsOnlyForInboundResolver: boolean;
    readonly routeTableIds: readonly string[];
}

/** A route table as DescribeRouteTables describes it. */
export interface RouteTableSummary {
    readonly id: string;
    readonly main: boolean;
    readonly subnetIds: readonly string[];
    /** A route to an internet gateway: a public subnet's table. */
    readonly internetGateway: boolean;
}

/** One egress rule of a security group (DescribeSecurityGroupRules). */
export interface EgressRule {
    readonly groupId: string;
    /** "-1" for every protocol. */
    readonly protocol: string;
    readonly fromPort: number;
    readonly toPort: number;
    readonly cidr?: string;
    readonly prefixListId?: string;
}

const LIVE = new Set(["available", "pending", "pendingacceptance"]);

/**
 * An S3 interface endpoint with private DNS in the VPC resolves S3's regional names to its own
 * addresses, so requests leave through it, carry its id as aws:SourceVpce, and the lock refuses them —
 * unless its private DNS is limited to inbound resolver endpoints.
 */
export function judgeInterfaceEndpoints(stack: string, region: string, endpoints: readonly VpcEndpointSummary[]): CheckRow {
    const check = "path: S3 interface endpoint";
    const diverting = endpoints.filter(
        (e) =>
            e.type.toLowerCase() === "interface" &&
            e.serviceName.endsWith(`.${region}.s3`) &&
            LIVE.has(e.state.toLowerCase()) &&
            e.privateDns &&
            !e.privateDnsOnlyForInboundResolver,
    );
    if (diverting.length === 0) {
        return { stack, check, result: "pass", detail: "no S3 interface endpoint with private DNS in the VPC takes traffic from the gateway endpoint" };
    }
    const ids = diverting.map((e) => e.id).join(", ");
    return {
        stack,
        check,
        result: "fail",
        detail:
            `${ids}: an S3 interface endpoint with private DNS takes the VPC's S3 traffic from the gateway endpoint, so requests carry ${diverting[0].id} ` +
            `and the lock refuses them (403). Fix: aws ec2 modify-vpc-endpoint --vpc-endpoint-id ${diverting[0].id} ` +
            "--dns-options PrivateDnsOnlyForInboundResolverEndpoint=true (or --no-private-dns-enabled)",
    };
}

/**
 * The VPC's private route tables (no route to an internet gateway) that have subnets, or are the main
 * table, and that the endpoint is not on: requests from those subnets reach S3 through a NAT gateway,
 * without aws:SourceVpce, and the lock refuses them. A warning: such subnets may run nothing that uses S3.
 */
export function judgePrivateRouteTables(
    stack: string,
    endpointId: string,
    endpointRouteTables: readonly string[],
    tables: readonly RouteTableSummary[],
): CheckRow {
    const check = "path: private route tables";
    const missing = tables.filter((t) => !t.internetGateway && (t.subnetIds.length > 0 || t.main) && !endpointRouteTables.includes(t.id));
    if (missing.length === 0) {
        return { stack, check, result: "pass", detail: `every private route table of the VPC carries ${endpointId}` };
    }
    const describe = (t: RouteTableSummary) => `${t.id} (${t.subnetIds.length > 0 ? t.subnetIds.join(", ") : "main table"})`;
    return {
        stack,
        check,
        result: "warn",
        detail:
            `${missing.map(describe).join("; ")} not on ${endpointId}: workloads there reach S3 without the endpoint and get 403. ` +
            `Fix: add ${missing.map((t) => t.id).join(", ")} to routeTableIds and run pulumi up -s ${stack}`,
    };
}

const coversHttps = (r: EgressRule) => r.protocol === "-1" || (r.protocol === "tcp" && r.fromPort <= 443 && r.toPort >= 443);

/** The probe instance's security groups must let HTTPS out to S3: to 0.0.0.0/0 or to the S3 prefix list. */
export function judgeEgress(stack: string, instanceId: string, groupIds: readonly string[], rules: readonly EgressRule[], s3PrefixListId?: string): CheckRow {
    const check = "path: security-group egress";
    const https = rules.filter(coversHttps);
    const open = https.find((r) => r.cidr === "0.0.0.0/0" || (s3PrefixListId !== undefined && r.prefixListId === s3PrefixListId));
    if (open !== undefined) {
        return { stack, check, result: "pass", detail: `${open.groupId} lets HTTPS out to ${open.prefixListId ?? open.cidr}` };
    }
    const fix = `Fix: add an egress rule for tcp 443 to ${s3PrefixListId ?? "the S3 prefix list (the consumer's prefixListId output)"} to ${groupIds[0] ?? "a group of the instance"}`;
    return https.length === 0
        ? {
              stack,
              check,
              result: "fail",
              detail: `no egress rule of ${instanceId}'s groups (${groupIds.join(", ")}) allows HTTPS: requests to S3 time out. ${fix}`,
          }
        : {
              stack,
              check,
              result: "warn",
              detail: `HTTPS goes out only to ${https.map((r) => r.prefixListId ?? r.cidr).join(", ")}, not to 0.0.0.0/0 or the S3 prefix list. ${fix}`,
          };
}

/** What S3 answered one request sent from outside the endpoint. */
export interface OutsideAnswer {
    readonly operation: string;
    /** The HTTP status; 200 when served. */
    readonly status: number;
    readonly code?: string;
    readonly message?: string;
}

/** The statements of the bucket policy's endpoint lock (their Sids), which refuse a consumer from outside its endpoints. */
export const isLockStatement = (sid: string | undefined) =>
    /^(DenyConsumersOutsideTheirEndpoints|DenyEndpointsOfOtherAccounts|Lock(Account|Role)\d+ToItsEndpoints)$/.test(sid ?? "");

/**
 * The scenario's method 1: the workload role, from outside its endpoint, must be refused — by the lock.
 * S3 says which kind of policy refused for requests within one account or organization ("with an
 * explicit deny in a resource-based policy", "because no identity-based policy allows …"); from
 * elsewhere it answers a plain "Access Denied", and the report says the statement cannot be named.
 */
export function judgeOutside(stack: string, answers: readonly OutsideAnswer[], lockStatements: readonly string[]): CheckRow[] {
    return answers.map((a): CheckRow => {
        const check = `403 from outside ${a.operation}`;
        if (a.status !== 403) {
            return a.status === 200 || a.code === "NoSuchKey"
                ? {
                      stack,
                      check,
                      result: "fail",
                      detail: `served from outside the endpoint (${a.code ?? a.status}): the lock does not hold for this role, or verify ran inside a VPC whose endpoint is granted`,
                  }
                : { stack, check, result: "fail", detail: `not a 403: ${a.code ?? ""} ${a.status} ${a.message ?? ""}`.trim() };
        }
        const message = a.message ?? "";
        const explicit = /with an explicit deny in an? ([\w -]+?) policy/i.exec(message)?.[1];
        const missing = /because no ([\w -]+?) policy allows/i.exec(message)?.[1];
        if (explicit?.toLowerCase() === "resource-based") {
            return {
                stack,
                check,
                result: "pass",
                detail: `refused by an explicit deny in the bucket policy: the endpoint lock (${lockStatements.join(", ")})`,
            };
        }
        if (explicit !== undefined) {
            return {
                stack,
                check,
                result: "warn",
                detail: `refused by an explicit deny in a ${explicit} policy, not by the bucket's lock: the lock is not what was proven`,
            };
        }
        if (missing !== undefined) {
            return {
                stack,
                check,
                result: "fail",
                detail:
                    `refused because no ${missing} policy allows it — a missing grant, not the lock: ` +
                    (missing.toLowerCase() === "resource-based"
                        ? "the owner's consumers entry (access, prefix) does not cover this request"
                        : "the role policy does not cover this request (the consumer's access and prefix)"),
            };
        }
        return {
            stack,
            check,
            result: "pass",
            detail: `refused (403 ${a.code ?? "AccessDenied"}); S3 names the refusing policy only within one account or organization, so the statement cannot be named from here`,
        };
    });
}
