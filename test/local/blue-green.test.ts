import { CloudWatchClient, PutMetricAlarmCommand, SetAlarmStateCommand } from "@aws-sdk/client-cloudwatch";
import {
  CreateEndpointConfigCommand,
  type DeploymentConfig,
  DescribeEndpointCommand,
  type DescribeEndpointCommandOutput,
  UpdateEndpointCommand,
} from "@aws-sdk/client-sagemaker";
import { InvokeEndpointCommand } from "@aws-sdk/client-sagemaker-runtime";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { clientConfig } from "../support/local-clients";
import {
  containerPids,
  deleteAllEndpoints,
  deploy,
  type Local,
  modelArchive,
  putArchive,
  settled,
  startLocal,
  stopLocal,
  unique,
} from "./hosting-fixtures";

/** UpdateEndpoint with a DeploymentConfig: staged traffic shifting, bakes, alarms and rollback, rolling updates. */

let local: Local;
let cloudwatch: CloudWatchClient;

/** A model that answers its colour, or fails with 500 when it is the broken one. */
const COLOUR = (colour: string, broken = false) => `
export function modelFn() { return ${JSON.stringify(colour)}; }
export function transformFn(model: string) {
  ${broken ? 'throw Object.assign(new Error("the green model is broken"), { status: 500 });' : ""}
  return { body: JSON.stringify({ colour: model }), contentType: "application/json" };
}
`;

beforeAll(async () => {
  // Alarms judge 10-second periods on 1-second windows, so a rollback by a real alarm fits in a test.
  local = await startLocal(undefined, { alarmTimeScale: 0.1 });
  cloudwatch = new CloudWatchClient(clientConfig(local.server));
});
afterEach(() => deleteAllEndpoints(local));
afterAll(async () => {
  cloudwatch?.destroy();
  await deleteAllEndpoints(local);
  await stopLocal(local);
});

async function blueEndpoint(instances = 2) {
  const blue = await deploy(local, await modelArchive({ "code/inference.ts": COLOUR("blue") }), {
    variants: [{ InitialInstanceCount: instances }],
  });
  return blue;
}

async function greenConfig(broken = false, instances = 2): Promise<string> {
  const url = await putArchive(local, await modelArchive({ "code/inference.ts": COLOUR("green", broken) }));
  const { model } = await deploy(local, url, { wait: false });
  const config = unique("green");
  await local.sm.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: config,
      ProductionVariants: [
        {
          VariantName: "AllTraffic",
          ModelName: model,
          InstanceType: "ml.m5.large",
          InitialInstanceCount: instances,
        },
      ],
    }),
  );
  return config;
}

const describeEndpoint = (EndpointName: string) =>
  local.sm.send(new DescribeEndpointCommand({ EndpointName }));

async function colours(endpoint: string, requests = 40): Promise<Record<string, number>> {
  const seen: Record<string, number> = {};
  for (let i = 0; i < requests; i++) {
    const answer = await local.runtimeOnce
      .send(
        new InvokeEndpointCommand({ EndpointName: endpoint, ContentType: "application/json", Body: "{}" }),
      )
      .then(
        (response) => JSON.parse(Buffer.from(response.Body ?? []).toString()).colour as string,
        (error: Error) => error.name,
      );
    seen[answer] = (seen[answer] ?? 0) + 1;
  }
  return seen;
}

