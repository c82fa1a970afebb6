import type { MetricDataQuery, PutMetricAlarmInput } from "@aws-sdk/client-cloudwatch";
import { validationError } from "./errors";
import { STATIC_OPERATORS, TREAT_MISSING } from "./evaluation";
import { parseExpression } from "./metric-math";
import { isStatistic, percentileOf } from "./statistics";

/**
 * What PutMetricAlarm refuses beyond the shapes, with ValidationError as CloudWatch answers: an alarm watches one
 * metric (MetricName, Namespace, Period and one of Statistic / ExtendedStatistic) or a metric-math list (Metrics,
 * exactly one query returning data, and none of the single-metric members); periods of 10, 20, 30 or a multiple
 * of 60 seconds; DatapointsToAlarm at most EvaluationPeriods; an evaluation range of at most a day (periods under
 * an hour) or seven days; TreatMissingData and EvaluateLowSampleCountPercentile from their sets; action ARNs.
 * Anomaly detection (ThresholdMetricId and the band operators) is refused naming the static operators instead.
 */

const SINGLE_METRIC = [
  "MetricName",
  "Namespace",
  "Statistic",
  "ExtendedStatistic",
  "Dimensions",
  "Period",
  "Unit",
] as const;
const DAY = 86_400;

export function checkAlarm(input: PutMetricAlarmInput): void {
  const operator = input.ComparisonOperator as string;
  if (input.ThresholdMetricId !== undefined || !(operator in STATIC_OPERATORS)) {
    throw validationError(
      `Local CloudWatch does not evaluate anomaly detection alarms (ComparisonOperator ${operator}${input.ThresholdMetricId !== undefined ? `, ThresholdMetricId ${input.ThresholdMetricId}` : ""}): use ${Object.keys(STATIC_OPERATORS).join(", ")} with a Threshold.`,
    );
  }
  if (input.Threshold === undefined)
    throw validationError("Threshold must not be null for a static threshold alarm.");
  let period: number;
  if (input.Metrics !== undefined) {
    const set = SINGLE_METRIC.find((member) => input[member] !== undefined);
    if (set) throw validationError(`${set} should not be set if list of Metrics is set.`);
    period = checkMetrics(input.Metrics);
  } else {
    for (const member of ["MetricName", "Namespace", "Period"] as const) {
      if (input[member] === undefined) throw validationError(`${member} must not be null`);
    }
    if ((input.Statistic === undefined) === (input.ExtendedStatistic === undefined)) {
      throw validationError("Exactly one of Statistic and ExtendedStatistic must be set.");
    }
    if (input.ExtendedStatistic !== undefined && percentileOf(input.ExtendedStatistic) === undefined) {
      throw validationError(
        `Local CloudWatch evaluates percentile alarms (p0 to p100, such as p99 or p99.9); ExtendedStatistic "${input.ExtendedStatistic}" is not one.`,
      );
    }
    period = input.Period as number;
  }
  checkAlarmPeriod(period, "Period");
  const n = input.EvaluationPeriods as number;
  if (input.DatapointsToAlarm !== undefined && input.DatapointsToAlarm > n) {
    throw validationError(
      `DatapointsToAlarm (${input.DatapointsToAlarm}) must be less than or equal to EvaluationPeriods (${n}).`,
    );
  }
  const limit = period < 3600 ? DAY : 7 * DAY;
  if (n * period > limit) {
    throw validationError(
      `EvaluationPeriods × Period must be at most ${limit} seconds (one day for periods under an hour, seven days otherwise); got ${n} × ${period}.`,
    );
  }
  const treat = input.TreatMissingData;
  if (treat !== undefined && !(TREAT_MISSING as readonly string[]).includes(treat)) {
    throw validationError(`TreatMissingData must be one of ${TREAT_MISSING.join(", ")}; got "${treat}".`);
  }
  const low = input.EvaluateLowSampleCountPercentile;
  if (low !== undefined && low !== "evaluate" && low !== "ignore") {
    throw validationError(`EvaluateLowSampleCountPercentile must be evaluate or ignore; got "${low}".`);
  }
  for (const action of [
    ...(input.AlarmActions ?? []),
    ...(input.OKActions ?? []),
    ...(input.InsufficientDataActions ?? []),
  ]) {
    if (!/^arn:[^:]+:[^:]+:/.test(action)) throw validationError(`Invalid arn syntax: ${action}`);
  }
}

/** Alarms take periods of 10, 20, 30 or a multiple of 60 seconds. */
function checkAlarmPeriod(period: number, name: string): void {
  if (period % 60 !== 0 && ![10, 20, 30].includes(period)) {
    throw validationError(
      `${name} must be 10, 20, 30 or a multiple of 60 seconds for an alarm; got ${period}.`,
    );
  }
}

/** A metric-math alarm's queries; their common period. */
function checkMetrics(queries: MetricDataQuery[]): number {
  const returning = queries.filter((query) => query.ReturnData !== false);
  if (returning.length !== 1)
    throw validationError("Exactly one element of the metrics list should return data.");
  const ids = new Set(queries.map((query) => query.Id));
  if (ids.size !== queries.length) throw validationError("The Ids of the metrics list must be unique.");
  let period: number | undefined;
  queries.forEach((query, index) => {
    const path = `Metrics.member.${index + 1}`;
    if ((query.MetricStat === undefined) === (query.Expression === undefined)) {
      throw validationError(`Exactly one of ${path}.MetricStat and ${path}.Expression must be set.`);
    }
    if (query.Expression !== undefined) parseExpression(query.Expression, query.Id as string);
    const stat = query.MetricStat;
    if (!stat) return;
    if (!isStatistic(stat.Stat as string)) {
      throw validationError(`The value for parameter ${path}.MetricStat.Stat is not a valid statistic.`);
    }
    checkAlarmPeriod(stat.Period as number, `${path}.MetricStat.Period`);
    if (period !== undefined && stat.Period !== period) {
      throw validationError(
        `Every MetricStat of the metrics list must have the same Period (${period} and ${stat.Period}).`,
      );
    }
    period = stat.Period;
  });
  if (period === undefined) throw validationError("The metrics list must have at least one MetricStat.");
  return period;
}
