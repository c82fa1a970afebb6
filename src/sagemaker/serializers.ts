import { parse as parseCsv } from "csv-parse/sync";
import { stringify as stringifyCsv } from "csv-stringify/sync";

/** Turns what a notebook passes to `predict()` into the request body and its Content-Type. */
export interface Serializer {
  readonly contentType: string;
  serialize(data: unknown): Uint8Array;
}

/** Turns the response body into a value; `accept` is what the Predictor asks the endpoint for. */
export interface Deserializer<T = unknown> {
  readonly accept: string;
  deserialize(body: Uint8Array, contentType: string | undefined): T;
}

export class SerializationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SerializationError";
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

function decode(body: Uint8Array, what: string): string {
  try {
    return decoder.decode(body);
  } catch {
    throw new SerializationError(`The ${what} response is not valid UTF-8 (${body.byteLength} bytes).`);
  }
}

const preview = (text: string): string => (text.length > 120 ? `${text.slice(0, 120)}…` : text);

/** `application/json`: any JSON value; a string or bytes already serialised pass through untouched. */
export const jsonSerializer: Serializer = {
  contentType: "application/json",
  serialize(data) {
    if (data instanceof Uint8Array) return data;
    if (typeof data === "string") return encoder.encode(data);
    if (data === undefined) throw new SerializationError("Nothing to send: predict() was given undefined.");
    return encoder.encode(JSON.stringify(data));
  },
};

/** `application/jsonlines`: an array becomes one JSON document per line (each record must be an object or array). */
export const jsonLinesSerializer: Serializer = {
  contentType: "application/jsonlines",
  serialize(data) {
    if (data instanceof Uint8Array) return data;
    if (typeof data === "string") return encoder.encode(data);
    if (!Array.isArray(data)) {
      throw new SerializationError("JSON Lines needs an array of records, one per line.");
    }
    if (data.length === 0) throw new SerializationError("JSON Lines needs at least one record.");
    return encoder.encode(`${data.map((record) => JSON.stringify(record)).join("\n")}\n`);
  },
};

/** `text/csv`: rows of values (or a list of single values, one per row), quoted where needed. */
export const csvSerializer: Serializer = {
  contentType: "text/csv",
  serialize(data) {
    if (data instanceof Uint8Array) return data;
    if (typeof data === "string") return encoder.encode(data);
    if (!Array.isArray(data) || data.length === 0) {
      throw new SerializationError("CSV needs a non-empty array of rows (or of single values).");
    }
    const rows = data.map((row) => (Array.isArray(row) ? row : [row]));
    return encoder.encode(stringifyCsv(rows, { record_delimiter: "\n" }));
  },
};

export const jsonDeserializer: Deserializer = {
  accept: "application/json",
  deserialize(body) {
    const text = decode(body, "JSON");
    try {
      return JSON.parse(text);
    } catch {
      throw new SerializationError(`The endpoint answered text that is not JSON: ${preview(text)}`);
    }
  },
};

export const jsonLinesDeserializer: Deserializer<unknown[]> = {
  accept: "application/jsonlines",
  deserialize(body) {
    const lines = decode(body, "JSON Lines")
      .split(/\r?\n/)
      .filter((line) => line.trim() !== "");
    return lines.map((line, index) => {
      try {
        return JSON.parse(line);
      } catch {
        throw new SerializationError(`Line ${index + 1} of the response is not JSON: ${preview(line)}`);
      }
    });
  },
};

export const csvDeserializer: Deserializer<string[][]> = {
  accept: "text/csv",
  deserialize(body) {
    return parseCsv(decode(body, "CSV"), { relax_column_count: true, skip_empty_lines: true }) as string[][];
  },
};

/** Raw text, for endpoints whose output is not structured. */
export const stringDeserializer: Deserializer<string> = {
  accept: "*/*",
  deserialize(body) {
    return decode(body, "text");
  },
};

/** Picks a deserializer by the response's Content-Type when the caller asked for anything. */
export function deserializerFor(contentType: string | undefined): Deserializer {
  const type = (contentType ?? "").split(";")[0]?.trim().toLowerCase();
  if (type === "application/json") return jsonDeserializer;
  if (type === "application/jsonlines" || type === "application/x-jsonlines") return jsonLinesDeserializer;
  if (type === "text/csv") return csvDeserializer;
  return stringDeserializer;
}
