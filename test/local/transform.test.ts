import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { DescribeLogStreamsCommand, GetLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import {
  CreateModelCommand,
  type CreateModelCommandInput,
  CreateTransformJobCommand,
  type CreateTransformJobRequest,
  DescribeTransformJobCommand,
  type DescribeTransformJobCommandOutput,
  ListTagsCommand,
  ListTransformJobsCommand,
  StopTransformJobCommand,
  type TransformInput,
  type TransformOutput,
  waitUntilTransformJobCompletedOrStopped,
} from "@aws-sdk/client-sagemaker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BUCKET,
  HAVE_SPEC,
  IMAGE,
  KEYWORD_MODEL,
  type Local,
  missingRequired,
  modelArchive,
  putArchive,
  startLocal,
  stopLocal,
  unique,
} from "./hosting-fixtures";

/** Batch transform through the real SageMaker, S3 and CloudWatch Logs clients, against a real local SageMaker. */

let local: Local;
const archives: Record<string, Buffer> = {};
const ROLE = "arn:aws:iam::000000000000:role/local";

/** Handlers written for these tests: each answers in a way that shows what the platform sent it. */
const HANDLERS = {
  keyword: KEYWORD_MODEL,
  /** One JSON line per request, saying how many records (lines) it carried: shows MultiRecord batching. */
  batchSizes: `
export function modelFn() { return {}; }
export function transformFn(model: unknown, body: string) {
  const records = body.split("\\n").filter((line) => line !== "");
  return JSON.stringify({ records: records.length, bytes: Buffer.byteLength(body) });
}`,
  /** Rejects (400) a request holding a record with BAD in it, else answers one JSON line per record. */
  rejecting: `
export function modelFn() { return {}; }
export function transformFn(model: unknown, body: string) {
  const records = body.split("\\n").filter((line) => line !== "");
  const bad = records.find((line) => line.includes("BAD"));
  if (bad) throw new Error("cannot classify " + bad);
  return records.map((line) => JSON.stringify({ label: "ok", length: line.length })).join("\\n");
}`,
  /** CSV in, CSV out: one "label,score" row per input row, with no header. */
  csv: `
export function modelFn() { return {}; }
export function transformFn(model: unknown, body: string) {
  return { body: body.split("\\n").filter((l) => l).map((l) => (l.includes("좋") ? "positive,0.9" : "negative,0.1")).join("\\n"), contentType: "text/csv" };
}`,
  /** Holds each request until three are in flight (or five seconds pass) and reports the most it saw at once. */
  concurrency: `
let inFlight = 0;
let most = 0;
export function modelFn() { return {}; }
export async function transformFn(model: unknown, body: string) {
  inFlight++;
  most = Math.max(most, inFlight);
  const started = Date.now();
  while (inFlight < 3 && most < 3 && Date.now() - started < 5000) await new Promise((r) => setTimeout(r, 5));
  await new Promise((r) => setTimeout(r, 20));
  inFlight--;
  return JSON.stringify({ echo: body, most });
}`,
  /** Never answers within a test: for stopping, timeouts and restarts. */
  slow: `
export function modelFn() { return {}; }
export async function transformFn() {
  await new Promise((r) => setTimeout(r, 120000));
  return "late";
}`,
  /** Answers 500 the first time it sees a record, then succeeds: shows InvocationsMaxRetries. */
  flaky: `
import { ClientInputError } from "${join(__dirname, "../../src/containers/inference/codecs")}";
const seen = new Set<string>();
export function modelFn() { return {}; }
export function transformFn(model: unknown, body: string) {
  if (!seen.has(body)) { seen.add(body); throw new ClientInputError("warming up", 500); }
  return JSON.stringify({ ok: body });
}`,
  /** Answers the variables a batch container is given. */
  environment: `
export function modelFn() { return {}; }
export function transformFn() {
  const names = ["GREETING", "FROM_MODEL", "SAGEMAKER_BATCH", "SAGEMAKER_BATCH_STRATEGY", "SAGEMAKER_MAX_PAYLOAD_IN_MB", "SAGEMAKER_MAX_CONCURRENT_TRANSFORMS"];
  return JSON.stringify(Object.fromEntries(names.map((name) => [name, process.env[name]])));
}`,
  /** The first step of a pipeline: wraps the record for the next container. */
  wrap: `
export function modelFn() { return {}; }
export function transformFn(model: unknown, body: string) {
  return { body: JSON.stringify({ wrapped: body }), contentType: "application/json" };
}`,
  /** The second step: says what it was given. */
  unwrap: `
export function modelFn() { return {}; }
export function transformFn(model: unknown, body: string, contentType: string) {
  return JSON.stringify({ second: JSON.parse(body), contentType });
}`,
};

type HandlerName = keyof typeof HANDLERS;

beforeAll(async () => {
  local = await startLocal(mkdtempSync(join(tmpdir(), "transform-")));
  for (const [name, code] of Object.entries(HANDLERS))
    archives[name] = await modelArchive({ "code/inference.ts": code });
});
afterAll(() => stopLocal(local));

