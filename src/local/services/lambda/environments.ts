import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import type {
  FunctionErrorDocument,
  InvokeMessage,
  RuntimeMessage,
} from "../../../containers/lambda/protocol";
import {
  type ChildExit,
  childEnvironment,
  nodeEntry,
  type ProcessRegistry,
  SupervisedChild,
} from "../../core/processes";
import type { LogsService } from "../logs/service";
import { isPythonRuntime, type LocalRuntime } from "./runtimes";

/**
 * Execution environments: a process of ours (`containers/lambda/main`) per warm environment, as Lambda keeps a
 * micro-VM per concurrent invocation. An environment initialises once (the cold start: its Init Duration is from
 * spawn to the handler being loaded), then serves one invocation at a time; the function's Timeout ends a runaway
 * invocation and the environment with it, MemorySize caps a Node environment's heap. Each writes its log stream
 * `YYYY/MM/DD/[$LATEST]<id>` in `/aws/lambda/<name>` with Lambda's START, END and REPORT lines.
 */

export interface EnvironmentSpec {
  functionName: string;
  functionArn: string;
  runtime: LocalRuntime;
  handler: string;
  memoryMB: number;
  timeoutSeconds: number;
  codeDir: string;
  /** The function's Environment.Variables. */
  variables: Record<string, string>;
  /** What the server gives a process to call it with: endpoint, region, credentials (ctx.awsEnvironment()). */
  awsEnvironment: Record<string, string>;
  logGroup: string;
}

export interface Invocation {
  requestId: string;
  /** The event as JSON text ("" for none). */
  payload: string;
  clientContext?: string;
}

export interface InvocationResult {
  requestId: string;
  /** The handler's answer as JSON text, when it returned. */
  payload?: string;
  /** The error document, when the invocation failed (the payload of an Unhandled function error). */
  error?: FunctionErrorDocument;
  /** This invocation's log events, for the log tail. */
  logLines: string[];
  durationMs: number;
  /** Set on the first invocation of an environment: the cold start. */
  initDurationMs?: number;
}

export type EnvironmentState = "init" | "idle" | "busy" | "dead";

/** Lambda's own limit on the init phase of an on-demand environment. */
const INIT_TIMEOUT_MS = 10_000;

interface Pending {
  requestId: string;
  /** Writes log events of the invocation: to the stream at once, and to the invocation's tail. */
  log(...lines: string[]): void;
  settle(
    outcome:
      | { payload: string; maxMemoryMB: number }
      | { error: FunctionErrorDocument; maxMemoryMB?: number },
  ): void;
}

const logStreamName = (id: string, at = new Date()): string =>
  `${at.toISOString().slice(0, 10).replaceAll("-", "/")}/[$LATEST]${id}`;

/** What `Runtime exited with error: ...` says of an exit, as Lambda's sandbox words it. */
function exitDescription(exit: ChildExit, outOfMemory: boolean): string {
  if (outOfMemory || exit.signal === "SIGKILL") return "signal: killed";
  if (exit.signal) return `signal: ${exit.signal.toLowerCase().replace(/^sig/, "")}`;
  return `exit status ${exit.code}`;
}

export class ExecutionEnvironment {
  readonly id = randomBytes(16).toString("hex");
  readonly logStream = logStreamName(this.id);
  state: EnvironmentState = "init";
  lastUsed = Date.now();
  private readonly child: SupervisedChild;
  private readonly spawnedAt = performance.now();
  private initDurationMs: number | undefined;
  private initReported = false;
  private initError: FunctionErrorDocument | undefined;
  /** Init's log events, written to the stream once init ends and shown in the first invocation's tail. */
  private readonly initLines: string[];
  private readonly initialised: Promise<void>;
  private pending: Pending | undefined;
  private exit: ChildExit | undefined;
  private outOfMemory = false;

