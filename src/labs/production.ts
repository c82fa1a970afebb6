import { join } from "node:path";
import { performance } from "node:perf_hooks";
import {
  DescribeAlarmHistoryCommand,
  DescribeAlarmsCommand,
  type PutMetricAlarmInput,
} from "@aws-sdk/client-cloudwatch";
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  type CreateEndpointConfigCommandInput,
  type DeploymentConfig,
  DescribeEndpointCommand,
  type DescribeEndpointCommandOutput,
  type ProductionVariantInstanceType,
  type Tag,
} from "@aws-sdk/client-sagemaker";
import { ensurePreparedData, workshopRoot } from "../data";
import { readLabelledTexts } from "../model/data-files";
import { labParam } from "../notebook/params";
import { progressBar } from "../notebook/progress";
import { assertCostConsent, type CostItem, costNotice } from "../sagemaker/cost";
import { endpointMetric, type MetricPoint } from "../sagemaker/endpoint-metrics";
import { HuggingFaceEstimator, type TrainingResult } from "../sagemaker/estimator";
import {
  buildEndpointConfigRequest,
  type DeployableModel,
  type EndpointStatusChange,
  repackModelWithCode,
  waitForEndpoint,
} from "../sagemaker/model";
import { assertSageMakerName, labResourcePrefix, uniqueName, workshopTags } from "../sagemaker/naming";
import { EndpointInvocationError, Predictor } from "../sagemaker/predictor";
import { s3Uri } from "../sagemaker/s3";
import type { WorkshopSession } from "../sagemaker/session";
import {
  findLatestTrainingJob,
  SENTIMENT_LABELS,
  type SentimentTrainingPlan,
  sentimentTrainingPlan,
  servingInstanceType,
  trainingCostItems,
  uploadPreparedData,
} from "./sentiment";

/**
 * Labs 5.1 (A/B testing with production variants) and 5.2 (blue/green deployment guardrails): their plans, with
 * AWS's waits in AWS mode and short ones locally decided here in one place, and the helpers that keep their cells
 * short. Everything the labs show really happens: the variants and fleets are real processes locally, the metrics are
 * what SageMaker published, and every status in a timeline is one the lab saw in DescribeEndpoint or DescribeAlarms.
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---- lab 5.1: A/B testing ---------------------------------------------------------------------------------------

/** The two production variants lab 5.1 compares, named as the Python workshop names them. */
export const AB_VARIANTS = ["Variant1", "Variant2"] as const;

export interface AbTestPlan {
  instanceType: string;
  /** Each variant is its own fleet of this many instances. */
  instancesPerVariant: number;
  /** Labelled reviews sent at 50:50, one request each (knob AB_REVIEWS). */
  reviews: number;
  /** Requests after each weight change (knob AB_PHASE_REQUESTS). */
  phaseRequests: number;
  /** Pause between requests: the Python workshop's invoke_endpoint_many waits 0.5 s. */
  pauseMs: number;
  /** CloudWatch period of the charts: 1 s locally (SageMaker publishes per second there), 60 s on AWS. */
  metricPeriodSeconds: number;
  /** The longest wait for CloudWatch to count what was sent (the workshop sleeps 20 s and hopes). */
  metricWaitSeconds: number;
}

export function abTestPlan(
  session: WorkshopSession,
  options: { quick: boolean; env?: NodeJS.ProcessEnv },
): AbTestPlan {
  const env = options.env ?? process.env;
  const local = session.mode === "local";
  return {
    instanceType: servingInstanceType(session),
    instancesPerVariant: 1,
    reviews: labParam("AB_REVIEWS", local ? (options.quick ? 200 : 1000) : 250, env),
    phaseRequests: labParam(
      "AB_PHASE_REQUESTS",
      local ? (options.quick ? 150 : 400) : options.quick ? 120 : 250,
      env,
    ),
    pauseMs: local ? 20 : 500,
    metricPeriodSeconds: local ? 1 : 60,
    metricWaitSeconds: local ? 15 : 360,
  };
}

/** The challenger's training jobs are named apart from lab 3.3's, so later labs never take it for the model. */
export const CHALLENGER_JOB_BASE = "nsmc-challenger";

/**
 * The second model of the A/B test, "trained with other settings": locally the workshop's classifier with a smaller
 * feature set (syllable 1–2-grams, no word n-grams, no naive-Bayes weighting, 2^18 buckets, one epoch); on AWS
 * KoELECTRA fine-tuned on less data (one epoch on a few thousand reviews).
 */
export function challengerTrainingPlan(
  session: WorkshopSession,
  options: { quick: boolean },
): SentimentTrainingPlan {
  const base = sentimentTrainingPlan(session, { quick: true });
  const hyperparameters =
    session.mode === "local"
      ? {
          ...base.hyperparameters,
          epochs: 1,
          char_ngram_max: 2,
          word_ngram_max: 1,
          nb_weighting: false,
          hash_bits: 18,
        }
      : {
          ...base.hyperparameters,
          epochs: 1,
          max_train_samples: options.quick ? 500 : 4000,
          max_eval_samples: 500,
        };
  return { ...base, hyperparameters, baseJobName: CHALLENGER_JOB_BASE };
}

