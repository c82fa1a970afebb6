/**
 * Turns what tslab's executor reports into the error a person needs: the message and the frames of their own
 * code. tslab prints failures through `console.error`, either an Error (runtime) or printf-style diagnostics
 * (compile errors); under Jupyter it then answers only `<Error>:`, which is why the runner keeps this text.
 */
import { format } from "node:util";
import type { CellError } from "./lab-protocol";

/** Frames that belong to the machinery running the cell, not to the code in it. */
const INTERNAL_FRAME =
  /\(node:|at node:|[\\/]tslab[\\/]dist[\\/]|[\\/]notebook[\\/]lab-kernel-child\.|processTicksAndRejections/;

function userStack(err: Error): string {
  const lines = (err.stack ?? "").split("\n");
  const frames = lines.filter((l) => /^\s+at /.test(l) && !INTERNAL_FRAME.test(l));
  const head = `${err.name}: ${err.message}`;
  const cause = err.cause instanceof Error ? `\nCaused by: ${err.cause.name}: ${err.cause.message}` : "";
  return [head, ...frames].join("\n") + cause;
}

/** Builds the cell error from the argument lists tslab passed to `console.error` while the cell ran. */
export function cellErrorFromReports(reports: unknown[][]): CellError {
  const thrown = reports.flat().find((a): a is Error => a instanceof Error);
  if (thrown) return { ename: thrown.name, evalue: thrown.message, text: userStack(thrown) };
  if (reports.length === 0) {
    return {
      ename: "Error",
      evalue: "the cell failed without a message",
      text: "the cell failed without a message",
    };
  }
  // Compile diagnostics arrive as ("%s%d:%d - %s", file, line, column, message), one call per diagnostic.
  const text = reports.map((args) => format(...args)).join("\n");
  const isCompile = reports.every((args) => args[0] === "%s%d:%d - %s");
  const first = text.split("\n")[0] ?? text;
  return { ename: isCompile ? "CompileError" : "Error", evalue: first, text };
}

/** An error from outside any cell's own promise (unhandled rejection, uncaught exception). */
export function asyncCellError(kind: string, reason: unknown): CellError {
  if (reason instanceof Error) {
    return { ename: reason.name, evalue: reason.message, text: `${kind}: ${userStack(reason)}` };
  }
  const text = format("%O", reason);
  return { ename: "Error", evalue: text, text: `${kind}: ${text}` };
}
