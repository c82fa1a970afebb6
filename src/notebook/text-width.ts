/** Terminal width of text: Hangul and other East Asian wide characters take two columns, so tables line up. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    width += isZeroWidth(ch, cp) ? 0 : isWide(cp) ? 2 : 1;
  }
  return width;
}

/** Combining marks and the vowel/final jamo of decomposed (NFD) Hangul draw on the previous character. */
function isZeroWidth(ch: string, cp: number): boolean {
  return (cp >= 0x1160 && cp <= 0x11ff) || (cp >= 0xd7b0 && cp <= 0xd7ff) || /\p{M}/u.test(ch);
}

function isWide(cp: number): boolean {
  return (
    (cp >= 0x1100 && cp <= 0x115f) || // Hangul jamo (leading consonants)
    (cp >= 0x2e80 && cp <= 0x303e) || // CJK radicals, punctuation
    (cp >= 0x3041 && cp <= 0x33ff) || // kana, compatibility jamo, CJK symbols
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0xa960 && cp <= 0xa97f) ||
    (cp >= 0xac00 && cp <= 0xd7a3) || // Hangul syllables
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) || // full-width forms
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1faff) // emoji
  );
}

/** Pads `text` with spaces to `width` display columns. */
export function padDisplay(text: string, width: number, alignRight = false): string {
  const pad = " ".repeat(Math.max(0, width - displayWidth(text)));
  return alignRight ? pad + text : text + pad;
}
