import type { TrainingJobSummary, TransformJobSummary } from "@aws-sdk/client-sagemaker";
import { TRAINING_LOG_GROUP } from "../../services/sagemaker/training/run";
import { TRANSFORM_LOG_GROUP } from "../../services/sagemaker/transform/run";
import type { JobListView, TimelineStep, TrainingJobView, TransformJobView } from "../views";
import { listAll, logTail, metricChart, ms, periodFor, s3Location, s3Objects } from "./common";
import type { ConsoleSources } from "./sources";

/** Training and transform jobs, through SageMakerService.training and .transform (the wire's own methods). */

export function trainingSummaries(sources: ConsoleSources): TrainingJobSummary[] {
  const { training } = sources.sagemaker;
  return listAll(
    (input) => training.listTrainingJobs(input),
    (page) => page.TrainingJobSummaries,
  );
}

export function transformSummaries(sources: ConsoleSources): TransformJobSummary[] {
  const { transform } = sources.sagemaker;
  return listAll(
    (input) => transform.listTransformJobs(input),
    (page) => page.TransformJobSummaries,
  );
}

export function trainingJobs(sources: ConsoleSources): JobListView {
  return {
    jobs: trainingSummaries(sources).map((job) => ({
      name: job.TrainingJobName as string,
      status: job.TrainingJobStatus as string,
      detail: job.SecondaryStatus,
      created: ms(job.CreationTime) ?? 0,
      ended: ms(job.TrainingEndTime),
    })),
  };
}

export function trainingJob(sources: ConsoleSources, name: string): TrainingJobView {
  const ctx = sources.context;
  const job = sources.sagemaker.training.describeTrainingJob({ TrainingJobName: name });
  const created = ms(job.CreationTime) ?? Date.now();
  const ended = ms(job.TrainingEndTime);
  const definitions = job.AlgorithmSpecification?.MetricDefinitions ?? [];
  // Each metric definition's values, as SageMaker publishes them (namespace /aws/sagemaker/TrainingJobs, Host).
  const chartEnd = (ended ?? Date.now()) + 1000;
  const period = periodFor(chartEnd - created);
  const charts = definitions.map((definition) =>
    metricChart(
      ctx,
      {
        id: `metric-${definition.Name}`,
        namespace: "/aws/sagemaker/TrainingJobs",
        metric: definition.Name as string,
        statistic: "Average",
        unit: "",
        series: [
          { name: definition.Name as string, dimensions: [{ Name: "Host", Value: `${name}/algo-1` }] },
        ],
      },
      created - 1000,
      chartEnd,
      period,
    ),
  );
  const finished = job.TrainingJobStatus !== "InProgress" && job.TrainingJobStatus !== "Stopping";
  const timeline: TimelineStep[] = (job.SecondaryStatusTransitions ?? []).map((step) => {
    const start = ms(step.StartTime) ?? created;
    // The last status of a finished job is where it ended, not a step still under way.
    return {
      status: step.Status as string,
      start,
      end: ms(step.EndTime) ?? (finished ? start : undefined),
      message: step.StatusMessage,
    };
  });
  return {
    name,
    arn: job.TrainingJobArn as string,
    status: job.TrainingJobStatus as string,
    secondaryStatus: job.SecondaryStatus as string,
    failureReason: job.FailureReason,
    created,
    started: ms(job.TrainingStartTime),
    ended,
    seconds: job.TrainingTimeInSeconds,
    image: job.AlgorithmSpecification?.TrainingImage ?? "",
    instanceType: job.ResourceConfig?.InstanceType,
    instanceCount: job.ResourceConfig?.InstanceCount,
    maxRuntimeSeconds: job.StoppingCondition?.MaxRuntimeInSeconds,
    hyperparameters: job.HyperParameters ?? {},
    channels: (job.InputDataConfig ?? []).map((channel) => ({
      name: channel.ChannelName as string,
      uri: channel.DataSource?.S3DataSource?.S3Uri ?? "",
      inputMode: channel.InputMode,
      contentType: channel.ContentType,
    })),
    outputPath: job.OutputDataConfig?.S3OutputPath ?? "",
    artifact: s3Location(ctx, job.ModelArtifacts?.S3ModelArtifacts),
    timeline,
    metricDefinitions: definitions.map((definition) => ({
      name: definition.Name as string,
      regex: definition.Regex as string,
    })),
    finalMetrics: (job.FinalMetricDataList ?? []).map((metric) => ({
      name: metric.MetricName as string,
      value: metric.Value as number,
    })),
    charts,
    logGroup: TRAINING_LOG_GROUP,
    log: logTail(ctx, TRAINING_LOG_GROUP, `${name}/`),
    canStop: job.TrainingJobStatus === "InProgress",
  };
}

export function transformJobs(sources: ConsoleSources): JobListView {
  return {
    jobs: transformSummaries(sources).map((job) => ({
      name: job.TransformJobName as string,
      status: job.TransformJobStatus as string,
      created: ms(job.CreationTime) ?? 0,
      ended: ms(job.TransformEndTime),
    })),
  };
}

export function transformJob(sources: ConsoleSources, name: string): TransformJobView {
  const ctx = sources.context;
  const job = sources.sagemaker.transform.describeTransformJob({ TransformJobName: name });
  const created = ms(job.CreationTime) ?? Date.now();
  const started = ms(job.TransformStartTime);
  const ended = ms(job.TransformEndTime);
  // Transform jobs have no SecondaryStatusTransitions: the steps are creation, the run, and its end.
  const timeline: TimelineStep[] = [{ status: "Starting", start: created, end: started ?? ended }];
  if (started !== undefined) timeline.push({ status: "Transforming", start: started, end: ended });
  if (ended !== undefined)
    timeline.push({ status: job.TransformJobStatus as string, start: ended, end: ended });
  const outputUri = job.TransformOutput?.S3OutputPath;
  return {
    name,
    arn: job.TransformJobArn as string,
    status: job.TransformJobStatus as string,
    failureReason: job.FailureReason,
    modelName: job.ModelName as string,
    created,
    started,
    ended,
    timeline,
    input: {
      uri: job.TransformInput?.DataSource?.S3DataSource?.S3Uri ?? "",
      dataType: job.TransformInput?.DataSource?.S3DataSource?.S3DataType,
      contentType: job.TransformInput?.ContentType,
      splitType: job.TransformInput?.SplitType,
      compression: job.TransformInput?.CompressionType,
    },
    output: {
      uri: outputUri ?? "",
      accept: job.TransformOutput?.Accept,
      assembleWith: job.TransformOutput?.AssembleWith,
    },
    outputs: s3Objects(ctx, outputUri && (outputUri.endsWith("/") ? outputUri : `${outputUri}/`)),
    instanceType: job.TransformResources?.InstanceType,
    instanceCount: job.TransformResources?.InstanceCount,
    batchStrategy: job.BatchStrategy,
    maxPayloadInMB: job.MaxPayloadInMB,
    maxConcurrentTransforms: job.MaxConcurrentTransforms,
    environment: job.Environment ?? {},
    logGroup: TRANSFORM_LOG_GROUP,
    log: logTail(ctx, TRANSFORM_LOG_GROUP, `${name}/`),
    canStop: job.TransformJobStatus === "InProgress",
  };
}
