/** Messages the notebook child process sends to the runner over the IPC channel. */
import type { DataUse } from "../data/usage";
import type { NotebookOutput } from "./nbformat";

export interface CellError {
  /** The error's name (`TypeError`) or `CompileError` for TypeScript diagnostics. */
  ename: string;
  evalue: string;
  /** Message and the stack frames of the user's code, without tslab's and Node's internals. */
  text: string;
}

export type ChildMessage =
  | { type: "cell-start"; cell: number }
  | { type: "outputs"; cell: number; outputs: NotebookOutput[]; executionCount: number | null }
  | { type: "cell-end"; cell: number; ok: true }
  | { type: "cell-end"; cell: number; ok: false; error: CellError }
  | { type: "finished" }
  /** After a failure: a cell tagged "cleanup" starts or ends (its outputs come as "outputs" messages). */
  | { type: "cleanup-start"; cell: number }
  | { type: "cleanup-end"; cell: number; ok: true }
  | { type: "cleanup-end"; cell: number; ok: false; error: CellError }
  /** After a failure: every cleanup cell has run. */
  | { type: "cleanup-done" }
  /** The data the notebook has used so far (see src/data/usage.ts). */
  | { type: "data-used"; uses: DataUse[] };
