/**
 * `npm run labs [-- 2.3 3.1 ...]`: executes the workshop's notebooks headless, in order, each in its own process,
 * writes the executed copies to `.work/labs/`, prints a summary, and exits non-zero if any notebook failed.
 * A failing notebook stops at its failing cell; the others still run, so one run shows every broken lab.
 * Knobs: LABS_CELL_TIMEOUT_S (per-cell limit, default 600), LABS_DIR and LABS_OUT_DIR (other folders).
 */
import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { resolveKnobPath } from "../common/knob-path";
import { defaultStateDir, LAB_ALARM_TIME_SCALE, type LocalSageMakerHealth } from "../common/local-sagemaker";
import { describeDataUses } from "../data/usage";
import { projectRoot } from "../project";
import { describeDeleted } from "../sagemaker/cleanup";
import { loadWorkshopConfig } from "../sagemaker/config";
import { localSageMakerHealth, localSageMakerUrl, stopLocalSageMaker } from "../sagemaker/local-launcher";
import { findLabNotebooks } from "./discover";
import { type AfterFailure, type NotebookRunResult, runNotebook } from "./run-notebook";
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
  return process.env.LABS_DIR ? resolveKnobPath(process.env.LABS_DIR) : path.join(projectRoot(), "labs");
}

export function defaultLabsOutDir(): string {
  return process.env.LABS_OUT_DIR
    ? resolveKnobPath(process.env.LABS_OUT_DIR)
    : path.join(projectRoot(), ".work", "labs");
}

function indent(text: string, prefix = "    "): string {
  return text
    .split("\n")
    .map((l) => prefix + l)
    .join("\n");
}

/** "38 KB", "4.9 MB". */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** What the runner did after a failure, in one line per step (for the failure report and the summary). */
export function describeAfterFailure(after: AfterFailure): string[] {
  const lines: string[] = [];
  if (after.cleanupCells.length === 0) lines.push("no cell tagged cleanup after the failing cell");
  for (const run of after.cleanupCells) {
    const error = run.error ? `: ${run.error.split("\n")[0]}` : "";
    lines.push(`cleanup cell ${run.cell}: ${run.status}${error}`);
  }
  const sweep = after.sweep;
  if (!sweep) return lines;
  if (sweep.status === "swept") {
    lines.push(`sweep of lab ${sweep.lab} (${sweep.mode}): deleted ${describeDeleted(sweep.deleted)}`);
  } else if (sweep.status === "skipped") {
    lines.push(`sweep of lab ${sweep.lab} skipped: ${sweep.reason}`);
  } else {
    lines.push(`sweep of lab ${sweep.lab} FAILED: ${sweep.error}`);
  }
  return lines;
}

/** The summary table's short form: "cleanup ok, swept 3", "cleanup failed, swept 0", "sweep FAILED". */
function afterFailureCell(after: AfterFailure | undefined): string {
  if (!after) return "";
  const cells = after.cleanupCells;
  const cleanup =
    cells.length === 0
      ? "no cleanup cell"
      : cells.every((c) => c.status === "ok")
        ? "cleanup ok"
        : `cleanup ${cells.find((c) => c.status !== "ok")?.status}`;
  const sweep = after.sweep;
  if (!sweep) return cleanup;
  if (sweep.status === "failed") return `${cleanup}, sweep FAILED`;
  if (sweep.status === "skipped") return `${cleanup}, sweep skipped`;
  const count = Object.values(sweep.deleted).reduce((sum, list) => sum + list.length, 0);
  return `${cleanup}, swept ${count}`;
}

export function formatFailure(relative: string, result: NotebookRunResult): string {
  const f = result.failure;
  if (!f) return "";
  const label = f.kind === "timeout" ? "timed out" : f.kind === "crash" ? "crashed" : "failed";
  const after = result.afterFailure ? describeAfterFailure(result.afterFailure) : [];
  return [
    `✗ ${relative}: cell ${f.cell}${f.executionCount !== null ? ` (In [${f.executionCount}])` : ""} ${label}`,
    "  source:",
    indent(f.sourceStart),
    "  error:",
    indent(f.error),
    ...(after.length ? ["  after the failure:", ...after.map((line) => `    ${line}`)] : []),
  ].join("\n");
}

