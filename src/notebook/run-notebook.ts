/**
 * Runs one notebook headless: a child process (so a crash or a runaway cell cannot poison the next notebook)
 * with the notebook's folder as its working directory, a per-cell time limit, and the executed copy written with
 * outputs and execution counts, whatever happened.
 */
import { fork } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { projectRoot } from "../project";
import type { ChildMessage } from "./lab-protocol";
import { cellSource, type Notebook, type NotebookOutput, readNotebook, splitLines } from "./nbformat";
import { labParam } from "./params";

export interface RunNotebookOptions {
  /** Where to write the executed copy; omitted: not written. */
  outputPath?: string;
  /** Time limit per cell in milliseconds (default: env `LABS_CELL_TIMEOUT_S`, else 600 s). */
  cellTimeoutMs?: number;
  /** Environment of the notebook process (default: this process's). */
  env?: NodeJS.ProcessEnv;
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
  failure?: CellFailure;
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

  return new Promise((resolve) => {
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
          clearTimer();
          timer = setTimeout(() => {
            fail(
              message.cell,
              "timeout",
              `the cell ran longer than ${timeoutMs / 1000} s and was stopped. ` +
                "Raise LABS_CELL_TIMEOUT_S (seconds) if it is expected to take longer.",
            );
            child.kill("SIGKILL");
          }, timeoutMs);
          break;
        case "outputs":
          outputs.set(message.cell, message.outputs);
          counts.set(message.cell, message.executionCount);
          break;
        case "cell-end":
          clearTimer();
          if (!message.ok) fail(message.cell, "error", message.error.text);
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
      let outputPath: string | undefined;
      if (options.outputPath) {
        outputPath = path.resolve(options.outputPath);
        mkdirSync(path.dirname(outputPath), { recursive: true });
        writeFileSync(outputPath, `${JSON.stringify(executedCopy(notebook, outputs, counts), null, 1)}\n`);
      }
      resolve({
        notebook: notebookPath,
        status: failure ? "failed" : "ok",
        seconds: (Date.now() - started) / 1000,
        cellsRun,
        ...(outputPath ? { outputPath } : {}),
        ...(failure ? { failure } : {}),
      });
    });
  });
}
