import { randomUUID } from "node:crypto";
import type { Alarm } from "@aws-sdk/client-application-auto-scaling";
import type { MetricAlarm } from "@aws-sdk/client-cloudwatch";
import type { Identity } from "../../core/arns";
import type { CloudWatchService } from "../cloudwatch/service";
import { validationError } from "./errors";
import { targetTrackingAlarms } from "./policies";
import type { PolicyRecord } from "./records";
import type { VariantRef } from "./variants";

/**
 * A policy's alarms in the local CloudWatch: the ones target tracking creates and deletes (as AWS does, through
 * CloudWatch's own API), and for step scaling the user's alarms whose AlarmActions name the policy.
 */
export class PolicyAlarms {
  constructor(
    private readonly cloudwatch: CloudWatchService,
    private readonly identity: Identity,
  ) {}

  /** Target tracking's high and low alarms for `policy`, created now; none is left behind when one fails. */
  create(policy: PolicyRecord, ref: VariantRef): PolicyRecord["Alarms"] {
    const action = `${policy.PolicyARN}:createdBy/${policy.createdBy}`;
    const alarms = targetTrackingAlarms(
      policy.TargetTrackingScalingPolicyConfiguration ?? { TargetValue: undefined },
      ref,
      policy.ResourceId,
      action,
      randomUUID,
    );
    const created: PolicyRecord["Alarms"] = [];
    try {
      for (const { kind, input } of alarms) {
        this.cloudwatch.putMetricAlarm(input);
        const name = input.AlarmName as string;
        created.push({
          AlarmName: name,
          AlarmARN: `arn:aws:cloudwatch:${this.identity.region}:${this.identity.accountId}:alarm:${name}`,
          kind,
        });
      }
    } catch (error) {
      // CloudWatch refused the metric (a bad unit, say): leave no half-made policy behind.
      this.delete({ ...policy, Alarms: created });
      throw validationError(
        `The alarms of the target tracking policy could not be created: ${(error as Error).message}`,
      );
    }
    return created;
  }

  /** Deletes the alarms target tracking made for `policy` (those still there). */
  delete(policy: PolicyRecord): void {
    const names = policy.Alarms.map((alarm) => alarm.AlarmName).filter(
      (name) => this.cloudwatch.getAlarm(name) !== undefined,
    );
    if (names.length > 0) this.cloudwatch.deleteAlarms({ AlarmNames: names });
  }

  /** What DescribeScalingPolicies lists: target tracking's own alarms, or the alarms that invoke a step policy. */
  of(policy: PolicyRecord): Alarm[] {
    if (policy.PolicyType === "TargetTrackingScaling")
      return policy.Alarms.map(({ AlarmName, AlarmARN }) => ({ AlarmName, AlarmARN }));
    return this.invoking(policy.PolicyARN).map((alarm) => ({
      AlarmName: alarm.AlarmName,
      AlarmARN: alarm.AlarmArn,
    }));
  }

  /** The alarms whose AlarmActions invoke the policy (only those in ALARM, when asked). */
  invoking(policyArn: string, state?: "ALARM"): MetricAlarm[] {
    const found: MetricAlarm[] = [];
    let token: string | undefined;
    do {
      const page = this.cloudwatch.describeAlarms({
        ActionPrefix: policyArn,
        MaxRecords: 100,
        ...(state ? { StateValue: state } : {}),
        ...(token ? { NextToken: token } : {}),
      });
      found.push(...(page.MetricAlarms ?? []).filter((alarm) => invokes(alarm.AlarmActions, policyArn)));
      token = page.NextToken;
    } while (token);
    return found;
  }
}

/** Whether an alarm's actions invoke a policy: its ARN, or target tracking's `<ARN>:createdBy/<id>`. */
export function invokes(actions: readonly string[] | undefined, policyArn: string): boolean {
  return (actions ?? []).some(
    (action) => action === policyArn || action.startsWith(`${policyArn}:createdBy/`),
  );
}
