/** Wall-clock measurements of whole processes, for the benches: best of a few runs. */
import { spawnSync } from "child_process";
import { join } from "path";

export const ROOT = join(__dirname, "..");

/** The best wall time, in seconds, of running `args` with this Node `rounds` times; fails on a non-zero exit. */
export function bestOf(rounds: number, args: string[], cwd = ROOT): number {
    const times: number[] = [];
    for (let i = 0; i < rounds; i++) {
        const started = process.hrtime.bigint();
        const run = spawnSync(process.execPath, args, { cwd, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
        times.push(Number(process.hrtime.bigint() - started) / 1e9);
        if (run.status !== 0) {
            throw new Error(`${args.join(" ")} exited ${run.status}:\n${run.stderr}`);
        }
    }
    return Math.min(...times);
}

/** Node loading @pulumi/pulumi and the @pulumi/aws modules the stack programs use: the least any plan or spec costs. */
export const LOAD_FLOOR = [
    "-e",
    'require("@pulumi/pulumi"); const aws = require("@pulumi/aws"); [aws.s3, aws.kms, aws.ec2, aws.iam, aws.glue, aws.athena, aws.Provider];',
];
