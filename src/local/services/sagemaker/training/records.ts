import type {
  CreateTrainingJobRequest,
  DescribeTrainingJobResponse,
  MetricData,
  SecondaryStatus,
  TrainingJobStatus,
  TrainingJobSummary,
} from "@aws-sdk/client-sagemaker";
import {
  type JobArtifact,
  type JobPrimaryStatus,
  type JobSnapshot,
  type MetricStats,
  parameterValue,
} from "../job-events";

/** One transition as stored: times are epoch milliseconds (JSON has no dates). */
export interface StoredTransition {
  Status: SecondaryStatus;
  StartTime: number;
  EndTime?: number;
  StatusMessage: string;
}

/** A training job as kept in the state folder: the request as accepted, plus what the platform made of it. */
export interface StoredTrainingJob {
  request: Omit<CreateTrainingJobRequest, "Tags">;
  TrainingJobArn: string;
  TrainingJobStatus: TrainingJobStatus;
  SecondaryStatus: SecondaryStatus;
  FailureReason?: string;
  CreationTime: number;
  LastModifiedTime: number;
  TrainingStartTime?: number;
  TrainingEndTime?: number;
  SecondaryStatusTransitions: StoredTransition[];
  FinalMetricDataList: { MetricName: string; Value: number; Timestamp: number }[];
  /** Every metric's count, min, max, mean and deviation over the run (kept for the job's trial component). */
  MetricStats?: MetricStats[];
  /** Where model.tar.gz goes (DescribeTrainingJob always carries it: ModelArtifacts is a required member). */
  S3ModelArtifacts: string;
  LogStreamName?: string;
}

const date = (ms: number | undefined): Date | undefined => (ms === undefined ? undefined : new Date(ms));

export function describeTrainingJob(
  job: StoredTrainingJob,
  liveMetrics?: MetricData[],
): DescribeTrainingJobResponse {
  const { request } = job;
  const seconds =
    job.TrainingStartTime === undefined
      ? undefined
      : Math.max(0, Math.round(((job.TrainingEndTime ?? Date.now()) - job.TrainingStartTime) / 1000));
  const metrics =
    liveMetrics ??
    job.FinalMetricDataList.map((metric) => ({ ...metric, Timestamp: new Date(metric.Timestamp) }));
  const response: DescribeTrainingJobResponse = {
    TrainingJobName: request.TrainingJobName,
    TrainingJobArn: job.TrainingJobArn,
    ModelArtifacts: { S3ModelArtifacts: job.S3ModelArtifacts },
    TrainingJobStatus: job.TrainingJobStatus,
    SecondaryStatus: job.SecondaryStatus,
    FailureReason: job.FailureReason,
    HyperParameters: request.HyperParameters,
    AlgorithmSpecification: request.AlgorithmSpecification,
    RoleArn: request.RoleArn,
    InputDataConfig: request.InputDataConfig,
    OutputDataConfig: request.OutputDataConfig,
    ResourceConfig: request.ResourceConfig,
    VpcConfig: request.VpcConfig,
    StoppingCondition: request.StoppingCondition,
    CreationTime: new Date(job.CreationTime),
    TrainingStartTime: date(job.TrainingStartTime),
    TrainingEndTime: date(job.TrainingEndTime),
    LastModifiedTime: new Date(job.LastModifiedTime),
    SecondaryStatusTransitions: job.SecondaryStatusTransitions.map((transition) => ({
      Status: transition.Status,
      StartTime: new Date(transition.StartTime),
      EndTime: date(transition.EndTime),
      StatusMessage: transition.StatusMessage,
    })),
    FinalMetricDataList: metrics,
    EnableNetworkIsolation: request.EnableNetworkIsolation ?? false,
    EnableInterContainerTrafficEncryption: request.EnableInterContainerTrafficEncryption ?? false,
    EnableManagedSpotTraining: request.EnableManagedSpotTraining ?? false,
    CheckpointConfig: request.CheckpointConfig,
    Environment: request.Environment,
    RetryStrategy: request.RetryStrategy,
    ExperimentConfig: request.ExperimentConfig,
    TrainingTimeInSeconds: seconds,
    BillableTimeInSeconds: seconds,
  };
  // Absent members stay absent on the wire, as AWS leaves them out.
  return Object.fromEntries(
    Object.entries(response).filter(([, value]) => value !== undefined),
  ) as DescribeTrainingJobResponse;
}

export function summarizeTrainingJob(job: StoredTrainingJob): TrainingJobSummary {
  return {
    TrainingJobName: job.request.TrainingJobName,
    TrainingJobArn: job.TrainingJobArn,
    CreationTime: new Date(job.CreationTime),
    LastModifiedTime: new Date(job.LastModifiedTime),
    TrainingJobStatus: job.TrainingJobStatus,
    SecondaryStatus: job.SecondaryStatus,
    ...(job.TrainingEndTime === undefined ? {} : { TrainingEndTime: new Date(job.TrainingEndTime) }),
  };
}

/** The job as its trial component reports it: hyperparameters and resources, channels, the model, the metrics. */
export function trainingJobSnapshot(job: StoredTrainingJob): JobSnapshot {
  const { request } = job;
  const parameters: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(request.HyperParameters ?? {}))
    parameters[key] = parameterValue(value);
  const resources = request.ResourceConfig;
  if (resources?.InstanceType) parameters["SageMaker.InstanceType"] = resources.InstanceType;
  if (resources?.InstanceCount !== undefined) parameters["SageMaker.InstanceCount"] = resources.InstanceCount;
  if (resources?.VolumeSizeInGB !== undefined)
    parameters["SageMaker.VolumeSizeInGB"] = resources.VolumeSizeInGB;
  const inputArtifacts: Record<string, JobArtifact> = {};
  const image = request.AlgorithmSpecification?.TrainingImage;
  if (image) inputArtifacts["SageMaker.ImageUri"] = { Value: image };
  for (const channel of request.InputDataConfig ?? []) {
    const uri = channel.DataSource?.S3DataSource?.S3Uri;
    if (channel.ChannelName && uri) {
      inputArtifacts[channel.ChannelName] = {
        Value: uri,
        ...(channel.ContentType ? { MediaType: channel.ContentType } : {}),
      };
    }
  }
  const outputArtifacts: Record<string, JobArtifact> =
    job.TrainingJobStatus === "Completed"
      ? { "SageMaker.ModelArtifact": { Value: job.S3ModelArtifacts } }
      : {};
  return {
    sourceType: "SageMakerTrainingJob",
    name: request.TrainingJobName as string,
    arn: job.TrainingJobArn,
    // Local jobs never reach Deleting (that status belongs to cluster-backed jobs).
    status: job.TrainingJobStatus as JobPrimaryStatus,
    message: job.FailureReason ?? job.SecondaryStatusTransitions.at(-1)?.StatusMessage,
    experimentConfig: request.ExperimentConfig,
    creationTime: job.CreationTime,
    lastModifiedTime: job.LastModifiedTime,
    startTime: job.TrainingStartTime,
    endTime: job.TrainingEndTime,
    parameters,
    inputArtifacts,
    outputArtifacts,
    metrics: job.MetricStats ?? [],
  };
}
