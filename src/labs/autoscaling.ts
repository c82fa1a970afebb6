import { performance } from "node:perf_hooks";
import { GetMetricDataCommand, type MetricAlarm, type PutMetricAlarmInput } from "@aws-sdk/client-cloudwatch";
import { LAB_ALARM_TIME_SCALE } from "../common/local-sagemaker";
import { labParam } from "../notebook/params";
import { progressBar } from "../notebook/progress";
import { alarmTimeScale, type InstanceSample, sampleInstances } from "../sagemaker/autoscaling";
import { costNotice } from "../sagemaker/cost";
import { EndpointInvocationError, type Predictor } from "../sagemaker/predictor";
import type { WorkshopSession } from "../sagemaker/session";
import { servingInstanceType } from "./sentiment";

/**
 * Lab 4.8 (autoscaling): its plan, with AWS's pace in AWS mode and the local server's alarm time scale locally,
 * decided here in one place, and the helpers that keep its cells short (a paced, bounded load; waits for an instance
 * count; the chart). Nothing is staged: every count the lab shows is one DescribeEndpoint answered, every activity
 * is one Application Auto Scaling ran because an alarm really went to ALARM on SageMaker's published metrics.
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Target tracking's alarms on AWS: the high one needs 3 datapoints over the target, the low one 15 under 90% of it. */
const HIGH_DATAPOINTS = 3;
const LOW_DATAPOINTS = 15;
/** What the workshop's policies ask for (the Python SDK notebooks' values; AWS's default scale-in cooldown). */
const SCALE_OUT_COOLDOWN_S = 60;
const SCALE_IN_COOLDOWN_S = 300;

export interface LoadPlan {
  /** Concurrent callers (knob SCALING_CALLERS). */
  callers: number;
  /** Requests per second over all callers (knob SCALING_RATE). */
  ratePerSecond: number;
  /** The load stops after this many requests at the latest (knob SCALING_MAX_REQUESTS)... */
  maxRequests: number;
  /** ...or after this long. */
  maxSeconds: number;
  /** Once the variant runs MaxCapacity instances, the load goes on this long (the chart shows the rate per instance fall). */
  holdSeconds: number;
}

export interface AsyncScalingPlan {
  /** Requests queued while the endpoint runs no instance (knob SCALING_ASYNC_REQUESTS). */
  requests: number;
  maxCapacity: number;
  /** ApproximateBacklogSizePerInstance target (the Python workshop's 5.0). */
  targetBacklog: number;
  /** MaxConcurrentInvocationsPerInstance. */
  perInstance: number;
  /** The longest waits: for the endpoint to wake and drain, and (after) to be back at zero. */
  wakeWaitSeconds: number;
  zeroWaitSeconds: number;
}

export interface AutoscalingPlan {
  instanceType: string;
  minCapacity: number;
  maxCapacity: number;
  /** Local SageMaker's LOCAL_SAGEMAKER_ALARM_TIME_SCALE (1 on AWS). */
  timeScale: number;
  /** The seconds one 60 s alarm period is judged on (60 on AWS): InvocationsPerInstance is a Sum over this. */
  windowSeconds: number;
  /** InvocationsPerInstance per instance per alarm period: the load asks for 3 instances in one step. */
  targetValue: number;
  scaleOutCooldownSeconds: number;
  scaleInCooldownSeconds: number;
  load: LoadPlan;
  /** The longest waits for MaxCapacity after the load starts, and for MinCapacity after it stops. */
  scaleOutWaitSeconds: number;
  scaleInWaitSeconds: number;
  /** How often the lab looks at the endpoint (DescribeEndpoint) for the timeline. */
  pollMs: number;
  async: AsyncScalingPlan;
}

/**
 * The plan. Target tracking asks for ceil(instances × metric / target); with the load's rate R, a window of W seconds
 * and target R × W / 2.8, one instance sees R × W (2.8 × the target) and the rule asks for 3 in one step, while 3
 * instances see R × W / 3, under the target (no further scale-out). Locally W is the server's scaled minute; the waits
 * allow the alarms' datapoints (3 over, 15 under), the cooldowns, and container start-up.
 */
