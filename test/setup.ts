/** Loaded by mocha after ts-node: see offline/fast-stacks.ts. */
import { skipPulumiPromiseStacks } from "../offline/fast-stacks";

skipPulumiPromiseStacks();

import fs from "fs";
import { basename, dirname, join, resolve } from "path";

/**
 * The stack files at the project root are the user's: `npm test` must pass whatever they hold, so no
 * spec may read them. Specs use their own folders under test/stacks/. A read of a root stack file
 * fails the spec that tried it.
 */
const PROJECT_ROOT = join(__dirname, "..");
export const isUserStackFile = (path: fs.PathLike | number): boolean =>
    typeof path === "string" && dirname(resolve(path)) === PROJECT_ROOT && /^Pulumi\..+\.ya?ml$/.test(basename(path));

for (const name of ["readFileSync", "existsSync", "statSync"] as const) {
    const original = fs[name] as (path: fs.PathLike | number, ...rest: unknown[]) => unknown;
    (fs as unknown as Record<string, unknown>)[name] = function (path: fs.PathLike | number, ...rest: unknown[]) {
        if (isUserStackFile(path)) {
            throw new Error(`${String(path)} is the user's stack file: specs use their own stack files under test/stacks/`);
        }
        return original.call(fs, path, ...rest);
    };
}
