/**
 * Under real Jupyter (`nbconvert --execute`), the project's kernel gives every executed cell its execution count:
 * tslab alone never sends `execute_input`, the message nbclient takes the count from, so every cell showed
 * `In [ ]:`. The wrapper (src/notebook/tslab-kernel.ts) sends it with tslab's own counter, a failing cell included.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { installProjectKernel } from "../../src/notebook/install-kernel";
import type { Notebook } from "../../src/notebook/nbformat";
import { inTslabKernel } from "../../src/notebook/shutdown-cleanup";
import { jupyterCommand, ROOT, tempDir, writeNotebook } from "./helpers";

describe("the project's Jupyter kernel", () => {
  it("is recognised as a tslab kernel (so cleanupOnShutdown registers there), the headless runner is not", () => {
    const spec = (jp: string) =>
      JSON.parse(readFileSync(installProjectKernel(ROOT, process.execPath, jp), "utf8")) as {
        argv: string[];
      };
    const argv = spec(tempDir("kernel-argv")).argv.map((a) =>
      a === "{connection_file}" ? "/tmp/c.json" : a,
    );
    expect(inTslabKernel(argv)).toBe(true);
    expect(inTslabKernel(["node", "/x/node_modules/tslab/bin/tslab", "kernel", "--config-path", "c"])).toBe(
      true,
    );
    expect(inTslabKernel(["node", path.join(ROOT, "dist", "notebook", "lab-kernel-child.js")])).toBe(false);
  });

  it("gives nbconvert's executed copy the execution counts, the failing one included", () => {
    const jupyter = jupyterCommand();
    if (!jupyter)
      throw new Error("Jupyter is not installed (Debian: jupyter-nbconvert python3-nbclient ...)");
    const jupyterPath = tempDir("kernel-counts");
    const spec = JSON.parse(
      readFileSync(installProjectKernel(ROOT, process.execPath, jupyterPath), "utf8"),
    ) as {
      argv: string[];
    };
    expect(spec.argv[1]).toBe(path.join(ROOT, "dist", "notebook", "tslab-kernel.js"));
    const dir = tempDir("kernel-counts-nb");
    const file = writeNotebook(path.join(dir, "counts.ipynb"), [
      ["md", "# counts"],
      ["code", "const a = 1 + 1;\nconsole.log(a);"],
      ["code", ""],
      ["code", 'throw new Error("on purpose");'],
      ["code", "console.log(a * 2);"],
    ]);
    const run = spawnSync(
      jupyter.command,
      [
        ...jupyter.prefix,
        "nbconvert",
        "--to",
        "notebook",
        "--execute",
        "--allow-errors",
        "--ExecutePreprocessor.kernel_name=tslab",
        "--output-dir",
        path.join(dir, "out"),
        file,
      ],
      {
        cwd: dir,
        env: { ...process.env, JUPYTER_PATH: jupyterPath, JUPYTER_RUNTIME_DIR: tempDir("rt") },
        encoding: "utf8",
        timeout: 120_000,
      },
    );
    expect(run.status, run.stderr.slice(-3000)).toBe(0);
    const executed = JSON.parse(readFileSync(path.join(dir, "out", "counts.ipynb"), "utf8")) as Notebook;
    const code = executed.cells.filter((c) => c.cell_type === "code");
    // tslab aborts what arrives within 200 ms of a failure, even under --allow-errors (its jupyter.ts: "abort all
    // pending tasks"), so the last cell does not run and gets no count: the count is never invented.
    expect(code.map((c) => c.execution_count)).toEqual([1, null, 2, null]);
    const text = (i: number) =>
      (code[i]?.outputs ?? [])
        .map((o) => (o.output_type === "stream" ? [o.text].flat().join("") : ""))
        .join("");
    expect(text(0)).toBe("2\n");
    expect(text(3)).toBe("");
  }, 180_000);
});
