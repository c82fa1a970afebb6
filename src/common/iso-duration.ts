/**
 * CacheConfig.ExpireAfter, read the same way by local SageMaker (CreatePipeline refuses a bad one) and the toolkit's
 * CacheConfig (which refuses it before anything is sent): an ISO 8601 duration (`P30D`, `PT1H`, `P4DT12H`, `P1Y2M`, `P2W`; letters in either case,
 * as the Python SDK's `p30d`). Anything else is refused, with the ISO spelling of what it probably meant: the Korean
 * workshop's `"7d"` would otherwise be read differently by different readers (ours says "P7D").
 */

const ISO_DURATION =
  /^P(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Calendar units as fixed lengths: a month of 30 days, a year of 365 (a cache window, not a calendar). */
const UNITS_MS = [365 * DAY, 30 * DAY, 7 * DAY, DAY, HOUR, 60_000, 1000];

export type DurationResult = { ok: true; ms: number } | { ok: false; reason: string };

export function parseIsoDuration(text: string): DurationResult {
  const match = ISO_DURATION.exec(text.trim());
  const parts = match?.slice(1) ?? [];
  const hasTime = /T/i.test(text);
  const timeParts = parts.slice(4);
  if (
    !match ||
    parts.every((part) => part === undefined) ||
    (hasTime && timeParts.every((p) => p === undefined))
  ) {
    return { ok: false, reason: `"${text}" is not an ISO 8601 duration${suggestion(text)}` };
  }
  const ms = parts.reduce(
    (sum, part, i) => sum + (part === undefined ? 0 : Number(part) * (UNITS_MS[i] as number)),
    0,
  );
  return { ok: true, ms };
}

/** `7d` → ` (write "P7D")`; `T12H` → ` (write "PT12H")`; `30dT5h` → ` (write "P30DT5H")`. */
function suggestion(text: string): string {
  const upper = text.trim().toUpperCase();
  const candidate = upper.startsWith("P") ? upper : `P${upper}`;
  return ISO_DURATION.test(candidate) && candidate !== upper
    ? `: write "${candidate}" (P, then years Y, months M, weeks W and days D, and after T hours H, minutes M and seconds S)`
    : ': write it as P, then years Y, months M, weeks W and days D, and after T hours H, minutes M and seconds S ("P30D", "PT1H", "P4DT12H")';
}
