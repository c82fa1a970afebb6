import type { CapacitySize, DeploymentConfig, VariantStatus } from "@aws-sdk/client-sagemaker";
import { validation } from "../../../core/errors";
import type { CloudWatchService } from "../../cloudwatch/service";
import type { Deployment } from "./deployment";
import type { VariantRecord } from "./records";

/**
 * How UpdateEndpoint with a DeploymentConfig moves traffic from the serving fleet (blue) to the new one (green):
 * - BlueGreenUpdatePolicy: ALL_AT_ONCE, CANARY (a first share, then the rest) or LINEAR (equal steps), each step
 *   baking WaitIntervalInSeconds, then TerminationWaitInSeconds before blue stops;
 * - RollingUpdatePolicy: green grows and blue shrinks by MaximumBatchSize instances per step (one variant);
 * - AutoRollbackConfiguration.Alarms: any of them in ALARM while a step bakes (or during the termination wait)
 *   sends all traffic back to blue and stops green; so does passing MaximumExecutionTimeoutInSeconds.
 * The plan is computed here; Endpoints runs it and keeps the status (Updating, RollingBack) and
 * PendingDeploymentSummary (Creating, ActivatingTraffic, Baking) as SageMaker shows them.
 */

export interface TrafficStep {
  /** The share of requests green serves once this step's traffic is on. */
  greenShare: number;
  /** Rolling updates: instances each fleet has during this step. */
  greenInstances?: number;
  blueInstances?: number;
  bakeMs: number;
}

export interface RolloutPlan {
  steps: TrafficStep[];
  terminationWaitMs: number;
  /** MaximumExecutionTimeoutInSeconds, when given. */
  deadlineMs?: number;
  alarms: string[];
  /** Rolling updates start green with this many instances (blue/green start it whole). */
  initialGreenInstances?: number;
}

const totalInstances = (variants: readonly VariantRecord[]): number =>
  variants.reduce((sum, variant) => sum + variant.instanceCount, 0);

/** The Smithy rules are checked by the protocol layer; these are the ones SageMaker adds, in its terms. */
export function checkDeploymentConfig(
  config: DeploymentConfig,
  blue: readonly VariantRecord[],
  green: readonly VariantRecord[],
  alarmExists: (name: string) => boolean,
): void {
  const blueGreen = config.BlueGreenUpdatePolicy;
  const rolling = config.RollingUpdatePolicy;
  if (blueGreen && rolling) {
    throw validation("DeploymentConfig takes either BlueGreenUpdatePolicy or RollingUpdatePolicy, not both.");
  }
  if ([...blue, ...green].some((variant) => variant.serverless)) {
    throw validation(
      "A DeploymentConfig needs instance-based variants: serverless variants are updated all at once. Leave DeploymentConfig out for this update.",
    );
  }
  const routing = blueGreen?.TrafficRoutingConfiguration;
  const capacity = totalInstances(green);
  if (routing?.Type === "CANARY") {
    const size = requireSize(routing.CanarySize, "CanarySize", "CANARY");
    const instances = instancesOf(size, capacity);
    if (instances > capacity / 2) {
      throw validation(
        `CanarySize ${describeSize(size)} is ${instances} of the new fleet's ${capacity} instances; the canary may be at most 50% of the new fleet's capacity.`,
      );
    }
  }
  if (routing?.Type === "LINEAR") {
    const size = requireSize(routing.LinearStepSize, "LinearStepSize", "LINEAR");
    const share =
      size.Type === "CAPACITY_PERCENT" ? (size.Value ?? 0) / 100 : instancesOf(size, capacity) / capacity;
    if (share < 0.1 || share > 0.5) {
      throw validation(
        `LinearStepSize ${describeSize(size)} is ${Math.round(share * 100)}% of the new fleet's ${capacity} instances; a linear step must be 10% to 50% of its capacity.`,
      );
    }
  }
  if (routing?.Type === "ALL_AT_ONCE" && (routing.CanarySize || routing.LinearStepSize)) {
    throw validation(
      "TrafficRoutingConfiguration Type ALL_AT_ONCE takes neither CanarySize nor LinearStepSize.",
    );
  }
  if (rolling) {
    if (blue.length !== 1 || green.length !== 1) {
      throw validation(
        `A RollingUpdatePolicy updates an endpoint of one variant to a configuration of one variant; this update goes from ${blue.length} to ${green.length}. Use a BlueGreenUpdatePolicy.`,
      );
    }
    const batch = instancesOf(rolling.MaximumBatchSize as CapacitySize, capacity);
    if (batch > capacity / 2) {
      throw validation(
        `MaximumBatchSize ${describeSize(rolling.MaximumBatchSize as CapacitySize)} is ${batch} of ${capacity} instances; a batch may be at most half of the endpoint's capacity.`,
      );
    }
  }
  const plan = rolloutPlan(config, blue, green);
  const waits = plan.steps.reduce((sum, step) => sum + step.bakeMs, plan.terminationWaitMs);
  if (plan.deadlineMs !== undefined && plan.deadlineMs <= waits) {
    throw validation(
      `MaximumExecutionTimeoutInSeconds ${plan.deadlineMs / 1000} must be longer than the deployment's waits, ${waits / 1000} s in all.`,
    );
  }
  for (const alarm of config.AutoRollbackConfiguration?.Alarms ?? []) {
    if (alarm.AlarmName && !alarmExists(alarm.AlarmName)) {
      throw validation(
        `The alarm ${alarm.AlarmName} in AutoRollbackConfiguration does not exist; create it with PutMetricAlarm first.`,
      );
    }
  }
}

