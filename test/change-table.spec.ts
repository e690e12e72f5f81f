import { expect } from "chai";
import { ACCOUNT_KEYS } from "../config/account";
import { CONSUMER_KEYS } from "../config/consumer";
import { ENTRY_FIELDS, OWNER_KEYS } from "../config/owner";
import { PROJECT } from "../domain/stack-identity";
import { CHANGE_ROWS, changeTableInDesign, EFFECTS, effectOf, playedRun, renderChangeTable } from "./change-table";
import { key } from "./fixtures";
import { the, TYPES } from "./helpers";

const rowsOf = (stack: string) => [...new Set(CHANGE_ROWS.filter((r) => r.stack === stack).map((r) => r.key))];

describe("what a change does (docs/design.md)", () => {
    it("has a row for every setting the code reads, under the stack that reads it", () => {
        const own = (keys: readonly string[]) => keys.filter((k) => !(ACCOUNT_KEYS as readonly string[]).includes(k));
        expect(rowsOf("both")).to.have.members([...ACCOUNT_KEYS]);
        expect(rowsOf("owner")).to.have.members([...own(OWNER_KEYS), ...ENTRY_FIELDS.map((f) => `consumers[].${f}`)]);
        expect(rowsOf("consumer")).to.have.members(own(CONSUMER_KEYS));
    });

    it("plays every change it can, and declares only what a run cannot show", () => {
        const declared = CHANGE_ROWS.filter((r) => r.play === undefined);
        expect(declared.map((r) => r.key)).to.deep.equal(["role", "accountId", "region"]);
        expect(declared.every((r) => r.effect === EFFECTS.stepsFirst)).to.equal(true);
    });

    it("is the table the design page shows (npm run docs:change-table)", async () => {
        expect(changeTableInDesign(), "design page change table").to.equal(await renderChangeTable());
    });

    describe("sse-kms → sse-s3", () => {
        it("stops at preview on the protected key, which is kept on delete: once unprotected it is forgotten, not deleted", async () => {
            const kms = await playedRun("owner", { [key("encryption")]: "sse-kms" });
            const s3 = await playedRun("owner", {});
            expect(effectOf(kms, s3)).to.deep.equal({ effect: EFFECTS.blocked, names: ["shared-data-key"], leftInAws: [] });
            const keyResource = the(kms, TYPES.kmsKey);
            expect([keyResource.protect, keyResource.retainOnDelete]).to.deep.equal([true, true]);
        });

        it("names the exact pulumi state unprotect command for the key, and what to do about objects encrypted under it", async () => {
            const keyResource = the(await playedRun("owner", { [key("encryption")]: "sse-kms" }), TYPES.kmsKey);
            const urn = `urn:pulumi:owner::${PROJECT}::${keyResource.parentType}$${keyResource.type}::${keyResource.name}`;
            const row = CHANGE_ROWS.find((r) => r.key === "encryption" && r.change.startsWith("`sse-kms`"))!;
            expect(row.then).to.contain(`pulumi state unprotect '${urn}' -s owner`);
            expect(row.then).to.match(/re-encrypt/);
            expect(row.then.indexOf("re-encrypt"), "re-encrypt before the consumers drop the key").to.be.below(row.then.indexOf("`pulumi up` every consumer"));
            expect(row.then).to.match(/forgotten, not deleted/);
        });

        it("the other way, sse-s3 → sse-kms, only adds the key", async () => {
            const s3 = await playedRun("owner", {});
            const kms = await playedRun("owner", { [key("encryption")]: "sse-kms" });
            expect(effectOf(s3, kms)).to.deep.equal({ effect: EFFECTS.addsOrRemoves, names: [], leftInAws: [] });
        });
    });

    it("tells a replaced bucket (protected) from an endpoint replaced in another VPC (not protected)", async () => {
        const named = (bucketName: string) => playedRun("owner", { [key("bucketName")]: bucketName });
        expect(effectOf(await named("shared-data-one"), await named("shared-data-two"))).to.deep.equal({
            effect: EFFECTS.blocked,
            names: ["shared-data"],
            leftInAws: [],
        });
        const base = await playedRun("consumer", {});
        const moved = await playedRun("consumer", { [key("vpcId")]: "vpc-0f1e2d3c4b5a69788" });
        expect(effectOf(base, moved)).to.deep.equal({ effect: EFFECTS.replaces, names: ["s3"], leftInAws: [] });
        expect(effectOf(base, base)).to.deep.equal({ effect: EFFECTS.nothing, names: [], leftInAws: [] });
    });

    describe("an adopted endpoint is given back as found", () => {
        const adopt = { [key("existingEndpointId")]: "vpce-0123456789abcdef0", [key("vpcId")]: undefined };

        it("a route table taken out of the list is forgotten, its route left on the endpoint", async () => {
            const two = await playedRun("consumer", adopt);
            const one = await playedRun("consumer", { ...adopt, [key("routeTableIds")]: ["rtb-0a1b2c3d4e5f60718"] });
            expect(effectOf(two, one)).to.deep.equal({ effect: EFFECTS.addsOrRemoves, names: [], leftInAws: ["s3-rtb-0b1c2d3e4f5a60718"] });
        });

        it("a destroy forgets every association and the policy, deleting nothing on the endpoint", async () => {
            const managed = await playedRun("consumer", { ...adopt, [key("endpointPolicy")]: "owner-only" });
            const onEndpoint = managed.filter((r) => r.type === TYPES.routeTableAssociation || r.type === TYPES.endpointPolicy);
            expect(onEndpoint.map((r) => r.name).sort()).to.deep.equal(["s3-policy", "s3-rtb-0a1b2c3d4e5f60718", "s3-rtb-0b1c2d3e4f5a60718"]);
            expect(effectOf(managed, []).leftInAws).to.include.members(onEndpoint.map((r) => r.name));
        });

        it("the switch to unmanaged forgets the policy instead of resetting the endpoint to full access", async () => {
            const managed = await playedRun("consumer", { ...adopt, [key("endpointPolicy")]: "owner-only" });
            const unmanaged = await playedRun("consumer", { ...adopt, [key("endpointPolicy")]: "unmanaged" });
            expect(effectOf(managed, unmanaged)).to.deep.equal({ effect: EFFECTS.addsOrRemoves, names: [], leftInAws: ["s3-policy"] });
        });
    });
});
