import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DescribeAlarmsCommand,
  PutMetricAlarmCommand,
  SetAlarmStateCommand,
} from "@aws-sdk/client-cloudwatch";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { UpdateEndpointCommand } from "@aws-sdk/client-sagemaker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  accuracyByVariant,
  createEndpointConfigFor,
  deployVariants,
  driveRollout,
  guardrailAlarms,
  guardrailPlan,
  rolloutOutcomes,
  StatusHistory,
  sendReviews,
  tallyVariants,
} from "../../src/labs";
import { cleanupWorkshopResources, deleteWorkshopAlarms } from "../../src/sagemaker/cleanup";
import { setVariantWeights } from "../../src/sagemaker/endpoint-metrics";
import { ensureLocalSageMaker, stopLocalSageMaker } from "../../src/sagemaker/local-launcher";
import { HuggingFaceModel } from "../../src/sagemaker/model";
import { s3Uri } from "../../src/sagemaker/s3";
import { createSession, type WorkshopSession } from "../../src/sagemaker/session";
import { KEYWORD_MODEL, modelArchive } from "../local/hosting-fixtures";

/** Labs 5.1 and 5.2's helpers against a real local SageMaker: variants, a guarded rollout, and the alarm sweep. */

const freePort = () =>
  new Promise<number>((done, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });

/** A model that answers "positive" to everything: the weaker variant. */
const ALWAYS_POSITIVE = `${KEYWORD_MODEL}
export function predictFn() { return [{ label: "positive", score: 0.99 }]; }
`;

let url: string;
let work: string;
let stateDir: string;
let session: WorkshopSession;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "ko-sm-production-"));
  stateDir = join(work, "state");
  url = (await ensureLocalSageMaker({ port: await freePort(), stateDir })).url;
  session = await createSession({
    config: { mode: "local", region: "ap-northeast-2", confirmCosts: true },
    localUrl: url,
    localStateDir: stateDir,
  });
});

afterAll(async () => {
  if (session) {
    await cleanupWorkshopResources(session, { lab: "t-5.1", verbose: false });
    await cleanupWorkshopResources(session, { lab: "t-5.2", verbose: false });
  }
  if (url) await stopLocalSageMaker(url, { stateDir });
  if (work) await rm(work, { recursive: true, force: true });
});

async function upload(key: string, handler: string): Promise<string> {
  const bucket = await session.defaultBucket();
  await session.s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: await modelArchive({ "code/inference.ts": handler }),
    }),
  );
  return s3Uri(bucket, key);
}

const reviews = [
  { text: "정말 재미있어요 최고", label: "positive" },
  { text: "시간 낭비였다", label: "negative" },
];

describe("an A/B endpoint (lab 5.1)", () => {
  it("serves two models as variants, tells them apart by accuracy, and follows the weights", async () => {
    const models = [
      new HuggingFaceModel(session, {
        modelData: await upload("t51/keyword.tar.gz", KEYWORD_MODEL),
        lab: "t-5.1",
      }),
      new HuggingFaceModel(session, {
        modelData: await upload("t51/positive.tar.gz", ALWAYS_POSITIVE),
        lab: "t-5.1",
      }),
    ];
    const ab = await deployVariants(session, {
      lab: "t-5.1",
      instanceType: "ml.m5.large",
      onStatus: () => {},
      variants: [
        { variantName: "Variant1", model: models[0] as HuggingFaceModel },
        { variantName: "Variant2", model: models[1] as HuggingFaceModel },
      ],
    });
    const answers = await sendReviews(ab.predictor, reviews, {
      requests: 60,
      pauseMs: 0,
      phase: "50:50",
      progress: false,
    });
    const shares = tallyVariants(answers);
    expect(shares.map((row) => row.variant)).toEqual(["Variant1", "Variant2"]);
    for (const row of shares) expect(row.requests).toBeGreaterThan(10);
    const accuracy = Object.fromEntries(accuracyByVariant(answers).map((row) => [row.variant, row.accuracy]));
    expect(accuracy.Variant1).toBe(1);
    expect(accuracy.Variant2).toBeLessThan(0.8);

    await setVariantWeights(session, ab.endpointName, { Variant1: 100, Variant2: 0 }, { onStatus: () => {} });
    const after = await sendReviews(ab.predictor, reviews, {
      requests: 20,
      pauseMs: 0,
      phase: "100:0",
      progress: false,
    });
    expect(tallyVariants(after)).toEqual([
      { phase: "100:0", variant: "Variant1", requests: 20, share: "100.0%" },
    ]);
    const targeted = await sendReviews(ab.predictor, reviews, {
      requests: 3,
      pauseMs: 0,
      phase: "target",
      targetVariant: "Variant2",
      progress: false,
    });
    expect(targeted.map((row) => row.variant)).toEqual(["Variant2", "Variant2", "Variant2"]);
  }, 60_000);
});

