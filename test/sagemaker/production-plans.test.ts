import type { DeploymentConfig } from "@aws-sdk/client-sagemaker";
import { describe, expect, it } from "vitest";
import {
  AB_VARIANTS,
  abTestPlan,
  accuracyByVariant,
  buildVariantsConfigRequest,
  CHALLENGER_JOB_BASE,
  canaryDeploymentConfig,
  challengerTrainingPlan,
  fillZeros,
  guardrailAlarmNames,
  guardrailAlarms,
  guardrailCostNotice,
  guardrailPlan,
  linearDeploymentConfig,
  microsecondsToMs,
  pickWinner,
  predictedLabel,
  type RolloutObservation,
  rolloutOutcomes,
  StatusHistory,
  TIMELINE_LANES,
  tallyVariants,
  timelineFigure,
  timelineSegments,
  timeMarks,
  totalsBySeries,
  type VariantAnswer,
  weightLabel,
  weightSchedule,
} from "../../src/labs";
import { readInput } from "../../src/local/protocol/model";
import { MODELS } from "../../src/local/protocol/models";
import { checkAlarm } from "../../src/local/services/cloudwatch/alarm-rules";
import type { VariantRecord } from "../../src/local/services/sagemaker/hosting/records";
import { checkDeploymentConfig, rolloutPlan } from "../../src/local/services/sagemaker/hosting/rollout";
import type { WorkshopConfig } from "../../src/sagemaker/config";
import { buildCreateModelRequest, HuggingFaceModel } from "../../src/sagemaker/model";
import { labResourcePrefix, workshopTags } from "../../src/sagemaker/naming";
import { createSession, type WorkshopSession } from "../../src/sagemaker/session";

/** Labs 5.1 and 5.2: their plans in both modes, the requests they build, and the helpers that hold logic. */

const awsConfig: WorkshopConfig = {
  mode: "aws",
  region: "ap-northeast-2",
  roleArn: "arn:aws:iam::111122223333:role/SageMakerWorkshopRole",
  confirmCosts: false,
};
const localSession = {
  mode: "local",
  region: "ap-northeast-2",
  config: { mode: "local" },
} as WorkshopSession;
const awsSession = () => createSession({ config: awsConfig });

const validSageMaker = (operation: string, input: unknown) =>
  readInput(MODELS.sagemaker, operation, input, { validationCode: "ValidationException" });
const validCloudWatch = (operation: string, input: unknown) =>
  readInput(MODELS.cloudwatch, operation, input, { validationCode: "ValidationError" });

const fleet = (instanceCount: number): VariantRecord[] => [
  {
    VariantName: "AllTraffic",
    ModelName: "m",
    weight: 1,
    instanceCount,
    containers: [],
    mode: "Single",
    imageResolvedAt: 0,
  },
];

describe("lab 5.1's plan", () => {
  it("is short locally and the workshop's pace on AWS; the knobs override the request counts", async () => {
    const quick = abTestPlan(localSession, { quick: true, env: {} });
    expect(quick).toMatchObject({
      reviews: 200,
      phaseRequests: 150,
      metricPeriodSeconds: 1,
      instancesPerVariant: 1,
    });
    expect(abTestPlan(localSession, { quick: false, env: {} }).reviews).toBe(1000);
    const aws = abTestPlan(await awsSession(), { quick: false, env: {} });
    expect(aws).toMatchObject({ reviews: 250, pauseMs: 500, metricPeriodSeconds: 60 });
    expect(abTestPlan(localSession, { quick: true, env: { AB_REVIEWS: "42" } }).reviews).toBe(42);
    expect(() => abTestPlan(localSession, { quick: true, env: { AB_PHASE_REQUESTS: "many" } })).toThrow(
      /AB_PHASE_REQUESTS/,
    );
  });

  it("trains the challenger with other settings, under its own job name", async () => {
    const local = challengerTrainingPlan(localSession, { quick: true });
    expect(local.baseJobName).toBe(CHALLENGER_JOB_BASE);
    expect(local.entryPoint).toBe("train.ts");
    expect(local.hyperparameters).toMatchObject({
      char_ngram_max: 2,
      word_ngram_max: 1,
      nb_weighting: false,
    });
    const aws = challengerTrainingPlan(await awsSession(), { quick: false });
    expect(aws.entryPoint).toBe("train.py");
    expect(aws.hyperparameters).toMatchObject({ epochs: 1, max_train_samples: 4000 });
    // Lab 3.3's job prefix must not match it, or later labs would deploy the challenger as "the" model.
    expect(CHALLENGER_JOB_BASE.startsWith("nsmc-sentiment")).toBe(false);
  });

  it("builds a valid two-variant CreateEndpointConfig (50:50)", () => {
    const request = buildVariantsConfigRequest(
      "ko-sagemaker-5-1-2026-12-01-10-00-00-000",
      AB_VARIANTS.map((variantName, i) => ({
        variantName,
        modelName: `model-${i}`,
        weight: 1,
        instanceCount: 1,
      })),
      "ml.m5.xlarge",
      workshopTags("5.1"),
    );
    expect(() => validSageMaker("CreateEndpointConfig", request)).not.toThrow();
    expect(request.ProductionVariants?.map((v) => [v.VariantName, v.InitialVariantWeight])).toEqual([
      ["Variant1", 1],
      ["Variant2", 1],
    ]);
    expect(() => buildVariantsConfigRequest("x", [], "ml.m5.xlarge", [])).toThrow(/1 to 10/);
  });
});

