import { expect } from "chai";
import { NAME_LIMITS } from "../components/accessLogs";
import { analyzerName, catalogName } from "../stacks/names";
import { ORGANIZATION, PROJECT, StackIdentity } from "../domain/stack-identity";
import { CONSUMER_STACK, key, ownerConfig } from "./fixtures";
import { the, TYPES, runOnce } from "./helpers";

const identity = (stack: string, organization = ORGANIZATION): StackIdentity => ({ organization, project: PROJECT, stack });

/** What AWS accepts: Glue/Athena database names, Athena workgroup names, Access Analyzer names. */
const ACCEPTED = {
    database: { pattern: /^[a-z0-9_]+$/, limit: NAME_LIMITS.database },
    workgroup: { pattern: /^[a-zA-Z0-9._-]+$/, limit: NAME_LIMITS.workgroup },
    analyzer: { pattern: /^[A-Za-z][A-Za-z0-9_.-]*$/, limit: 255 },
};

/** The names an owner stack of this name registers, with access logs and the analyzer on. */
async function namesOf(stack: string): Promise<{ database: string; workgroup: string; analyzer: string }> {
    const run = await runOnce({
        stack,
        config: ownerConfig({ [key("role")]: "owner", [key("accessAnalyzer")]: true }),
        stackOutputs: { [CONSUMER_STACK]: {} },
    });
    return {
        database: String(the(run.resources, TYPES.glueDatabase).inputs.name),
        workgroup: String(the(run.resources, TYPES.workgroup).inputs.name),
        analyzer: String(the(run.resources, TYPES.analyzer).inputs.analyzerName),
    };
}

describe("names generated from the stack", () => {
    it("differ between two owner stacks whose names differ only in case or punctuation (one account and region)", async () => {
        const stacks = ["owner-a", "Owner_A", "owner.a", "owner_a"];
        const names = [];
        for (const stack of stacks) {
            names.push(await namesOf(stack)); // one stack run at a time: the mock runtime is global
        }
        for (const what of ["database", "workgroup", "analyzer"] as const) {
            const seen = names.map((n) => n[what]);
            expect(new Set(seen).size, `${what}: ${seen.join(", ")}`).to.equal(stacks.length);
            // Case too: AWS may compare names without it.
            expect(new Set(seen.map((n) => n.toLowerCase())).size, what).to.equal(stacks.length);
        }
        expect(names[0].database.startsWith("owner_a_"), "still readable").to.equal(true);
    });

    it("differ for the same stack name in another organization", () => {
        expect(catalogName(identity("owner", "team-a"))).not.to.equal(catalogName(identity("owner", "team-b")));
        expect(analyzerName(identity("owner", "team-a"))).not.to.equal(analyzerName(identity("owner", "team-b")));
    });

    it("stay the same from one run to the next", () => {
        expect(catalogName(identity("Owner_A"))).to.equal(catalogName(identity("Owner_A")));
    });

    it("stay within AWS's patterns and length limits for any stack name, the longest and the oddest", async () => {
        for (const stack of ["owner", "o", "owner." + "X".repeat(120), "owner-" + "-_.".repeat(40), "owner-ÄÖ"]) {
            const names = await namesOf(stack);
            for (const what of ["database", "workgroup", "analyzer"] as const) {
                expect(names[what], `${what} of ${stack}`).to.match(ACCEPTED[what].pattern);
                expect(names[what].length, `${what} of ${stack}`).to.be.at.most(ACCEPTED[what].limit);
            }
        }
    });
});
