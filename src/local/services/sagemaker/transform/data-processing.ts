import type { DataProcessing } from "@aws-sdk/client-sagemaker";
import { parse } from "csv-parse/sync";
import { stringify } from "csv-stringify/sync";
import { type JsonPath, parseJsonPath } from "./json-path";

/**
 * Batch transform's DataProcessing, record by record, as SageMaker's data-processing guide describes it (and as the
 * SageMaker Python SDK's local mode does not: sagemaker-python-sdk#4757):
 * 1. InputFilter selects the part of each input record the model sees;
 * 2. JoinSource Input joins each answer to its whole input record: a JSON object gets the answer as
 *    `SageMakerOutput`, any other JSON value becomes `{"SageMakerInput": ..., "SageMakerOutput": ...}`, and a CSV
 *    row gets the answer's columns appended;
 * 3. OutputFilter selects the part of the joined record (or of the answer, without a join) that is written.
 * Records are JSON (application/json, JSON Lines) or CSV (text/csv) rows, which JSONPath sees as lists of columns.
 * Pure: no I/O; the transform run calls it and names the object and line when a record does not fit.
 */

export type RecordFormat = "json" | "csv";
/** How an answer reads: JSON, CSV rows, or plain text when the container answers neither. */
export type AnswerFormat = RecordFormat | "text";

const JSON_TYPES = new Set([
  "application/json",
  "application/jsonlines",
  "application/x-jsonlines",
  "application/jsonl",
]);

