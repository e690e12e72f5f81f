/**
 * What a generated role may do that comes close to the data without reading it, said in words next
 * to the policy, so a reviewer does not have to recognise it in the JSON.
 */
import { PolicyDocument } from "../policies/document";

const NOTES: readonly { readonly action: string; readonly note: (resources: string) => string }[] = [
    { action: "s3:ListBucket", note: (r) => `s3:ListBucket on ${r}: lists object keys (names, not contents); HeadBucket and Athena need it` },
    { action: "s3:GetBucketPolicy", note: (r) => `s3:GetBucketPolicy on ${r}: reads who may access the data, not the data` },
    { action: "kms:GetKeyPolicy", note: (r) => `kms:GetKeyPolicy on ${r}: reads who may use the key; decrypts nothing` },
    { action: "s3:GetObject", note: (r) => `s3:GetObject on ${r}: access log records and Athena results of the log bucket, never the shared bucket's objects` },
    {
        action: "ssm:SendCommand",
        note: (r) => `ssm:SendCommand on ${r}: runs a script as the instance's role (the workload role, which reads the data); trust this role from main only`,
    },
];

/** One line per close-to-data action the policy grants, with the resources it is granted on. */
export function closeToData(doc: PolicyDocument): string[] {
    return NOTES.flatMap(({ action, note }) => {
        const resources = doc.Statement.filter((s) => [s.Action].flat().includes(action)).flatMap((s) => [s.Resource ?? []].flat());
        return resources.length === 0 ? [] : [note([...new Set(resources)].join(", "))];
    });
}
