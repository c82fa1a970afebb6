import { rmSync } from "node:fs";
import { join } from "node:path";
import type {
  AsyncInferenceConfig,
  CreateEndpointInput,
  CreateEndpointOutput,
  DeleteEndpointInput,
  DescribeEndpointInput,
  DescribeEndpointOutput,
  ListEndpointsInput,
  ListEndpointsOutput,
  ProductionVariantSummary,
  UpdateEndpointInput,
  UpdateEndpointOutput,
  UpdateEndpointWeightsAndCapacitiesInput,
  UpdateEndpointWeightsAndCapacitiesOutput,
} from "@aws-sdk/client-sagemaker";
import { sagemakerArn, storeKey } from "../../../core/arns";
import { AwsError, notFound, reportUnexpected, validation } from "../../../core/errors";
import { listPage } from "../../../core/listing";
import { JsonStore } from "../../../core/store";
import type { ServiceContext } from "../../context";
import type { EndpointDirectory } from "../../runtime/service";
import { ENDPOINT, ENDPOINT_START } from "../lifecycles";
import type { TagRegistry } from "../tags";
import { AsyncInference } from "./async-inference";
import { Deployment } from "./deployment";
import { checkServerlessConfig, type EndpointConfigs } from "./endpoint-configs";
import { InstanceBudget } from "./fleet";
import type { EndpointMetrics } from "./metrics";
import type { ExecutionMode } from "./model-instance";
import type { Models } from "./models";
import type { EndpointRecord, ModelRecord, PendingDeployment, VariantRecord } from "./records";
import {
  AlarmWatch,
  checkDeploymentConfig,
  type Halt,
  rollbackReason,
  rolloutPlan,
  TrafficSplit,
} from "./rollout";

/** One fleet behind an endpoint, as `processes()` reports it. */
export interface EndpointProcesses {
  /** "new": the fleet a staged rollout is moving traffic to. */
  fleet: "serving" | "new";
  endpointConfigName: string;
  /** Share of requests the fleet gets (1 outside a staged rollout). */
  trafficShare: number;
  variants: {
    VariantName: string;
    serverless: boolean;
    inFlight: number;
    instances: {
      instanceId: string;
      containers: { hostname: string; pid?: number; state: string; restarts: number }[];
    }[];
  }[];
}

/**
 * How often backlogs, idle variants' zero counts and utilization are sampled (AWS publishes them each minute): every
 * 5 s, or twice per scaled minute when LOCAL_SAGEMAKER_ALARM_TIME_SCALE makes alarm windows shorter than that (at
 * 1/60 a 60 s alarm is judged on 1 s windows, and a window with no sample would be missing data, so an idle variant's
 * low alarm or an async backlog's alarms could never fill their datapoints; twice, so timer drift never leaves a
 * window empty). Never under half a second.
 */
const SAMPLE_MS = 5_000;
export const sampleIntervalMs = (alarmTimeScale: number): number =>
  Math.max(500, Math.min(SAMPLE_MS, Math.round(30_000 * alarmTimeScale)));

interface Live {
  deployment?: Deployment;
  /** A staged rollout in progress: requests are split between the serving fleet and the new one. */
  split?: TrafficSplit;
  /** Operations on one endpoint run one after another (create, update, scale, delete). */
  queue: Promise<void>;
}

/**
 * CreateEndpoint, DescribeEndpoint, ListEndpoints, DeleteEndpoint, UpdateEndpoint and
 * UpdateEndpointWeightsAndCapacities. Status moves as on AWS: the call answers at once, the containers start
 * in the background, and Describe shows Creating/Updating/Deleting until they are up (or down).
 */
export class Endpoints implements EndpointDirectory {
  private readonly store: JsonStore<EndpointRecord>;
  /** The records, kept in memory too: every invocation looks its endpoint up. */
  private readonly records = new Map<string, EndpointRecord>();
  private readonly live = new Map<string, Live>();
  private readonly containersDir: string;
  private deploymentCounter = 0;
  private sampler: NodeJS.Timeout | undefined;
  private readonly asyncInference: AsyncInference;
  private readonly serverlessBudget: InstanceBudget;
  /** Deleted records: a late status change of an operation must not bring them back. */
  private readonly removed = new WeakSet<EndpointRecord>();
  private stopping = false;
  private readonly deleteListeners = new Set<(endpointName: string) => void>();

