import { randomBytes, randomUUID } from "node:crypto";
import { join } from "node:path";
import type {
  DeleteScalingPolicyRequest,
  DeregisterScalableTargetRequest,
  DescribeScalableTargetsRequest,
  DescribeScalableTargetsResponse,
  DescribeScalingActivitiesRequest,
  DescribeScalingActivitiesResponse,
  DescribeScalingPoliciesRequest,
  DescribeScalingPoliciesResponse,
  PutScalingPolicyRequest,
  PutScalingPolicyResponse,
  RegisterScalableTargetRequest,
  RegisterScalableTargetResponse,
  ScalingPolicy,
} from "@aws-sdk/client-application-auto-scaling";
import type { MetricAlarm } from "@aws-sdk/client-cloudwatch";
import { reportUnexpected } from "../../core/errors";
import { pageOf } from "../../core/listing";
import { JsonStore } from "../../core/store";
import type { AlarmStateChange } from "../cloudwatch/service";
import type { ServiceContext } from "../context";
import { Activities } from "./activities";
import { invokes, PolicyAlarms } from "./alarms";
import { invalidNextToken, limitExceeded, objectNotFound, targetWords, validationError } from "./errors";
import {
  aggregate,
  checkStepScaling,
  checkTargetTracking,
  cooldownMs,
  type Decision,
  stepScale,
  trackTarget,
} from "./policies";
import { type ActivityRecord, type PolicyRecord, policyKey, type TargetRecord, targetKey } from "./records";
import { applyCapacity, describeVariant, type EndpointsApi, Interrupted, parseVariant } from "./variants";

/**
 * Local Application Auto Scaling for SageMaker endpoint variants (served over awsJson 1.1, target prefix
 * AnyScaleFrontendService): scalable targets, target-tracking and step scaling policies, and the activities that
 * really change a variant's capacity through SageMaker's typed API (so local SageMaker starts or stops containers).
 *
 * How a policy runs. Target tracking creates its high and low alarms in the local CloudWatch, named and configured
 * as AWS does; step scaling runs from alarms the user creates with the policy's ARN in AlarmActions. When such an
 * alarm goes to ALARM the policy is triggered at once, and again each alarm period while the alarm stays in ALARM
 * (CloudWatch re-invokes Auto Scaling actions every period on AWS): each trigger reads the datapoints the alarm is
 * judged on now and asks for the capacity policies.ts computes. One activity runs per target at a time.
 *
 * Time. Alarm periods are judged on windows LOCAL_SAGEMAKER_ALARM_TIME_SCALE times as long (CloudWatch), and the
 * same scale shortens cooldowns and the re-trigger cadence here, so a 60 s target-tracking alarm and a 300 s
 * cooldown take 6 s and 30 s at scale 0.1. State (targets, policies with their cooldowns, activities) lives in
 * `<stateDir>/application-autoscaling/`; after a restart the listeners are attached again and activities left
 * InProgress are taken up again.
 */

/** AWS's quotas: scalable targets per namespace and scaling policies per target. */
const MAX_TARGETS = 3000;
const MAX_POLICIES_PER_TARGET = 50;
const PAGE_MAX = 50;
const TICK_MS = 1000;