const answer = (over: Partial<VariantAnswer>): VariantAnswer => ({
  request: 0,
  at: new Date(0),
  variant: "Variant1",
  phase: "50:50",
  label: "positive",
  predicted: "positive",
  latencyMs: 2,
  ...over,
});

describe("lab 5.1's tallies", () => {
  const answers = [
    answer({ variant: "Variant1" }),
    answer({ variant: "Variant1", predicted: "negative", latencyMs: 4 }),
    answer({ variant: "Variant2" }),
    answer({ variant: "Variant2" }),
    answer({ variant: "(error)", error: "ModelError", predicted: undefined }),
    answer({ variant: "Variant1", phase: "80:20" }),
  ];

  it("counts requests per phase and variant with their shares", () => {
    expect(tallyVariants(answers)).toEqual([
      { phase: "50:50", variant: "(error)", requests: 1, share: "20.0%" },
      { phase: "50:50", variant: "Variant1", requests: 2, share: "40.0%" },
      { phase: "50:50", variant: "Variant2", requests: 2, share: "40.0%" },
      { phase: "80:20", variant: "Variant1", requests: 1, share: "100.0%" },
    ]);
  });

  it("scores accuracy per variant on the answered requests and picks the winner (ties: the incumbent)", () => {
    const rows = accuracyByVariant(answers);
    expect(rows).toEqual([
      { variant: "Variant1", requests: 3, correct: 2, accuracy: 0.6667, meanLatencyMs: 2.67 },
      { variant: "Variant2", requests: 2, correct: 2, accuracy: 1, meanLatencyMs: 2 },
    ]);
    expect(pickWinner(rows)).toBe("Variant2");
    expect(pickWinner(rows.map((row) => ({ ...row, accuracy: 0.5 })))).toBe("Variant1");
    expect(() => pickWinner([])).toThrow(/nothing to compare/);
  });

  it("moves weights toward the winner as the workshop does, labelled in the variants' order", () => {
    const steps = weightSchedule("Variant2", "Variant1");
    expect(steps).toEqual([
      { Variant2: 80, Variant1: 20 },
      { Variant2: 100, Variant1: 0 },
    ]);
    expect(steps.map((weights) => weightLabel(weights))).toEqual(["20:80", "0:100"]);
    expect(weightLabel({ Variant1: 1, Variant2: 1 })).toBe("50:50");
  });

  it("reads the predicted label of a text-classification answer", () => {
    expect(predictedLabel([{ label: "negative", score: 0.9 }])).toBe("negative");
    expect(
      predictedLabel([
        [
          { label: "negative", score: 0.2 },
          { label: "positive", score: 0.8 },
        ],
      ]),
    ).toBe("positive");
    expect(predictedLabel({ error: "x" })).toBeUndefined();
  });
});

describe("metric points for charts", () => {
  const at = (second: number) => new Date(Date.UTC(2026, 11, 1, 10, 0, second));
  const points = [
    { time: at(0), series: "Variant1", value: 3 },
    { time: at(0), series: "Variant2", value: 2 },
    { time: at(2), series: "Variant2", value: 5 },
  ];

  it("fills the periods a count metric has no datapoint for with zeros", () => {
    expect(fillZeros(points, 1).map((p) => [p.time.getUTCSeconds(), p.series, p.value])).toEqual([
      [0, "Variant1", 3],
      [0, "Variant2", 2],
      [1, "Variant1", 0],
      [1, "Variant2", 0],
      [2, "Variant1", 0],
      [2, "Variant2", 5],
    ]);
    expect(fillZeros([], 1)).toEqual([]);
  });

  it("sums per series and turns microseconds into milliseconds", () => {
    expect(totalsBySeries(points)).toEqual({ Variant1: 3, Variant2: 7 });
    expect(microsecondsToMs([{ time: at(0), series: "a", value: 1234 }])[0]?.value).toBe(1.23);
  });

  it("marks times with a dotted line and a label", () => {
    const marks = timeMarks([{ at: at(1), text: "80:20" }]);
    expect(marks.shapes).toEqual([
      expect.objectContaining({ type: "line", x0: at(1).toISOString(), yref: "paper" }),
    ]);
    expect(marks.annotations).toEqual([expect.objectContaining({ text: "80:20" })]);
  });
});