  constructor(
    private readonly ctx: ServiceContext,
    private readonly tags: TagRegistry,
    private readonly configs: EndpointConfigs,
    private readonly models: Models,
    private readonly metrics: EndpointMetrics,
  ) {
    this.store = new JsonStore<EndpointRecord>(
      ctx.stateDir,
      "sagemaker-endpoints",
      (name) => `endpoint ${name}`,
      ["EndpointName", "EndpointArn", "EndpointConfigName", "EndpointStatus", "CreationTime", "variants"],
    );
    this.containersDir = join(ctx.stateDir, "sagemaker-containers");
    this.asyncInference = new AsyncInference(ctx, metrics);
    this.serverlessBudget = new InstanceBudget(ctx.settings.maxInstances);
    for (const record of this.store.list()) this.records.set(storeKey(record.EndpointName), record);
  }

  lookup(name: string, targetVariant?: string): ReturnType<EndpointDirectory["lookup"]> {
    const key = storeKey(name);
    const record = this.records.get(key);
    if (!record) return undefined;
    const live = this.live.get(key);
    return {
      status: record.EndpointStatus,
      serving: live?.split ? live.split.pick(targetVariant) : live?.deployment,
      asyncInference: record.asyncInference && this.asyncInference.queue(name),
    };
  }

  /**
   * What runs behind an endpoint now, for the local console (AWS shows no processes; this is no AWS operation):
   * the serving fleet and, during a staged rollout, the new one, each variant's instances and their containers.
   */
  processes(name: string): EndpointProcesses[] {
    const live = this.live.get(storeKey(name));
    if (!live) return [];
    const fleets: EndpointProcesses[] = [];
    const describe = (fleet: EndpointProcesses["fleet"], deployment: Deployment | undefined): void => {
      if (!deployment) return;
      fleets.push({
        fleet,
        endpointConfigName: deployment.endpointConfigName,
        trafficShare: live.split ? (fleet === "new" ? live.split.greenShare : 1 - live.split.greenShare) : 1,
        variants: deployment.variants.map((variant) => ({
          VariantName: variant.name,
          serverless: variant.serverless,
          inFlight: variant.fleet.inFlight,
          instances: variant.fleet.instances.map((instance) => ({
            instanceId: instance.instanceId,
            containers: instance.containers.map(({ hostname, container }) => ({
              hostname,
              pid: container.pid,
              state: container.state,
              restarts: container.restarts,
            })),
          })),
        })),
      });
    };
    describe("serving", live.split ? live.split.blue : live.deployment);
    describe("new", live.split?.green);
    return fleets;
  }

  /** An asynchronous endpoint's requests accepted and not yet answered (ApproximateBacklogSize). */
  backlog(name: string): number | undefined {
    return this.asyncInference.queue(name)?.backlog;
  }

  createEndpoint(input: CreateEndpointInput): CreateEndpointOutput {
    const name = input.EndpointName as string;
    const arn = sagemakerArn(this.ctx, "endpoint", name);
    if (this.records.has(storeKey(name)))
      throw validation(`Cannot create already existing endpoint "${arn}".`);
    const planned = this.plan(input.EndpointConfigName as string);
    this.checkCapacity(planned.variants, undefined);
    const now = Date.now();
    const record: EndpointRecord = {
      EndpointName: name,
      EndpointArn: arn,
      EndpointConfigName: input.EndpointConfigName as string,
      EndpointStatus: ENDPOINT_START,
      CreationTime: now,
      LastModifiedTime: now,
      variants: [],
      pending: { ...planned, StartTime: now },
      deploymentConfig: input.DeploymentConfig,
    };
    this.tags.register(arn, input.Tags as { Key: string; Value: string }[] | undefined);
    this.save(record);
    this.enqueue(record, () => this.rollOut(record));
    return { EndpointArn: arn };
  }

