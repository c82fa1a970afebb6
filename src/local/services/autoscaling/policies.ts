import type {
  CustomizedMetricSpecification,
  MetricType,
  StepAdjustment,
  StepScalingPolicyConfiguration,
  TargetTrackingScalingPolicyConfiguration,
} from "@aws-sdk/client-application-auto-scaling";
import type { PutMetricAlarmInput } from "@aws-sdk/client-cloudwatch";
import { validationError } from "./errors";
import type { Cooldowns, VariantDimension } from "./records";
import type { VariantRef } from "./variants";

/**
 * Scaling policies as pure rules: what a policy may say (AWS's checks), the alarms target tracking creates, and
 * the capacity a triggered policy asks for (target tracking's proportional rule, step scaling's steps), with
 * Min/Max and cooldowns. The service decides when a policy runs; this file decides what it does.
 */

/** AWS's default cooldown for SageMaker variants, scale-out and scale-in, target tracking and step scaling. */
export const DEFAULT_COOLDOWN_S = 300;

/** The metrics of the predefined types served locally, per dimension. */
const PREDEFINED: Readonly<
  Record<
    VariantDimension,
    Partial<Record<MetricType, { namespace: string; metricName: string; statistic: "Sum" | "Average" }>>
  >
> = {
  "sagemaker:variant:DesiredInstanceCount": {
    SageMakerVariantInvocationsPerInstance: {
      namespace: "AWS/SageMaker",
      metricName: "InvocationsPerInstance",
      statistic: "Sum",
    },
  },
  "sagemaker:variant:DesiredProvisionedConcurrency": {
    SageMakerVariantProvisionedConcurrencyUtilization: {
      namespace: "AWS/SageMaker",
      metricName: "ServerlessProvisionedConcurrencyUtilization",
      statistic: "Average",
    },
  },
};

/** Predefined types AWS takes for a dimension that local SageMaker publishes no metric for. */
const NOT_SERVED: Partial<Record<MetricType, string>> = {
  SageMakerVariantConcurrentRequestsPerModelHighResolution:
    "local SageMaker does not publish ConcurrentRequestsPerModel (a 10-second high-resolution metric)",
};

// ---- what a policy may say ----------------------------------------------------------------------------------

export function checkTargetTracking(
  config: TargetTrackingScalingPolicyConfiguration,
  dimension: VariantDimension,
): void {
  const target = config.TargetValue as number;
  if (!(target > 0)) {
    throw validationError(
      `TargetValue must be greater than 0 (it is the metric value the policy keeps the variant at); got ${target}.`,
    );
  }
  for (const member of ["ScaleInCooldown", "ScaleOutCooldown"] as const) {
    const value = config[member];
    if (value !== undefined && value < 0)
      throw validationError(`${member} must be 0 or more seconds; got ${value}.`);
  }
  const predefined = config.PredefinedMetricSpecification;
  const customized = config.CustomizedMetricSpecification;
  if ((predefined === undefined) === (customized === undefined)) {
    throw validationError(
      "A target tracking policy tracks one metric: give exactly one of PredefinedMetricSpecification and CustomizedMetricSpecification.",
    );
  }
  if (predefined) {
    const type = predefined.PredefinedMetricType as MetricType;
    const served = PREDEFINED[dimension];
    if (!served[type]) {
      const why = NOT_SERVED[type];
      throw validationError(
        why && dimension === "sagemaker:variant:DesiredInstanceCount"
          ? `${type} is not served locally: ${why}. Use SageMakerVariantInvocationsPerInstance, or a CustomizedMetricSpecification.`
          : `Scalable dimension ${dimension} only supports the following predefined metric types: ${Object.keys(served).join(", ")}.`,
      );
    }
  }
  if (customized) checkCustomized(customized);
}

function checkCustomized(spec: CustomizedMetricSpecification): void {
  const names = new Set<string>();
  for (const dimension of spec.Dimensions ?? []) {
    if (names.has(dimension.Name as string)) {
      throw validationError(
        `CustomizedMetricSpecification names the dimension ${dimension.Name} twice; a CloudWatch metric has each dimension once.`,
      );
    }
    names.add(dimension.Name as string);
  }
}

