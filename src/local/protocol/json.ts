import { AwsError } from "../core/errors";

/**
 * JSON as the AWS JSON protocols carry it: request documents are objects, nested at most MAX_DEPTH deep (checked
 * before parsing, so a 100,000-deep document is refused in one pass instead of exhausting the stack later), and
 * answers write timestamps as epoch seconds and blobs as base64.
 */

const MAX_DEPTH = 64;

/** Throws SerializationException when arrays and objects nest deeper than MAX_DEPTH (strings are skipped). */
function checkDepth(text: string): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > MAX_DEPTH) {
        throw new AwsError(
          "SerializationException",
          `The request body nests objects or lists more than ${MAX_DEPTH} levels deep; no AWS input shape is that deep.`,
        );
      }
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
}

/** Parses a request body as a JSON object (an empty body is `{}`), or throws SerializationException. */
export function parseJsonDocument(body: Buffer): Record<string, unknown> {
  const text = body.toString("utf8").trim();
  if (text === "") return {};
  checkDepth(text);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new AwsError(
      "SerializationException",
      `The request body is not valid JSON: ${(error as Error).message}`,
    );
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new AwsError("SerializationException", "The request body must be a JSON object.");
  }
  return parsed as Record<string, unknown>;
}

/** Services hand over Dates and Buffers; the JSON protocols write epoch seconds and base64. */
export function serializeJson(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key: string, converted: unknown) {
    const raw = this[key];
    if (raw instanceof Date) return raw.getTime() / 1000;
    if (raw instanceof Uint8Array)
      return Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString("base64");
    return converted;
  });
}
