/**
 * Hostile probe of a local SageMaker: a fixed list of requests a hostile caller (another user of the machine, a web
 * page in the user's browser, a malicious archive) would send, each followed by a health check. Prints one row per
 * probe: what it tried, the HTTP status, the AWS error code (or outcome), whether the server still answers, and
 * whether the answer is the one it should be (the rule is in the last column).
 *
 *   npx tsx test/bench/hostile-probe.ts                       # starts this project's server in a temporary folder
 *   npx tsx test/bench/hostile-probe.ts --url http://127.0.0.1:PORT [--state-dir DIR | --credentials FILE]
 *
 * Against a server of an older version (no signatures), requests are signed with a key of no one's: a server that
 * checks nothing answers them anyway. Probes that would stop the server run last.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { request } from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { readLocalCredentials } from "../../src/common/local-credentials";
import { rawArchive } from "../support/raw-archive";
import { signedHeaders } from "../support/signed-request";

const ROOT = resolve(__dirname, "../..");
const REGION = "ap-northeast-2";
const BUCKET = "hostile-probe";
const ECHO_ENDPOINT = "probe-echo";
const IMAGE =
  "763104351884.dkr.ecr.ap-northeast-2.amazonaws.com/huggingface-pytorch-inference:2.1.0-transformers4.37.0-cpu-py310-ubuntu22.04";
const ROLE = "arn:aws:iam::000000000000:role/probe";
/** What a server with no key of its own is signed with: any key at all. */
const NOBODYS_KEY = { accessKeyId: "AKIANOBODYSKEY000000", secretAccessKey: "nobody" };

type Credentials = { accessKeyId: string; secretAccessKey: string };

interface Answer {
  status: number;
  code: string;
  text: string;
  headers: Record<string, string | string[] | undefined>;
}

interface RequestSpec {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Sign for this service (SigV4); unsigned when absent. */
  sign?: string;
  credentials?: Credentials;
  /** The time the signature claims. */
  now?: number;
  timeoutMs?: number;
}

let baseUrl = "";
let key: Credentials = NOBODYS_KEY;

function errorCode(answer: Omit<Answer, "code">): string {
  const fromHeader = answer.headers["x-amzn-errortype"];
  if (typeof fromHeader === "string") return fromHeader.split(":")[0] as string;
  const xml = /<Code>([^<]*)<\/Code>/.exec(answer.text)?.[1];
  if (xml) return xml;
  try {
    const json = JSON.parse(answer.text) as { __type?: string };
    if (json.__type) return json.__type.split("#").at(-1) as string;
  } catch {
    // not JSON
  }
  return "";
}

async function send(spec: RequestSpec): Promise<Answer> {
  const target = new URL(baseUrl);
  const body = spec.body === undefined ? Buffer.alloc(0) : Buffer.from(spec.body);
  const method = spec.method ?? "POST";
  const headers = await signedHeaders(baseUrl, {
    service: spec.sign ?? "s3",
    unsigned: spec.sign === undefined,
    method,
    path: spec.path,
    headers: spec.headers,
    body,
    credentials: spec.credentials ?? key,
    region: REGION,
    signingDate: spec.now === undefined ? undefined : new Date(spec.now),
  });
  return new Promise((resolveAnswer) => {
    const call = request(
      { host: target.hostname, port: target.port, method, path: spec.path, headers, agent: false },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => {
          const answer = {
            status: response.statusCode ?? 0,
            headers: response.headers,
            text: Buffer.concat(chunks).toString("utf8"),
          };
          resolveAnswer({ ...answer, code: errorCode(answer) });
        });
        response.on("error", () => resolveAnswer({ status: 0, code: "(answer cut)", text: "", headers: {} }));
      },
    );
    call.setTimeout(spec.timeoutMs ?? 15_000, () => {
      call.destroy();
      resolveAnswer({ status: 0, code: "(no answer: timed out)", text: "", headers: {} });
    });
    call.on("error", (error: NodeJS.ErrnoException) =>
      resolveAnswer({ status: 0, code: `(${error.code ?? error.message})`, text: "", headers: {} }),
    );
    call.end(body);
  });
}