  updateEndpoint(input: UpdateEndpointInput): UpdateEndpointOutput {
    const record = this.require(input.EndpointName as string);
    this.requireInService(record);
    const planned = this.plan(input.EndpointConfigName as string);
    if (Boolean(planned.asyncInference) !== Boolean(record.asyncInference)) {
      throw validation(
        `Endpoint "${record.EndpointArn}" is ${record.asyncInference ? "an asynchronous" : "a real-time"} endpoint and endpoint configuration ${planned.EndpointConfigName} is ${planned.asyncInference ? "asynchronous" : "real-time"}: an update cannot switch between them (queued requests would be lost). Create a new endpoint instead.`,
      );
    }
    const variants = input.RetainAllVariantProperties
      ? retainVariantProperties(planned.variants, record.variants, input.ExcludeRetainedVariantProperties)
      : planned.variants;
    const deploymentConfig =
      input.DeploymentConfig ??
      (input.RetainDeploymentConfig ? (record.lastDeploymentConfig ?? record.deploymentConfig) : undefined);
    if (deploymentConfig) {
      checkDeploymentConfig(deploymentConfig, record.variants, variants, (name) =>
        Boolean(this.ctx.cloudwatch.getAlarm(name)),
      );
    }
    // New containers start before the old ones stop, so both count for the limit.
    this.checkCapacity(variants, undefined);
    record.pending = { ...planned, variants, deploymentConfig, StartTime: Date.now() };
    this.move(record, "Updating");
    this.enqueue(record, () => this.rollOut(record));
    return { EndpointArn: record.EndpointArn };
  }

  updateEndpointWeightsAndCapacities(
    input: UpdateEndpointWeightsAndCapacitiesInput,
  ): UpdateEndpointWeightsAndCapacitiesOutput {
    const record = this.require(input.EndpointName as string);
    this.requireInService(record);
    const desired = input.DesiredWeightsAndCapacities ?? [];
    const unknown = desired
      .map((entry) => entry.VariantName)
      .filter((variantName) => !record.variants.some((v) => v.VariantName === variantName));
    if (unknown.length > 0) {
      throw validation(
        `The variant(s) ${unknown.join(", ")} are not part of endpoint "${record.EndpointArn}"; its variants are ${record.variants.map((v) => v.VariantName).join(", ")}.`,
      );
    }
    for (const entry of desired) {
      const variant = record.variants.find((v) => v.VariantName === entry.VariantName) as VariantRecord;
      if (
        entry.DesiredWeight === undefined &&
        entry.DesiredInstanceCount === undefined &&
        entry.ServerlessUpdateConfig === undefined
      ) {
        throw validation(
          `Variant ${entry.VariantName}: give DesiredWeight, ${variant.serverless ? "ServerlessUpdateConfig" : "DesiredInstanceCount"} or both.`,
        );
      }
      if (variant.serverless && entry.DesiredInstanceCount !== undefined) {
        throw validation(
          `Variant ${entry.VariantName} is serverless and has no instances to count: change its MaxConcurrency or ProvisionedConcurrency with ServerlessUpdateConfig instead of DesiredInstanceCount.`,
        );
      }
      if (entry.DesiredInstanceCount === 0 && !record.asyncInference) {
        throw validation(
          `Variant ${entry.VariantName} of real-time endpoint "${record.EndpointArn}" cannot run on 0 instances (DesiredInstanceCount 0): only an asynchronous endpoint scales to zero, queueing its requests until it has instances again. Give at least 1.`,
        );
      }
      if (!variant.serverless && entry.ServerlessUpdateConfig !== undefined) {
        throw validation(
          `Variant ${entry.VariantName} runs on instances, not serverless: ServerlessUpdateConfig does not apply; use DesiredInstanceCount.`,
        );
      }
    }
    const planned = record.variants.map((variant) => {
      const entry = desired.find((candidate) => candidate.VariantName === variant.VariantName);
      if (!entry) return variant;
      const serverless = variant.serverless && {
        ...variant.serverless,
        ...definedOnly(entry.ServerlessUpdateConfig ?? {}),
      };
      if (serverless) checkServerlessConfig(`Variant ${variant.VariantName}`, serverless);
      return {
        ...variant,
        weight: entry.DesiredWeight ?? variant.weight,
        instanceCount: serverless
          ? (serverless.ProvisionedConcurrency ?? 0)
          : (entry.DesiredInstanceCount ?? variant.instanceCount),
        serverless,
      };
    });
    this.checkCapacity(planned, storeKey(record.EndpointName));
    this.move(record, "Updating");
    this.enqueue(record, async () => {
      const deployment = this.live.get(storeKey(record.EndpointName))?.deployment;
      let reason: string | undefined;
      try {
        for (const variant of planned) {
          const running = deployment?.variant(variant.VariantName);
          if (!running) continue;
          running.weight = variant.weight;
          if (variant.serverless) await running.fleet.reconfigure(variant.serverless);
          else await running.fleet.scale(variant.instanceCount);
        }
        record.variants = planned;
      } catch (error) {
        reason = `Scaling failed: ${(error as Error).message}`;
      }
      if (record.EndpointStatus === "Updating") this.move(record, "InService", reason);
    });
    return { EndpointArn: record.EndpointArn };
  }