export function checkStepScaling(config: StepScalingPolicyConfiguration): void {
  const type = config.AdjustmentType;
  if (type === undefined)
    throw validationError(
      "StepScalingPolicyConfiguration needs AdjustmentType (ChangeInCapacity, PercentChangeInCapacity or ExactCapacity).",
    );
  const steps = config.StepAdjustments ?? [];
  if (steps.length === 0)
    throw validationError("StepScalingPolicyConfiguration needs at least one StepAdjustment.");
  if (config.Cooldown !== undefined && config.Cooldown < 0)
    throw validationError(`Cooldown must be 0 or more seconds; got ${config.Cooldown}.`);
  if (config.MinAdjustmentMagnitude !== undefined) {
    if (type !== "PercentChangeInCapacity") {
      throw validationError(
        "MinAdjustmentMagnitude applies only to the AdjustmentType PercentChangeInCapacity.",
      );
    }
    if (config.MinAdjustmentMagnitude < 1)
      throw validationError(
        `MinAdjustmentMagnitude must be at least 1; got ${config.MinAdjustmentMagnitude}.`,
      );
  }
  if (type === "ExactCapacity" && steps.some((step) => (step.ScalingAdjustment as number) < 0)) {
    throw validationError(
      "With AdjustmentType ExactCapacity, each ScalingAdjustment is a capacity: 0 or more.",
    );
  }
  // AWS's rules for the intervals (relative to the alarm's threshold): no overlap, no gap, one open end each way.
  const lower = (step: StepAdjustment) => step.MetricIntervalLowerBound ?? Number.NEGATIVE_INFINITY;
  const upper = (step: StepAdjustment) => step.MetricIntervalUpperBound ?? Number.POSITIVE_INFINITY;
  for (const step of steps) {
    if (step.MetricIntervalLowerBound === undefined && step.MetricIntervalUpperBound === undefined) {
      if (steps.length > 1)
        throw validationError(
          "A step adjustment without MetricIntervalLowerBound and MetricIntervalUpperBound covers every value: it must be the only step.",
        );
    }
    if (lower(step) >= upper(step)) {
      throw validationError(
        `A step adjustment's MetricIntervalLowerBound (${step.MetricIntervalLowerBound}) must be less than its MetricIntervalUpperBound (${step.MetricIntervalUpperBound}).`,
      );
    }
  }
  if (steps.filter((step) => step.MetricIntervalLowerBound === undefined).length > 1)
    throw validationError("At most one step adjustment may leave MetricIntervalLowerBound out.");
  if (steps.filter((step) => step.MetricIntervalUpperBound === undefined).length > 1)
    throw validationError("At most one step adjustment may leave MetricIntervalUpperBound out.");
  const sorted = [...steps].sort((a, b) => lower(a) - lower(b));
  for (let i = 1; i < sorted.length; i++) {
    const previous = sorted[i - 1] as StepAdjustment;
    const step = sorted[i] as StepAdjustment;
    if (upper(previous) > lower(step))
      throw validationError(
        `The step adjustments overlap: [${lower(previous)}, ${upper(previous)}) and [${lower(step)}, ${upper(step)}).`,
      );
    if (upper(previous) < lower(step))
      throw validationError(
        `The step adjustments leave a gap between ${upper(previous)} and ${lower(step)}: their intervals must meet.`,
      );
  }
  const first = sorted[0] as StepAdjustment;
  const last = sorted.at(-1) as StepAdjustment;
  if (lower(first) < 0 && first.MetricIntervalLowerBound !== undefined)
    throw validationError(
      "A step adjustment has a negative lower bound, so one step must leave MetricIntervalLowerBound out (the values furthest below the threshold).",
    );
  if (upper(last) > 0 && last.MetricIntervalUpperBound !== undefined)
    throw validationError(
      "A step adjustment has a positive upper bound, so one step must leave MetricIntervalUpperBound out (the values furthest above the threshold).",
    );
}

// ---- the alarms target tracking creates ---------------------------------------------------------------------