const json = (target: string, document: unknown, extra: Partial<RequestSpec> = {}): RequestSpec => ({
  path: "/",
  headers: { "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": target },
  body: typeof document === "string" ? document : JSON.stringify(document),
  sign: target.startsWith("Logs_") ? "logs" : "sagemaker",
  ...extra,
});

const invoke = (endpoint: string, body: string | Buffer, headers: Record<string, string> = {}) => ({
  path: `/endpoints/${endpoint}/invocations`,
  headers: { "Content-Type": "application/json", ...headers },
  body,
  sign: "sagemaker",
});

async function healthy(): Promise<boolean> {
  const answer = await send({ method: "GET", path: "/_local/health", timeoutMs: 3_000 });
  return answer.status === 200;
}

/** Bytes over a raw socket; whatever comes back within `ms` (the status line, or nothing). */
function rawSocket(bytes: string | Buffer, ms: number): Promise<string> {
  const target = new URL(baseUrl);
  return new Promise((done) => {
    const socket = connect(Number(target.port), target.hostname);
    let answer = "";
    const timer = setTimeout(() => {
      socket.destroy();
      done(answer);
    }, ms);
    socket.on("connect", () => socket.write(bytes));
    socket.on("data", (chunk) => {
      answer += chunk.toString("latin1");
    });
    socket.on("close", () => {
      clearTimeout(timer);
      done(answer);
    });
    socket.on("error", () => undefined);
  });
}

// ---- legit set-up: a bucket, an object, an endpoint that echoes ---------------------------------------------

const ECHO_HANDLER = Buffer.from(
  "exports.modelFn = () => ({});\n" +
    "exports.transformFn = (model, body) => ({ body: JSON.stringify({ length: body.length }), contentType: 'application/json' });\n",
);

async function deployArchive(name: string, archive: Buffer): Promise<{ status: string; reason: string }> {
  const put = await send({
    method: "PUT",
    path: `/${BUCKET}/${name}/model.tar.gz`,
    body: archive,
    sign: "s3",
  });
  if (put.status !== 200) return { status: `PutObject ${put.status} ${put.code}`, reason: "" };
  const url = `s3://${BUCKET}/${name}/model.tar.gz`;
  const steps = [
    json("SageMaker.CreateModel", {
      ModelName: name,
      ExecutionRoleArn: ROLE,
      PrimaryContainer: { Image: IMAGE, ModelDataUrl: url },
    }),
    json("SageMaker.CreateEndpointConfig", {
      EndpointConfigName: name,
      ProductionVariants: [
        { VariantName: "AllTraffic", ModelName: name, InitialInstanceCount: 1, InstanceType: "ml.m5.large" },
      ],
    }),
    json("SageMaker.CreateEndpoint", { EndpointName: name, EndpointConfigName: name }),
  ];
  for (const step of steps) {
    const answer = await send(step);
    if (answer.status !== 200) return { status: `${answer.status} ${answer.code}`, reason: answer.text };
  }
  for (let i = 0; i < 200; i++) {
    const described = await send(json("SageMaker.DescribeEndpoint", { EndpointName: name }));
    const record = JSON.parse(described.text || "{}") as { EndpointStatus?: string; FailureReason?: string };
    if (record.EndpointStatus && !["Creating", "Updating"].includes(record.EndpointStatus))
      return { status: record.EndpointStatus, reason: record.FailureReason ?? "" };
    await new Promise((r) => setTimeout(r, 100));
  }
  return { status: "Creating (gave up after 20 s)", reason: "" };
}

async function setUp(): Promise<string> {
  const bucket = await send({ method: "PUT", path: `/${BUCKET}`, sign: "s3" });
  const put = await send({ method: "PUT", path: `/${BUCKET}/kept.txt`, body: "kept", sign: "s3" });
  const echo = await deployArchive(
    ECHO_ENDPOINT,
    rawArchive([{ path: "code/inference.js", body: ECHO_HANDLER }]),
  );
  return `set-up: CreateBucket ${bucket.status} ${bucket.code}, PutObject ${put.status}, endpoint ${ECHO_ENDPOINT} ${echo.status} ${echo.reason.slice(0, 120)}`;
}

