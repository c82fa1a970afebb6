/**
 * Korean particles after generated words: "엔드포인트는", "학습 작업은", "lab 4.1이". A particle depends on whether
 * the word ends in a final consonant (받침) as it is read aloud, so a template's "은(는)" is replaced by the right
 * one. Hangul is exact; digits are read in Sino-Korean (1 일, 2 이, ...); Latin letters follow how loanwords are
 * usually written in Hangul (job 잡 → 은, endpoint 엔드포인트 → 는), which is a good guess, not a rule.
 */

export type ParticlePair = "은/는" | "이/가" | "을/를" | "과/와" | "으로/로" | "이에요/예요";

const HANGUL_FIRST = 0xac00;
const HANGUL_LAST = 0xd7a3;
/** ㄹ as the final consonant: 으로/로 takes 로 after it (서울로). */
const RIEUL_FINAL = 8;

/** Sino-Korean readings of the digits: whether each ends in a final consonant, and whether that is ㄹ. */
const DIGIT_FINALS: Record<string, "none" | "rieul" | "other"> = {
  "0": "other", // 영
  "1": "rieul", // 일
  "2": "none", // 이
  "3": "other", // 삼
  "4": "none", // 사
  "5": "none", // 오
  "6": "other", // 육
  "7": "rieul", // 칠
  "8": "rieul", // 팔
  "9": "none", // 구
};

/** Latin endings written with a final consonant in Hangul loanwords: job 잡, model 모델, item 아이템, function 펑션. */
function latinFinal(word: string): "none" | "rieul" | "other" {
  const lower = word.toLowerCase();
  if (/(ck|[bkmnp]|ng)$/.test(lower)) return "other";
  if (/l$/.test(lower)) return "rieul";
  return "none"; // t 트, d 드, s 스, e, a, o, ...: a vowel in Hangul
}

/** Whether `word`, read aloud, ends in a final consonant (and whether it is ㄹ); trailing punctuation is skipped. */
export function finalSound(word: string): "none" | "rieul" | "other" {
  const trimmed = word.replace(/[\s)\]}'"`.,!?:;>*_~-]+$/u, "");
  const last = trimmed.at(-1);
  if (last === undefined) return "none";
  const code = last.charCodeAt(0);
  if (code >= HANGUL_FIRST && code <= HANGUL_LAST) {
    const final = (code - HANGUL_FIRST) % 28;
    return final === 0 ? "none" : final === RIEUL_FINAL ? "rieul" : "other";
  }
  if (/[0-9]/.test(last)) return DIGIT_FINALS[last] ?? "none";
  if (/[a-z]/i.test(last)) return latinFinal(trimmed.match(/[a-z]+$/i)?.[0] ?? last);
  return "none";
}

/** The particle of `pair` that fits after `word` (without the word). */
export function particle(word: string, pair: ParticlePair): string {
  const [withFinal, withoutFinal] = pair.split("/") as [string, string];
  const final = finalSound(word);
  if (pair === "으로/로") return final === "other" ? withFinal : withoutFinal;
  return final === "none" ? withoutFinal : withFinal;
}

/** `word` followed by the right particle: withParticle("엔드포인트", "은/는") is "엔드포인트는". */
export function withParticle(word: string, pair: ParticlePair): string {
  return `${word}${particle(word, pair)}`;
}