  deleteEndpoint(input: DeleteEndpointInput): Record<string, never> {
    const record = this.require(input.EndpointName as string);
    if (record.EndpointStatus === "Deleting") return {};
    this.move(record, "Deleting");
    this.enqueue(record, () => this.remove(record));
    for (const listener of this.deleteListeners) {
      try {
        listener(record.EndpointName);
      } catch (error) {
        reportUnexpected(error);
      }
    }
    return {};
  }

  /**
   * Hears each DeleteEndpoint as it is accepted: on AWS, deleting an endpoint deregisters its variants' scalable
   * targets (Application Auto Scaling) on the caller's behalf. Returns the way to stop listening.
   */
  onDelete(listener: (endpointName: string) => void): () => void {
    this.deleteListeners.add(listener);
    return () => this.deleteListeners.delete(listener);
  }

  describeEndpoint(input: DescribeEndpointInput): DescribeEndpointOutput {
    const record = this.require(input.EndpointName as string);
    const output: DescribeEndpointOutput = {
      EndpointName: record.EndpointName,
      EndpointArn: record.EndpointArn,
      EndpointConfigName: record.EndpointConfigName,
      EndpointStatus: record.EndpointStatus,
      CreationTime: new Date(record.CreationTime),
      LastModifiedTime: new Date(record.LastModifiedTime),
    };
    if (record.variants.length > 0)
      output.ProductionVariants = record.variants.map((v) => this.summary(record, v));
    if (record.FailureReason) output.FailureReason = record.FailureReason;
    if (record.lastDeploymentConfig) output.LastDeploymentConfig = record.lastDeploymentConfig;
    const asyncInference = record.asyncInference ?? record.pending?.asyncInference;
    if (asyncInference) output.AsyncInferenceConfig = asyncInference;
    if (record.pending) {
      output.PendingDeploymentSummary = {
        EndpointConfigName: record.pending.EndpointConfigName,
        StartTime: new Date(record.pending.StartTime),
        ProductionVariants: record.pending.variants.map((variant) => ({
          VariantName: variant.VariantName,
          DesiredWeight: variant.weight,
          ...(variant.serverless
            ? { DesiredServerlessConfig: variant.serverless }
            : { DesiredInstanceCount: variant.instanceCount }),
          VariantStatus: [
            {
              Status: record.pending?.stage?.Status ?? "Creating",
              StatusMessage: record.pending?.stage?.StatusMessage,
              StartTime: new Date(
                record.pending?.stage?.StartTime ?? record.pending?.StartTime ?? Date.now(),
              ),
            },
          ],
        })),
      };
    }
    return output;
  }

  private summary(record: EndpointRecord, variant: VariantRecord): ProductionVariantSummary {
    const running = this.live.get(storeKey(record.EndpointName))?.deployment?.variant(variant.VariantName);
    return {
      VariantName: variant.VariantName,
      DeployedImages: variant.containers.map((container) => ({
        SpecifiedImage: container.Image,
        ResolvedImage: container.Image,
        ResolutionTime: new Date(variant.imageResolvedAt),
      })),
      CurrentWeight: running?.weight ?? variant.weight,
      DesiredWeight: variant.weight,
      ...(variant.serverless
        ? { CurrentServerlessConfig: variant.serverless, DesiredServerlessConfig: variant.serverless }
        : {
            CurrentInstanceCount: running?.fleet.readyCount ?? 0,
            DesiredInstanceCount: variant.instanceCount,
          }),
    };
  }