/** The challenger's newest completed job, or a training job started now (its cost notice first). */
export async function challengerModelForAbTest(
  session: WorkshopSession,
  options: { quick: boolean; lab: string },
): Promise<TrainingResult> {
  const found = await findLatestTrainingJob(session, CHALLENGER_JOB_BASE);
  if (found) {
    console.log(`이전에 학습한 도전자 모델을 씁니다: ${found.jobName}`);
    return found;
  }
  const plan = challengerTrainingPlan(session, options);
  console.log(costNotice(session.config, trainingCostItems(plan)));
  const channels = await uploadPreparedData(session, { quick: options.quick });
  return new HuggingFaceEstimator(session, { ...plan, lab: options.lab }).fit(channels);
}

export function abTestCostNotice(session: WorkshopSession, plan: AbTestPlan): string {
  return costNotice(session.config, [
    {
      what: `A/B endpoint (${AB_VARIANTS.length} variants × ${plan.instancesPerVariant} instance)`,
      instanceType: plan.instanceType,
      instanceCount: AB_VARIANTS.length * plan.instancesPerVariant,
    },
  ]);
}

export interface VariantSpec {
  variantName: string;
  modelName: string;
  /** Relative weight (InitialVariantWeight): 1 and 1 are 50:50. */
  weight: number;
  instanceCount: number;
}

/** CreateEndpointConfig with one ProductionVariant per model, as the Python SDK's production_variant() builds them. */
export function buildVariantsConfigRequest(
  name: string,
  variants: readonly VariantSpec[],
  instanceType: string,
  tags: Tag[],
): CreateEndpointConfigCommandInput {
  if (variants.length < 1 || variants.length > 10) {
    throw new Error(`An endpoint configuration has 1 to 10 production variants; got ${variants.length}.`);
  }
  return {
    EndpointConfigName: assertSageMakerName(name, "endpoint config"),
    ProductionVariants: variants.map((variant) => ({
      VariantName: variant.variantName,
      ModelName: variant.modelName,
      InstanceType: instanceType as ProductionVariantInstanceType,
      InitialInstanceCount: variant.instanceCount,
      InitialVariantWeight: variant.weight,
    })),
    Tags: tags,
  };
}

export interface VariantsEndpoint {
  endpointName: string;
  configName: string;
  predictor: Predictor;
  variants: VariantSpec[];
}

/**
 * One endpoint serving several models as production variants (the Python SDK's endpoint_from_production_variants):
 * creates the models, one endpoint configuration naming them all, the endpoint, and waits for InService.
 */
export async function deployVariants(
  session: WorkshopSession,
  options: {
    lab: string;
    instanceType: string;
    variants: readonly {
      variantName: string;
      model: DeployableModel;
      weight?: number;
      instanceCount?: number;
    }[];
    endpointName?: string;
    /** Called with each status while waiting for InService (default: a printed line). */
    onStatus?: (change: EndpointStatusChange) => void;
  },
): Promise<VariantsEndpoint> {
  const endpointName = options.endpointName ?? uniqueName(labResourcePrefix(options.lab));
  assertSageMakerName(endpointName, "endpoint");
  assertCostConsent(
    session.config,
    `endpoint ${endpointName} (${options.variants.length} variants on ${options.instanceType}, billed until deleted)`,
  );
  const tags = workshopTags(options.lab);
  const variants: VariantSpec[] = [];
  for (const variant of options.variants) {
    variants.push({
      variantName: variant.variantName,
      modelName: await variant.model.create(),
      weight: variant.weight ?? 1,
      instanceCount: variant.instanceCount ?? 1,
    });
  }
  await session.sagemaker.send(
    new CreateEndpointConfigCommand(
      buildVariantsConfigRequest(endpointName, variants, options.instanceType, tags),
    ),
  );
  await session.sagemaker.send(
    new CreateEndpointCommand({ EndpointName: endpointName, EndpointConfigName: endpointName, Tags: tags }),
  );
  await waitForEndpoint(session, endpointName, options.onStatus ? { onStatus: options.onStatus } : {});
  return {
    endpointName,
    configName: endpointName,
    predictor: new Predictor(session, endpointName),
    variants,
  };
}

export interface LabelledReview {
  text: string;
  /** The label name the models answer ("positive" / "negative"). */
  label: string;
}

/**
 * `count` labelled reviews from the prepared test split (lab 3.1's, prepared now when missing), in the split's
 * seeded order; when the split is smaller than `count` (the 300 sample reviews) it is gone through again.
 */
export function labelledReviews(options: { quick: boolean; count: number }): {
  reviews: LabelledReview[];
  unique: number;
  source: string;
} {
  const ensured = ensurePreparedData({ quick: options.quick });
  if (ensured.reason) console.log(`준비된 데이터를 다시 만듭니다 (${ensured.reason})`);
  const test = readLabelledTexts(ensured.prepared.paths.test);
  const unique = test.texts.length;
  if (unique === 0) throw new Error(`${ensured.prepared.paths.test} has no reviews: run lab 3.1 again.`);
  const reviews = Array.from({ length: options.count }, (_, i) => ({
    text: test.texts[i % unique] as string,
    label: SENTIMENT_LABELS[test.labels[i % unique] as string] ?? (test.labels[i % unique] as string),
  }));
  return { reviews, unique, source: ensured.prepared.source };
}

export interface VariantAnswer {
  request: number;
  at: Date;
  /** InvokedProductionVariant, or "(error)". */
  variant: string;
  /** The traffic phase ("50:50", "80:20", ...). */
  phase: string;
  label?: string;
  predicted?: string;
  latencyMs: number;
  error?: string;
}

