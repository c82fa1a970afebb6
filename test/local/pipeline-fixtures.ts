import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { CreateFunctionCommand, LambdaClient, waitUntilFunctionActiveV2 } from "@aws-sdk/client-lambda";
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import {
  CreatePipelineCommand,
  DescribePipelineExecutionCommand,
  type DescribePipelineExecutionCommandOutput,
  ListPipelineExecutionStepsCommand,
  type PipelineExecutionStep,
  type SageMakerClient,
  StartPipelineExecutionCommand,
} from "@aws-sdk/client-sagemaker";
import * as tar from "tar";
import { zipOf } from "../support/lambda-zips";

/** What the pipeline suites share: definitions written as the Python SDK writes them, and ways to watch a run. */

export const ROLE = "arn:aws:iam::000000000000:role/SageMakerRole";
export const TRAINING_IMAGE =
  "763104351884.dkr.ecr.ap-northeast-2.amazonaws.com/huggingface-pytorch-training:2.1.0-transformers4.36.0-gpu-py310-cu121-ubuntu20.04";
export const INFERENCE_IMAGE = "ko-sagemaker/inference";

export type Json = Record<string, unknown>;

/** A definition document (version 2020-12-01) with the SDK's default experiment config. */
export function definition(steps: Json[], parameters: Json[] = [], extra: Json = {}): string {
  return JSON.stringify({
    Version: "2020-12-01",
    Metadata: {},
    Parameters: parameters,
    PipelineExperimentConfig: {
      ExperimentName: { Get: "Execution.PipelineName" },
      TrialName: { Get: "Execution.PipelineExecutionId" },
    },
    Steps: steps,
    ...extra,
  });
}

export async function createPipeline(sm: SageMakerClient, name: string, body: string): Promise<string> {
  const created = await sm.send(
    new CreatePipelineCommand({ PipelineName: name, PipelineDefinition: body, RoleArn: ROLE }),
  );
  return created.PipelineArn as string;
}

export async function start(
  sm: SageMakerClient,
  name: string,
  parameters: Record<string, string | number> = {},
): Promise<string> {
  const started = await sm.send(
    new StartPipelineExecutionCommand({
      PipelineName: name,
      PipelineParameters: Object.entries(parameters).map(([Name, Value]) => ({ Name, Value: String(Value) })),
    }),
  );
  return started.PipelineExecutionArn as string;
}

export async function waitForExecution(
  sm: SageMakerClient,
  arn: string,
  timeoutMs = 90_000,
  done: (status: string) => boolean = (status) => ["Succeeded", "Failed", "Stopped"].includes(status),
): Promise<DescribePipelineExecutionCommandOutput> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const execution = await sm.send(new DescribePipelineExecutionCommand({ PipelineExecutionArn: arn }));
    if (done(execution.PipelineExecutionStatus ?? "")) return execution;
    if (Date.now() > deadline) throw new Error(`execution ${arn} still ${execution.PipelineExecutionStatus}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The steps that ran, oldest first, by name. */
export async function stepsOf(
  sm: SageMakerClient,
  arn: string,
): Promise<Record<string, PipelineExecutionStep>> {
  const listed = await sm.send(
    new ListPipelineExecutionStepsCommand({ PipelineExecutionArn: arn, SortOrder: "Ascending" }),
  );
  return Object.fromEntries((listed.PipelineExecutionSteps ?? []).map((step) => [step.StepName, step]));
}

/** A gzipped tar of text files, as the SDKs pack sourcedir.tar.gz and model.tar.gz. */
export async function archiveOf(files: Record<string, string>): Promise<Buffer> {
  const dir = mkdtempSync(join(tmpdir(), "pipeline-archive-"));
  try {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    const file = `${dir}.tar.gz`;
    await tar.c({ gzip: true, file, cwd: dir, portable: true }, Object.keys(files));
    const archive = readFileSync(file);
    rmSync(file);
    return archive;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function putObject(
  s3: S3Client,
  bucket: string,
  key: string,
  body: string | Buffer,
): Promise<string> {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  return `s3://${bucket}/${key}`;
}

