import type { ServiceContext } from "../context";
import { Hosting } from "./hosting";
import { PipelinesService } from "./pipelines/service";
import type { PipelineServices } from "./pipelines/services";
import { ModelRegistry } from "./registry/registry";
import { SageMakerTags } from "./tags";
import { TrainingJobs } from "./training/jobs";
import { TransformJobs } from "./transform/jobs";

/** What SageMaker gets from the composition root: other services' APIs, and the front end's input reader. */
export interface SageMakerOptions {
  /** Lambda steps invoke functions through it. */
  lambda?: PipelineServices["lambda"];
  /** Reads an operation's input against its Smithy shape (protocol/model.ts), for pipeline steps' arguments. */
  checkRequest?: PipelineServices["checkRequest"];
}

/**
 * The SageMaker control plane of local SageMaker: training, hosting, batch transform, the model registry,
 * pipelines and tags. Each part is a
 * typed API (methods named after the operations, taking the AWS SDK's input types); `binding.ts` maps the wire's
 * operation names to them, and other services call them directly.
 */
export class SageMakerService {
  readonly tags: SageMakerTags;
  readonly training: TrainingJobs;
  readonly hosting: Hosting;
  readonly transform: TransformJobs;
  readonly registry: ModelRegistry;
  readonly pipelines: PipelinesService;

  constructor(ctx: ServiceContext, options: SageMakerOptions = {}) {
    this.tags = new SageMakerTags(ctx.stateDir);
    this.training = new TrainingJobs(ctx, this.tags);
    this.registry = new ModelRegistry(ctx, this.tags);
    this.hosting = new Hosting(ctx, this.tags, this.registry);
    this.transform = new TransformJobs(ctx, this.tags, this.hosting.models);
    this.pipelines = new PipelinesService(ctx, this.tags, {
      training: this.training,
      transform: this.transform,
      models: this.hosting.models,
      registry: this.registry,
      ...(options.lambda ? { lambda: options.lambda } : {}),
      s3: ctx.s3,
      checkRequest: options.checkRequest ?? ((_operation, input) => input as Record<string, unknown>),
      maxInstances: ctx.settings.maxInstances,
    });
  }

  /** Recovery after a restart: interrupted jobs become Failed, endpoints come back InService. */
  async start(): Promise<void> {
    this.training.start();
    this.transform.start();
    this.pipelines.start();
    await this.hosting.start();
  }

  /** Ends every child process (training jobs, inference containers, transform jobs); state stays on disk. */
  async stop(): Promise<void> {
    // Executions first: they stop following their jobs before the jobs are ended.
    await this.pipelines.stop();
    await Promise.all([this.training.stop(), this.hosting.stop(), this.transform.stop()]);
  }
}
