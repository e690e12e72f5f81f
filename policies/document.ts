/** IAM policy documents as plain typed data, and what AWS allows of their size. */

export type Values = string | string[];

export interface Statement {
    readonly Sid?: string;
    readonly Effect: "Allow" | "Deny";
    readonly Principal?: "*" | { readonly AWS: Values } | { readonly Service: Values } | { readonly Federated: Values };
    readonly Action: Values;
    /** Absent only in role trust policies, where IAM refuses it ("Has prohibited field Resource"). */
    readonly Resource?: Values;
    readonly Condition?: Readonly<Record<string, Readonly<Record<string, Values>>>>;
}

export interface PolicyDocument {
    readonly Version: "2012-10-17";
    readonly Statement: readonly Statement[];
}

export function policy(statements: readonly Statement[]): PolicyDocument {
    return { Version: "2012-10-17", Statement: statements };
}

/** A Deny of `action` on `resources` for everyone matching `condition`. */
export function deny(sid: string, action: Values, resources: Values, condition: NonNullable<Statement["Condition"]>): Statement {
    return { Sid: sid, Effect: "Deny", Principal: "*", Action: action, Resource: resources, Condition: condition };
}

/** A Deny of every S3 action on `resources` for everyone matching `condition`. */
export function denyAllS3(sid: string, resources: Values, condition: NonNullable<Statement["Condition"]>): Statement {
    return deny(sid, "s3:*", resources, condition);
}

/** Refuses plain-HTTP requests to a bucket and its objects, for everyone. */
export function denyInsecureTransport(bucketArn: string): Statement {
    return denyAllS3("DenyInsecureTransport", [bucketArn, `${bucketArn}/*`], { Bool: { "aws:SecureTransport": "false" } });
}

/** A list of one is written as the bare value, as AWS itself does: fewer bytes, no churn. */
export function oneOrMany(values: readonly string[]): Values {
    return values.length === 1 ? values[0] : [...values];
}

/** Sorted and without duplicates, so the same inputs in another order give the same document. */
export function sortedUnique(values: Iterable<string>): string[] {
    return [...new Set(values)].sort();
}

/** The document as it is sent to AWS: no whitespace. */
export function compact(doc: PolicyDocument): string {
    return JSON.stringify(doc);
}

export function byteSize(doc: PolicyDocument): number {
    return Buffer.byteLength(compact(doc), "utf8");
}

/** Size limits of the documents this project writes. */
export const LIMITS = {
    /** S3 bucket policies: 20 KB (S3 User Guide, "Bucket policies"). */
    bucketPolicy: { bytes: 20 * 1024, what: "S3 bucket policy" },
    /** VPC endpoint policies: 20,480 characters (VPC quotas). */
    endpointPolicy: { bytes: 20_480, what: "VPC endpoint policy" },
    /** Inline policies of one IAM role, together: 10,240 characters (IAM quotas). */
    roleInlinePolicy: { bytes: 10_240, what: "IAM role inline policy" },
    /** KMS key policies: 32 KB (KMS quotas). */
    keyPolicy: { bytes: 32 * 1024, what: "KMS key policy" },
} as const;

export type Limit = (typeof LIMITS)[keyof typeof LIMITS];

/** How far over its limit a document is, or undefined when it fits. */
export function overLimit(doc: PolicyDocument, limit: Limit): { bytes: number; limit: number } | undefined {
    const bytes = byteSize(doc);
    return bytes > limit.bytes ? { bytes, limit: limit.bytes } : undefined;
}
