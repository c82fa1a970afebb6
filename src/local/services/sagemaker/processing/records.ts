import type {
  CreateProcessingJobRequest,
  DescribeProcessingJobResponse,
  ProcessingJobStatus,
  ProcessingJobSummary,
} from "@aws-sdk/client-sagemaker";

/** A processing job as kept in the state folder: the request as accepted, plus what the platform made of it. */
export interface StoredProcessingJob {
  request: Omit<CreateProcessingJobRequest, "Tags">;
  ProcessingJobArn: string;
  ProcessingJobStatus: ProcessingJobStatus;
  FailureReason?: string;
  /** The first KB of the container's /opt/ml/output/message, once the job has ended. */
  ExitMessage?: string;
  CreationTime: number;
  LastModifiedTime: number;
  ProcessingStartTime?: number;
  ProcessingEndTime?: number;
  LogStreamName?: string;
}

const date = (ms: number | undefined): Date | undefined => (ms === undefined ? undefined : new Date(ms));

/** Absent members stay absent on the wire, as AWS leaves them out. */
function present<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, member]) => member !== undefined)) as T;
}

export function describeProcessingJob(job: StoredProcessingJob): DescribeProcessingJobResponse {
  const { request } = job;
  return present<DescribeProcessingJobResponse>({
    ProcessingInputs: request.ProcessingInputs,
    ProcessingOutputConfig: request.ProcessingOutputConfig,
    ProcessingJobName: request.ProcessingJobName,
    ProcessingResources: request.ProcessingResources,
    StoppingCondition: request.StoppingCondition,
    AppSpecification: request.AppSpecification,
    Environment: request.Environment,
    NetworkConfig: request.NetworkConfig,
    RoleArn: request.RoleArn,
    ExperimentConfig: request.ExperimentConfig,
    ProcessingJobArn: job.ProcessingJobArn,
    ProcessingJobStatus: job.ProcessingJobStatus,
    ExitMessage: job.ExitMessage,
    FailureReason: job.FailureReason,
    ProcessingEndTime: date(job.ProcessingEndTime),
    ProcessingStartTime: date(job.ProcessingStartTime),
    LastModifiedTime: new Date(job.LastModifiedTime),
    CreationTime: new Date(job.CreationTime),
  });
}

export function summarizeProcessingJob(job: StoredProcessingJob): ProcessingJobSummary {
  return present<ProcessingJobSummary>({
    ProcessingJobName: job.request.ProcessingJobName,
    ProcessingJobArn: job.ProcessingJobArn,
    CreationTime: new Date(job.CreationTime),
    ProcessingEndTime: date(job.ProcessingEndTime),
    LastModifiedTime: new Date(job.LastModifiedTime),
    ProcessingJobStatus: job.ProcessingJobStatus,
    FailureReason: job.FailureReason,
    ExitMessage: job.ExitMessage,
  });
}
