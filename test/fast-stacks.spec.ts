import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { readFileSync } from "fs";
import { pathToFileURL } from "url";
import { runUnderMocks } from "../offline/runStack";
import { Provider, s3 } from "../resources/aws";

interface PositionedRequest {
    getType(): string;
    getSourceposition?(): { getUri(): string } | undefined;
}

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

    it("keeps Pulumi's leak bookkeeping: a promise is a leak candidate until it settles, and a rejection names it", async () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const debuggable = require("@pulumi/pulumi/runtime/debuggable") as { debuggablePromise<T>(p: Promise<T>, ctx: unknown): Promise<T> };
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const state = require("@pulumi/pulumi/runtime/state") as { getStore(): { leakCandidates: Set<Promise<unknown>> } };
        const candidates = () => [...state.getStore().leakCandidates];
        const pending = () => {
            let settle: { resolve(v: string): void; reject(e: Error): void } = { resolve: () => undefined, reject: () => undefined };
            const promise = new Promise<string>((resolve, reject) => (settle = { resolve, reject }));
            return { promise, settle };
        };
        await debuggable.debuggablePromise(Promise.resolve("arms the leak report"), "first");
        const kept = pending();
        const failed = pending();
        const keptResult = debuggable.debuggablePromise(kept.promise, "kept");
        const failedResult = debuggable.debuggablePromise(failed.promise, "failed").catch((e: Error & { promise?: unknown }) => e);
        expect(candidates()).to.include.members([kept.promise, failed.promise]);
        kept.settle.resolve("done");
        failed.settle.reject(new Error("refused"));
        expect(await keptResult).to.equal("done");
        expect(((await failedResult) as { promise?: unknown }).promise).to.equal(failed.promise);
        expect(candidates()).to.not.include(kept.promise);
        expect(candidates()).to.not.include(failed.promise);
    });

    it("still sends the engine the position of the code that declared a resource", async () => {
        const sent: { type: string; uri?: string }[] = [];
        await runUnderMocks({ stack: "positions", config: {} }, function declaring() {
            const monitor = pulumi.runtime.getMonitor() as unknown as { registerResource(req: PositionedRequest, cb: unknown): unknown };
            const register = monitor.registerResource.bind(monitor);
            monitor.registerResource = (req, cb) => {
                sent.push({ type: req.getType(), uri: req.getSourceposition?.()?.getUri() });
                return register(req, cb);
            };
            const provider = new Provider("account", { region: "eu-west-1", allowedAccountIds: ["111111111111"] });
            new s3.Bucket("declared", {}, { provider });
            return {};
        });
        // One frame off would name @pulumi/aws's Bucket class or the mock runner that called this function.
        expect(sent.find((r) => r.type === "aws:s3/bucket:Bucket")?.uri).to.equal(pathToFileURL(__filename).href);
    });

    it("keeps every other stack source-mapped to its TypeScript line", () => {
        const stack = new Error("a failing spec").stack ?? ""; // the line a failure names
        const frame = stack.split("\n")[1];
        expect(frame).to.contain(`${__filename}:${lineOf("// the line a failure names")}:`);
    });
});
