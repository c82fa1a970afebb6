/**
 * Local SageMaker hosting benchmark (`npm run bench:local`): CreateEndpoint → InService, InvokeEndpoint latency for
 * one review through the JS SDK, and requests/s with 8 concurrent callers. The server runs in its own process, as
 * `npm run local` runs it; the model is a real classifier trained here by trainClassifier.
 *
 * The runtime client is set up as a caller that wants throughput would set it up: a keep-alive agent with a socket per
 * concurrent caller, and `cacheMiddleware` (the SDK then builds its middleware chain once per command class instead of
 * on every send). The same load also runs through a plain node:http client, so the SDK's own share of the CPU shows.
 *
 * Env: BENCH_REQUESTS (sequential calls, default 3000), BENCH_SECONDS (throughput run, default 5),
 *      BENCH_CREATES (endpoint creations timed, default 5).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { Agent, request } from "node:http";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DeleteEndpointCommand,
  DescribeEndpointCommand,
  SageMakerClient,
  waitUntilEndpointDeleted,
} from "@aws-sdk/client-sagemaker";
import { InvokeEndpointCommand, SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import * as tar from "tar";
import { signHeaders } from "../support/sigv4-sign";
import { saveTinySentimentModel } from "../support/tiny-sentiment";
import { loadAverage, machine, percentile } from "./report";
import { startServerProcess } from "./server-process";

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 3000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CREATES = Number(process.env.BENCH_CREATES ?? 5);
const CONCURRENCY = 8;
const WARM_UP = 1000;
const REVIEW = "배우들 연기가 정말 좋았고 마지막 장면에서 감동받았어요";

async function modelArchive(): Promise<Buffer> {
  const dir = saveTinySentimentModel();
  const file = `${dir}.tar.gz`;
  await tar.c({ gzip: true, file, cwd: dir }, readdirSync(dir));
  const archive = readFileSync(file);
  rmSync(dir, { recursive: true, force: true });
  rmSync(file);
  return archive;
}

/** CPU seconds (user + system) a process has used, from /proc: the server and container are other processes. */
function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return Number.NaN;
  }
}
const CLOCK_TICKS = 100;

interface Throughput {
  perSecond: number;
  /** CPU milliseconds per request, by process. */
  cpuMs: { client: number; server: number; container: number };
}

/** CONCURRENCY callers, each sending its next request when its last one is answered, for SECONDS. */
async function measureThroughput(
  call: () => Promise<unknown>,
  pids: { server: number | undefined; container: number },
): Promise<Throughput> {
  const before = {
    client: process.cpuUsage(),
    server: cpuSeconds(pids.server),
    container: cpuSeconds(pids.container),
  };
  let completed = 0;
  const started = performance.now();
  const deadline = started + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < deadline) {
        await call();
        completed++;
      }
    }),
  );
  const perSecond = completed / ((performance.now() - started) / 1000);
  const client = process.cpuUsage(before.client);
  return {
    perSecond,
    cpuMs: {
      client: (client.user + client.system) / 1000 / completed,
      server: ((cpuSeconds(pids.server) - before.server) * 1000) / completed,
      container: ((cpuSeconds(pids.container) - before.container) * 1000) / completed,
    },
  };
}

function cpuRows(clientName: string, run: Throughput): [string, string, string][] {
  return [
    [`CPU per request: ${clientName}`, `${run.cpuMs.client.toFixed(3)} ms`, ""],
    ["CPU per request: local SageMaker server", `${run.cpuMs.server.toFixed(3)} ms`, ""],
    ["CPU per request: inference container", `${run.cpuMs.container.toFixed(3)} ms`, ""],
    [
      "CPU per request: all three",
      `${(run.cpuMs.client + run.cpuMs.server + run.cpuMs.container).toFixed(3)} ms`,
      `≤ ${((cpus().length * 1000) / 2000).toFixed(3)} ms for 2,000/s on ${cpus().length} cores`,
    ],
  ];
}

/** InvokeEndpoint as raw HTTP: what the SDK sends (signed the same way), minus the middleware around it. */
function plainInvoke(
  url: string,
  body: string,
  agent: Agent,
  credentials: { accessKeyId: string; secretAccessKey: string },
): Promise<void> {
  return new Promise((resolveCall, reject) => {
    const payload = Buffer.from(body);
    const target = new URL(url);
    const headers = signHeaders({
      method: "POST",
      host: target.host,
      path: target.pathname,
      service: "sagemaker",
      region: "ap-northeast-2",
      body: payload,
      credentials,
      headers: { "Content-Type": "application/json", "Content-Length": String(payload.length) },
    });
    const call = request(
      url,
      {
        method: "POST",
        agent,
        headers,
      },
      (response) => {
        response.resume();
        response.on("end", () =>
          response.statusCode === 200 ? resolveCall() : reject(new Error(`HTTP ${response.statusCode}`)),
        );
      },
    );
    call.on("error", reject);
    call.end(payload);
  });
}