export function formatSummary(rows: { notebook: string; result: NotebookRunResult }[]): string {
  const anyFailed = rows.some((r) => r.result.status !== "ok");
  const header = [
    "notebook",
    "status",
    "seconds",
    "data",
    "executed copy",
    ...(anyFailed ? ["after failure"] : []),
  ];
  const body = rows.map(({ notebook, result }) => [
    notebook,
    result.status === "ok" ? "ok" : `FAILED (cell ${result.failure?.cell})`,
    result.seconds.toFixed(1),
    describeDataUses(result.dataUses ?? []),
    result.outputBytes === undefined ? "" : formatBytes(result.outputBytes),
    ...(anyFailed ? [afterFailureCell(result.afterFailure)] : []),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => padDisplay(c, widths[i] ?? 0, i === 2))
      .join("  ")
      .trimEnd();
  const total = rows.reduce((sum, r) => sum + r.result.seconds, 0);
  const bytes = rows.reduce((sum, r) => sum + (r.result.outputBytes ?? 0), 0);
  const notes: string[] = [];
  const failed = rows.filter((r) => r.result.afterFailure);
  if (failed.length > 0) {
    notes.push("After failures (cleanup cells tagged `cleanup`, then the lab's workshop sweep):");
    for (const { notebook, result } of failed) {
      for (const text of describeAfterFailure(result.afterFailure as AfterFailure))
        notes.push(`  ${notebook}: ${text}`);
    }
  }
  const kinds = new Set(rows.flatMap((r) => (r.result.dataUses ?? []).map((u) => u.kind)));
  if (kinds.has("sample")) {
    notes.push(
      'data "sample": the 300 reviews in data/sample (written for this project) stood in for NSMC, which was not ' +
        "found; numbers from those notebooks are not NSMC results. Get the corpus with `npm run data` (or NSMC_DIR=...).",
    );
  }
  if (rows.some((r) => (r.result.dataUses ?? []).some((u) => u.quick))) {
    notes.push('data "(quick)": WORKSHOP_QUICK=1 subsets, not the whole dataset.');
  }
  const plotly = rows.map((r) => r.result.plotlyFile).find((f) => f !== undefined);
  const plotlyNote =
    plotly && existsSync(plotly)
      ? ` (+ plotly.js once, ${formatBytes(statSync(plotly).size)}: ${plotly})`
      : "";
  return [
    line(header),
    widths.map((w) => "-".repeat(w)).join("  "),
    ...body.map(line),
    `total ${total.toFixed(1)} s, executed copies ${formatBytes(bytes)}${plotlyNote}`,
    ...notes,
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
    const result = await runNotebook(file, { outputPath: path.join(outDir, relative), assetsDir: outDir });
    log(
      result.status === "ok"
        ? `✓ ${relative} (${result.seconds.toFixed(1)} s)`
        : formatFailure(relative, result),
    );
    rows.push({ notebook: relative, result });
  }
  return rows;
}

/** Who answers at `url`: local SageMaker (its health), nothing, or something else (not ours to use or stop). */
async function localSageMakerAt(url: string): Promise<LocalSageMakerHealth | "nothing" | "other"> {
  try {
    return (await localSageMakerHealth(url)) ?? "nothing";
  } catch {
    return "other";
  }
}

function workshopMode(): string {
  try {
    return loadWorkshopConfig().mode;
  } catch {
    return "local"; // the first lab reports the configuration error itself
  }
}

/**
 * The command: labs run in the background against local SageMaker, which the first lab that needs it starts.
 * A server that was already running belongs to the user and stays; one the labs started is stopped at the end.
 * Both are said, with the URL and the pid, so nobody wonders what is still running.
 */
async function main(filters: string[]): Promise<number> {
  const url = localSageMakerUrl();
  const local = workshopMode() === "local";
  const before = await localSageMakerAt(url);
  if (!local) {
    console.log(
      "SageMaker mode: aws (SM_MODE / config file): the labs use Amazon SageMaker, not local SageMaker.",
    );
  } else if (typeof before === "object") {
    console.log(
      `Local SageMaker: using the server already running at ${url} (pid ${before.pid}); it is left running.`,
    );
  } else if (before === "nothing") {
    console.log(
      `Local SageMaker: none at ${url}; the first lab that needs it starts one (state ${defaultStateDir()}), ` +
        "and it is stopped when the labs are done.",
    );
  }
  // A server the labs start lets idle serverless containers go after 10 s, so lab 4.5 can show it without a
  // two-minute wait; a server of the user's keeps its own setting (the lab reads it).
  if (before === "nothing") process.env.LOCAL_SAGEMAKER_SERVERLESS_IDLE_SECONDS ??= "10";
  // Likewise its alarms judge a 60 s period on 1 s windows (cooldowns 1/60 as long), so lab 4.8's target tracking
  // scales out and back in within a minute instead of twenty; lab 5.2's 10 s alarms run on 1 s windows too.
  if (before === "nothing") process.env.LOCAL_SAGEMAKER_ALARM_TIME_SCALE ??= String(LAB_ALARM_TIME_SCALE);
  const rows = await runLabs({ filters });
  console.log(`\n${formatSummary(rows)}`);
  console.log(`Executed copies: ${defaultLabsOutDir()}`);
  if (local) {
    const after = await localSageMakerAt(url);
    if (before === "nothing" && typeof after === "object") {
      await stopLocalSageMaker(url);
      console.log(`Stopped local SageMaker at ${url} (pid ${after.pid}), which the labs had started.`);
    } else if (before === "nothing") {
      console.log("No lab started local SageMaker; nothing to stop.");
    } else if (typeof before === "object") {
      console.log(
        `Local SageMaker at ${url} (pid ${before.pid}) was running before the labs and still is: ` +
          "`npm run local -- status` shows what it holds, `npm run local -- stop` stops it.",
      );
    }
  }
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
