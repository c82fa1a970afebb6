import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { type TrainingLayout, trainingLayout } from "../../../../containers/training/environment";
import { extractArchiveSafely, folderIsEmpty, packFolder, UnsafeArchiveError } from "../../../archives";
import type { StatusChange } from "../../../core/lifecycle";
import { childEnvironment, nodeEntry, SupervisedChild } from "../../../core/processes";
import { parseS3Uri } from "../../../core/s3-uri";
import type { ServiceContext } from "../../context";
import { resolveTrainingImage } from "../images";
import type { TRAINING_JOB } from "../lifecycles";
import { ClientError, downloadChannels } from "./channels";
import { MetricCollector } from "./metrics";
import type { StoredTrainingJob } from "./records";

export const TRAINING_LOG_GROUP = "/aws/sagemaker/TrainingJobs";
const HOST = "algo-1";
/** FailureReason's length limit in the SageMaker model. */
const MAX_FAILURE_REASON = 1024;
const TAIL_LINES = 8;
/** The line a crash names itself on: `Error: ...` in Node, `ValueError: ...` in Python. */
const ERROR_LINE = /^\s*[A-Za-z_.]*(Error|Exception)\b.*:/;

type TrainingStep = Parameters<typeof TRAINING_JOB.transition>[1];

/** What a run needs from the service that owns the job records. */
export interface TrainingRunHost {
  /** Applies an edit that is not a status change (start time, log stream, metrics) and saves the job. */
  update(name: string, edit: (job: StoredTrainingJob) => void): StoredTrainingJob;
  transition(name: string, to: TrainingStep, change?: StatusChange): void;
}

type StopKind = "StopTrainingJob" | "MaxRuntimeExceeded";

/**
 * One training job on this machine, from Starting to its final status: prepares the /opt/ml-like folder, copies the
 * channels, runs the built-in toolkit as a supervised child (its own process group, so stopping reaches the entry
 * point), streams its output to CloudWatch Logs while matching metric regexes, enforces MaxRuntimeInSeconds, and
 * uploads the artifacts.
 */