/** The label of the highest score in a text-classification answer (`[{ label, score }, ...]`). */
export function predictedLabel(result: unknown): string | undefined {
  const rows = (Array.isArray(result) ? result.flat() : [result]) as { label?: unknown; score?: unknown }[];
  let best: { label?: unknown; score?: unknown } | undefined;
  for (const row of rows) {
    if (
      row &&
      typeof row.label === "string" &&
      (best === undefined || Number(row.score) > Number(best.score))
    ) {
      best = row;
    }
  }
  return best?.label as string | undefined;
}

/**
 * Sends `requests` reviews one request at a time (a bounded loop with a progress bar), pausing `pauseMs` between
 * them, and records which variant answered each and what it predicted.
 */
export async function sendReviews(
  predictor: Predictor,
  reviews: readonly LabelledReview[],
  options: { requests?: number; pauseMs: number; phase: string; targetVariant?: string; progress?: boolean },
): Promise<VariantAnswer[]> {
  const requests = options.requests ?? reviews.length;
  const bar =
    options.progress === false ? undefined : progressBar(`${options.phase} InvokeEndpoint`, requests);
  const answers: VariantAnswer[] = [];
  for (let request = 0; request < requests; request++) {
    const review = reviews[request % reviews.length] as LabelledReview;
    const at = new Date();
    const started = performance.now();
    try {
      const answer = await predictor.predict(
        { inputs: review.text },
        options.targetVariant ? { targetVariant: options.targetVariant } : {},
      );
      answers.push({
        request,
        at,
        variant: answer.variant ?? "(unknown)",
        phase: options.phase,
        label: review.label,
        predicted: predictedLabel(answer.result),
        latencyMs: answer.latencyMs,
      });
    } catch (error) {
      if (!(error instanceof EndpointInvocationError)) throw error;
      answers.push({
        request,
        at,
        variant: "(error)",
        phase: options.phase,
        label: review.label,
        latencyMs: performance.now() - started,
        error: error.code,
      });
    }
    bar?.tick();
    if (options.pauseMs > 0 && request < requests - 1) await sleep(options.pauseMs);
  }
  bar?.done();
  return answers;
}

/** Requests per phase and variant, with the variant's share of its phase (what the client saw). */
export function tallyVariants(
  answers: readonly VariantAnswer[],
): { phase: string; variant: string; requests: number; share: string }[] {
  const perPhase = new Map<string, number>();
  const counts = new Map<string, { phase: string; variant: string; requests: number }>();
  for (const answer of answers) {
    perPhase.set(answer.phase, (perPhase.get(answer.phase) ?? 0) + 1);
    const key = `${answer.phase}\u0000${answer.variant}`;
    const entry = counts.get(key) ?? { phase: answer.phase, variant: answer.variant, requests: 0 };
    entry.requests++;
    counts.set(key, entry);
  }
  const phases = [...perPhase.keys()];
  return [...counts.values()]
    .sort((a, b) => phases.indexOf(a.phase) - phases.indexOf(b.phase) || a.variant.localeCompare(b.variant))
    .map((row) => ({
      ...row,
      share: `${((row.requests / (perPhase.get(row.phase) ?? 1)) * 100).toFixed(1)}%`,
    }));
}

export interface VariantAccuracy {
  variant: string;
  requests: number;
  correct: number;
  accuracy: number;
  meanLatencyMs: number;
}

/** Accuracy and mean client latency of each variant over the answered labelled requests. */
export function accuracyByVariant(answers: readonly VariantAnswer[]): VariantAccuracy[] {
  const rows = new Map<string, { requests: number; correct: number; latency: number }>();
  for (const answer of answers) {
    if (answer.error || answer.label === undefined) continue;
    const row = rows.get(answer.variant) ?? { requests: 0, correct: 0, latency: 0 };
    row.requests++;
    if (answer.predicted === answer.label) row.correct++;
    row.latency += answer.latencyMs;
    rows.set(answer.variant, row);
  }
  return [...rows]
    .map(([variant, row]) => ({
      variant,
      requests: row.requests,
      correct: row.correct,
      accuracy: Math.round((row.correct / row.requests) * 10000) / 10000,
      meanLatencyMs: Math.round((row.latency / row.requests) * 100) / 100,
    }))
    .sort((a, b) => a.variant.localeCompare(b.variant));
}

/** The variant to move traffic to: the most accurate; a tie keeps the first-named (the incumbent). */
export function pickWinner(rows: readonly VariantAccuracy[], order: readonly string[] = AB_VARIANTS): string {
  const ranked = [...rows].sort(
    (a, b) => b.accuracy - a.accuracy || order.indexOf(a.variant) - order.indexOf(b.variant),
  );
  const winner = ranked[0]?.variant;
  if (!winner) throw new Error("No variant answered a labelled request: there is nothing to compare.");
  return winner;
}

/** The Python workshop's weight steps toward the winner: 80:20, then 100:0. */
export function weightSchedule(winner: string, loser: string): Record<string, number>[] {
  return [
    { [winner]: 80, [loser]: 20 },
    { [winner]: 100, [loser]: 0 },
  ];
}

/** "80:20" in the order of `variants`. */
export function weightLabel(
  weights: Readonly<Record<string, number>>,
  variants: readonly string[] = AB_VARIANTS,
): string {
  const total = variants.reduce((sum, variant) => sum + (weights[variant] ?? 0), 0);
  return variants.map((variant) => Math.round(((weights[variant] ?? 0) / (total || 1)) * 100)).join(":");
}

