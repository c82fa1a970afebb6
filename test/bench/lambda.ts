/**
 * Local Lambda benchmark (`npm run bench:lambda`), through @aws-sdk/client-lambda: the cold start (CreateFunction →
 * first answer, the function polled with GetFunctionConfiguration until Active), warm Invoke latency, and
 * requests/s with 8 concurrent callers. The server runs in its own process from dist/ (built first), as the labs
 * start it, so execution environments run compiled JavaScript too.
 *
 * Env: BENCH_REQUESTS (sequential warm calls, default 2000), BENCH_SECONDS (throughput run, default 5),
 *      BENCH_CREATES (cold starts timed, default 5).
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { Agent } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import {
  CreateFunctionCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  LambdaClient,
} from "@aws-sdk/client-lambda";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { localCredentialsFile, readLocalCredentials } from "../../src/common/local-credentials";
import { lambdaHandlerDir } from "../../src/labs/lambda";
import { packLambdaZip } from "../../src/sagemaker/lambda";
import { zipOf } from "../support/lambda-zips";
import { saveTinySentimentModel } from "../support/tiny-sentiment";
import { loadAverage, machine, percentile } from "./report";

const ROOT = resolve(__dirname, "../..");
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 2000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CREATES = Number(process.env.BENCH_CREATES ?? 5);
const CONCURRENCY = 8;
const WARM_UP = 500;
const ROLE = "arn:aws:iam::000000000000:role/bench";
const ECHO = "exports.handler = async (event) => ({ statusCode: 200, body: JSON.stringify(event) });";

async function startServer(stateDir: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    [join(ROOT, "dist/local/cli.js"), "--port", "0", "--state-dir", stateDir],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const url = await new Promise<string>((resolveUrl, reject) => {
    let out = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /http:\/\/127\.0\.0\.1:\d+/.exec(out);
      if (match) resolveUrl(match[0]);
    });
    child.once("exit", (code) => reject(new Error(`local SageMaker exited (${code}) before it was ready`)));
  });
  return { url, child };
}

/** CreateFunction → Active (polled every 5 ms) → the first answer, in milliseconds. */
async function coldStart(lambda: LambdaClient, name: string, zip: Buffer, memory: number): Promise<number> {
  const started = performance.now();
  await lambda.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: "nodejs22.x",
      Handler: "index.handler",
      Role: ROLE,
      MemorySize: memory,
      Code: { ZipFile: zip },
    }),
  );
  for (;;) {
    const config = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
    if (config.State === "Active") break;
    if (config.State === "Failed") throw new Error(`${name} failed: ${config.StateReason}`);
    await new Promise((done) => setTimeout(done, 5));
  }
  const answer = await lambda.send(
    new InvokeCommand({ FunctionName: name, Payload: Buffer.from('{"inputs":"좋아요"}') }),
  );
  if (answer.FunctionError)
    throw new Error(`${name} answered ${Buffer.from(answer.Payload ?? []).toString()}`);
  return performance.now() - started;
}

async function main(): Promise<void> {
  execFileSync("npm", ["run", "build"], { cwd: ROOT, stdio: "ignore" });
  const stateDir = mkdtempSync(join(tmpdir(), "bench-lambda-"));
  const { url, child } = await startServer(stateDir);
  const credentials = readLocalCredentials(localCredentialsFile(stateDir));
  const lambda = new LambdaClient({
    endpoint: url,
    region: "ap-northeast-2",
    credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey },
    maxAttempts: 1,
    // The SDK builds its middleware chain once per command class instead of on every send.
    cacheMiddleware: true,
    requestHandler: new NodeHttpHandler({
      httpAgent: new Agent({ keepAlive: true, maxSockets: CONCURRENCY }),
    }),
  });
  const loadBefore = loadAverage();
  try {
    const echoZip = zipOf({ "index.js": ECHO });
    const modelDir = saveTinySentimentModel();
    const modelZip = packLambdaZip(lambdaHandlerDir(), modelDir);
    rmSync(modelDir, { recursive: true, force: true });
    const echoColds: number[] = [];
    const modelColds: number[] = [];
    for (let i = 0; i < CREATES; i++) {
      echoColds.push(await coldStart(lambda, `echo-${i}`, echoZip, 128));
      modelColds.push(await coldStart(lambda, `sentiment-${i}`, modelZip, 1024));
    }

    const invoke = (name: string) => () =>
      lambda.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from('{"inputs":"좋아요"}') }));
    const echo = invoke("echo-0");
    for (let i = 0; i < WARM_UP; i++) await echo();
    const latencies: number[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      const started = performance.now();
      await echo();
      latencies.push(performance.now() - started);
    }
    const sentiment = invoke("sentiment-0");
    for (let i = 0; i < WARM_UP; i++) await sentiment();
    const modelLatencies: number[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      const started = performance.now();
      await sentiment();
      modelLatencies.push(performance.now() - started);
    }

    // CONCURRENCY callers, each sending its next call when its last one is answered; the function's environments
    // grow to CONCURRENCY (under the default limit of 10), then every call is warm.
    const throughput = async (call: () => Promise<unknown>): Promise<number> => {
      await Promise.all(Array.from({ length: CONCURRENCY }, () => call()));
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
    const perSecond = await throughput(echo);

    for (const list of [echoColds, modelColds, latencies, modelLatencies]) list.sort((a, b) => a - b);
    console.log("\nLocal Lambda benchmark");
    console.log(`machine: ${machine()}`);
    console.log(
      "server and environments from dist/; JS SDK client with a keep-alive agent and cacheMiddleware",
    );
    console.log(`load average before the run: ${loadBefore}; after: ${loadAverage()}\n`);
    const rows: [string, string, string][] = [
      [
        `cold start, echo handler (median of ${CREATES})`,
        `${percentile(echoColds, 50).toFixed(0)} ms`,
        "≤ 500 ms",
      ],
      [`cold start, echo handler (worst of ${CREATES})`, `${(echoColds.at(-1) as number).toFixed(0)} ms`, ""],
      [
        `cold start, lab 4.4 handler + classifier (median of ${CREATES})`,
        `${percentile(modelColds, 50).toFixed(0)} ms`,
        "",
      ],
      [
        `warm Invoke p50, echo (${REQUESTS} sequential)`,
        `${percentile(latencies, 50).toFixed(2)} ms`,
        "≤ 2 ms",
      ],
      [`warm Invoke p99, echo`, `${percentile(latencies, 99).toFixed(2)} ms`, ""],
      [`warm Invoke p50, classifier`, `${percentile(modelLatencies, 50).toFixed(2)} ms`, ""],
      [`warm Invoke p99, classifier`, `${percentile(modelLatencies, 99).toFixed(2)} ms`, ""],
      [`requests/s, ${CONCURRENCY} concurrent callers, echo (${SECONDS} s)`, perSecond.toFixed(0), ""],
    ];
    const width = Math.max(...rows.map((row) => row[0].length));
    console.log(`${"measure".padEnd(width)} | ${"result".padStart(10)} | target`);
    console.log(`${"-".repeat(width)}-|-${"-".repeat(10)}-|-------`);
    for (const [name, value, target] of rows)
      console.log(`${name.padEnd(width)} | ${value.padStart(10)} | ${target}`);
  } finally {
    child.kill("SIGTERM");
    await new Promise((resolveExit) => child.once("exit", resolveExit));
    lambda.destroy();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
