import { stratifiedSample, stratifiedSplit } from "./clean";
import { DatasetError } from "./errors";
import { type LabelledDataset, loadDataset } from "./load";
import { locateNsmc, NSMC_REPAIR, nsmcAbsenceKorean, nsmcAbsenceReason, nsmcDataset } from "./nsmc";
import { displayPath, sampleReviewsPath, workshopRoot } from "./paths";
import { recordDataUse } from "./usage";

export interface ReviewCorpus {
  train: LabelledDataset;
  test: LabelledDataset;
  source: "nsmc" | "sample";
  /** one sentence for the notebook: where the data came from and, for the sample set, why */
  note: string;
}

/**
 * The train/test corpus the labs explore: NSMC when `locateNsmc()` finds it, otherwise the sample reviews
 * split 80/20 (seeded, stratified), with a note saying so.
 */
export function loadReviewCorpus(
  options: { root?: string; seed?: number; forceSample?: boolean } = {},
): ReviewCorpus {
  const root = options.root ?? workshopRoot();
  const location = options.forceSample ? undefined : locateNsmc(root);
  let unreadable: string | undefined;
  if (location) {
    try {
      const train = nsmcDataset(location.train);
      const test = nsmcDataset(location.test);
      recordDataUse({
        kind: "nsmc",
        source: displayPath(location.dir, root),
        rows: train.texts.length + test.texts.length,
      });
      return { train, test, source: "nsmc", note: `NSMC from ${location.dir} (${location.source}).` };
    } catch (error) {
      // A copy with NSMC's sizes whose content is not NSMC's: the labs go on with the sample set and say why.
      if (!(error instanceof DatasetError)) throw error;
      unreadable = `NSMC in ${location.dir} cannot be read (${error.message}) ${NSMC_REPAIR}; until then the labs use the sample reviews in data/sample.`;
    }
  }
  const file = sampleReviewsPath(root);
  const sample = loadDataset(file);
  const rows = sample.texts.map((text, i) => ({
    text,
    label: sample.labels[i] as string,
    id: sample.ids?.[i] ?? String(i + 1),
  }));
  const { rest, part } = stratifiedSplit(rows, 0.2, options.seed ?? 42);
  recordDataUse({ kind: "sample", source: displayPath(file, root), rows: rows.length });
  const toDataset = (subset: typeof rows): LabelledDataset => ({
    source: file,
    texts: subset.map((row) => row.text),
    labels: subset.map((row) => row.label),
    ids: subset.map((row) => row.id),
  });
  return {
    train: toDataset(rest),
    test: toDataset(part),
    source: "sample",
    note: options.forceSample
      ? "요청한 대로 data/sample의 예시 리뷰를 학습 80% / 테스트 20%로 나눠 씁니다. (The sample reviews in data/sample (requested), split 80/20 into train and test.)"
      : `data/sample의 예시 리뷰를 학습 80% / 테스트 20%로 나눠 씁니다. ${unreadable ? "NSMC 사본을 NSMC로 읽을 수 없습니다. `npm run data`로 검증된 사본을 받으세요. 그때까지 랩은 data/sample의 예시 리뷰를 씁니다." : nsmcAbsenceKorean(root)} ` +
        `(The sample reviews in data/sample, split 80/20 into train and test: ${unreadable ?? nsmcAbsenceReason(root)})`,
  };
}

export interface SplitFacts {
  rows: number;
  /** rows per label, labels sorted */
  labels: Record<string, number>;
  /** texts that are "" or only whitespace */
  empty: number;
  /** rows whose text already occurred earlier in the same split: rows - distinct texts */
  duplicates: number;
  /** texts with a double quote, which a careless CSV parser would mangle */
  withQuotes: number;
}

export interface CorpusFacts {
  train: SplitFacts;
  test: SplitFacts;
  /** test rows whose text also occurs in train (a model may have seen them) */
  testRowsInTrain: number;
}

function splitFacts(dataset: LabelledDataset): SplitFacts {
  const labels: Record<string, number> = {};
  let empty = 0;
  let withQuotes = 0;
  const distinct = new Set<string>();
  dataset.texts.forEach((text, i) => {
    const label = dataset.labels[i] as string;
    labels[label] = (labels[label] ?? 0) + 1;
    if (text.trim() === "") empty++;
    if (text.includes('"')) withQuotes++;
    distinct.add(text);
  });
  const sorted = Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)));
  return {
    rows: dataset.texts.length,
    labels: sorted,
    empty,
    duplicates: dataset.texts.length - distinct.size,
    withQuotes,
  };
}

/** The raw corpus's quirks, counted on the texts exactly as read (before any cleaning). */
export function corpusFacts(train: LabelledDataset, test: LabelledDataset): CorpusFacts {
  const trainTexts = new Set(train.texts);
  return {
    train: splitFacts(train),
    test: splitFacts(test),
    testRowsInTrain: test.texts.filter((text) => trainTexts.has(text)).length,
  };
}

/** A seeded, label-stratified subset of about `size` rows (the whole dataset when it is smaller). */
export function subsetDataset(dataset: LabelledDataset, size: number, seed = 42): LabelledDataset {
  if (size >= dataset.texts.length) return dataset;
  const indices = dataset.labels.map((label, index) => ({ label, index }));
  const chosen = stratifiedSample(indices, size, seed)
    .map((row) => row.index)
    .sort((a, b) => a - b);
  const subset: LabelledDataset = {
    source: dataset.source,
    texts: chosen.map((i) => dataset.texts[i] as string),
    labels: chosen.map((i) => dataset.labels[i] as string),
  };
  if (dataset.ids) subset.ids = chosen.map((i) => (dataset.ids as string[])[i] as string);
  return subset;
}

export interface RepeatedText {
  text: string;
  count: number;
  /** rows per label for this text, e.g. { "0": 3, "1": 40 }: conflicting labels show up here */
  labels: Record<string, number>;
}

/** The texts that occur most often, with how their rows are labelled. */
export function repeatedTexts(dataset: LabelledDataset, top = 10): RepeatedText[] {
  const byText = new Map<string, Record<string, number>>();
  dataset.texts.forEach((text, i) => {
    const label = dataset.labels[i] as string;
    let labels = byText.get(text);
    if (!labels) {
      labels = {};
      byText.set(text, labels);
    }
    labels[label] = (labels[label] ?? 0) + 1;
  });
  const repeated: RepeatedText[] = [];
  for (const [text, labels] of byText) {
    const count = Object.values(labels).reduce((a, b) => a + b, 0);
    if (count > 1) repeated.push({ text, count, labels });
  }
  return repeated.sort((a, b) => b.count - a.count || (a.text < b.text ? -1 : 1)).slice(0, top);
}
