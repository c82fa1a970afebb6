import { describe, expect, it } from "vitest";
import {
  autoscalingPlan,
  backlogWithoutCapacityAlarm,
  scalingFigure,
  timeScaleNotice,
} from "../../src/labs/autoscaling";
import { activityRows, variantResourceId } from "../../src/sagemaker/autoscaling";
import type { WorkshopSession } from "../../src/sagemaker/session";

/** Lab 4.8's plan and helpers, without a server: the numbers the lab's policies and waits are built from. */

const session = (mode: "local" | "aws") =>
  ({ mode, config: { mode, region: "ap-northeast-2" } }) as unknown as WorkshopSession;

describe("autoscalingPlan", () => {
  it("locally sizes the target so one instance asks for three, on the server's scaled minute", async () => {
    const plan = await autoscalingPlan(session("local"), { quick: true, env: {}, timeScale: 1 / 60 });
    expect(plan.windowSeconds).toBe(1);
    const perWindow = plan.load.ratePerSecond * plan.windowSeconds;
    // ceil(1 × load / target) = 3, and three instances each see less than the target.
    expect(Math.min(plan.maxCapacity, Math.ceil(perWindow / plan.targetValue))).toBe(3);
    expect(perWindow / 3).toBeLessThan(plan.targetValue);
    // The waits cover 3 high and 15 low datapoints and the scaled cooldowns.
    expect(plan.scaleOutWaitSeconds).toBeGreaterThanOrEqual(3 * plan.windowSeconds + 1);
    expect(plan.scaleInWaitSeconds).toBeGreaterThanOrEqual(15 * plan.windowSeconds + 5);
    expect(plan.scaleInWaitSeconds).toBeLessThan(60);
    expect(timeScaleNotice(plan, session("local"))).toBeUndefined();
  });

  it("at a tenth, windows are 6 s and the target counts six seconds of requests", async () => {
    const plan = await autoscalingPlan(session("local"), { quick: false, env: {}, timeScale: 0.1 });
    expect(plan.windowSeconds).toBe(6);
    expect(plan.targetValue).toBe(Math.round((plan.load.ratePerSecond * 6) / 2.8));
  });

  it("warns a local server at AWS's pace, and uses AWS's minute and waits in AWS mode", async () => {
    const slow = await autoscalingPlan(session("local"), { quick: true, env: {}, timeScale: 1 });
    expect(timeScaleNotice(slow, session("local"))).toMatch(/LOCAL_SAGEMAKER_ALARM_TIME_SCALE/);
    const aws = await autoscalingPlan(session("aws"), { quick: true, env: {} });
    expect(aws.timeScale).toBe(1);
    expect(aws.windowSeconds).toBe(60);
    expect(aws.targetValue).toBe(Math.round((8 * 60) / 2.8));
    expect(aws.scaleInWaitSeconds).toBe(1800);
    expect(timeScaleNotice(aws, session("aws"))).toBeUndefined();
  });

  it("reads its knobs", async () => {
    const plan = await autoscalingPlan(session("local"), {
      quick: true,
      env: { SCALING_RATE: "50", SCALING_CALLERS: "8", SCALING_ASYNC_REQUESTS: "12" },
      timeScale: 1 / 60,
    });
    expect(plan.load).toMatchObject({ ratePerSecond: 50, callers: 8 });
    expect(plan.async.requests).toBe(12);
  });
});

describe("lab 4.8 helpers", () => {
  it("names the variant and the wake-up alarm as AWS and the sweep expect", () => {
    expect(variantResourceId("ko-sagemaker-4-8-x")).toBe("endpoint/ko-sagemaker-4-8-x/variant/AllTraffic");
    const alarm = backlogWithoutCapacityAlarm("ko-sagemaker-4-8-x", "arn:policy");
    expect(alarm).toMatchObject({
      AlarmName: "ko-sagemaker-4-8-x-has-backlog-without-capacity",
      MetricName: "HasBacklogWithoutCapacity",
      Dimensions: [{ Name: "EndpointName", Value: "ko-sagemaker-4-8-x" }],
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
      Threshold: 1,
      AlarmActions: ["arn:policy"],
    });
  });

  it("charts sampled counts as steps and the metric with its target below", () => {
    const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));
    const figure = scalingFigure({
      title: "t",
      samples: [
        { time: at(2), status: "Updating", desired: 3, current: 1 },
        { time: at(0), status: "InService", desired: 1, current: 1 },
      ],
      metric: { name: "InvocationsPerInstance", points: [{ time: at(1), value: 30 }], target: 11 },
    });
    const [desired, current, metric, target] = figure.data;
    expect(desired?.y).toEqual([1, 3]);
    expect(current?.y).toEqual([1, 1]);
    expect(current?.line).toMatchObject({ shape: "hv" });
    expect(metric?.yaxis).toBe("y2");
    expect(target).toMatchObject({ y: [11, 11], x: [at(0), at(2)] });
  });

  it("turns activities into rows with their duration", () => {
    expect(
      activityRows([
        {
          ActivityId: "a",
          ServiceNamespace: "sagemaker",
          ResourceId: "r",
          ScalableDimension: "sagemaker:variant:DesiredInstanceCount",
          Description: "Setting desired instance count to 3.",
          Cause: "monitor alarm x in state ALARM triggered policy p",
          StartTime: new Date("2026-01-01T00:00:01Z"),
          EndTime: new Date("2026-01-01T00:00:03.5Z"),
          StatusCode: "Successful",
        },
      ]),
    ).toEqual([
      {
        시작: "00:00:01",
        설명: "Setting desired instance count to 3.",
        원인: "monitor alarm x in state ALARM triggered policy p",
        상태: "Successful",
        "걸린 시간 (s)": "2.5",
      },
    ]);
  });
});
