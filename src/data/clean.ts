/** A labelled text on its way through cleaning and splitting; `label` is kept as given ("0"/"1" for NSMC). */
export interface ReviewRow {
  text: string;
  label: string;
  id?: string;
}

export interface CleanOptions {
  /** Unicode NFC (decomposed jamo become syllables), whitespace runs become one space, ends trimmed. Default true. */
  normalise?: boolean;
  /** Drop rows whose text is empty (after normalising). Default true. */
  dropEmpty?: boolean;
  /** Keep only the first row of each text. Default true. */
  dedupe?: boolean;
  /** Drop rows whose (normalised) text is in this set, e.g. training rows that also occur in the test set. */
  exclude?: ReadonlySet<string>;
}

export interface CleanReport {
  before: number;
  empty: number;
  duplicates: number;
  /** duplicates whose label differed from the kept row's label (the kept row wins) */
  conflictingDuplicates: number;
  excluded: number;
  after: number;
}

export function normaliseReviewText(text: string): string {
  return text.normalize("NFC").replace(/\s+/g, " ").trim();
}

export function cleanReviews(
  rows: readonly ReviewRow[],
  options: CleanOptions = {},
): { rows: ReviewRow[]; report: CleanReport } {
  const { normalise = true, dropEmpty = true, dedupe = true, exclude } = options;
  const report: CleanReport = {
    before: rows.length,
    empty: 0,
    duplicates: 0,
    conflictingDuplicates: 0,
    excluded: 0,
    after: 0,
  };
  const firstLabel = new Map<string, string>();
  const kept: ReviewRow[] = [];
  for (const row of rows) {
    const text = normalise ? normaliseReviewText(row.text) : row.text;
    if (dropEmpty && text.trim() === "") {
      report.empty++;
      continue;
    }
    if (exclude?.has(text)) {
      report.excluded++;
      continue;
    }
    if (dedupe) {
      const label = firstLabel.get(text);
      if (label !== undefined) {
        report.duplicates++;
        if (label !== row.label) report.conflictingDuplicates++;
        continue;
      }
      firstLabel.set(text, row.label);
    }
    kept.push(text === row.text ? row : { ...row, text });
  }
  report.after = kept.length;
  return { rows: kept, report };
}

/** mulberry32: a tiny seeded generator, so splits and samples are the same on every machine for a seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffleInPlace<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

function byLabel<T extends { label: string }>(rows: readonly T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const group = groups.get(row.label);
    if (group) group.push(row);
    else groups.set(row.label, [row]);
  }
  return new Map([...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * Splits each label's rows by `fraction` (largest-remainder rounding per label), so both parts keep the
 * label proportions. Deterministic for a seed; the returned parts are shuffled.
 */
export function stratifiedSplit<T extends { label: string }>(
  rows: readonly T[],
  fraction: number,
  seed = 42,
): { rest: T[]; part: T[] } {
  if (!(fraction >= 0 && fraction <= 1))
    throw new RangeError(`fraction must be between 0 and 1, got ${fraction}`);
  const random = seededRandom(seed);
  const rest: T[] = [];
  const part: T[] = [];
  for (const group of byLabel(rows).values()) {
    shuffleInPlace(group, random);
    const take = Math.round(group.length * fraction);
    part.push(...group.slice(0, take));
    rest.push(...group.slice(take));
  }
  return { rest: shuffleInPlace(rest, random), part: shuffleInPlace(part, random) };
}

/** A seeded sample of about `size` rows with the same label proportions (all rows when size ≥ rows). */
export function stratifiedSample<T extends { label: string }>(
  rows: readonly T[],
  size: number,
  seed = 42,
): T[] {
  if (size >= rows.length) return [...rows];
  return stratifiedSplit(rows, size / rows.length, seed).part;
}