  constructor(
    readonly spec: EnvironmentSpec,
    readonly generation: number,
    private readonly logs: LogsService,
    registry: ProcessRegistry,
    private readonly onGone: (environment: ExecutionEnvironment) => void,
  ) {
    const python = isPythonRuntime(spec.runtime);
    const [family, version] = python
      ? ["python", spec.runtime.slice("python".length)]
      : ["nodejs", spec.runtime.slice("nodejs".length, -2)];
    this.initLines = [
      `INIT_START Runtime Version: ${family}:${version}.local\tRuntime Version ARN: arn:aws:lambda:local::runtime:ko-sagemaker-${spec.runtime}`,
    ];
    let ready: () => void = () => undefined;
    this.initialised = new Promise<void>((resolve) => {
      ready = resolve;
    });
    const initTimer = setTimeout(() => {
      this.initError = {
        errorType: "Runtime.InitTimeout",
        errorMessage: `Init timed out after ${(INIT_TIMEOUT_MS / 1000).toFixed(2)} seconds`,
      };
      this.child.kill();
      ready();
    }, INIT_TIMEOUT_MS);
    const endInit = (): void => {
      clearTimeout(initTimer);
      this.initDurationMs ??= performance.now() - this.spawnedAt;
      this.logs.putLogLines(spec.logGroup, this.logStream, this.initLines);
      ready();
    };
    this.child = new SupervisedChild({
      label: `Lambda environment ${spec.functionName}/${this.id.slice(0, 8)}`,
      // A Node environment's heap is the function's memory; Python's bootstrap runs in a group of its own.
      args: python
        ? nodeEntry("containers/lambda/main")
        : [`--max-old-space-size=${spec.memoryMB}`, ...nodeEntry("containers/lambda/main")],
      cwd: spec.codeDir,
      env: environmentVariables(spec, this.logStream),
      ownGroup: python,
      graceMs: 1_000,
      registry,
      onLine: (_stream, line) => {
        if (/Reached heap limit|heap out of memory/.test(line)) this.outOfMemory = true;
        this.emit(line);
      },
      onMessage: (raw) => {
        const message = raw as RuntimeMessage;
        switch (message.type) {
          case "log":
            this.emit(message.message);
            break;
          case "ready":
            endInit();
            break;
          case "init-error":
            this.initError = message.error;
            endInit();
            break;
          case "result":
          case "error":
            if (this.pending?.requestId === message.requestId) {
              this.pending.settle(
                message.type === "result"
                  ? { payload: message.payload, maxMemoryMB: message.maxMemoryMB }
                  : { error: message.error, maxMemoryMB: message.maxMemoryMB },
              );
            }
        }
      },
      onExit: (exit) => {
        clearTimeout(initTimer);
        this.exit = exit;
        this.state = "dead";
        if (this.initDurationMs === undefined) {
          this.initError ??= {
            errorType: "Runtime.ExitError",
            errorMessage: `Runtime exited with error: ${exitDescription(exit, this.outOfMemory)}`,
          };
          endInit();
        }
        this.pending?.settle({
          error: {
            errorType: "Runtime.ExitError",
            errorMessage: `RequestId: ${this.pending.requestId} Error: Runtime exited with error: ${exitDescription(exit, this.outOfMemory)}`,
          },
          maxMemoryMB: this.outOfMemory ? spec.memoryMB : undefined,
        });
        this.onGone(this);
      },
    });
  }

  get pid(): number | undefined {
    return this.alive ? this.child.pid : undefined;
  }

  get alive(): boolean {
    return this.state !== "dead";
  }

