/**
 * AWS Signature Version 4 verification, so local SageMaker admits only requests signed with its own key, the
 * way AWS does: from the Authorization header or a presigned URL, with the credential scope, the clock, the
 * signed payload hash and, for S3 aws-chunked uploads, every chunk signature checked. It works on the request
 * head as Node received it (method, raw `req.url`, lower-cased headers), before or after the body is read.
 *
 * A failure names its kind; `authErrorFor` (sigv4-errors.ts) turns it into each protocol's own AWS error.
 * This runs on every request, InvokeEndpoint included: headers are parsed with indexOf, derived signing keys
 * are cached, and regular expressions are compiled once.
 */
import {
  canonicalHeaderValue,
  canonicalQuery,
  canonicalUri,
  parseQuery,
  type RawQueryParameter,
} from "./canonical";
import { decodeSignedChunks, type StreamContext } from "./chunked";
import {
  ALGORITHM,
  type Claim,
  hasPresignedParameters,
  headerText,
  parseAuthorizationHeader,
  parsePresignedQuery,
  percentDecode,
  type RequestHeaders,
  TERMINATOR,
} from "./claim";
import { EMPTY_SHA256, hmac, hmacHex, sameSignature, sha256Hex } from "./crypto";
import { basicTime, MAX_SKEW_MS } from "./time";
import { type AuthFailure, type AuthFailureFacts, authFailure, type ChunkedBodyResult } from "./types";

export { authErrorFor } from "./errors";
export type {
  AuthError,
  AuthErrorFamily,
  AuthFailure,
  AuthFailureFacts,
  AuthFailureKind,
  ChunkedBodyResult,
} from "./types";

/** The parts of an IncomingMessage the verifier reads; a plain object does as well. */
export interface SignedRequestHead {
  method?: string;
  /** Path and query exactly as received (`req.url`): the signature covers their encoding. */
  url?: string;
  /** Lower-cased names, as Node gives them. */
  headers: RequestHeaders;
}

/** What the signature says about the body. */
export type SignedPayload =
  /** `UNSIGNED-PAYLOAD`: the body is not covered (presigned URLs, S3 clients over TLS). */
  | { kind: "unsigned" }
  /** The body must hash to `sha256`; `checked` when it did (the body was given), else call verifyPayload. */
  | { kind: "sha256"; sha256: string; checked: boolean }
  /** aws-chunked with a signature per chunk (and on the trailer): decode it with verifyChunkedBody. */
  | { kind: "streaming-signed"; trailer: boolean }
  /** `STREAMING-UNSIGNED-PAYLOAD-TRAILER`: aws-chunked without chunk signatures, integrity by the trailer's checksum. */
  | { kind: "streaming-unsigned" };

export interface AuthSuccess {
  readonly ok: true;
  readonly accessKeyId: string;
  readonly region: string;
  /** The credential scope's service: s3, sagemaker (API and Runtime alike), lambda, monitoring, logs, ... */
  readonly service: string;
  readonly signedHeaders: readonly string[];
  /** The signature's X-Amz-Date, ISO 8601 basic (20261201T093000Z). */
  readonly signedAt: string;
  readonly presigned: boolean;
  readonly payload: SignedPayload;
}

export type AuthResult = AuthSuccess | AuthFailure;

export interface SigV4VerifierOptions {
  /** The access keys admitted. */
  keys: ReadonlyArray<{ accessKeyId: string; secretAccessKey: string }>;
  /** When set, a credential scope naming another region is refused, as AWS does. */
  region?: string;
  /** The clock, in milliseconds since the epoch: tests inject one. */
  now?: () => number;
}

export interface VerifyOptions {
  /**
   * The body, when it has been read: a signed SHA-256 is then checked against it. Requests signed without
   * an `x-amz-content-sha256` header (the JSON protocols) sign the body's hash, so they cannot be verified
   * without it. Streaming bodies are checked by verifyChunkedBody instead.
   */
  body?: Buffer;
  /** The signing name the endpoint expects; another one in the credential scope is refused. */
  service?: string;
}

