import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, request } from "node:http";
import { type AddressInfo, connect, createServer as createTcpServer } from "node:net";
import { networkInterfaces, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AwsError } from "../../src/local/core/errors";
import { Gate } from "../../src/local/protocol/gate";
import { serializeJson } from "../../src/local/protocol/json";
import type { ServiceModel } from "../../src/local/protocol/model";
import { awsJsonRoute, Router } from "../../src/local/protocol/routes";
import { type LocalServer, startLocalServer } from "../../src/local/server";
import {
  ensureLocalSageMaker,
  localSageMakerHealth,
  stopLocalSageMaker,
} from "../../src/sagemaker/local-launcher";
import { clientConfig } from "../support/local-clients";
import { signedRequest } from "../support/signed-request";

const ROOT = join(__dirname, "..", "..");
const temporaryDirs: string[] = [];
let server: LocalServer;

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "local-server-"));
  temporaryDirs.push(dir);
  return dir;
}

async function freePort(): Promise<number> {
  const probe = createTcpServer();
  await new Promise<void>((done) => probe.listen(0, "127.0.0.1", done));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((done) => probe.close(() => done()));
  return port;
}

/** Sends raw bytes over TCP and returns whatever comes back before the server closes or 2 s pass. */
function rawExchange(port: number, host: string, bytes: string): Promise<string> {
  return new Promise((done, fail) => {
    const socket = connect(port, host);
    let answer = "";
    socket.setTimeout(2_000, () => socket.destroy());
    socket.on("connect", () => socket.write(bytes));
    socket.on("data", (chunk) => {
      answer += chunk.toString("latin1");
    });
    socket.on("close", () => done(answer));
    socket.on("error", fail);
  });
}

/** A raw awsJson request, signed with the server's key (for the service the target names). */
async function awsJson(
  target: string,
  body: string,
): Promise<{ status: number; errorType: string; json: Record<string, string> }> {
  const answer = await signedRequest(server.url, {
    service: target.startsWith("Logs_") ? "logs" : "sagemaker",
    path: "/",
    headers: { "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": target },
    body,
    credentials: clientConfig(server).credentials,
  });
  return {
    status: answer.status,
    errorType: String(answer.headers["x-amzn-errortype"]),
    json: JSON.parse(answer.text) as Record<string, string>,
  };
}

const signedS3 = (method: string, path: string, headers: Record<string, string> = {}, body?: string) =>
  signedRequest(server.url, {
    service: "s3",
    method,
    path,
    headers,
    body,
    credentials: clientConfig(server).credentials,
  });

beforeAll(async () => {
  server = await startLocalServer({ port: 0, stateDir: tempDir() });
});

afterAll(async () => {
  await server?.close();
  for (const dir of temporaryDirs) rmSync(dir, { recursive: true, force: true });
});