  /** Runs one invocation (after init, on a cold environment) and writes its log; never rejects. */
  async run(invocation: Invocation): Promise<InvocationResult> {
    const { requestId } = invocation;
    const { spec } = this;
    await this.initialised;
    // The init's lines are in the stream already; the first invocation's tail shows them too.
    const lines: string[] = this.initReported ? [] : [...this.initLines];
    const initDurationMs = this.initReported ? undefined : this.initDurationMs;
    this.initReported = true;
    // START is written with the first line after it: one append for a handler that prints nothing.
    let unwritten = [`START RequestId: ${requestId} Version: $LATEST`];
    lines.push(...unwritten);
    const log = (...events: string[]): void => {
      lines.push(...events);
      this.logs.putLogLines(
        spec.logGroup,
        this.logStream,
        unwritten.length > 0 ? [...unwritten, ...events] : events,
      );
      unwritten = [];
    };
    const started = performance.now();
    const outcome = await new Promise<
      { payload: string; maxMemoryMB: number } | { error: FunctionErrorDocument; maxMemoryMB?: number }
    >((resolve) => {
      if (this.initError || !this.alive) {
        const error = this.initError ?? { errorType: "Runtime.ExitError", errorMessage: "Runtime exited" };
        log(`${new Date().toISOString()} ${requestId} ${error.errorType}: ${error.errorMessage}`);
        // An environment whose init failed is not reused: the next invocation initialises a new one.
        this.child.kill();
        resolve({ error: { ...error, errorMessage: error.errorMessage } });
        return;
      }
      const timeoutMs = spec.timeoutSeconds * 1000;
      const timer = setTimeout(() => {
        const seconds = spec.timeoutSeconds.toFixed(2);
        log(`${new Date().toISOString()} ${requestId} Task timed out after ${seconds} seconds`);
        this.pending = undefined;
        // The runaway invocation goes with its environment, as on Lambda.
        this.child.kill();
        this.state = "dead";
        resolve({
          error: {
            errorType: "Sandbox.Timedout",
            errorMessage: `RequestId: ${requestId} Error: Task timed out after ${seconds} seconds`,
          },
        });
      }, timeoutMs);
      this.pending = {
        requestId,
        log,
        settle: (result) => {
          clearTimeout(timer);
          this.pending = undefined;
          resolve(result);
        },
      };
      const message: InvokeMessage = {
        type: "invoke",
        requestId,
        payload: invocation.payload,
        deadline: Date.now() + timeoutMs,
        invokedFunctionArn: spec.functionArn,
        ...(invocation.clientContext === undefined ? {} : { clientContext: invocation.clientContext }),
      };
      this.child.send(message);
    });
    const durationMs = performance.now() - started;
    if ("error" in outcome && outcome.error.errorType === "Runtime.ExitError" && this.exit) {
      log(`${outcome.error.errorMessage}\nRuntime.ExitError`);
    }
    log(
      `END RequestId: ${requestId}`,
      reportLine(requestId, durationMs, spec.memoryMB, outcome, initDurationMs),
    );
    this.lastUsed = Date.now();
    return {
      requestId,
      ...("payload" in outcome ? { payload: outcome.payload } : { error: outcome.error }),
      logLines: lines,
      durationMs,
      ...(initDurationMs === undefined ? {} : { initDurationMs }),
    };
  }

  /** Ends the environment (reclaimed, retired, or the server stopping). */
  async stop(): Promise<void> {
    this.state = "dead";
    await this.child.stop();
  }

  kill(): void {
    this.state = "dead";
    this.child.kill();
  }

  private emit(line: string): void {
    if (this.pending) this.pending.log(line);
    else if (this.initDurationMs === undefined) this.initLines.push(line);
    // Output between invocations (a timer the handler left running) still reaches the stream.
    else this.logs.putLogLines(this.spec.logGroup, this.logStream, [line]);
  }
}

/**
 * `REPORT RequestId: … Duration: 12.34 ms Billed Duration: 13 ms Memory Size: 128 MB Max Memory Used: 56 MB
 * Init Duration: 150.00 ms`, tab-separated as Lambda writes it. Billed Duration rounds up to the millisecond and,
 * as Lambda bills on-demand init since 2025, includes a cold start's init.
 */
