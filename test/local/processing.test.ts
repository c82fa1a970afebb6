import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DescribeLogStreamsCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
} from "@aws-sdk/client-cloudwatch-logs";
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import {
  AddTagsCommand,
  CreateProcessingJobCommand,
  type CreateProcessingJobRequest,
  DescribeProcessingJobCommand,
  type DescribeProcessingJobResponse,
  DescribeTrialComponentCommand,
  ListProcessingJobsCommand,
  ListTagsCommand,
  StopProcessingJobCommand,
  waitUntilProcessingJobCompletedOrStopped,
} from "@aws-sdk/client-sagemaker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mapArgument, mapContainerPath } from "../../src/containers/processing/paths";
import { resolveProcessingImage } from "../../src/local/services/sagemaker/images";
import { BUCKET, HAVE_SPEC, type Local, missingRequired, startLocal, stopLocal } from "./hosting-fixtures";

/** Processing jobs through the real SageMaker client: inputs in, the script run, outputs out, as SageMaker does. */

const SKLEARN_IMAGE =
  "366743142698.dkr.ecr.ap-northeast-2.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3";
const HF_IMAGE =
  "763104351884.dkr.ecr.ap-northeast-2.amazonaws.com/huggingface-pytorch-training:2.1.0-transformers4.36.0-gpu-py310-cu121-ubuntu20.04";
const ROLE = "arn:aws:iam::000000000000:role/SageMakerRole";
const CODE = "/opt/ml/processing/input/code";

const unexpected = (): never => {
  throw new Error("expected the call to fail, but it answered");
};

