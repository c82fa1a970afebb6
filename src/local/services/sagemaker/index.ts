import type { ServiceContext } from "../context";
import { Hosting } from "./hosting";
import { SageMakerTags } from "./tags";
import { TrainingJobs } from "./training/jobs";

/**
 * The SageMaker control plane of local SageMaker: training, hosting and tags. Each part is a typed API (methods
 * named after the operations, taking the AWS SDK's input types); `binding.ts` maps the wire's operation names to
 * them, and other services call them directly.
 */
export class SageMakerService {
  readonly tags: SageMakerTags;
  readonly training: TrainingJobs;
  readonly hosting: Hosting;

  constructor(ctx: ServiceContext) {
    this.tags = new SageMakerTags(ctx.stateDir);
    this.training = new TrainingJobs(ctx, this.tags);
    this.hosting = new Hosting(ctx, this.tags);
  }

  /** Recovery after a restart: interrupted training jobs become Failed, endpoints come back InService. */
  async start(): Promise<void> {
    this.training.start();
    await this.hosting.start();
  }

  /** Ends every child process (training jobs, inference containers); state stays on disk. */
  async stop(): Promise<void> {
    await Promise.all([this.training.stop(), this.hosting.stop()]);
  }
}
