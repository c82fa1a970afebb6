import { appendFileSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type AlarmRule, judge, type Window } from "../../src/local/services/cloudwatch/evaluation";
import { evaluate, type MathValue, parseExpression } from "../../src/local/services/cloudwatch/metric-math";
import { type AlarmStateChange, CloudWatchService } from "../../src/local/services/cloudwatch/service";
import { aggregate, Bucket, percentiles } from "../../src/local/services/cloudwatch/statistics";

/**
 * Local CloudWatch without a wire: the alarm verdict table, percentiles, metric math, and the typed API other
 * services use (publish, onAlarmStateChange, getAlarm), its retention and its durable files.
 */

const dirs: string[] = [];
const services: CloudWatchService[] = [];

function service(
  options: { retentionMs?: number; alarmTimeScale?: number; root?: string } = {},
): CloudWatchService {
  const root = options.root ?? mkdtempSync(join(tmpdir(), "cloudwatch-unit-"));
  if (!options.root) dirs.push(root);
  const created = new CloudWatchService({
    root,
    identity: { region: "ap-northeast-2", accountId: "000000000000" },
    retentionMs: options.retentionMs ?? 3_600_000,
    alarmTimeScale: options.alarmTimeScale ?? 1,
  });
  services.push(created);
  return created;
}

