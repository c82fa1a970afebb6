import { readdirSync, readlinkSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DeleteObjectCommand } from "@aws-sdk/client-s3";
import { ListEndpointsCommand } from "@aws-sdk/client-sagemaker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findLatestTrainingJob, listModelArtifact } from "../../src/labs";
import { cleanupWorkshopResources } from "../../src/sagemaker/cleanup";

import { Estimator, HuggingFaceEstimator, TrainingJobError } from "../../src/sagemaker/estimator";
import { ensureLocalSageMaker, stopLocalSageMaker } from "../../src/sagemaker/local-launcher";
import { HuggingFaceModel, repackModelWithCode, waitForEndpoint } from "../../src/sagemaker/model";
import { EndpointInvocationError, Predictor } from "../../src/sagemaker/predictor";
import { downloadDirectory, downloadFile, parseS3Uri, s3ObjectExists, s3Uri } from "../../src/sagemaker/s3";
import { jsonLinesSerializer } from "../../src/sagemaker/serializers";
import { createSession, type WorkshopSession } from "../../src/sagemaker/session";

/**
 * The toolkit against a real local SageMaker (its own port and state folder): a tiny training job runs as a
 * process, its artifact is repacked with a handler, deployed, invoked, and everything is cleaned up.
 * The training script and handler are plain JavaScript written here, so the test does not depend on the model.
 */
const freePort = () =>
  new Promise<number>((done, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });

const TRAIN_JS = `
const fs = require("node:fs");
const path = require("node:path");
const args = process.argv.slice(2);
const arg = (name) => args[args.indexOf("--" + name) + 1];
const rows = fs.readFileSync(path.join(process.env.SM_CHANNEL_TRAIN, "train.tsv"), "utf8").trim().split("\\n").slice(1);
if (arg("fail") === "true") {
  fs.writeFileSync(path.join(process.env.SM_OUTPUT_DIR ?? "/nonexistent", "failure"), "학습 실패: fail was requested");
  process.exit(3);
}
const positive = rows.filter((row) => row.endsWith("\\t1")).map((row) => row.split("\\t")[0]);
fs.writeFileSync(path.join(process.env.SM_MODEL_DIR, "words.json"), JSON.stringify({ positive, epochs: Number(arg("epochs")) }));
console.log("training on " + rows.length + " rows");
console.log("eval_accuracy=0.75;");
`;

const HANDLER_JS = `
const fs = require("node:fs");
const path = require("node:path");
exports.modelFn = (modelDir) => JSON.parse(fs.readFileSync(path.join(modelDir, "words.json"), "utf8")).positive;
exports.inputFn = (body, contentType) =>
  contentType.startsWith("application/jsonlines")
    ? body.toString("utf8").trim().split("\\n").map((line) => JSON.parse(line).text[0])
    : [JSON.parse(body.toString("utf8")).inputs].flat();
exports.predictFn = (texts, words) => {
  if (texts.includes("boom")) throw new Error("boom is not a review");
  return texts.map((t) => ({ label: words.some((w) => t.includes(w)) ? "positive" : "negative", score: 1 }));
};
exports.outputFn = (prediction) => JSON.stringify(prediction);
`;

const TRAIN_TSV = "text\tlabel\n최고\t1\n별로\t0\n명작\t1\n";

let url: string;
let stateDir: string;
let work: string;
let session: WorkshopSession;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "ko-sm-e2e-"));
  stateDir = join(work, "state");
  const port = await freePort();
  url = (await ensureLocalSageMaker({ port, stateDir })).url;
  session = await createSession({
    config: { mode: "local", region: "ap-northeast-2", confirmCosts: true },
    localUrl: url,
    localStateDir: stateDir,
  });
  await mkdir(join(work, "src"));
  await mkdir(join(work, "data"));
  await mkdir(join(work, "code"));
  await writeFile(join(work, "src", "train.js"), TRAIN_JS);
  await writeFile(join(work, "data", "train.tsv"), TRAIN_TSV);
  await writeFile(join(work, "code", "inference.js"), HANDLER_JS);
});

afterAll(async () => {
  if (url) await stopLocalSageMaker(url, { stateDir });
  if (work) await rm(work, { recursive: true, force: true });
});

