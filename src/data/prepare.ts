import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type CleanReport, cleanReviews, type ReviewRow, stratifiedSample, stratifiedSplit } from "./clean";
import { loadReviewCorpus } from "./corpus";
import type { LabelledDataset } from "./load";
import { locateNsmc } from "./nsmc";
import { dataFolders, type PreparedDataPaths, preparedDataPaths, workshopRoot } from "./paths";
import { recordDataUse } from "./usage";
import { writeJson, writeJsonl, writeTsv } from "./write";

export interface PrepareOptions {
  root?: string;
  /** Small seeded subsets so CI runs fast (the labs pass `isQuickRun()`, the WORKSHOP_QUICK knob). */
  quick: boolean;
  /** Training rows kept in quick mode (before the validation split). Default 6000. */
  quickTrainRows?: number;
  /** Test rows kept in quick mode. Default 2000. */
  quickTestRows?: number;
  /** Share of the cleaned training rows held out for validation. Default 0.1. */
  validationFraction?: number;
  seed?: number;
  /** Also drop training rows whose text occurs in the test set, so the test score is on unseen texts. Default false. */
  dropTrainRowsInTest?: boolean;
  /**
   * Deduplicate the test set too. Default false: scores then compare with published NSMC figures, which
   * use all 50,000 test rows (empty ones aside).
   */
  dedupeTest?: boolean;
  /** Use the sample reviews even when NSMC is present. */
  forceSample?: boolean;
  /** Called as each of the PREPARE_STEPS begins (a full NSMC run takes several seconds). */
  onStep?: (step: PrepareStep, index: number) => void;
}

export const PREPARE_STEPS = ["read", "clean", "split", "write"] as const;
export type PrepareStep = (typeof PREPARE_STEPS)[number];

/** One line of the before/after table a notebook shows. */
export interface PreparedSplitCounts extends CleanReport {
  split: "train" | "test";
  /** rows left out by quick mode's subsampling */
  subsampledAway: number;
}

export interface PreparedData {
  source: "nsmc" | "sample";
  /** one sentence for the notebook: where the data came from and, for the sample set, why */
  note: string;
  quick: boolean;
  paths: PreparedDataPaths;
  counts: PreparedSplitCounts[];
  /** rows written per file and label */
  written: { file: "train" | "validation" | "test"; rows: number; labels: Record<string, number> }[];
}

/** A dataset's rows as the cleaning steps take them. */
export function datasetRows(dataset: LabelledDataset): ReviewRow[] {
  return dataset.texts.map((text, i) => {
    const row: ReviewRow = { text, label: dataset.labels[i] as string };
    const id = dataset.ids?.[i];
    if (id !== undefined) row.id = id;
    return row;
  });
}

/** What `prepareSplits` makes of raw train and test rows: the three files' rows and the before/after counts. */
export interface PreparedSplits {
  train: ReviewRow[];
  validation: ReviewRow[];
  test: ReviewRow[];
  counts: PreparedSplitCounts[];
}

/**
 * The 3.1 steps on rows in memory: quick mode's seeded subsets, cleaning (NFC, spaces, empty rows, duplicates in the
 * training data), the stratified validation split. `prepareNsmc` runs it on the corpus it finds; a processing job
 * (lab 5.3's pipeline) runs it on the files it is given.
 */
export function prepareSplits(
  rawTrain: readonly ReviewRow[],
  rawTest: readonly ReviewRow[],
  options: Omit<PrepareOptions, "root" | "forceSample">,
): PreparedSplits {
  const quick = options.quick;
  const seed = options.seed ?? 42;
  const step = (name: PrepareStep) => options.onStep?.(name, PREPARE_STEPS.indexOf(name));
  const trainInput = quick ? stratifiedSample(rawTrain, options.quickTrainRows ?? 6000, seed) : [...rawTrain];
  const testInput = quick ? stratifiedSample(rawTest, options.quickTestRows ?? 2000, seed + 1) : [...rawTest];

  step("clean");
  const test = cleanReviews(testInput, { dedupe: options.dedupeTest ?? false });
  const exclude = options.dropTrainRowsInTest ? new Set(test.rows.map((row) => row.text)) : undefined;
  const train = cleanReviews(trainInput, exclude ? { exclude } : {});
  step("split");
  const { rest: trainRows, part: validationRows } = stratifiedSplit(
    train.rows,
    options.validationFraction ?? 0.1,
    seed,
  );
  return {
    train: trainRows,
    validation: validationRows,
    test: test.rows,
    counts: [
      {
        split: "train",
        subsampledAway: rawTrain.length - trainInput.length,
        ...train.report,
        before: rawTrain.length,
      },
      {
        split: "test",
        subsampledAway: rawTest.length - testInput.length,
        ...test.report,
        before: rawTest.length,
      },
    ],
  };
}

/** Rows per label, for the notebook's tables. */
export function labelCounts(rows: readonly ReviewRow[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const row of rows) counts[row.label] = (counts[row.label] ?? 0) + 1;
  return counts;
}

/**
 * Cleans NSMC (or the sample reviews when NSMC is absent), splits a validation set off the training data
 * and writes data/prepared/{train,validation,test}.tsv (`text<TAB>label`, 1 = positive) and test.jsonl
 * ({"inputs": text}) for batch transform.
 */