async function createModel(
  handlers: HandlerName | HandlerName[],
  options: Partial<CreateModelCommandInput> = {},
  environment?: Record<string, string>,
): Promise<string> {
  const name = unique("tm");
  const steps = Array.isArray(handlers) ? handlers : [handlers];
  const containers = await Promise.all(
    steps.map(async (handler, index) => ({
      Image: IMAGE,
      ModelDataUrl: await putArchive(local, archives[handler] as Buffer),
      ContainerHostname: `step-${index + 1}`,
      Environment: environment,
    })),
  );
  await local.sm.send(
    new CreateModelCommand({
      ModelName: name,
      ExecutionRoleArn: ROLE,
      ...(containers.length === 1 ? { PrimaryContainer: containers[0] } : { Containers: containers }),
      ...options,
    }),
  );
  return name;
}

/** Uploads objects under a fresh prefix; returns its s3:// URI (ending with "/"). */
async function upload(objects: Record<string, string | Buffer>): Promise<{ uri: string; prefix: string }> {
  const prefix = `${unique("in")}/`;
  for (const [key, body] of Object.entries(objects)) {
    await local.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${prefix}${key}`, Body: body }));
  }
  return { uri: `s3://${BUCKET}/${prefix}`, prefix };
}

interface JobSpec {
  model: string;
  input: string;
  name?: string;
  input_?: Partial<TransformInput>;
  output_?: Partial<TransformOutput>;
  extra?: Partial<CreateTransformJobRequest>;
}

function jobRequest(spec: JobSpec): CreateTransformJobRequest & { outputPrefix: string } {
  const outputPrefix = unique("out");
  const request = {
    TransformJobName: spec.name ?? unique("job"),
    ModelName: spec.model,
    TransformInput: {
      DataSource: { S3DataSource: { S3DataType: "S3Prefix" as const, S3Uri: spec.input } },
      ContentType: "application/json",
      SplitType: "Line" as const,
      ...spec.input_,
    },
    TransformOutput: { S3OutputPath: `s3://${BUCKET}/${outputPrefix}`, ...spec.output_ },
    TransformResources: { InstanceType: "ml.m5.large" as const, InstanceCount: 1 },
    ...spec.extra,
  };
  return { ...request, outputPrefix };
}

/** Polls DescribeTransformJob until the job ends (the SDK waiter polls at most once a second). */
async function settled(name: string): Promise<DescribeTransformJobCommandOutput> {
  for (let attempt = 0; attempt < 1200; attempt++) {
    const described = await local.sm.send(new DescribeTransformJobCommand({ TransformJobName: name }));
    if (described.TransformJobStatus !== "InProgress" && described.TransformJobStatus !== "Stopping")
      return described;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`transform job ${name} did not end within a minute`);
}

async function run(spec: JobSpec): Promise<{ job: DescribeTransformJobCommandOutput; outputPrefix: string }> {
  const { outputPrefix, ...request } = jobRequest(spec);
  await local.sm.send(new CreateTransformJobCommand(request));
  return { job: await settled(request.TransformJobName as string), outputPrefix };
}

async function read(key: string): Promise<{ text: string; contentType?: string }> {
  const object = await local.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return { text: (await object.Body?.transformToString()) ?? "", contentType: object.ContentType };
}

async function outputKeys(prefix: string): Promise<string[]> {
  const listed = await local.s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `${prefix}/` }));
  return (listed.Contents ?? []).map((object) => object.Key as string).sort();
}

async function errorOf(promise: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    return { name: (error as Error).name, message: (error as Error).message };
  }
  throw new Error("expected the call to fail");
}

async function logLines(job: string): Promise<Record<string, string[]>> {
  const streams = await local.logs.send(
    new DescribeLogStreamsCommand({
      logGroupName: "/aws/sagemaker/TransformJobs",
      logStreamNamePrefix: `${job}/`,
    }),
  );
  const lines: Record<string, string[]> = {};
  for (const stream of streams.logStreams ?? []) {
    const name = stream.logStreamName as string;
    const events = await local.logs.send(
      new GetLogEventsCommand({
        logGroupName: "/aws/sagemaker/TransformJobs",
        logStreamName: name,
        startFromHead: true,
      }),
    );
    lines[name] = (events.events ?? []).map((event) => event.message as string);
  }
  return lines;
}

