/**
 * What plain Node does on this machine for the InvokeEndpoint path with nothing of ours in it
 * (`npx tsx test/bench/loopback-floor.ts`): a node:http client with 8 concurrent callers → a bare proxy (http server
 * plus keep-alive agent) → a bare backend that answers a fixed JSON body, each in its own process as local SageMaker's
 * server and container are. Compare its CPU per request with the plain-client rows of `npm run bench:local`: the gap
 * is what the server and container add over Node's own HTTP cost.
 *
 * Env: BENCH_SECONDS (per round, default 5).
 */
import { type ChildProcess, fork } from "node:child_process";
import { Agent, createServer, type IncomingMessage, request } from "node:http";
import type { AddressInfo } from "node:net";
import { loadavg } from "node:os";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONCURRENCY = 8;
const ROUNDS = 2;
const ANSWER = Buffer.from('[{"label":"positive","score":0.7189834514706779}]');
const BODY = Buffer.from(
  JSON.stringify({ inputs: "배우들 연기가 정말 좋았고 마지막 장면에서 감동받았어요" }),
);

function readAll(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("end", () => resolveBody(Buffer.concat(chunks)));
    stream.on("error", reject);
  });
}

function post(agent: Agent, port: number, path: string, body: Buffer): Promise<Buffer> {
  return new Promise((resolveCall, reject) => {
    const call = request(
      {
        host: "127.0.0.1",
        port,
        path,
        method: "POST",
        agent,
        headers: { "Content-Type": "application/json", "Content-Length": body.length },
      },
      (response) => readAll(response).then(resolveCall, reject),
    );
    call.on("error", reject);
    call.end(body);
  });
}

/** The child side: serve as "backend" or "proxy", report the port, answer CPU-usage questions. */
function serveAs(role: string, backendPort: number): void {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const server = createServer((req, res) => {
    void readAll(req).then(async (body) => {
      const answer = role === "proxy" ? await post(agent, backendPort, "/invocations", body) : ANSWER;
      res.writeHead(200, { "Content-Type": "application/json", "Content-Length": answer.length });
      res.end(answer);
    });
  });
  server.listen(0, "127.0.0.1", () => process.send?.((server.address() as AddressInfo).port));
  process.on("message", () => process.send?.(process.cpuUsage()));
  process.on("disconnect", () => process.exit(0));
}

function ask<T>(child: ChildProcess, message?: string): Promise<T> {
  return new Promise((resolveAnswer) => {
    child.once("message", (answer) => resolveAnswer(answer as T));
    if (message !== undefined) child.send(message);
  });
}

const cpuMs = (usage: NodeJS.CpuUsage): number => (usage.user + usage.system) / 1000;

async function main(): Promise<void> {
  const backend = fork(__filename, ["backend"]);
  const backendPort = await ask<number>(backend);
  const proxy = fork(__filename, ["proxy", String(backendPort)]);
  const proxyPort = await ask<number>(proxy);
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const invoke = () => post(agent, proxyPort, "/endpoints/floor/invocations", BODY);
  try {
    for (let i = 0; i < 1000; i++) await invoke();
    console.log(
      `load average before: ${loadavg()
        .map((load) => load.toFixed(2))
        .join(", ")}`,
    );
    for (let round = 0; round < ROUNDS; round++) {
      const before = {
        client: process.cpuUsage(),
        proxy: await ask<NodeJS.CpuUsage>(proxy, "cpu"),
        backend: await ask<NodeJS.CpuUsage>(backend, "cpu"),
      };
      let completed = 0;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (performance.now() < started + SECONDS * 1000) {
            await invoke();
            completed++;
          }
        }),
      );
      const perSecond = completed / ((performance.now() - started) / 1000);
      const client = cpuMs(process.cpuUsage(before.client)) / completed;
      const proxyCpu = (cpuMs(await ask(proxy, "cpu")) - cpuMs(before.proxy)) / completed;
      const backendCpu = (cpuMs(await ask(backend, "cpu")) - cpuMs(before.backend)) / completed;
      console.log(
        `round ${round + 1}: ${perSecond.toFixed(0)} requests/s, ${CONCURRENCY} callers; CPU per request: client ${client.toFixed(3)} ms, bare proxy ${proxyCpu.toFixed(3)} ms, bare backend ${backendCpu.toFixed(3)} ms`,
      );
    }
    console.log(
      `load average after: ${loadavg()
        .map((load) => load.toFixed(2))
        .join(", ")}`,
    );
  } finally {
    agent.destroy();
    proxy.kill();
    backend.kill();
  }
}

const role = process.argv[2];
if (role) serveAs(role, Number(process.argv[3]));
else
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
