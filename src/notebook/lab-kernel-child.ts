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
import { asyncCellError, cellErrorFromReports } from "./error-text";
import type { DisplayContent } from "./kernel-bridge";
import { installDisplayChannel } from "./kernel-bridge";
import type { CellError, ChildMessage } from "./lab-protocol";
import { cellSource, type NotebookOutput, readNotebook } from "./nbformat";

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
  for (const [index, cell] of notebook.cells.entries()) {
    const source = cellSource(cell);
    if (cell.cell_type !== "code" || source.trim() === "") continue;
    current = index;
    counts[index] = ++executionCount;
    dirty.add(index);
    reports = [];
    await send({ type: "cell-start", cell: index });
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
    if (failure) {
      await send({ type: "cell-end", cell: index, ok: false, error: failure });
      executor.close();
      return;
    }
    await send({ type: "cell-end", cell: index, ok: true });
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
