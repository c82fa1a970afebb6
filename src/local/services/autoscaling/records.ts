import type {
  ScalableDimension,
  StepScalingPolicyConfiguration,
  SuspendedState,
  TargetTrackingScalingPolicyConfiguration,
} from "@aws-sdk/client-application-auto-scaling";

/**
 * Durable documents of local Application Auto Scaling (one JSON file each under
 * `<state>/application-autoscaling/`). Times are epoch milliseconds; the API turns them into Dates.
 */

/** The two SageMaker variant dimensions served locally. */
export type VariantDimension = Extract<
  ScalableDimension,
  "sagemaker:variant:DesiredInstanceCount" | "sagemaker:variant:DesiredProvisionedConcurrency"
>;

export interface TargetRecord {
  ServiceNamespace: "sagemaker";
  ResourceId: string;
  ScalableDimension: VariantDimension;
  MinCapacity: number;
  MaxCapacity: number;
  RoleARN: string;
  CreationTime: number;
  SuspendedState: Required<SuspendedState>;
  ScalableTargetARN: string;
}

/** Where a scale-out or scale-in cooldown stands (AWS keeps cooldowns per policy). */
export interface Cooldowns {
  /** A scale-out's cooldown ends here (epoch ms). */
  scaleOutUntil?: number;
  /** The capacity before the scale-out that started the cooldown: what the metric still reflects meanwhile. */
  scaleOutBase?: number;
  scaleInUntil?: number;
}

/** A target-tracking alarm: the high one scales out, the low one scales in. */
export interface PolicyAlarm {
  AlarmName: string;
  AlarmARN: string;
  kind?: "high" | "low";
}

export interface PolicyRecord {
  PolicyARN: string;
  PolicyName: string;
  ServiceNamespace: "sagemaker";
  ResourceId: string;
  ScalableDimension: VariantDimension;
  PolicyType: "TargetTrackingScaling" | "StepScaling";
  StepScalingPolicyConfiguration?: StepScalingPolicyConfiguration;
  TargetTrackingScalingPolicyConfiguration?: TargetTrackingScalingPolicyConfiguration;
  /** The alarms target tracking created (step scaling's alarms are the user's, found by their actions). */
  Alarms: PolicyAlarm[];
  CreationTime: number;
  /** Target tracking's alarms invoke `<PolicyARN>:createdBy/<this>`, as on AWS. */
  createdBy: string;
  cooldowns: Cooldowns;
}

export type ActivityStatus = "InProgress" | "Successful" | "Failed";

export interface ActivityRecord {
  ActivityId: string;
  ServiceNamespace: "sagemaker";
  ResourceId: string;
  ScalableDimension: VariantDimension;
  Description: string;
  Cause: string;
  StartTime: number;
  EndTime?: number;
  StatusCode: ActivityStatus;
  StatusMessage?: string;
  LastModifiedTime: number;
  /** The capacity this activity sets, and the one it started from. */
  desired: number;
  from: number;
  /** The policy that triggered it (its store key), whose cooldown starts when it succeeds. */
  policyKey?: string;
}

export const targetKey = (resourceId: string, dimension: string): string => `${resourceId}|${dimension}`;

export const policyKey = (resourceId: string, dimension: string, name: string): string =>
  `${targetKey(resourceId, dimension)}|${name}`;
