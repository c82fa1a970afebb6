import { rmSync } from "node:fs";
import { join } from "node:path";
import type {
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
import { AwsError, notFound, validation } from "../../../core/errors";
import { listPage } from "../../../core/listing";
import { JsonStore } from "../../../core/store";
import type { ServiceContext } from "../../context";
import type { EndpointDirectory } from "../../runtime/service";
import { ENDPOINT, ENDPOINT_START } from "../lifecycles";
import type { TagRegistry } from "../tags";
import { Deployment } from "./deployment";
import type { EndpointConfigs } from "./endpoint-configs";
import type { ExecutionMode } from "./model-instance";
import type { Models } from "./models";
import type { EndpointRecord, ModelRecord, VariantRecord } from "./records";

interface Live {
  deployment?: Deployment;
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
  /** Deleted records: a late status change of an operation must not bring them back. */
  private readonly removed = new WeakSet<EndpointRecord>();
  private stopping = false;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly tags: TagRegistry,
    private readonly configs: EndpointConfigs,
    private readonly models: Models,
  ) {
    this.store = new JsonStore<EndpointRecord>(
      ctx.stateDir,
      "sagemaker-endpoints",
      (name) => `endpoint ${name}`,
    );
    this.containersDir = join(ctx.stateDir, "sagemaker-containers");
    for (const record of this.store.list()) this.records.set(storeKey(record.EndpointName), record);
  }

  lookup(name: string): ReturnType<EndpointDirectory["lookup"]> {
    const key = storeKey(name);
    const record = this.records.get(key);
    return record && { status: record.EndpointStatus, serving: this.live.get(key)?.deployment };
  }

  createEndpoint(input: CreateEndpointInput): CreateEndpointOutput {
    const name = input.EndpointName as string;
    const arn = sagemakerArn(this.ctx, "endpoint", name);
    if (this.records.has(storeKey(name)))
      throw validation(`Cannot create already existing endpoint "${arn}".`);
    const variants = this.plan(input.EndpointConfigName as string);
    this.checkCapacity(variants, undefined);
    const now = Date.now();
    const record: EndpointRecord = {
      EndpointName: name,
      EndpointArn: arn,
      EndpointConfigName: input.EndpointConfigName as string,
      EndpointStatus: ENDPOINT_START,
      CreationTime: now,
      LastModifiedTime: now,
      variants: [],
      pending: { EndpointConfigName: input.EndpointConfigName as string, StartTime: now, variants },
    };
    this.tags.register(arn, input.Tags as { Key: string; Value: string }[] | undefined);
    this.save(record);
    this.enqueue(record, () => this.rollOut(record));
    return { EndpointArn: arn };
  }

  updateEndpoint(input: UpdateEndpointInput): UpdateEndpointOutput {
    const record = this.require(input.EndpointName as string);
    this.requireInService(record);
    const variants = this.plan(input.EndpointConfigName as string);
    // New containers start before the old ones stop, so both count for the limit.
    this.checkCapacity(variants, undefined);
    record.pending = {
      EndpointConfigName: input.EndpointConfigName as string,
      StartTime: Date.now(),
      variants,
    };
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
      if (entry.DesiredWeight === undefined && entry.DesiredInstanceCount === undefined) {
        throw validation(`Variant ${entry.VariantName}: give DesiredWeight, DesiredInstanceCount or both.`);
      }
    }
    const planned = record.variants.map((variant) => {
      const entry = desired.find((candidate) => candidate.VariantName === variant.VariantName);
      return {
        ...variant,
        weight: entry?.DesiredWeight ?? variant.weight,
        instanceCount: entry?.DesiredInstanceCount ?? variant.instanceCount,
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
          await running.fleet.scale(variant.instanceCount);
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
    return {};
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
    if (record.pending) {
      output.PendingDeploymentSummary = {
        EndpointConfigName: record.pending.EndpointConfigName,
        StartTime: new Date(record.pending.StartTime),
        ProductionVariants: record.pending.variants.map((variant) => ({
          VariantName: variant.VariantName,
          DesiredWeight: variant.weight,
          DesiredInstanceCount: variant.instanceCount,
          VariantStatus: [
            { Status: "Creating", StartTime: new Date(record.pending?.StartTime ?? Date.now()) },
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
      CurrentInstanceCount: running?.fleet.readyCount ?? 0,
      DesiredInstanceCount: variant.instanceCount,
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
    rmSync(this.containersDir, { recursive: true, force: true });
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

  /** The variants an endpoint config asks for, with each model's container fixed at this moment. */
  private plan(configName: string): VariantRecord[] {
    const config = this.configs.require(configName);
    return config.ProductionVariants.map((variant) => {
      const model = this.models.require(variant.ModelName as string);
      const containers = model.PrimaryContainer ? [model.PrimaryContainer] : (model.Containers ?? []);
      return {
        VariantName: variant.VariantName as string,
        ModelName: model.ModelName,
        weight: variant.InitialVariantWeight ?? 1,
        instanceCount: variant.InitialInstanceCount ?? 1,
        containers,
        mode: executionMode(model),
        imageResolvedAt: Date.now(),
        startupTimeoutS: variant.ContainerStartupHealthCheckTimeoutInSeconds,
      };
    });
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
    let deployment: Deployment | undefined;
    try {
      deployment = await Deployment.start({
        ctx: this.ctx,
        endpointName: record.EndpointName,
        dir: join(this.containersDir, encodeURIComponent(key), String(++this.deploymentCounter)),
        registry: this.ctx.processes,
        variants: pending.variants,
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
    live.deployment = deployment;
    await previous?.stop();
    record.variants = pending.variants;
    record.EndpointConfigName = pending.EndpointConfigName;
    record.pending = undefined;
    if (record.EndpointStatus === "Creating" || record.EndpointStatus === "Updating") {
      this.move(record, "InService");
    } else {
      // Back after a restart (still InService), or deleted meanwhile: the status stays.
      record.LastModifiedTime = Date.now();
      this.save(record);
    }
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

/** One container answers alone; several form a Serial pipeline unless the model says Direct. */
function executionMode(model: ModelRecord): ExecutionMode {
  if (model.PrimaryContainer || (model.Containers ?? []).length <= 1) return "Single";
  return model.InferenceExecutionConfig?.Mode === "Direct" ? "Direct" : "Serial";
}
