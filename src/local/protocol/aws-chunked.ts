import { createHash } from "node:crypto";
import { crc32 } from "node:zlib";
import { AwsError } from "../core/errors";

/**
 * The `aws-chunked` content encoding that AWS SDKs use to stream a body with a checksum trailer:
 * `<hex size>[;chunk-signature=<sig>]\r\n<bytes>\r\n` repeated, a zero-size chunk, then trailer lines
 * `name:value\r\n` and an empty line. This decoder checks no chunk signatures: it reads the bodies whose chunks
 * carry none (STREAMING-UNSIGNED-PAYLOAD-TRAILER) and any body when signature checks are off; signed chunks are
 * decoded and checked by the verifier (sigv4/chunked.ts). The payload checksum is checked, where Node can compute it.
 */
export function decodeAwsChunked(raw: Buffer): { body: Buffer; trailers: Record<string, string> } {
  const chunks: Buffer[] = [];
  const trailers: Record<string, string> = {};
  let position = 0;
  const nextLine = (): string | undefined => {
    if (position >= raw.length) return undefined;
    const end = raw.indexOf("\r\n", position, "latin1");
    if (end < 0) throw malformed("a chunk header or trailer line is not terminated by CRLF");
    const line = raw.toString("latin1", position, end);
    position = end + 2;
    return line;
  };
  for (;;) {
    const headerLine = nextLine();
    if (headerLine === undefined) throw malformed("the body ends before its final zero-size chunk");
    const sizeText = headerLine.split(";")[0]?.trim() ?? "";
    if (!/^[0-9a-fA-F]+$/.test(sizeText))
      throw malformed(`"${headerLine.slice(0, 80)}" is not a chunk header`);
    const size = Number.parseInt(sizeText, 16);
    if (size === 0) break;
    if (position + size + 2 > raw.length) {
      throw new AwsError(
        "IncompleteBody",
        "You did not provide the number of bytes specified by the chunk header.",
      );
    }
    chunks.push(raw.subarray(position, position + size));
    position += size;
    if (raw[position] !== 0x0d || raw[position + 1] !== 0x0a)
      throw malformed("a chunk is not followed by CRLF");
    position += 2;
  }
  for (let line = nextLine(); line !== undefined && line !== ""; line = nextLine()) {
    const colon = line.indexOf(":");
    if (colon <= 0) throw malformed(`the trailer line "${line.slice(0, 80)}" has no name`);
    trailers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { body: Buffer.concat(chunks), trailers };
}

function malformed(detail: string): AwsError {
  return new AwsError("InvalidRequest", `The aws-chunked request body is malformed: ${detail}.`);
}

/** Checksum algorithms S3 accepts, by the suffix of their `x-amz-checksum-*` header. */
const CHECKSUM_NAMES: Record<string, string> = {
  crc32: "CRC32",
  crc32c: "CRC32C",
  crc64nvme: "CRC64NVME",
  sha1: "SHA1",
  sha256: "SHA256",
};

/** Base64 of the checksum, or undefined for algorithms Node has no implementation of (CRC32C, CRC64NVME). */
function computeChecksum(algorithm: string, body: Buffer): string | undefined {
  switch (algorithm) {
    case "CRC32": {
      const value = Buffer.alloc(4);
      value.writeUInt32BE(crc32(body) >>> 0);
      return value.toString("base64");
    }
    case "SHA1":
      return createHash("sha1").update(body).digest("base64");
    case "SHA256":
      return createHash("sha256").update(body).digest("base64");
    default:
      return undefined;
  }
}

/**
 * Finds the payload checksum (a header, or a trailer of an aws-chunked body), verifies it where possible,
 * and returns it so it can be stored and echoed as S3 does. A mismatch is S3's BadDigest.
 */
export function verifyChecksum(
  body: Buffer,
  headers: Record<string, string | string[] | undefined>,
  trailers: Record<string, string>,
): { algorithm: string; value: string } | undefined {
  const sources = { ...headers, ...trailers };
  for (const [suffix, algorithm] of Object.entries(CHECKSUM_NAMES)) {
    const value = sources[`x-amz-checksum-${suffix}`];
    if (typeof value !== "string" || value === "") continue;
    const actual = computeChecksum(algorithm, body);
    if (actual !== undefined && actual !== value) {
      throw new AwsError(
        "BadDigest",
        `The ${algorithm} you specified did not match the calculated checksum.`,
        {
          fields: { [`Checksum${algorithm}`]: value },
        },
      );
    }
    return { algorithm, value };
  }
  return undefined;
}

export function verifyContentMd5(body: Buffer, contentMd5: string | undefined): void {
  if (contentMd5 === undefined) return;
  const given = Buffer.from(contentMd5, "base64");
  if (given.length !== 16) {
    throw new AwsError("InvalidDigest", "The Content-MD5 you specified was invalid.", {
      fields: { "Content-MD5": contentMd5 },
    });
  }
  if (!given.equals(createHash("md5").update(body).digest())) {
    throw new AwsError("BadDigest", "The Content-MD5 you specified did not match what we received.", {
      fields: { ExpectedDigest: contentMd5 },
    });
  }
}
