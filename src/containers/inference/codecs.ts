import { parse } from "csv-parse/sync";
import { stringify } from "csv-stringify/sync";

/**
 * The default wire formats of the built-in inference server, after the Hugging Face inference toolkit:
 * JSON `{"inputs": str | str[], "parameters"}`, JSON Lines of `{"text": [...]}` or `{"inputs": ...}`, and CSV with
 * one text per line.
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

export interface ClassificationParameters {
  /** Answer the k best labels per text instead of the best one. */
  topK?: number;
  /** Answer every label per text. */
  allScores?: boolean;
}

export interface ClassificationRequest {
  texts: string[];
  /** A lone string in `inputs` gets the toolkit's flat answer rather than one entry per text. */
  single: boolean;
  parameters: ClassificationParameters;
}

export interface LabelScore {
  label: string;
  score: number;
}

/** One entry per text: the best label, or a ranked list when top_k or return_all_scores was asked for. */
export type ClassificationResult = LabelScore | LabelScore[];

export interface ClassificationResponse {
  results: ClassificationResult[];
  single: boolean;
}

const SUPPORTED_INPUT = "application/json, application/jsonlines, text/csv";
const SUPPORTED_OUTPUT = "application/json, application/jsonlines, text/csv";

/** The media type without parameters (`application/json; charset=utf-8` → `application/json`). */
export function mediaType(header: string | undefined, fallback: string): string {
  const type = (header ?? "").split(";")[0]?.trim().toLowerCase();
  return type ? type : fallback;
}

export function decodeRequest(body: Buffer, contentType: string): ClassificationRequest {
  const text = body.toString("utf8");
  switch (mediaType(contentType, "application/json")) {
    case "application/json":
      return decodeJsonDocument(parseJson(text, "the request body"), "the request body");
    case "application/jsonlines":
    case "application/x-jsonlines":
    case "application/jsonl":
      return decodeJsonLines(text);
    case "text/csv":
      return { texts: decodeCsv(text), single: false, parameters: {} };
    default:
      throw new ClientInputError(
        `Content type "${contentType}" is not supported by the built-in inference server; send one of ${SUPPORTED_INPUT}, or handle it in code/inference.ts with inputFn.`,
        415,
      );
  }
}

/** The default output step: classification results in the toolkit's shapes, anything else as plain data. */
export function encodeResponse(prediction: unknown, accept: string): { body: string; contentType: string } {
  const type = mediaType(accept, "application/json");
  const classification = isClassificationResponse(prediction) ? prediction : undefined;
  const document = classification
    ? classification.single
      ? classification.results[0]
      : classification.results
    : prediction;
  const records = classification
    ? classification.results
    : Array.isArray(prediction)
      ? prediction
      : [prediction];
  switch (type) {
    case "application/json":
    case "*/*":
      return { body: JSON.stringify(document), contentType: "application/json" };
    case "application/jsonlines":
    case "application/x-jsonlines":
    case "application/jsonl":
      return {
        body: records.map((record) => JSON.stringify(record)).join("\n"),
        contentType: "application/jsonlines",
      };
    case "text/csv":
      return { body: stringify(records.map(csvRow)), contentType: "text/csv" };
    default:
      throw new ClientInputError(
        `Accept "${accept}" is not supported by the built-in inference server; ask for one of ${SUPPORTED_OUTPUT}, or produce it in code/inference.ts with outputFn.`,
        406,
      );
  }
}

function isClassificationResponse(value: unknown): value is ClassificationResponse {
  const candidate = value as Partial<ClassificationResponse> | null;
  return (
    typeof candidate === "object" &&
    candidate !== null &&
    Array.isArray(candidate.results) &&
    typeof candidate.single === "boolean"
  );
}

/** One CSV row per record: label,score (label,score,label,score,... for ranked answers). */
function csvRow(record: unknown): unknown[] {
  if (Array.isArray(record))
    return record.flatMap((entry) => (entry && typeof entry === "object" ? Object.values(entry) : [entry]));
  if (record && typeof record === "object") return Object.values(record);
  return [record];
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ClientInputError(`${where} is not valid JSON (${(error as Error).message}).`);
  }
}

const EXAMPLE = '{"inputs": "배송이 빨라요", "parameters": {"top_k": 2}}';

function decodeJsonDocument(document: unknown, where: string): ClassificationRequest {
  if (typeof document !== "object" || document === null || Array.isArray(document)) {
    throw new ClientInputError(`${where} must be a JSON object such as ${EXAMPLE}.`);
  }
  const record = document as Record<string, unknown>;
  const inputs = record.inputs ?? record.text;
  if (inputs === undefined) {
    throw new ClientInputError(
      `${where} has no "inputs" member: send a string or an array of strings, e.g. ${EXAMPLE}.`,
    );
  }
  const single = typeof inputs === "string";
  const texts = single ? [inputs as string] : inputs;
  if (!Array.isArray(texts) || texts.some((entry) => typeof entry !== "string")) {
    throw new ClientInputError(
      `"inputs" in ${where} must be a string or an array of strings, got ${JSON.stringify(inputs).slice(0, 80)}.`,
    );
  }
  return { texts: texts as string[], single, parameters: decodeParameters(record.parameters, where) };
}

function decodeParameters(value: unknown, where: string): ClassificationParameters {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new ClientInputError(`"parameters" in ${where} must be an object such as {"top_k": 2}.`);
  }
  const parameters: ClassificationParameters = {};
  for (const [name, setting] of Object.entries(value)) {
    if (name === "top_k") {
      if (setting === null) continue;
      if (!Number.isInteger(setting) || (setting as number) < 1) {
        throw new ClientInputError(
          `"top_k" must be a whole number of at least 1, got ${JSON.stringify(setting)}.`,
        );
      }
      parameters.topK = setting as number;
    } else if (name === "return_all_scores") {
      if (typeof setting !== "boolean") {
        throw new ClientInputError(
          `"return_all_scores" must be true or false, got ${JSON.stringify(setting)}.`,
        );
      }
      parameters.allScores = setting;
    } else if (name !== "truncation" && name !== "function_to_apply") {
      throw new ClientInputError(
        `Unsupported parameter "${name}"; the built-in classifier accepts top_k and return_all_scores.`,
      );
    }
  }
  return parameters;
}

function decodeJsonLines(text: string): ClassificationRequest {
  const texts: string[] = [];
  let parameters: ClassificationParameters = {};
  text.split("\n").forEach((line, index) => {
    if (line.trim() === "") return;
    const where = `line ${index + 1} of the JSON Lines body`;
    const decoded = decodeJsonDocument(parseJson(line, where), where);
    texts.push(...decoded.texts);
    parameters = { ...parameters, ...decoded.parameters };
  });
  return { texts, single: false, parameters };
}

function decodeCsv(text: string): string[] {
  let records: string[][];
  try {
    records = parse(text, { relax_column_count: true, skip_empty_lines: true, bom: true });
  } catch (error) {
    throw new ClientInputError(`The CSV body cannot be read (${(error as Error).message}).`);
  }
  return records.map((record, index) => {
    if (record.length !== 1) {
      throw new ClientInputError(
        `CSV input takes one text per line; line ${index + 1} has ${record.length} columns (quote texts that contain commas).`,
      );
    }
    return record[0] as string;
  });
}
