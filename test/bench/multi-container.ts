/**
 * Multi-container benchmark (`npm run bench:multicontainer`): what several containers cost on local SageMaker.
 * - Serial pipelines of 1, 2 and 3 pass-through containers: InvokeEndpoint p50 (JS SDK and a plain signed node:http
 *   client), the p50 each extra container adds (target ≤ 1 ms), and requests/s with 8 callers (plain client, so the
 *   SDK's own CPU does not hide the server's).
 * - A Direct endpoint of two containers: p50 per container against a single-container endpoint (target within 10%).
 * - A multi-model endpoint: first-load latency of a trained sentiment model (the 2^23-bucket artifact of ~17 MB;
 *   NSMC_DIR trains on NSMC's 150,000 training reviews, else data/prepared, else data/sample), cached p50, and a
 *   reload after the LRU unloaded the model (LOCAL_SAGEMAKER_MME_MAX_MODELS=5: the sixth model unloads the first).
 * The server runs in its own process, as `npm run local` runs it; calls go to the endpoints in turn, one by one, so
 * drift in the machine's load reaches every endpoint alike. No assertions: it prints figures.
 *
 * Env: BENCH_REQUESTS (sequential calls per endpoint and client, default 2000), BENCH_ROUNDS (default 10),
 *      BENCH_SECONDS (throughput run per endpoint, default 3), BENCH_MME_COPIES (default 6), NSMC_DIR.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { Agent, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import {
  type ContainerDefinition,
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  type CreateModelCommandInput,
  DescribeEndpointCommand,
  SageMakerClient,
} from "@aws-sdk/client-sagemaker";
import { InvokeEndpointCommand, SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import * as tar from "tar";
import { loadDataset, nsmcDataset, preparedDataPaths, sampleReviewsPath } from "../../src/data";
import { trainClassifier } from "../../src/model";
import { signHeaders } from "../support/sigv4-sign";
import { loadAverage, machine, percentile } from "./report";
import { startServerProcess } from "./server-process";

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 2000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const MME_COPIES = Number(process.env.BENCH_MME_COPIES ?? 6);
const CONCURRENCY = 8;
const WARM_UP = 300;
const BUCKET = "bench";
const IMAGE = "ko-sagemaker/inference";
const ROLE = "arn:aws:iam::000000000000:role/bench";
const BODY = JSON.stringify({ inputs: "배우들 연기가 정말 좋았고 마지막 장면에서 감동받았어요" });

/** A container that answers what it was sent, with the same content type: the pipeline's own cost, nothing else. */
const PASS_THROUGH = `
export function modelFn() { return null; }
export function transformFn(_model: unknown, body: string | Buffer, contentType: string) {
  return { body, contentType };
}
`;

/** A model.tar.gz holding one handler file. */
async function handlerArchive(source: string): Promise<Buffer> {
  const dir = mkdtempSync(join(tmpdir(), "bench-pass-"));
  mkdirSync(join(dir, "code"));
  writeFileSync(join(dir, "code", "inference.ts"), source);
  const file = `${dir}.tar.gz`;
  await tar.c({ gzip: true, file, cwd: dir, portable: true }, ["code"]);
  const archive = readFileSync(file);
  rmSync(dir, { recursive: true, force: true });
  rmSync(file);
  return archive;
}

interface Training {
  source: string;
  texts: string[];
  labels: string[];
}

/** The largest labelled set at hand: NSMC's training file, lab 3.1's prepared split, or the sample reviews. */
function trainingData(): Training {
  const nsmc = process.env.NSMC_DIR && join(process.env.NSMC_DIR, "ratings_train.txt");
  if (nsmc && existsSync(nsmc)) return { ...nsmcDataset(nsmc), source: "NSMC ratings_train.txt" };
  const prepared = preparedDataPaths().train;
  if (existsSync(prepared)) return { ...loadDataset(prepared), source: "data/prepared/train.tsv" };
  return { ...loadDataset(sampleReviewsPath()), source: "data/sample/reviews.tsv" };
}