export function prepareNsmc(options: PrepareOptions): PreparedData {
  const root = options.root ?? workshopRoot();
  const quick = options.quick;
  const seed = options.seed ?? 42;
  const step = (name: PrepareStep) => options.onStep?.(name, PREPARE_STEPS.indexOf(name));
  step("read");
  const corpus = loadReviewCorpus({ root, seed, ...(options.forceSample ? { forceSample: true } : {}) });
  const note = quick ? `${corpus.note} Quick mode: seeded subsets.` : corpus.note;
  const splits = prepareSplits(datasetRows(corpus.train), datasetRows(corpus.test), options);

  step("write");
  const paths = preparedDataPaths(root);
  writeTsv(paths.train, splits.train);
  writeTsv(paths.validation, splits.validation);
  writeTsv(paths.test, splits.test);
  writeJsonl(
    paths.testJsonl,
    splits.test.map((row) => ({ inputs: row.text })),
  );

  const result: PreparedData = {
    source: corpus.source,
    note,
    quick,
    paths,
    counts: splits.counts,
    written: [
      { file: "train", rows: splits.train.length, labels: labelCounts(splits.train) },
      { file: "validation", rows: splits.validation.length, labels: labelCounts(splits.validation) },
      { file: "test", rows: splits.test.length, labels: labelCounts(splits.test) },
    ],
  };
  const manifest: PreparedManifest = {
    ...result,
    seed,
    validationFraction: options.validationFraction ?? 0.1,
    createdAt: new Date().toISOString(),
  };
  writeJson(preparedManifestPath(root), manifest);
  recordPreparedUse(result);
  return result;
}

/**
 * One sentence for the labs that train on data/prepared: which corpus and how many rows this run really uses, so
 * prose that quotes NSMC's sizes is never taken for the size of a quick or sample run.
 */
export function preparedDataNote(prepared: Pick<PreparedData, "source" | "quick" | "written">): string {
  const rows = (file: "train" | "validation" | "test") =>
    (prepared.written.find((w) => w.file === file)?.rows ?? 0).toLocaleString("en-US");
  const counts = `학습 ${rows("train")} / 검증 ${rows("validation")} / 테스트 ${rows("test")}행`;
  const countsEn = `train ${rows("train")}, validation ${rows("validation")}, test ${rows("test")} rows`;
  const corpus =
    prepared.source === "nsmc" ? "NSMC" : "NSMC 대신 예시 리뷰(data/sample, 이 프로젝트가 쓴 300개)";
  const corpusEn = prepared.source === "nsmc" ? "NSMC" : "the sample reviews standing in for NSMC";
  const scope = prepared.quick ? "빠른 실행의 표본" : "전체";
  const scopeEn = prepared.quick ? "quick-run subsets" : "the whole corpus";
  return `이번 실행의 데이터: ${corpus}, ${scope}, ${counts}. (Data used: ${corpusEn}, ${scopeEn}: ${countsEn}.)`;
}

/** Tells the lab runner which corpus the prepared files hold (NSMC or the sample reviews) and how many rows. */
function recordPreparedUse(prepared: PreparedData): void {
  recordDataUse({
    kind: prepared.source,
    source: prepared.source === "nsmc" ? "data/prepared (NSMC)" : "data/prepared (data/sample)",
    rows: prepared.written.reduce((sum, file) => sum + file.rows, 0),
    quick: prepared.quick,
  });
}

/** What a prepareNsmc run wrote, and with which settings: later labs check `quick` before reusing the files. */
export interface PreparedManifest extends PreparedData {
  seed: number;
  validationFraction: number;
  createdAt: string;
}

export function preparedManifestPath(root: string = workshopRoot()): string {
  return join(dataFolders(root).prepared, "manifest.json");
}

/**
 * The manifest of the files in data/prepared, or undefined when there are none (or they predate manifests).
 * A quick CI pass after a full run (or the reverse) can tell from `quick` that the files do not fit.
 */
export function readPreparedManifest(root: string = workshopRoot()): PreparedManifest | undefined {
  const file = preparedManifestPath(root);
  if (!existsSync(file)) return undefined;
  const manifest = JSON.parse(readFileSync(file, "utf8")) as PreparedManifest;
  const paths = preparedDataPaths(root);
  return Object.values(paths).every((path) => existsSync(path)) ? manifest : undefined;
}

export interface EnsuredPreparedData {
  prepared: PreparedData;
  /** true when the files already in data/prepared fit and were kept */
  reused: boolean;
  /** why the files were (re)written, for the notebook to say */
  reason?: string;
}

/**
 * What labs after 3.1 call: keeps data/prepared when its manifest matches the run (quick or full), and
 * prepares it again otherwise, so a quick CI pass never trains on full-size files (or the reverse).
 */
export function ensurePreparedData(options: PrepareOptions): EnsuredPreparedData {
  const { quick } = options;
  const manifest = readPreparedManifest(options.root);
  // The corpus this run would prepare from: files made from the sample set are not reused once NSMC is there.
  const wanted = options.forceSample || !locateNsmc(options.root ?? workshopRoot()) ? "sample" : "nsmc";
  if (manifest && manifest.quick === quick && manifest.source === wanted) {
    recordPreparedUse(manifest);
    return { prepared: manifest, reused: true };
  }
  const reason = !manifest
    ? "data/prepared has no files from lab 3.1 yet; preparing them now."
    : manifest.quick !== quick
      ? `data/prepared holds a ${manifest.quick ? "quick" : "full"} run's files; preparing them again for a ${quick ? "quick" : "full"} run.`
      : `data/prepared was made from ${manifest.source === "nsmc" ? "NSMC" : "the sample reviews"}; preparing it again from ${wanted === "nsmc" ? "NSMC" : "the sample reviews"}.`;
  return { prepared: prepareNsmc(options), reused: false, reason };
}
