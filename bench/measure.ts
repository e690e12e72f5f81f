/** Wall-clock measurements of whole processes, for the benches: best of a few runs. */
import { spawnSync } from "child_process";
import { readFileSync } from "fs";
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
            throw new Error(`${args.join(" ")} exited ${run.status}:\n${run.stdout.slice(-4000)}${run.stderr}`);
        }
    }
    return Math.min(...times);
}

/** Node loading @pulumi/pulumi and the @pulumi/aws modules the stack programs use: the least any plan or spec costs. */
export const LOAD_FLOOR = [
    "-e",
    'require("@pulumi/pulumi"); const aws = require("@pulumi/aws"); [aws.s3, aws.kms, aws.ec2, aws.iam, aws.glue, aws.athena, aws.Provider];',
];

/** One process to time: Node running `args` in `cwd`. */
export interface Timed {
    readonly args: readonly string[];
    readonly cwd?: string;
}

/** Wall and CPU seconds of one run each: CPU counts the process and every process it waited for. */
export interface Times {
    readonly wall: number[];
    readonly cpu: number[];
}

/** CPU seconds this process's waited-for children have used so far (Linux; NaN elsewhere). */
function childrenCpu(): number {
    try {
        const stat = readFileSync("/proc/self/stat", "utf8");
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        return (Number(fields[13]) + Number(fields[14])) / 100; // cutime + cstime, in USER_HZ (100 on Linux)
    } catch {
        return NaN;
    }
}

/**
 * The wall and CPU times, in seconds, of each of `runs`, measured interleaved: each round runs every
 * one once, in alternating order, so that a busy spell on a shared machine slows them alike. CPU
 * seconds hardly depend on how busy the machine is; wall seconds are what a developer waits. Fails on
 * a non-zero exit.
 */
export function interleaved(rounds: number, runs: readonly Timed[]): Times[] {
    const times = runs.map(() => ({ wall: [] as number[], cpu: [] as number[] }));
    for (let round = 0; round < rounds; round++) {
        const order = runs.map((_, i) => i);
        for (const i of round % 2 === 0 ? order : order.reverse()) {
            const cpu = childrenCpu();
            times[i].wall.push(bestOf(1, [...runs[i].args], runs[i].cwd));
            times[i].cpu.push(childrenCpu() - cpu);
        }
    }
    return times;
}
