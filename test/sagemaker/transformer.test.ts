import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { ListTagsCommand } from "@aws-sdk/client-sagemaker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { batchHandlerDir, transformCostNotice } from "../../src/labs";
import { readInput } from "../../src/local/protocol/model";
import { MODELS } from "../../src/local/protocol/models";
import { type LocalServer, startLocalServer } from "../../src/local/server";
import { cleanupWorkshopResources } from "../../src/sagemaker/cleanup";
import type { WorkshopConfig } from "../../src/sagemaker/config";
import { CostConsentError } from "../../src/sagemaker/cost";
import { HuggingFaceModel } from "../../src/sagemaker/model";
import { workshopTags } from "../../src/sagemaker/naming";
import { createSession, type WorkshopSession } from "../../src/sagemaker/session";
import {
  buildTransformJobRequest,
  parseTransformOutput,
  splitConcatenatedJson,
  Transformer,
  TransformJobError,
} from "../../src/sagemaker/transformer";
import { KEYWORD_MODEL, modelArchive } from "../local/hosting-fixtures";

/** The Transformer: its requests checked offline against the Smithy shapes, its output parsing, and real jobs. */

const ROLE = "arn:aws:iam::111122223333:role/SageMakerWorkshopRole";
const awsConfig = (confirmCosts: boolean): WorkshopConfig => ({
  mode: "aws",
  region: "ap-northeast-2",
  roleArn: ROLE,
  confirmCosts,
});
const validate = (input: unknown) =>
  readInput(MODELS.sagemaker, "CreateTransformJob", input, { validationCode: "ValidationException" });

describe("CreateTransformJob requests (AWS mode, nothing sent)", () => {
  it("the lab's MultiRecord job with DataProcessing is a valid CreateTransformJob on the HF inference DLC", async () => {
    const session = await createSession({ config: awsConfig(true) });
    const model = new HuggingFaceModel(session, {
      modelData: "s3://sagemaker-ap-northeast-2-111122223333/nsmc/output/model.tar.gz",
      lab: "4.2",
    });
    expect(model.options.imageUri).toMatch(
      /^763104351884\.dkr\.ecr\.ap-northeast-2\.amazonaws\.com\/huggingface-pytorch-inference:.*-cpu-/,
    );
    const transformer = model.transformer({
      instanceType: "ml.m5.xlarge",
      strategy: "MultiRecord",
      assembleWith: "Line",
      accept: "application/jsonlines",
      maxPayloadMB: 6,
      maxConcurrentTransforms: 2,
      env: { HF_TASK: "text-classification" },
      invocationsTimeoutSeconds: 120,
      invocationsMaxRetries: 1,
      outputKmsKey: "alias/workshop",
    });
    const request = transformer.transformJobRequest(
      "s3://sagemaker-ap-northeast-2-111122223333/nsmc/batch/",
      {
        jobName: "nsmc-batch-2026-12-01-09-00-00-000",
        modelName: "ko-sagemaker-4-2-2026-12-01-09-00-00-000",
        outputPath: "s3://sagemaker-ap-northeast-2-111122223333/nsmc/batch-out",
        contentType: "application/jsonlines",
        splitType: "Line",
        compressionType: "None",
        inputFilter: "$.inputs",
        joinSource: "Input",
        outputFilter: "$['id','SageMakerOutput']",
      },
    );
    expect(() => validate(request)).not.toThrow();
    expect(request).toEqual({
      TransformJobName: "nsmc-batch-2026-12-01-09-00-00-000",
      ModelName: "ko-sagemaker-4-2-2026-12-01-09-00-00-000",
      BatchStrategy: "MultiRecord",
      MaxPayloadInMB: 6,
      MaxConcurrentTransforms: 2,
      ModelClientConfig: { InvocationsTimeoutInSeconds: 120, InvocationsMaxRetries: 1 },
      Environment: { HF_TASK: "text-classification" },
      TransformInput: {
        DataSource: {
          S3DataSource: {
            S3DataType: "S3Prefix",
            S3Uri: "s3://sagemaker-ap-northeast-2-111122223333/nsmc/batch/",
          },
        },
        ContentType: "application/jsonlines",
        CompressionType: "None",
        SplitType: "Line",
      },
      TransformOutput: {
        S3OutputPath: "s3://sagemaker-ap-northeast-2-111122223333/nsmc/batch-out",
        Accept: "application/jsonlines",
        AssembleWith: "Line",
        KmsKeyId: "alias/workshop",
      },
      TransformResources: { InstanceType: "ml.m5.xlarge", InstanceCount: 1 },
      DataProcessing: {
        InputFilter: "$.inputs",
        OutputFilter: "$['id','SageMakerOutput']",
        JoinSource: "Input",
      },
      Tags: workshopTags("4.2"),
    });
  });

  it("leaves out what is not set (the workshops' SingleRecord job), and the model rejects a bad value", () => {
    const request = buildTransformJobRequest({
      jobName: "single",
      modelName: "m",
      dataUri: "s3://b/in/test.jsonl",
      outputPath: "s3://b/out",
      instanceType: "ml.m5.xlarge",
      strategy: "SingleRecord",
      contentType: "application/json",
      splitType: "Line",
      tags: [],
    });
    expect(() => validate(request)).not.toThrow();
    expect(Object.keys(request).sort()).toEqual(
      [
        "BatchStrategy",
        "ModelName",
        "Tags",
        "TransformInput",
        "TransformJobName",
        "TransformOutput",
        "TransformResources",
      ].sort(),
    );
    expect(() =>
      validate({ ...request, TransformResources: { InstanceType: "ml.gpu.huge", InstanceCount: 1 } }),
    ).toThrow(/instanceType/);
    expect(() => buildTransformJobRequest({ ...spec(), jobName: "bad_name" })).toThrow(
      /bad_name.*letters, digits/,
    );
    expect(() => buildTransformJobRequest({ ...spec(), dataUri: "/local/file" })).toThrow(/is not an S3 URI/);
  });

  it("creates nothing on AWS without cost consent, and the notice names the instance and price", async () => {
    const session = await createSession({ config: awsConfig(false) });
    const transformer = new Transformer(session, "existing-model", {
      instanceType: "ml.m5.xlarge",
      lab: "4.2",
    });
    await expect(transformer.transform("s3://b/in/")).rejects.toThrow(CostConsentError);
    const notice = transformCostNotice(session, 3);
    expect(notice).toContain("3 batch transform jobs");
    expect(notice).toContain("ml.m5.xlarge ($0.230/h, about $0.173 for 0.25 h)");
  });
});

