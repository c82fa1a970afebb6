/**
 * Plotly charts for notebooks. Each chart is one display with two representations: the plotly mime type, which
 * JupyterLab and VS Code render natively, and an HTML fallback that works offline in exported HTML and the
 * classic notebook. The fallback carries plotly.js itself the first time in a kernel process (4.8 MB; inlining it
 * per chart would bloat every notebook), and later charts only a `<div>` and a small script. The runner's executed
 * copies go further: the inline plotly.js is replaced by a loader of one shared plotly.min.js in the output folder
 * (see `externalizePlotly` in run-notebook.ts).
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { emitDisplay } from "./kernel-bridge";

export interface PlotFigure {
  data: object[];
  layout?: object;
  config?: object;
}

export const PLOTLY_MIME = "application/vnd.plotly.v1+json";

let plotlyInlined = false;

/** The plotly.js bundle the charts use. */
export function plotlyBundleFile(): string {
  return require.resolve("plotly.js-dist-min/plotly.min.js");
}

let plotlyText: string | undefined;
/** plotly.js as text: `require` of the bundle throws in Node (it expects a browser `self`). */
function plotlyScript(): string {
  plotlyText ??= readFileSync(plotlyBundleFile(), "utf8");
  return plotlyText;
}

/** The element that carries plotly.js inline (the first chart of a kernel process). */
export function inlinePlotlyElement(): string {
  return `<script type="text/javascript">${plotlyScript()}</script>`;
}

/**
 * What stands for the inline plotly.js in an executed copy: a script that loads `relativeUrl` (one copy of
 * plotly.min.js in the runner's output folder) relative to where the notebook is: beside an exported HTML file that
 * is the page itself; in Jupyter the notebook's page is /notebooks/<path>, /lab/tree/<path> or /doc/tree/<path> and
 * its folder's files are served under /files/<path>. The charts wait for it (see plotHtml).
 */
export function plotlyLoaderElement(relativeUrl: string): string {
  const url = scriptSafeJson(relativeUrl);
  return (
    `<script type="text/javascript">(function () { if (window.Plotly || document.getElementById("ko-plotly-loader")) return; ` +
    `var m = location.pathname.match(/^(.*?\\/)(?:notebooks|lab\\/tree|doc\\/tree|(?:lab|doc)\\/workspaces\\/[^\\/]+\\/tree)\\/(.*)$/); ` +
    `var base = m ? location.origin + m[1] + "files/" + m[2] : location.href; ` +
    `var s = document.createElement("script"); s.id = "ko-plotly-loader"; s.src = new URL(${url}, base).href; ` +
    `document.head.appendChild(s); })();</script>`
  );
}

/** JSON that is safe inside a `<script>` element (no `</script>` or `<!--` can appear). */
function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/** Builds the HTML fallback; includes plotly.js only when `withLibrary` is set. */
export function plotHtml(figure: PlotFigure, withLibrary: boolean): string {
  const id = `ko-plot-${randomBytes(6).toString("hex")}`;
  const library = withLibrary ? `${inlinePlotlyElement()}\n` : "";
  const args = [figure.data, figure.layout ?? {}, { responsive: true, ...(figure.config ?? {}) }]
    .map(scriptSafeJson)
    .join(", ");
  return (
    `${library}<div id="${id}" class="ko-sagemaker-plot" style="width:100%;min-height:420px"></div>\n` +
    // plotly.js may still be loading (an executed copy loads it from a file): wait up to 15 s for it.
    `<script type="text/javascript">(function () { var tries = 0; (function draw() { ` +
    `if (window.Plotly) { window.Plotly.newPlot("${id}", ${args}); } ` +
    `else if (++tries < 150) { setTimeout(draw, 100); } ` +
    `else { document.getElementById("${id}").textContent = "plotly.js is not loaded: in a live notebook re-run its first chart cell; an executed copy loads plotly.min.js from the runner's output folder (.work/labs), so keep that file beside the copies."; } })(); })();</script>`
  );
}

function describeFigure(figure: PlotFigure): string {
  const layout = (figure.layout ?? {}) as { title?: string | { text?: string } };
  const title = typeof layout.title === "string" ? layout.title : layout.title?.text;
  const traces = figure.data.map((trace) => {
    const t = trace as { type?: string; name?: string; x?: unknown[]; y?: unknown[] };
    const points = Array.isArray(t.x) ? t.x.length : Array.isArray(t.y) ? t.y.length : 0;
    return `${t.type ?? "scatter"}${t.name ? ` "${t.name}"` : ""} (${points} points)`;
  });
  return `[chart${title ? `: ${title}` : ""}] ${traces.join(", ")}`;
}

/** Shows a plotly figure (`{ data, layout, config }`); outside a notebook prints a one-line description. */
export function showPlot(figure: PlotFigure): void {
  if (!figure || !Array.isArray(figure.data)) {
    throw new TypeError(
      "showPlot expects a figure like { data: [{ type: 'bar', x: [...], y: [...] }], layout: {...} }.",
    );
  }
  const text = describeFigure(figure);
  const bundle = {
    [PLOTLY_MIME]: { data: figure.data, layout: figure.layout ?? {}, config: figure.config ?? {} },
    "text/html": plotHtml(figure, !plotlyInlined),
    "text/plain": text,
  };
  if (emitDisplay(bundle)) {
    plotlyInlined = true;
  } else {
    console.log(text);
  }
}