/** Inference containers still running for a transform job (from /proc). */
function jobContainerPids(job: string, stateDir = local.stateDir): number[] {
  const marker = `SM_MODEL_DIR=${join(stateDir, "transform-jobs", job.toLowerCase())}`;
  return execFileSync("ps", ["-eo", "pid=,args="], { encoding: "utf8" })
    .split("\n")
    .filter((line) => line.includes("containers/inference/main"))
    .map((line) => Number(line.trim().split(/\s+/)[0]))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/environ`, "utf8")
          .split("\0")
          .some((entry) => entry.startsWith(marker));
      } catch {
        return false;
      }
    });
}

const REVIEWS = ['{"inputs": "정말 재미있어요"}', '{"inputs": "시간 낭비"}', '{"inputs": "최고의 영화"}'];

describe("assembling the output", () => {
  it("AssembleWith None glues the answers byte for byte (the workshops' ][); Line puts each on its own line", async () => {
    const model = await createModel("keyword");
    const { uri } = await upload({ "reviews.jsonl": `${REVIEWS.join("\n")}\n` });
    const glued = await run({ model, input: uri, extra: { BatchStrategy: "SingleRecord" } });
    expect(glued.job.TransformJobStatus).toBe("Completed");
    const none = await read(`${glued.outputPrefix}/reviews.jsonl.out`);
    expect(none.text).toBe(
      '[{"label":"positive","score":0.9}][{"label":"negative","score":0.8}][{"label":"positive","score":0.9}]',
    );

    const lined = await run({
      model,
      input: uri,
      extra: { BatchStrategy: "SingleRecord" },
      output_: { AssembleWith: "Line", Accept: "application/json" },
    });
    const line = await read(`${lined.outputPrefix}/reviews.jsonl.out`);
    expect(line.text.split("\n")).toEqual([
      '[{"label":"positive","score":0.9}]',
      '[{"label":"negative","score":0.8}]',
      '[{"label":"positive","score":0.9}]',
      "",
    ]);
    expect(line.contentType).toBe("application/json");
  });

  it("MultiRecord JSON Lines: the default handler answers one line per record (huggingface/notebooks#227 does not happen)", async () => {
    const model = await createModel("keyword");
    const { uri } = await upload({ "reviews.jsonl": REVIEWS.join("\n") });
    const { job, outputPrefix } = await run({
      model,
      input: uri,
      input_: { ContentType: "application/jsonlines" },
      output_: { AssembleWith: "Line", Accept: "application/jsonlines" },
      extra: { BatchStrategy: "MultiRecord", MaxPayloadInMB: 45, MaxConcurrentTransforms: 2 },
    });
    expect(job.TransformJobStatus).toBe("Completed");
    const out = await read(`${outputPrefix}/reviews.jsonl.out`);
    expect(
      out.text
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line)[0].label),
    ).toEqual(["positive", "negative", "positive"]);
    expect(out.contentType).toBe("application/jsonlines");
  });

  it("describes the job as AWS does: defaults, echoed members, times, and every required member", async () => {
    const model = await createModel("keyword");
    const { uri } = await upload({ "a.jsonl": REVIEWS[0] as string });
    const { job } = await run({
      model,
      input: uri,
      output_: { KmsKeyId: "alias/ignored-locally" },
      extra: {
        Environment: { GREETING: "hi" },
        DataProcessing: { InputFilter: "$", JoinSource: "None" },
        Tags: [{ Key: "lab", Value: "4.2" }],
      },
    });
    expect(job).toMatchObject({
      TransformJobStatus: "Completed",
      ModelName: model,
      MaxConcurrentTransforms: 1,
      MaxPayloadInMB: 6,
      BatchStrategy: "MultiRecord",
      Environment: { GREETING: "hi" },
      DataProcessing: { InputFilter: "$", JoinSource: "None" },
      TransformOutput: { KmsKeyId: "alias/ignored-locally" },
      TransformResources: { InstanceType: "ml.m5.large", InstanceCount: 1 },
    });
    expect(job.TransformJobArn).toBe(
      `arn:aws:sagemaker:ap-northeast-2:000000000000:transform-job/${job.TransformJobName?.toLowerCase()}`,
    );
    expect(job.FailureReason).toBeUndefined();
    const created = job.CreationTime?.getTime() ?? 0;
    const startedAt = job.TransformStartTime?.getTime() ?? 0;
    expect(startedAt).toBeGreaterThanOrEqual(created);
    expect(job.TransformEndTime?.getTime()).toBeGreaterThanOrEqual(startedAt);
    if (HAVE_SPEC) expect(missingRequired("DescribeTransformJobResponse", job)).toEqual([]);
    const tags = await local.sm.send(new ListTagsCommand({ ResourceArn: job.TransformJobArn }));
    expect(tags.Tags).toEqual([{ Key: "lab", Value: "4.2" }]);
  });
});

describe("requests", () => {
  it("MultiRecord packs as many records as fit in MaxPayloadInMB; SingleRecord sends one each", async () => {
    const model = await createModel("batchSizes");
    // 100,000-byte records: ten fit in 1 MiB with their newlines, eleven do not.
    const record = (i: number) => `${String(i).padStart(4, "0")}${"x".repeat(99_996)}`;
    const { uri } = await upload({ "big.txt": Array.from({ length: 25 }, (_, i) => record(i)).join("\n") });
    const multi = await run({
      model,
      input: uri,
      input_: { ContentType: "text/plain" },
      output_: { AssembleWith: "Line" },
      extra: { BatchStrategy: "MultiRecord", MaxPayloadInMB: 1 },
    });
    expect(multi.job.TransformJobStatus).toBe("Completed");
    const batches = (await read(`${multi.outputPrefix}/big.txt.out`)).text
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(batches).toEqual([
      { records: 10, bytes: 1_000_009 },
      { records: 10, bytes: 1_000_009 },
      { records: 5, bytes: 500_004 },
    ]);

    const single = await run({
      model,
      input: uri,
      input_: { ContentType: "text/plain" },
      output_: { AssembleWith: "Line" },
      extra: { BatchStrategy: "SingleRecord", MaxPayloadInMB: 1 },
    });
    const requests = (await read(`${single.outputPrefix}/big.txt.out`)).text.trim().split("\n");
    expect(requests).toHaveLength(25);
    expect(new Set(requests)).toEqual(new Set([JSON.stringify({ records: 1, bytes: 100_000 })]));
  });

  it("fails the job naming the record that is over MaxPayloadInMB", async () => {
    const model = await createModel("batchSizes");
    const { uri } = await upload({ "big.txt": `small\n${"y".repeat(1_100_000)}\n` });
    const { job, outputPrefix } = await run({
      model,
      input: uri,
      input_: { ContentType: "text/plain" },
      extra: { MaxPayloadInMB: 1 },
    });
    expect(job.TransformJobStatus).toBe("Failed");
    expect(job.FailureReason).toContain(
      `${uri}big.txt line 2: the record is 1100000 bytes, more than MaxPayloadInMB 1`,
    );
    expect(await outputKeys(outputPrefix)).toEqual([]);
  });

  it("MaxConcurrentTransforms keeps that many requests in flight, and the output keeps the input's order", async () => {
    const model = await createModel("concurrency");
    const records = Array.from({ length: 9 }, (_, i) => `record-${i}`);
    const { uri } = await upload({ "nine.txt": records.join("\n") });
    const { job, outputPrefix } = await run({
      model,
      input: uri,
      input_: { ContentType: "text/plain" },
      output_: { AssembleWith: "Line" },
      extra: { BatchStrategy: "SingleRecord", MaxConcurrentTransforms: 3 },
    });
    expect(job.TransformJobStatus).toBe("Completed");
    expect(job.MaxConcurrentTransforms).toBe(3);
    const answers = (await read(`${outputPrefix}/nine.txt.out`)).text
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(answers.map((answer) => answer.echo)).toEqual(records);
    expect(Math.max(...answers.map((answer) => answer.most))).toBe(3);
  });

  it("gives the containers the job's Environment over the model's, and the batch variables", async () => {
    const model = await createModel("environment", {}, { FROM_MODEL: "model", GREETING: "from the model" });
    const { uri } = await upload({ "one.txt": "x" });
    const { outputPrefix } = await run({
      model,
      input: uri,
      input_: { ContentType: "text/plain" },
      extra: { Environment: { GREETING: "from the job" }, BatchStrategy: "SingleRecord", MaxPayloadInMB: 2 },
    });
    expect(JSON.parse((await read(`${outputPrefix}/one.txt.out`)).text)).toEqual({
      GREETING: "from the job",
      FROM_MODEL: "model",
      SAGEMAKER_BATCH: "true",
      SAGEMAKER_BATCH_STRATEGY: "SINGLE_RECORD",
      SAGEMAKER_MAX_PAYLOAD_IN_MB: "2",
      SAGEMAKER_MAX_CONCURRENT_TRANSFORMS: "1",
    });
  });

  it("retries a failing request InvocationsMaxRetries times, and fails the job without retries", async () => {
    const model = await createModel("flaky");
    const { uri } = await upload({ "two.txt": "a\nb" });
    const common = {
      model,
      input: uri,
      input_: { ContentType: "text/plain" },
      output_: { AssembleWith: "Line" as const },
      extra: { BatchStrategy: "SingleRecord" as const },
    };
    const retried = await run({
      ...common,
      extra: { ...common.extra, ModelClientConfig: { InvocationsMaxRetries: 1 } },
    });
    expect(retried.job.TransformJobStatus).toBe("Completed");
    expect((await read(`${retried.outputPrefix}/two.txt.out`)).text).toBe('{"ok":"a"}\n{"ok":"b"}\n');
    const logs = Object.values(await logLines(retried.job.TransformJobName as string)).flat();
    expect(
      logs.some((line) => /line 1: retry 1 of 1 after: the model answered 500: warming up/.test(line)),
    ).toBe(true);

    const once = await run({
      ...common,
      extra: { ...common.extra, ModelClientConfig: { InvocationsMaxRetries: 0 } },
    });
    expect(once.job.TransformJobStatus).toBe("Failed");
    expect(once.job.FailureReason).toContain("two.txt line 1: the model answered 500: warming up");
  });

  it("a request the model does not answer within InvocationsTimeoutInSeconds fails the job", async () => {
    const model = await createModel("slow");
    const { uri } = await upload({ "one.txt": "x" });
    const { job } = await run({
      model,
      input: uri,
      input_: { ContentType: "text/plain" },
      extra: { ModelClientConfig: { InvocationsTimeoutInSeconds: 1, InvocationsMaxRetries: 0 } },
    });
    expect(job.TransformJobStatus).toBe("Failed");
    expect(job.FailureReason).toContain(
      "one.txt line 1: the model did not answer within 1 s (ModelClientConfig.InvocationsTimeoutInSeconds)",
    );
    expect(jobContainerPids(job.TransformJobName as string)).toEqual([]);
  });
});

describe("DataProcessing", () => {
  it("JSON: InputFilter sends only the review; JoinSource Input and OutputFilter keep its id beside the answer", async () => {
    const model = await createModel("keyword");
    const rows = [
      { id: 101, inputs: "정말 재미있어요" },
      { id: 102, inputs: "시간 낭비" },
    ];
    const { uri } = await upload({ "ids.jsonl": rows.map((row) => JSON.stringify(row)).join("\n") });
    const { job, outputPrefix } = await run({
      model,
      input: uri,
      input_: { ContentType: "application/jsonlines" },
      output_: { AssembleWith: "Line", Accept: "application/jsonlines" },
      extra: {
        BatchStrategy: "MultiRecord",
        DataProcessing: {
          InputFilter: "$.inputs",
          JoinSource: "Input",
          OutputFilter: "$['id','SageMakerOutput']",
        },
      },
    });
    expect(job.TransformJobStatus).toBe("Completed");
    const lines = (await read(`${outputPrefix}/ids.jsonl.out`)).text
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines).toEqual([
      { id: 101, SageMakerOutput: { label: "positive", score: 0.9 } },
      { id: 102, SageMakerOutput: { label: "negative", score: 0.8 } },
    ]);
  });

  it("JSON: a record that is not an object is joined as SageMakerInput, one request per record too", async () => {
    const model = await createModel("keyword");
    const { uri } = await upload({ "texts.jsonl": '"정말 좋아요"\n"별로"' });
    const { outputPrefix } = await run({
      model,
      input: uri,
      output_: { AssembleWith: "Line" },
      extra: { BatchStrategy: "SingleRecord", DataProcessing: { JoinSource: "Input" } },
    });
    const lines = (await read(`${outputPrefix}/texts.jsonl.out`)).text
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines).toEqual([
      { SageMakerInput: "정말 좋아요", SageMakerOutput: [{ label: "positive", score: 0.9 }] },
      { SageMakerInput: "별로", SageMakerOutput: [{ label: "negative", score: 0.8 }] },
    ]);
  });

  it("CSV: the answer's columns are appended to the input row; filters pick columns", async () => {
    const model = await createModel("csv");
    const { uri } = await upload({ "rows.csv": '1,"좋은 영화, 추천"\n2,지루함\n' });
    const joined = await run({
      model,
      input: uri,
      input_: { ContentType: "text/csv" },
      output_: { AssembleWith: "Line", Accept: "text/csv" },
      extra: { BatchStrategy: "MultiRecord", DataProcessing: { InputFilter: "$[1:]", JoinSource: "Input" } },
    });
    expect(joined.job.TransformJobStatus).toBe("Completed");
    expect((await read(`${joined.outputPrefix}/rows.csv.out`)).text).toBe(
      '1,"좋은 영화, 추천",positive,0.9\n2,지루함,negative,0.1\n',
    );
    const picked = await run({
      model,
      input: uri,
      input_: { ContentType: "text/csv" },
      output_: { AssembleWith: "Line", Accept: "text/csv" },
      extra: {
        BatchStrategy: "SingleRecord",
        DataProcessing: { InputFilter: "$[1]", JoinSource: "Input", OutputFilter: "$[0,2]" },
      },
    });
    expect((await read(`${picked.outputPrefix}/rows.csv.out`)).text).toBe("1,positive\n2,negative\n");
  });

  it("a filter that does not apply fails the job, naming the object and the record", async () => {
    const model = await createModel("keyword");
    const { uri } = await upload({ "mixed.jsonl": '{"inputs": "a"}\n{"text": "b"}' });
    const { job, outputPrefix } = await run({
      model,
      input: uri,
      extra: { DataProcessing: { InputFilter: "$.inputs" } },
    });
    expect(job.TransformJobStatus).toBe("Failed");
    expect(job.FailureReason).toContain(
      `${uri}mixed.jsonl line 2: InputFilter "$.inputs" does not apply: there is no member "inputs" in an object with text`,
    );
    expect(await outputKeys(outputPrefix)).toEqual([]);
  });
});

describe("failures and inputs", () => {
  it("a record the model rejects fails the job naming the object, the line and the model's message; other objects still finish", async () => {
    const model = await createModel("rejecting");
    const { uri } = await upload({
      "a-good.txt": "one\ntwo",
      "b-bad.txt": "fine\nalso fine\nBAD record\nfine",
    });
    const { job, outputPrefix } = await run({
      model,
      input: uri,
      input_: { ContentType: "text/plain" },
      extra: { BatchStrategy: "SingleRecord" },
    });
    expect(job.TransformJobStatus).toBe("Failed");
    expect(job.FailureReason).toMatch(
      new RegExp(
        `^ClientError: ${uri}b-bad\\.txt line 3: the model answered 400: cannot classify BAD record\\. See /aws/sagemaker/TransformJobs`,
      ),
    );
    expect(await outputKeys(outputPrefix)).toEqual([`${outputPrefix}/a-good.txt.out`]);
    const logs = Object.values(await logLines(job.TransformJobName as string)).flat();
    expect(logs).toContainEqual(expect.stringContaining("Handler error: Error: cannot classify BAD record"));
  });

  it("reads Gzip input", async () => {
    const model = await createModel("keyword");
    const { uri } = await upload({ "reviews.jsonl.gz": gzipSync(REVIEWS.join("\n")) });
    const { job, outputPrefix } = await run({
      model,
      input: uri,
      input_: { CompressionType: "Gzip", ContentType: "application/jsonlines" },
      output_: { AssembleWith: "Line", Accept: "application/jsonlines" },
    });
    expect(job.TransformJobStatus).toBe("Completed");
    expect((await read(`${outputPrefix}/reviews.jsonl.gz.out`)).text.trim().split("\n")).toHaveLength(3);

    const plain = await run({ model, input: uri, input_: { CompressionType: "None" } });
    expect(plain.job.TransformJobStatus).toBe("Failed");
    const wrong = await upload({ "plain.jsonl": REVIEWS[0] as string });
    const notGzip = await run({ model, input: wrong.uri, input_: { CompressionType: "Gzip" } });
    expect(notGzip.job.FailureReason).toContain("plain.jsonl is not gzip data");
  });

  it("reads the objects a ManifestFile lists, naming each output after its manifest entry", async () => {
    const model = await createModel("keyword");
    const { uri, prefix } = await upload({
      "part-1.jsonl": REVIEWS[0] as string,
      "nested/part-2.jsonl": REVIEWS[1] as string,
      "not-listed.jsonl": REVIEWS[2] as string,
    });
    const manifestKey = `${prefix}input.manifest`;
    await local.s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: manifestKey,
        Body: JSON.stringify([{ prefix: uri }, "part-1.jsonl", "nested/part-2.jsonl"]),
      }),
    );
    const { job, outputPrefix } = await run({
      model,
      input: `s3://${BUCKET}/${manifestKey}`,
      input_: {
        DataSource: { S3DataSource: { S3DataType: "ManifestFile", S3Uri: `s3://${BUCKET}/${manifestKey}` } },
      },
    });
    expect(job.TransformJobStatus).toBe("Completed");
    expect(await outputKeys(outputPrefix)).toEqual([
      `${outputPrefix}/nested/part-2.jsonl.out`,
      `${outputPrefix}/part-1.jsonl.out`,
    ]);

    await local.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: manifestKey, Body: '["no prefix"]' }));
    const bad = await run({
      model,
      input: `s3://${BUCKET}/${manifestKey}`,
      input_: {
        DataSource: { S3DataSource: { S3DataType: "ManifestFile", S3Uri: `s3://${BUCKET}/${manifestKey}` } },
      },
    });
    expect(bad.job.FailureReason).toContain('must be a JSON list: a {"prefix": "s3://..."} object');
  });

  it("fails clearly for an empty prefix and a missing output bucket", async () => {
    const model = await createModel("keyword");
    const empty = await run({ model, input: `s3://${BUCKET}/${unique("nothing")}/` });
    expect(empty.job.FailureReason).toMatch(/^ClientError: No S3 objects found under s3:\/\//);
    const { uri } = await upload({ "a.jsonl": REVIEWS[0] as string });
    const noBucket = await run({
      model,
      input: uri,
      output_: { S3OutputPath: "s3://no-such-bucket-here/out" },
    });
    expect(noBucket.job.FailureReason).toContain('The output bucket "no-such-bucket-here"');
  });

  it("divides the objects between two instances, each logging to its own stream, and stops them all at the end", async () => {
    const model = await createModel("keyword");
    const objects = Object.fromEntries(
      ["a", "b", "c", "d"].map((name) => [`${name}.jsonl`, REVIEWS.join("\n")]),
    );
    const { uri } = await upload(objects);
    const { job, outputPrefix } = await run({
      model,
      input: uri,
      input_: { ContentType: "application/jsonlines" },
      output_: { AssembleWith: "Line", Accept: "application/jsonlines" },
      extra: { TransformResources: { InstanceType: "ml.m5.large", InstanceCount: 2 } },
    });
    expect(job.TransformJobStatus).toBe("Completed");
    expect(await outputKeys(outputPrefix)).toHaveLength(4);
    const logs = await logLines(job.TransformJobName as string);
    const streams = Object.keys(logs);
    expect(streams).toHaveLength(2);
    for (const stream of streams) {
      expect(stream).toMatch(new RegExp(`^${job.TransformJobName}/i-[0-9a-f]{17}$`));
      const written = (logs[stream] ?? []).filter((line) => /records done in .* → s3:\/\//.test(line));
      expect(written).toHaveLength(2);
      expect(logs[stream]).toContainEqual(
        expect.stringContaining("MaxConcurrentTransforms=1, MaxPayloadInMB=6"),
      );
    }
    expect(jobContainerPids(job.TransformJobName as string)).toEqual([]);
  });

  it("runs a Serial inference pipeline's containers one after another for every request", async () => {
    const model = await createModel(["wrap", "unwrap"]);
    const { uri } = await upload({ "one.txt": "첫 줄\n둘째 줄" });
    const { job, outputPrefix } = await run({
      model,
      input: uri,
      input_: { ContentType: "text/plain" },
      output_: { AssembleWith: "Line" },
      extra: { BatchStrategy: "SingleRecord" },
    });
    expect(job.TransformJobStatus).toBe("Completed");
    const lines = (await read(`${outputPrefix}/one.txt.out`)).text
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines).toEqual([
      { second: { wrapped: "첫 줄" }, contentType: "application/json" },
      { second: { wrapped: "둘째 줄" }, contentType: "application/json" },
    ]);
  });
});

