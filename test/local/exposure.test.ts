import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { ListModelsCommand, ListTrainingJobsCommand } from "@aws-sdk/client-sagemaker";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type LocalServer, startLocalServer } from "../../src/local/server";
import { clientConfig, credentialsEnvironment } from "../support/local-clients";
import {
  type RawAnswer,
  type SignedRequestOptions,
  signedHeaders,
  signedRequest,
} from "../support/signed-request";
import { BUCKET, deploy, type Local, modelArchive, startLocal, stopLocal } from "./hosting-fixtures";

/**
 * Who may call local SageMaker, through a real server on port 0 and real HTTP: only requests addressed to it
 * (Host), not from web pages (Origin, preflights, `text/plain` simple requests), signed with the state folder's
 * key; each refusal in the error format and code the service itself answers, and nothing runs.
 *
 * What AWS answers (the gate follows it; see src/local/protocol/sigv4/errors.ts):
 * - S3: AccessDenied 403 without a signature, InvalidAccessKeyId / SignatureDoesNotMatch / RequestTimeTooSkewed
 *   403 (S3 API reference, "Error responses"); an expired presigned URL is AccessDenied "Request has expired".
 * - awsJson (SageMaker, CloudWatch Logs): 400 with `__type` MissingAuthenticationTokenException,
 *   UnrecognizedClientException "The security token included in the request is invalid.",
 *   InvalidSignatureException, and for a stale date InvalidSignatureException "Signature expired: ... is now
 *   earlier than ..." (as reported from AWS in aws/aws-sdk-js#254 and aws/aws-sdk-php#1780).
 * - SageMaker Runtime (restJson behind a front end): the same codes with 403 and the code in x-amzn-ErrorType;
 *   unsigned is `{"message": "Missing Authentication Token"}` (aws/amazon-sagemaker-examples#290).
 */

let local: Local;
let endpoint: string;
/** The handler appends a line here on every invocation: what proves a refused call ran nothing. */
let callsFile: string;

const HANDLER = `
const fs = require("node:fs");
exports.modelFn = () => ({});
exports.transformFn = (model, body) => {
  fs.appendFileSync(process.env.CALLS_FILE, "call\\n");
  return { body: JSON.stringify({ ran: true }), contentType: "application/json" };
};
`;

const invocations = (): number =>
  existsSync(callsFile) ? readFileSync(callsFile, "utf8").split("\n").filter(Boolean).length : 0;

beforeAll(async () => {
  local = await startLocal(mkdtempSync(join(tmpdir(), "exposure-")));
  callsFile = join(local.stateDir, "calls.txt");
  endpoint = (
    await deploy(local, await modelArchive({ "code/inference.js": HANDLER }), {
      environment: { CALLS_FILE: callsFile },
    })
  ).endpoint;
  await local.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "kept.txt", Body: "still here" }));
});

afterAll(() => stopLocal(local));

type Format = "xml" | "json" | "rest-json";

interface Family {
  name: string;
  format: Format;
  /** A request of the family, signed for `service` unless told otherwise. */
  request: () => SignedRequestOptions;
}

