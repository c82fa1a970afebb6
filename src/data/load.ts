import { existsSync } from "node:fs";
import { extname } from "node:path";
import { parse as parseCsv } from "csv-parse/sync";
import { resolveKnobPath, whereLooked } from "../common/knob-path";
import { DatasetError } from "./errors";
import { readUtf8Text, splitLines } from "./text-file";

/** Texts with their labels (as strings, whatever the file held), in file order. */
export interface LabelledDataset {
  /** the file it came from */
  source: string;
  texts: string[];
  labels: string[];
  /** from an `id` column when the file has one */
  ids?: string[];
}

export type DatasetFormat = "csv" | "tsv" | "jsonl";

export interface LoadDatasetOptions {
  textColumn?: string;
  labelColumn?: string;
  /** default: from the extension (.csv, .tsv/.txt, .jsonl/.ndjson) */
  format?: DatasetFormat;
  /**
   * How the caller's user names each choice, for the fix in an error: a CLI says "--text-column <name>", a
   * notebook "CUSTOM_TEXT_COLUMN=<name>"; an empty `format` means the caller has no way to choose it. Default:
   * loadDataset's own options.
   */
  optionNames?: { textColumn?: string; labelColumn?: string; format?: string };
}

const DEFAULT_OPTION_NAMES = {
  textColumn: '{ textColumn: "<name>" } (loadDataset)',
  labelColumn: '{ labelColumn: "<name>" } (loadDataset)',
  format: "loadDataset's { format } option",
};

export const TEXT_COLUMN_CANDIDATES = ["text", "document", "inputs", "sentence", "review"] as const;
export const LABEL_COLUMN_CANDIDATES = ["label", "labels", "sentiment"] as const;

const FORMAT_BY_EXTENSION: Record<string, DatasetFormat> = {
  ".csv": "csv",
  ".tsv": "tsv",
  ".txt": "tsv",
  ".jsonl": "jsonl",
  ".ndjson": "jsonl",
};

/** A table as read from the file: column names and, per data row, a value per column (undefined when absent). */
interface RawTable {
  columns: string[];
  rows: (string | undefined)[][];
}

/**
 * Loads a labelled text dataset from CSV, TSV or JSON Lines. Every problem a user can fix (missing column,
 * empty file, not UTF-8, a single label, blank labels, a tab-separated file named .csv) is a DatasetError naming
 * the file and the fix. A relative path starts at the project root (see src/common/knob-path.ts), wherever the
 * caller runs; `source` is the absolute path read.
 */
