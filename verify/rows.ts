/** What verify reports, shared by the judgements (judge.ts and the ones beside it). */

/** One line of the verify report. `warn` and `info` do not fail the run. */
export interface CheckRow {
    readonly stack: string;
    readonly check: string;
    readonly result: "pass" | "fail" | "warn" | "info";
    readonly detail: string;
}

/** One external-access finding on the shared bucket, as GetFindingV2 details it. */
export interface ExternalAccess {
    readonly id: string;
    readonly principal?: Readonly<Record<string, string>>;
    readonly condition?: Readonly<Record<string, string>>;
    readonly isPublic?: boolean;
}