/**
 * Polls CloudWatch until it has counted `expected` invocations since `startTime` (per variant or per configuration,
 * summed), or `timeoutSeconds` pass: the Python workshop's `time.sleep(20)`, but waiting for the data instead of a
 * guess. Returns the last points read.
 */
export async function waitForInvocations(
  session: WorkshopSession,
  query: {
    endpointName: string;
    startTime: Date;
    expected: number;
    periodSeconds: number;
    timeoutSeconds: number;
    by?: "variant" | "endpointConfig";
    names?: readonly string[];
  },
): Promise<MetricPoint[]> {
  const started = Date.now();
  const pollMs = session.mode === "local" ? 500 : 15_000;
  for (;;) {
    const points = await endpointMetric(session, {
      endpointName: query.endpointName,
      metricName: "Invocations",
      statistic: "Sum",
      startTime: query.startTime,
      periodSeconds: query.periodSeconds,
      ...(query.by ? { by: query.by } : {}),
      ...(query.names ? { names: query.names } : {}),
    });
    const counted = points.reduce((sum, point) => sum + point.value, 0);
    const waited = (Date.now() - started) / 1000;
    if (counted >= query.expected || waited >= query.timeoutSeconds) {
      console.log(
        `CloudWatch가 센 호출 ${counted}개 / 보낸 요청 ${query.expected}개 (${waited.toFixed(1)}초 기다림)` +
          (counted < query.expected ? ": 아직 덜 모였습니다 (metrics still arriving)" : ""),
      );
      return points;
    }
    await sleep(pollMs);
  }
}

/** MetricPoints in microseconds (ModelLatency, OverheadLatency) as milliseconds. */
export function microsecondsToMs(points: readonly MetricPoint[]): MetricPoint[] {
  return points.map((point) => ({ ...point, value: Math.round(point.value / 10) / 100 }));
}

/**
 * Count metrics (Invocations, Invocation5XXErrors) as CloudWatch stores them have no datapoint for a period without
 * requests; a chart would draw a line across the gap. This adds the zeros: every series gets a point at every
 * period between the first and the last timestamp seen in any series.
 */
export function fillZeros(points: readonly MetricPoint[], periodSeconds: number): MetricPoint[] {
  if (points.length === 0) return [];
  const step = periodSeconds * 1000;
  const times = points.map((point) => point.time.getTime());
  const first = Math.min(...times);
  const last = Math.max(...times);
  const seen = new Map<string, number>();
  for (const point of points) seen.set(`${point.series}\u0000${point.time.getTime()}`, point.value);
  const series = [...new Set(points.map((point) => point.series))];
  const filled: MetricPoint[] = [];
  for (let at = first; at <= last; at += step) {
    for (const name of series) {
      filled.push({ time: new Date(at), series: name, value: seen.get(`${name}\u0000${at}`) ?? 0 });
    }
  }
  return filled;
}

/** Sums of a metric per series (what CloudWatch counted per variant or configuration). */
export function totalsBySeries(points: readonly MetricPoint[]): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const point of points) totals[point.series] = (totals[point.series] ?? 0) + point.value;
  return totals;
}

export interface TimeMark {
  at: Date;
  text: string;
}

/** Plotly shapes and annotations: a dotted vertical line with a label at each mark (weight changes, alarms). */
export function timeMarks(marks: readonly TimeMark[]): { shapes: object[]; annotations: object[] } {
  return {
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
    annotations: marks.map((mark, index) => ({
      x: mark.at.toISOString(),
      xref: "x",
      yref: "paper",
      y: 1 - (index % 3) * 0.07,
      yanchor: "bottom",
      text: mark.text,
      showarrow: false,
      font: { size: 11 },
    })),
  };
}

// ---- lab 5.2: blue/green deployment guardrails ------------------------------------------------------------------

export interface GuardrailPlan {
  instanceType: string;
  /** Instances of blue and of each green fleet. */
  instanceCount: number;
  /** The alarms' Period: 10 s locally (a high-resolution alarm on per-second metrics), 60 s on AWS. */
  alarmPeriodSeconds: number;
  /** The broken model's rollout: LINEAR steps of this share, each baking `waitSeconds`. */
  linear: { stepPercent: number; waitSeconds: number };
  /** The good model's rollout: CANARY of this many instances, baking `waitSeconds`. */
  canary: { instances: number; waitSeconds: number };
  terminationWaitSeconds: number;
  /** MaximumExecutionTimeoutInSeconds (600–28800, longer than the waits). */
  maximumExecutionTimeoutSeconds: number;
  /** Pause between the requests sent during a rollout: the workshop sends one every 0.8 s. */
  pauseMs: number;
  /** Bounds of the traffic loop during one rollout (knob GUARDRAIL_MAX_REQUESTS). */
  maxRequests: number;
  maxTrafficSeconds: number;
  /** DescribeEndpoint / DescribeAlarms polls while traffic runs. */
  pollSeconds: number;
  /** The longest wait for the alarm to go back to OK before the next rollout. */
  alarmWaitSeconds: number;
  metricPeriodSeconds: number;
  metricWaitSeconds: number;
  /** The DLC releases of blue and of the good green model (the workshop moves from PyTorch 1.7.1 to 1.8.1). */
  blueTransformersVersion: string;
  greenTransformersVersion: string;
}

