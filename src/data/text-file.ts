import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { DatasetError } from "./errors";

/**
 * Reads a file as UTF-8 and refuses anything else: a silently mis-decoded Korean file (CP949/EUC-KR is
 * common for files saved by Excel on Korean Windows) would otherwise train a model on mojibake.
 */
export function readUtf8Text(file: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT")
      throw new DatasetError(file, "file not found", `Check the path (looked at ${resolve(file)}).`);
    if (code === "EISDIR")
      throw new DatasetError(file, "is a folder, not a file", "Name the data file inside it.");
    throw error;
  }
  if (bytes.length === 0)
    throw new DatasetError(
      file,
      "the file is empty (0 bytes)",
      "Put a header line and at least one data row in it.",
    );
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new DatasetError(
      file,
      `is not valid UTF-8 text (first bad bytes on line ${firstInvalidLine(bytes)})`,
      "Save it as UTF-8 (Excel: 'CSV UTF-8'; shell: iconv -f CP949 -t UTF-8 in > out).",
    );
  }
}

function firstInvalidLine(bytes: Buffer): number {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let start = 0;
  for (let line = 1; ; line++) {
    const end = bytes.indexOf(0x0a, start);
    const slice = bytes.subarray(start, end === -1 ? bytes.length : end);
    try {
      decoder.decode(slice);
    } catch {
      return line;
    }
    if (end === -1) return line;
    start = end + 1;
  }
}

/** Lines without their terminators (LF or CRLF), without a trailing empty line. */
export function splitLines(text: string): string[] {
  const lines = text.split("\n");
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.endsWith("\r")) lines[i] = line.slice(0, -1);
  }
  return lines;
}