describe("the job's lifecycle", () => {
  it("StopTransformJob goes Stopping then Stopped, writes nothing and ends the containers", async () => {
    const model = await createModel("slow");
    const { uri } = await upload({ "one.txt": "x" });
    const { outputPrefix, ...request } = jobRequest({
      model,
      input: uri,
      input_: { ContentType: "text/plain" },
    });
    await local.sm.send(new CreateTransformJobCommand(request));
    const name = request.TransformJobName as string;
    // Wait until its instance is up and the request is with the model.
    for (let i = 0; i < 600; i++) {
      const described = await local.sm.send(new DescribeTransformJobCommand({ TransformJobName: name }));
      if (described.TransformStartTime) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await local.sm.send(new StopTransformJobCommand({ TransformJobName: name }));
    const stopping = await local.sm.send(new DescribeTransformJobCommand({ TransformJobName: name }));
    expect(["Stopping", "Stopped"]).toContain(stopping.TransformJobStatus);
    const job = await settled(name);
    expect(job.TransformJobStatus).toBe("Stopped");
    expect(job.TransformEndTime).toBeInstanceOf(Date);
    expect(await outputKeys(outputPrefix)).toEqual([]);
    expect(jobContainerPids(name)).toEqual([]);
    const again = await errorOf(local.sm.send(new StopTransformJobCommand({ TransformJobName: name })));
    expect(again).toMatchObject({
      name: "ValidationException",
      message: expect.stringContaining("status Stopped"),
    });
  });

  it("the SDK waiter waitUntilTransformJobCompletedOrStopped returns for Completed and throws for Failed", async () => {
    const model = await createModel("keyword");
    const { uri } = await upload({ "a.jsonl": REVIEWS[0] as string });
    const { outputPrefix: _good, ...good } = jobRequest({ model, input: uri });
    await local.sm.send(new CreateTransformJobCommand(good));
    const waited = await waitUntilTransformJobCompletedOrStopped(
      { client: local.sm, maxWaitTime: 60, minDelay: 1, maxDelay: 1 },
      { TransformJobName: good.TransformJobName },
    );
    expect(waited.state).toBe("SUCCESS");
    const { outputPrefix: _bad, ...bad } = jobRequest({
      model,
      input: uri,
      extra: { DataProcessing: { InputFilter: "$.nope" } },
    });
    await local.sm.send(new CreateTransformJobCommand(bad));
    await expect(
      waitUntilTransformJobCompletedOrStopped(
        { client: local.sm, maxWaitTime: 60, minDelay: 1, maxDelay: 1 },
        { TransformJobName: bad.TransformJobName },
      ),
    ).rejects.toThrow(/FAILURE/);
  });

  it("ListTransformJobs filters by name and status, sorts and pages", async () => {
    const model = await createModel("keyword");
    const { uri } = await upload({ "a.jsonl": REVIEWS[0] as string });
    const tag = unique("listed");
    for (const suffix of ["c", "a", "b"]) await run({ model, input: uri, name: `${tag}-${suffix}` });
    const first = await local.sm.send(
      new ListTransformJobsCommand({
        NameContains: tag,
        SortBy: "Name",
        SortOrder: "Ascending",
        MaxResults: 2,
      }),
    );
    expect(first.TransformJobSummaries?.map((job) => job.TransformJobName)).toEqual([`${tag}-a`, `${tag}-b`]);
    expect(first.NextToken).toBeDefined();
    const second = await local.sm.send(
      new ListTransformJobsCommand({
        NameContains: tag,
        SortBy: "Name",
        SortOrder: "Ascending",
        MaxResults: 2,
        NextToken: first.NextToken,
      }),
    );
    expect(second.TransformJobSummaries?.map((job) => job.TransformJobName)).toEqual([`${tag}-c`]);
    expect(second.NextToken).toBeUndefined();
    const summary = second.TransformJobSummaries?.[0];
    expect(summary).toMatchObject({ TransformJobStatus: "Completed" });
    expect(summary?.TransformEndTime).toBeInstanceOf(Date);
    const failedOnly = await local.sm.send(
      new ListTransformJobsCommand({ NameContains: tag, StatusEquals: "Failed" }),
    );
    expect(failedOnly.TransformJobSummaries).toEqual([]);
  });
});

describe("validation", () => {
  const base = async () => {
    const model = await createModel("keyword");
    const { uri } = await upload({ "a.jsonl": REVIEWS[0] as string });
    return { model, uri };
  };
  const create = (spec: JobSpec) => {
    const { outputPrefix: _unused, ...request } = jobRequest(spec);
    return local.sm.send(new CreateTransformJobCommand(request));
  };

  it("answers ResourceInUse for a duplicate name and ResourceNotFound for a missing job", async () => {
    const { model, uri } = await base();
    const name = unique("dup");
    await create({ model, input: uri, name });
    expect(await errorOf(create({ model, input: uri, name }))).toMatchObject({
      name: "ResourceInUse",
      message: expect.stringContaining("a transform job with this name already exists"),
    });
    await settled(name);
    for (const call of [
      local.sm.send(new DescribeTransformJobCommand({ TransformJobName: "no-such-job" })),
      local.sm.send(new StopTransformJobCommand({ TransformJobName: "no-such-job" })),
    ]) {
      expect(await errorOf(call)).toMatchObject({
        name: "ResourceNotFound",
        message: expect.stringContaining("transform-job/no-such-job"),
      });
    }
  });

  it("refuses what SageMaker refuses, saying what to change", async () => {
    const { model, uri } = await base();
    const cases: [JobSpec, string, RegExp][] = [
      [{ model: "no-such-model", input: uri }, "ValidationException", /Could not find model/],
      [
        { model, input: uri, extra: { MaxPayloadInMB: 101 } },
        "ValidationException",
        /cannot be greater than 100 MB/,
      ],
      [
        { model, input: uri, extra: { MaxConcurrentTransforms: 20 } },
        "ValidationException",
        /20 × 6 = 120 MB; it cannot exceed 100 MB\. Lower MaxConcurrentTransforms to 16/,
      ],
      [
        { model, input: uri, input_: { SplitType: "RecordIO" } },
        "ValidationException",
        /RecordIO is not supported locally/,
      ],
      [
        { model, input: uri, input_: { SplitType: "TFRecord" } },
        "ValidationException",
        /TFRecord is not supported locally/,
      ],
      [
        { model, input: uri, extra: { DataProcessing: { InputFilter: "$.a[" } } },
        "ValidationException",
        /DataProcessing.InputFilter "\$\.a\[" is not a JSONPath/,
      ],
      [
        {
          model,
          input: uri,
          input_: { ContentType: "text/plain" },
          extra: { DataProcessing: { JoinSource: "Input" } },
        },
        "ValidationException",
        /works on JSON and CSV records only/,
      ],
      [
        { model, input: uri, extra: { DataCaptureConfig: { DestinationS3Uri: `s3://${BUCKET}/capture` } } },
        "ValidationException",
        /DataCaptureConfig .* not supported locally/,
      ],
      [
        {
          model,
          input: uri,
          input_: { DataSource: { S3DataSource: { S3DataType: "AugmentedManifestFile", S3Uri: uri } } },
        },
        "ValidationException",
        /AugmentedManifestFile is not compatible/,
      ],
      // The Smithy shapes, checked by the protocol layer before the service sees the request.
      [
        { model, input: uri, extra: { BatchStrategy: "Sideways" as never } },
        "ValidationException",
        /\[MultiRecord, SingleRecord\]/,
      ],
      [
        { model, input: uri, extra: { ModelClientConfig: { InvocationsMaxRetries: 4 } } },
        "ValidationException",
        /less than or equal to 3/,
      ],
      [
        {
          model,
          input: uri,
          extra: { TransformResources: { InstanceType: "ml.m5.large", InstanceCount: 9 } },
        },
        "ResourceLimitExceeded",
        /at most 8 transform instances/,
      ],
    ];
    for (const [spec, code, message] of cases) {
      const error = await errorOf(create(spec));
      expect(error.name, message.source).toBe(code);
      expect(error.message).toMatch(message);
    }
  });

  it("refuses a Direct multi-container model", async () => {
    const model = await createModel(["wrap", "unwrap"], { InferenceExecutionConfig: { Mode: "Direct" } });
    const { uri } = await upload({ "a.txt": "x" });
    expect(await errorOf(create({ model, input: uri }))).toMatchObject({
      name: "ValidationException",
      message: expect.stringContaining("batch transform runs a model's containers as a Serial pipeline only"),
    });
  });
});

describe("transform jobs across a server restart", () => {
  it("marks a job that was running Failed, saying the server restarted, and leaves no container behind", async () => {
    const stateDir = mkdtempSync(join(tmpdir(), "transform-restart-"));
    let first: Local | undefined = await startLocal(stateDir);
    try {
      const url = await putArchive(first, archives.slow as Buffer);
      await first.sm.send(
        new CreateModelCommand({
          ModelName: "slow",
          ExecutionRoleArn: ROLE,
          PrimaryContainer: { Image: IMAGE, ModelDataUrl: url },
        }),
      );
      await first.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "restart/in.txt", Body: "x" }));
      await first.sm.send(
        new CreateTransformJobCommand({
          TransformJobName: "interrupted",
          ModelName: "slow",
          TransformInput: {
            DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: `s3://${BUCKET}/restart/` } },
            ContentType: "text/plain",
          },
          TransformOutput: { S3OutputPath: `s3://${BUCKET}/restart-out` },
          TransformResources: { InstanceType: "ml.m5.large", InstanceCount: 1 },
        }),
      );
      for (let i = 0; i < 600; i++) {
        const described = await first.sm.send(
          new DescribeTransformJobCommand({ TransformJobName: "interrupted" }),
        );
        if (described.TransformStartTime) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(jobContainerPids("interrupted", stateDir)).toHaveLength(1);
      await stopLocal(first, false);
      first = undefined;
      expect(jobContainerPids("interrupted", stateDir)).toEqual([]);

      const second = await startLocal(stateDir);
      try {
        const job = await second.sm.send(
          new DescribeTransformJobCommand({ TransformJobName: "interrupted" }),
        );
        expect(job.TransformJobStatus).toBe("Failed");
        expect(job.FailureReason).toContain(
          "local SageMaker was restarted while this transform job was running",
        );
        expect(job.TransformEndTime).toBeInstanceOf(Date);
        const head = second.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: "restart-out/in.txt.out" }));
        await expect(head).rejects.toThrow();
      } finally {
        await stopLocal(second);
      }
    } finally {
      await stopLocal(first);
    }
  });
});
