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
import type { ServiceContext } from "../../../context";
import { AwsError, notFound, validation } from "../../../errors";
import { parseS3Uri } from "../../../s3-uri";
import { JsonStore } from "../../../store";
import type { TagRegistry } from "../tags";
import { compileMetricRegex } from "./metrics";
import { describeTrainingJob, type StoredTrainingJob, summarizeTrainingJob } from "./records";
import { TrainingRun } from "./run";

type Handler = (input: Record<string, unknown>) => unknown;

export interface TrainingJobsOptions {
  /** Jobs that may run at once (env LOCAL_SAGEMAKER_MAX_TRAINING_JOBS, default 2): the machine is small. */
  maxConcurrentJobs?: number;
  /** SIGTERM to SIGKILL when stopping (env LOCAL_SAGEMAKER_STOP_GRACE_SECONDS, default 10; AWS gives 120). */
  stopGraceMs?: number;
}

const DEFAULT_MAX_JOBS = 2;
const DEFAULT_STOP_GRACE_S = 10;
const DEFAULT_PAGE = 10;

function envNumber(name: string): number | undefined {
  const value = process.env[name];
  if (value === undefined || value === "") return undefined;
  const parsed = Number(value);
  return Number.isFinite(parsed) && parsed > 0 ? parsed : undefined;
}

const RESTART_REASON =
  "InternalServerError: local SageMaker was restarted while this training job was running, so the job was lost. Start it again under a new name.";

/**
 * CreateTrainingJob, DescribeTrainingJob, ListTrainingJobs and StopTrainingJob: durable records (one JSON
 * document per job) and one TrainingRun per job in progress.
 */
