import {
  ApplicationAutoScalingClient,
  DeleteScalingPolicyCommand,
  DeregisterScalableTargetCommand,
  DescribeScalableTargetsCommand,
  DescribeScalingActivitiesCommand,
  DescribeScalingPoliciesCommand,
  PutScalingPolicyCommand,
  type PutScalingPolicyCommandInput,
  RegisterScalableTargetCommand,
  type ScalingActivity,
} from "@aws-sdk/client-application-auto-scaling";
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  PutMetricAlarmCommand,
  PutMetricDataCommand,
} from "@aws-sdk/client-cloudwatch";
import { ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DescribeEndpointCommand,
  UpdateEndpointWeightsAndCapacitiesCommand,
} from "@aws-sdk/client-sagemaker";
import { InvokeEndpointAsyncCommand } from "@aws-sdk/client-sagemaker-runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalSettings } from "../../src/local/settings";
import { clientConfig } from "../support/local-clients";
import {
  BUCKET,
  containerPids,
  deleteAllEndpoints,
  deleteEndpoint,
  deploy,
  IMAGE,
  KEYWORD_MODEL,
  type Local,
  modelArchive,
  putArchive,
  settled,
  startLocal,
  stopLocal,
  unique,
} from "./hosting-fixtures";

/**
 * Local Application Auto Scaling through the official client, against a real server whose endpoints run real
 * containers. Alarm time runs at 1/60 (a 60 s alarm period is judged on 1 s windows, a 300 s cooldown lasts 5 s),
 * so target tracking's high alarm (3 datapoints) acts in about 3 s and its low alarm (15) in about 15 s. SageMaker's
 * own metrics are stood in for by publishing into the server's CloudWatch in-process, as SageMaker does
 * (InvocationsPerInstance: a second's invocations spread over the instances running then). Waits poll with
 * deadlines; nothing asserts how long anything took.
 */

const SETTINGS: Partial<LocalSettings> = { alarmTimeScale: 1 / 60 };
const DIMENSION = "sagemaker:variant:DesiredInstanceCount";

let local: Local;
let aas: ApplicationAutoScalingClient;
let cw: CloudWatchClient;
let keywordArchive: string;
const publishers = new Set<() => void>();

async function start(stateDir?: string): Promise<void> {
  local = await startLocal(stateDir, SETTINGS);
  aas = new ApplicationAutoScalingClient(clientConfig(local.server));
  cw = new CloudWatchClient(clientConfig(local.server));
}

async function stop(removeState: boolean): Promise<void> {
  for (const off of publishers) off();
  publishers.clear();
  aas?.destroy();
  cw?.destroy();
  await stopLocal(local, removeState);
}

beforeAll(async () => {
  await start();
  keywordArchive = await putArchive(local, await modelArchive({ "code/inference.ts": KEYWORD_MODEL }));
});
afterAll(async () => {
  await deleteAllEndpoints(local);
  await stop(true);
});

async function errorOf(promise: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    return { name: (error as Error).name, message: (error as Error).message };
  }
  throw new Error("expected the call to fail");
}