async function main(): Promise<void> {
  const loadBefore = loadAverage();
  const stateDir = mkdtempSync(join(tmpdir(), "bench-local-"));
  const server = await startServerProcess(stateDir);
  const { url, child, credentials } = server;
  const config = { endpoint: url, region: "ap-northeast-2", credentials };
  const sm = new SageMakerClient(config);
  const runtime = new SageMakerRuntimeClient({
    ...config,
    cacheMiddleware: true,
    requestHandler: { httpAgent: new Agent({ keepAlive: true, maxSockets: CONCURRENCY }) },
  });
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  try {
    await s3.send(new CreateBucketCommand({ Bucket: "bench" }));
    await s3.send(
      new PutObjectCommand({ Bucket: "bench", Key: "model/model.tar.gz", Body: await modelArchive() }),
    );
    await sm.send(
      new CreateModelCommand({
        ModelName: "bench",
        PrimaryContainer: { Image: "ko-sagemaker/inference", ModelDataUrl: "s3://bench/model/model.tar.gz" },
      }),
    );
    await sm.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: "bench",
        ProductionVariants: [
          {
            VariantName: "AllTraffic",
            ModelName: "bench",
            InitialInstanceCount: 1,
            InstanceType: "ml.m5.large",
          },
        ],
      }),
    );

    // CreateEndpoint → InService, polled every 10 ms (the SDK waiter polls at most once a second).
    const createSeconds: number[] = [];
    for (let round = 0; round < CREATES; round++) {
      const name = `bench-${round}`;
      const started = performance.now();
      await sm.send(new CreateEndpointCommand({ EndpointName: name, EndpointConfigName: "bench" }));
      for (;;) {
        const status = (await sm.send(new DescribeEndpointCommand({ EndpointName: name }))).EndpointStatus;
        if (status === "InService") break;
        if (status === "Failed") throw new Error(`endpoint ${name} failed`);
        await new Promise((resolveWait) => setTimeout(resolveWait, 10));
      }
      createSeconds.push((performance.now() - started) / 1000);
      if (round < CREATES - 1) {
        await sm.send(new DeleteEndpointCommand({ EndpointName: name }));
        await waitUntilEndpointDeleted({ client: sm, maxWaitTime: 60, minDelay: 1 }, { EndpointName: name });
      }
    }
    const endpoint = `bench-${CREATES - 1}`;
    const body = JSON.stringify({ inputs: REVIEW });
    const invoke = () =>
      runtime.send(
        new InvokeEndpointCommand({ EndpointName: endpoint, ContentType: "application/json", Body: body }),
      );
    const answer = JSON.parse(Buffer.from((await invoke()).Body ?? []).toString());

    // The first few hundred calls run before the JIT has compiled the SDK's and the servers' hot paths.
    for (let i = 0; i < WARM_UP; i++) await invoke();
    const latencies: number[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      const started = performance.now();
      await invoke();
      latencies.push(performance.now() - started);
    }
    latencies.sort((a, b) => a - b);

    const containerPid = Number(
      execFileSync("ps", ["--ppid", String(child.pid), "-o", "pid=,args="], { encoding: "utf8" })
        .split("\n")
        .find((line) => line.includes("containers/inference/main"))
        ?.trim()
        .split(/\s+/)[0],
    );
    const throughput = (call: () => Promise<unknown>) =>
      measureThroughput(call, { server: child.pid, container: containerPid });
    const sdk = await throughput(invoke);
    const plainAgent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const invokePlain = () =>
      plainInvoke(`${url}/endpoints/${endpoint}/invocations`, body, plainAgent, credentials);
    for (let i = 0; i < WARM_UP; i++) await invokePlain();
    const plain = await throughput(invokePlain);
    plainAgent.destroy();

    createSeconds.sort((a, b) => a - b);
    console.log(`\nLocal SageMaker hosting benchmark`);
    console.log(`machine: ${machine()}`);
    console.log(
      `JS SDK client: keep-alive agent with ${CONCURRENCY} sockets and cacheMiddleware, as a caller after throughput sets it up`,
    );
    console.log(`load average before the run: ${loadBefore}; after: ${loadAverage()}`);
    console.log(`answer for "${REVIEW}": ${JSON.stringify(answer)}\n`);
    const rows: [string, string, string][] = [
      [
        `CreateEndpoint → InService (median of ${CREATES})`,
        `${percentile(createSeconds, 50).toFixed(2)} s`,
        "≤ 2 s",
      ],
      [
        `CreateEndpoint → InService (worst of ${CREATES})`,
        `${(createSeconds.at(-1) as number).toFixed(2)} s`,
        "",
      ],
      [`InvokeEndpoint p50 (${REQUESTS} sequential)`, `${percentile(latencies, 50).toFixed(2)} ms`, "≤ 2 ms"],
      [
        `InvokeEndpoint p99 (${REQUESTS} sequential)`,
        `${percentile(latencies, 99).toFixed(2)} ms`,
        "≤ 10 ms",
      ],
      [`requests/s, ${CONCURRENCY} concurrent callers (${SECONDS} s)`, sdk.perSecond.toFixed(0), "≥ 2,000"],
      ...cpuRows("JS SDK client", sdk),
      [`same load, plain node:http client (signing too): requests/s`, plain.perSecond.toFixed(0), ""],
      ...cpuRows("plain node:http client", plain),
    ];
    const width = Math.max(...rows.map((row) => row[0].length));
    console.log(`${"measure".padEnd(width)} | ${"result".padStart(10)} | target`);
    console.log(`${"-".repeat(width)}-|-${"-".repeat(10)}-|-------`);
    for (const [name, value, target] of rows)
      console.log(`${name.padEnd(width)} | ${value.padStart(10)} | ${target}`);
  } finally {
    await sm.send(new DeleteEndpointCommand({ EndpointName: `bench-${CREATES - 1}` })).catch(() => undefined);
    await server.stop();
    for (const client of [sm, runtime, s3]) client.destroy();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
