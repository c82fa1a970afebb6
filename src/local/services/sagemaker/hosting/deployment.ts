import { rmSync } from "node:fs";
import { join } from "node:path";
import type { ProcessRegistry } from "../../../core/processes";
import type { ServiceContext } from "../../context";
import type { ServingEndpoint, ServingVariant } from "../../runtime/service";
import { Fleet, type InstanceBudget, type OnDemand } from "./fleet";
import type { ContainerAnswer, ContainerRequest } from "./invocation";
import type { EndpointMetrics } from "./metrics";
import { type PreparedContainer, prepareContainers } from "./model-files";
import type { ExecutionMode, InstanceInvokeOptions } from "./model-instance";
import { MultiModelStore } from "./multi-model";
import type { VariantRecord } from "./records";

/**
 * The running side of one endpoint configuration: per variant, the model's containers prepared once and its
 * instances started. UpdateEndpoint builds a new Deployment beside the old one and swaps.
 */

const DEFAULT_STARTUP_TIMEOUT_S = 60;
const DEFAULT_MODEL_SERVER_TIMEOUT_S = 60;

export interface DeploymentOptions {
  ctx: ServiceContext;
  endpointName: string;
  /** The endpoint configuration these variants come from (the metrics' EndpointConfigName). */
  endpointConfigName: string;
  /** A fresh folder for this deployment's model copies. */
  dir: string;
  variants: VariantRecord[];
  /** An asynchronous endpoint's MaxConcurrentInvocationsPerInstance. */
  slotsPerInstance?: number;
  /** The server-wide count of serverless containers. */
  serverlessBudget: InstanceBudget;
  registry?: ProcessRegistry;
  /** A container kept dying: the endpoint fails with this reason. */
  onGiveUp(reason: string): void;
  metrics: EndpointMetrics;
}

export const logGroupOf = (endpointName: string): string => `/aws/sagemaker/Endpoints/${endpointName}`;

class DeployedVariant implements ServingVariant {
  constructor(
    readonly name: string,
    public weight: number,
    readonly fleet: Fleet,
    readonly timeoutMs: number,
    readonly logStreamArn: string,
  ) {}

  get mode(): ExecutionMode {
    return this.fleet.spec.mode;
  }

  get hostnames(): string[] {
    return this.fleet.hostnames;
  }

  get serverless(): boolean {
    return this.fleet.serverless;
  }

  /** Instances counted for InvocationsPerInstance (none for serverless). */
  get instanceCount(): number {
    return this.fleet.serverless ? 0 : this.fleet.readyCount;
  }

  get multiModel(): boolean {
    return this.fleet.spec.multiModel !== undefined;
  }

  invoke(request: ContainerRequest, options: InstanceInvokeOptions): Promise<ContainerAnswer> {
    return this.fleet.invoke(request, options);
  }
}

export class Deployment implements ServingEndpoint {
  readonly variants: DeployedVariant[] = [];

  private constructor(private readonly options: DeploymentOptions) {}

  /** Fetches, extracts and starts everything; on any failure stops what started and rejects with the reason. */
  static async start(options: DeploymentOptions): Promise<Deployment> {
    const deployment = new Deployment(options);
    try {
      await Promise.all(options.variants.map((variant) => deployment.startVariant(variant)));
      // Variants start in parallel; keep the config's order for Describe and error messages.
      const order = options.variants.map((variant) => variant.VariantName);
      deployment.variants.sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
      return deployment;
    } catch (error) {
      await deployment.stop();
      throw error;
    }
  }

  get name(): string {
    return this.options.endpointName;
  }

  get endpointConfigName(): string {
    return this.options.endpointConfigName;
  }

  variant(name: string): DeployedVariant | undefined {
    return this.variants.find((variant) => variant.name === name);
  }

