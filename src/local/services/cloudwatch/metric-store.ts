import { appendFileSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { type Dimension, StandardUnit } from "@aws-sdk/client-cloudwatch";
import { Bucket } from "./statistics";

/**
 * The metrics CloudWatch keeps: one series per namespace, metric name and set of dimensions (their order does not
 * matter, as on AWS), each a sorted run of buckets (statistics.ts) keyed by second and unit. Reads see a sample as
 * soon as it is added. Durability is batched: samples wait in memory and are appended about once a second (and on
 * stop) to hour files `<dir>/<hour>.jsonl`, one line per series, bucket and flush, so heavy publishing costs a few
 * writes a second; files whose hour fell out of the retention window are deleted, and a torn last line (a crash
 * mid-append) is skipped on load. A crash loses at most the last second of samples.
 */

export interface SeriesId {
  namespace: string;
  metricName: string;
  dimensions: Dimension[];
}

export const UNITS: readonly string[] = Object.values(StandardUnit);
const UNIT_SLOTS = 32; // > UNITS.length: a bucket key is second * 32 + unit index

export class Series implements SeriesId {
  readonly keys: number[] = [];
  readonly buckets = new Map<number, Bucket>();
  /** When a sample last came in (ms): ListMetrics' RecentlyActive. */
  lastPut = 0;

  constructor(
    readonly key: string,
    readonly namespace: string,
    readonly metricName: string,
    readonly dimensions: Dimension[],
  ) {}

  bucket(second: number, unit: number): Bucket {
    const key = second * UNIT_SLOTS + unit;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new Bucket();
      this.buckets.set(key, bucket);
      const last = this.keys.length - 1;
      if (last < 0 || (this.keys[last] as number) < key) this.keys.push(key);
      else this.keys.splice(lowerBound(this.keys, key), 0, key);
    }
    return bucket;
  }

  /** Calls `visit` for each bucket with start second in [from, to), oldest first; `unit` filters (index). */
  each(
    from: number,
    to: number,
    unit: number | undefined,
    visit: (second: number, unit: string, bucket: Bucket) => void,
  ): void {
    for (let at = lowerBound(this.keys, from * UNIT_SLOTS); at < this.keys.length; at++) {
      const key = this.keys[at] as number;
      const second = Math.floor(key / UNIT_SLOTS);
      if (second >= to) break;
      if (unit !== undefined && key % UNIT_SLOTS !== unit) continue;
      visit(second, UNITS[key % UNIT_SLOTS] as string, this.buckets.get(key) as Bucket);
    }
  }

  /** Drops buckets that start before `second`. */
  prune(second: number): void {
    const cut = lowerBound(this.keys, second * UNIT_SLOTS);
    for (const key of this.keys.splice(0, cut)) this.buckets.delete(key);
  }
}

