import { expect } from "chai";
import { execFileSync } from "child_process";
import module from "module";
import { dirname, join, resolve } from "path";

const CACHE = join(__dirname, "..", "node_modules", ".cache", "node-compile-cache");
/** A cache folder the user chose for every Node process; test/compile-cache.mjs keeps it. */
const USER_CACHE = process.env.NODE_COMPILE_CACHE === CACHE ? undefined : process.env.NODE_COMPILE_CACHE;
const node = module as { enableCompileCache?: unknown; getCompileCacheDir?: () => string | undefined };

describe("Node's compile cache for the specs (test/compile-cache.mjs)", () => {
    it("keeps the code of what mocha loads under node_modules/.cache (or where NODE_COMPILE_CACHE says), where Node has one", () => {
        const chosen = USER_CACHE === undefined ? CACHE : resolve(USER_CACHE);
        const expected = typeof node.enableCompileCache === "function" && !process.env.NODE_DISABLE_COMPILE_CACHE ? chosen : undefined;
        const dir = node.getCompileCacheDir?.(); // a folder per Node version, inside the one named
        expect(dir && dirname(dir)).to.equal(expected);
    });

    it("is handed to the processes the specs start", () => {
        const inherited = execFileSync(process.execPath, ["-p", "require('module').getCompileCacheDir?.() ?? 'none'"], { encoding: "utf8" }).trim();
        expect(inherited).to.equal(node.getCompileCacheDir?.() ?? "none");
    });
});
