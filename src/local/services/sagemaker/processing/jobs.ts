import { join } from "node:path";
import type {
  CreateProcessingJobRequest,
  CreateProcessingJobResponse,
  DescribeProcessingJobRequest,
  DescribeProcessingJobResponse,
  ListProcessingJobsRequest,
  ListProcessingJobsResponse,
  StopProcessingJobRequest,
} from "@aws-sdk/client-sagemaker";
import { sagemakerArn, storeKey } from "../../../core/arns";
import { AwsError, notFound, validation } from "../../../core/errors";
import type { StatusChange } from "../../../core/lifecycle";
import { listPage } from "../../../core/listing";
import type { ServiceContext } from "../../context";
import { type JobListener, NO_JOB_LISTENER } from "../job-events";
import { abandonRuns, JobRecords } from "../job-records";
import { PROCESSING_JOB, PROCESSING_JOB_START } from "../lifecycles";
import type { TagRegistry } from "../tags";
import { checkProcessingIo } from "./io";
import {
  describeProcessingJob,
  processingJobSnapshot,
  type StoredProcessingJob,
  summarizeProcessingJob,
} from "./records";
import { ProcessingRun } from "./run";

/** The typed API's inputs and outputs: the AWS SDK's request and response shapes under the operation's names. */
export type CreateProcessingJobInput = CreateProcessingJobRequest;
export type CreateProcessingJobOutput = CreateProcessingJobResponse;
export type DescribeProcessingJobInput = DescribeProcessingJobRequest;
export type DescribeProcessingJobOutput = DescribeProcessingJobResponse;
export type ListProcessingJobsInput = ListProcessingJobsRequest;
export type ListProcessingJobsOutput = ListProcessingJobsResponse;
export type StopProcessingJobInput = StopProcessingJobRequest;
export type StopProcessingJobOutput = Record<string, never>;

const RESTART_REASON =
  "InternalServerError: local SageMaker was restarted while this processing job was running, so the job was lost. Start it again under a new name.";

/**
 * Processing jobs: CreateProcessingJob, DescribeProcessingJob, ListProcessingJobs and StopProcessingJob over
 * durable records (one JSON document per job), and one ProcessingRun per job in progress. Other services (pipelines)
 * start jobs through the same typed methods the wire binding calls. The listener (experiments) hears of each job's
 * creation and every status change, and may refuse an ExperimentConfig.
 */
