/**
 * `npm run labs [-- 2.3 3.1 ...]`: executes the workshop's notebooks headless, in order, each in its own process,
 * writes the executed copies to `.work/labs/`, prints a summary, and exits non-zero if any notebook failed.
 * A failing notebook stops at its failing cell; the others still run, so one run shows every broken lab.
 * Knobs: LABS_CELL_TIMEOUT_S (per-cell limit, default 600), LABS_DIR and LABS_OUT_DIR (other folders).
 */
import path from "node:path";
import { projectRoot } from "../project";
import { localSageMakerHealth, localSageMakerUrl, stopLocalSageMaker } from "../sagemaker/local-launcher";
import { findLabNotebooks } from "./discover";
import { type NotebookRunResult, runNotebook } from "./run-notebook";
import { padDisplay } from "./text-width";

export interface RunLabsOptions {
  /** Folder searched for notebooks (default `<root>/labs`, or env `LABS_DIR`). */
  labsDir?: string;
  /** Where executed copies go, mirroring the labs folder (default `<root>/.work/labs`, or env `LABS_OUT_DIR`). */
  outDir?: string;
  filters?: string[];
  log?: (line: string) => void;
}

export function defaultLabsDir(): string {
  return path.resolve(process.env.LABS_DIR || path.join(projectRoot(), "labs"));
}

export function defaultLabsOutDir(): string {
  return path.resolve(process.env.LABS_OUT_DIR || path.join(projectRoot(), ".work", "labs"));
}

function indent(text: string, prefix = "    "): string {
  return text
    .split("\n")
    .map((l) => prefix + l)
    .join("\n");
}

export function formatFailure(relative: string, result: NotebookRunResult): string {
  const f = result.failure;
  if (!f) return "";
  const label = f.kind === "timeout" ? "timed out" : f.kind === "crash" ? "crashed" : "failed";
  return [
    `✗ ${relative}: cell ${f.cell}${f.executionCount !== null ? ` (In [${f.executionCount}])` : ""} ${label}`,
    "  source:",
    indent(f.sourceStart),
    "  error:",
    indent(f.error),
  ].join("\n");
}

export function formatSummary(rows: { notebook: string; result: NotebookRunResult }[]): string {
  const header = ["notebook", "status", "seconds"];
  const body = rows.map(({ notebook, result }) => [
    notebook,
    result.status === "ok" ? "ok" : `FAILED (cell ${result.failure?.cell})`,
    result.seconds.toFixed(1),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => padDisplay(c, widths[i] ?? 0, i === 2)).join("  ");
  const total = rows.reduce((sum, r) => sum + r.result.seconds, 0);
  return [
    line(header),
    widths.map((w) => "-".repeat(w)).join("  "),
    ...body.map(line),
    `total ${total.toFixed(1)} s`,
  ].join("\n");
}

/** Runs the selected labs; resolves with each result (in order). */
export async function runLabs(
  options: RunLabsOptions = {},
): Promise<{ notebook: string; result: NotebookRunResult }[]> {
  const labsDir = options.labsDir ?? defaultLabsDir();
  const outDir = options.outDir ?? defaultLabsOutDir();
  const log = options.log ?? ((line: string) => console.log(line));
  const filters = options.filters ?? [];
  const notebooks = findLabNotebooks(labsDir, filters);
  if (notebooks.length === 0) {
    const all = findLabNotebooks(labsDir).map((f) => path.relative(labsDir, f));
    throw new Error(
      `No notebook under ${labsDir} matches ${filters.map((f) => `"${f}"`).join(", ") || "anything"}. ` +
        `Available: ${all.join(", ") || "none"}.`,
    );
  }
  const rows: { notebook: string; result: NotebookRunResult }[] = [];
  for (const file of notebooks) {
    const relative = path.relative(labsDir, file);
    log(`▶ ${relative}`);
    const result = await runNotebook(file, { outputPath: path.join(outDir, relative) });
    log(
      result.status === "ok"
        ? `✓ ${relative} (${result.seconds.toFixed(1)} s)`
        : formatFailure(relative, result),
    );
    rows.push({ notebook: relative, result });
  }
  return rows;
}

async function localSageMakerAnswers(url: string): Promise<boolean> {
  try {
    return (await localSageMakerHealth(url)) !== undefined;
  } catch {
    return false; // something else answers there: not ours to stop
  }
}

/**
 * The command: labs run in the background against local SageMaker, which the first lab that needs it starts.
 * A server that was already running belongs to the user and stays; one the labs started is stopped at the end.
 */
async function main(filters: string[]): Promise<number> {
  const url = localSageMakerUrl();
  const runningBefore = await localSageMakerAnswers(url);
  // A server the labs start lets idle serverless containers go after 10 s, so lab 4.5 can show it without a
  // two-minute wait; a server of the user's keeps its own setting (the lab reads it).
  if (!runningBefore) process.env.LOCAL_SAGEMAKER_SERVERLESS_IDLE_SECONDS ??= "10";
  const rows = await runLabs({ filters });
  if (!runningBefore && (await localSageMakerAnswers(url))) {
    await stopLocalSageMaker(url);
    console.log(`Stopped local SageMaker at ${url}, which the labs had started.`);
  }
  console.log(`\n${formatSummary(rows)}`);
  console.log(`Executed copies: ${defaultLabsOutDir()}`);
  return rows.every((r) => r.result.status === "ok") ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exitCode = 2;
    },
  );
}
