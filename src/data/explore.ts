import type * as Danfo from "danfojs-node";
import type { LabelledDataset } from "./load";

type DanfoModule = typeof Danfo;
let danfo: DanfoModule | undefined;

/**
 * danfojs-node, loaded on first use: it pulls in TensorFlow.js, which costs over a second, and most
 * callers of this package never touch a DataFrame.
 */
export function danfojs(): DanfoModule {
  danfo ??= require("danfojs-node") as DanfoModule;
  return danfo;
}

/** A DataFrame with columns text, label, length (characters) and, when the dataset has them, id. */
export function toDataFrame(dataset: LabelledDataset): Danfo.DataFrame {
  const columns: Record<string, (string | number)[]> = {};
  if (dataset.ids) columns.id = dataset.ids;
  columns.text = dataset.texts;
  columns.label = dataset.labels;
  columns.length = textLengths(dataset.texts);
  return new (danfojs().DataFrame)(columns);
}

/** Lengths in characters (code points after NFC, so a Hangul syllable counts once). */
export function textLengths(texts: readonly string[]): number[] {
  return texts.map((text) => [...text.normalize("NFC")].length);
}

export interface LengthHistogram {
  /** the first length in each bin: 0, binSize, 2·binSize, ... */
  binStarts: number[];
  /** per label, rows whose length falls in each bin */
  counts: Record<string, number[]>;
}

/**
 * Review lengths binned per label. Charts get the counts rather than every length, which keeps a
 * 150,000-review histogram a few hundred numbers in the notebook.
 */
export function lengthHistogram(dataset: LabelledDataset, binSize = 5): LengthHistogram {
  const lengths = textLengths(dataset.texts);
  // A loop, not Math.max(...lengths): spreading 150,000 arguments overflows the stack.
  let longest = 0;
  for (const length of lengths) if (length > longest) longest = length;
  const bins = Math.floor(longest / binSize) + 1;
  const counts: Record<string, number[]> = {};
  for (const label of [...new Set(dataset.labels)].sort()) counts[label] = new Array(bins).fill(0);
  lengths.forEach((length, i) => {
    const row = counts[dataset.labels[i] as string] as number[];
    const bin = Math.floor(length / binSize);
    row[bin] = (row[bin] as number) + 1;
  });
  return { binStarts: Array.from({ length: bins }, (_, i) => i * binSize), counts };
}

export interface LabelShare {
  label: string;
  count: number;
  /** fraction of all rows, 0..1 */
  share: number;
}

/** Rows per label, labels sorted: the class-balance table. */
export function labelBalance(dataset: LabelledDataset): LabelShare[] {
  const counts = new Map<string, number>();
  for (const label of dataset.labels) counts.set(label, (counts.get(label) ?? 0) + 1);
  return [...counts]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([label, count]) => ({ label, count, share: count / dataset.labels.length }));
}

export interface DistinctiveNgram {
  label: string;
  ngram: string;
  /** occurrences in texts of this label */
  count: number;
  /** occurrences in texts of the other labels */
  otherCount: number;
  /** log-count ratio: log of (smoothed share of this label's n-grams) / (share among the other labels') */
  score: number;
}

export interface NgramOptions {
  /** n-gram sizes over characters. Inner spaces count ("너무 지" spans two words); n-grams that start or end with a space are skipped, as they repeat their trimmed twin. Default [2, 3]. */
  sizes?: number[];
  /** n-grams per label. Default 15. */
  top?: number;
  /** ignore n-grams seen fewer times than this overall. Default 20 (lower it for small datasets). */
  minCount?: number;
  /** additive smoothing. Default 1. */
  alpha?: number;
  /** called every 10,000 texts (counting takes seconds on all of NSMC) */
  onProgress?: (done: number, total: number) => void;
}

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;
const isLowSurrogate = (code: number) => code >= 0xdc00 && code <= 0xdfff;

/**
 * The character n-grams that most separate each label from the others, by log-count ratio (the same
 * quantity an NB-LR classifier weighs). Characters, not words: Korean endings glue onto words, so word
 * counts scatter; syllable n-grams such as "최고" or "노잼" carry the sentiment.
 */
/**
 * An n-gram as a reader should see it: a space inside it (the n-gram runs across a word boundary, as "이 너" from
 * "...이 너무...") shown as "▁" (U+2581, the mark SentencePiece uses), so "이▁너" cannot be misread as a word.
 */
export function markSpaces(text: string): string {
  return text.replace(/ /g, "\u2581");
}

export function distinctiveNgrams(dataset: LabelledDataset, options: NgramOptions = {}): DistinctiveNgram[] {
  const { sizes = [2, 3], top = 15, minCount = 20, alpha = 1, onProgress } = options;
  const labels = [...new Set(dataset.labels)].sort();
  // One map per label: far cheaper than an array per n-gram across a million distinct n-grams.
  const perLabelCounts = labels.map(() => new Map<string, number>());
  const labelIndex = new Map(labels.map((label, i) => [label, i]));
  const totals = labels.map(() => 0);
  dataset.texts.forEach((text, row) => {
    const li = labelIndex.get(dataset.labels[row] as string) as number;
    const own = perLabelCounts[li] as Map<string, number>;
    // UTF-16 slices are the fastest n-gram keys; the few that would cut an emoji's surrogate pair are skipped.
    const padded = text.normalize("NFC").replace(/\s+/g, " ").trim();
    for (const n of sizes) {
      for (let i = 0; i + n <= padded.length; i++) {
        if (isLowSurrogate(padded.charCodeAt(i)) || isHighSurrogate(padded.charCodeAt(i + n - 1))) continue;
        if (padded.charCodeAt(i) === 32 || padded.charCodeAt(i + n - 1) === 32) continue;
        const gram = padded.slice(i, i + n);
        own.set(gram, (own.get(gram) ?? 0) + 1);
        totals[li] = (totals[li] as number) + 1;
      }
    }
    if (onProgress && (row + 1) % 10_000 === 0) onProgress(row + 1, dataset.texts.length);
  });
  const counts = new Map<string, number[]>();
  perLabelCounts.forEach((own, li) => {
    for (const [gram, count] of own) {
      let perLabel = counts.get(gram);
      if (!perLabel) {
        perLabel = labels.map(() => 0);
        counts.set(gram, perLabel);
      }
      perLabel[li] = count;
    }
  });
  const vocabulary = counts.size;
  const grandTotal = totals.reduce((a, b) => a + b, 0);
  const result: DistinctiveNgram[] = [];
  labels.forEach((label, li) => {
    const own = totals[li] as number;
    const other = grandTotal - own;
    const scored: DistinctiveNgram[] = [];
    for (const [ngram, perLabel] of counts) {
      const count = perLabel[li] as number;
      const all = perLabel.reduce((a, b) => a + b, 0);
      if (all < minCount) continue;
      const otherCount = all - count;
      const score =
        Math.log((count + alpha) / (own + alpha * vocabulary)) -
        Math.log((otherCount + alpha) / (other + alpha * vocabulary));
      scored.push({ label, ngram, count, otherCount, score });
    }
    scored.sort((a, b) => b.score - a.score || (a.ngram < b.ngram ? -1 : 1));
    result.push(...scored.slice(0, top));
  });
  return result;
}
