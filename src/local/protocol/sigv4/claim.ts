/**
 * What a SigV4 signature claims, read from the Authorization header or from a presigned URL's X-Amz-*
 * parameters: who signed, for which scope, when, over which headers and payload hash. Parsing only: the
 * verifier (sigv4.ts) checks the claim against its keys, its clock and the request.
 */
import type { RawQueryParameter } from "./canonical";
import { basicTime, isDigits, parseBasicTime } from "./time";
import { type AuthFailure, authFailure } from "./types";

/** Request headers as Node gives them: lower-cased names, arrays only for repeated set-cookie. */
export type RequestHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

export const ALGORITHM = "AWS4-HMAC-SHA256";
export const TERMINATOR = "aws4_request";
/** Presigned URLs live at most 7 days. */
const MAX_PRESIGNED_EXPIRES_SECONDS = 604_800;
const EXPIRES_SECONDS = /^\d{1,7}$/;
const PRESIGNED_PARAMETERS = [
  "X-Amz-Algorithm",
  "X-Amz-Credential",
  "X-Amz-Signature",
  "X-Amz-Date",
  "X-Amz-SignedHeaders",
  "X-Amz-Expires",
] as const;

/** What a signature claims, from either the Authorization header or the presigned query. */
export interface Claim {
  presigned: boolean;
  accessKeyId: string;
  scopeDate: string;
  region: string;
  service: string;
  signedHeaders: string;
  signature: string;
  signedAt: string;
  signedAtMs: number;
  /** Presigned only. */
  expiresSeconds: number;
  /** The x-amz-content-sha256 value, or undefined when the client sent none. */
  payloadHash: string | undefined;
}

/**
 * `AWS4-HMAC-SHA256 Credential=AKID/20261201/ap-northeast-2/sagemaker/aws4_request, SignedHeaders=host;...,
 * Signature=...`, with or without spaces after the commas, dated by X-Amz-Date or else the Date header.
 */
