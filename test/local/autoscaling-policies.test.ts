import type { StepScalingPolicyConfiguration } from "@aws-sdk/client-application-auto-scaling";
import { describe, expect, it } from "vitest";
import {
  checkStepScaling,
  cooldownMs,
  stepScale,
  targetTrackingAlarms,
  trackTarget,
} from "../../src/local/services/autoscaling/policies";

/** The scaling rules on their own: what a triggered policy asks for, and what a policy may say. */

const now = 1_000_000;
const at = (current: number, cooldowns = {}, min = 1, max = 10) => ({ current, min, max, cooldowns, now });
const tracking = { TargetValue: 10 };

describe("target tracking", () => {
  it("scales out in proportion, ceil(capacity × metric / target), within MaxCapacity", () => {
    expect(trackTarget(tracking, "high", 25, at(1))).toEqual({ desired: 3, direction: "out" });
    expect(trackTarget(tracking, "high", 30, at(1))).toEqual({ desired: 3, direction: "out" });
    expect(trackTarget(tracking, "high", 12, at(4))).toEqual({ desired: 5, direction: "out" });
    expect(trackTarget(tracking, "high", 500, at(2, {}, 1, 4))).toEqual({ desired: 4, direction: "out" });
    expect(trackTarget(tracking, "high", 500, at(4, {}, 1, 4))).toBeUndefined();
    // A variant at 0 instances (an asynchronous endpoint) counts as one: a backlog of 5 over a target of 2 asks for 3.
    expect(trackTarget({ TargetValue: 2 }, "high", 5, at(0, {}, 0, 4))).toEqual({
      desired: 3,
      direction: "out",
    });
  });

  it("counts the capacity the last scale-out added while its cooldown runs", () => {
    const cooling = { scaleOutUntil: now + 1, scaleOutBase: 1 };
    // The metric still reflects one instance: 25 asks for 3, which is there already.
    expect(trackTarget(tracking, "high", 25, at(3, cooling))).toBeUndefined();
    // A larger breach still scales out, counted from the capacity before the cooldown began.
    expect(trackTarget(tracking, "high", 50, at(3, cooling))).toEqual({ desired: 5, direction: "out" });
    expect(trackTarget(tracking, "high", 25, at(3, { ...cooling, scaleOutUntil: now }))).toEqual({
      desired: 8,
      direction: "out",
    });
  });

  it("scales in only from the low alarm, not during its cooldown, not with DisableScaleIn, down to MinCapacity", () => {
    expect(trackTarget(tracking, "low", 4, at(5))).toEqual({ desired: 2, direction: "in" });
    expect(trackTarget(tracking, "low", 0, at(5, {}, 2))).toEqual({ desired: 2, direction: "in" });
    expect(trackTarget(tracking, "low", 0, at(1, {}, 0))).toEqual({ desired: 0, direction: "in" });
    expect(trackTarget(tracking, "low", 9.5, at(5))).toBeUndefined();
    expect(trackTarget(tracking, "low", 4, at(5, { scaleInUntil: now + 1 }))).toBeUndefined();
    expect(trackTarget({ TargetValue: 10, DisableScaleIn: true }, "low", 0, at(5))).toBeUndefined();
    expect(trackTarget(tracking, "high", 4, at(5))).toBeUndefined();
  });

  it("creates AWS's two alarms, or only the high one with DisableScaleIn", () => {
    const ref = {
      endpointName: "e",
      variantName: "AllTraffic",
      dimension: "sagemaker:variant:DesiredInstanceCount",
    } as const;
    const config = {
      TargetValue: 0.7,
      PredefinedMetricSpecification: {
        PredefinedMetricType: "SageMakerVariantInvocationsPerInstance" as const,
      },
    };
    let n = 0;
    const alarms = targetTrackingAlarms(
      config,
      ref,
      "endpoint/e/variant/AllTraffic",
      "arn:p",
      () => `u${++n}`,
    );
    expect(
      alarms.map(({ kind, input }) => [kind, input.AlarmName, input.Threshold, input.EvaluationPeriods]),
    ).toEqual([
      ["high", "TargetTracking-endpoint/e/variant/AllTraffic-AlarmHigh-u1", 0.7, 3],
      ["low", "TargetTracking-endpoint/e/variant/AllTraffic-AlarmLow-u2", 0.63, 15],
    ]);
    expect(alarms[0]?.input).toMatchObject({
      Namespace: "AWS/SageMaker",
      MetricName: "InvocationsPerInstance",
      Statistic: "Sum",
      Period: 60,
      AlarmActions: ["arn:p"],
      AlarmDescription: "DO NOT EDIT OR DELETE. For TargetTrackingScaling policy arn:p.",
    });
    const onlyHigh = targetTrackingAlarms({ ...config, DisableScaleIn: true }, ref, "r", "arn:p", () => "u");
    expect(onlyHigh.map((alarm) => alarm.kind)).toEqual(["high"]);
  });

  it("shortens cooldowns by the alarm time scale (AWS's default 300 s for SageMaker variants)", () => {
    const policy = {
      PolicyType: "TargetTrackingScaling",
      TargetTrackingScalingPolicyConfiguration: tracking,
    };
    expect(cooldownMs(policy, "out", 0.1)).toBe(30_000);
    expect(
      cooldownMs(
        {
          PolicyType: "TargetTrackingScaling",
          TargetTrackingScalingPolicyConfiguration: { TargetValue: 1, ScaleInCooldown: 60 },
        },
        "in",
        1,
      ),
    ).toBe(60_000);
  });
});

