/**
 * Tables for notebooks: an escaped HTML table for the notebook plus aligned text for plain `node` and for the
 * `text/plain` fallback. Accepts an array of records or a danfojs DataFrame (recognised by shape, so this module
 * never loads danfojs itself).
 */
import { emitDisplay } from "./kernel-bridge";
import { displayWidth, padDisplay } from "./text-width";

export interface ShowTableOptions {
  caption?: string;
  /** Rows shown before the rest is summarised as "… N more rows" (default 50). */
  maxRows?: number;
}

/** The part of a danfojs DataFrame this module reads. */
interface DataFrameLike {
  columns: string[];
  values: unknown[][] | unknown[];
}

export interface TableData {
  columns: string[];
  rows: unknown[][];
}

function isDataFrameLike(value: unknown): value is DataFrameLike {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const candidate = value as Partial<DataFrameLike>;
  return Array.isArray(candidate.columns) && Array.isArray(candidate.values);
}

/** Normalises records or a DataFrame into columns and rows; columns keep their first-seen order. */
export function toTableData(input: object[] | DataFrameLike): TableData {
  if (isDataFrameLike(input)) {
    const rows = input.values.map((row) => (Array.isArray(row) ? row : [row]));
    return { columns: input.columns.map(String), rows };
  }
  if (!Array.isArray(input)) {
    throw new TypeError(
      `showTable expects an array of objects or a danfojs DataFrame, got ${typeof input}. Wrap a single object in [ ].`,
    );
  }
  const columns: string[] = [];
  const seen = new Set<string>();
  for (const record of input) {
    for (const key of Object.keys(record ?? {})) {
      if (!seen.has(key)) {
        seen.add(key);
        columns.push(key);
      }
    }
  }
  const rows = input.map((record) => columns.map((c) => (record as Record<string, unknown>)[c]));
  return { columns, rows };
}

export function formatCell(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "number") {
    if (Number.isInteger(value)) return String(value);
    return Number.isFinite(value) ? String(Number(value.toPrecision(6))) : String(value);
  }
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/**
 * `text` in at most `max` characters for a table cell: cut at the last space (or punctuation) before the limit, not
 * inside a word, and ended with "…" when anything was cut.
 */
export function shortText(text: string, max = 160): string {
  const chars = [...text];
  if (chars.length <= max) return text;
  const head = chars.slice(0, max - 1).join("");
  const boundary = Math.max(head.lastIndexOf(" "), head.lastIndexOf(","), head.lastIndexOf(";"));
  const cut = boundary >= head.length * 0.6 ? head.slice(0, boundary) : head;
  return `${cut.trimEnd()}…`;
}

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

interface Shown {
  columns: string[];
  rows: string[][];
  numeric: boolean[];
  hidden: number;
}

function prepare(table: TableData, maxRows: number): Shown {
  const limit = Math.max(0, Math.floor(maxRows));
  const visible = table.rows.slice(0, limit);
  const numeric = table.columns.map(
    (_, i) => visible.length > 0 && visible.every((r) => typeof r[i] === "number" || r[i] == null),
  );
  return {
    columns: table.columns,
    rows: visible.map((r) => table.columns.map((_, i) => formatCell(r[i]))),
    numeric,
    hidden: table.rows.length - visible.length,
  };
}

/** What an empty table shows instead of a header with no columns. */
export const NO_ROWS = "(행 없음 / no rows)";

function moreRowsNote(hidden: number): string {
  return `… ${hidden} more row${hidden === 1 ? "" : "s"}`;
}

export function renderTableHtml(table: TableData, options: ShowTableOptions = {}): string {
  if (table.rows.length === 0) {
    const caption = options.caption ? `<p><strong>${escapeHtml(options.caption)}</strong></p>` : "";
    return `${caption}<p><em>${escapeHtml(NO_ROWS)}</em></p>`;
  }
  const shown = prepare(table, options.maxRows ?? 50);
  const align = (i: number) => (shown.numeric[i] ? ' style="text-align:right"' : ' style="text-align:left"');
  const parts = ['<table class="ko-sagemaker-table">'];
  if (options.caption) parts.push(`<caption>${escapeHtml(options.caption)}</caption>`);
  parts.push(
    `<thead><tr>${shown.columns.map((c, i) => `<th${align(i)}>${escapeHtml(c)}</th>`).join("")}</tr></thead>`,
  );
  parts.push("<tbody>");
  for (const row of shown.rows) {
    parts.push(`<tr>${row.map((cell, i) => `<td${align(i)}>${escapeHtml(cell)}</td>`).join("")}</tr>`);
  }
  parts.push("</tbody></table>");
  if (shown.hidden > 0) parts.push(`<p><em>${escapeHtml(moreRowsNote(shown.hidden))}</em></p>`);
  return parts.join("");
}

export function renderTableText(table: TableData, options: ShowTableOptions = {}): string {
  if (table.rows.length === 0) return options.caption ? `${options.caption}\n${NO_ROWS}` : NO_ROWS;
  const shown = prepare(table, options.maxRows ?? 50);
  // Newlines would break the grid; a table cell shows them as spaces.
  const flat = (s: string) => s.replace(/\s*\n\s*/g, " ");
  const header = shown.columns.map(flat);
  const body = shown.rows.map((r) => r.map(flat));
  const widths = header.map((h, i) =>
    Math.max(displayWidth(h), ...body.map((r) => displayWidth(r[i] ?? ""))),
  );
  const line = (cells: string[]) =>
    cells
      .map((c, i) => padDisplay(c, widths[i] ?? 0, shown.numeric[i]))
      .join("  ")
      .trimEnd();
  const lines: string[] = [];
  if (options.caption) lines.push(options.caption);
  lines.push(line(header), widths.map((w) => "-".repeat(w)).join("  "));
  for (const row of body) lines.push(line(row));
  if (shown.hidden > 0) lines.push(moreRowsNote(shown.hidden));
  return lines.join("\n");
}

/** Shows records or a danfojs DataFrame as a table (HTML in a notebook, aligned text elsewhere). */
export function showTable(rows: object[] | DataFrameLike, options: ShowTableOptions = {}): void {
  const table = toTableData(rows);
  const text = renderTableText(table, options);
  if (!emitDisplay({ "text/html": renderTableHtml(table, options), "text/plain": text })) console.log(text);
}