export async function autoscalingPlan(
  session: WorkshopSession,
  options: { quick: boolean; env?: NodeJS.ProcessEnv; timeScale?: number },
): Promise<AutoscalingPlan> {
  const env = options.env ?? process.env;
  const local = session.mode === "local";
  const timeScale = options.timeScale ?? (await alarmTimeScale(session));
  const window = Math.max(1, Math.round(60 * timeScale));
  const ratePerSecond = labParam("SCALING_RATE", local ? (options.quick ? 30 : 40) : 8, env);
  const scaled = (seconds: number) => seconds * timeScale;
  const scaleOutWait = local
    ? Math.ceil((HIGH_DATAPOINTS + 3) * window + scaled(SCALE_OUT_COOLDOWN_S) + 20)
    : 30 * 60; // AWS: 3 min of alarm, then instances that take minutes to start
  const scaleInWait = local
    ? Math.ceil((LOW_DATAPOINTS + 3) * window + scaled(SCALE_IN_COOLDOWN_S) + 20)
    : 30 * 60;
  return {
    instanceType: servingInstanceType(session),
    minCapacity: 1,
    maxCapacity: 3,
    timeScale,
    windowSeconds: window,
    targetValue: Math.max(1, Math.round((ratePerSecond * window) / 2.8)),
    scaleOutCooldownSeconds: SCALE_OUT_COOLDOWN_S,
    scaleInCooldownSeconds: SCALE_IN_COOLDOWN_S,
    load: {
      callers: labParam("SCALING_CALLERS", local ? 4 : 4, env),
      ratePerSecond,
      maxRequests: labParam(
        "SCALING_MAX_REQUESTS",
        Math.ceil(ratePerSecond * (scaleOutWait + (local ? (options.quick ? 3 : 8) * window : 300))),
        env,
      ),
      maxSeconds: scaleOutWait + (local ? 10 * window : 600),
      holdSeconds: local ? (options.quick ? 3 : 8) * window : 300,
    },
    scaleOutWaitSeconds: scaleOutWait,
    scaleInWaitSeconds: scaleInWait,
    pollMs: local ? 250 : 15_000,
    async: {
      requests: labParam("SCALING_ASYNC_REQUESTS", local ? (options.quick ? 30 : 120) : 100, env),
      maxCapacity: 2,
      targetBacklog: 5,
      perInstance: 2,
      wakeWaitSeconds: local
        ? Math.ceil((HIGH_DATAPOINTS + 3) * window + scaled(SCALE_OUT_COOLDOWN_S) + 60)
        : 30 * 60,
      zeroWaitSeconds: scaleInWait,
    },
  };
}

/** What the lab tells a user whose local server runs alarms at AWS's pace (a minute per alarm period). */
export function timeScaleNotice(plan: AutoscalingPlan, session: WorkshopSession): string | undefined {
  if (session.mode !== "local" || plan.timeScale < 0.5) return undefined;
  return (
    `로컬 SageMaker가 알람을 AWS와 같은 속도(LOCAL_SAGEMAKER_ALARM_TIME_SCALE=${plan.timeScale})로 평가합니다. ` +
    `이 실습은 ${Math.round((plan.scaleOutWaitSeconds + plan.scaleInWaitSeconds * 2) / 60)}분까지 걸릴 수 있습니다. ` +
    `서버를 멈추고 LOCAL_SAGEMAKER_ALARM_TIME_SCALE=${LAB_ALARM_TIME_SCALE.toFixed(4)} npm run local 로 다시 시작하면 1분 안팎입니다. ` +
    "(The local server judges alarms at AWS's pace; restart it with a smaller LOCAL_SAGEMAKER_ALARM_TIME_SCALE for a short lab.)"
  );
}

/** The endpoints' cost on AWS: up to MaxCapacity instances of the real-time one, up to the async one's maximum. */
export function autoscalingCostNotice(session: WorkshopSession, plan: AutoscalingPlan): string {
  return costNotice(session.config, [
    {
      what: `real-time endpoint scaling ${plan.minCapacity}–${plan.maxCapacity} instances`,
      instanceType: plan.instanceType,
      instanceCount: plan.maxCapacity,
    },
    {
      what: `asynchronous endpoint scaling 0–${plan.async.maxCapacity} instances`,
      instanceType: plan.instanceType,
      instanceCount: plan.async.maxCapacity,
    },
  ]);
}

