import { rmSync } from "node:fs";
import { join } from "node:path";
import type { ContainerDefinition } from "@aws-sdk/client-sagemaker";
import { AwsError } from "../../../core/errors";
import type { StatusChange } from "../../../core/lifecycle";
import type { ServiceContext } from "../../context";
import { Fleet } from "../hosting/fleet";
import { prepareContainers } from "../hosting/model-files";
import type { ModelInstance } from "../hosting/model-instance";
import type { TRANSFORM_JOB } from "../lifecycles";
import { ClientError } from "../training/channels";
import { type InputObject, listInputObjects } from "./input";
import { InstanceWork, type ObjectFailure } from "./instance-work";
import { planTransform, type TransformPlan } from "./plan";
import type { StoredTransformJob } from "./records";

export const TRANSFORM_LOG_GROUP = "/aws/sagemaker/TransformJobs";
/** FailureReason's length limit in the SageMaker model. */
const MAX_FAILURE_REASON = 1024;
/** How long a container may take to answer its first /ping (an endpoint's default). */
const STARTUP_TIMEOUT_MS = 60_000;

type TransformStatus = Parameters<typeof TRANSFORM_JOB.transition>[1];

/** What a run needs from the service that owns the job records. */
export interface TransformRunHost {
  update(name: string, edit: (job: StoredTransformJob) => void): StoredTransformJob;
  transition(name: string, to: TransformStatus, change?: StatusChange): void;
}

/** The model's containers as they were when the job was created, and how requests travel through them. */
export interface TransformModel {
  name: string;
  containers: ContainerDefinition[];
  mode: "Single" | "Serial";
}

/**
 * One transform job on this machine, from InProgress to its final status: lists the input, prepares the model's
 * containers as an endpoint does (model-files) and starts TransformResources.InstanceCount instances of them (a
 * Fleet), divides the input objects between the instances (object i goes to instance i mod n), lets each send its
 * requests (InstanceWork), and stops every container when the job ends, however it ends.
 */