  private async startVariant(record: VariantRecord): Promise<void> {
    const { ctx, endpointName } = this.options;
    const label = `Variant ${record.VariantName}`;
    const containers = await prepareContainers(
      ctx,
      record.containers,
      join(this.options.dir, record.VariantName),
      label,
    );
    const group = logGroupOf(endpointName);
    const multiple = containers.length > 1;
    const multiModel = multiModelStoreOf(
      ctx,
      containers,
      join(this.options.dir, record.VariantName, "models"),
      label,
    );
    const serverless = record.serverless;
    const onDemand: OnDemand | undefined = serverless && {
      maxInstances: serverless.MaxConcurrency ?? 1,
      warmInstances: serverless.ProvisionedConcurrency ?? 0,
      idleMs: ctx.settings.serverlessIdleMs,
      budget: this.options.serverlessBudget,
    };
    const fleet = new Fleet({
      ctx,
      containers,
      mode: record.mode,
      logGroup: group,
      logStream: (instanceId, hostname) =>
        multiple ? `${record.VariantName}/${instanceId}/${hostname}` : `${record.VariantName}/${instanceId}`,
      startupTimeoutMs: (record.startupTimeoutS ?? DEFAULT_STARTUP_TIMEOUT_S) * 1000,
      registry: this.options.registry,
      environment: {
        ...(serverless ? memoryLimit(containers[0]?.environment, serverless.MemorySizeInMB ?? 1024) : {}),
        ...(multiModel ? { SAGEMAKER_MULTI_MODEL: "true" } : {}),
      },
      multiModel,
      slotsPerInstance: serverless ? 1 : this.options.slotsPerInstance,
      onDemand,
      onGiveUp: (reason) => this.options.onGiveUp(`${label}: ${reason}`),
      onColdStart: (setupMs) =>
        this.options.metrics.coldStart(
          endpointName,
          record.VariantName,
          this.options.endpointConfigName,
          setupMs * 1000,
        ),
    });
    const timeoutS = Number(
      containers[0]?.environment.SAGEMAKER_MODEL_SERVER_TIMEOUT ?? DEFAULT_MODEL_SERVER_TIMEOUT_S,
    );
    const deployed = new DeployedVariant(
      record.VariantName,
      record.weight,
      fleet,
      (Number.isFinite(timeoutS) && timeoutS > 0 ? timeoutS : DEFAULT_MODEL_SERVER_TIMEOUT_S) * 1000,
      ctx.logs.logGroupArn(group),
    );
    this.variants.push(deployed);
    await (serverless ? fleet.warmUp() : fleet.scale(record.instanceCount)).catch((error: Error) => {
      throw new Error(`${label}, ${error.message}`);
    });
  }

  async stop(): Promise<void> {
    await Promise.all(this.variants.map((variant) => variant.fleet.stop()));
    rmSync(this.options.dir, { recursive: true, force: true });
  }
}

/** A Mode MultiModel container serves the archives under its ModelDataUrl prefix (alone: SageMaker allows no more). */
function multiModelStoreOf(
  ctx: ServiceContext,
  containers: readonly PreparedContainer[],
  dir: string,
  label: string,
): MultiModelStore | undefined {
  const multi = containers.filter((container) => container.multiModel);
  if (multi.length === 0) return undefined;
  if (containers.length > 1) {
    throw new Error(
      `${label}: a container with Mode MultiModel must be the model's only container; multi-model endpoints cannot be combined with other containers.`,
    );
  }
  const prefix = multi[0]?.modelPrefix;
  if (!prefix)
    throw new Error(
      `${label}: a container with Mode MultiModel needs ModelDataUrl, the S3 prefix of its model archives.`,
    );
  return new MultiModelStore(ctx, prefix, dir, ctx.settings.mmeMaxModels);
}

/** A serverless container gets MemorySizeInMB as its heap limit (our built-in containers run on Node). */
function memoryLimit(
  environment: Record<string, string> | undefined,
  megabytes: number,
): Record<string, string> {
  const own = environment?.NODE_OPTIONS?.replace(/--max-old-space-size=\d+/g, "").trim();
  return { NODE_OPTIONS: [own, `--max-old-space-size=${megabytes}`].filter(Boolean).join(" ") };
}
