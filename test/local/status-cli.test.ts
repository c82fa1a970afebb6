/**
 * `npm run local -- status` and `stop` against a real server in the background (as the labs start it): the server,
 * its port and state folder, a running training job, an endpoint with two instances and its containers' pids; then
 * stop, after which nothing answers and no container is left.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tar from "tar";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Estimator } from "../../src/sagemaker/estimator";
import {
  ensureLocalSageMaker,
  localSageMakerHealth,
  stopLocalSageMaker,
} from "../../src/sagemaker/local-launcher";
import { HuggingFaceModel } from "../../src/sagemaker/model";
import { s3Uri, uploadFile } from "../../src/sagemaker/s3";
import { createSession, type WorkshopSession } from "../../src/sagemaker/session";
import { freePort } from "../notebook/helpers";
import { saveTinySentimentModel } from "../support/tiny-sentiment";

const ROOT = join(__dirname, "..", "..");
let url: string;
let port: number;
let stateDir: string;
let work: string;
let session: WorkshopSession;

function localCli(...args: string[]) {
  const env = { ...process.env };
  delete env.LOCAL_SAGEMAKER_URL;
  delete env.LOCAL_SAGEMAKER_PORT;
  delete env.LOCAL_SAGEMAKER_STATE_DIR;
  return spawnSync(
    process.execPath,
    [join(ROOT, "node_modules", "tsx", "dist", "cli.mjs"), join(ROOT, "src", "local", "cli.ts"), ...args],
    {
      cwd: ROOT,
      env,
      encoding: "utf8",
      timeout: 60_000,
    },
  );
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "ko-status-"));
  stateDir = join(work, "state");
  port = await freePort();
  url = (await ensureLocalSageMaker({ port, stateDir })).url;
  session = await createSession({
    config: { mode: "local", region: "ap-northeast-2", confirmCosts: true },
    localUrl: url,
    localStateDir: stateDir,
  });
});

afterAll(async () => {
  if (url) await stopLocalSageMaker(url, { stateDir }).catch(() => undefined);
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("npm run local -- status / stop", () => {
  it("shows the server, a running job, an endpoint's instances and the containers' pids; stop ends them all", async () => {
    // A model on two instances.
    const modelDir = saveTinySentimentModel();
    const archive = join(work, "model.tar.gz");
    await tar.c({ gzip: true, file: archive, cwd: modelDir }, ["config.json", "weights.bin"]);
    const modelData = await uploadFile(
      session.s3,
      archive,
      s3Uri(await session.defaultBucket(), "status", "model.tar.gz"),
    );
    const predictor = await new HuggingFaceModel(session, { modelData, lab: "status" }).deploy({
      instanceType: "ml.m5.large",
      initialInstanceCount: 2,
    });
    // A training job that takes its time.
    await mkdir(join(work, "src"));
    await mkdir(join(work, "data"));
    writeFileSync(join(work, "src", "train.js"), "setTimeout(() => {}, 120000);\n");
    writeFileSync(join(work, "data", "train.tsv"), "text\tlabel\n좋다\t1\n");
    const job = await new Estimator(session, {
      entryPoint: "train.js",
      sourceDir: join(work, "src"),
      imageUri: "ko-sagemaker/training",
      instanceType: "ml.m5.large",
      baseJobName: "status-sleeper",
      lab: "status",
    }).fit({ train: join(work, "data") }, { wait: false, logs: false });

    const deadline = Date.now() + 20_000;
    let status = localCli("status", "--state-dir", stateDir);
    while (!/pid \d+: training job/.test(status.stdout) && Date.now() < deadline) {
      await new Promise((done) => setTimeout(done, 300));
      status = localCli("status", "--state-dir", stateDir);
    }
    expect(status.status, status.stderr).toBe(0);
    const out = status.stdout;
    const health = await localSageMakerHealth(url);
    expect(out).toContain(`Local SageMaker: running at ${url} (pid ${health?.pid}`);
    expect(out).toContain(`Port:            ${port}`);
    expect(out).toContain(`State folder:    ${stateDir}`);
    expect(out).toMatch(new RegExp(`Training jobs running: 1\\n  - ${job.jobName}: InProgress`));
    expect(out).toContain(`  - ${predictor.endpointName}: InService, AllTraffic 2 instances`);
    const containers = [
      ...out.matchAll(/pid (\d+): container i-[0-9a-f]+ \(endpoint ([\w-]+) \/ AllTraffic\)/g),
    ];
    expect(containers.map((m) => m[2])).toEqual([predictor.endpointName, predictor.endpointName]);
    expect(out).toMatch(new RegExp(`pid \\d+: training job ${job.jobName}`));
    const pids = containers.map((m) => Number(m[1]));

    const stopped = localCli("stop", "--state-dir", stateDir);
    expect(stopped.status, stopped.stderr).toBe(0);
    expect(stopped.stdout).toContain(
      `Stopped local SageMaker at ${url} (pid ${health?.pid}) with 1 endpoint(s), 1 running job(s)`,
    );
    expect(await localSageMakerHealth(url)).toBeUndefined();
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    expect(pids.filter(alive)).toEqual([]);

    // The lock went with the server: name the port (without it the commands look at LOCAL_SAGEMAKER_PORT or 7070).
    const after = localCli("status", "--state-dir", stateDir, "--port", String(port));
    expect(after.stdout).toContain(`Local SageMaker: not running at ${url}.`);
    expect(localCli("stop", "--state-dir", stateDir, "--port", String(port)).stdout).toContain(
      "No local SageMaker is running",
    );
  }, 120_000);

  it("refuses an unknown command with the usage", () => {
    const run = localCli("statsu");
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('unknown command "statsu": use start, status or stop');
    expect(run.stderr).toContain("Usage: npm run local -- [start|status|stop]");
  });
});
