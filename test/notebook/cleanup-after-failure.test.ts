/**
 * Nothing is left running after a failure: a notebook that deploys an endpoint and then fails gets its cleanup cells
 * run and its lab swept by the headless runner (even when its process crashed), and under real Jupyter a lab that
 * registered `cleanupOnShutdown` is swept when the kernel shuts down. Real local SageMaker on a port of its own.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { ListEndpointsCommand } from "@aws-sdk/client-sagemaker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installProjectKernel } from "../../src/notebook/install-kernel";
import type { Notebook } from "../../src/notebook/nbformat";
import { formatSummary } from "../../src/notebook/run-labs";
import { runNotebook } from "../../src/notebook/run-notebook";
import { shutdownLogFile } from "../../src/notebook/shutdown-cleanup";
import { ensureLocalSageMaker, stopLocalSageMaker } from "../../src/sagemaker/local-launcher";
import { createSession, type WorkshopSession } from "../../src/sagemaker/session";
import { freePort, jupyterCommand, ROOT, tempDir, writeNotebook } from "./helpers";

let url: string;
let stateDir: string;
let env: NodeJS.ProcessEnv;
let session: WorkshopSession;
let work: string;

/** Trains a tiny classifier, packs and uploads it, and deploys it as lab `lab`: an endpoint that really runs. */
const deployCell = (lab: string) => `
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tar from "tar";
import { HuggingFaceModel, cleanupOnShutdown, createSession, s3Uri, trainClassifier, uploadFile } from "ko-sagemaker";
const session = await createSession();
const dir = mkdtempSync(join(tmpdir(), "tiny-model-"));
trainClassifier({ texts: ["좋아요", "최고", "별로", "최악"], labels: ["1", "1", "0", "0"] }, { hashBits: 12 }).save(join(dir, "model"));
await tar.c({ gzip: true, file: join(dir, "model.tar.gz"), cwd: join(dir, "model") }, ["config.json", "weights.bin"]);
const modelData = await uploadFile(session.s3, join(dir, "model.tar.gz"), s3Uri(await session.defaultBucket(), "test-${lab}", "model.tar.gz"));
const predictor = await new HuggingFaceModel(session, { modelData: modelData, lab: "${lab}" })
  .deploy({ instanceType: "ml.m5.xlarge", initialInstanceCount: 1 });
console.log("deployed " + predictor.endpointName);
`;

async function endpointNames(): Promise<string[]> {
  const listed = await session.sagemaker.send(new ListEndpointsCommand({}));
  return (listed.Endpoints ?? []).map((e) => e.EndpointName ?? "");
}

async function eventually(check: () => Promise<boolean>, ms = 15_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((done) => setTimeout(done, 200));
  }
  return check();
}

beforeAll(async () => {
  const port = await freePort();
  stateDir = tempDir("cleanup-state");
  url = (await ensureLocalSageMaker({ port, stateDir })).url;
  env = { ...process.env, LOCAL_SAGEMAKER_PORT: String(port), LOCAL_SAGEMAKER_STATE_DIR: stateDir };
  delete env.LOCAL_SAGEMAKER_URL;
  delete env.SM_MODE;
  session = await createSession({
    config: { mode: "local", region: "ap-northeast-2", confirmCosts: true },
    localUrl: url,
    localStateDir: stateDir,
  });
  // Inside the project, so the notebooks' `import ... from "ko-sagemaker"` resolves as the labs' does.
  mkdirSync(path.join(ROOT, ".work"), { recursive: true });
  work = mkdtempSync(path.join(ROOT, ".work", "test-notebooks-"));
});