export class ProcessingJobs {
  private readonly records: JobRecords<StoredProcessingJob, Parameters<typeof PROCESSING_JOB.transition>[1]>;
  private readonly runs = new Map<string, ProcessingRun>();
  private readonly jobsDir: string;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly tags: TagRegistry,
    private readonly listener: JobListener = NO_JOB_LISTENER,
  ) {
    this.records = new JobRecords<StoredProcessingJob, Parameters<typeof PROCESSING_JOB.transition>[1]>({
      stateDir: ctx.stateDir,
      collection: "sagemaker-processing-jobs",
      lifecycle: PROCESSING_JOB,
      nameOf: (job) => job.request.ProcessingJobName as string,
      missing: (name) =>
        // ValidationException, as SageMaker answers (the SDK's waiter stops on it).
        notFound("processing job", sagemakerArn(ctx, "processing-job", name)),
      onChange: (job) => this.listener.jobChanged(processingJobSnapshot(job)),
    });
    this.jobsDir = join(ctx.stateDir, "processing-jobs");
  }

  /** The job's folder (its /opt/ml), kept after the run for people debugging it. */
  jobFolder(name: string): string {
    return join(this.jobsDir, storeKey(name));
  }

  /** After a restart: jobs whose process died with the previous server are Failed, saying why. */
  start(): void {
    this.records.failInterrupted(RESTART_REASON);
  }

  /** Server shutdown: every processing job's process is killed; the records stay InProgress until the next start(). */
  async stop(): Promise<void> {
    await abandonRuns([...this.runs.values()]);
  }

  /** Loads the job, applies an edit that is not a status change (start time, log stream, exit message) and saves it. */
  update(name: string, edit: (job: StoredProcessingJob) => void): StoredProcessingJob {
    return this.records.update(name, edit);
  }

  transition(
    name: string,
    to: Parameters<typeof PROCESSING_JOB.transition>[1],
    change: StatusChange = {},
  ): void {
    this.records.transition(name, to, change);
  }

  /** Every job as DescribeProcessingJob answers it (for a trial component's SourceDetail). */
  describeAll(): DescribeProcessingJobOutput[] {
    return this.records.list().map((job) => describeProcessingJob(job));
  }

  private arn(name: string): string {
    return sagemakerArn(this.ctx, "processing-job", name);
  }

  createProcessingJob(request: CreateProcessingJobInput): CreateProcessingJobOutput {
    const name = request.ProcessingJobName as string;
    const arn = this.arn(name);
    if (this.records.find(name)) {
      throw new AwsError(
        "ResourceInUse",
        `Processing job names must be unique within an AWS account and region, and a processing job with this name already exists (${arn})`,
      );
    }
    const count = request.ProcessingResources?.ClusterConfig?.InstanceCount ?? 1;
    if (count > 1) {
      // One run of the script on one "instance": N copies would each need its shard of ShardedByS3Key inputs.
      throw new AwsError(
        "ResourceLimitExceeded",
        `Local SageMaker runs a processing job on one instance; ProcessingResources.ClusterConfig.InstanceCount ${count} is over that limit. Use 1.`,
      );
    }
    const limit = this.ctx.settings.maxProcessingJobs;
    if (this.runs.size >= limit) {
      throw new AwsError(
        "ResourceLimitExceeded",
        `Local SageMaker runs at most ${limit} processing jobs at once and ${this.runs.size} are in progress (${[...this.runs.keys()].join(", ")}). Wait for one to finish or stop it, or raise LOCAL_SAGEMAKER_MAX_PROCESSING_JOBS.`,
      );
    }
    if (!request.AppSpecification?.ContainerEntrypoint?.length) {
      throw validation(
        'AppSpecification.ContainerEntrypoint is required on local SageMaker: its built-in processing image has no default entry point. Give the command, for example ["python3", "/opt/ml/processing/input/code/preprocess.py"].',
      );
    }
    checkProcessingIo(request);
    this.listener.checkExperimentConfig(request.ExperimentConfig, {
      name,
      sourceType: "SageMakerProcessingJob",
    });

    this.tags.register(arn, request.Tags as { Key: string; Value: string }[] | undefined);
    const now = Date.now();
    const { Tags: _tags, ...stored } = request;
    const job: StoredProcessingJob = {
      request: stored,
      ProcessingJobArn: arn,
      ProcessingJobStatus: PROCESSING_JOB_START,
      CreationTime: now,
      LastModifiedTime: now,
    };
    this.records.create(job);
    this.listener.jobChanged(processingJobSnapshot(job));
    const run = new ProcessingRun(this.ctx, this, job, this.jobFolder(name));
    this.runs.set(storeKey(name), run);
    void run.done.finally(() => this.runs.delete(storeKey(name)));
    return { ProcessingJobArn: arn };
  }

  private require(name: string | undefined): StoredProcessingJob {
    return this.records.require(name);
  }

  describeProcessingJob(request: DescribeProcessingJobInput): DescribeProcessingJobOutput {
    return describeProcessingJob(this.require(request.ProcessingJobName));
  }

  stopProcessingJob(request: StopProcessingJobInput): StopProcessingJobOutput {
    const job = this.require(request.ProcessingJobName);
    const name = job.request.ProcessingJobName as string;
    if (job.ProcessingJobStatus === "Stopping") return {};
    const run = this.runs.get(storeKey(name));
    if (job.ProcessingJobStatus !== "InProgress" || !run) {
      throw validation(
        `The request was rejected because the processing job "${name}" is in status ${job.ProcessingJobStatus}; only a job InProgress can be stopped.`,
      );
    }
    run.stop("StopProcessingJob");
    return {};
  }

  listProcessingJobs(request: ListProcessingJobsInput): ListProcessingJobsOutput {
    const { page, NextToken } = listPage(this.records.list(), request, (job) => ({
      name: job.request.ProcessingJobName ?? "",
      creationTime: job.CreationTime,
      lastModifiedTime: job.LastModifiedTime,
      status: job.ProcessingJobStatus,
    }));
    const summaries = page.map(summarizeProcessingJob);
    return NextToken === undefined
      ? { ProcessingJobSummaries: summaries }
      : { ProcessingJobSummaries: summaries, NextToken };
  }
}
