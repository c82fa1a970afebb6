import { randomUUID } from "node:crypto";
import type { ScalingActivity } from "@aws-sdk/client-application-auto-scaling";
import { Lifecycle } from "../../core/lifecycle";
import { pageOf } from "../../core/listing";
import { JsonStore } from "../../core/store";
import { invalidNextToken } from "./errors";
import type { ActivityRecord, ActivityStatus, VariantDimension } from "./records";
import { capacityWords } from "./variants";

/**
 * Scaling activities: one per change of a target's capacity (an alarm that triggered a policy, a new Min or Max),
 * InProgress while SageMaker starts or stops containers, then Successful or Failed, worded as AWS words them:
 *   Description "Setting desired instance count to 3."
 *   Cause       "monitor alarm TargetTracking-endpoint/e/variant/AllTraffic-AlarmHigh-… in state ALARM triggered
 *                policy Invocations"
 *   StatusMessage "Successfully set desired instance count to 3. Change successfully fulfilled by sagemaker."
 * Kept six weeks, as AWS keeps them; newest first in DescribeScalingActivities.
 */

const ACTIVITY = new Lifecycle<ActivityRecord, ActivityStatus>({
  kind: "scaling activity",
  moves: { InProgress: ["Successful", "Failed"], Successful: [], Failed: [] },
  name: (record) => record.ActivityId,
  status: (record) => record.StatusCode,
  apply(record, to, change, at) {
    record.StatusCode = to;
    if (change.message !== undefined) record.StatusMessage = change.message;
    record.EndTime = at;
  },
});

const RETENTION_MS = 42 * 24 * 60 * 60 * 1000;

export class Activities {
  private readonly store: JsonStore<ActivityRecord>;
  private readonly records = new Map<string, ActivityRecord>();

  constructor(root: string) {
    this.store = new JsonStore<ActivityRecord>(root, "scaling-activities", (id) => `scaling activity ${id}`);
    const oldest = Date.now() - RETENTION_MS;
    for (const record of this.store.list()) {
      if (record.StartTime < oldest) this.store.delete(record.ActivityId);
      else this.records.set(record.ActivityId, record);
    }
  }

  start(entry: {
    resourceId: string;
    dimension: VariantDimension;
    desired: number;
    from: number;
    cause: string;
    policyKey?: string;
  }): ActivityRecord {
    const now = Date.now();
    const record: ActivityRecord = {
      ActivityId: randomUUID(),
      ServiceNamespace: "sagemaker",
      ResourceId: entry.resourceId,
      ScalableDimension: entry.dimension,
      Description: `Setting desired ${capacityWords(entry.dimension)} to ${entry.desired}.`,
      Cause: entry.cause,
      StartTime: now,
      StatusCode: "InProgress",
      LastModifiedTime: now,
      desired: entry.desired,
      from: entry.from,
      ...(entry.policyKey !== undefined ? { policyKey: entry.policyKey } : {}),
    };
    this.save(record);
    return record;
  }

  succeed(record: ActivityRecord): void {
    ACTIVITY.transition(
      record,
      "Successful",
      {
        message: `Successfully set desired ${capacityWords(record.ScalableDimension)} to ${record.desired}. Change successfully fulfilled by sagemaker.`,
      },
      (changed) => this.save(changed),
    );
  }

  fail(record: ActivityRecord, reason: string): void {
    ACTIVITY.transition(
      record,
      "Failed",
      {
        message: `Failed to set desired ${capacityWords(record.ScalableDimension)} to ${record.desired}. Reason: ${reason}`,
      },
      (changed) => this.save(changed),
    );
  }

  /** Activities a stopped server left InProgress: they are taken up again. */
  inProgress(): ActivityRecord[] {
    return [...this.records.values()].filter((record) => record.StatusCode === "InProgress");
  }

  describe(
    filter: { resourceId?: string; dimension?: string },
    page: { maxResults: number; nextToken?: string },
  ): { ScalingActivities: ScalingActivity[]; NextToken?: string } {
    const matches = [...this.records.values()]
      .filter(
        (record) =>
          (filter.resourceId === undefined || record.ResourceId === filter.resourceId) &&
          (filter.dimension === undefined || record.ScalableDimension === filter.dimension),
      )
      .sort((a, b) => b.StartTime - a.StartTime || (a.ActivityId < b.ActivityId ? -1 : 1));
    const { page: shown, NextToken } = pageOf(matches, page.nextToken, page.maxResults, invalidNextToken);
    return {
      ScalingActivities: shown.map((record) => ({
        ActivityId: record.ActivityId,
        ServiceNamespace: record.ServiceNamespace,
        ResourceId: record.ResourceId,
        ScalableDimension: record.ScalableDimension,
        Description: record.Description,
        Cause: record.Cause,
        StartTime: new Date(record.StartTime),
        ...(record.EndTime !== undefined ? { EndTime: new Date(record.EndTime) } : {}),
        StatusCode: record.StatusCode,
        ...(record.StatusMessage !== undefined ? { StatusMessage: record.StatusMessage } : {}),
      })),
      ...(NextToken ? { NextToken } : {}),
    };
  }

  private save(record: ActivityRecord): void {
    this.records.set(record.ActivityId, record);
    this.store.put(record.ActivityId, record);
  }
}
