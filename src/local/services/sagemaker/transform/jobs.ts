import { join } from "node:path";
import type {
  CreateTransformJobRequest,
  CreateTransformJobResponse,
  DescribeTransformJobRequest,
  DescribeTransformJobResponse,
  ListTransformJobsRequest,
  ListTransformJobsResponse,
  StopTransformJobRequest,
} from "@aws-sdk/client-sagemaker";
import { sagemakerArn, storeKey } from "../../../core/arns";
import { AwsError, validation } from "../../../core/errors";
import type { StatusChange } from "../../../core/lifecycle";
import { listPage } from "../../../core/listing";
import type { ServiceContext } from "../../context";
import type { Models } from "../hosting/models";
import type { ModelRecord } from "../hosting/records";
import { abandonRuns, JobRecords } from "../job-records";
import { TRANSFORM_JOB, TRANSFORM_JOB_START } from "../lifecycles";
import type { TagRegistry } from "../tags";
import { planTransform } from "./plan";
import { describeTransformJob, type StoredTransformJob, summarizeTransformJob } from "./records";
import { type TransformModel, TransformRun } from "./run";

const RESTART_REASON =
  "InternalServerError: local SageMaker was restarted while this transform job was running, so the job was lost. Start it again under a new name.";

/**
 * Batch transform: CreateTransformJob, DescribeTransformJob, ListTransformJobs and StopTransformJob over durable
 * records (one JSON document per job), and one TransformRun per job in progress. The job's instances count
 * towards LOCAL_SAGEMAKER_MAX_INSTANCES together with the other transform jobs running.
 */
export class TransformJobs {
  private readonly records: JobRecords<StoredTransformJob, Parameters<typeof TRANSFORM_JOB.transition>[1]>;
  private readonly runs = new Map<string, { run: TransformRun; instances: number }>();
  private readonly jobsDir: string;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly tags: TagRegistry,
    private readonly models: Models,
  ) {
    this.records = new JobRecords<StoredTransformJob, Parameters<typeof TRANSFORM_JOB.transition>[1]>({
      stateDir: ctx.stateDir,
      collection: "sagemaker-transform-jobs",
      lifecycle: TRANSFORM_JOB,
      nameOf: (job) => job.request.TransformJobName as string,
      missing: (name) =>
        // DescribeTransformJob and StopTransformJob model ResourceNotFound (most Describes answer ValidationException).
        new AwsError(
          "ResourceNotFound",
          `Could not find transform job "${sagemakerArn(ctx, "transform-job", name)}".`,
        ),
    });
    this.jobsDir = join(ctx.stateDir, "transform-jobs");
  }

  /** After a restart: jobs whose containers died with the previous server are Failed, saying why. */
  start(): void {
    this.records.failInterrupted(RESTART_REASON);
  }

  /** Server shutdown: every job's containers stop; the records stay InProgress until the next start(). */
  async stop(): Promise<void> {
    await abandonRuns([...this.runs.values()].map((entry) => entry.run));
  }

  /** Loads the job, applies an edit that is not a status change (start time) and saves it. */
  update(name: string, edit: (job: StoredTransformJob) => void): StoredTransformJob {
    return this.records.update(name, edit);
  }

  transition(
    name: string,
    to: Parameters<typeof TRANSFORM_JOB.transition>[1],
    change: StatusChange = {},
  ): void {
    this.records.transition(name, to, change);
  }

  private arn(name: string): string {
    return sagemakerArn(this.ctx, "transform-job", name);
  }

  createTransformJob(request: CreateTransformJobRequest): CreateTransformJobResponse {
    const name = request.TransformJobName as string;
    const arn = this.arn(name);
    if (this.records.find(name)) {
      throw new AwsError(
        "ResourceInUse",
        `Transform job names must be unique within an AWS account and region, and a transform job with this name already exists (${arn})`,
      );
    }
    const model = transformModel(this.models.require(request.ModelName as string));
    const plan = planTransform(request);
    const inUse = [...this.runs.values()].reduce((sum, entry) => sum + entry.instances, 0);
    const limit = this.ctx.settings.maxInstances;
    if (inUse + plan.instanceCount > limit) {
      throw new AwsError(
        "ResourceLimitExceeded",
        `Local SageMaker runs at most ${limit} transform instances at once; ${inUse} are in use by running transform jobs and this job asks for ${plan.instanceCount} more. Wait for a job to finish or stop it, lower TransformResources.InstanceCount, or raise LOCAL_SAGEMAKER_MAX_INSTANCES.`,
      );
    }

    this.tags.register(arn, request.Tags as { Key: string; Value: string }[] | undefined);
    const now = Date.now();
    const { Tags: _tags, ...stored } = request;
    const job: StoredTransformJob = {
      request: stored,
      TransformJobArn: arn,
      TransformJobStatus: TRANSFORM_JOB_START,
      CreationTime: now,
      LastModifiedTime: now,
    };
    this.records.create(job);
    const run = new TransformRun(this.ctx, this, job, model, join(this.jobsDir, storeKey(name)));
    this.runs.set(storeKey(name), { run, instances: plan.instanceCount });
    void run.done.finally(() => this.runs.delete(storeKey(name)));
    return { TransformJobArn: arn };
  }

  private require(name: string | undefined): StoredTransformJob {
    return this.records.require(name);
  }

  describeTransformJob(request: DescribeTransformJobRequest): DescribeTransformJobResponse {
    return describeTransformJob(this.require(request.TransformJobName));
  }

  stopTransformJob(request: StopTransformJobRequest): Record<string, never> {
    const job = this.require(request.TransformJobName);
    const name = job.request.TransformJobName as string;
    if (job.TransformJobStatus === "Stopping") return {};
    const entry = this.runs.get(storeKey(name));
    if (job.TransformJobStatus !== "InProgress" || !entry) {
      throw validation(
        `The request was rejected because the transform job "${name}" is in status ${job.TransformJobStatus}; only a job InProgress can be stopped.`,
      );
    }
    this.transition(name, "Stopping");
    entry.run.stop();
    return {};
  }

  listTransformJobs(request: ListTransformJobsRequest): ListTransformJobsResponse {
    const { page, NextToken } = listPage(this.records.list(), request, (job) => ({
      name: job.request.TransformJobName ?? "",
      creationTime: job.CreationTime,
      lastModifiedTime: job.LastModifiedTime,
      status: job.TransformJobStatus,
    }));
    const summaries = page.map(summarizeTransformJob);
    return NextToken === undefined
      ? { TransformJobSummaries: summaries }
      : { TransformJobSummaries: summaries, NextToken };
  }
}

/** The containers a job runs: one, or a Serial inference pipeline; SageMaker's batch transform runs no others. */
function transformModel(model: ModelRecord): TransformModel {
  const containers = model.PrimaryContainer ? [model.PrimaryContainer] : (model.Containers ?? []);
  if (containers.length > 1 && model.InferenceExecutionConfig?.Mode === "Direct") {
    throw validation(
      `Model "${model.ModelName}" invokes its containers directly (InferenceExecutionConfig Mode Direct); batch transform runs a model's containers as a Serial pipeline only. Create a model with Mode Serial, or one container, for the job.`,
    );
  }
  const multiModel = containers.find((container) => container.Mode === "MultiModel");
  if (multiModel) {
    throw validation(
      `Model "${model.ModelName}" is a multi-model container (Mode MultiModel, ${multiModel.ModelDataUrl}); batch transform needs a model with one artifact per container. Create a model with Mode SingleModel for the job.`,
    );
  }
  return { name: model.ModelName, containers, mode: containers.length > 1 ? "Serial" : "Single" };
}
