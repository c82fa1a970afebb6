import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { ListModelsCommand, SageMakerClient } from "@aws-sdk/client-sagemaker";
import { InvokeEndpointCommand, SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import { Sha256 } from "@smithy/core/checksum";
import { buildQueryString, extendedEncodeURIComponent } from "@smithy/core/protocols";
import { SignatureV4 } from "@smithy/signature-v4";
import type { HttpRequest, QueryParameterBag } from "@smithy/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type AuthErrorFamily,
  type AuthFailure,
  type AuthResult,
  type AuthSuccess,
  authErrorFor,
  credentialScopeService,
  type SignedRequestHead,
  SigV4Verifier,
} from "../../src/local/protocol/sigv4";

const REGION = "ap-northeast-2";
const KEY = {
  accessKeyId: "AKIALOCALTESTKEY0001",
  secretAccessKey: "q7Jf0kR2vX9mB4nT6wY1zC3eH5gL8pS0aD2uF4iK",
};
const WRONG_SECRET = "q7Jf0kR2vX9mB4nT6wY1zC3eH5gL8pS0aD2uF4iX";
const NOW = Date.UTC(2026, 11, 1, 9, 30, 0);
const HOST = "127.0.0.1:7070";
const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

const verifier = new SigV4Verifier({ keys: [KEY], region: REGION, now: () => NOW });

interface Unsigned {
  method: string;
  path: string;
  query?: QueryParameterBag;
  headers?: Record<string, string>;
  body?: Buffer;
}

interface SignOptions {
  service: string;
  /** S3 clients sign with false, every other client with the default true. */
  uriEscapePath?: boolean;
  /** Whether the signer adds x-amz-content-sha256 (the JS SDK does by default; botocore does only for S3). */
  applyChecksum?: boolean;
  at?: number;
  secret?: string;
  accessKeyId?: string;
  region?: string;
}

function signerFor(options: SignOptions): SignatureV4 {
  return new SignatureV4({
    service: options.service,
    region: options.region ?? REGION,
    credentials: {
      accessKeyId: options.accessKeyId ?? KEY.accessKeyId,
      secretAccessKey: options.secret ?? KEY.secretAccessKey,
    },
    sha256: Sha256,
    uriEscapePath: options.uriEscapePath ?? options.service !== "s3",
    applyChecksum: options.applyChecksum ?? true,
  });
}

function httpRequest(request: Unsigned): HttpRequest {
  return {
    method: request.method,
    protocol: "http:",
    hostname: "127.0.0.1",
    port: 7070,
    path: request.path,
    query: request.query ?? {},
    headers: { host: HOST, ...request.headers },
    body: request.body,
  };
}

/** The head as the server receives what the SDK's node-http-handler sends. */
function toHead(request: HttpRequest): SignedRequestHead {
  const query = buildQueryString(request.query ?? {});
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value;
  return { method: request.method, url: query ? `${request.path}?${query}` : request.path, headers };
}

async function sign(request: Unsigned, options: SignOptions): Promise<SignedRequestHead> {
  const signed = await signerFor(options).sign(httpRequest(request), {
    signingDate: new Date(options.at ?? NOW),
  });
  return toHead(signed as HttpRequest);
}

async function presign(
  request: Unsigned,
  options: SignOptions & { expiresIn?: number },
): Promise<SignedRequestHead> {
  const signed = await signerFor(options).presign(httpRequest(request), {
    signingDate: new Date(options.at ?? NOW),
    expiresIn: options.expiresIn ?? 900,
    // What @aws-sdk/s3-request-presigner leaves out of the signature.
    unsignableHeaders: new Set(["content-type"]),
  });
  return toHead(signed as HttpRequest);
}

/** An S3 key's path as the S3 client writes it: each segment encoded, the slashes kept. */
function s3Path(bucket: string, key: string): string {
  return `/${bucket}/${key.split("/").map(extendedEncodeURIComponent).join("/")}`;
}

function accepted(result: AuthResult): AuthSuccess {
  if (!result.ok) throw new Error(`expected success, got ${result.kind}: ${result.message}`);
  return result;
}

function refused(result: AuthResult | { ok: true } | undefined): AuthFailure {
  if (result === undefined || result.ok) throw new Error("expected a failure, got success");
  return result as AuthFailure;
}

function sha256Hex(data: Buffer | string): string {
  return createHash("sha256").update(data).digest("hex");
}

function withHeader(head: SignedRequestHead, name: string, value: string | undefined): SignedRequestHead {
  return { ...head, headers: { ...head.headers, [name]: value } };
}

const INVOKE_BODY = Buffer.from(
  JSON.stringify({
    inputs: "배우들 연기가 정말 좋았고 마지막 장면에서 감동받았어요",
    parameters: { top_k: 2 },
  }).padEnd(200, " "),
);

