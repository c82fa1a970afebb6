/**
 * Runs one notebook headless: a child process (so a crash or a runaway cell cannot poison the next notebook)
 * with the notebook's folder as its working directory, a per-cell time limit, and the executed copy written with
 * outputs and execution counts, whatever happened.
 */
import { fork } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { DataUse } from "../data/usage";
import { projectRoot } from "../project";
import type { ChildMessage } from "./lab-protocol";
import {
  cellSource,
  isCleanupCell,
  type Notebook,
  type NotebookOutput,
  readNotebook,
  splitLines,
} from "./nbformat";
import { labParam } from "./params";
import { inlinePlotlyElement, plotlyBundleFile, plotlyLoaderElement } from "./plot";
import { labIdOf, type SweepOutcome, sweepLab } from "./sweep";

export interface RunNotebookOptions {
  /** Where to write the executed copy; omitted: not written. */
  outputPath?: string;
  /** Time limit per cell in milliseconds (default: env `LABS_CELL_TIMEOUT_S`, else 600 s). */
  cellTimeoutMs?: number;
  /** Environment of the notebook process (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /**
   * After a failure, run the workshop sweep for the lab named by the notebook's number ("4.1_..." → lab 4.1),
   * in the notebook's environment (default true; unnumbered notebooks have no lab to sweep).
   */
  sweep?: boolean;
  /**
   * Where the executed copy's charts find plotly.js: the inline copy (4.8 MB, once per notebook) is replaced by a
   * loader of `<assetsDir>/plotly.min.js`, written there once (default: the executed copy's folder; `npm run labs`
   * uses its output folder, so every copy shares one). `false` keeps plotly.js inline.
   */
  assetsDir?: string | false;
}

/** One cell tagged "cleanup", as it went after a failure. */
export interface CleanupCellRun {
  /** 1-based, as CellFailure.cell. */
  cell: number;
  status: "ok" | "failed" | "timeout" | "not run";
  error?: string;
}

/** What the runner did so that a failed notebook leaves nothing running. */
export interface AfterFailure {
  /** The notebook's cells tagged "cleanup" after the failing cell, in order. */
  cleanupCells: CleanupCellRun[];
  /** The workshop sweep for the notebook's lab; absent for an unnumbered notebook or with `sweep: false`. */
  sweep?: SweepOutcome;
}

export interface CellFailure {
  /** 1-based position of the cell in the notebook, counting every cell (as a person counts them on screen). */
  cell: number;
  /** The `In [n]` number the cell got. */
  executionCount: number | null;
  /** The first lines of the cell's source. */
  sourceStart: string;
  kind: "error" | "timeout" | "crash";
  /** The real error: message and the user's stack frames (or what the timeout/crash was). */
  error: string;
}

export interface NotebookRunResult {
  notebook: string;
  status: "ok" | "failed";
  seconds: number;
  /** Code cells that ran (including a failing one). */
  cellsRun: number;
  outputPath?: string;
  /** Size of the executed copy in bytes. */
  outputBytes?: number;
  /** The plotly.js file the executed copy's charts load, when they have any. */
  plotlyFile?: string;
  failure?: CellFailure;
  /** Set when the notebook failed: its cleanup cells and the lab's sweep. */
  afterFailure?: AfterFailure;
  /** The data the notebook used, as its loaders recorded it. */
  dataUses: DataUse[];
}

const SOURCE_LINES_SHOWN = 4;

export function defaultCellTimeoutMs(): number {
  const seconds = labParam("LABS_CELL_TIMEOUT_S", 600);
  if (seconds <= 0) throw new Error(`LABS_CELL_TIMEOUT_S=${seconds} must be a positive number of seconds.`);
  return seconds * 1000;
}

function childScript(): string {
  const script = path.join(projectRoot(), "dist", "notebook", "lab-kernel-child.js");
  if (!existsSync(script)) {
    throw new Error(`The notebook runner is not built (${script} is missing). Run \`npm run build\` first.`);
  }
  return script;
}

function sourceStart(notebook: Notebook, cell: number): string {
  const lines = cellSource(notebook.cells[cell] ?? { cell_type: "code", source: "", metadata: {} }).split(
    "\n",
  );
  const shown = lines.slice(0, SOURCE_LINES_SHOWN).join("\n");
  return lines.length > SOURCE_LINES_SHOWN ? `${shown}\n…` : shown;
}