/**
 * Lab 5.2's plan. Locally the alarm judges 10-second periods (local CloudWatch evaluates each alarm once per period,
 * right after it ends): the broken model's linear step bakes three periods, so the alarm has judged its errors long
 * before the step would end; the canary bakes one period, so the alarm is evaluated once while it bakes (on a period
 * that holds canary traffic). On AWS the workshop's values: 60-second periods, a 180 s linear bake, a 300 s canary bake (five
 * periods), 120 s before blue is terminated.
 */
export function guardrailPlan(
  session: WorkshopSession,
  options: { quick: boolean; env?: NodeJS.ProcessEnv },
): GuardrailPlan {
  const env = options.env ?? process.env;
  const local = session.mode === "local";
  const period = local ? 10 : 60;
  return {
    instanceType: servingInstanceType(session),
    instanceCount: 2,
    alarmPeriodSeconds: period,
    linear: { stepPercent: 50, waitSeconds: local ? 3 * period : 180 },
    canary: { instances: 1, waitSeconds: local ? period : 300 },
    terminationWaitSeconds: local ? 1 : 120,
    maximumExecutionTimeoutSeconds: local ? 600 : 1800,
    pauseMs: local ? 50 : 800,
    maxRequests: labParam("GUARDRAIL_MAX_REQUESTS", local ? 3000 : 2500, env),
    maxTrafficSeconds: local ? 120 : 1800,
    pollSeconds: local ? 0.02 : 5,
    alarmWaitSeconds: local ? 4 * period : 900,
    metricPeriodSeconds: local ? 1 : 60,
    metricWaitSeconds: local ? 15 : 360,
    blueTransformersVersion: "4.49.0",
    greenTransformersVersion: "4.51.3",
  };
}

export function guardrailCostNotice(session: WorkshopSession, plan: GuardrailPlan): string {
  const items: CostItem[] = [
    { what: "blue endpoint", instanceType: plan.instanceType, instanceCount: plan.instanceCount },
    {
      what: "green fleet during each rollout (two rollouts)",
      instanceType: plan.instanceType,
      instanceCount: plan.instanceCount,
      hours:
        2 * ((plan.linear.waitSeconds + plan.canary.waitSeconds + plan.terminationWaitSeconds) / 3600 + 0.15),
    },
  ];
  const notice = costNotice(session.config, items);
  return session.mode === "local"
    ? notice
    : `${notice}\n- CloudWatch alarms: 2 standard alarms, about $0.10 each per month (billed per hour while they exist).`;
}

/** The alarms' names: the endpoint's name first, so the cleanup sweep finds them by the lab's prefix. */
export const guardrailAlarmNames = (endpointName: string): { errors: string; latency: string } => ({
  errors: `${endpointName}-5XXErrors`,
  latency: `${endpointName}-ModelLatency`,
});

/**
 * The Python workshop's two alarms on the endpoint's AllTraffic variant (both fleets count there during a rollout):
 * Invocation5XXErrors Average ≥ 0.1 and ModelLatency Average ≥ 400 ms, one period, missing data not breaching,
 * actions off. Only the 5XX alarm guards the rollouts, as in the workshop. The period is the plan's.
 */
export function guardrailAlarms(
  endpointName: string,
  plan: GuardrailPlan,
  lab?: string,
): PutMetricAlarmInput[] {
  const names = guardrailAlarmNames(endpointName);
  const common = {
    Namespace: "AWS/SageMaker",
    Dimensions: [
      { Name: "EndpointName", Value: endpointName },
      { Name: "VariantName", Value: "AllTraffic" },
    ],
    Statistic: "Average" as const,
    Period: plan.alarmPeriodSeconds,
    EvaluationPeriods: 1,
    ComparisonOperator: "GreaterThanOrEqualToThreshold" as const,
    TreatMissingData: "notBreaching",
    ActionsEnabled: false,
    Tags: workshopTags(lab),
  };
  return [
    {
      ...common,
      AlarmName: names.errors,
      AlarmDescription: `5XX errors of ${endpointName}: rolls a deployment back`,
      MetricName: "Invocation5XXErrors",
      Threshold: 0.1,
    },
    {
      ...common,
      AlarmName: names.latency,
      AlarmDescription: `Model latency of ${endpointName} (microseconds)`,
      MetricName: "ModelLatency",
      Threshold: 400_000,
    },
  ];
}

const rollbackAlarms = (alarmNames: readonly string[]) => ({
  AutoRollbackConfiguration: { Alarms: alarmNames.map((AlarmName) => ({ AlarmName })) },
});

/** The broken model's rollout: LINEAR steps, each baking while the alarms are watched. */
export function linearDeploymentConfig(plan: GuardrailPlan, alarmNames: readonly string[]): DeploymentConfig {
  return {
    BlueGreenUpdatePolicy: {
      TrafficRoutingConfiguration: {
        Type: "LINEAR",
        LinearStepSize: { Type: "CAPACITY_PERCENT", Value: plan.linear.stepPercent },
        WaitIntervalInSeconds: plan.linear.waitSeconds,
      },
      TerminationWaitInSeconds: plan.terminationWaitSeconds,
      MaximumExecutionTimeoutInSeconds: plan.maximumExecutionTimeoutSeconds,
    },
    ...rollbackAlarms(alarmNames),
  };
}

