/**
 * Serving-pattern benchmarks (`npm run bench:serving`), the server in its own process as `npm run local` runs it,
 * the model a real classifier trained here:
 * - asynchronous inference: ASYNC_REQUESTS queued requests, all answered; requests/s and time to result p50/p99
 *   (from the 202 to the output object first listed in S3); then the same with the server killed (SIGKILL) in
 *   the middle and restarted on its state folder: how many are answered, and that none was answered twice;
 * - serverless: the cold start (first request after the idle time) p50 over COLD_STARTS, and warm p50 against a
 *   real-time endpoint's p50 with the same model.
 *
 * Env: ASYNC_REQUESTS (default 1000), COLD_STARTS (default 10), WARM_REQUESTS (default 500).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import {
  type AsyncInferenceConfig,
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  type ProductionVariant,
  SageMakerClient,
  waitUntilEndpointInService,
} from "@aws-sdk/client-sagemaker";
import {
  InvokeEndpointAsyncCommand,
  InvokeEndpointCommand,
  SageMakerRuntimeClient,
} from "@aws-sdk/client-sagemaker-runtime";
import * as tar from "tar";
import { saveTinySentimentModel } from "../support/tiny-sentiment";
import { loadAverage, machine, percentile } from "./report";
import { type ServerProcess, startServerProcess } from "./server-process";

const ASYNC_REQUESTS = Number(process.env.ASYNC_REQUESTS ?? 1000);
const COLD_STARTS = Number(process.env.COLD_STARTS ?? 10);
const WARM_REQUESTS = Number(process.env.WARM_REQUESTS ?? 500);
const IDLE_SECONDS = 1;
const BUCKET = "bench-serving";
const REVIEW = "배우들 연기가 정말 좋았고 마지막 장면에서 감동받았어요";
const ROLE = "arn:aws:iam::000000000000:role/bench";
const IMAGE =
  "763104351884.dkr.ecr.ap-northeast-2.amazonaws.com/huggingface-pytorch-inference:2.1.0-transformers4.37.0-cpu-py310-ubuntu22.04";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

interface Clients {
  sm: SageMakerClient;
  runtime: SageMakerRuntimeClient;
  s3: S3Client;
}

function clientsOf(server: ServerProcess): Clients {
  const config = { endpoint: server.url, region: "ap-northeast-2", credentials: server.credentials };
  return {
    sm: new SageMakerClient(config),
    runtime: new SageMakerRuntimeClient(config),
    s3: new S3Client({ ...config, forcePathStyle: true }),
  };
}

async function modelArchive(): Promise<Buffer> {
  const dir = saveTinySentimentModel();
  const file = `${dir}.tar.gz`;
  await tar.c({ gzip: true, file, cwd: dir }, readdirSync(dir));
  const archive = readFileSync(file);
  rmSync(dir, { recursive: true, force: true });
  rmSync(file);
  return archive;
}

async function createEndpoint(
  clients: Clients,
  name: string,
  variant: Partial<ProductionVariant>,
  extra: { AsyncInferenceConfig?: AsyncInferenceConfig } = {},
): Promise<void> {
  await clients.sm.send(
    new CreateModelCommand({
      ModelName: name,
      ExecutionRoleArn: ROLE,
      PrimaryContainer: { Image: IMAGE, ModelDataUrl: `s3://${BUCKET}/model.tar.gz` },
    }),
  );
  await clients.sm.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: name,
      ProductionVariants: [{ VariantName: "AllTraffic", ModelName: name, ...variant }],
      ...extra,
    }),
  );
  await clients.sm.send(new CreateEndpointCommand({ EndpointName: name, EndpointConfigName: name }));
  await waitUntilEndpointInService(
    { client: clients.sm, maxWaitTime: 120, minDelay: 0.2, maxDelay: 1 },
    { EndpointName: name },
  );
}

/** Sends the async requests 16 at a time; returns when each was accepted, by its output key. */
async function sendAsync(clients: Clients, endpoint: string, count: number): Promise<Map<string, number>> {
  const accepted = new Map<string, number>();
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < count) {
        next++;
        const answer = await clients.runtime.send(
          new InvokeEndpointAsyncCommand({
            EndpointName: endpoint,
            InputLocation: `s3://${BUCKET}/async/input.json`,
            ContentType: "application/json",
          }),
        );
        accepted.set((answer.OutputLocation as string).replace(`s3://${BUCKET}/`, ""), performance.now());
      }
    }),
  );
  return accepted;
}

