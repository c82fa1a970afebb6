import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Readable } from "node:stream";
import type { ContainerDefinition } from "@aws-sdk/client-sagemaker";
import { extractArchiveSafely } from "../../../archives";
import { AwsError } from "../../../core/errors";
import type { ProcessRegistry } from "../../../core/processes";
import { parseS3Uri } from "../../../core/s3-uri";
import type { ServiceContext } from "../../context";
import type { ServingEndpoint, ServingVariant } from "../../runtime/service";
import { InferenceContainer, newInstanceId } from "./container";
import type { VariantRecord } from "./records";

/**
 * The running side of one endpoint configuration: per variant, the model archive extracted once and its
 * instances (containers) started. UpdateEndpoint builds a new Deployment beside the old one and swaps.
 */

const DEFAULT_STARTUP_TIMEOUT_S = 60;

export interface DeploymentOptions {
  ctx: ServiceContext;
  endpointName: string;
  /** A fresh folder for this deployment's model copies. */
  dir: string;
  variants: VariantRecord[];
  registry?: ProcessRegistry;
  /** A container kept dying: the endpoint fails with this reason. */
  onGiveUp(reason: string): void;
}

export const logGroupOf = (endpointName: string): string => `/aws/sagemaker/Endpoints/${endpointName}`;

class DeployedVariant implements ServingVariant {
  readonly containers: InferenceContainer[] = [];
  private next = 0;

  constructor(
    readonly name: string,
    public weight: number,
    readonly modelDir: string,
    readonly environment: Record<string, string>,
    readonly timeoutMs: number,
    readonly logStreamArn: string,
    /** ContainerStartupHealthCheckTimeoutInSeconds of the variant, or SageMaker's default. */
    readonly startupTimeoutMs: number,
  ) {}

  /** Round robin over the instances that are up; undefined when none is. */
  pick(): InferenceContainer | undefined {
    for (let tried = 0; tried < this.containers.length; tried++) {
      const container = this.containers[this.next++ % this.containers.length] as InferenceContainer;
      if (container.state === "ready") return container;
    }
    return undefined;
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

  variant(name: string): DeployedVariant | undefined {
    return this.variants.find((variant) => variant.name === name);
  }

  private async startVariant(record: VariantRecord): Promise<void> {
    const { ctx, endpointName } = this.options;
    const container = record.container;
    const modelDir = join(this.options.dir, record.VariantName, "model");
    mkdirSync(modelDir, { recursive: true });
    await fetchModel(ctx, record.VariantName, container, modelDir);
    const environment = { ...(container.Environment ?? {}) };
    const submitDirectory = environment.SAGEMAKER_SUBMIT_DIRECTORY;
    if (submitDirectory?.startsWith("s3://")) {
      // The SageMaker SDK may point at a separate sourcedir.tar.gz: the toolkit unpacks it into code/.
      await fetchArchive(
        ctx,
        record.VariantName,
        submitDirectory,
        join(modelDir, "code"),
        "SAGEMAKER_SUBMIT_DIRECTORY",
      );
      environment.SAGEMAKER_SUBMIT_DIRECTORY = join(modelDir, "code");
    }
    const timeoutS = Number(environment.SAGEMAKER_MODEL_SERVER_TIMEOUT ?? 60);
    const group = logGroupOf(endpointName);
    const deployed = new DeployedVariant(
      record.VariantName,
      record.weight,
      modelDir,
      environment,
      (Number.isFinite(timeoutS) && timeoutS > 0 ? timeoutS : 60) * 1000,
      ctx.logs.logGroupArn(group),
      (record.startupTimeoutS ?? DEFAULT_STARTUP_TIMEOUT_S) * 1000,
    );
    this.variants.push(deployed);
    await this.scale(deployed, record.instanceCount);
  }

  /** Starts or stops instances of a variant until it has `count`. */
  async scale(variant: DeployedVariant, count: number): Promise<void> {
    const starting: Promise<void>[] = [];
    while (variant.containers.length < count) {
      const container = this.newContainer(variant);
      variant.containers.push(container);
      starting.push(
        container.start().catch((error: Error) => {
          throw new Error(`Variant ${variant.name}, instance ${container.instanceId}: ${error.message}`);
        }),
      );
    }
    const surplus = variant.containers.splice(count);
    await Promise.all([...starting, ...surplus.map((container) => container.stop())]);
  }

  private newContainer(variant: DeployedVariant): InferenceContainer {
    const { ctx, endpointName } = this.options;
    const instanceId = newInstanceId();
    const group = logGroupOf(endpointName);
    const stream = `${variant.name}/${instanceId}`;
    ctx.logs.ensureLogStream(group, stream);
    const pending: string[] = [];
    return new InferenceContainer({
      instanceId,
      modelDir: variant.modelDir,
      environment: { ...ctx.awsEnvironment(), ...variant.environment },
      startupTimeoutMs: variant.startupTimeoutMs,
      registry: this.options.registry,
      // Lines are batched per tick: a chatty container should not cost one log write per line.
      log: (lines) => {
        if (pending.length === 0) {
          setImmediate(() => {
            try {
              ctx.logs.putLogLines(group, stream, pending.splice(0));
            } catch {
              // The endpoint's logs were deleted (DeleteLogGroup) while it runs: keep serving.
              pending.length = 0;
            }
          });
        }
        pending.push(...lines);
      },
      onGiveUp: (reason) => this.options.onGiveUp(`Variant ${variant.name}: ${reason}`),
    });
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.variants.flatMap((variant) => variant.containers.map((container) => container.stop())),
    );
    rmSync(this.options.dir, { recursive: true, force: true });
  }
}

async function fetchModel(
  ctx: ServiceContext,
  variant: string,
  container: ContainerDefinition,
  modelDir: string,
): Promise<void> {
  const url = container.ModelDataUrl ?? container.ModelDataSource?.S3DataSource?.S3Uri;
  if (!url) return;
  if (container.ModelDataSource?.S3DataSource?.CompressionType === "None") {
    throw new Error(
      `Variant ${variant}: uncompressed ModelDataSource (${url}) is not supported locally; package the model as model.tar.gz.`,
    );
  }
  await fetchArchive(ctx, variant, url, modelDir, "ModelDataUrl");
}

async function fetchArchive(
  ctx: ServiceContext,
  variant: string,
  url: string,
  dir: string,
  member: string,
): Promise<void> {
  const { bucket, key } = parseS3Uri(url);
  let archive: Readable;
  try {
    archive = (await ctx.s3.openObject(bucket, key)).stream;
  } catch (error) {
    const reason = error instanceof AwsError ? `${error.code}: ${error.message}` : (error as Error).message;
    throw new Error(`Variant ${variant}: could not download ${member} ${url} (${reason}).`);
  }
  try {
    const started = Date.now();
    const summary = await extractArchiveSafely("model", archive, dir, {
      limits: ctx.settings.archiveLimits,
      onProgress: (entries, bytes) =>
        process.stderr.write(
          `local-sagemaker: variant ${variant}: extracting ${member} ${url}: ${entries} entries, ${(bytes / 2 ** 20).toFixed(0)} MiB so far\n`,
        ),
    });
    process.stderr.write(
      `local-sagemaker: variant ${variant}: extracted ${member} ${url}: ${summary.entries} entries, ${(summary.bytes / 2 ** 20).toFixed(1)} MiB in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
    );
  } catch (error) {
    throw new Error(`Variant ${variant}: ${member} ${url}: ${(error as Error).message}`);
  }
}
