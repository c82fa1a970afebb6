/** Shared by the notebook suites: temporary notebooks and the Jupyter command. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import type { Notebook } from "../../src/notebook/nbformat";

export const ROOT = path.resolve(__dirname, "..", "..");
export const LABS_DIR = path.join(ROOT, "labs");

export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(os.tmpdir(), `ko-sagemaker-${prefix}-`));
}

/** Writes a notebook whose cells are given as ["md" | "code", source] pairs, optionally with the cell's metadata. */
export function writeNotebook(
  file: string,
  cells: (["md" | "code", string] | ["md" | "code", string, Record<string, unknown>])[],
): string {
  const nb: Notebook = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "tslab", display_name: "TypeScript", language: "typescript" } },
    cells: cells.map(([kind, source, metadata = {}], i) =>
      kind === "md"
        ? { cell_type: "markdown", id: `c${i}`, metadata, source }
        : { cell_type: "code", id: `c${i}`, metadata, source, execution_count: null, outputs: [] },
    ),
  };
  writeFileSync(file, JSON.stringify(nb, null, 1));
  return file;
}

/** How to call Jupyter: `jupyter` on PATH, else Debian's Python (the pyenv python3 on PATH has no Jupyter). */
export function jupyterCommand(): { command: string; prefix: string[] } | undefined {
  const candidates = [
    { command: "jupyter", prefix: [] },
    { command: "/usr/bin/python3", prefix: ["-m", "jupyter"] },
  ];
  for (const candidate of candidates) {
    const probe = spawnSync(candidate.command, [...candidate.prefix, "nbconvert", "--version"], {
      encoding: "utf8",
    });
    if (probe.status === 0) return candidate;
  }
  return undefined;
}

/** A port nobody uses, so a local SageMaker started under a test is that test's alone to stop. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}