  listEndpoints(input: ListEndpointsInput): ListEndpointsOutput {
    const { page, NextToken } = listPage([...this.records.values()], input, (record) => ({
      name: record.EndpointName,
      creationTime: record.CreationTime,
      lastModifiedTime: record.LastModifiedTime,
      status: record.EndpointStatus,
    }));
    return {
      Endpoints: page.map((record) => ({
        EndpointName: record.EndpointName,
        EndpointArn: record.EndpointArn,
        CreationTime: new Date(record.CreationTime),
        LastModifiedTime: new Date(record.LastModifiedTime),
        EndpointStatus: record.EndpointStatus,
      })),
      NextToken,
    };
  }

  /** After a server restart: endpoints that served serve again, interrupted operations settle. */
  async start(): Promise<void> {
    this.stopping = false;
    this.sampler = setInterval(() => this.sample(), sampleIntervalMs(this.ctx.settings.alarmTimeScale));
    this.sampler.unref();
    rmSync(this.containersDir, { recursive: true, force: true });
    for (const record of this.records.values()) {
      if (record.asyncInference && record.EndpointStatus !== "Deleting") this.openQueue(record);
    }
    this.asyncInference.restore();
    const recoveries = [...this.records.values()].map((record) => {
      if (record.EndpointStatus === "Deleting") return this.remove(record);
      if (record.EndpointStatus === "Failed") return Promise.resolve();
      if (record.EndpointStatus === "Updating" || record.EndpointStatus === "RollingBack") {
        // An interrupted update keeps the configuration that served before it.
        const interrupted = record.pending !== undefined;
        record.pending = undefined;
        this.move(
          record,
          "InService",
          interrupted
            ? "The update was interrupted by a restart of local SageMaker; the endpoint kept its previous configuration."
            : undefined,
        );
      }
      if (record.EndpointStatus === "InService") {
        // Serve the same variants again: the rollout below starts their containers.
        record.pending = {
          EndpointConfigName: record.EndpointConfigName,
          StartTime: Date.now(),
          variants: record.variants,
          asyncInference: record.asyncInference,
        };
        this.save(record);
      }
      return this.enqueue(record, () => this.rollOut(record));
    });
    await Promise.all(recoveries);
  }

  /** Stops every container; the records stay, so the next start() brings the endpoints back. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.sampler);
    this.asyncInference.stop();
    await Promise.all(
      [...this.live.values()].map(async (live) => {
        await live.queue;
        await live.deployment?.stop();
        live.deployment = undefined;
      }),
    );
    this.live.clear();
  }

  private require(name: string): EndpointRecord {
    const record = this.records.get(storeKey(name));
    if (!record) throw notFound("endpoint", sagemakerArn(this.ctx, "endpoint", name));
    return record;
  }

  /** The one way an endpoint's status changes (see ENDPOINT in ../lifecycles). */
  private move(record: EndpointRecord, to: Parameters<typeof ENDPOINT.transition>[1], reason?: string): void {
    ENDPOINT.transition(record, to, { reason }, (changed) => this.save(changed));
  }

  private requireInService(record: EndpointRecord): void {
    if (record.EndpointStatus === "InService") return;
    const state: Partial<Record<string, string>> = { Failed: "failed", Deleting: "deleting" };
    throw validation(
      `Cannot update ${state[record.EndpointStatus] ?? "in-progress"} endpoint "${record.EndpointArn}" (status ${record.EndpointStatus}); wait until it is InService${record.EndpointStatus === "Failed" ? ", or delete and re-create it" : ""}.`,
    );
  }

