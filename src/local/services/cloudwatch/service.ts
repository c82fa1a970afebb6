import { join } from "node:path";
import type {
  DeleteAlarmsInput,
  DescribeAlarmHistoryInput,
  DescribeAlarmHistoryOutput,
  DescribeAlarmsForMetricInput,
  DescribeAlarmsForMetricOutput,
  DescribeAlarmsInput,
  DescribeAlarmsOutput,
  DisableAlarmActionsInput,
  EnableAlarmActionsInput,
  GetMetricDataInput,
  GetMetricDataOutput,
  GetMetricStatisticsInput,
  GetMetricStatisticsOutput,
  ListMetricsInput,
  ListMetricsOutput,
  MetricAlarm,
  MetricDatum,
  PutMetricAlarmInput,
  PutMetricDataInput,
  SetAlarmStateInput,
} from "@aws-sdk/client-cloudwatch";
import type { Identity } from "../../core/arns";
import { type AlarmStateChange, type AlarmStateListener, Alarms } from "./alarms";
import { MetricStore } from "./metric-store";
import { Metrics } from "./metrics";

/**
 * Local CloudWatch (metrics and alarms), served over all three of its protocols by the same binding, and the
 * typed API this server's other services use in-process:
 *
 *   cloudwatch.publish("AWS/SageMaker", [{ MetricName: "ModelLatency", Dimensions, Value: 1234,
 *     Unit: "Microseconds", StorageResolution: 1 }]);      // no JSON, no wire; AWS/ namespaces allowed
 *   const off = cloudwatch.onAlarmStateChange(({ alarmName, oldState, newState, reason, actions }) => ...);
 *   cloudwatch.getAlarm("guardrail-5xx")?.StateValue;      // "OK" | "ALARM" | "INSUFFICIENT_DATA"
 *   cloudwatch.alarmWindows("guardrail-5xx")?.windows;     // the datapoints it is judged on now
 *
 * `publish` takes the SDK's MetricDatum (Value, Values/Counts or StatisticValues; Timestamp defaults to now) and
 * checks the same rules as PutMetricData; a sample is visible to reads at once and durable within about a second.
 * Standard-resolution samples (StorageResolution 60, the default) are kept per minute, as on AWS, so alarms and
 * queries with periods under a minute need StorageResolution 1. Listeners hear every state change (from an
 * evaluation or SetAlarmState) after it is stored; `actions` are the ARNs AWS would invoke for the new state.
 * State lives under `<stateDir>/cloudwatch/` (metrics kept `retentionMs`, alarms and two weeks of history).
 */

export interface CloudWatchOptions {
  /** The service's own folder. */
  root: string;
  identity: Identity;
  /** How long metric samples are kept. */
  retentionMs: number;
  /** Alarm periods are judged on windows this many times as long (settings: LOCAL_SAGEMAKER_ALARM_TIME_SCALE). */
  alarmTimeScale: number;
}

export type { AlarmStateChange, AlarmStateListener };

export class CloudWatchService {
  private readonly store: MetricStore;
  private readonly metrics: Metrics;
  private readonly alarms: Alarms;

  constructor(options: CloudWatchOptions) {
    this.store = new MetricStore(join(options.root, "metrics"), options.retentionMs);
    this.metrics = new Metrics(this.store);
    this.alarms = new Alarms(options.root, this.metrics, options.identity, options.alarmTimeScale);
  }

  /** Starts the durable flush and alarm evaluation (both on unref'd timers). */
  start(): void {
    this.store.start();
    this.alarms.start();
  }

  /** Stops the timers and writes what is pending. */
  stop(): void {
    this.alarms.stop();
    this.store.stop();
  }

  // ---- for this server's services ----------------------------------------------------------------------

  publish(namespace: string, data: readonly MetricDatum[]): void {
    this.metrics.publish(namespace, data);
  }

  onAlarmStateChange(listener: AlarmStateListener): () => void {
    return this.alarms.onAlarmStateChange(listener);
  }

  getAlarm(name: string): MetricAlarm | undefined {
    return this.alarms.getAlarm(name);
  }

  /**
   * What an alarm is judged on now: its last EvaluationPeriods windows, oldest first (`value` undefined where a
   * window had no samples), each `periodSeconds` long (the alarm's period under the alarm time scale).
   */
  alarmWindows(
    name: string,
  ): { periodSeconds: number; windows: { start: Date; value?: number; sampleCount: number }[] } | undefined {
    const latest = this.alarms.latestWindows(name);
    if (!latest) return undefined;
    return {
      periodSeconds: latest.period,
      windows: latest.windows.map((window) => ({
        start: new Date(window.start * 1000),
        ...(window.value !== undefined ? { value: window.value } : {}),
        sampleCount: window.sampleCount,
      })),
    };
  }

  // ---- the CloudWatch API ----------------------------------------------------------------------------------

  putMetricData(input: PutMetricDataInput): Record<string, never> {
    return this.metrics.putMetricData(input);
  }

  getMetricStatistics(input: GetMetricStatisticsInput): GetMetricStatisticsOutput {
    return this.metrics.getMetricStatistics(input);
  }

  getMetricData(input: GetMetricDataInput): GetMetricDataOutput {
    return this.metrics.getMetricData(input);
  }

  listMetrics(input: ListMetricsInput): ListMetricsOutput {
    return this.metrics.listMetrics(input);
  }

  putMetricAlarm(input: PutMetricAlarmInput): Record<string, never> {
    return this.alarms.putMetricAlarm(input);
  }

  describeAlarms(input: DescribeAlarmsInput): DescribeAlarmsOutput {
    return this.alarms.describeAlarms(input);
  }

  describeAlarmsForMetric(input: DescribeAlarmsForMetricInput): DescribeAlarmsForMetricOutput {
    return this.alarms.describeAlarmsForMetric(input);
  }

  describeAlarmHistory(input: DescribeAlarmHistoryInput): DescribeAlarmHistoryOutput {
    return this.alarms.describeAlarmHistory(input);
  }

  setAlarmState(input: SetAlarmStateInput): Record<string, never> {
    return this.alarms.setAlarmState(input);
  }

  deleteAlarms(input: DeleteAlarmsInput): Record<string, never> {
    return this.alarms.deleteAlarms(input);
  }

  enableAlarmActions(input: EnableAlarmActionsInput): Record<string, never> {
    return this.alarms.enableAlarmActions(input);
  }

  disableAlarmActions(input: DisableAlarmActionsInput): Record<string, never> {
    return this.alarms.disableAlarmActions(input);
  }
}