describe("AWS's published SigV4 examples (S3 documentation, us-east-1, 2013-05-24)", () => {
  const example = {
    accessKeyId: "AKIAIOSFODNN7EXAMPLE",
    secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
  };
  const at = Date.UTC(2013, 4, 24);
  const awsVerifier = new SigV4Verifier({ keys: [example], region: "us-east-1", now: () => at });
  const scope = "AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request";

  it("verifies the GET Object header signature (no spaces after the commas)", () => {
    const result = awsVerifier.verify({
      method: "GET",
      url: "/test.txt",
      headers: {
        host: "examplebucket.s3.amazonaws.com",
        range: "bytes=0-9",
        "x-amz-content-sha256": EMPTY_SHA256,
        "x-amz-date": "20130524T000000Z",
        authorization:
          `AWS4-HMAC-SHA256 Credential=${scope},SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,` +
          "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
      },
    });
    expect(accepted(result)).toMatchObject({
      service: "s3",
      region: "us-east-1",
      payload: { kind: "sha256" },
    });
  });

  it("verifies the GET Bucket signature over a query string", () => {
    const result = awsVerifier.verify({
      method: "GET",
      url: "/?max-keys=2&prefix=J",
      headers: {
        host: "examplebucket.s3.amazonaws.com",
        "x-amz-content-sha256": EMPTY_SHA256,
        "x-amz-date": "20130524T000000Z",
        authorization:
          `AWS4-HMAC-SHA256 Credential=${scope},SignedHeaders=host;x-amz-content-sha256;x-amz-date,` +
          "Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7",
      },
    });
    accepted(result);
  });

  it("verifies the presigned GET URL, whose payload is UNSIGNED-PAYLOAD without saying so", () => {
    const result = awsVerifier.verify({
      method: "GET",
      url:
        "/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request" +
        "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host" +
        "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404",
      headers: { host: "examplebucket.s3.amazonaws.com" },
    });
    expect(accepted(result)).toMatchObject({ presigned: true, payload: { kind: "unsigned" } });
  });

  const chunk1 = Buffer.alloc(65536, "a");
  const chunk2 = Buffer.alloc(1024, "a");
  function streamingHead(mode: string, signedHeaders: string, seed: string, extra: Record<string, string>) {
    return {
      method: "PUT",
      url: "/examplebucket/chunkObject.txt",
      headers: {
        host: "s3.amazonaws.com",
        "x-amz-date": "20130524T000000Z",
        "x-amz-storage-class": "REDUCED_REDUNDANCY",
        "x-amz-content-sha256": mode,
        "content-encoding": "aws-chunked",
        "x-amz-decoded-content-length": "66560",
        ...extra,
        authorization: `AWS4-HMAC-SHA256 Credential=${scope}, SignedHeaders=${signedHeaders}, Signature=${seed}`,
      },
    };
  }
  function framed(signatures: string[], trailer = ""): Buffer {
    return Buffer.concat([
      Buffer.from(`10000;chunk-signature=${signatures[0]}\r\n`),
      chunk1,
      Buffer.from(`\r\n400;chunk-signature=${signatures[1]}\r\n`),
      chunk2,
      Buffer.from(`\r\n0;chunk-signature=${signatures[2]}\r\n${trailer}\r\n`),
    ]);
  }

  it("verifies the chunked upload's seed and every chunk signature", () => {
    const head = streamingHead(
      "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
      "content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class",
      "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9",
      { "content-length": "66824" },
    );
    const auth = accepted(awsVerifier.verify(head));
    expect(auth.payload).toEqual({ kind: "streaming-signed", trailer: false });
    const body = framed([
      "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
      "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
      "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9",
    ]);
    expect(body.length).toBe(66824);
    const decoded = awsVerifier.verifyChunkedBody(auth, body);
    expect(decoded.ok && decoded.body.equals(Buffer.concat([chunk1, chunk2]))).toBe(true);
  });

  it("verifies the chunked upload with a signed trailing checksum", () => {
    const head = streamingHead(
      "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
      "content-encoding;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class;x-amz-trailer",
      "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e",
      { "x-amz-trailer": "x-amz-checksum-crc32c" },
    );
    const auth = accepted(awsVerifier.verify(head));
    const body = framed(
      [
        "b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2",
        "1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7",
        "2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992",
      ],
      "x-amz-checksum-crc32c:sOO8/Q==\r\n" +
        "x-amz-trailer-signature:d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435\r\n",
    );
    const decoded = awsVerifier.verifyChunkedBody(auth, body);
    if (!decoded.ok) throw new Error(decoded.message);
    expect(decoded.trailers).toEqual({ "x-amz-checksum-crc32c": "sOO8/Q==" });
    expect(decoded.body.length).toBe(66560);
  });
});

