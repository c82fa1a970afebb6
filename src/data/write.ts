import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { stringify } from "csv-stringify/sync";

export interface TextLabelRow {
  text: string;
  label: string | number;
}

/** Writes through a temporary file so a crash never leaves a half-written training file behind. */
function writeAtomically(file: string, content: string): void {
  mkdirSync(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, content);
    renameSync(temporary, file);
  } finally {
    rmSync(temporary, { force: true });
  }
}

/** TSV has no quoting, so a tab or line break inside a text would split a field or a row: they become spaces. */
export function tsvSafe(text: string): string {
  return text.replace(/[\t\r\n]+/g, " ");
}

/**
 * Header `text<TAB>label`, one row per line, LF endings. Tabs and line breaks inside a text are replaced by
 * single spaces (TSV cannot quote them); nothing else changes, so quotes and commas survive as they are.
 */
export function writeTsv(file: string, rows: readonly TextLabelRow[]): void {
  const lines = ["text\tlabel"];
  for (const row of rows) lines.push(`${tsvSafe(row.text)}\t${tsvSafe(String(row.label))}`);
  writeAtomically(file, `${lines.join("\n")}\n`);
}

/** RFC 4180 CSV with header `text,label`: fields with commas, quotes or line breaks are quoted. */
export function writeCsv(file: string, rows: readonly TextLabelRow[]): void {
  const records = rows.map((row) => [row.text, String(row.label)]);
  writeAtomically(
    file,
    stringify(records, { header: true, columns: ["text", "label"], record_delimiter: "\n" }),
  );
}

/** One JSON object per line, e.g. {"inputs": "..."} records for batch transform with SplitType Line. */
export function writeJsonl(file: string, records: readonly object[]): void {
  writeAtomically(file, records.map((record) => `${JSON.stringify(record)}\n`).join(""));
}

/** A JSON document, written atomically (manifests). */
export function writeJson(file: string, value: unknown): void {
  writeAtomically(file, `${JSON.stringify(value, null, 1)}\n`);
}