const SIGNING_KEY_CACHE_LIMIT = 64;
const DECIMAL_LENGTH = /^\d{1,15}$/;
const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;

export class SigV4Verifier {
  readonly #secrets = new Map<string, string>();
  readonly #region: string | undefined;
  readonly #now: () => number;
  readonly #signingKeys = new Map<string, Buffer>();
  /** Chunk-signing material of streaming successes, kept off the result objects so they cannot be logged. */
  readonly #streams = new WeakMap<AuthSuccess, StreamContext>();

  constructor(options: SigV4VerifierOptions) {
    for (const { accessKeyId, secretAccessKey } of options.keys)
      this.#secrets.set(accessKeyId, secretAccessKey);
    this.#region = options.region;
    this.#now = options.now ?? Date.now;
  }

  /** Verifies the signature of a request head (and of its body when given, see VerifyOptions). */
  verify(head: SignedRequestHead, options: VerifyOptions = {}): AuthResult {
    const url = head.url ?? "/";
    const mark = url.indexOf("?");
    const path = mark < 0 ? url : url.slice(0, mark);
    const query = mark < 0 ? [] : parseQuery(url.slice(mark + 1));
    const presigned = query.length > 0 && hasPresignedParameters(query);
    const authorization = headerText(head.headers.authorization);
    if (authorization === undefined || authorization === "") {
      if (!presigned) {
        return authFailure(
          "missing",
          false,
          "The request is not signed: it has neither an Authorization header nor a presigned X-Amz-Signature. " +
            "Sign it with an AWS SDK, botocore or the AWS CLI using the local credentials.",
        );
      }
      const claim = parsePresignedQuery(query, head.headers);
      return "ok" in claim ? claim : this.#check(claim, head, path, query, options);
    }
    if (presigned) {
      return authFailure(
        "malformed",
        true,
        "Only one auth mechanism allowed: the request has both an Authorization header and presigned " +
          "X-Amz-* query parameters. Send one or the other.",
      );
    }
    const claim = parseAuthorizationHeader(authorization, head.headers);
    return "ok" in claim ? claim : this.#check(claim, head, path, query, options);
  }

  /**
   * Checks a body read after `verify` succeeded on the head alone: a signed SHA-256 must match it, unsigned
   * payloads pass. Returns undefined when the body is authentic, else a `payloadMismatch` failure.
   */
  verifyPayload(auth: AuthSuccess, body: Buffer): AuthFailure | undefined {
    const { payload } = auth;
    if (payload.kind === "unsigned") return undefined;
    if (payload.kind !== "sha256") {
      throw new Error(
        "verifyPayload cannot check an aws-chunked body: use verifyChunkedBody, which decodes it.",
      );
    }
    return payloadMismatch(payload.sha256, body, auth);
  }

  /**
   * Decodes an aws-chunked body (`x-amz-content-sha256: STREAMING-...`) and checks the chain of chunk
   * signatures that starts from the request's own signature, and the trailer signature when there is one.
   * Returns the decoded body and trailers, or the failure that stopped it.
   */
  verifyChunkedBody(auth: AuthSuccess, raw: Buffer): ChunkedBodyResult {
    const context = this.#streams.get(auth);
    if (context === undefined) {
      throw new Error(
        `verifyChunkedBody needs the success of this verifier's verify() for an aws-chunked request; ` +
          `this one's payload is ${auth.payload.kind}.`,
      );
    }
    return decodeSignedChunks(raw, context);
  }

