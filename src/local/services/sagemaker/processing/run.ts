import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import {
  CONTAINER_ROOT,
  type ProcessingLayout,
  processingLayout,
} from "../../../../containers/processing/paths";
import { UnsafeArchiveError } from "../../../archives";
import type { StatusChange } from "../../../core/lifecycle";
import { childEnvironment, nodeEntry, SupervisedChild } from "../../../core/processes";
import type { ServiceContext } from "../../context";
import { resolveProcessingImage } from "../images";
import type { PROCESSING_JOB } from "../lifecycles";
import { ClientError } from "../training/channels";
import {
  downloadInput,
  filesUnder,
  type PlannedInput,
  type PlannedOutput,
  planInputs,
  planOutputs,
  uploadOutput,
} from "./io";
import type { StoredProcessingJob } from "./records";

export const PROCESSING_LOG_GROUP = "/aws/sagemaker/ProcessingJobs";
const HOST = "algo-1";
/** FailureReason's and ExitMessage's length limit in the SageMaker model. */
const MAX_REASON = 1024;
const TAIL_LINES = 8;
/** The line a crash names itself on: `Error: ...` in Node, `FileNotFoundError: ...` in Python. */
const ERROR_LINE = /^\s*[A-Za-z_.]*(Error|Exception)\b.*:/;

type ProcessingStatus = Parameters<typeof PROCESSING_JOB.transition>[1];

/** What a run needs from the service that owns the job records. */
export interface ProcessingRunHost {
  update(name: string, edit: (job: StoredProcessingJob) => void): StoredProcessingJob;
  transition(name: string, to: ProcessingStatus, change?: StatusChange): void;
}

type StopKind = "StopProcessingJob" | "MaxRuntimeExceeded";

const clip = (text: string): string =>
  text.length > MAX_REASON ? `${text.slice(0, MAX_REASON - 3)}...` : text;

/**
 * One processing job on this machine, from InProgress to its final status: prepares the job's folder (its
 * `/opt/ml`, with `config/processingjobconfig.json`), copies the inputs into their LocalPath, runs the built-in
 * processing runtime as a supervised child (its own process group, so stopping reaches the script), streams its
 * output to CloudWatch Logs, enforces MaxRuntimeInSeconds, and uploads the outputs when the entry point succeeded.
 */
