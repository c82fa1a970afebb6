import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { CloudWatchClient, GetMetricStatisticsCommand } from "@aws-sdk/client-cloudwatch";
import {
  CloudWatchLogsClient,
  DescribeLogStreamsCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
} from "@aws-sdk/client-cloudwatch-logs";
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import {
  CreateTrainingJobCommand,
  type CreateTrainingJobRequest,
  DescribeTrainingJobCommand,
  type DescribeTrainingJobCommandOutput,
  ListTagsCommand,
  ListTrainingJobsCommand,
  SageMakerClient,
  StopTrainingJobCommand,
  waitUntilTrainingJobCompletedOrStopped,
} from "@aws-sdk/client-sagemaker";
import * as tar from "tar";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalServer, startLocalServer } from "../../src/local/server";
import { resolveInferenceImage, resolveTrainingImage } from "../../src/local/services/sagemaker/images";
import { clientConfig } from "../support/local-clients";
import { rawArchive } from "../support/raw-archive";

/** For `.then(unexpected, (e: Error) => e)`: a call that should have failed but answered. */
const unexpected = (): never => {
  throw new Error("expected the call to fail, but it answered");
};

const REGION = "ap-northeast-2";
const HF_TRAINING_IMAGE =
  "763104351884.dkr.ecr.ap-northeast-2.amazonaws.com/huggingface-pytorch-training:2.1.0-transformers4.36.0-gpu-py310-cu121-ubuntu20.04";
const ROLE = "arn:aws:iam::000000000000:role/SageMakerRole";
const BUCKET = "training-tests";
/** Required members of DescribeTrainingJobResponse in the SageMaker Smithy model (sagemaker-2017-07-24.json). */
const DESCRIBE_REQUIRED = [
  "TrainingJobName",
  "TrainingJobArn",
  "ModelArtifacts",
  "TrainingJobStatus",
  "SecondaryStatus",
  "AlgorithmSpecification",
  "ResourceConfig",
  "StoppingCondition",
  "CreationTime",
] as const;

function clients(server: LocalServer): { sm: SageMakerClient; s3: S3Client; logs: CloudWatchLogsClient } {
  const common = clientConfig(server);
  return {
    sm: new SageMakerClient(common),
    s3: new S3Client({ ...common, forcePathStyle: true }),
    logs: new CloudWatchLogsClient(common),
  };
}

/** A gzipped tar of the given files (path → text), as the SDKs pack sourcedir.tar.gz. */
async function sourceArchive(files: Record<string, string>): Promise<Buffer> {
  const dir = mkdtempSync(join(tmpdir(), "sourcedir-"));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  const chunks: Buffer[] = [];
  for await (const chunk of tar.c({ gzip: true, cwd: dir }, Object.keys(files)) as AsyncIterable<Buffer>)
    chunks.push(chunk);
  rmSync(dir, { recursive: true, force: true });
  return Buffer.concat(chunks);
}