/** Polls `probe` until it returns something (not undefined or false), or fails after `seconds`. */
async function until<T>(what: string, probe: () => Promise<T | undefined | false>, seconds = 45): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`waited ${seconds} s for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function variantOf(endpoint: string) {
  const described = await local.sm.send(new DescribeEndpointCommand({ EndpointName: endpoint }));
  return { status: described.EndpointStatus, ...described.ProductionVariants?.[0] };
}

/** Waits until the variant runs `count` instances, InService. */
function instances(endpoint: string, count: number, seconds?: number) {
  return until(
    `${endpoint} at ${count} instance(s)`,
    async () => {
      const variant = await variantOf(endpoint);
      return (
        variant.status === "InService" &&
        variant.CurrentInstanceCount === count &&
        variant.DesiredInstanceCount === count &&
        variant
      );
    },
    seconds,
  );
}

async function activities(resourceId: string): Promise<ScalingActivity[]> {
  const answer = await aas.send(
    new DescribeScalingActivitiesCommand({ ServiceNamespace: "sagemaker", ResourceId: resourceId }),
  );
  return answer.ScalingActivities ?? [];
}

/** Waits for a finished activity setting `count`, and returns it. */
function activitySetting(
  resourceId: string,
  count: number,
  seconds?: number,
  what = "instance count",
): Promise<ScalingActivity> {
  return until(
    `an activity setting ${resourceId} to ${count}`,
    async () =>
      (await activities(resourceId)).find(
        (activity) =>
          activity.Description === `Setting desired ${what} to ${count}.` &&
          activity.StatusCode !== "InProgress",
      ),
    seconds,
  );
}

/**
 * Publishes one datapoint a second (high resolution, so 1 s alarm windows see each second) into the server's
 * CloudWatch, its value computed from the variant's running instances, until stopped.
 */
function publish(
  namespace: string,
  metricName: string,
  dimensions: Record<string, string>,
  value: (instances: number) => number,
  endpoint: string,
): () => void {
  let running = 0;
  let last = Math.floor(Date.now() / 1000) - 1;
  let stopped = false;
  const refresh = async () => {
    while (!stopped) {
      running = (await variantOf(endpoint).catch(() => undefined))?.CurrentInstanceCount ?? running;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  void refresh();
  const timer = setInterval(() => {
    const now = Math.floor(Date.now() / 1000);
    for (let second = last + 1; second <= now; second++) {
      local.server.cloudwatch.publish(namespace, [
        {
          MetricName: metricName,
          Dimensions: Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value })),
          Value: value(running),
          Timestamp: new Date(second * 1000),
          StorageResolution: 1,
        },
      ]);
    }
    last = now;
  }, 100);
  const off = () => {
    stopped = true;
    clearInterval(timer);
    publishers.delete(off);
  };
  publishers.add(off);
  return off;
}

const register = (resourceId: string, min?: number, max?: number) =>
  aas.send(
    new RegisterScalableTargetCommand({
      ServiceNamespace: "sagemaker",
      ResourceId: resourceId,
      ScalableDimension: DIMENSION,
      MinCapacity: min,
      MaxCapacity: max,
    }),
  );

const trackingPolicy = (
  resourceId: string,
  config: PutScalingPolicyCommandInput["TargetTrackingScalingPolicyConfiguration"],
  name = "Invocations-ScalingPolicy",
) =>
  aas.send(
    new PutScalingPolicyCommand({
      PolicyName: name,
      ServiceNamespace: "sagemaker",
      ResourceId: resourceId,
      ScalableDimension: DIMENSION,
      PolicyType: "TargetTrackingScaling",
      TargetTrackingScalingPolicyConfiguration: config,
    }),
  );

describe("scalable targets", () => {
  it("registers a variant, brings it into a new Min/Max, and refuses what AWS refuses", async () => {
    const { endpoint } = await deploy(local, keywordArchive);
    const resourceId = `endpoint/${endpoint}/variant/AllTraffic`;
    const registered = await register(resourceId, 1, 3);
    expect(registered.ScalableTargetARN).toMatch(
      /^arn:aws:application-autoscaling:ap-northeast-2:000000000000:scalable-target\/[0-9a-f]{36}$/,
    );
    const described = await aas.send(
      new DescribeScalableTargetsCommand({ ServiceNamespace: "sagemaker", ResourceIds: [resourceId] }),
    );
    expect(described.ScalableTargets).toEqual([
      {
        ServiceNamespace: "sagemaker",
        ResourceId: resourceId,
        ScalableDimension: DIMENSION,
        MinCapacity: 1,
        MaxCapacity: 3,
        RoleARN:
          "arn:aws:iam::000000000000:role/aws-service-role/sagemaker.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint",
        CreationTime: expect.any(Date),
        SuspendedState: {
          DynamicScalingInSuspended: false,
          DynamicScalingOutSuspended: false,
          ScheduledScalingSuspended: false,
        },
        ScalableTargetARN: registered.ScalableTargetARN,
      },
    ]);

    // Re-registering updates it; a capacity below the new minimum is raised at once, with an activity, which
    // waits for an update under way to finish first (as AWS's does).
    await local.sm.send(
      new UpdateEndpointWeightsAndCapacitiesCommand({
        EndpointName: endpoint,
        DesiredWeightsAndCapacities: [{ VariantName: "AllTraffic", DesiredWeight: 2 }],
      }),
    );
    await aas.send(
      new RegisterScalableTargetCommand({
        ServiceNamespace: "sagemaker",
        ResourceId: resourceId,
        ScalableDimension: DIMENSION,
        MinCapacity: 2,
        SuspendedState: { ScheduledScalingSuspended: true },
      }),
    );
    const updated = await aas.send(
      new DescribeScalableTargetsCommand({ ServiceNamespace: "sagemaker", ResourceIds: [resourceId] }),
    );
    expect(updated.ScalableTargets?.[0]).toMatchObject({
      MinCapacity: 2,
      MaxCapacity: 3,
      SuspendedState: { ScheduledScalingSuspended: true, DynamicScalingOutSuspended: false },
    });
    expect(await instances(endpoint, 2)).toMatchObject({ CurrentInstanceCount: 2 });
    expect(containerPids(local.stateDir, endpoint)).toHaveLength(2);
    expect(await activitySetting(resourceId, 2)).toMatchObject({
      ServiceNamespace: "sagemaker",
      ResourceId: resourceId,
      ScalableDimension: DIMENSION,
      Cause: "minimum capacity was set to 2",
      StatusCode: "Successful",
      StatusMessage:
        "Successfully set desired instance count to 2. Change successfully fulfilled by sagemaker.",
      StartTime: expect.any(Date),
      EndTime: expect.any(Date),
    });
    await register(resourceId, 1, 1);
    await instances(endpoint, 1);
    expect((await activitySetting(resourceId, 1)).Cause).toBe("maximum capacity was set to 1");

    // Thunks, so no refusal is pending unobserved while another is awaited.
    const refusals: [() => Promise<unknown>, string, RegExp][] = [
      [
        () => register(resourceId, 0, 2),
        "ValidationException",
        /MinCapacity 0 is allowed only for asynchronous/,
      ],
      [
        () => register(resourceId, 3, 2),
        "ValidationException",
        /Minimum capacity cannot be greater than maximum/,
      ],
      [
        () => register(`endpoint/${endpoint}/variant/Nope`, 1, 2),
        "ValidationException",
        /has no variant named Nope; its variants are AllTraffic/,
      ],
      [
        () => register("endpoint/missing-endpoint/variant/AllTraffic", 1, 2),
        "ValidationException",
        /Could not find/,
      ],
      [() => register(`endpoint/${endpoint}`, 1, 2), "ValidationException", /use endpoint\/<endpoint-name>/],
      [
        () => register(`inference-component/${endpoint}`, 1, 2),
        "ValidationException",
        /no inference components/,
      ],
      [
        () =>
          aas.send(
            new RegisterScalableTargetCommand({
              ServiceNamespace: "sagemaker",
              ResourceId: unique("endpoint/x/variant"),
              ScalableDimension: "sagemaker:variant:DesiredInstanceCount",
            }),
          ),
        "ValidationException",
        /is not a SageMaker variant/,
      ],
      [
        () =>
          aas.send(
            new RegisterScalableTargetCommand({
              ServiceNamespace: "ecs",
              ResourceId: "service/default/web",
              ScalableDimension: "ecs:service:DesiredCount",
              MinCapacity: 1,
              MaxCapacity: 2,
            }),
          ),
        "ValidationException",
        /SageMaker endpoint variants only/,
      ],
      [
        () =>
          aas.send(
            new RegisterScalableTargetCommand({
              ServiceNamespace: "sagemaker",
              ResourceId: resourceId,
              ScalableDimension: "ecs:service:DesiredCount",
              MinCapacity: 1,
              MaxCapacity: 2,
            }),
          ),
        "ValidationException",
        /Unsupported service namespace, resource type or scalable dimension/,
      ],
      [
        () =>
          aas.send(
            new RegisterScalableTargetCommand({
              ServiceNamespace: "sagemaker",
              ResourceId: resourceId,
              ScalableDimension: "sagemaker:variant:DesiredProvisionedConcurrency",
              MinCapacity: 1,
              MaxCapacity: 2,
            }),
          ),
        "ValidationException",
        /runs on instances: sagemaker:variant:DesiredProvisionedConcurrency applies to serverless/,
      ],
      [
        () => aas.send(new DescribeScalableTargetsCommand({ ServiceNamespace: "sagemaker", MaxResults: 51 })),
        "ValidationException",
        /between 1 and 50/,
      ],
      [
        () =>
          aas.send(
            new DescribeScalableTargetsCommand({
              ServiceNamespace: "sagemaker",
              ScalableDimension: DIMENSION,
            }),
          ),
        "ValidationException",
        /you must also specify a resource ID/,
      ],
      [
        // SageMaker itself: only an asynchronous endpoint runs on 0 instances.
        () =>
          local.sm.send(
            new UpdateEndpointWeightsAndCapacitiesCommand({
              EndpointName: endpoint,
              DesiredWeightsAndCapacities: [{ VariantName: "AllTraffic", DesiredInstanceCount: 0 }],
            }),
          ),
        "ValidationException",
        /real-time endpoint .* cannot run on 0 instances/,
      ],
    ];
    for (const [call, name, message] of refusals) {
      const error = await errorOf(call());
      expect(error.name).toBe(name);
      expect(error.message).toMatch(message);
    }
    // A new registration needs both bounds.
    const other = await deploy(local, keywordArchive);
    const missing = await errorOf(register(`endpoint/${other.endpoint}/variant/AllTraffic`, 1));
    expect(missing).toMatchObject({ name: "ValidationException" });
    expect(missing.message).toMatch(/MinCapacity and MaxCapacity are required/);

    await aas.send(
      new DeregisterScalableTargetCommand({
        ServiceNamespace: "sagemaker",
        ResourceId: resourceId,
        ScalableDimension: DIMENSION,
      }),
    );
    const again = await errorOf(
      aas.send(
        new DeregisterScalableTargetCommand({
          ServiceNamespace: "sagemaker",
          ResourceId: resourceId,
          ScalableDimension: DIMENSION,
        }),
      ),
    );
    expect(again).toEqual({
      name: "ObjectNotFoundException",
      message: `No scalable target registered for service namespace: sagemaker, resource ID: ${resourceId}, scalable dimension: ${DIMENSION}`,
    });

    // Deleting an endpoint deregisters its variants, as on AWS.
    const otherId = `endpoint/${other.endpoint}/variant/AllTraffic`;
    await register(otherId, 1, 2);
    await deleteEndpoint(local, other.endpoint);
    const after = await aas.send(
      new DescribeScalableTargetsCommand({ ServiceNamespace: "sagemaker", ResourceIds: [otherId] }),
    );
    expect(after.ScalableTargets).toEqual([]);
    await deleteEndpoint(local, endpoint);
  });
});

describe("serverless provisioned concurrency", () => {
  it("scales a serverless variant's ProvisionedConcurrency within its MaxConcurrency", async () => {
    const { endpoint } = await deploy(local, keywordArchive, {
      variants: [
        {
          InstanceType: undefined,
          InitialInstanceCount: undefined,
          ServerlessConfig: { MemorySizeInMB: 1024, MaxConcurrency: 3, ProvisionedConcurrency: 1 },
        },
      ],
    });
    const resourceId = `endpoint/${endpoint}/variant/AllTraffic`;
    const provisioned = (min?: number, max?: number) =>
      aas.send(
        new RegisterScalableTargetCommand({
          ServiceNamespace: "sagemaker",
          ResourceId: resourceId,
          ScalableDimension: "sagemaker:variant:DesiredProvisionedConcurrency",
          MinCapacity: min,
          MaxCapacity: max,
        }),
      );
    const over = await errorOf(provisioned(1, 4));
    expect(over.message).toMatch(/runs from 1 to its MaxConcurrency \(3\)/);
    expect((await errorOf(register(resourceId, 1, 2))).message).toMatch(/is serverless and has no instances/);
    await provisioned(1, 3);
    await provisioned(2);
    const activity = await activitySetting(resourceId, 2, undefined, "provisioned concurrency");
    expect(activity).toMatchObject({
      ScalableDimension: "sagemaker:variant:DesiredProvisionedConcurrency",
      Cause: "minimum capacity was set to 2",
      StatusCode: "Successful",
      StatusMessage:
        "Successfully set desired provisioned concurrency to 2. Change successfully fulfilled by sagemaker.",
    });
    expect((await variantOf(endpoint)).DesiredServerlessConfig).toMatchObject({ ProvisionedConcurrency: 2 });
    const put = await aas.send(
      new PutScalingPolicyCommand({
        PolicyName: "provisioned",
        ServiceNamespace: "sagemaker",
        ResourceId: resourceId,
        ScalableDimension: "sagemaker:variant:DesiredProvisionedConcurrency",
        PolicyType: "TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration: {
          TargetValue: 0.5,
          PredefinedMetricSpecification: {
            PredefinedMetricType: "SageMakerVariantProvisionedConcurrencyUtilization",
          },
        },
      }),
    );
    const alarms = await cw.send(
      new DescribeAlarmsCommand({ AlarmNames: put.Alarms?.map((alarm) => alarm.AlarmName as string) }),
    );
    expect(alarms.MetricAlarms?.map((alarm) => [alarm.MetricName, alarm.Statistic, alarm.Threshold])).toEqual(
      [
        ["ServerlessProvisionedConcurrencyUtilization", "Average", 0.5],
        ["ServerlessProvisionedConcurrencyUtilization", "Average", 0.45],
      ],
    );
    await deleteEndpoint(local, endpoint);
    // Its policy's alarms went with the target DeleteEndpoint deregistered.
    expect(
      (
        await cw.send(
          new DescribeAlarmsCommand({ AlarmNames: put.Alarms?.map((a) => a.AlarmName as string) }),
        )
      ).MetricAlarms,
    ).toEqual([]);
  });
});

describe("scaling policies", () => {
  it("checks policies as AWS does", async () => {
    const { endpoint } = await deploy(local, keywordArchive);
    const resourceId = `endpoint/${endpoint}/variant/AllTraffic`;
    const unregistered = await errorOf(
      trackingPolicy(resourceId, {
        TargetValue: 10,
        PredefinedMetricSpecification: { PredefinedMetricType: "SageMakerVariantInvocationsPerInstance" },
      }),
    );
    expect(unregistered.name).toBe("ObjectNotFoundException");
    expect(unregistered.message).toMatch(/^No scalable target registered for service namespace: sagemaker/);
    await register(resourceId, 1, 2);
    const refusals: [() => Promise<unknown>, RegExp][] = [
      [
        () =>
          trackingPolicy(resourceId, {
            TargetValue: 10,
            PredefinedMetricSpecification: {
              PredefinedMetricType: "SageMakerVariantProvisionedConcurrencyUtilization",
            },
          }),
        /Scalable dimension sagemaker:variant:DesiredInstanceCount only supports the following predefined metric types: SageMakerVariantInvocationsPerInstance/,
      ],
      [
        () =>
          trackingPolicy(resourceId, {
            TargetValue: 10,
            PredefinedMetricSpecification: { PredefinedMetricType: "SageMakerVariantInvocationsPerInstance" },
            CustomizedMetricSpecification: { MetricName: "X", Namespace: "Y", Statistic: "Sum" },
          }),
        /exactly one of PredefinedMetricSpecification and CustomizedMetricSpecification/,
      ],
      [
        () =>
          trackingPolicy(resourceId, {
            TargetValue: 0,
            PredefinedMetricSpecification: { PredefinedMetricType: "SageMakerVariantInvocationsPerInstance" },
          }),
        /TargetValue must be greater than 0/,
      ],
      [
        () =>
          aas.send(
            new PutScalingPolicyCommand({
              PolicyName: "steps",
              ServiceNamespace: "sagemaker",
              ResourceId: resourceId,
              ScalableDimension: DIMENSION,
              PolicyType: "StepScaling",
              StepScalingPolicyConfiguration: {
                AdjustmentType: "ChangeInCapacity",
                StepAdjustments: [
                  { MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 10, ScalingAdjustment: 1 },
                  { MetricIntervalLowerBound: 5, ScalingAdjustment: 2 },
                ],
              },
            }),
          ),
        /The step adjustments overlap/,
      ],
      [
        () =>
          aas.send(
            new PutScalingPolicyCommand({
              PolicyName: "predictive",
              ServiceNamespace: "sagemaker",
              ResourceId: resourceId,
              ScalableDimension: DIMENSION,
              PolicyType: "PredictiveScaling",
            }),
          ),
        /Predictive scaling is not supported for SageMaker/,
      ],
    ];
    for (const [call, message] of refusals) {
      const error = await errorOf(call());
      expect(error.name).toBe("ValidationException");
      expect(error.message).toMatch(message);
    }
    const gone = await errorOf(
      aas.send(
        new DeleteScalingPolicyCommand({
          PolicyName: "nope",
          ServiceNamespace: "sagemaker",
          ResourceId: resourceId,
          ScalableDimension: DIMENSION,
        }),
      ),
    );
    expect(gone).toEqual({
      name: "ObjectNotFoundException",
      message: `No scaling policy found for service namespace: sagemaker, resource ID: ${resourceId}, scalable dimension: ${DIMENSION}, policy name: nope`,
    });
    await deleteEndpoint(local, endpoint);
  });

  it("target tracking creates AWS's alarms, scales out on InvocationsPerInstance and back in after the load, across a restart", async () => {
    const { endpoint } = await deploy(local, keywordArchive);
    const resourceId = `endpoint/${endpoint}/variant/AllTraffic`;
    await register(resourceId, 1, 4);
    const config = {
      TargetValue: 10,
      PredefinedMetricSpecification: {
        PredefinedMetricType: "SageMakerVariantInvocationsPerInstance" as const,
      },
      ScaleOutCooldown: 300,
      ScaleInCooldown: 300,
    };
    const put = await trackingPolicy(resourceId, config);
    expect(put.PolicyARN).toMatch(
      new RegExp(
        `^arn:aws:autoscaling:ap-northeast-2:000000000000:scalingPolicy:[0-9a-f-]{36}:resource/sagemaker/${resourceId}:policyName/Invocations-ScalingPolicy$`,
      ),
    );
    const names = (put.Alarms ?? []).map((alarm) => alarm.AlarmName as string);
    const uuid = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
    expect(names).toEqual([
      expect.stringMatching(new RegExp(`^TargetTracking-${resourceId}-AlarmHigh-${uuid}$`)),
      expect.stringMatching(new RegExp(`^TargetTracking-${resourceId}-AlarmLow-${uuid}$`)),
    ]);
    const alarms = (await cw.send(new DescribeAlarmsCommand({ AlarmNames: names }))).MetricAlarms ?? [];
    const metric = {
      Namespace: "AWS/SageMaker",
      MetricName: "InvocationsPerInstance",
      Statistic: "Sum",
      Period: 60,
      Dimensions: [
        { Name: "EndpointName", Value: endpoint },
        { Name: "VariantName", Value: "AllTraffic" },
      ],
      ActionsEnabled: true,
      AlarmActions: [expect.stringMatching(new RegExp(`^${put.PolicyARN}:createdBy/${uuid}$`))],
      AlarmDescription: expect.stringMatching(
        /^DO NOT EDIT OR DELETE\. For TargetTrackingScaling policy arn:aws:autoscaling:.*\.$/,
      ),
    };
    const high = alarms.find((alarm) => alarm.AlarmName === names[0]);
    const low = alarms.find((alarm) => alarm.AlarmName === names[1]);
    expect(high).toMatchObject({
      ...metric,
      EvaluationPeriods: 3,
      Threshold: 10,
      ComparisonOperator: "GreaterThanThreshold",
    });
    expect(low).toMatchObject({
      ...metric,
      EvaluationPeriods: 15,
      Threshold: 9,
      ComparisonOperator: "LessThanThreshold",
    });
    const policies = await aas.send(
      new DescribeScalingPoliciesCommand({ ServiceNamespace: "sagemaker", ResourceId: resourceId }),
    );
    expect(policies.ScalingPolicies).toEqual([
      {
        PolicyARN: put.PolicyARN,
        PolicyName: "Invocations-ScalingPolicy",
        ServiceNamespace: "sagemaker",
        ResourceId: resourceId,
        ScalableDimension: DIMENSION,
        PolicyType: "TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration: config,
        Alarms: put.Alarms,
        CreationTime: expect.any(Date),
      },
    ]);

    // 25 invocations a second over the running instances: above the target of 10 on one instance, so the
    // proportional rule asks for ceil(1 × 25 / 10) = 3 (not the maximum of 4); 8.3 each on three is below it.
    const dimensions = { EndpointName: endpoint, VariantName: "AllTraffic" };
    let load = 25;
    publish("AWS/SageMaker", "InvocationsPerInstance", dimensions, (n) => load / Math.max(n, 1), endpoint);
    await instances(endpoint, 3);
    expect(containerPids(local.stateDir, endpoint)).toHaveLength(3);
    const out = await activitySetting(resourceId, 3);
    expect(out).toMatchObject({
      Cause: `monitor alarm ${names[0]} in state ALARM triggered policy Invocations-ScalingPolicy`,
      StatusCode: "Successful",
      StatusMessage:
        "Successfully set desired instance count to 3. Change successfully fulfilled by sagemaker.",
    });

    // A restart keeps the target, the policy and its activities, and the alarms act on it again.
    const stateDir = local.stateDir;
    await stop(false);
    await start(stateDir);
    await settled(local, endpoint);
    expect(await activities(resourceId)).toContainEqual(
      expect.objectContaining({ ActivityId: out.ActivityId }),
    );
    const restored = await aas.send(
      new DescribeScalingPoliciesCommand({ ServiceNamespace: "sagemaker", ResourceId: resourceId }),
    );
    expect(restored.ScalingPolicies?.[0]?.Alarms).toEqual(put.Alarms);
    await instances(endpoint, 3);

    // The load stops: the low alarm (15 datapoints under 9) scales in, to Min (ceil(3 × 0 / 10) = 0, held at 1).
    load = 0;
    publish("AWS/SageMaker", "InvocationsPerInstance", dimensions, (n) => load / Math.max(n, 1), endpoint);
    await instances(endpoint, 1, 60);
    expect(await activitySetting(resourceId, 1)).toMatchObject({
      Cause: `monitor alarm ${names[1]} in state ALARM triggered policy Invocations-ScalingPolicy`,
      StatusCode: "Successful",
    });
    // The instance count never went past what the rule asked for.
    expect((await activities(resourceId)).map((activity) => activity.Description)).toEqual([
      "Setting desired instance count to 1.",
      "Setting desired instance count to 3.",
    ]);

    await aas.send(
      new DeleteScalingPolicyCommand({
        PolicyName: "Invocations-ScalingPolicy",
        ServiceNamespace: "sagemaker",
        ResourceId: resourceId,
        ScalableDimension: DIMENSION,
      }),
    );
    expect((await cw.send(new DescribeAlarmsCommand({ AlarmNames: names }))).MetricAlarms).toEqual([]);
    await deleteEndpoint(local, endpoint);
  }, 120_000);

  it("step scaling runs from the user's alarm, one step per cooldown, up to MaxCapacity", async () => {
    const { endpoint } = await deploy(local, keywordArchive);
    const resourceId = `endpoint/${endpoint}/variant/AllTraffic`;
    await register(resourceId, 1, 3);
    const put = await aas.send(
      new PutScalingPolicyCommand({
        PolicyName: "queue-steps",
        ServiceNamespace: "sagemaker",
        ResourceId: resourceId,
        ScalableDimension: DIMENSION,
        PolicyType: "StepScaling",
        StepScalingPolicyConfiguration: {
          AdjustmentType: "ChangeInCapacity",
          MetricAggregationType: "Maximum",
          Cooldown: 120,
          StepAdjustments: [
            { MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 10, ScalingAdjustment: 1 },
            { MetricIntervalLowerBound: 10, ScalingAdjustment: 2 },
          ],
        },
      }),
    );
    expect(put.Alarms).toBeUndefined();
    const alarmName = unique("queue-depth");
    await cw.send(
      new PutMetricAlarmCommand({
        AlarmName: alarmName,
        Namespace: "Workshop/Queue",
        MetricName: "Depth",
        Dimensions: [{ Name: "EndpointName", Value: endpoint }],
        Statistic: "Maximum",
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 5,
        ComparisonOperator: "GreaterThanOrEqualToThreshold",
        AlarmActions: [put.PolicyARN as string],
      }),
    );
    const described = await aas.send(
      new DescribeScalingPoliciesCommand({
        ServiceNamespace: "sagemaker",
        ResourceId: resourceId,
        PolicyNames: ["queue-steps"],
      }),
    );
    expect(described.ScalingPolicies?.[0]?.Alarms).toEqual([
      { AlarmName: alarmName, AlarmARN: `arn:aws:cloudwatch:ap-northeast-2:000000000000:alarm:${alarmName}` },
    ]);
    // A depth of 8 is 3 over the threshold: the first step, +1, each time the alarm fires after a cooldown.
    let stopped = false;
    const pushing = (async () => {
      while (!stopped) {
        await cw.send(
          new PutMetricDataCommand({
            Namespace: "Workshop/Queue",
            MetricData: [
              {
                MetricName: "Depth",
                Dimensions: [{ Name: "EndpointName", Value: endpoint }],
                Value: 8,
                StorageResolution: 1,
              },
            ],
          }),
        );
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    })();
    await instances(endpoint, 3);
    const steps = (await until("two finished activities", async () => {
      const found = await activities(resourceId);
      return found.length === 2 && found.every((activity) => activity.StatusCode === "Successful") && found;
    })) as ScalingActivity[];
    const [second, first] = steps as [ScalingActivity, ScalingActivity];
    expect(first.Description).toBe("Setting desired instance count to 2.");
    expect(second.Description).toBe("Setting desired instance count to 3.");
    expect(first.Cause).toBe(`monitor alarm ${alarmName} in state ALARM triggered policy queue-steps`);
    // The second step waited out the cooldown (120 s at 1/60: 2 s) after the first was done.
    expect((second.StartTime as Date).getTime() - (first.EndTime as Date).getTime()).toBeGreaterThanOrEqual(
      2000,
    );
    stopped = true;
    await pushing;
    // Deregistering deletes the policy; the user's own alarm stays (AWS deletes only the alarms it made).
    await aas.send(
      new DeregisterScalableTargetCommand({
        ServiceNamespace: "sagemaker",
        ResourceId: resourceId,
        ScalableDimension: DIMENSION,
      }),
    );
    const left = await aas.send(
      new DescribeScalingPoliciesCommand({ ServiceNamespace: "sagemaker", ResourceId: resourceId }),
    );
    expect(left.ScalingPolicies).toEqual([]);
    expect((await cw.send(new DescribeAlarmsCommand({ AlarmNames: [alarmName] }))).MetricAlarms).toHaveLength(
      1,
    );
    await deleteEndpoint(local, endpoint);
  });
});

describe("asynchronous endpoints", () => {
  it("scale to zero, queue requests, wake on backlog and drain, then go back to zero", async () => {
    const model = unique("m");
    const configName = unique("c");
    const endpoint = unique("e");
    const output = `${endpoint}/output`;
    await local.sm.send(
      new CreateModelCommand({
        ModelName: model,
        ExecutionRoleArn: "arn:aws:iam::000000000000:role/local",
        PrimaryContainer: { Image: IMAGE, ModelDataUrl: keywordArchive },
      }),
    );
    await local.sm.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: configName,
        ProductionVariants: [
          {
            VariantName: "AllTraffic",
            ModelName: model,
            InstanceType: "ml.m5.large",
            InitialInstanceCount: 1,
          },
        ],
        AsyncInferenceConfig: { OutputConfig: { S3OutputPath: `s3://${BUCKET}/${output}` } },
      }),
    );
    await local.sm.send(
      new CreateEndpointCommand({ EndpointName: endpoint, EndpointConfigName: configName }),
    );
    await settled(local, endpoint);
    // SageMaker lets an asynchronous endpoint down to 0 instances; Application Auto Scaling lets MinCapacity be 0.
    await local.sm.send(
      new UpdateEndpointWeightsAndCapacitiesCommand({
        EndpointName: endpoint,
        DesiredWeightsAndCapacities: [{ VariantName: "AllTraffic", DesiredInstanceCount: 0 }],
      }),
    );
    await instances(endpoint, 0);
    expect(containerPids(local.stateDir, endpoint)).toEqual([]);
    const resourceId = `endpoint/${endpoint}/variant/AllTraffic`;
    await register(resourceId, 0, 1);
    await trackingPolicy(
      resourceId,
      {
        TargetValue: 2,
        CustomizedMetricSpecification: {
          MetricName: "ApproximateBacklogSizePerInstance",
          Namespace: "AWS/SageMaker",
          Dimensions: [{ Name: "EndpointName", Value: endpoint }],
          Statistic: "Average",
        },
        ScaleInCooldown: 60,
        ScaleOutCooldown: 60,
      },
      "Backlog-ScalingPolicy",
    );

    // Requests sent while no instance runs are accepted and wait in the queue.
    let sent = 0;
    let answered = 0;
    publish(
      "AWS/SageMaker",
      "ApproximateBacklogSizePerInstance",
      { EndpointName: endpoint },
      (n) => (sent - answered) / Math.max(n, 1),
      endpoint,
    );
    await local.s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: `${endpoint}/input.json`,
        Body: JSON.stringify({ inputs: "정말 재미있어요" }),
      }),
    );
    for (let i = 0; i < 5; i++) {
      await local.runtime.send(
        new InvokeEndpointAsyncCommand({
          EndpointName: endpoint,
          InputLocation: `s3://${BUCKET}/${endpoint}/input.json`,
          ContentType: "application/json",
        }),
      );
    }
    const outputs = async () =>
      (await local.s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: output }))).KeyCount ?? 0;
    expect(await outputs()).toBe(0);
    sent = 5;
    // A backlog of 5 over a target of 2 wakes the endpoint (to MaxCapacity 1), and the queue drains.
    await instances(endpoint, 1);
    await until("the five answers", async () => {
      answered = await outputs();
      return answered === 5;
    });
    expect(await activitySetting(resourceId, 1)).toMatchObject({
      StatusCode: "Successful",
      Cause: expect.stringMatching(
        /^monitor alarm TargetTracking-endpoint\/.*-AlarmHigh-.* triggered policy Backlog-ScalingPolicy$/,
      ),
    });
    // The backlog stays empty: the low alarm takes it back to zero.
    await instances(endpoint, 0, 60);
    expect(containerPids(local.stateDir, endpoint)).toEqual([]);
    expect(await activitySetting(resourceId, 0)).toMatchObject({
      StatusCode: "Successful",
      Cause: expect.stringMatching(/-AlarmLow-.* triggered policy Backlog-ScalingPolicy$/),
    });
    await aas.send(
      new DeregisterScalableTargetCommand({
        ServiceNamespace: "sagemaker",
        ResourceId: resourceId,
        ScalableDimension: DIMENSION,
      }),
    );
    await deleteEndpoint(local, endpoint);
  }, 120_000);
});