// ---- the probes ----------------------------------------------------------------------------------------------

interface Row {
  family: string;
  probe: string;
  status: number | string;
  code: string;
  healthy: boolean;
  handled: boolean;
  rule: string;
}

interface Probe {
  family: string;
  name: string;
  /** What a correct answer is, for the last column. */
  rule: string;
  run(): Promise<{ status: number | string; code: string; handled: boolean }>;
}

const outcome = (answer: Answer, handled: boolean) => ({ status: answer.status, code: answer.code, handled });

function trainingJob(name: string, overrides: Record<string, unknown> = {}) {
  return {
    TrainingJobName: name,
    RoleArn: ROLE,
    AlgorithmSpecification: {
      TrainingImage:
        "763104351884.dkr.ecr.ap-northeast-2.amazonaws.com/huggingface-pytorch-training:2.1.0-transformers4.36.0-gpu-py310-cu121-ubuntu20.04",
      TrainingInputMode: "File",
    },
    HyperParameters: {
      sagemaker_program: '"train.py"',
      sagemaker_submit_directory: `"s3://${BUCKET}/nowhere/sourcedir.tar.gz"`,
    },
    OutputDataConfig: { S3OutputPath: `s3://${BUCKET}/output` },
    ResourceConfig: { InstanceType: "ml.m5.xlarge", InstanceCount: 1, VolumeSizeInGB: 1 },
    StoppingCondition: { MaxRuntimeInSeconds: 60 },
    ...overrides,
  };
}

/** The part of a FailureReason that names the entry and the rule (after the archive's URL). */
function shortReason(reason: string): string {
  const after = /tar\.gz[^:]*: (.*)$/.exec(reason)?.[1] ?? reason;
  return after.length > 110 ? `${after.slice(0, 110)}…` : after;
}

function nested(depth: number): string {
  return `{"NameContains":${"[".repeat(depth)}${"]".repeat(depth)}}`;
}