describe("requests signed as the AWS SDK clients sign them", () => {
  it("SageMaker awsJson: the JS SDK's x-amz-content-sha256 is checked against the body", async () => {
    const body = Buffer.from(JSON.stringify({ MaxResults: 10 }));
    const head = await sign(
      {
        method: "POST",
        path: "/",
        headers: {
          "content-type": "application/x-amz-json-1.1",
          "x-amz-target": "SageMaker.ListModels",
          "content-length": String(body.length),
        },
        body,
      },
      { service: "sagemaker" },
    );
    expect(head.headers["x-amz-content-sha256"]).toBe(sha256Hex(body));
    const auth = accepted(verifier.verify(head, { body }));
    expect(auth).toMatchObject({ accessKeyId: KEY.accessKeyId, region: REGION, service: "sagemaker" });
    expect(auth.payload).toEqual({ kind: "sha256", sha256: sha256Hex(body), checked: true });
    expect(auth.signedHeaders).toContain("x-amz-target");
  });

  it("SageMaker awsJson without x-amz-content-sha256 (botocore): the body's hash is signed, so the body is needed", async () => {
    const body = Buffer.from("{}");
    const head = await sign(
      {
        method: "POST",
        path: "/",
        headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": "SageMaker.ListModels" },
        body,
      },
      { service: "sagemaker", applyChecksum: false },
    );
    expect(head.headers["x-amz-content-sha256"]).toBeUndefined();
    expect(accepted(verifier.verify(head, { body })).payload).toEqual({
      kind: "sha256",
      sha256: sha256Hex(body),
      checked: true,
    });
    expect(() => verifier.verify(withHeader(head, "content-length", "2"))).toThrow(/needs the body/);
  });

  it("SageMaker Runtime InvokeEndpoint: an encoded path is signed encoded twice", async () => {
    const path = `/endpoints/${extendedEncodeURIComponent("감성 endpoint/v1+(a)")}/invocations`;
    const head = await sign(
      {
        method: "POST",
        path,
        headers: {
          "content-type": "application/json",
          accept: "application/json",
          "x-amzn-sagemaker-custom-attributes": "trace=1",
        },
        body: INVOKE_BODY,
      },
      { service: "sagemaker" },
    );
    expect(head.url).toContain("%EA%B0%90%EC%84%B1%20endpoint%2Fv1%2B%28a%29");
    expect(accepted(verifier.verify(head, { body: INVOKE_BODY, service: "sagemaker" }))).toMatchObject({
      service: "sagemaker",
      payload: { kind: "sha256", checked: true },
    });
  });

  it("non-S3 paths are normalised before signing, as the SDK does (dot segments, double slashes)", async () => {
    const head = await sign(
      { method: "GET", path: "/2015-03-31/functions//a/./b/../f/" },
      { service: "lambda" },
    );
    expect(accepted(verifier.verify(head)).service).toBe("lambda");
  });

  it("S3 GET of a key with spaces, Hangul and +: the path is signed exactly as sent", async () => {
    const key = "data/2026 12/감성 분석+결과 (v1)!.json";
    const head = await sign({ method: "GET", path: s3Path("workshop-bucket", key) }, { service: "s3" });
    expect(head.url).toContain("%EA%B0%90%EC%84%B1%20%EB%B6%84%EC%84%9D%2B");
    expect(accepted(verifier.verify(head))).toMatchObject({ service: "s3", payload: { kind: "sha256" } });
  });

  it("the canonical URI follows the scope's service: S3 with double encoding is refused", async () => {
    const path = s3Path("workshop-bucket", "a b.txt");
    const doubled = await sign({ method: "GET", path }, { service: "s3", uriEscapePath: true });
    expect(refused(verifier.verify(doubled)).kind).toBe("badSignature");
    const single = await sign({ method: "GET", path }, { service: "sagemaker", uriEscapePath: false });
    expect(refused(verifier.verify(single)).kind).toBe("badSignature");
  });

  it("S3 ListObjectsV2: the query is canonicalised whatever its order and encoding", async () => {
    const head = await sign(
      {
        method: "GET",
        path: "/workshop-bucket",
        query: { "list-type": "2", prefix: "감성/a b+c", "continuation-token": "x/y=z", delimiter: "/" },
      },
      { service: "s3" },
    );
    accepted(verifier.verify(head));
    const [path, query] = (head.url as string).split("?") as [string, string];
    const reordered = query.split("&").reverse().join("&").replace("%2F", "%2f");
    accepted(verifier.verify({ ...head, url: `${path}?${reordered}` }));
  });

  it("query names without a value sign as name= however they are sent; repeated names sort by value", async () => {
    const head = await sign(
      { method: "POST", path: s3Path("workshop-bucket", "big.bin"), query: { uploads: "", tag: ["b", "a"] } },
      { service: "s3" },
    );
    expect(head.url).toContain("?tag=b&tag=a&uploads=");
    accepted(verifier.verify(head));
    // botocore writes `?uploads` without the `=`.
    accepted(verifier.verify({ ...head, url: (head.url as string).replace("uploads=", "uploads") }));
  });

  it("S3 presigned GET URL, as @aws-sdk/s3-request-presigner makes it", async () => {
    const head = await presign(
      {
        method: "GET",
        path: s3Path("workshop-bucket", "models/model.tar.gz"),
        query: { "x-id": "GetObject" },
        // The presigner's spelling, which the signer hoists into the query as it is.
        headers: { "X-Amz-Content-Sha256": "UNSIGNED-PAYLOAD" },
      },
      { service: "s3", expiresIn: 3600 },
    );
    expect(head.headers.authorization).toBeUndefined();
    expect(head.url).toContain("X-Amz-Content-Sha256=UNSIGNED-PAYLOAD");
    expect(accepted(verifier.verify(head))).toMatchObject({
      presigned: true,
      service: "s3",
      payload: { kind: "unsigned" },
    });
  });

  it("S3 PUT with UNSIGNED-PAYLOAD accepts any body", async () => {
    const head = await sign(
      {
        method: "PUT",
        path: s3Path("workshop-bucket", "raw.csv"),
        headers: { "x-amz-content-sha256": "UNSIGNED-PAYLOAD", "content-length": "5" },
      },
      { service: "s3" },
    );
    const auth = accepted(verifier.verify(head, { body: Buffer.from("a,b,c") }));
    expect(auth.payload).toEqual({ kind: "unsigned" });
    expect(verifier.verifyPayload(auth, Buffer.from("other"))).toBeUndefined();
  });

  it("S3 PUT with a signed body hash: the head verifies alone, the body once read", async () => {
    const body = Buffer.from("label,text\n1,좋아요\n");
    const head = await sign(
      {
        method: "PUT",
        path: s3Path("workshop-bucket", "train.csv"),
        headers: { "content-length": String(body.length) },
        body,
      },
      { service: "s3" },
    );
    const auth = accepted(verifier.verify(head));
    expect(auth.payload).toEqual({ kind: "sha256", sha256: sha256Hex(body), checked: false });
    expect(verifier.verifyPayload(auth, body)).toBeUndefined();
    expect(refused(verifier.verifyPayload(auth, Buffer.from("label,text\n1,싫어요\n"))).kind).toBe(
      "payloadMismatch",
    );
  });
});

