import type { Dimension, Statistic } from "@aws-sdk/client-cloudwatch";
import { parseS3Uri } from "../../core/s3-uri";
import type { ServiceContext } from "../../services/context";
import type { Chart, LogLine, S3Location } from "../views";

/** Helpers every part of the read model shares: times, metric charts, log tails, S3 locations. */

export const ms = (date: Date | number | undefined): number | undefined =>
  date === undefined ? undefined : date instanceof Date ? date.getTime() : date;

/** Runs `read`; a resource gone meanwhile (or never made) is `fallback` rather than a failed page. */
export function orElse<T>(read: () => T, fallback: T): T {
  try {
    return read();
  } catch {
    return fallback;
  }
}

/** Every page of a SageMaker List operation, newest first, up to `max` items. */
export function listAll<T, R extends { NextToken?: string }>(
  list: (input: {
    NextToken?: string;
    MaxResults: number;
    SortBy: "CreationTime";
    SortOrder: "Descending";
  }) => R,
  items: (page: R) => T[] | undefined,
  max = 500,
): T[] {
  const found: T[] = [];
  let token: string | undefined;
  do {
    const page = list({ MaxResults: 100, SortBy: "CreationTime", SortOrder: "Descending", NextToken: token });
    found.push(...(items(page) ?? []));
    token = page.NextToken;
  } while (token && found.length < max);
  return found.slice(0, max);
}

export interface MetricSpec {
  id: string;
  namespace: string;
  metric: string;
  statistic: Statistic;
  unit: string;
  /** Multiplies every value (µs to ms, ...). */
  scale?: number;
  series: { name: string; dimensions: Dimension[] }[];
}

/** A chart of one metric from the local CloudWatch, one series per dimension set, between `start` and `end`. */
export function metricChart(
  ctx: ServiceContext,
  spec: MetricSpec,
  start: number,
  end: number,
  periodSeconds: number,
): Chart {
  return {
    id: spec.id,
    title: spec.metric,
    unit: spec.unit,
    series: spec.series.map((series) => {
      const answer = orElse(
        () =>
          ctx.cloudwatch.getMetricStatistics({
            Namespace: spec.namespace,
            MetricName: spec.metric,
            Dimensions: series.dimensions,
            StartTime: new Date(start),
            EndTime: new Date(end),
            Period: periodSeconds,
            Statistics: [spec.statistic],
          }),
        { Datapoints: [] },
      );
      const points = (answer.Datapoints ?? [])
        .map((datapoint) => ({
          t: ms(datapoint.Timestamp) ?? 0,
          v: (datapoint[spec.statistic] ?? 0) * (spec.scale ?? 1),
        }))
        .sort((a, b) => a.t - b.t);
      return { name: series.name, points };
    }),
  };
}

/** A period that keeps a chart under CloudWatch's 1,440 datapoints: 1, 5, 10, 30 s, then whole minutes. */
export function periodFor(spanMs: number, points = 300): number {
  const seconds = Math.max(1, Math.ceil(spanMs / 1000 / points));
  for (const allowed of [1, 5, 10, 30]) if (seconds <= allowed) return allowed;
  return Math.ceil(seconds / 60) * 60;
}

/** The last `limit` log events of a group's streams (all, or those starting with `prefix`), oldest first. */
export function logTail(
  ctx: ServiceContext,
  group: string,
  prefix: string | undefined,
  limit = 200,
): LogLine[] {
  const streams = orElse(
    () =>
      ctx.logs.describeLogStreams({
        logGroupName: group,
        ...(prefix ? { logStreamNamePrefix: prefix } : {}),
      }).logStreams ?? [],
    [],
  );
  const lines: LogLine[] = [];
  for (const stream of streams.slice(-20)) {
    const name = stream.logStreamName as string;
    const events = orElse(
      () => ctx.logs.getLogEvents({ logGroupName: group, logStreamName: name, limit }).events ?? [],
      [],
    );
    for (const event of events)
      lines.push({ t: event.timestamp ?? 0, stream: name, message: event.message ?? "" });
  }
  lines.sort((a, b) => a.t - b.t);
  return lines.slice(-limit);
}

/** Where an S3 URI points, with the object's size when it exists. */
export function s3Location(ctx: ServiceContext, uri: string | undefined): S3Location {
  if (!uri) return { uri: "" };
  try {
    const { bucket, key } = parseS3Uri(uri);
    const size = key && ctx.s3.objectExists(bucket, key) ? ctx.s3.headObject(bucket, key).size : undefined;
    return { uri, bucket, key, ...(size === undefined ? {} : { size }) };
  } catch {
    return { uri };
  }
}

/** The objects under an S3 prefix URI (at most `max`). */
export function s3Objects(ctx: ServiceContext, uri: string | undefined, max = 50): S3Location[] {
  if (!uri) return [];
  try {
    const { bucket, key } = parseS3Uri(uri);
    return ctx.s3.listObjects(bucket, { prefix: key, maxKeys: max }).objects.map((object) => ({
      uri: `s3://${bucket}/${object.key}`,
      bucket,
      key: object.key,
      size: object.size,
    }));
  } catch {
    return [];
  }
}
