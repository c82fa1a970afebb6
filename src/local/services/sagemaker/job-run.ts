import { UnsafeArchiveError } from "../../archives";
import { type ChildExit, childEnvironment, nodeEntry, SupervisedChild } from "../../core/processes";
import type { ServiceContext } from "../context";
import { ClientError } from "./training/channels";

/**
 * What training and processing runs share: one container process per job (`algo-1`), its output streamed to
 * CloudWatch Logs and its last lines kept for the FailureReason, written as SageMaker writes it.
 */

export const JOB_HOST = "algo-1";
/** FailureReason's (and ExitMessage's) length limit in the SageMaker model. */
export const MAX_REASON = 1024;
const TAIL_LINES = 8;
/** The line a crash names itself on: `Error: ...` in Node, `ValueError: ...` in Python. */
const ERROR_LINE = /^\s*[A-Za-z_.]*(Error|Exception)\b.*:/;

export const clipReason = (text: string): string =>
  text.length > MAX_REASON ? `${text.slice(0, MAX_REASON - 3)}...` : text;

/** A failure before or around the script: "ClientError: ..." when the user can fix it, else InternalServerError. */
export function setupFailureReason(error: unknown): string {
  const message = (error as Error).message;
  const byUser =
    error instanceof ClientError ||
    error instanceof UnsafeArchiveError ||
    (error as { code?: string } | undefined)?.code === "ValidationException";
  return clipReason(`${byUser ? "ClientError" : "InternalServerError"}: ${message}`);
}

/**
 * A job's log stream (`<job>/algo-1-<epoch seconds>`): lines are batched for a tenth of a second, and the script's
 * last lines and last error line are remembered for the failure reason.
 */
export class JobLog {
  private stream = "";
  private pending: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly tail: string[] = [];
  private lastErrorLine: string | undefined;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly group: string,
  ) {}

  /** Creates the stream and returns its name, for the job's LogStreamName. */
  open(jobName: string): string {
    this.stream = `${jobName}/${JOB_HOST}-${Math.floor(Date.now() / 1000)}`;
    this.ctx.logs.ensureLogStream(this.group, this.stream);
    return this.stream;
  }

  /** A line the script printed. */
  scriptLine(line: string): void {
    if (ERROR_LINE.test(line)) this.lastErrorLine = line.trim();
    this.tail.push(line);
    if (this.tail.length > TAIL_LINES) this.tail.shift();
    this.write(line);
  }

  /** A line of local SageMaker's own about the job. */
  write(line: string): void {
    this.pending.push(line);
    this.timer ??= setTimeout(() => this.flush(), 100);
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0 || this.stream === "") return;
    const lines = this.pending;
    this.pending = [];
    this.ctx.logs.putLogLines(this.group, this.stream, lines);
  }

  /** `AlgorithmError: the entry point exited with code 1 (ValueError: ...).<hint> Last lines of the log: ...` */
  algorithmError(exit: ChildExit, hint = ""): string {
    const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
    const error = this.lastErrorLine ? ` (${this.lastErrorLine})` : "";
    return clipReason(
      `AlgorithmError: the entry point ${how}${error}.${hint} Last lines of the log: ${this.tail.join(" | ")}`,
    );
  }
}

export interface JobChildOptions {
  /** "training job <name>", for the process registry. */
  label: string;
  /** The built-in runtime under src/containers, e.g. "containers/training/main". */
  runtime: string;
  /** The folder that stands for the job's /opt/ml. */
  root: string;
  env: Record<string, string | undefined>;
  onLine(line: string): void;
}

/**
 * Starts a job's runtime as a supervised child in its own process group (so a stop reaches the user's script too),
 * resolving with its exit.
 */
export function runJobChild(
  ctx: ServiceContext,
  options: JobChildOptions,
): { child: SupervisedChild; exit: Promise<ChildExit> } {
  let child!: SupervisedChild;
  const exit = new Promise<ChildExit>((resolve) => {
    child = new SupervisedChild({
      label: options.label,
      args: [...nodeEntry(options.runtime), options.root],
      cwd: options.root,
      env: childEnvironment({ ...ctx.awsEnvironment(), ...options.env }),
      graceMs: ctx.settings.stopGraceMs,
      ownGroup: true,
      registry: ctx.processes,
      onLine: (_stream, line) => options.onLine(line),
      onExit: (result) => resolve(result),
    });
  });
  return { child, exit };
}
