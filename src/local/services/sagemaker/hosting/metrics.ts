import { readFileSync } from "node:fs";
import { totalmem } from "node:os";
import type { Dimension, MetricDatum, StandardUnit } from "@aws-sdk/client-cloudwatch";
import type { CloudWatchService } from "../../cloudwatch/service";

/**
 * What SageMaker publishes to CloudWatch about its endpoints, measured for real:
 * - `AWS/SageMaker`, per EndpointName+VariantName and again with EndpointConfigName (what blue/green charts by):
 *   Invocations, InvocationsPerInstance (1/instances per request, as AWS counts it; not for async or serverless),
 *   Invocation4XXErrors and Invocation5XXErrors (the model's own answers), ModelLatency (the container's time)
 *   and OverheadLatency (the rest of the server's time), both in microseconds; ModelSetupTime for a serverless
 *   cold start; ApproximateBacklogSize, ApproximateBacklogSizePerInstance and HasBacklogWithoutCapacity per
 *   EndpointName for asynchronous endpoints.
 * - `/aws/sagemaker/Endpoints`, per EndpointName+VariantName: CPUUtilization (percent of one core, summed over
 *   the containers' processes, as AWS sums over cores) and MemoryUtilization (their resident memory, percent of
 *   the machine's).
 *
 * The invocation path only counts (a few array pushes); a timer publishes once a second, so metrics cost an
 * InvokeEndpoint next to nothing and reads see a datapoint within about a second. Samples are high resolution
 * (StorageResolution 1) so a lab can chart a rollout by the second; 60-second periods read them as AWS's.
 */

export interface InvocationSample {
  endpointName: string;
  variantName: string;
  endpointConfigName: string;
  /** Instances serving the variant (InvocationsPerInstance is 1/instances); 0 when not counted (async, serverless). */
  instances: number;
  outcome: "ok" | "4xx" | "5xx";
  /** The container's time, when it answered at all. */
  modelLatencyUs?: number;
  overheadLatencyUs: number;
}

export interface BacklogSample {
  endpointName: string;
  backlog: number;
  instances: number;
}

export interface UtilizationSample {
  endpointName: string;
  variantName: string;
  pids: readonly number[];
}

const FLUSH_MS = 1_000;

interface Series {
  dimensions: Dimension[];
  /** Invocation counts are due (a request came, or the variant is serving and idle). */
  counted: boolean;
  /** Publishes InvocationsPerInstance, 0 included (not for asynchronous or serverless variants). */
  instanceBased: boolean;
  invocations: number;
  /** 1/instances for each request (InvocationsPerInstance). */
  perInstance: number[];
  errors4xx: number;
  errors5xx: number;
  modelLatency: number[];
  overheadLatency: number[];
  setupTime: number[];
}

export class EndpointMetrics {
  private readonly series = new Map<string, Series>();
  private readonly extra: { namespace: string; datum: MetricDatum }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly cpuSeen = new Map<number, { ticks: number; at: number }>();

  constructor(
    private readonly cloudwatch: CloudWatchService,
    /** LOCAL_SAGEMAKER_METRICS: when off, nothing is counted or sampled. */
    private readonly enabled = true,
  ) {}

  invocation(sample: InvocationSample): void {
    if (!this.enabled) return;
    for (const series of this.seriesOf(sample.endpointName, sample.variantName, sample.endpointConfigName)) {
      series.counted = true;
      series.invocations++;
      if (sample.instances > 0) series.perInstance.push(1 / sample.instances);
      if (sample.outcome === "4xx") series.errors4xx++;
      if (sample.outcome === "5xx") series.errors5xx++;
      if (sample.modelLatencyUs !== undefined) series.modelLatency.push(Math.round(sample.modelLatencyUs));
      series.overheadLatency.push(Math.round(sample.overheadLatencyUs));
    }
    this.schedule();
  }

  /**
   * An instance-based variant that is up: its invocation counts are published even when they are 0, as SageMaker
   * publishes them each minute, so an alarm on them (a target-tracking scale-in) sees an idle variant, not no data.
   */
  serving(endpointName: string, variantName: string, endpointConfigName: string): void {
    if (!this.enabled) return;
    for (const series of this.seriesOf(endpointName, variantName, endpointConfigName)) {
      series.counted = true;
      series.instanceBased = true;
    }
    this.schedule();
  }

  coldStart(endpointName: string, variantName: string, endpointConfigName: string, setupUs: number): void {
    if (!this.enabled) return;
    for (const series of this.seriesOf(endpointName, variantName, endpointConfigName)) {
      series.setupTime.push(Math.round(setupUs));
    }
    this.schedule();
  }

  /** An asynchronous endpoint's queue, sampled by its owner on each flush. */
  backlog(sample: BacklogSample): void {
    if (!this.enabled) return;
    const dimensions = [{ Name: "EndpointName", Value: sample.endpointName }];
    const datum = (MetricName: string, Value: number): MetricDatum => ({
      MetricName,
      Dimensions: dimensions,
      Value,
      Unit: "Count",
      StorageResolution: 1,
    });
    this.extra.push(
      { namespace: "AWS/SageMaker", datum: datum("ApproximateBacklogSize", sample.backlog) },
      {
        namespace: "AWS/SageMaker",
        datum: datum(
          "ApproximateBacklogSizePerInstance",
          sample.instances > 0 ? sample.backlog / sample.instances : sample.backlog,
        ),
      },
      {
        namespace: "AWS/SageMaker",
        datum: datum("HasBacklogWithoutCapacity", sample.backlog > 0 && sample.instances === 0 ? 1 : 0),
      },
    );
    this.schedule();
  }

