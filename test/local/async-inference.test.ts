import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CloudWatchClient, GetMetricStatisticsCommand } from "@aws-sdk/client-cloudwatch";
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  SageMakerClient,
} from "@aws-sdk/client-sagemaker";
import {
  InvokeEndpointAsyncCommand,
  InvokeEndpointCommand,
  SageMakerRuntimeClient,
} from "@aws-sdk/client-sagemaker-runtime";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { nodeEntry } from "../../src/local/core/processes";
import { createServiceContext } from "../../src/local/services/context";
import { AsyncInference } from "../../src/local/services/sagemaker/hosting/async-inference";
import { EndpointMetrics } from "../../src/local/services/sagemaker/hosting/metrics";
import { loadSettings } from "../../src/local/settings";
import { localCredentials } from "../../src/sagemaker/local-launcher";
import { clientConfig } from "../support/local-clients";
import {
  BUCKET,
  deleteAllEndpoints,
  deploy,
  IMAGE,
  KEYWORD_MODEL,
  type Local,
  modelArchive,
  putArchive,
  settled,
  startLocal,
  stopLocal,
  unique,
} from "./hosting-fixtures";

/** Asynchronous inference: InvokeEndpointAsync, output and failure objects, per-instance concurrency, the durable queue. */

const ROOT = join(__dirname, "../..");

/** The keyword model, with a wait the request names (to hold an instance busy) and a way to fail. */
const SLOW_MODEL = `${KEYWORD_MODEL}
export async function predictFn(data: { inputs: string; waitMs?: number; fail?: boolean }, model: { classify(t: string[]): unknown[] }) {
  await new Promise((resolve) => setTimeout(resolve, data.waitMs ?? 0));
  if (data.fail) throw new Error("the review is empty");
  return model.classify([data.inputs]);
}
`;

let local: Local;
let archive: string;

beforeAll(async () => {
  local = await startLocal();
  archive = await putArchive(local, await modelArchive({ "code/inference.ts": SLOW_MODEL }));
});
afterEach(() => deleteAllEndpoints(local));
afterAll(async () => {
  await deleteAllEndpoints(local);
  await stopLocal(local);
});

interface AsyncOptions {
  perInstance?: number;
  failurePath?: boolean;
  instances?: number;
}

async function createAsyncEndpoint(
  sm: SageMakerClient,
  modelData: string,
  options: AsyncOptions = {},
): Promise<{ endpoint: string; config: string; output: string; failure: string }> {
  const model = unique("m");
  const config = unique("c");
  const endpoint = unique("e");
  const output = `s3://${BUCKET}/${endpoint}/output`;
  const failure = `s3://${BUCKET}/${endpoint}/failure`;
  await sm.send(
    new CreateModelCommand({
      ModelName: model,
      ExecutionRoleArn: "arn:aws:iam::000000000000:role/local",
      PrimaryContainer: { Image: IMAGE, ModelDataUrl: modelData },
    }),
  );
  await sm.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: config,
      ProductionVariants: [
        {
          VariantName: "AllTraffic",
          ModelName: model,
          InstanceType: "ml.m5.large",
          InitialInstanceCount: options.instances ?? 1,
        },
      ],
      AsyncInferenceConfig: {
        OutputConfig: {
          S3OutputPath: output,
          ...(options.failurePath === false ? {} : { S3FailurePath: failure }),
          NotificationConfig: { SuccessTopic: "arn:aws:sns:ap-northeast-2:000000000000:done" },
        },
        ClientConfig: { MaxConcurrentInvocationsPerInstance: options.perInstance ?? 1 },
      },
    }),
  );
  await sm.send(new CreateEndpointCommand({ EndpointName: endpoint, EndpointConfigName: config }));
  return { endpoint, config, output, failure };
}

async function putInput(s3: S3Client, document: unknown): Promise<string> {
  const key = `${unique("input")}.json`;
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: JSON.stringify(document) }));
  return `s3://${BUCKET}/${key}`;
}

const keyOf = (uri: string) => uri.replace(`s3://${BUCKET}/`, "");