/** The good model's rollout: a CANARY of one instance, then the rest. */
export function canaryDeploymentConfig(plan: GuardrailPlan, alarmNames: readonly string[]): DeploymentConfig {
  return {
    BlueGreenUpdatePolicy: {
      TrafficRoutingConfiguration: {
        Type: "CANARY",
        CanarySize: { Type: "INSTANCE_COUNT", Value: plan.canary.instances },
        WaitIntervalInSeconds: plan.canary.waitSeconds,
      },
      TerminationWaitInSeconds: plan.terminationWaitSeconds,
      MaximumExecutionTimeoutInSeconds: plan.maximumExecutionTimeoutSeconds,
    },
    ...rollbackAlarms(alarmNames),
  };
}

/** `labs/5_Production/broken-model`: the handlers of the green model that fails (inference.ts locally, .py on AWS). */
export const brokenHandlerDir = (): string => join(workshopRoot(), "labs", "5_Production", "broken-model");

/** The sentiment artifact with the broken handler under code/, uploaded beside the lab's other files. */
export async function brokenModelData(session: WorkshopSession, modelData: string): Promise<string> {
  const target = s3Uri(await session.defaultBucket(), "nsmc-guardrail", "broken", "model.tar.gz");
  return repackModelWithCode(session, modelData, brokenHandlerDir(), target);
}

/** A one-variant (AllTraffic) endpoint configuration for `model`, tagged for the lab: what UpdateEndpoint moves to. */
export async function createEndpointConfigFor(
  session: WorkshopSession,
  model: DeployableModel,
  options: { lab: string; instanceType: string; instanceCount: number; name?: string },
): Promise<string> {
  const name = options.name ?? uniqueName(`${labResourcePrefix(options.lab)}-config`);
  const modelName = await model.create();
  await session.sagemaker.send(
    new CreateEndpointConfigCommand(
      buildEndpointConfigRequest(
        name,
        modelName,
        { instanceType: options.instanceType, initialInstanceCount: options.instanceCount },
        workshopTags(options.lab),
      ),
    ),
  );
  return name;
}

/** One observed moment of a rollout: what DescribeEndpoint and DescribeAlarms said. */
export interface RolloutObservation {
  at: Date;
  endpointStatus: string;
  endpointConfigName?: string;
  /** PendingDeploymentSummary's variant status (Creating, ActivatingTraffic, Baking), absent when none. */
  fleetStatus?: string;
  fleetMessage?: string;
  /** The guarding alarm's StateValue. */
  alarmState?: string;
  failureReason?: string;
}

const stateKey = (o: Omit<RolloutObservation, "at">) =>
  [o.endpointStatus, o.endpointConfigName, o.fleetStatus, o.fleetMessage, o.alarmState, o.failureReason].join(
    "|",
  );

/** The transitions a lab saw, with their times: only changes are kept. */
export class StatusHistory {
  readonly observations: RolloutObservation[] = [];
  private readonly started = Date.now();

  /** Keeps `state` when it differs from the last one; returns whether it did. */
  record(state: Omit<RolloutObservation, "at">, at: Date = new Date()): boolean {
    const last = this.observations.at(-1);
    if (last && stateKey(last) === stateKey(state)) return false;
    this.observations.push({ ...state, at });
    return true;
  }

  /** Seconds since the history began, for printed lines. */
  secondsAt(at: Date): number {
    return (at.getTime() - this.started) / 1000;
  }

  /** The observations as table rows. */
  rows(): Record<string, string>[] {
    return this.observations.map((o) => ({
      "t (s)": this.secondsAt(o.at).toFixed(1),
      EndpointStatus: o.endpointStatus,
      EndpointConfigName: o.endpointConfigName ?? "",
      "새 플릿 (pending)": o.fleetStatus ?? "",
      StatusMessage: o.fleetMessage ?? "",
      알람: o.alarmState ?? "",
    }));
  }
}

/** What DescribeEndpoint and the alarm say now. */
export async function observeRollout(
  session: WorkshopSession,
  endpointName: string,
  alarmName: string | undefined,
): Promise<{ state: Omit<RolloutObservation, "at">; described: DescribeEndpointCommandOutput }> {
  const [described, alarms] = await Promise.all([
    session.sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpointName })),
    alarmName
      ? session.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: [alarmName] }))
      : Promise.resolve(undefined),
  ]);
  const pending = described.PendingDeploymentSummary?.ProductionVariants?.[0]?.VariantStatus?.[0];
  return {
    described,
    state: {
      endpointStatus: described.EndpointStatus ?? "Unknown",
      endpointConfigName: described.EndpointConfigName,
      fleetStatus: pending?.Status,
      fleetMessage: pending?.StatusMessage,
      alarmState: alarms?.MetricAlarms?.[0]?.StateValue,
      failureReason: described.FailureReason,
    },
  };
}

/** One line per change: `[  3.2 s] Updating · new fleet Baking: Baking step 1 of 2 ... · alarm OK`. */
export function describeObservation(history: StatusHistory, o: RolloutObservation): string {
  const parts = [o.endpointStatus];
  if (o.fleetStatus) parts.push(`새 플릿 ${o.fleetStatus}${o.fleetMessage ? `: ${o.fleetMessage}` : ""}`);
  if (o.alarmState) parts.push(`알람 ${o.alarmState}`);
  return `[${history.secondsAt(o.at).toFixed(1).padStart(6)} s] ${parts.join(" · ")}`;
}

export interface RolloutRequest {
  at: Date;
  ok: boolean;
  /** The error code when it failed (ModelError), with the container's status. */
  code?: string;
  originalStatusCode?: number;
}

export interface RolloutRun {
  requests: RolloutRequest[];
  final: DescribeEndpointCommandOutput;
  /** The first failure, to read what the container answered. */
  firstError?: EndpointInvocationError;
  startedAt: Date;
  endedAt: Date;
}

