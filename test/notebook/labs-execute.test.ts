/**
 * Every notebook under labs/ (found at run time, so labs added later are covered too) executes top to bottom
 * in the quick pass (WORKSHOP_QUICK=1) with both runners: ours (tslab's executor in-process, no Python) and real
 * Jupyter (`nbconvert --execute` with the project's tslab kernel).
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LAB_ALARM_TIME_SCALE } from "../../src/common/local-sagemaker";
import { findLabNotebooks } from "../../src/notebook/discover";
import { installProjectKernel } from "../../src/notebook/install-kernel";
import { cellSource, type Notebook } from "../../src/notebook/nbformat";
import { runNotebook } from "../../src/notebook/run-notebook";
import { stopLocalSageMaker } from "../../src/sagemaker/local-launcher";
import { freePort, jupyterCommand, LABS_DIR, ROOT, tempDir } from "./helpers";

const NOTEBOOK_TIMEOUT_MS = 15 * 60_000;
const notebooks = findLabNotebooks(LABS_DIR).map((file) => [path.relative(LABS_DIR, file), file] as const);

let env: NodeJS.ProcessEnv;
let localSageMakerUrl: string;
let jupyterPath: string;
let outDir: string;

beforeAll(async () => {
  const port = await freePort();
  localSageMakerUrl = `http://127.0.0.1:${port}`;
  env = {
    ...process.env,
    WORKSHOP_QUICK: "1",
    LOCAL_SAGEMAKER_PORT: String(port),
    // Its own state folder too, so a developer's server on the default folder never meets the suite's.
    LOCAL_SAGEMAKER_STATE_DIR: tempDir("local-sagemaker"),
    // Lab 4.5 waits for idle serverless containers to stop.
    LOCAL_SAGEMAKER_SERVERLESS_IDLE_SECONDS: "3",
    // Lab 4.8's alarms judge 60 s periods on 1 s windows, as under `npm run labs`.
    LOCAL_SAGEMAKER_ALARM_TIME_SCALE: String(LAB_ALARM_TIME_SCALE),
  };
  delete env.LOCAL_SAGEMAKER_URL;
  jupyterPath = tempDir("jupyter");
  installProjectKernel(ROOT, process.execPath, jupyterPath);
  outDir = tempDir("executed");
});

afterAll(async () => {
  // Notebooks that use local SageMaker start it in the background; it must not outlive the suite.
  if (localSageMakerUrl)
    await stopLocalSageMaker(localSageMakerUrl, { stateDir: env.LOCAL_SAGEMAKER_STATE_DIR as string });
});

function codeCellsWithoutCount(nb: Notebook): number[] {
  return nb.cells
    .map((cell, i) => ({ cell, i }))
    .filter(
      ({ cell }) =>
        cell.cell_type === "code" && cellSource(cell).trim() !== "" && cell.execution_count == null,
    )
    .map(({ i }) => i + 1);
}

describe.each(notebooks)("%s", (relative, file) => {
  it(
    "runs headless with the in-process runner",
    async () => {
      const output = path.join(outDir, "runner", relative);
      const result = await runNotebook(file, { outputPath: output, env });
      const why = result.failure
        ? `cell ${result.failure.cell} ${result.failure.kind}:\n${result.failure.sourceStart}\n${result.failure.error}`
        : "";
      expect(result.status, why).toBe("ok");
      const executed = JSON.parse(readFileSync(output, "utf8")) as Notebook;
      expect(codeCellsWithoutCount(executed)).toEqual([]);
      // Jupyter must be able to open the executed copy: validate it with nbformat itself.
      const check = spawnSync(
        "/usr/bin/python3",
        ["-c", "import nbformat, sys; nbformat.validate(nbformat.read(sys.argv[1], as_version=4))", output],
        { encoding: "utf8" },
      );
      expect(check.status, `nbformat rejects ${output}:\n${check.stderr}`).toBe(0);
    },
    NOTEBOOK_TIMEOUT_MS,
  );

  it(
    "runs under Jupyter (nbconvert --execute with the tslab kernel)",
    () => {
      const jupyter = jupyterCommand();
      if (!jupyter) {
        throw new Error(
          "Jupyter is not installed: install Debian's jupyter-nbconvert python3-nbclient jupyter-client " +
            "python3-ipython python3-ipykernel (as .ci/run does).",
        );
      }
      const dir = path.join(outDir, "jupyter", path.dirname(relative));
      const run = spawnSync(
        jupyter.command,
        [
          ...jupyter.prefix,
          "nbconvert",
          "--to",
          "notebook",
          "--execute",
          // Keep going on a failing cell so the executed copy holds tslab's stderr: Jupyter itself reports only
          // "<Error>:" for a tslab failure, and the real message is in that stream.
          "--allow-errors",
          "--ExecutePreprocessor.kernel_name=tslab",
          `--ExecutePreprocessor.timeout=${NOTEBOOK_TIMEOUT_MS / 1000}`,
          "--output-dir",
          dir,
          file,
        ],
        {
          cwd: path.dirname(file),
          env: { ...env, JUPYTER_PATH: jupyterPath, JUPYTER_RUNTIME_DIR: tempDir("jupyter-runtime") },
          encoding: "utf8",
          timeout: NOTEBOOK_TIMEOUT_MS,
        },
      );
      expect(run.status, run.stderr.slice(-4000)).toBe(0);
      const executed = JSON.parse(readFileSync(path.join(dir, path.basename(file)), "utf8")) as Notebook;
      const failures = executed.cells
        .map((cell, i) => ({ cell, i }))
        .filter(({ cell }) => (cell.outputs ?? []).some((o) => o.output_type === "error"))
        .map(({ cell, i }) => {
          const stderr = (cell.outputs ?? [])
            .map((o) => (o.output_type === "stream" && o.name === "stderr" ? [o.text].flat().join("") : ""))
            .join("");
          return `cell ${i + 1}: ${cellSource(cell).split("\n")[0]}\n${stderr}`;
        });
      expect(failures).toEqual([]);
      // Our kernel wrapper sends execute_input, so nbconvert's copy carries the counts too (not `In [ ]:`).
      expect(codeCellsWithoutCount(executed)).toEqual([]);
      const displays = executed.cells.flatMap((c) =>
        (c.outputs ?? []).filter((o) => o.output_type === "display_data"),
      );
      expect(displays.length, "the notebook shows its tables and charts").toBeGreaterThan(0);
    },
    NOTEBOOK_TIMEOUT_MS,
  );
});
