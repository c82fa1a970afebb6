import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { SecondaryStatus, TrainingJobStatus } from "@aws-sdk/client-sagemaker";
import { tsxImportArgs } from "../../../../containers/training/entry-point";
import { type TrainingLayout, trainingLayout } from "../../../../containers/training/environment";
import { projectRoot } from "../../../../project";
import { extractArchiveSafely, folderIsEmpty, packFolder, UnsafeArchiveError } from "../../../archives";
import type { ServiceContext } from "../../../context";
import { resolveTrainingImage } from "../../../images";
import { parseS3Uri } from "../../../s3-uri";
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

/** What a run needs from the service that owns the job records. */
export interface TrainingRunHost {
  ctx: ServiceContext;
  /** Loads the job, applies the change, stamps LastModifiedTime and saves it. */
  update(name: string, change: (job: StoredTrainingJob) => void): StoredTrainingJob;
  stopGraceMs: number;
}

type StopKind = "StopTrainingJob" | "MaxRuntimeExceeded";

/** Every training process group still running, so even an abrupt server exit leaves none behind. */
const runningGroups = new Set<number>();
process.once("exit", () => {
  for (const pid of runningGroups) signalGroup(pid, "SIGKILL");
});

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/** The toolkit runs from source under tsx (tests, `npm run local`) and from dist when compiled. */
function toolkitCommand(jobRoot: string): string[] {
  const dir = join(__dirname, "../../../../containers/training");
  if (existsSync(join(dir, "main.js"))) return [join(dir, "main.js"), jobRoot];
  return [...tsxImportArgs(), join(dir, "main.ts"), jobRoot];
}

/** Host variables a process needs to work at all; the rest of the server's environment stays out. */
const PASSED_ENV = /^(PATH|HOME|USER|LANG|LC_[A-Z]+|TZ|TMPDIR|TEMP|TMP|SYSTEMROOT|PYENV_[A-Z_]+)$/i;

function hostEnvironment(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).filter((entry): entry is [string, string] => {
      return entry[1] !== undefined && PASSED_ENV.test(entry[0]);
    }),
  );
}

/**
 * One training job on this machine, from Starting to its final status: prepares the /opt/ml-like folder,
 * copies the channels, runs the toolkit as its own process group, streams its output to CloudWatch Logs while
 * matching metric regexes, enforces MaxRuntimeInSeconds, and uploads the artifacts.
 */