  /** CPU and memory of a variant's container processes (Linux /proc; elsewhere nothing is published). */
  utilization(sample: UtilizationSample): void {
    if (!this.enabled) return;
    const now = Date.now();
    let cpuPercent = 0;
    let rssBytes = 0;
    let measured = false;
    for (const pid of sample.pids) {
      const usage = readProcessUsage(pid);
      if (!usage) continue;
      measured = true;
      rssBytes += usage.rssBytes;
      const before = this.cpuSeen.get(pid);
      this.cpuSeen.set(pid, { ticks: usage.cpuTicks, at: now });
      if (before && now > before.at) {
        cpuPercent += (((usage.cpuTicks - before.ticks) / CLOCK_TICKS) * 1000 * 100) / (now - before.at);
      }
    }
    if (!measured) return;
    const dimensions = [
      { Name: "EndpointName", Value: sample.endpointName },
      { Name: "VariantName", Value: sample.variantName },
    ];
    const datum = (MetricName: string, Value: number): MetricDatum => ({
      MetricName,
      Dimensions: dimensions,
      Value: Math.round(Value * 100) / 100,
      Unit: "Percent",
      StorageResolution: 1,
    });
    this.extra.push(
      { namespace: "/aws/sagemaker/Endpoints", datum: datum("CPUUtilization", cpuPercent) },
      {
        namespace: "/aws/sagemaker/Endpoints",
        datum: datum("MemoryUtilization", (rssBytes / totalmem()) * 100),
      },
    );
    this.schedule();
  }

  /** Publishes what was counted since the last flush (the timer calls it; stop() too). */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const data: MetricDatum[] = [];
    for (const series of this.series.values()) {
      // As SageMaker counts them: one sample per request (1, or 1/instances; 0 for a request that was no error), so
      // Sum is the count and Average the rate; an idle variant's interval is one 0.
      const perRequest = (MetricName: string, hits: number, value = 1): void => {
        const total = series.invocations;
        const entries =
          total === 0
            ? [[0, 1]]
            : [
                [value, hits],
                [0, total - hits],
              ].filter(([, n]) => (n as number) > 0);
        data.push({
          MetricName,
          Dimensions: series.dimensions,
          Values: entries.map(([v]) => v as number),
          Counts: entries.map(([, n]) => n as number),
          Unit: "None",
          StorageResolution: 1,
        });
      };
      if (series.counted) {
        perRequest("Invocations", series.invocations);
        if (series.perInstance.length > 0) {
          data.push(...valuesOf("InvocationsPerInstance", series.dimensions, series.perInstance, "None"));
        } else if (series.instanceBased) {
          perRequest("InvocationsPerInstance", 0);
        }
        perRequest("Invocation4XXErrors", series.errors4xx);
        perRequest("Invocation5XXErrors", series.errors5xx);
      }
      data.push(
        ...valuesOf("ModelLatency", series.dimensions, series.modelLatency, "Microseconds"),
        ...valuesOf("OverheadLatency", series.dimensions, series.overheadLatency, "Microseconds"),
        ...valuesOf("ModelSetupTime", series.dimensions, series.setupTime, "Microseconds"),
      );
    }
    this.series.clear();
    if (data.length > 0) this.cloudwatch.publish("AWS/SageMaker", data);
    for (const { namespace, datum } of this.extra.splice(0)) this.cloudwatch.publish(namespace, [datum]);
  }

  stop(): void {
    this.flush();
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), FLUSH_MS);
    this.timer.unref();
  }

  private seriesOf(endpoint: string, variant: string, config: string): Series[] {
    return [
      this.seriesFor(`${endpoint}\n${variant}`, [
        { Name: "EndpointName", Value: endpoint },
        { Name: "VariantName", Value: variant },
      ]),
      this.seriesFor(`${endpoint}\n${variant}\n${config}`, [
        { Name: "EndpointName", Value: endpoint },
        { Name: "VariantName", Value: variant },
        { Name: "EndpointConfigName", Value: config },
      ]),
    ];
  }

  private seriesFor(key: string, dimensions: Dimension[]): Series {
    let series = this.series.get(key);
    if (!series) {
      series = {
        dimensions,
        counted: false,
        instanceBased: false,
        invocations: 0,
        perInstance: [],
        errors4xx: 0,
        errors5xx: 0,
        modelLatency: [],
        overheadLatency: [],
        setupTime: [],
      };
      this.series.set(key, series);
    }
    return series;
  }
}

/** Raw values as Values/Counts (at most 150 distinct values per datum), so percentiles stay exact. */
function valuesOf(
  MetricName: string,
  Dimensions: Dimension[],
  values: readonly number[],
  Unit: StandardUnit,
): MetricDatum[] {
  if (values.length === 0) return [];
  const counts = new Map<number, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  const entries = [...counts];
  const data: MetricDatum[] = [];
  for (let start = 0; start < entries.length; start += 150) {
    const chunk = entries.slice(start, start + 150);
    data.push({
      MetricName,
      Dimensions,
      Values: chunk.map(([value]) => value),
      Counts: chunk.map(([, count]) => count),
      Unit,
      StorageResolution: 1,
    });
  }
  return data;
}

/** Linux's USER_HZ: /proc/<pid>/stat counts CPU time in these. */
const CLOCK_TICKS = 100;
const PAGE_BYTES = 4096;

function readProcessUsage(pid: number): { cpuTicks: number; rssBytes: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name may hold spaces and parentheses: the fields start after the last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    const rssPages = Number(fields[21]);
    if (![utime, stime, rssPages].every(Number.isFinite)) return undefined;
    return { cpuTicks: utime + stime, rssBytes: rssPages * PAGE_BYTES };
  } catch {
    return undefined;
  }
}