export class TransformRun {
  readonly name: string;
  readonly done: Promise<void>;
  private fleet: Fleet | undefined;
  private stopRequested = false;
  private abandoned = false;
  /** A container that kept dying: nothing more can be sent. */
  private fatal: string | undefined;
  private readonly failures: ObjectFailure[] = [];
  private records = 0;
  private objectsDone = 0;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly host: TransformRunHost,
    job: StoredTransformJob,
    private readonly model: TransformModel,
    private readonly dir: string,
  ) {
    this.name = job.request.TransformJobName as string;
    this.done = new Promise((resolve) => setImmediate(resolve))
      .then(() => this.execute(job))
      .catch((error: unknown) => {
        // execute() records every failure on the job; this is only reached when the record itself cannot be saved.
        process.stderr.write(
          `local-sagemaker: transform job ${this.name}: ${(error as Error).stack ?? error}\n`,
        );
      });
  }

  /** StopTransformJob (the status is Stopping already): nothing more is sent, the containers stop. */
  stop(): void {
    if (this.stopRequested) return;
    this.stopRequested = true;
    void this.fleet?.stop();
  }

  /** Server shutdown: the containers stop and the record stays as it is; the next start marks the job Failed. */
  abandon(): void {
    this.abandoned = true;
    void this.fleet?.stop();
  }

  private halted(): boolean {
    return this.stopRequested || this.abandoned || this.fatal !== undefined;
  }

  private async execute(job: StoredTransformJob): Promise<void> {
    let failure: string | undefined;
    try {
      // Checked when the job was created; planned again because a plan holds compiled filters, not JSON.
      const plan = planTransform(job.request);
      const objects = await listInputObjects(this.ctx, plan);
      if (!this.ctx.s3.bucketExists(plan.output.bucket)) {
        throw new ClientError(
          `The output bucket "${plan.output.bucket}" (TransformOutput.S3OutputPath) does not exist.`,
        );
      }
      if (!this.halted()) await this.startInstances(plan);
      if (!this.halted()) {
        this.host.update(this.name, (stored) => {
          stored.TransformStartTime = Date.now();
        });
        await this.process(plan, objects);
      }
    } catch (error) {
      failure =
        error instanceof ClientError || isAwsValidation(error)
          ? `ClientError: ${(error as Error).message}`
          : `InternalServerError: ${(error as Error).message}`;
    } finally {
      await this.fleet?.stop();
      rmSync(this.dir, { recursive: true, force: true });
    }
    this.finish(failure);
  }

  private async startInstances(plan: TransformPlan): Promise<void> {
    let containers: Awaited<ReturnType<typeof prepareContainers>>;
    try {
      containers = await prepareContainers(
        this.ctx,
        this.model.containers,
        join(this.dir, "model"),
        `Model ${this.model.name}`,
      );
    } catch (error) {
      throw new ClientError((error as Error).message);
    }
    // Stopped (or the server shut down) while the model was fetched: no container should start.
    if (this.halted()) return;
    this.fleet = new Fleet({
      ctx: this.ctx,
      containers,
      mode: this.model.mode,
      logGroup: TRANSFORM_LOG_GROUP,
      // One stream per instance, as SageMaker names them; a pipeline's containers share their instance's.
      logStream: (instanceId) => `${this.name}/${instanceId}`,
      startupTimeoutMs: STARTUP_TIMEOUT_MS,
      registry: this.ctx.processes,
      environment: plan.environment,
      onGiveUp: (reason) => {
        this.fatal ??= `the model's container kept failing: ${reason}`;
      },
    });
    try {
      await this.fleet.scale(plan.instanceCount);
    } catch (error) {
      if (this.halted()) return;
      throw new ClientError(`The model's containers could not start: ${(error as Error).message}`);
    }
  }

  private async process(plan: TransformPlan, objects: InputObject[]): Promise<void> {
    const instances = (this.fleet as Fleet).instances;
    const started = Date.now();
    await Promise.all(
      instances.map((instance, position) =>
        new InstanceWork(
          instance,
          objects.filter((_, index) => index % instances.length === position),
          {
            ctx: this.ctx,
            plan,
            halted: () => this.halted(),
            fail: (failure) => this.fail(instance, failure),
            log: (line) => this.log(instance, line),
            done: (records) => {
              this.records += records;
              this.objectsDone += 1;
            },
          },
        ).run(),
      ),
    );
    if (this.failures.length === 0 && !this.halted()) {
      const seconds = (Date.now() - started) / 1000;
      this.log(
        instances[0] as ModelInstance,
        `[sagemaker logs] Transform job done: ${this.records} records in ${this.objectsDone} object${this.objectsDone === 1 ? "" : "s"} in ${seconds.toFixed(2)} s`,
      );
    }
  }

  private fail(instance: ModelInstance, failure: ObjectFailure): void {
    this.failures.push(failure);
    const where = failure.where ? ` ${failure.where}` : "";
    this.log(instance, `[sagemaker logs] ${failure.uri}${where}: ${failure.message}`);
  }

  private log(instance: ModelInstance, line: string): void {
    try {
      this.ctx.logs.putLogLines(TRANSFORM_LOG_GROUP, `${this.name}/${instance.instanceId}`, [line]);
    } catch {
      // The logs were deleted (DeleteLogGroup) while the job runs: keep transforming.
    }
  }

  /** The final status: Stopped when asked to stop, Failed with the first failure, else Completed. */
  private finish(failure: string | undefined): void {
    if (this.abandoned) return;
    if (this.stopRequested) {
      this.host.transition(this.name, "Stopped");
      return;
    }
    const first = this.failures[0];
    const reason =
      failure ??
      (this.fatal !== undefined ? `ClientError: ${this.fatal}` : undefined) ??
      (first ? `ClientError: ${describeFailure(first, this.failures.length - 1, this.name)}` : undefined);
    if (reason === undefined) this.host.transition(this.name, "Completed");
    else this.host.transition(this.name, "Failed", { reason: truncate(reason) });
  }
}

function describeFailure(failure: ObjectFailure, others: number, jobName: string): string {
  const where = failure.where ? ` ${failure.where}` : "";
  const more = others > 0 ? ` (${others} more failure${others === 1 ? "" : "s"} in the log)` : "";
  return `${failure.uri}${where}: ${failure.message}${more}. See ${TRANSFORM_LOG_GROUP}, streams ${jobName}/*.`;
}

const truncate = (text: string): string =>
  text.length > MAX_FAILURE_REASON ? `${text.slice(0, MAX_FAILURE_REASON - 3)}...` : text;

function isAwsValidation(error: unknown): boolean {
  return error instanceof AwsError && error.code === "ValidationException";
}
