/**
 * What AWS answers to a refused signature, per protocol family, so a client sees the error (and SDK
 * behaviour, such as clock-skew correction on RequestTimeTooSkewed or InvalidSignatureException "Signature
 * expired") it would see from AWS. Codes, statuses and fixed messages are AWS's; where AWS puts the request's
 * own values in the message (times, scopes, the canonical request), they come from the failure's facts.
 */
import { basicTime, isoTime, MAX_SKEW_MS, parseBasicTime } from "./time";
import type { AuthError, AuthErrorFamily, AuthFailure, AuthFailureKind } from "./types";

const SIGNATURE_MISMATCH_JSON =
  "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access " +
  "Key and signing method. Consult the service documentation for details.";
const SIGNATURE_MISMATCH_S3 =
  "The request signature we calculated does not match the signature you provided. Check your key and signing method.";
const INVALID_TOKEN = "The security token included in the request is invalid.";
const MAX_SKEW_MINUTES = MAX_SKEW_MS / 60_000;

type FailureLike = Pick<AuthFailure, "kind"> & Partial<Pick<AuthFailure, "message" | "presigned" | "facts">>;

/**
 * The AWS error for a failed verification, as `family` writes it. Pass the failure itself to get AWS's
 * per-request details (StringToSign, RequestTime, "Signature expired: ..."); a bare kind gives the generic form.
 */
export function authErrorFor(failure: AuthFailure | AuthFailureKind, family: AuthErrorFamily): AuthError {
  const given: FailureLike = typeof failure === "string" ? { kind: failure } : failure;
  return family === "s3" ? s3Error(given) : serviceError(given, family);
}

function s3Error(failure: FailureLike): AuthError {
  const facts = failure.facts ?? {};
  const detail = failure.message ?? "";
  const query = failure.presigned === true;
  switch (failure.kind) {
    case "missing":
      return error("AccessDenied", 403, "Access Denied");
    case "unknownKey":
      return error(
        "InvalidAccessKeyId",
        403,
        "The AWS Access Key Id you provided does not exist in our records.",
        {
          AWSAccessKeyId: facts.accessKeyId,
        },
      );
    case "badSignature":
      return error("SignatureDoesNotMatch", 403, SIGNATURE_MISMATCH_S3, {
        AWSAccessKeyId: facts.accessKeyId,
        StringToSign: facts.stringToSign,
        SignatureProvided: facts.signatureProvided,
        CanonicalRequest: facts.canonicalRequest,
      });
    case "skewed":
      if (query)
        return error("AccessDenied", 403, "Request is not valid yet", { "X-Amz-Date": facts.requestTime });
      return error(
        "RequestTimeTooSkewed",
        403,
        "The difference between the request time and the current time is too large.",
        {
          RequestTime: facts.requestTime,
          ServerTime: facts.serverTime && isoTime(parseBasicTime(facts.serverTime)),
          MaxAllowedSkewMilliseconds: String(MAX_SKEW_MS),
        },
      );
    case "expired":
      return error("AccessDenied", 403, "Request has expired", {
        "X-Amz-Expires": facts.expiresSeconds?.toString(),
        Expires:
          facts.requestTime && facts.expiresSeconds !== undefined
            ? isoTime(parseBasicTime(facts.requestTime) + facts.expiresSeconds * 1000)
            : undefined,
        ServerTime: facts.serverTime && isoTime(parseBasicTime(facts.serverTime)),
      });
    case "malformed":
      return query
        ? error(
            "AuthorizationQueryParametersError",
            400,
            detail || "Error parsing the presigned URL's parameters.",
          )
        : error(
            "AuthorizationHeaderMalformed",
            400,
            `The authorization header is malformed; ${detail || "it cannot be parsed."}`,
          );
    case "unsupported":
      return error(
        "InvalidRequest",
        400,
        "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.",
      );
    case "wrongScope":
      return s3ScopeError(failure, query);
    case "payloadMismatch":
      return error(
        "XAmzContentSHA256Mismatch",
        400,
        "The provided 'x-amz-content-sha256' header does not match what was computed.",
        {
          ClientComputedContentSHA256: facts.clientSha256,
          S3ComputedContentSHA256: facts.computedSha256,
        },
      );
    case "incompleteBody":
      return error(
        "IncompleteBody",
        400,
        detail || "You did not provide the number of bytes specified by the Content-Length HTTP header.",
      );
    case "malformedBody":
      return error("InvalidRequest", 400, detail || "The aws-chunked request body is malformed.");
  }
}