describe("a guarded rollout (lab 5.2)", () => {
  it("sees Updating, Baking, ALARM, RollingBack and InService, and counts the traffic", async () => {
    const blue = new HuggingFaceModel(session, {
      modelData: await upload("t52/blue.tar.gz", KEYWORD_MODEL),
      lab: "t-5.2",
    });
    const predictor = await blue.deploy({
      instanceType: "ml.m5.large",
      initialInstanceCount: 2,
      endpointName: "ko-sagemaker-t-5-2-guarded",
      onStatus: () => {},
    });
    const plan = guardrailPlan(session, { quick: true, env: {} });
    const [guard] = guardrailAlarms(predictor.endpointName, plan, "t-5.2");
    await session.cloudwatch.send(new PutMetricAlarmCommand(guard as NonNullable<typeof guard>));
    const alarmName = guard?.AlarmName as string;
    const green = new HuggingFaceModel(session, {
      modelData: await upload("t52/green.tar.gz", KEYWORD_MODEL),
      lab: "t-5.2",
    });
    const greenConfig = await createEndpointConfigFor(session, green, {
      lab: "t-5.2",
      instanceType: "ml.m5.large",
      instanceCount: 2,
    });
    await session.sagemaker.send(
      new UpdateEndpointCommand({
        EndpointName: predictor.endpointName,
        EndpointConfigName: greenConfig,
        DeploymentConfig: {
          BlueGreenUpdatePolicy: {
            TrafficRoutingConfiguration: {
              Type: "CANARY",
              CanarySize: { Type: "INSTANCE_COUNT", Value: 1 },
              WaitIntervalInSeconds: 60,
            },
          },
          AutoRollbackConfiguration: { Alarms: [{ AlarmName: alarmName }] },
        },
      }),
    );
    const history = new StatusHistory();
    const lines: string[] = [];
    let forced = false;
    const run = await driveRollout(session, predictor, [{ inputs: "최고" }], {
      alarmName,
      history,
      pauseMs: 10,
      pollSeconds: plan.pollSeconds,
      maxRequests: 5000,
      maxSeconds: 50,
      print: (line) => {
        lines.push(line);
        // Once the canary bakes, force the guard into ALARM (SetAlarmState, as on AWS).
        if (!forced && line.includes("Baking")) {
          forced = true;
          void session.cloudwatch.send(
            new SetAlarmStateCommand({ AlarmName: alarmName, StateValue: "ALARM", StateReason: "test" }),
          );
        }
      },
    });
    const statuses = history.observations.map((o) => o.endpointStatus);
    expect(statuses[0]).toBe("Updating");
    expect(statuses).toContain("RollingBack");
    expect(statuses.at(-1)).toBe("InService");
    expect(history.observations.some((o) => o.fleetStatus === "Baking")).toBe(true);
    // The evaluator may put the forced alarm back to OK once the rollback ends (no errors), as AWS does.
    expect(history.observations.some((o) => o.alarmState === "ALARM")).toBe(true);
    expect(run.final.EndpointConfigName).toBe(predictor.endpointName);
    expect(run.final.FailureReason).toMatch(/rolled back because alarm/);
    expect(rolloutOutcomes(run.requests)).toEqual([{ outcome: "ok", requests: run.requests.length }]);
    expect(lines.some((line) => /^\.+$/.test(line))).toBe(true);
    expect(lines.find((line) => line.includes("RollingBack"))).toMatch(/^\[\s*\d+\.\d s\] RollingBack/);
  }, 60_000);
});

describe("the alarm sweep", () => {
  it("deletes the lab's alarms by their prefix and leaves other alarms alone", async () => {
    const alarm = (AlarmName: string) =>
      session.cloudwatch.send(
        new PutMetricAlarmCommand({
          AlarmName,
          Namespace: "AWS/SageMaker",
          MetricName: "Invocation5XXErrors",
          Statistic: "Sum",
          Period: 60,
          EvaluationPeriods: 1,
          Threshold: 1,
          ComparisonOperator: "GreaterThanOrEqualToThreshold",
        }),
      );
    await alarm("ko-sagemaker-t-sweep-endpoint-5XXErrors");
    await alarm("ko-sagemaker-t-other-endpoint-5XXErrors");
    await alarm("someone-elses-alarm");
    const deleted = await cleanupWorkshopResources(session, { lab: "t.sweep", verbose: false });
    expect(deleted.alarms).toEqual(["ko-sagemaker-t-sweep-endpoint-5XXErrors"]);
    const left = await session.cloudwatch.send(new DescribeAlarmsCommand({}));
    const names = (left.MetricAlarms ?? []).map((a) => a.AlarmName);
    expect(names).toContain("ko-sagemaker-t-other-endpoint-5XXErrors");
    expect(names).toContain("someone-elses-alarm");
    expect(await deleteWorkshopAlarms(session, "t-sweep")).toEqual([]);
    expect(await deleteWorkshopAlarms(session, "t-other")).toEqual([
      "ko-sagemaker-t-other-endpoint-5XXErrors",
    ]);
  });
});
