/** SigV4's timestamps: ISO 8601 basic format in UTC (20261201T093000Z), as in X-Amz-Date and credential scopes. */

/** AWS refuses signatures more than 15 minutes from its clock (RequestTimeTooSkewed, "Signature expired"). */
export const MAX_SKEW_MS = 15 * 60 * 1000;

/** 20261201T093000Z for a time in milliseconds (sub-second parts are dropped, as signers do). */
export function basicTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
}

/** Milliseconds of a basic time, NaN unless `text` is exactly one (a real date, no offsets, no fractions). */
export function parseBasicTime(text: string): number {
  if (
    text.length !== 16 ||
    text[8] !== "T" ||
    text[15] !== "Z" ||
    !isDigits(text, 0, 8) ||
    !isDigits(text, 9, 15)
  ) {
    return Number.NaN;
  }
  const month = Number(text.slice(4, 6));
  const day = Number(text.slice(6, 8));
  const hours = Number(text.slice(9, 11));
  const minutes = Number(text.slice(11, 13));
  const seconds = Number(text.slice(13, 15));
  if (month < 1 || month > 12 || day < 1 || hours > 23 || minutes > 59 || seconds > 59) return Number.NaN;
  const ms = Date.UTC(Number(text.slice(0, 4)), month - 1, day, hours, minutes, seconds);
  // Date.UTC rolls February 30 over into March; a real day of the month survives unchanged.
  return new Date(ms).getUTCDate() === day ? ms : Number.NaN;
}

/** 2026-12-01T09:30:00Z, the form S3 writes in ServerTime and Expires. */
export function isoTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

export function isDigits(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x30 || code > 0x39) return false;
  }
  return true;
}