const hasPython = (() => {
  try {
    execFileSync("python3", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

let local: Local;

beforeAll(async () => {
  local = await startLocal(mkdtempSync(join(tmpdir(), "local-sagemaker-processing-")), {
    stopGraceMs: 1000,
    maxProcessingJobs: 4,
  });
  await put("raw/reviews.tsv", "text\tlabel\n좋아요\t1\n별로\t0\n최고\t1\n지루해\t0\n");
});

afterAll(async () => {
  await stopLocal(local);
});

async function put(key: string, body: string): Promise<string> {
  await local.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
  return `s3://${BUCKET}/${key}`;
}

async function text(key: string): Promise<string> {
  const answer = await local.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return (answer.Body as { transformToString(): Promise<string> }).transformToString();
}

async function keys(prefix: string): Promise<string[]> {
  const listed = await local.s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (listed.Contents ?? []).map((object) => object.Key as string).sort();
}

const s3Input = (name: string, uri: string, localPath: string, type = "S3Prefix") => ({
  InputName: name,
  S3Input: {
    S3Uri: uri,
    LocalPath: localPath,
    S3DataType: type as "S3Prefix",
    S3InputMode: "File" as const,
    S3DataDistributionType: "FullyReplicated" as const,
  },
});

const s3Output = (name: string, uri: string, localPath: string) => ({
  OutputName: name,
  S3Output: { S3Uri: uri, LocalPath: localPath, S3UploadMode: "EndOfJob" as const },
});

/** The request SKLearnProcessor.run builds: the script as input "code", the entry point python3 <script>. */
async function scriptJob(options: {
  name: string;
  script: string;
  file?: string;
  entrypoint?: string[];
  args?: string[];
  inputs?: CreateProcessingJobRequest["ProcessingInputs"];
  outputs?: string[];
  image?: string;
  maxRuntime?: number;
  environment?: Record<string, string>;
}): Promise<CreateProcessingJobRequest> {
  const file = options.file ?? "preprocess.py";
  const codeUri = await put(`${options.name}/code/${file}`, options.script);
  return {
    ProcessingJobName: options.name,
    RoleArn: ROLE,
    ProcessingResources: {
      ClusterConfig: { InstanceCount: 1, InstanceType: "ml.m5.xlarge", VolumeSizeInGB: 30 },
    },
    AppSpecification: {
      ImageUri: options.image ?? SKLEARN_IMAGE,
      ContainerEntrypoint: options.entrypoint ?? ["python3", `${CODE}/${file}`],
      ...(options.args ? { ContainerArguments: options.args } : {}),
    },
    ProcessingInputs: [
      ...(options.inputs ?? [s3Input("input-1", `s3://${BUCKET}/raw`, "/opt/ml/processing/input")]),
      s3Input("code", codeUri, CODE),
    ],
    ProcessingOutputConfig: {
      Outputs: (options.outputs ?? []).map((output) =>
        s3Output(output, `s3://${BUCKET}/${options.name}/output/${output}`, `/opt/ml/processing/${output}`),
      ),
    },
    StoppingCondition: { MaxRuntimeInSeconds: options.maxRuntime ?? 120 },
    ...(options.environment ? { Environment: options.environment } : {}),
  };
}

async function describeJob(name: string): Promise<DescribeProcessingJobResponse> {
  return local.sm.send(new DescribeProcessingJobCommand({ ProcessingJobName: name }));
}

async function waitForJob(name: string, timeoutMs = 30_000): Promise<DescribeProcessingJobResponse> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await describeJob(name);
    if (["Completed", "Failed", "Stopped"].includes(job.ProcessingJobStatus ?? "")) return job;
    if (Date.now() > deadline) throw new Error(`job ${name} still ${job.ProcessingJobStatus}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function logLines(name: string): Promise<string[]> {
  const streams = await local.logs.send(
    new DescribeLogStreamsCommand({
      logGroupName: "/aws/sagemaker/ProcessingJobs",
      logStreamNamePrefix: `${name}/`,
    }),
  );
  const stream = streams.logStreams?.[0]?.logStreamName as string;
  const events = await local.logs.send(
    new GetLogEventsCommand({
      logGroupName: "/aws/sagemaker/ProcessingJobs",
      logStreamName: stream,
      startFromHead: true,
    }),
  );
  return (events.events ?? []).map((event) => event.message as string);
}

/** The file exists and holds the pid: a file just created may still be empty, and pid 0 is the caller's group. */
function pidWritten(file: string): boolean {
  return existsSync(file) && readFileSync(file, "utf8").trim() !== "";
}

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

/** The Python workshop's preprocessing step in miniature: read the raw reviews, split them, write two outputs. */
const PREPROCESS_PY = `
import argparse, json, os, sys
parser = argparse.ArgumentParser()
parser.add_argument("--input-data", default="/opt/ml/processing/input")
parser.add_argument("--train-dir")
parser.add_argument("--test-dir")
parser.add_argument("--message")
args = parser.parse_args()
print("argv", json.dumps(sys.argv[1:]))
print("cwd", os.getcwd())
rows = open(os.path.join(args.input_data, "reviews.tsv"), encoding="utf-8").read().strip().split("\\n")[1:]
print(f"read {len(rows)} reviews; split ratio {os.environ['SPLIT_RATIO']}")
half = len(rows) // 2
os.makedirs(os.path.join(args.train_dir, "nested"), exist_ok=True)
with open(os.path.join(args.train_dir, "nested", "train.tsv"), "w", encoding="utf-8") as f:
    f.write("\\n".join(rows[:half]))
with open(os.path.join(args.test_dir, "test.tsv"), "w", encoding="utf-8") as f:
    f.write("\\n".join(rows[half:]))
with open(args.message, "w") as f:
    f.write(f"split {len(rows)} reviews")
print("aws endpoint set:", bool(os.environ.get("AWS_ENDPOINT_URL")))
`;

describe("processing jobs run their entry point like a SageMaker processing container", () => {
  it.skipIf(!hasPython)(
    "runs a Python script: inputs in, container paths mapped, two outputs uploaded, logs, ExitMessage, waiter",
    async () => {
      const request = await scriptJob({
        name: "py-split",
        script: PREPROCESS_PY,
        args: [
          "--input-data",
          "/opt/ml/processing/input",
          "--train-dir",
          "/opt/ml/processing/train",
          "--test-dir=/opt/ml/processing/test",
          "--message",
          "/opt/ml/output/message",
        ],
        outputs: ["train", "test"],
        environment: { SPLIT_RATIO: "0.5" },
      });
      const created = await local.sm.send(new CreateProcessingJobCommand(request));
      expect(created.ProcessingJobArn).toBe(
        "arn:aws:sagemaker:ap-northeast-2:000000000000:processing-job/py-split",
      );
      const inProgress = await describeJob("py-split");
      expect(["InProgress", "Completed"]).toContain(inProgress.ProcessingJobStatus);

      const waited = await waitUntilProcessingJobCompletedOrStopped(
        { client: local.sm, maxWaitTime: 60, minDelay: 1, maxDelay: 1 },
        { ProcessingJobName: "py-split" },
      );
      expect(waited.state).toBe("SUCCESS");
      const job = await describeJob("py-split");
      expect(job.ProcessingJobStatus, job.FailureReason).toBe("Completed");
      if (HAVE_SPEC) expect(missingRequired("DescribeProcessingJobResponse", job)).toEqual([]);
      expect(job.ExitMessage).toBe("split 4 reviews");
      expect(job.ProcessingStartTime).toBeInstanceOf(Date);
      expect(job.ProcessingEndTime).toBeInstanceOf(Date);
      expect(job.AppSpecification?.ContainerArguments?.[3]).toBe("/opt/ml/processing/train"); // as given
      expect(job.Environment).toEqual({ SPLIT_RATIO: "0.5" });

      expect(await keys("py-split/output/")).toEqual([
        "py-split/output/test/test.tsv",
        "py-split/output/train/nested/train.tsv",
      ]);
      expect(await text("py-split/output/train/nested/train.tsv")).toBe("좋아요\t1\n별로\t0");
      expect(await text("py-split/output/test/test.tsv")).toBe("최고\t1\n지루해\t0");

      // Every /opt/ml path the job named (entry point, arguments, LocalPath) is inside the job's folder here.
      const folder = join(local.stateDir, "processing-jobs", "py-split");
      const lines = await logLines("py-split");
      const argv = JSON.parse((lines.find((line) => line.startsWith("argv ")) as string).slice(5));
      expect(argv).toEqual([
        "--input-data",
        join(folder, "processing/input"),
        "--train-dir",
        join(folder, "processing/train"),
        `--test-dir=${join(folder, "processing/test")}`,
        "--message",
        join(folder, "output/message"),
      ]);
      expect(lines).toContain(`cwd ${folder}`);
      expect(lines).toContain("read 4 reviews; split ratio 0.5");
      expect(lines).toContain("aws endpoint set: True");
      expect(lines.some((line) => line.includes('output "train": 1 file(s) uploaded'))).toBe(true);
      const config = JSON.parse(readFileSync(join(folder, "config/processingjobconfig.json"), "utf8"));
      expect(config.ProcessingJobName).toBe("py-split");
      const streams = await local.logs.send(
        new DescribeLogStreamsCommand({
          logGroupName: "/aws/sagemaker/ProcessingJobs",
          logStreamNamePrefix: "py-split/",
        }),
      );
      expect(streams.logStreams?.[0]?.logStreamName).toMatch(/^py-split\/algo-1-\d{10}$/);
    },
  );

  it("runs TypeScript through tsx and JavaScript with node, on the Hugging Face image, with a manifest input", async () => {
    await put("manifest-data/part-1.txt", "one\n");
    await put("manifest-data/part-2.txt", "two\n");
    await put("manifest-data/ignored.txt", "not listed\n");
    const manifest = await put(
      "manifests/inputs.manifest",
      JSON.stringify([{ prefix: `s3://${BUCKET}/manifest-data/` }, "part-1.txt", "part-2.txt"]),
    );
    const ts = `
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
const [inputDir, outputDir] = process.argv.slice(2);
const files: string[] = readdirSync(inputDir as string).sort();
const joined: string = files.map((file) => readFileSync(join(inputDir as string, file), "utf8").trim()).join("+");
console.log("typescript saw", files.join(","));
writeFileSync(join(outputDir as string, "joined.txt"), joined);
`;
    const js = `
const fs = require("node:fs");
const out = process.argv[2].split("=")[1];
fs.writeFileSync(out + "/hello.json", JSON.stringify({ node: process.version, cwd: process.cwd() }));
console.log("javascript done");
`;
    await local.sm.send(
      new CreateProcessingJobCommand(
        await scriptJob({
          name: "ts-manifest",
          file: "join.ts",
          script: ts,
          entrypoint: ["tsx", `${CODE}/join.ts`],
          args: ["/opt/ml/processing/input/parts", "/opt/ml/processing/joined"],
          inputs: [s3Input("parts", manifest, "/opt/ml/processing/input/parts", "ManifestFile")],
          outputs: ["joined"],
          image: HF_IMAGE,
        }),
      ),
    );
    await local.sm.send(
      new CreateProcessingJobCommand(
        await scriptJob({
          name: "js-node",
          file: "hello.js",
          script: js,
          entrypoint: ["node", `${CODE}/hello.js`],
          args: ["--out=/opt/ml/processing/hello"],
          outputs: ["hello"],
          image: "ko-sagemaker/processing:latest",
        }),
      ),
    );
    const tsJob = await waitForJob("ts-manifest");
    expect(tsJob.ProcessingJobStatus, tsJob.FailureReason).toBe("Completed");
    expect(await text("ts-manifest/output/joined/joined.txt")).toBe("one+two");
    expect(await logLines("ts-manifest")).toContain("typescript saw part-1.txt,part-2.txt");
    const jsJob = await waitForJob("js-node");
    expect(jsJob.ProcessingJobStatus, jsJob.FailureReason).toBe("Completed");
    const hello = JSON.parse(await text("js-node/output/hello/hello.json"));
    expect(hello.cwd).toBe(join(local.stateDir, "processing-jobs", "js-node"));
  });

  it("a script that hard-codes an /opt/ml path fails clearly, and an output left empty is reported", async () => {
    const hardCoded = `require("node:fs").writeFileSync("/opt/ml/processing/output/result.csv", "a,b\\n");`;
    await local.sm.send(
      new CreateProcessingJobCommand(
        await scriptJob({
          name: "hard-coded",
          file: "write.js",
          script: hardCoded,
          entrypoint: ["node", `${CODE}/write.js`],
          outputs: ["output"],
        }),
      ),
    );
    const failed = await waitForJob("hard-coded");
    expect(failed.ProcessingJobStatus).toBe("Failed");
    expect(failed.FailureReason).toMatch(
      /^AlgorithmError: the entry point exited with code 1 \(Error: ENOENT/,
    );
    expect(failed.FailureReason).toContain(
      "Local SageMaker maps /opt/ml paths only where the job names them (LocalPath, ContainerEntrypoint, ContainerArguments)",
    );
    expect(existsSync("/opt/ml/processing/output/result.csv")).toBe(false);

    const quiet = `console.log("forgot to write the output");`;
    await local.sm.send(
      new CreateProcessingJobCommand(
        await scriptJob({
          name: "empty-output",
          file: "quiet.js",
          script: quiet,
          entrypoint: ["node", `${CODE}/quiet.js`],
          outputs: ["train"],
        }),
      ),
    );
    const empty = await waitForJob("empty-output");
    expect(empty.ProcessingJobStatus).toBe("Completed");
    expect(await keys("empty-output/output/")).toEqual([]);
    const warning = (await logLines("empty-output")).find((line) => line.includes("WARNING"));
    expect(warning).toContain(
      'output "train" is empty: the script wrote nothing to /opt/ml/processing/train',
    );
    expect(warning).toContain("A script that hard-codes another path writes outside the job's folder");
  });

  it.skipIf(!hasPython)(
    "a failing Python script: FailureReason quotes the error, ExitMessage the message file, the waiter fails",
    async () => {
      const script = `
import sys
print("checking columns")
open(sys.argv[1], "w").write("label column missing")
raise ValueError("column 'label' is missing in reviews.tsv")
`;
      await local.sm.send(
        new CreateProcessingJobCommand(
          await scriptJob({ name: "py-fails", script, args: ["/opt/ml/output/message"], outputs: ["train"] }),
        ),
      );
      const waited = await waitUntilProcessingJobCompletedOrStopped(
        { client: local.sm, maxWaitTime: 30, minDelay: 1, maxDelay: 1 },
        { ProcessingJobName: "py-fails" },
      ).catch((error: Error) => error);
      expect(waited).toBeInstanceOf(Error);
      const job = await describeJob("py-fails");
      expect(job.ProcessingJobStatus).toBe("Failed");
      expect(job.FailureReason).toMatch(/^AlgorithmError: the entry point exited with code 1/);
      expect(job.FailureReason).toContain("ValueError: column 'label' is missing in reviews.tsv");
      expect(job.ExitMessage).toBe("label column missing");
      expect(await keys("py-fails/output/")).toEqual([]); // outputs are uploaded only on success
    },
  );

  it("fails with a ClientError for an image it cannot run, an entry point it cannot find, and an empty input", async () => {
    const base = { script: "console.log(1)", file: "x.js", entrypoint: ["node", `${CODE}/x.js`] };
    await local.sm.send(
      new CreateProcessingJobCommand(
        await scriptJob({
          ...base,
          name: "bad-image",
          image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/my-processor:1",
        }),
      ),
    );
    await local.sm.send(
      new CreateProcessingJobCommand(
        await scriptJob({ ...base, name: "no-script", entrypoint: ["python3", `${CODE}/missing.py`] }),
      ),
    );
    await local.sm.send(
      new CreateProcessingJobCommand(
        await scriptJob({ ...base, name: "bash-entry", entrypoint: ["/bin/bash", `${CODE}/run.sh`] }),
      ),
    );
    await local.sm.send(
      new CreateProcessingJobCommand(
        await scriptJob({
          ...base,
          name: "no-data",
          inputs: [s3Input("data", `s3://${BUCKET}/nothing-here/`, "/opt/ml/processing/input")],
        }),
      ),
    );
    expect((await waitForJob("bad-image")).FailureReason).toMatch(
      /^ClientError: Image repository "my-processor" cannot run a processing job on local SageMaker/,
    );
    expect((await waitForJob("no-script")).FailureReason).toContain(
      `The entry point's script does not exist (python3 ${CODE}/missing.py)`,
    );
    expect((await waitForJob("bash-entry")).FailureReason).toContain(
      'The built-in processing image cannot run "/bin/bash"',
    );
    expect((await waitForJob("no-data")).FailureReason).toContain(
      `No S3 objects found under s3://${BUCKET}/nothing-here/ (input "data")`,
    );
  });
});

describe("processing jobs stop the way SageMaker stops them", () => {
  it("StopProcessingJob goes Stopping then Stopped, ends the script and uploads nothing", async () => {
    const pidFile = join(local.stateDir, "stop-me.pid");
    const script = `
const fs = require("node:fs");
fs.writeFileSync(${JSON.stringify(pidFile)}, String(process.pid));
fs.writeFileSync(process.argv[2] + "/partial.txt", "half done");
console.log("processing forever");
setInterval(() => {}, 1000);
`;
    await local.sm.send(
      new CreateProcessingJobCommand(
        await scriptJob({
          name: "stop-me",
          file: "forever.js",
          script,
          entrypoint: ["node", `${CODE}/forever.js`],
          args: ["/opt/ml/processing/train"],
          outputs: ["train"],
        }),
      ),
    );
    const deadline = Date.now() + 20_000;
    while (!pidWritten(pidFile) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const pid = Number(readFileSync(pidFile, "utf8"));
    await local.sm.send(new StopProcessingJobCommand({ ProcessingJobName: "stop-me" }));
    expect(["Stopping", "Stopped"]).toContain((await describeJob("stop-me")).ProcessingJobStatus);
    const waited = await waitUntilProcessingJobCompletedOrStopped(
      { client: local.sm, maxWaitTime: 30, minDelay: 1, maxDelay: 1 },
      { ProcessingJobName: "stop-me" },
    );
    expect(waited.state).toBe("SUCCESS");
    const job = await describeJob("stop-me");
    expect(job.ProcessingJobStatus).toBe("Stopped");
    expect(job.ProcessingEndTime).toBeInstanceOf(Date);
    expect(await eventuallyGone(pid)).toBe(true);
    expect(await keys("stop-me/output/")).toEqual([]);
    const again = await local.sm
      .send(new StopProcessingJobCommand({ ProcessingJobName: "stop-me" }))
      .then(unexpected, (e: Error) => e);
    expect(again).toMatchObject({ name: "ValidationException" });
    expect((again as Error).message).toContain("is in status Stopped");
  });

  it("stops a job that runs past MaxRuntimeInSeconds", async () => {
    const script = `process.on("SIGTERM", () => {}); setInterval(() => console.log("still going"), 200);`;
    await local.sm.send(
      new CreateProcessingJobCommand(
        await scriptJob({
          name: "too-long",
          file: "long.js",
          script,
          entrypoint: ["node", `${CODE}/long.js`],
          maxRuntime: 1,
        }),
      ),
    );
    const job = await waitForJob("too-long");
    expect(job.ProcessingJobStatus).toBe("Stopped");
    const lines = await logLines("too-long");
    expect(lines.some((line) => line.includes("ran for MaxRuntimeInSeconds and is being stopped"))).toBe(
      true,
    );
  });
});

describe("the processing job API", () => {
  it("refuses what local SageMaker cannot run, before anything runs", async () => {
    const request = await scriptJob({ name: "refused", script: "console.log(1)", file: "r.js" });
    const cases: [Partial<CreateProcessingJobRequest>, string, string][] = [
      [
        {
          ProcessingInputs: [
            {
              InputName: "athena",
              DatasetDefinition: {
                LocalPath: "/opt/ml/processing/athena",
                AthenaDatasetDefinition: {
                  Catalog: "c",
                  Database: "d",
                  QueryString: "select 1",
                  OutputS3Uri: "s3://x/y",
                  OutputFormat: "PARQUET",
                },
              },
            },
          ],
        },
        "ValidationException",
        "uses a DatasetDefinition (Athena or Redshift query), which local SageMaker cannot run",
      ],
      [
        { ProcessingInputs: [s3Input("data", `s3://${BUCKET}/raw`, "/tmp/data")] },
        "ValidationException",
        'LocalPath "/tmp/data" cannot be used because it is not under /opt/ml/processing/',
      ],
      [
        {
          ProcessingInputs: [
            {
              InputName: "piped",
              S3Input: {
                S3Uri: `s3://${BUCKET}/raw`,
                LocalPath: "/opt/ml/processing/input",
                S3DataType: "S3Prefix",
                S3InputMode: "Pipe",
              },
            },
          ],
        },
        "ValidationException",
        "S3InputMode Pipe is not available on local SageMaker; use File.",
      ],
      [
        {
          ProcessingOutputConfig: {
            Outputs: [
              {
                OutputName: "live",
                S3Output: {
                  S3Uri: `s3://${BUCKET}/live`,
                  LocalPath: "/opt/ml/processing/live",
                  S3UploadMode: "Continuous",
                },
              },
            ],
          },
        },
        "ValidationException",
        "S3UploadMode Continuous is not available on local SageMaker; use EndOfJob",
      ],
      [
        {
          ProcessingResources: {
            ClusterConfig: { InstanceCount: 2, InstanceType: "ml.m5.xlarge", VolumeSizeInGB: 30 },
          },
        },
        "ResourceLimitExceeded",
        "runs a processing job on one instance; ProcessingResources.ClusterConfig.InstanceCount 2",
      ],
      [
        { AppSpecification: { ImageUri: SKLEARN_IMAGE } },
        "ValidationException",
        "AppSpecification.ContainerEntrypoint is required on local SageMaker",
      ],
    ];
    for (const [change, code, message] of cases) {
      const error = await local.sm
        .send(new CreateProcessingJobCommand({ ...request, ...change }))
        .then(unexpected, (e: Error) => e);
      expect(error, message).toMatchObject({ name: code });
      expect((error as Error).message).toContain(message);
    }
    const missing = await describeJob("refused").then(unexpected, (e: Error) => e);
    expect(missing).toMatchObject({ name: "ValidationException" });
    expect((missing as Error).message).toContain("Could not find processing job");
  });

  it("answers ResourceInUse for a duplicate name and keeps the tags given on create and by AddTags", async () => {
    const request = await scriptJob({
      name: "tagged",
      file: "t.js",
      script: "console.log('tagged')",
      entrypoint: ["node", `${CODE}/t.js`],
    });
    request.Tags = [{ Key: "workshop", Value: "ko-nlp" }];
    const { ProcessingJobArn } = await local.sm.send(new CreateProcessingJobCommand(request));
    const duplicate = await local.sm
      .send(new CreateProcessingJobCommand(request))
      .then(unexpected, (e: Error) => e);
    expect(duplicate).toMatchObject({ name: "ResourceInUse" });
    expect((duplicate as Error).message).toContain("a processing job with this name already exists");
    await local.sm.send(
      new AddTagsCommand({ ResourceArn: ProcessingJobArn, Tags: [{ Key: "lab", Value: "5.3" }] }),
    );
    const tags = await local.sm.send(new ListTagsCommand({ ResourceArn: ProcessingJobArn }));
    expect(tags.Tags).toEqual([
      { Key: "workshop", Value: "ko-nlp" },
      { Key: "lab", Value: "5.3" },
    ]);
    await waitForJob("tagged");
  });

  it("lists jobs with NameContains, StatusEquals, time ranges, sorting and pages", async () => {
    const all = await local.sm.send(new ListProcessingJobsCommand({ MaxResults: 100 }));
    const summaries = all.ProcessingJobSummaries ?? [];
    expect(summaries.length).toBeGreaterThanOrEqual(8);
    const created = summaries.map((s) => (s.CreationTime as Date).getTime());
    expect(created).toEqual([...created].sort((a, b) => b - a)); // newest first by default
    const failed = summaries.find((s) => s.ProcessingJobName === "bad-image");
    expect(failed?.FailureReason).toContain("ClientError");

    const noNames = await local.sm.send(
      new ListProcessingJobsCommand({ NameContains: "NO-", SortBy: "Name", SortOrder: "Ascending" }),
    );
    expect(noNames.ProcessingJobSummaries?.map((s) => s.ProcessingJobName)).toEqual(["no-data", "no-script"]);
    const stopped = await local.sm.send(new ListProcessingJobsCommand({ StatusEquals: "Stopped" }));
    expect(stopped.ProcessingJobSummaries?.map((s) => s.ProcessingJobName).sort()).toEqual([
      "stop-me",
      "too-long",
    ]);
    const newest = created[0] as number;
    const before = await local.sm.send(
      new ListProcessingJobsCommand({ CreationTimeBefore: new Date(newest), MaxResults: 100 }),
    );
    expect(before.ProcessingJobSummaries).toHaveLength(summaries.length - 1);
    const later = await local.sm.send(
      new ListProcessingJobsCommand({ LastModifiedTimeAfter: new Date(Date.now() + 60_000) }),
    );
    expect(later.ProcessingJobSummaries).toEqual([]);

    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await local.sm.send(
        new ListProcessingJobsCommand({
          MaxResults: 3,
          SortBy: "Name",
          SortOrder: "Ascending",
          NextToken: token,
        }),
      );
      expect(page.ProcessingJobSummaries?.length).toBeLessThanOrEqual(3);
      seen.push(...(page.ProcessingJobSummaries?.map((s) => s.ProcessingJobName as string) ?? []));
      token = page.NextToken;
    } while (token);
    expect(seen).toEqual(summaries.map((s) => s.ProcessingJobName as string).sort());
  });

  it("finds every log line of a job with FilterLogEvents", async () => {
    const filtered = await local.logs.send(
      new FilterLogEventsCommand({
        logGroupName: "/aws/sagemaker/ProcessingJobs",
        filterPattern: "javascript",
      }),
    );
    expect(filtered.events?.map((event) => event.message)).toContain("javascript done");
  });
});

describe("processing jobs across a server restart", () => {
  it("marks a job that was running Failed, saying the server restarted, and leaves no process behind", async () => {
    const dir = mkdtempSync(join(tmpdir(), "local-sagemaker-processing-restart-"));
    const pidFile = join(dir, "job.pid");
    let first: Local | undefined = await startLocal(dir);
    try {
      const previous = local;
      local = first;
      const request = await scriptJob({
        name: "interrupted",
        file: "forever.js",
        script: `require("node:fs").writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setInterval(() => {}, 1000);`,
        entrypoint: ["node", `${CODE}/forever.js`],
        inputs: [],
      });
      await first.sm.send(new CreateProcessingJobCommand(request));
      local = previous;
      const deadline = Date.now() + 20_000;
      while (!pidWritten(pidFile) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const pid = Number(readFileSync(pidFile, "utf8"));
      await stopLocal(first, false);
      first = undefined;
      expect(await eventuallyGone(pid)).toBe(true);

      const second = await startLocal(dir);
      try {
        const job = await second.sm.send(
          new DescribeProcessingJobCommand({ ProcessingJobName: "interrupted" }),
        );
        expect(job.ProcessingJobStatus).toBe("Failed");
        expect(job.FailureReason).toContain(
          "local SageMaker was restarted while this processing job was running",
        );
        // The job's trial component hears of it too.
        const component = await second.sm.send(
          new DescribeTrialComponentCommand({ TrialComponentName: "interrupted-aws-processing-job" }),
        );
        expect(component.Status?.PrimaryStatus).toBe("Failed");
      } finally {
        await stopLocal(second, false);
      }
    } finally {
      await stopLocal(first, false);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("processing images and container paths", () => {
  it("maps the scikit-learn image, Hugging Face training DLCs and the local name to the built-in runtime", () => {
    for (const image of [
      SKLEARN_IMAGE,
      "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:0.23-1-cpu-py3",
      HF_IMAGE,
      "ko-sagemaker/processing",
      "ko-sagemaker/processing:0.1.0",
    ]) {
      expect(resolveProcessingImage(image), image).toMatchObject({ ok: true });
    }
    for (const [image, reason] of [
      ["ko-sagemaker/training", "is the local training image; a processing job needs"],
      [HF_IMAGE.replace("training", "inference"), "cannot run a processing job on local SageMaker"],
      [HF_IMAGE.replace("763104351884", "111111111111"), "live in account 763104351884"],
      ["python:3.11", "cannot run on local SageMaker"],
    ] as const) {
      const resolved = resolveProcessingImage(image);
      expect(resolved.ok, image).toBe(false);
      if (!resolved.ok) expect(resolved.reason).toContain(reason);
    }
  });

  it("rewrites /opt/ml paths in arguments and paths, and nothing else", () => {
    const root = "/state/processing-jobs/j";
    expect(mapContainerPath("/opt/ml/processing/input", root)).toBe(`${root}/processing/input`);
    expect(mapContainerPath("/opt/ml", root)).toBe(root);
    expect(mapContainerPath("/opt/ml/../../etc/passwd", root)).toBe(`${root}/etc/passwd`);
    expect(mapContainerPath("/opt/mlx/a", root)).toBe("/opt/mlx/a");
    expect(mapArgument("--train=/opt/ml/processing/train", root)).toBe(`--train=${root}/processing/train`);
    expect(mapArgument("/opt/ml/processing/a,/opt/ml/processing/b", root)).toBe(
      `${root}/processing/a,${root}/processing/b`,
    );
    expect(mapArgument("s3://bucket/opt/ml/processing", root)).toBe("s3://bucket/opt/ml/processing");
    expect(mapArgument("--epochs", root)).toBe("--epochs");
  });
});
