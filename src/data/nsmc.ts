import { chmodSync, copyFileSync, mkdirSync, renameSync, rmSync, statSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { resolveKnobPath } from "../common/knob-path";
import { NSMC_DEFAULT_BASE_URL, NSMC_FILES, verifyChecksum } from "./checksums";
import { type DownloadProgress, downloadVerified } from "./download";
import { DatasetError, NsmcUnavailableError } from "./errors";
import type { LabelledDataset } from "./load";
import { dataFolders, workshopRoot } from "./paths";
import { readUtf8Text, splitLines } from "./text-file";

/** One NSMC review. label 1 = positive, 0 = negative. */
export interface NsmcRow {
  id: string;
  document: string;
  label: 0 | 1;
}

export interface NsmcLocation {
  dir: string;
  train: string;
  test: string;
  source: "NSMC_DIR" | "data/nsmc";
}

const TRAIN = "ratings_train.txt";
const TEST = "ratings_test.txt";

/** A folder's NSMC files: both there with NSMC's sizes, missing, or there but not the original files. */
interface Inspection {
  location?: NsmcLocation;
  missing: string[];
  /** "ratings_train.txt has 1,234 bytes, not 14,628,807" */
  damaged: string[];
}

function inspect(dir: string, source: NsmcLocation["source"]): Inspection {
  const missing: string[] = [];
  const damaged: string[] = [];
  for (const { name, bytes } of NSMC_FILES) {
    let size: number;
    try {
      size = statSync(join(dir, name)).size;
    } catch {
      missing.push(name);
      continue;
    }
    if (size !== bytes) {
      damaged.push(`${name} has ${size.toLocaleString("en-US")} bytes, not ${bytes.toLocaleString("en-US")}`);
    }
  }
  const ok = missing.length === 0 && damaged.length === 0;
  return {
    ...(ok ? { location: { dir, train: join(dir, TRAIN), test: join(dir, TEST), source } } : {}),
    missing,
    damaged,
  };
}

/**
 * Where NSMC is, if anywhere: the folder named by `NSMC_DIR` first, then `data/nsmc` (where `npm run data`
 * puts it). Both files must be there with NSMC's sizes (a cheap check every lab can make: a truncated or edited
 * copy is not used); `npm run data` and lab 1.1 verify the SHA-256 too. `undefined` means the labs fall back to
 * the sample set; `nsmcAbsenceReason()` says why.
 */
export function locateNsmc(root: string = workshopRoot()): NsmcLocation | undefined {
  const named = process.env.NSMC_DIR;
  if (named) {
    const found = inspect(resolveKnobPath(named), "NSMC_DIR").location;
    if (found) return found;
  }
  return inspect(dataFolders(root).nsmc, "data/nsmc").location;
}

/** The fix for a damaged copy, wherever it is. */
export const NSMC_REPAIR =
  "Run `npm run data` to fetch a verified copy into data/nsmc (or `NSMC_DIR=<a good copy> npm run data` to copy one in)";

/** A sentence for notebooks and the CLI when `locateNsmc()` finds nothing: what is missing or damaged, and the fix. */
export function nsmcAbsenceReason(root: string = workshopRoot()): string {
  const named = process.env.NSMC_DIR;
  const parts: string[] = [];
  const describe = (label: string, found: Inspection) => {
    const lacks = found.missing.length > 0 ? `lacks ${found.missing.join(" and ")}` : "";
    if (found.damaged.length > 0) {
      parts.push(`${label} is damaged: ${found.damaged.join("; ")}${lacks ? `; it also ${lacks}` : ""}`);
    } else if (found.missing.length === NSMC_FILES.length) {
      parts.push(`${label} has neither ${TRAIN} nor ${TEST}`);
    } else if (lacks) {
      parts.push(`${label} ${lacks}`);
    }
  };
  if (named) {
    const dir = resolveKnobPath(named);
    describe(`NSMC_DIR=${named}${isAbsolute(named) ? "" : ` (${dir})`}`, inspect(dir, "NSMC_DIR"));
  }
  const local = inspect(dataFolders(root).nsmc, "data/nsmc");
  if (!named && local.missing.length === NSMC_FILES.length) {
    parts.push(`NSMC is not in ${dataFolders(root).nsmc} and NSMC_DIR is not set`);
  } else {
    describe(dataFolders(root).nsmc, local);
  }
  const damaged = parts.some((part) => part.includes("is damaged"));
  const fix = damaged
    ? NSMC_REPAIR
    : "Run `npm run data` (needs the internet) or set NSMC_DIR to a folder with both files";
  return `${parts.join(", and ")}. ${fix}; until then the labs use the sample reviews in data/sample.`;
}

/**
 * The Korean sentence a Korean lab shows first (the English `nsmcAbsenceReason` follows it in parentheses): what
 * is wrong with the corpus in one clause (absent, damaged, files missing) and the fix.
 */
export function nsmcAbsenceKorean(root?: string): string {
  const reason = nsmcAbsenceReason(root);
  const what = reason.includes("is damaged")
    ? "NSMC 사본이 손상되었습니다(파일 크기나 SHA-256이 고정값과 다릅니다). `npm run data`로 검증된 사본을 다시 받으세요"
    : reason.includes("NSMC is not in") || reason.includes("has neither")
      ? "NSMC가 data/nsmc에 없고 NSMC_DIR로 지정한 폴더도 없습니다. `npm run data`(인터넷 필요)로 내려받거나 NSMC_DIR에 두 파일이 든 폴더를 지정하세요"
      : "NSMC 폴더에 파일이 빠져 있습니다(ratings_train.txt, ratings_test.txt 둘 다 필요). `npm run data`로 받으세요";
  return `${what}. 그때까지 랩은 data/sample의 예시 리뷰를 씁니다.`;
}

/** Korean first, the English detail beside it: `<한국어>. (<English>)`. */
export function nsmcAbsenceBilingual(root?: string): string {
  return `${nsmcAbsenceKorean(root)} (${nsmcAbsenceReason(root)})`;
}

export interface NsmcFileCheck {
  file: string;
  name: string;
  verdict: "ok" | "missing" | "size" | "checksum";
  bytes?: number;
  expectedBytes: number;
  sha256?: string;
}

/** What `npm run data` checks, for a folder: each file's presence, size and SHA-256 (about 0.1 s for both files). */
export async function verifyNsmcCopy(dir: string): Promise<NsmcFileCheck[]> {
  const checks: NsmcFileCheck[] = [];
  for (const { name, bytes, sha256 } of NSMC_FILES) {
    const file = join(dir, name);
    let size: number;
    try {
      size = statSync(file).size;
    } catch {
      checks.push({ file, name, verdict: "missing", expectedBytes: bytes });
      continue;
    }
    if (size !== bytes) {
      checks.push({ file, name, verdict: "size", bytes: size, expectedBytes: bytes });
      continue;
    }
    const { verdict, actual } = await verifyChecksum(file, sha256);
    checks.push({
      file,
      name,
      verdict: verdict === "ok" ? "ok" : "checksum",
      bytes: size,
      expectedBytes: bytes,
      ...(actual ? { sha256: actual } : {}),
    });
  }
  return checks;
}

const HEADER = "id\tdocument\tlabel";

/**
 * Reads one NSMC file. Lines split on tab only: documents contain double quotes (623 in train, 233 in
 * test) that a quote-aware CSV parser would swallow. Empty documents are kept as "" so callers can count them.
 */
export function readNsmc(file: string): NsmcRow[] {
  const lines = splitLines(readUtf8Text(file));
  if (lines[0] !== HEADER) {
    throw new DatasetError(
      file,
      `does not start with the NSMC header "id<TAB>document<TAB>label" (found "${(lines[0] ?? "").slice(0, 60)}")`,
      "Use the original ratings_train.txt / ratings_test.txt, or load other files with loadDataset()",
    );
  }
  const rows: NsmcRow[] = new Array(lines.length - 1);
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    const first = line.indexOf("\t");
    const last = line.lastIndexOf("\t");
    const label = line.slice(last + 1);
    if (
      first === -1 ||
      first === last ||
      line.indexOf("\t", first + 1) !== last ||
      (label !== "0" && label !== "1")
    ) {
      throw new DatasetError(
        file,
        `line ${i + 1} is not "id<TAB>document<TAB>0|1": "${line.slice(0, 80)}"`,
        "The file is damaged; run `npm run data` again to fetch a verified copy",
      );
    }
    rows[i - 1] = {
      id: line.slice(0, first),
      document: line.slice(first + 1, last),
      label: label === "1" ? 1 : 0,
    };
  }
  return rows;
}