  #check(
    claim: Claim,
    head: SignedRequestHead,
    path: string,
    query: readonly RawQueryParameter[],
    options: VerifyOptions,
  ): AuthResult {
    const scopeProblem = this.#scopeProblem(claim, options.service);
    if (scopeProblem !== undefined) return scopeProblem;
    const secret = this.#secrets.get(claim.accessKeyId);
    if (secret === undefined) {
      return authFailure(
        "unknownKey",
        claim.presigned,
        `The access key id ${claim.accessKeyId} is not local SageMaker's. Sign with the key in the [local] ` +
          "profile of the credentials file in its state folder.",
        { accessKeyId: claim.accessKeyId },
      );
    }
    const timeProblem = this.#timeProblem(claim);
    if (timeProblem !== undefined) return timeProblem;
    const signedHeaders = claim.signedHeaders.split(";");
    if (!signedHeaders.includes("host")) {
      return authFailure(
        "malformed",
        claim.presigned,
        `'Host' must be a 'SignedHeader' in the AWS Authorization, but SignedHeaders is "${claim.signedHeaders}".`,
      );
    }
    const payload = classifyPayload(claim, options.body, head);
    if ("ok" in payload) return payload;

    const scope = `${claim.scopeDate}/${claim.region}/${claim.service}/${TERMINATOR}`;
    const canonicalRequest =
      `${head.method ?? "GET"}\n${canonicalUri(path, claim.service)}\n${canonicalQuery(query)}\n` +
      `${canonicalHeaders(signedHeaders, head.headers)}\n${claim.signedHeaders}\n${payload.hash}`;
    const stringToSign = `${ALGORITHM}\n${claim.signedAt}\n${scope}\n${sha256Hex(canonicalRequest)}`;
    const signingKey = this.#signingKey(claim, secret);
    if (!sameSignature(hmacHex(signingKey, stringToSign), claim.signature)) {
      return authFailure(
        "badSignature",
        claim.presigned,
        `The signature does not match the one computed with the secret of access key ${claim.accessKeyId}: ` +
          "the client signed with another secret, or the request changed after it was signed. Compare the " +
          "client's canonical request with the one in this failure's facts.",
        {
          accessKeyId: claim.accessKeyId,
          signatureProvided: claim.signature,
          canonicalRequest,
          stringToSign,
        },
      );
    }
    const success: AuthSuccess = {
      ok: true,
      accessKeyId: claim.accessKeyId,
      region: claim.region,
      service: claim.service,
      signedHeaders,
      signedAt: claim.signedAt,
      presigned: claim.presigned,
      payload: payload.payload,
    };
    // A hash computed from the body (no x-amz-content-sha256) was just verified by the signature itself.
    if (payload.payload.kind === "sha256" && claim.payloadHash !== undefined && options.body !== undefined) {
      const mismatch = payloadMismatch(payload.payload.sha256, options.body, success);
      if (mismatch !== undefined) return mismatch;
    }
    if (payload.payload.kind === "streaming-signed" || payload.payload.kind === "streaming-unsigned") {
      this.#streams.set(success, {
        signingKey,
        signedAt: claim.signedAt,
        scope,
        seedSignature: claim.signature,
        signed: payload.payload.kind === "streaming-signed",
        trailer: payload.payload.kind === "streaming-unsigned" || payload.payload.trailer,
        decodedLength: decodedContentLength(head.headers),
      });
    }
    return success;
  }

  #scopeProblem(claim: Claim, expectedService: string | undefined): AuthFailure | undefined {
    if (claim.scopeDate !== claim.signedAt.slice(0, 8)) {
      return scopeFailure(
        claim,
        `The credential scope's date ${claim.scopeDate} is not the date of X-Amz-Date ${claim.signedAt}: ` +
          "sign with one clock reading for both.",
        { scopeProblem: "date" },
      );
    }
    if (this.#region !== undefined && claim.region !== this.#region) {
      return scopeFailure(
        claim,
        `The request is signed for region ${claim.region}, but local SageMaker serves ${this.#region}: ` +
          `configure the client with region ${this.#region}.`,
        { scopeProblem: "region", expectedRegion: this.#region },
      );
    }
    if (expectedService !== undefined && claim.service !== expectedService) {
      return scopeFailure(
        claim,
        `The request is signed for service "${claim.service}", but this endpoint is "${expectedService}": ` +
          "use the client for this service, or send the request to the endpoint it was signed for.",
        { scopeProblem: "service", expectedService },
      );
    }
    return undefined;
  }

  #timeProblem(claim: Claim): AuthFailure | undefined {
    const now = this.#now();
    if (claim.signedAtMs - now > MAX_SKEW_MS) {
      return timeFailure(
        "skewed",
        claim,
        now,
        `The request is signed at ${claim.signedAt}, more than 15 minutes after local SageMaker's clock ` +
          `(${basicTime(now)}): correct the client's clock.`,
      );
    }
    if (claim.presigned) {
      const expiresAtMs = claim.signedAtMs + claim.expiresSeconds * 1000;
      if (now > expiresAtMs) {
        return timeFailure(
          "expired",
          claim,
          now,
          `The presigned URL expired at ${basicTime(expiresAtMs)} (signed at ${claim.signedAt} for ` +
            `${claim.expiresSeconds} seconds); it is now ${basicTime(now)}. Presign a new URL.`,
        );
      }
    } else if (now - claim.signedAtMs > MAX_SKEW_MS) {
      return timeFailure(
        "skewed",
        claim,
        now,
        `The request is signed at ${claim.signedAt}, more than 15 minutes before local SageMaker's clock ` +
          `(${basicTime(now)}): correct the client's clock, or sign the request again if it was stored.`,
      );
    }
    return undefined;
  }

  /** kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request"), cached. */
  #signingKey(claim: Claim, secret: string): Buffer {
    const id = `${claim.accessKeyId}/${claim.scopeDate}/${claim.region}/${claim.service}`;
    let key = this.#signingKeys.get(id);
    if (key === undefined) {
      const kDate = hmac(`AWS4${secret}`, claim.scopeDate);
      key = hmac(hmac(hmac(kDate, claim.region), claim.service), TERMINATOR);
      // Scopes come from requests, so the cache is bounded; a day's traffic needs a handful of keys.
      if (this.#signingKeys.size >= SIGNING_KEY_CACHE_LIMIT) this.#signingKeys.clear();
      this.#signingKeys.set(id, key);
    }
    return key;
  }
}