describe("local server", () => {
  it("answers the health check with who it is", async () => {
    const response = await fetch(`${server.url}/_local/health`);
    expect(response.status).toBe(200);
    const health = (await response.json()) as Record<string, unknown>;
    expect(health).toMatchObject({
      service: "local-sagemaker",
      pid: process.pid,
      url: server.url,
      region: "ap-northeast-2",
      accountId: "000000000000",
    });
    // Health is open to anyone on the machine: it must not reveal where the state (and credentials) live.
    expect(JSON.stringify(health)).not.toContain(server.stateDir);
    expect(typeof health.version).toBe("string");
    expect(await localSageMakerHealth(server.url)).toMatchObject({ service: "local-sagemaker" });
  });

  it("listens on 127.0.0.1 only", async () => {
    expect(new URL(server.url).hostname).toBe("127.0.0.1");
    const external = Object.values(networkInterfaces())
      .flat()
      .find((address) => address && !address.internal && address.family === "IPv4");
    if (!external) return; // no other interface on this machine: nothing else to reach
    await expect(
      rawExchange(server.port, external.address, "GET /_local/health HTTP/1.1\r\nHost: x\r\n\r\n"),
    ).rejects.toThrow(/ECONNREFUSED/);
  });

  it("answers malformed awsJson with SerializationException and an unknown operation with UnknownOperationException", async () => {
    const badJson = await awsJson("Logs_20140328.DescribeLogGroups", "{not json");
    expect(badJson.status).toBe(400);
    expect(badJson.errorType).toBe("SerializationException");
    expect(badJson.json.__type).toBe("SerializationException");
    expect(badJson.json.message).toMatch(/not valid JSON/);
    const array = await awsJson("Logs_20140328.DescribeLogGroups", "[1,2]");
    expect(array.json.__type).toBe("SerializationException");
    const deep = await awsJson("SageMaker.ListModels", `${"[".repeat(100_000)}${"]".repeat(100_000)}`);
    expect(deep.status).toBe(400);
    expect(deep.json.message).toMatch(/nests objects or lists more than 64 levels deep/);
    const unknown = await awsJson("Nothing_2020.DoThings", "{}");
    expect(unknown.status).toBe(400);
    expect(unknown.json.message).toContain("Nothing_2020.DoThings");
  });

  it("keeps serving after garbage on the socket and a malformed S3 body", async () => {
    const garbage = await rawExchange(server.port, "127.0.0.1", "THIS IS NOT HTTP\r\n\r\n");
    expect(garbage).toMatch(/^HTTP\/1\.1 400/);
    await signedS3("PUT", "/garbage-bucket");
    const chunked = await signedS3(
      "PUT",
      "/garbage-bucket/key",
      { "Content-Encoding": "aws-chunked", "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER" },
      "zz\r\nnot a chunk",
    );
    expect(chunked.status).toBe(400);
    expect(chunked.text).toContain("<Code>InvalidRequest</Code>");
    const badPath = await signedS3("GET", "/garbage-bucket/%E0%A4%A");
    expect(badPath.text).toContain("<Code>InvalidURI</Code>");
    expect((await fetch(`${server.url}/_local/health`)).status).toBe(200);
  });

  it("refuses a port that is taken, with a message that says so", async () => {
    await expect(startLocalServer({ port: server.port, stateDir: tempDir() })).rejects.toThrow(
      new RegExp(`Port ${server.port} on 127.0.0.1 is already in use`),
    );
  });

  it("refuses a state folder that another live server holds, and takes over a crashed server's lock", async () => {
    const held = tempDir();
    // A lock whose pid is alive (our parent process) stands for a server running elsewhere.
    writeFileSync(
      join(held, "server.lock"),
      JSON.stringify({ pid: process.ppid, url: "http://127.0.0.1:7070" }),
    );
    await expect(startLocalServer({ port: 0, stateDir: held })).rejects.toThrow(
      /state folder .* is in use by another local SageMaker \(pid \d+, http:\/\/127\.0\.0\.1:7070\).*--state-dir/,
    );
    const stale = tempDir();
    writeFileSync(
      join(stale, "server.lock"),
      JSON.stringify({ pid: 2 ** 22 + 1, url: "http://127.0.0.1:1" }),
    );
    const other = await startLocalServer({ port: 0, stateDir: stale });
    expect(JSON.parse(readFileSync(join(stale, "server.lock"), "utf8"))).toEqual({
      pid: process.pid,
      url: other.url,
    });
    await other.close();
    expect(existsSync(join(stale, "server.lock"))).toBe(false);
  });

  it("stops on POST /_local/shutdown and frees its port", async () => {
    let stopped = false;
    const other = await startLocalServer({
      port: 0,
      stateDir: tempDir(),
      onShutdown: () => (stopped = true),
    });
    // Health is open; shutdown needs the state folder's key (or a signed request).
    const stranger = await fetch(`${other.url}/_local/shutdown`, { method: "POST" });
    expect(stranger.status).toBe(403);
    const wrong = await fetch(`${other.url}/_local/shutdown`, {
      method: "POST",
      headers: { "x-local-sagemaker-key": "guess" },
    });
    expect(wrong.status).toBe(403);
    expect(stopped).toBe(false);
    const response = await fetch(`${other.url}/_local/shutdown`, {
      method: "POST",
      headers: { "x-local-sagemaker-key": other.credentials.secretAccessKey },
    });
    expect(response.status).toBe(202);
    for (let i = 0; i < 50 && !stopped; i++) await new Promise((done) => setTimeout(done, 50));
    expect(stopped).toBe(true);
    await expect(fetch(`${other.url}/_local/health`)).rejects.toThrow();
  });
});