export class ProcessingRun {
  readonly name: string;
  readonly done: Promise<void>;
  private readonly layout: ProcessingLayout;
  private readonly inputs: PlannedInput[];
  private readonly outputs: PlannedOutput[];
  private child: SupervisedChild | undefined;
  private stopKind: StopKind | undefined;
  private abandoned = false;
  private readonly tail: string[] = [];
  private lastErrorLine: string | undefined;
  private mentionsContainerPath = false;
  private pendingLines: string[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private runtimeTimer: NodeJS.Timeout | undefined;
  private logStream = "";

  constructor(
    private readonly ctx: ServiceContext,
    private readonly host: ProcessingRunHost,
    job: StoredProcessingJob,
    jobRoot: string,
  ) {
    this.name = job.request.ProcessingJobName as string;
    this.layout = processingLayout(jobRoot);
    this.inputs = planInputs(job.request, jobRoot);
    this.outputs = planOutputs(job.request, jobRoot);
    this.done = new Promise((resolve) => setImmediate(resolve))
      .then(() => this.execute(job))
      .catch((error: unknown) => {
        // execute() records every failure on the job; this is only reached when the record itself cannot be saved.
        process.stderr.write(
          `local-sagemaker: processing job ${this.name}: ${(error as Error).stack ?? error}\n`,
        );
      });
  }

  /** StopProcessingJob or the runtime limit: Stopping, then SIGTERM to the process group, SIGKILL after the grace. */
  stop(kind: StopKind): void {
    if (this.stopKind || this.abandoned) return;
    this.stopKind = kind;
    if (kind === "MaxRuntimeExceeded") {
      this.log(
        `local-sagemaker: the job ran for MaxRuntimeInSeconds and is being stopped; its outputs are not uploaded.`,
      );
    }
    this.host.transition(this.name, "Stopping");
    void this.child?.stop(); // not started yet: execute() checks stopKind before it starts the runtime
  }

  /** Server shutdown: kill at once and leave the record as it is; the next start marks the job Failed. */
  abandon(): void {
    this.abandoned = true;
    this.child?.kill();
  }

  private async execute(job: StoredProcessingJob): Promise<void> {
    const limit = job.request.StoppingCondition?.MaxRuntimeInSeconds;
    if (limit !== undefined) {
      this.runtimeTimer = setTimeout(() => this.stop("MaxRuntimeExceeded"), limit * 1000);
    }
    try {
      this.openLogStream();
      const image = resolveProcessingImage(job.request.AppSpecification?.ImageUri ?? "");
      if (!image.ok) throw new ClientError(image.reason);
      this.prepareFolder(job);
      for (const input of this.inputs) {
        if (this.stopKind) break;
        const count = await downloadInput(this.ctx, input);
        this.log(
          `local-sagemaker: input "${input.name}": ${count} file(s) from ${input.uri} in ${input.localPath}`,
        );
      }
      for (const output of this.outputs) mkdirSync(output.dir, { recursive: true });
      if (this.stopKind) return this.finishStopped();
      this.log(`local-sagemaker: running on the ${image.description}; /opt/ml is ${this.layout.root}`);
      const started = Date.now();
      this.host.update(this.name, (stored) => {
        stored.ProcessingStartTime = started;
      });
      const exit = await this.runRuntime(job);
      if (this.abandoned) return;
      if (this.stopKind) return this.finishStopped();
      if (exit.code !== 0) return this.finish("Failed", this.failureReason(exit));
      await this.uploadOutputs(started);
      // A stop that arrived during the upload wins: the job ends Stopped.
      if (this.stopKind) return this.finishStopped();
      this.finish("Completed", "");
    } catch (error) {
      if (this.abandoned) return;
      const reason =
        error instanceof ClientError || error instanceof UnsafeArchiveError || isAwsValidation(error)
          ? `ClientError: ${(error as Error).message}`
          : `InternalServerError: ${(error as Error).message}`;
      this.log(reason);
      this.finish("Failed", clip(reason));
    } finally {
      clearTimeout(this.runtimeTimer);
      this.flushLogs();
    }
  }

  private prepareFolder(job: StoredProcessingJob): void {
    rmSync(this.layout.root, { recursive: true, force: true });
    mkdirSync(this.layout.configDir, { recursive: true });
    mkdirSync(this.layout.outputDir, { recursive: true });
    // What a real container finds in /opt/ml/config: the job's description and its cluster.
    writeFileSync(
      this.layout.jobConfigFile,
      JSON.stringify({ ...job.request, ProcessingJobArn: job.ProcessingJobArn }, null, 2),
    );
    writeFileSync(
      this.layout.resourceConfigFile,
      JSON.stringify({ current_host: HOST, hosts: [HOST] }, null, 2),
    );
  }

  private openLogStream(): void {
    this.logStream = `${this.name}/${HOST}-${Math.floor(Date.now() / 1000)}`;
    this.ctx.logs.ensureLogStream(PROCESSING_LOG_GROUP, this.logStream);
    this.host.update(this.name, (stored) => {
      stored.LogStreamName = this.logStream;
    });
  }

  private runRuntime(
    job: StoredProcessingJob,
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    return new Promise((resolve) => {
      this.child = new SupervisedChild({
        label: `processing job ${this.name}`,
        args: [...nodeEntry("containers/processing/main"), this.layout.root],
        cwd: this.layout.root,
        env: childEnvironment({
          ...this.ctx.awsEnvironment(),
          ...(job.request.Environment ?? {}),
          PROCESSING_JOB_NAME: this.name,
          PROCESSING_JOB_ARN: job.ProcessingJobArn,
          // For scripts that want to run in both places: the folder that stands for /opt/ml here.
          LOCAL_SAGEMAKER_OPT_ML: this.layout.root,
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
    if (ERROR_LINE.test(line)) this.lastErrorLine = line.trim();
    if (line.includes(`${CONTAINER_ROOT}/`)) this.mentionsContainerPath = true;
    this.tail.push(line);
    if (this.tail.length > TAIL_LINES) this.tail.shift();
    this.log(line);
  }

  private log(line: string): void {
    this.pendingLines.push(line);
    this.flushTimer ??= setTimeout(() => this.flushLogs(), 100);
  }

  private flushLogs(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.pendingLines.length === 0 || this.logStream === "") return;
    const lines = this.pendingLines;
    this.pendingLines = [];
    this.ctx.logs.putLogLines(PROCESSING_LOG_GROUP, this.logStream, lines);
  }

  /**
   * Uploads each output folder. An empty one uploads nothing (as on SageMaker) and is reported in the log, with the
   * usual cause locally: a script that writes to a container path it hard-codes rather than the one it was given.
   */
  private async uploadOutputs(started: number): Promise<void> {
    for (const output of this.outputs) {
      const { files, skippedLinks } = await uploadOutput(this.ctx, output);
      for (const link of skippedLinks) {
        this.log(`local-sagemaker: output "${output.name}": ${link} is a link and was not uploaded.`);
      }
      if (files > 0) {
        this.log(`local-sagemaker: output "${output.name}": ${files} file(s) uploaded to ${output.uri}`);
        continue;
      }
      const outside = writtenOnHost(output.localPath, started);
      this.log(
        outside
          ? `local-sagemaker: WARNING output "${output.name}" is empty, but the script wrote to this machine's ${output.localPath}, outside the job's folder: a path it hard-codes is not mapped, so nothing was uploaded to ${output.uri}. Take the path from ContainerArguments or write below ${output.dir}.`
          : `local-sagemaker: WARNING output "${output.name}" is empty: the script wrote nothing to ${output.localPath} (${output.dir} here), so nothing was uploaded to ${output.uri}. A script that hard-codes another path writes outside the job's folder; take the path from ContainerArguments.`,
      );
    }
  }

  private failureReason(exit: { code: number | null; signal: NodeJS.Signals | null }): string {
    const file = readHead(this.layout.failureFile);
    if (file) return clip(file);
    const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
    const error = this.lastErrorLine ? ` (${this.lastErrorLine})` : "";
    const hint = this.mentionsContainerPath
      ? ` Local SageMaker maps ${CONTAINER_ROOT} paths only where the job names them (LocalPath, ContainerEntrypoint, ContainerArguments), into ${this.layout.root}; a path the script hard-codes is not there: take it from ContainerArguments.`
      : "";
    return clip(
      `AlgorithmError: the entry point ${how}${error}.${hint} Last lines of the log: ${this.tail.join(" | ")}`,
    );
  }

  private finishStopped(): void {
    this.finish("Stopped", "");
  }

  /** The last step: the exit message (first KB of /opt/ml/output/message) is kept, then the final status. */
  private finish(to: "Completed" | "Stopped" | "Failed", reason: string): void {
    if (this.abandoned) return;
    const message = readHead(this.layout.messageFile);
    if (message !== undefined) {
      this.host.update(this.name, (job) => {
        job.ExitMessage = message;
      });
    }
    this.host.transition(this.name, to, to === "Failed" ? { reason } : {});
  }
}

/** The first KB of a file as text, undefined when absent or empty. */
function readHead(file: string): string | undefined {
  if (!existsSync(file)) return undefined;
  const buffer = Buffer.alloc(MAX_REASON);
  const fd = openSync(file, "r");
  try {
    const read = readSync(fd, buffer, 0, MAX_REASON, 0);
    const text = buffer
      .subarray(0, read)
      .toString("utf8")
      .replace(/\uFFFD+$/, "")
      .trim();
    return text === "" ? undefined : text;
  } finally {
    closeSync(fd);
  }
}

/** Whether a container path exists on this machine with a file changed since the job started. */
function writtenOnHost(path: string, since: number): boolean {
  try {
    if (!statSync(path).isDirectory()) return false;
  } catch {
    return false;
  }
  return filesUnder(path).some((file) => {
    try {
      return statSync(`${path}/${file}`).mtimeMs >= since - 1000;
    } catch {
      return false;
    }
  });
}

function isAwsValidation(error: unknown): boolean {
  return (error as { code?: string } | undefined)?.code === "ValidationException";
}
