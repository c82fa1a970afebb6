/**
 * Small text helpers for the warm-up lab (2.1): the tokenisations it compares and the two numbers that show why
 * syllable n-grams suit Korean (how many distinct features, and how many features of unseen sentences were
 * already seen). The classifier's own feature extractor lives in src/model; these are for teaching.
 */

/** NFC, whitespace collapsed: what every comparison below starts from. */
export function canonicalKorean(text: string): string {
  return text.normalize("NFC").replace(/\s+/g, " ").trim();
}

/** Words as whitespace separates them, with sentence punctuation stripped from their edges. */
export function whitespaceWords(text: string): string[] {
  return canonicalKorean(text)
    .split(" ")
    .map((w) => w.replace(/^[\p{P}\p{S}]+|[\p{P}\p{S}]+$/gu, ""))
    .filter((w) => w !== "");
}

/** Syllable (character) n-grams inside each word; a word shorter than `n` yields none. */
export function syllableNgrams(text: string, n: number): string[] {
  if (!Number.isInteger(n) || n < 1)
    throw new RangeError(`syllableNgrams: n must be a positive integer, got ${n}.`);
  const grams: string[] = [];
  for (const word of whitespaceWords(text)) {
    const chars = [...word];
    for (let i = 0; i + n <= chars.length; i++) grams.push(chars.slice(i, i + n).join(""));
  }
  return grams;
}

export interface FeatureVocabulary {
  /** features produced, counting repeats */
  occurrences: number;
  distinct: number;
  /** distinct features seen exactly once: a model learns nothing reliable from them */
  seenOnce: number;
}

export function featureVocabulary(
  texts: readonly string[],
  extract: (text: string) => string[],
): FeatureVocabulary {
  const counts = new Map<string, number>();
  let occurrences = 0;
  for (const text of texts) {
    for (const feature of extract(text)) {
      counts.set(feature, (counts.get(feature) ?? 0) + 1);
      occurrences++;
    }
  }
  let seenOnce = 0;
  for (const count of counts.values()) if (count === 1) seenOnce++;
  return { occurrences, distinct: counts.size, seenOnce };
}

/**
 * The share (0..1) of feature occurrences in `unseen` texts that already occur in `known` texts: how much of a
 * new review a model trained on `known` can read at all.
 */
export function featureCoverage(
  known: readonly string[],
  unseen: readonly string[],
  extract: (text: string) => string[],
): number {
  const vocabulary = new Set(known.flatMap(extract));
  let total = 0;
  let covered = 0;
  for (const text of unseen) {
    for (const feature of extract(text)) {
      total++;
      if (vocabulary.has(feature)) covered++;
    }
  }
  return total === 0 ? 0 : covered / total;
}

/** Overlap of two feature sets (|A ∩ B| / |A ∪ B|, 0..1): how alike two texts look to a model using them. */
export function jaccardSimilarity(a: readonly string[], b: readonly string[]): number {
  const left = new Set(a);
  const right = new Set(b);
  let shared = 0;
  for (const feature of left) if (right.has(feature)) shared++;
  const union = left.size + right.size - shared;
  return union === 0 ? 1 : shared / union;
}