/**
 * AWS's two alarms for a target-tracking policy, named `TargetTracking-<resource id>-AlarmHigh-<uuid>` and
 * `...-AlarmLow-<uuid>`: the high one when the metric is above the target for 3 one-minute datapoints, the low one
 * when it is below 90% of the target for 15 (none when DisableScaleIn). Both invoke `action` and say they belong
 * to the policy.
 */
export function targetTrackingAlarms(
  config: TargetTrackingScalingPolicyConfiguration,
  ref: VariantRef,
  resourceId: string,
  action: string,
  uuid: () => string,
): { kind: "high" | "low"; input: PutMetricAlarmInput }[] {
  const metric = trackedMetric(config, ref);
  const target = config.TargetValue as number;
  const common = {
    AlarmDescription: `DO NOT EDIT OR DELETE. For TargetTrackingScaling policy ${action}.`,
    ActionsEnabled: true,
    AlarmActions: [action],
    ...metric,
    Period: 60,
  };
  const alarms: { kind: "high" | "low"; input: PutMetricAlarmInput }[] = [
    {
      kind: "high",
      input: {
        ...common,
        AlarmName: `TargetTracking-${resourceId}-AlarmHigh-${uuid()}`,
        EvaluationPeriods: 3,
        Threshold: target,
        ComparisonOperator: "GreaterThanThreshold",
      },
    },
  ];
  if (!config.DisableScaleIn) {
    alarms.push({
      kind: "low",
      input: {
        ...common,
        AlarmName: `TargetTracking-${resourceId}-AlarmLow-${uuid()}`,
        EvaluationPeriods: 15,
        Threshold: Number((target * 0.9).toPrecision(12)),
        ComparisonOperator: "LessThanThreshold",
      },
    });
  }
  return alarms;
}

function trackedMetric(
  config: TargetTrackingScalingPolicyConfiguration,
  ref: VariantRef,
): Pick<PutMetricAlarmInput, "MetricName" | "Namespace" | "Statistic" | "Dimensions" | "Unit"> {
  const customized = config.CustomizedMetricSpecification;
  if (customized) {
    return {
      MetricName: customized.MetricName,
      Namespace: customized.Namespace,
      Statistic: customized.Statistic,
      Dimensions: (customized.Dimensions ?? []).map((d) => ({ Name: d.Name, Value: d.Value })),
      ...(customized.Unit !== undefined ? { Unit: customized.Unit as PutMetricAlarmInput["Unit"] } : {}),
    };
  }
  const type = config.PredefinedMetricSpecification?.PredefinedMetricType as MetricType;
  const metric = PREDEFINED[ref.dimension][type] as NonNullable<
    (typeof PREDEFINED)[VariantDimension][MetricType]
  >;
  return {
    MetricName: metric.metricName,
    Namespace: metric.namespace,
    Statistic: metric.statistic,
    Dimensions: [
      { Name: "EndpointName", Value: ref.endpointName },
      { Name: "VariantName", Value: ref.variantName },
    ],
  };
}

// ---- what a triggered policy asks for ----------------------------------------------------------------------

export interface Decision {
  desired: number;
  direction: "out" | "in";
}

export interface Situation {
  /** The target's capacity now (what SageMaker is asked to keep). */
  current: number;
  min: number;
  max: number;
  cooldowns: Cooldowns;
  now: number;
}

const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));
/** ceil that forgives floating noise (3.0000000000000004 is 3). */
const ceil = (value: number) => Math.ceil(value - 1e-9);

/**
 * Target tracking, as AWS computes it: the capacity that brings the metric back to the target in proportion,
 * ceil(capacity × metric / target), within Min/Max. The high alarm only scales out, the low alarm only scales in
 * (never with DisableScaleIn, never during the scale-in cooldown). During the scale-out cooldown the capacity the
 * last scale-out added counts as already there: the proportion is taken of the capacity before it (which the metric
 * still reflects), and only a larger capacity is asked for. A variant at 0 instances (an asynchronous endpoint) is
 * counted as one, so a backlog over the target wakes it.
 */
