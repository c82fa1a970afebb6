import { randomBytes } from "node:crypto";
import { Agent, request } from "node:http";
import { join } from "node:path";
import type { ContainerMessage } from "../../../../containers/inference/main";
import {
  type ChildExit,
  CrashWindow,
  childEnvironment,
  nodeEntry,
  type ProcessRegistry,
  SupervisedChild,
} from "../../../core/processes";
import { type ContainerAnswer, type ContainerRequest, InvocationFailure } from "./invocation";

/**
 * One variant instance: a child process running the built-in inference server, supervised. A container that
 * dies after it served is restarted; one that dies CRASH_LIMIT times within CRASH_WINDOW_MS is given up on,
 * and the endpoint learns why through onGiveUp.
 */

export const CRASH_LIMIT = 3;
export const CRASH_WINDOW_MS = 60_000;

export type ContainerState = "starting" | "ready" | "down" | "stopped";

export interface ContainerOptions {
  instanceId: string;
  modelDir: string;
  /** The model's Environment plus the hosting variables (SAGEMAKER_PROGRAM, ...). */
  environment: Record<string, string>;
  startupTimeoutMs: number;
  registry?: ProcessRegistry;
  log(lines: string[]): void;
  onGiveUp(reason: string): void;
  /** False: a container that dies after it served is not restarted, onDown is told instead (serverless). */
  restart?: boolean;
  onDown?(): void;
}

/** What V8 prints when a heap limit (NODE_OPTIONS --max-old-space-size, a serverless MemorySizeInMB) is reached. */
const HEAP_EXHAUSTED = /JavaScript heap out of memory|Reached heap limit/;
/** How long a lost connection waits for the container's exit, to tell a crash for want of memory from others. */
const EXIT_GRACE_MS = 2_000;

export const newInstanceId = (): string => `i-${randomBytes(9).toString("hex").slice(0, 17)}`;

export interface InvokeOptions {
  /** SAGEMAKER_MODEL_SERVER_TIMEOUT (or the caller's own limit). */
  timeoutMs: number;
  /** Bytes of answer kept; beyond them the call fails as too large. */
  maxAnswerBytes: number;
}

export class InferenceContainer {
  state: ContainerState = "starting";
  port = 0;
  /** How many times the container was started again after it died (the console shows it). */
  restarts = 0;
  /** Keep-alive connections to the container: a new TCP connection per invocation would cost more than the model. */
  readonly agent = new Agent({ keepAlive: true, maxSockets: 64 });
  private child: SupervisedChild | undefined;
  private readonly crashes = new CrashWindow(CRASH_LIMIT, CRASH_WINDOW_MS);
  private lastLines: string[] = [];
  private heapExhausted = false;
  private readonly exitWaiters: (() => void)[] = [];

  constructor(private readonly options: ContainerOptions) {}

  get instanceId(): string {
    return this.options.instanceId;
  }

  get pid(): number | undefined {
    return this.child?.alive ? this.child.pid : undefined;
  }

  /** Starts the server and waits for its first healthy /ping. Rejects with the reason when it cannot start. */
  async start(): Promise<void> {
    await this.boot();
  }

  async stop(): Promise<void> {
    this.state = "stopped";
    await this.child?.stop();
    this.agent.destroy();
  }