const BUSY = new Set(["Updating", "RollingBack", "Creating", "SystemUpdating"]);

/**
 * Drives traffic through a rollout, as the workshop's `invoke_endpoint_many` does but bounded: one request at a time,
 * `.` for an answer and `E` for an error, and between requests DescribeEndpoint and DescribeAlarms every
 * `pollSeconds`; each change of the endpoint's status, the new fleet's status or the alarm's state is printed and
 * kept in `history`. Ends once the endpoint is settled again (InService or Failed after the update) or at the plan's
 * bounds.
 */
export async function driveRollout(
  session: WorkshopSession,
  predictor: Predictor,
  payloads: readonly unknown[],
  options: {
    alarmName?: string;
    history: StatusHistory;
    pauseMs: number;
    pollSeconds: number;
    maxRequests: number;
    maxSeconds: number;
    print?: (line: string) => void;
  },
): Promise<RolloutRun> {
  const print = options.print ?? ((line: string) => console.log(line));
  const { history } = options;
  const startedAt = new Date();
  const requests: RolloutRequest[] = [];
  let firstError: EndpointInvocationError | undefined;
  let marks = "";
  const flush = () => {
    if (marks) print(marks);
    marks = "";
  };
  let seenBusy = false;
  let settled = false;
  let described: DescribeEndpointCommandOutput | undefined;
  const observe = async (): Promise<void> => {
    const seen = await observeRollout(session, predictor.endpointName, options.alarmName);
    described = seen.described;
    if (history.record(seen.state, new Date())) {
      flush();
      print(describeObservation(history, history.observations.at(-1) as RolloutObservation));
    }
    if (BUSY.has(seen.state.endpointStatus)) seenBusy = true;
    settled = seenBusy && !BUSY.has(seen.state.endpointStatus);
  };
  await observe();
  // DescribeEndpoint and DescribeAlarms run beside the traffic, so short states are seen too: right after the alarm
  // fires, and while rolling back, they are asked again at once (RollingBack may last a fraction of a second).
  let trafficDone = false;
  let wake: (() => void) | undefined;
  const poller = (async () => {
    while (!settled && !trafficDone) {
      const last = history.observations.at(-1);
      const watchClosely =
        last?.endpointStatus === "RollingBack" ||
        (last?.alarmState === "ALARM" && BUSY.has(last.endpointStatus));
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, watchClosely ? 5 : options.pollSeconds * 1000);
      });
      if (!trafficDone) await observe();
    }
  })();
  try {
    for (let i = 0; !settled && i < options.maxRequests; i++) {
      if (Date.now() - startedAt.getTime() > options.maxSeconds * 1000) {
        flush();
        print(`트래픽 루프를 ${options.maxSeconds}초에서 멈춥니다 (the rollout goes on; wait for it below).`);
        break;
      }
      const sent = await sendRequest(predictor, payloads[i % payloads.length]);
      requests.push(sent.request);
      if (sent.error) firstError ??= sent.error;
      marks += sent.request.ok ? "." : "E";
      if (marks.length >= 80) flush();
      if (!settled && options.pauseMs > 0) await sleep(options.pauseMs);
    }
  } finally {
    trafficDone = true;
    wake?.();
    await poller;
  }
  flush();
  if (!settled) await observe();
  return {
    requests,
    final: described as DescribeEndpointCommandOutput,
    firstError,
    startedAt,
    endedAt: new Date(),
  };
}

/** One InvokeEndpoint, recorded: answered, or the error code and the container's status. */
export async function sendRequest(
  predictor: Predictor,
  payload: unknown,
): Promise<{ request: RolloutRequest; error?: EndpointInvocationError }> {
  const at = new Date();
  try {
    await predictor.predict(payload);
    return { request: { at, ok: true } };
  } catch (error) {
    if (!(error instanceof EndpointInvocationError)) throw error;
    return {
      request: { at, ok: false, code: error.code, originalStatusCode: error.originalStatusCode },
      error,
    };
  }
}

/** `count` requests one after another (the payloads in turn), recorded. */
export async function sendRequests(
  predictor: Predictor,
  payloads: readonly unknown[],
  count: number,
): Promise<RolloutRequest[]> {
  const requests: RolloutRequest[] = [];
  for (let i = 0; i < count; i++)
    requests.push((await sendRequest(predictor, payloads[i % payloads.length])).request);
  return requests;
}

/** How many requests answered, and how many failed with which error (and container status). */
export function rolloutOutcomes(
  requests: readonly RolloutRequest[],
): { outcome: string; requests: number }[] {
  const counts = new Map<string, number>();
  for (const request of requests) {
    const outcome = request.ok
      ? "ok"
      : `${request.code}${request.originalStatusCode ? ` (container ${request.originalStatusCode})` : ""}`;
    counts.set(outcome, (counts.get(outcome) ?? 0) + 1);
  }
  return [...counts].map(([outcome, requests]) => ({ outcome, requests }));
}

/**
 * Waits (bounded) until the alarm is in `state`, recording what it saw in `history`: before a new rollout the guard
 * must be OK again, or the rollout would roll back at once. Returns the state it ended in.
 */
