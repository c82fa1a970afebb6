import type { IncomingMessage } from "node:http";
import { header, newRequestId } from "./http";
import { credentialScopeService } from "./sigv4";

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

/** Most requests have no query: they share one empty parameter list instead of parsing nothing. */
const NO_QUERY = new URLSearchParams();

export function readHead(req: IncomingMessage): RequestHead {
  const raw = req.url ?? "/";
  const queryAt = raw.indexOf("?");
  return {
    req,
    method: req.method ?? "GET",
    path: queryAt >= 0 ? raw.slice(0, queryAt) : raw,
    query: queryAt >= 0 ? new URLSearchParams(raw.slice(queryAt + 1)) : NO_QUERY,
    target: header(req, "x-amz-target"),
    scope: credentialScopeService({ url: raw, headers: req.headers }),
    requestId: newRequestId(),
  };
}
