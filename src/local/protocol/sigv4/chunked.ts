/**
 * Signature checks of S3's aws-chunked uploads (`x-amz-content-sha256: STREAMING-...`). Each chunk,
 * `<hex size>;chunk-signature=<sig>\r\n<data>\r\n`, is signed with the string to sign
 * `AWS4-HMAC-SHA256-PAYLOAD\n<date>\n<scope>\n<previous signature>\n<sha256("")>\n<sha256(data)>`, the first
 * chaining from the request's own (seed) signature, so chunks cannot be altered, dropped, reordered or added.
 * The zero-size final chunk is signed too; trailing headers are then signed with `AWS4-HMAC-SHA256-TRAILER`
 * over the hash of their canonical form, in `x-amz-trailer-signature`. `STREAMING-UNSIGNED-PAYLOAD-TRAILER`
 * bodies have the same framing without signatures. The framing is that of aws-chunked.ts's decoder, which
 * does not check signatures.
 */
import { EMPTY_SHA256, hmacHex, sameSignature, sha256Hex } from "./crypto";
import { type AuthFailure, type AuthFailureKind, authFailure, type ChunkedBodyResult } from "./types";

/** What a verified streaming request's chunks are checked against. */
export interface StreamContext {
  signingKey: Buffer;
  signedAt: string;
  scope: string;
  /** The request's signature, which the first chunk's signature chains from. */
  seedSignature: string;
  /** Whether chunks carry signatures (STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]). */
  signed: boolean;
  /** Whether trailing headers may follow the final chunk. */
  trailer: boolean;
  /** x-amz-decoded-content-length, when the client declared it. */
  decodedLength: number | undefined;
}

const SIGNATURE_EXTENSION = "chunk-signature=";
const TRAILER_SIGNATURE = "x-amz-trailer-signature";
/** 12 hex digits are 256 TiB, more than any body; longer sizes are refused before parsing. */
const MAX_SIZE_DIGITS = 12;

export function decodeSignedChunks(raw: Buffer, context: StreamContext): ChunkedBodyResult {
  const chunks: Buffer[] = [];
  let decoded = 0;
  let position = 0;
  let previous = context.seedSignature;
  for (let number = 1; ; number++) {
    const lineEnd = raw.indexOf("\r\n", position, "latin1");
    if (lineEnd < 0) {
      return refuse(
        "incompleteBody",
        `The aws-chunked body ends inside the header of chunk ${number}, after ${decoded} decoded bytes.`,
      );
    }
    const header = raw.toString("latin1", position, lineEnd);
    const semicolon = header.indexOf(";");
    const size = parseHexSize(semicolon < 0 ? header : header.slice(0, semicolon));
    if (size === undefined) {
      return refuse(
        "malformedBody",
        `Chunk ${number} starts with "${header.slice(0, 80)}", not "<hex size>;chunk-signature=<signature>".`,
      );
    }
    const dataStart = lineEnd + 2;
    const dataEnd = dataStart + size;
    if (size > 0 && dataEnd + 2 > raw.length) {
      return refuse(
        "incompleteBody",
        `You did not provide the number of bytes specified by the chunk header: chunk ${number} declares ` +
          `${size} bytes, the body has ${Math.max(raw.length - dataStart, 0)} left.`,
      );
    }
    const data = raw.subarray(dataStart, dataEnd);
    if (context.signed) {
      const extension = semicolon < 0 ? "" : header.slice(semicolon + 1);
      if (!extension.startsWith(SIGNATURE_EXTENSION)) {
        return refuse(
          "badSignature",
          `Chunk ${number} has no chunk-signature, but the upload is signed per chunk.`,
        );
      }
      const provided = extension.slice(SIGNATURE_EXTENSION.length);
      const stringToSign = `AWS4-HMAC-SHA256-PAYLOAD\n${context.signedAt}\n${context.scope}\n${previous}\n${EMPTY_SHA256}\n${sha256Hex(data)}`;
      if (!sameSignature(hmacHex(context.signingKey, stringToSign), provided)) {
        return refuse(
          "badSignature",
          `The signature of chunk ${number} (${size} bytes after ${decoded}) does not match: the chunk changed, ` +
            "or chunks were dropped, reordered or inserted after signing.",
          { signatureProvided: provided, stringToSign },
        );
      }
      previous = provided;
    }
    if (size === 0) {
      position = dataStart;
      break;
    }
    if (raw[dataEnd] !== 0x0d || raw[dataEnd + 1] !== 0x0a) {
      return refuse("malformedBody", `Chunk ${number} (${size} bytes) is not followed by CRLF.`);
    }
    chunks.push(data);
    decoded += size;
    position = dataEnd + 2;
  }
  const trailerSection = readTrailers(raw, position);
  if ("ok" in trailerSection) return trailerSection;
  const { trailers, signature } = trailerSection;
  const trailerProblem = checkTrailers(context, trailers, signature, previous);
  if (trailerProblem !== undefined) return trailerProblem;
  if (context.decodedLength !== undefined && decoded !== context.decodedLength) {
    return refuse(
      decoded < context.decodedLength ? "incompleteBody" : "malformedBody",
      `The aws-chunked body decodes to ${decoded} bytes, but x-amz-decoded-content-length says ${context.decodedLength}.`,
    );
  }
  return {
    ok: true,
    body: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, decoded),
    trailers,
  };
}