/** S3 reports a wrong scope as a malformed credential, naming what it expected. */
function s3ScopeError(failure: FailureLike, query: boolean): AuthError {
  const facts = failure.facts ?? {};
  const code = query ? "AuthorizationQueryParametersError" : "AuthorizationHeaderMalformed";
  const prefix = query
    ? "Error parsing the X-Amz-Credential parameter; "
    : "The authorization header is malformed; ";
  switch (facts.scopeProblem) {
    case "region":
      return error(
        code,
        400,
        `${prefix}the region '${facts.scopeRegion}' is wrong; expecting '${facts.expectedRegion}'`,
        {
          Region: facts.expectedRegion,
        },
      );
    case "service":
      return error(
        code,
        400,
        `${prefix}incorrect service "${facts.scopeService}". This endpoint belongs to "${facts.expectedService}".`,
      );
    default:
      return error(code, 400, `${prefix}Invalid credential date. Date is not the same as X-Amz-Date.`);
  }
}

/** The JSON and Query protocols share messages; their codes differ by the Exception suffix and statuses. */
function serviceError(failure: FailureLike, family: Exclude<AuthErrorFamily, "s3">): AuthError {
  const facts = failure.facts ?? {};
  const query = family === "query";
  const code = (json: string, awsQuery: string): string => (query ? awsQuery : json);
  // restJson services sit behind a front end that answers 403 to every authentication failure.
  const status = (jsonStatus: number, queryStatus: number): number =>
    family === "rest-json" ? 403 : query ? queryStatus : jsonStatus;
  const signatureError = (message: string): AuthError =>
    error(code("InvalidSignatureException", "SignatureDoesNotMatch"), status(400, 403), message);
  switch (failure.kind) {
    case "missing":
      return error(
        code("MissingAuthenticationTokenException", "MissingAuthenticationToken"),
        status(400, 403),
        family === "rest-json" ? "Missing Authentication Token" : "Request is missing Authentication Token",
      );
    case "unknownKey":
      return error(
        code("UnrecognizedClientException", "InvalidClientTokenId"),
        status(400, 403),
        INVALID_TOKEN,
      );
    case "badSignature":
    case "payloadMismatch":
      return signatureError(signatureMismatchMessage(facts.canonicalRequest, facts.stringToSign));
    case "skewed":
    case "expired":
      return signatureError(expiredMessage(failure));
    case "wrongScope":
      return signatureError(scopeMessage(failure));
    case "malformed":
    case "unsupported":
    case "incompleteBody":
    case "malformedBody":
      return error(
        code("IncompleteSignatureException", "IncompleteSignature"),
        status(400, 400),
        failure.message || "The request signature does not conform to AWS standards.",
      );
  }
}

/** As AWS writes it, with the server's canonical request so the client can diff it against its own. */
function signatureMismatchMessage(
  canonicalRequest: string | undefined,
  stringToSign: string | undefined,
): string {
  if (canonicalRequest === undefined || stringToSign === undefined) return SIGNATURE_MISMATCH_JSON;
  return (
    `${SIGNATURE_MISMATCH_JSON}\n\nThe Canonical String for this request should have been\n'${canonicalRequest}'\n\n` +
    `The String-to-Sign should have been\n'${stringToSign}'\n`
  );
}

/** "Signature expired: T is now earlier than NOW-15 (NOW - 15 min.)" and its future-dated twin. */
function expiredMessage(failure: FailureLike): string {
  const { requestTime, serverTime, expiresSeconds } = failure.facts ?? {};
  if (requestTime === undefined || serverTime === undefined) return "Signature expired.";
  if (failure.kind === "expired" && expiresSeconds !== undefined) {
    return `Signature expired: ${basicTime(parseBasicTime(requestTime) + expiresSeconds * 1000)} is now earlier than ${serverTime}.`;
  }
  const server = parseBasicTime(serverTime);
  if (requestTime > serverTime) {
    return `Signature not yet current: ${requestTime} is still later than ${basicTime(server + MAX_SKEW_MS)} (${serverTime} + ${MAX_SKEW_MINUTES} min.)`;
  }
  return `Signature expired: ${requestTime} is now earlier than ${basicTime(server - MAX_SKEW_MS)} (${serverTime} - ${MAX_SKEW_MINUTES} min.)`;
}

function scopeMessage(failure: FailureLike): string {
  const facts = failure.facts ?? {};
  switch (facts.scopeProblem) {
    case "region":
      return "Credential should be scoped to a valid region. ";
    case "service":
      return `Credential should be scoped to correct service: '${facts.expectedService}'. `;
    default:
      return (
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: " +
        `'${facts.scopeDate}' != '${facts.requestTime?.slice(0, 8)}', from '${facts.requestTime}'.`
      );
  }
}

function error(
  code: string,
  status: number,
  message: string,
  fields: Record<string, string | undefined> = {},
): AuthError {
  const present: Record<string, string> = {};
  for (const [name, value] of Object.entries(fields)) if (value !== undefined) present[name] = value;
  return { code, status, message, fields: present };
}
