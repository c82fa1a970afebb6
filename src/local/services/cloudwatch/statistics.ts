import type { AwsError } from "../../core/errors";

/**
 * CloudWatch's statistics over the samples kept for a metric. A bucket holds one second (high resolution) or one
 * minute (standard resolution) of one unit: its count, sum, minimum and maximum, and the raw values with their
 * multiplicities (`Values`/`Counts`; a run of equal values is one entry), so percentiles are exact order
 * statistics rather than estimates. Percentile p is the nearest-rank value: the smallest value v such that at
 * least p% of the samples are ≤ v (p0 is the minimum). As on AWS, a statistic set (`StatisticValues`) carries no
 * raw values: it allows percentiles only when its SampleCount is 1 or its Minimum equals its Maximum; otherwise a
 * period holding it answers no percentiles.
 */

export class Bucket {
  count = 0;
  sum = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  readonly values: number[] = [];
  /** Multiplicities of `values`, allocated when one is not 1. */
  counts: number[] | undefined;
  /** False once a statistic set without raw values came in: no percentiles for this bucket. */
  exact = true;

  add(value: number, count: number): void {
    this.count += count;
    this.sum += value * count;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    const last = this.values.length - 1;
    if (last >= 0 && this.values[last] === value) {
      this.counts ??= new Array<number>(this.values.length).fill(1);
      this.counts[last] = (this.counts[last] as number) + count;
      return;
    }
    this.values.push(value);
    if (this.counts) this.counts.push(count);
    else if (count !== 1) {
      this.counts = new Array<number>(this.values.length).fill(1);
      this.counts[last + 1] = count;
    }
  }

  addSet(set: { SampleCount: number; Sum: number; Minimum: number; Maximum: number }): void {
    if (set.SampleCount === 1 || set.Minimum === set.Maximum) {
      // The set is its raw values: one value, or SampleCount copies of the same one.
      const before = this.sum;
      this.add(set.Minimum, set.SampleCount);
      this.sum = before + set.Sum;
      return;
    }
    this.count += set.SampleCount;
    this.sum += set.Sum;
    if (set.Minimum < this.min) this.min = set.Minimum;
    if (set.Maximum > this.max) this.max = set.Maximum;
    this.exact = false;
  }
}

/** What a period's buckets add up to. */
export interface Aggregate {
  sampleCount: number;
  sum: number;
  min: number;
  max: number;
  buckets: Bucket[];
}

export function aggregate(buckets: Bucket[]): Aggregate {
  const result: Aggregate = {
    sampleCount: 0,
    sum: 0,
    min: Number.POSITIVE_INFINITY,
    max: Number.NEGATIVE_INFINITY,
    buckets,
  };
  for (const bucket of buckets) {
    result.sampleCount += bucket.count;
    result.sum += bucket.sum;
    if (bucket.min < result.min) result.min = bucket.min;
    if (bucket.max > result.max) result.max = bucket.max;
  }
  return result;
}

export const BASIC_STATISTICS = ["SampleCount", "Average", "Sum", "Minimum", "Maximum"] as const;
export type BasicStatistic = (typeof BASIC_STATISTICS)[number];

export function basicStatistic(agg: Aggregate, statistic: BasicStatistic): number {
  switch (statistic) {
    case "SampleCount":
      return agg.sampleCount;
    case "Average":
      return agg.sum / agg.sampleCount;
    case "Sum":
      return agg.sum;
    case "Minimum":
      return agg.min;
    case "Maximum":
      return agg.max;
  }
}

const PERCENTILE = /^p(\d{1,2}(?:\.\d{1,10})?|100(?:\.0{1,10})?)$/;

/** The percentile a name such as `p99` or `p99.9` stands for, or undefined for any other name. */
export function percentileOf(name: string): number | undefined {
  const match = PERCENTILE.exec(name);
  return match ? Number(match[1]) : undefined;
}

/** Percentiles of the period, in the order asked, or undefined when its data allows none (statistic sets). */
export function percentiles(agg: Aggregate, ps: readonly number[]): number[] | undefined {
  if (agg.sampleCount === 0 || agg.buckets.some((bucket) => !bucket.exact)) return undefined;
  const weighted = agg.buckets.some((bucket) => bucket.counts !== undefined);
  if (!weighted) {
    const sorted = new Float64Array(agg.buckets.reduce((size, bucket) => size + bucket.values.length, 0));
    let at = 0;
    for (const bucket of agg.buckets) {
      sorted.set(bucket.values, at);
      at += bucket.values.length;
    }
    sorted.sort();
    return ps.map((p) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] as number);
  }
  const pairs: [number, number][] = [];
  for (const bucket of agg.buckets) {
    bucket.values.forEach((value, index) => {
      pairs.push([value, bucket.counts?.[index] ?? 1]);
    });
  }
  pairs.sort((a, b) => a[0] - b[0]);
  return ps.map((p) => {
    const rank = Math.max(1, Math.ceil((p / 100) * agg.sampleCount));
    let seen = 0;
    for (const [value, count] of pairs) {
      seen += count;
      if (seen >= rank) return value;
    }
    return (pairs.at(-1) as [number, number])[0];
  });
}

/** One statistic by its CloudWatch name (a basic one or a percentile); undefined when the data allows none. */
export function statisticValue(agg: Aggregate, name: string): number | undefined {
  if ((BASIC_STATISTICS as readonly string[]).includes(name)) {
    return basicStatistic(agg, name as BasicStatistic);
  }
  const p = percentileOf(name);
  if (p === undefined) throw new Error(`not a statistic: ${name}`);
  return percentiles(agg, [p])?.[0];
}

/** Whether `name` is a statistic local CloudWatch computes (GetMetricData's Stat, an alarm's statistic). */
export function isStatistic(name: string): boolean {
  return (BASIC_STATISTICS as readonly string[]).includes(name) || percentileOf(name) !== undefined;
}

const DAY = 86_400;

/**
 * Where the first period of a query starts, as CloudWatch rounds StartTime: down to a multiple of a sub-minute
 * period, else to the whole minute; for data older than 15 days to 5 minutes, older than 63 days to the hour.
 */
export function alignedStart(startSeconds: number, period: number, nowSeconds: number): number {
  const age = nowSeconds - startSeconds;
  const unit = age > 63 * DAY ? 3600 : age > 15 * DAY ? 300 : period < 60 ? period : 60;
  return Math.floor(startSeconds / unit) * unit;
}

/** Periods CloudWatch serves: 1, 5, 10, 30 (high resolution) or any multiple of 60. */
export function checkPeriod(period: number, parameter: string, error: (message: string) => AwsError): void {
  if (period % 60 !== 0 && ![1, 5, 10, 30].includes(period)) {
    throw error(
      `The parameter ${parameter} must be 1, 5, 10, 30 or a multiple of 60 seconds; got ${period}.`,
    );
  }
}
