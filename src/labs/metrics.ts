import type { MetricDefinition } from "@aws-sdk/client-sagemaker";
import { SENTIMENT_METRICS } from "./sentiment";

/**
 * A training job's metric lines split the way a chart needs them: values on a line that names its epoch
 * (`epoch=3; loss=…; eval_loss=…;`) are that epoch's points; values on other lines (the final evaluation,
 * `final (validation): eval_accuracy=…; eval_f1=…;`, or train.py's summary lines) are final metrics, shown apart.
 * So the x axis really is the epoch, and a metric measured only at the end (eval_f1) is not drawn at "epoch 1".
 */
export interface MetricCurves {
  /** per metric, its value at each epoch that reported it, in epoch order */
  perEpoch: Record<string, { epoch: number; value: number }[]>;
  /** per metric, the last value reported outside an epoch line */
  final: Record<string, number>;
}

const EPOCH = /\bepoch[=:]\s*([0-9]+(?:\.[0-9]+)?)/;

export function metricCurves(
  logs: readonly { message: string }[],
  definitions: readonly MetricDefinition[] = SENTIMENT_METRICS,
): MetricCurves {
  const curves: MetricCurves = { perEpoch: {}, final: {} };
  for (const definition of definitions) {
    if (!definition.Name || !definition.Regex) continue;
    const pattern = new RegExp(definition.Regex, "g");
    for (const line of logs) {
      const epoch = EPOCH.exec(line.message)?.[1];
      for (const match of line.message.matchAll(pattern)) {
        const value = Number(match[1]);
        if (!Number.isFinite(value)) continue;
        if (epoch === undefined) {
          curves.final[definition.Name] = value;
        } else {
          const points: { epoch: number; value: number }[] = curves.perEpoch[definition.Name] ?? [];
          curves.perEpoch[definition.Name] = points;
          const at = Number(epoch);
          const same = points.findIndex((p) => p.epoch === at);
          if (same === -1) points.push({ epoch: at, value });
          else points[same] = { epoch: at, value };
        }
      }
    }
  }
  for (const points of Object.values(curves.perEpoch)) points.sort((a, b) => a.epoch - b.epoch);
  return curves;
}