/** The rows of the plan table: what each value is, in words a learner reads. */
export function planRows(plan: AutoscalingPlan): { 항목: string; 값: string }[] {
  return [
    ["인스턴스 타입", plan.instanceType],
    ["MinCapacity / MaxCapacity", `${plan.minCapacity} / ${plan.maxCapacity}`],
    ["알람 시간 배율 (time scale)", String(Number(plan.timeScale.toFixed(4)))],
    ["알람 한 주기(60 s)를 판단하는 구간", `${plan.windowSeconds} s`],
    ["TargetValue (InvocationsPerInstance, 인스턴스당 한 주기 합)", String(plan.targetValue)],
    [
      "ScaleOutCooldown / ScaleInCooldown",
      `${plan.scaleOutCooldownSeconds} s / ${plan.scaleInCooldownSeconds} s`,
    ],
    ["부하: 호출자 × 초당 요청", `${plan.load.callers} × ${plan.load.ratePerSecond}/s`],
    ["부하 상한", `${plan.load.maxRequests}개 또는 ${plan.load.maxSeconds} s`],
    [
      "비동기: 큐에 넣을 요청, MaxCapacity, 목표 backlog",
      `${plan.async.requests}, ${plan.async.maxCapacity}, ${plan.async.targetBacklog}`,
    ],
  ].map(([항목, 값]) => ({ 항목: 항목 as string, 값: 값 as string }));
}

export interface LoadRecord {
  /** When the answer came back. */
  at: Date;
  ok: boolean;
  latencyMs: number;
  /** The runtime's error code when not ok (after the SDK's retries). */
  error?: string;
}

export interface LoadOutcome {
  records: LoadRecord[];
  startedAt: Date;
  stoppedAt: Date;
  /** Why the load stopped: held at MaxCapacity, the request bound, or the time bound. */
  stoppedBecause: "held at max" | "max requests" | "max seconds";
  /** The instance samples seen while the load ran. */
  samples: InstanceSample[];
}

/**
 * A paced, bounded load: `callers` concurrent callers share a schedule of `ratePerSecond` requests a second, with a
 * progress bar. It stops at the first of: `maxRequests` sent, `maxSeconds` gone, or the variant having run
 * `maxCapacity` instances InService for `holdSeconds` (read from DescribeEndpoint every `pollMs`).
 */
export async function runScalingLoad(
  session: WorkshopSession,
  predictor: Predictor,
  options: LoadPlan & { maxCapacity: number; pollMs: number; payloads: readonly unknown[] },
): Promise<LoadOutcome> {
  const records: LoadRecord[] = [];
  const samples: InstanceSample[] = [];
  const started = performance.now();
  const startedAt = new Date();
  let sent = 0;
  let stoppedBecause: LoadOutcome["stoppedBecause"] | undefined;
  let atMaxSince: number | undefined;
  const bar = progressBar("InvokeEndpoint", options.maxRequests);
  const elapsed = () => (performance.now() - started) / 1000;

  const watcher = (async () => {
    while (!stoppedBecause) {
      const sample = await sampleInstances(session, predictor.endpointName);
      samples.push(sample);
      const atMax = sample.status === "InService" && sample.current >= options.maxCapacity;
      atMaxSince = atMax ? (atMaxSince ?? elapsed()) : undefined;
      if (atMaxSince !== undefined && elapsed() - atMaxSince >= options.holdSeconds)
        stoppedBecause ??= "held at max";
      if (elapsed() >= options.maxSeconds) stoppedBecause ??= "max seconds";
      if (!stoppedBecause) await sleep(options.pollMs);
    }
  })();
  const callers = Array.from({ length: options.callers }, async () => {
    while (!stoppedBecause) {
      if (sent >= options.maxRequests) {
        stoppedBecause = "max requests";
        break;
      }
      const index = sent++;
      const wait = started + (index * 1000) / options.ratePerSecond - performance.now();
      if (wait > 0) await sleep(wait);
      if (stoppedBecause) break;
      const begun = performance.now();
      try {
        await predictor.predict(options.payloads[index % options.payloads.length]);
        records.push({ at: new Date(), ok: true, latencyMs: performance.now() - begun });
      } catch (error) {
        if (!(error instanceof EndpointInvocationError)) throw error;
        records.push({ at: new Date(), ok: false, latencyMs: performance.now() - begun, error: error.code });
      }
      bar.tick();
    }
  });
  try {
    await Promise.all([watcher, ...callers]);
  } finally {
    stoppedBecause ??= "max seconds";
  }
  const ok = records.filter((record) => record.ok).length;
  bar.done(`(${ok}/${records.length} ok; stopped: ${stoppedBecause})`);
  return { records, startedAt, stoppedAt: new Date(), stoppedBecause, samples };
}

/**
 * Polls DescribeEndpoint until the variant runs `count` instances InService (current and desired), recording every
 * sample; throws after `timeoutSeconds` with the last state seen.
 */
