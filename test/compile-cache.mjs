/**
 * Loaded by mocha before anything else (.mocharc), so V8's code for every module loaded after it
 * (TypeScript, Pulumi, the AWS SDK, the project as ts-node emits it) is kept on disk and read back by
 * the next run instead of being compiled again. The processes the specs start inherit the cache
 * through NODE_COMPILE_CACHE. Node checks every entry against the module's source and its own
 * version, so a changed file is compiled afresh. The first run after a fresh install (CI's only run)
 * fills the cache and gains nothing. Node before 22.8 has no compile cache, and nothing changes there.
 */
import module from "node:module";
import { join } from "node:path";

const CACHE = join(import.meta.dirname, "..", "node_modules", ".cache", "node-compile-cache");

if (typeof module.enableCompileCache === "function") {
    process.env.NODE_COMPILE_CACHE ??= CACHE;
    module.enableCompileCache(process.env.NODE_COMPILE_CACHE);
}
