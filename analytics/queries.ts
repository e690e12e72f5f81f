import { roleArnName, roleArnAccount } from "../domain/rules";
import { PARTITION_COLUMN } from "./access-log-table";

/**
 * The address ranges a VPC uses: RFC 1918, the shared 100.64.0.0/10 that VPCs may use, and IPv6
 * unique local addresses. A request through the gateway endpoint carries the instance's address.
 */
export const PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7"] as const;

/**
 * Whether `column` holds a private address, with Athena's own IP functions (engine v3). TRY_CAST
 * turns a malformed address into NULL, which no range contains.
 */
export function privateAddress(column: string): string {
    return `(${PRIVATE_RANGES.map((range) => `contains('${range}', TRY_CAST(${column} AS IPADDRESS))`).join(" OR ")})`;
}

export interface SavedQuery {
    readonly key: string;
    readonly name: string;
    readonly description: string;
    readonly query: string;
}

export interface QueryInput {
    readonly database: string;
    readonly table: string;
    /** The owner account: its principals are not consumers. */
    readonly ownerAccountId: string;
    /** The ARN partition of the bucket's region (`aws`, `aws-cn`, `aws-us-gov`): requesters' ARNs use it. */
    readonly partition: string;
    /** Granted consumer roles; their sessions appear as `arn:<partition>:sts::<account>:assumed-role/<name>/<session>`. */
    readonly consumerRoleArns: readonly string[];
    /** How many days back the queries look. @default 7 */
    readonly days?: number;
}

const quote = (s: string) => s.replace(/'/g, "''");

/** The saved queries that prove (or disprove) that consumers reach the bucket only privately. */
export function accessLogQueries(input: QueryInput): SavedQuery[] {
    const from = `"${input.database}"."${input.table}"`;
    const recent = `${PARTITION_COLUMN} >= date_format(current_date - interval '${input.days ?? 7}' day, '%Y/%m/%d')`;
    const network = `CASE WHEN ${privateAddress("remoteip")} THEN 'private' ELSE 'public' END`;
    const consumers =
        input.consumerRoleArns.length > 0
            ? `(${input.consumerRoleArns
                  .map((arn) => `requester LIKE '${quote(`arn:${input.partition}:sts::${roleArnAccount(arn)}:assumed-role/${roleArnName(arn)}/`)}%'`)
                  .join("\n       OR ")})`
            : `requester NOT LIKE '${quote(`arn:${input.partition}:%::${input.ownerAccountId}:%`)}'`;
    return [
        {
            key: "requestsByNetwork",
            name: "Shared bucket: requests by remote IP, private or public",
            description: "Every request to the shared bucket by remote IP. Through the gateway endpoint, consumers appear with private addresses.",
            query: `SELECT ${network} AS network, remoteip, requester, count(*) AS requests
FROM ${from}
WHERE ${recent}
GROUP BY 1, 2, 3
ORDER BY requests DESC`,
        },
        {
            key: "consumerRequestsNotPrivate",
            name: "Shared bucket: consumer requests from a non-private address",
            description:
                "Requests by the consumer roles that did not come from a private address, i.e. not through a VPC endpoint. A healthy result is empty, or only 403s.",
            query: `SELECT requestdatetime, remoteip, requester, operation, key, httpstatus, errorcode
FROM ${from}
WHERE ${recent}
  AND ${consumers}
  AND NOT coalesce(${privateAddress("remoteip")}, false)
ORDER BY requestdatetime DESC`,
        },
        {
            key: "deniedByRequester",
            name: "Shared bucket: 403 responses by requester",
            description: "Refused requests, by requester and address: the endpoint lock at work, or a consumer on the wrong path.",
            query: `SELECT requester, remoteip, operation, errorcode, count(*) AS requests
FROM ${from}
WHERE ${recent}
  AND httpstatus = '403'
GROUP BY 1, 2, 3, 4
ORDER BY requests DESC`,
        },
    ];
}
