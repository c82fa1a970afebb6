import { join } from "node:path";
import type {
  DeleteAlarmsInput,
  DescribeAlarmHistoryInput,
  DescribeAlarmHistoryOutput,
  DescribeAlarmsForMetricInput,
  DescribeAlarmsForMetricOutput,
  DescribeAlarmsInput,
  DescribeAlarmsOutput,
  Dimension,
  DisableAlarmActionsInput,
  EnableAlarmActionsInput,
  MetricAlarm,
  MetricDataQuery,
  PutMetricAlarmInput,
  SetAlarmStateInput,
  StateValue,
  Tag,
} from "@aws-sdk/client-cloudwatch";
import type { Identity } from "../../core/arns";
import { reportUnexpected } from "../../core/errors";
import { Lifecycle } from "../../core/lifecycle";
import { pageOf } from "../../core/listing";
import { JsonStore } from "../../core/store";
import { checkAlarm } from "./alarm-rules";
import {
  invalidCombination,
  invalidFormat,
  invalidNextToken,
  limitExceeded,
  resourceNotFound,
} from "./errors";
import { type AlarmRule, judge, type Verdict, type Window } from "./evaluation";
import { AlarmHistory } from "./history";
import { evaluate, type MathValue, parseExpression, type TimeSeries } from "./metric-math";
import type { Metrics } from "./metrics";
import { percentileOf } from "./statistics";

/**
 * Metric alarms: their configuration and state (one JSON document each, written atomically), their history, and
 * their evaluation. A timer ticks every second; each alarm is evaluated once per period, right after a period
 * ends, over its last EvaluationPeriods complete periods (evaluation.ts), as AWS evaluates once a minute for
 * 60-second periods. `timeScale` shortens the periods an alarm is judged on (0.1: a 60 s alarm on 6 s windows,
 * never under 1 s), so a workshop's guardrail acts in seconds; 1 is AWS's pace. States change only through the
 * lifecycle below, after an evaluation or SetAlarmState (which holds until the next evaluation decides
 * otherwise, as on AWS); each change is in the history and goes to the `onAlarmStateChange` listeners.
 */

interface AlarmRecord {
  AlarmName: string;
  AlarmArn: string;
  AlarmDescription?: string;
  ActionsEnabled: boolean;
  OKActions: string[];
  AlarmActions: string[];
  InsufficientDataActions: string[];
  MetricName?: string;
  Namespace?: string;
  Statistic?: MetricAlarm["Statistic"];
  ExtendedStatistic?: string;
  Dimensions?: Dimension[];
  Period?: number;
  Unit?: MetricAlarm["Unit"];
  EvaluationPeriods: number;
  DatapointsToAlarm?: number;
  Threshold?: number;
  ComparisonOperator: MetricAlarm["ComparisonOperator"];
  TreatMissingData?: string;
  EvaluateLowSampleCountPercentile?: string;
  Metrics?: MetricDataQuery[];
  Tags?: Tag[];
  AlarmConfigurationUpdatedTimestamp: number;
  StateValue: StateValue;
  StateReason: string;
  StateReasonData?: string;
  StateUpdatedTimestamp: number;
  StateTransitionedTimestamp: number;
  LastModifiedTime: number;
}

/** What the listeners hear of a state change. */
export interface AlarmStateChange {
  alarmName: string;
  alarmArn: string;
  oldState: StateValue;
  newState: StateValue;
  reason: string;
  reasonData?: string;
  timestamp: Date;
  /** The new state's actions (AlarmActions for ALARM, ...), empty while the alarm's actions are disabled. */
  actions: string[];
  cause: "evaluation" | "SetAlarmState";
}

export type AlarmStateListener = (change: AlarmStateChange) => void;

const ALARM_STATES = new Lifecycle<AlarmRecord, StateValue>({
  kind: "alarm",
  moves: {
    OK: ["ALARM", "INSUFFICIENT_DATA"],
    ALARM: ["OK", "INSUFFICIENT_DATA"],
    INSUFFICIENT_DATA: ["OK", "ALARM"],
  },
  name: (record) => record.AlarmName,
  status: (record) => record.StateValue,
  apply(record, to, change, at) {
    record.StateValue = to;
    record.StateReason = change.reason ?? "";
    record.StateUpdatedTimestamp = at;
    record.StateTransitionedTimestamp = at;
  },
});

/** An account's alarms in a region, locally (AWS's former quota). */
export const MAX_ALARMS = 5000;
const DEFAULT_RECORDS = 50;
const TICK_MS = 1000;
/** A period is judged this long after it ends, so a datapoint written at its last moment is in. */
const SETTLE_SECONDS = 0.1;