/** Polls DescribeEndpoint until `check` holds, returning the description that did. */
async function until(endpoint: string, check: (d: DescribeEndpointCommandOutput) => boolean, ms = 30_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const described = await describeEndpoint(endpoint);
    if (check(described)) return described;
    if (Date.now() > deadline) throw new Error(`endpoint ${endpoint}: ${JSON.stringify(described)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const canary = (WaitIntervalInSeconds: number, alarms: string[] = []): DeploymentConfig => ({
  BlueGreenUpdatePolicy: {
    TrafficRoutingConfiguration: {
      Type: "CANARY",
      CanarySize: { Type: "INSTANCE_COUNT", Value: 1 },
      WaitIntervalInSeconds,
    },
    TerminationWaitInSeconds: 1,
  },
  ...(alarms.length
    ? { AutoRollbackConfiguration: { Alarms: alarms.map((AlarmName) => ({ AlarmName })) } }
    : {}),
});

describe("a canary deployment", () => {
  it("sends the canary share to green while it bakes, then all of it, then stops blue", async () => {
    const { endpoint } = await blueEndpoint();
    const config = await greenConfig();
    await local.sm.send(
      new UpdateEndpointCommand({
        EndpointName: endpoint,
        EndpointConfigName: config,
        DeploymentConfig: canary(4),
      }),
    );
    const baking = await until(
      endpoint,
      (d) => d.PendingDeploymentSummary?.ProductionVariants?.[0]?.VariantStatus?.[0]?.Status === "Baking",
    );
    expect(baking.EndpointStatus).toBe("Updating");
    expect(baking.PendingDeploymentSummary?.EndpointConfigName).toBe(config);
    expect(
      baking.PendingDeploymentSummary?.ProductionVariants?.[0]?.VariantStatus?.[0]?.StatusMessage,
    ).toMatch(/50%/);
    const split = await colours(endpoint, 60);
    expect(split.blue).toBeGreaterThan(10);
    expect(split.green).toBeGreaterThan(10);
    const done = await settled(local, endpoint);
    expect(done.EndpointStatus).toBe("InService");
    expect(done.EndpointConfigName).toBe(config);
    expect(done.LastDeploymentConfig).toEqual(canary(4));
    expect(await colours(endpoint, 10)).toEqual({ green: 10 });
    expect(containerPids(local.stateDir, endpoint)).toHaveLength(2);
  }, 60_000);

  it("rolls back when a rollback alarm goes into ALARM (SetAlarmState): all traffic on blue, green stopped", async () => {
    const { endpoint, config: blueConfigName } = await blueEndpoint();
    const alarm = unique("guard");
    await cloudwatch.send(
      new PutMetricAlarmCommand({
        AlarmName: alarm,
        Namespace: "AWS/SageMaker",
        MetricName: "Invocation5XXErrors",
        Dimensions: [{ Name: "EndpointName", Value: endpoint }],
        Statistic: "Sum",
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: "GreaterThanOrEqualToThreshold",
      }),
    );
    const config = await greenConfig();
    await local.sm.send(
      new UpdateEndpointCommand({
        EndpointName: endpoint,
        EndpointConfigName: config,
        DeploymentConfig: canary(30, [alarm]),
      }),
    );
    await until(
      endpoint,
      (d) => d.PendingDeploymentSummary?.ProductionVariants?.[0]?.VariantStatus?.[0]?.Status === "Baking",
    );
    await cloudwatch.send(
      new SetAlarmStateCommand({ AlarmName: alarm, StateValue: "ALARM", StateReason: "test" }),
    );
    const back = await settled(local, endpoint, ["Updating", "RollingBack"]);
    expect(back.EndpointStatus).toBe("InService");
    expect(back.EndpointConfigName).toBe(blueConfigName);
    expect(back.FailureReason).toMatch(
      new RegExp(`rolled back because alarm\\(s\\) ${alarm} went into ALARM`),
    );
    expect(back.PendingDeploymentSummary).toBeUndefined();
    expect(await colours(endpoint, 10)).toEqual({ blue: 10 });
    expect(containerPids(local.stateDir, endpoint)).toHaveLength(2);
  }, 60_000);

  it("rolls back on a real alarm fed by the broken green model's 5XX errors", async () => {
    const { endpoint } = await blueEndpoint();
    const config = await greenConfig(true);
    const alarm = unique("five-xx");
    await cloudwatch.send(
      new PutMetricAlarmCommand({
        AlarmName: alarm,
        Namespace: "AWS/SageMaker",
        MetricName: "Invocation5XXErrors",
        Dimensions: [
          { Name: "EndpointName", Value: endpoint },
          { Name: "VariantName", Value: "AllTraffic" },
          { Name: "EndpointConfigName", Value: config },
        ],
        Statistic: "Sum",
        Period: 10,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: "GreaterThanOrEqualToThreshold",
        TreatMissingData: "notBreaching",
      }),
    );
    await local.sm.send(
      new UpdateEndpointCommand({
        EndpointName: endpoint,
        EndpointConfigName: config,
        DeploymentConfig: canary(60, [alarm]),
      }),
    );
    await until(
      endpoint,
      (d) => d.PendingDeploymentSummary?.ProductionVariants?.[0]?.VariantStatus?.[0]?.Status === "Baking",
    );
    const seen: string[] = [];
    const deadline = Date.now() + 30_000;
    let described = await describeEndpoint(endpoint);
    while (described.EndpointStatus === "Updating" && Date.now() < deadline) {
      seen.push(...Object.keys(await colours(endpoint, 5)));
      described = await describeEndpoint(endpoint);
    }
    expect(seen).toContain("ModelError");
    const back = await settled(local, endpoint, ["Updating", "RollingBack"]);
    expect(back.EndpointStatus).toBe("InService");
    expect(back.FailureReason).toMatch(/rolled back because alarm/);
    expect(await colours(endpoint, 10)).toEqual({ blue: 10 });
  }, 60_000);
});

describe("other policies", () => {
  it("LINEAR shifts in equal steps and ends on green", async () => {
    const { endpoint } = await blueEndpoint();
    const config = await greenConfig(false, 2);
    const linear: DeploymentConfig = {
      BlueGreenUpdatePolicy: {
        TrafficRoutingConfiguration: {
          Type: "LINEAR",
          LinearStepSize: { Type: "CAPACITY_PERCENT", Value: 50 },
          WaitIntervalInSeconds: 1,
        },
      },
    };
    await local.sm.send(
      new UpdateEndpointCommand({
        EndpointName: endpoint,
        EndpointConfigName: config,
        DeploymentConfig: linear,
      }),
    );
    const messages = new Set<string>();
    let described = await describeEndpoint(endpoint);
    while (described.EndpointStatus === "Updating") {
      const message =
        described.PendingDeploymentSummary?.ProductionVariants?.[0]?.VariantStatus?.[0]?.StatusMessage;
      if (message) messages.add(message);
      await new Promise((resolve) => setTimeout(resolve, 50));
      described = await describeEndpoint(endpoint);
    }
    expect(described.EndpointStatus).toBe("InService");
    expect([...messages].some((message) => /Baking step 1 of 2 with 50% of the traffic/.test(message))).toBe(
      true,
    );
    expect(await colours(endpoint, 10)).toEqual({ green: 10 });
  }, 60_000);

  it("a rolling update replaces the instances in batches", async () => {
    const { endpoint } = await blueEndpoint(2);
    const config = await greenConfig(false, 2);
    await local.sm.send(
      new UpdateEndpointCommand({
        EndpointName: endpoint,
        EndpointConfigName: config,
        DeploymentConfig: {
          RollingUpdatePolicy: {
            MaximumBatchSize: { Type: "INSTANCE_COUNT", Value: 1 },
            WaitIntervalInSeconds: 1,
          },
        },
      }),
    );
    await until(
      endpoint,
      (d) => d.PendingDeploymentSummary?.ProductionVariants?.[0]?.VariantStatus?.[0]?.Status === "Baking",
    );
    const midway = await colours(endpoint, 40);
    expect(midway.blue).toBeGreaterThan(0);
    expect(midway.green).toBeGreaterThan(0);
    expect(containerPids(local.stateDir, endpoint).length).toBeLessThanOrEqual(3);
    const done = await settled(local, endpoint);
    expect(done.EndpointStatus).toBe("InService");
    expect(done.ProductionVariants?.[0]?.CurrentInstanceCount).toBe(2);
    expect(await colours(endpoint, 10)).toEqual({ green: 10 });
  }, 60_000);

  it("refuses what SageMaker refuses, before anything starts", async () => {
    const { endpoint } = await blueEndpoint();
    const config = await greenConfig();
    const update = (DeploymentConfig: DeploymentConfig) =>
      local.sm.send(
        new UpdateEndpointCommand({ EndpointName: endpoint, EndpointConfigName: config, DeploymentConfig }),
      );
    const routing = (extra: object) => ({
      BlueGreenUpdatePolicy: { TrafficRoutingConfiguration: { WaitIntervalInSeconds: 0, ...extra } as never },
    });
    await expect(update(routing({ Type: "CANARY" }))).rejects.toThrow(/CANARY needs CanarySize/);
    await expect(
      update(routing({ Type: "CANARY", CanarySize: { Type: "INSTANCE_COUNT", Value: 2 } })),
    ).rejects.toThrow(/at most 50% of the new fleet's capacity/);
    await expect(
      update(routing({ Type: "LINEAR", LinearStepSize: { Type: "CAPACITY_PERCENT", Value: 5 } })),
    ).rejects.toThrow(/10% to 50%/);
    await expect(
      update({ ...canary(0), AutoRollbackConfiguration: { Alarms: [{ AlarmName: "no-such-alarm" }] } }),
    ).rejects.toThrow(/alarm no-such-alarm in AutoRollbackConfiguration does not exist/);
    await expect(
      update({
        ...canary(0),
        RollingUpdatePolicy: {
          MaximumBatchSize: { Type: "INSTANCE_COUNT", Value: 1 },
          WaitIntervalInSeconds: 0,
        },
      }),
    ).rejects.toThrow(/either BlueGreenUpdatePolicy or RollingUpdatePolicy/);
    await expect(update(routing({ Type: "TWO_AT_ONCE" }))).rejects.toMatchObject({
      name: "ValidationException",
    });
    expect((await describeEndpoint(endpoint)).EndpointStatus).toBe("InService");
  });
});
