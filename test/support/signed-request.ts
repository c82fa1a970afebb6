import { createHash, createHmac, type Hash, type Hmac } from "node:crypto";
import { request } from "node:http";
import { SignatureV4 } from "@smithy/signature-v4";

/** Raw HTTP requests signed with SigV4 exactly as an AWS SDK signs them, for tests that need to craft the wire. */

function bytes(data: string | ArrayBuffer | ArrayBufferView): string | Buffer {
  if (typeof data === "string") return data;
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** The checksum constructor SignatureV4 wants, over node:crypto (an HMAC when given a secret). */
class NodeSha256 {
  private readonly hash: Hash | Hmac;

  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash("sha256") : createHmac("sha256", bytes(secret));
  }

  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(bytes(data));
  }

  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

export interface SignedRequestOptions {
  /** The service of the credential scope: "sagemaker", "s3", "lambda", "sqs", ... */
  service: string;
  method?: string;
  /** Path and query as they go on the wire (already percent-encoded). */
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  region?: string;
  /** Leave the request unsigned (no Authorization at all). */
  unsigned?: boolean;
  /** The time the signature claims (default now): a clock that is off. */
  signingDate?: Date;
}

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** The headers `options` goes on the wire with: signed as the SDKs sign (unless `unsigned`), Host included. */
export async function signedHeaders(
  url: string,
  options: SignedRequestOptions,
): Promise<Record<string, string>> {
  const target = new URL(url);
  const [path = "/", query = ""] = options.path.split("?");
  const body = options.body === undefined ? Buffer.alloc(0) : Buffer.from(options.body);
  const headers: Record<string, string> = {
    host: target.host,
    "content-length": String(body.length),
    ...Object.fromEntries(
      Object.entries(options.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]),
    ),
  };
  if (options.unsigned) return headers;
  const signer = new SignatureV4({
    service: options.service,
    region: options.region ?? "ap-northeast-2",
    credentials: options.credentials ?? { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "example-secret" },
    sha256: NodeSha256,
    uriEscapePath: options.service !== "s3",
  });
  const queryBag: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(query)) queryBag[name] = value;
  const result = await signer.sign(
    {
      method: options.method ?? "POST",
      protocol: "http:",
      hostname: target.hostname,
      port: Number(target.port),
      path,
      query: queryBag,
      headers,
      body,
    },
    options.signingDate ? { signingDate: options.signingDate } : undefined,
  );
  return result.headers as Record<string, string>;
}

export async function signedRequest(url: string, options: SignedRequestOptions): Promise<RawAnswer> {
  const target = new URL(url);
  const body = options.body === undefined ? Buffer.alloc(0) : Buffer.from(options.body);
  const signed = await signedHeaders(url, options);
  return new Promise((resolve, reject) => {
    const call = request(
      {
        host: target.hostname,
        port: target.port,
        method: options.method ?? "POST",
        path: options.path,
        headers: signed,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            text: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    call.on("error", reject);
    call.end(body);
  });
}

const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const hex = (data: string | Buffer): string => createHash("sha256").update(data).digest("hex");

/**
 * A PUT whose body is aws-chunked with every chunk signed and a signed CRC32 trailer, as the Java and Go SDKs
 * stream uploads (STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER). `crc32` is the trailer's value (right or wrong);
 * `tamper` flips the first chunk's signature.
 */
export async function signedChunkedPut(
  url: string,
  credentials: { accessKeyId: string; secretAccessKey: string },
  options: { path: string; data: Buffer; crc32: string; tamper?: boolean; region?: string },
): Promise<RawAnswer> {
  const target = new URL(url);
  const region = options.region ?? "ap-northeast-2";
  const signer = new SignatureV4({
    service: "s3",
    region,
    credentials,
    sha256: NodeSha256,
    uriEscapePath: false,
  });
  const now = new Date();
  const headers: Record<string, string> = {
    host: target.host,
    "content-encoding": "aws-chunked",
    "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
    "x-amz-decoded-content-length": String(options.data.length),
    "x-amz-trailer": "x-amz-checksum-crc32",
  };
  const signed = await signer.sign(
    {
      method: "PUT",
      protocol: "http:",
      hostname: target.hostname,
      port: Number(target.port),
      path: options.path,
      query: {},
      headers,
    },
    { signingDate: now },
  );
  const authorization = signed.headers.authorization as string;
  const amzDate = signed.headers["x-amz-date"] as string;
  const scope = `${amzDate.slice(0, 8)}/${region}/s3/aws4_request`;
  let previous = /Signature=([0-9a-f]{64})/.exec(authorization)?.[1] as string;
  const parts: Buffer[] = [];
  for (const chunk of [options.data, Buffer.alloc(0)]) {
    previous = await signer.sign(
      ["AWS4-HMAC-SHA256-PAYLOAD", amzDate, scope, previous, EMPTY_SHA256, hex(chunk)].join("\n"),
      { signingDate: now },
    );
    const shown =
      options.tamper && chunk.length > 0 ? previous.replace(/^./, (c) => (c === "a" ? "b" : "a")) : previous;
    parts.push(Buffer.from(`${chunk.length.toString(16)};chunk-signature=${shown}\r\n`), chunk);
    if (chunk.length > 0) parts.push(Buffer.from("\r\n"));
  }
  const trailer = `x-amz-checksum-crc32:${options.crc32}\n`;
  const trailerSignature = await signer.sign(
    ["AWS4-HMAC-SHA256-TRAILER", amzDate, scope, previous, hex(trailer)].join("\n"),
    { signingDate: now },
  );
  parts.push(
    Buffer.from(
      `x-amz-checksum-crc32:${options.crc32}\r\nx-amz-trailer-signature:${trailerSignature}\r\n\r\n`,
    ),
  );
  const body = Buffer.concat(parts);
  return new Promise((resolve, reject) => {
    const call = request(
      {
        host: target.hostname,
        port: target.port,
        method: "PUT",
        path: options.path,
        headers: { ...(signed.headers as Record<string, string>), "content-length": String(body.length) },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            text: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    call.on("error", reject);
    call.end(body);
  });
}
