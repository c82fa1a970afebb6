import type { MetricData, MetricDefinition } from "@aws-sdk/client-sagemaker";
import { validation } from "../../../core/errors";

/**
 * SageMaker's metric extraction: each MetricDefinition regex runs over every log line of the job; the first
 * capture group (or the whole match when there is none) is the value. The final value per metric is kept.
 */
export class MetricCollector {
  private readonly definitions: { name: string; regex: RegExp }[];
  private readonly latest = new Map<string, { value: number; timestamp: Date }>();

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
      this.onValue(name, value, timestamp);
    }
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
