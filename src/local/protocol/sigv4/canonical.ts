/**
 * The canonical forms SigV4 signs, rebuilt from a request as the server received it: the URI path, the
 * query string and header values. Each follows what the AWS SDKs and botocore compute on the sending side,
 * so a request they signed verifies byte for byte. Regular expressions are compiled once: this runs on
 * every request.
 */

const UNRESERVED = /^[A-Za-z0-9\-._~]*$/;
const UNRESERVED_OR_SLASH = /^[A-Za-z0-9\-._~/]*$/;
/** What encodeURIComponent leaves alone but RFC 3986 (and so SigV4) encodes. */
const SUB_DELIMS_LEFT_BY_ENCODE_URI = /[!'()*]/g;
const ENCODED_SLASH = /%2F/g;
const UNTRIMMED = /^[ \t]|[ \t]$|[ \t][ \t]|\t/;
const WHITESPACE_RUN = /[ \t]+/g;

/**
 * The canonical URI. S3 signs the path exactly as sent (its SDK clients sign with `uriEscapePath: false`).
 * Every other service signs the already-encoded path encoded once more, after removing empty, `.` and `..`
 * segments, as the SDKs' default `uriEscapePath: true` and botocore do: `/a%20b` is signed as `/a%2520b`.
 */
export function canonicalUri(path: string, service: string): string {
  if (path === "") return "/";
  if (service === "s3") return path;
  const normalized = path.includes("//") || path.includes("/.") ? removeDotSegments(path) : path;
  if (UNRESERVED_OR_SLASH.test(normalized)) return normalized;
  return uriEncode(normalized).replace(ENCODED_SLASH, "/");
}

function removeDotSegments(path: string): string {
  const segments: string[] = [];
  for (const segment of path.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") segments.pop();
    else segments.push(segment);
  }
  const leading = path.startsWith("/") ? "/" : "";
  const trailing = segments.length > 0 && path.endsWith("/") ? "/" : "";
  return `${leading}${segments.join("/")}${trailing}`;
}

/** RFC 3986 encoding of everything but unreserved characters, as SigV4's UriEncode specifies. */
function uriEncode(text: string): string {
  return encodeURIComponent(text).replace(SUB_DELIMS_LEFT_BY_ENCODE_URI, percentEncodeChar);
}

function percentEncodeChar(char: string): string {
  return `%${char.charCodeAt(0).toString(16).toUpperCase()}`;
}

/** One `name=value` of a raw query string, both still percent-encoded as sent. */
export interface RawQueryParameter {
  name: string;
  value: string;
}

/** Splits a raw query string (without `?`) into its parameters; a name without `=` has the value "". */
export function parseQuery(query: string): RawQueryParameter[] {
  const parameters: RawQueryParameter[] = [];
  if (query === "") return parameters;
  for (const part of query.split("&")) {
    if (part === "") continue;
    const equals = part.indexOf("=");
    parameters.push(
      equals < 0 ? { name: part, value: "" } : { name: part.slice(0, equals), value: part.slice(equals + 1) },
    );
  }
  return parameters;
}

/**
 * The canonical query string: every parameter but X-Amz-Signature, names and values re-encoded the RFC 3986
 * way, sorted by name and then by value (by code unit, not locale), each written `name=value` even when the
 * value is empty (`?uploads` signs as `uploads=`).
 */
export function canonicalQuery(parameters: readonly RawQueryParameter[]): string {
  if (parameters.length === 0) return "";
  const pairs: [string, string][] = [];
  for (const { name, value } of parameters) {
    const canonicalName = canonicalComponent(name);
    if (canonicalName.toLowerCase() === "x-amz-signature") continue;
    pairs.push([canonicalName, canonicalComponent(value)]);
  }
  pairs.sort(comparePairs);
  let out = "";
  for (const [name, value] of pairs) out += out === "" ? `${name}=${value}` : `&${name}=${value}`;
  return out;
}

function comparePairs(a: [string, string], b: [string, string]): number {
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
  if (a[1] !== b[1]) return a[1] < b[1] ? -1 : 1;
  return 0;
}

/**
 * A query component as SigV4 encodes it, whatever encoding the client chose on the wire: percent-escapes
 * are decoded byte by byte (so invalid UTF-8 such as `%FF` survives), unreserved bytes are written as
 * themselves and everything else as upper-case `%XX`. A literal `+` is a plus sign (`%2B`), not a space.
 */
function canonicalComponent(raw: string): string {
  if (UNRESERVED.test(raw)) return raw;
  let out = "";
  for (let i = 0; i < raw.length; i++) {
    const code = raw.charCodeAt(i);
    if (code === 0x25 && i + 2 < raw.length && isHex(raw.charCodeAt(i + 1)) && isHex(raw.charCodeAt(i + 2))) {
      out += encodeByte(Number.parseInt(raw.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (code < 0x80) {
      out += encodeByte(code);
    } else {
      const end = code >= 0xd800 && code <= 0xdbff && i + 1 < raw.length ? i + 2 : i + 1;
      for (const byte of Buffer.from(raw.slice(i, end), "utf8")) out += encodeByte(byte);
      i = end - 1;
    }
  }
  return out;
}

function isHex(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x46) || (code >= 0x61 && code <= 0x66);
}

function isUnreservedByte(byte: number): boolean {
  return (
    (byte >= 0x41 && byte <= 0x5a) ||
    (byte >= 0x61 && byte <= 0x7a) ||
    (byte >= 0x30 && byte <= 0x39) ||
    byte === 0x2d ||
    byte === 0x2e ||
    byte === 0x5f ||
    byte === 0x7e
  );
}

function encodeByte(byte: number): string {
  if (isUnreservedByte(byte)) return String.fromCharCode(byte);
  return `%${byte < 0x10 ? "0" : ""}${byte.toString(16).toUpperCase()}`;
}

/**
 * A header value as signed: repeated headers joined by commas, surrounding whitespace trimmed and inner runs
 * of spaces and tabs collapsed to one space. Most values need none of it, so the copy is made only when so.
 */
export function canonicalHeaderValue(value: string | readonly string[] | undefined): string {
  if (value === undefined) return "";
  const text = typeof value === "string" ? value : value.join(",");
  return UNTRIMMED.test(text) ? text.trim().replace(WHITESPACE_RUN, " ") : text;
}
