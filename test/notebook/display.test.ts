import { spawnSync } from "node:child_process";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { type DisplayContent, installDisplayChannel } from "../../src/notebook/kernel-bridge";
import { showMarkdown } from "../../src/notebook/markdown";
import { isQuickRun, labParam } from "../../src/notebook/params";
import { PLOTLY_MIME, showPlot } from "../../src/notebook/plot";
import { progressBar } from "../../src/notebook/progress";
import { showTable } from "../../src/notebook/table";
import { ROOT } from "./helpers";

type Emitted = { content: DisplayContent; update: boolean };
let emitted: Emitted[] = [];

function inNotebook(): void {
  installDisplayChannel((content, update) => emitted.push({ content, update }));
}

function outsideNotebook(): void {
  (require("tslab/dist/jupyter") as { lastWriteDisplayData: unknown }).lastWriteDisplayData = null;
}

beforeEach(() => {
  emitted = [];
});
afterEach(() => {
  outsideNotebook();
  vi.restoreAllMocks();
});

describe("showPlot", () => {
  it("emits one display per chart with the plotly mime type and an HTML fallback; plotly.js is inlined once", () => {
    inNotebook();
    const figure = {
      data: [{ type: "bar", x: ["긍정", "부정"], y: [3, 4] }],
      layout: { title: { text: "균형" } },
    };
    showPlot(figure);
    showPlot({ data: [{ type: "scatter", y: [1, 2, 3] }] });
    expect(emitted).toHaveLength(2);
    const [first, second] = emitted.map((e) => e.content.data);
    expect(first?.[PLOTLY_MIME]).toEqual({ data: figure.data, layout: figure.layout, config: {} });
    const firstHtml = String(first?.["text/html"]);
    const secondHtml = String(second?.["text/html"]);
    expect(firstHtml).toContain("plotly.js v");
    expect(firstHtml.length).toBeGreaterThan(1_000_000);
    expect(secondHtml).not.toContain("plotly.js v");
    expect(secondHtml.length).toBeLessThan(2_000);
    expect(secondHtml).toMatch(/<div id="ko-plot-[0-9a-f]+"/);
    expect(secondHtml).toContain("Plotly.newPlot");
    expect(first?.["text/plain"]).toBe("[chart: 균형] bar (2 points)");
  });

  it("keeps figure text from closing the script element", () => {
    inNotebook();
    showPlot({ data: [{ type: "bar", name: "</script><script>alert(1)</script>", x: [1], y: [1] }] });
    const html = String(emitted[0]?.content.data["text/html"]);
    const chartScript = html.slice(html.lastIndexOf('<div id="ko-plot-'));
    expect(chartScript).not.toContain("</script><script>alert(1)");
    expect(chartScript).toContain("\\u003c/script>");
  });

  it("rejects a figure without data with an example of the right shape", () => {
    expect(() => showPlot({} as never)).toThrow(/data: \[\{ type: 'bar'/);
  });

  it("prints a description outside a notebook instead of throwing", () => {
    outsideNotebook();
    const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
    showPlot({ data: [{ type: "bar", name: "counts", x: [1, 2], y: [3, 4] }] });
    expect(log).toHaveBeenCalledWith('[chart] bar "counts" (2 points)');
  });
});

describe("showTable", () => {
  it("emits an escaped HTML table and aligned text", () => {
    inNotebook();
    showTable(
      [
        { review: "<b>최고</b> & 재밌다", label: 1 },
        { review: "별로", label: 0, extra: "x" },
      ],
      { caption: "리뷰" },
    );
    const data = emitted[0]?.content.data ?? {};
    const html = String(data["text/html"]);
    expect(html).toContain("&lt;b&gt;최고&lt;/b&gt; &amp; 재밌다");
    expect(html).not.toContain("<b>");
    expect(html).toContain("<caption>리뷰</caption>");
    expect(html).toContain('<th style="text-align:left">extra</th>');
    expect(String(data["text/plain"]).split("\n")).toEqual([
      "리뷰",
      "review                label  extra",
      "--------------------  -----  -----",
      "<b>최고</b> & 재밌다      1",
      "별로                      0  x",
    ]);
  });

  it("shows at most maxRows rows and says how many were left out", () => {
    inNotebook();
    showTable(
      Array.from({ length: 10 }, (_, i) => ({ i })),
      { maxRows: 3 },
    );
    const data = emitted[0]?.content.data ?? {};
    expect(String(data["text/html"]).match(/<tr>/g)).toHaveLength(4);
    expect(String(data["text/plain"])).toContain("… 7 more rows");
  });

  it("renders a danfojs DataFrame", () => {
    inNotebook();
    const { DataFrame } = require("danfojs-node") as typeof import("danfojs-node");
    showTable(new DataFrame({ text: ["좋다", "싫다"], label: [1, 0] }) as never);
    const html = String(emitted[0]?.content.data["text/html"]);
    expect(html).toContain('<th style="text-align:left">text</th>');
    expect(html).toContain('<td style="text-align:left">싫다</td><td style="text-align:right">0</td>');
  });

  it("prints the text table outside a notebook", () => {
    outsideNotebook();
    const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
    showTable([{ a: 1 }]);
    expect(log).toHaveBeenCalledWith("a\n-\n1");
  });
});

describe("showMarkdown", () => {
  it("emits text/markdown with a text/plain fallback", () => {
    inNotebook();
    showMarkdown("**굵게**");
    expect(emitted[0]?.content.data).toEqual({ "text/markdown": "**굵게**", "text/plain": "**굵게**" });
  });
});

describe("progressBar", () => {
  it("updates one display in place in a notebook and ends with the done message", () => {
    inNotebook();
    const bar = progressBar("학습", 4);
    for (let i = 0; i < 4; i++) bar.tick();
    bar.done("정확도 0.87");
    const ids = new Set(emitted.map((e) => e.content.transient?.display_id));
    expect(ids.size).toBe(1);
    expect(emitted[0]?.update).toBe(false);
    expect(emitted.slice(1).every((e) => e.update)).toBe(true);
    const last = emitted[emitted.length - 1]?.content.data ?? {};
    expect(String(last["text/plain"])).toMatch(/^학습 █+ 4\/4 \(100%\) .* 정확도 0\.87$/);
    expect(String(last["text/html"])).toContain('<progress value="4" max="4"');
  });

  it("prints a few plain lines when output is not a terminal", () => {
    outsideNotebook();
    const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
    const bar = progressBar("epochs", 1000);
    for (let i = 0; i < 1000; i++) bar.tick();
    bar.done();
    expect(log.mock.calls.length).toBeLessThanOrEqual(5);
    expect(String(log.mock.calls.at(-1)?.[0])).toContain("1000/1000 (100%)");
  });

  it("rejects a negative total", () => {
    expect(() => progressBar("x", -1)).toThrow(/non-negative/);
  });
});

describe("plain node", () => {
  it("displays degrade to text without loading tslab", () => {
    const script = [
      'const k = require("./dist");',
      'k.showPlot({ data: [{ type: "bar", x: [1], y: [2] }] });',
      'k.showTable([{ a: "한글" }]);',
      'k.showMarkdown("# 제목");',
      'const p = k.progressBar("p", 2); p.tick(); p.done("ok");',
      'console.log("tslab loaded:", Object.keys(require.cache).some((f) => f.includes("tslab")));',
    ].join("\n");
    const run = spawnSync(process.execPath, ["-e", script], { cwd: ROOT, encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("[chart] bar (1 points)");
    expect(run.stdout).toContain("a\n----\n한글");
    expect(run.stdout).toContain("# 제목");
    expect(run.stdout).toContain("2/2 (100%)");
    expect(run.stdout).toContain("tslab loaded: false");
  });
});

describe("lab knobs", () => {
  it("reads numbers, booleans and strings typed by the fallback", () => {
    const env = { N: "250", FLAG: "yes", OFF: "0", NAME: " nsmc ", EMPTY: "" };
    expect(labParam("N", 10, env)).toBe(250);
    expect(labParam("FLAG", false, env)).toBe(true);
    expect(labParam("OFF", true, env)).toBe(false);
    expect(labParam("NAME", "sample", env)).toBe("nsmc");
    expect(labParam("EMPTY", 7, env)).toBe(7);
    expect(labParam("MISSING", "x", env)).toBe("x");
  });

  it("names the variable, the value and the fix on a bad value", () => {
    expect(() => labParam("EPOCHS", 3, { EPOCHS: "three" })).toThrow(
      'Environment variable EPOCHS="three" is not a number. Set it to a number like 3',
    );
    expect(() => labParam("DEBUG", false, { DEBUG: "maybe" })).toThrow(
      /DEBUG="maybe" is not a yes\/no value/,
    );
  });

  it("isQuickRun follows WORKSHOP_QUICK", () => {
    expect(isQuickRun({ WORKSHOP_QUICK: "1" })).toBe(true);
    expect(isQuickRun({ WORKSHOP_QUICK: "0" })).toBe(false);
    expect(isQuickRun({})).toBe(false);
  });
});

it("the package notebooks import exports the display helpers under the agreed names", () => {
  // What `import { ... } from "ko-sagemaker"` gives a notebook: the built package through its self-link.
  const barrel = require(path.join(ROOT, "node_modules", "ko-sagemaker"));
  for (const name of ["showPlot", "showTable", "showMarkdown", "progressBar", "labParam", "isQuickRun"]) {
    expect(typeof barrel[name], name).toBe("function");
  }
});
