/**
 * Batch transform benchmark (`npm run bench:transform`, needs NSMC_DIR): the 50,000 NSMC test reviews through real
 * local transform jobs, CreateTransformJob → Completed, with the project's classifier trained on the 150,000 NSMC
 * training reviews; then the same reviews one InvokeEndpoint each through a real-time endpoint, for the ratio. The
 * server runs in its own process, as `npm run local` runs it; the jobs are polled every 20 ms.
 *
 * Env: NSMC_DIR (required), BENCH_RECORDS (first N test reviews, default all), BENCH_SINGLE=0 (skip the
 *      SingleRecord jobs), BENCH_ENDPOINT=0 (skip the endpoint loop), BENCH_EPOCHS (default 3).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { Agent } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  CreateTransformJobCommand,
  type CreateTransformJobRequest,
  DescribeEndpointCommand,
  DescribeTransformJobCommand,
  SageMakerClient,
} from "@aws-sdk/client-sagemaker";
import { InvokeEndpointCommand, SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import * as tar from "tar";
import { nsmcDataset } from "../../src/data";
import { evaluatePredictions, trainClassifier } from "../../src/model";
import { loadAverage, machine } from "./report";
import { startServerProcess } from "./server-process";

const NSMC_DIR = process.env.NSMC_DIR;
const RECORDS = Number(process.env.BENCH_RECORDS ?? 0);
const SINGLE = process.env.BENCH_SINGLE !== "0";
const ENDPOINT = process.env.BENCH_ENDPOINT !== "0";
const EPOCHS = Number(process.env.BENCH_EPOCHS ?? 3);
const BUCKET = "bench";
const IMAGE = "ko-sagemaker/inference";
const LABELS = { "0": "negative", "1": "positive" };

interface JobRun {
  name: string;
  seconds: number;
  jobSeconds: number;
  output: string;
}

async function trainedModelArchive(train: { texts: string[]; labels: string[] }): Promise<Buffer> {
  const started = performance.now();
  const model = trainClassifier(train, { epochs: EPOCHS, labelNames: LABELS });
  const dir = mkdtempSync(join(tmpdir(), "bench-transform-model-"));
  model.save(dir);
  const file = `${dir}.tar.gz`;
  await tar.c({ gzip: true, file, cwd: dir }, readdirSync(dir));
  const archive = readFileSync(file);
  rmSync(dir, { recursive: true, force: true });
  rmSync(file);
  console.log(
    `trained on ${train.texts.length} reviews in ${((performance.now() - started) / 1000).toFixed(1)} s (${EPOCHS} epochs)`,
  );
  return archive;
}

async function main(): Promise<void> {
  if (!NSMC_DIR) {
    console.error(
      "bench:transform needs NSMC: set NSMC_DIR to a folder with ratings_train.txt and ratings_test.txt.",
    );
    process.exit(2);
  }
  const loadBefore = loadAverage();
  const train = nsmcDataset(join(NSMC_DIR, "ratings_train.txt"));
  const fullTest = nsmcDataset(join(NSMC_DIR, "ratings_test.txt"));
  const count = RECORDS > 0 ? Math.min(RECORDS, fullTest.texts.length) : fullTest.texts.length;
  const test = { texts: fullTest.texts.slice(0, count), labels: fullTest.labels.slice(0, count) };
  const archive = await trainedModelArchive(train);

  const stateDir = mkdtempSync(join(tmpdir(), "bench-transform-"));
  const server = await startServerProcess(stateDir);
  const config = { endpoint: server.url, region: "ap-northeast-2", credentials: server.credentials };
  const sm = new SageMakerClient(config);
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  const runtime = new SageMakerRuntimeClient({
    ...config,
    cacheMiddleware: true,
    requestHandler: { httpAgent: new Agent({ keepAlive: true, maxSockets: 1 }) },
  });
  try {
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "model/model.tar.gz", Body: archive }));
    const jsonl = test.texts.map((text) => JSON.stringify({ inputs: text })).join("\n");
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "input/test.jsonl", Body: jsonl }));
    await sm.send(
      new CreateModelCommand({
        ModelName: "bench",
        PrimaryContainer: { Image: IMAGE, ModelDataUrl: `s3://${BUCKET}/model/model.tar.gz` },
      }),
    );

    const job = async (name: string, settings: Partial<CreateTransformJobRequest>): Promise<JobRun> => {
      const started = performance.now();
      await sm.send(
        new CreateTransformJobCommand({
          TransformJobName: name,
          ModelName: "bench",
          TransformInput: {
            DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: `s3://${BUCKET}/input/` } },
            ContentType: "application/jsonlines",
            SplitType: "Line",
          },
          TransformOutput: {
            S3OutputPath: `s3://${BUCKET}/output/${name}`,
            Accept: "application/jsonlines",
            AssembleWith: "Line",
          },
          TransformResources: { InstanceType: "ml.m5.xlarge", InstanceCount: 1 },
          ...settings,
        }),
      );
      for (;;) {
        const described = await sm.send(new DescribeTransformJobCommand({ TransformJobName: name }));
        const status = described.TransformJobStatus;
        if (status === "Completed") {
          const seconds = (performance.now() - started) / 1000;
          const object = await s3.send(
            new GetObjectCommand({ Bucket: BUCKET, Key: `output/${name}/test.jsonl.out` }),
          );
          return {
            name,
            seconds,
            jobSeconds:
              ((described.TransformEndTime?.getTime() ?? 0) -
                (described.TransformStartTime?.getTime() ?? 0)) /
              1000,
            output: (await object.Body?.transformToString()) ?? "",
          };
        }
        if (status !== "InProgress") throw new Error(`job ${name} is ${status}: ${described.FailureReason}`);
        await new Promise((resolveWait) => setTimeout(resolveWait, 20));
      }
    };

    const runs: { label: string; run: JobRun }[] = [];
    const measure = async (label: string, name: string, settings: Partial<CreateTransformJobRequest>) => {
      const run = await job(name, settings);
      runs.push({ label, run });
      console.log(`${label}: ${run.seconds.toFixed(2)} s`);
      return run;
    };
    // A first short job warms the page cache and the container's code path, as a second run of a lab would.
    await job("warm-up", { BatchStrategy: "MultiRecord" });
    const multi = await measure("MultiRecord, 6 MB, 1 slot", "multi", { BatchStrategy: "MultiRecord" });
    await measure("MultiRecord, 1 MB, 2 slots", "multi-2", {
      BatchStrategy: "MultiRecord",
      MaxPayloadInMB: 1,
      MaxConcurrentTransforms: 2,
    });
    if (SINGLE) {
      await measure("SingleRecord, 1 slot", "single", { BatchStrategy: "SingleRecord" });
      await measure("SingleRecord, 4 slots", "single-4", {
        BatchStrategy: "SingleRecord",
        MaxConcurrentTransforms: 4,
      });
    }

    const predictions = multi.output
      .trim()
      .split("\n")
      .map(
        (line) =>
          (JSON.parse(line) as { label: string; score: number }[])[0] as { label: string; score: number },
      );
    const gold = test.labels.map((label) => LABELS[label as "0" | "1"]);
    const report = evaluatePredictions(predictions, gold, { labels: ["negative", "positive"] });

    let endpointSeconds: number | undefined;
    if (ENDPOINT) {
      await sm.send(
        new CreateEndpointConfigCommand({
          EndpointConfigName: "bench",
          ProductionVariants: [
            {
              VariantName: "AllTraffic",
              ModelName: "bench",
              InitialInstanceCount: 1,
              InstanceType: "ml.m5.xlarge",
            },
          ],
        }),
      );
      await sm.send(new CreateEndpointCommand({ EndpointName: "bench", EndpointConfigName: "bench" }));
      while (
        (await sm.send(new DescribeEndpointCommand({ EndpointName: "bench" }))).EndpointStatus !== "InService"
      )
        await new Promise((resolveWait) => setTimeout(resolveWait, 20));
      const started = performance.now();
      for (const text of test.texts) {
        await runtime.send(
          new InvokeEndpointCommand({
            EndpointName: "bench",
            ContentType: "application/json",
            Body: JSON.stringify({ inputs: text }),
          }),
        );
      }
      endpointSeconds = (performance.now() - started) / 1000;
    }

    console.log("\nLocal SageMaker batch transform benchmark");
    console.log(`machine: ${machine()}`);
    console.log(`load average before: ${loadBefore}; after: ${loadAverage()}`);
    console.log(
      `input: ${count} NSMC test reviews, one JSON Lines object of ${(Buffer.byteLength(jsonl) / 2 ** 20).toFixed(1)} MiB; accuracy of the MultiRecord output ${(report.accuracy * 100).toFixed(2)}% (macro-F1 ${(report.macro.f1 * 100).toFixed(2)}%)\n`,
    );
    const rows: [string, string, string, string][] = runs.map(({ label, run }) => [
      `transform job: ${label}`,
      `${run.seconds.toFixed(2)} s`,
      `${run.jobSeconds.toFixed(2)} s`,
      `${Math.round(count / run.seconds).toLocaleString("en-US")}`,
    ]);
    if (endpointSeconds !== undefined) {
      rows.push([
        "real-time endpoint, one InvokeEndpoint per review",
        `${endpointSeconds.toFixed(2)} s`,
        "",
        `${Math.round(count / endpointSeconds).toLocaleString("en-US")}`,
      ]);
    }
    const header: [string, string, string, string] = [
      "run",
      "Create → Completed",
      "on instance",
      "reviews/s",
    ];
    const widths = header.map((title, i) =>
      Math.max(title.length, ...rows.map((row) => row[i]?.length ?? 0)),
    );
    const line = (row: string[]) =>
      row
        .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
        .join(" | ");
    console.log(line(header));
    console.log(widths.map((width) => "-".repeat(width)).join("-|-"));
    for (const row of rows) console.log(line(row));
    console.log(`\ntarget: MultiRecord ≤ 10 s (${multi.seconds <= 10 ? "met" : "missed"})`);
    if (endpointSeconds !== undefined)
      console.log(`endpoint loop / MultiRecord job: ${(endpointSeconds / multi.seconds).toFixed(1)}×`);
  } finally {
    await server.stop();
    for (const client of [sm, s3, runtime]) client.destroy();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
