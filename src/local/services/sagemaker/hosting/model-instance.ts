import type { ProcessRegistry } from "../../../core/processes";
import type { ServiceContext } from "../../context";
import { InferenceContainer, newInstanceId } from "./container";
import { type ContainerAnswer, type ContainerRequest, InvocationFailure } from "./invocation";
import type { PreparedContainer } from "./model-files";
import { LoadedModelCache, type MultiModelStore } from "./multi-model";

/**
 * One instance of a model (one ml.* instance on AWS): a container process per container definition, each with its
 * own model folder, handlers and environment, and the way a request travels through them:
 * - Single: the one container answers;
 * - Serial (an inference pipeline): each container's answer, with its content type (JSON when it sets none), is
 *   the next one's request; the caller's ContentType reaches the first and its Accept the last;
 * - Direct (a multi-container endpoint): the container TargetContainerHostname names answers.
 */

export type ExecutionMode = "Single" | "Serial" | "Direct";

export interface InstanceSpec {
  ctx: ServiceContext;
  containers: readonly PreparedContainer[];
  mode: ExecutionMode;
  /** Where the containers log: the group, and the stream of each (by hostname and instance id). */
  logGroup: string;
  logStream(instanceId: string, hostname: string): string;
  startupTimeoutMs: number;
  registry?: ProcessRegistry;
  /** Extra variables every container gets (the job's Environment, for batch transform). */
  environment?: Record<string, string>;
  /** A container kept dying: the owner decides what fails. */
  onGiveUp(reason: string): void;
  /** Whether a container that dies is restarted (standing instances) or the instance is let go (on demand). */
  restart?: boolean;
  /** A container of an instance that is not restarted died. */
  onDown?(): void;
  /** A multi-model endpoint's archives (its one container has Mode MultiModel). */
  multiModel?: MultiModelStore;
}

export interface InstanceInvokeOptions {
  timeoutMs: number;
  maxAnswerBytes: number;
  /** Direct mode: which container answers. */
  targetContainerHostname?: string;
}

/** What intermediate containers of a pipeline are asked for, unless their own environment says otherwise. */
const BETWEEN_STEPS = "application/json";

export class ModelInstance {
  readonly instanceId = newInstanceId();
  readonly containers: {
    hostname: string;
    container: InferenceContainer;
    environment: Record<string, string>;
    log(lines: string[]): void;
  }[];

  private readonly loadedModels?: LoadedModelCache;

  constructor(private readonly spec: InstanceSpec) {
    this.containers = spec.containers.map((prepared) => {
      const stream = spec.logStream(this.instanceId, prepared.hostname);
      spec.ctx.logs.ensureLogStream(spec.logGroup, stream);
      const log = batchedLog(spec.ctx, spec.logGroup, stream);
      return {
        hostname: prepared.hostname,
        environment: prepared.environment,
        log,
        container: new InferenceContainer({
          instanceId: this.instanceId,
          modelDir: prepared.modelDir,
          environment: { ...spec.ctx.awsEnvironment(), ...prepared.environment, ...(spec.environment ?? {}) },
          startupTimeoutMs: spec.startupTimeoutMs,
          registry: spec.registry,
          log,
          restart: spec.restart,
          onDown: spec.onDown,
          onGiveUp: (reason) =>
            spec.onGiveUp(spec.containers.length > 1 ? `container ${prepared.hostname}: ${reason}` : reason),
        }),
      };
    });
    const only = this.containers[0];
    if (spec.multiModel && only)
      this.loadedModels = new LoadedModelCache(spec.multiModel, only.container, only.log);
  }

  /** Starts every container and waits until each answers /ping; rejects with the first reason one cannot start. */
  async start(): Promise<void> {
    await Promise.all(
      this.containers.map(({ hostname, container }) =>
        container.start().catch((error: Error) => {
          const which = this.containers.length > 1 ? `, container ${hostname}` : "";
          throw new Error(`instance ${this.instanceId}${which}: ${error.message}`);
        }),
      ),
    );
  }

  get ready(): boolean {
    return this.containers.every(({ container }) => container.state === "ready");
  }

  get pids(): number[] {
    return this.containers.flatMap(({ container }) => (container.pid === undefined ? [] : [container.pid]));
  }

  async invoke(request: ContainerRequest, options: InstanceInvokeOptions): Promise<ContainerAnswer> {
    const limits = { timeoutMs: options.timeoutMs, maxAnswerBytes: options.maxAnswerBytes };
    if (this.loadedModels) return this.invokeTarget(this.loadedModels, request, limits);
    if (this.spec.mode === "Direct") {
      const target = this.containers.find(({ hostname }) => hostname === options.targetContainerHostname);
      if (!target)
        throw new Error(`no container ${options.targetContainerHostname} (the runtime checks it first)`);
      return this.step(target, request, limits);
    }
    if (this.spec.mode === "Single")
      return this.step(this.containers[0] as (typeof this.containers)[0], request, limits);
    let current: ContainerRequest = request;
    let answer: ContainerAnswer | undefined;
    for (const [index, entry] of this.containers.entries()) {
      const last = index === this.containers.length - 1;
      const accept = last
        ? request.accept
        : (entry.environment.SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT ?? BETWEEN_STEPS);
      answer = await this.step(entry, { ...current, accept }, limits);
      current = { ...current, body: answer.body, contentType: answer.contentType || BETWEEN_STEPS };
    }
    return answer as ContainerAnswer;
  }

  /** A multi-model instance: the target loaded (or already), then invoked; loaded again once if the container lost it. */
  private async invokeTarget(
    cache: LoadedModelCache,
    request: ContainerRequest,
    limits: { timeoutMs: number; maxAnswerBytes: number },
  ): Promise<ContainerAnswer> {
    const target = request.targetModel as string;
    const entry = this.containers[0] as (typeof this.containers)[0];
    for (let attempt = 0; ; attempt++) {
      const release = await cache.hold(target);
      try {
        return await entry.container.invoke(request, limits);
      } catch (error) {
        const lost = error instanceof InvocationFailure && error.kind === "model" && error.status === 404;
        if (!lost || attempt > 0) throw error;
        cache.forget(target);
      } finally {
        release();
      }
    }
  }

  private async step(
    entry: (typeof this.containers)[0],
    request: ContainerRequest,
    limits: { timeoutMs: number; maxAnswerBytes: number },
  ): Promise<ContainerAnswer> {
    try {
      return await entry.container.invoke(request, limits);
    } catch (error) {
      if (!(error instanceof InvocationFailure) || this.containers.length === 1) throw error;
      throw new InvocationFailure(error.kind, error.message, error.status, error.original, entry.hostname);
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.containers.map(({ container }) => container.stop()));
  }
}

/** Lines are batched per tick: a chatty container should not cost one log write per line. */
function batchedLog(ctx: ServiceContext, group: string, stream: string): (lines: string[]) => void {
  const pending: string[] = [];
  return (lines) => {
    if (pending.length === 0) {
      setImmediate(() => {
        try {
          ctx.logs.putLogLines(group, stream, pending.splice(0));
        } catch {
          // The logs were deleted (DeleteLogGroup) while the container runs: keep serving.
          pending.length = 0;
        }
      });
    }
    pending.push(...lines);
  };
}
