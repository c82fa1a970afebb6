/**
 * The failure side of SigV4 verification, shared by the verifier (sigv4.ts), the aws-chunked signature check
 * (sigv4-chunked.ts) and the mapping to each protocol's AWS error (sigv4-errors.ts).
 */

/**
 * Why a request was refused. Each kind is a distinct AWS answer in at least one protocol:
 * - missing: neither an Authorization header nor a presigned query
 * - unknownKey: the access key id is not one the server knows
 * - badSignature: the signature (of the request, a chunk or the trailer) does not match
 * - skewed: signed more than 15 minutes from the server's clock (a presigned URL: dated in the future)
 * - expired: a presigned URL past its X-Amz-Expires
 * - malformed: the Authorization header or presigned parameters cannot be parsed
 * - unsupported: another scheme (SigV2, SigV4a, Bearer...)
 * - wrongScope: the credential scope's date, region or service is not the request's or the server's
 * - payloadMismatch: the body does not hash to the signed x-amz-content-sha256
 * - incompleteBody: an aws-chunked body ends before its chunks or its declared decoded length do
 * - malformedBody: an aws-chunked body that is not aws-chunked framing
 */
export type AuthFailureKind =
  | "missing"
  | "unknownKey"
  | "badSignature"
  | "skewed"
  | "expired"
  | "malformed"
  | "unsupported"
  | "wrongScope"
  | "payloadMismatch"
  | "incompleteBody"
  | "malformedBody";

/** What the verifier knew when it refused: the raw material of each protocol's error message and fields. */
export interface AuthFailureFacts {
  accessKeyId?: string;
  signatureProvided?: string;
  /** The server's canonical request and string to sign, to compare with the client's. */
  canonicalRequest?: string;
  stringToSign?: string;
  /** ISO 8601 basic, as signed (20261201T093000Z). */
  requestTime?: string;
  /** ISO 8601 basic. */
  serverTime?: string;
  /** A presigned URL's X-Amz-Expires. */
  expiresSeconds?: number;
  scopeDate?: string;
  scopeRegion?: string;
  scopeService?: string;
  /** For wrongScope: which part of the credential scope is wrong. */
  scopeProblem?: "date" | "region" | "service";
  expectedRegion?: string;
  expectedService?: string;
  /** For payloadMismatch: the signed x-amz-content-sha256 and the body's real hash. */
  clientSha256?: string;
  computedSha256?: string;
}

export interface AuthFailure {
  readonly ok: false;
  readonly kind: AuthFailureKind;
  /** For people (logs, local error messages): what was wrong, with the value, and what to do about it. */
  readonly message: string;
  /** Whether the request was presigned: S3 answers some kinds differently for query authentication. */
  readonly presigned: boolean;
  readonly facts: AuthFailureFacts;
}

/** The decoded body and trailers of an aws-chunked upload whose signatures all matched. */
export type ChunkedBodyResult = { ok: true; body: Buffer; trailers: Record<string, string> } | AuthFailure;

/**
 * How a protocol family words authentication errors:
 * - json: awsJson 1.0/1.1 and rpcv2Cbor services (SageMaker, CloudWatch Logs, Application Auto Scaling): HTTP 400
 * - rest-json: restJson1 services (SageMaker Runtime, Lambda), fronted like API Gateway: HTTP 403
 * - query: awsQuery services (CloudWatch's Query API): codes without the Exception suffix
 * - s3: S3's XML errors, with extra fields such as StringToSign
 */
export type AuthErrorFamily = "json" | "rest-json" | "query" | "s3";

/** An AWS error as a protocol serialiser writes it (AwsError takes the same code, message, status and fields). */
export interface AuthError {
  code: string;
  status: number;
  message: string;
  /** Extra members AWS includes; S3 writes them as elements of its <Error>. */
  fields: Record<string, string>;
}

export function authFailure(
  kind: AuthFailureKind,
  presigned: boolean,
  message: string,
  facts: AuthFailureFacts = {},
): AuthFailure {
  return { ok: false, kind, message, presigned, facts };
}