function spec() {
  return {
    jobName: "ok",
    modelName: "m",
    dataUri: "s3://b/in/",
    outputPath: "s3://b/out",
    instanceType: "ml.m5.xlarge",
    tags: [],
  };
}

const hasPython = spawnSync("python3", ["--version"]).status === 0;

describe.skipIf(!hasPython)("labs/4_Serving/code/inference.py, the AWS-mode JSON Lines handler", () => {
  const call = (code: string) =>
    spawnSync("python3", ["-B", "-c", `import json, inference\n${code}`], {
      cwd: batchHandlerDir(),
      encoding: "utf8",
    });

  it("reads a MultiRecord mini-batch of JSON Lines (records or filtered texts) and answers one line per record", () => {
    expect(resolve(batchHandlerDir())).toBe(resolve(__dirname, "../../labs/4_Serving/code"));
    const decoded = call(
      'print(json.dumps(inference.input_fn(b\'{"inputs": "\\uc88b\\uc544\\uc694"}\\n\\n"\\ubcc4\\ub85c"\\n\', "application/jsonlines; charset=utf-8"), ensure_ascii=False))',
    );
    expect(decoded.stderr).toBe("");
    expect(JSON.parse(decoded.stdout)).toEqual({ inputs: ["좋아요", "별로"] });
    const encoded = call(
      'print(inference.output_fn([{"label": "positive", "score": 0.9}, {"label": "negative", "score": 0.8}], "application/jsonlines"))',
    );
    expect(
      encoded.stdout
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line)),
    ).toEqual([
      { label: "positive", score: 0.9 },
      { label: "negative", score: 0.8 },
    ]);
  });

  it("leaves other content types to the toolkit (not installed here: the import is what fails)", () => {
    expect(call('inference.input_fn(b"{}", "application/json")').stderr).toContain(
      "No module named 'sagemaker_huggingface_inference_toolkit'",
    );
  });
});