/**
 * The credential scope's service name of a request (s3, sagemaker, lambda, monitoring, logs,
 * application-autoscaling...), read from the Authorization header or the presigned X-Amz-Credential without
 * verifying anything: for routing. Undefined when the request carries no credential scope.
 */
export function credentialScopeService(head: Pick<SignedRequestHead, "url" | "headers">): string | undefined {
  const authorization = headerText(head.headers.authorization);
  if (authorization !== undefined) {
    const start = authorization.indexOf("Credential=");
    if (start < 0) return undefined;
    const end = authorization.indexOf(",", start);
    return scopeService(authorization.slice(start + 11, end < 0 ? undefined : end).trim());
  }
  const url = head.url ?? "";
  let start = url.indexOf("X-Amz-Credential=");
  while (start > 0 && url[start - 1] !== "?" && url[start - 1] !== "&") {
    start = url.indexOf("X-Amz-Credential=", start + 1);
  }
  if (start < 0) return undefined;
  const end = url.indexOf("&", start);
  const credential = percentDecode(url.slice(start + 17, end < 0 ? undefined : end));
  return credential === undefined ? undefined : scopeService(credential);
}

function scopeService(credential: string): string | undefined {
  const parts = credential.split("/");
  return parts.length === 5 && parts[3] !== "" ? parts[3] : undefined;
}

function scopeFailure(claim: Claim, message: string, facts: AuthFailureFacts): AuthFailure {
  return authFailure("wrongScope", claim.presigned, message, {
    accessKeyId: claim.accessKeyId,
    scopeDate: claim.scopeDate,
    scopeRegion: claim.region,
    scopeService: claim.service,
    requestTime: claim.signedAt,
    ...facts,
  });
}