export class AutoScalingService {
  private readonly targets = new Map<string, TargetRecord>();
  private readonly policies = new Map<string, PolicyRecord>();
  private readonly targetStore: JsonStore<TargetRecord>;
  private readonly policyStore: JsonStore<PolicyRecord>;
  private readonly activities: Activities;
  private readonly alarms: PolicyAlarms;
  /** The activity running per target (at most one), by target key. */
  private readonly running = new Map<string, Promise<void>>();
  /** When each (policy, alarm) pair last triggered, for the re-trigger cadence. */
  private readonly lastTrigger = new Map<string, number>();
  private readonly timeScale: number;
  private timer: NodeJS.Timeout | undefined;
  private detach: (() => void)[] = [];
  private stopping = false;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly endpoints: EndpointsApi,
  ) {
    const root = join(ctx.stateDir, "application-autoscaling");
    this.targetStore = new JsonStore<TargetRecord>(
      root,
      "scalable-targets",
      (key) => `scalable target ${key}`,
    );
    this.policyStore = new JsonStore<PolicyRecord>(
      root,
      "scaling-policies",
      (key) => `scaling policy ${key}`,
    );
    this.activities = new Activities(root);
    this.alarms = new PolicyAlarms(ctx.cloudwatch, ctx);
    for (const record of this.targetStore.list())
      this.targets.set(targetKey(record.ResourceId, record.ScalableDimension), record);
    for (const record of this.policyStore.list()) {
      this.policies.set(policyKey(record.ResourceId, record.ScalableDimension, record.PolicyName), record);
    }
    this.timeScale = ctx.settings.alarmTimeScale;
  }

  /** Attaches the alarm and endpoint listeners, starts the re-trigger timer, resumes interrupted activities. */
  start(): void {
    this.stopping = false;
    this.detach = [
      this.ctx.cloudwatch.onAlarmStateChange((change) => this.onAlarmChange(change)),
      this.endpoints.onDelete((name) => this.onEndpointDeleted(name)),
    ];
    this.timer ??= setInterval(() => this.tick(), TICK_MS);
    this.timer.unref();
    for (const activity of this.activities.inProgress()) {
      const target = this.targets.get(targetKey(activity.ResourceId, activity.ScalableDimension));
      if (target) this.run(target, activity);
      else this.activities.fail(activity, "The scalable target was deregistered.");
    }
  }

  /** Stops listening; an activity under way stays InProgress on disk and resumes at the next start. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (const off of this.detach.splice(0)) off();
    await Promise.allSettled([...this.running.values()]);
  }

  // ---- scalable targets ------------------------------------------------------------------------------------

  registerScalableTarget(input: RegisterScalableTargetRequest): RegisterScalableTargetResponse {
    const ref = parseVariant(
      input.ServiceNamespace as string,
      input.ResourceId as string,
      input.ScalableDimension as string,
    );
    const resourceId = input.ResourceId as string;
    const key = targetKey(resourceId, ref.dimension);
    const existing = this.targets.get(key);
    const state = describeVariant(this.endpoints, ref);
    const min = input.MinCapacity ?? existing?.MinCapacity;
    const max = input.MaxCapacity ?? existing?.MaxCapacity;
    if (min === undefined || max === undefined) {
      throw validationError(
        `MinCapacity and MaxCapacity are required to register a new scalable target (${resourceId}, ${ref.dimension}).`,
      );
    }
    if (min < 0 || max < 0)
      throw validationError(`MinCapacity and MaxCapacity must be 0 or more; got ${min} and ${max}.`);
    if (min > max) {
      throw validationError(
        `Minimum capacity cannot be greater than maximum capacity (MinCapacity ${min}, MaxCapacity ${max}).`,
      );
    }
    if (ref.dimension === "sagemaker:variant:DesiredInstanceCount") {
      if (min === 0 && !state.asynchronous) {
        throw validationError(
          `MinCapacity 0 is allowed only for asynchronous endpoints, which queue requests while they have no instances; endpoint ${ref.endpointName} is a real-time endpoint: use a MinCapacity of at least 1.`,
        );
      }
    } else {
      const ceiling = state.maxConcurrency ?? 200;
      if (min < 1 || max > ceiling) {
        throw validationError(
          `Provisioned concurrency of variant ${ref.variantName} runs from 1 to its MaxConcurrency (${ceiling}); got MinCapacity ${min} and MaxCapacity ${max}.`,
        );
      }
    }
    if (!existing && this.targets.size >= MAX_TARGETS) {
      throw limitExceeded(
        `At most ${MAX_TARGETS} scalable targets can be registered for service namespace sagemaker; deregister targets you no longer need.`,
      );
    }
    const suspended = input.SuspendedState ?? {};
    const record: TargetRecord = {
      ServiceNamespace: "sagemaker",
      ResourceId: resourceId,
      ScalableDimension: ref.dimension,
      MinCapacity: min,
      MaxCapacity: max,
      RoleARN:
        input.RoleARN ??
        existing?.RoleARN ??
        `arn:aws:iam::${this.ctx.accountId}:role/aws-service-role/sagemaker.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint`,
      CreationTime: existing?.CreationTime ?? Date.now(),
      SuspendedState: {
        DynamicScalingInSuspended:
          suspended.DynamicScalingInSuspended ?? existing?.SuspendedState.DynamicScalingInSuspended ?? false,
        DynamicScalingOutSuspended:
          suspended.DynamicScalingOutSuspended ??
          existing?.SuspendedState.DynamicScalingOutSuspended ??
          false,
        ScheduledScalingSuspended:
          suspended.ScheduledScalingSuspended ?? existing?.SuspendedState.ScheduledScalingSuspended ?? false,
      },
      ScalableTargetARN:
        existing?.ScalableTargetARN ??
        `arn:aws:application-autoscaling:${this.ctx.region}:${this.ctx.accountId}:scalable-target/${randomBytes(18).toString("hex")}`,
    };
    this.saveTarget(record);
    // A capacity outside the (new) range is brought into it, as AWS does when Min or Max change.
    this.afterRunning(key, () => this.enforceRange(key));
    return { ScalableTargetARN: record.ScalableTargetARN };
  }

  describeScalableTargets(input: DescribeScalableTargetsRequest): DescribeScalableTargetsResponse {
    const ids = input.ResourceIds?.length ? new Set(input.ResourceIds) : undefined;
    if (input.ScalableDimension !== undefined && !ids) {
      throw validationError("If you specify a scalable dimension, you must also specify a resource ID.");
    }
    const matches = [...this.targets.values()]
      .filter(
        (record) =>
          record.ServiceNamespace === input.ServiceNamespace &&
          (ids === undefined || ids.has(record.ResourceId)) &&
          (input.ScalableDimension === undefined || record.ScalableDimension === input.ScalableDimension),
      )
      .sort((a, b) => a.CreationTime - b.CreationTime || a.ResourceId.localeCompare(b.ResourceId));
    const { page, NextToken } = pageOf(
      matches,
      input.NextToken,
      pageSize(input.MaxResults),
      invalidNextToken,
    );
    return {
      ScalableTargets: page.map((record) => ({
        ...record,
        SuspendedState: { ...record.SuspendedState },
        CreationTime: new Date(record.CreationTime),
      })),
      ...(NextToken ? { NextToken } : {}),
    };
  }

  deregisterScalableTarget(input: DeregisterScalableTargetRequest): Record<string, never> {
    const resourceId = input.ResourceId as string;
    const dimension = input.ScalableDimension as string;
    const key = targetKey(resourceId, dimension);
    if (input.ServiceNamespace !== "sagemaker" || !this.targets.has(key)) {
      throw objectNotFound(
        `No scalable target registered for ${targetWords(input.ServiceNamespace as string, resourceId, dimension)}`,
      );
    }
    this.removeTarget(key);
    return {};
  }

  // ---- scaling policies ------------------------------------------------------------------------------------

  putScalingPolicy(input: PutScalingPolicyRequest): PutScalingPolicyResponse {
    const resourceId = input.ResourceId as string;
    const ref = parseVariant(input.ServiceNamespace as string, resourceId, input.ScalableDimension as string);
    const tkey = targetKey(resourceId, ref.dimension);
    if (!this.targets.has(tkey)) {
      throw objectNotFound(
        `No scalable target registered for ${targetWords("sagemaker", resourceId, ref.dimension)}`,
      );
    }
    const name = input.PolicyName as string;
    const key = policyKey(resourceId, ref.dimension, name);
    const existing = this.policies.get(key);
    const type = (input.PolicyType ?? existing?.PolicyType) as string | undefined;
    if (type === undefined)
      throw validationError(
        "PolicyType is required to create a scaling policy: TargetTrackingScaling or StepScaling.",
      );
    if (type === "PredictiveScaling") {
      throw validationError(
        "Predictive scaling is not supported for SageMaker endpoint variants: use TargetTrackingScaling or StepScaling.",
      );
    }
    const tracking = input.TargetTrackingScalingPolicyConfiguration;
    const step = input.StepScalingPolicyConfiguration;
    if (type === "TargetTrackingScaling") {
      if (!tracking)
        throw validationError(
          "A TargetTrackingScaling policy needs a TargetTrackingScalingPolicyConfiguration.",
        );
      if (step)
        throw validationError(
          "StepScalingPolicyConfiguration does not apply to a TargetTrackingScaling policy.",
        );
      checkTargetTracking(tracking, ref.dimension);
    } else {
      if (!step) throw validationError("A StepScaling policy needs a StepScalingPolicyConfiguration.");
      if (tracking)
        throw validationError(
          "TargetTrackingScalingPolicyConfiguration does not apply to a StepScaling policy.",
        );
      checkStepScaling(step);
    }
    if (!existing) {
      const count = [...this.policies.values()].filter(
        (policy) => targetKey(policy.ResourceId, policy.ScalableDimension) === tkey,
      ).length;
      if (count >= MAX_POLICIES_PER_TARGET) {
        throw limitExceeded(
          `A scalable target has at most ${MAX_POLICIES_PER_TARGET} scaling policies; delete one first.`,
        );
      }
    }
    const policyArn =
      existing?.PolicyARN ??
      `arn:aws:autoscaling:${this.ctx.region}:${this.ctx.accountId}:scalingPolicy:${randomUUID()}:resource/sagemaker/${resourceId}:policyName/${name}`;
    const record: PolicyRecord = {
      PolicyARN: policyArn,
      PolicyName: name,
      ServiceNamespace: "sagemaker",
      ResourceId: resourceId,
      ScalableDimension: ref.dimension,
      PolicyType: type as PolicyRecord["PolicyType"],
      ...(tracking ? { TargetTrackingScalingPolicyConfiguration: tracking } : {}),
      ...(step ? { StepScalingPolicyConfiguration: step } : {}),
      Alarms: [],
      CreationTime: existing?.CreationTime ?? Date.now(),
      createdBy: existing?.createdBy ?? randomUUID(),
      cooldowns: existing?.cooldowns ?? {},
    };
    if (tracking) record.Alarms = this.alarms.create(record, ref);
    // An update replaces the alarms target tracking made (new names, as AWS's new alarm identities).
    if (existing) this.alarms.delete(existing);
    this.savePolicy(key, record);
    return {
      PolicyARN: policyArn,
      ...(tracking
        ? { Alarms: record.Alarms.map(({ AlarmName, AlarmARN }) => ({ AlarmName, AlarmARN })) }
        : {}),
    };
  }

  describeScalingPolicies(input: DescribeScalingPoliciesRequest): DescribeScalingPoliciesResponse {
    if (input.ScalableDimension !== undefined && input.ResourceId === undefined) {
      throw validationError("If you specify a scalable dimension, you must also specify a resource ID.");
    }
    const names = input.PolicyNames?.length ? new Set(input.PolicyNames) : undefined;
    const matches = [...this.policies.values()]
      .filter(
        (policy) =>
          policy.ServiceNamespace === input.ServiceNamespace &&
          (names === undefined || names.has(policy.PolicyName)) &&
          (input.ResourceId === undefined || policy.ResourceId === input.ResourceId) &&
          (input.ScalableDimension === undefined || policy.ScalableDimension === input.ScalableDimension),
      )
      .sort((a, b) => a.CreationTime - b.CreationTime || a.PolicyName.localeCompare(b.PolicyName));
    const { page, NextToken } = pageOf(
      matches,
      input.NextToken,
      pageSize(input.MaxResults),
      invalidNextToken,
    );
    return {
      ScalingPolicies: page.map(
        (policy): ScalingPolicy => ({
          PolicyARN: policy.PolicyARN,
          PolicyName: policy.PolicyName,
          ServiceNamespace: policy.ServiceNamespace,
          ResourceId: policy.ResourceId,
          ScalableDimension: policy.ScalableDimension,
          PolicyType: policy.PolicyType,
          ...(policy.StepScalingPolicyConfiguration
            ? { StepScalingPolicyConfiguration: policy.StepScalingPolicyConfiguration }
            : {}),
          ...(policy.TargetTrackingScalingPolicyConfiguration
            ? { TargetTrackingScalingPolicyConfiguration: policy.TargetTrackingScalingPolicyConfiguration }
            : {}),
          Alarms: this.alarms.of(policy),
          CreationTime: new Date(policy.CreationTime),
        }),
      ),
      ...(NextToken ? { NextToken } : {}),
    };
  }

  deleteScalingPolicy(input: DeleteScalingPolicyRequest): Record<string, never> {
    const resourceId = input.ResourceId as string;
    const dimension = input.ScalableDimension as string;
    const key = policyKey(resourceId, dimension, input.PolicyName as string);
    const policy = input.ServiceNamespace === "sagemaker" ? this.policies.get(key) : undefined;
    if (!policy) {
      throw objectNotFound(
        `No scaling policy found for ${targetWords(input.ServiceNamespace as string, resourceId, dimension)}, policy name: ${input.PolicyName}`,
      );
    }
    this.removePolicy(key, policy);
    return {};
  }

  describeScalingActivities(input: DescribeScalingActivitiesRequest): DescribeScalingActivitiesResponse {
    if (input.ScalableDimension !== undefined && input.ResourceId === undefined) {
      throw validationError("If you specify a scalable dimension, you must also specify a resource ID.");
    }
    if (input.ServiceNamespace !== "sagemaker") return { ScalingActivities: [] };
    return this.activities.describe(
      { resourceId: input.ResourceId, dimension: input.ScalableDimension },
      { maxResults: pageSize(input.MaxResults), nextToken: input.NextToken },
    );
  }

  // ---- triggers ----------------------------------------------------------------------------------------------

  /** An alarm went to ALARM: the policies among its actions run now. */
  private onAlarmChange(change: AlarmStateChange): void {
    if (change.newState !== "ALARM" || this.stopping) return;
    for (const policy of this.policies.values()) {
      if (!invokes(change.actions, policy.PolicyARN)) continue;
      this.lastTrigger.set(triggerKey(policy, change.alarmName), Date.now());
      const key = policyKey(policy.ResourceId, policy.ScalableDimension, policy.PolicyName);
      // Not inside CloudWatch's evaluation: the trigger may create and delete alarms itself.
      setImmediate(() => this.trigger(key, change.alarmName));
    }
  }

  /** While an alarm stays in ALARM, its policies run again once per (scaled) alarm period. */
  private tick(): void {
    if (this.policies.size === 0 || this.stopping) return;
    const now = Date.now();
    for (const [key, policy] of this.policies) {
      try {
        const alarms =
          policy.PolicyType === "TargetTrackingScaling"
            ? policy.Alarms.map((alarm) => this.ctx.cloudwatch.getAlarm(alarm.AlarmName)).filter(
                (alarm): alarm is MetricAlarm => alarm?.StateValue === "ALARM",
              )
            : this.alarms.invoking(policy.PolicyARN, "ALARM");
        for (const alarm of alarms) {
          if (!alarm.ActionsEnabled) continue;
          const name = alarm.AlarmName as string;
          const last = this.lastTrigger.get(triggerKey(policy, name)) ?? 0;
          if (now - last < this.periodMs(alarm)) continue;
          this.lastTrigger.set(triggerKey(policy, name), now);
          this.trigger(key, name);
        }
      } catch (error) {
        reportUnexpected(error);
      }
    }
  }

  private periodMs(alarm: MetricAlarm): number {
    const period = alarm.Period ?? alarm.Metrics?.find((query) => query.MetricStat)?.MetricStat?.Period ?? 60;
    return Math.max(1, Math.round(period * this.timeScale)) * 1000;
  }

  /** One run of a policy for one of its alarms: the capacity it asks for, and the activity that sets it. */
  private trigger(key: string, alarmName: string): void {
    try {
      const policy = this.policies.get(key);
      if (!policy || this.stopping) return;
      const tkey = targetKey(policy.ResourceId, policy.ScalableDimension);
      const target = this.targets.get(tkey);
      if (!target || this.running.has(tkey)) return;
      const alarm = this.ctx.cloudwatch.getAlarm(alarmName);
      if (alarm?.StateValue !== "ALARM") return;
      const values = (this.ctx.cloudwatch.alarmWindows(alarmName)?.windows ?? [])
        .map((window) => window.value)
        .filter((value): value is number => value !== undefined);
      if (values.length === 0) return;
      const ref = parseVariant("sagemaker", policy.ResourceId, policy.ScalableDimension);
      let current: number;
      try {
        current = describeVariant(this.endpoints, ref).desired;
      } catch {
        return; // the endpoint is gone or has no such variant now: nothing to scale
      }
      const situation = {
        current,
        min: target.MinCapacity,
        max: target.MaxCapacity,
        cooldowns: policy.cooldowns,
        now: Date.now(),
      };
      let decision: Decision | undefined;
      if (policy.PolicyType === "TargetTrackingScaling") {
        const kind = policy.Alarms.find((candidate) => candidate.AlarmName === alarmName)?.kind;
        if (!kind) return;
        decision = trackTarget(
          policy.TargetTrackingScalingPolicyConfiguration ?? { TargetValue: undefined },
          kind,
          values.at(-1) as number,
          situation,
        );
      } else {
        const config = policy.StepScalingPolicyConfiguration ?? {};
        const breach = aggregate(values, config.MetricAggregationType) - (alarm.Threshold ?? 0);
        decision = stepScale(config, breach, situation);
      }
      if (!decision) return;
      const suspended =
        decision.direction === "out"
          ? target.SuspendedState.DynamicScalingOutSuspended
          : target.SuspendedState.DynamicScalingInSuspended;
      if (suspended) return;
      const activity = this.activities.start({
        resourceId: target.ResourceId,
        dimension: target.ScalableDimension,
        desired: decision.desired,
        from: current,
        cause: `monitor alarm ${alarmName} in state ALARM triggered policy ${policy.PolicyName}`,
        policyKey: key,
      });
      this.run(target, activity);
    } catch (error) {
      reportUnexpected(error);
    }
  }

  /** Brings a target's capacity into [Min, Max] (after RegisterScalableTarget). */
  private enforceRange(key: string): void {
    const target = this.targets.get(key);
    if (!target || this.running.has(key) || this.stopping) return;
    const ref = parseVariant("sagemaker", target.ResourceId, target.ScalableDimension);
    let current: number;
    try {
      current = describeVariant(this.endpoints, ref).desired;
    } catch {
      return;
    }
    const desired = Math.min(target.MaxCapacity, Math.max(target.MinCapacity, current));
    if (desired === current) return;
    const activity = this.activities.start({
      resourceId: target.ResourceId,
      dimension: target.ScalableDimension,
      desired,
      from: current,
      cause:
        desired > current
          ? `minimum capacity was set to ${target.MinCapacity}`
          : `maximum capacity was set to ${target.MaxCapacity}`,
    });
    this.run(target, activity);
  }

  /** Runs `then` now if the target is idle, else once its activity is done. */
  private afterRunning(key: string, then: () => void): void {
    const running = this.running.get(key);
    if (!running) then();
    else void running.finally(() => setImmediate(then));
  }

  // ---- activities --------------------------------------------------------------------------------------------

  /** Fulfils an activity through SageMaker; its policy's cooldown starts when it succeeds. */
  private run(target: TargetRecord, activity: ActivityRecord): void {
    const key = targetKey(target.ResourceId, target.ScalableDimension);
    const ref = parseVariant("sagemaker", target.ResourceId, target.ScalableDimension);
    const work = applyCapacity(this.endpoints, ref, activity.desired, () => this.stopping)
      .then(() => {
        this.activities.succeed(activity);
        this.startCooldown(activity);
      })
      .catch((error: unknown) => {
        if (error instanceof Interrupted) return; // stays InProgress; resumed at the next start
        this.activities.fail(activity, (error as Error).message);
      })
      .catch(reportUnexpected)
      .finally(() => {
        if (this.running.get(key) === work) this.running.delete(key);
      });
    this.running.set(key, work);
  }

  private startCooldown(activity: ActivityRecord): void {
    const key = activity.policyKey;
    const policy = key === undefined ? undefined : this.policies.get(key);
    if (!policy || key === undefined) return;
    const end = activity.EndTime ?? Date.now();
    const cooldowns = { ...policy.cooldowns };
    if (activity.desired > activity.from) {
      const cooling = (cooldowns.scaleOutUntil ?? 0) > activity.StartTime;
      cooldowns.scaleOutBase = cooling ? (cooldowns.scaleOutBase ?? activity.from) : activity.from;
      cooldowns.scaleOutUntil = end + cooldownMs(policy, "out", this.timeScale);
      // A scale-out ends a scale-in cooldown (AWS scales out at once and the scale-in cooldown stops).
      delete cooldowns.scaleInUntil;
    } else {
      cooldowns.scaleInUntil = end + cooldownMs(policy, "in", this.timeScale);
    }
    this.savePolicy(key, { ...policy, cooldowns });
  }

  // ---- removal -----------------------------------------------------------------------------------------------

  /** On AWS, DeleteEndpoint deregisters the scalable targets of the endpoint's variants (with their policies). */
  private onEndpointDeleted(endpointName: string): void {
    const lower = endpointName.toLowerCase();
    for (const [key, target] of [...this.targets]) {
      const endpoint = /^endpoint\/([^/]+)\//.exec(target.ResourceId)?.[1];
      if (endpoint?.toLowerCase() === lower) this.removeTarget(key);
    }
  }

  private removeTarget(key: string): void {
    const target = this.targets.get(key);
    if (!target) return;
    for (const [pkey, policy] of [...this.policies]) {
      if (targetKey(policy.ResourceId, policy.ScalableDimension) === key) this.removePolicy(pkey, policy);
    }
    this.targets.delete(key);
    this.targetStore.delete(key);
  }

  private removePolicy(key: string, policy: PolicyRecord): void {
    this.alarms.delete(policy);
    this.policies.delete(key);
    this.policyStore.delete(key);
    for (const trigger of [...this.lastTrigger.keys()]) {
      if (trigger.startsWith(`${policy.PolicyARN}\u0000`)) this.lastTrigger.delete(trigger);
    }
  }

  private saveTarget(record: TargetRecord): void {
    const key = targetKey(record.ResourceId, record.ScalableDimension);
    this.targets.set(key, record);
    this.targetStore.put(key, record);
  }

  private savePolicy(key: string, record: PolicyRecord): void {
    this.policies.set(key, record);
    this.policyStore.put(key, record);
  }
}

const triggerKey = (policy: PolicyRecord, alarmName: string) => `${policy.PolicyARN}\u0000${alarmName}`;

function pageSize(maxResults: number | undefined): number {
  if (maxResults === undefined) return PAGE_MAX;
  if (maxResults < 1 || maxResults > PAGE_MAX) {
    throw validationError(
      `1 validation error detected: Value '${maxResults}' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and ${PAGE_MAX}`,
    );
  }
  return maxResults;
}