async function listOutputs(clients: Clients, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let ContinuationToken: string | undefined;
  do {
    const page = await clients.s3.send(
      new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix, ContinuationToken }),
    );
    for (const item of page.Contents ?? []) if (item.Key) keys.push(item.Key);
    ContinuationToken = page.NextContinuationToken;
  } while (ContinuationToken);
  return keys;
}

/** Lists the output prefix every 20 ms until `expected` keys are there; when each was first seen. */
async function watchOutputs(
  clients: Clients,
  prefix: string,
  expected: number,
  seen = new Map<string, number>(),
  stopWhen: (seen: Map<string, number>) => boolean = (s) => s.size >= expected,
  timeoutMs = 300_000,
): Promise<Map<string, number>> {
  const deadline = Date.now() + timeoutMs;
  while (!stopWhen(seen)) {
    if (Date.now() > deadline)
      throw new Error(`only ${seen.size} of ${expected} outputs after ${timeoutMs / 1000} s`);
    for (const key of await listOutputs(clients, prefix))
      if (!seen.has(key)) seen.set(key, performance.now());
    await sleep(20);
  }
  return seen;
}

async function asyncRun(stateDir: string): Promise<[string, string][]> {
  const rows: [string, string][] = [];
  let server = await startServerProcess(stateDir);
  let clients = clientsOf(server);
  try {
    await createEndpoint(
      clients,
      "bench-async",
      { InstanceType: "ml.m5.large", InitialInstanceCount: 1 },
      {
        AsyncInferenceConfig: {
          OutputConfig: {
            S3OutputPath: `s3://${BUCKET}/async/out`,
            S3FailurePath: `s3://${BUCKET}/async/failed`,
          },
          ClientConfig: { MaxConcurrentInvocationsPerInstance: 4 },
        },
      },
    );
    const begun = performance.now();
    const accepted = await sendAsync(clients, "bench-async", ASYNC_REQUESTS);
    const seen = await watchOutputs(clients, "async/out/", ASYNC_REQUESTS);
    const seconds = (performance.now() - begun) / 1000;
    const times = [...accepted].map(([key, at]) => (seen.get(key) as number) - at);
    rows.push(
      [`async: ${ASYNC_REQUESTS} requests answered`, `${seen.size}`],
      ["async: requests/s (first 202 to last output)", `${(ASYNC_REQUESTS / seconds).toFixed(0)}`],
      ["async: time to result p50", `${percentile(times, 50).toFixed(0)} ms`],
      ["async: time to result p99", `${percentile(times, 99).toFixed(0)} ms`],
    );

    // The same again, the server killed with the requests queued.
    const prefix = "async/out/";
    const before = new Set(seen.keys());
    const second = await sendAsync(clients, "bench-async", ASYNC_REQUESTS);
    const killedAt = await watchOutputs(clients, prefix, 0, new Map(), (s) => {
      const fresh = [...s.keys()].filter((key) => !before.has(key)).length;
      return fresh >= ASYNC_REQUESTS / 3;
    });
    // What is answered now is stamped before the kill: an answer given twice would change its stamp.
    const answeredBeforeKill = [...(await listOutputs(clients, prefix))].filter((key) => !before.has(key));
    const stamps = new Map<string, string>();
    for (const key of answeredBeforeKill) {
      const head = await clients.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
      stamps.set(key, `${head.ETag}@${head.LastModified?.toISOString()}`);
    }
    const pid = server.child.pid as number;
    server.child.kill("SIGKILL");
    while (alive(pid)) await sleep(20);
    for (const client of Object.values(clients)) client.destroy();
    const restartBegun = performance.now();
    server = await startServerProcess(stateDir);
    clients = clientsOf(server);
    await watchOutputs(clients, prefix, before.size + ASYNC_REQUESTS, new Map(killedAt));
    const all = await listOutputs(clients, prefix);
    const fresh = all.filter((key) => !before.has(key));
    let twice = 0;
    for (const [key, stamp] of stamps) {
      const head = await clients.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
      if (`${head.ETag}@${head.LastModified?.toISOString()}` !== stamp) twice++;
    }
    const expected = [...second.keys()].every((key) => fresh.includes(key));
    rows.push(
      ["async, killed mid-way: answered (and stamped) before the kill", `${answeredBeforeKill.length}`],
      [
        "async, killed mid-way: answered after the restart",
        `${fresh.length} of ${ASYNC_REQUESTS}${expected ? "" : " (some missing!)"}`,
      ],
      ["async, killed mid-way: answered twice", `${twice}`],
      [
        "async, killed mid-way: restart to last answer",
        `${((performance.now() - restartBegun) / 1000).toFixed(1)} s`,
      ],
    );
  } finally {
    for (const client of Object.values(clients)) client.destroy();
    await server.stop();
  }
  return rows;
}