/** Polls for an object (the S3 waiter polls every 5 s at best; tests want faster). */
async function waitForObject(s3: S3Client, uri: string, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: keyOf(uri) }));
      return await (got.Body as { transformToString(): Promise<string> }).transformToString();
    } catch (error) {
      if ((error as Error).name !== "NoSuchKey" || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

async function listKeys(s3: S3Client, prefix: string): Promise<string[]> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (listed.Contents ?? []).map((entry) => entry.Key as string);
}

describe("an asynchronous endpoint", () => {
  it("shows its AsyncInferenceConfig, answers 202 with an InferenceId and writes <S3OutputPath>/<uuid>.out", async () => {
    const { endpoint, config, output, failure } = await createAsyncEndpoint(local.sm, archive);
    const configured = await local.sm.send(new DescribeEndpointConfigCommand({ EndpointConfigName: config }));
    expect(configured.AsyncInferenceConfig?.OutputConfig?.S3OutputPath).toBe(output);
    expect((await settled(local, endpoint)).AsyncInferenceConfig?.ClientConfig).toEqual({
      MaxConcurrentInvocationsPerInstance: 1,
    });

    const input = await putInput(local.s3, { inputs: "최고의 영화" });
    const accepted = await local.runtime.send(
      new InvokeEndpointAsyncCommand({
        EndpointName: endpoint,
        InputLocation: input,
        ContentType: "application/json",
      }),
    );
    expect(accepted.$metadata.httpStatusCode).toBe(202);
    expect(accepted.InferenceId).toMatch(/^[0-9a-f-]{36}$/);
    expect(accepted.OutputLocation).toMatch(new RegExp(`^${output}/[0-9a-f-]{36}\\.out$`));
    expect(accepted.FailureLocation).toMatch(new RegExp(`^${failure}/[0-9a-f-]{36}-error\\.out$`));
    expect(JSON.parse(await waitForObject(local.s3, accepted.OutputLocation as string))).toEqual([
      { label: "positive", score: 0.9 },
    ]);
    const head = await local.s3.send(
      new HeadObjectCommand({ Bucket: BUCKET, Key: keyOf(accepted.OutputLocation as string) }),
    );
    expect(head.ContentType).toBe("application/json");
    expect(await listKeys(local.s3, keyOf(failure))).toEqual([]);
  });

  it("keeps the caller's InferenceId", async () => {
    const { endpoint } = await createAsyncEndpoint(local.sm, archive);
    await settled(local, endpoint);
    const input = await putInput(local.s3, { inputs: "x" });
    const accepted = await local.runtime.send(
      new InvokeEndpointAsyncCommand({
        EndpointName: endpoint,
        InputLocation: input,
        ContentType: "application/json",
        InferenceId: "review-42",
      }),
    );
    expect(accepted.InferenceId).toBe("review-42");
    expect(accepted.OutputLocation).not.toContain("review-42");
  });

  it("writes a model's error, a missing input and a timeout to <S3FailurePath>/<uuid>-error.out", async () => {
    const { endpoint, output } = await createAsyncEndpoint(local.sm, archive, { perInstance: 3 });
    await settled(local, endpoint);
    const send = (InputLocation: string, extra = {}) =>
      local.runtime.send(
        new InvokeEndpointAsyncCommand({
          EndpointName: endpoint,
          InputLocation,
          ContentType: "application/json",
          ...extra,
        }),
      );
    const broken = await send(await putInput(local.s3, { inputs: "", fail: true }));
    const missing = await send(`s3://${BUCKET}/nowhere/${unique("gone")}.json`);
    const slow = await send(await putInput(local.s3, { inputs: "x", waitMs: 3_000 }), {
      InvocationTimeoutSeconds: 1,
    });

    expect(await waitForObject(local.s3, broken.FailureLocation as string)).toMatch(
      /Received client error \(400\) from the model with message ".*the review is empty/,
    );
    expect(await waitForObject(local.s3, missing.FailureLocation as string)).toMatch(
      /input object s3:\/\/.*gone.*\.json does not exist/,
    );
    expect(await waitForObject(local.s3, slow.FailureLocation as string)).toMatch(/timed out.*1 s/);
    expect(await listKeys(local.s3, keyOf(output))).toEqual([]);
  });

  it("refuses InvokeEndpoint, and a real-time endpoint refuses InvokeEndpointAsync", async () => {
    const { endpoint } = await createAsyncEndpoint(local.sm, archive);
    await settled(local, endpoint);
    await expect(
      local.runtimeOnce.send(
        new InvokeEndpointCommand({
          EndpointName: endpoint,
          ContentType: "application/json",
          Body: '{"inputs":"x"}',
        }),
      ),
    ).rejects.toMatchObject({
      name: "ValidationError",
      message: expect.stringMatching(/asynchronous endpoint.*InvokeEndpointAsync/),
    });
    const realTime = await deploy(local, archive);
    await expect(
      local.runtimeOnce.send(
        new InvokeEndpointAsyncCommand({
          EndpointName: realTime.endpoint,
          InputLocation: `s3://${BUCKET}/x.json`,
        }),
      ),
    ).rejects.toMatchObject({
      name: "ValidationError",
      message: expect.stringMatching(/not an asynchronous endpoint/),
    });
    await expect(
      local.runtimeOnce.send(
        new InvokeEndpointAsyncCommand({ EndpointName: endpoint, InputLocation: "https://example.com/x" }),
      ),
    ).rejects.toMatchObject({ name: "ValidationError", message: expect.stringMatching(/not an S3 URI/) });
  });

  it("runs at most MaxConcurrentInvocationsPerInstance requests per instance, in the order they came", async () => {
    for (const perInstance of [1, 3]) {
      const { endpoint } = await createAsyncEndpoint(local.sm, archive, { perInstance });
      await settled(local, endpoint);
      const begun = Date.now();
      const accepted = await Promise.all(
        [0, 1, 2].map(async (index) =>
          local.runtime.send(
            new InvokeEndpointAsyncCommand({
              EndpointName: endpoint,
              InputLocation: await putInput(local.s3, { inputs: `r${index}`, waitMs: 600 }),
              ContentType: "application/json",
            }),
          ),
        ),
      );
      await Promise.all(accepted.map((answer) => waitForObject(local.s3, answer.OutputLocation as string)));
      const elapsed = Date.now() - begun;
      if (perInstance === 1) expect(elapsed).toBeGreaterThanOrEqual(1_800);
      else expect(elapsed).toBeLessThan(1_800);
    }
  });

  it("publishes its backlog as ApproximateBacklogSize, and no InvocationsPerInstance", async () => {
    const { endpoint } = await createAsyncEndpoint(local.sm, archive);
    await settled(local, endpoint);
    for (let index = 0; index < 4; index++) {
      await local.runtime.send(
        new InvokeEndpointAsyncCommand({
          EndpointName: endpoint,
          InputLocation: await putInput(local.s3, { inputs: "x", waitMs: 2_500 }),
          ContentType: "application/json",
        }),
      );
    }
    const cloudwatch = new CloudWatchClient(clientConfig(local.server));
    const read = (MetricName: string) =>
      cloudwatch.send(
        new GetMetricStatisticsCommand({
          Namespace: "AWS/SageMaker",
          MetricName,
          Dimensions: [{ Name: "EndpointName", Value: endpoint }],
          StartTime: new Date(Date.now() - 600_000),
          EndTime: new Date(Date.now() + 60_000),
          Period: 3600,
          Statistics: ["Maximum"],
        }),
      );
    const deadline = Date.now() + 20_000;
    let backlog: number | undefined;
    while (backlog === undefined && Date.now() < deadline) {
      backlog = (await read("ApproximateBacklogSize")).Datapoints?.[0]?.Maximum;
      if (backlog === undefined) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(backlog).toBeGreaterThanOrEqual(3);
    expect((await read("ApproximateBacklogSizePerInstance")).Datapoints?.[0]?.Maximum).toBe(backlog);
    const perInstance = await cloudwatch.send(
      new GetMetricStatisticsCommand({
        Namespace: "AWS/SageMaker",
        MetricName: "InvocationsPerInstance",
        Dimensions: [
          { Name: "EndpointName", Value: endpoint },
          { Name: "VariantName", Value: "AllTraffic" },
        ],
        StartTime: new Date(Date.now() - 600_000),
        EndTime: new Date(Date.now() + 60_000),
        Period: 3600,
        Statistics: ["Sum"],
      }),
    );
    expect(perInstance.Datapoints).toEqual([]);
    cloudwatch.destroy();
  }, 40_000);

  it("refuses an AsyncInferenceConfig without S3OutputPath or with serverless variants", async () => {
    const model = unique("m");
    await local.sm.send(
      new CreateModelCommand({
        ModelName: model,
        ExecutionRoleArn: "arn:aws:iam::000000000000:role/local",
        PrimaryContainer: { Image: IMAGE, ModelDataUrl: archive },
      }),
    );
    await expect(
      local.sm.send(
        new CreateEndpointConfigCommand({
          EndpointConfigName: unique("c"),
          ProductionVariants: [
            { VariantName: "a", ModelName: model, InstanceType: "ml.m5.large", InitialInstanceCount: 1 },
          ],
          AsyncInferenceConfig: { OutputConfig: {} },
        }),
      ),
    ).rejects.toThrow(/no OutputConfig.S3OutputPath.*no SNS/);
    await expect(
      local.sm.send(
        new CreateEndpointConfigCommand({
          EndpointConfigName: unique("c"),
          ProductionVariants: [
            {
              VariantName: "a",
              ModelName: model,
              ServerlessConfig: { MemorySizeInMB: 1024, MaxConcurrency: 1 },
            },
          ],
          AsyncInferenceConfig: { OutputConfig: { S3OutputPath: `s3://${BUCKET}/out` } },
        }),
      ),
    ).rejects.toThrow(/cannot serve serverless variants/);
  });
});

describe("the asynchronous queue is durable", () => {
  it("answers every accepted request once after a graceful restart", async () => {
    const stateDir = mkdtempSync(join(tmpdir(), "async-restart-"));
    let first: Local | undefined = await startLocal(stateDir);
    let second: Local | undefined;
    try {
      const modelData = await putArchive(first, await modelArchive({ "code/inference.ts": SLOW_MODEL }));
      const { endpoint, output } = await createAsyncEndpoint(first.sm, modelData);
      await settled(first, endpoint);
      const accepted: string[] = [];
      for (let index = 0; index < 6; index++) {
        const answer = await first.runtime.send(
          new InvokeEndpointAsyncCommand({
            EndpointName: endpoint,
            InputLocation: await putInput(first.s3, { inputs: `r${index}`, waitMs: 300 }),
            ContentType: "application/json",
          }),
        );
        accepted.push(answer.OutputLocation as string);
      }
      await waitForObject(first.s3, accepted[0] as string);
      await stopLocal(first, false);
      first = undefined;
      second = await startLocal(stateDir);
      const answers = await Promise.all(accepted.map((uri) => waitForObject((second as Local).s3, uri)));
      expect(answers).toHaveLength(6);
      expect((await listKeys(second.s3, keyOf(output))).sort()).toEqual(accepted.map(keyOf).sort());
    } finally {
      await stopLocal(first, false);
      await deleteAllEndpoints(second);
      await stopLocal(second);
      rmSync(stateDir, { recursive: true, force: true });
    }
  }, 90_000);

  it("answers every accepted request, none twice, after the server is killed with requests queued", async () => {
    const stateDir = mkdtempSync(join(tmpdir(), "async-kill-"));
    let server = await spawnServer(stateDir);
    try {
      let clients = clientsFor(server.url, stateDir);
      const modelData = `s3://${BUCKET}/model.tar.gz`;
      await clients.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
      await clients.s3.send(
        new PutObjectCommand({
          Bucket: BUCKET,
          Key: "model.tar.gz",
          Body: await modelArchive({ "code/inference.ts": SLOW_MODEL }),
        }),
      );
      const { endpoint, output } = await createAsyncEndpoint(clients.sm, modelData);
      for (let attempt = 0; ; attempt++) {
        const described = await clients.sm.send(new DescribeEndpointCommand({ EndpointName: endpoint }));
        if (described.EndpointStatus === "InService") break;
        if (attempt > 300) throw new Error(`endpoint stayed ${described.EndpointStatus}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const accepted: string[] = [];
      for (let index = 0; index < 20; index++) {
        const answer = await clients.runtime.send(
          new InvokeEndpointAsyncCommand({
            EndpointName: endpoint,
            InputLocation: await putInput(clients.s3, { inputs: `r${index}`, waitMs: 100 }),
            ContentType: "application/json",
          }),
        );
        accepted.push(answer.OutputLocation as string);
      }
      await waitForObject(clients.s3, accepted[2] as string);
      const answeredBefore = new Map<string, string>();
      for (const key of await listKeys(clients.s3, keyOf(output))) {
        const head = await clients.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
        answeredBefore.set(key, head.LastModified?.toISOString() as string);
      }
      expect(answeredBefore.size).toBeLessThan(20);
      server.child.kill("SIGKILL");
      await new Promise((resolve) => server.child.once("exit", resolve));
      clients.destroy();

      server = await spawnServer(stateDir);
      clients = clientsFor(server.url, stateDir);
      await Promise.all(accepted.map((uri) => waitForObject(clients.s3, uri, 60_000)));
      const keys = await listKeys(clients.s3, keyOf(output));
      expect(keys.sort()).toEqual(accepted.map(keyOf).sort());
      // What was answered before the kill was not answered again.
      for (const [key, modified] of answeredBefore) {
        const head = await clients.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
        expect(head.LastModified?.toISOString()).toBe(modified);
      }
      clients.destroy();
    } finally {
      if (server.child.exitCode === null && server.child.signalCode === null) {
        server.child.kill("SIGTERM");
        await new Promise((resolve) => server.child.once("exit", resolve));
      }
      rmSync(stateDir, { recursive: true, force: true });
    }
  }, 120_000);
});

async function spawnServer(stateDir: string): Promise<{ child: ChildProcess; url: string }> {
  // One process (no tsx wrapper in between), so that SIGKILL hits the server itself.
  const child = spawn(process.execPath, [...nodeEntry("local/cli"), "--port", "0", "--state-dir", stateDir], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise<string>((done, fail) => {
    let out = "";
    child.stdout?.on("data", (chunk) => {
      out += chunk;
      const match = /http:\/\/127\.0\.0\.1:\d+/.exec(out);
      if (match) done(match[0]);
    });
    child.once("exit", (code) => fail(new Error(`cli exited with ${code}`)));
  });
  return { child, url };
}

function clientsFor(url: string, stateDir: string) {
  const credentials = localCredentials({ stateDir });
  const config = { endpoint: url, region: "ap-northeast-2", credentials };
  const clients = {
    sm: new SageMakerClient(config),
    runtime: new SageMakerRuntimeClient(config),
    s3: new S3Client({ ...config, forcePathStyle: true }),
    destroy: () => {
      clients.sm.destroy();
      clients.runtime.destroy();
      clients.s3.destroy();
    },
  };
  return clients;
}

describe("a request that waited past its RequestTTLSeconds", () => {
  it("is not run: its failure object says it expired", async () => {
    const stateDir = mkdtempSync(join(tmpdir(), "async-ttl-"));
    try {
      const ctx = createServiceContext({
        stateDir,
        settings: loadSettings({}).settings,
        credentials: { accessKeyId: "AKIDLOCAL", secretAccessKey: "secret" },
        url: () => "http://127.0.0.1:1",
      });
      ctx.s3.createBucket("ttl");
      await ctx.s3.putObjectBuffer("ttl", "in.json", Buffer.from('{"inputs":"x"}'));
      const queues = new AsyncInference(ctx, new EndpointMetrics(ctx.cloudwatch));
      let ran = false;
      const queue = queues.open(
        "ttl-endpoint",
        { OutputConfig: { S3OutputPath: "s3://ttl/out", S3FailurePath: "s3://ttl/failed" } },
        { deployment: () => undefined },
      );
      const accepted = queue.accept({
        inputLocation: { bucket: "ttl", key: "in.json" },
        requestTtlSeconds: 60,
      });
      const [record] = queue.waiting.splice(0);
      await queues.run(
        {
          ...(record as NonNullable<typeof record>),
          AcceptedAt: Date.now() - 61_000,
          ExpiresAt: Date.now() - 1_000,
        },
        async () => {
          ran = true;
          return { body: Buffer.from("[]"), contentType: "application/json" };
        },
        {
          logStreamArn:
            "arn:aws:logs:ap-northeast-2:000000000000:log-group:/aws/sagemaker/Endpoints/ttl-endpoint",
          variantName: "AllTraffic",
          endpointConfigName: "ttl-config",
        },
        () => false,
      );
      expect(ran).toBe(false);
      const failureKey = (accepted.failureLocation as string).replace("s3://ttl/", "");
      const { body } = await ctx.s3.getObject("ttl", failureKey);
      expect(body.toString()).toMatch(/expired.*RequestTTLSeconds \(60 s\)/);
      expect(ctx.s3.objectExists("ttl", (accepted.outputLocation as string).replace("s3://ttl/", ""))).toBe(
        false,
      );
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
