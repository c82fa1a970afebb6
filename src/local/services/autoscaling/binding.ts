import type {
  DeleteScalingPolicyRequest,
  DeregisterScalableTargetRequest,
  DescribeScalableTargetsRequest,
  DescribeScalingActivitiesRequest,
  DescribeScalingPoliciesRequest,
  PutScalingPolicyRequest,
  RegisterScalableTargetRequest,
} from "@aws-sdk/client-application-auto-scaling";
import type { OperationTable } from "../../core/binding";
import type { AutoScalingService } from "./service";

/** Application Auto Scaling's operations, by their AWS names (awsJson 1.1, target prefix AnyScaleFrontendService). */
export function autoScalingOperations(autoscaling: AutoScalingService): OperationTable {
  return {
    RegisterScalableTarget: (input: RegisterScalableTargetRequest) =>
      autoscaling.registerScalableTarget(input),
    DescribeScalableTargets: (input: DescribeScalableTargetsRequest) =>
      autoscaling.describeScalableTargets(input),
    DeregisterScalableTarget: (input: DeregisterScalableTargetRequest) =>
      autoscaling.deregisterScalableTarget(input),
    PutScalingPolicy: (input: PutScalingPolicyRequest) => autoscaling.putScalingPolicy(input),
    DescribeScalingPolicies: (input: DescribeScalingPoliciesRequest) =>
      autoscaling.describeScalingPolicies(input),
    DeleteScalingPolicy: (input: DeleteScalingPolicyRequest) => autoscaling.deleteScalingPolicy(input),
    DescribeScalingActivities: (input: DescribeScalingActivitiesRequest) =>
      autoscaling.describeScalingActivities(input),
  };
}