/** NSMC rows as a LabelledDataset (labels "0"/"1"), for loaders and explorers that take any dataset. */
export function nsmcDataset(file: string, rows: readonly NsmcRow[] = readNsmc(file)): LabelledDataset {
  return {
    source: file,
    texts: rows.map((row) => row.document),
    labels: rows.map((row) => String(row.label)),
    ids: rows.map((row) => row.id),
  };
}

export type NsmcFetchEvent =
  | { kind: "present"; file: string }
  | { kind: "verified-local"; file: string }
  | { kind: "copied"; from: string; file: string }
  | { kind: "downloading"; url: string; file: string }
  | ({ kind: "progress" } & DownloadProgress)
  | { kind: "downloaded"; file: string };

export interface FetchNsmcOptions {
  root?: string;
  /** A folder with a local copy to verify instead of downloading (default: env NSMC_DIR; "" ignores the variable). */
  localDir?: string;
  /** Where the raw files live (default: env NSMC_BASE_URL, then the e9t/nsmc repository). */
  baseUrl?: string;
  idleTimeoutMs?: number;
  /** With a local copy: also copy the verified files into data/nsmc, so later shells need no NSMC_DIR (default true). */
  copyLocal?: boolean;
  onEvent?: (event: NsmcFetchEvent) => void;
}