/** Processes whose working directory lies inside the server's state folder (training jobs, inference containers). */
function processesIn(folder: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/cwd`).startsWith(folder)) pids.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

describe("the toolkit against local SageMaker", () => {
  let artifact: string;

  it("creates the default bucket and trains a job: status transitions, logs, metrics, artifact", async () => {
    const bucket = await session.defaultBucket();
    expect(bucket).toBe("sagemaker-ap-northeast-2-000000000000");
    expect(await findLatestTrainingJob(session, "e2e-words")).toBeUndefined();
    const estimator = new Estimator(session, {
      entryPoint: "train.js",
      sourceDir: join(work, "src"),
      imageUri: "ko-sagemaker/training",
      instanceType: "ml.m5.large",
      hyperparameters: { epochs: 2, fail: false },
      metricDefinitions: [{ Name: "eval_accuracy", Regex: "eval_accuracy=([0-9.]+)" }],
      baseJobName: "e2e-words",
      lab: "e2e",
    });
    const statuses: string[] = [];
    const result = await estimator.fit(
      { train: join(work, "data") },
      { onStatus: (change) => statuses.push(change.status), onLog: () => {} },
    );
    expect(result.status).toBe("Completed");
    expect(statuses.at(-1)).toBe("Completed");
    expect(result.metrics).toEqual({ eval_accuracy: 0.75 });
    expect(result.logs.map((line) => line.message).join("\n")).toContain("training on 3 rows");
    expect(result.modelArtifact).toBe(
      `s3://${bucket}/e2e-words/output/${result.jobName}/output/model.tar.gz`,
    );
    artifact = result.modelArtifact as string;
    const latest = await findLatestTrainingJob(session, "e2e-words");
    expect(latest).toMatchObject({
      jobName: result.jobName,
      modelArtifact: artifact,
      metrics: { eval_accuracy: 0.75 },
    });
    expect((await listModelArtifact(session, artifact)).map((entry) => entry.path)).toEqual(["words.json"]);
    const local = await downloadFile(session.s3, artifact, join(work, "model.tar.gz"));
    expect(local).toContain("model.tar.gz");
    // The data channel went up as a folder; it comes back the same way.
    const back = await downloadDirectory(
      session.s3,
      s3Uri(bucket, result.jobName, "input", "train"),
      join(work, "back"),
    );
    expect(back).toEqual([join(work, "back", "train.tsv")]);
    expect(await readFile(back[0] as string, "utf8")).toBe(TRAIN_TSV);
  });

  it("a failing job raises TrainingJobError with the script's failure reason", async () => {
    const estimator = new HuggingFaceEstimator(session, {
      entryPoint: "train.js",
      sourceDir: join(work, "src"),
      instanceType: "ml.m5.large",
      hyperparameters: { fail: true },
      baseJobName: "e2e-fail",
      lab: "e2e",
    });
    const failure = await estimator
      .fit({ train: join(work, "data") }, { onStatus: () => {}, onLog: () => {} })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(failure).toBeInstanceOf(TrainingJobError);
    expect((failure as TrainingJobError).result.status).toBe("Failed");
    expect((failure as Error).message).toContain("학습 실패: fail was requested");
  });

  it("deploys the repacked artifact, predicts JSON and JSON Lines, and surfaces ModelError", async () => {
    const repacked = await repackModelWithCode(
      session,
      artifact,
      join(work, "code"),
      s3Uri(await session.defaultBucket(), "e2e-words", "repacked", "model.tar.gz"),
    );
    const model = new HuggingFaceModel(session, { modelData: repacked, lab: "e2e" });
    const predictor = await model.deploy({ instanceType: "ml.m5.large", onStatus: () => {} });

    // The endpoint's container is a real process working in the server's state folder.
    expect(processesIn(stateDir).length).toBeGreaterThan(0);

    const one = await predictor.predict({ inputs: "이 영화 최고예요" });
    expect(one.result).toEqual([{ label: "positive", score: 1 }]);
    expect(one.variant).toBe("AllTraffic");
    expect(one.latencyMs).toBeGreaterThan(0);

    const jsonLines = new Predictor(session, predictor.endpointName, { serializer: jsonLinesSerializer });
    const lines = await jsonLines.predict([{ text: ["별로였다"] }, { text: ["명작"] }]);
    expect(lines.result).toEqual([
      { label: "negative", score: 1 },
      { label: "positive", score: 1 },
    ]);

    const error = await predictor.predict({ inputs: "boom" }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(EndpointInvocationError);
    expect(error).toMatchObject({ code: "ModelError", statusCode: 424 });
    expect((error as EndpointInvocationError).originalMessage).toContain("boom is not a review");
  });

  it("waiting for an endpoint that is slow to start gives up with a clear error instead of hanging", async () => {
    await mkdir(join(work, "slow-code"));
    await writeFile(
      join(work, "slow-code", "inference.js"),
      "exports.modelFn = () => new Promise((done) => setTimeout(() => done([]), 4000));\n" +
        "exports.predictFn = (input) => input;\n",
    );
    const repacked = await repackModelWithCode(
      session,
      artifact,
      join(work, "slow-code"),
      s3Uri(await session.defaultBucket(), "e2e-words", "slow", "model.tar.gz"),
    );
    const model = new HuggingFaceModel(session, { modelData: repacked, lab: "e2e" });
    const predictor = await model.deploy({ instanceType: "ml.m5.large", wait: false });
    await expect(
      waitForEndpoint(session, predictor.endpointName, {
        timeoutSeconds: 1,
        pollSeconds: 0.2,
        onStatus: () => {},
      }),
    ).rejects.toThrow(/is still Creating after 1 s.*deleteEndpointResources/);
  });

  it("the cleanup sweep deletes endpoint, config and model, and nothing is left running", async () => {
    const deleted = await cleanupWorkshopResources(session, { lab: "e2e", verbose: false });
    expect(deleted.endpoints).toHaveLength(2);
    expect(deleted.endpointConfigs).toHaveLength(2);
    expect(deleted.models).toHaveLength(2);
    const listed = await session.sagemaker.send(new ListEndpointsCommand({}));
    expect(listed.Endpoints ?? []).toEqual([]);
    expect(processesIn(stateDir)).toEqual([]);
    const again = await cleanupWorkshopResources(session, { lab: "e2e", verbose: false });
    expect(Object.values(again).flat()).toEqual([]);
  });

  it("a job whose artifact was deleted is not offered for deployment", async () => {
    expect(await s3ObjectExists(session, artifact)).toBe(true);
    const { bucket, key } = parseS3Uri(artifact);
    await session.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    expect(await s3ObjectExists(session, artifact)).toBe(false);
    expect(await findLatestTrainingJob(session, "e2e-words")).toBeUndefined();
  });
});
