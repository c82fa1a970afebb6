import type { ServiceContext } from "../context";
import { ResourceSearch } from "./experiments/search";
import { Experiments } from "./experiments/service";
import { Hosting } from "./hosting";
import { ProcessingJobs } from "./processing/jobs";
import { SageMakerTags } from "./tags";
import { TrainingJobs } from "./training/jobs";
import { TransformJobs } from "./transform/jobs";

/**
 * The SageMaker control plane of local SageMaker: training, processing, hosting, batch transform, experiments (and
 * Search) and tags. Each part is a typed API (methods named after the operations, taking the AWS SDK's input types);
 * `binding.ts` maps the wire's operation names to them, and other services call them directly. The jobs know the
 * experiments only as their JobListener, and Search reads the jobs through closures made here: the parts do not
 * import each other.
 */
export class SageMakerService {
  readonly tags: SageMakerTags;
  readonly training: TrainingJobs;
  readonly hosting: Hosting;
  readonly transform: TransformJobs;
  readonly processing: ProcessingJobs;
  readonly experiments: Experiments;
  readonly search: ResourceSearch;

  constructor(ctx: ServiceContext) {
    this.tags = new SageMakerTags(ctx.stateDir);
    this.experiments = new Experiments(ctx, this.tags);
    this.training = new TrainingJobs(ctx, this.tags, this.experiments);
    this.hosting = new Hosting(ctx, this.tags);
    this.transform = new TransformJobs(ctx, this.tags, this.hosting.models);
    this.processing = new ProcessingJobs(ctx, this.tags, this.experiments);
    this.search = new ResourceSearch(this.experiments, {
      trainingJobs: () => this.training.describeAll(),
      processingJobs: () => this.processing.describeAll(),
      tagsOf: (arn) => this.tags.tagsOf(arn),
    });
  }

  /** Recovery after a restart: interrupted jobs become Failed, endpoints come back InService. */
  async start(): Promise<void> {
    this.training.start();
    this.transform.start();
    this.processing.start();
    await this.hosting.start();
  }

  /** Ends every child process (training and processing jobs, inference containers, transform jobs); state stays on disk. */
  async stop(): Promise<void> {
    await Promise.all([
      this.training.stop(),
      this.processing.stop(),
      this.hosting.stop(),
      this.transform.stop(),
    ]);
  }
}
