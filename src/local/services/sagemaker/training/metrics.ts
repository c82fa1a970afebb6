import type { MetricData, MetricDefinition } from "@aws-sdk/client-sagemaker";
import { validation } from "../../../core/errors";
import type { MetricStats } from "../job-events";

interface Running {
  count: number;
  sum: number;
  sumOfSquares: number;
  min: number;
  max: number;
}

/**
 * SageMaker's metric extraction: each MetricDefinition regex runs over every log line of the job; the first
 * capture group (or the whole match when there is none) is the value. The final value per metric is kept.
 */
export class MetricCollector {
  private readonly definitions: { name: string; regex: RegExp }[];
  private readonly latest = new Map<string, { value: number; timestamp: Date }>();
  private readonly running = new Map<string, Running>();

  constructor(
    definitions: readonly MetricDefinition[] | undefined,
    /** Hears each value found (SageMaker publishes them to CloudWatch). */
    private readonly onValue: (name: string, value: number, timestamp: Date) => void = () => {},
  ) {
    this.definitions = (definitions ?? []).map((definition) => ({
      name: definition.Name ?? "",
      regex: compileMetricRegex(definition),
    }));
  }

  observe(line: string, timestamp = new Date()): void {
    for (const { name, regex } of this.definitions) {
      const match = regex.exec(line);
      if (!match) continue;
      const value = Number.parseFloat(match[1] ?? match[0]);
      if (!Number.isFinite(value)) continue;
      this.latest.set(name, { value, timestamp });
      const stats = this.running.get(name) ?? { count: 0, sum: 0, sumOfSquares: 0, min: value, max: value };
      stats.count += 1;
      stats.sum += value;
      stats.sumOfSquares += value * value;
      stats.min = Math.min(stats.min, value);
      stats.max = Math.max(stats.max, value);
      this.running.set(name, stats);
      this.onValue(name, value, timestamp);
    }
  }

  /** Count, min, max, last, mean and (sample) standard deviation of each metric seen. */
  stats(): MetricStats[] {
    return [...this.latest].map(([MetricName, { value, timestamp }]) => {
      const { count, sum, sumOfSquares, min, max } = this.running.get(MetricName) as Running;
      const mean = sum / count;
      const variance = count > 1 ? Math.max(0, (sumOfSquares - count * mean * mean) / (count - 1)) : 0;
      return {
        MetricName,
        Count: count,
        Min: min,
        Max: max,
        Last: value,
        Avg: mean,
        StdDev: Math.sqrt(variance),
        TimeStamp: timestamp.getTime(),
      };
    });
  }

  final(): MetricData[] {
    return [...this.latest].map(([MetricName, { value, timestamp }]) => ({
      MetricName,
      Value: value,
      Timestamp: timestamp,
    }));
  }
}

/** Throws ValidationException naming the metric when its regex does not compile. */
export function compileMetricRegex(definition: MetricDefinition): RegExp {
  try {
    return new RegExp(definition.Regex ?? "");
  } catch (error) {
    throw validation(
      `MetricDefinitions "${definition.Name}" has a regular expression that does not compile (${definition.Regex}): ${(error as Error).message}`,
    );
  }
}