describe("step scaling", () => {
  const steps: StepScalingPolicyConfiguration = {
    AdjustmentType: "ChangeInCapacity",
    StepAdjustments: [
      { MetricIntervalUpperBound: -5, ScalingAdjustment: -2 },
      { MetricIntervalLowerBound: -5, MetricIntervalUpperBound: 0, ScalingAdjustment: -1 },
      { MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 10, ScalingAdjustment: 1 },
      { MetricIntervalLowerBound: 10, ScalingAdjustment: 3 },
    ],
  };

  it("applies the step whose interval holds the breach (lower bound inclusive above the threshold, upper below)", () => {
    expect(stepScale(steps, 0, at(2))).toEqual({ desired: 3, direction: "out" });
    expect(stepScale(steps, 9.9, at(2))).toEqual({ desired: 3, direction: "out" });
    expect(stepScale(steps, 10, at(2))).toEqual({ desired: 5, direction: "out" });
    expect(stepScale(steps, -4.9, at(4))).toEqual({ desired: 3, direction: "in" });
    expect(stepScale(steps, -5, at(4))).toEqual({ desired: 2, direction: "in" });
    expect(stepScale(steps, 50, at(9))).toEqual({ desired: 10, direction: "out" });
    expect(stepScale(steps, -50, at(1))).toBeUndefined();
  });

  it("rounds percentages as AWS does and honours MinAdjustmentMagnitude; ExactCapacity sets the capacity", () => {
    const percent = (adjustment: number, least?: number): StepScalingPolicyConfiguration => ({
      AdjustmentType: "PercentChangeInCapacity",
      StepAdjustments: [{ ScalingAdjustment: adjustment }],
      ...(least !== undefined ? { MinAdjustmentMagnitude: least } : {}),
    });
    expect(stepScale(percent(15), 1, at(10, {}, 1, 100))?.desired).toBe(11); // 1.5 → 1
    expect(stepScale(percent(10), 1, at(2))?.desired).toBe(3); // 0.2 → 1
    expect(stepScale(percent(-10), -1, at(3))?.desired).toBe(2); // -0.3 → -1
    expect(stepScale(percent(-67), -1, at(10))?.desired).toBe(4); // -6.7 → -6
    expect(stepScale(percent(10, 3), 1, at(10, {}, 1, 100))?.desired).toBe(13);
    const exact = { AdjustmentType: "ExactCapacity" as const, StepAdjustments: [{ ScalingAdjustment: 4 }] };
    expect(stepScale(exact, 1, at(1))).toEqual({ desired: 4, direction: "out" });
  });

  it("during a scale-out cooldown asks only for a larger step than the capacity it started from; scale-in waits", () => {
    const cooling = { scaleOutUntil: now + 1, scaleOutBase: 2 };
    expect(stepScale(steps, 3, at(3, cooling))).toBeUndefined(); // +1 from 2 is there already
    expect(stepScale(steps, 20, at(3, cooling))).toEqual({ desired: 5, direction: "out" }); // +3 from 2
    expect(stepScale(steps, -3, at(3, { scaleInUntil: now + 1 }))).toBeUndefined();
  });

  it("refuses steps AWS refuses", () => {
    const check = (config: StepScalingPolicyConfiguration) => () => checkStepScaling(config);
    const type = { AdjustmentType: "ChangeInCapacity" as const };
    expect(check({ ...type, StepAdjustments: [] })).toThrow(/at least one StepAdjustment/);
    expect(
      check({
        ...type,
        StepAdjustments: [
          { MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 5, ScalingAdjustment: 1 },
          { MetricIntervalLowerBound: 6, ScalingAdjustment: 2 },
        ],
      }),
    ).toThrow(/leave a gap between 5 and 6/);
    expect(
      check({
        ...type,
        StepAdjustments: [
          { MetricIntervalUpperBound: 0, ScalingAdjustment: -1 },
          { MetricIntervalUpperBound: 5, ScalingAdjustment: 1 },
        ],
      }),
    ).toThrow(/At most one step adjustment may leave MetricIntervalLowerBound out/);
    expect(
      check({ ...type, StepAdjustments: [{ MetricIntervalLowerBound: -5, ScalingAdjustment: -1 }] }),
    ).toThrow(/negative lower bound/);
    expect(
      check({ ...type, StepAdjustments: [{ MetricIntervalUpperBound: 5, ScalingAdjustment: 1 }] }),
    ).toThrow(/positive upper bound/);
    expect(
      check({ ...type, MinAdjustmentMagnitude: 2, StepAdjustments: [{ ScalingAdjustment: 1 }] }),
    ).toThrow(/only to the AdjustmentType PercentChangeInCapacity/);
    expect(check({ StepAdjustments: [{ ScalingAdjustment: 1 }] })).toThrow(/needs AdjustmentType/);
    expect(check(steps)).not.toThrow();
  });
});
