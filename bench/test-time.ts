/**
 * How long `npm test` takes, side by side with the commit before its checks ran concurrently on
 * TypeScript 7, where the time goes, and the unit tests against the least a spec can cost.
 * Run: npm run bench:test [-- --rounds N]
 *
 * The earlier commit is unpacked with `git archive` into node_modules/.cache and installed from its
 * own lock file once; both `npm test`s then run interleaved on this machine, best of N each. Each
 * check is also timed alone. The mocha floor is mocha running one trivial spec that loads
 * @pulumi/aws and @pulumi/pulumi under ts-node, configured as the project's own specs are (with
 * Node's compile cache). Before the rounds, one `npm test` runs with its caches (Node's compile cache,
 * the type check's build info) emptied, as on a fresh clone or CI, and is shown beside the best. The
 * suite is also timed without the crowd proofs (each of 200 and 40 consumers through its own endpoint
 * only), the largest single share of its own work. Every figure shows wall and CPU seconds: on a
 * shared machine the CPU seconds vary far less.
 */
import { execFileSync, spawnSync } from "child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "fs";
import { join } from "path";
import { CommandSpec, parseCommandLine, usage, UsageError } from "../cli/command-line";
import { interleaved, ROOT, Times } from "./measure";

const BASELINE = "81f5ef9";
const TARGET_RATIO = 0.5;
const TARGET_MOCHA = 4;
/** The checks `npm test` runs besides mocha, each timed alone to show where the time goes. */
const CHECKS = ["typecheck", "lint", "format:check"];
/** What a run of `npm test` keeps for the next: V8's code for what mocha loads (test/compile-cache.mjs), and the type check's results. */
const CACHES = ["node-compile-cache", "typecheck.tsbuildinfo"].map((name) => join(ROOT, "node_modules", ".cache", name));

const SPEC: CommandSpec = {
    command: "npm run bench:test --",
    summary: `Times \`npm test\` here and at commit ${BASELINE} (its checks one after the other, before they ran side by side on TypeScript 7), the runs interleaved (target: at most ${TARGET_RATIO} of its time), and mocha against its floor, mocha running one trivial spec that loads Pulumi (target: at most ${TARGET_MOCHA}x). Exits 1 when a target is missed.`,
    options: [{ name: "rounds", type: "string", value: "N", description: "runs of each measurement, interleaved; the best counts (default 3)" }],
    environment: [{ name: "npm_execpath", description: "the npm that runs both `npm test`s; npm run sets it, so run this through npm" }],
    notes: [
        `The first run unpacks ${BASELINE} (git archive: needs the project's history, not a shallow clone) into`,
        "node_modules/.cache and installs its dependencies from its lock file (npm ci, from the npm registry), once.",
        "It takes minutes: about 7 with 3 rounds on two cores (a round is 8 runs, and one cold npm test comes first).",
    ],
    examples: ["npm run bench:test", "npm run bench:test -- --rounds 5"],
};

function npmCli(): string {
    const cli = process.env.npm_execpath;
    if (!cli) {
        throw new Error("npm_execpath is not set: run this through npm (npm run bench:test)");
    }
    return cli;
}

/** The project at BASELINE with its own dependencies, unpacked and installed once. */
function baselineTree(): string {
    const dir = join(ROOT, "node_modules", ".cache", `test-time-${BASELINE}`);
    const installed = join(dir, ".installed");
    if (existsSync(installed)) {
        return dir;
    }
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const archive = spawnSync("git", ["archive", "--format=tar", BASELINE], { cwd: ROOT, maxBuffer: 1 << 30 });
    if (archive.status !== 0) {
        throw new Error(`git archive ${BASELINE} failed (a shallow clone lacks it: git fetch --unshallow):\n${archive.stderr}`);
    }
    execFileSync("tar", ["-x", "-C", dir], { input: archive.stdout });
    console.log(`Installing the dependencies of ${BASELINE} from its lock file, once …`);
    const ci = spawnSync(process.execPath, [npmCli(), "ci", "--no-audit", "--no-fund", "--prefer-offline"], { cwd: dir, stdio: "inherit" });
    if (ci.status !== 0) {
        throw new Error(`npm ci at ${BASELINE} exited ${ci.status}`);
    }
    writeFileSync(installed, "");
    return dir;
}

