/**
 * A fake `pulumi` executable for specs that drive the Automation API for real: it answers the
 * commands the SDK runs (version, stack ls, stack output, stack history), records every call and
 * every SIGINT it receives in a log file, and can run an `up` that waits for Ctrl-C the way the
 * engine does.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";

export interface FakePulumi {
    /** The folder to put first on PATH; also a Pulumi root (`bin/pulumi`). */
    readonly root: string;
    readonly bin: string;
    readonly log: string;
    /** The recorded lines: `CALL <args>`, `STARTED <operation> <stack>`, `SIGINT <n>`, `SIGTERM`, `EXIT` when the interrupted `up` ends. */
    lines(): string[];
}

/**
 * `version`: the CLI version it claims. `hang`: the stack whose `up` runs until interrupted —
 * `once` exits a second after the first SIGINT (long enough to record a duplicate), `twice` only at
 * the second. `stdout`/`exit`: what every other `up` prints and exits with.
 */
export function fakePulumi(options: { version: string; hang?: { stack: string; until: "once" | "twice" }; stdout?: string; exit?: number }): FakePulumi {
    const root = mkdtempSync(join(tmpdir(), "fake-pulumi-"));
    const bin = join(root, "bin");
    mkdirSync(bin);
    const log = join(root, "calls.log");
    writeFileSync(log, "");
    const script = `#!${process.execPath}
const { appendFileSync } = require("fs");
const options = ${JSON.stringify(options)};
const record = (line) => appendFileSync(${JSON.stringify(log)}, line + "\\n");
const args = process.argv.slice(2);
record("CALL " + args.join(" "));
const stack = args[args.indexOf("--stack") + 1];
if (args[0] === "version") {
    console.log("v" + options.version);
} else if (args[0] === "stack" && args[1] === "ls") {
    console.log(JSON.stringify([{ name: "owner", current: false }, { name: "consumer", current: false }]));
} else if (args[0] === "stack" && args[1] === "output") {
    console.log("{}");
} else if (args[0] === "stack" && args[1] === "history") {
    console.log(JSON.stringify([{ version: 1, kind: "update", startTime: "2026-01-01T00:00:00Z", endTime: "2026-01-01T00:00:01Z", message: "", environment: {}, config: {}, result: "succeeded", resourceChanges: { create: 2 } }]));
} else if (args[0] === "up" && options.hang && options.hang.stack === stack) {
    let count = 0;
    process.on("SIGINT", () => {
        count += 1;
        record("SIGINT " + count);
        const stop = () => { record("EXIT"); console.error("error: update canceled"); process.exit(255); };
        if (options.hang.until === "once" && count === 1) setTimeout(stop, 1000);
        if (options.hang.until === "twice" && count === 2) stop();
    });
    // The SDK's process cleanup sends SIGTERM when the command exits at once: recorded, so the
    // SIGINTs can still be counted.
    process.on("SIGTERM", () => record("SIGTERM"));
    record("STARTED up " + stack);
    setInterval(() => undefined, 1000);
} else {
    if (options.stdout) console.log(options.stdout);
    process.exit(options.exit ?? 0);
}
`;
    writeFileSync(join(bin, "pulumi"), script);
    chmodSync(join(bin, "pulumi"), 0o755);
    return { root, bin, log, lines: () => readFileSync(log, "utf8").split("\n").filter(Boolean) };
}
