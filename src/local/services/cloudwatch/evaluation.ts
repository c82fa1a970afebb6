import type { StateValue } from "@aws-sdk/client-cloudwatch";

/**
 * One alarm evaluation, as a pure function of the alarm's rule and its last EvaluationPeriods windows (oldest
 * first), written the way CloudWatch writes it (StateReason "Threshold Crossed: 1 datapoint [5.0 (23/05/24
 * 13:45:00)] was greater than or equal to the threshold (0.1).", StateReasonData JSON).
 *   - A window with samples breaches when its value compares to the threshold as ComparisonOperator says.
 *   - TreatMissingData: `breaching` / `notBreaching` count an empty window as breaching / not; `missing` and
 *     `ignore` leave it out. With no window left: `missing` is INSUFFICIENT_DATA, `ignore` keeps the state.
 *   - ALARM when at least DatapointsToAlarm windows breach ("M out of N"), else OK.
 *   - A percentile alarm with EvaluateLowSampleCountPercentile `ignore` keeps its state while a window has
 *     fewer samples than make the percentile meaningful (10 / (1 − p)).
 * The verdict is undefined when the state is to stay as it is.
 */

export const STATIC_OPERATORS = {
  GreaterThanOrEqualToThreshold: {
    words: "greater than or equal to",
    breaches: (v: number, t: number) => v >= t,
  },
  GreaterThanThreshold: { words: "greater than", breaches: (v: number, t: number) => v > t },
  LessThanThreshold: { words: "less than", breaches: (v: number, t: number) => v < t },
  LessThanOrEqualToThreshold: { words: "less than or equal to", breaches: (v: number, t: number) => v <= t },
} as const;

export type StaticOperator = keyof typeof STATIC_OPERATORS;

export const TREAT_MISSING = ["missing", "notBreaching", "breaching", "ignore"] as const;
export type TreatMissing = (typeof TREAT_MISSING)[number];

export interface AlarmRule {
  comparison: StaticOperator;
  threshold: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  treatMissingData: TreatMissing;
  /** Set for a percentile alarm that ignores low sample counts: the fewest samples a window must have. */
  minSamples?: number;
  /** What StateReasonData names: the statistic (or "expression") and the period in seconds. */
  statistic: string;
  period: number;
}

export interface Window {
  /** Epoch seconds. */
  start: number;
  value: number | undefined;
  sampleCount: number;
}

export interface Verdict {
  state: StateValue;
  reason: string;
  reasonData: string;
}

export function judge(
  rule: AlarmRule,
  windows: readonly Window[],
  current: StateValue,
  now: number,
): Verdict | undefined {
  const { words, breaches } = STATIC_OPERATORS[rule.comparison];
  const present = windows.filter((window) => window.value !== undefined);
  if (
    rule.minSamples !== undefined &&
    present.some((window) => window.sampleCount < (rule.minSamples as number))
  ) {
    return undefined;
  }
  const missing = windows.length - present.length;
  const n = windows.length;
  const data = reasonData(rule, windows, now);
  const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? "" : "s"}`;
  const wasWere = (count: number) => (count === 1 ? "was" : "were");
  if (present.length === 0) {
    if (rule.treatMissingData === "ignore") return undefined;
    if (rule.treatMissingData === "missing") {
      return {
        state: "INSUFFICIENT_DATA",
        reason: `Insufficient Data: ${plural(n, "datapoint")} ${wasWere(n)} unknown.`,
        reasonData: data,
      };
    }
    const breaching = rule.treatMissingData === "breaching";
    return {
      state: breaching ? "ALARM" : "OK",
      reason: `Threshold Crossed: no datapoints were received for ${plural(n, "period")} and ${plural(n, "missing datapoint")} ${wasWere(n)} treated as [${breaching ? "Breaching" : "NonBreaching"}].`,
      reasonData: data,
    };
  }
  const breachingPresent = present.filter((window) => breaches(window.value as number, rule.threshold));
  const breachCount = breachingPresent.length + (rule.treatMissingData === "breaching" ? missing : 0);
  const alarm = breachCount >= rule.datapointsToAlarm;
  const shown = (
    alarm ? breachingPresent : present.filter((w) => !breaches(w.value as number, rule.threshold))
  )
    .slice()
    .reverse()
    .map((window) => `${javaDouble(window.value as number)} (${reasonDate(window.start)})`)
    .join(", ");
  const threshold = javaDouble(rule.threshold);
  const not = alarm ? "" : "not ";
  let reason: string;
  if (n === 1) {
    reason = `Threshold Crossed: 1 datapoint [${shown}] was ${not}${words} the threshold (${threshold}).`;
  } else {
    const count = alarm ? breachCount : n - breachCount;
    const minimum = alarm ? rule.datapointsToAlarm : n - rule.datapointsToAlarm + 1;
    const target = alarm ? "ALARM" : "OK";
    reason = `Threshold Crossed: ${count} out of the last ${n} datapoints [${shown}] ${wasWere(count)} ${not}${words} the threshold (${threshold}) (minimum ${plural(minimum, "datapoint")} for ${current} -> ${target} transition).`;
  }
  return { state: alarm ? "ALARM" : "OK", reason, reasonData: data };
}

/** StateReasonData as CloudWatch writes it for a threshold evaluation. */
function reasonData(rule: AlarmRule, windows: readonly Window[], now: number): string {
  const present = windows.filter((window) => window.value !== undefined);
  return JSON.stringify({
    version: "1.0",
    queryDate: isoDate(now),
    startDate: isoDate((windows[0] as Window).start * 1000),
    statistic: rule.statistic,
    period: rule.period,
    recentDatapoints: present.map((window) => window.value),
    threshold: rule.threshold,
    evaluatedDatapoints: windows
      .slice()
      .reverse()
      .map((window) =>
        window.value === undefined
          ? { timestamp: isoDate(window.start * 1000) }
          : { timestamp: isoDate(window.start * 1000), sampleCount: window.sampleCount, value: window.value },
      ),
  });
}

/** `2024-05-23T13:46:24.123+0000`, as CloudWatch dates its alarm data. */
export function isoDate(ms: number): string {
  return new Date(ms).toISOString().replace("Z", "+0000");
}

/** `23/05/24 13:45:00`, as CloudWatch dates the datapoints of a StateReason. */
function reasonDate(seconds: number): string {
  const iso = new Date(seconds * 1000).toISOString();
  return `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(2, 4)} ${iso.slice(11, 19)}`;
}

/** A number as Java prints a double (5 → "5.0", 1e7 → "1.0E7"), as CloudWatch's reasons show them. */
export function javaDouble(value: number): string {
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude >= 1e7 || magnitude < 1e-3)) {
    const [mantissa, exponent] = value.toExponential().split("e") as [string, string];
    return `${mantissa.includes(".") ? mantissa : `${mantissa}.0`}E${Number(exponent)}`;
  }
  return Number.isInteger(value) ? `${value}.0` : String(value);
}
