import { GetMetricDataCommand, type MetricDataQuery } from "@aws-sdk/client-cloudwatch";
import {
  DescribeEndpointCommand,
  UpdateEndpointWeightsAndCapacitiesCommand,
} from "@aws-sdk/client-sagemaker";
import { type EndpointStatusChange, waitForEndpoint } from "./model";
import type { WorkshopSession } from "./session";

/**
 * What the A/B and deployment labs read about an endpoint: its variants' weights and counts, and its CloudWatch
 * metrics (`AWS/SageMaker`) per variant or per endpoint configuration, as rows a table or a plotly chart takes.
 * Plain SDK calls underneath (DescribeEndpoint, UpdateEndpointWeightsAndCapacities, GetMetricData).
 */

export interface VariantState {
  variant: string;
  currentWeight: number;
  desiredWeight: number;
  currentInstanceCount?: number;
  desiredInstanceCount?: number;
}

export async function variantStates(session: WorkshopSession, endpointName: string): Promise<VariantState[]> {
  const described = await session.sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpointName }));
  return (described.ProductionVariants ?? []).map((variant) => ({
    variant: variant.VariantName ?? "",
    currentWeight: variant.CurrentWeight ?? 0,
    desiredWeight: variant.DesiredWeight ?? 0,
    currentInstanceCount: variant.CurrentInstanceCount,
    desiredInstanceCount: variant.DesiredInstanceCount,
  }));
}

/** UpdateEndpointWeightsAndCapacities with `{ variant: weight }`, then waits for InService (unless told not to). */
export async function setVariantWeights(
  session: WorkshopSession,
  endpointName: string,
  weights: Readonly<Record<string, number>>,
  options: { wait?: boolean; onStatus?: (change: EndpointStatusChange) => void } = {},
): Promise<VariantState[]> {
  await session.sagemaker.send(
    new UpdateEndpointWeightsAndCapacitiesCommand({
      EndpointName: endpointName,
      DesiredWeightsAndCapacities: Object.entries(weights).map(([VariantName, DesiredWeight]) => ({
        VariantName,
        DesiredWeight,
      })),
    }),
  );
  if (options.wait !== false) await waitForEndpoint(session, endpointName, { onStatus: options.onStatus });
  return variantStates(session, endpointName);
}

export interface EndpointMetricQuery {
  endpointName: string;
  /** Invocations, Invocation5XXErrors, ModelLatency, ... (namespace AWS/SageMaker). */
  metricName: string;
  /** Sum, Average, Maximum, SampleCount or a percentile such as p90 (default Sum). */
  statistic?: string;
  /** One series per variant (the default), or per endpoint configuration (a blue/green rollout). */
  by?: "variant" | "endpointConfig";
  /** The variants (default: the endpoint's) or configurations (required with by: "endpointConfig"). */
  names?: readonly string[];
  /** With by: "endpointConfig", the variant whose metrics are read (default AllTraffic). */
  variantName?: string;
  startTime: Date;
  endTime?: Date;
  /** Seconds per datapoint (default 5 locally, where metrics are per second; 60 on AWS). */
  periodSeconds?: number;
}

export interface MetricPoint {
  time: Date;
  /** The variant or endpoint configuration. */
  series: string;
  value: number;
}

/** The metric's datapoints over time, one series per variant or configuration, oldest first. */
export async function endpointMetric(
  session: WorkshopSession,
  query: EndpointMetricQuery,
): Promise<MetricPoint[]> {
  const by = query.by ?? "variant";
  if (by === "endpointConfig" && !query.names?.length) {
    throw new Error(
      'endpointMetric({ by: "endpointConfig" }) needs the endpoint configurations\' names in `names`.',
    );
  }
  const names =
    query.names ?? (await variantStates(session, query.endpointName)).map((variant) => variant.variant);
  const period = query.periodSeconds ?? (session.mode === "local" ? 5 : 60);
  const queries: MetricDataQuery[] = names.map((name, index) => ({
    Id: `m${index}`,
    Label: name,
    ReturnData: true,
    MetricStat: {
      Metric: {
        Namespace: "AWS/SageMaker",
        MetricName: query.metricName,
        Dimensions: [
          { Name: "EndpointName", Value: query.endpointName },
          ...(by === "variant"
            ? [{ Name: "VariantName", Value: name }]
            : [
                { Name: "VariantName", Value: query.variantName ?? "AllTraffic" },
                { Name: "EndpointConfigName", Value: name },
              ]),
        ],
      },
      Period: period,
      Stat: query.statistic ?? "Sum",
    },
  }));
  if (queries.length === 0) return [];
  const points: MetricPoint[] = [];
  let NextToken: string | undefined;
  do {
    const answer = await session.cloudwatch.send(
      new GetMetricDataCommand({
        MetricDataQueries: queries,
        StartTime: query.startTime,
        EndTime: query.endTime ?? new Date(Date.now() + period * 1000),
        ScanBy: "TimestampAscending",
        NextToken,
      }),
    );
    for (const result of answer.MetricDataResults ?? []) {
      const series = result.Label ?? "";
      (result.Timestamps ?? []).forEach((time, index) => {
        points.push({ time, series, value: result.Values?.[index] ?? 0 });
      });
    }
    NextToken = answer.NextToken;
  } while (NextToken);
  return points.sort((a, b) => a.time.getTime() - b.time.getTime() || a.series.localeCompare(b.series));
}

/** Plotly traces for `endpointMetric`'s points: one line (or bar group) per series. */
export function metricTraces(
  points: readonly MetricPoint[],
  type: "scatter" | "bar" = "scatter",
): { type: string; mode?: string; name: string; x: Date[]; y: number[] }[] {
  const bySeries = new Map<string, MetricPoint[]>();
  for (const point of points) bySeries.set(point.series, [...(bySeries.get(point.series) ?? []), point]);
  return [...bySeries].map(([name, series]) => ({
    type,
    ...(type === "scatter" ? { mode: "lines+markers" } : {}),
    name,
    x: series.map((point) => point.time),
    y: series.map((point) => point.value),
  }));
}
