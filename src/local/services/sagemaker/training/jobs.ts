import { join } from "node:path";
import type {
  CreateTrainingJobRequest,
  CreateTrainingJobResponse,
  DescribeTrainingJobRequest,
  DescribeTrainingJobResponse,
  ListTrainingJobsRequest,
  ListTrainingJobsResponse,
  StopTrainingJobRequest,
} from "@aws-sdk/client-sagemaker";
import { sagemakerArn, storeKey } from "../../../core/arns";
import { AwsError, notFound, validation } from "../../../core/errors";
import type { StatusChange } from "../../../core/lifecycle";
import { listPage } from "../../../core/listing";
import { parseS3Uri } from "../../../core/s3-uri";
import type { ServiceContext } from "../../context";
import { type JobListener, NO_JOB_LISTENER } from "../job-events";
import { abandonRuns, JobRecords } from "../job-records";
import { TRAINING_JOB, TRAINING_JOB_START } from "../lifecycles";
import type { TagRegistry } from "../tags";
import { compileMetricRegex } from "./metrics";
import {
  describeTrainingJob,
  type StoredTrainingJob,
  summarizeTrainingJob,
  trainingJobSnapshot,
} from "./records";
import { TrainingRun } from "./run";

const RESTART_REASON =
  "InternalServerError: local SageMaker was restarted while this training job was running, so the job was lost. Start it again under a new name.";

/**
 * Training jobs: CreateTrainingJob, DescribeTrainingJob, ListTrainingJobs and StopTrainingJob over durable records
 * (one JSON document per job), and one TrainingRun per job in progress. Other services (pipelines) start jobs
 * through the same typed methods the wire binding calls. The listener (experiments) hears of each job's creation
 * and every status change, and may refuse an ExperimentConfig.
 */