/** A sentiment model trained here, as model.tar.gz; with its sizes. */
async function sentimentArchive(): Promise<{
  archive: Buffer;
  artifactBytes: number;
  source: string;
  rows: number;
}> {
  const data = trainingData();
  const started = performance.now();
  const model = trainClassifier(data, { epochs: 2, labelNames: { "0": "negative", "1": "positive" } });
  const dir = mkdtempSync(join(tmpdir(), "bench-mme-model-"));
  model.save(dir);
  const files = readdirSync(dir);
  const artifactBytes = files.reduce((sum, file) => sum + statSync(join(dir, file)).size, 0);
  const file = `${dir}.tar.gz`;
  await tar.c({ gzip: true, file, cwd: dir, portable: true }, files);
  const archive = readFileSync(file);
  rmSync(dir, { recursive: true, force: true });
  rmSync(file);
  console.log(
    `trained on ${data.texts.length} reviews (${data.source}) in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  return { archive, artifactBytes, source: data.source, rows: data.texts.length };
}

interface Endpoint {
  name: string;
  hostname?: string;
}

async function main(): Promise<void> {
  const loadBefore = loadAverage();
  const model = await sentimentArchive();
  const stateDir = mkdtempSync(join(tmpdir(), "bench-multi-container-"));
  const server = await startServerProcess(stateDir);
  const config = { endpoint: server.url, region: "ap-northeast-2", credentials: server.credentials };
  const sm = new SageMakerClient(config);
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  const runtime = new SageMakerRuntimeClient({
    ...config,
    maxAttempts: 1,
    cacheMiddleware: true,
    requestHandler: { httpAgent: new Agent({ keepAlive: true, maxSockets: CONCURRENCY }) },
  });
  const plainAgent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  try {
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: "pass/model.tar.gz",
        Body: await handlerArchive(PASS_THROUGH),
      }),
    );
    const pass = (hostname?: string): ContainerDefinition => ({
      ...(hostname ? { ContainerHostname: hostname } : {}),
      Image: IMAGE,
      ModelDataUrl: `s3://${BUCKET}/pass/model.tar.gz`,
    });

    const endpoint = async (name: string, model: Omit<CreateModelCommandInput, "ModelName">) => {
      await sm.send(new CreateModelCommand({ ModelName: name, ExecutionRoleArn: ROLE, ...model }));
      await sm.send(
        new CreateEndpointConfigCommand({
          EndpointConfigName: name,
          ProductionVariants: [
            {
              VariantName: "AllTraffic",
              ModelName: name,
              InstanceType: "ml.m5.large",
              InitialInstanceCount: 1,
            },
          ],
        }),
      );
      await sm.send(new CreateEndpointCommand({ EndpointName: name, EndpointConfigName: name }));
      for (;;) {
        const described = await sm.send(new DescribeEndpointCommand({ EndpointName: name }));
        if (described.EndpointStatus === "InService") return name;
        if (described.EndpointStatus === "Failed") throw new Error(`${name}: ${described.FailureReason}`);
        await new Promise((resolveWait) => setTimeout(resolveWait, 20));
      }
    };
    const single = await endpoint("single", { PrimaryContainer: pass() });
    const serial2 = await endpoint("serial-2", { Containers: [pass("s1"), pass("s2")] });
    const serial3 = await endpoint("serial-3", { Containers: [pass("s1"), pass("s2"), pass("s3")] });
    const direct = await endpoint("direct-2", {
      Containers: [pass("a"), pass("b")],
      InferenceExecutionConfig: { Mode: "Direct" },
    });

    const sdkCall = (target: Endpoint) => () =>
      runtime.send(
        new InvokeEndpointCommand({
          EndpointName: target.name,
          ContentType: "application/json",
          Body: BODY,
          TargetContainerHostname: target.hostname,
        }),
      );
    const plainCall = (target: Endpoint) => () =>
      plainInvoke(server.url, target, plainAgent, server.credentials);

    // Every endpoint and client warmed up first (the JIT, the sockets).
    const targets: { label: string; target: Endpoint }[] = [
      { label: "1 container", target: { name: single } },
      { label: "2 containers (Serial)", target: { name: serial2 } },
      { label: "3 containers (Serial)", target: { name: serial3 } },
      { label: "Direct, container a", target: { name: direct, hostname: "a" } },
      { label: "Direct, container b", target: { name: direct, hostname: "b" } },
    ];
    const latencies = new Map<string, { sdk: number[]; plain: number[] }>();
    for (const { label, target } of targets) {
      latencies.set(label, { sdk: [], plain: [] });
      for (let i = 0; i < WARM_UP; i++) {
        await sdkCall(target)();
        await plainCall(target)();
      }
    }
    // Call by call, every endpoint in turn (SDK, then plain), so a burst of load elsewhere reaches all of them alike.
    const perRound = Math.ceil(REQUESTS / ROUNDS);
    const calls = targets.map(({ label, target }) => ({
      runs: latencies.get(label) as { sdk: number[]; plain: number[] },
      sdk: sdkCall(target),
      plain: plainCall(target),
    }));
    for (let round = 0; round < ROUNDS; round++) {
      for (const kind of ["sdk", "plain"] as const) {
        for (let i = 0; i < perRound; i++) {
          for (const call of calls) {
            const started = performance.now();
            await call[kind]();
            call.runs[kind].push(performance.now() - started);
          }
        }
      }
    }
    const p50 = (label: string, kind: "sdk" | "plain") => percentile(latencies.get(label)?.[kind] ?? [], 50);

    const throughput = async (call: () => Promise<unknown>): Promise<number> => {
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
      return completed / ((performance.now() - started) / 1000);
    };
    const perSecond = new Map<string, number>();
    for (const { label, target } of targets.slice(0, 3))
      perSecond.set(label, await throughput(plainCall(target)));

    // Multi-model: copies of the trained archive under one prefix; each first call is a real download and load.
    const names = Array.from({ length: MME_COPIES }, (_, i) => `sentiment-${i}.tar.gz`);
    for (const name of names) {
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `mme/${name}`, Body: model.archive }));
    }
    const mme = await endpoint("mme", {
      PrimaryContainer: { Image: IMAGE, Mode: "MultiModel", ModelDataUrl: `s3://${BUCKET}/mme/` },
    });
    const timed = async (name: string) => {
      const started = performance.now();
      await runtime.send(
        new InvokeEndpointCommand({
          EndpointName: mme,
          ContentType: "application/json",
          Body: BODY,
          TargetModel: name,
        }),
      );
      return performance.now() - started;
    };
    const firstLoads: number[] = [];
    for (const name of names) firstLoads.push(await timed(name));
    const cached: number[] = [];
    const last = names.at(-1) as string;
    for (let i = 0; i < WARM_UP; i++) await timed(last);
    for (let i = 0; i < REQUESTS; i++) cached.push(await timed(last));
    // With more copies than LOCAL_SAGEMAKER_MME_MAX_MODELS (5), the first was unloaded: it loads again (from disk).
    const reload = MME_COPIES > 5 ? await timed(names[0] as string) : undefined;

    console.log("\nLocal SageMaker multi-container benchmark");
    console.log(`machine: ${machine()}`);
    console.log(`load average before: ${loadBefore}; after: ${loadAverage()}`);
    console.log(
      `${REQUESTS} sequential InvokeEndpoint calls per endpoint and client in turn, in ${ROUNDS} rounds (after ${WARM_UP} warm-up calls); requests/s: ${CONCURRENCY} callers for ${SECONDS} s, plain signed node:http client\n`,
    );
    const rows: string[][] = targets.map(({ label }) => [
      label,
      `${p50(label, "sdk").toFixed(3)} ms`,
      `${p50(label, "plain").toFixed(3)} ms`,
      perSecond.has(label) ? (perSecond.get(label) as number).toFixed(0) : "",
    ]);
    printTable(["endpoint", "p50, JS SDK", "p50, plain http", "requests/s"], rows);

    const added = (kind: "sdk" | "plain") =>
      (p50("3 containers (Serial)", kind) - p50("1 container", kind)) / 2;
    const step = (kind: "sdk" | "plain", from: string, to: string) => p50(to, kind) - p50(from, kind);
    console.log("");
    printTable(
      ["Serial: p50 added per extra container", "JS SDK", "plain http", "target"],
      [
        [
          "1 → 2 containers",
          `${step("sdk", "1 container", "2 containers (Serial)").toFixed(3)} ms`,
          `${step("plain", "1 container", "2 containers (Serial)").toFixed(3)} ms`,
          "",
        ],
        [
          "2 → 3 containers",
          `${step("sdk", "2 containers (Serial)", "3 containers (Serial)").toFixed(3)} ms`,
          `${step("plain", "2 containers (Serial)", "3 containers (Serial)").toFixed(3)} ms`,
          "",
        ],
        [
          "per container, (3 − 1) / 2",
          `${added("sdk").toFixed(3)} ms`,
          `${added("plain").toFixed(3)} ms`,
          `≤ 1 ms (${Math.max(added("sdk"), added("plain")) <= 1 ? "met" : "missed"})`,
        ],
      ],
    );
    const ratio = (kind: "sdk" | "plain", label: string) => p50(label, kind) / p50("1 container", kind);
    console.log("");
    printTable(
      ["Direct: p50 / single-container p50", "JS SDK", "plain http", "target"],
      ["Direct, container a", "Direct, container b"].map((label) => {
        const worst = Math.max(Math.abs(ratio("sdk", label) - 1), Math.abs(ratio("plain", label) - 1));
        return [
          label,
          ratio("sdk", label).toFixed(3),
          ratio("plain", label).toFixed(3),
          `within 10% (${worst <= 0.1 ? "met" : "missed"})`,
        ];
      }),
    );
    console.log("");
    console.log(
      `multi-model: ${MME_COPIES} copies of a sentiment model trained on ${model.rows} reviews (${model.source}): artifact ${(model.artifactBytes / 1e6).toFixed(1)} MB (config.json + weights.bin), model.tar.gz ${(model.archive.length / 1e6).toFixed(1)} MB`,
    );
    printTable(
      ["multi-model endpoint, JS SDK", "latency"],
      [
        [
          `first call per model (download + extract + load + predict), median of ${MME_COPIES}`,
          `${percentile(firstLoads, 50).toFixed(1)} ms`,
        ],
        [
          "first call per model, fastest / slowest",
          `${Math.min(...firstLoads).toFixed(1)} / ${Math.max(...firstLoads).toFixed(1)} ms`,
        ],
        [`cached p50 (${REQUESTS} calls, model loaded)`, `${percentile(cached, 50).toFixed(3)} ms`],
        [`cached p99`, `${percentile(cached, 99).toFixed(3)} ms`],
        ...(reload === undefined
          ? []
          : [
              [
                "reload after the LRU unloaded it (archive already on the instance)",
                `${reload.toFixed(1)} ms`,
              ],
            ]),
      ],
    );
  } finally {
    await server.stop();
    plainAgent.destroy();
    for (const client of [sm, s3, runtime]) client.destroy();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

/** InvokeEndpoint as raw HTTP, signed as the SDK signs it (the hostname header included). */
function plainInvoke(
  url: string,
  target: Endpoint,
  agent: Agent,
  credentials: { accessKeyId: string; secretAccessKey: string },
): Promise<void> {
  return new Promise((resolveCall, reject) => {
    const payload = Buffer.from(BODY);
    const address = new URL(`${url}/endpoints/${target.name}/invocations`);
    const headers = signHeaders({
      method: "POST",
      host: address.host,
      path: address.pathname,
      service: "sagemaker",
      region: "ap-northeast-2",
      body: payload,
      credentials,
      headers: {
        "Content-Type": "application/json",
        "Content-Length": String(payload.length),
        ...(target.hostname ? { "X-Amzn-SageMaker-Target-Container-Hostname": target.hostname } : {}),
      },
    });
    const call = request(address, { method: "POST", agent, headers }, (response) => {
      response.resume();
      response.on("end", () =>
        response.statusCode === 200 ? resolveCall() : reject(new Error(`HTTP ${response.statusCode}`)),
      );
    });
    call.on("error", reject);
    call.end(payload);
  });
}

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]?.length ?? 0)));
  const line = (row: string[]) =>
    row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join(" | ");
  console.log(line(header));
  console.log(widths.map((width) => "-".repeat(width)).join("-|-"));
  for (const row of rows) console.log(line(row));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
