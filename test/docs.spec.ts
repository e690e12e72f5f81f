import { expect } from "chai";
import { existsSync, readdirSync, readFileSync } from "fs";
import { dirname, join } from "path";
import { ACCOUNT_KEYS } from "../config/account";
import { CONSUMER_KEYS } from "../config/consumer";
import { ENTRY_FIELDS, ORGANIZATION_GRANT_FIELDS, OWNER_KEYS } from "../config/owner";

const ROOT = join(__dirname, "..");
const read = (file: string) => readFileSync(join(ROOT, file), "utf8");

/** The keys in the first column of the table under a `## heading` of docs/config.md. */
function keysUnder(heading: string): string[] {
    const page = read("docs/config.md");
    const start = page.indexOf(`## ${heading}\n`);
    expect(start, `section "${heading}" in docs/config.md`).to.be.at.least(0);
    const section = page.slice(start).split("\n## ")[0];
    return [...section.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]);
}

describe("the documentation", () => {
    describe("docs/config.md lists exactly the keys the programs read", () => {
        it("both stacks", () => {
            expect(keysUnder("Both stacks")).to.have.members([...ACCOUNT_KEYS]);
        });

        it("owner stack, with every consumers[] and organizationGrants[] field", () => {
            const own = OWNER_KEYS.filter((k) => !(ACCOUNT_KEYS as readonly string[]).includes(k));
            expect(keysUnder("Owner stack")).to.have.members([
                ...own,
                ...ENTRY_FIELDS.map((f) => `consumers[].${f}`),
                ...ORGANIZATION_GRANT_FIELDS.map((f) => `organizationGrants[].${f}`),
            ]);
        });

        it("consumer stack", () => {
            expect(keysUnder("Consumer stack")).to.have.members(CONSUMER_KEYS.filter((k) => !(ACCOUNT_KEYS as readonly string[]).includes(k)));
        });
    });

    it("links only to files that exist", () => {
        for (const file of ["README.md", "docs/config.md", "docs/design.md", "docs/operations.md"]) {
            for (const [, target] of read(file).matchAll(/\]\(((?!https?:|#)[^)#\s]+)(?:#[^)]*)?\)/g)) {
                expect(existsSync(join(ROOT, dirname(file), target)), `${file} → ${target}`).to.equal(true);
            }
        }
    });

    it("keeps every source file outside test/ readable in one sitting (at most 300 lines)", () => {
        const tooLong: string[] = [];
        const walk = (dir: string) => {
            for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
                const path = dir ? `${dir}/${entry.name}` : entry.name;
                if (entry.isDirectory() && !["node_modules", "test", ".git", "bin"].includes(entry.name)) {
                    walk(path);
                } else if (entry.isFile() && entry.name.endsWith(".ts") && read(path).split("\n").length > 300) {
                    tooLong.push(path);
                }
            }
        };
        walk("");
        expect(tooLong).to.deep.equal([]);
    });

    it("keeps the README a front door of at most 250 lines", () => {
        expect(read("README.md").split("\n").length).to.be.at.most(250);
    });
});