  /** What an endpoint config asks for, with each model's containers fixed at this moment. */
  private plan(configName: string): Omit<PendingDeployment, "StartTime"> {
    const config = this.configs.require(configName);
    const variants = config.ProductionVariants.map((variant): VariantRecord => {
      const model = this.models.require(variant.ModelName as string);
      const containers = model.PrimaryContainer ? [model.PrimaryContainer] : (model.Containers ?? []);
      const serverless = variant.ServerlessConfig;
      return {
        VariantName: variant.VariantName as string,
        ModelName: model.ModelName,
        weight: variant.InitialVariantWeight ?? 1,
        // A serverless variant's standing instances are the ones ProvisionedConcurrency keeps warm.
        instanceCount: serverless
          ? (serverless.ProvisionedConcurrency ?? 0)
          : (variant.InitialInstanceCount ?? 1),
        containers,
        mode: executionMode(model),
        imageResolvedAt: Date.now(),
        startupTimeoutS: variant.ContainerStartupHealthCheckTimeoutInSeconds,
        serverless,
      };
    });
    return {
      EndpointConfigName: config.EndpointConfigName,
      variants,
      asyncInference: config.extra.AsyncInferenceConfig as PendingDeployment["asyncInference"],
    };
  }

  private checkCapacity(variants: VariantRecord[], replacing: string | undefined): void {
    const inUse = [...this.records.entries()]
      .filter(([key, record]) => key !== replacing && record.EndpointStatus !== "Failed")
      .flatMap(([, record]) => [...record.variants, ...(record.pending?.variants ?? [])])
      .reduce((sum, variant) => sum + variant.instanceCount, 0);
    const asked = variants.reduce((sum, variant) => sum + variant.instanceCount, 0);
    const limit = this.ctx.settings.maxInstances;
    if (inUse + asked > limit) {
      throw new AwsError(
        "ResourceLimitExceeded",
        `Local SageMaker runs at most ${limit} container instances at once; ${inUse} are in use and this asks for ${asked} more. Delete endpoints you no longer need, lower InitialInstanceCount, or raise LOCAL_SAGEMAKER_MAX_INSTANCES.`,
      );
    }
  }

  /** Starts the pending variants; on success they replace what served (old containers stop after). */
  private async rollOut(record: EndpointRecord): Promise<void> {
    const pending = record.pending;
    if (!pending) return;
    const key = storeKey(record.EndpointName);
    const live = this.live.get(key) as Live;
    const plan =
      live.deployment && pending.deploymentConfig
        ? rolloutPlan(pending.deploymentConfig, record.variants, pending.variants)
        : undefined;
    let deployment: Deployment | undefined;
    try {
      deployment = await Deployment.start({
        ctx: this.ctx,
        endpointName: record.EndpointName,
        endpointConfigName: pending.EndpointConfigName,
        metrics: this.metrics,
        dir: join(this.containersDir, encodeURIComponent(key), String(++this.deploymentCounter)),
        registry: this.ctx.processes,
        variants:
          plan?.initialGreenInstances === undefined
            ? pending.variants
            : pending.variants.map((variant) => ({
                ...variant,
                instanceCount: plan.initialGreenInstances as number,
              })),
        slotsPerInstance:
          pending.asyncInference?.ClientConfig?.MaxConcurrentInvocationsPerInstance ?? undefined,
        serverlessBudget: this.serverlessBudget,
        onGiveUp: (reason) => this.giveUp(record, deployment, reason),
      });
    } catch (error) {
      record.pending = undefined;
      const reason = (error as Error).message;
      if (record.EndpointStatus === "Deleting") {
        // Nothing started; the queued delete finishes the job.
        this.save(record);
      } else if (live.deployment) {
        // As on AWS, a failed update rolls back: the old variants keep serving and FailureReason says why.
        this.move(
          record,
          "InService",
          `The update to endpoint configuration ${pending.EndpointConfigName} failed and was rolled back: ${reason}`,
        );
      } else {
        const restarting = record.EndpointStatus === "InService";
        this.move(
          record,
          "Failed",
          restarting ? `The endpoint could not be restarted with local SageMaker: ${reason}` : reason,
        );
      }
      return;
    }
    // Traffic moves to the new containers at once; the old ones stop before the endpoint reports InService.
    if (this.stopping) {
      // The server is shutting down: the record keeps its status, and the next start() rolls out again.
      await deployment.stop();
      return;
    }
    const previous = live.deployment;
    if (plan && previous) {
      const outcome = await this.shiftTraffic(record, live, previous, deployment, plan);
      if (outcome !== "done") return;
    }
    live.deployment = deployment;
    await previous?.stop();
    if (pending.deploymentConfig) record.lastDeploymentConfig = pending.deploymentConfig;
    record.variants = pending.variants;
    record.EndpointConfigName = pending.EndpointConfigName;
    record.asyncInference = pending.asyncInference;
    record.pending = undefined;
    if (record.asyncInference) this.openQueue(record).pump();
    if (record.EndpointStatus === "Creating" || record.EndpointStatus === "Updating") {
      this.move(record, "InService");
    } else {
      // Back after a restart (still InService), or deleted meanwhile: the status stays.
      record.LastModifiedTime = Date.now();
      this.save(record);
    }
  }

