import { expect } from "chai";
import { readFileSync } from "fs";

/** The 1-based line of this file that holds `marker`. */
const lineOf = (marker: string) =>
    readFileSync(__filename, "utf8")
        .split("\n")
        .findIndex((line) => line.includes(marker) && !line.includes("lineOf(")) + 1;

describe("Pulumi's bookkeeping stacks are cheap in specs (offline/fast-stacks.ts, loaded by test/setup.ts)", () => {
    it("wraps the promise and resource-position captures", () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const debuggable = require("@pulumi/pulumi/runtime/debuggable") as { debuggablePromise: { fast?: boolean } };
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { Resource } = require("@pulumi/pulumi/resource") as { Resource: { callsites: { fast?: boolean } } };
        expect([debuggable.debuggablePromise.fast, Resource.callsites.fast]).to.deep.equal([true, true]);
    });

    it("still gives a resource the position of the code that declared it", () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { Resource } = require("@pulumi/pulumi/resource") as { Resource: { callsites(): { file?: string }[] } };
        const files = Resource.callsites().map((c) => c.file);
        expect(files).to.include(__filename);
    });

    it("keeps every other stack source-mapped to its TypeScript line", () => {
        const stack = new Error("a failing spec").stack ?? ""; // the line a failure names
        const frame = stack.split("\n")[1];
        expect(frame).to.contain(`${__filename}:${lineOf("// the line a failure names")}:`);
    });
});