/**
 * A training script for the built-in toolkit: reads --epochs and the train channel, can sleep or fail on request,
 * prints a metric line and writes a model file. Its run takes well under a second.
 */
export const TRAIN_SCRIPT = `
const fs = require("node:fs");
const path = require("node:path");
const args = process.argv.slice(2);
const arg = (name) => { const i = args.indexOf("--" + name); return i >= 0 ? args[i + 1] : undefined; };
const epochs = Number(arg("epochs") ?? 1);
const sleepMs = Number(arg("sleep_ms") ?? 0);
if (arg("fail") === "true") { console.error("ValueError: asked to fail"); process.exit(3); }
const rows = fs.readFileSync(path.join(process.env.SM_CHANNEL_TRAIN, "train.tsv"), "utf8").trim().split("\\n").length;
const end = Date.now() + sleepMs;
while (Date.now() < end) { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50); }
console.log("eval_accuracy=" + (0.8 + epochs / 100).toFixed(4) + ";");
fs.writeFileSync(path.join(process.env.SM_MODEL_DIR, "model.json"), JSON.stringify({ epochs, rows }));
`;

/** The Arguments of a Training step, as the Python SDK writes them (no TrainingJobName). */
export function trainingArguments(options: {
  bucket: string;
  sourceDir: string;
  train: unknown;
  hyperparameters?: Record<string, unknown>;
  tags?: { Key: string; Value: string }[];
}): Json {
  return {
    AlgorithmSpecification: {
      TrainingImage: TRAINING_IMAGE,
      TrainingInputMode: "File",
      MetricDefinitions: [{ Name: "eval_accuracy", Regex: "eval_accuracy=([0-9.]+);" }],
    },
    OutputDataConfig: { S3OutputPath: `s3://${options.bucket}/pipeline-output` },
    StoppingCondition: { MaxRuntimeInSeconds: 300 },
    ResourceConfig: { InstanceCount: 1, InstanceType: "ml.m5.xlarge", VolumeSizeInGB: 30 },
    RoleArn: ROLE,
    InputDataConfig: [
      {
        ChannelName: "train",
        DataSource: {
          S3DataSource: {
            S3DataType: "S3Prefix",
            S3Uri: options.train,
            S3DataDistributionType: "FullyReplicated",
          },
        },
      },
    ],
    HyperParameters: {
      sagemaker_program: '"train.js"',
      sagemaker_submit_directory: JSON.stringify(options.sourceDir),
      ...options.hyperparameters,
    },
    ...(options.tags ? { Tags: options.tags } : {}),
  };
}

/** A Lambda handler for Lambda steps: doubles `n`, sleeps on request, fails on request, reports when it ran. */
export const STEP_HANDLER = `
exports.handler = async (event) => {
  const started = Date.now();
  if (event.sleepMs) await new Promise((resolve) => setTimeout(resolve, event.sleepMs));
  if (event.fail) throw new Error("asked to fail: " + event.fail);
  return { statusCode: 200, doubled: Number(event.n ?? 0) * 2, label: "n=" + event.n, ok: true, started, ended: Date.now() };
};
`;

export async function createStepFunction(lambda: LambdaClient, name: string): Promise<string> {
  const created = await lambda.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: "nodejs22.x",
      Handler: "index.handler",
      Role: "arn:aws:iam::000000000000:role/LambdaRole",
      Code: { ZipFile: zipOf({ "index.js": STEP_HANDLER }) },
      Timeout: 30,
    }),
  );
  await waitUntilFunctionActiveV2(
    { client: lambda, minDelay: 0.05, maxDelay: 0.2, maxWaitTime: 30 },
    { FunctionName: name },
  );
  return created.FunctionArn as string;
}

export { LambdaClient };
