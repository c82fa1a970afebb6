import {
  type Alarm,
  DeregisterScalableTargetCommand,
  DescribeScalableTargetsCommand,
  DescribeScalingActivitiesCommand,
  PutScalingPolicyCommand,
  RegisterScalableTargetCommand,
  type ScalingActivity,
  type StepScalingPolicyConfiguration,
  type TargetTrackingScalingPolicyConfiguration,
} from "@aws-sdk/client-application-auto-scaling";
import { DescribeEndpointCommand } from "@aws-sdk/client-sagemaker";
import { localSageMakerHealth } from "./local-launcher";
import type { WorkshopSession } from "./session";

/**
 * Application Auto Scaling for SageMaker endpoint variants, as the Python workshops call it through boto3: the
 * variant as a scalable target (`endpoint/<name>/variant/<variant>`, `sagemaker:variant:DesiredInstanceCount`),
 * target-tracking and step-scaling policies, the activities, and a timeline of the variant's instance counts read
 * from DescribeEndpoint. Plain SDK calls; the same in local and AWS mode.
 */

export const SAGEMAKER_NAMESPACE = "sagemaker";
export const INSTANCE_COUNT_DIMENSION = "sagemaker:variant:DesiredInstanceCount";

/** The ResourceId Application Auto Scaling names a variant by. */
export const variantResourceId = (endpointName: string, variantName = "AllTraffic"): string =>
  `endpoint/${endpointName}/variant/${variantName}`;

export interface ScalableVariant {
  endpointName: string;
  variantName?: string;
  minCapacity: number;
  maxCapacity: number;
}

/** RegisterScalableTarget for a variant; returns its ResourceId. */
export async function registerScalableVariant(
  session: WorkshopSession,
  variant: ScalableVariant,
): Promise<string> {
  const resourceId = variantResourceId(variant.endpointName, variant.variantName);
  await session.autoscaling.send(
    new RegisterScalableTargetCommand({
      ServiceNamespace: SAGEMAKER_NAMESPACE,
      ResourceId: resourceId,
      ScalableDimension: INSTANCE_COUNT_DIMENSION,
      MinCapacity: variant.minCapacity,
      MaxCapacity: variant.maxCapacity,
    }),
  );
  return resourceId;
}

export interface PutPolicyResult {
  policyArn: string;
  /** The alarms the policy created (target tracking: AlarmHigh and AlarmLow). */
  alarms: Alarm[];
}

/** PutScalingPolicy of type TargetTrackingScaling on a variant. */
export async function putTargetTrackingPolicy(
  session: WorkshopSession,
  resourceId: string,
  policyName: string,
  configuration: TargetTrackingScalingPolicyConfiguration,
): Promise<PutPolicyResult> {
  const answer = await session.autoscaling.send(
    new PutScalingPolicyCommand({
      PolicyName: policyName,
      ServiceNamespace: SAGEMAKER_NAMESPACE,
      ResourceId: resourceId,
      ScalableDimension: INSTANCE_COUNT_DIMENSION,
      PolicyType: "TargetTrackingScaling",
      TargetTrackingScalingPolicyConfiguration: configuration,
    }),
  );
  return { policyArn: answer.PolicyARN ?? "", alarms: answer.Alarms ?? [] };
}

/** PutScalingPolicy of type StepScaling: it acts when an alarm naming its ARN in AlarmActions goes to ALARM. */
export async function putStepScalingPolicy(
  session: WorkshopSession,
  resourceId: string,
  policyName: string,
  configuration: StepScalingPolicyConfiguration,
): Promise<PutPolicyResult> {
  const answer = await session.autoscaling.send(
    new PutScalingPolicyCommand({
      PolicyName: policyName,
      ServiceNamespace: SAGEMAKER_NAMESPACE,
      ResourceId: resourceId,
      ScalableDimension: INSTANCE_COUNT_DIMENSION,
      PolicyType: "StepScaling",
      StepScalingPolicyConfiguration: configuration,
    }),
  );
  return { policyArn: answer.PolicyARN ?? "", alarms: answer.Alarms ?? [] };
}