/** Lists the entries of a model.tar.gz and reads one file from it. */
async function readArchive(archive: Buffer): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  await new Promise<void>((resolve, reject) => {
    const parser = new tar.Parser({
      onReadEntry: (entry) => {
        const chunks: Buffer[] = [];
        entry.on("data", (chunk: Buffer) => chunks.push(chunk));
        entry.on("end", () => {
          if (entry.type === "File")
            files[entry.path.replace(/^\.\//, "")] = Buffer.concat(chunks).toString("utf8");
        });
      },
    });
    parser.on("end", () => resolve());
    parser.on("error", reject);
    parser.end(archive);
  });
  return files;
}

const hasPython = (() => {
  try {
    execFileSync("python3", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

let server: LocalServer;
let stateDir: string;
let sm: SageMakerClient;
let s3: S3Client;
let logs: CloudWatchLogsClient;
const previousEnv = {
  grace: process.env.LOCAL_SAGEMAKER_STOP_GRACE_SECONDS,
  max: process.env.LOCAL_SAGEMAKER_MAX_TRAINING_JOBS,
};

beforeAll(async () => {
  process.env.LOCAL_SAGEMAKER_STOP_GRACE_SECONDS = "1";
  process.env.LOCAL_SAGEMAKER_MAX_TRAINING_JOBS = "2";
  stateDir = mkdtempSync(join(tmpdir(), "local-sagemaker-training-"));
  server = await startLocalServer({ port: 0, stateDir });
  ({ sm, s3, logs } = clients(server));
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s3.send(
    new PutObjectCommand({
      Bucket: BUCKET,
      Key: "data/train/reviews.tsv",
      Body: "id\ttext\tlabel\n1\t좋아요\t1\n2\t별로\t0\n",
    }),
  );
  await s3.send(
    new PutObjectCommand({
      Bucket: BUCKET,
      Key: "data/test/reviews.tsv",
      Body: "id\ttext\tlabel\n3\t최고\t1\n",
    }),
  );
});

afterAll(async () => {
  await server?.close();
  for (const [key, value] of [
    ["LOCAL_SAGEMAKER_STOP_GRACE_SECONDS", previousEnv.grace],
    ["LOCAL_SAGEMAKER_MAX_TRAINING_JOBS", previousEnv.max],
  ] as const) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  rmSync(stateDir, { recursive: true, force: true });
});

/** Uploads the script as sourcedir.tar.gz and builds the request the SageMaker Python SDK would send. */
async function scriptJob(options: {
  name: string;
  script: string;
  program?: string;
  hyperparameters?: Record<string, unknown>;
  maxRuntime?: number;
  metrics?: { Name: string; Regex: string }[];
  channels?: Record<string, string>;
  image?: string;
  archive?: Buffer;
  tags?: { Key: string; Value: string }[];
}): Promise<CreateTrainingJobRequest> {
  const program = options.program ?? "train.js";
  const key = `${options.name}/source/sourcedir.tar.gz`;
  const archive = options.archive ?? (await sourceArchive({ [program]: options.script }));
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: archive }));
  const hyperparameters = Object.fromEntries(
    Object.entries({
      ...options.hyperparameters,
      sagemaker_program: program,
      sagemaker_submit_directory: `s3://${BUCKET}/${key}`,
      sagemaker_region: REGION,
    }).map(([name, value]) => [name, JSON.stringify(value)]),
  );
  return {
    TrainingJobName: options.name,
    RoleArn: ROLE,
    AlgorithmSpecification: {
      TrainingImage: options.image ?? HF_TRAINING_IMAGE,
      TrainingInputMode: "File",
      ...(options.metrics ? { MetricDefinitions: options.metrics } : {}),
    },
    HyperParameters: hyperparameters,
    InputDataConfig: Object.entries(options.channels ?? { train: `s3://${BUCKET}/data/train` }).map(
      ([ChannelName, S3Uri]) => ({
        ChannelName,
        DataSource: {
          S3DataSource: { S3DataType: "S3Prefix", S3Uri, S3DataDistributionType: "FullyReplicated" },
        },
      }),
    ),
    OutputDataConfig: { S3OutputPath: `s3://${BUCKET}/output` },
    ResourceConfig: { InstanceType: "ml.m5.xlarge", InstanceCount: 1, VolumeSizeInGB: 30 },
    StoppingCondition: { MaxRuntimeInSeconds: options.maxRuntime ?? 600 },
    ...(options.tags ? { Tags: options.tags } : {}),
  };
}

async function describeJob(name: string): Promise<DescribeTrainingJobCommandOutput> {
  return sm.send(new DescribeTrainingJobCommand({ TrainingJobName: name }));
}

async function waitForJob(
  name: string,
  done: (job: DescribeTrainingJobCommandOutput) => boolean = (job) =>
    ["Completed", "Failed", "Stopped"].includes(job.TrainingJobStatus ?? ""),
  timeoutMs = 60_000,
): Promise<DescribeTrainingJobCommandOutput> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await describeJob(name);
    if (done(job)) return job;
    if (Date.now() > deadline)
      throw new Error(`job ${name} still ${job.TrainingJobStatus}/${job.SecondaryStatus}`);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

async function s3Object(key: string): Promise<Buffer> {
  const answer = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return Buffer.from(
    await (answer.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
  );
}

/** The file exists and holds the pid: a file just created may still be empty, and pid 0 is the caller's group. */
function pidWritten(file: string): boolean {
  return existsSync(file) && readFileSync(file, "utf8").trim() !== "";
}

/** A process that has exited is gone, even while it waits as a zombie for a parent that is itself gone. */
function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return true;
  }
}

async function eventuallyGone(pid: number): Promise<boolean> {
  const deadline = Date.now() + 3_000;
  while (pidAlive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  return !pidAlive(pid);
}

const TRAIN_SCRIPT = `
const fs = require("node:fs");
const path = require("node:path");
const text = fs.readFileSync(path.join(process.env.SM_CHANNEL_TRAIN, "reviews.tsv"), "utf8");
const rows = text.trim().split("\\n").length - 1;
for (let epoch = 1; epoch <= 3; epoch++) console.log("epoch=" + epoch + " loss=" + (1 / epoch).toFixed(3));
console.error("accuracy: 0.875");
fs.writeFileSync(path.join(process.env.SM_MODEL_DIR, "model.json"), JSON.stringify({
  rows,
  args: process.argv.slice(2),
  hps: JSON.parse(process.env.SM_HPS),
  hpEpochs: process.env.SM_HP_EPOCHS,
  channels: JSON.parse(process.env.SM_CHANNELS),
  testDir: process.env.SM_CHANNEL_TEST,
  host: process.env.SM_CURRENT_HOST,
  hosts: JSON.parse(process.env.SM_HOSTS),
  gpus: process.env.SM_NUM_GPUS,
  userArgs: JSON.parse(process.env.SM_USER_ARGS),
  trainingEnv: JSON.parse(process.env.SM_TRAINING_ENV),
  setting: process.env.MY_SETTING,
  tarFromImage: typeof require("tar").c,
}));
fs.writeFileSync(path.join(process.env.SM_OUTPUT_DATA_DIR, "report.txt"), "evaluation done");
`;

describe("training jobs run the entry point like the SageMaker training toolkit", () => {
  it("runs a JavaScript entry point to Completed, with channels, hyperparameters, metrics, logs and model.tar.gz", async () => {
    const request = await scriptJob({
      name: "js-complete",
      script: TRAIN_SCRIPT,
      hyperparameters: { epochs: 3, lr: 0.1, model_name: "char-ngram" },
      metrics: [
        { Name: "train:loss", Regex: "loss=([0-9.]+)" },
        { Name: "validation:accuracy", Regex: "accuracy: ([0-9.]+)" },
      ],
      channels: { train: `s3://${BUCKET}/data/train`, test: `s3://${BUCKET}/data/test/` },
    });
    request.Environment = { MY_SETTING: "on" };
    const created = await sm.send(new CreateTrainingJobCommand(request));
    expect(created.TrainingJobArn).toBe(`arn:aws:sagemaker:${REGION}:000000000000:training-job/js-complete`);

    const waited = await waitUntilTrainingJobCompletedOrStopped(
      { client: sm, maxWaitTime: 60, minDelay: 1, maxDelay: 1 },
      { TrainingJobName: "js-complete" },
    );
    expect(waited.state).toBe("SUCCESS");
    const job = await describeJob("js-complete");
    expect(job.TrainingJobStatus, job.FailureReason).toBe("Completed");
    for (const member of DESCRIBE_REQUIRED) expect(job[member], member).toBeDefined();
    expect(job.SecondaryStatus).toBe("Completed");
    expect(job.SecondaryStatusTransitions?.map((t) => t.Status)).toEqual([
      "Starting",
      "Downloading",
      "Training",
      "Uploading",
      "Completed",
    ]);
    for (const transition of job.SecondaryStatusTransitions ?? []) {
      expect(transition.StartTime).toBeInstanceOf(Date);
      expect(transition.StatusMessage).toBeTruthy();
    }
    expect(job.TrainingStartTime).toBeInstanceOf(Date);
    expect(job.TrainingEndTime).toBeInstanceOf(Date);
    expect(job.ModelArtifacts?.S3ModelArtifacts).toBe(
      `s3://${BUCKET}/output/js-complete/output/model.tar.gz`,
    );
    const metrics = Object.fromEntries((job.FinalMetricDataList ?? []).map((m) => [m.MetricName, m.Value]));
    expect(metrics).toEqual({ "train:loss": 0.333, "validation:accuracy": 0.875 });
    expect(job.FinalMetricDataList?.[0]?.Timestamp).toBeInstanceOf(Date);
    // Every value the definitions matched is a CloudWatch metric of the job's host, as SageMaker publishes them.
    const cloudwatch = new CloudWatchClient(clientConfig(server));
    const losses = await cloudwatch.send(
      new GetMetricStatisticsCommand({
        Namespace: "/aws/sagemaker/TrainingJobs",
        MetricName: "train:loss",
        Dimensions: [{ Name: "Host", Value: "js-complete/algo-1" }],
        StartTime: new Date(Date.now() - 600_000),
        EndTime: new Date(Date.now() + 60_000),
        Period: 3600,
        Statistics: ["SampleCount", "Minimum", "Maximum"],
      }),
    );
    cloudwatch.destroy();
    expect(losses.Datapoints?.[0]).toMatchObject({ SampleCount: 3, Minimum: 0.333, Maximum: 1 });

    const model = JSON.parse(
      (await readArchive(await s3Object("output/js-complete/output/model.tar.gz")))["model.json"] as string,
    );
    expect(model.rows).toBe(2);
    expect(model.args).toEqual(["--epochs", "3", "--lr", "0.1", "--model_name", "char-ngram"]);
    expect(model.userArgs).toEqual(model.args);
    expect(model.hps).toEqual({ epochs: 3, lr: 0.1, model_name: "char-ngram" });
    expect(model.hpEpochs).toBe("3");
    expect(model.channels).toEqual(["test", "train"]);
    expect(model.testDir).toMatch(/input\/data\/test$/);
    expect(model.host).toBe("algo-1");
    expect(model.hosts).toEqual(["algo-1"]);
    expect(model.gpus).toBe("0");
    expect(model.trainingEnv.job_name).toBe("js-complete");
    expect(model.trainingEnv.user_entry_point).toBe("train.js");
    expect(model.setting).toBe("on");
    expect(model.tarFromImage).toBe("function");
    const output = await readArchive(await s3Object("output/js-complete/output/output.tar.gz"));
    expect(output["report.txt"]).toBe("evaluation done");

    // The job folder is laid out like /opt/ml, with hyperparameters JSON-encoded as the Python SDK sends them.
    const folder = join(stateDir, "training-jobs", "js-complete");
    const hps = JSON.parse(readFileSync(join(folder, "input/config/hyperparameters.json"), "utf8"));
    expect(hps.model_name).toBe('"char-ngram"');
    expect(hps.sagemaker_program).toBe('"train.js"');
    const resource = JSON.parse(readFileSync(join(folder, "input/config/resourceconfig.json"), "utf8"));
    expect(resource).toMatchObject({ current_host: "algo-1", hosts: ["algo-1"] });
    const inputData = JSON.parse(readFileSync(join(folder, "input/config/inputdataconfig.json"), "utf8"));
    expect(Object.keys(inputData).sort()).toEqual(["test", "train"]);
    expect(inputData.train.TrainingInputMode).toBe("File");

    // Logs: one stream per host, read back through the CloudWatch Logs API.
    const streams = await logs.send(
      new DescribeLogStreamsCommand({
        logGroupName: "/aws/sagemaker/TrainingJobs",
        logStreamNamePrefix: "js-complete/",
      }),
    );
    expect(streams.logStreams).toHaveLength(1);
    const streamName = streams.logStreams?.[0]?.logStreamName as string;
    expect(streamName).toMatch(/^js-complete\/algo-1-\d{10}$/);
    const events = await logs.send(
      new GetLogEventsCommand({
        logGroupName: "/aws/sagemaker/TrainingJobs",
        logStreamName: streamName,
        startFromHead: true,
      }),
    );
    const messages = (events.events ?? []).map((event) => event.message);
    expect(messages).toContain("epoch=2 loss=0.500");
    expect(messages).toContain("accuracy: 0.875");
    const filtered = await logs.send(
      new FilterLogEventsCommand({ logGroupName: "/aws/sagemaker/TrainingJobs", filterPattern: "accuracy" }),
    );
    expect(filtered.events?.map((event) => event.message)).toContain("accuracy: 0.875");
  });

  it("runs a TypeScript entry point through tsx", async () => {
    const script = `
import { writeFileSync } from "node:fs";
import { join } from "node:path";
interface Summary { epochs: number; program: string }
const summary: Summary = { epochs: Number(process.argv[3]), program: process.env.SM_USER_ENTRY_POINT ?? "" };
writeFileSync(join(process.env.SM_MODEL_DIR as string, "summary.json"), JSON.stringify(summary));
`;
    await sm.send(
      new CreateTrainingJobCommand(
        await scriptJob({ name: "ts-entry", program: "train.ts", script, hyperparameters: { epochs: 2 } }),
      ),
    );
    const job = await waitForJob("ts-entry");
    expect(job.TrainingJobStatus, job.FailureReason).toBe("Completed");
    const files = await readArchive(await s3Object("output/ts-entry/output/model.tar.gz"));
    expect(JSON.parse(files["summary.json"] as string)).toEqual({ epochs: 2, program: "train.ts" });
  });

  it.skipIf(!hasPython)("runs a Python entry point with python3", async () => {
    const script = [
      "import json, os, sys",
      "with open(os.path.join(os.environ['SM_MODEL_DIR'], 'args.json'), 'w') as f:",
      "    json.dump(sys.argv[1:], f)",
      "print('loss=0.25')",
    ].join("\n");
    await sm.send(
      new CreateTrainingJobCommand(
        await scriptJob({
          name: "py-entry",
          program: "train.py",
          script,
          hyperparameters: { epochs: 1 },
          metrics: [{ Name: "loss", Regex: "loss=([0-9.]+)" }],
        }),
      ),
    );
    const job = await waitForJob("py-entry");
    expect(job.TrainingJobStatus, job.FailureReason).toBe("Completed");
    expect(job.FinalMetricDataList?.[0]).toMatchObject({ MetricName: "loss", Value: 0.25 });
    const files = await readArchive(await s3Object("output/py-entry/output/model.tar.gz"));
    expect(JSON.parse(files["args.json"] as string)).toEqual(["--epochs", "1"]);
  });
});

describe("training jobs fail and stop the way SageMaker reports it", () => {
  it("fails clearly when the entry point's interpreter is not installed", async () => {
    const request = await scriptJob({ name: "no-python", program: "train.py", script: "print('hi')" });
    request.Environment = { PATH: "/nonexistent-bin" };
    await sm.send(new CreateTrainingJobCommand(request));
    const job = await waitForJob("no-python");
    expect(job.TrainingJobStatus).toBe("Failed");
    expect(job.FailureReason).toContain(
      'python3 is not installed on this machine, so entry point "train.py" cannot run',
    );
  });

  it("takes FailureReason from output/failure when the script writes one", async () => {
    const script = `
require("node:fs").writeFileSync(process.env.SM_OUTPUT_DIR + "/failure", "ValueError: column 'label' is missing in train.tsv");
process.exit(3);
`;
    await sm.send(new CreateTrainingJobCommand(await scriptJob({ name: "crash-failure-file", script })));
    const job = await waitForJob("crash-failure-file");
    expect(job.TrainingJobStatus).toBe("Failed");
    expect(job.SecondaryStatus).toBe("Failed");
    expect(job.FailureReason).toBe("ValueError: column 'label' is missing in train.tsv");
    const waited = await waitUntilTrainingJobCompletedOrStopped(
      { client: sm, maxWaitTime: 10, minDelay: 1, maxDelay: 1 },
      { TrainingJobName: "crash-failure-file" },
    ).catch((error: Error) => error);
    expect(waited).toBeInstanceOf(Error);
  });

  it("quotes the end of the log and the exit code when the script crashes without a failure file", async () => {
    const script = `console.log("loading data"); throw new Error("tokenizer exploded on row 17");`;
    await sm.send(new CreateTrainingJobCommand(await scriptJob({ name: "crash-no-file", script })));
    const job = await waitForJob("crash-no-file");
    expect(job.TrainingJobStatus).toBe("Failed");
    expect(job.FailureReason).toMatch(/^AlgorithmError: .*exited with code 1/);
    expect(job.FailureReason).toContain("tokenizer exploded on row 17");
  });

  it("stops a job that runs past MaxRuntimeInSeconds (Stopped, MaxRuntimeExceeded)", async () => {
    const script = `process.on("SIGTERM", () => {}); setInterval(() => console.log("still training"), 200);`;
    await sm.send(new CreateTrainingJobCommand(await scriptJob({ name: "too-long", script, maxRuntime: 2 })));
    const job = await waitForJob("too-long");
    expect(job.TrainingJobStatus).toBe("Stopped");
    expect(job.SecondaryStatus).toBe("MaxRuntimeExceeded");
    expect(job.SecondaryStatusTransitions?.map((t) => t.Status)).toContain("Stopping");
  });

  it("StopTrainingJob goes Stopping then Stopped, ends the process and keeps what the script saved on SIGTERM", async () => {
    const pidFile = join(stateDir, "stop-me.pid");
    const script = `
const fs = require("node:fs");
fs.writeFileSync(${JSON.stringify(pidFile)}, String(process.pid));
process.on("SIGTERM", () => {
  fs.writeFileSync(process.env.SM_MODEL_DIR + "/checkpoint.txt", "saved on SIGTERM");
  process.exit(0);
});
console.log("training forever");
setInterval(() => {}, 1000);
`;
    await sm.send(new CreateTrainingJobCommand(await scriptJob({ name: "stop-me", script })));
    await waitForJob("stop-me", () => pidWritten(pidFile));
    const pid = Number(readFileSync(pidFile, "utf8"));
    expect(pidAlive(pid)).toBe(true);
    await sm.send(new StopTrainingJobCommand({ TrainingJobName: "stop-me" }));
    const stopping = await describeJob("stop-me");
    expect(["Stopping", "Stopped"]).toContain(stopping.TrainingJobStatus);
    const job = await waitForJob("stop-me");
    expect(job.TrainingJobStatus).toBe("Stopped");
    expect(job.SecondaryStatus).toBe("Stopped");
    expect(await eventuallyGone(pid)).toBe(true);
    const files = await readArchive(await s3Object("output/stop-me/output/model.tar.gz"));
    expect(files["checkpoint.txt"]).toBe("saved on SIGTERM");
    const again = await sm
      .send(new StopTrainingJobCommand({ TrainingJobName: "stop-me" }))
      .then(unexpected, (e: Error) => e);
    expect(again).toMatchObject({ name: "ValidationException" });
    expect((again as Error).message).toContain("Stopped");
  });

  it("refuses a malicious sourcedir.tar.gz: the job fails and nothing lands outside the code folder", async () => {
    const climbing = rawArchive([
      { path: "train.js", type: "File", body: "console.log('hi')" },
      { path: "../../escaped.js", type: "File", body: "pwned" },
    ]);
    await sm.send(
      new CreateTrainingJobCommand(await scriptJob({ name: "evil-dotdot", script: "", archive: climbing })),
    );
    const job = await waitForJob("evil-dotdot");
    expect(job.TrainingJobStatus).toBe("Failed");
    expect(job.FailureReason).toMatch(/^ClientError: .*unsafe.*"\.\.\/\.\.\/escaped\.js" climbs out/);
    expect(existsSync(join(stateDir, "training-jobs", "escaped.js"))).toBe(false);
    expect(existsSync(join(stateDir, "training-jobs", "evil-dotdot", "code", "train.js"))).toBe(false);

    const link = rawArchive([
      { path: "train.js", type: "File", body: "console.log('hi')" },
      { path: "secrets", type: "SymbolicLink", linkpath: "/etc" },
    ]);
    await sm.send(
      new CreateTrainingJobCommand(await scriptJob({ name: "evil-link", script: "", archive: link })),
    );
    const linked = await waitForJob("evil-link");
    expect(linked.TrainingJobStatus).toBe("Failed");
    expect(linked.FailureReason).toContain('link "secrets" points at the absolute path "/etc"');
  });

  it("fails with a reason for an image it cannot run, empty channels and a missing entry point", async () => {
    await sm.send(
      new CreateTrainingJobCommand(
        await scriptJob({
          name: "bad-image",
          script: "",
          image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/my-algo:1",
        }),
      ),
    );
    await sm.send(
      new CreateTrainingJobCommand(
        await scriptJob({ name: "no-data", script: "", channels: { train: `s3://${BUCKET}/nothing-here/` } }),
      ),
    );
    const image = await waitForJob("bad-image");
    expect(image.TrainingJobStatus).toBe("Failed");
    expect(image.FailureReason).toMatch(/^ClientError: Image repository "my-algo" is not a Hugging Face DLC/);
    const data = await waitForJob("no-data");
    expect(data.FailureReason).toContain(`No S3 objects found under s3://${BUCKET}/nothing-here/`);

    const request = await scriptJob({ name: "no-entry", script: "console.log(1)" });
    request.HyperParameters = { ...request.HyperParameters, sagemaker_program: '"missing.js"' };
    await sm.send(new CreateTrainingJobCommand(request));
    const entry = await waitForJob("no-entry");
    expect(entry.FailureReason).toContain('Entry point "missing.js" was not found in the source directory');
  });
});

describe("the training job API", () => {
  it("answers ResourceInUse for a duplicate name and ValidationException for a missing job", async () => {
    const request = await scriptJob({ name: "dup-name", script: "" });
    const duplicate = await sm
      .send(new CreateTrainingJobCommand(request))
      .then(() => sm.send(new CreateTrainingJobCommand(request)))
      .then(unexpected, (e: Error) => e);
    expect(duplicate).toMatchObject({ name: "ResourceInUse" });
    expect((duplicate as Error).message).toContain(
      "Training job names must be unique within an AWS account and region, and a training job with this name already exists (arn:aws:sagemaker:ap-northeast-2:000000000000:training-job/dup-name)",
    );
    await waitForJob("dup-name");
    const missing = await describeJob("no-such-job").then(unexpected, (e: Error) => e);
    expect(missing).toMatchObject({ name: "ValidationException" });
    expect((missing as Error).message).toContain("Could not find training job");
    const stopMissing = await sm
      .send(new StopTrainingJobCommand({ TrainingJobName: "no-such-job" }))
      .then(unexpected, (e: Error) => e);
    expect(stopMissing).toMatchObject({ name: "ValidationException" });
  });

  it("registers the tags given on create", async () => {
    const request = await scriptJob({
      name: "tagged-job",
      script: "",
      tags: [{ Key: "workshop", Value: "ko-nlp" }],
    });
    const { TrainingJobArn } = await sm.send(new CreateTrainingJobCommand(request));
    const tags = await sm.send(new ListTagsCommand({ ResourceArn: TrainingJobArn }));
    expect(tags.Tags).toEqual([{ Key: "workshop", Value: "ko-nlp" }]);
    await waitForJob("tagged-job");
  });

  it("lists jobs with NameContains, StatusEquals, sorting and pages", async () => {
    const all = await sm.send(new ListTrainingJobsCommand({ MaxResults: 100 }));
    const names = all.TrainingJobSummaries?.map((s) => s.TrainingJobName) ?? [];
    expect(names.length).toBeGreaterThanOrEqual(10);
    const created = all.TrainingJobSummaries?.map((s) => (s.CreationTime as Date).getTime()) ?? [];
    expect(created).toEqual([...created].sort((a, b) => b - a)); // newest first by default

    const crashes = await sm.send(
      new ListTrainingJobsCommand({ NameContains: "CRASH", SortBy: "Name", SortOrder: "Ascending" }),
    );
    expect(crashes.TrainingJobSummaries?.map((s) => s.TrainingJobName)).toEqual([
      "crash-failure-file",
      "crash-no-file",
    ]);
    const stopped = await sm.send(new ListTrainingJobsCommand({ StatusEquals: "Stopped" }));
    expect(stopped.TrainingJobSummaries?.map((s) => s.TrainingJobName).sort()).toEqual([
      "stop-me",
      "too-long",
    ]);
    for (const summary of stopped.TrainingJobSummaries ?? []) {
      expect(summary.TrainingJobArn).toBeDefined();
      expect(summary.CreationTime).toBeInstanceOf(Date);
    }

    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await sm.send(
        new ListTrainingJobsCommand({
          MaxResults: 3,
          SortBy: "Name",
          SortOrder: "Ascending",
          NextToken: token,
        }),
      );
      expect(page.TrainingJobSummaries?.length).toBeLessThanOrEqual(3);
      seen.push(...(page.TrainingJobSummaries?.map((s) => s.TrainingJobName as string) ?? []));
      token = page.NextToken;
    } while (token);
    expect(seen).toEqual([...names].sort());
  });

  it("answers ResourceLimitExceeded past the local limit of concurrent jobs", async () => {
    const script = "setInterval(() => {}, 1000);";
    await sm.send(new CreateTrainingJobCommand(await scriptJob({ name: "busy-1", script })));
    await sm.send(new CreateTrainingJobCommand(await scriptJob({ name: "busy-2", script })));
    const third = await sm
      .send(new CreateTrainingJobCommand(await scriptJob({ name: "busy-3", script })))
      .then(unexpected, (e: Error) => e);
    expect(third).toMatchObject({ name: "ResourceLimitExceeded" });
    expect((third as Error).message).toContain("at most 2 training jobs at once");
    for (const name of ["busy-1", "busy-2"])
      await sm.send(new StopTrainingJobCommand({ TrainingJobName: name }));
    for (const name of ["busy-1", "busy-2"])
      expect((await waitForJob(name)).TrainingJobStatus).toBe("Stopped");
  });
});

describe("training jobs across a server restart", () => {
  it("marks a job that was running Failed, saying the server restarted, and leaves no process behind", async () => {
    const dir = mkdtempSync(join(tmpdir(), "local-sagemaker-restart-"));
    const pidFile = join(dir, "job.pid");
    let first: LocalServer | undefined = await startLocalServer({ port: 0, stateDir: dir });
    try {
      const c = clients(first);
      await c.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
      await c.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "data/train/a.txt", Body: "x" }));
      const archive = await sourceArchive({
        "train.js": `require("node:fs").writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setInterval(() => {}, 1000);`,
      });
      await c.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "src/sourcedir.tar.gz", Body: archive }));
      const request = await scriptJob({ name: "interrupted", script: "" });
      request.HyperParameters = {
        sagemaker_program: '"train.js"',
        sagemaker_submit_directory: `"s3://${BUCKET}/src/sourcedir.tar.gz"`,
      };
      await c.sm.send(new CreateTrainingJobCommand(request));
      const deadline = Date.now() + 30_000;
      while (!pidWritten(pidFile) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      const pid = Number(readFileSync(pidFile, "utf8"));
      await first.close();
      first = undefined;
      expect(await eventuallyGone(pid)).toBe(true);

      const second = await startLocalServer({ port: 0, stateDir: dir });
      try {
        const job = await clients(second).sm.send(
          new DescribeTrainingJobCommand({ TrainingJobName: "interrupted" }),
        );
        expect(job.TrainingJobStatus).toBe("Failed");
        expect(job.FailureReason).toContain(
          "local SageMaker was restarted while this training job was running",
        );
        expect(job.SecondaryStatusTransitions?.at(-1)?.Status).toBe("Failed");
      } finally {
        await second.close();
      }
    } finally {
      await first?.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the workshop's own model trains through a local training job", () => {
  const entryPoint = join(__dirname, "../../labs/3_Training/scripts/train.ts");
  const sample = join(__dirname, "../../data/sample/reviews.tsv");
  const ready =
    existsSync(entryPoint) && existsSync(sample) && existsSync(join(__dirname, "../../dist/index.js"));

  it.skipIf(!ready)(
    "runs labs/3_Training/scripts/train.ts (runSageMakerTraining) on the sample reviews to Completed",
    async () => {
      const [header, ...rows] = readFileSync(sample, "utf8").trim().split("\n");
      const cut = Math.floor(rows.length * 0.8);
      await s3.send(
        new PutObjectCommand({
          Bucket: BUCKET,
          Key: "reviews/train/train.tsv",
          Body: [header, ...rows.slice(0, cut)].join("\n"),
        }),
      );
      await s3.send(
        new PutObjectCommand({
          Bucket: BUCKET,
          Key: "reviews/test/test.tsv",
          Body: [header, ...rows.slice(cut)].join("\n"),
        }),
      );
      const request = await scriptJob({
        name: "workshop-model",
        program: "train.ts",
        script: readFileSync(entryPoint, "utf8"),
        hyperparameters: { epochs: 3 },
        channels: { train: `s3://${BUCKET}/reviews/train`, test: `s3://${BUCKET}/reviews/test` },
        metrics: [
          { Name: "eval_accuracy", Regex: "eval_accuracy=([0-9.]+)" },
          { Name: "loss", Regex: "; loss=([0-9.]+)" },
        ],
      });
      await sm.send(new CreateTrainingJobCommand(request));
      const job = await waitForJob("workshop-model", undefined, 120_000);
      expect(job.TrainingJobStatus, job.FailureReason).toBe("Completed");
      const files = await readArchive(await s3Object("output/workshop-model/output/model.tar.gz"));
      const evaluation = JSON.parse(files["evaluation.json"] as string);
      expect(evaluation.eval_split).toBe("test");
      expect(evaluation.eval_samples).toBe(rows.length - cut);
      const accuracy = job.FinalMetricDataList?.find((m) => m.MetricName === "eval_accuracy")?.Value;
      expect(accuracy).toBeCloseTo(evaluation.eval_accuracy, 3);
      expect(Object.keys(files).length).toBeGreaterThan(1);
    },
    150_000,
  );
});

