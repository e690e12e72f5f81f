/**
 * The typed lint reads the AWS SDK clients and puppeteer-core as untyped modules (tsconfig.lint.json).
 * That is sound only while those packages declare nothing of Pulumi's and the stand-ins cover
 * exactly what the lint program maps; these specs hold both in place.
 */
import { expect } from "chai";
import { readdirSync, readFileSync } from "fs";
import { join } from "path";

const ROOT = join(__dirname, "..");

const lintConfig = JSON.parse(readFileSync(join(ROOT, "tsconfig.lint.json"), "utf8")) as { compilerOptions: { paths: Record<string, string[]> } };
const standIns = readFileSync(join(ROOT, "lint", "untyped-modules.d.ts"), "utf8");
const declared = [...standIns.matchAll(/^declare module "([^"]+)";$/gm)].map((m) => m[1]);
const imported = new Set(
    readdirSync(ROOT, { withFileTypes: true })
        .filter((e) => e.isDirectory() && !e.name.startsWith(".") && !["node_modules", "lint"].includes(e.name))
        .map((e) => e.name)
        .flatMap((dir) =>
            readdirSync(join(ROOT, dir))
                .filter((f) => f.endsWith(".ts"))
                .flatMap((f) =>
                    [...readFileSync(join(ROOT, dir, f), "utf8").matchAll(/^import [^;]* from "((?:@aws-sdk\/client-|puppeteer)[^"]*)";$/gm)].map((m) => m[1]),
                ),
        ),
);

/** Every declaration file of a package, read whole (as bytes: 21 MB of text need no decoding to be searched). */
function declarations(dir: string): Buffer[] {
    return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() && e.name !== "node_modules" ? declarations(join(dir, e.name)) : e.name.endsWith(".d.ts") ? [readFileSync(join(dir, e.name))] : [],
    );
}

describe("the typed lint's program (tsconfig.lint.json)", () => {
    it("has a stand-in for every module it maps, and maps every SDK client and puppeteer module the project imports", () => {
        const mapped = (name: string) => Object.keys(lintConfig.compilerOptions.paths).some((p) => new RegExp(`^${p.replace("*", ".*")}$`).test(name));
        expect([...imported].sort()).to.deep.equal([...declared].sort());
        expect(declared.filter((name) => !mapped(name))).to.deep.equal([]);
    });

    it("stands in only for packages whose declarations mention nothing of Pulumi's, so no Output can hide behind one", () => {
        for (const name of declared) {
            const files = declarations(join(ROOT, "node_modules", name));
            expect(files.length, name).to.be.above(0);
            expect(
                files.some((bytes) => bytes.includes("@pulumi/")),
                name,
            ).to.equal(false);
        }
    });
});
