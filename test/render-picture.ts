/**
 * npm run check:picture: renders the plan picture (npm run plan -- --mermaid) of each layout with the
 * `mermaid` package in a headless Chromium, as GitHub renders it, and checks the drawing itself:
 * Mermaid accepts the text, there is one box per account, each VPC box sits inside its account's box,
 * each role sits in its account's box but outside every VPC box, and the refused path and each lock
 * are drawn. Needs Chromium (CHROMIUM_PATH, or chromium on the PATH); npm test does not run it.
 */
import { execFileSync } from "child_process";
import { launch } from "puppeteer-core";
import { planRollout } from "../offline/plan";
import { renderMermaid } from "../offline/planPicture";
import { skipPulumiPromiseStacks } from "../offline/fast-stacks";
import { stackFolder } from "./fixtures";

interface Box {
    readonly label: string;
    readonly x: number;
    readonly y: number;
    readonly width: number;
    readonly height: number;
}

/** The little of the browser's DOM the check reads (the project compiles without the DOM types). */
interface DomElement {
    readonly textContent: string | null;
    querySelector(selector: string): DomElement | null;
    querySelectorAll(selector: string): Iterable<DomElement>;
    getBoundingClientRect(): { x: number; y: number; width: number; height: number };
}

interface DomDocument {
    readonly body: { innerHTML: string };
    querySelectorAll(selector: string): Iterable<DomElement>;
}

interface Drawing {
    readonly error?: string;
    readonly clusters: Box[];
    readonly nodes: Box[];
    readonly edgeLabels: string[];
}

function chromium(): string {
    if (process.env.CHROMIUM_PATH) {
        return process.env.CHROMIUM_PATH;
    }
    try {
        return execFileSync("which", ["chromium"], { encoding: "utf8" }).trim();
    } catch {
        throw new Error("No Chromium found: install it (apt-get install chromium) or set CHROMIUM_PATH");
    }
}

const inside = (inner: Box, outer: Box) =>
    inner.x >= outer.x && inner.y >= outer.y && inner.x + inner.width <= outer.x + outer.width && inner.y + inner.height <= outer.y + outer.height;

/** What is wrong with one drawing; empty when it is faithful. */
function judge(chart: string, drawing: Drawing): string[] {
    if (drawing.error !== undefined) {
        return [`Mermaid refused it: ${drawing.error}`];
    }
    const problems: string[] = [];
    const accounts = drawing.clusters.filter((c) => /account \d{12}/.test(c.label));
    const expectedAccounts = new Set([...chart.matchAll(/(?:owner|consumer) account (\d{12})/g)].map((m) => m[1]));
    if (accounts.length !== expectedAccounts.size) {
        problems.push(`${accounts.length} account boxes for ${expectedAccounts.size} accounts`);
    }
    const vpcs = drawing.clusters.filter((c) => /^(VPC |the VPC of )/.test(c.label));
    for (const vpc of vpcs) {
        const stack = /stack (\S+)$/.exec(vpc.label)?.[1] ?? "";
        const home = accounts.find((a) => inside(vpc, a));
        if (home === undefined || !new RegExp(`\\b${stack}\\b`).test(home.label)) {
            problems.push(`${vpc.label}: not inside its account's box`);
        }
    }
    for (const role of drawing.nodes.filter((n) => n.label.startsWith("role "))) {
        if (!accounts.some((a) => inside(role, a)) || vpcs.some((v) => inside(role, v))) {
            problems.push(`${role.label}: not at account level (inside its account's box, outside every VPC)`);
        }
    }
    // Mermaid wraps long labels into lines; compare the text without its spaces.
    const drawn = new Set(drawing.edgeLabels.map((l) => l.replace(/\s+/g, "")));
    if (![...drawn].some((l) => l.startsWith("403AccessDenied"))) {
        problems.push("the refused path is not drawn");
    }
    for (const lock of [...chart.matchAll(/\|"([^"]*lock[^"]*)"\|/g)].map((m) => m[1])) {
        if (!drawn.has(lock.replace(/\s+/g, ""))) {
            problems.push(`the lock label "${lock}" is not drawn`);
        }
    }
    return problems;
}

async function main(): Promise<number> {
    skipPulumiPromiseStacks();
    const layouts: [string, string][] = [
        ["example", stackFolder("example")],
        ["own-accounts", stackFolder("own-accounts")],
        ["aws-cn", stackFolder("aws-cn")],
        ["shared-account: two stacks in one account, an adopted endpoint, a stack being removed", stackFolder("shared-account")],
    ];
    const browser = await launch({ executablePath: chromium(), args: ["--no-sandbox", "--disable-gpu"] });
    let failed = 0;
    try {
        const page = await browser.newPage();
        await page.setContent("<!doctype html><html><body></body></html>");
        await page.addScriptTag({ path: require.resolve("mermaid/dist/mermaid.min.js") });
        for (const [name, dir] of layouts) {
            const chart = renderMermaid(await planRollout({ configDir: dir }));
            const drawing = await page.evaluate(async (text: string): Promise<Drawing> => {
                const m = (globalThis as unknown as { mermaid: { initialize(c: object): void; render(id: string, t: string): Promise<{ svg: string }> } })
                    .mermaid;
                m.initialize({ startOnLoad: false, flowchart: { htmlLabels: false } });
                const doc = (globalThis as unknown as { document: DomDocument }).document;
                try {
                    doc.body.innerHTML = (await m.render(`chart${Date.now()}`, text)).svg;
                } catch (error) {
                    return { error: String(error), clusters: [], nodes: [], edgeLabels: [] };
                }
                const box = (g: DomElement, labelOf: DomElement | null): Box => {
                    const r = (g.querySelector("rect, polygon, path") ?? g).getBoundingClientRect();
                    return { label: (labelOf?.textContent ?? "").replace(/\s+/g, " ").trim(), x: r.x, y: r.y, width: r.width, height: r.height };
                };
                return {
                    clusters: [...doc.querySelectorAll("g.cluster")].map((g) => box(g, g.querySelector(".cluster-label"))),
                    nodes: [...doc.querySelectorAll("g.node")].map((g) => box(g, g.querySelector(".label"))),
                    edgeLabels: [...doc.querySelectorAll("g.edgeLabel")].map((g) => (g.textContent ?? "").replace(/\s+/g, " ").trim()),
                };
            }, chart);
            const problems = judge(chart, drawing);
            failed += problems.length > 0 ? 1 : 0;
            console.log(`${problems.length === 0 ? "ok  " : "FAIL"} ${name}${problems.map((p) => `\n     - ${p}`).join("")}`);
        }
    } finally {
        await browser.close();
    }
    return failed === 0 ? 0 : 1;
}

void main().then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
        console.error(error instanceof Error ? error.message : String(error));
        process.exitCode = 1;
    },
);