const FAMILIES: Family[] = [
  {
    name: "S3",
    format: "xml",
    request: () => ({ service: "s3", method: "GET", path: `/${BUCKET}?list-type=2` }),
  },
  {
    name: "SageMaker",
    format: "json",
    request: () => ({
      service: "sagemaker",
      path: "/",
      headers: { "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "SageMaker.ListModels" },
      body: "{}",
    }),
  },
  {
    name: "SageMaker Runtime",
    format: "rest-json",
    request: () => ({
      service: "sagemaker",
      path: `/endpoints/${endpoint}/invocations`,
      headers: { "Content-Type": "application/json" },
      body: '{"inputs":"좋아요"}',
    }),
  },
  {
    name: "CloudWatch Logs",
    format: "json",
    request: () => ({
      service: "logs",
      path: "/",
      headers: {
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": "Logs_20140328.DescribeLogGroups",
      },
      body: "{}",
    }),
  },
];

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/** The error code and message, read the way each family's SDK reads them; also checks the format is the family's. */
function errorOf(answer: RawAnswer, format: Format): { code: string; message: string } {
  const type = String(answer.headers["content-type"]);
  if (format === "xml") {
    expect(type).toMatch(/xml/);
    expect(answer.text).toMatch(/^<\?xml[^>]*>\s*<Error>/);
    const field = (name: string): string =>
      (new RegExp(`<${name}>([^<]*)</${name}>`).exec(answer.text)?.[1] ?? "").replace(
        /&#(\d+);|&(amp|lt|gt|quot|apos);/g,
        (_, code: string | undefined, named: string | undefined) =>
          code ? String.fromCharCode(Number(code)) : (ENTITIES[named as string] ?? ""),
      );
    return { code: field("Code"), message: field("Message") };
  }
  const body = JSON.parse(answer.text) as { __type?: string; message?: string };
  expect(String(answer.headers["x-amzn-errortype"])).not.toBe("undefined");
  if (format === "json") {
    expect(type).toBe("application/x-amz-json-1.1");
    expect(body.__type).toBe(answer.headers["x-amzn-errortype"]);
    return { code: body.__type ?? "", message: body.message ?? "" };
  }
  // restJson: the code is in the header only, as SageMaker Runtime writes it.
  expect(type).toBe("application/json");
  expect(body.__type).toBeUndefined();
  return { code: String(answer.headers["x-amzn-errortype"]), message: body.message ?? "" };
}

const send = (family: Family, extra: Partial<SignedRequestOptions> = {}): Promise<RawAnswer> => {
  const request = family.request();
  return signedRequest(local.server.url, {
    credentials: clientConfig(local.server).credentials,
    ...request,
    ...extra,
    headers: { ...request.headers, ...extra.headers },
  });
};

/** The server still answers: health, and a signed call of every family. */
async function stillServing(): Promise<void> {
  expect((await fetch(`${local.server.url}/_local/health`)).status).toBe(200);
  for (const family of FAMILIES) expect((await send(family)).status, family.name).toBe(200);
}

describe("requests not addressed to this server (DNS rebinding)", () => {
  it("refuses a Host other than 127.0.0.1/localhost with this port, in each family's format, even signed", async () => {
    const port = local.server.port;
    const before = invocations();
    for (const host of [
      "evil.example",
      `evil.example:${port}`,
      `localhost.evil.example:${port}`,
      `127.0.0.1.nip.io:${port}`,
      `127.0.0.1:${port + 1}`,
      `localhost:${port}.evil.example`,
    ]) {
      for (const family of FAMILIES) {
        // Signed with the right key for that Host: the signature is good, the address is not.
        const answer = await send(family, { headers: { host } });
        expect(answer.status, `${family.name} ${host}`).toBe(403);
        const { code, message } = errorOf(answer, family.format);
        expect(code).toBe(family.format === "xml" ? "AccessDenied" : "AccessDeniedException");
        expect(message).toContain(`this one names Host "${host}"`);
        // The body of a refused request is never read: the connection is not kept for another.
        expect(answer.headers.connection).toBe("close");
      }
    }
    expect(invocations()).toBe(before);
    await stillServing();
    expect(invocations()).toBe(before + 1);
  });

  it("answers the names that do mean this server: localhost, [::1]-style and <bucket>.localhost", async () => {
    const port = local.server.port;
    for (const family of FAMILIES) {
      expect((await send(family, { headers: { host: `localhost:${port}` } })).status, family.name).toBe(200);
    }
    const virtualHosted = await signedRequest(local.server.url, {
      service: "s3",
      method: "GET",
      path: "/kept.txt",
      headers: { host: `${BUCKET}.localhost:${port}` },
      credentials: clientConfig(local.server).credentials,
    });
    expect(virtualHosted).toMatchObject({ status: 200, text: "still here" });
  });
});

describe("requests from web pages", () => {
  it("refuses a correctly signed request carrying another site's Origin", async () => {
    const before = invocations();
    for (const origin of ["http://evil.example", "null", `http://127.0.0.1:${local.server.port + 1}`]) {
      for (const family of FAMILIES) {
        const answer = await send(family, { headers: { origin } });
        expect(answer.status, `${family.name} ${origin}`).toBe(403);
        const { code, message } = errorOf(answer, family.format);
        expect(code).toBe(family.format === "xml" ? "AccessDenied" : "AccessDeniedException");
        expect(message).toContain("does not answer requests from web pages of other sites");
        expect(answer.headers["access-control-allow-origin"]).toBeUndefined();
      }
    }
    expect(invocations()).toBe(before);
    // Its own origin is no other site.
    const own = await send(FAMILIES[1] as Family, { headers: { origin: local.server.url } });
    expect(own.status).toBe(200);
  });

  it("answers no CORS preflight, whatever it asks for", async () => {
    for (const path of [
      "/",
      `/endpoints/${endpoint}/invocations`,
      `/${BUCKET}/kept.txt`,
      "/_local/shutdown",
    ]) {
      for (const origin of [undefined, "http://evil.example"]) {
        const answer = await signedRequest(local.server.url, {
          service: "s3",
          method: "OPTIONS",
          path,
          unsigned: true,
          headers: {
            ...(origin ? { origin } : {}),
            "access-control-request-method": "POST",
            "access-control-request-headers": "x-amz-target,content-type,authorization",
          },
        });
        expect(answer.status, `${path} ${origin}`).toBe(403);
        for (const name of Object.keys(answer.headers)) expect(name).not.toMatch(/^access-control-/);
      }
    }
  });

  it("refuses the text/plain POSTs a page can send without a preflight, and they do nothing", async () => {
    const before = invocations();
    const plain = { "Content-Type": "text/plain" };
    const training = await signedRequest(local.server.url, {
      service: "sagemaker",
      path: "/",
      unsigned: true,
      headers: { ...plain, "X-Amz-Target": "SageMaker.CreateTrainingJob" },
      body: JSON.stringify({ TrainingJobName: "from-a-web-page" }),
    });
    expect(training.status).toBe(400);
    expect(JSON.parse(training.text)).toMatchObject({ __type: "MissingAuthenticationTokenException" });
    const model = await signedRequest(local.server.url, {
      service: "sagemaker",
      path: "/",
      unsigned: true,
      headers: { ...plain, "X-Amz-Target": "SageMaker.CreateModel" },
      body: JSON.stringify({
        ModelName: "from-a-web-page",
        ExecutionRoleArn: "arn:aws:iam::000000000000:role/x",
        PrimaryContainer: { Image: "x" },
      }),
    });
    expect(model.status).toBe(400);
    expect(JSON.parse(model.text)).toMatchObject({ __type: "MissingAuthenticationTokenException" });
    // An invocation and a DeleteObjects as a form would post them: no target, no checksum, no signature.
    const invoke = await signedRequest(local.server.url, {
      service: "sagemaker",
      path: `/endpoints/${endpoint}/invocations`,
      unsigned: true,
      headers: plain,
      body: "inputs=x",
    });
    expect(invoke.status).toBe(403);
    expect(invoke.headers["x-amzn-errortype"]).toBe("MissingAuthenticationTokenException");
    const deletion = await signedRequest(local.server.url, {
      service: "s3",
      path: `/${BUCKET}?delete`,
      unsigned: true,
      headers: plain,
      body: "<Delete><Object><Key>kept.txt</Key></Object></Delete>",
    });
    expect(deletion.status).toBe(403);
    expect(errorOf(deletion, "xml").code).toBe("AccessDenied");

    expect(invocations()).toBe(before);
    const listed = await local.sm.send(new ListTrainingJobsCommand({}));
    expect(listed.TrainingJobSummaries?.map((job) => job.TrainingJobName)).not.toContain("from-a-web-page");
    const models = await local.sm.send(new ListModelsCommand({ NameContains: "from-a-web-page" }));
    expect(models.Models).toEqual([]);
    const kept = await local.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: "kept.txt" }));
    expect(await kept.Body?.transformToString()).toBe("still here");
  });
});