export async function waitForInstanceCount(
  session: WorkshopSession,
  endpointName: string,
  count: number,
  options: { timeoutSeconds: number; pollMs: number; samples?: InstanceSample[]; label?: string },
): Promise<InstanceSample> {
  const started = Date.now();
  const samples = options.samples ?? [];
  for (;;) {
    const sample = await sampleInstances(session, endpointName);
    samples.push(sample);
    if (sample.status === "InService" && sample.current === count && sample.desired === count) {
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      console.log(`${options.label ?? endpointName}: ${count}대 InService (${seconds} s 기다림)`);
      return sample;
    }
    if (Date.now() - started > options.timeoutSeconds * 1000) {
      throw new Error(
        `${endpointName} did not reach ${count} instance(s) within ${options.timeoutSeconds} s: ` +
          `last seen ${sample.status}, desired ${sample.desired}, current ${sample.current}.`,
      );
    }
    await sleep(options.pollMs);
  }
}

/**
 * The alarm AWS's documentation pairs with backlog target tracking to wake an endpoint from zero: HasBacklogWithoutCapacity
 * (1 while requests wait and no instance runs) at least 1 for one period, acting on a step-scaling policy. Named after
 * the endpoint, so the lab's sweep finds it (deregistering a target deletes only the alarms AWS made itself).
 */
export function backlogWithoutCapacityAlarm(endpointName: string, policyArn: string): PutMetricAlarmInput {
  return {
    AlarmName: `${endpointName}-has-backlog-without-capacity`,
    AlarmDescription: "Wakes the asynchronous endpoint from 0 instances when requests wait (lab 4.8).",
    Namespace: "AWS/SageMaker",
    MetricName: "HasBacklogWithoutCapacity",
    Dimensions: [{ Name: "EndpointName", Value: endpointName }],
    Statistic: "Maximum",
    Period: 60,
    EvaluationPeriods: 1,
    Threshold: 1,
    ComparisonOperator: "GreaterThanOrEqualToThreshold",
    TreatMissingData: "missing",
    AlarmActions: [policyArn],
  };
}

/** Alarm rows for a table: name (shortened), metric, condition, state. */
export function alarmRows(alarms: readonly MetricAlarm[]): Record<string, string>[] {
  return alarms.map((alarm) => ({
    알람: (alarm.AlarmName ?? "").replace(/-[0-9a-f]{8}-[0-9a-f-]{27}$/, "-…"),
    지표: `${alarm.MetricName} (${alarm.Statistic}, ${alarm.Period} s)`,
    조건: `${comparison(alarm.ComparisonOperator)} ${alarm.Threshold} × ${alarm.EvaluationPeriods}`,
    상태: alarm.StateValue ?? "",
  }));
}

function comparison(operator: string | undefined): string {
  switch (operator) {
    case "GreaterThanThreshold":
      return ">";
    case "GreaterThanOrEqualToThreshold":
      return "≥";
    case "LessThanThreshold":
      return "<";
    case "LessThanOrEqualToThreshold":
      return "≤";
    default:
      return operator ?? "";
  }
}

export interface TimelineTrace {
  type: string;
  mode: string;
  name: string;
  x: Date[];
  y: number[];
  yaxis?: string;
  line?: object;
}

/**
 * The chart of a scaling run: Desired/CurrentInstanceCount (as sampled, stepped) on top, and a metric (the
 * variant's InvocationsPerInstance or the endpoint's backlog) with its target below, on one time axis.
 */