/** An aws-chunked body signed chunk by chunk with the SDK's signer, following the S3 streaming spec. */
async function signedChunkedUpload(
  data: Buffer,
  chunkSize: number,
  options: { trailer?: boolean; at?: number; declaredLength?: number } = {},
): Promise<{ head: SignedRequestHead; body: Buffer; signatures: string[] }> {
  const mode = options.trailer
    ? "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
    : "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
  const signOptions: SignOptions = { service: "s3", at: options.at ?? NOW };
  const head = await sign(
    {
      method: "PUT",
      path: s3Path("workshop-bucket", "upload.bin"),
      headers: {
        "content-encoding": "aws-chunked",
        "x-amz-content-sha256": mode,
        "x-amz-decoded-content-length": String(options.declaredLength ?? data.length),
        ...(options.trailer ? { "x-amz-trailer": "x-amz-checksum-sha256" } : {}),
      },
    },
    signOptions,
  );
  const seed = /Signature=([0-9a-f]{64})/.exec(head.headers.authorization as string)?.[1] as string;
  const signer = signerFor(signOptions);
  const amzDate = head.headers["x-amz-date"] as string;
  const scope = `${amzDate.slice(0, 8)}/${REGION}/s3/aws4_request`;
  const signString = (text: string) => signer.sign(text, { signingDate: new Date(options.at ?? NOW) });
  const parts: Buffer[] = [];
  const signatures: string[] = [];
  let previous = seed;
  for (let offset = 0; ; offset += chunkSize) {
    const chunk = data.subarray(offset, offset + chunkSize);
    previous = await signString(
      ["AWS4-HMAC-SHA256-PAYLOAD", amzDate, scope, previous, EMPTY_SHA256, sha256Hex(chunk)].join("\n"),
    );
    signatures.push(previous);
    parts.push(Buffer.from(`${chunk.length.toString(16)};chunk-signature=${previous}\r\n`), chunk);
    if (chunk.length === 0) break;
    parts.push(Buffer.from("\r\n"));
  }
  if (options.trailer) {
    const checksum = createHash("sha256").update(data).digest("base64");
    const trailer = `x-amz-checksum-sha256:${checksum}\n`;
    const trailerSignature = await signString(
      ["AWS4-HMAC-SHA256-TRAILER", amzDate, scope, previous, sha256Hex(trailer)].join("\n"),
    );
    parts.push(
      Buffer.from(`x-amz-checksum-sha256:${checksum}\r\nx-amz-trailer-signature:${trailerSignature}\r\n`),
    );
  }
  parts.push(Buffer.from("\r\n"));
  return { head, body: Buffer.concat(parts), signatures };
}

function flipLast(hex: string): string {
  return hex.slice(0, -1) + (hex.endsWith("0") ? "1" : "0");
}

describe("S3 aws-chunked uploads", () => {
  const data = Buffer.from(Array.from({ length: 20_000 }, (_, i) => i % 251));

  it("checks every chunk signature of a STREAMING-AWS4-HMAC-SHA256-PAYLOAD upload", async () => {
    const { head, body } = await signedChunkedUpload(data, 8192);
    const auth = accepted(verifier.verify(head));
    expect(auth.payload).toEqual({ kind: "streaming-signed", trailer: false });
    const decoded = verifier.verifyChunkedBody(auth, body);
    if (!decoded.ok) throw new Error(decoded.message);
    expect(decoded.body.equals(data)).toBe(true);
    expect(decoded.trailers).toEqual({});
  });

  it("checks the trailer signature of a STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER upload", async () => {
    const { head, body } = await signedChunkedUpload(data, 8192, { trailer: true });
    const auth = accepted(verifier.verify(head));
    const decoded = verifier.verifyChunkedBody(auth, body);
    if (!decoded.ok) throw new Error(decoded.message);
    expect(decoded.body.equals(data)).toBe(true);
    expect(decoded.trailers).toEqual({
      "x-amz-checksum-sha256": createHash("sha256").update(data).digest("base64"),
    });
    const tampered = Buffer.from(
      body.toString("latin1").replace("x-amz-checksum-sha256:", "x-amz-checksum-sha256:A"),
      "latin1",
    );
    expect(refused(verifier.verifyChunkedBody(auth, tampered)).kind).toBe("badSignature");
  });

  it("decodes STREAMING-UNSIGNED-PAYLOAD-TRAILER bodies, which carry no chunk signatures", async () => {
    const head = await sign(
      {
        method: "PUT",
        path: s3Path("workshop-bucket", "stream.txt"),
        headers: {
          "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
          "x-amz-trailer": "x-amz-checksum-crc32",
          "x-amz-decoded-content-length": "5",
          "content-encoding": "aws-chunked",
        },
      },
      { service: "s3" },
    );
    const auth = accepted(verifier.verify(head));
    expect(auth.payload).toEqual({ kind: "streaming-unsigned" });
    const decoded = verifier.verifyChunkedBody(
      auth,
      Buffer.from("5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n"),
    );
    expect(decoded).toEqual({
      ok: true,
      body: Buffer.from("hello"),
      trailers: { "x-amz-checksum-crc32": "NhCmhg==" },
    });
  });

  it("refuses a wrong chunk signature, changed chunk data, a dropped chunk, a truncated body, bad framing", async () => {
    const { head, body, signatures } = await signedChunkedUpload(data, 8192);
    const auth = accepted(verifier.verify(head));
    const text = body.toString("latin1");
    const wrongSignature = Buffer.from(
      text.replace(signatures[1] as string, flipLast(signatures[1] as string)),
      "latin1",
    );
    expect(refused(verifier.verifyChunkedBody(auth, wrongSignature))).toMatchObject({
      kind: "badSignature",
      message: expect.stringContaining("chunk 2"),
    });
    const secondChunk = text.indexOf(`2000;chunk-signature=${signatures[1]}`);
    const thirdChunk = text.indexOf(`;chunk-signature=${signatures[2]}`) - 3;
    const dropped = Buffer.from(text.slice(0, secondChunk) + text.slice(thirdChunk), "latin1");
    expect(refused(verifier.verifyChunkedBody(auth, dropped)).kind).toBe("badSignature");
    const dataByte = Buffer.from(body);
    dataByte[body.indexOf("\r\n") + 10] ^= 1;
    expect(refused(verifier.verifyChunkedBody(auth, dataByte)).kind).toBe("badSignature");
    expect(refused(verifier.verifyChunkedBody(auth, body.subarray(0, 9000)))).toMatchObject({
      kind: "incompleteBody",
    });
    expect(refused(verifier.verifyChunkedBody(auth, Buffer.from("zz;chunk-signature=00\r\n")))).toMatchObject(
      {
        kind: "malformedBody",
      },
    );
  });

  it("refuses chunks chained from another request's signature", async () => {
    const { body } = await signedChunkedUpload(data, 8192, { at: NOW - 60_000 });
    const { head } = await signedChunkedUpload(data, 8192);
    const auth = accepted(verifier.verify(head));
    expect(refused(verifier.verifyChunkedBody(auth, body)).kind).toBe("badSignature");
  });

  it("refuses a decoded length other than x-amz-decoded-content-length", async () => {
    const { head, body } = await signedChunkedUpload(data, 8192, { declaredLength: data.length + 1 });
    const auth = accepted(verifier.verify(head));
    expect(refused(verifier.verifyChunkedBody(auth, body))).toMatchObject({
      kind: "incompleteBody",
      message: expect.stringContaining("x-amz-decoded-content-length says 20001"),
    });
  });
});