describe("signed requests only", () => {
  const other = { accessKeyId: "AKIAOTHERUSER0000000", secretAccessKey: "not-the-key" };
  const TWENTY_MINUTES = 20 * 60_000;
  const expected: Record<Format, Record<string, [number, string]>> = {
    xml: {
      unsigned: [403, "AccessDenied"],
      unknownKey: [403, "InvalidAccessKeyId"],
      wrongSecret: [403, "SignatureDoesNotMatch"],
      late: [403, "RequestTimeTooSkewed"],
      early: [403, "RequestTimeTooSkewed"],
    },
    json: {
      unsigned: [400, "MissingAuthenticationTokenException"],
      unknownKey: [400, "UnrecognizedClientException"],
      wrongSecret: [400, "InvalidSignatureException"],
      late: [400, "InvalidSignatureException"],
      early: [400, "InvalidSignatureException"],
    },
    "rest-json": {
      unsigned: [403, "MissingAuthenticationTokenException"],
      unknownKey: [403, "UnrecognizedClientException"],
      wrongSecret: [403, "InvalidSignatureException"],
      late: [403, "InvalidSignatureException"],
      early: [403, "InvalidSignatureException"],
    },
  };

  it.each(FAMILIES.map((family) => [family.name, family] as const))(
    "%s: unsigned, an unknown key, a wrong secret and a date 20 minutes off get the service's own error",
    async (_name, family) => {
      const before = invocations();
      const own = clientConfig(local.server).credentials;
      const cases: Record<string, Partial<SignedRequestOptions>> = {
        unsigned: { unsigned: true },
        unknownKey: { credentials: other },
        wrongSecret: { credentials: { ...own, secretAccessKey: `${own.secretAccessKey.slice(0, -1)}x` } },
        late: { signingDate: new Date(Date.now() - TWENTY_MINUTES) },
        early: { signingDate: new Date(Date.now() + TWENTY_MINUTES) },
      };
      for (const [kind, extra] of Object.entries(cases)) {
        const answer = await send(family, extra);
        const [status, code] = expected[family.format][kind] as [number, string];
        expect([kind, answer.status]).toEqual([kind, status]);
        const error = errorOf(answer, family.format);
        expect([kind, error.code]).toEqual([kind, code]);
        if (kind === "unknownKey" && family.format !== "xml")
          expect(error.message).toBe("The security token included in the request is invalid.");
        if (kind === "late" && family.format !== "xml")
          expect(error.message).toMatch(/^Signature expired: \d{8}T\d{6}Z is now earlier than/);
        if (kind === "early" && family.format !== "xml")
          expect(error.message).toMatch(/^Signature not yet current: /);
        if (kind === "late" && family.format === "xml")
          expect(answer.text).toContain("<MaxAllowedSkewMilliseconds>900000</MaxAllowedSkewMilliseconds>");
      }
      // Nothing a refused request asked for ran; the same request signed with the key works.
      expect(invocations()).toBe(before);
      expect((await send(family)).status).toBe(200);
    },
  );

  it("refuses an unsigned request that would start something: nothing is created", async () => {
    const answer = await signedRequest(local.server.url, {
      service: "s3",
      method: "PUT",
      path: "/unsigned-bucket",
      unsigned: true,
    });
    expect(answer.status).toBe(403);
    const buckets = await signedRequest(local.server.url, {
      service: "s3",
      method: "GET",
      path: "/",
      credentials: clientConfig(local.server).credentials,
    });
    expect(buckets.status).toBe(200);
    expect(buckets.text).toContain(`<Name>${BUCKET}</Name>`);
    expect(buckets.text).not.toContain("unsigned-bucket");
  });

  it("serves a presigned GET URL made by @aws-sdk/s3-request-presigner, and refuses an expired or altered one", async () => {
    const s3 = new S3Client({ ...clientConfig(local.server), forcePathStyle: true });
    try {
      const command = new GetObjectCommand({ Bucket: BUCKET, Key: "kept.txt" });
      const url = await getSignedUrl(s3, command, { expiresIn: 60 });
      expect(url).toContain("X-Amz-Signature=");
      const fresh = await fetch(url);
      expect(fresh.status).toBe(200);
      expect(await fresh.text()).toBe("still here");

      const expiredUrl = await getSignedUrl(s3, command, {
        expiresIn: 60,
        signingDate: new Date(Date.now() - 5 * 60_000),
      });
      const expired = await fetch(expiredUrl);
      expect(expired.status).toBe(403);
      const expiredText = await expired.text();
      expect(expiredText).toContain("<Code>AccessDenied</Code>");
      expect(expiredText).toContain("<Message>Request has expired</Message>");

      const altered = await fetch(url.replace("/kept.txt?", "/other.txt?"));
      expect(altered.status).toBe(403);
      expect(await altered.text()).toContain("<Code>SignatureDoesNotMatch</Code>");

      const stranger = new S3Client({
        ...clientConfig(local.server),
        credentials: other,
        forcePathStyle: true,
      });
      const foreign = await fetch(await getSignedUrl(stranger, command, { expiresIn: 60 }));
      expect(foreign.status).toBe(403);
      expect(await foreign.text()).toContain("<Code>InvalidAccessKeyId</Code>");
      stranger.destroy();
    } finally {
      s3.destroy();
    }
  });
});