function probes(escapeRoot: string): Probe[] {
  const port = new URL(baseUrl).port;
  const refusedWith =
    (status: number, ...codes: string[]) =>
    (answer: Answer) =>
      outcome(answer, answer.status === status && codes.includes(answer.code));
  return [
    {
      family: "exposure",
      name: "unsigned CreateTrainingJob (awsJson)",
      rule: "400 MissingAuthenticationTokenException, no job",
      run: async () => {
        const answer = await send({
          ...json("SageMaker.CreateTrainingJob", trainingJob("probe-unsigned")),
          sign: undefined,
        });
        return refusedWith(400, "MissingAuthenticationTokenException")(answer);
      },
    },
    {
      family: "exposure",
      name: "Host: evil.example (DNS rebinding), signed ListModels",
      rule: "403 AccessDeniedException",
      run: async () =>
        refusedWith(
          403,
          "AccessDeniedException",
        )(
          await send(
            json("SageMaker.ListModels", {}, { headers: { ...json("", {}).headers, host: "evil.example" } }),
          ),
        ),
    },
    {
      family: "exposure",
      name: `Host: evil.example:${port} on S3 ListObjectsV2`,
      rule: "403 AccessDenied (S3 XML)",
      run: async () =>
        refusedWith(
          403,
          "AccessDenied",
        )(
          await send({
            method: "GET",
            path: `/${BUCKET}`,
            sign: "s3",
            headers: { host: `evil.example:${port}` },
          }),
        ),
    },
    {
      family: "exposure",
      name: "Origin: http://evil.example, signed ListModels",
      rule: "403 AccessDeniedException",
      run: async () =>
        refusedWith(
          403,
          "AccessDeniedException",
        )(
          await send(
            json(
              "SageMaker.ListModels",
              {},
              {
                headers: { ...json("SageMaker.ListModels", {}).headers, Origin: "http://evil.example" },
              },
            ),
          ),
        ),
    },
    {
      family: "exposure",
      name: "text/plain simple POST to /endpoints/…/invocations (no preflight)",
      rule: "403 (another site's Origin, unsigned), container not reached",
      run: async () =>
        refusedWith(
          403,
          "MissingAuthenticationTokenException",
          "AccessDeniedException",
        )(
          await send({
            path: `/endpoints/${ECHO_ENDPOINT}/invocations`,
            headers: { "Content-Type": "text/plain", Origin: "http://evil.example" },
            body: "inputs=x",
          }),
        ),
    },
    {
      family: "exposure",
      name: "text/plain POST, X-Amz-Target SageMaker.CreateModel, unsigned",
      rule: "400 MissingAuthenticationTokenException, no model",
      run: async () => {
        const answer = await send({
          ...json("SageMaker.CreateModel", {
            ModelName: "probe-text-plain",
            ExecutionRoleArn: ROLE,
            PrimaryContainer: { Image: IMAGE },
          }),
          headers: { "Content-Type": "text/plain", "X-Amz-Target": "SageMaker.CreateModel" },
          sign: undefined,
        });
        return refusedWith(400, "MissingAuthenticationTokenException")(answer);
      },
    },
    {
      family: "exposure",
      name: "CORS preflight OPTIONS / (Origin evil.example)",
      rule: "403, no Access-Control-Allow-* headers",
      run: async () => {
        const answer = await send({
          method: "OPTIONS",
          path: "/",
          headers: {
            Origin: "http://evil.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "x-amz-target,content-type",
          },
        });
        const cors = Object.keys(answer.headers).some((name) => name.startsWith("access-control-"));
        return outcome(answer, answer.status === 403 && !cors);
      },
    },
    {
      family: "exposure",
      name: "unsigned S3 DELETE /hostile-probe/kept.txt",
      rule: "403 AccessDenied, object kept",
      run: async () => {
        const answer = await send({ method: "DELETE", path: `/${BUCKET}/kept.txt` });
        const kept = await send({ method: "GET", path: `/${BUCKET}/kept.txt`, sign: "s3" });
        return outcome(
          answer,
          answer.status === 403 && answer.code === "AccessDenied" && kept.status === 200,
        );
      },
    },
    {
      family: "exposure",
      name: "SageMaker ListModels signed with a wrong secret",
      rule: "400 InvalidSignatureException",
      run: async () =>
        refusedWith(
          400,
          "InvalidSignatureException",
        )(
          await send(
            json(
              "SageMaker.ListModels",
              {},
              { credentials: { ...key, secretAccessKey: `${key.secretAccessKey}x` } },
            ),
          ),
        ),
    },
    {
      family: "exposure",
      name: "S3 ListBuckets signed 20 minutes ago",
      rule: "403 RequestTimeTooSkewed",
      run: async () =>
        refusedWith(
          403,
          "RequestTimeTooSkewed",
        )(await send({ method: "GET", path: "/", sign: "s3", now: Date.now() - 20 * 60_000 })),
    },
    {
      family: "S3",
      name: "GET key ../../etc/passwd (raw dot segments)",
      rule: "no /etc/passwd content (404 NoSuchKey)",
      run: async () => {
        const answer = await send({
          method: "GET",
          path: `/${BUCKET}/../../../../../../etc/passwd`,
          sign: "s3",
        });
        return outcome(answer, !answer.text.includes("root:") && answer.status === 404);
      },
    },
    {
      family: "S3",
      name: "GET key %2e%2e%2f%2e%2e%2fetc%2fpasswd",
      rule: "no /etc/passwd content (404 NoSuchKey)",
      run: async () => {
        const answer = await send({
          method: "GET",
          path: `/${BUCKET}/%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd`,
          sign: "s3",
        });
        return outcome(answer, !answer.text.includes("root:") && answer.status === 404);
      },
    },
    {
      family: "S3",
      name: "PUT key ../../escaped.txt, then look outside the bucket",
      rule: "stored as a key inside the bucket (200), nothing outside",
      run: async () => {
        const answer = await send({
          method: "PUT",
          path: `/${BUCKET}/../../../escaped-probe.txt`,
          body: "x",
          sign: "s3",
        });
        const back = await send({ method: "GET", path: `/${BUCKET}/../../../escaped-probe.txt`, sign: "s3" });
        return outcome(answer, answer.status === 200 && back.text === "x");
      },
    },
    {
      family: "S3",
      name: "DeleteObjects without Content-MD5 or checksum",
      rule: "400 InvalidRequest (Content-MD5 required, as on AWS)",
      run: async () =>
        refusedWith(
          400,
          "InvalidRequest",
          "MissingContentMD5",
        )(
          await send({
            method: "POST",
            path: `/${BUCKET}?delete`,
            sign: "s3",
            body: "<Delete><Object><Key>kept.txt</Key></Object></Delete>",
          }),
        ),
    },
    {
      family: "archives",
      name: "model.tar.gz with a ../ entry, deployed",
      rule: "endpoint Failed naming the entry, nothing written outside",
      run: async () => {
        const target = join(escapeRoot, "dotdot.txt");
        const archive = rawArchive([
          { path: "code/inference.js", body: ECHO_HANDLER },
          { path: `${"../".repeat(12)}${target.slice(1)}`, body: "escaped" },
        ]);
        const result = await deployArchive("probe-dotdot", archive);
        return {
          status: result.status,
          code: shortReason(result.reason),
          handled: result.status === "Failed" && !existsSync(target),
        };
      },
    },
    {
      family: "archives",
      name: "model.tar.gz with a symlink escape (esc -> outside, then esc/pwned.txt)",
      rule: "endpoint Failed naming the link, nothing written outside",
      run: async () => {
        const outside = join(escapeRoot, "link-target");
        mkdirSync(outside, { recursive: true });
        const archive = rawArchive([
          { path: "esc", type: "SymbolicLink", linkpath: `${"../".repeat(12)}${outside.slice(1)}` },
          { path: "esc/pwned.txt", body: "escaped" },
          { path: "code/inference.js", body: ECHO_HANDLER },
        ]);
        const result = await deployArchive("probe-symlink", archive);
        return {
          status: result.status,
          code: shortReason(result.reason),
          handled: result.status === "Failed" && readdirSync(outside).length === 0,
        };
      },
    },
    {
      family: "control plane",
      name: "ListModels with JSON nested 100 deep",
      rule: "400 SerializationException",
      run: async () =>
        refusedWith(400, "SerializationException")(await send(json("SageMaker.ListModels", nested(100)))),
    },
    {
      family: "control plane",
      name: "ListModels with JSON nested 100,000 deep",
      rule: "400 SerializationException",
      run: async () =>
        refusedWith(400, "SerializationException")(await send(json("SageMaker.ListModels", nested(100_000)))),
    },
    {
      family: "control plane",
      name: "CreateModel with an unknown 1 MB member, then DescribeModel",
      rule: "created, the unknown member neither stored nor echoed",
      run: async () => {
        const answer = await send(
          json("SageMaker.CreateModel", {
            ModelName: "probe-junk",
            ExecutionRoleArn: ROLE,
            PrimaryContainer: { Image: IMAGE },
            JunkMember: "j".repeat(1024 * 1024),
          }),
        );
        const described = await send(json("SageMaker.DescribeModel", { ModelName: "probe-junk" }));
        return outcome(answer, answer.status === 200 && !described.text.includes("JunkMember"));
      },
    },
    {
      family: "control plane",
      name: 'ListModels NextToken "!!!" (never issued)',
      rule: "400 ValidationException",
      run: async () =>
        refusedWith(
          400,
          "ValidationException",
        )(await send(json("SageMaker.ListModels", { NextToken: "!!!" }))),
    },
    {
      family: "control plane",
      name: "ListModels NextToken of 1 MB",
      rule: "400 ValidationException",
      run: async () =>
        refusedWith(
          400,
          "ValidationException",
        )(await send(json("SageMaker.ListModels", { NextToken: "A".repeat(1024 * 1024) }))),
    },
    {
      family: "control plane",
      name: "CreateTrainingJob InstanceCount 1e308",
      rule: "400 ValidationException naming the member",
      run: async () => {
        const body = JSON.stringify(trainingJob("probe-huge-count")).replace(
          '"InstanceCount":1',
          '"InstanceCount":1e308',
        );
        const answer = await send(json("SageMaker.CreateTrainingJob", body));
        return outcome(
          answer,
          answer.status === 400 &&
            answer.code === "ValidationException" &&
            /instanceCount|InstanceCount/.test(answer.text),
        );
      },
    },
    {
      family: "control plane",
      name: "AddTags with 350,000 tags",
      rule: "400 ValidationException, short error body",
      run: async () => {
        const tags = Array.from({ length: 350_000 }, (_, i) => ({ Key: `k${i}`, Value: "\u0000" }));
        const answer = await send(
          json("SageMaker.AddTags", {
            ResourceArn: `arn:aws:sagemaker:${REGION}:000000000000:model/probe-junk`,
            Tags: tags,
          }),
        );
        return {
          status: answer.status,
          code: `${answer.code} (${answer.text.length.toLocaleString("en")} B body)`,
          handled: answer.status === 400 && answer.text.length < 100_000,
        };
      },
    },
    {
      family: "runtime",
      name: "POST /endpoints/%ZZ/invocations",
      rule: "400, not 500",
      run: async () => {
        const answer = await send(invoke("%ZZ", "{}"));
        return outcome(answer, answer.status >= 400 && answer.status < 500);
      },
    },
    {
      family: "runtime",
      name: "InvokeEndpoint with CustomAttributes of 2,000 characters",
      rule: "400 ValidationError",
      run: async () =>
        refusedWith(
          400,
          "ValidationError",
        )(
          await send(invoke(ECHO_ENDPOINT, "{}", { "X-Amzn-SageMaker-Custom-Attributes": "a".repeat(2000) })),
        ),
    },
    {
      family: "runtime",
      name: "InvokeEndpoint with a JSON body that is not UTF-8",
      rule: "424 ModelError from the container's 400",
      run: async () => {
        const answer = await send(invoke(ECHO_ENDPOINT, Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d])));
        return outcome(answer, answer.status === 424 && /"OriginalStatusCode":400/.test(answer.text));
      },
    },
    {
      family: "faults",
      name: "Content-Length: 1 GB with a 2-byte body (awsJson)",
      rule: "answered at once (4xx), not held open",
      run: async () => {
        const head =
          `POST / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/x-amz-json-1.1\r\n` +
          `X-Amz-Target: SageMaker.ListModels\r\nContent-Length: 1073741824\r\n\r\n{}`;
        const answer = await rawSocket(head, 3_000);
        const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);
        const code = /"__type":"([^"]+)"/.exec(answer)?.[1] ?? (answer === "" ? "(no answer in 3 s)" : "");
        return { status: status || "-", code, handled: status >= 400 && status < 500 };
      },
    },
    {
      family: "faults",
      name: "signed ListModels declaring Content-Length: 1 GB, 2-byte body",
      rule: "answered at once (413), not held open",
      run: async () => {
        const spec = json("SageMaker.ListModels", "{}");
        const headers = await signedHeaders(baseUrl, {
          ...spec,
          service: "sagemaker",
          headers: { ...spec.headers, "content-length": "1073741824" },
          credentials: key,
          region: REGION,
        });
        const head = `POST / HTTP/1.1\r\n${Object.entries(headers)
          .map(([name, value]) => `${name}: ${value}\r\n`)
          .join("")}\r\n{}`;
        const answer = await rawSocket(head, 3_000);
        const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);
        const code = /"__type":"([^"]+)"/.exec(answer)?.[1] ?? (answer === "" ? "(no answer in 3 s)" : "");
        return { status: status || "-", code, handled: status === 413 };
      },
    },
    {
      family: "faults",
      name: "slowloris: a header line left unfinished for 3 s",
      rule: "other requests answered meanwhile",
      run: async () => {
        const pending = rawSocket(`POST / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Slow: `, 3_000);
        await new Promise((r) => setTimeout(r, 500));
        const meanwhile = await healthy();
        const answer = await pending;
        const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);
        return {
          status: status || "-",
          code: meanwhile ? "health answered meanwhile" : "health blocked",
          handled: meanwhile,
        };
      },
    },
    {
      family: "shutdown",
      name: "POST /_local/shutdown with a wrong key",
      rule: "403, server keeps serving",
      run: async () =>
        refusedWith(
          403,
          "AccessDeniedException",
        )(await send({ path: "/_local/shutdown", headers: { "X-Local-SageMaker-Key": "guess" } })),
    },
    {
      family: "shutdown",
      name: "POST /_local/shutdown without key",
      rule: "403, server keeps serving",
      run: async () => {
        const answer = await send({ path: "/_local/shutdown" });
        return outcome(answer, answer.status === 403);
      },
    },
  ];
}

