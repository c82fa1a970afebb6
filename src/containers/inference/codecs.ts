import { parse } from "csv-parse/sync";
import { stringify } from "csv-stringify/sync";

/**
 * The default input and output steps of the built-in inference server, as the Hugging Face inference toolkit
 * defines them (its `decoder_encoder.decode` and `.encode`), so a handler written for the toolkit ports line by
 * line:
 * - `decodePayload(body, contentType)` returns the decoded payload itself, nothing renamed:
 *   `application/json` → the parsed JSON value; `application/jsonlines` → the parsed lines as an array (one
 *   element per record; the toolkit itself has no JSON Lines decoder, the workshops' batch jobs need one);
 *   `text/csv` → `{"inputs": [...]}` when the header names an `inputs` column (as the toolkit), else the rows;
 * - `encodePrediction(prediction, accept)` writes the prediction as `application/json` (also for `*` and no Accept),
 *   `application/jsonlines` (one line per element of a list) or `text/csv` (a header from the first record's
 *   keys, then one row per record); any other Accept is a 415.
 */

/** A failure the caller caused: the server answers it with this status and message. */
export class ClientInputError extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

const JSON_LINES = new Set(["application/jsonlines", "application/x-jsonlines", "application/jsonl"]);
const SUPPORTED_INPUT = "application/json, application/jsonlines, text/csv";
const SUPPORTED_OUTPUT = "application/json, application/jsonlines, text/csv";

/** The media type without parameters (`application/json; charset=utf-8` → `application/json`). */
export function mediaType(header: string | undefined, fallback: string): string {
  const type = (header ?? "").split(";")[0]?.trim().toLowerCase();
  return type ? type : fallback;
}

/** Text content types reach handlers as strings (the toolkit decodes UTF-8 types), others as bytes. */
export function isTextType(type: string): boolean {
  return type === "application/json" || JSON_LINES.has(type) || type.startsWith("text/");
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** The body of a text request as a string; bytes that are not UTF-8 are the caller's mistake (400), not ours. */
export function bodyText(body: Buffer, contentType: string): string {
  try {
    return utf8.decode(body);
  } catch {
    throw new ClientInputError(`The ${contentType} request body is not valid UTF-8 text.`);
  }
}

export function decodePayload(body: Buffer | string, contentType: string): unknown {
  const type = mediaType(contentType, "application/json");
  const text = typeof body === "string" ? body : bodyText(body, type);
  if (type === "application/json") return parseJson(text, "the request body");
  if (JSON_LINES.has(type)) {
    return text
      .split("\n")
      .map((line, index) => ({ line, index }))
      .filter(({ line }) => line.trim() !== "")
      .map(({ line, index }) => parseJson(line, `line ${index + 1} of the JSON Lines body`));
  }
  if (type === "text/csv") return decodeCsv(text);
  throw new ClientInputError(
    `Content type "${contentType}" is not supported by the built-in inference server; send one of ${SUPPORTED_INPUT}, or decode it in code/inference.ts with inputFn.`,
    415,
  );
}

export function encodePrediction(prediction: unknown, accept: string): { body: string; contentType: string } {
  const type = mediaType(accept, "application/json");
  if (type === "application/json" || type === "*/*") {
    return { body: JSON.stringify(prediction), contentType: "application/json" };
  }
  if (JSON_LINES.has(type)) {
    const records = Array.isArray(prediction) ? prediction : [prediction];
    return { body: records.map((record) => JSON.stringify(record)).join("\n"), contentType: type };
  }
  if (type === "text/csv") return { body: encodeCsv(prediction), contentType: "text/csv" };
  throw new ClientInputError(
    `Accept "${accept}" is not supported by the built-in inference server; ask for one of ${SUPPORTED_OUTPUT}, or encode it in code/inference.ts with outputFn.`,
    415,
  );
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ClientInputError(`${where} is not valid JSON (${(error as Error).message}).`);
  }
}

function decodeCsv(text: string): unknown {
  let rows: string[][];
  try {
    rows = parse(text, { relax_column_count: true, skip_empty_lines: true, bom: true });
  } catch (error) {
    throw new ClientInputError(`The CSV body cannot be read (${(error as Error).message}).`);
  }
  const header = rows[0]?.map((name) => name.trim().toLowerCase()) ?? [];
  const column = header.indexOf("inputs");
  if (column < 0) return rows;
  return { inputs: rows.slice(1).map((row) => row[column] ?? "") };
}

/** Records as CSV: a header from the first record's keys (as the toolkit), nested lists flattened per row. */
function encodeCsv(prediction: unknown): string {
  const records = Array.isArray(prediction) ? prediction : [prediction];
  const first = records.find((record) => record && typeof record === "object" && !Array.isArray(record));
  if (first && records.every((record) => record && typeof record === "object" && !Array.isArray(record))) {
    const columns = Object.keys(first as object);
    return stringify(records as Record<string, unknown>[], { header: true, columns });
  }
  return stringify(
    records.map((record) =>
      Array.isArray(record)
        ? record.flatMap((entry) => (entry && typeof entry === "object" ? Object.values(entry) : [entry]))
        : [record],
    ),
  );
}
