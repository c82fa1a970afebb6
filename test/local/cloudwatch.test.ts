import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CloudWatchClient,
  CloudWatchServiceException,
  DeleteAlarmsCommand,
  DescribeAlarmHistoryCommand,
  DescribeAlarmsCommand,
  DescribeAlarmsForMetricCommand,
  DisableAlarmActionsCommand,
  GetMetricDataCommand,
  GetMetricStatisticsCommand,
  type GetMetricStatisticsCommandInput,
  ListMetricsCommand,
  type MetricDatum,
  PutMetricAlarmCommand,
  type PutMetricAlarmCommandInput,
  PutMetricDataCommand,
  ResourceNotFound,
  SetAlarmStateCommand,
  type StateValue,
} from "@aws-sdk/client-cloudwatch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalServer, startLocalServer } from "../../src/local/server";
import { clientConfig } from "../support/local-clients";

/**
 * Local CloudWatch through the official JS SDK client (JSON 1.0, query-compatible) against a real server: every
 * metric rule on known values, alarms evaluated on real datapoints (alarm periods scaled by 0.1, so a 10-second
 * period is judged on 1-second windows), errors as the SDK names them, durability across a restart. Waits poll
 * with generous deadlines; nothing asserts how long anything took.
 */

let stateDir: string;
let server: LocalServer;
let cw: CloudWatchClient;

const MINUTE = 60_000;
/** A minute-aligned base ten minutes ago, so every datum below is in the past and inside one query range. */
const base = Math.floor((Date.now() - 10 * MINUTE) / MINUTE) * MINUTE;
const at = (seconds: number) => new Date(base + seconds * 1000);

async function start(): Promise<void> {
  server = await startLocalServer({
    port: 0,
    stateDir,
    settings: { alarmTimeScale: 0.1, metricsRetentionMs: 3_600_000 },
  });
  cw = new CloudWatchClient(clientConfig(server));
}

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), "cloudwatch-"));
  await start();
});

afterAll(async () => {
  await server?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

async function failure(promise: Promise<unknown>): Promise<CloudWatchServiceException & { Code?: string }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CloudWatchServiceException) return error;
    throw error;
  }
  throw new Error("expected the call to fail");
}

const put = (namespace: string, data: MetricDatum[]) =>
  cw.send(new PutMetricDataCommand({ Namespace: namespace, MetricData: data }));