  /**
   * A staged rollout (UpdateEndpoint with a DeploymentConfig): traffic moves to green step by step, each step
   * baking while the rollback alarms are watched. "done" when green has it all (blue stops after the termination
   * wait); otherwise traffic is back on blue, green is stopped and the endpoint says why.
   */
  private async shiftTraffic(
    record: EndpointRecord,
    live: Live,
    blue: Deployment,
    green: Deployment,
    plan: ReturnType<typeof rolloutPlan>,
  ): Promise<"done" | "rolled back" | "cancelled"> {
    const pending = record.pending as PendingDeployment;
    const split = new TrafficSplit(blue, green);
    live.split = split;
    const watch = new AlarmWatch(this.ctx.cloudwatch, plan.alarms);
    const deadline = plan.deadlineMs === undefined ? undefined : pending.StartTime + plan.deadlineMs;
    const cancelled = () => record.EndpointStatus === "Deleting" || this.stopping;
    const stage = (Status: NonNullable<PendingDeployment["stage"]>["Status"], StatusMessage?: string) => {
      pending.stage = { Status, StatusMessage, StartTime: Date.now() };
      this.save(record);
    };
    const bake = async (ms: number, what: string) => {
      stage("Baking", what);
      return watch.bake(ms, cancelled, deadline);
    };
    // The watch listens to alarm state changes until the rollout ends, however it ends.
    try {
      let outcome: Halt | undefined;
      for (const [index, step] of plan.steps.entries()) {
        const share = `${Math.round(step.greenShare * 100)}%`;
        stage(
          "ActivatingTraffic",
          `Shifting ${share} of the traffic to the new fleet (step ${index + 1} of ${plan.steps.length}).`,
        );
        try {
          if (step.greenInstances !== undefined) await green.variants[0]?.fleet.scale(step.greenInstances);
        } catch (error) {
          outcome = { kind: "failed", reason: `the new fleet could not grow (${(error as Error).message})` };
          break;
        }
        split.greenShare = step.greenShare;
        if (step.blueInstances !== undefined) await blue.variants[0]?.fleet.scale(step.blueInstances);
        outcome = await bake(
          step.bakeMs,
          `Baking step ${index + 1} of ${plan.steps.length} with ${share} of the traffic on the new fleet.`,
        );
        if (outcome) break;
      }
      if (!outcome && plan.terminationWaitMs > 0) {
        outcome = await bake(
          plan.terminationWaitMs,
          "All traffic on the new fleet; waiting before the old one is terminated.",
        );
      }
      if (!outcome) {
        live.split = undefined;
        return "done";
      }
      // Back to blue: all traffic at once, blue whole again, green gone.
      live.split = undefined;
      live.deployment = blue;
      if (outcome.kind === "cancelled") {
        await green.stop();
        return "cancelled";
      }
      const reason = rollbackReason(outcome);
      this.move(record, "RollingBack", reason);
      const blueVariant = record.variants[0];
      if (plan.initialGreenInstances !== undefined && blueVariant) {
        await blue.variants[0]?.fleet.scale(blueVariant.instanceCount).catch(() => undefined);
      }
      await green.stop();
      record.lastDeploymentConfig = pending.deploymentConfig;
      record.pending = undefined;
      this.move(record, "InService", reason);
      return "rolled back";
    } finally {
      watch.close();
    }
  }

