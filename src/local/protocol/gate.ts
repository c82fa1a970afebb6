import { timingSafeEqual } from "node:crypto";
import type { ServerResponse } from "node:http";
import { AwsError } from "../core/errors";
import { sendJsonError } from "./aws-json";
import { header, readBody, sendBody } from "./http";
import type { RequestHead } from "./request-head";
import { sendRestJsonError } from "./rest-json";
import { sendS3Error } from "./s3-reply";
import { escapeXml } from "./s3-xml";
import { type AuthErrorFamily, type AuthSuccess, authErrorFor, type SigV4Verifier } from "./sigv4";

/**
 * Who may talk to local SageMaker. It runs code it is sent, so loopback alone is not enough: another user of the
 * machine can reach the port, and so can a web page in the user's browser (DNS rebinding, `text/plain` POSTs that
 * need no CORS preflight). Two checks, in every protocol's own error format:
 * - exposure: the Host must name this server (127.0.0.1, localhost, *.localhost or [::1], with its port), an
 *   Origin must be the server's own, and CORS preflights are refused (the server sends no CORS headers at all);
 * - admission: the request must be signed (SigV4) with the state folder's credentials, its body must match the
 *   signed hash, and S3's aws-chunked bodies have every chunk signature checked.
 */

export type ErrorFamily = AuthErrorFamily;

/** Writes `error` the way the request's protocol writes errors. */
export function sendFamilyError(
  res: ServerResponse,
  family: ErrorFamily,
  error: AwsError,
  head: RequestHead,
): void {
  switch (family) {
    case "json":
      sendJsonError(
        res,
        error,
        head.requestId,
        header(head.req, "content-type")?.includes("1.0") ? "1.0" : "1.1",
      );
      return;
    case "rest-json":
      sendRestJsonError(res, error, head.requestId);
      return;
    case "s3":
      sendS3Error(res, head.method, error, head.requestId);
      return;
    case "query": {
      const type = error.status >= 500 ? "Receiver" : "Sender";
      const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse><Error><Type>${type}</Type><Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message></Error><RequestId>${head.requestId}</RequestId></ErrorResponse>`;
      sendBody(res, error.status, Buffer.from(xml), {
        "Content-Type": "text/xml",
        "x-amzn-RequestId": head.requestId,
      });
    }
  }
}

const LOOPBACK_NAMES = /^(?:127\.0\.0\.1|localhost|\[::1\]|[a-z0-9][a-z0-9.-]*\.localhost)$/i;

export interface GateOptions {
  /** The port the server listens on (known once it listens). */
  port: () => number;
  /** Undefined when admission is switched off (LOCAL_SAGEMAKER_AUTH=off). */
  verifier: SigV4Verifier | undefined;
  /** The state folder's secret key: what the server's own `/_local/` routes also accept as proof. */
  secretAccessKey: string;
}

export interface Admitted {
  body: Buffer;
  /** The verified signature; undefined when admission is off. */
  auth: AuthSuccess | undefined;
}

export class Gate {
  constructor(private readonly options: GateOptions) {}

  get checksSignatures(): boolean {
    return this.options.verifier !== undefined;
  }

  /** The refusal of a request that is not addressed to this server, comes from another site, or is a preflight. */
  exposure(head: RequestHead, family: ErrorFamily): AwsError | undefined {
    const port = this.options.port();
    const host = header(head.req, "host") ?? "";
    const colon = host.lastIndexOf(":");
    const named = colon > host.lastIndexOf("]") ? host.slice(0, colon) : host;
    const hostPort = colon > host.lastIndexOf("]") ? Number(host.slice(colon + 1)) : 80;
    const denied = (message: string) =>
      new AwsError(family === "s3" ? "AccessDenied" : "AccessDeniedException", message, { status: 403 });
    if (!LOOPBACK_NAMES.test(named) || hostPort !== port) {
      return denied(
        `Local SageMaker answers only requests addressed to 127.0.0.1:${port} or localhost:${port}; this one names Host "${host.slice(0, 100)}".`,
      );
    }
    const origin = header(head.req, "origin");
    if (
      origin !== undefined &&
      origin !== `http://127.0.0.1:${port}` &&
      origin !== `http://localhost:${port}`
    ) {
      return denied(
        `Local SageMaker does not answer requests from web pages of other sites (Origin "${origin.slice(0, 100)}").`,
      );
    }
    if (head.method === "OPTIONS") {
      return denied("Local SageMaker answers no CORS preflight: it is not reachable from web pages.");
    }
    return undefined;
  }

  /**
   * Reads the body (up to `limit` bytes) and checks the request's signature against `service`, in the order that
   * never buffers an unsigned upload: the head first when the payload hash is in a header, the body after.
   */
  async admit(head: RequestHead, family: ErrorFamily, service: string, limit: number): Promise<Admitted> {
    const { verifier } = this.options;
    if (!verifier) return { body: await readBody(head.req, limit), auth: undefined };
    const presigned = head.query.has("X-Amz-Signature");
    const signedHash = head.req.headers["x-amz-content-sha256"] !== undefined || presigned;
    // A request with no signature at all is refused on its head: its body is never waited for nor read.
    const unsigned = head.req.headers.authorization === undefined && !presigned;
    if (signedHash || unsigned) {
      const result = verifier.verify(head.req, { service });
      if (!result.ok) throw toAwsError(result, family);
      const body = await readBody(head.req, limit);
      if (result.payload.kind === "sha256") {
        const mismatch = verifier.verifyPayload(result, body);
        if (mismatch) throw toAwsError(mismatch, family);
      }
      return { body, auth: result };
    }
    const body = await readBody(head.req, limit);
    const result = verifier.verify(head.req, { service, body });
    if (!result.ok) throw toAwsError(result, family);
    return { body, auth: result };
  }

  /** An aws-chunked body whose chunks are signed: decoded, every signature checked. */
  decodeSignedChunks(auth: AuthSuccess, raw: Buffer): { body: Buffer; trailers: Record<string, string> } {
    const decoded = (this.options.verifier as SigV4Verifier).verifyChunkedBody(auth, raw);
    if (!decoded.ok) throw toAwsError(decoded, "s3");
    return decoded;
  }

  /**
   * The server's own routes (shutdown, status) take a signed request of any service, or the secret key itself in
   * `X-Local-SageMaker-Key`: whoever can read the state folder's credentials file may stop the server.
   */
  async admitOwner(head: RequestHead): Promise<void> {
    const { verifier, secretAccessKey } = this.options;
    if (!verifier) return;
    const key = header(head.req, "x-local-sagemaker-key");
    if (key !== undefined) {
      const given = Buffer.from(key);
      const expected = Buffer.from(secretAccessKey);
      if (given.length === expected.length && timingSafeEqual(given, expected)) return;
      throw new AwsError("AccessDeniedException", "X-Local-SageMaker-Key is not this server's key.", {
        status: 403,
      });
    }
    const result = verifier.verify(head.req, { body: await readBody(head.req, 1024 * 1024) });
    if (!result.ok) throw toAwsError(result, "rest-json");
  }
}

function toAwsError(failure: Parameters<typeof authErrorFor>[0], family: ErrorFamily): AwsError {
  const error = authErrorFor(failure, family);
  return new AwsError(error.code, error.message, { status: error.status, fields: error.fields });
}
