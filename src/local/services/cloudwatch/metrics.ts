import type {
  Datapoint,
  Dimension,
  GetMetricDataInput,
  GetMetricDataOutput,
  GetMetricStatisticsInput,
  GetMetricStatisticsOutput,
  ListMetricsInput,
  ListMetricsOutput,
  MetricDataQuery,
  MetricDataResult,
  MetricDatum,
  PutMetricDataInput,
  StandardUnit,
} from "@aws-sdk/client-cloudwatch";
import type { AwsError } from "../../core/errors";
import { pageOf } from "../../core/listing";
import {
  invalidCombination,
  invalidNextToken,
  invalidValue,
  missingParameter,
  validationError,
} from "./errors";
import { evaluate, type MathValue, parseExpression, type TimeSeries } from "./metric-math";
import { type MetricStore, type Series, UNITS } from "./metric-store";
import {
  type Aggregate,
  aggregate,
  alignedStart,
  type Bucket,
  basicStatistic,
  checkPeriod,
  isStatistic,
  percentileOf,
  percentiles,
  statisticValue,
} from "./statistics";

/**
 * CloudWatch's metric operations over the store: PutMetricData's rules (at most 1,000 datums and 150 values a
 * datum, Value / Values / StatisticValues exclusive, StorageResolution 1 or 60, timestamps from two weeks ago to
 * two hours ahead, finite values within ±2^360, `AWS/` namespaces reserved for AWS itself — the in-process
 * `publish` is how this server's own services write there), GetMetricStatistics (StartTime rounded as AWS rounds
 * it, EndTime exclusive, at most 1,440 datapoints, the dimensions matched exactly, one datapoint per period and
 * unit, answered in no particular order, as AWS answers), GetMetricData (MetricStat and metric-math queries,
 * ScanBy, MaxDatapoints paging) and ListMetrics (filters, RecentlyActive, pages of 500).
 */

const MAX_DATUMS = 1000;
const MAX_VALUES = 150;
const MAX_STATISTICS_DATAPOINTS = 1440;
const MAX_QUERIES = 500;
const DEFAULT_MAX_DATAPOINTS = 100_800;
const LIST_PAGE = 500;
const VALUE_LIMIT = 2 ** 360;
const TWO_WEEKS_MS = 14 * 86_400_000;
const TWO_HOURS_MS = 2 * 3_600_000;
const RECENT_MS = 3 * 3_600_000;
const QUERY_ID = /^[a-z][a-zA-Z0-9_]*$/;

/** What a window of an alarm or a query sees: its statistic, when it has samples. */
export interface WindowValue {
  start: number;
  value: number | undefined;
  sampleCount: number;
}

/** The metric an alarm or query watches. */
export interface MetricRef {
  namespace: string;
  metricName: string;
  dimensions: readonly Dimension[];
  unit?: string | undefined;
}

export class Metrics {
  constructor(private readonly store: MetricStore) {}

  // ---- writes ----------------------------------------------------------------------------------------

  /** The PutMetricData operation: all datums are checked before any is kept. */
  putMetricData(input: PutMetricDataInput): Record<string, never> {
    const namespace = input.Namespace as string;
    if (namespace.startsWith("AWS/")) {
      throw invalidValue(
        `The value ${namespace} for parameter Namespace is invalid: namespaces that start with "AWS/" are reserved for AWS services; publish under a namespace of your own.`,
      );
    }
    const data = [
      ...(input.MetricData ?? []),
      ...(input.EntityMetricData ?? []).flatMap((e) => e.MetricData ?? []),
    ];
    if (data.length === 0) throw missingParameter("The parameter MetricData is required.");
    if (data.length > MAX_DATUMS) {
      throw invalidValue(`The collection MetricData must not have a size greater than ${MAX_DATUMS}.`);
    }
    this.write(namespace, data, Date.now());
    return {};
  }

  /** For this server's services: no wire, no namespace reservation; the same rules otherwise. */
  publish(namespace: string, data: readonly MetricDatum[]): void {
    this.write(namespace, data, Date.now());
  }