// ---- main ----------------------------------------------------------------------------------------------------

async function startOwnServer(stateDir: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    [
      "--import",
      require.resolve("tsx"),
      join(ROOT, "src/local/cli.ts"),
      "--port",
      "0",
      "--state-dir",
      stateDir,
    ],
    { stdio: ["ignore", "pipe", "ignore"] },
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

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\s+/g, " ");
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      url: { type: "string" },
      "state-dir": { type: "string" },
      credentials: { type: "string" },
    },
  });
  let own: { child: ChildProcess; stateDir: string } | undefined;
  if (values.url) {
    baseUrl = values.url.replace(/\/$/, "");
  } else {
    const stateDir = mkdtempSync(join(tmpdir(), "hostile-probe-state-"));
    const started = await startOwnServer(stateDir);
    own = { child: started.child, stateDir };
    baseUrl = started.url;
  }
  const credentialsFile =
    values.credentials ??
    (values["state-dir"]
      ? join(values["state-dir"], "credentials")
      : own
        ? join(own.stateDir, "credentials")
        : undefined);
  key = credentialsFile && existsSync(credentialsFile) ? readLocalCredentials(credentialsFile) : NOBODYS_KEY;
  const escapeRoot = join(tmpdir(), `hostile-probe-escape-${randomBytes(4).toString("hex")}`);
  mkdirSync(escapeRoot, { recursive: true });
  try {
    process.stdout.write(
      `# hostile probe of ${baseUrl} (${key === NOBODYS_KEY ? "signing with nobody's key" : `signing with ${credentialsFile}`})\n`,
    );
    process.stdout.write(`${await setUp()}\n\n`);
    const rows: Row[] = [];
    for (const probe of probes(escapeRoot)) {
      let result: { status: number | string; code: string; handled: boolean };
      try {
        result = await probe.run();
      } catch (error) {
        result = {
          status: "-",
          code: `(probe failed: ${(error as Error).message.slice(0, 60)})`,
          handled: false,
        };
      }
      const stillHealthy = await healthy();
      rows.push({
        family: probe.family,
        probe: probe.name,
        ...result,
        healthy: stillHealthy,
        handled: result.handled && stillHealthy,
        rule: probe.rule,
      });
    }
    const lines = [
      "| # | family | probe | HTTP | AWS error code / outcome | healthy after | as it should | rule |",
      "|---|---|---|---|---|---|---|---|",
      ...rows.map(
        (row, index) =>
          `| ${index + 1} | ${row.family} | ${cell(row.probe)} | ${row.status} | ${cell(row.code)} | ${row.healthy ? "yes" : "NO"} | ${row.handled ? "yes" : "NO"} | ${cell(row.rule)} |`,
      ),
    ];
    process.stdout.write(`${lines.join("\n")}\n\n`);
    const families = [...new Set(rows.map((row) => row.family))];
    process.stdout.write(
      `handled as they should: ${rows.filter((row) => row.handled).length} of ${rows.length} (${families
        .map((family) => {
          const mine = rows.filter((row) => row.family === family);
          return `${family} ${mine.filter((row) => row.handled).length}/${mine.length}`;
        })
        .join(", ")})\n`,
    );
  } finally {
    rmSync(escapeRoot, { recursive: true, force: true });
    if (own) {
      own.child.kill("SIGTERM");
      await new Promise((r) => own?.child.once("exit", r));
      rmSync(own.stateDir, { recursive: true, force: true });
    }
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`hostile-probe: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
