/**
 * Text normalisation shared by training and prediction. Both sides must see exactly the same characters,
 * so this is the only place that decides what a review "is" before features are cut from it.
 */

/** Raw input is cut to `maxChars × RAW_LIMIT_FACTOR` code units before normalising: a huge string costs bounded work. */
export const RAW_LIMIT_FACTOR = 4;

export interface NormalizeOptions {
  /** UTF-16 code units kept after normalisation (the rest is ignored). */
  maxChars: number;
  /** Runs of one repeated character longer than this are shortened to it ("ㅋㅋㅋㅋㅋ" → "ㅋㅋ" at 2). */
  maxRepeat: number;
}

const WHITESPACE = /\s+/g;

/**
 * NFC (decomposed jamo and composed syllables become the same text), lowercase, whitespace runs to one
 * space, trimmed, long runs of one character shortened. Truncation rule: the first `maxChars × 4` code units
 * of the input are normalised and the first `maxChars` code units of the result are kept.
 */
export function normalizeReview(text: string, options: NormalizeOptions): string {
  const limit = options.maxChars * RAW_LIMIT_FACTOR;
  const raw = text.length > limit ? text.slice(0, limit) : text;
  const folded = raw.normalize("NFC").toLowerCase().replace(WHITESPACE, " ").trim();
  let out = "";
  let segment = 0;
  let run = 1;
  for (let i = 1; i < folded.length; i++) {
    if (folded.charCodeAt(i) !== folded.charCodeAt(i - 1)) {
      run = 1;
      continue;
    }
    run += 1;
    if (run > options.maxRepeat) {
      out += folded.slice(segment, i);
      segment = i + 1;
    }
  }
  out = segment === 0 ? folded : out + folded.slice(segment);
  return out.length > options.maxChars ? out.slice(0, options.maxChars) : out;
}