/** Raw bytes to the server; what comes back, and whether the server closed the connection within `ms`. */
function rawExchange(bytes: string, ms = 5_000): Promise<{ answer: string; closedByServer: boolean }> {
  return new Promise((done) => {
    const socket = connect(local.server.port, "127.0.0.1");
    let answer = "";
    const timer = setTimeout(() => {
      socket.destroy();
      done({ answer, closedByServer: false });
    }, ms);
    socket.on("connect", () => socket.write(bytes));
    socket.on("data", (chunk) => {
      answer += chunk.toString("latin1");
    });
    socket.on("close", () => {
      clearTimeout(timer);
      done({ answer, closedByServer: true });
    });
    socket.on("error", () => undefined);
  });
}

describe("bodies that never come", () => {
  it("refuses an unsigned request on its head, without waiting for the 1 GB it declares, and closes the connection", async () => {
    const { answer, closedByServer } = await rawExchange(
      `POST / HTTP/1.1\r\nHost: 127.0.0.1:${local.server.port}\r\nContent-Type: application/x-amz-json-1.1\r\n` +
        "X-Amz-Target: SageMaker.ListModels\r\nContent-Length: 1073741824\r\n\r\n{}",
    );
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer).toContain('"__type":"MissingAuthenticationTokenException"');
    expect(answer.toLowerCase()).toContain("connection: close");
    expect(closedByServer).toBe(true);
  });

  it("refuses a signed request declaring more than the body limit at once (413), and closes the connection", async () => {
    const family = FAMILIES[1] as Family;
    const request = family.request();
    const headers = await signedHeaders(local.server.url, {
      ...request,
      credentials: clientConfig(local.server).credentials,
      headers: { ...request.headers, "content-length": String(1024 ** 3) },
    });
    const { answer, closedByServer } = await rawExchange(
      `POST / HTTP/1.1\r\n${Object.entries(headers)
        .map(([name, value]) => `${name}: ${value}\r\n`)
        .join("")}\r\n{}`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer).toContain('"__type":"EntityTooLarge"');
    expect(closedByServer).toBe(true);
    await stillServing();
  });
});