export class TrainingRun {
  readonly name: string;
  readonly metrics: MetricCollector;
  private readonly layout: TrainingLayout;
  private child: SupervisedChild | undefined;
  private stopKind: StopKind | undefined;
  private abandoned = false;
  private readonly tail: string[] = [];
  private lastErrorLine: string | undefined;
  private pendingLines: string[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private runtimeTimer: NodeJS.Timeout | undefined;
  readonly done: Promise<void>;
  private logStream = "";

  constructor(
    private readonly ctx: ServiceContext,
    private readonly host: TrainingRunHost,
    job: StoredTrainingJob,
    jobRoot: string,
  ) {
    this.name = job.request.TrainingJobName as string;
    this.layout = trainingLayout(jobRoot);
    // As SageMaker does, every value the definitions find is a CloudWatch metric too (Host <job>/algo-1).
    this.metrics = new MetricCollector(
      job.request.AlgorithmSpecification?.MetricDefinitions,
      (name, value, at) => {
        if (!ctx.settings.metrics) return;
        ctx.cloudwatch.publish("/aws/sagemaker/TrainingJobs", [
          {
            MetricName: name,
            Dimensions: [{ Name: "Host", Value: `${this.name}/algo-1` }],
            Value: value,
            Timestamp: at,
            StorageResolution: 1,
          },
        ]);
      },
    );
    this.done = new Promise((resolve) => setImmediate(resolve))
      .then(() => this.execute(job))
      .catch((error: unknown) => {
        // execute() records every failure on the job; this is only reached when the record itself cannot be saved.
        process.stderr.write(
          `local-sagemaker: training job ${this.name}: ${(error as Error).stack ?? error}\n`,
        );
      });
  }

  /** StopTrainingJob or the runtime limit: SIGTERM to the process group, SIGKILL after the grace period. */
  stop(kind: StopKind): void {
    if (this.stopKind) return;
    this.stopKind = kind;
    const limit = kind === "MaxRuntimeExceeded" ? " (MaxRuntimeInSeconds reached)" : "";
    this.step("Stopping", `Stopping the training job${limit}`);
    void this.child?.stop(); // not started yet: execute() checks stopKind before it starts the toolkit
  }

  /** Server shutdown: kill at once and leave the record as it is; the next start marks the job Failed. */
  abandon(): void {
    this.abandoned = true;
    this.child?.kill();
  }

  /** A step of the run; once stopping, the remaining steps of a normal run no longer show. */
  private step(to: TrainingStep, message: string): void {
    if (this.abandoned || (this.stopKind && to !== "Stopping")) return;
    this.host.transition(this.name, to, { message });
  }

  private async execute(job: StoredTrainingJob): Promise<void> {
    try {
      const image = resolveTrainingImage(job.request.AlgorithmSpecification?.TrainingImage ?? "");
      if (!image.ok) throw new ClientError(image.reason);
      if (job.request.AlgorithmSpecification?.TrainingInputMode === "Pipe") {
        throw new ClientError(
          "TrainingInputMode Pipe is not available on local SageMaker; use File or FastFile.",
        );
      }
      this.prepareFolder(job);
      const started = Date.now();
      this.host.update(this.name, (stored) => {
        stored.TrainingStartTime = started;
      });
      const limit = job.request.StoppingCondition?.MaxRuntimeInSeconds;
      if (limit !== undefined) {
        this.runtimeTimer = setTimeout(() => this.stop("MaxRuntimeExceeded"), limit * 1000);
      }
      this.step("Downloading", "Downloading the input data and the source directory");
      await downloadChannels(this.ctx, job.request.InputDataConfig ?? [], this.layout.dataDir);
      await this.fetchSourceDirectory(job);
      if (this.stopKind) return await this.finishStopped();
      this.step("Training", `Training in progress on ${image.description}`);
      const exit = await this.runToolkit(job);
      if (this.abandoned) return;
      if (this.stopKind) return await this.finishStopped();
      if (exit.code === 0) return await this.finishCompleted(job);
      this.finish("Failed", this.failureReason(exit));
    } catch (error) {
      if (this.abandoned) return;
      const reason =
        error instanceof ClientError || error instanceof UnsafeArchiveError || isAwsValidation(error)
          ? `ClientError: ${(error as Error).message}`
          : `InternalServerError: ${(error as Error).message}`;
      this.finish("Failed", reason.slice(0, MAX_FAILURE_REASON));
    } finally {
      clearTimeout(this.runtimeTimer);
      this.flushLogs();
    }
  }

  private prepareFolder(job: StoredTrainingJob): void {
    rmSync(this.layout.root, { recursive: true, force: true });
    for (const dir of [
      this.layout.configDir,
      this.layout.dataDir,
      this.layout.modelDir,
      this.layout.outputDataDir,
    ])
      mkdirSync(dir, { recursive: true });
    const request = job.request;
    const write = (file: string, value: unknown): void =>
      writeFileSync(join(this.layout.configDir, file), JSON.stringify(value, null, 2));
    write("hyperparameters.json", request.HyperParameters ?? {});
    write("resourceconfig.json", {
      current_host: HOST,
      current_instance_type: request.ResourceConfig?.InstanceType ?? "local",
      current_group_name: "homogeneousCluster",
      hosts: [HOST],
      instance_groups: [
        {
          instance_group_name: "homogeneousCluster",
          instance_type: request.ResourceConfig?.InstanceType ?? "local",
          hosts: [HOST],
        },
      ],
      network_interface_name: "eth0",
    });
    write(
      "inputdataconfig.json",
      Object.fromEntries(
        (request.InputDataConfig ?? []).map((channel) => [
          channel.ChannelName,
          {
            TrainingInputMode:
              channel.InputMode ?? request.AlgorithmSpecification?.TrainingInputMode ?? "File",
            S3DistributionType: channel.DataSource?.S3DataSource?.S3DataDistributionType ?? "FullyReplicated",
            RecordWrapperType: channel.RecordWrapperType ?? "None",
            ...(channel.ContentType ? { ContentType: channel.ContentType } : {}),
          },
        ]),
      ),
    );
  }

  /** `sagemaker_submit_directory` (JSON-encoded, like every hyperparameter) names an s3:// sourcedir.tar.gz. */
  private async fetchSourceDirectory(job: StoredTrainingJob): Promise<void> {
    const raw = job.request.HyperParameters?.sagemaker_submit_directory;
    if (raw === undefined) return;
    let uri = raw;
    try {
      uri = JSON.parse(raw) as string;
    } catch {
      // a plain string is the URI itself
    }
    if (typeof uri !== "string" || !uri.startsWith("s3://")) {
      throw new ClientError(
        `sagemaker_submit_directory must be an s3:// URI of a sourcedir.tar.gz (got ${JSON.stringify(uri)}).`,
      );
    }
    const { bucket, key } = parseS3Uri(uri);
    let archive: Readable;
    try {
      archive = (await this.ctx.s3.openObject(bucket, key)).stream;
    } catch (error) {
      throw new ClientError(`Cannot read the source directory ${uri}: ${(error as Error).message}`);
    }
    try {
      await extractArchiveSafely("source", archive, this.layout.codeDir, {
        limits: this.ctx.settings.archiveLimits,
      });
    } catch (error) {
      throw new ClientError(`Source directory ${uri}: ${(error as Error).message}`);
    }
  }

  private runToolkit(
    job: StoredTrainingJob,
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    this.logStream = `${this.name}/${HOST}-${Math.floor(Date.now() / 1000)}`;
    this.ctx.logs.ensureLogStream(TRAINING_LOG_GROUP, this.logStream);
    this.host.update(this.name, (stored) => {
      stored.LogStreamName = this.logStream;
    });
    return new Promise((resolve) => {
      this.child = new SupervisedChild({
        label: `training job ${this.name}`,
        args: [...nodeEntry("containers/training/main"), this.layout.root],
        cwd: this.layout.root,
        env: childEnvironment({
          ...this.ctx.awsEnvironment(),
          ...(job.request.Environment ?? {}),
          TRAINING_JOB_NAME: this.name,
          TRAINING_JOB_ARN: job.TrainingJobArn,
        }),
        graceMs: this.ctx.settings.stopGraceMs,
        ownGroup: true,
        registry: this.ctx.processes,
        onLine: (_stream, line) => this.onLine(line),
        onExit: (exit) => resolve(exit),
      });
      if (this.stopKind) void this.child.stop();
    });
  }

  private onLine(line: string): void {
    this.metrics.observe(line);
    if (ERROR_LINE.test(line)) this.lastErrorLine = line.trim();
    this.tail.push(line);
    if (this.tail.length > TAIL_LINES) this.tail.shift();
    this.pendingLines.push(line);
    this.flushTimer ??= setTimeout(() => this.flushLogs(), 100);
  }

  private flushLogs(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.pendingLines.length === 0 || this.logStream === "") return;
    const lines = this.pendingLines;
    this.pendingLines = [];
    this.ctx.logs.putLogLines(TRAINING_LOG_GROUP, this.logStream, lines);
  }

