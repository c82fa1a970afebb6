import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  DescribeEndpointCommand,
} from "@aws-sdk/client-sagemaker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AsyncInferenceError,
  AsyncInferenceTimeoutError,
  AsyncPredictor,
} from "../../src/sagemaker/async-predictor";
import { cleanupWorkshopResources } from "../../src/sagemaker/cleanup";
import {
  endpointMetric,
  metricTraces,
  setVariantWeights,
  variantStates,
} from "../../src/sagemaker/endpoint-metrics";
import { ensureLocalSageMaker, stopLocalSageMaker } from "../../src/sagemaker/local-launcher";
import { HuggingFaceModel, waitForEndpoint } from "../../src/sagemaker/model";
import { MultiDataModel } from "../../src/sagemaker/multi-data-model";
import { workshopTags } from "../../src/sagemaker/naming";
import { PipelineModel } from "../../src/sagemaker/pipeline-model";
import { Predictor } from "../../src/sagemaker/predictor";
import { s3Uri } from "../../src/sagemaker/s3";
import { createSession, type WorkshopSession } from "../../src/sagemaker/session";
import { KEYWORD_MODEL, modelArchive } from "../local/hosting-fixtures";

/** The toolkit's serving patterns against a real local SageMaker: AsyncPredictor and serverless deploy(). */

const freePort = () =>
  new Promise<number>((done, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });

const SLOW_MODEL = `${KEYWORD_MODEL}
export async function predictFn(data: { inputs: string; waitMs?: number; fail?: boolean }, model: { classify(t: string[]): unknown[] }) {
  await new Promise((resolve) => setTimeout(resolve, data.waitMs ?? 0));
  if (data.fail) throw new Error("no review to read");
  return model.classify([data.inputs]);
}
`;

let url: string;
let work: string;
let stateDir: string;
let session: WorkshopSession;
let modelData: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "ko-sm-patterns-"));
  stateDir = join(work, "state");
  url = (await ensureLocalSageMaker({ port: await freePort(), stateDir })).url;
  session = await createSession({
    config: { mode: "local", region: "ap-northeast-2", confirmCosts: true },
    localUrl: url,
    localStateDir: stateDir,
  });
  const bucket = await session.defaultBucket();
  modelData = s3Uri(bucket, "patterns", "model.tar.gz");
  await session.s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: "patterns/model.tar.gz",
      Body: await modelArchive({ "code/inference.ts": SLOW_MODEL }),
    }),
  );
});

afterAll(async () => {
  if (session) await cleanupWorkshopResources(session, { lab: "patterns" });
  if (url) await stopLocalSageMaker(url, { stateDir });
  if (work) await rm(work, { recursive: true, force: true });
});

const model = () => new HuggingFaceModel(session, { modelData, lab: "patterns" });

describe("AsyncPredictor", () => {
  let predictor: AsyncPredictor;

  beforeAll(async () => {
    predictor = await model().deploy({
      instanceType: "ml.m5.large",
      asyncInferenceConfig: { maxConcurrentInvocationsPerInstance: 2 },
      onStatus: () => {},
    });
  });

  it("deploys an asynchronous endpoint with the Python SDK's default output folders", async () => {
    expect(predictor).toBeInstanceOf(AsyncPredictor);
    const described = await session.sagemaker.send(
      new DescribeEndpointCommand({ EndpointName: predictor.endpointName }),
    );
    const bucket = await session.bucketName();
    expect(described.AsyncInferenceConfig?.OutputConfig).toEqual({
      S3OutputPath: `s3://${bucket}/async-endpoint-outputs/${predictor.endpointName}`,
      S3FailurePath: `s3://${bucket}/async-endpoint-failures/${predictor.endpointName}`,
    });
  });

  it("uploads the request, queues it and reads the result with the S3 waiter", async () => {
    const response = await predictor.predictAsync({ inputs: "최고의 영화" });
    expect(response.outputLocation).toMatch(/\/async-endpoint-outputs\/.*\.out$/);
    expect(response.failureLocation).toMatch(/-error\.out$/);
    const { result, timeToResultMs } = await response.getResult();
    expect(result).toEqual([{ label: "positive", score: 0.9 }]);
    expect(timeToResultMs).toBeGreaterThan(0);
    expect((await predictor.predict({ inputs: "별로" })).result).toEqual([{ label: "negative", score: 0.8 }]);
  });

  it("surfaces the failure object's text as an AsyncInferenceError", async () => {
    const failed = await predictor.predict({ inputs: "", fail: true }).catch((error: Error) => error);
    expect(failed).toBeInstanceOf(AsyncInferenceError);
    expect((failed as AsyncInferenceError).failureText).toMatch(/no review to read/);
  });

  it("a wait shorter than the inference is a clear timeout, and the result can be fetched later", async () => {
    const response = await predictor.predictAsync({ inputs: "최고", waitMs: 2_500 });
    const early = await response.getResult({ timeoutSeconds: 1 }).catch((error: Error) => error);
    expect(early).toBeInstanceOf(AsyncInferenceTimeoutError);
    expect((early as Error).message).toMatch(
      /No result at s3:\/\/.*\.out after 1 s.*call getResult\(\) again/,
    );
    expect((await response.getResult({ timeoutSeconds: 30 })).result).toEqual([
      { label: "positive", score: 0.9 },
    ]);
  });
});

