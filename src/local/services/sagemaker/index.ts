import type { ServiceContext } from "../../context";
import type { JsonService, OperationHandler } from "../../protocol/aws-json";
import type { RuntimeService } from "../runtime";
import { createHosting } from "./hosting";
import { SageMakerTags } from "./tags";
import { TrainingJobs, type TrainingJobsOptions } from "./training/jobs";
import { validateSageMakerInput } from "./validation";

export interface SageMakerService {
  service: JsonService;
  runtime: RuntimeService;
  /** Recovery after a restart: interrupted training jobs become Failed, endpoints come back InService. */
  start(): Promise<void>;
  /** Ends every child process (training jobs, inference containers); state stays on disk. */
  stop(): Promise<void>;
  /** For tests and tools: the training side and the tag registry. */
  training: TrainingJobs;
  tags: SageMakerTags;
}

/** The SageMaker control plane of local SageMaker: training, hosting and tags behind the Smithy validator. */
export function createSageMakerService(
  ctx: ServiceContext,
  options: { training?: TrainingJobsOptions } = {},
): SageMakerService {
  const tags = new SageMakerTags(ctx.stateDir);
  const training = new TrainingJobs(ctx, tags, options.training);
  const hosting = createHosting(ctx, tags);
  const operations: Record<string, OperationHandler> = {
    ...training.operations,
    ...tags.operations,
    ...hosting.operations,
  };
  return {
    service: {
      targetPrefix: "SageMaker",
      operations,
      validate: (operation, input) => validateSageMakerInput(operation, input),
    },
    runtime: hosting.runtime,
    training,
    tags,
    async start() {
      training.start();
      await hosting.start();
    },
    async stop() {
      await Promise.all([training.stop(), hosting.stop()]);
    },
  };
}