export function reportLine(
  requestId: string,
  durationMs: number,
  memoryMB: number,
  outcome: { error?: FunctionErrorDocument; maxMemoryMB?: number },
  initDurationMs: number | undefined,
): string {
  const billed = Math.ceil(durationMs + (initDurationMs ?? 0));
  const fields = [
    `REPORT RequestId: ${requestId}`,
    `Duration: ${durationMs.toFixed(2)} ms`,
    `Billed Duration: ${billed} ms`,
    `Memory Size: ${memoryMB} MB`,
    `Max Memory Used: ${Math.min(memoryMB, outcome.maxMemoryMB ?? memoryMB)} MB`,
  ];
  if (initDurationMs !== undefined) fields.push(`Init Duration: ${initDurationMs.toFixed(2)} ms`);
  const errorType = outcome.error?.errorType;
  if (errorType === "Sandbox.Timedout") fields.push("Status: timeout");
  else if (errorType?.startsWith("Runtime.") && errorType !== "Runtime.MarshalError")
    fields.push("Status: error", `Error Type: ${errorType}`);
  return fields.join("\t");
}

/** The function's variables, then Lambda's reserved ones (which the function cannot set). */
function environmentVariables(spec: EnvironmentSpec, logStream: string): NodeJS.ProcessEnv {
  return childEnvironment({
    ...spec.variables,
    ...spec.awsEnvironment,
    _HANDLER: spec.handler,
    AWS_EXECUTION_ENV: `AWS_Lambda_${spec.runtime}`,
    AWS_LAMBDA_FUNCTION_NAME: spec.functionName,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(spec.memoryMB),
    AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
    AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
    AWS_LAMBDA_LOG_GROUP_NAME: spec.logGroup,
    AWS_LAMBDA_LOG_STREAM_NAME: logStream,
    LAMBDA_TASK_ROOT: spec.codeDir,
    TZ: ":UTC",
  });
}

/**
 * The warm environments of one function. `acquire` hands out an idle environment, or starts one while fewer than
 * `limit` run (the function's concurrency), or nothing: the caller throttles. An update of the function retires
 * the environments of the old code: idle ones stop now, busy ones when their invocation ends.
 */
/** One execution environment as the console lists it. */
export interface EnvironmentSnapshot {
  id: string;
  logStream: string;
  state: EnvironmentState;
  pid?: number;
  lastUsed: number;
}

export class FunctionPool {
  private readonly environments = new Set<ExecutionEnvironment>();
  private generation = 0;

  constructor(
    private readonly spec: () => EnvironmentSpec,
    private readonly limit: () => number,
    private readonly logs: LogsService,
    private readonly registry: ProcessRegistry,
  ) {}

  get size(): number {
    return this.environments.size;
  }

  snapshot(): EnvironmentSnapshot[] {
    return [...this.environments].map((environment) => ({
      id: environment.id,
      logStream: environment.logStream,
      state: environment.state,
      pid: environment.pid,
      lastUsed: environment.lastUsed,
    }));
  }

  acquire(): ExecutionEnvironment | undefined {
    for (const environment of this.environments) {
      if (environment.state === "idle" && environment.generation === this.generation) {
        environment.state = "busy";
        return environment;
      }
    }
    if (this.environments.size >= this.limit()) return undefined;
    const environment = new ExecutionEnvironment(
      this.spec(),
      this.generation,
      this.logs,
      this.registry,
      (gone) => this.environments.delete(gone),
    );
    environment.state = "busy";
    this.environments.add(environment);
    return environment;
  }

  release(environment: ExecutionEnvironment): void {
    if (!environment.alive) {
      this.environments.delete(environment);
      return;
    }
    if (environment.generation !== this.generation) {
      this.environments.delete(environment);
      void environment.stop();
      return;
    }
    environment.state = "idle";
  }

  /** The function's code or configuration changed: no environment of the old one serves again. */
  retire(): void {
    this.generation++;
    for (const environment of this.environments) {
      if (environment.state === "idle") {
        this.environments.delete(environment);
        void environment.stop();
      }
    }
  }

  /** Stops environments idle since before `before` (epoch ms). */
  reclaim(before: number): void {
    for (const environment of this.environments) {
      if (environment.state === "idle" && environment.lastUsed < before) {
        this.environments.delete(environment);
        void environment.stop();
      }
    }
  }

  async stopAll(): Promise<void> {
    const all = [...this.environments];
    this.environments.clear();
    await Promise.all(all.map((environment) => environment.stop()));
  }

  kill(): void {
    for (const environment of this.environments) environment.kill();
    this.environments.clear();
  }
}
