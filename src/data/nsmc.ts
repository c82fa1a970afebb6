import { existsSync } from "node:fs";
import { isAbsolute, join } from "node:path";
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

function locationIn(dir: string, source: NsmcLocation["source"]): NsmcLocation | undefined {
  const train = join(dir, TRAIN);
  const test = join(dir, TEST);
  return existsSync(train) && existsSync(test) ? { dir, train, test, source } : undefined;
}

/**
 * Where NSMC is, if anywhere: the folder named by `NSMC_DIR` first, then `data/nsmc` (where `npm run data`
 * puts it). This only checks that both files exist (cheap enough for every lab); `npm run data` verifies
 * checksums. `undefined` means the labs fall back to the sample set; `nsmcAbsenceReason()` says why.
 */
export function locateNsmc(root: string = workshopRoot()): NsmcLocation | undefined {
  const named = process.env.NSMC_DIR;
  if (named) {
    const found = locationIn(resolveKnobPath(named), "NSMC_DIR");
    if (found) return found;
  }
  return locationIn(dataFolders(root).nsmc, "data/nsmc");
}

/** A sentence for notebooks and the CLI when `locateNsmc()` finds nothing. */
export function nsmcAbsenceReason(root: string = workshopRoot()): string {
  const named = process.env.NSMC_DIR;
  const where = named
    ? `NSMC_DIR=${named}${isAbsolute(named) ? "" : ` (${resolveKnobPath(named)})`} does not contain ${TRAIN} and ${TEST}, and ${dataFolders(root).nsmc} has neither`
    : `NSMC is not in ${dataFolders(root).nsmc} and NSMC_DIR is not set`;
  return `${where}. Run \`npm run data\` (needs the internet) or set NSMC_DIR to a folder with both files; until then the labs use the sample reviews in data/sample.`;
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
  onEvent?: (event: NsmcFetchEvent) => void;
}

/**
 * Makes NSMC available and verified: a local copy (NSMC_DIR) is checked in place; otherwise files already
 * in data/nsmc with the right checksum are kept and the others downloaded. Throws NsmcUnavailableError
 * with a message that says what to do.
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
    return { dir, train: join(dir, TRAIN), test: join(dir, TEST), source: "NSMC_DIR" };
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