afterAll(async () => {
  if (url) await stopLocalSageMaker(url, { stateDir });
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("a notebook that fails after creating an endpoint", () => {
  it("still runs its cleanup cells, then the lab's sweep deletes the endpoint, and the summary says so", async () => {
    const file = writeNotebook(path.join(work, "9.1_Deploy-Then-Fail.ipynb"), [
      ["code", deployCell("9.1")],
      ["code", 'throw new RangeError("LATENCY_REQUESTS is not a number");'],
      ["code", 'console.log("never runs: not a cleanup cell");'],
      // The notebook's cleanup cell; it does not delete the endpoint, so the sweep must.
      ["code", 'console.log("cleanup cell ran; endpoint " + predictor.endpointName);', { tags: ["cleanup"] }],
    ]);

    const out = path.join(work, "out", "9.1.ipynb");
    const result = await runNotebook(file, { outputPath: out, env, cellTimeoutMs: 120_000 });
    expect(result.status).toBe("failed");
    expect(result.failure).toMatchObject({ cell: 2, kind: "error" });
    expect(result.afterFailure?.cleanupCells).toEqual([{ cell: 4, status: "ok" }]);
    const sweep = result.afterFailure?.sweep;
    expect(sweep?.status, JSON.stringify(sweep)).toBe("swept");
    if (sweep?.status !== "swept") return;
    expect(sweep.deleted.endpoints).toHaveLength(1);
    expect(sweep.deleted.models).toHaveLength(1);
    expect(
      await eventually(async () => !(await endpointNames()).includes(sweep.deleted.endpoints[0] ?? "")),
    ).toBe(true);

    const executed = JSON.parse(readFileSync(out, "utf8")) as Notebook;
    expect(JSON.stringify(executed.cells[3]?.outputs)).toContain("cleanup cell ran; endpoint ");
    expect(executed.cells[2]?.execution_count).toBeNull();

    const summary = formatSummary([{ notebook: "9.1_Deploy-Then-Fail.ipynb", result }]);
    expect(summary).toMatch(/FAILED \(cell 2\).*cleanup ok, swept 3/);
    expect(summary).toContain("sweep of lab 9.1 (local): deleted 1 endpoint (");
  }, 240_000);

  it("is swept even when its process dies before any cleanup cell could run", async () => {
    const file = writeNotebook(path.join(work, "9.2_Deploy-Then-Crash.ipynb"), [
      ["code", deployCell("9.2")],
      ["code", "process.exit(7);"],
    ]);
    const result = await runNotebook(file, { env, cellTimeoutMs: 120_000 });
    expect(result.failure).toMatchObject({ cell: 2, kind: "crash" });
    expect(result.afterFailure?.cleanupCells).toEqual([]);
    const sweep = result.afterFailure?.sweep;
    expect(sweep?.status, JSON.stringify(sweep)).toBe("swept");
    if (sweep?.status === "swept") expect(sweep.deleted.endpoints).toHaveLength(1);
  }, 240_000);

  it("reports a skipped sweep when local SageMaker is not running (nothing of the lab can run there)", async () => {
    const file = writeNotebook(path.join(work, "9.3_Just-Fails.ipynb"), [["code", 'throw new Error("x");']]);
    const nowhere = { ...env, LOCAL_SAGEMAKER_PORT: String(await freePort()) };
    const result = await runNotebook(file, { env: nowhere, cellTimeoutMs: 60_000 });
    expect(result.afterFailure?.sweep).toMatchObject({ status: "skipped", lab: "9.3" });
  }, 60_000);
});

describe("under Jupyter", () => {
  it("cleanupOnShutdown sweeps the lab when the kernel shuts down", async () => {
    const jupyter = jupyterCommand();
    if (!jupyter) throw new Error("Jupyter is not installed (see .ci/run).");
    const file = writeNotebook(path.join(work, "9.4_Left-Running.ipynb"), [
      ["code", `${deployCell("9.4")}\ncleanupOnShutdown(session, { lab: "9.4" });`],
      ["code", 'console.log("the notebook ends with its endpoint still InService");'],
    ]);
    const jupyterPath = tempDir("jupyter");
    installProjectKernel(ROOT, process.execPath, jupyterPath);
    const run = spawnSync(
      jupyter.command,
      [
        ...jupyter.prefix,
        "nbconvert",
        "--to",
        "notebook",
        "--execute",
        "--ExecutePreprocessor.kernel_name=tslab",
        "--output-dir",
        path.join(work, "jupyter-out"),
        file,
      ],
      {
        cwd: work,
        env: { ...env, JUPYTER_PATH: jupyterPath, JUPYTER_RUNTIME_DIR: tempDir("jupyter-runtime") },
        encoding: "utf8",
        timeout: 300_000,
      },
    );
    expect(run.status, run.stderr.slice(-3000)).toBe(0);
    const executed = readFileSync(path.join(work, "jupyter-out", "9.4_Left-Running.ipynb"), "utf8");
    const name = /deployed ([\w-]+)/.exec(executed)?.[1];
    expect(name).toBeDefined();
    expect(executed).toContain("on kernel shutdown or restart, lab 9.4");
    // nbconvert shut the kernel down gracefully on its way out: the hook deleted the endpoint, and wrote so.
    expect(await eventually(async () => !(await endpointNames()).includes(name as string))).toBe(true);
    expect(readFileSync(shutdownLogFile(), "utf8")).toContain(
      `kernel shutdown: lab 9.4 (local) sweep deleted 1 endpoint (${name})`,
    );
  }, 360_000);
});