/** The executed copy: the notebook with the outputs and counts the run produced, JSON as Jupyter writes it. */
function executedCopy(
  notebook: Notebook,
  outputs: Map<number, NotebookOutput[]>,
  counts: Map<number, number | null>,
) {
  const cells = notebook.cells.map((cell, i) => {
    if (cell.cell_type !== "code") return cell;
    const out = (outputs.get(i) ?? []).map((o) =>
      o.output_type === "stream" ? { ...o, text: splitLines(o.text) } : o,
    );
    return { ...cell, execution_count: counts.get(i) ?? null, outputs: out };
  });
  return { ...notebook, cells };
}

/**
 * Replaces the inline plotly.js in the copy's chart outputs by a loader of one shared `plotly.min.js` in
 * `assetsDir` (written when missing or different); returns that file, or undefined when no output carried it.
 */
export function externalizePlotly(
  copy: { cells: { outputs?: { output_type: string; data?: Record<string, unknown> }[] }[] },
  outputPath: string,
  assetsDir: string,
): string | undefined {
  const inline = inlinePlotlyElement();
  const target = path.join(assetsDir, "plotly.min.js");
  const relative = path.relative(path.dirname(outputPath), target).split(path.sep).join("/");
  let used = false;
  for (const cell of copy.cells) {
    for (const output of cell.outputs ?? []) {
      if (output.output_type !== "display_data" || !output.data) continue;
      const html = output.data["text/html"];
      const text = Array.isArray(html) ? html.join("") : html;
      if (typeof text !== "string" || !text.includes(inline)) continue;
      output.data["text/html"] = text.replace(inline, plotlyLoaderElement(relative));
      used = true;
    }
  }
  if (!used) return undefined;
  const source = plotlyBundleFile();
  if (!existsSync(target) || statSync(target).size !== statSync(source).size) {
    mkdirSync(assetsDir, { recursive: true });
    copyFileSync(source, target);
  }
  return target;
}

function errorOutput(failure: CellFailure): NotebookOutput {
  return {
    output_type: "error",
    ename: failure.kind,
    evalue: failure.error,
    traceback: failure.error.split("\n"),
  };
}