describe("serverless deploy()", () => {
  it("deploys with serverlessConfig and serves the first request cold", async () => {
    const predictor = await model().deploy({
      serverlessConfig: { memorySizeInMB: 1024, maxConcurrency: 1 },
      onStatus: () => {},
    });
    const described = await session.sagemaker.send(
      new DescribeEndpointCommand({ EndpointName: predictor.endpointName }),
    );
    expect(described.ProductionVariants?.[0]?.CurrentServerlessConfig).toEqual({
      MemorySizeInMB: 1024,
      MaxConcurrency: 1,
    });
    const cold = await predictor.predict({ inputs: "최고" });
    const warm = await predictor.predict({ inputs: "최고" });
    expect(cold.result).toEqual([{ label: "positive", score: 0.9 }]);
    expect(cold.latencyMs).toBeGreaterThan(warm.latencyMs);
  });
});

/** A step of a pipeline that says who it is and wraps what it received. */
const STEP = (name: string) => `
export function modelFn() { return null; }
export function transformFn(_model: unknown, body: string) {
  return { body: JSON.stringify({ step: ${JSON.stringify(name)}, received: JSON.parse(body) }), contentType: "application/json" };
}
`;

async function upload(key: string, files: Record<string, string>): Promise<string> {
  const bucket = await session.defaultBucket();
  await session.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: await modelArchive(files) }));
  return s3Uri(bucket, key);
}

describe("PipelineModel", () => {
  it("deploys its models' containers in sequence and answers through all of them", async () => {
    const models = await Promise.all(
      ["pre", "post"].map(
        async (name) =>
          new HuggingFaceModel(session, {
            modelData: await upload(`patterns/${name}.tar.gz`, { "code/inference.ts": STEP(name) }),
          }),
      ),
    );
    const pipeline = new PipelineModel(session, { models, hostnames: ["pre", "post"], lab: "patterns" });
    const predictor = await pipeline.deploy({ instanceType: "ml.m5.large", onStatus: () => {} });
    const { result } = await predictor.predict({ inputs: "ㅋㅋ" });
    expect(result).toEqual({ step: "post", received: { step: "pre", received: { inputs: "ㅋㅋ" } } });
  });
});

describe("MultiDataModel", () => {
  it("adds archives under its prefix, lists them, and serves each by TargetModel", async () => {
    const bucket = await session.bucketName();
    const mme = new MultiDataModel(session, {
      modelDataPrefix: s3Uri(bucket, "patterns", "mme"),
      model: model(),
      lab: "patterns",
    });
    expect(
      await mme.addModel(
        await upload("patterns/one/model.tar.gz", { "code/inference.ts": STEP("one") }),
        "one.tar.gz",
      ),
    ).toBe("one.tar.gz");
    await mme.addModel(modelData, "keyword.tar.gz");
    expect((await mme.listModels()).sort()).toEqual(["keyword.tar.gz", "one.tar.gz"]);
    expect((await mme.listModelObjects()).every((model) => model.bytes > 0)).toBe(true);
    const predictor = await mme.deploy({ instanceType: "ml.m5.large", onStatus: () => {} });
    expect((await predictor.predict({ inputs: "최고" }, { targetModel: "keyword.tar.gz" })).result).toEqual([
      { label: "positive", score: 0.9 },
    ]);
    expect((await predictor.predict({ inputs: "x" }, { targetModel: "one.tar.gz" })).result).toEqual({
      step: "one",
      received: { inputs: "x" },
    });
    await expect(mme.addModel(modelData, "not-an-archive")).rejects.toThrow(/ends with \.tar\.gz/);
  });
});

describe("A/B helpers", () => {
  it("reads variant weights, moves them, and charts Invocations per variant from CloudWatch", async () => {
    const startTime = new Date(Date.now() - 60_000);
    const first = await model().create();
    const endpointName = `ab-${Date.now().toString(36)}`;
    await session.sagemaker.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: endpointName,
        ProductionVariants: ["A", "B"].map((VariantName) => ({
          VariantName,
          ModelName: first,
          InstanceType: "ml.m5.large",
          InitialInstanceCount: 1,
          InitialVariantWeight: 1,
        })),
        Tags: workshopTags("patterns"),
      }),
    );
    await session.sagemaker.send(
      new CreateEndpointCommand({
        EndpointName: endpointName,
        EndpointConfigName: endpointName,
        Tags: workshopTags("patterns"),
      }),
    );
    await waitForEndpoint(session, endpointName, { onStatus: () => {} });
    const predictor = new Predictor(session, endpointName);
    const served: Record<string, number> = {};
    for (let i = 0; i < 30; i++) {
      const { variant } = await predictor.predict({ inputs: "최고" });
      served[variant as string] = (served[variant as string] ?? 0) + 1;
    }
    expect((await variantStates(session, endpointName)).map((v) => [v.variant, v.currentWeight])).toEqual([
      ["A", 1],
      ["B", 1],
    ]);
    const moved = await setVariantWeights(session, endpointName, { A: 1, B: 0 }, { onStatus: () => {} });
    expect(moved.map((v) => [v.variant, v.currentWeight])).toEqual([
      ["A", 1],
      ["B", 0],
    ]);
    for (let i = 0; i < 5; i++) expect((await predictor.predict({ inputs: "최고" })).variant).toBe("A");
    let points: Awaited<ReturnType<typeof endpointMetric>> = [];
    for (let attempt = 0; attempt < 40; attempt++) {
      points = await endpointMetric(session, { endpointName, metricName: "Invocations", startTime });
      const total = points.reduce((sum, point) => sum + point.value, 0);
      if (total >= 35) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const sum = (series: string) =>
      points.filter((p) => p.series === series).reduce((a, p) => a + p.value, 0);
    expect(sum("A")).toBe((served.A ?? 0) + 5);
    expect(sum("B")).toBe(served.B ?? 0);
    const traces = metricTraces(points);
    expect(traces.map((trace) => trace.name).sort()).toEqual(["A", "B"].filter((name) => sum(name) > 0));
  });
});