async function serverlessRun(stateDir: string): Promise<[string, string][]> {
  process.env.LOCAL_SAGEMAKER_SERVERLESS_IDLE_SECONDS = String(IDLE_SECONDS);
  const server = await startServerProcess(stateDir);
  const clients = clientsOf(server);
  const invoke = async (EndpointName: string): Promise<number> => {
    const started = performance.now();
    await clients.runtime.send(
      new InvokeEndpointCommand({
        EndpointName,
        ContentType: "application/json",
        Body: JSON.stringify({ inputs: REVIEW }),
      }),
    );
    return performance.now() - started;
  };
  try {
    await createEndpoint(clients, "bench-serverless", {
      ServerlessConfig: { MemorySizeInMB: 2048, MaxConcurrency: 2 },
    });
    await createEndpoint(clients, "bench-realtime", { InstanceType: "ml.m5.large", InitialInstanceCount: 1 });
    const cold: number[] = [];
    for (let i = 0; i < COLD_STARTS; i++) {
      cold.push(await invoke("bench-serverless"));
      await sleep((IDLE_SECONDS + 1) * 1000); // the container goes; the next request is cold again
    }
    await invoke("bench-serverless");
    const warm: number[] = [];
    const realtime: number[] = [];
    for (let i = 0; i < 200; i++) {
      await invoke("bench-serverless");
      await invoke("bench-realtime");
    }
    for (let i = 0; i < WARM_REQUESTS; i++) {
      warm.push(await invoke("bench-serverless"));
      realtime.push(await invoke("bench-realtime"));
    }
    const warmP50 = percentile(warm, 50);
    const realtimeP50 = percentile(realtime, 50);
    return [
      [`serverless: cold start p50 (${COLD_STARTS} cold starts)`, `${percentile(cold, 50).toFixed(0)} ms`],
      ["serverless: cold start worst", `${Math.max(...cold).toFixed(0)} ms`],
      [`serverless: warm p50 (${WARM_REQUESTS} requests)`, `${warmP50.toFixed(2)} ms`],
      ["real-time endpoint: p50 (same model, interleaved)", `${realtimeP50.toFixed(2)} ms`],
      ["serverless warm vs real-time", `${(((warmP50 - realtimeP50) / realtimeP50) * 100).toFixed(1)}%`],
    ];
  } finally {
    for (const client of Object.values(clients)) client.destroy();
    await server.stop();
  }
}

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const before = loadAverage();
  const archive = await modelArchive();
  const rows: [string, string][] = [];
  for (const run of [asyncRun, serverlessRun]) {
    const stateDir = mkdtempSync(join(tmpdir(), "bench-serving-"));
    try {
      // Each run gets a fresh server; the bucket and model go in through a short-lived one.
      const seed = await startServerProcess(stateDir);
      const clients = clientsOf(seed);
      await clients.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
      await clients.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "model.tar.gz", Body: archive }));
      await clients.s3.send(
        new PutObjectCommand({
          Bucket: BUCKET,
          Key: "async/input.json",
          Body: JSON.stringify({ inputs: REVIEW }),
        }),
      );
      for (const client of Object.values(clients)) client.destroy();
      await seed.stop();
      rows.push(...(await run(stateDir)));
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  }
  const width = Math.max(...rows.map(([name]) => name.length));
  console.log("\nLocal SageMaker serving-pattern benchmark");
  console.log(`machine: ${machine()}`);
  console.log(`load average before: ${before}; after: ${loadAverage()}\n`);
  for (const [name, value] of rows) console.log(`${name.padEnd(width)} | ${value}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
