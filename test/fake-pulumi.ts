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

/** `pulumi stack ls --json`. */
const STACKS = [
    { name: "owner", current: false },
    { name: "consumer", current: false },
];
/** One update in `pulumi stack history --json`. */
const HISTORY = {
    version: 1,
    kind: "update",
    startTime: "2026-01-01T00:00:00Z",
    endTime: "2026-01-01T00:00:01Z",
    message: "",
    environment: {},
    config: {},
    result: "succeeded",
    resourceChanges: { create: 2 },
};

/** A word for /bin/sh: the text in single quotes, each of its own single quotes closed, escaped and reopened. */
const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

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
    const hang = options.hang;
    const interruptible = join(root, "up-until-interrupted.js");
    const script = `#!/bin/sh
# A shell script rather than a Node one: the SDK runs it a dozen times per rollout, and each call
# costs a millisecond instead of a Node start-up. Only the up that waits for Ctrl-C runs on Node.
say() { printf '%s\\n' "$1"; }
record() { say "$1" >> ${quote(log)}; }
record "CALL $*"
stack=""
previous=""
for arg in "$@"; do
    if [ "$previous" = "--stack" ]; then stack="$arg"; fi
    previous="$arg"
done
case "$1" in
version) say ${quote(`v${options.version}`)}; exit 0 ;;
stack)
    case "$2" in
    ls) say ${quote(JSON.stringify(STACKS))}; exit 0 ;;
    output) say '{}'; exit 0 ;;
    history) say ${quote(JSON.stringify([HISTORY]))}; exit 0 ;;
    esac ;;
esac
${hang === undefined ? "" : `if [ "$1" = up ] && [ "$stack" = ${quote(hang.stack)} ]; then exec ${quote(process.execPath)} ${quote(interruptible)}; fi`}
${options.stdout === undefined ? "" : `say ${quote(options.stdout)}`}
exit ${options.exit ?? 0}
`;
    if (hang !== undefined) {
        writeFileSync(
            interruptible,
            `const { appendFileSync } = require("fs");
const record = (line) => appendFileSync(${JSON.stringify(log)}, line + "\\n");
let count = 0;
process.on("SIGINT", () => {
    count += 1;
    record("SIGINT " + count);
    const stop = () => { record("EXIT"); console.error("error: update canceled"); process.exit(255); };
    ${hang.until === "once" ? "if (count === 1) setTimeout(stop, 1000);" : "if (count === 2) stop();"}
});
// The SDK's process cleanup sends SIGTERM when the command exits at once: recorded, so the
// SIGINTs can still be counted.
process.on("SIGTERM", () => record("SIGTERM"));
record("STARTED up ${hang.stack}");
setInterval(() => undefined, 1000);
`,
        );
    }
    writeFileSync(join(bin, "pulumi"), script);
    chmodSync(join(bin, "pulumi"), 0o755);
    return { root, bin, log, lines: () => readFileSync(log, "utf8").split("\n").filter(Boolean) };
}