describe("/_local/ is not a back door", () => {
  it("refuses shutdown without the key, with a wrong key or a wrong signature, and keeps serving", async () => {
    const url = `${local.server.url}/_local/shutdown`;
    const answers = [
      await fetch(url, { method: "POST" }),
      await fetch(url, { method: "POST", headers: { "x-local-sagemaker-key": "guess" } }),
      await fetch(url, {
        method: "POST",
        headers: { "x-local-sagemaker-key": local.server.credentials.secretAccessKey.slice(0, -1) },
      }),
      // The access key id is not the secret.
      await fetch(url, {
        method: "POST",
        headers: { "x-local-sagemaker-key": local.server.credentials.accessKeyId },
      }),
      // The key in the query string is not the header.
      await fetch(`${url}?key=${encodeURIComponent(local.server.credentials.secretAccessKey)}`, {
        method: "POST",
      }),
    ];
    for (const answer of answers) {
      expect(answer.status).toBe(403);
      expect(answer.headers.get("x-amzn-errortype")).toMatch(/AccessDeniedException|MissingAuthentication/);
    }
    const forged = await signedRequest(local.server.url, {
      service: "sagemaker",
      path: "/_local/shutdown",
      credentials: { ...local.server.credentials, secretAccessKey: "wrong" },
    });
    expect(forged.status).toBe(403);
    expect(forged.headers["x-amzn-errortype"]).toBe("InvalidSignatureException");
    await new Promise((resolve) => setTimeout(resolve, 200));
    await stillServing();
  });
});