afterEach(() => {
  for (const created of services.splice(0)) created.stop();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("the alarm verdict", () => {
  // AWS's table for DatapointsToAlarm 3 of EvaluationPeriods 5: "0" within the threshold, "X" breaching, "-" missing.
  const rule = (treatMissingData: AlarmRule["treatMissingData"]): AlarmRule => ({
    comparison: "GreaterThanThreshold",
    threshold: 1,
    evaluationPeriods: 5,
    datapointsToAlarm: 3,
    treatMissingData,
    statistic: "Average",
    period: 60,
  });
  const windows = (pattern: string): Window[] =>
    [...pattern.replace(/ /g, "")].map((c, i) => ({
      start: 1_700_000_000 + i * 60,
      value: c === "-" ? undefined : c === "X" ? 5 : 0,
      sampleCount: c === "-" ? 0 : 1,
    }));
  const state = (pattern: string, treat: AlarmRule["treatMissingData"]) =>
    judge(rule(treat), windows(pattern), "OK", Date.now())?.state ?? "unchanged";
  const rows: [string, string, string, string, string][] = [
    // pattern      missing               ignore       breaching  notBreaching
    ["0 X X 0 X", "ALARM", "ALARM", "ALARM", "ALARM"],
    ["0 0 X 0 X", "OK", "OK", "OK", "OK"],
    ["0 - - - -", "OK", "OK", "ALARM", "OK"],
    ["- - - - 0", "OK", "OK", "ALARM", "OK"],
    ["- - - - -", "INSUFFICIENT_DATA", "unchanged", "ALARM", "OK"],
    ["0 X - - X", "OK", "OK", "ALARM", "OK"],
  ];
  for (const [pattern, missing, ignore, breaching, notBreaching] of rows) {
    it(`judges ${pattern} by TreatMissingData`, () => {
      expect([
        state(pattern, "missing"),
        state(pattern, "ignore"),
        state(pattern, "breaching"),
        state(pattern, "notBreaching"),
      ]).toEqual([missing, ignore, breaching, notBreaching]);
    });
  }

  it("words its reasons as CloudWatch does", () => {
    const single = { ...rule("missing"), evaluationPeriods: 1, datapointsToAlarm: 1, threshold: 0.1 };
    const verdict = judge(
      single,
      [{ start: 1_716_471_900, value: 5, sampleCount: 3 }],
      "OK",
      1_716_471_984_123,
    );
    expect(verdict?.reason).toBe(
      "Threshold Crossed: 1 datapoint [5.0 (23/05/24 13:45:00)] was greater than the threshold (0.1).",
    );
    expect(JSON.parse(verdict?.reasonData as string)).toEqual({
      version: "1.0",
      queryDate: "2024-05-23T13:46:24.123+0000",
      startDate: "2024-05-23T13:45:00.000+0000",
      statistic: "Average",
      period: 60,
      recentDatapoints: [5],
      threshold: 0.1,
      evaluatedDatapoints: [{ timestamp: "2024-05-23T13:45:00.000+0000", sampleCount: 3, value: 5 }],
    });
  });

  it("keeps the state of a percentile alarm that ignores low sample counts", () => {
    const p99 = { ...rule("missing"), evaluationPeriods: 1, datapointsToAlarm: 1, minSamples: 1000 };
    expect(judge(p99, [{ start: 0, value: 5, sampleCount: 999 }], "OK", 0)).toBeUndefined();
    expect(judge(p99, [{ start: 0, value: 5, sampleCount: 1000 }], "OK", 0)?.state).toBe("ALARM");
  });
});

describe("percentiles", () => {
  it("are nearest-rank order statistics, weighted by counts", () => {
    const bucket = new Bucket();
    for (let value = 10; value >= 1; value--) bucket.add(value, 1);
    expect(percentiles(aggregate([bucket]), [0, 10, 50, 95, 100])).toEqual([1, 1, 5, 10, 10]);
    const weighted = new Bucket();
    weighted.add(1, 98);
    weighted.add(100, 2);
    expect(percentiles(aggregate([weighted]), [50, 98, 99])).toEqual([1, 1, 100]);
  });
});

describe("metric math", () => {
  const series = (label: string, points: [number, number][]): MathValue => ({
    kind: "series",
    series: { label, points: new Map(points) },
  });
  const context = {
    resolve: (id: string) =>
      ({
        errors: series("Invocation5XXErrors", [
          [0, 1],
          [60, 0],
          [120, 3],
        ]),
        calls: series("Invocations", [
          [0, 10],
          [60, 0],
        ]),
      })[id],
    metrics: () =>
      [context.resolve("errors"), context.resolve("calls")].map(
        (v) => (v as Extract<MathValue, { kind: "series" }>).series,
      ),
    grid: () => [0, 60, 120],
  };
  const run = (expression: string) => evaluate(parseExpression(expression, "e1"), "e1", context);
  const points = (value: MathValue) =>
    value.kind === "series"
      ? [...value.series.points]
      : value.kind === "scalar"
        ? value.value
        : value.series.length;

  it("combines series point by point, dropping what it cannot compute", () => {
    expect(points(run("errors / calls * 100"))).toEqual([[0, 10]]);
    expect(points(run("-errors + 1"))).toEqual([
      [0, 0],
      [60, 1],
      [120, -2],
    ]);
    expect(points(run("SUM(METRICS())"))).toEqual([
      [0, 11],
      [60, 0],
      [120, 3],
    ]);
    expect(points(run('METRICS("5XX")'))).toBe(1);
    expect(points(run("SUM(errors)"))).toBe(4);
    expect(points(run("FILL(calls, 0)"))).toEqual([
      [0, 10],
      [60, 0],
      [120, 0],
    ]);
    expect(points(run("RATE(errors)"))).toEqual([
      [60, -1 / 60],
      [120, 3 / 60],
    ]);
  });

  it("refuses what it does not support, naming it", () => {
    expect(() => run("ANOMALY_DETECTION_BAND(errors)")).toThrow(
      /does not support the function ANOMALY_DETECTION_BAND/,
    );
    expect(() => run("errors / nothing")).toThrow(
      'Error in expression e1: there is no query with the id "nothing".',
    );
    expect(() => run("errors +")).toThrow(/ends too early/);
  });
});

describe("the typed API", () => {
  it("publishes in-process (AWS/ namespaces included) and answers reads at once", () => {
    const cloudwatch = service();
    const dims = [
      { Name: "EndpointName", Value: "ep" },
      { Name: "VariantName", Value: "AllTraffic" },
    ];
    const now = Date.now();
    for (let i = 1; i <= 3; i++) {
      cloudwatch.publish("AWS/SageMaker", [
        { MetricName: "Invocations", Dimensions: dims, Value: 1, Unit: "Count" },
        { MetricName: "ModelLatency", Dimensions: dims, Value: i * 1000, Unit: "Microseconds" },
      ]);
    }
    const read = (metric: string) =>
      cloudwatch.getMetricStatistics({
        Namespace: "AWS/SageMaker",
        MetricName: metric,
        Dimensions: dims,
        StartTime: new Date(now - 120_000),
        EndTime: new Date(now + 60_000),
        Period: 300,
        Statistics: ["Sum", "Average"],
      }).Datapoints ?? [];
    expect(read("Invocations").map((p) => p.Sum)).toEqual([3]);
    expect(read("ModelLatency").map((p) => p.Average)).toEqual([2000]);
    expect(() => cloudwatch.publish("AWS/SageMaker", [{ MetricName: "x", Value: Number.NaN }])).toThrow(
      /CloudWatch takes finite numbers/,
    );
  });

  it("tells listeners of every state change, with the actions of the new state, and lets them go", async () => {
    const cloudwatch = service({ alarmTimeScale: 0.1 });
    cloudwatch.start();
    const heard: AlarmStateChange[] = [];
    const stop = cloudwatch.onAlarmStateChange((change) => heard.push(change));
    cloudwatch.putMetricAlarm({
      AlarmName: "guardrail",
      Namespace: "AWS/SageMaker",
      MetricName: "Invocation5XXErrors",
      Statistic: "Average",
      Period: 10,
      EvaluationPeriods: 1,
      Threshold: 0.1,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
      TreatMissingData: "notBreaching",
      AlarmActions: ["arn:aws:sns:ap-northeast-2:000000000000:rollback"],
    });
    const deadline = Date.now() + 30_000;
    while (cloudwatch.getAlarm("guardrail")?.StateValue !== "OK" && Date.now() < deadline) {
      await new Promise((done) => setTimeout(done, 100));
    }
    cloudwatch.setAlarmState({ AlarmName: "guardrail", StateValue: "ALARM", StateReason: "forced" });
    expect(cloudwatch.getAlarm("guardrail")?.StateValue).toBe("ALARM");
    expect(heard.map((c) => [c.oldState, c.newState, c.cause])).toEqual([
      ["INSUFFICIENT_DATA", "OK", "evaluation"],
      ["OK", "ALARM", "SetAlarmState"],
    ]);
    expect(heard[1]).toMatchObject({
      alarmName: "guardrail",
      alarmArn: "arn:aws:cloudwatch:ap-northeast-2:000000000000:alarm:guardrail",
      reason: "forced",
      actions: ["arn:aws:sns:ap-northeast-2:000000000000:rollback"],
    });
    expect(heard[0]?.actions).toEqual([]);
    stop();
    cloudwatch.setAlarmState({
      AlarmName: "guardrail",
      StateValue: "INSUFFICIENT_DATA",
      StateReason: "quiet",
    });
    expect(heard).toHaveLength(2);
  });

  it("refuses an alarm past the quota with LimitExceeded", () => {
    const cloudwatch = service();
    const alarm = (name: string) =>
      cloudwatch.putMetricAlarm({
        AlarmName: name,
        Namespace: "N",
        MetricName: "M",
        Statistic: "Sum",
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: "GreaterThanThreshold",
      });
    for (let i = 0; i < 5000; i++) alarm(`a${i}`);
    expect(() => alarm("one-too-many")).toThrow(/The maximum number of alarms \(5000\) has been reached/);
    expect(() => alarm("a0")).not.toThrow(); // updating an alarm is no new one
  });

  it("keeps samples durable within the retention window, forgets older ones, and skips a torn line", () => {
    const root = mkdtempSync(join(tmpdir(), "cloudwatch-retention-"));
    dirs.push(root);
    const first = service({ root, retentionMs: 60_000 });
    const now = Date.now();
    first.publish("Keep", [
      { MetricName: "M", Value: 1, Timestamp: new Date(now - 10 * 60_000) },
      { MetricName: "M", Value: 2, Timestamp: new Date(now + 60_000) },
    ]);
    first.stop(); // flushes, then sweeps what is older than a minute
    const hourFiles = readdirSync(join(root, "metrics"));
    appendFileSync(join(root, "metrics", hourFiles.at(-1) as string), '["Keep","M",[],');
    const second = service({ root, retentionMs: 60_000 });
    const sums = (
      second.getMetricStatistics({
        Namespace: "Keep",
        MetricName: "M",
        StartTime: new Date(now - 20 * 60_000),
        EndTime: new Date(now + 5 * 60_000),
        Period: 60,
        Statistics: ["Sum"],
      }).Datapoints ?? []
    ).map((p) => p.Sum);
    expect(sums).toEqual([2]);
    expect(second.listMetrics({ Namespace: "Keep" }).Metrics).toHaveLength(1);
  });
});