export function parseAuthorizationHeader(
  authorization: string,
  headers: RequestHeaders,
): Claim | AuthFailure {
  if (!authorization.startsWith(`${ALGORITHM} `)) return unsupportedScheme(authorization);
  let credential: string | undefined;
  let signedHeaders: string | undefined;
  let signature: string | undefined;
  for (const part of authorization.slice(ALGORITHM.length + 1).split(",")) {
    const equals = part.indexOf("=");
    if (equals < 0) continue;
    const name = part.slice(0, equals).trim();
    const value = part.slice(equals + 1).trim();
    if (name === "Credential") credential = value;
    else if (name === "SignedHeaders") signedHeaders = value;
    else if (name === "Signature") signature = value;
  }
  const problems: string[] = [];
  if (!credential) problems.push("Authorization header requires 'Credential' parameter.");
  if (!signature) problems.push("Authorization header requires 'Signature' parameter.");
  if (!signedHeaders) problems.push("Authorization header requires 'SignedHeaders' parameter.");
  const amzDate = headerText(headers["x-amz-date"]);
  const httpDate = headerText(headers.date);
  if (!amzDate && !httpDate) {
    problems.push("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  }
  if (problems.length > 0) {
    return authFailure(
      "malformed",
      false,
      `${problems.join(" ")} Authorization=${authorization.slice(0, 200)}`,
    );
  }
  const time = amzDate ? parseAmzDate(amzDate, false) : parseHttpDate(httpDate as string);
  if ("ok" in time) return time;
  const scope = parseCredential(credential as string, false);
  if ("ok" in scope) return scope;
  return {
    presigned: false,
    ...scope,
    signedHeaders: signedHeaders as string,
    signature: signature as string,
    ...time,
    expiresSeconds: 0,
    payloadHash: headerText(headers["x-amz-content-sha256"]),
  };
}

function unsupportedScheme(authorization: string): AuthFailure {
  const scheme =
    authorization.slice(0, Math.max(authorization.indexOf(" "), 0)) || authorization.slice(0, 40);
  const what =
    scheme === "AWS4-ECDSA-P256-SHA256"
      ? "SigV4a (AWS4-ECDSA-P256-SHA256)"
      : scheme === "AWS"
        ? "Signature Version 2 (AWS ACCESS_KEY:SIGNATURE)"
        : `the "${scheme}" authorization scheme`;
  return authFailure(
    "unsupported",
    false,
    `Local SageMaker does not accept ${what}: sign with Signature Version 4 (AWS4-HMAC-SHA256), as current AWS SDKs do.`,
  );
}

/** The X-Amz-* parameters of a presigned URL, X-Amz-Expires within a week. */
export function parsePresignedQuery(
  query: readonly RawQueryParameter[],
  headers: RequestHeaders,
): Claim | AuthFailure {
  const values = new Map<string, string>();
  for (const { name, value } of query) {
    if (!name.startsWith("X-Amz-") && !name.startsWith("x-amz-")) continue;
    const decoded = percentDecode(value);
    if (decoded === undefined) {
      return authFailure(
        "malformed",
        true,
        `The ${name} parameter "${value}" is not valid percent-encoding.`,
      );
    }
    values.set(name, decoded);
  }
  const missing = PRESIGNED_PARAMETERS.filter((name) => !values.get(name));
  if (missing.length > 0) {
    return authFailure(
      "malformed",
      true,
      "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, " +
        `X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters; this URL lacks ${missing.join(", ")}.`,
    );
  }
  const algorithm = values.get("X-Amz-Algorithm") as string;
  if (algorithm !== ALGORITHM) {
    return authFailure(
      "unsupported",
      true,
      `X-Amz-Algorithm is "${algorithm}", but only "${ALGORITHM}" is supported: presign with Signature Version 4.`,
    );
  }
  const expires = values.get("X-Amz-Expires") as string;
  const expiresSeconds = EXPIRES_SECONDS.test(expires) ? Number(expires) : Number.NaN;
  if (!(expiresSeconds >= 1 && expiresSeconds <= MAX_PRESIGNED_EXPIRES_SECONDS)) {
    return authFailure(
      "malformed",
      true,
      `X-Amz-Expires is "${expires}": it must be a number of seconds from 1 to ${MAX_PRESIGNED_EXPIRES_SECONDS} ` +
        "(a week).",
    );
  }
  const time = parseAmzDate(values.get("X-Amz-Date") as string, true);
  if ("ok" in time) return time;
  const scope = parseCredential(values.get("X-Amz-Credential") as string, true);
  if ("ok" in scope) return scope;
  return {
    presigned: true,
    ...scope,
    signedHeaders: values.get("X-Amz-SignedHeaders") as string,
    signature: values.get("X-Amz-Signature") as string,
    ...time,
    expiresSeconds,
    payloadHash: presignedPayloadHash(values) ?? headerText(headers["x-amz-content-sha256"]),
  };
}

/** X-Amz-Content-Sha256 in any case: signers hoist the header into the query in whatever case it had. */
function presignedPayloadHash(values: ReadonlyMap<string, string>): string | undefined {
  for (const [name, value] of values) if (name.toLowerCase() === "x-amz-content-sha256") return value;
  return undefined;
}

/** Whether a URL attempts query authentication (then missing parameters are its errors, not "unsigned"). */
export function hasPresignedParameters(query: readonly RawQueryParameter[]): boolean {
  for (const { name } of query) {
    if (name === "X-Amz-Algorithm" || name === "X-Amz-Credential" || name === "X-Amz-Signature") return true;
  }
  return false;
}

type Scope = Pick<Claim, "accessKeyId" | "scopeDate" | "region" | "service">;

function parseCredential(credential: string, presigned: boolean): Scope | AuthFailure {
  const parts = credential.split("/");
  if (parts.length !== 5 || parts.some((part) => part === "") || !isScopeDate(parts[1] as string)) {
    return authFailure(
      "malformed",
      presigned,
      `The Credential "${credential}" is mal-formed: expecting "<ACCESS-KEY-ID>/YYYYMMDD/REGION/SERVICE/aws4_request".`,
    );
  }
  const [accessKeyId, scopeDate, region, service, terminator] = parts as [
    string,
    string,
    string,
    string,
    string,
  ];
  if (terminator !== TERMINATOR) {
    return authFailure(
      "malformed",
      presigned,
      `Credential should be scoped with a valid terminator: '${TERMINATOR}', not '${terminator}'.`,
    );
  }
  return { accessKeyId, scopeDate, region, service };
}

function isScopeDate(text: string): boolean {
  return text.length === 8 && isDigits(text, 0, 8);
}

/** X-Amz-Date: ISO 8601 basic format in UTC, 20261201T093000Z. */
function parseAmzDate(
  text: string,
  presigned: boolean,
): Pick<Claim, "signedAt" | "signedAtMs"> | AuthFailure {
  const ms = parseBasicTime(text);
  if (Number.isNaN(ms)) {
    return authFailure(
      "malformed",
      presigned,
      `X-Amz-Date "${text}" is not a date-time in ISO 8601 basic format, such as 20261201T093000Z (UTC).`,
    );
  }
  return { signedAt: text, signedAtMs: ms };
}

/** The `Date` header (RFC 7231), which SigV4 accepts when there is no X-Amz-Date. */
function parseHttpDate(text: string): Pick<Claim, "signedAt" | "signedAtMs"> | AuthFailure {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) {
    return authFailure(
      "malformed",
      false,
      `The Date header "${text}" is not an HTTP date; send X-Amz-Date in ISO 8601 basic format instead.`,
    );
  }
  return { signedAt: basicTime(ms), signedAtMs: ms };
}

/** A header's value as one string (repeated headers joined by commas, as SigV4 canonicalises them). */
export function headerText(value: string | readonly string[] | undefined): string | undefined {
  return typeof value === "string" || value === undefined ? value : value.join(",");
}

/** decodeURIComponent, or undefined for invalid percent-encoding. */
export function percentDecode(text: string): string | undefined {
  if (!text.includes("%")) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}