export async function waitForAlarmState(
  session: WorkshopSession,
  endpointName: string,
  alarmName: string,
  state: string,
  options: {
    history: StatusHistory;
    timeoutSeconds: number;
    pollSeconds: number;
    print?: (line: string) => void;
  },
): Promise<string | undefined> {
  const print = options.print ?? ((line: string) => console.log(line));
  const deadline = Date.now() + options.timeoutSeconds * 1000;
  for (;;) {
    const seen = await observeRollout(session, endpointName, alarmName);
    if (options.history.record(seen.state)) {
      print(describeObservation(options.history, options.history.observations.at(-1) as RolloutObservation));
    }
    if (seen.state.alarmState === state || Date.now() > deadline) return seen.state.alarmState;
    await sleep(options.pollSeconds * 1000);
  }
}

/** DescribeAlarmHistory of one alarm, oldest first, as table rows. */
export async function alarmHistoryRows(
  session: WorkshopSession,
  alarmName: string,
): Promise<{ time: string; type: string; summary: string }[]> {
  const items = [];
  let NextToken: string | undefined;
  do {
    const page = await session.cloudwatch.send(
      new DescribeAlarmHistoryCommand({ AlarmName: alarmName, ScanBy: "TimestampAscending", NextToken }),
    );
    items.push(...(page.AlarmHistoryItems ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  return items
    .sort((a, b) => (a.Timestamp?.getTime() ?? 0) - (b.Timestamp?.getTime() ?? 0))
    .map((item) => ({
      time: item.Timestamp?.toISOString().slice(11, 23) ?? "",
      type: item.HistoryItemType ?? "",
      summary: item.HistorySummary ?? "",
    }));
}

export interface TimelineSegment {
  lane: string;
  state: string;
  start: Date;
  end: Date;
}

export const TIMELINE_LANES = {
  endpoint: "EndpointStatus",
  fleet: "새 플릿 (PendingDeploymentSummary)",
  alarm: "5XX 알람",
} as const;

/**
 * The observations as bars on three lanes (the endpoint's status, the new fleet's status, the alarm's state): each
 * value lasts from the observation that showed it to the next one that showed another (or `end`). A fleet status
 * is drawn only while there is a pending deployment.
 */
export function timelineSegments(observations: readonly RolloutObservation[], end: Date): TimelineSegment[] {
  const lanes: [string, (o: RolloutObservation) => string | undefined][] = [
    [TIMELINE_LANES.endpoint, (o) => o.endpointStatus],
    [TIMELINE_LANES.fleet, (o) => o.fleetStatus],
    [TIMELINE_LANES.alarm, (o) => o.alarmState],
  ];
  const segments: TimelineSegment[] = [];
  for (const [lane, value] of lanes) {
    let open: TimelineSegment | undefined;
    for (const observation of observations) {
      const state = value(observation);
      if (open && open.state === state) continue;
      if (open) {
        open.end = observation.at;
        segments.push(open);
        open = undefined;
      }
      if (state !== undefined) open = { lane, state, start: observation.at, end };
    }
    if (open) segments.push({ ...open, end });
  }
  return segments;
}

const STATE_COLOURS: Record<string, string> = {
  InService: "#2ca02c",
  Updating: "#1f77b4",
  RollingBack: "#ff7f0e",
  Creating: "#7f7f7f",
  ActivatingTraffic: "#17becf",
  Baking: "#9467bd",
  OK: "#98df8a",
  ALARM: "#d62728",
  INSUFFICIENT_DATA: "#c7c7c7",
};

/** A plotly Gantt-style figure of the segments: one trace per state, bars from start to end on a date axis. */
export function timelineFigure(
  segments: readonly TimelineSegment[],
  options: { title: string; marks?: readonly TimeMark[] },
): { data: object[]; layout: object } {
  const states = [...new Set(segments.map((segment) => segment.state))];
  const data = states.map((state) => {
    const mine = segments.filter((segment) => segment.state === state);
    return {
      type: "bar",
      orientation: "h",
      name: state,
      y: mine.map((segment) => segment.lane),
      base: mine.map((segment) => segment.start.toISOString()),
      x: mine.map((segment) => Math.max(segment.end.getTime() - segment.start.getTime(), 1)),
      marker: { color: STATE_COLOURS[state] ?? "#bcbd22" },
      text: mine.map(
        (segment) => `${state} ${((segment.end.getTime() - segment.start.getTime()) / 1000).toFixed(1)} s`,
      ),
      hoverinfo: "text+y",
    };
  });
  const marks = timeMarks(options.marks ?? []);
  return {
    data,
    layout: {
      title: { text: options.title },
      barmode: "overlay",
      xaxis: { type: "date", title: { text: "시각" } },
      yaxis: {
        categoryorder: "array",
        categoryarray: [TIMELINE_LANES.alarm, TIMELINE_LANES.fleet, TIMELINE_LANES.endpoint],
      },
      height: 360,
      ...marks,
    },
  };
}

/** One row per trained model for a table: its job, the hyperparameters it was given, its validation accuracy. */
export function trainedModelRow(variant: string, job: TrainingResult): Record<string, string> {
  const given = Object.entries(job.description.HyperParameters ?? {})
    .filter(([key]) => !key.startsWith("sagemaker_") && key !== "label_names")
    .map(([key, value]) => `${key}=${value.replace(/^"|"$/g, "")}`)
    .join(", ");
  return {
    변형: variant,
    훈련_작업: job.jobName,
    하이퍼파라미터: given || "(기본값)",
    검증_정확도: job.metrics.eval_accuracy === undefined ? "" : job.metrics.eval_accuracy.toFixed(4),
  };
}