describe("refusals", () => {
  const listModels = (options: Partial<SignOptions> = {}) =>
    sign(
      {
        method: "POST",
        path: "/",
        headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": "SageMaker.ListModels" },
        body: Buffer.from("{}"),
      },
      { service: "sagemaker", ...options },
    );

  it("a request without any signature is missing authentication", () => {
    const failure = refused(verifier.verify({ method: "GET", url: "/bucket/key", headers: { host: HOST } }));
    expect(failure.kind).toBe("missing");
    expect(authErrorFor(failure, "s3")).toMatchObject({ code: "AccessDenied", status: 403 });
    expect(authErrorFor(failure, "json")).toMatchObject({
      code: "MissingAuthenticationTokenException",
      status: 400,
    });
    expect(authErrorFor(failure, "rest-json")).toMatchObject({
      code: "MissingAuthenticationTokenException",
      status: 403,
    });
    expect(authErrorFor(failure, "query")).toMatchObject({ code: "MissingAuthenticationToken", status: 403 });
  });

  it("an access key the server does not know", async () => {
    const failure = refused(
      verifier.verify(await listModels({ accessKeyId: "AKIAOTHERKEY00000000" }), { body: Buffer.from("{}") }),
    );
    expect(failure).toMatchObject({ kind: "unknownKey", facts: { accessKeyId: "AKIAOTHERKEY00000000" } });
    expect(authErrorFor(failure, "json")).toEqual({
      code: "UnrecognizedClientException",
      status: 400,
      message: "The security token included in the request is invalid.",
      fields: {},
    });
    expect(authErrorFor(failure, "s3")).toMatchObject({
      code: "InvalidAccessKeyId",
      status: 403,
      fields: { AWSAccessKeyId: "AKIAOTHERKEY00000000" },
    });
  });

  it("a request signed with the wrong secret", async () => {
    const failure = refused(
      verifier.verify(await listModels({ secret: WRONG_SECRET }), { body: Buffer.from("{}") }),
    );
    expect(failure.kind).toBe("badSignature");
    expect(failure.facts.canonicalRequest).toMatch(/^POST\n\/\n\ncontent-type:application\/x-amz-json-1.1\n/);
    const json = authErrorFor(failure, "json");
    expect(json).toMatchObject({ code: "InvalidSignatureException", status: 400 });
    expect(json.message).toContain("The Canonical String for this request should have been\n'POST\n/\n");
    expect(authErrorFor(failure, "s3")).toMatchObject({
      code: "SignatureDoesNotMatch",
      status: 403,
      fields: { AWSAccessKeyId: KEY.accessKeyId, CanonicalRequest: failure.facts.canonicalRequest },
    });
    expect(authErrorFor(failure, "query").code).toBe("SignatureDoesNotMatch");
  });

  it("a body changed after signing: a payload mismatch with the header, a bad signature without", async () => {
    const withChecksum = await listModels();
    expect(refused(verifier.verify(withChecksum, { body: Buffer.from('{"a":1}') }))).toMatchObject({
      kind: "payloadMismatch",
      facts: { clientSha256: sha256Hex("{}"), computedSha256: sha256Hex('{"a":1}') },
    });
    expect(authErrorFor(refused(verifier.verify(withChecksum, { body: Buffer.from("[]") })), "s3").code).toBe(
      "XAmzContentSHA256Mismatch",
    );
    const withoutChecksum = await listModels({ applyChecksum: false });
    expect(refused(verifier.verify(withoutChecksum, { body: Buffer.from('{"a":1}') })).kind).toBe(
      "badSignature",
    );
  });

  it("a signed header changed after signing", async () => {
    const head = withHeader(await listModels(), "x-amz-target", "SageMaker.DeleteModel");
    expect(refused(verifier.verify(head, { body: Buffer.from("{}") })).kind).toBe("badSignature");
  });

  it("an unsigned header may change, as AWS allows", async () => {
    const head = withHeader(await listModels(), "user-agent", "something else");
    accepted(verifier.verify(head, { body: Buffer.from("{}") }));
  });

  it("a query parameter changed after signing", async () => {
    const head = await sign(
      { method: "GET", path: "/workshop-bucket", query: { "list-type": "2", prefix: "a" } },
      { service: "s3" },
    );
    const tampered = { ...head, url: (head.url as string).replace("prefix=a", "prefix=b") };
    expect(refused(verifier.verify(tampered)).kind).toBe("badSignature");
    const added = { ...head, url: `${head.url}&max-keys=1` };
    expect(refused(verifier.verify(added)).kind).toBe("badSignature");
  });

  it("a request signed 20 minutes before or after the server's clock is skewed", async () => {
    const late = refused(
      verifier.verify(await listModels({ at: NOW - 20 * 60_000 }), { body: Buffer.from("{}") }),
    );
    expect(late).toMatchObject({
      kind: "skewed",
      facts: { requestTime: "20261201T091000Z", serverTime: "20261201T093000Z" },
    });
    expect(authErrorFor(late, "json")).toMatchObject({
      code: "InvalidSignatureException",
      status: 400,
      message:
        "Signature expired: 20261201T091000Z is now earlier than 20261201T091500Z (20261201T093000Z - 15 min.)",
    });
    expect(authErrorFor(late, "s3")).toEqual({
      code: "RequestTimeTooSkewed",
      status: 403,
      message: "The difference between the request time and the current time is too large.",
      fields: {
        RequestTime: "20261201T091000Z",
        ServerTime: "2026-12-01T09:30:00Z",
        MaxAllowedSkewMilliseconds: "900000",
      },
    });
    const early = refused(
      verifier.verify(await listModels({ at: NOW + 20 * 60_000 }), { body: Buffer.from("{}") }),
    );
    expect(authErrorFor(early, "query").message).toBe(
      "Signature not yet current: 20261201T095000Z is still later than 20261201T094500Z (20261201T093000Z + 15 min.)",
    );
    accepted(verifier.verify(await listModels({ at: NOW - 14 * 60_000 }), { body: Buffer.from("{}") }));
  });

  it("an expired presigned URL, and one dated in the future", async () => {
    const request = {
      method: "GET",
      path: s3Path("workshop-bucket", "model.tar.gz"),
      headers: { "x-amz-content-sha256": "UNSIGNED-PAYLOAD" },
    };
    const expired = refused(
      verifier.verify(await presign(request, { service: "s3", at: NOW - 3601_000, expiresIn: 3600 })),
    );
    expect(expired).toMatchObject({ kind: "expired", presigned: true, facts: { expiresSeconds: 3600 } });
    expect(authErrorFor(expired, "s3")).toMatchObject({
      code: "AccessDenied",
      status: 403,
      message: "Request has expired",
      fields: {
        "X-Amz-Expires": "3600",
        Expires: "2026-12-01T09:29:59Z",
        ServerTime: "2026-12-01T09:30:00Z",
      },
    });
    accepted(verifier.verify(await presign(request, { service: "s3", at: NOW - 3599_000, expiresIn: 3600 })));
    const future = refused(verifier.verify(await presign(request, { service: "s3", at: NOW + 20 * 60_000 })));
    expect(authErrorFor(future, "s3")).toMatchObject({
      code: "AccessDenied",
      message: "Request is not valid yet",
    });
  });

  it("presigned parameters out of range or missing", async () => {
    const head = await presign(
      { method: "GET", path: "/b/k", headers: { "x-amz-content-sha256": "UNSIGNED-PAYLOAD" } },
      { service: "s3" },
    );
    const url = head.url as string;
    const week = refused(
      verifier.verify({ ...head, url: url.replace("X-Amz-Expires=900", "X-Amz-Expires=604801") }),
    );
    expect(week).toMatchObject({
      kind: "malformed",
      presigned: true,
      message: expect.stringContaining("604801"),
    });
    expect(authErrorFor(week, "s3").code).toBe("AuthorizationQueryParametersError");
    const noDate = refused(verifier.verify({ ...head, url: url.replace(/&?X-Amz-Date=[^&]*/, "") }));
    expect(noDate.message).toContain("lacks X-Amz-Date");
    const both = refused(verifier.verify(withHeader(head, "authorization", "AWS4-HMAC-SHA256 Credential=x")));
    expect(both.message).toContain("Only one auth mechanism allowed");
  });

  it("malformed Authorization headers say what is missing", async () => {
    const head = await listModels();
    const authorization = head.headers.authorization as string;
    const noSignature = refused(
      verifier.verify(withHeader(head, "authorization", authorization.replace(/, Signature=.*/, ""))),
    );
    expect(noSignature).toMatchObject({
      kind: "malformed",
      message: expect.stringContaining("requires 'Signature' parameter"),
    });
    expect(authErrorFor(noSignature, "json")).toMatchObject({
      code: "IncompleteSignatureException",
      status: 400,
    });
    expect(authErrorFor(noSignature, "s3")).toMatchObject({
      code: "AuthorizationHeaderMalformed",
      message: expect.stringMatching(/^The authorization header is malformed; /),
    });
    const badCredential = refused(
      verifier.verify(withHeader(head, "authorization", authorization.replace("/aws4_request", ""))),
    );
    expect(badCredential.message).toContain("is mal-formed");
    const noDate = refused(verifier.verify(withHeader(head, "x-amz-date", undefined)));
    expect(noDate.message).toContain("either a 'X-Amz-Date' or a 'Date' header");
    const badDate = refused(verifier.verify(withHeader(head, "x-amz-date", "2026-12-01T09:30:00Z")));
    expect(badDate.message).toContain("ISO 8601 basic format");
    const noHost = refused(
      verifier.verify(withHeader(head, "authorization", authorization.replace("host;", ""))),
    );
    expect(noHost.message).toContain("'Host' must be a 'SignedHeader'");
    const badHash = refused(verifier.verify(withHeader(head, "x-amz-content-sha256", "not-a-hash")));
    expect(badHash).toMatchObject({
      kind: "malformed",
      message: expect.stringContaining("x-amz-content-sha256"),
    });
  });

  it("other authorization schemes are unsupported", () => {
    for (const authorization of [
      "AWS AKIALOCALTESTKEY0001:c2lnbmF0dXJl",
      "Bearer abc",
      "AWS4-ECDSA-P256-SHA256 Credential=x",
    ]) {
      const failure = refused(
        verifier.verify({ method: "GET", url: "/", headers: { host: HOST, authorization } }),
      );
      expect(failure.kind).toBe("unsupported");
      expect(authErrorFor(failure, "s3")).toMatchObject({ code: "InvalidRequest", status: 400 });
    }
  });

  it("a credential scope for another region, service or date", async () => {
    const otherRegion = refused(
      verifier.verify(await listModels({ region: "us-east-1" }), { body: Buffer.from("{}") }),
    );
    expect(otherRegion.facts).toMatchObject({
      scopeProblem: "region",
      scopeRegion: "us-east-1",
      expectedRegion: REGION,
    });
    expect(authErrorFor(otherRegion, "s3")).toMatchObject({
      code: "AuthorizationHeaderMalformed",
      message:
        "The authorization header is malformed; the region 'us-east-1' is wrong; expecting 'ap-northeast-2'",
      fields: { Region: REGION },
    });
    expect(authErrorFor(otherRegion, "json").message).toBe("Credential should be scoped to a valid region. ");
    const head = await listModels();
    const otherService = refused(verifier.verify(head, { body: Buffer.from("{}"), service: "s3" }));
    expect(authErrorFor(otherService, "json").message).toBe(
      "Credential should be scoped to correct service: 's3'. ",
    );
    const otherDate = refused(verifier.verify(withHeader(head, "x-amz-date", "20261202T093000Z")));
    expect(authErrorFor(otherDate, "json").message).toBe(
      "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20261201' != '20261202', from '20261202T093000Z'.",
    );
    const anyRegion = new SigV4Verifier({ keys: [KEY], now: () => NOW });
    accepted(anyRegion.verify(await listModels({ region: "us-east-1" }), { body: Buffer.from("{}") }));
  });

  it("a bare kind gives the generic AWS error", () => {
    const families: AuthErrorFamily[] = ["json", "rest-json", "query", "s3"];
    for (const family of families) {
      for (const kind of [
        "badSignature",
        "skewed",
        "expired",
        "malformed",
        "wrongScope",
        "incompleteBody",
      ] as const) {
        const error = authErrorFor(kind, family);
        expect(error.code).toMatch(/^[A-Z][A-Za-z0-9]+$/);
        expect(error.message.length).toBeGreaterThan(10);
      }
    }
  });
});

