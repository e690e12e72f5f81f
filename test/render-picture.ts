/**
 * npm run check:picture: renders the plan picture (npm run plan -- --mermaid) of every layout under
 * test/stacks/ with the `mermaid` package in a headless Chromium, as GitHub renders it, and checks the
 * drawing itself: Mermaid accepts the text, there is one box per account, each VPC box sits inside the
 * box of the account that owns its endpoint (the VPC owner's for a shared VPC), each role sits in its
 * own account's box but outside every VPC box, each bucket in its owner's box, the refused path reaches
 * every bucket, and every edge label (each grant and its lock) is drawn. Needs Chromium (CHROMIUM_PATH,
 * or chromium on the PATH); npm test does not run it.
 */
import { execFileSync } from "child_process";
import { readdirSync, statSync } from "fs";
import { join } from "path";
import { launch } from "puppeteer-core";
import { planRollout } from "../offline/plan";
import { renderMermaid } from "../offline/planPicture";
import { skipPulumiPromiseStacks } from "../offline/fast-stacks";

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

/** Text as Mermaid draws it: it wraps long labels into lines, so compare without whitespace. */
const flat = (text: string) => text.replace(/\s+/g, "");

/** The stacks an account box names (`· stack owner` or `· stacks consumer-a, consumer-b`). */
const stacksOf = (account: Box) => (/· stacks? ([^·]+)/.exec(account.label)?.[1] ?? "").split(",").map((s) => s.trim());

/** The smallest account box that holds a box. */
function homeOf(box: Box, accounts: readonly Box[]): Box | undefined {
    return accounts.filter((a) => inside(box, a)).sort((a, b) => a.width * a.height - b.width * b.height)[0];
}

/** What is wrong with one drawing; empty when it is faithful. */
function judge(chart: string, drawing: Drawing): string[] {
    if (drawing.error !== undefined) {
        return [`Mermaid refused it: ${drawing.error}`];
    }
    const problems: string[] = [];
    const vpcLabel = /^(VPC vpc-|the VPC of |shared VPC of )/;
    const accounts = drawing.clusters.filter((c) => /account \d{12}/.test(c.label) && !vpcLabel.test(c.label));
    const expectedAccounts = new Set([...chart.matchAll(/subgraph a\d+\["[^"]*?account (\d{12})/g)].map((m) => m[1]));
    if (accounts.length !== expectedAccounts.size) {
        problems.push(`${accounts.length} account boxes for ${expectedAccounts.size} accounts`);
    }
    // A VPC lies in the box of the account that owns its endpoint: its consumer's, or the VPC owner's that it declares.
    const vpcs = drawing.clusters.filter((c) => vpcLabel.test(c.label));
    for (const vpc of vpcs) {
        const stack = /stack (\S+)$/.exec(vpc.label)?.[1] ?? "";
        const home = homeOf(vpc, accounts);
        const vpcOwner = /^shared VPC of account (\d{12})/.exec(vpc.label)?.[1];
        const right =
            home !== undefined &&
            (vpcOwner !== undefined ? new RegExp(`^[^·]*VPC owner .*account ${vpcOwner} `).test(home.label) : stacksOf(home).includes(stack));
        if (!right) {
            problems.push(`${vpc.label}: not inside the box of the account that owns its endpoint`);
        }
    }
    for (const role of drawing.nodes.filter((n) => n.label.startsWith("role "))) {
        const home = homeOf(role, accounts);
        const stack = /stack (\S+)$/.exec(role.label)?.[1] ?? "";
        if (home === undefined || !stacksOf(home).includes(stack) || vpcs.some((v) => inside(role, v))) {
            problems.push(`${role.label}: not at account level (inside its own account's box, outside every VPC)`);
        }
    }
    const buckets = drawing.nodes.filter((n) => n.label.startsWith("S3 bucket "));
    for (const bucket of buckets) {
        const home = homeOf(bucket, accounts);
        if (home === undefined || !home.label.startsWith("owner") || !stacksOf(home).includes(/stack (\S+)$/.exec(bucket.label)?.[1] ?? "")) {
            problems.push(`${bucket.label}: not inside its owner's account box`);
        }
    }
    // Account boxes that are not nested must not overlap: Mermaid widens a box to its title, over its neighbour.
    accounts.forEach((a, i) =>
        accounts.slice(i + 1).forEach((b) => {
            const apart = a.x + a.width <= b.x || b.x + b.width <= a.x || a.y + a.height <= b.y || b.y + b.height <= a.y;
            if (!apart && !inside(a, b) && !inside(b, a)) {
                problems.push(`the boxes "${a.label}" and "${b.label}" overlap`);
            }
        }),
    );
    const drawn = drawing.edgeLabels.map(flat);
    if (drawn.filter((l) => l.startsWith("403AccessDenied")).length !== buckets.length) {
        problems.push("the refused path is not drawn to every bucket");
    }
    // Every edge label (each grant with its lock, each organization grant) is drawn.
    for (const text of [...chart.matchAll(/\|"([^"]*)"\|/g)].map((m) => m[1])) {
        if (!drawn.includes(flat(text))) {
            problems.push(`the edge label "${text}" is not drawn`);
        }
    }
    return problems;
}

async function main(): Promise<number> {
    skipPulumiPromiseStacks();
    // Every layout of test/stacks/: multi-owner, shared VPC, organization grant, shared account, partitions…
    const root = join(__dirname, "stacks");
    const layouts = readdirSync(root).filter((d) => statSync(join(root, d)).isDirectory());
    const browser = await launch({ executablePath: chromium(), args: ["--no-sandbox", "--disable-gpu"] });
    let failed = 0;
    try {
        const page = await browser.newPage();
        await page.setContent("<!doctype html><html><body></body></html>");
        await page.addScriptTag({ path: require.resolve("mermaid/dist/mermaid.min.js") });
        for (const name of layouts) {
            const chart = renderMermaid(await planRollout({ configDir: join(root, name) }));
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