export class TrainingJobs {
  private readonly store: JsonStore<StoredTrainingJob>;
  private readonly runs = new Map<string, TrainingRun>();
  private readonly maxConcurrentJobs: number;
  private readonly stopGraceMs: number;
  private readonly jobsDir: string;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly tags: TagRegistry,
    options: TrainingJobsOptions = {},
  ) {
    this.store = new JsonStore<StoredTrainingJob>(ctx.stateDir, "sagemaker-training-jobs");
    this.jobsDir = join(ctx.stateDir, "training-jobs");
    this.maxConcurrentJobs =
      options.maxConcurrentJobs ?? envNumber("LOCAL_SAGEMAKER_MAX_TRAINING_JOBS") ?? DEFAULT_MAX_JOBS;
    this.stopGraceMs =
      options.stopGraceMs ?? (envNumber("LOCAL_SAGEMAKER_STOP_GRACE_SECONDS") ?? DEFAULT_STOP_GRACE_S) * 1000;
  }

  readonly operations: Record<string, Handler> = {
    CreateTrainingJob: (input) => this.create(input as unknown as CreateTrainingJobRequest),
    DescribeTrainingJob: (input) => this.describe(input as unknown as DescribeTrainingJobRequest),
    ListTrainingJobs: (input) => this.list(input as unknown as ListTrainingJobsRequest),
    StopTrainingJob: (input) => this.stopJob(input as unknown as StopTrainingJobRequest),
  };

  /** The job folder (laid out like /opt/ml) of a job: for tests and for people debugging a run. */
  jobFolder(name: string): string {
    return join(this.jobsDir, name.toLowerCase());
  }

  /** After a restart: jobs whose process died with the previous server are Failed, saying why. */
  start(): void {
    for (const job of this.store.list()) {
      if (job.TrainingJobStatus !== "InProgress" && job.TrainingJobStatus !== "Stopping") continue;
      this.update(job.request.TrainingJobName as string, (stored) => {
        const now = Date.now();
        const last = stored.SecondaryStatusTransitions.at(-1);
        if (last && last.EndTime === undefined) last.EndTime = now;
        stored.SecondaryStatusTransitions.push({
          Status: "Failed",
          StartTime: now,
          StatusMessage: "Training job failed",
        });
        stored.TrainingJobStatus = "Failed";
        stored.SecondaryStatus = "Failed";
        stored.FailureReason = RESTART_REASON;
        stored.TrainingEndTime = now;
      });
    }
  }

  /** Server shutdown: every training process is killed; the records stay InProgress until the next start(). */
  async stop(): Promise<void> {
    const runs = [...this.runs.values()];
    for (const run of runs) run.abandon();
    await Promise.all(runs.map((run) => run.done));
  }

  /** Waits for a job's run to end (tests; the API clients poll DescribeTrainingJob). */
  async settled(name: string): Promise<void> {
    await this.runs.get(name.toLowerCase())?.done;
  }

  update(name: string, change: (job: StoredTrainingJob) => void): StoredTrainingJob {
    const job = this.store.get(name.toLowerCase());
    if (!job) throw new Error(`training job ${name} vanished from the state folder`);
    change(job);
    job.LastModifiedTime = Date.now();
    this.store.put(name.toLowerCase(), job);
    return job;
  }

  private arn(name: string): string {
    return `arn:aws:sagemaker:${this.ctx.region}:${this.ctx.accountId}:training-job/${name.toLowerCase()}`;
  }

  private create(request: CreateTrainingJobRequest): CreateTrainingJobResponse {
    const name = request.TrainingJobName as string;
    const arn = this.arn(name);
    if (this.store.get(name.toLowerCase())) {
      throw new AwsError(
        "ResourceInUse",
        `Training job names must be unique within an AWS account and region, and a training job with this name already exists (${arn})`,
      );
    }
    const count = request.ResourceConfig?.InstanceCount ?? 1;
    if (count !== 1) {
      throw new AwsError(
        "ResourceLimitExceeded",
        `Local SageMaker trains on one instance; ResourceConfig.InstanceCount ${count} is over that limit. Use 1.`,
      );
    }
    if (this.runs.size >= this.maxConcurrentJobs) {
      throw new AwsError(
        "ResourceLimitExceeded",
        `Local SageMaker runs at most ${this.maxConcurrentJobs} training jobs at once and ${this.runs.size} are in progress (${[...this.runs.keys()].join(", ")}). Wait for one to finish or stop it, or raise LOCAL_SAGEMAKER_MAX_TRAINING_JOBS.`,
      );
    }
    for (const definition of request.AlgorithmSpecification?.MetricDefinitions ?? [])
      compileMetricRegex(definition);
    if (!request.AlgorithmSpecification?.TrainingImage) {
      throw validation(
        "AlgorithmSpecification.TrainingImage is required on local SageMaker (algorithm resources are not available): use a Hugging Face training DLC URI or ko-sagemaker/training.",
      );
    }
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
      SecondaryStatus: "Starting",
      CreationTime: now,
      LastModifiedTime: now,
      SecondaryStatusTransitions: [
        { Status: "Starting", StartTime: now, StatusMessage: "Preparing the instances for training" },
      ],
      FinalMetricDataList: [],
      S3ModelArtifacts: `s3://${output.bucket}/${modelKey}`,
    };
    this.store.put(name.toLowerCase(), job);
    const run = new TrainingRun(
      { ctx: this.ctx, update: (n, change) => this.update(n, change), stopGraceMs: this.stopGraceMs },
      job,
      this.jobFolder(name),
    );
    this.runs.set(name.toLowerCase(), run);
    void run.done.finally(() => this.runs.delete(name.toLowerCase()));
    return { TrainingJobArn: arn };
  }

  private find(name: string | undefined): StoredTrainingJob {
    const job = name === undefined ? undefined : this.store.get(name.toLowerCase());
    if (!job) throw notFound("training job", this.arn(name ?? ""));
    return job;
  }

  private describe(request: DescribeTrainingJobRequest): DescribeTrainingJobResponse {
    const job = this.find(request.TrainingJobName);
    const run = this.runs.get(job.request.TrainingJobName?.toLowerCase() ?? "");
    // While the job runs, metrics come from the live log matcher.
    return describeTrainingJob(
      job,
      job.TrainingJobStatus === "InProgress" ? run?.metrics.final() : undefined,
    );
  }

  private stopJob(request: StopTrainingJobRequest): Record<string, never> {
    const job = this.find(request.TrainingJobName);
    const run = this.runs.get(job.request.TrainingJobName?.toLowerCase() ?? "");
    if (job.TrainingJobStatus === "Stopping") return {};
    if (job.TrainingJobStatus !== "InProgress" || !run) {
      throw validation(
        `The request was rejected because the training job "${job.request.TrainingJobName}" is in status ${job.TrainingJobStatus}; only a job InProgress can be stopped.`,
      );
    }
    run.stop("StopTrainingJob");
    return {};
  }

  private list(request: ListTrainingJobsRequest): ListTrainingJobsResponse {
    const after = (limit: Date | undefined, time: number): boolean =>
      limit === undefined || time > toMillis(limit);
    const before = (limit: Date | undefined, time: number): boolean =>
      limit === undefined || time < toMillis(limit);
    const needle = request.NameContains?.toLowerCase();
    const jobs = this.store
      .list()
      .filter(
        (job) => needle === undefined || (job.request.TrainingJobName ?? "").toLowerCase().includes(needle),
      )
      .filter((job) => request.StatusEquals === undefined || job.TrainingJobStatus === request.StatusEquals)
      .filter(
        (job) =>
          after(request.CreationTimeAfter, job.CreationTime) &&
          before(request.CreationTimeBefore, job.CreationTime),
      )
      .filter(
        (job) =>
          after(request.LastModifiedTimeAfter, job.LastModifiedTime) &&
          before(request.LastModifiedTimeBefore, job.LastModifiedTime),
      );
    const sortBy = request.SortBy ?? "CreationTime";
    const key = (job: StoredTrainingJob): string | number =>
      sortBy === "Name"
        ? (job.request.TrainingJobName ?? "")
        : sortBy === "Status"
          ? job.TrainingJobStatus
          : job.CreationTime;
    const direction = (request.SortOrder ?? "Descending") === "Ascending" ? 1 : -1;
    jobs.sort((a, b) => {
      const [x, y] = [key(a), key(b)];
      const order = x < y ? -1 : x > y ? 1 : a.CreationTime - b.CreationTime;
      return order * direction;
    });
    const start = decodeToken(request.NextToken, jobs.length);
    const size = request.MaxResults ?? DEFAULT_PAGE;
    const page = jobs.slice(start, start + size).map(summarizeTrainingJob);
    const next = start + size < jobs.length ? String(start + size) : undefined;
    return next === undefined
      ? { TrainingJobSummaries: page }
      : { TrainingJobSummaries: page, NextToken: next };
  }
}

/** awsJson timestamps arrive as epoch seconds; the SDK types call them Date. */
function toMillis(value: Date | number | string): number {
  if (value instanceof Date) return value.getTime();
  const number = Number(value);
  return Number.isFinite(number) ? number * 1000 : Date.parse(String(value));
}

function decodeToken(token: string | undefined, length: number): number {
  if (token === undefined) return 0;
  const start = Number(token);
  if (!Number.isInteger(start) || start < 0 || start > length || String(start) !== token) {
    throw validation(
      `Invalid NextToken "${token}": pass the NextToken of the previous ListTrainingJobs answer.`,
    );
  }
  return start;
}
