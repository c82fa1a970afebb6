import type { ServiceContext } from "../context";
import { ResourceSearch } from "./experiments/search";
import { Experiments } from "./experiments/service";
import { Hosting } from "./hosting";
import { PipelinesService } from "./pipelines/service";
import type { PipelineServices } from "./pipelines/services";
import { ProcessingJobs } from "./processing/jobs";
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
 * The SageMaker control plane of local SageMaker: training, processing, hosting, batch transform, experiments (and
 * Search), the model registry, pipelines and tags. Each part is a typed API (methods named after the operations,
 * taking the AWS SDK's input types); `binding.ts` maps the wire's operation names to them, and other services call
 * them directly. The jobs know the experiments only as their JobListener, Search reads the jobs through closures
 * made here, and pipelines get the APIs their steps drive: the parts do not import each other.
 */
export class SageMakerService {
  readonly tags: SageMakerTags;
  readonly training: TrainingJobs;
  readonly hosting: Hosting;
  readonly transform: TransformJobs;
  readonly processing: ProcessingJobs;
  readonly experiments: Experiments;
  readonly search: ResourceSearch;
  readonly registry: ModelRegistry;
  readonly pipelines: PipelinesService;

  constructor(ctx: ServiceContext, options: SageMakerOptions = {}) {
    this.tags = new SageMakerTags(ctx.stateDir);
    this.experiments = new Experiments(ctx, this.tags);
    this.training = new TrainingJobs(ctx, this.tags, this.experiments);
    this.registry = new ModelRegistry(ctx, this.tags);
    this.hosting = new Hosting(ctx, this.tags, this.registry);
    this.transform = new TransformJobs(ctx, this.tags, this.hosting.models);
    this.processing = new ProcessingJobs(ctx, this.tags, this.experiments);
    this.search = new ResourceSearch(this.experiments, {
      trainingJobs: () => this.training.describeAll(),
      processingJobs: () => this.processing.describeAll(),
      tagsOf: (arn) => this.tags.tagsOf(arn),
    });
    this.pipelines = new PipelinesService(ctx, this.tags, {
      training: this.training,
      processing: this.processing,
      transform: this.transform,
      models: this.hosting.models,
      registry: this.registry,
      experiments: this.experiments,
      ...(options.lambda ? { lambda: options.lambda } : {}),
      s3: ctx.s3,
      checkRequest: options.checkRequest ?? ((_operation, input) => input as Record<string, unknown>),
      maxInstances: ctx.settings.maxInstances,
    });
  }

  /** Recovery after a restart: interrupted jobs and executions become Failed, endpoints come back InService. */
  async start(): Promise<void> {
    this.training.start();
    this.transform.start();
    this.processing.start();
    this.pipelines.start();
    await this.hosting.start();
  }

  /** Ends every child process (training and processing jobs, inference containers, transform jobs); state stays on disk. */
  async stop(): Promise<void> {
    // Executions first: they stop following their jobs before the jobs are ended.
    await this.pipelines.stop();
    await Promise.all([
      this.training.stop(),
      this.processing.stop(),
      this.hosting.stop(),
      this.transform.stop(),
    ]);
  }
}