describe("credentialScopeService", () => {
  it("reads the service of the Authorization header or the presigned credential without verifying", async () => {
    const head = await sign(
      { method: "POST", path: "/", body: Buffer.from("{}") },
      { service: "application-autoscaling" },
    );
    expect(credentialScopeService(head)).toBe("application-autoscaling");
    const presigned = await presign({ method: "GET", path: "/b/k" }, { service: "s3" });
    expect(credentialScopeService(presigned)).toBe("s3");
    expect(
      credentialScopeService({
        url: "/?a=1&X-Amz-Credential=AKIA%2F20261201%2Fap-northeast-2%2Fmonitoring%2Faws4_request",
        headers: {},
      }),
    ).toBe("monitoring");
    expect(credentialScopeService({ url: "/", headers: {} })).toBeUndefined();
    expect(
      credentialScopeService({ url: "/", headers: { authorization: "AWS4-HMAC-SHA256 Credential=broken" } }),
    ).toBeUndefined();
    expect(
      credentialScopeService({ url: "/?notX-Amz-Credential=a%2Fb%2Fc%2Fs3%2Fd", headers: {} }),
    ).toBeUndefined();
  });
});

/** A stand-in for local SageMaker: verifies each request and answers just enough for the SDK call to complete. */
interface Seen {
  service: string | undefined;
  result: AuthResult;
  decodedBody?: string;
}

