import type { IncomingMessage, ServerResponse } from "node:http";
import { AwsError, toAwsError } from "../core/errors";
import { handleAwsJson, type JsonServiceSpec, sendJsonError } from "./aws-json";
import { header, newRequestId, readBody, sendBody } from "./http";
import { type RestJsonService, sendRestJsonError } from "./rest-json";
import { escapeXml } from "./s3-xml";

/**
 * The route table: one ordered list decides which service a request is for, the way AWS's own front ends tell
 * them apart on one host:
 *   1. the server's own `/_local/*` routes;
 *   2. `X-Amz-Target: <Prefix>.<Operation>` → the awsJson service with that prefix (SageMaker, Logs, ...);
 *   3. the service named in the SigV4 credential scope (`Credential=AKID/<date>/<region>/<service>/aws4_request`)
 *      → that REST or query service, matched by its URI templates (SageMaker Runtime, Lambda, ...); without a
 *      signature (auth switched off), the URI templates alone;
 *   4. S3, explicitly last: path-style `/<bucket>/<key>` takes whatever is left.
 * A request that names a service or operation nobody serves gets the error of the protocol it looks like, saying
 * what was not understood, instead of being misread as S3.
 */

/** What routing looks at, read once per request. */
export interface RequestHead {
  readonly req: IncomingMessage;
  readonly method: string;
  /** The raw path, percent-encoding intact, without the query. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly target: string | undefined;
  /** The service of the SigV4 credential scope (header or presigned query), unverified. */
  readonly scope: string | undefined;
  readonly requestId: string;
}

/** A route looks at the head once: it either takes the request (the answer to write) or leaves it to the next. */
export interface Route {
  readonly name: string;
  claim(head: RequestHead): ((res: ServerResponse) => Promise<void>) | undefined;
}

/** awsJson and REST request bodies are small on AWS (6 MiB payloads); the cap leaves room to answer clearly. */
export const MAX_API_BODY_BYTES = 64 * 1024 * 1024;

/** The service name in `Credential=AKID/20261201/ap-northeast-2/<service>/aws4_request`, read but not verified. */
export function credentialScopeService(
  authorization: string | undefined,
  query: URLSearchParams,
): string | undefined {
  let credential: string | undefined;
  if (authorization !== undefined) {
    const at = authorization.indexOf("Credential=");
    if (at < 0) return undefined;
    const end = authorization.indexOf(",", at);
    credential = authorization.slice(at + "Credential=".length, end < 0 ? undefined : end).trim();
  } else {
    credential = query.get("X-Amz-Credential") ?? undefined;
  }
  const parts = credential?.split("/");
  return parts?.length === 5 ? parts[3] : undefined;
}

/** Most requests have no query: they share one empty parameter list instead of parsing nothing. */
const NO_QUERY = new URLSearchParams();

export function readHead(req: IncomingMessage): RequestHead {
  const raw = req.url ?? "/";
  const queryAt = raw.indexOf("?");
  const query = queryAt >= 0 ? new URLSearchParams(raw.slice(queryAt + 1)) : NO_QUERY;
  return {
    req,
    method: req.method ?? "GET",
    path: queryAt >= 0 ? raw.slice(0, queryAt) : raw,
    query,
    target: header(req, "x-amz-target"),
    scope: credentialScopeService(header(req, "authorization"), query),
    requestId: newRequestId(),
  };
}

export class Router {
  constructor(private readonly routes: readonly Route[]) {}

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const head = readHead(req);
    try {
      let answer: ((res: ServerResponse) => Promise<void>) | undefined;
      for (const route of this.routes) {
        answer = route.claim(head);
        if (answer) break;
      }
      if (!answer) throw new Error(`no route for ${head.method} ${head.path} (the table must end with S3)`);
      await answer(res);
    } catch (error) {
      // Whatever escaped a protocol layer (a body that could not be read, a bug): answer and go on.
      const failure = toAwsError(error);
      if (res.headersSent) res.destroy();
      else sendJsonError(res, failure, head.requestId, "1.1");
    }
  }
}

/** The awsJson services, by target prefix. */
export function awsJsonRoute(services: readonly JsonServiceSpec[]): Route {
  const byPrefix = new Map(services.map((service) => [service.targetPrefix, service]));
  return {
    name: "awsJson",
    claim: (head) => (head.target === undefined ? undefined : (res) => answer(head, res)),
  };

  async function answer(head: RequestHead, res: ServerResponse): Promise<void> {
    const target = head.target as string;
    const dot = target.lastIndexOf(".");
    const service = dot > 0 ? byPrefix.get(target.slice(0, dot)) : undefined;
    if (!service || head.method !== "POST") {
      const version = header(head.req, "content-type")?.includes("1.0") ? "1.0" : "1.1";
      const served = [...byPrefix.keys()].map((prefix) => `${prefix}.*`).join(", ");
      sendJsonError(
        res,
        new AwsError(
          "UnknownOperationException",
          head.method !== "POST"
            ? `X-Amz-Target requests are POSTs; got ${head.method}.`
            : `Local SageMaker does not serve X-Amz-Target "${target.slice(0, 200)}"; it serves ${served}.`,
        ),
        head.requestId,
        version,
      );
      return;
    }
    const body = await readBody(head.req, MAX_API_BODY_BYTES);
    await handleAwsJson(service, target.slice(dot + 1), body, res, head.requestId);
  }
}

/**
 * A restJson service (SageMaker Runtime, Lambda): requests signed for `signingName`, or unsigned requests whose
 * method and path fit one of its URI templates. A signed request for it that fits none is answered by it.
 */
export function restJsonRoute(service: RestJsonService, signingName: string): Route {
  return {
    name: service.spec.serviceName,
    claim(head) {
      if (head.target !== undefined || (head.scope !== undefined && head.scope !== signingName))
        return undefined;
      const found = service.find(head.method, head.path, head.query);
      if (found) {
        return async (res) => {
          const body = await readBody(head.req, MAX_API_BODY_BYTES);
          await service.handle(found, head.req.headers, head.query, body, res, head.requestId);
        };
      }
      // Signed for this service but fitting none of its operations: its own error, not another service's.
      if (head.scope !== signingName) return undefined;
      return async (res) =>
        sendRestJsonError(
          res,
          new AwsError(
            "UnknownOperationException",
            `${service.spec.serviceName} has no operation at ${head.method} ${head.path.slice(0, 200)}.`,
            { status: 404 },
          ),
          head.requestId,
        );
    },
  };
}

/**
 * Signed for a service this server does not serve (`sqs`, `dynamodb`, ...): the error is written in the format the
 * request's content type suggests, so the client's own parser can read it.
 */
export function unknownServiceRoute(served: readonly string[]): Route {
  return {
    name: "unknown service",
    claim: (head) =>
      head.scope !== undefined && head.scope !== "s3" && !served.includes(head.scope)
        ? (res) => answer(head, res)
        : undefined,
  };

  async function answer(head: RequestHead, res: ServerResponse): Promise<void> {
    const message = `Local SageMaker does not serve the service "${head.scope}" (the request is signed for it); it serves ${served.join(", ")} and s3.`;
    const type = header(head.req, "content-type") ?? "";
    if (type.includes("json")) {
      sendJsonError(res, new AwsError("UnknownServiceException", message), head.requestId, "1.1");
      return;
    }
    const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse><Error><Type>Sender</Type><Code>UnknownService</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${head.requestId}</RequestId></ErrorResponse>`;
    sendBody(res, 400, Buffer.from(xml), { "Content-Type": "text/xml", "x-amzn-RequestId": head.requestId });
  }
}