export class TrainingRun {
  readonly name: string;
  readonly metrics: MetricCollector;
  private readonly layout: TrainingLayout;
  private child: ChildProcess | undefined;
  private stopKind: StopKind | undefined;
  private abandoned = false;
  private readonly tail: string[] = [];
  private lastErrorLine: string | undefined;
  private pendingLines: string[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private runtimeTimer: NodeJS.Timeout | undefined;
  private killTimer: NodeJS.Timeout | undefined;
  readonly done: Promise<void>;
  private logStream = "";

  constructor(
    private readonly host: TrainingRunHost,
    job: StoredTrainingJob,
    jobRoot: string,
  ) {
    this.name = job.request.TrainingJobName as string;
    this.layout = trainingLayout(jobRoot);
    this.metrics = new MetricCollector(job.request.AlgorithmSpecification?.MetricDefinitions);
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
    this.transition("Stopping", "Stopping", `Stopping the training job${limit}`);
    this.terminate();
  }

  /** Server shutdown: kill at once and leave the record as it is; the next start marks the job Failed. */
  abandon(): void {
    this.abandoned = true;
    const pid = this.child?.pid;
    if (pid !== undefined) signalGroup(pid, "SIGKILL");
  }

  private terminate(): void {
    const pid = this.child?.pid;
    if (pid === undefined) return; // not started yet: execute() checks stopKind before it spawns
    signalGroup(pid, "SIGTERM");
    this.killTimer = setTimeout(() => signalGroup(pid, "SIGKILL"), this.host.stopGraceMs);
  }

  private transition(status: TrainingJobStatus, secondary: SecondaryStatus, message: string): void {
    // Once stopping, the remaining steps of a normal run no longer show.
    if (this.abandoned || (this.stopKind && status === "InProgress")) return;
    const now = Date.now();
    this.host.update(this.name, (job) => {
      const last = job.SecondaryStatusTransitions.at(-1);
      if (last && last.EndTime === undefined) last.EndTime = now;
      job.SecondaryStatusTransitions.push({ Status: secondary, StartTime: now, StatusMessage: message });
      job.TrainingJobStatus = status;
      job.SecondaryStatus = secondary;
    });
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
      this.transition("InProgress", "Downloading", "Downloading the input data and the source directory");
      await downloadChannels(this.host.ctx, job.request.InputDataConfig ?? [], this.layout.dataDir);
      await this.fetchSourceDirectory(job);
      if (this.stopKind) return await this.finishStopped();
      this.transition("InProgress", "Training", `Training in progress on ${image.description}`);
      const exit = await this.runToolkit(job);
      if (this.abandoned) return;
      if (this.stopKind) return await this.finishStopped();
      if (exit.code === 0) return await this.finishCompleted(job);
      this.finish("Failed", "Failed", this.failureReason(exit));
    } catch (error) {
      if (this.abandoned) return;
      const reason =
        error instanceof ClientError || error instanceof UnsafeArchiveError || isAwsValidation(error)
          ? `ClientError: ${(error as Error).message}`
          : `InternalServerError: ${(error as Error).message}`;
      this.finish("Failed", "Failed", reason.slice(0, MAX_FAILURE_REASON));
    } finally {
      clearTimeout(this.runtimeTimer);
      clearTimeout(this.killTimer);
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
    let archive: Buffer;
    try {
      archive = await this.host.ctx.s3.getObjectBuffer(bucket, key);
    } catch (error) {
      throw new ClientError(`Cannot read the source directory ${uri}: ${(error as Error).message}`);
    }
    try {
      await extractArchiveSafely("source", archive, this.layout.codeDir);
    } catch (error) {
      throw new ClientError(`Source directory ${uri}: ${(error as Error).message}`);
    }
  }

  private runToolkit(
    job: StoredTrainingJob,
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    this.logStream = `${this.name}/${HOST}-${Math.floor(Date.now() / 1000)}`;
    this.host.ctx.logs.createLogStream(TRAINING_LOG_GROUP, this.logStream);
    this.host.update(this.name, (stored) => {
      stored.LogStreamName = this.logStream;
    });
    const env = {
      ...hostEnvironment(),
      ...(job.request.Environment ?? {}),
      NODE_PATH: join(projectRoot(), "node_modules"),
      TRAINING_JOB_NAME: this.name,
      TRAINING_JOB_ARN: job.TrainingJobArn,
      AWS_REGION: this.host.ctx.region,
    };
    return new Promise((resolve) => {
      const child = spawn(process.execPath, toolkitCommand(this.layout.root), {
        cwd: this.layout.root,
        env,
        detached: true, // its own process group: stop and shutdown reach the entry point too
        stdio: ["ignore", "pipe", "pipe"],
      });
      this.child = child;
      if (child.pid !== undefined) runningGroups.add(child.pid);
      let buffered = { stdout: "", stderr: "" };
      const closed = (["stdout", "stderr"] as const).map(
        (name) =>
          new Promise<void>((done) => {
            const stream = child[name];
            stream.setEncoding("utf8");
            stream.on("data", (chunk: string) => {
              const text = buffered[name] + chunk;
              const lines = text.split(/\r?\n/);
              buffered = { ...buffered, [name]: lines.pop() ?? "" };
              for (const line of lines) this.onLine(line);
            });
            stream.on("close", () => {
              if (buffered[name] !== "") this.onLine(buffered[name]);
              done();
            });
          }),
      );
      child.on("error", (error) => {
        this.onLine(`Could not start the training toolkit: ${error.message}`);
        resolve({ code: null, signal: null });
      });
      child.on("exit", (code, signal) => {
        if (child.pid !== undefined) runningGroups.delete(child.pid);
        // The entry point may have left children of its own in the group.
        if (child.pid !== undefined) signalGroup(child.pid, "SIGKILL");
        void Promise.all(closed).then(() => resolve({ code, signal }));
      });
      if (this.stopKind) this.terminate();
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
    this.host.ctx.logs.putLogLines(TRAINING_LOG_GROUP, this.logStream, lines);
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
    const ctx = this.host.ctx;
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
    this.transition("InProgress", "Uploading", "Uploading the model artifacts to S3");
    this.flushLogs();
    await this.uploadArtifacts(job);
    this.finish("Completed", "Completed", "Training job completed");
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
        "Stopped",
        "MaxRuntimeExceeded",
        `Training job stopped: it ran longer than MaxRuntimeInSeconds (${limit} s)`,
      );
    } else {
      this.finish("Stopped", "Stopped", "Training job stopped (StopTrainingJob)");
    }
  }

  private finish(status: TrainingJobStatus, secondary: SecondaryStatus, message: string): void {
    if (this.abandoned) return;
    const now = Date.now();
    const metrics = this.metrics.final();
    this.host.update(this.name, (job) => {
      const last = job.SecondaryStatusTransitions.at(-1);
      if (last && last.EndTime === undefined) last.EndTime = now;
      job.SecondaryStatusTransitions.push({
        Status: secondary,
        StartTime: now,
        StatusMessage: status === "Failed" ? "Training job failed" : message,
      });
      job.TrainingJobStatus = status;
      job.SecondaryStatus = secondary;
      if (status === "Failed") job.FailureReason = message;
      job.TrainingEndTime = now;
      job.TrainingStartTime ??= now;
      job.FinalMetricDataList = metrics.map((metric) => ({
        MetricName: metric.MetricName as string,
        Value: metric.Value as number,
        Timestamp: (metric.Timestamp as Date).getTime(),
      }));
    });
  }
}

function isAwsValidation(error: unknown): boolean {
  return (error as { code?: string } | undefined)?.code === "ValidationException";
}