  private write(namespace: string, data: readonly MetricDatum[], now: number): void {
    const checked = data.map((datum, index) => checkDatum(datum, `MetricData.member.${index + 1}`, now));
    data.forEach((datum, index) => {
      const { second, unit } = checked[index] as { second: number; unit: number };
      const series = this.store.seriesFor(namespace, datum.MetricName as string, datum.Dimensions ?? []);
      if (datum.Value !== undefined) this.store.add(series, second, unit, datum.Value, 1);
      else if (datum.Values !== undefined) {
        datum.Values.forEach((value, at) => {
          const count = datum.Counts?.[at] ?? 1;
          if (count > 0) this.store.add(series, second, unit, value, count);
        });
      } else this.store.addSet(series, second, unit, datum.StatisticValues as StatisticSet);
    });
  }

  // ---- GetMetricStatistics -----------------------------------------------------------------------------

  getMetricStatistics(input: GetMetricStatisticsInput): GetMetricStatisticsOutput {
    const statistics = input.Statistics ?? [];
    const extended = input.ExtendedStatistics ?? [];
    if (statistics.length === 0 && extended.length === 0) {
      throw invalidCombination("Must specify either Statistics or ExtendedStatistics.");
    }
    const ps = extended.map((name, index) => {
      const p = percentileOf(name);
      if (p === undefined) {
        throw invalidValue(
          `The parameter ExtendedStatistics.member.${index + 1} must be a percentile from p0.0 to p100, such as p90 or p99.9; got "${name}".`,
        );
      }
      return p;
    });
    const period = input.Period as number;
    checkPeriod(period, "Period", invalidValue);
    const { start, end } = timeRange(input.StartTime as Date, input.EndTime as Date, period, invalidValue);
    const requested = Math.ceil((end - start) / period);
    if (requested > MAX_STATISTICS_DATAPOINTS) {
      throw invalidCombination(
        `You have requested up to ${requested} datapoints, which exceeds the limit of ${MAX_STATISTICS_DATAPOINTS}. You may reduce the datapoints requested by increasing Period, or decreasing the time range.`,
      );
    }
    const label = input.MetricName as string;
    const series = this.store.find(input.Namespace as string, label, input.Dimensions ?? []);
    if (!series) return { Label: label, Datapoints: [] };
    const unitFilter = input.Unit === undefined ? undefined : UNITS.indexOf(input.Unit);
    const groups = new Map<string, { start: number; unit: string; buckets: Bucket[] }>();
    series.each(start, Math.ceil(end), unitFilter, (second, unit, bucket) => {
      const window = start + Math.floor((second - start) / period) * period;
      const key = `${window}/${unit}`;
      const group = groups.get(key);
      if (group) group.buckets.push(bucket);
      else groups.set(key, { start: window, unit, buckets: [bucket] });
    });
    const datapoints: Datapoint[] = [];
    for (const group of groups.values()) {
      const agg = aggregate(group.buckets);
      const point: Datapoint = { Timestamp: new Date(group.start * 1000), Unit: group.unit as StandardUnit };
      for (const statistic of statistics) point[statistic] = basicStatistic(agg, statistic);
      const values = ps.length > 0 ? percentiles(agg, ps) : undefined;
      if (values)
        point.ExtendedStatistics = Object.fromEntries(extended.map((name, i) => [name, values[i] as number]));
      datapoints.push(point);
    }
    // AWS answers datapoints in no particular order: a fixed shuffle keeps callers from relying on one.
    datapoints.sort((a, b) => scramble(a) - scramble(b));
    return { Label: label, Datapoints: datapoints };
  }

  // ---- GetMetricData ------------------------------------------------------------------------------------

