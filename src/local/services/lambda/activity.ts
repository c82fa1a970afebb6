import type { MetricDatum } from "@aws-sdk/client-cloudwatch";
import type { CloudWatchService } from "../cloudwatch/service";
import type { InvocationResult } from "./environments";

/**
 * What Lambda counts of each function's invocations: the metrics AWS publishes to `AWS/Lambda` per FunctionName
 * (Invocations, Errors, Throttles, Duration in milliseconds; high resolution, so a lab or the console can chart
 * by the second), and the totals since the server started, cold starts included (AWS reports those only as the
 * `Init Duration` of a REPORT line; the local console shows the count).
 */

export interface FunctionActivity {
  invocations: number;
  errors: number;
  throttles: number;
  coldStarts: number;
  lastInitDurationMs?: number;
  lastDurationMs?: number;
  /** Epoch ms of the last invocation that ran. */
  lastInvokedAt?: number;
}

export class LambdaActivity {
  private readonly totals = new Map<string, FunctionActivity>();

  constructor(
    private readonly cloudwatch: CloudWatchService,
    /** LOCAL_SAGEMAKER_METRICS: when off, nothing is published (the totals are still kept). */
    private readonly publish: boolean,
  ) {}

  /** One invocation's outcome: its result, or "throttled" when no environment was free. */
  record(functionName: string, outcome: InvocationResult | "throttled"): void {
    const totals = this.of(functionName);
    this.totals.set(functionName, totals);
    const now = new Date();
    const data: MetricDatum[] = [];
    const datum = (MetricName: string, Value: number, Unit: MetricDatum["Unit"]): MetricDatum => ({
      MetricName,
      Dimensions: [{ Name: "FunctionName", Value: functionName }],
      Value,
      Unit,
      Timestamp: now,
      StorageResolution: 1,
    });
    if (outcome === "throttled") {
      totals.throttles++;
      data.push(datum("Throttles", 1, "Count"));
    } else {
      totals.invocations++;
      totals.lastInvokedAt = now.getTime();
      totals.lastDurationMs = outcome.durationMs;
      if (outcome.initDurationMs !== undefined) {
        totals.coldStarts++;
        totals.lastInitDurationMs = outcome.initDurationMs;
      }
      if (outcome.error) totals.errors++;
      data.push(
        datum("Invocations", 1, "Count"),
        datum("Errors", outcome.error ? 1 : 0, "Count"),
        datum("Duration", outcome.durationMs, "Milliseconds"),
      );
    }
    if (this.publish) this.cloudwatch.publish("AWS/Lambda", data);
  }

  of(functionName: string): FunctionActivity {
    return this.totals.get(functionName) ?? { invocations: 0, errors: 0, throttles: 0, coldStarts: 0 };
  }

  forget(functionName: string): void {
    this.totals.delete(functionName);
  }
}
