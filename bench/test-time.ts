/**
 * How long the unit tests take against the least a spec can cost. Run: npm run bench:test
 * The floor is mocha running one trivial spec that loads @pulumi/aws and @pulumi/pulumi under
 * ts-node, configured as the project's own specs are; best of three each. It also times the suite
 * without the crowd proofs (each of 200 and 40 consumers through its own endpoint only), the
 * largest single share of the suite's own work, to show what they cost.
 */
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { join } from "path";
import { bestOf, ROOT } from "./measure";

const MOCHA = join(ROOT, "node_modules", "mocha", "bin", "mocha.js");
const dir = mkdtempSync(join(ROOT, "test", ".floor-"));
const floorSpec = join(dir, "floor.spec.ts");
writeFileSync(floorSpec, 'import "@pulumi/aws";\nimport "@pulumi/pulumi";\nit("loads", () => undefined);\n');
try {
    const floor = bestOf(3, [MOCHA, "--no-config", "-r", "ts-node/register", floorSpec]);
    const suite = bestOf(3, [MOCHA]);
    const withoutCrowds = bestOf(3, [MOCHA, "--grep", "among \\d+|every one of the \\d+", "--invert"]);
    console.log(`mocha floor (one trivial spec loading Pulumi): ${floor.toFixed(2)} s`);
    console.log(`mocha, every spec: ${suite.toFixed(2)} s = ${(suite / floor).toFixed(1)}x the floor (target: at most 3x)`);
    console.log(`mocha, without the crowd proofs: ${withoutCrowds.toFixed(2)} s = ${(withoutCrowds / floor).toFixed(1)}x the floor`);
} finally {
    rmSync(dir, { recursive: true, force: true });
}
