import type { ServiceContext } from "../context";
import { Hosting } from "./hosting";
import { ModelRegistry } from "./registry/registry";
import { SageMakerTags } from "./tags";
import { TrainingJobs } from "./training/jobs";
import { TransformJobs } from "./transform/jobs";

/**
 * The SageMaker control plane of local SageMaker: training, hosting, batch transform and tags. Each part is a
 * typed API (methods named after the operations, taking the AWS SDK's input types); `binding.ts` maps the wire's
 * operation names to them, and other services call them directly.
 */
export class SageMakerService {
  readonly tags: SageMakerTags;
  readonly training: TrainingJobs;
  readonly hosting: Hosting;
  readonly transform: TransformJobs;
  readonly registry: ModelRegistry;

  constructor(ctx: ServiceContext) {
    this.tags = new SageMakerTags(ctx.stateDir);
    this.training = new TrainingJobs(ctx, this.tags);
    this.registry = new ModelRegistry(ctx, this.tags);
    this.hosting = new Hosting(ctx, this.tags, this.registry);
    this.transform = new TransformJobs(ctx, this.tags, this.hosting.models);
  }

  /** Recovery after a restart: interrupted jobs become Failed, endpoints come back InService. */
  async start(): Promise<void> {
    this.training.start();
    this.transform.start();
    await this.hosting.start();
  }

  /** Ends every child process (training jobs, inference containers, transform jobs); state stays on disk. */
  async stop(): Promise<void> {
    await Promise.all([this.training.stop(), this.hosting.stop(), this.transform.stop()]);
  }
}