  getMetricData(input: GetMetricDataInput): GetMetricDataOutput {
    const queries = input.MetricDataQueries ?? [];
    if (queries.length === 0) throw validationError("The parameter MetricDataQueries is required.");
    if (queries.length > MAX_QUERIES) {
      throw validationError(
        `The collection MetricDataQueries must not have a size greater than ${MAX_QUERIES}.`,
      );
    }
    const byId = new Map<string, MetricDataQuery>();
    queries.forEach((query, index) => {
      checkQuery(query, `MetricDataQueries.member.${index + 1}`);
      if (byId.has(query.Id as string)) {
        throw validationError(
          `The values for parameter Id in MetricDataQueries are not unique: "${query.Id}".`,
        );
      }
      byId.set(query.Id as string, query);
    });
    const now = Date.now() / 1000;
    const startMs = (input.StartTime as Date).getTime();
    const endMs = (input.EndTime as Date).getTime();
    if (startMs === endMs) throw validationError("The parameter StartTime must not equal parameter EndTime.");
    if (startMs > endMs)
      throw validationError("The parameter StartTime must be less than the parameter EndTime.");
    const firstStat = queries.find((query) => query.MetricStat)?.MetricStat;
    const values = new Map<string, MathValue>();
    const evaluating = new Set<string>();
    const statSeries = (query: MetricDataQuery): TimeSeries => {
      const stat = query.MetricStat as NonNullable<MetricDataQuery["MetricStat"]>;
      const metric = stat.Metric ?? {};
      const period = stat.Period as number;
      const start = alignedStart(startMs / 1000, period, now);
      const windows = this.windowsOf(
        {
          namespace: metric.Namespace ?? "",
          metricName: metric.MetricName ?? "",
          dimensions: metric.Dimensions ?? [],
          unit: stat.Unit,
        },
        stat.Stat as string,
        period,
        start,
        endMs / 1000,
      );
      const points = new Map<number, number>();
      for (const window of windows) if (window.value !== undefined) points.set(window.start, window.value);
      return { label: query.Label ?? metric.MetricName ?? (query.Id as string), points };
    };
    const context = {
      resolve: (id: string): MathValue | undefined => {
        const known = values.get(id);
        if (known) return known;
        const query = byId.get(id);
        if (!query) return undefined;
        if (evaluating.has(id))
          throw validationError(
            `The expression of ${id} refers to itself (through ${[...evaluating].join(", ")}).`,
          );
        evaluating.add(id);
        const value: MathValue = query.MetricStat
          ? { kind: "series", series: statSeries(query) }
          : evaluate(parseExpression(query.Expression as string, id), id, context);
        evaluating.delete(id);
        values.set(id, value);
        return value;
      },
      metrics: () =>
        queries
          .filter((query) => query.MetricStat)
          .map((query) => seriesOf(context.resolve(query.Id as string) as MathValue)),
      grid: () => {
        const period = firstStat?.Period ?? 60;
        const grid: number[] = [];
        for (let t = alignedStart(startMs / 1000, period, now); t < endMs / 1000; t += period) grid.push(t);
        return grid;
      },
    };
    const descending = (input.ScanBy ?? "TimestampDescending") === "TimestampDescending";
    const results: { id: string; series: TimeSeries }[] = [];
    let allTimes: number[] | undefined;
    for (const query of queries) {
      if (query.ReturnData === false) continue;
      const id = query.Id as string;
      const value = context.resolve(id) as MathValue;
      if (value.kind === "array") {
        for (const series of value.series) results.push({ id, series });
      } else if (value.kind === "series") {
        results.push({
          id,
          series: { ...value.series, label: query.Label ?? (query.MetricStat ? value.series.label : id) },
        });
      } else {
        allTimes ??= [...new Set(context.metrics().flatMap((series) => [...series.points.keys()]))];
        results.push({
          id,
          series: { label: query.Label ?? id, points: new Map(allTimes.map((t) => [t, value.value])) },
        });
      }
    }
    return page(results, descending, input.MaxDatapoints ?? DEFAULT_MAX_DATAPOINTS, input.NextToken);
  }

  // ---- ListMetrics ----------------------------------------------------------------------------------------

  listMetrics(input: ListMetricsInput): ListMetricsOutput {
    const recent = input.RecentlyActive === "PT3H" ? Date.now() - RECENT_MS : undefined;
    const filters = input.Dimensions ?? [];
    const matches = [...this.store.series.values()]
      .filter(
        (series) =>
          (input.Namespace === undefined || series.namespace === input.Namespace) &&
          (input.MetricName === undefined || series.metricName === input.MetricName) &&
          (recent === undefined || series.lastPut >= recent) &&
          filters.every((filter) =>
            series.dimensions.some(
              (d) => d.Name === filter.Name && (filter.Value === undefined || d.Value === filter.Value),
            ),
          ),
      )
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const { page: shown, NextToken } = pageOf(matches, input.NextToken, LIST_PAGE, invalidNextToken);
    return {
      Metrics: shown.map((series) => ({
        Namespace: series.namespace,
        MetricName: series.metricName,
        Dimensions: series.dimensions.map((d) => ({ ...d })),
      })),
      ...(NextToken ? { NextToken } : {}),
    };
  }

  // ---- for alarms and queries -------------------------------------------------------------------------------