/** The steps of a rollout (an update without DeploymentConfig is one step with no bake). */
export function rolloutPlan(
  config: DeploymentConfig | undefined,
  blue: readonly VariantRecord[],
  green: readonly VariantRecord[],
): RolloutPlan {
  const alarms = (config?.AutoRollbackConfiguration?.Alarms ?? []).flatMap((alarm) =>
    alarm.AlarmName ? [alarm.AlarmName] : [],
  );
  const rolling = config?.RollingUpdatePolicy;
  if (rolling) {
    const greenTotal = totalInstances(green);
    const blueTotal = totalInstances(blue);
    const batch = Math.max(1, instancesOf(rolling.MaximumBatchSize as CapacitySize, greenTotal));
    const steps: TrafficStep[] = [];
    for (let done = batch; ; done += batch) {
      const greenInstances = Math.min(done, greenTotal);
      const blueInstances = Math.max(blueTotal - done, 0);
      steps.push({
        greenShare: greenInstances / (greenInstances + blueInstances),
        greenInstances,
        blueInstances,
        bakeMs: (rolling.WaitIntervalInSeconds ?? 0) * 1000,
      });
      if (greenInstances === greenTotal && blueInstances === 0) break;
    }
    return {
      steps,
      terminationWaitMs: 0,
      deadlineMs: secondsToMs(rolling.MaximumExecutionTimeoutInSeconds),
      alarms,
      initialGreenInstances: batch,
    };
  }
  const policy = config?.BlueGreenUpdatePolicy;
  const routing = policy?.TrafficRoutingConfiguration;
  const bakeMs = (routing?.WaitIntervalInSeconds ?? 0) * 1000;
  const capacity = totalInstances(green);
  let shares = [1];
  if (routing?.Type === "CANARY") {
    shares = [instancesOf(routing.CanarySize as CapacitySize, capacity) / capacity, 1];
  } else if (routing?.Type === "LINEAR") {
    const step = instancesOf(routing.LinearStepSize as CapacitySize, capacity) / capacity;
    shares = [];
    for (let share = step; share < 1 - 1e-9; share += step) shares.push(share);
    shares.push(1);
  }
  return {
    // The last shift is followed by the termination wait, not by another bake.
    steps: shares.map((greenShare, index) => ({
      greenShare,
      bakeMs: index < shares.length - 1 ? bakeMs : 0,
    })),
    terminationWaitMs: (policy?.TerminationWaitInSeconds ?? 0) * 1000,
    deadlineMs: secondsToMs(policy?.MaximumExecutionTimeoutInSeconds),
    alarms,
  };
}