/** Copies a verified file through a temporary name, so data/nsmc never holds half a file; the copy is writable. */
function copyAtomically(from: string, to: string): void {
  const temporary = `${to}.${process.pid}.tmp`;
  try {
    copyFileSync(from, temporary);
    chmodSync(temporary, 0o644);
    renameSync(temporary, to);
  } finally {
    rmSync(temporary, { force: true });
  }
}

/**
 * Makes NSMC available and verified: a local copy (NSMC_DIR) is checked, then copied into data/nsmc (files already
 * there with the right checksum are kept), so the labs find it without the variable; otherwise files already in
 * data/nsmc with the right checksum are kept and the others downloaded. Throws NsmcUnavailableError with a message
 * that says what to do.
 */
export async function fetchNsmc(options: FetchNsmcOptions = {}): Promise<NsmcLocation> {
  const localDir = options.localDir ?? process.env.NSMC_DIR;
  const emit = options.onEvent ?? (() => {});
  if (localDir) {
    const dir = resolveKnobPath(localDir);
    for (const { name, sha256 } of NSMC_FILES) {
      const file = join(dir, name);
      const { verdict, actual } = await verifyChecksum(file, sha256);
      if (verdict === "missing") {
        throw new NsmcUnavailableError(
          `NSMC_DIR=${localDir}: ${name} is missing there${isAbsolute(localDir) ? "" : ` (${dir})`}. Point NSMC_DIR at a folder with ${TRAIN} and ${TEST}, or unset it to download into data/nsmc.`,
        );
      }
      if (verdict === "mismatch") {
        throw new NsmcUnavailableError(
          `NSMC_DIR=${localDir}: ${name} has SHA-256 ${actual}, expected ${sha256}: it is not the original file. Replace it with an unmodified copy, or unset NSMC_DIR to download.`,
        );
      }
      emit({ kind: "verified-local", file });
    }
    const target = dataFolders(options.root ?? workshopRoot()).nsmc;
    if (options.copyLocal === false || resolve(target) === resolve(dir)) {
      return { dir, train: join(dir, TRAIN), test: join(dir, TEST), source: "NSMC_DIR" };
    }
    mkdirSync(target, { recursive: true });
    for (const { name, sha256 } of NSMC_FILES) {
      const file = join(target, name);
      if ((await verifyChecksum(file, sha256)).verdict === "ok") {
        emit({ kind: "present", file });
        continue;
      }
      copyAtomically(join(dir, name), file);
      emit({ kind: "copied", from: join(dir, name), file });
    }
    return { dir: target, train: join(target, TRAIN), test: join(target, TEST), source: "data/nsmc" };
  }

  const dir = dataFolders(options.root ?? workshopRoot()).nsmc;
  const baseUrl = (options.baseUrl ?? process.env.NSMC_BASE_URL ?? NSMC_DEFAULT_BASE_URL).replace(/\/+$/, "");
  for (const { name, sha256 } of NSMC_FILES) {
    const file = join(dir, name);
    if ((await verifyChecksum(file, sha256)).verdict === "ok") {
      emit({ kind: "present", file });
      continue;
    }
    const url = `${baseUrl}/${name}`;
    emit({ kind: "downloading", url, file });
    try {
      await downloadVerified(url, file, sha256, {
        onProgress: (progress) => emit({ kind: "progress", ...progress }),
        ...(options.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: options.idleTimeoutMs }),
      });
    } catch (error) {
      if (!(error instanceof NsmcUnavailableError)) throw error;
      throw new NsmcUnavailableError(
        `${error.message}\nTo fix: retry when online, or set NSMC_DIR to a folder that holds ${TRAIN} and ${TEST}. ` +
          "Until then the labs fall back to the sample reviews in data/sample.",
      );
    }
    emit({ kind: "downloaded", file });
  }
  return { dir, train: join(dir, TRAIN), test: join(dir, TEST), source: "data/nsmc" };
}