function lowerBound(keys: number[], key: number): number {
  let low = 0;
  let high = keys.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((keys[mid] as number) < key) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** The identity of a series: its dimensions sorted by name, so their order never makes a second series. */
export function seriesKey(namespace: string, metricName: string, dimensions: readonly Dimension[]): string {
  let key = `${namespace}\u0000${metricName}`;
  const sorted =
    dimensions.length < 2
      ? dimensions
      : [...dimensions].sort(
          (a, b) => compare(a.Name ?? "", b.Name ?? "") || compare(a.Value ?? "", b.Value ?? ""),
        );
  for (const dimension of sorted) key += `\u0000${dimension.Name}\u0001${dimension.Value}`;
  return key;
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** One line of an hour file: [namespace, name, [[dimension, value]...], second, unit, values, counts | 0, set | 0]. */
type Line = [string, string, [string, string][], number, string, number[], number[] | 0, number[] | 0];

interface Pending {
  series: Series;
  second: number;
  unit: number;
  values: number[];
  counts: number[] | undefined;
  /** Statistic sets without raw values: [SampleCount, Sum, Minimum, Maximum] each. */
  sets: number[][];
}

const FLUSH_MS = 1000;

export class MetricStore {
  readonly series = new Map<string, Series>();
  private pending = new Map<Series, Map<number, Pending>>();
  private timer: NodeJS.Timeout | undefined;

  /** `dir` is the store's own folder; `retentionMs` how long samples are kept. */
  constructor(
    private readonly dir: string,
    private readonly retentionMs: number,
  ) {
    mkdirSync(dir, { recursive: true });
    this.load();
  }

  /** The series of a metric, created on first use. */
  seriesFor(namespace: string, metricName: string, dimensions: readonly Dimension[]): Series {
    const key = seriesKey(namespace, metricName, dimensions);
    let series = this.series.get(key);
    if (!series) {
      const copy = dimensions.map((d) => ({ Name: d.Name as string, Value: d.Value as string }));
      series = new Series(key, namespace, metricName, copy);
      this.series.set(key, series);
    }
    return series;
  }

  find(namespace: string, metricName: string, dimensions: readonly Dimension[]): Series | undefined {
    return this.series.get(seriesKey(namespace, metricName, dimensions));
  }

  /** Adds `count` samples of `value` (second already rounded to the datum's storage resolution). */
  add(series: Series, second: number, unit: number, value: number, count: number): void {
    series.bucket(second, unit).add(value, count);
    series.lastPut = Date.now();
    const pending = this.pendingFor(series, second, unit);
    const last = pending.values.length - 1;
    if (last >= 0 && pending.values[last] === value) {
      pending.counts ??= new Array<number>(pending.values.length).fill(1);
      pending.counts[last] = (pending.counts[last] as number) + count;
    } else {
      pending.values.push(value);
      if (pending.counts) pending.counts.push(count);
      else if (count !== 1) {
        pending.counts = new Array<number>(pending.values.length).fill(1);
        pending.counts[last + 1] = count;
      }
    }
  }

  addSet(
    series: Series,
    second: number,
    unit: number,
    set: { SampleCount: number; Sum: number; Minimum: number; Maximum: number },
  ): void {
    series.bucket(second, unit).addSet(set);
    series.lastPut = Date.now();
    this.pendingFor(series, second, unit).sets.push([set.SampleCount, set.Sum, set.Minimum, set.Maximum]);
  }

  /** Starts the once-a-second flush (and retention sweep). */
  start(): void {
    this.timer ??= setInterval(() => this.flush(), FLUSH_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.flush();
  }

  /** Appends what is pending to the hour files and forgets what fell out of the retention window. */
  flush(): void {
    const batch = this.pending;
    this.pending = new Map();
    const byHour = new Map<number, string[]>();
    for (const item of [...batch.values()].flatMap((buckets) => [...buckets.values()])) {
      const { series } = item;
      const dims = series.dimensions.map((d) => [d.Name, d.Value] as [string, string]);
      const unit = UNITS[item.unit] as string;
      const lines: Line[] = [];
      if (item.values.length > 0) {
        lines.push([
          series.namespace,
          series.metricName,
          dims,
          item.second,
          unit,
          item.values,
          item.counts ?? 0,
          0,
        ]);
      }
      for (const set of item.sets) {
        lines.push([series.namespace, series.metricName, dims, item.second, unit, [], 0, set]);
      }
      const hour = Math.floor(item.second / 3600);
      const texts = byHour.get(hour) ?? [];
      byHour.set(hour, texts);
      for (const line of lines) texts.push(JSON.stringify(line));
    }
    for (const [hour, texts] of byHour) {
      appendFileSync(join(this.dir, `${hour}.jsonl`), `${texts.join("\n")}\n`);
    }
    this.sweep();
  }

  private pendingFor(series: Series, second: number, unit: number): Pending {
    let buckets = this.pending.get(series);
    if (!buckets) {
      buckets = new Map();
      this.pending.set(series, buckets);
    }
    const key = second * UNIT_SLOTS + unit;
    let pending = buckets.get(key);
    if (!pending) {
      pending = { series, second, unit, values: [], counts: undefined, sets: [] };
      buckets.set(key, pending);
    }
    return pending;
  }

  private cutoffSecond(): number {
    return Math.floor((Date.now() - this.retentionMs) / 1000);
  }

  private sweep(): void {
    const cutoff = this.cutoffSecond();
    for (const file of readdirSync(this.dir)) {
      const hour = hourOf(file);
      if (hour !== undefined && (hour + 1) * 3600 <= cutoff) rmSync(join(this.dir, file), { force: true });
    }
    for (const [key, series] of this.series) {
      series.prune(cutoff);
      if (series.keys.length === 0) this.series.delete(key);
    }
  }

  private load(): void {
    const cutoff = this.cutoffSecond();
    for (const file of readdirSync(this.dir).sort()) {
      const hour = hourOf(file);
      if (hour === undefined) continue;
      const path = join(this.dir, file);
      if ((hour + 1) * 3600 <= cutoff) {
        rmSync(path, { force: true });
        continue;
      }
      const content = readFileSync(path, "utf8");
      for (const text of content.split("\n")) this.replay(text, cutoff);
      // A torn last line must not swallow the next append.
      if (content.length > 0 && !content.endsWith("\n")) appendFileSync(path, "\n");
    }
  }

  private replay(text: string, cutoff: number): void {
    if (!text) return;
    let line: Line;
    try {
      line = JSON.parse(text) as Line;
    } catch {
      return; // a line torn by a crash mid-append
    }
    const [namespace, metricName, dims, second, unitName, values, counts, set] = line;
    const unit = UNITS.indexOf(unitName);
    if (second < cutoff || unit < 0) return;
    const series = this.seriesFor(
      namespace,
      metricName,
      dims.map(([Name, Value]) => ({ Name, Value })),
    );
    const bucket = series.bucket(second, unit);
    values.forEach((value, index) => {
      bucket.add(value, counts === 0 ? 1 : (counts[index] as number));
    });
    if (set !== 0) {
      const [SampleCount, Sum, Minimum, Maximum] = set as [number, number, number, number];
      bucket.addSet({ SampleCount, Sum, Minimum, Maximum });
    }
    series.lastPut = Math.max(series.lastPut, second * 1000);
  }
}

function hourOf(file: string): number | undefined {
  const match = /^(\d+)\.jsonl$/.exec(file);
  return match ? Number(match[1]) : undefined;
}