describe("LOCAL_SAGEMAKER_AUTH=off", () => {
  it("serves unsigned requests, still refuses other Hosts and Origins, and warns at start", async () => {
    const stateDir = mkdtempSync(join(tmpdir(), "exposure-auth-off-"));
    const written: string[] = [];
    const spy = vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    let started: Promise<LocalServer>;
    try {
      started = startLocalServer({ port: 0, stateDir, settings: { auth: false } });
      await started;
    } finally {
      spy.mockRestore();
    }
    const server = await started;
    try {
      expect(written.join("")).toContain(
        "local-sagemaker: warning: auth: false (set by the program that started the server): requests are served without checking their signatures. Anyone who can reach this port can run code as you",
      );
      const unsigned = (request: SignedRequestOptions) =>
        signedRequest(server.url, { ...request, unsigned: true });
      expect((await unsigned({ service: "s3", method: "PUT", path: "/open-bucket" })).status).toBe(200);
      expect(
        (await unsigned({ service: "s3", method: "PUT", path: "/open-bucket/a.txt", body: "hello" })).status,
      ).toBe(200);
      expect(await unsigned({ service: "s3", method: "GET", path: "/open-bucket/a.txt" })).toMatchObject({
        status: 200,
        text: "hello",
      });
      const models = await unsigned({
        service: "sagemaker",
        path: "/",
        headers: { "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "SageMaker.ListModels" },
        body: "{}",
      });
      expect(models).toMatchObject({ status: 200 });
      expect(JSON.parse(models.text)).toEqual({ Models: [] });
      // The runtime answers for itself: the endpoint is unknown, no signature was asked for.
      const invoke = await unsigned({
        service: "sagemaker",
        path: "/endpoints/none/invocations",
        headers: { "Content-Type": "application/json" },
        body: "{}",
      });
      expect(invoke.status).toBe(400);
      expect(invoke.headers["x-amzn-errortype"]).toBe("ValidationError");
      // Exposure checks do not depend on signatures.
      expect(
        (await unsigned({ service: "s3", method: "GET", path: "/", headers: { host: "evil.example" } }))
          .status,
      ).toBe(403);
      expect(
        (
          await unsigned({
            service: "s3",
            method: "GET",
            path: "/",
            headers: { origin: "http://evil.example" },
          })
        ).status,
      ).toBe(403);
      // Shutdown needs nothing either, which is what "off" means.
      const shutdown = await fetch(`${server.url}/_local/shutdown`, { method: "POST" });
      expect(shutdown.status).toBe(202);
    } finally {
      await server.close();
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});

/** Runs a command with exactly `env` (plus PATH and an empty HOME, so no ~/.aws of the machine's is read). */
function run(
  command: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: emptyHome, ...env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on("error", (error) => resolve({ status: -1, stdout, stderr: String(error) }));
    child.on("close", (status) => resolve({ status: status ?? -1, stdout, stderr }));
  });
}

const emptyHome = mkdtempSync(join(tmpdir(), "exposure-home-"));
afterAll(() => rmSync(emptyHome, { recursive: true, force: true }));

const hasAwsCli = spawnSync("aws", ["--version"], { stdio: "ignore" }).status === 0;
const hasBoto3 = spawnSync("python3", ["-c", "import boto3"], { stdio: "ignore" }).status === 0;

describe.skipIf(!hasAwsCli)("the AWS CLI with the state folder's credentials file", () => {
  it("lists buckets and endpoints with only the credentials file, the profile and the region", async () => {
    const env = credentialsEnvironment(local.server);
    const buckets = await run("aws", ["--endpoint-url", local.server.url, "s3", "ls"], env);
    expect(buckets.stderr).toBe("");
    expect(buckets.status).toBe(0);
    expect(buckets.stdout).toContain(BUCKET);
    const endpoints = await run(
      "aws",
      ["sagemaker", "list-endpoints", "--endpoint-url", local.server.url, "--output", "json"],
      env,
    );
    expect(endpoints.status).toBe(0);
    const listed = JSON.parse(endpoints.stdout) as { Endpoints: { EndpointName: string }[] };
    expect(listed.Endpoints.map((entry) => entry.EndpointName)).toContain(endpoint);
  });

  it("fails clearly with a wrong profile, with no credentials, and with another folder's key", async () => {
    const env = credentialsEnvironment(local.server);
    const args = ["--endpoint-url", local.server.url, "s3", "ls"];
    const wrongProfile = await run("aws", args, { ...env, AWS_PROFILE: "nope" });
    expect(wrongProfile.status).not.toBe(0);
    expect(wrongProfile.stderr).toMatch(/profile \(nope\) could not be found/);
    const { AWS_SHARED_CREDENTIALS_FILE: _file, AWS_PROFILE: _profile, ...regionOnly } = env;
    const none = await run("aws", args, regionOnly);
    expect(none.status).not.toBe(0);
    expect(none.stderr).toMatch(/Unable to locate credentials/);
    const otherFile = join(emptyHome, "other-credentials");
    writeFileSync(
      otherFile,
      "[local]\naws_access_key_id = AKIAOTHERUSER0000000\naws_secret_access_key = not-the-key\n",
      { mode: 0o600 },
    );
    const stranger = await run("aws", ["sagemaker", "list-endpoints", "--endpoint-url", local.server.url], {
      ...env,
      AWS_SHARED_CREDENTIALS_FILE: otherFile,
    });
    expect(stranger.status).not.toBe(0);
    expect(stranger.stderr).toContain("UnrecognizedClientException");
    expect(stranger.stderr).toContain("The security token included in the request is invalid.");
  });
});

const BOTO3_SCRIPT = `
import json, sys
import boto3
endpoint_url, endpoint_name, bucket, profile = sys.argv[1:5]
session = boto3.Session(profile_name=profile)  # "local": the profile of the state folder's credentials file
s3 = session.client("s3", endpoint_url=endpoint_url)
sm = session.client("sagemaker", endpoint_url=endpoint_url)
runtime = session.client("sagemaker-runtime", endpoint_url=endpoint_url)
answer = runtime.invoke_endpoint(EndpointName=endpoint_name, ContentType="application/json", Body=b'{"inputs": "x"}')
print(json.dumps({
    "buckets": [b["Name"] for b in s3.list_buckets()["Buckets"]],
    "kept": s3.get_object(Bucket=bucket, Key="kept.txt")["Body"].read().decode(),
    "endpoints": [e["EndpointName"] for e in sm.list_endpoints()["Endpoints"]],
    "answer": json.loads(answer["Body"].read()),
}))
`;

describe.skipIf(!hasBoto3)("boto3 with the state folder's credentials file", () => {
  it("calls S3, SageMaker and SageMaker Runtime with boto3.Session(profile_name='local')", async () => {
    const before = invocations();
    const result = await run(
      "python3",
      ["-c", BOTO3_SCRIPT, local.server.url, endpoint, BUCKET, "local"],
      credentialsEnvironment(local.server),
    );
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      buckets: [BUCKET],
      kept: "still here",
      endpoints: [endpoint],
      answer: { ran: true },
    });
    expect(invocations()).toBe(before + 1);
  });

  it("fails clearly with a wrong profile or without credentials", async () => {
    const env = credentialsEnvironment(local.server);
    const wrong = await run("python3", ["-c", BOTO3_SCRIPT, local.server.url, endpoint, BUCKET, "nope"], env);
    expect(wrong.status).not.toBe(0);
    expect(wrong.stderr).toMatch(/ProfileNotFound: The config profile \(nope\) could not be found/);
    const anonymous = await run(
      "python3",
      [
        "-c",
        "import sys, boto3; boto3.client('s3', endpoint_url=sys.argv[1]).list_buckets()",
        local.server.url,
      ],
      { AWS_REGION: local.server.region, AWS_DEFAULT_REGION: local.server.region },
    );
    expect(anonymous.status).not.toBe(0);
    expect(anonymous.stderr).toMatch(/NoCredentialsError: Unable to locate credentials/);
  });
});
