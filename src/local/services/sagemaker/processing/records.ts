import type {
  CreateProcessingJobRequest,
  DescribeProcessingJobResponse,
  ProcessingJobStatus,
  ProcessingJobSummary,
} from "@aws-sdk/client-sagemaker";
import type { JobArtifact, JobSnapshot } from "../job-events";

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

/** The job as its trial component reports it: its resources, inputs and outputs (processing has no metrics). */
export function processingJobSnapshot(job: StoredProcessingJob): JobSnapshot {
  const { request } = job;
  const cluster = request.ProcessingResources?.ClusterConfig;
  const parameters: Record<string, string | number> = {};
  if (cluster?.InstanceType) parameters["SageMaker.InstanceType"] = cluster.InstanceType;
  if (cluster?.InstanceCount !== undefined) parameters["SageMaker.InstanceCount"] = cluster.InstanceCount;
  if (cluster?.VolumeSizeInGB !== undefined) parameters["SageMaker.VolumeSizeInGB"] = cluster.VolumeSizeInGB;
  const inputArtifacts: Record<string, JobArtifact> = {};
  if (request.AppSpecification?.ImageUri) {
    inputArtifacts["SageMaker.ImageUri"] = { Value: request.AppSpecification.ImageUri };
  }
  for (const input of request.ProcessingInputs ?? []) {
    if (input.InputName && input.S3Input?.S3Uri)
      inputArtifacts[input.InputName] = { Value: input.S3Input.S3Uri };
  }
  const outputArtifacts: Record<string, JobArtifact> = {};
  for (const output of request.ProcessingOutputConfig?.Outputs ?? []) {
    if (output.OutputName && output.S3Output?.S3Uri) {
      outputArtifacts[output.OutputName] = { Value: output.S3Output.S3Uri };
    }
  }
  return {
    sourceType: "SageMakerProcessingJob",
    name: request.ProcessingJobName as string,
    arn: job.ProcessingJobArn,
    status: job.ProcessingJobStatus,
    message: job.FailureReason ?? job.ExitMessage,
    experimentConfig: request.ExperimentConfig,
    creationTime: job.CreationTime,
    lastModifiedTime: job.LastModifiedTime,
    startTime: job.ProcessingStartTime,
    endTime: job.ProcessingEndTime,
    parameters,
    inputArtifacts,
    outputArtifacts,
    metrics: [],
  };
}