/** Trailing `name:value` lines after the final chunk, up to the empty line that ends the body. */
function readTrailers(
  raw: Buffer,
  start: number,
): { trailers: Record<string, string>; signature: string | undefined } | AuthFailure {
  const trailers: Record<string, string> = {};
  let signature: string | undefined;
  let position = start;
  // A body that stops right after the final chunk, without the closing empty line, is accepted as S3 does.
  while (position < raw.length) {
    const end = raw.indexOf("\r\n", position, "latin1");
    if (end < 0) return refuse("incompleteBody", "The aws-chunked body ends inside a trailing header.");
    const line = raw.toString("latin1", position, end);
    position = end + 2;
    if (line === "") {
      if (position < raw.length) {
        return refuse(
          "malformedBody",
          `The aws-chunked body has ${raw.length - position} bytes after its end (the empty line after the trailers).`,
        );
      }
      break;
    }
    const colon = line.indexOf(":");
    if (colon <= 0) return refuse("malformedBody", `The trailing header "${line.slice(0, 80)}" has no name.`);
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === TRAILER_SIGNATURE) signature = value;
    else trailers[name] = value;
  }
  return { trailers, signature };
}

function checkTrailers(
  context: StreamContext,
  trailers: Record<string, string>,
  signature: string | undefined,
  previous: string,
): AuthFailure | undefined {
  const names = Object.keys(trailers);
  if (!context.trailer && (names.length > 0 || signature !== undefined)) {
    return refuse(
      "malformedBody",
      `The body has trailing headers (${[...names, ...(signature ? [TRAILER_SIGNATURE] : [])].join(", ")}), ` +
        "but the request was signed without them: sign it as STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER.",
    );
  }
  if (!context.signed || !context.trailer) return undefined;
  if (signature === undefined) {
    return refuse("badSignature", `The trailing headers are not signed: there is no ${TRAILER_SIGNATURE}.`);
  }
  let canonical = "";
  for (const name of names.sort()) canonical += `${name}:${trailers[name]}\n`;
  const stringToSign = `AWS4-HMAC-SHA256-TRAILER\n${context.signedAt}\n${context.scope}\n${previous}\n${sha256Hex(canonical)}`;
  if (sameSignature(hmacHex(context.signingKey, stringToSign), signature)) return undefined;
  return refuse(
    "badSignature",
    `The ${TRAILER_SIGNATURE} does not match the trailing headers (${names.join(", ") || "none"}): they changed after signing.`,
    { signatureProvided: signature, stringToSign },
  );
}

/** A chunk size: hex digits only (no sign, no spaces), as AWS writes it. */
function parseHexSize(text: string): number | undefined {
  if (text.length === 0 || text.length > MAX_SIZE_DIGITS) return undefined;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const lower = code | 0x20;
    if (!((code >= 0x30 && code <= 0x39) || (lower >= 0x61 && lower <= 0x66))) return undefined;
  }
  return Number.parseInt(text, 16);
}

function refuse(
  kind: AuthFailureKind,
  message: string,
  facts: { signatureProvided?: string; stringToSign?: string } = {},
): AuthFailure {
  return authFailure(kind, false, message, facts);
}