describe("image resolution", () => {
  it("maps Hugging Face training DLCs of any region and version, and the local name, to the built-in toolkit", () => {
    for (const image of [
      HF_TRAINING_IMAGE,
      "763104351884.dkr.ecr.us-east-1.amazonaws.com/huggingface-pytorch-training:1.13.1-transformers4.26.0-cpu-py39-ubuntu20.04",
      "727897471807.dkr.ecr.cn-north-1.amazonaws.com.cn/huggingface-pytorch-training:2.0.0-transformers4.28.1-gpu-py310-cu118-ubuntu20.04",
      "626614931356.dkr.ecr.af-south-1.amazonaws.com/huggingface-tensorflow-training:2.6.3-transformers4.17.0-gpu-py38-cu112-ubuntu20.04",
      "772153158452.dkr.ecr.ap-south-2.amazonaws.com/huggingface-pytorch-training:2.1.0-transformers4.36.0-gpu-py310-cu121-ubuntu20.04",
      "ko-sagemaker/training",
      "ko-sagemaker/training:0.1.0",
    ]) {
      expect(resolveTrainingImage(image), image).toMatchObject({ ok: true });
    }
  });

  it("explains why an image cannot run", () => {
    const cases: [string, string][] = [
      ["123456789012.dkr.ecr.us-east-1.amazonaws.com/my-algo:1", "is not a Hugging Face DLC"],
      [HF_TRAINING_IMAGE.replace("training", "inference"), "is an inference DLC; a training job needs"],
      [
        "111111111111.dkr.ecr.us-east-1.amazonaws.com/huggingface-pytorch-training:2.1.0-gpu",
        "live in account 763104351884",
      ],
      ["ko-sagemaker/inference", "is the local inference image"],
      ["python:3.11", "cannot run on local SageMaker"],
    ];
    for (const [image, reason] of cases) {
      const resolved = resolveTrainingImage(image);
      expect(resolved.ok, image).toBe(false);
      if (!resolved.ok) expect(resolved.reason).toContain(reason);
    }
    expect(
      resolveInferenceImage(
        "763104351884.dkr.ecr.ap-northeast-2.amazonaws.com/huggingface-pytorch-inference:2.1.0-transformers4.37.0-cpu-py310-ubuntu22.04",
      ),
    ).toMatchObject({ ok: true });
    expect(resolveInferenceImage("ko-sagemaker/inference:latest")).toMatchObject({ ok: true });
    expect(resolveInferenceImage(HF_TRAINING_IMAGE)).toMatchObject({ ok: false });
  });
});