  /** The metrics SageMaker samples rather than counts: async backlogs, and the containers' CPU and memory. */
  private sample(): void {
    for (const live of this.live.values()) {
      const deployment = live.deployment;
      if (!deployment) continue;
      const queue = this.asyncInference.queue(deployment.name);
      if (queue) {
        const instances = deployment.variants.reduce((sum, variant) => sum + variant.fleet.readyCount, 0);
        this.metrics.backlog({ endpointName: deployment.name, backlog: queue.backlog, instances });
      }
      if (!queue) {
        for (const variant of deployment.variants) {
          if (!variant.serverless)
            this.metrics.serving(deployment.name, variant.name, deployment.endpointConfigName);
        }
      }
      // During a staged rollout both fleets run: the new one's containers count for the variant too.
      for (const variant of [...deployment.variants, ...(live.split?.green.variants ?? [])]) {
        this.metrics.utilization({
          endpointName: deployment.name,
          variantName: variant.name,
          pids: variant.fleet.pids,
        });
      }
    }
  }

  private openQueue(record: EndpointRecord) {
    const key = storeKey(record.EndpointName);
    return this.asyncInference.open(record.EndpointName, record.asyncInference as AsyncInferenceConfig, {
      deployment: () => this.live.get(key)?.deployment,
    });
  }

  private giveUp(record: EndpointRecord, deployment: Deployment | undefined, reason: string): void {
    const live = this.live.get(storeKey(record.EndpointName));
    const status = ENDPOINT.status(record);
    if (!live || !deployment || live.deployment !== deployment || !ENDPOINT.canMove(status, "Failed")) return;
    this.move(record, "Failed", reason);
    live.deployment = undefined;
    void deployment.stop();
  }

  private async remove(record: EndpointRecord): Promise<void> {
    const key = storeKey(record.EndpointName);
    const live = this.live.get(key);
    this.asyncInference.drop(record.EndpointName);
    await live?.deployment?.stop();
    this.live.delete(key);
    this.removed.add(record);
    this.records.delete(key);
    this.store.delete(key);
    this.tags.unregister(record.EndpointArn);
  }

  private save(record: EndpointRecord): void {
    if (this.removed.has(record)) return;
    const key = storeKey(record.EndpointName);
    this.records.set(key, record);
    this.store.put(key, record);
  }

  private enqueue(record: EndpointRecord, operation: () => Promise<void>): Promise<void> {
    const key = storeKey(record.EndpointName);
    let live = this.live.get(key);
    if (!live) {
      live = { queue: Promise.resolve() };
      this.live.set(key, live);
    }
    const next = live.queue.then(operation).catch((error: unknown) => {
      process.stderr.write(
        `local-sagemaker: endpoint ${record.EndpointName}: ${(error as Error)?.stack ?? error}\n`,
      );
    });
    live.queue = next;
    return next;
  }
}

/** RetainAllVariantProperties: a variant that stays keeps its weight and instance count unless excluded. */
function retainVariantProperties(
  planned: VariantRecord[],
  current: readonly VariantRecord[],
  excluded: readonly { VariantPropertyType?: string }[] | undefined,
): VariantRecord[] {
  const skip = new Set((excluded ?? []).map((entry) => entry.VariantPropertyType));
  return planned.map((variant) => {
    const now = current.find((candidate) => candidate.VariantName === variant.VariantName);
    if (!now) return variant;
    return {
      ...variant,
      weight: skip.has("DesiredWeight") ? variant.weight : now.weight,
      instanceCount: skip.has("DesiredInstanceCount") ? variant.instanceCount : now.instanceCount,
    };
  });
}

/** Members of an update that were given (ServerlessUpdateConfig leaves the others as they are). */
function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** One container answers alone; several form a Serial pipeline unless the model says Direct. */
function executionMode(model: ModelRecord): ExecutionMode {
  if (model.PrimaryContainer || (model.Containers ?? []).length <= 1) return "Single";
  return model.InferenceExecutionConfig?.Mode === "Direct" ? "Direct" : "Serial";
}
