import { expect } from "chai";
import { join } from "path";
import { CommandSpec, parseCommandLine, usage, UsageError, userPath } from "../cli/command-line";

const SPEC: CommandSpec = {
    command: "npm run example --",
    summary: "Does one thing.",
    options: [
        { name: "out", type: "string", value: "FILE", description: "write to FILE" },
        { name: "probe", type: "string", multiple: true, value: "<stack>=<id>", description: "probe from an instance" },
        { name: "quiet", type: "boolean", description: "only the summary" },
    ],
    environment: [{ name: "AWS_PROFILE_<STACK>", description: "the AWS profile of one stack" }],
    examples: ["npm run example -- --out plan.json"],
};

describe("the shared command line", () => {
    it("answers --help and -h with 'help'", () => {
        expect(parseCommandLine(SPEC, ["--help"])).to.equal("help");
        expect(parseCommandLine(SPEC, ["--quiet", "-h"])).to.equal("help");
    });

    it("prints a usage with every option, the help option, the environment and an example", () => {
        const text = usage(SPEC);
        for (const part of [
            "usage: npm run example -- [options]",
            "Does one thing.",
            "--out FILE",
            "--probe <stack>=<id> (repeatable)",
            "--quiet",
            "-h, --help",
        ]) {
            expect(text).to.include(part);
        }
        expect(text).to.match(/Environment:\n {2}AWS_PROFILE_<STACK> {2}the AWS profile of one stack/);
        expect(text).to.match(/Example:\n {2}npm run example -- --out plan\.json\n$/);
    });

    it("parses options, and refuses an unknown one or a stray argument with exit code 2 and the synopsis", () => {
        expect(parseCommandLine(SPEC, ["--out", "x.json", "--probe", "a=1", "--probe", "b=2"])).to.deep.include({
            values: { out: "x.json", probe: ["a=1", "b=2"] },
        });
        const refused = (argv: string[]) => {
            try {
                parseCommandLine(SPEC, argv);
            } catch (error) {
                expect(error).to.be.instanceOf(UsageError);
                expect((error as UsageError).exitCode).to.equal(2);
                return (error as Error).message;
            }
            throw new Error("accepted");
        };
        expect(refused(["--fast"])).to.match(/^unknown option --fast\n\nusage: npm run example -- \[options\]\nRun with --help/);
        expect(refused(["extra"])).to.match(/^unexpected argument extra\n/);
    });

    it("resolves a relative path against the folder the user ran npm in (INIT_CWD), an absolute one as it is", () => {
        expect(userPath("mycfg", { INIT_CWD: "/home/me/work" })).to.equal(join("/home/me/work", "mycfg"));
        expect(userPath("/etc/cfg", { INIT_CWD: "/home/me/work" })).to.equal("/etc/cfg");
        expect(userPath("mycfg", {})).to.equal(join(process.cwd(), "mycfg"));
    });
});
