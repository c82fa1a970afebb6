import type {
  BatchStrategy,
  CreateTransformJobRequest,
  DescribeTransformJobResponse,
  TransformJobStatus,
  TransformJobSummary,
} from "@aws-sdk/client-sagemaker";

/** What SageMaker uses when the request leaves a member out (the API reference's defaults). */
export const TRANSFORM_DEFAULTS = {
  /** MB per request; the API reference's default. */
  maxPayloadInMB: 6,
  /** Requests in flight per instance: 1 when the container offers no execution-parameters (ours does not). */
  maxConcurrentTransforms: 1,
  /** The SageMaker Python SDK's local mode fills in MultiRecord when no strategy is given; so do we. */
  batchStrategy: "MultiRecord" as BatchStrategy,
  /** ModelClientConfig's documented defaults. */
  invocationsTimeoutInSeconds: 600,
  invocationsMaxRetries: 3,
};

/** A transform job as kept in the state folder: the request as accepted, plus what the platform made of it. */
export interface StoredTransformJob {
  request: Omit<CreateTransformJobRequest, "Tags">;
  TransformJobArn: string;
  TransformJobStatus: TransformJobStatus;
  FailureReason?: string;
  CreationTime: number;
  LastModifiedTime: number;
  TransformStartTime?: number;
  TransformEndTime?: number;
}

const date = (ms: number | undefined): Date | undefined => (ms === undefined ? undefined : new Date(ms));

export function describeTransformJob(job: StoredTransformJob): DescribeTransformJobResponse {
  const { request } = job;
  const response: DescribeTransformJobResponse = {
    TransformJobName: request.TransformJobName,
    TransformJobArn: job.TransformJobArn,
    TransformJobStatus: job.TransformJobStatus,
    FailureReason: job.FailureReason,
    ModelName: request.ModelName,
    // Describe answers the values the job runs with, defaults included, as SageMaker does.
    MaxConcurrentTransforms: request.MaxConcurrentTransforms || TRANSFORM_DEFAULTS.maxConcurrentTransforms,
    ModelClientConfig: request.ModelClientConfig,
    MaxPayloadInMB: request.MaxPayloadInMB ?? TRANSFORM_DEFAULTS.maxPayloadInMB,
    BatchStrategy: request.BatchStrategy ?? TRANSFORM_DEFAULTS.batchStrategy,
    Environment: request.Environment,
    TransformInput: request.TransformInput,
    TransformOutput: request.TransformOutput,
    TransformResources: request.TransformResources,
    CreationTime: new Date(job.CreationTime),
    TransformStartTime: date(job.TransformStartTime),
    TransformEndTime: date(job.TransformEndTime),
    DataProcessing: request.DataProcessing,
    ExperimentConfig: request.ExperimentConfig,
  };
  // Absent members stay absent on the wire, as AWS leaves them out.
  return Object.fromEntries(
    Object.entries(response).filter(([, value]) => value !== undefined),
  ) as DescribeTransformJobResponse;
}

export function summarizeTransformJob(job: StoredTransformJob): TransformJobSummary {
  return {
    TransformJobName: job.request.TransformJobName,
    TransformJobArn: job.TransformJobArn,
    CreationTime: new Date(job.CreationTime),
    LastModifiedTime: new Date(job.LastModifiedTime),
    TransformJobStatus: job.TransformJobStatus,
    ...(job.TransformEndTime === undefined ? {} : { TransformEndTime: new Date(job.TransformEndTime) }),
    ...(job.FailureReason === undefined ? {} : { FailureReason: job.FailureReason }),
  };
}