  /**
   * The statistic of each period [start + k·period, ...) before `end` (seconds) that has samples, and of each
   * that has none (value undefined); `unit` filters samples by unit.
   */
  windowsOf(metric: MetricRef, stat: string, period: number, start: number, end: number): WindowValue[] {
    const windows: WindowValue[] = [];
    const series: Series | undefined = this.store.find(
      metric.namespace,
      metric.metricName,
      metric.dimensions,
    );
    const unit = metric.unit === undefined ? undefined : UNITS.indexOf(metric.unit);
    for (let at = start; at < end; at += period) {
      const buckets: Bucket[] = [];
      series?.each(at, Math.min(at + period, Math.ceil(end)), unit, (_second, _unit, bucket) => {
        buckets.push(bucket);
      });
      const agg: Aggregate = aggregate(buckets);
      windows.push({
        start: at,
        value: agg.sampleCount > 0 ? statisticValue(agg, stat) : undefined,
        sampleCount: agg.sampleCount,
      });
    }
    return windows;
  }
}

/** A checked StatisticValues: every member is there (the shape requires them). */
type StatisticSet = { SampleCount: number; Sum: number; Minimum: number; Maximum: number };

function checkNumber(value: number, parameter: string): void {
  if (!Number.isFinite(value) || Math.abs(value) > VALUE_LIMIT) {
    throw invalidValue(
      `The value ${value} for parameter ${parameter} is invalid: CloudWatch takes finite numbers from -2^360 to 2^360.`,
    );
  }
}

/** One datum's rules; its period start (rounded to its storage resolution) and unit index. */
function checkDatum(datum: MetricDatum, path: string, now: number): { second: number; unit: number } {
  const given = [
    datum.Value !== undefined && "Value",
    datum.Values !== undefined && "Values",
    datum.StatisticValues !== undefined && "StatisticValues",
  ].filter((name): name is string => name !== false);
  if (given.length > 1) {
    throw invalidCombination(
      `The parameters ${path}.${given[0]} and ${path}.${given[1]} are mutually exclusive and you have specified both.`,
    );
  }
  if (given.length === 0) {
    throw invalidCombination(
      `At least one of the parameters ${path}.Value, ${path}.Values and ${path}.StatisticValues must be specified.`,
    );
  }
  if (datum.Value !== undefined) checkNumber(datum.Value, `${path}.Value`);
  if (datum.Values !== undefined) {
    if (datum.Values.length > MAX_VALUES) {
      throw invalidValue(`The collection ${path}.Values must not have a size greater than ${MAX_VALUES}.`);
    }
    datum.Values.forEach((value, index) => {
      checkNumber(value, `${path}.Values.member.${index + 1}`);
    });
    if (datum.Counts !== undefined) {
      if (datum.Counts.length !== datum.Values.length) {
        throw invalidValue(
          `The parameters ${path}.Values and ${path}.Counts must be of the same size (${datum.Values.length} and ${datum.Counts.length}).`,
        );
      }
      datum.Counts.forEach((count, index) => {
        if (!Number.isFinite(count) || count < 0) {
          throw invalidValue(
            `The value ${count} for parameter ${path}.Counts.member.${index + 1} must be a count of at least 0.`,
          );
        }
      });
    }
  } else if (datum.Counts !== undefined) {
    throw invalidCombination(`The parameter ${path}.Counts needs ${path}.Values, the values it counts.`);
  }
  const set = datum.StatisticValues;
  if (set) {
    for (const name of ["SampleCount", "Sum", "Minimum", "Maximum"] as const) {
      checkNumber(set[name] as number, `${path}.StatisticValues.${name}`);
    }
    if ((set.SampleCount as number) <= 0 || (set.Minimum as number) > (set.Maximum as number)) {
      throw invalidValue(
        `The parameter ${path}.StatisticValues is invalid: SampleCount must be greater than 0 and Minimum at most Maximum.`,
      );
    }
  }
  const resolution = datum.StorageResolution ?? 60;
  if (resolution !== 1 && resolution !== 60) {
    throw invalidValue(`The parameter ${path}.StorageResolution must be a value in the set [ 1, 60 ].`);
  }
  const names = new Set<string>();
  for (const dimension of datum.Dimensions ?? []) {
    if (names.has(dimension.Name as string)) {
      throw invalidValue(`The parameter ${path}.Dimensions names the dimension ${dimension.Name} twice.`);
    }
    names.add(dimension.Name as string);
  }
  const time = datum.Timestamp === undefined ? now : new Date(datum.Timestamp).getTime();
  if (time < now - TWO_WEEKS_MS) {
    throw invalidValue(`The parameter ${path}.Timestamp must specify a time within the past two weeks.`);
  }
  if (time > now + TWO_HOURS_MS) {
    throw invalidValue(
      `The parameter ${path}.Timestamp must specify a time no more than two hours in the future.`,
    );
  }
  const seconds = Math.floor(time / 1000);
  const unit = UNITS.indexOf(datum.Unit ?? "None");
  return { second: resolution === 1 ? seconds : Math.floor(seconds / 60) * 60, unit };
}