export class TrainingJobs {
  private readonly records: JobRecords<StoredTrainingJob, Parameters<typeof TRAINING_JOB.transition>[1]>;
  private readonly runs = new Map<string, TrainingRun>();
  private readonly jobsDir: string;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly tags: TagRegistry,
    private readonly listener: JobListener = NO_JOB_LISTENER,
  ) {
    this.records = new JobRecords<StoredTrainingJob, Parameters<typeof TRAINING_JOB.transition>[1]>({
      stateDir: ctx.stateDir,
      collection: "sagemaker-training-jobs",
      lifecycle: TRAINING_JOB,
      nameOf: (job) => job.request.TrainingJobName as string,
      missing: (name) => notFound("training job", sagemakerArn(ctx, "training-job", name)),
      requiredFields: [
        "request.TrainingJobName",
        "TrainingJobArn",
        "TrainingJobStatus",
        "SecondaryStatus",
        "CreationTime",
      ],
      onChange: (job) => this.listener.jobChanged(trainingJobSnapshot(job)),
    });
    this.jobsDir = join(ctx.stateDir, "training-jobs");
  }

  /** The job folder (laid out like /opt/ml), kept after the run for people debugging it. */
  private jobFolder(name: string): string {
    return join(this.jobsDir, storeKey(name));
  }

  /** After a restart: jobs whose process died with the previous server are Failed, saying why. */
  start(): void {
    this.records.failInterrupted(RESTART_REASON);
  }

  /** Server shutdown: every training process is killed; the records stay InProgress until the next start(). */
  async stop(): Promise<void> {
    await abandonRuns([...this.runs.values()]);
  }

  /** Loads the job, applies an edit that is not a status change (metrics, log stream) and saves it. */
  update(name: string, edit: (job: StoredTrainingJob) => void): StoredTrainingJob {
    return this.records.update(name, edit);
  }

  transition(
    name: string,
    to: Parameters<typeof TRAINING_JOB.transition>[1],
    change: StatusChange = {},
  ): void {
    this.records.transition(name, to, change);
  }

  /** Every job as DescribeTrainingJob answers it (for Search). */
  describeAll(): DescribeTrainingJobResponse[] {
    return this.records.list().map((job) => describeTrainingJob(job));
  }

  private arn(name: string): string {
    return sagemakerArn(this.ctx, "training-job", name);
  }

  createTrainingJob(request: CreateTrainingJobRequest): CreateTrainingJobResponse {
    const name = request.TrainingJobName as string;
    const arn = this.arn(name);
    if (this.records.find(name)) {
      throw new AwsError(
        "ResourceInUse",
        `Training job names must be unique within an AWS account and region, and a training job with this name already exists (${arn})`,
      );
    }
    const count = request.ResourceConfig?.InstanceCount ?? 1;
    if (count < 1) {
      throw validation(
        `ResourceConfig.InstanceCount is ${count}: a training job runs on at least 1 instance (and on 1 here).`,
      );
    }
    if (count > 1) {
      throw new AwsError(
        "ResourceLimitExceeded",
        `Local SageMaker trains on one instance; ResourceConfig.InstanceCount ${count} is over that limit. Use 1.`,
      );
    }
    const limit = this.ctx.settings.maxTrainingJobs;
    if (this.runs.size >= limit) {
      throw new AwsError(
        "ResourceLimitExceeded",
        `Local SageMaker runs at most ${limit} training jobs at once and ${this.runs.size} are in progress (${[...this.runs.keys()].join(", ")}). Wait for one to finish or stop it, or raise LOCAL_SAGEMAKER_MAX_TRAINING_JOBS.`,
      );
    }
    for (const definition of request.AlgorithmSpecification?.MetricDefinitions ?? [])
      compileMetricRegex(definition);
    if (!request.AlgorithmSpecification?.TrainingImage) {
      throw validation(
        "AlgorithmSpecification.TrainingImage is required on local SageMaker (algorithm resources are not available): use a Hugging Face training DLC URI or ko-sagemaker/training.",
      );
    }
    this.listener.checkExperimentConfig(request.ExperimentConfig, {
      name,
      sourceType: "SageMakerTrainingJob",
    });
    const output = parseS3Uri(request.OutputDataConfig?.S3OutputPath ?? "");
    const prefix = output.key.replace(/\/+$/, "");
    const modelKey = `${prefix ? `${prefix}/` : ""}${name}/output/model.tar.gz`;

    this.tags.register(arn, request.Tags as { Key: string; Value: string }[] | undefined);
    const now = Date.now();
    const { Tags: _tags, ...stored } = request;
    const job: StoredTrainingJob = {
      request: stored,
      TrainingJobArn: arn,
      TrainingJobStatus: "InProgress",
      SecondaryStatus: TRAINING_JOB_START,
      CreationTime: now,
      LastModifiedTime: now,
      SecondaryStatusTransitions: [
        { Status: TRAINING_JOB_START, StartTime: now, StatusMessage: "Preparing the instances for training" },
      ],
      FinalMetricDataList: [],
      S3ModelArtifacts: `s3://${output.bucket}/${modelKey}`,
    };
    this.records.create(job);
    this.listener.jobChanged(trainingJobSnapshot(job));
    const run = new TrainingRun(this.ctx, this, job, this.jobFolder(name));
    this.runs.set(storeKey(name), run);
    void run.done.finally(() => this.runs.delete(storeKey(name)));
    return { TrainingJobArn: arn };
  }

  private require(name: string | undefined): StoredTrainingJob {
    return this.records.require(name);
  }

  describeTrainingJob(request: DescribeTrainingJobRequest): DescribeTrainingJobResponse {
    const job = this.require(request.TrainingJobName);
    const run = this.runs.get(storeKey(job.request.TrainingJobName ?? ""));
    // While the job runs, metrics come from the live log matcher.
    return describeTrainingJob(
      job,
      job.TrainingJobStatus === "InProgress" ? run?.metrics.final() : undefined,
    );
  }

  stopTrainingJob(request: StopTrainingJobRequest): Record<string, never> {
    const job = this.require(request.TrainingJobName);
    const run = this.runs.get(storeKey(job.request.TrainingJobName ?? ""));
    if (job.TrainingJobStatus === "Stopping") return {};
    if (job.TrainingJobStatus !== "InProgress" || !run) {
      throw validation(
        `The request was rejected because the training job "${job.request.TrainingJobName}" is in status ${job.TrainingJobStatus}; only a job InProgress can be stopped.`,
      );
    }
    run.stop("StopTrainingJob");
    return {};
  }

  listTrainingJobs(request: ListTrainingJobsRequest): ListTrainingJobsResponse {
    const { page, NextToken } = listPage(this.records.list(), request, (job) => ({
      name: job.request.TrainingJobName ?? "",
      creationTime: job.CreationTime,
      lastModifiedTime: job.LastModifiedTime,
      status: job.TrainingJobStatus,
    }));
    const summaries = page.map(summarizeTrainingJob);
    return NextToken === undefined
      ? { TrainingJobSummaries: summaries }
      : { TrainingJobSummaries: summaries, NextToken };
  }
}
