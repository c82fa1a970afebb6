import type { IncomingMessage, ServerResponse } from "node:http";
import { gunzipSync } from "node:zlib";
import { AwsError } from "../core/errors";

/**
 * Reads a whole request body. The cap protects the server from a client that streams forever; the services apply
 * their own, smaller, limits (6 MiB for invocations) with their own error codes.
 */
export function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  // A declared length over the cap is refused before a byte is read, not after waiting for bytes that may never come.
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > limitBytes) {
    return Promise.reject(
      new AwsError(
        "EntityTooLarge",
        `The request body (Content-Length ${declared}) exceeds the local limit of ${limitBytes} bytes.`,
        { status: 413 },
      ),
    );
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on("data", (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limitBytes) {
        failed = true;
        reject(
          new AwsError("EntityTooLarge", `The request body exceeds the local limit of ${limitBytes} bytes.`, {
            status: 413,
          }),
        );
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (!failed) resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    });
    req.on("error", (error) => {
      if (!failed) {
        failed = true;
        reject(error);
      }
    });
  });
}

/** Header value as one string: Node gives arrays for repeated headers. */
export function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(",") : value;
}

/** Before an answer is written: a request whose body was not read (refused before it) does not keep its connection. */
export function closeIfBodyUnread(res: ServerResponse): void {
  if (res.req !== undefined && !res.req.complete) res.shouldKeepAlive = false;
}

/**
 * Writes a complete answer with its Content-Length. An answer to a request whose body was not read (a refusal
 * before reading it) closes the connection: keeping it would mean waiting for, or reading, that body.
 */
export function sendBody(
  res: ServerResponse,
  status: number,
  body: Buffer,
  headers: Record<string, string>,
): void {
  closeIfBodyUnread(res);
  headers["Content-Length"] = String(body.length);
  res.writeHead(status, headers);
  res.end(body);
}

/** This process and its start: with a counter, request ids never repeat across restarts either. */
const REQUEST_ID_PREFIX = `${process.pid.toString(16)}${Date.now().toString(16)}`.toUpperCase();
let requestCounter = 0;

/** A request id in the shape AWS uses (upper-case hex), unique to this server's run. */
export function newRequestId(): string {
  requestCounter += 1;
  return REQUEST_ID_PREFIX + requestCounter.toString(16).toUpperCase().padStart(8, "0");
}

/**
 * A request body as sent before `Content-Encoding: gzip` (the SDKs compress operations with the requestCompression
 * trait, such as CloudWatch's PutMetricData, past 10 KB); expanded at most to `limitBytes`, so a small bomb
 * cannot grow without bound. Other bodies are returned as they are.
 */
export function decodedBody(req: IncomingMessage, body: Buffer, limitBytes: number): Buffer {
  const encoding = header(req, "content-encoding")?.toLowerCase() ?? "";
  if (!encoding.split(",").some((part) => part.trim() === "gzip")) return body;
  try {
    return gunzipSync(body, { maxOutputLength: limitBytes });
  } catch (error) {
    throw new AwsError(
      "SerializationException",
      `The request body is marked Content-Encoding: gzip but could not be expanded (${(error as Error).message}); the local limit is ${limitBytes} bytes.`,
    );
  }
}
