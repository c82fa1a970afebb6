/**
 * Runs one notebook in this process with tslab's own executor and converter (no Jupyter, no Python), started by
 * `runNotebook` with the notebook's folder as the working directory: tslab compiles cells against the current
 * directory, exactly as its kernel does under Jupyter. Outputs are captured the way tslab's Jupyter handler
 * captures them (patched stdout/stderr writes, the `lastWriteDisplayData` channel) and sent to the parent after
 * each cell, so the parent keeps everything up to a crash or a timeout.
 *
 * Usage (internal): node lab-kernel-child.js <notebook.ipynb>
 */
import path from "node:path";
import { createConverter } from "tslab/dist/converter";
import { type ConverterSet, createExecutor } from "tslab/dist/executor";
import { dataUses } from "../data/usage";
import { asyncCellError, cellErrorFromReports } from "./error-text";
import type { DisplayContent } from "./kernel-bridge";
import { installDisplayChannel } from "./kernel-bridge";
import type { CellError, ChildMessage } from "./lab-protocol";
import { cellSource, isCleanupCell, type NotebookOutput, readNotebook } from "./nbformat";

/** The real stderr, for failures of the runner itself (the parent reads it when the child dies). */
const realStderrWrite = process.stderr.write.bind(process.stderr);

function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!process.send) {
      reject(
        new Error("lab-kernel-child.js runs only as a child of the lab runner (it needs an IPC channel)."),
      );
      return;
    }
    process.send(message, (err: Error | null) => (err ? reject(err) : resolve()));
  });
}

async function main(): Promise<void> {
  const file = path.resolve(process.argv[2] ?? "");
  const notebook = readNotebook(file);
  const outputs: NotebookOutput[][] = notebook.cells.map(() => []);
  const counts: (number | null)[] = notebook.cells.map(() => null);
  const displays = new Map<string, NotebookOutput[]>();
  const dirty = new Set<number>();
  let current = 0;
  let asyncError: CellError | undefined;

  const append = (output: NotebookOutput) => {
    const list = outputs[current] ?? [];
    const last = list[list.length - 1];
    // Consecutive writes to one stream form one output, as in Jupyter.
    if (output.output_type === "stream" && last?.output_type === "stream" && last.name === output.name) {
      last.text += output.text;
    } else {
      list.push(output);
    }
    dirty.add(current);
  };

  const patchWrite = (stream: NodeJS.WriteStream, name: "stdout" | "stderr") => {
    stream.write = ((chunk: string | Uint8Array, encoding?: unknown, callback?: unknown) => {
      const text = typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
      append({ output_type: "stream", name, text });
      const done = typeof encoding === "function" ? encoding : callback;
      if (typeof done === "function") done();
      return true;
    }) as typeof stream.write;
  };
  patchWrite(process.stdout, "stdout");
  patchWrite(process.stderr, "stderr");

  installDisplayChannel((content: DisplayContent, update: boolean) => {
    const id = content.transient?.display_id;
    if (update && id !== undefined) {
      // update_display_data replaces every output showing this display, wherever it is.
      for (const shown of displays.get(id) ?? []) {
        if (shown.output_type === "display_data") shown.data = content.data;
      }
      outputs.forEach((list, cell) => {
        if (list.some((o) => (displays.get(id) ?? []).includes(o))) dirty.add(cell);
      });
      return;
    }
    const output: NotebookOutput = {
      output_type: "display_data",
      data: content.data,
      metadata: content.metadata,
    };
    append(output);
    if (id !== undefined) displays.set(id, [...(displays.get(id) ?? []), output]);
  });

  process.on("unhandledRejection", (reason) => {
    asyncError ??= asyncCellError("Unhandled promise rejection", reason);
    console.error(asyncError.text);
  });
  process.on("uncaughtException", (err) => {
    asyncError ??= asyncCellError("Uncaught exception", err);
    console.error(asyncError.text);
  });

  const converter = createConverter({ isJS: false, isBrowser: false });
  const converters: ConverterSet = {
    node: converter,
    browser: converter,
    close: () => converter.close(),
  };
  let reports: unknown[][] = [];
  const executor = createExecutor(process.cwd(), converters, {
    log: (...args: unknown[]) => console.log(...args),
    error: (...args: unknown[]) => {
      reports.push(args);
      console.error(...args);
    },
  });

  const flush = async () => {
    for (const cell of [...dirty].sort((a, b) => a - b)) {
      await send({
        type: "outputs",
        cell,
        outputs: outputs[cell] ?? [],
        executionCount: counts[cell] ?? null,
      });
    }
    dirty.clear();
  };

  let executionCount = 0;
  let usesSent = "[]";
  /** Runs one cell; resolves with its error, or undefined when it succeeded. */
  const runCell = async (
    index: number,
    source: string,
    start: ChildMessage,
  ): Promise<CellError | undefined> => {
    current = index;
    counts[index] = ++executionCount;
    dirty.add(index);
    reports = [];
    asyncError = undefined;
    await send(start);
    const ok = await executor.execute(source);
    // A rejection scheduled by the cell surfaces after its promise settles: give it one turn of the event loop.
    await new Promise((resolve) => setImmediate(resolve));
    const failure = ok ? asyncError : cellErrorFromReports(reports);
    if (failure) {
      append({
        output_type: "error",
        ename: failure.ename,
        evalue: failure.evalue,
        traceback: failure.text.split("\n"),
      });
    }
    await flush();
    // The runner's summary says which data each notebook used (NSMC, the sample set, a user's file).
    const uses = JSON.stringify(dataUses());
    if (uses !== usesSent) {
      usesSent = uses;
      await send({ type: "data-used", uses: dataUses() });
    }
    return failure;
  };

  const cells = notebook.cells.map((cell, index) => ({ cell, index, source: cellSource(cell) }));
  for (const { cell, index, source } of cells) {
    if (cell.cell_type !== "code" || source.trim() === "") continue;
    const failure = await runCell(index, source, { type: "cell-start", cell: index });
    if (!failure) {
      await send({ type: "cell-end", cell: index, ok: true });
      continue;
    }
    await send({ type: "cell-end", cell: index, ok: false, error: failure });
    // What the notebook created must not outlive the failure: its cleanup cells still run, in order.
    for (const later of cells.slice(index + 1)) {
      if (later.cell.cell_type !== "code" || later.source.trim() === "" || !isCleanupCell(later.cell))
        continue;
      const error = await runCell(later.index, later.source, { type: "cleanup-start", cell: later.index });
      await send(
        error
          ? { type: "cleanup-end", cell: later.index, ok: false, error }
          : { type: "cleanup-end", cell: later.index, ok: true },
      );
    }
    await send({ type: "cleanup-done" });
    executor.close();
    return;
  }
  await flush();
  await send({ type: "finished" });
  executor.close();
}

main().then(
  // Notebook code may leave servers or timers behind; the notebook is done, so is its process.
  () => process.exit(0),
  (err: unknown) => {
    realStderrWrite(`${err instanceof Error ? err.stack : String(err)}\n`, () => process.exit(1));
  },
);