function timeFailure(kind: "skewed" | "expired", claim: Claim, now: number, message: string): AuthFailure {
  return authFailure(kind, claim.presigned, message, {
    requestTime: claim.signedAt,
    serverTime: basicTime(now),
    ...(kind === "expired" ? { expiresSeconds: claim.expiresSeconds } : {}),
  });
}

/** The payload hash line of the canonical request, and what it means for the body. */
function classifyPayload(
  claim: Claim,
  body: Buffer | undefined,
  head: SignedRequestHead,
): { hash: string; payload: SignedPayload } | AuthFailure {
  const claimed = claim.payloadHash;
  if (claimed === undefined) {
    // S3 presigned URLs sign no body; everything else without the header signs the body's hash.
    if (claim.presigned && claim.service === "s3")
      return { hash: "UNSIGNED-PAYLOAD", payload: { kind: "unsigned" } };
    const sha256 = body !== undefined ? sha256Hex(body) : bodylessHash(head);
    return { hash: sha256, payload: { kind: "sha256", sha256, checked: true } };
  }
  switch (claimed) {
    case "UNSIGNED-PAYLOAD":
      return { hash: claimed, payload: { kind: "unsigned" } };
    case "STREAMING-AWS4-HMAC-SHA256-PAYLOAD":
      return { hash: claimed, payload: { kind: "streaming-signed", trailer: false } };
    case "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER":
      return { hash: claimed, payload: { kind: "streaming-signed", trailer: true } };
    case "STREAMING-UNSIGNED-PAYLOAD-TRAILER":
      return { hash: claimed, payload: { kind: "streaming-unsigned" } };
    case "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD":
    case "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER":
      return authFailure(
        "unsupported",
        claim.presigned,
        `x-amz-content-sha256 is ${claimed}, a SigV4a stream, which local SageMaker does not accept: sign with ` +
          "Signature Version 4 (AWS4-HMAC-SHA256).",
      );
  }
  if (!HEX_SHA256.test(claimed)) {
    return authFailure(
      "malformed",
      claim.presigned,
      `x-amz-content-sha256 is "${claimed.slice(0, 80)}": it must be UNSIGNED-PAYLOAD, ` +
        "STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, " +
        "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER or the hex SHA-256 of the body.",
    );
  }
  return {
    hash: claimed,
    payload: { kind: "sha256", sha256: claimed.toLowerCase(), checked: body !== undefined },
  };
}

/** The hash of a body that cannot be there; refuses (as a programming error) when a body is coming. */
function bodylessHash(head: SignedRequestHead): string {
  const length = headerText(head.headers["content-length"]);
  if ((length === undefined || length === "0") && head.headers["transfer-encoding"] === undefined) {
    return EMPTY_SHA256;
  }
  throw new Error(
    "SigV4Verifier.verify needs the body of this request: it has no x-amz-content-sha256 header, so its " +
      "signature covers the SHA-256 of the body. Read the body first and pass it as options.body.",
  );
}

function payloadMismatch(
  signed: string,
  body: Buffer,
  auth: Pick<AuthSuccess, "presigned">,
): AuthFailure | undefined {
  const actual = sha256Hex(body);
  if (actual === signed) return undefined;
  return authFailure(
    "payloadMismatch",
    auth.presigned,
    `The body's SHA-256 is ${actual}, but the request signed ${signed} (x-amz-content-sha256): the body ` +
      "changed after it was signed, or arrived incomplete.",
    { clientSha256: signed, computedSha256: actual },
  );
}

function canonicalHeaders(names: readonly string[], headers: RequestHeaders): string {
  let out = "";
  for (const name of names) out += `${name}:${canonicalHeaderValue(headers[name])}\n`;
  return out;
}

function decodedContentLength(headers: RequestHeaders): number | undefined {
  const text = headerText(headers["x-amz-decoded-content-length"]);
  return text !== undefined && DECIMAL_LENGTH.test(text) ? Number(text) : undefined;
}
