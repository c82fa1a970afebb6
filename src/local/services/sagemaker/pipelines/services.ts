import type { InvocationRequest, InvocationResponse } from "@aws-sdk/client-lambda";
import type {
  CreateProcessingJobRequest,
  CreateProcessingJobResponse,
  DescribeProcessingJobRequest,
  DescribeProcessingJobResponse,
  StopProcessingJobRequest,
} from "@aws-sdk/client-sagemaker";
import type { S3Service } from "../../s3/service";
import type { Experiments } from "../experiments/service";
import type { Models } from "../hosting/models";
import type { ModelRegistry } from "../registry/registry";
import type { TrainingJobs } from "../training/jobs";
import type { TransformJobs } from "../transform/jobs";

/** The processing jobs API a Processing step drives (sync or async answers). */
export interface ProcessingApi {
  createProcessingJob(
    input: CreateProcessingJobRequest,
  ): CreateProcessingJobResponse | Promise<CreateProcessingJobResponse>;
  describeProcessingJob(
    input: DescribeProcessingJobRequest,
  ): DescribeProcessingJobResponse | Promise<DescribeProcessingJobResponse>;
  stopProcessingJob(input: StopProcessingJobRequest): unknown;
}

/**
 * The typed APIs pipeline steps call in-process, handed over when SageMaker is composed (app.ts); and
 * `checkRequest`, the front end's reading of an operation's input against its Smithy shape, so a step's evaluated
 * arguments are refused with the same ValidationException the wire would give (the services never import the
 * protocol layer: the composition root passes it in).
 */
export interface PipelineServices {
  training: Pick<TrainingJobs, "createTrainingJob" | "describeTrainingJob" | "stopTrainingJob">;
  transform: Pick<TransformJobs, "createTransformJob" | "describeTransformJob" | "stopTransformJob">;
  processing?: ProcessingApi;
  models: Pick<Models, "createModel" | "describeModel">;
  registry: Pick<
    ModelRegistry,
    "createModelPackage" | "describeModelPackage" | "createModelPackageGroup" | "describeModelPackageGroup"
  >;
  lambda?: { invoke(input: InvocationRequest): Promise<InvocationResponse> };
  /** PipelineExperimentConfig: the execution's experiment and trial, which its jobs' trial components join. */
  experiments?: Pick<
    Experiments,
    "createExperiment" | "describeExperiment" | "createTrial" | "describeTrial"
  >;
  s3: Pick<S3Service, "getObject">;
  checkRequest(operation: string, input: unknown): Record<string, unknown>;
  /** LOCAL_SAGEMAKER_MAX_INSTANCES: a transform step over it can never start. */
  maxInstances: number;
}