describe("reading the output", () => {
  it("parses JSON Lines and Line-assembled JSON per line, CSV per row", () => {
    expect(parseTransformOutput('[{"label":"a"}]\n[{"label":"b"}]\n', "application/json", "Line")).toEqual([
      [{ label: "a" }],
      [{ label: "b" }],
    ]);
    expect(parseTransformOutput('{"id":1}\n{"id":2}', "application/jsonlines", "Line")).toEqual([
      { id: 1 },
      { id: 2 },
    ]);
    expect(parseTransformOutput('1,"a, b"\n2,c\n', "text/csv", "Line")).toEqual([
      ["1", "a, b"],
      ["2", "c"],
    ]);
    expect(() => parseTransformOutput('{"id":1}\nnot json', "application/json", "Line")).toThrow(/Line 2/);
  });

  it("AssembleWith None leaves JSON answers glued: no records, and splitConcatenatedJson takes them apart", () => {
    const glued = '[{"label":"positive","score":0.9}][{"label":"negative","score":0.8}]';
    expect(parseTransformOutput(glued, "application/json", "None")).toBeUndefined();
    expect(parseTransformOutput(glued, "application/json", undefined)).toBeUndefined();
    expect(splitConcatenatedJson(glued)).toEqual([
      [{ label: "positive", score: 0.9 }],
      [{ label: "negative", score: 0.8 }],
    ]);
    // Brackets and quotes inside strings are not boundaries: the workshops' replace('][', '\n') breaks on this.
    expect(splitConcatenatedJson('{"text":"][ \\"x\\" }{"}{"n":1} "s" 2 true null')).toEqual([
      { text: '][ "x" }{' },
      { n: 1 },
      "s",
      2,
      true,
      null,
    ]);
    expect(() => splitConcatenatedJson('[{"a":1}')).toThrow(/ends inside a JSON value/);
    expect(() => splitConcatenatedJson("]")).toThrow(/Unexpected "]"/);
    expect(() => splitConcatenatedJson("[1] oops")).toThrow(/Unexpected "o"/);
  });
});