describe("lab 5.2's plan", () => {
  it("judges 10-second alarm periods locally and bakes long enough for the alarm to judge each step", () => {
    const plan = guardrailPlan(localSession, { quick: true, env: {} });
    expect(plan.alarmPeriodSeconds).toBe(10);
    expect(plan.linear.waitSeconds).toBeGreaterThanOrEqual(2 * plan.alarmPeriodSeconds);
    expect(plan.canary.waitSeconds).toBeGreaterThanOrEqual(plan.alarmPeriodSeconds);
    expect(plan.instanceCount).toBe(2);
  });

  it("uses the workshop's values on AWS", async () => {
    const plan = guardrailPlan(await awsSession(), { quick: true, env: {} });
    expect(plan).toMatchObject({
      alarmPeriodSeconds: 60,
      linear: { stepPercent: 50, waitSeconds: 180 },
      canary: { instances: 1, waitSeconds: 300 },
      terminationWaitSeconds: 120,
      maximumExecutionTimeoutSeconds: 1800,
      pauseMs: 800,
    });
    expect(guardrailCostNotice(await awsSession(), plan)).toMatch(/2 × ml\.m5\.xlarge[\s\S]*alarms/);
  });

  it("defines the workshop's alarms with the plan's period: valid for CloudWatch and for local CloudWatch", async () => {
    for (const session of [localSession, await awsSession()]) {
      const plan = guardrailPlan(session, { quick: true, env: {} });
      const alarms = guardrailAlarms("ko-sagemaker-5-2-2026-12-01-10-00-00-000", plan, "5.2");
      expect(
        alarms.map((alarm) => [alarm.MetricName, alarm.Statistic, alarm.Threshold, alarm.Period]),
      ).toEqual([
        ["Invocation5XXErrors", "Average", 0.1, plan.alarmPeriodSeconds],
        ["ModelLatency", "Average", 400_000, plan.alarmPeriodSeconds],
      ]);
      for (const alarm of alarms) {
        expect(() => validCloudWatch("PutMetricAlarm", alarm)).not.toThrow();
        expect(() => checkAlarm(alarm)).not.toThrow();
        expect(alarm).toMatchObject({
          EvaluationPeriods: 1,
          ComparisonOperator: "GreaterThanOrEqualToThreshold",
          TreatMissingData: "notBreaching",
          ActionsEnabled: false,
          Dimensions: [
            { Name: "EndpointName", Value: "ko-sagemaker-5-2-2026-12-01-10-00-00-000" },
            { Name: "VariantName", Value: "AllTraffic" },
          ],
        });
      }
    }
  });

  it("names the alarms after the endpoint, so the cleanup sweep finds them by the lab's prefix", () => {
    const names = guardrailAlarmNames("ko-sagemaker-5-2-2026-12-01-10-00-00-000");
    expect(Object.values(names).every((name) => name.startsWith(`${labResourcePrefix("5.2")}-`))).toBe(true);
    expect(labResourcePrefix("4.1")).toBe("ko-sagemaker-4-1");
    expect(labResourcePrefix()).toBe("ko-sagemaker");
  });

  it("deploys blue and the good green on two releases of the Hugging Face inference DLC (valid CreateModel)", async () => {
    const session = await awsSession();
    const plan = guardrailPlan(session, { quick: true, env: {} });
    const images = [plan.blueTransformersVersion, plan.greenTransformersVersion].map(
      (transformersVersion) => {
        const model = new HuggingFaceModel(session, {
          modelData: "s3://sagemaker-ap-northeast-2-111122223333/nsmc-sentiment/output/model.tar.gz",
          transformersVersion,
          instanceType: plan.instanceType,
          lab: "5.2",
        });
        const request = buildCreateModelRequest(
          "ko-sagemaker-5-2-blue",
          awsConfig.roleArn as string,
          model.options,
          [],
        );
        expect(() => validSageMaker("CreateModel", request)).not.toThrow();
        return request.PrimaryContainer?.Image;
      },
    );
    expect(images[0]).toMatch(/huggingface-pytorch-inference:.*transformers4\.49\.0-cpu/);
    expect(images[1]).toMatch(/huggingface-pytorch-inference:.*transformers4\.51\.3-cpu/);
  });

  it("builds LINEAR and CANARY updates that SageMaker and local SageMaker accept, in both modes", async () => {
    for (const session of [localSession, await awsSession()]) {
      const plan = guardrailPlan(session, { quick: true, env: {} });
      const configs: DeploymentConfig[] = [
        linearDeploymentConfig(plan, ["guard"]),
        canaryDeploymentConfig(plan, ["guard"]),
      ];
      for (const DeploymentConfig of configs) {
        expect(() =>
          validSageMaker("UpdateEndpoint", {
            EndpointName: "ep",
            EndpointConfigName: "green",
            DeploymentConfig,
          }),
        ).not.toThrow();
        expect(() =>
          checkDeploymentConfig(
            DeploymentConfig,
            fleet(plan.instanceCount),
            fleet(plan.instanceCount),
            () => true,
          ),
        ).not.toThrow();
      }
      const [linear, canary] = configs.map((config) =>
        rolloutPlan(config, fleet(plan.instanceCount), fleet(plan.instanceCount)),
      );
      // Two instances: each step moves one of them.
      expect(linear?.steps.map((step) => step.greenShare)).toEqual([0.5, 1]);
      expect(canary?.steps.map((step) => step.greenShare)).toEqual([0.5, 1]);
      expect(linear?.alarms).toEqual(["guard"]);
    }
    // The service model does hold the ranges: a bake over an hour is refused before anything is sent.
    const tooLong = linearDeploymentConfig(
      {
        ...guardrailPlan(localSession, { quick: true, env: {} }),
        linear: { stepPercent: 50, waitSeconds: 4000 },
      },
      ["guard"],
    );
    expect(() =>
      validSageMaker("UpdateEndpoint", {
        EndpointName: "ep",
        EndpointConfigName: "green",
        DeploymentConfig: tooLong,
      }),
    ).toThrow(/waitIntervalInSeconds.*less than or equal to 3600/);
  });
});