export function scalingFigure(options: {
  title: string;
  samples: readonly InstanceSample[];
  metric: { name: string; points: readonly { time: Date; value: number }[]; target?: number };
  marks?: readonly { at: Date; text: string }[];
}): { data: TimelineTrace[]; layout: object } {
  const samples = [...options.samples].sort((a, b) => a.time.getTime() - b.time.getTime());
  const times = samples.map((sample) => sample.time);
  const step = (name: string, y: number[], dash?: string): TimelineTrace => ({
    type: "scatter",
    mode: "lines",
    name,
    x: times,
    y,
    line: { shape: "hv", ...(dash ? { dash } : {}) },
  });
  const points = options.metric.points;
  const data: TimelineTrace[] = [
    step(
      "DesiredInstanceCount",
      samples.map((sample) => sample.desired),
      "dot",
    ),
    step(
      "CurrentInstanceCount",
      samples.map((sample) => sample.current),
    ),
    {
      type: "scatter",
      mode: "lines+markers",
      name: options.metric.name,
      x: points.map((point) => point.time),
      y: points.map((point) => point.value),
      yaxis: "y2",
    },
  ];
  const first = [times[0], points[0]?.time].filter((t): t is Date => t !== undefined);
  const last = [times.at(-1), points.at(-1)?.time].filter((t): t is Date => t !== undefined);
  if (options.metric.target !== undefined && first.length > 0 && last.length > 0) {
    const x0 = new Date(Math.min(...first.map((t) => t.getTime())));
    const x1 = new Date(Math.max(...last.map((t) => t.getTime())));
    data.push({
      type: "scatter",
      mode: "lines",
      name: `TargetValue ${options.metric.target}`,
      x: [x0, x1],
      y: [options.metric.target, options.metric.target],
      yaxis: "y2",
      line: { dash: "dash", color: "#d62728" },
    });
  }
  const marks = options.marks ?? [];
  return {
    data,
    layout: {
      title: { text: options.title },
      yaxis: { title: { text: "인스턴스 수" }, domain: [0.55, 1], rangemode: "tozero", dtick: 1 },
      yaxis2: { title: { text: options.metric.name }, domain: [0, 0.45], rangemode: "tozero" },
      legend: { orientation: "h" },
      shapes: marks.map((mark) => ({
        type: "line",
        xref: "x",
        yref: "paper",
        x0: mark.at.toISOString(),
        x1: mark.at.toISOString(),
        y0: 0,
        y1: 1,
        line: { dash: "dot", width: 1, color: "#555" },
      })),
      annotations: marks.map((mark) => ({
        x: mark.at.toISOString(),
        xref: "x",
        yref: "paper",
        y: 1.02,
        text: mark.text,
        showarrow: false,
      })),
    },
  };
}

/** How many requests the load sent, answered and failed, at what rate and latency (for a one-row table). */
export function loadSummary(outcome: LoadOutcome): Record<string, string | number> {
  const seconds = (outcome.stoppedAt.getTime() - outcome.startedAt.getTime()) / 1000;
  const ok = outcome.records.filter((record) => record.ok);
  const latencies = ok.map((record) => record.latencyMs).sort((a, b) => a - b);
  const p = (q: number) => (latencies.length ? latencies[Math.floor(q * (latencies.length - 1))] : undefined);
  return {
    요청: outcome.records.length,
    성공: ok.length,
    실패: outcome.records.length - ok.length,
    "시간 (s)": seconds.toFixed(1),
    "초당 요청": (outcome.records.length / Math.max(seconds, 0.001)).toFixed(1),
    "p50 (ms)": p(0.5)?.toFixed(1) ?? "",
    "p99 (ms)": p(0.99)?.toFixed(1) ?? "",
    "멈춘 이유": outcome.stoppedBecause,
  };
}

/**
 * An endpoint-level metric (dimension EndpointName only, as SageMaker publishes an asynchronous endpoint's
 * ApproximateBacklogSize, ApproximateBacklogSizePerInstance and HasBacklogWithoutCapacity), oldest first.
 */
export async function endpointLevelMetric(
  session: WorkshopSession,
  query: {
    endpointName: string;
    metricName: string;
    statistic: string;
    startTime: Date;
    periodSeconds: number;
  },
): Promise<{ time: Date; value: number }[]> {
  const points: { time: Date; value: number }[] = [];
  let NextToken: string | undefined;
  do {
    const answer = await session.cloudwatch.send(
      new GetMetricDataCommand({
        MetricDataQueries: [
          {
            Id: "m0",
            ReturnData: true,
            MetricStat: {
              Metric: {
                Namespace: "AWS/SageMaker",
                MetricName: query.metricName,
                Dimensions: [{ Name: "EndpointName", Value: query.endpointName }],
              },
              Period: query.periodSeconds,
              Stat: query.statistic,
            },
          },
        ],
        StartTime: query.startTime,
        EndTime: new Date(Date.now() + query.periodSeconds * 1000),
        ScanBy: "TimestampAscending",
        NextToken,
      }),
    );
    for (const result of answer.MetricDataResults ?? []) {
      (result.Timestamps ?? []).forEach((time, index) => {
        points.push({ time, value: result.Values?.[index] ?? 0 });
      });
    }
    NextToken = answer.NextToken;
  } while (NextToken);
  return points.sort((a, b) => a.time.getTime() - b.time.getTime());
}