describe("the Transformer against local SageMaker", () => {
  let server: LocalServer;
  let stateDir: string;
  let session: WorkshopSession;
  let model: HuggingFaceModel;
  let input: string;

  beforeAll(async () => {
    stateDir = mkdtempSync(join(tmpdir(), "transformer-"));
    server = await startLocalServer({ port: 0, stateDir });
    session = await createSession({
      config: { mode: "local", region: "ap-northeast-2", confirmCosts: true },
      localUrl: server.url,
      localStateDir: stateDir,
    });
    const bucket = await session.defaultBucket();
    await session.s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: "tests/model.tar.gz",
        Body: await modelArchive({ "code/inference.ts": KEYWORD_MODEL }),
      }),
    );
    const lines = ["정말 재미있어요", "시간 낭비", "최고의 영화"].map((text, id) =>
      JSON.stringify({ id, inputs: text }),
    );
    await session.s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: "tests/in/reviews.jsonl", Body: lines.join("\n") }),
    );
    input = `s3://${bucket}/tests/in/`;
    model = new HuggingFaceModel(session, { modelData: `s3://${bucket}/tests/model.tar.gz`, lab: "t-4.2" });
  });

  afterAll(async () => {
    await server?.close();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it("runs a job with status and log lines, and output() parses the joined records", async () => {
    const statuses: string[] = [];
    const logs: string[] = [];
    const transformer = model.transformer({
      instanceType: "ml.m5.xlarge",
      strategy: "MultiRecord",
      assembleWith: "Line",
      accept: "application/jsonlines",
    });
    const result = await transformer.transform(input, {
      contentType: "application/jsonlines",
      splitType: "Line",
      inputFilter: "$.inputs",
      joinSource: "Input",
      outputFilter: "$['id','SageMakerOutput']",
      pollSeconds: 0.1,
      onStatus: (change) => statuses.push(change.status),
      onLog: (line) => logs.push(line.message),
    });
    expect(result.status).toBe("Completed");
    // A job is InProgress for at least as long as its container takes to start, so the first poll sees it.
    expect(statuses).toEqual(["InProgress", "Completed"]);
    expect(logs.some((line) => line.includes("[sagemaker logs]") && line.includes("3 records done"))).toBe(
      true,
    );
    expect(result.jobSeconds).toBeGreaterThanOrEqual(0);
    expect(result.outputPath).toBe(`s3://${await session.bucketName()}/${result.jobName}`);
    const files = await transformer.output();
    expect(files.map((file) => file.uri)).toEqual([`${result.outputPath}/reviews.jsonl.out`]);
    expect(files[0]?.records).toEqual([
      { id: 0, SageMakerOutput: { label: "positive", score: 0.9 } },
      { id: 1, SageMakerOutput: { label: "negative", score: 0.8 } },
      { id: 2, SageMakerOutput: { label: "positive", score: 0.9 } },
    ]);
    const tags = await session.sagemaker.send(
      new ListTagsCommand({ ResourceArn: result.description.TransformJobArn }),
    );
    expect(tags.Tags).toEqual(workshopTags("t-4.2"));
  });

  it("waits with the SDK waiter when no logs are wanted; AssembleWith None gives the glued text", async () => {
    const transformer = model.transformer({ instanceType: "ml.m5.xlarge", strategy: "SingleRecord" });
    const started = await transformer.transform(input, {
      contentType: "application/json",
      splitType: "Line",
      wait: false,
    });
    expect(started.status).toBe("InProgress");
    const result = await transformer.wait({ logs: false, pollSeconds: 0.2, onStatus: () => {} });
    expect(result.status).toBe("Completed");
    expect(result.logs).toEqual([]);
    const [file] = await transformer.output();
    expect(file?.records).toBeUndefined();
    expect(file?.text.startsWith('[{"label":"positive","score":0.9}][{"label":"negative"')).toBe(true);
    expect(splitConcatenatedJson(file?.text ?? "")).toHaveLength(3);
  });

  it("a job that fails is a TransformJobError quoting FailureReason", async () => {
    const transformer = model.transformer({ instanceType: "ml.m5.xlarge" });
    const error = await transformer
      .transform(input, {
        contentType: "application/json",
        splitType: "Line",
        inputFilter: "$.missing",
        onStatus: () => {},
        onLog: () => {},
      })
      .then(
        () => undefined,
        (failure: unknown) => failure,
      );
    expect(error).toBeInstanceOf(TransformJobError);
    expect((error as TransformJobError).message).toMatch(
      /ended Failed: ClientError: .*reviews\.jsonl line 1: InputFilter "\$\.missing"/,
    );
    expect((error as TransformJobError).result.status).toBe("Failed");
    expect(transformer.latestJob?.status).toBe("Failed");
  });

  it("the cleanup sweep stops the lab's running transform job and deletes its model", async () => {
    const bucket = await session.defaultBucket();
    const never =
      'export function modelFn() { return {}; }\nexport async function transformFn() { await new Promise((r) => setTimeout(r, 120000)); return "late"; }';
    await session.s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: "tests/slow.tar.gz",
        Body: await modelArchive({ "code/inference.ts": never }),
      }),
    );
    const slow = new HuggingFaceModel(session, {
      modelData: `s3://${bucket}/tests/slow.tar.gz`,
      lab: "t-4.2-cleanup",
    });
    const transformer = slow.transformer({ instanceType: "ml.m5.xlarge" });
    const started = await transformer.transform(input, { contentType: "application/json", wait: false });
    const deleted = await cleanupWorkshopResources(session, { lab: "t-4.2-cleanup", verbose: false });
    expect(deleted.stoppedTransformJobs).toEqual([started.jobName]);
    expect(deleted.models).toEqual([slow.modelName]);
    const error = await transformer
      .wait({ pollSeconds: 0.1, onStatus: () => {}, onLog: () => {} })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransformJobError);
    expect((error as TransformJobError).result.status).toBe("Stopped");
  });
});
