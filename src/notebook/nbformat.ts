/** The subset of the Jupyter notebook format (nbformat 4) the runner and the tests read and write. */
import { readFileSync } from "node:fs";

export type NotebookOutput =
  | { output_type: "stream"; name: "stdout" | "stderr"; text: string }
  | { output_type: "display_data"; data: Record<string, unknown>; metadata: Record<string, unknown> }
  | { output_type: "error"; ename: string; evalue: string; traceback: string[] };

export interface NotebookCell {
  cell_type: "code" | "markdown" | "raw";
  source: string | string[];
  metadata: Record<string, unknown>;
  execution_count?: number | null;
  outputs?: NotebookOutput[];
  id?: string;
}

export interface Notebook {
  nbformat: number;
  nbformat_minor: number;
  metadata: Record<string, unknown> & {
    kernelspec?: { name?: string; display_name?: string; language?: string };
  };
  cells: NotebookCell[];
}

/** The kernelspec every lab carries. */
export const TSLAB_KERNELSPEC = {
  name: "tslab",
  display_name: "TypeScript",
  language: "typescript",
} as const;

export function cellSource(cell: NotebookCell): string {
  return Array.isArray(cell.source) ? cell.source.join("") : cell.source;
}

/** Cells tagged "cleanup" (metadata.tags) delete what the notebook created; the runner runs them after a failure too. */
export function isCleanupCell(cell: NotebookCell): boolean {
  const tags = cell.metadata?.tags;
  return Array.isArray(tags) && tags.includes("cleanup");
}

export function readNotebook(file: string): Notebook {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new Error(`${file} is not a readable notebook (JSON): ${(err as Error).message}`);
  }
  const nb = parsed as Partial<Notebook>;
  if (typeof nb !== "object" || nb === null || !Array.isArray(nb.cells) || nb.nbformat !== 4) {
    throw new Error(`${file} is not an nbformat 4 notebook (it needs "nbformat": 4 and a "cells" list).`);
  }
  return parsed as Notebook;
}

/** Jupyter stores multi-line strings as lists of lines; tools diff better when we write them the same way. */
export function splitLines(text: string): string[] {
  const lines = text.split(/(?<=\n)/);
  return lines.length === 1 && lines[0] === "" ? [] : lines;
}