function startVerifyingServer(check: SigV4Verifier, seen: Seen[]): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => answer(check, seen, req, res, Buffer.concat(chunks)));
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

function answer(
  check: SigV4Verifier,
  seen: Seen[],
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer,
): void {
  const service = credentialScopeService(req);
  const family: AuthErrorFamily =
    service === "s3" ? "s3" : (req.url ?? "").startsWith("/endpoints/") ? "rest-json" : "json";
  let result: AuthResult = check.verify(req, { body });
  const record: Seen = { service, result };
  seen.push(record);
  if (
    result.ok &&
    (result.payload.kind === "streaming-signed" || result.payload.kind === "streaming-unsigned")
  ) {
    const decoded = check.verifyChunkedBody(result, body);
    if (decoded.ok) record.decodedBody = decoded.body.toString();
    else result = decoded;
  }
  if (!result.ok) {
    const error = authErrorFor(result, family);
    if (family === "s3") {
      res.writeHead(error.status, { "content-type": "application/xml" });
      res.end(
        `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${error.code}</Code><Message>${error.message}</Message></Error>`,
      );
    } else {
      res.writeHead(error.status, { "content-type": "application/json", "x-amzn-errortype": error.code });
      res.end(JSON.stringify({ __type: error.code, message: error.message }));
    }
    return;
  }
  if (family === "s3") {
    res.writeHead(200, req.method === "PUT" ? { etag: '"0"' } : { "content-type": "text/plain" });
    res.end(req.method === "GET" ? "hello from s3" : undefined);
  } else if (family === "rest-json") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end('[{"label":"positive","score":0.9}]');
  } else {
    res.writeHead(200, { "content-type": "application/x-amz-json-1.1" });
    res.end('{"Models":[]}');
  }
}