/** DescribeScalingActivities of a variant, every page, oldest first (the API answers newest first). */
export async function scalingActivities(
  session: WorkshopSession,
  resourceId: string,
): Promise<ScalingActivity[]> {
  const activities: ScalingActivity[] = [];
  let NextToken: string | undefined;
  do {
    const page = await session.autoscaling.send(
      new DescribeScalingActivitiesCommand({
        ServiceNamespace: SAGEMAKER_NAMESPACE,
        ResourceId: resourceId,
        ScalableDimension: INSTANCE_COUNT_DIMENSION,
        NextToken,
      }),
    );
    activities.push(...(page.ScalingActivities ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  return activities.sort((a, b) => (a.StartTime?.getTime() ?? 0) - (b.StartTime?.getTime() ?? 0));
}

export interface ActivityRow {
  시작: string;
  설명: string;
  원인: string;
  상태: string;
  "걸린 시간 (s)": string;
}

/** Activities as table rows: when, what, why (the alarm and policy), how it ended and how long it took. */
export function activityRows(activities: readonly ScalingActivity[]): ActivityRow[] {
  return activities.map((activity) => ({
    시작: activity.StartTime?.toISOString().slice(11, 19) ?? "",
    설명: activity.Description ?? "",
    원인: activity.Cause ?? "",
    상태: activity.StatusCode ?? "",
    "걸린 시간 (s)":
      activity.StartTime && activity.EndTime
        ? ((activity.EndTime.getTime() - activity.StartTime.getTime()) / 1000).toFixed(1)
        : "",
  }));
}

/**
 * Deregisters every scalable target of the endpoint's variants (which deletes their policies and the alarms target
 * tracking made); returns their ResourceIds. Before DeleteEndpoint: a target left on a deleted endpoint keeps its
 * policies' alarms on AWS. Nothing to do where Application Auto Scaling is not reachable (no permission).
 */
export async function deregisterScalableVariants(
  session: WorkshopSession,
  endpointName: string,
): Promise<string[]> {
  const prefix = `endpoint/${endpointName}/variant/`;
  const resourceIds: string[] = [];
  let NextToken: string | undefined;
  try {
    do {
      // ResourceIds would need every variant's name; the namespace's list filtered by prefix needs none.
      const page = await session.autoscaling.send(
        new DescribeScalableTargetsCommand({ ServiceNamespace: SAGEMAKER_NAMESPACE, NextToken }),
      );
      for (const target of page.ScalableTargets ?? []) {
        if (target.ResourceId?.startsWith(prefix) && target.ScalableDimension) {
          resourceIds.push(target.ResourceId);
          await session.autoscaling.send(
            new DeregisterScalableTargetCommand({
              ServiceNamespace: SAGEMAKER_NAMESPACE,
              ResourceId: target.ResourceId,
              ScalableDimension: target.ScalableDimension,
            }),
          );
        }
      }
      NextToken = page.NextToken;
    } while (NextToken);
  } catch (error) {
    const name = (error as Error).name;
    if (name === "ObjectNotFoundException") return resourceIds;
    if (/AccessDenied|UnknownOperation|UnknownService/.test(name)) {
      console.warn(
        `Scalable targets of ${endpointName} were not checked (${name}): ${(error as Error).message}`,
      );
      return resourceIds;
    }
    throw error;
  }
  return resourceIds;
}

/** One look at a variant: its instance counts and the endpoint's status, as DescribeEndpoint answered. */
export interface InstanceSample {
  time: Date;
  status: string;
  desired: number;
  current: number;
}

/** DescribeEndpoint once: the variant's DesiredInstanceCount and CurrentInstanceCount now. */
export async function sampleInstances(
  session: WorkshopSession,
  endpointName: string,
  variantName = "AllTraffic",
): Promise<InstanceSample> {
  const described = await session.sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpointName }));
  const variant = described.ProductionVariants?.find((v) => v.VariantName === variantName);
  return {
    time: new Date(),
    status: described.EndpointStatus ?? "",
    desired: variant?.DesiredInstanceCount ?? 0,
    current: variant?.CurrentInstanceCount ?? 0,
  };
}

/**
 * Samples a variant's instance counts every `everyMs` in the background until stopped, keeping each sample, so a
 * chart of the counts over time shows only what DescribeEndpoint answered.
 */
export function watchInstances(
  session: WorkshopSession,
  endpointName: string,
  options: { everyMs: number; variantName?: string },
): { samples: InstanceSample[]; latest(): InstanceSample | undefined; stop(): Promise<InstanceSample[]> } {
  const samples: InstanceSample[] = [];
  let stopped = false;
  let failure: unknown;
  const loop = (async () => {
    while (!stopped) {
      try {
        samples.push(await sampleInstances(session, endpointName, options.variantName));
      } catch (error) {
        // A throttled look is a gap in the timeline; anything else ends the watch and is rethrown by stop().
        if (!/Throttl|TooManyRequests/.test((error as Error).name)) {
          failure = error;
          return;
        }
      }
      await new Promise((resolve) => setTimeout(resolve, options.everyMs));
    }
  })();
  return {
    samples,
    latest: () => samples.at(-1),
    async stop() {
      stopped = true;
      await loop;
      if (failure) throw failure;
      return samples;
    },
  };
}

/**
 * How local SageMaker's alarms stretch time (LOCAL_SAGEMAKER_ALARM_TIME_SCALE: 0.1 judges a 60 s alarm period on
 * 6 s windows and makes a 300 s cooldown 30 s); 1 on AWS, which runs at its own pace.
 */
export async function alarmTimeScale(session: WorkshopSession): Promise<number> {
  if (session.mode !== "local" || !session.localUrl) return 1;
  return (await localSageMakerHealth(session.localUrl))?.alarmTimeScale ?? 1;
}