const stats = (input: Partial<GetMetricStatisticsCommandInput> & { Namespace: string }) =>
  cw.send(
    new GetMetricStatisticsCommand({
      MetricName: "M",
      StartTime: at(0),
      EndTime: at(600),
      Period: 60,
      Statistics: ["SampleCount", "Sum", "Average", "Minimum", "Maximum"],
      ...input,
    }),
  );

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** Repeats `step` until `done` holds (deadline 40 s: the machine may be busy, the test never times anything). */
async function until<T>(step: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 40_000;
  for (;;) {
    const value = await step();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}; last: ${JSON.stringify(value)}`);
    await sleep(150);
  }
}

const stateOf = async (name: string): Promise<StateValue | undefined> =>
  (await cw.send(new DescribeAlarmsCommand({ AlarmNames: [name] }))).MetricAlarms?.[0]?.StateValue;

const history = async (name: string) =>
  (await cw.send(new DescribeAlarmHistoryCommand({ AlarmName: name, ScanBy: "TimestampAscending" })))
    .AlarmHistoryItems ?? [];

describe("metrics", () => {
  it("computes every statistic and exact percentiles from the values it keeps", async () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    await put("Test/Stats", [{ MetricName: "M", Values: values, Timestamp: at(5), Unit: "Milliseconds" }]);
    const answer = await stats({
      Namespace: "Test/Stats",
      ExtendedStatistics: ["p0", "p50", "p90", "p99", "p99.9", "p100"],
    });
    expect(answer.Label).toBe("M");
    expect(answer.Datapoints).toEqual([
      {
        Timestamp: at(0),
        SampleCount: 100,
        Sum: 5050,
        Average: 50.5,
        Minimum: 1,
        Maximum: 100,
        Unit: "Milliseconds",
        ExtendedStatistics: { p0: 1, p50: 50, p90: 90, p99: 99, "p99.9": 100, p100: 100 },
      },
    ]);
  });

  it("weighs Values by Counts, and answers no percentiles for a statistic set it has no values of", async () => {
    await put("Test/Counts", [{ MetricName: "M", Values: [1, 2], Counts: [3, 1], Timestamp: at(5) }]);
    const counted = await stats({ Namespace: "Test/Counts", ExtendedStatistics: ["p50", "p90"] });
    expect(counted.Datapoints?.[0]).toMatchObject({
      SampleCount: 4,
      Sum: 5,
      ExtendedStatistics: { p50: 1, p90: 2 },
    });
    await put("Test/Set", [
      {
        MetricName: "M",
        StatisticValues: { SampleCount: 10, Sum: 100, Minimum: 5, Maximum: 15 },
        Timestamp: at(5),
      },
    ]);
    const set = await stats({ Namespace: "Test/Set", ExtendedStatistics: ["p50"] });
    expect(set.Datapoints?.[0]).toMatchObject({
      SampleCount: 10,
      Sum: 100,
      Average: 10,
      Minimum: 5,
      Maximum: 15,
    });
    expect(set.Datapoints?.[0]?.ExtendedStatistics).toBeUndefined();
  });

  it("rounds StartTime as AWS does, keeps standard resolution per minute, and answers one datapoint per period and unit", async () => {
    await put("Test/Periods", [
      { MetricName: "M", Value: 1, Timestamp: at(3), StorageResolution: 1 },
      { MetricName: "M", Value: 2, Timestamp: at(17), StorageResolution: 1 },
      { MetricName: "M", Value: 4, Timestamp: at(41), StorageResolution: 1 },
      { MetricName: "M", Value: 8, Timestamp: at(77) }, // standard resolution: kept at the minute
      { MetricName: "M", Value: 16, Timestamp: at(17), Unit: "Seconds", StorageResolution: 1 },
    ]);
    const tens = await stats({
      Namespace: "Test/Periods",
      StartTime: at(5),
      EndTime: at(120),
      Period: 10,
      Statistics: ["Sum"],
    });
    const byTime = (tens.Datapoints ?? [])
      .map((p) => [(p.Timestamp as Date).getTime() - base, p.Sum, p.Unit])
      .sort((a, b) => (a[0] as number) - (b[0] as number) || String(a[2]).localeCompare(String(b[2])));
    expect(byTime).toEqual([
      [0, 1, "None"],
      [10_000, 2, "None"],
      [10_000, 16, "Seconds"],
      [40_000, 4, "None"],
      [60_000, 8, "None"],
    ]);
    const seconds = await stats({ Namespace: "Test/Periods", Unit: "Seconds", Statistics: ["Sum"] });
    expect(seconds.Datapoints?.map((p) => p.Sum)).toEqual([16]);
    const minute = await stats({ Namespace: "Test/Periods", Statistics: ["Sum"], Unit: "None" });
    expect(minute.Datapoints?.map((p) => [(p.Timestamp as Date).getTime() - base, p.Sum]).sort()).toEqual([
      [0, 7],
      [60_000, 8],
    ]);
  });

  it("matches dimensions exactly and in any order", async () => {
    const dims = [
      { Name: "EndpointName", Value: "ep" },
      { Name: "VariantName", Value: "AllTraffic" },
    ];
    await put("Test/Dims", [{ MetricName: "M", Dimensions: dims, Value: 3, Timestamp: at(5) }]);
    const reversed = await stats({ Namespace: "Test/Dims", Dimensions: [...dims].reverse() });
    expect(reversed.Datapoints?.map((p) => p.Sum)).toEqual([3]);
    const subset = await stats({ Namespace: "Test/Dims", Dimensions: [dims[0] as (typeof dims)[0]] });
    expect(subset.Datapoints).toEqual([]);
    const none = await stats({ Namespace: "Test/Dims" });
    expect(none.Datapoints).toEqual([]);
  });

  it("lists metrics by namespace, name and dimension filters", async () => {
    await put("Test/List", [
      { MetricName: "Invocations", Dimensions: [{ Name: "EndpointName", Value: "a" }], Value: 1 },
      { MetricName: "Invocations", Dimensions: [{ Name: "EndpointName", Value: "b" }], Value: 1 },
      {
        MetricName: "ModelLatency",
        Dimensions: [
          { Name: "EndpointName", Value: "a" },
          { Name: "VariantName", Value: "v" },
        ],
        Value: 1,
      },
    ]);
    const list = async (input: object) =>
      ((await cw.send(new ListMetricsCommand({ Namespace: "Test/List", ...input }))).Metrics ?? []).map(
        (m) => `${m.MetricName}:${m.Dimensions?.map((d) => `${d.Name}=${d.Value}`).join(",")}`,
      );
    expect(await list({})).toEqual([
      "Invocations:EndpointName=a",
      "Invocations:EndpointName=b",
      "ModelLatency:EndpointName=a,VariantName=v",
    ]);
    expect(await list({ MetricName: "Invocations" })).toHaveLength(2);
    expect(await list({ Dimensions: [{ Name: "EndpointName", Value: "a" }] })).toHaveLength(2);
    expect(await list({ Dimensions: [{ Name: "VariantName" }] })).toEqual([
      "ModelLatency:EndpointName=a,VariantName=v",
    ]);
    expect(await list({ RecentlyActive: "PT3H", MetricName: "ModelLatency" })).toHaveLength(1);
    expect(await list({ Namespace: "Test/Nothing" })).toEqual([]);
  });

  it("answers GetMetricData with MetricStat and expression results, in ScanBy order, paged by MaxDatapoints", async () => {
    const dims = [{ Name: "EndpointName", Value: "ep" }];
    await put("Test/Data", [
      { MetricName: "Invocations", Dimensions: dims, Values: [1], Counts: [10], Timestamp: at(5) },
      { MetricName: "Invocations", Dimensions: dims, Values: [1], Counts: [20], Timestamp: at(65) },
      { MetricName: "Invocation5XXErrors", Dimensions: dims, Value: 1, Timestamp: at(5) },
      { MetricName: "Invocation5XXErrors", Dimensions: dims, Value: 5, Timestamp: at(65) },
    ]);
    const stat = (id: string, name: string) => ({
      Id: id,
      MetricStat: {
        Metric: { Namespace: "Test/Data", MetricName: name, Dimensions: dims },
        Period: 60,
        Stat: "Sum",
      },
      ReturnData: false,
    });
    const query = {
      StartTime: at(0),
      EndTime: at(600),
      MetricDataQueries: [
        stat("invocations", "Invocations"),
        stat("errors", "Invocation5XXErrors"),
        { Id: "rate", Expression: "errors / invocations * 100", Label: "5XX rate (%)" },
        { Id: "total", Expression: "SUM(METRICS())" },
      ],
    };
    const answer = await cw.send(new GetMetricDataCommand({ ...query, ScanBy: "TimestampAscending" }));
    expect(
      answer.MetricDataResults?.map((r) => [r.Id, r.Label, r.Timestamps, r.Values, r.StatusCode]),
    ).toEqual([
      ["rate", "5XX rate (%)", [at(0), at(60)], [10, 25], "Complete"],
      ["total", "total", [at(0), at(60)], [11, 25], "Complete"],
    ]);
    const first = await cw.send(new GetMetricDataCommand({ ...query, MaxDatapoints: 3 }));
    expect(first.MetricDataResults?.map((r) => [r.Id, r.Values, r.StatusCode])).toEqual([
      ["rate", [25, 10], "Complete"],
      ["total", [25], "PartialData"],
    ]);
    const second = await cw.send(
      new GetMetricDataCommand({ ...query, MaxDatapoints: 3, NextToken: first.NextToken }),
    );
    expect(second.MetricDataResults?.map((r) => [r.Id, r.Values])).toEqual([
      ["rate", []],
      ["total", [11]],
    ]);
    expect(second.NextToken).toBeUndefined();
    const bad = await failure(
      cw.send(
        new GetMetricDataCommand({
          ...query,
          MetricDataQueries: [
            { ...stat("m1", "Invocations"), MetricStat: { ...stat("m1", "x").MetricStat, Stat: "Median" } },
          ],
        }),
      ),
    );
    expect(bad.Code).toBe("ValidationError");
    expect(bad.message).toBe(
      "The value for parameter MetricDataQueries.member.1.MetricStat.Stat is not a valid statistic.",
    );
  });

  it("refuses what PutMetricData and GetMetricStatistics refuse, in CloudWatch's words and codes", async () => {
    const tooMany = await failure(
      put(
        "Test/Limits",
        Array.from({ length: 1001 }, () => ({ MetricName: "M", Value: 1 })),
      ),
    );
    expect([tooMany.name, tooMany.Code, tooMany.message]).toEqual([
      "InvalidParameterValueException",
      "InvalidParameterValue",
      "The collection MetricData must not have a size greater than 1000.",
    ]);
    const dims = Array.from({ length: 31 }, (_, i) => ({ Name: `d${i}`, Value: "v" }));
    expect(
      (await failure(put("Test/Limits", [{ MetricName: "M", Value: 1, Dimensions: dims }]))).message,
    ).toBe("The collection MetricData.member.1.Dimensions must not have a size greater than 30.");
    const both = await failure(put("Test/Limits", [{ MetricName: "M", Value: 1, Values: [1] }]));
    expect([both.Code, both.message]).toEqual([
      "InvalidParameterCombination",
      "The parameters MetricData.member.1.Value and MetricData.member.1.Values are mutually exclusive and you have specified both.",
    ]);
    expect(
      (await failure(put("Test/Limits", [{ MetricName: "M", Value: 1, StorageResolution: 5 }]))).message,
    ).toBe("The parameter MetricData.member.1.StorageResolution must be a value in the set [ 1, 60 ].");
    expect((await failure(put("AWS/SageMaker", [{ MetricName: "M", Value: 1 }]))).message).toMatch(
      /namespaces that start with "AWS\/" are reserved/,
    );
    const old = await failure(
      put("Test/Limits", [{ MetricName: "M", Value: 1, Timestamp: new Date(Date.now() - 15 * 86_400_000) }]),
    );
    expect(old.message).toBe(
      "The parameter MetricData.member.1.Timestamp must specify a time within the past two weeks.",
    );
    const missing = await failure(
      cw.send(
        new PutMetricDataCommand({ Namespace: "Test/Limits", MetricData: [{ Value: 1 } as MetricDatum] }),
      ),
    );
    expect([missing.name, missing.Code, missing.message]).toEqual([
      "MissingRequiredParameterException",
      "MissingParameter",
      "The parameter MetricData.member.1.MetricName is required.",
    ]);
    const points = await failure(
      stats({ Namespace: "Test/Limits", Period: 1, StartTime: at(0), EndTime: at(1441) }),
    );
    expect([points.Code, points.message]).toEqual([
      "InvalidParameterCombination",
      "You have requested up to 1441 datapoints, which exceeds the limit of 1440. You may reduce the datapoints requested by increasing Period, or decreasing the time range.",
    ]);
    expect((await failure(stats({ Namespace: "Test/Limits", Period: 45 }))).Code).toBe(
      "InvalidParameterValue",
    );
    expect((await failure(stats({ Namespace: "Test/Limits", EndTime: at(0) }))).message).toBe(
      "The parameter StartTime must not equal parameter EndTime.",
    );
    expect(
      (await failure(stats({ Namespace: "Test/Limits", ExtendedStatistics: ["p999"] }))).message,
    ).toMatch(/ExtendedStatistics.member.1 must be a percentile from p0.0 to p100/);
  });
});

describe("alarms", () => {
  const alarm = (name: string, input: Partial<PutMetricAlarmCommandInput> = {}) =>
    cw.send(
      new PutMetricAlarmCommand({
        AlarmName: name,
        Namespace: "Test/Alarms",
        MetricName: name,
        Statistic: "Maximum",
        Period: 10,
        EvaluationPeriods: 1,
        Threshold: 5,
        ComparisonOperator: "GreaterThanThreshold",
        TreatMissingData: "ignore",
        ...input,
      }),
    );
  const publish = (name: string, value: number, timestamp?: Date) =>
    put("Test/Alarms", [
      {
        MetricName: name,
        Value: value,
        StorageResolution: 1,
        ...(timestamp ? { Timestamp: timestamp } : {}),
      },
    ]);
  /** Keeps publishing `value` until the alarm is in `state`. */
  const drive = (name: string, value: number, state: StateValue) =>
    until(
      async () => {
        await publish(name, value);
        return stateOf(name);
      },
      (current) => current === state,
      `${name} in ${state}`,
    );

  it("goes OK → ALARM → OK on real datapoints, each change in the history with CloudWatch's reason", async () => {
    await alarm("flip", { AlarmActions: ["arn:aws:sns:ap-northeast-2:000000000000:topic"] });
    const created = (await cw.send(new DescribeAlarmsCommand({ AlarmNames: ["flip"] }))).MetricAlarms?.[0];
    expect(created).toMatchObject({
      AlarmName: "flip",
      AlarmArn: "arn:aws:cloudwatch:ap-northeast-2:000000000000:alarm:flip",
      StateValue: "INSUFFICIENT_DATA",
      StateReason: "Unchecked: Initial alarm creation",
      ActionsEnabled: true,
      AlarmActions: ["arn:aws:sns:ap-northeast-2:000000000000:topic"],
    });
    await drive("flip", 1, "OK");
    await drive("flip", 10, "ALARM");
    await drive("flip", 2, "OK");
    const items = await history("flip");
    expect(items[0]).toMatchObject({
      HistoryItemType: "ConfigurationUpdate",
      HistorySummary: 'Alarm "flip" created',
    });
    const updates = items.filter((item) => item.HistoryItemType === "StateUpdate");
    expect(updates.map((item) => item.HistorySummary)).toEqual([
      "Alarm updated from INSUFFICIENT_DATA to OK",
      "Alarm updated from OK to ALARM",
      "Alarm updated from ALARM to OK",
    ]);
    const toAlarm = JSON.parse(updates[1]?.HistoryData as string);
    expect(toAlarm.newState.stateReason).toMatch(
      /^Threshold Crossed: 1 datapoint \[10\.0 \(\d\d\/\d\d\/\d\d \d\d:\d\d:\d\d\)\] was greater than the threshold \(5\.0\)\.$/,
    );
    expect(toAlarm.newState.stateReasonData).toMatchObject({
      version: "1.0",
      statistic: "Maximum",
      period: 10,
      threshold: 5,
    });
    expect(toAlarm.oldState).toEqual({
      stateValue: "OK",
      stateReason: expect.stringMatching(/was not greater than/),
    });
  });

  it("alarms on M out of N datapoints", async () => {
    await alarm("m-of-n", { EvaluationPeriods: 3, DatapointsToAlarm: 2, TreatMissingData: "missing" });
    const first = Math.ceil(Date.now() / 1000) + 4; // periods still to come, so each is judged after its datum
    await publish("m-of-n", 10, new Date(first * 1000));
    await publish("m-of-n", 1, new Date((first + 1) * 1000 + 100));
    await publish("m-of-n", 10, new Date((first + 2) * 1000 + 200));
    const items = await until(
      () => history("m-of-n"),
      (list) => list.some((item) => item.HistorySummary?.endsWith("to ALARM")),
      "m-of-n in ALARM",
    );
    const reason = JSON.parse(
      items.find((item) => item.HistorySummary?.endsWith("to ALARM"))?.HistoryData as string,
    ).newState.stateReason;
    expect(reason).toMatch(
      /^Threshold Crossed: 2 out of the last 3 datapoints \[10\.0 \(.+\), 10\.0 \(.+\)\] were greater than the threshold \(5\.0\) \(minimum 2 datapoints for (OK|INSUFFICIENT_DATA) -> ALARM transition\)\.$/,
    );
    // Then the data stops: with TreatMissingData missing, no datapoint at all is INSUFFICIENT_DATA.
    await until(
      () => stateOf("m-of-n"),
      (state) => state === "INSUFFICIENT_DATA",
      "m-of-n without data",
    );
    const last = (await cw.send(new DescribeAlarmsCommand({ AlarmNames: ["m-of-n"] }))).MetricAlarms?.[0];
    expect(last?.StateReason).toBe("Insufficient Data: 3 datapoints were unknown.");
  });

  it("treats missing data as breaching or not, as configured", async () => {
    await alarm("dark-breaching", { TreatMissingData: "breaching" });
    await alarm("dark-fine", { TreatMissingData: "notBreaching" });
    await until(
      () => stateOf("dark-breaching"),
      (state) => state === "ALARM",
      "dark-breaching in ALARM",
    );
    await until(
      () => stateOf("dark-fine"),
      (state) => state === "OK",
      "dark-fine in OK",
    );
    const alarms =
      (await cw.send(new DescribeAlarmsCommand({ AlarmNamePrefix: "dark-" }))).MetricAlarms ?? [];
    expect(alarms.map((a) => [a.AlarmName, a.StateReason])).toEqual([
      [
        "dark-breaching",
        "Threshold Crossed: no datapoints were received for 1 period and 1 missing datapoint was treated as [Breaching].",
      ],
      [
        "dark-fine",
        "Threshold Crossed: no datapoints were received for 1 period and 1 missing datapoint was treated as [NonBreaching].",
      ],
    ]);
    expect(
      (
        await cw.send(new DescribeAlarmsCommand({ AlarmNamePrefix: "dark-", StateValue: "ALARM" }))
      ).MetricAlarms?.map((a) => a.AlarmName),
    ).toEqual(["dark-breaching"]);
  });

  it("lets SetAlarmState force a state until the next evaluation decides otherwise", async () => {
    await alarm("forced", { TreatMissingData: "notBreaching" });
    await until(
      () => stateOf("forced"),
      (state) => state === "OK",
      "forced in OK",
    );
    await cw.send(
      new SetAlarmStateCommand({
        AlarmName: "forced",
        StateValue: "ALARM",
        StateReason: "rollback drill",
        StateReasonData: '{"drill":true}',
      }),
    );
    await until(
      () => stateOf("forced"),
      (state) => state === "OK",
      "forced back in OK",
    );
    const updates = (await history("forced")).filter((item) => item.HistoryItemType === "StateUpdate");
    expect(updates.map((item) => item.HistorySummary)).toEqual([
      "Alarm updated from INSUFFICIENT_DATA to OK",
      "Alarm updated from OK to ALARM",
      "Alarm updated from ALARM to OK",
    ]);
    expect(JSON.parse(updates[1]?.HistoryData as string).newState).toEqual({
      stateValue: "ALARM",
      stateReason: "rollback drill",
      stateReasonData: { drill: true },
    });
  });

  it("describes alarms by name, prefix, action prefix and metric, pages them, and switches actions off", async () => {
    await alarm("page-a", {
      AlarmActions: ["arn:aws:autoscaling:ap-northeast-2:000000000000:scalingPolicy:x"],
    });
    await alarm("page-b");
    await alarm("page-c");
    const first = await cw.send(new DescribeAlarmsCommand({ AlarmNamePrefix: "page-", MaxRecords: 2 }));
    expect(first.MetricAlarms?.map((a) => a.AlarmName)).toEqual(["page-a", "page-b"]);
    const rest = await cw.send(
      new DescribeAlarmsCommand({ AlarmNamePrefix: "page-", MaxRecords: 2, NextToken: first.NextToken }),
    );
    expect(rest.MetricAlarms?.map((a) => a.AlarmName)).toEqual(["page-c"]);
    expect(
      (await cw.send(new DescribeAlarmsCommand({ ActionPrefix: "arn:aws:autoscaling:" }))).MetricAlarms?.map(
        (a) => a.AlarmName,
      ),
    ).toEqual(["page-a"]);
    const forMetric = await cw.send(
      new DescribeAlarmsForMetricCommand({ Namespace: "Test/Alarms", MetricName: "page-b" }),
    );
    expect(forMetric.MetricAlarms?.map((a) => a.AlarmName)).toEqual(["page-b"]);
    await cw.send(new DisableAlarmActionsCommand({ AlarmNames: ["page-a", "no-such-alarm"] }));
    expect(
      (await cw.send(new DescribeAlarmsCommand({ AlarmNames: ["page-a"] }))).MetricAlarms?.[0]
        ?.ActionsEnabled,
    ).toBe(false);
    await cw.send(new DeleteAlarmsCommand({ AlarmNames: ["page-a", "page-b", "page-c"] }));
    expect((await cw.send(new DescribeAlarmsCommand({ AlarmNamePrefix: "page-" }))).MetricAlarms).toEqual([]);
    const deleted = await history("page-c");
    expect(deleted.at(-1)).toMatchObject({
      HistoryItemType: "ConfigurationUpdate",
      HistorySummary: 'Alarm "page-c" deleted',
    });
  });

  it("refuses a missing alarm, a bad or anomaly operator and inconsistent alarms, as CloudWatch names them", async () => {
    const missing = await failure(
      cw.send(new SetAlarmStateCommand({ AlarmName: "ghost", StateValue: "OK", StateReason: "x" })),
    );
    expect(missing).toBeInstanceOf(ResourceNotFound);
    expect([missing.Code, missing.$metadata.httpStatusCode, missing.message]).toEqual([
      "ResourceNotFound",
      404,
      "Alarm ghost not found",
    ]);
    expect(await failure(cw.send(new DeleteAlarmsCommand({ AlarmNames: ["ghost"] })))).toBeInstanceOf(
      ResourceNotFound,
    );
    const operator = await failure(alarm("bad", { ComparisonOperator: "Bigger" as never }));
    expect([operator.Code, operator.message]).toEqual([
      "InvalidParameterValue",
      "The parameter ComparisonOperator must be a value in the set [ GreaterThanOrEqualToThreshold, GreaterThanThreshold, LessThanThreshold, LessThanOrEqualToThreshold, LessThanLowerOrGreaterThanUpperThreshold, LessThanLowerThreshold, GreaterThanUpperThreshold ].",
    ]);
    const anomaly = await failure(
      alarm("bad", { ComparisonOperator: "LessThanLowerOrGreaterThanUpperThreshold" }),
    );
    expect([anomaly.Code, anomaly.message]).toEqual([
      "ValidationError",
      expect.stringMatching(/^Local CloudWatch does not evaluate anomaly detection alarms/),
    ]);
    const noPeriods = await failure(
      cw.send(
        new PutMetricAlarmCommand({
          AlarmName: "bad",
          ComparisonOperator: "GreaterThanThreshold",
        } as PutMetricAlarmCommandInput),
      ),
    );
    expect([noPeriods.Code, noPeriods.message]).toEqual([
      "MissingParameter",
      "The parameter EvaluationPeriods is required.",
    ]);
    expect((await failure(alarm("bad", { DatapointsToAlarm: 3, EvaluationPeriods: 2 }))).message).toBe(
      "DatapointsToAlarm (3) must be less than or equal to EvaluationPeriods (2).",
    );
    expect((await failure(alarm("bad", { Period: 15 }))).message).toBe(
      "Period must be 10, 20, 30 or a multiple of 60 seconds for an alarm; got 15.",
    );
    expect((await failure(alarm("bad", { TreatMissingData: "zero" }))).message).toBe(
      'TreatMissingData must be one of missing, notBreaching, breaching, ignore; got "zero".',
    );
    expect((await failure(alarm("bad", { AlarmActions: ["my-topic"] }))).message).toBe(
      "Invalid arn syntax: my-topic",
    );
  });

  it("evaluates a metric-math alarm on its expression", async () => {
    const metric = (id: string, name: string) => ({
      Id: id,
      MetricStat: { Metric: { Namespace: "Test/Alarms", MetricName: name }, Period: 10, Stat: "Sum" },
      ReturnData: false,
    });
    await cw.send(
      new PutMetricAlarmCommand({
        AlarmName: "error-rate",
        EvaluationPeriods: 1,
        Threshold: 10,
        ComparisonOperator: "GreaterThanOrEqualToThreshold",
        TreatMissingData: "ignore",
        Metrics: [
          metric("errors", "rate-errors"),
          metric("calls", "rate-calls"),
          { Id: "rate", Expression: "errors / calls * 100" },
        ],
      }),
    );
    await until(
      async () => {
        await put("Test/Alarms", [
          { MetricName: "rate-errors", Value: 1, StorageResolution: 1 },
          { MetricName: "rate-calls", Value: 4, StorageResolution: 1 },
        ]);
        return stateOf("error-rate");
      },
      (state) => state === "ALARM",
      "error-rate in ALARM",
    );
    expect((await failure(alarm("bad", { Metrics: [metric("m1", "x")] } as never))).message).toBe(
      "MetricName should not be set if list of Metrics is set.",
    );
  });
});

describe("durability", () => {
  it("keeps metrics, alarms and history across a restart", async () => {
    await put("Test/Durable", [{ MetricName: "M", Values: [1, 2, 3], Timestamp: at(5) }]);
    await cw.send(
      new PutMetricAlarmCommand({
        AlarmName: "durable",
        Namespace: "Test/Durable",
        MetricName: "M",
        Statistic: "Sum",
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: "GreaterThanThreshold",
      }),
    );
    await cw.send(
      new SetAlarmStateCommand({ AlarmName: "durable", StateValue: "ALARM", StateReason: "before restart" }),
    );
    await server.close();
    await start();
    expect(
      (await stats({ Namespace: "Test/Durable", ExtendedStatistics: ["p50"] })).Datapoints?.[0],
    ).toMatchObject({
      SampleCount: 3,
      Sum: 6,
      ExtendedStatistics: { p50: 2 },
    });
    // The restarted server evaluates again soon: the state is the stored one or what the data says now.
    const alarm = (await cw.send(new DescribeAlarmsCommand({ AlarmNames: ["durable"] }))).MetricAlarms?.[0];
    expect(alarm?.AlarmName).toBe("durable");
    expect((await history("durable")).map((item) => item.HistorySummary)).toEqual(
      expect.arrayContaining(['Alarm "durable" created', "Alarm updated from INSUFFICIENT_DATA to ALARM"]),
    );
  });
});