describe("awsJson protocol layer", () => {
  it("turns a handler crash into 500 InternalFailure, reported once, and keeps serving", async () => {
    const reported: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string | Uint8Array) => {
      reported.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    const model: ServiceModel = {
      notice: "test",
      service: { name: "Test", protocol: "awsJson1_1", signingName: "test" },
      operations: { Echo: { input: "EchoInput" } },
      allOperations: ["Crash", "Echo", "Fail"],
      shapes: {
        EchoInput: { type: "structure", members: { Name: { target: "Name", required: true } } },
        Name: { type: "string", length: { max: 5 } },
      },
    };
    let port = 0;
    const gate = new Gate({ port: () => port, verifier: undefined, secretAccessKey: "unused" });
    const router = new Router(
      [
        awsJsonRoute(
          [
            {
              targetPrefix: "Test_1",
              version: "1.1",
              model,
              validationCode: "ValidationException",
              serviceName: "Test",
              operations: {
                Crash: () => {
                  throw new TypeError("boom");
                },
                Fail: () => {
                  throw new AwsError("ResourceInUse", "in use", { fields: { Extra: 1 } });
                },
                Echo: (input: { Name: string }) => ({ input, when: new Date(1_700_000_000_500) }),
              },
            },
          ],
          gate,
        ),
      ],
      gate,
    );
    const http = createServer((req, res) => void router.handle(req, res));
    await new Promise<void>((done) => http.listen(0, "127.0.0.1", done));
    port = (http.address() as AddressInfo).port;
    const call = (operation: string, body: object) =>
      new Promise<{ status: number; type: string | undefined; body: Record<string, unknown> }>(
        (done, fail) => {
          const req = request(
            {
              port,
              host: "127.0.0.1",
              method: "POST",
              path: "/",
              headers: { "X-Amz-Target": `Test_1.${operation}` },
            },
            (res) => {
              let text = "";
              res.on("data", (chunk) => {
                text += chunk;
              });
              res.on("end", () =>
                done({
                  status: res.statusCode ?? 0,
                  type: res.headers["x-amzn-errortype"] as string | undefined,
                  body: JSON.parse(text),
                }),
              );
            },
          );
          req.on("error", fail);
          req.end(JSON.stringify(body));
        },
      );
    try {
      const crash = await call("Crash", {});
      process.stderr.write = write;
      expect(crash.status).toBe(500);
      expect(crash.body.__type).toBe("InternalFailure");
      expect(crash.body.message).toContain("boom");
      expect(reported.filter((line) => line.includes("boom"))).toHaveLength(1);
      const fail = await call("Fail", {});
      expect(fail).toMatchObject({
        status: 400,
        type: "ResourceInUse",
        body: { __type: "ResourceInUse", message: "in use", Extra: 1 },
      });
      expect((await call("Echo", { Name: "too long" })).body.__type).toBe("ValidationException");
      const echo = await call("Echo", { Name: "kim", Unknown: [1] });
      expect(echo.body).toEqual({ input: { Name: "kim" }, when: 1_700_000_000.5 });
      expect((await call("toString", {})).body.__type).toBe("UnknownOperationException");
    } finally {
      process.stderr.write = write;
      await new Promise<void>((done) => http.close(() => done()));
    }
  });

  it("writes Date values as epoch seconds, nested too", () => {
    expect(JSON.parse(serializeJson({ a: new Date(1000), list: [{ b: new Date(2500) }] }))).toEqual({
      a: 1,
      list: [{ b: 2.5 }],
    });
  });
});

describe("command line and background launcher", () => {
  it("prints its URL when ready and stops on SIGTERM", async () => {
    const child = spawn(
      process.execPath,
      [require.resolve("tsx/cli"), join(ROOT, "src/local/cli.ts"), "--port", "0", "--state-dir", tempDir()],
      { cwd: ROOT },
    );
    const url = await new Promise<string>((done, fail) => {
      let out = "";
      child.stdout.on("data", (chunk) => {
        out += chunk;
        const match = /http:\/\/127\.0\.0\.1:\d+/.exec(out);
        if (match) done(match[0]);
      });
      child.once("exit", (code) => fail(new Error(`cli exited with ${code}`)));
    });
    expect((await fetch(`${url}/_local/health`)).status).toBe(200);
    const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });

  it("exits with a clear message for a bad port", async () => {
    const child = spawn(
      process.execPath,
      [require.resolve("tsx/cli"), join(ROOT, "src/local/cli.ts"), "--port", "seventy"],
      { cwd: ROOT },
    );
    let err = "";
    child.stderr.on("data", (chunk) => {
      err += chunk;
    });
    const code = await new Promise<number | null>((done) => child.once("exit", (exitCode) => done(exitCode)));
    expect(code).toBe(1);
    expect(err).toContain('--port is "seventy"');
  });

  it("starts a background server once, reuses it, and stops it", async () => {
    const port = await freePort();
    const stateDir = tempDir();
    const first = await ensureLocalSageMaker({ port, stateDir });
    try {
      expect(first).toMatchObject({ url: `http://127.0.0.1:${port}`, started: true });
      const health = await localSageMakerHealth(first.url);
      expect(health?.pid).not.toBe(process.pid);
      expect(first.health).toEqual(health);
      const second = await ensureLocalSageMaker({ port, stateDir });
      expect(second).toMatchObject({ url: first.url, started: false });
      expect(readFileSync(join(stateDir, "server.log"), "utf8")).toContain(first.url);
      // Stopping proves ownership of the state folder: another folder's key is refused.
      await expect(stopLocalSageMaker(first.url, { stateDir: tempDir() })).rejects.toThrow(
        /no local SageMaker credentials/,
      );
    } finally {
      await stopLocalSageMaker(first.url, { stateDir });
    }
    await expect(fetch(`${first.url}/_local/health`)).rejects.toThrow();
    await stopLocalSageMaker(first.url, { stateDir }); // stopping a stopped server is fine
  });

  it("refuses to reuse a port where something else answers", async () => {
    const impostor = createServer((_req, res) => res.end("hello"));
    await new Promise<void>((done) => impostor.listen(0, "127.0.0.1", done));
    const port = (impostor.address() as AddressInfo).port;
    try {
      await expect(ensureLocalSageMaker({ port, stateDir: tempDir() })).rejects.toThrow(
        /Something other than local SageMaker answers/,
      );
    } finally {
      await new Promise<void>((done) => impostor.close(() => done()));
    }
  });
});