/** A MetricDataQuery's own rules (ValidationError, as GetMetricData answers). */
function checkQuery(query: MetricDataQuery, path: string): void {
  if (!QUERY_ID.test(query.Id as string)) {
    throw validationError(
      `The value ${query.Id} for parameter ${path}.Id is invalid: an id starts with a lowercase letter and has only letters, digits and underscores.`,
    );
  }
  if (query.MetricStat && query.Expression) {
    throw validationError(
      `The parameters ${path}.MetricStat and ${path}.Expression are mutually exclusive and you have specified both.`,
    );
  }
  if (!query.MetricStat && !query.Expression)
    throw validationError(`The parameter ${path}.MetricStat is required.\n`);
  if (query.MetricStat) {
    if (!isStatistic(query.MetricStat.Stat as string)) {
      throw validationError(`The value for parameter ${path}.MetricStat.Stat is not a valid statistic.`);
    }
    checkPeriod(query.MetricStat.Period as number, `${path}.MetricStat.Period`, validationError);
  }
}

/** StartTime rounded as AWS rounds it, EndTime as given (exclusive), both in seconds. */
function timeRange(
  startTime: Date,
  endTime: Date,
  period: number,
  error: (message: string) => AwsError,
): { start: number; end: number } {
  const startMs = startTime.getTime();
  const endMs = endTime.getTime();
  if (startMs === endMs) throw error("The parameter StartTime must not equal parameter EndTime.");
  if (startMs > endMs) throw error("The parameter StartTime must be less than the parameter EndTime.");
  return { start: alignedStart(startMs / 1000, period, Date.now() / 1000), end: endMs / 1000 };
}

function scramble(point: Datapoint): number {
  const seconds = Math.floor((point.Timestamp as Date).getTime() / 1000);
  return Math.imul(seconds ^ (seconds >>> 7), 2654435761) >>> 0;
}

function seriesOf(value: MathValue): TimeSeries {
  if (value.kind !== "series") throw new Error("a MetricStat query is one series");
  return value.series;
}

const TOKEN_PREFIX = "gmd1:";

/** Results in ScanBy order, cut after `max` datapoints in all; the token is how many were already answered. */
function page(
  results: { id: string; series: TimeSeries }[],
  descending: boolean,
  max: number,
  token: string | undefined,
): GetMetricDataOutput {
  let skip = 0;
  if (token !== undefined) {
    const text = Buffer.from(token, "base64url").toString("utf8");
    skip = text.startsWith(TOKEN_PREFIX) ? Number(text.slice(TOKEN_PREFIX.length)) : Number.NaN;
    if (!Number.isSafeInteger(skip) || skip < 0) throw invalidNextToken(token);
  }
  let budget = Math.max(1, max);
  let seen = 0;
  let cut = false;
  const out: MetricDataResult[] = results.map(({ id, series }) => {
    const times = [...series.points.keys()].sort((a, b) => (descending ? b - a : a - b));
    const from = Math.min(times.length, Math.max(0, skip - seen));
    seen += times.length;
    const take = Math.min(times.length - from, budget);
    budget -= take;
    const shown = times.slice(from, from + take);
    const partial = from + take < times.length;
    cut ||= partial;
    return {
      Id: id,
      Label: series.label,
      Timestamps: shown.map((t) => new Date(t * 1000)),
      Values: shown.map((t) => series.points.get(t) as number),
      StatusCode: partial ? "PartialData" : "Complete",
    };
  });
  const answered = skip + Math.max(1, max) - budget;
  return {
    MetricDataResults: out,
    Messages: [],
    ...(cut ? { NextToken: Buffer.from(`${TOKEN_PREFIX}${answered}`, "utf8").toString("base64url") } : {}),
  };
}