export function trackTarget(
  config: TargetTrackingScalingPolicyConfiguration,
  alarm: "high" | "low",
  metric: number,
  situation: Situation,
): Decision | undefined {
  const { current, min, max, cooldowns, now } = situation;
  const target = config.TargetValue as number;
  if (alarm === "high") {
    const cooling = (cooldowns.scaleOutUntil ?? 0) > now;
    const base = cooling ? (cooldowns.scaleOutBase ?? current) : current;
    const desired = clamp(ceil((Math.max(base, 1) * metric) / target), min, max);
    return desired > current ? { desired, direction: "out" } : undefined;
  }
  if (config.DisableScaleIn || (cooldowns.scaleInUntil ?? 0) > now) return undefined;
  const desired = clamp(ceil((current * metric) / target), min, max);
  return desired < current ? { desired, direction: "in" } : undefined;
}

/**
 * Step scaling: the step whose interval holds the breach (the aggregated metric minus the alarm's threshold;
 * above the threshold the lower bound is inclusive, below it the upper bound is), applied as its AdjustmentType
 * says, within Min/Max. Cooldown: while a scale-out's cooldown runs, only a larger scale-out than the capacity it
 * started from asks for more; a scale-in waits for the cooldown to end.
 */
export function stepScale(
  config: StepScalingPolicyConfiguration,
  breach: number,
  situation: Situation,
): Decision | undefined {
  const { current, min, max, cooldowns, now } = situation;
  const step = (config.StepAdjustments ?? []).find((candidate) => {
    const lower = candidate.MetricIntervalLowerBound ?? Number.NEGATIVE_INFINITY;
    const upper = candidate.MetricIntervalUpperBound ?? Number.POSITIVE_INFINITY;
    return breach >= 0 ? lower <= breach && breach < upper : lower < breach && breach <= upper;
  });
  if (!step) return undefined;
  const adjust = (from: number) => clamp(adjusted(from, step.ScalingAdjustment as number, config), min, max);
  let desired = adjust(current);
  if (desired > current) {
    if ((cooldowns.scaleOutUntil ?? 0) > now) desired = adjust(cooldowns.scaleOutBase ?? current);
    return desired > current ? { desired, direction: "out" } : undefined;
  }
  if (desired < current && (cooldowns.scaleInUntil ?? 0) <= now) return { desired, direction: "in" };
  return undefined;
}

/** A capacity after one adjustment (AWS's rounding of percentages, and MinAdjustmentMagnitude). */
function adjusted(from: number, adjustment: number, config: StepScalingPolicyConfiguration): number {
  switch (config.AdjustmentType) {
    case "ExactCapacity":
      return adjustment;
    case "PercentChangeInCapacity": {
      const raw = (from * adjustment) / 100;
      // Values between -1 and 1 round away from zero; others toward zero (12.7 → 12, -6.67 → -6).
      let change = raw > 0 && raw < 1 ? 1 : raw < 0 && raw > -1 ? -1 : Math.trunc(raw);
      if (raw === 0) change = 0;
      const least = config.MinAdjustmentMagnitude;
      if (least !== undefined && change !== 0 && Math.abs(change) < least) change = Math.sign(change) * least;
      return from + change;
    }
    default:
      return from + adjustment;
  }
}

/** How a step policy reads its alarm's datapoints (MetricAggregationType, Average when unset). */
export function aggregate(values: readonly number[], type: string | undefined): number {
  if (type === "Minimum") return Math.min(...values);
  if (type === "Maximum") return Math.max(...values);
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** The cooldown a successful activity starts, in milliseconds of real time (scaled like alarm periods). */
export function cooldownMs(
  policy: {
    PolicyType: string;
    TargetTrackingScalingPolicyConfiguration?: TargetTrackingScalingPolicyConfiguration;
    StepScalingPolicyConfiguration?: StepScalingPolicyConfiguration;
  },
  direction: "out" | "in",
  timeScale: number,
): number {
  const seconds =
    policy.PolicyType === "StepScaling"
      ? policy.StepScalingPolicyConfiguration?.Cooldown
      : direction === "out"
        ? policy.TargetTrackingScalingPolicyConfiguration?.ScaleOutCooldown
        : policy.TargetTrackingScalingPolicyConfiguration?.ScaleInCooldown;
  return (seconds ?? DEFAULT_COOLDOWN_S) * timeScale * 1000;
}