const secondsToMs = (seconds: number | undefined): number | undefined =>
  seconds === undefined ? undefined : seconds * 1000;

function requireSize(size: CapacitySize | undefined, member: string, type: string): CapacitySize {
  if (!size) throw validation(`TrafficRoutingConfiguration Type ${type} needs ${member}.`);
  return size;
}

function instancesOf(size: CapacitySize, capacity: number): number {
  const value = size.Value ?? 0;
  if (size.Type === "CAPACITY_PERCENT") {
    if (value > 100)
      throw validation(`A CapacitySize of type CAPACITY_PERCENT is at most 100; got ${value}.`);
    return Math.max(1, Math.round((capacity * value) / 100));
  }
  return value;
}

const describeSize = (size: CapacitySize): string =>
  size.Type === "CAPACITY_PERCENT" ? `${size.Value}%` : `${size.Value} instance(s)`;

/** During a rollout the endpoint is two fleets: each request goes to green with the current share. */
export class TrafficSplit {
  greenShare = 0;

  constructor(
    readonly blue: Deployment,
    readonly green: Deployment,
  ) {}

  /** The fleet for one request; a TargetVariant only one of them has decides. */
  pick(targetVariant?: string): Deployment {
    if (targetVariant !== undefined) {
      const inBlue = this.blue.variant(targetVariant) !== undefined;
      const inGreen = this.green.variant(targetVariant) !== undefined;
      if (inBlue !== inGreen) return inGreen ? this.green : this.blue;
    }
    return Math.random() < this.greenShare ? this.green : this.blue;
  }
}

/**
 * The alarms a rollout watches: any in ALARM ends a bake early. State changes are heard as they happen, so an alarm
 * that went into ALARM and back to OK between two looks (a SetAlarmState the next evaluation undid) still counts.
 */
export class AlarmWatch {
  private readonly wentIntoAlarm = new Set<string>();
  private readonly off: () => void;

  constructor(
    private readonly cloudwatch: CloudWatchService,
    private readonly names: readonly string[],
  ) {
    const watched = new Set(names);
    this.off = cloudwatch.onAlarmStateChange(({ alarmName, newState }) => {
      if (newState === "ALARM" && watched.has(alarmName)) this.wentIntoAlarm.add(alarmName);
    });
  }

  firing(): string[] {
    return this.names.filter(
      (name) => this.wentIntoAlarm.has(name) || this.cloudwatch.getAlarm(name)?.StateValue === "ALARM",
    );
  }

  /** Stops listening; the rollout is over. */
  close(): void {
    this.off();
  }

  /** Waits `ms` while watching; undefined when the bake ran its course, else why it stopped. */
  async bake(ms: number, cancelled: () => boolean, deadline: number | undefined): Promise<Halt | undefined> {
    const end = Date.now() + ms;
    for (;;) {
      if (cancelled()) return { kind: "cancelled" };
      const fired = this.firing();
      if (fired.length > 0) return { kind: "alarm", alarms: fired };
      if (deadline !== undefined && Date.now() > deadline) return { kind: "timeout" };
      const left = end - Date.now();
      if (left <= 0) return undefined;
      await new Promise((resolve) => setTimeout(resolve, Math.min(left, 100)));
    }
  }
}

export type RolloutStage = Extract<VariantStatus, "Creating" | "ActivatingTraffic" | "Baking">;

/** Why a rollout stopped before green had all the traffic. */
export type Halt =
  | { kind: "alarm"; alarms: string[] }
  | { kind: "timeout" }
  | { kind: "cancelled" }
  | { kind: "failed"; reason: string };

/** FailureReason after a rollback, in SageMaker's manner. */
export function rollbackReason(halt: Exclude<Halt, { kind: "cancelled" }>): string {
  switch (halt.kind) {
    case "alarm":
      return `The update was rolled back because alarm(s) ${halt.alarms.join(", ")} went into ALARM during the deployment.`;
    case "timeout":
      return "The update was rolled back: it took longer than its MaximumExecutionTimeoutInSeconds.";
    case "failed":
      return `The update was rolled back: ${halt.reason}.`;
  }
}
