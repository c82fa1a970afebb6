import type { ServerResponse } from "node:http";
import { pipeline, type Readable } from "node:stream";
import type { AwsError } from "../core/errors";
import { closeIfBodyUnread } from "./http";

/** How an S3 answer goes on the wire: status, headers and XML (or bytes, or a stream); errors as S3 writes them. */

export interface S3Reply {
  status?: number;
  headers?: Record<string, string>;
  xml?: string;
  body?: Buffer;
  /** A body streamed from disk; its Content-Length is among the headers. */
  stream?: Readable;
}

export const XML_HEADERS = { "Content-Type": "application/xml" };

export function sendS3Error(res: ServerResponse, method: string, error: AwsError, requestId: string): void {
  send(res, method, requestId, errorReply(error, requestId));
}

export function errorReply(error: AwsError, requestId: string): S3Reply {
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(error.fields))
    if (value !== undefined) fields[name] = String(value);
  return {
    status: error.status,
    xml: `<?xml version="1.0" encoding="UTF-8"?>\n${`<Error>${toErrorXml({ Code: error.code, Message: error.message, ...fields, RequestId: requestId })}</Error>`}`,
  };
}

function toErrorXml(fields: Record<string, string>): string {
  return Object.entries(fields)
    .map(([name, value]) => `<${name}>${value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)}</${name}>`)
    .join("");
}

export function send(res: ServerResponse, method: string, requestId: string, reply: S3Reply): void {
  const payload = reply.body ?? (reply.xml !== undefined ? Buffer.from(reply.xml, "utf8") : Buffer.alloc(0));
  const headers: Record<string, string> = {
    "x-amz-request-id": requestId,
    "x-amz-id-2": requestId,
    ...(reply.xml !== undefined ? XML_HEADERS : {}),
    ...reply.headers,
  };
  const status = reply.status ?? 200;
  closeIfBodyUnread(res);
  // HEAD answers carry the GET's headers (Content-Length included) but never a body, errors included.
  if (method === "HEAD" || status === 204 || status === 304) {
    if (method === "HEAD" && reply.headers?.["Content-Length"] === undefined) headers["Content-Length"] = "0";
    res.writeHead(status, headers);
    res.end();
    return;
  }
  if (reply.stream) {
    res.writeHead(status, headers);
    // A client that goes away mid-download ends the stream (and closes the file) with it.
    pipeline(reply.stream, res, () => {});
    return;
  }
  headers["Content-Length"] = String(payload.length);
  res.writeHead(status, headers);
  res.end(payload);
}
