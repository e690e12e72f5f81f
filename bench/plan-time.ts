/**
 * How long an offline plan takes as consumer stacks grow. Run: npm run bench:plan
 * Each count gets its own folder of stack files: one owner granting N consumers, each in its own
 * account. In-process figures are the wall time of planRollout (N + 2 program runs), best of three;
 * the ratios compare `npm run plan -- --json` as its own process with Node loading Pulumi alone.
 */
import { mkdtempSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { stringify } from "yaml";
import { skipPulumiPromiseStacks } from "../offline/fast-stacks";
import { planRollout } from "../offline/plan";
import { bestOf, LOAD_FLOOR } from "./measure";

const REGION = "eu-west-1";
const account = (i: number) => String(500000000000 + i);

function folder(consumers: number): string {
    const dir = mkdtempSync(join(tmpdir(), `plan-bench-${consumers}-`));
    const names = Array.from({ length: consumers }, (_, i) => `consumer-${i}`);
    const owner = {
        "cross-account-s3:accountId": "111111111111",
        "cross-account-s3:region": REGION,
        "cross-account-s3:consumers": names.map((stack, i) => ({ stack, accountId: account(i), access: "read-write" })),
    };
    writeFileSync(join(dir, "Pulumi.owner.yaml"), stringify({ config: owner }));
    names.forEach((stack, i) => {
        const hex = i.toString(16).padStart(8, "0");
        const config = {
            "cross-account-s3:accountId": account(i),
            "cross-account-s3:region": REGION,
            "cross-account-s3:vpcId": `vpc-${hex}`,
            "cross-account-s3:routeTableIds": [`rtb-${hex}`],
            "cross-account-s3:access": "read-write",
        };
        writeFileSync(join(dir, `Pulumi.${stack}.yaml`), stringify({ config }));
    });
    return dir;
}

/** `npm run plan -- --json` for a folder, as its own process. */
const planProcess = (dir: string) => ["-r", "ts-node/register", "offline/plan-cli.ts", "--json", "--config-dir", dir];

async function main(): Promise<void> {
    const floor = bestOf(3, LOAD_FLOOR);
    const one = bestOf(3, planProcess(folder(1)));
    const hundred = bestOf(3, planProcess(folder(100)));
    const perConsumer = (hundred - one) / 99;
    console.log(`load floor (Node loading @pulumi/pulumi and the @pulumi/aws modules used): ${floor.toFixed(2)} s`);
    console.log(`npm run plan -- --json, 1 consumer: ${one.toFixed(2)} s = ${(one / floor).toFixed(1)}x the load floor (target: at most 2x)`);
    console.log(
        `each extra consumer (1 → 100): ${(perConsumer * 1000).toFixed(1)} ms = ${((perConsumer / floor) * 100).toFixed(1)}% of the load floor (target: at most 5%)`,
    );

    skipPulumiPromiseStacks();
    // Warm-up: the first run pays for loading the SDK and the program.
    await planRollout({ configDir: folder(1) });
    console.log("In process, after loading:");
    for (const consumers of [1, 10, 100]) {
        const dir = folder(consumers);
        const times: number[] = [];
        for (let round = 0; round < 3; round++) {
            const started = process.hrtime.bigint();
            const plan = await planRollout({ configDir: dir });
            times.push(Number(process.hrtime.bigint() - started) / 1e9);
            if (plan.phases.length !== consumers + 2) {
                throw new Error(`expected ${consumers + 2} phases, got ${plan.phases.length}`);
            }
        }
        const best = Math.min(...times);
        console.log(
            `${String(consumers).padStart(3)} consumer stacks: ${best.toFixed(2)} s (${consumers + 2} program runs, ${((best / (consumers + 2)) * 1000).toFixed(0)} ms each)`,
        );
    }
}

main().catch((e) => {
    console.error(e);
    process.exit(1);
});