  private boot(): Promise<void> {
    this.state = "starting";
    this.lastLines = [];
    this.heapExhausted = false;
    return new Promise<void>((resolveStart, rejectStart) => {
      let settled = false;
      const settle = (error?: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error) rejectStart(error);
        else resolveStart();
      };
      const timer = setTimeout(() => {
        settle(
          new Error(`the container did not answer /ping within ${this.options.startupTimeoutMs / 1000} s`),
        );
        void this.child?.stop();
      }, this.options.startupTimeoutMs);
      const child = new SupervisedChild({
        label: `container ${this.options.instanceId}`,
        args: nodeEntry("containers/inference/main"),
        cwd: this.options.modelDir,
        env: containerEnvironment(this.options),
        registry: this.options.registry,
        onLine: (_stream, line) => {
          if (HEAP_EXHAUSTED.test(line)) this.heapExhausted = true;
          this.lastLines.push(line);
          if (this.lastLines.length > 5) this.lastLines.shift();
          this.options.log([line]);
        },
        onMessage: (message) => {
          const report = message as ContainerMessage;
          if (report.type === "failed") settle(new Error(report.message));
          if (report.type !== "listening") return;
          this.port = report.port;
          ping(this.port, this.agent).then(
            () => {
              if (this.state === "stopped" || settled) return;
              this.state = "ready";
              settle();
            },
            (error: Error) => settle(new Error(`the container's /ping failed: ${error.message}`)),
          );
        },
        onExit: (exit) => {
          settle(
            new Error(`the container exited (${describeExit(exit)}) before it was ready${this.lastWords()}`),
          );
          this.onExit(exit);
          for (const wake of this.exitWaiters.splice(0)) wake();
        },
      });
      this.child = child;
    });
  }

  private onExit(exit: ChildExit): void {
    if (exit.requested || this.state === "stopped") return;
    const wasServing = this.state === "ready";
    this.state = "down";
    // A container that never came up is the deployment's failure to report, not one to restart.
    if (!wasServing && this.crashes.count === 0) return;
    if (this.options.restart === false) {
      this.options.log([`Container ${this.instanceId} exited (${describeExit(exit)})${this.lastWords()}.`]);
      this.options.onDown?.();
      return;
    }
    const givenUp = this.crashes.record();
    const reason = `exited (${describeExit(exit)})${this.lastWords()}`;
    this.options.log([`Container ${this.instanceId} ${reason}.`]);
    if (givenUp) {
      this.options.onGiveUp(
        `Container ${this.instanceId} died ${this.crashes.count} times within ${CRASH_WINDOW_MS / 1000} s; last time it ${reason}.`,
      );
      return;
    }
    setTimeout(() => {
      if (this.state !== "down") return;
      this.options.log([`Restarting container ${this.instanceId}.`]);
      this.restarts++;
      this.boot().catch((error: Error) => {
        this.options.log([`Container ${this.instanceId} failed to restart: ${error.message}`]);
      });
    }, 200 * this.crashes.count).unref();
  }

  /** POST /invocations (or the multi-model invoke path) with the platform's headers; see InvocationFailure. */
  invoke(input: ContainerRequest, options: InvokeOptions): Promise<ContainerAnswer> {
    const headers: Record<string, string | number> = {
      "Content-Type": input.contentType,
      Accept: input.accept,
      "Content-Length": input.body.length,
    };
    if (input.customAttributes !== undefined)
      headers["X-Amzn-SageMaker-Custom-Attributes"] = input.customAttributes;
    if (input.inferenceId !== undefined) headers["X-Amzn-SageMaker-Inference-Id"] = input.inferenceId;
    const path =
      input.targetModel === undefined
        ? "/invocations"
        : `/models/${encodeURIComponent(input.targetModel)}/invoke`;
    return new Promise((resolve, reject) => {
      const lost = (error: Error) => void this.explainLoss(error).then(reject);
      const call = request(
        { host: "127.0.0.1", port: this.port, path, method: "POST", headers, agent: this.agent },
        (response) => {
          const chunks: Buffer[] = [];
          let size = 0;
          response.on("data", (chunk: Buffer) => {
            size += chunk.length;
            // Past the limit the bytes are of no use: count them, keep nothing.
            if (size <= options.maxAnswerBytes) chunks.push(chunk);
          });
          response.on("error", lost);
          response.on("end", () => {
            const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
            const status = response.statusCode ?? 500;
            if (status >= 400) {
              const text = body.toString("utf8");
              reject(new InvocationFailure("model", `the container answered ${status}`, status, text));
              return;
            }
            if (size > options.maxAnswerBytes) {
              reject(
                new InvocationFailure(
                  "too-large",
                  `The response is ${size} bytes, over the ${options.maxAnswerBytes}-byte limit. Answer less per request, or use batch transform or asynchronous inference.`,
                ),
              );
              return;
            }
            const attributes = response.headers["x-amzn-sagemaker-custom-attributes"];
            resolve({
              body,
              contentType: response.headers["content-type"] ?? "application/octet-stream",
              customAttributes: Array.isArray(attributes) ? attributes.join(",") : attributes,
            });
          });
        },
      );
      call.setTimeout(options.timeoutMs, () => {
        call.destroy();
        reject(
          new InvocationFailure(
            "timeout",
            `Your invocation timed out while waiting for a response from instance ${this.instanceId}: no answer within ${options.timeoutMs / 1000} s (SAGEMAKER_MODEL_SERVER_TIMEOUT)`,
          ),
        );
      });
      call.on("error", lost);
      call.end(input.body);
    });
  }

  /** A lost connection: the container ran out of memory, or did not answer for another reason. */
  private async explainLoss(error: Error): Promise<InvocationFailure> {
    if (this.child?.alive) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, EXIT_GRACE_MS);
        this.exitWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    if (this.heapExhausted) {
      return new InvocationFailure(
        "out-of-memory",
        `instance ${this.instanceId} ran out of memory while handling the request (its heap limit is ${heapLimitOf(this.options.environment) ?? "Node's default"} MB)`,
      );
    }
    return new InvocationFailure(
      "unreachable",
      `instance ${this.instanceId} did not answer (${error.message})`,
    );
  }

  private lastWords(): string {
    const last = this.lastLines.filter((line) => line.trim() !== "").at(-1);
    return last ? `; its last output: ${last.slice(0, 300)}` : "";
  }
}

function describeExit(exit: ChildExit): string {
  return exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
}

/** What a process in a SageMaker hosting container sees, minus what only makes sense inside Docker. */
function containerEnvironment(options: ContainerOptions): NodeJS.ProcessEnv {
  return childEnvironment({
    SAGEMAKER_MODEL_SERVER_TIMEOUT: "60",
    SAGEMAKER_SUBMIT_DIRECTORY: join(options.modelDir, "code"),
    ...options.environment,
    SM_MODEL_DIR: options.modelDir,
    SAGEMAKER_BIND_TO_PORT: "0",
  });
}

function heapLimitOf(environment: Record<string, string>): string | undefined {
  return /--max-old-space-size=(\d+)/.exec(environment.NODE_OPTIONS ?? "")?.[1];
}

export function ping(port: number, agent: Agent): Promise<void> {
  return new Promise((resolvePing, rejectPing) => {
    const call = request(
      { host: "127.0.0.1", port, path: "/ping", method: "GET", agent, timeout: 5_000 },
      (response) => {
        response.resume();
        response.on("end", () =>
          response.statusCode === 200
            ? resolvePing()
            : rejectPing(new Error(`/ping answered ${response.statusCode}`)),
        );
      },
    );
    call.on("timeout", () => call.destroy(new Error("/ping timed out")));
    call.on("error", rejectPing);
    call.end();
  });
}