describe("the status history and its timeline", () => {
  const at = (second: number) => new Date(Date.UTC(2026, 11, 1, 10, 0, second));
  const observations: RolloutObservation[] = [
    { at: at(0), endpointStatus: "InService", alarmState: "OK" },
    { at: at(1), endpointStatus: "Updating", fleetStatus: "Creating", alarmState: "OK" },
    { at: at(3), endpointStatus: "Updating", fleetStatus: "Baking", alarmState: "OK" },
    { at: at(8), endpointStatus: "Updating", fleetStatus: "Baking", alarmState: "ALARM" },
    { at: at(9), endpointStatus: "RollingBack", fleetStatus: "Baking", alarmState: "ALARM" },
    { at: at(10), endpointStatus: "InService", alarmState: "ALARM" },
  ];

  it("keeps only changes", () => {
    const history = new StatusHistory();
    expect(history.record({ endpointStatus: "Updating", alarmState: "OK" }, at(0))).toBe(true);
    expect(history.record({ endpointStatus: "Updating", alarmState: "OK" }, at(1))).toBe(false);
    expect(history.record({ endpointStatus: "Updating", alarmState: "ALARM" }, at(2))).toBe(true);
    expect(history.observations.map((o) => o.alarmState)).toEqual(["OK", "ALARM"]);
  });

  it("draws each lane's value from the observation that showed it to the next change", () => {
    const segments = timelineSegments(observations, at(20));
    const lane = (name: string) =>
      segments
        .filter((segment) => segment.lane === name)
        .map((s) => [s.state, s.start.getUTCSeconds(), s.end.getUTCSeconds()]);
    expect(lane(TIMELINE_LANES.endpoint)).toEqual([
      ["InService", 0, 1],
      ["Updating", 1, 9],
      ["RollingBack", 9, 10],
      ["InService", 10, 20],
    ]);
    // The new fleet has a status only while a deployment is pending.
    expect(lane(TIMELINE_LANES.fleet)).toEqual([
      ["Creating", 1, 3],
      ["Baking", 3, 10],
    ]);
    expect(lane(TIMELINE_LANES.alarm)).toEqual([
      ["OK", 0, 8],
      ["ALARM", 8, 20],
    ]);
  });

  it("charts the segments as horizontal bars on a date axis, one trace per state", () => {
    const figure = timelineFigure(timelineSegments(observations, at(20)), { title: "t" }) as {
      data: { name: string; y: string[]; base: string[]; x: number[] }[];
      layout: { xaxis: { type: string } };
    };
    const rolling = figure.data.find((trace) => trace.name === "RollingBack");
    expect(rolling).toMatchObject({ y: [TIMELINE_LANES.endpoint], base: [at(9).toISOString()], x: [1000] });
    expect(figure.layout.xaxis.type).toBe("date");
    expect(new Set(figure.data.map((trace) => trace.name)).size).toBe(figure.data.length);
  });

  it("counts a rollout's requests by outcome", () => {
    expect(
      rolloutOutcomes([
        { at: at(0), ok: true },
        { at: at(1), ok: false, code: "ModelError", originalStatusCode: 500 },
        { at: at(2), ok: false, code: "ModelError", originalStatusCode: 500 },
      ]),
    ).toEqual([
      { outcome: "ok", requests: 1 },
      { outcome: "ModelError (container 500)", requests: 2 },
    ]);
  });
});