describe("end to end: the AWS SDK clients against a verifying server", () => {
  const seen: Seen[] = [];
  let server: Server;
  let endpoint: string;
  const realClock = new SigV4Verifier({ keys: [KEY], region: REGION });

  beforeAll(async () => {
    server = await startVerifyingServer(realClock, seen);
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  function clients(credentials: { accessKeyId: string; secretAccessKey: string }) {
    const config = { endpoint, region: REGION, credentials, maxAttempts: 1 };
    return {
      s3: new S3Client({ ...config, forcePathStyle: true }),
      sagemaker: new SageMakerClient(config),
      runtime: new SageMakerRuntimeClient(config),
    };
  }

  function last(): Seen {
    return seen[seen.length - 1] as Seen;
  }

  it("accepts S3 PutObject of a stream (aws-chunked), PutObject of bytes and GetObject", async () => {
    const { s3 } = clients(KEY);
    await s3.send(
      new PutObjectCommand({
        Bucket: "workshop-bucket",
        Key: "감성 data/train+1.csv",
        Body: Readable.from([Buffer.from("label,text\n"), Buffer.from("1,좋아요\n")]),
        ContentLength: Buffer.byteLength("label,text\n1,좋아요\n"),
      }),
    );
    expect(last()).toMatchObject({
      service: "s3",
      result: { ok: true },
      decodedBody: "label,text\n1,좋아요\n",
    });
    expect((last().result as AuthSuccess).payload.kind).toMatch(/^streaming-/);
    await s3.send(
      new PutObjectCommand({ Bucket: "workshop-bucket", Key: "a b.txt", Body: Buffer.from("bytes") }),
    );
    expect(last().result).toMatchObject({ ok: true, payload: { kind: "sha256", checked: true } });
    const object = await s3.send(
      new GetObjectCommand({ Bucket: "workshop-bucket", Key: "모델/model.tar.gz" }),
    );
    expect(await object.Body?.transformToString()).toBe("hello from s3");
    expect(last()).toMatchObject({ service: "s3", result: { ok: true } });
  });

  it("accepts SageMaker ListModels and SageMaker Runtime InvokeEndpoint", async () => {
    const { sagemaker, runtime } = clients(KEY);
    expect((await sagemaker.send(new ListModelsCommand({ MaxResults: 5 }))).Models).toEqual([]);
    expect(last()).toMatchObject({ service: "sagemaker", result: { ok: true, service: "sagemaker" } });
    const response = await runtime.send(
      new InvokeEndpointCommand({
        EndpointName: "ko-sentiment",
        ContentType: "application/json",
        Body: INVOKE_BODY,
      }),
    );
    expect(Buffer.from(response.Body as Uint8Array).toString()).toContain("positive");
    expect(last()).toMatchObject({ service: "sagemaker", result: { ok: true } });
  });

  it("refuses every client signing with a wrong secret, with each service's own error", async () => {
    const { s3, sagemaker, runtime } = clients({ ...KEY, secretAccessKey: WRONG_SECRET });
    await expect(s3.send(new GetObjectCommand({ Bucket: "b", Key: "k" }))).rejects.toMatchObject({
      name: "SignatureDoesNotMatch",
      $metadata: { httpStatusCode: 403 },
    });
    await expect(sagemaker.send(new ListModelsCommand({}))).rejects.toMatchObject({
      name: "InvalidSignatureException",
      $metadata: { httpStatusCode: 400 },
    });
    await expect(
      runtime.send(
        new InvokeEndpointCommand({ EndpointName: "e", ContentType: "application/json", Body: INVOKE_BODY }),
      ),
    ).rejects.toMatchObject({ name: "InvalidSignatureException", $metadata: { httpStatusCode: 403 } });
  });

  it("refuses an unknown access key", async () => {
    const { s3, sagemaker } = clients({
      accessKeyId: "AKIAOTHERKEY00000000",
      secretAccessKey: KEY.secretAccessKey,
    });
    await expect(s3.send(new GetObjectCommand({ Bucket: "b", Key: "k" }))).rejects.toMatchObject({
      name: "InvalidAccessKeyId",
    });
    await expect(sagemaker.send(new ListModelsCommand({}))).rejects.toMatchObject({
      name: "UnrecognizedClientException",
    });
  });
});

const hasBotocore = spawnSync("python3", ["-c", "import botocore"], { stdio: "ignore" }).status === 0;

/** boto3-style calls made with botocore alone, signed by botocore's own SigV4 implementation. */
const BOTOCORE_SCRIPT = `
import json, sys, urllib.request
import botocore.session
from botocore.config import Config

endpoint, key, secret = sys.argv[1], sys.argv[2], sys.argv[3]
session = botocore.session.get_session()
config = Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"})
def client(name):
    return session.create_client(name, region_name="ap-northeast-2", endpoint_url=endpoint,
                                 aws_access_key_id=key, aws_secret_access_key=secret, config=config)
client("sagemaker").list_models(MaxResults=5)
client("sagemaker-runtime").invoke_endpoint(EndpointName="ko-sentiment", ContentType="application/json", Body='{"inputs":"좋아요"}'.encode())
s3 = client("s3")
s3.put_object(Bucket="workshop-bucket", Key="감성 data/a+b (1).txt", Body=b"from botocore")
s3.get_object(Bucket="workshop-bucket", Key="감성 data/a+b (1).txt")["Body"].read()
url = s3.generate_presigned_url("get_object", Params={"Bucket": "workshop-bucket", "Key": "모델/model.tar.gz"}, ExpiresIn=600)
print(urllib.request.urlopen(url).read().decode())
`;

describe.skipIf(!hasBotocore)("botocore signs, the verifier admits", () => {
  const seen: Seen[] = [];
  let server: Server;
  let endpoint: string;

  beforeAll(async () => {
    server = await startVerifyingServer(new SigV4Verifier({ keys: [KEY], region: REGION }), seen);
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  async function runBotocore(secret: string): Promise<{ status: number; stderr: string; stdout: string }> {
    const { spawn } = await import("node:child_process");
    return new Promise((resolve) => {
      const child = spawn("python3", ["-c", BOTOCORE_SCRIPT, endpoint, KEY.accessKeyId, secret]);
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
      });
      child.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      child.on("close", (status) => resolve({ status: status ?? -1, stdout, stderr }));
    });
  }

  it("accepts SageMaker, SageMaker Runtime, S3 (keys with spaces, Hangul, +) and a presigned URL", async () => {
    const run = await runBotocore(KEY.secretAccessKey);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toBe("hello from s3");
    expect(
      seen.map((entry) => [entry.service, entry.result.ok, entry.result.ok && entry.result.presigned]),
    ).toEqual([
      ["sagemaker", true, false],
      ["sagemaker", true, false],
      ["s3", true, false],
      ["s3", true, false],
      ["s3", true, true],
    ]);
  });

  it("refuses botocore signing with a wrong secret", async () => {
    seen.length = 0;
    const run = await runBotocore(WRONG_SECRET);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain("InvalidSignatureException");
    expect(seen[0]?.result).toMatchObject({ ok: false, kind: "badSignature" });
  });
});
