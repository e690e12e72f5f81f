/**
 * AWS-owned buckets that instances reach through the S3 gateway endpoint, by feature, as named
 * presets for a restricted endpoint policy's `extraBuckets` (`preset:ssm`, …). `<region>` is the
 * endpoint's region. Sources: the SSM User Guide ("SSM Agent communications with AWS managed S3
 * buckets") and AWS's data-perimeter S3 endpoint policy example.
 */
export const AWS_OWNED_BUCKETS = {
    /** SSM Agent: updates, Run Command and State Manager documents, Distributor, patch baselines. */
    ssm: [
        "aws-ssm-<region>",
        "aws-windows-downloads-<region>",
        "amazon-ssm-<region>",
        "amazon-ssm-packages-<region>",
        "<region>-birdwatcher-prod",
        "aws-ssm-distributor-file-<region>",
        "aws-ssm-document-attachments-<region>",
        "patch-baseline-snapshot-<region>",
        "aws-patchmanager-macos-<region>",
    ],
    /** Amazon Linux 2 and 2023 package repositories (yum/dnf). */
    "amazon-linux": [
        "amazonlinux-2-repos-<region>",
        "al2023-repos-<region>-de612dc2",
        "amazonlinux.<region>.amazonaws.com",
        "packages.<region>.amazonaws.com",
        "repo.<region>.amazonaws.com",
    ],
    /** ECR image layers (pulls through the gateway endpoint). */
    ecr: ["prod-<region>-starport-layer-bucket"],
} as const satisfies Record<string, readonly string[]>;

export type AwsBucketPreset = keyof typeof AWS_OWNED_BUCKETS;

export const PRESET_PREFIX = "preset:";

export const AWS_BUCKET_PRESETS = Object.keys(AWS_OWNED_BUCKETS) as AwsBucketPreset[];

/**
 * The bucket names of a list that may hold presets (`preset:ssm`), presets expanded for `region`,
 * without duplicates. An unknown preset expands to nothing: the config check reports it.
 */
export function expandBucketPresets(entries: readonly string[], region: string): string[] {
    const names = entries.flatMap((entry) => {
        if (!entry.startsWith(PRESET_PREFIX)) {
            return [entry];
        }
        const preset: readonly string[] = AWS_OWNED_BUCKETS[entry.slice(PRESET_PREFIX.length) as AwsBucketPreset] ?? [];
        return preset.map((name) => name.replace("<region>", region));
    });
    return [...new Set(names)];
}