export class Alarms {
  private readonly store: JsonStore<AlarmRecord>;
  private readonly alarms = new Map<string, AlarmRecord>();
  private readonly history: AlarmHistory;
  private readonly listeners = new Set<AlarmStateListener>();
  /** Per alarm, the end (epoch seconds) of the last period judged. */
  private readonly judgedUntil = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    root: string,
    private readonly metrics: Metrics,
    private readonly identity: Identity,
    private readonly timeScale: number,
  ) {
    this.store = new JsonStore<AlarmRecord>(root, "alarms", (name) => `the CloudWatch alarm ${name}`);
    for (const record of this.store.list()) this.alarms.set(record.AlarmName, record);
    this.history = new AlarmHistory(join(root, "alarm-history.jsonl"));
  }

  start(): void {
    this.timer ??= setInterval(() => this.tick(), TICK_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  onAlarmStateChange(listener: AlarmStateListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  getAlarm(name: string): MetricAlarm | undefined {
    const record = this.alarms.get(name);
    return record ? describe(record) : undefined;
  }

  // ---- the API ---------------------------------------------------------------------------------------

  putMetricAlarm(input: PutMetricAlarmInput): Record<string, never> {
    checkAlarm(input);
    const name = input.AlarmName as string;
    const existing = this.alarms.get(name);
    if (!existing && this.alarms.size >= MAX_ALARMS) {
      throw limitExceeded(
        `The maximum number of alarms (${MAX_ALARMS}) has been reached; delete alarms you no longer need (DeleteAlarms).`,
      );
    }
    const now = Date.now();
    const record: AlarmRecord = {
      AlarmName: name,
      AlarmArn: `arn:aws:cloudwatch:${this.identity.region}:${this.identity.accountId}:alarm:${name}`,
      ...(input.AlarmDescription !== undefined ? { AlarmDescription: input.AlarmDescription } : {}),
      ActionsEnabled: input.ActionsEnabled ?? true,
      OKActions: input.OKActions ?? [],
      AlarmActions: input.AlarmActions ?? [],
      InsufficientDataActions: input.InsufficientDataActions ?? [],
      ...defined({
        MetricName: input.MetricName,
        Namespace: input.Namespace,
        Statistic: input.Statistic,
        ExtendedStatistic: input.ExtendedStatistic,
        Dimensions: input.Dimensions,
        Period: input.Period,
        Unit: input.Unit,
        DatapointsToAlarm: input.DatapointsToAlarm,
        Threshold: input.Threshold,
        TreatMissingData: input.TreatMissingData,
        EvaluateLowSampleCountPercentile: input.EvaluateLowSampleCountPercentile,
        Metrics: input.Metrics,
        Tags: input.Tags ?? existing?.Tags,
      }),
      EvaluationPeriods: input.EvaluationPeriods as number,
      ComparisonOperator: input.ComparisonOperator,
      AlarmConfigurationUpdatedTimestamp: now,
      // An update leaves the state as it is (AWS); a new alarm starts with no data.
      StateValue: existing?.StateValue ?? "INSUFFICIENT_DATA",
      StateReason: existing?.StateReason ?? "Unchecked: Initial alarm creation",
      ...(existing?.StateReasonData !== undefined ? { StateReasonData: existing.StateReasonData } : {}),
      StateUpdatedTimestamp: existing?.StateUpdatedTimestamp ?? now,
      StateTransitionedTimestamp: existing?.StateTransitionedTimestamp ?? now,
      LastModifiedTime: now,
    };
    this.save(record);
    this.judgedUntil.delete(name);
    this.history.add(
      name,
      "ConfigurationUpdate",
      `Alarm "${name}" ${existing ? "updated" : "created"}`,
      existing
        ? {
            type: "Update",
            version: "1.0",
            originalAlarm: historyView(existing),
            updatedAlarm: historyView(record),
          }
        : { type: "Create", version: "1.0", createdAlarm: historyView(record) },
      now,
    );
    return {};
  }

  describeAlarms(input: DescribeAlarmsInput): DescribeAlarmsOutput {
    if (input.AlarmNames?.length && input.AlarmNamePrefix !== undefined) {
      throw invalidCombination(
        "AlarmNames and AlarmNamePrefix cannot be specified together: use one of them.",
      );
    }
    const types = input.AlarmTypes?.length ? input.AlarmTypes : ["MetricAlarm"];
    const composite = input.ChildrenOfAlarmName !== undefined || input.ParentsOfAlarmName !== undefined;
    const names = input.AlarmNames?.length ? new Set(input.AlarmNames) : undefined;
    const prefix = input.ActionPrefix;
    const matches =
      types.includes("MetricAlarm") && !composite
        ? [...this.alarms.values()]
            .filter(
              (record) =>
                (names === undefined || names.has(record.AlarmName)) &&
                (input.AlarmNamePrefix === undefined || record.AlarmName.startsWith(input.AlarmNamePrefix)) &&
                (input.StateValue === undefined || record.StateValue === input.StateValue) &&
                (prefix === undefined ||
                  [...record.AlarmActions, ...record.OKActions, ...record.InsufficientDataActions].some(
                    (action) => action.startsWith(prefix),
                  )),
            )
            .sort((a, b) => (a.AlarmName < b.AlarmName ? -1 : 1))
        : [];
    const { page, NextToken } = pageOf(
      matches,
      input.NextToken,
      input.MaxRecords ?? DEFAULT_RECORDS,
      invalidNextToken,
    );
    return {
      MetricAlarms: page.map(describe),
      ...(types.includes("CompositeAlarm") ? { CompositeAlarms: [] } : {}),
      ...(NextToken ? { NextToken } : {}),
    };
  }

  describeAlarmsForMetric(input: DescribeAlarmsForMetricInput): DescribeAlarmsForMetricOutput {
    const wanted = dimensionKey(input.Dimensions ?? []);
    return {
      MetricAlarms: [...this.alarms.values()]
        .filter(
          (record) =>
            record.Namespace === input.Namespace &&
            record.MetricName === input.MetricName &&
            (input.Statistic === undefined || record.Statistic === input.Statistic) &&
            (input.ExtendedStatistic === undefined || record.ExtendedStatistic === input.ExtendedStatistic) &&
            (input.Period === undefined || record.Period === input.Period) &&
            (input.Unit === undefined || record.Unit === input.Unit) &&
            (input.Dimensions === undefined || dimensionKey(record.Dimensions ?? []) === wanted),
        )
        .sort((a, b) => (a.AlarmName < b.AlarmName ? -1 : 1))
        .map(describe),
    };
  }

  describeAlarmHistory(input: DescribeAlarmHistoryInput): DescribeAlarmHistoryOutput {
    return this.history.describe(input);
  }

  setAlarmState(input: SetAlarmStateInput): Record<string, never> {
    const name = input.AlarmName as string;
    const record = this.alarms.get(name);
    if (!record) throw resourceNotFound(`Alarm ${name} not found`);
    if (input.StateReasonData !== undefined) {
      try {
        JSON.parse(input.StateReasonData);
      } catch (error) {
        throw invalidFormat(
          `StateReasonData is not valid JSON (${(error as Error).message}); pass a JSON document.`,
        );
      }
    }
    this.change(
      record,
      {
        state: input.StateValue as StateValue,
        reason: input.StateReason as string,
        ...(input.StateReasonData !== undefined ? { reasonData: input.StateReasonData } : {}),
      },
      "SetAlarmState",
    );
    return {};
  }

  deleteAlarms(input: DeleteAlarmsInput): Record<string, never> {
    const names = input.AlarmNames ?? [];
    const missing = names.filter((name) => !this.alarms.has(name));
    if (missing.length > 0) {
      throw resourceNotFound(
        `${missing.length} out of ${names.length} alarm(s) were not found: ${missing.join(", ")}. Nothing was deleted.`,
      );
    }
    for (const name of names) {
      const record = this.alarms.get(name) as AlarmRecord;
      this.alarms.delete(name);
      this.judgedUntil.delete(name);
      this.store.delete(name);
      this.history.add(name, "ConfigurationUpdate", `Alarm "${name}" deleted`, {
        type: "Delete",
        version: "1.0",
        deletedAlarm: historyView(record),
      });
    }
    return {};
  }

  enableAlarmActions(input: EnableAlarmActionsInput): Record<string, never> {
    return this.setActions(input.AlarmNames ?? [], true);
  }

  disableAlarmActions(input: DisableAlarmActionsInput): Record<string, never> {
    return this.setActions(input.AlarmNames ?? [], false);
  }

  // ---- evaluation ------------------------------------------------------------------------------------

  /** Judges every alarm whose period ended since it was last judged. */
  private tick(): void {
    const now = Date.now();
    for (const record of [...this.alarms.values()]) {
      try {
        const period = this.scaled(alarmPeriod(record));
        const end = Math.floor((now / 1000 - SETTLE_SECONDS) / period) * period;
        if (this.judgedUntil.get(record.AlarmName) === end) continue;
        this.judgedUntil.set(record.AlarmName, end);
        const verdict = this.judge(record, period, end, now);
        if (verdict) this.change(record, verdict, "evaluation");
      } catch (error) {
        reportUnexpected(error);
      }
    }
  }

  /**
   * The windows an alarm is judged on now: its last EvaluationPeriods complete (scaled) periods, oldest first,
   * the same the last evaluation saw. Autoscaling reads its metric value here each time CloudWatch would invoke
   * its actions again while the alarm stays in ALARM.
   */
  latestWindows(name: string, now = Date.now()): { period: number; windows: Window[] } | undefined {
    const record = this.alarms.get(name);
    if (!record) return undefined;
    const period = this.scaled(alarmPeriod(record));
    const end = Math.floor((now / 1000 - SETTLE_SECONDS) / period) * period;
    return { period, windows: this.windowsOf(record, period, end) };
  }

  private judge(record: AlarmRecord, period: number, end: number, now: number): Verdict | undefined {
    const n = record.EvaluationPeriods;
    const percentile =
      record.ExtendedStatistic === undefined ? undefined : percentileOf(record.ExtendedStatistic);
    const rule: AlarmRule = {
      comparison: record.ComparisonOperator as AlarmRule["comparison"],
      threshold: record.Threshold as number,
      evaluationPeriods: n,
      datapointsToAlarm: record.DatapointsToAlarm ?? n,
      treatMissingData: (record.TreatMissingData ?? "missing") as AlarmRule["treatMissingData"],
      statistic: record.Statistic ?? record.ExtendedStatistic ?? "expression",
      period: alarmPeriod(record),
      ...(record.EvaluateLowSampleCountPercentile === "ignore" && percentile !== undefined && percentile < 100
        ? { minSamples: 10 / (1 - percentile / 100) }
        : {}),
    };
    return judge(rule, this.windowsOf(record, period, end), record.StateValue, now);
  }

  /** The alarm's metric (or expression), window by window, over its last EvaluationPeriods periods before `end`. */
  private windowsOf(record: AlarmRecord, period: number, end: number): Window[] {
    const start = end - record.EvaluationPeriods * period;
    if (record.Metrics) return this.mathWindows(record.Metrics, period, start, end);
    return this.metrics.windowsOf(
      {
        namespace: record.Namespace as string,
        metricName: record.MetricName as string,
        dimensions: record.Dimensions ?? [],
        unit: record.Unit,
      },
      record.Statistic ?? record.ExtendedStatistic ?? "expression",
      period,
      start,
      end,
    );
  }

  /** A metric-math alarm's windows: the expression that returns data, period by period. */
  private mathWindows(queries: MetricDataQuery[], period: number, start: number, end: number): Window[] {
    const values = new Map<string, MathValue>();
    const series = (query: MetricDataQuery): TimeSeries => {
      const stat = query.MetricStat as NonNullable<MetricDataQuery["MetricStat"]>;
      const points = new Map<number, number>();
      const metric = stat.Metric ?? {};
      for (const window of this.metrics.windowsOf(
        {
          namespace: metric.Namespace ?? "",
          metricName: metric.MetricName ?? "",
          dimensions: metric.Dimensions ?? [],
          unit: stat.Unit,
        },
        stat.Stat as string,
        period,
        start,
        end,
      )) {
        if (window.value !== undefined) points.set(window.start, window.value);
      }
      return { label: query.Label ?? metric.MetricName ?? (query.Id as string), points };
    };
    const context = {
      resolve: (id: string): MathValue | undefined => {
        const known = values.get(id);
        if (known) return known;
        const query = queries.find((q) => q.Id === id);
        if (!query) return undefined;
        const value: MathValue = query.MetricStat
          ? { kind: "series", series: series(query) }
          : evaluate(parseExpression(query.Expression as string, id), id, context);
        values.set(id, value);
        return value;
      },
      metrics: () =>
        queries
          .filter((query) => query.MetricStat)
          .map(
            (query) => (context.resolve(query.Id as string) as Extract<MathValue, { kind: "series" }>).series,
          ),
      grid: () => Array.from({ length: (end - start) / period }, (_, k) => start + k * period),
    };
    const returned = queries.find((query) => query.ReturnData !== false) as MetricDataQuery;
    const result = context.resolve(returned.Id as string) as MathValue;
    return context.grid().map((at) => {
      const value =
        result.kind === "scalar"
          ? result.value
          : result.kind === "series"
            ? result.series.points.get(at)
            : undefined;
      return { start: at, value, sampleCount: value === undefined ? 0 : 1 };
    });
  }

  private scaled(period: number): number {
    return Math.max(1, Math.round(period * this.timeScale));
  }

  // ---- state changes ----------------------------------------------------------------------------------

  private change(
    record: AlarmRecord,
    verdict: { state: StateValue; reason: string; reasonData?: string },
    cause: AlarmStateChange["cause"],
  ): void {
    const old = { stateValue: record.StateValue, stateReason: record.StateReason };
    if (verdict.state === record.StateValue) {
      if (cause === "SetAlarmState") {
        record.StateReason = verdict.reason;
        if (verdict.reasonData !== undefined) record.StateReasonData = verdict.reasonData;
        record.StateUpdatedTimestamp = Date.now();
        this.save(record);
      }
      return;
    }
    if (verdict.reasonData !== undefined) record.StateReasonData = verdict.reasonData;
    else delete record.StateReasonData;
    ALARM_STATES.transition(record, verdict.state, { reason: verdict.reason }, (changed) =>
      this.save(changed),
    );
    const at = record.StateUpdatedTimestamp;
    this.history.add(
      record.AlarmName,
      "StateUpdate",
      `Alarm updated from ${old.stateValue} to ${verdict.state}`,
      {
        version: "1.0",
        oldState: old,
        newState: {
          stateValue: verdict.state,
          stateReason: verdict.reason,
          ...(verdict.reasonData !== undefined ? { stateReasonData: parseJson(verdict.reasonData) } : {}),
        },
      },
      at,
    );
    const actions = !record.ActionsEnabled
      ? []
      : verdict.state === "ALARM"
        ? record.AlarmActions
        : verdict.state === "OK"
          ? record.OKActions
          : record.InsufficientDataActions;
    const change: AlarmStateChange = {
      alarmName: record.AlarmName,
      alarmArn: record.AlarmArn,
      oldState: old.stateValue,
      newState: verdict.state,
      reason: verdict.reason,
      ...(verdict.reasonData !== undefined ? { reasonData: verdict.reasonData } : {}),
      timestamp: new Date(at),
      actions: [...actions],
      cause,
    };
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (error) {
        reportUnexpected(error);
      }
    }
  }

  private setActions(names: string[], enabled: boolean): Record<string, never> {
    for (const name of names) {
      const record = this.alarms.get(name);
      if (!record || record.ActionsEnabled === enabled) continue; // AWS ignores names it does not know
      record.ActionsEnabled = enabled;
      this.save(record);
    }
    return {};
  }

  private save(record: AlarmRecord): void {
    this.alarms.set(record.AlarmName, record);
    this.store.put(record.AlarmName, record);
  }
}

function alarmPeriod(record: AlarmRecord): number {
  if (record.Period !== undefined) return record.Period;
  const returned = record.Metrics?.find((query) => query.MetricStat)?.MetricStat?.Period;
  return returned ?? 60;
}

/** The MetricAlarm DescribeAlarms answers. */
function describe(record: AlarmRecord): MetricAlarm {
  const { LastModifiedTime: _modified, Tags: _tags, ...rest } = record;
  return {
    ...rest,
    OKActions: [...record.OKActions],
    AlarmActions: [...record.AlarmActions],
    InsufficientDataActions: [...record.InsufficientDataActions],
    AlarmConfigurationUpdatedTimestamp: new Date(record.AlarmConfigurationUpdatedTimestamp),
    StateUpdatedTimestamp: new Date(record.StateUpdatedTimestamp),
    StateTransitionedTimestamp: new Date(record.StateTransitionedTimestamp),
  };
}

/** An alarm as ConfigurationUpdate HistoryData shows it (camelCase members, as CloudWatch writes them). */
function historyView(record: AlarmRecord): Record<string, unknown> {
  const { LastModifiedTime: _modified, Tags: _tags, StateReasonData: _data, ...rest } = record;
  return Object.fromEntries(
    Object.entries({
      ...rest,
      AlarmConfigurationUpdatedTimestamp: new Date(record.AlarmConfigurationUpdatedTimestamp).toISOString(),
      StateUpdatedTimestamp: new Date(record.StateUpdatedTimestamp).toISOString(),
      StateTransitionedTimestamp: new Date(record.StateTransitionedTimestamp).toISOString(),
    }).map(([key, value]) => [key.charAt(0).toLowerCase() + key.slice(1), value]),
  );
}

function dimensionKey(dimensions: readonly Dimension[]): string {
  return dimensions
    .map((d) => `${d.Name}\u0001${d.Value}`)
    .sort()
    .join("\u0000");
}

function defined<T extends Record<string, unknown>>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<T>;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