export function loadDataset(path: string, options: LoadDatasetOptions = {}): LabelledDataset {
  const names = { ...DEFAULT_OPTION_NAMES, ...options.optionNames };
  const file = resolveKnobPath(path);
  if (!existsSync(file))
    throw new DatasetError(path, "file not found", `Check the path: ${whereLooked(path)}.`);
  const format = options.format ?? formatFromExtension(path, names.format);
  const text = readUtf8Text(file);
  if (text.trim() === "")
    throw new DatasetError(path, "the file holds only whitespace", "Put a header line and data rows in it.");
  const table =
    format === "tsv"
      ? readTsvTable(path, text)
      : format === "csv"
        ? readCsvTable(path, text, options.format === undefined, names.format)
        : readJsonlTable(path, text);
  if (table.rows.length === 0) {
    throw new DatasetError(
      path,
      `has a header (${table.columns.join(", ")}) but no data rows`,
      "Add labelled rows below the header.",
    );
  }

  const textIndex = pickColumn(
    path,
    table.columns,
    options.textColumn,
    TEXT_COLUMN_CANDIDATES,
    "text",
    names.textColumn,
  );
  const labelIndex = pickColumn(
    path,
    table.columns,
    options.labelColumn,
    LABEL_COLUMN_CANDIDATES,
    "label",
    names.labelColumn,
  );
  const idIndex = table.columns.indexOf("id");

  const texts: string[] = new Array(table.rows.length);
  const labels: string[] = new Array(table.rows.length);
  const counts = new Map<string, number>();
  for (let r = 0; r < table.rows.length; r++) {
    const row = table.rows[r] as (string | undefined)[];
    const label = (row[labelIndex] ?? "").trim();
    if (label === "") {
      throw new DatasetError(
        path,
        `row ${r + 1} has a blank label in column "${table.columns[labelIndex]}" (text: "${(row[textIndex] ?? "").slice(0, 40)}")`,
        "Give every row a label, or delete the unlabelled rows (data rows count from 1, the header not included).",
      );
    }
    texts[r] = row[textIndex] ?? "";
    labels[r] = label;
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  if (counts.size < 2) {
    throw new DatasetError(
      path,
      `column "${table.columns[labelIndex]}" has only one label (${[...counts].map(([l, n]) => `"${l}" × ${n}`).join("")})`,
      `A classifier needs at least two classes: add rows of another label, or check that the label column is the right one (${names.labelColumn}).`,
    );
  }
  const dataset: LabelledDataset = { source: file, texts, labels };
  if (idIndex !== -1) dataset.ids = table.rows.map((row, r) => row[idIndex] ?? String(r + 1));
  return dataset;
}

function formatFromExtension(path: string, formatOption: string): DatasetFormat {
  const extension = extname(path).toLowerCase();
  const format = FORMAT_BY_EXTENSION[extension];
  if (!format) {
    throw new DatasetError(
      path,
      `cannot tell the format from the extension "${extension || "(none)"}"`,
      formatOption
        ? `Name the file .csv, .tsv or .jsonl, or choose "csv", "tsv" or "jsonl" with ${formatOption}.`
        : "Name the file .csv, .tsv or .jsonl.",
    );
  }
  return format;
}

function pickColumn(
  path: string,
  columns: string[],
  chosen: string | undefined,
  candidates: readonly string[],
  role: string,
  option: string,
): number {
  const found = `the columns found are: ${columns.map((c) => `"${c}"`).join(", ")}`;
  if (chosen !== undefined) {
    const index = columns.indexOf(chosen);
    if (index === -1)
      throw new DatasetError(
        path,
        `has no ${role} column "${chosen}"; ${found}`,
        `Give ${option} one of those names.`,
      );
    return index;
  }
  const lower = columns.map((c) => c.trim().toLowerCase());
  for (const candidate of candidates) {
    const index = lower.indexOf(candidate);
    if (index !== -1) return index;
  }
  throw new DatasetError(
    path,
    `has no ${role} column (looked for ${candidates.join(", ")}); ${found}`,
    `Rename the column, or name it with ${option}.`,
  );
}

/** Tab-separated, no quoting: NSMC-style files carry literal quotes that belong to the text. */
function readTsvTable(path: string, text: string): RawTable {
  const lines = splitLines(text);
  const columns = (lines[0] as string).split("\t");
  const rows: (string | undefined)[][] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line === "") continue;
    const fields = line.split("\t");
    if (fields.length !== columns.length) {
      throw new DatasetError(
        path,
        `line ${i + 1} has ${fields.length} tab-separated fields, the header has ${columns.length} (${columns.join(", ")})`,
        "Remove tabs inside the text or fix the row; if the file is comma-separated, name it .csv.",
      );
    }
    rows.push(fields);
  }
  return { columns, rows };
}

/** A header with tabs and no commas: a TSV file under a .csv name (what "Save as" in some editors produces). */
function looksTabSeparated(text: string): boolean {
  const header = text.replace(/^\uFEFF/, "").split("\n", 1)[0] ?? "";
  return header.includes("\t") && !header.includes(",");
}

function readCsvTable(path: string, text: string, formatFromName: boolean, formatOption: string): RawTable {
  const tabHint = (problem: string) =>
    new DatasetError(
      path,
      `${problem}, and its header line is separated by tabs, not commas: it looks like a TSV file named .csv`,
      formatOption
        ? `Rename it to .tsv (or choose the format "tsv" with ${formatOption}).`
        : "Rename it to .tsv.",
    );
  let records: string[][];
  try {
    records = parseCsv(text, { bom: true, skip_empty_lines: true, relax_column_count: false }) as string[][];
  } catch (error) {
    if (formatFromName && looksTabSeparated(text)) throw tabHint("is not well-formed CSV");
    throw new DatasetError(
      path,
      `is not well-formed CSV (${(error as Error).message})`,
      'Quote fields that contain commas, quotes or line breaks ("..." with "" for a quote), or save it again from a spreadsheet.',
    );
  }
  const [columns = [], ...rows] = records;
  if (formatFromName && columns.length === 1 && looksTabSeparated(text))
    throw tabHint("has a single CSV column");
  return { columns, rows };
}

function readJsonlTable(path: string, text: string): RawTable {
  const columns: string[] = [];
  const seen = new Set<string>();
  const records: Record<string, unknown>[] = [];
  const lines = splitLines(text);
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (line === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new DatasetError(
        path,
        `line ${i + 1} is not valid JSON (${(error as Error).message})`,
        "Write one JSON object per line.",
      );
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      throw new DatasetError(
        path,
        `line ${i + 1} is not a JSON object`,
        'Write one object per line, e.g. {"text": "...", "label": "1"}.',
      );
    }
    for (const key of Object.keys(value)) {
      if (!seen.has(key)) {
        seen.add(key);
        columns.push(key);
      }
    }
    records.push(value as Record<string, unknown>);
  }
  const rows = records.map((record) => columns.map((column) => jsonCell(record[column])));
  return { columns, rows };
}

function jsonCell(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return typeof value === "string"
    ? value
    : typeof value === "object"
      ? JSON.stringify(value)
      : String(value);
}
