/**
 * Executed copies stay small and still draw their charts offline: the runner replaces the inline plotly.js (4.8 MB
 * in the first chart of every notebook) by a loader of one plotly.min.js in its output folder, and the summary
 * says each copy's size and that file. Where Chromium is installed, the copy exported to HTML beside it is opened
 * headless, offline, and every chart must be drawn.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Notebook } from "../../src/notebook/nbformat";
import { plotlyBundleFile } from "../../src/notebook/plot";
import { formatSummary } from "../../src/notebook/run-labs";
import { type NotebookRunResult, runNotebook } from "../../src/notebook/run-notebook";
import { jupyterCommand, ROOT, writeNotebook } from "./helpers";

const chromium = ["chromium", "chromium-browser", "google-chrome"].find(
  (c) => spawnSync(c, ["--version"], { encoding: "utf8" }).status === 0,
);

let work: string;
let result: NotebookRunResult;
let copy: string;

beforeAll(async () => {
  // Inside the project, so the notebook's `import ... from "ko-sagemaker"` resolves as the labs' does.
  mkdirSync(path.join(ROOT, ".work"), { recursive: true });
  work = mkdtempSync(path.join(ROOT, ".work", "test-plotly-"));
  const file = writeNotebook(path.join(work, "9.9_Charts.ipynb"), [
    [
      "code",
      'import { showPlot } from "ko-sagemaker";\nshowPlot({ data: [{ type: "bar", x: ["a", "b"], y: [3, 4] }] });',
    ],
    ["code", 'showPlot({ data: [{ type: "scatter", y: [1, 3, 2] }], layout: { title: { text: "둘째" } } });'],
  ]);
  copy = path.join(work, "out", "9_Part", "9.9_Charts.ipynb");
  result = await runNotebook(file, {
    outputPath: copy,
    assetsDir: path.join(work, "out"),
    cellTimeoutMs: 60_000,
  });
}, 120_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("executed copies and plotly.js", () => {
  it("carry a loader of one shared plotly.min.js instead of the library", () => {
    expect(result.status, result.failure?.error).toBe("ok");
    const text = readFileSync(copy, "utf8");
    expect(text).not.toContain("plotly.js v");
    expect(result.outputBytes).toBeLessThan(50_000);
    expect(result.plotlyFile).toBe(path.join(work, "out", "plotly.min.js"));
    expect(readFileSync(result.plotlyFile as string)).toEqual(readFileSync(plotlyBundleFile()));
    const nb = JSON.parse(text) as Notebook;
    const htmls = nb.cells.flatMap((c) =>
      (c.outputs ?? []).map((o) => (o.output_type === "display_data" ? String(o.data["text/html"]) : "")),
    );
    expect(htmls[0]).toContain('"../plotly.min.js"');
    expect(htmls[0]).toContain("ko-plotly-loader");
    expect(htmls[1]).not.toContain("ko-plotly-loader");
  });

  it("the summary gives each copy's size and the shared file once", () => {
    const summary = formatSummary([{ notebook: "9_Part/9.9_Charts.ipynb", result }]);
    expect(summary).toMatch(/9_Part\/9\.9_Charts\.ipynb\s+ok\s+[\d.]+\s+-\s+\d+ KB/);
    expect(summary).toContain(`(+ plotly.js once, 4.6 MB: ${path.join(work, "out", "plotly.min.js")})`);
  });

  it("keeps plotly.js inline when asked (assetsDir: false)", async () => {
    const inline = path.join(work, "inline", "9.9_Charts.ipynb");
    const run = await runNotebook(path.join(work, "9.9_Charts.ipynb"), {
      outputPath: inline,
      assetsDir: false,
      cellTimeoutMs: 60_000,
    });
    expect(run.plotlyFile).toBeUndefined();
    expect(statSync(inline).size).toBeGreaterThan(4_000_000);
  }, 120_000);

  it.skipIf(!chromium)(
    "exported to HTML beside the copy, every chart draws offline in headless Chromium",
    () => {
      const jupyter = jupyterCommand();
      if (!jupyter) throw new Error("Jupyter is not installed (Debian: jupyter-nbconvert ...)");
      const dir = path.dirname(copy);
      const html = spawnSync(
        jupyter.command,
        [...jupyter.prefix, "nbconvert", "--to", "html", "--output-dir", dir, copy],
        {
          encoding: "utf8",
          timeout: 120_000,
        },
      );
      expect(html.status, html.stderr).toBe(0);
      const page = path.join(dir, "9.9_Charts.html");
      // The charts wait up to 15 s for plotly.js before they say it is missing: give the page 20 s of virtual time.
      const dom = (file: string) =>
        spawnSync(
          chromium as string,
          [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--virtual-time-budget=20000",
            "--dump-dom",
            `file://${file}`,
          ],
          { encoding: "utf8", timeout: 90_000 },
        ).stdout;
      const drawn = dom(page).match(/class="ko-sagemaker-plot js-plotly-plot"/g) ?? [];
      expect(drawn).toHaveLength(2);
      // Moved away from plotly.min.js, the page says what is missing instead of drawing nothing.
      const alone = path.join(mkdtempSync(path.join(work, "alone-")), "9.9_Charts.html");
      writeFileSync(alone, readFileSync(page));
      expect(dom(alone)).toContain(">plotly.js is not loaded");
    },
    240_000,
  );
});
