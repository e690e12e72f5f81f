import { PROBE_MARKER } from "./judge";

/**
 * The probe: the granted operations on a probe object under the consumer's prefix, with the
 * instance's own credentials (the workload role), through the endpoint on its route table.
 */
export function probeScript(bucket: string, prefix: string | undefined, access: "read" | "read-write", region: string): string[] {
    const key = `${prefix ?? ""}cross-account-s3-verify-probe.txt`;
    const run = (operation: string, command: string) => `${command} >/dev/null 2>&1; echo "${PROBE_MARKER} ${operation} $?"`;
    return [
        `export AWS_DEFAULT_REGION=${region}`,
        "echo cross-account-s3 verify probe > /tmp/cross-account-s3-verify-probe.txt",
        ...(access === "read-write"
            ? [run("put-object", `aws s3api put-object --bucket ${bucket} --key ${key} --body /tmp/cross-account-s3-verify-probe.txt`)]
            : []),
        run("list-objects", `aws s3api list-objects-v2 --bucket ${bucket} --max-items 1${prefix ? ` --prefix ${prefix}` : ""}`),
        ...(access === "read-write" ? [run("get-object", `aws s3api get-object --bucket ${bucket} --key ${key} /dev/null`)] : []),
    ];
}
