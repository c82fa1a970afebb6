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
}

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export async function signedRequest(url: string, options: SignedRequestOptions): Promise<RawAnswer> {
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
  let signed = headers;
  if (!options.unsigned) {
    const signer = new SignatureV4({
      service: options.service,
      region: options.region ?? "ap-northeast-2",
      credentials: options.credentials ?? { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "example-secret" },
      sha256: NodeSha256,
      uriEscapePath: options.service !== "s3",
    });
    const queryBag: Record<string, string> = {};
    for (const [name, value] of new URLSearchParams(query)) queryBag[name] = value;
    const result = await signer.sign({
      method: options.method ?? "POST",
      protocol: "http:",
      hostname: target.hostname,
      port: Number(target.port),
      path,
      query: queryBag,
      headers,
      body,
    });
    signed = result.headers as Record<string, string>;
  }
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