const mediaType = (contentType: string | undefined): string =>
  (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";

export function formatOf(contentType: string | undefined): AnswerFormat {
  const type = mediaType(contentType);
  if (JSON_TYPES.has(type)) return "json";
  if (type === "text/csv") return "csv";
  return "text";
}

/** A DataProcessing the job cannot run with (bad JSONPath, input that is neither JSON nor CSV). */
export class DataProcessingError extends Error {}

/** A record a filter or the join does not apply to; the run adds which object and line. */
export class RecordError extends Error {
  /** Which record of a mini-batch, when the error is about one of them. */
  constructor(
    message: string,
    readonly offset?: number,
  ) {
    super(message);
    this.name = "RecordError";
  }
}

export interface DataProcessor {
  /** The answers must be split into one per record (to join them, or to filter them). */
  readonly perRecord: boolean;
  /** InputFilter applied to one input record (the bytes the model gets). */
  filterInput(record: Buffer): Buffer;
  /** One answer split into the `count` records' answers it carries. */
  splitAnswer(answer: Buffer, contentType: string, count: number): { parts: unknown[]; format: AnswerFormat };
  /** Join and OutputFilter for one record: the bytes written for it. */
  finish(input: Buffer, part: unknown, format: AnswerFormat): Buffer;
}

/** The processor a job needs, or undefined when its DataProcessing changes nothing (the defaults). */
export function dataProcessor(
  processing: DataProcessing | undefined,
  contentType: string | undefined,
): DataProcessor | undefined {
  const input = compile(processing?.InputFilter, "InputFilter");
  const output = compile(processing?.OutputFilter, "OutputFilter");
  const join = processing?.JoinSource === "Input";
  if (!input && !output && !join) return undefined;
  const format = formatOf(contentType);
  if (format === "text") {
    throw new DataProcessingError(
      `DataProcessing (InputFilter, OutputFilter, JoinSource) works on JSON and CSV records only, and TransformInput.ContentType is ${contentType ? `"${contentType}"` : "not set"}; set it to application/json, application/jsonlines or text/csv.`,
    );
  }
  return new Processor(format, input, output, join);
}

function compile(expression: string | undefined, member: string): JsonPath | undefined {
  if (expression === undefined || expression.trim() === "" || expression.trim() === "$") return undefined;
  try {
    return parseJsonPath(expression);
  } catch (error) {
    throw new DataProcessingError(`DataProcessing.${member} ${(error as Error).message}`);
  }
}

class Processor implements DataProcessor {
  readonly perRecord: boolean;

  constructor(
    private readonly format: RecordFormat,
    private readonly input: JsonPath | undefined,
    private readonly output: JsonPath | undefined,
    private readonly join: boolean,
  ) {
    this.perRecord = join || output !== undefined;
  }

  filterInput(record: Buffer): Buffer {
    if (!this.input) return record;
    const selected = select(this.input, "InputFilter", this.read(record));
    return Buffer.from(serialize(selected, this.format));
  }

  splitAnswer(
    answer: Buffer,
    contentType: string,
    count: number,
  ): { parts: unknown[]; format: AnswerFormat } {
    const format = formatOf(contentType);
    const text = answer.toString("utf8");
    const parts = count === 1 ? [readOne(text, format)] : readMany(text, format, count);
    if (parts.length !== count) {
      throw new RecordError(
        `the model answered ${parts.length} record${parts.length === 1 ? "" : "s"} (${contentType}) for ${count} records; to join or filter answers, a mini-batch answer needs one ${format === "json" && mediaType(contentType) === "application/json" ? "element of a JSON list" : "line"} per record`,
      );
    }
    return { parts, format };
  }

  finish(input: Buffer, part: unknown, format: AnswerFormat): Buffer {
    const joined = this.join ? joinRecord(this.read(input), part, this.format) : part;
    const kept = this.output ? select(this.output, "OutputFilter", joined) : joined;
    return Buffer.from(serialize(kept, this.join ? this.format : format));
  }

  private read(record: Buffer): unknown {
    const text = record.toString("utf8");
    if (this.format === "json") {
      try {
        return JSON.parse(text);
      } catch (error) {
        throw new RecordError(`the record is not JSON (${(error as Error).message})`);
      }
    }
    const rows = csvRows(text);
    if (rows.length !== 1) throw new RecordError(`the record holds ${rows.length} CSV rows, not one`);
    return rows[0];
  }
}

function select(path: JsonPath, member: string, value: unknown): unknown {
  const selected = path.select(value);
  if (!selected.ok) throw new RecordError(`${member} "${path.expression}" does not apply: ${selected.why}`);
  return selected.value;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function joinRecord(input: unknown, output: unknown, format: RecordFormat): unknown {
  if (format === "csv") return [...(input as unknown[]), ...(Array.isArray(output) ? output : [output])];
  return isObject(input)
    ? { ...input, SageMakerOutput: output }
    : { SageMakerInput: input, SageMakerOutput: output };
}

function csvRows(text: string): string[][] {
  try {
    return parse(text, { relax_column_count: true, skip_empty_lines: true, bom: true }) as string[][];
  } catch (error) {
    throw new RecordError(`the record is not CSV (${(error as Error).message})`);
  }
}

/** One record's answer: a JSON value, one CSV row, or the text itself. */
function readOne(text: string, format: AnswerFormat): unknown {
  if (format === "json") {
    const trimmed = text.trim();
    try {
      return JSON.parse(trimmed);
    } catch {
      // A JSON Lines answer of one line with a trailing newline parses above; anything else is kept as text.
      return trimmed;
    }
  }
  if (format === "csv") {
    const rows = csvRows(text);
    if (rows.length !== 1) {
      throw new RecordError(`the model answered ${rows.length} CSV rows for one record; it must answer one`);
    }
    return rows[0];
  }
  return text.replace(/\r?\n$/, "");
}

/** A mini-batch's answer as records: a JSON list's elements, JSON Lines, CSV rows, or lines of text. */
function readMany(text: string, format: AnswerFormat, count: number): unknown[] {
  if (format === "csv") return csvRows(text);
  const trimmed = text.trim();
  if (format === "json" && trimmed.startsWith("[")) {
    try {
      const value: unknown = JSON.parse(trimmed);
      if (Array.isArray(value) && value.length === count) return value;
    } catch {
      // not one JSON document: JSON Lines, read below
    }
  }
  const lines = text.split("\n").filter((line) => line.trim() !== "");
  if (format !== "json") return lines.map((line) => line.replace(/\r$/, ""));
  return lines.map((line) => {
    try {
      return JSON.parse(line);
    } catch (error) {
      throw new RecordError(`a line of the model's answer is not JSON (${(error as Error).message})`);
    }
  });
}

const cell = (value: unknown): string =>
  typeof value === "string" ? value : value === null || value === undefined ? "" : JSON.stringify(value);

function serialize(value: unknown, format: AnswerFormat): string {
  if (format === "json") return JSON.stringify(value);
  if (format === "csv") {
    const row = Array.isArray(value) ? value.map(cell) : [cell(value)];
    return stringify([row]).replace(/\r?\n$/, "");
  }
  return cell(value);
}
