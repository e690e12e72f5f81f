import { AccountApi } from "./aws";
import { OwnerStack } from "./expected";
import { CheckRow, chooseAnalyzer, judgeExternalAccess, RoleEndpoints } from "./judge";

/**
 * Check 4 of one owner's bucket: the findings of the analyzer named (else the one the owner exports,
 * else the account's active one) against the roles its policy grants and its organization grants.
 */
export async function externalAccessRows(
    api: AccountApi,
    owner: OwnerStack,
    roles: ReadonlyMap<string, RoleEndpoints>,
    analyzerName: string | undefined,
): Promise<CheckRow[]> {
    const named = analyzerName ?? (typeof owner.outputs.accessAnalyzerName === "string" ? owner.outputs.accessAnalyzerName : undefined);
    const analyzer = chooseAnalyzer(await api.externalAccessAnalyzers(), named);
    return analyzer?.arn === undefined
        ? [
              {
                  stack: owner.stack,
                  check: "external access",
                  result: "info",
                  detail: `no active ${named ? `analyzer named ${named}` : "ACCOUNT or ORGANIZATION analyzer"} in the owner's account and region: set accessAnalyzer: true on the owner, or see docs/operations.md`,
              },
          ]
        : judgeExternalAccess(
              owner.stack,
              await api.externalAccess(analyzer.arn, String(owner.outputs.bucketArn)),
              roles,
              analyzer.type === "ORGANIZATION" ? "ORGANIZATION" : "ACCOUNT",
              { grants: owner.settings.organizationGrants, partition: owner.settings.partition },
          );
}