const best = (times: number[]) => Math.min(...times);
const figures = (t: Times) => `${best(t.wall).toFixed(2)} s (CPU ${best(t.cpu).toFixed(1)} s; runs: ${t.wall.map((w) => w.toFixed(1)).join(", ")} s)`;

function main(argv: readonly string[]): number {
    const parsed = parseCommandLine(SPEC, argv);
    if (parsed === "help") {
        process.stdout.write(usage(SPEC));
        return 0;
    }
    const rounds = Number(parsed.values.rounds ?? "3");
    if (!Number.isInteger(rounds) || rounds < 1) {
        throw new UsageError(`--rounds must be a whole number of at least 1, not ${String(parsed.values.rounds)}`, SPEC);
    }
    const npm = npmCli();
    const roundsText = `${rounds} round${rounds === 1 ? "" : "s"}`;
    const baseline = baselineTree();
    console.log("Timing npm test once with its caches emptied, as on a fresh clone …");
    CACHES.forEach((cache) => rmSync(cache, { recursive: true, force: true }));
    const [cold] = interleaved(1, [{ args: [npm, "test"], cwd: ROOT }]);
    console.log(`Timing npm test here and at ${BASELINE}, ${roundsText} interleaved …`);
    const [then, now] = interleaved(rounds, [
        { args: [npm, "test"], cwd: baseline },
        { args: [npm, "test"], cwd: ROOT },
    ]);
    const ratio = best(now.wall) / best(then.wall);

    console.log(`Timing each check alone, ${roundsText} interleaved …`);
    const alone = interleaved(
        rounds,
        CHECKS.map((check) => ({ args: [npm, "run", "-s", check] })),
    );

    const mocha = join(ROOT, "node_modules", "mocha", "bin", "mocha.js");
    const dir = mkdtempSync(join(ROOT, "test", ".floor-"));
    const floorSpec = join(dir, "floor.spec.ts");
    writeFileSync(floorSpec, 'import "@pulumi/aws";\nimport "@pulumi/pulumi";\nit("loads", () => undefined);\n');
    let mochaTimes: Times[];
    try {
        console.log(`Timing mocha against its floor, ${roundsText} interleaved …`);
        mochaTimes = interleaved(rounds, [
            { args: [mocha, "--no-config", "-r", join(ROOT, "test", "compile-cache.mjs"), "-r", "ts-node/register", floorSpec] },
            { args: [mocha] },
            { args: [mocha, "--grep", "among \\d+|every one of the \\d+", "--invert"] },
        ]);
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
    const [floor, suite, withoutCrowds] = mochaTimes;
    const times = best(suite.wall) / best(floor.wall);

    console.log(`npm test at ${BASELINE}: ${figures(then)}`);
    console.log(`npm test now: ${figures(now)}`);
    console.log(`  the first run after a fresh install, its caches empty: ${figures(cold)}`);
    console.log(`ratio: ${ratio.toFixed(2)} (target: at most ${TARGET_RATIO})`);
    CHECKS.forEach((check, i) => console.log(`  npm run ${check} alone: ${figures(alone[i])}`));
    console.log(`mocha floor (one trivial spec loading Pulumi): ${figures(floor)}`);
    console.log(`mocha, every spec: ${figures(suite)} = ${times.toFixed(1)}x the floor (target: at most ${TARGET_MOCHA}x)`);
    console.log(`mocha, without the crowd proofs: ${figures(withoutCrowds)} = ${(best(withoutCrowds.wall) / best(floor.wall)).toFixed(1)}x the floor`);
    const missed = [ratio > TARGET_RATIO ? "the npm test ratio" : "", times > TARGET_MOCHA ? "mocha against its floor" : ""].filter(Boolean);
    console.log(missed.length ? `Missed: ${missed.join(" and ")}.` : "Both targets met.");
    return missed.length ? 1 : 0;
}

try {
    process.exitCode = main(process.argv.slice(2));
} catch (error) {
    console.error(error instanceof UsageError ? error.message : String(error instanceof Error ? error.message : error));
    process.exitCode = error instanceof UsageError ? error.exitCode : 1;
}