  private failureReason(exit: { code: number | null; signal: NodeJS.Signals | null }): string {
    if (existsSync(this.layout.failureFile)) {
      const text = readFileSync(this.layout.failureFile, "utf8").trim();
      if (text !== "") return text.slice(0, MAX_FAILURE_REASON);
    }
    const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
    const error = this.lastErrorLine ? ` (${this.lastErrorLine})` : "";
    const reason = `AlgorithmError: the entry point ${how}${error}; last lines of the log: ${this.tail.join(" | ")}`;
    return reason.length > MAX_FAILURE_REASON ? `${reason.slice(0, MAX_FAILURE_REASON - 3)}...` : reason;
  }

  private async uploadArtifacts(job: StoredTrainingJob): Promise<void> {
    const { bucket, key } = parseS3Uri(job.S3ModelArtifacts);
    const ctx = this.ctx;
    if (!ctx.s3.bucketExists(bucket)) {
      throw new ClientError(`The output bucket "${bucket}" (OutputDataConfig.S3OutputPath) does not exist.`);
    }
    await ctx.s3.putObjectBuffer(bucket, key, await packFolder(this.layout.modelDir), "application/x-tar");
    if (!folderIsEmpty(this.layout.outputDataDir)) {
      const outputKey = key.replace(/model\.tar\.gz$/, "output.tar.gz");
      await ctx.s3.putObjectBuffer(
        bucket,
        outputKey,
        await packFolder(this.layout.outputDataDir),
        "application/x-tar",
      );
    }
  }

  private async finishCompleted(job: StoredTrainingJob): Promise<void> {
    this.step("Uploading", "Uploading the model artifacts to S3");
    this.flushLogs();
    await this.uploadArtifacts(job);
    // A stop that arrived during the upload wins: the job ends Stopped, with what it saved.
    if (this.stopKind) return await this.finishStopped();
    this.finish("Completed", "Training job completed");
  }

  /** A stopped job keeps what the script saved in its grace period, as SageMaker uploads it too. */
  private async finishStopped(): Promise<void> {
    const job = this.host.update(this.name, () => undefined);
    if (!folderIsEmpty(this.layout.modelDir)) {
      try {
        await this.uploadArtifacts(job);
      } catch {
        // nothing to keep then; the job is stopped either way
      }
    }
    if (this.stopKind === "MaxRuntimeExceeded") {
      const limit = job.request.StoppingCondition?.MaxRuntimeInSeconds;
      this.finish(
        "MaxRuntimeExceeded",
        `Training job stopped: it ran longer than MaxRuntimeInSeconds (${limit} s)`,
      );
    } else {
      this.finish("Stopped", "Training job stopped (StopTrainingJob)");
    }
  }

  /** The last step: the final metrics are kept with the job, then the final status (the reason, for Failed). */
  private finish(to: "Completed" | "Stopped" | "MaxRuntimeExceeded" | "Failed", text: string): void {
    if (this.abandoned) return;
    const metrics = this.metrics.final();
    const stats = this.metrics.stats();
    this.host.update(this.name, (job) => {
      job.FinalMetricDataList = metrics.map((metric) => ({
        MetricName: metric.MetricName as string,
        Value: metric.Value as number,
        Timestamp: (metric.Timestamp as Date).getTime(),
      }));
      job.MetricStats = stats;
    });
    this.host.transition(this.name, to, to === "Failed" ? { reason: text } : { message: text });
  }
}

function isAwsValidation(error: unknown): boolean {
  return (error as { code?: string } | undefined)?.code === "ValidationException";
}