/** Executes `file` top to bottom; resolves (never rejects for notebook errors) with what happened. */
export async function runNotebook(
  file: string,
  options: RunNotebookOptions = {},
): Promise<NotebookRunResult> {
  const notebookPath = path.resolve(file);
  const notebook = readNotebook(notebookPath);
  const timeoutMs = options.cellTimeoutMs ?? defaultCellTimeoutMs();
  const script = childScript();
  const started = Date.now();
  const outputs = new Map<number, NotebookOutput[]>();
  const counts = new Map<number, number | null>();
  let cellsRun = 0;
  let currentCell = -1;
  let failure: CellFailure | undefined;
  let finished = false;
  let stderrTail = "";

  const fail = (cell: number, kind: CellFailure["kind"], error: string) => {
    failure ??= {
      cell: cell + 1,
      executionCount: counts.get(cell) ?? null,
      sourceStart: sourceStart(notebook, cell),
      kind,
      error,
    };
  };

  const cleanupRuns = new Map<number, CleanupCellRun>();
  let cleanupDone = false;
  let currentCleanup: number | undefined;
  let uses: DataUse[] = [];

  await new Promise<void>((resolveExit) => {
    const child = fork(script, [notebookPath], {
      cwd: path.dirname(notebookPath),
      env: options.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe", "ipc"],
    });
    let timer: NodeJS.Timeout | undefined;
    const clearTimer = () => {
      if (timer) clearTimeout(timer);
      timer = undefined;
    };
    const limit = (onTimeout: () => void) => {
      clearTimer();
      timer = setTimeout(() => {
        onTimeout();
        child.kill("SIGKILL");
      }, timeoutMs);
    };
    const tooLong = `the cell ran longer than ${timeoutMs / 1000} s and was stopped. Raise LABS_CELL_TIMEOUT_S (seconds) if it is expected to take longer.`;
    child.stderr?.on("data", (chunk: Buffer) => {
      stderrTail = (stderrTail + chunk.toString("utf8")).slice(-4000);
    });
    child.stdout?.resume();

    child.on("message", (raw) => {
      const message = raw as ChildMessage;
      switch (message.type) {
        case "cell-start":
          currentCell = message.cell;
          cellsRun++;
          limit(() => fail(message.cell, "timeout", tooLong));
          break;
        case "outputs":
          outputs.set(message.cell, message.outputs);
          counts.set(message.cell, message.executionCount);
          break;
        case "cell-end":
          clearTimer();
          if (!message.ok) fail(message.cell, "error", message.error.text);
          break;
        case "cleanup-start":
          currentCleanup = message.cell;
          cellsRun++;
          limit(() =>
            cleanupRuns.set(message.cell, { cell: message.cell + 1, status: "timeout", error: tooLong }),
          );
          break;
        case "cleanup-end":
          clearTimer();
          currentCleanup = undefined;
          cleanupRuns.set(
            message.cell,
            message.ok
              ? { cell: message.cell + 1, status: "ok" }
              : { cell: message.cell + 1, status: "failed", error: message.error.text },
          );
          break;
        case "cleanup-done":
          cleanupDone = true;
          break;
        case "data-used":
          uses = message.uses;
          break;
        case "finished":
          finished = true;
          break;
      }
    });

    child.on("exit", (code, signal) => {
      clearTimer();
      if (!failure && !finished) {
        const why = signal ? `was killed by ${signal}` : `exited with code ${code}`;
        const detail = stderrTail.trim() ? `\n${stderrTail.trim()}` : "";
        fail(
          Math.max(currentCell, 0),
          "crash",
          `the notebook process ${why} before the notebook finished.${detail}`,
        );
      }
      if (failure && failure.kind !== "error") {
        // The child could not record it itself: put the reason where a reader of the executed copy looks.
        const cell = failure.cell - 1;
        outputs.set(cell, [...(outputs.get(cell) ?? []), errorOutput(failure)]);
      }
      if (currentCleanup !== undefined && !cleanupRuns.has(currentCleanup)) {
        cleanupRuns.set(currentCleanup, {
          cell: currentCleanup + 1,
          status: "failed",
          error: `the notebook process ${signal ? `was killed by ${signal}` : `exited with code ${code}`} during this cell.`,
        });
      }
      resolveExit();
    });
  });

  let afterFailure: AfterFailure | undefined;
  if (failure) {
    // Cleanup cells after the failing one: those the process ran, and those it could not (it was stopped).
    const cleanupCells: CleanupCellRun[] = notebook.cells
      .map((cell, index) => ({ cell, index }))
      .filter(
        ({ cell, index }) =>
          index > (failure as CellFailure).cell - 1 &&
          cell.cell_type === "code" &&
          cellSource(cell).trim() !== "" &&
          isCleanupCell(cell),
      )
      .map(
        ({ index }) =>
          cleanupRuns.get(index) ?? {
            cell: index + 1,
            status: "not run",
            error: cleanupDone ? undefined : "the notebook process was stopped before it could run this cell",
          },
      );
    afterFailure = { cleanupCells };
    const lab = labIdOf(notebookPath);
    if (lab && options.sweep !== false) afterFailure.sweep = await sweepLab(lab, options.env ?? process.env);
  }

  let outputPath: string | undefined;
  let outputBytes: number | undefined;
  let plotlyFile: string | undefined;
  if (options.outputPath) {
    outputPath = path.resolve(options.outputPath);
    mkdirSync(path.dirname(outputPath), { recursive: true });
    const copy = executedCopy(notebook, outputs, counts);
    if (options.assetsDir !== false)
      plotlyFile = externalizePlotly(copy, outputPath, options.assetsDir ?? path.dirname(outputPath));
    const text = `${JSON.stringify(copy, null, 1)}\n`;
    writeFileSync(outputPath, text);
    outputBytes = Buffer.byteLength(text);
  }
  return {
    notebook: notebookPath,
    status: failure ? "failed" : "ok",
    seconds: (Date.now() - started) / 1000,
    cellsRun,
    ...(outputPath ? { outputPath } : {}),
    ...(outputBytes !== undefined ? { outputBytes } : {}),
    ...(plotlyFile ? { plotlyFile } : {}),
    ...(failure ? { failure } : {}),
    ...(afterFailure ? { afterFailure } : {}),
    dataUses: uses,
  };
}
