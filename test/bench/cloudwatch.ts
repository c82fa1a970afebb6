/**
 * Local CloudWatch benchmark (`npm run bench:cloudwatch`): what the runtime path pays to publish (in-process
 * `publish`, per datapoint, as InvokeEndpoint would: Invocations, ModelLatency and OverheadLatency under two
 * dimension sets), what a PutMetricData over the wire costs (JS SDK, JSON 1.0, 20 datums a request),
 * GetMetricStatistics with percentiles over a few hundred thousand kept datapoints, and one alarm evaluation
 * round over many alarms. The server runs in this process (in-process figures are the service alone).
 *
 * Env: BENCH_PUBLISH (datapoints published in-process, default 300000), BENCH_SAMPLES (latencies kept for the
 *      percentile query, spread over the last hour, default 300000), BENCH_REQUESTS (PutMetricData calls, default
 *      2000), BENCH_ALARMS (alarms evaluated, default 500).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import {
  CloudWatchClient,
  GetMetricStatisticsCommand,
  PutMetricDataCommand,
} from "@aws-sdk/client-cloudwatch";
import { startLocalServer } from "../../src/local/server";
import { CloudWatchService } from "../../src/local/services/cloudwatch/service";

const PUBLISH = Number(process.env.BENCH_PUBLISH ?? 300_000);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 300_000);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 2000);
const ALARMS = Number(process.env.BENCH_ALARMS ?? 500);

const rows: [string, string][] = [];
const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;

function inProcess(root: string): void {
  const cloudwatch = new CloudWatchService({
    root,
    identity: { region: "ap-northeast-2", accountId: "000000000000" },
    retentionMs: 24 * 3_600_000,
    alarmTimeScale: 1,
  });
  const variant = [
    { Name: "EndpointName", Value: "nsmc-endpoint" },
    { Name: "VariantName", Value: "AllTraffic" },
  ];
  const config = [...variant, { Name: "EndpointConfigName", Value: "nsmc-config-1" }];
  const invocations = PUBLISH / 6;
  const start = process.hrtime.bigint();
  for (let i = 0; i < invocations; i++) {
    const latency = 800 + ((i * 7919) % 4000);
    for (const Dimensions of [variant, config]) {
      cloudwatch.publish("AWS/SageMaker", [
        { MetricName: "Invocations", Dimensions, Value: 1, Unit: "None", StorageResolution: 1 },
        {
          MetricName: "ModelLatency",
          Dimensions,
          Value: latency,
          Unit: "Microseconds",
          StorageResolution: 1,
        },
        { MetricName: "OverheadLatency", Dimensions, Value: 120, Unit: "Microseconds", StorageResolution: 1 },
      ]);
    }
  }
  const publishMs = ms(start);
  rows.push([
    `in-process publish, per datapoint (${invocations.toLocaleString()} invocations × 6)`,
    `${((publishMs * 1000) / (invocations * 6)).toFixed(2)} µs`,
  ]);
  const flush = process.hrtime.bigint();
  cloudwatch.stop(); // writes what is pending, as the once-a-second flush does
  rows.push(["flush of all of that to the hour files", `${ms(flush).toFixed(0)} ms`]);
  const now = Date.now();
  for (let i = 0; i < SAMPLES; i += 100) {
    const Values = Array.from({ length: 100 }, (_, k) => 500 + (((i + k) * 7919) % 100_000) / 10);
    const Timestamp = new Date(now - ((i / 100) % 3600) * 1000);
    cloudwatch.publish("AWS/SageMaker", [
      { MetricName: "ModelLatency", Dimensions: config, Values, Timestamp, StorageResolution: 1 },
    ]);
  }
  for (const period of [3600, 60]) {
    const query = process.hrtime.bigint();
    const answer = cloudwatch.getMetricStatistics({
      Namespace: "AWS/SageMaker",
      MetricName: "ModelLatency",
      Dimensions: config,
      StartTime: new Date(now - 3_600_000),
      EndTime: new Date(now + 60_000),
      Period: period,
      Statistics: ["SampleCount", "Average", "Maximum"],
      ExtendedStatistics: ["p50", "p90", "p95", "p99"],
    });
    const points = answer.Datapoints ?? [];
    const samples = points.reduce((sum, point) => sum + (point.SampleCount ?? 0), 0);
    rows.push([
      `GetMetricStatistics p50/p90/p95/p99, ${samples.toLocaleString()} datapoints, Period ${period} (${points.length} periods)`,
      `${ms(query).toFixed(1)} ms`,
    ]);
  }
  for (let i = 0; i < ALARMS; i++) {
    cloudwatch.putMetricAlarm({
      AlarmName: `alarm-${i}`,
      Namespace: "AWS/SageMaker",
      MetricName: i % 2 ? "ModelLatency" : "Invocations",
      Dimensions: i % 2 ? config : variant,
      ...(i % 2 ? { ExtendedStatistic: "p99" } : { Statistic: "Sum" as const }),
      Period: 60,
      EvaluationPeriods: 5,
      DatapointsToAlarm: 3,
      Threshold: 1000,
      ComparisonOperator: "GreaterThanThreshold",
    });
  }
  // One evaluation round, as the timer runs it (the private tick, reached for measuring only).
  const tick = (cloudwatch as unknown as { alarms: { tick(): void } }).alarms;
  const round = process.hrtime.bigint();
  tick.tick();
  rows.push([
    `alarm evaluation round, ${ALARMS} alarms × 5 periods of 60 s (half of them p99 over the samples above)`,
    `${ms(round).toFixed(1)} ms (${((ms(round) * 1000) / ALARMS).toFixed(0)} µs an alarm)`,
  ]);
}

async function overTheWire(stateDir: string): Promise<void> {
  const server = await startLocalServer({ port: 0, stateDir });
  try {
    const cw = new CloudWatchClient({
      endpoint: server.url,
      region: server.region,
      credentials: server.credentials,
    });
    const data = Array.from({ length: 20 }, (_, i) => ({
      MetricName: "Latency",
      Dimensions: [{ Name: "Caller", Value: `c${i % 4}` }],
      Value: i,
      Unit: "Milliseconds" as const,
    }));
    for (let i = 0; i < 100; i++)
      await cw.send(new PutMetricDataCommand({ Namespace: "Bench", MetricData: data }));
    const start = process.hrtime.bigint();
    for (let i = 0; i < REQUESTS; i++)
      await cw.send(new PutMetricDataCommand({ Namespace: "Bench", MetricData: data }));
    const total = ms(start);
    rows.push([
      `PutMetricData over the wire (JS SDK, JSON 1.0, 20 datums, ${REQUESTS} sequential calls)`,
      `${(total / REQUESTS).toFixed(2)} ms a request (${((total * 1000) / (REQUESTS * 20)).toFixed(1)} µs a datum)`,
    ]);
    const query = process.hrtime.bigint();
    await cw.send(
      new GetMetricStatisticsCommand({
        Namespace: "Bench",
        MetricName: "Latency",
        Dimensions: [{ Name: "Caller", Value: "c0" }],
        StartTime: new Date(Date.now() - 3_600_000),
        EndTime: new Date(Date.now() + 60_000),
        Period: 60,
        Statistics: ["Average"],
        ExtendedStatistics: ["p99"],
      }),
    );
    rows.push(["GetMetricStatistics over the wire (p99, 60 s periods)", `${ms(query).toFixed(1)} ms`]);
  } finally {
    await server.close();
  }
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), "bench-cloudwatch-"));
  try {
    inProcess(join(root, "in-process"));
    await overTheWire(join(root, "server"));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  const cpu = cpus();
  process.stdout.write(
    `machine: ${cpu.length} × ${cpu[0]?.model ?? "unknown CPU"}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, load average ${loadavg()
      .map((load) => load.toFixed(2))
      .join(" ")}\n\n`,
  );
  const width = Math.max(...rows.map(([name]) => name.length));
  process.stdout.write(`| ${"what".padEnd(width)} | cost |\n|${"-".repeat(width + 2)}|------|\n`);
  for (const [name, value] of rows) process.stdout.write(`| ${name.padEnd(width)} | ${value} |\n`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
