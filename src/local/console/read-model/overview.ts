import type { OverviewView } from "../views";
import { ms, orElse } from "./common";
import { endpointSummaries, modelNames } from "./hosting";
import { trainingSummaries, transformSummaries } from "./jobs";
import { lambdaConfigurations } from "./lambda";
import { executionsForOverview, pipelineNames } from "./pipelines";
import { processingSummaries } from "./processing";
import { packageGroupNames } from "./registry";
import type { ConsoleSources } from "./sources";

/** What the overview counts and lists: everything there is, what is running, what failed lately. */

const RECENT_FAILURES = 10;
const BUSY_ENDPOINT = new Set(["Creating", "Updating", "SystemUpdating", "RollingBack", "Deleting"]);

export function overview(sources: ConsoleSources): OverviewView {
  const { sagemaker, context } = sources;
  const training = trainingSummaries(sources);
  const transform = transformSummaries(sources);
  const processing = processingSummaries(sources);
  const experimentCount = orElse(
    () => sagemaker.experiments.listExperiments({ MaxResults: 100 }).ExperimentSummaries?.length ?? 0,
    0,
  );
  const pipelines = orElse(() => pipelineNames(sources), []);
  const executions = orElse(() => executionsForOverview(sources), []);
  const endpoints = endpointSummaries(sources);
  const functions = lambdaConfigurations(sources);
  const configs = orElse(
    () => sagemaker.hosting.endpointConfigs.listEndpointConfigs({ MaxResults: 100 }).EndpointConfigs ?? [],
    [],
  );
  const alarms = context.cloudwatch.describeAlarms({ MaxRecords: 100 }).MetricAlarms ?? [];
  const groups = context.logs.describeLogGroups({}).logGroups ?? [];

  const counts: OverviewView["counts"] = [
    { key: "trainingJobs", count: training.length, link: { page: "training" } },
    { key: "processingJobs", count: processing.length, link: { page: "processing" } },
    { key: "transformJobs", count: transform.length, link: { page: "transform" } },
    { key: "experimentCount", count: experimentCount, link: { page: "experiments" } },
    { key: "pipelineCount", count: pipelines.length, link: { page: "pipelines" } },
    {
      key: "packageGroupCount",
      count: orElse(() => packageGroupNames(sources).length, 0),
      link: { page: "registry" },
    },
    { key: "modelCount", count: modelNames(sources).length, link: { page: "models" } },
    { key: "endpointConfigs", count: configs.length, link: { page: "models" } },
    { key: "endpoints", count: endpoints.length, link: { page: "endpoints" } },
    { key: "lambdaFunctions", count: functions.length, link: { page: "lambda" } },
    { key: "buckets", count: context.s3.listBuckets().length, link: { page: "s3" } },
    { key: "logGroups", count: groups.length, link: { page: "logs" } },
    { key: "alarms", count: alarms.length, link: { page: "alarms" } },
  ];

  const running: OverviewView["running"] = [
    ...training
      .filter((job) => job.TrainingJobStatus === "InProgress" || job.TrainingJobStatus === "Stopping")
      .map((job) => ({
        kind: "trainingJob",
        name: job.TrainingJobName as string,
        status: `${job.TrainingJobStatus} · ${job.SecondaryStatus}`,
        since: ms(job.CreationTime) ?? 0,
        link: { page: "training-job", params: { name: job.TrainingJobName as string } },
      })),
    ...processing
      .filter((job) => job.ProcessingJobStatus === "InProgress" || job.ProcessingJobStatus === "Stopping")
      .map((job) => ({
        kind: "processingJob",
        name: job.ProcessingJobName as string,
        status: job.ProcessingJobStatus as string,
        since: ms(job.CreationTime) ?? 0,
        link: { page: "processing-job", params: { name: job.ProcessingJobName as string } },
      })),
    ...executions
      .filter(({ row }) => row.status === "Executing" || row.status === "Stopping")
      .map(({ pipeline, row }) => ({
        kind: "pipelineExecution",
        name: `${pipeline} / ${row.id}`,
        status: row.status,
        since: row.started,
        link: { page: "pipeline-execution", params: { name: pipeline, execution: row.id } },
      })),
    ...transform
      .filter((job) => job.TransformJobStatus === "InProgress" || job.TransformJobStatus === "Stopping")
      .map((job) => ({
        kind: "transformJob",
        name: job.TransformJobName as string,
        status: job.TransformJobStatus as string,
        since: ms(job.CreationTime) ?? 0,
        link: { page: "transform-job", params: { name: job.TransformJobName as string } },
      })),
    ...endpoints
      .filter((endpoint) => BUSY_ENDPOINT.has(endpoint.EndpointStatus as string))
      .map((endpoint) => ({
        kind: "endpoint",
        name: endpoint.EndpointName as string,
        status: endpoint.EndpointStatus as string,
        since: ms(endpoint.LastModifiedTime) ?? 0,
        link: { page: "endpoint", params: { name: endpoint.EndpointName as string } },
      })),
    ...endpoints
      .filter((endpoint) => endpoint.EndpointStatus === "InService")
      .map((endpoint) => ({
        kind: "endpoint",
        name: endpoint.EndpointName as string,
        status: "InService",
        since: ms(endpoint.LastModifiedTime) ?? 0,
        link: { page: "endpoint", params: { name: endpoint.EndpointName as string } },
      })),
  ];

  const failures: OverviewView["failures"] = [
    ...training
      .filter((job) => job.TrainingJobStatus === "Failed")
      .slice(0, RECENT_FAILURES)
      .map((job) => {
        const name = job.TrainingJobName as string;
        const reason = orElse(
          () => sagemaker.training.describeTrainingJob({ TrainingJobName: name }).FailureReason,
          "",
        );
        return {
          kind: "trainingJob",
          name,
          reason: reason ?? "",
          at: ms(job.TrainingEndTime ?? job.LastModifiedTime) ?? 0,
          link: { page: "training-job", params: { name } },
        };
      }),
    ...processing
      .filter((job) => job.ProcessingJobStatus === "Failed")
      .slice(0, RECENT_FAILURES)
      .map((job) => ({
        kind: "processingJob",
        name: job.ProcessingJobName as string,
        reason: job.FailureReason ?? job.ExitMessage ?? "",
        at: ms(job.ProcessingEndTime ?? job.LastModifiedTime) ?? 0,
        link: { page: "processing-job", params: { name: job.ProcessingJobName as string } },
      })),
    ...executions
      .filter(({ row }) => row.status === "Failed")
      .slice(0, RECENT_FAILURES)
      .map(({ pipeline, row }) => ({
        kind: "pipelineExecution",
        name: `${pipeline} / ${row.id}`,
        reason: row.failureReason ?? "",
        at: row.ended ?? row.started,
        link: { page: "pipeline-execution", params: { name: pipeline, execution: row.id } },
      })),
    ...transform
      .filter((job) => job.TransformJobStatus === "Failed")
      .slice(0, RECENT_FAILURES)
      .map((job) => ({
        kind: "transformJob",
        name: job.TransformJobName as string,
        reason: job.FailureReason ?? "",
        at: ms(job.TransformEndTime ?? job.LastModifiedTime) ?? 0,
        link: { page: "transform-job", params: { name: job.TransformJobName as string } },
      })),
    ...endpoints
      .filter((endpoint) => endpoint.EndpointStatus === "Failed")
      .slice(0, RECENT_FAILURES)
      .map((endpoint) => {
        const name = endpoint.EndpointName as string;
        const reason = orElse(
          () => sagemaker.hosting.endpoints.describeEndpoint({ EndpointName: name }).FailureReason,
          "",
        );
        return {
          kind: "endpoint",
          name,
          reason: reason ?? "",
          at: ms(endpoint.LastModifiedTime) ?? 0,
          link: { page: "endpoint", params: { name } },
        };
      }),
    ...functions
      .filter((fn) => fn.State === "Failed")
      .map((fn) => ({
        kind: "lambdaFunction",
        name: fn.FunctionName as string,
        reason: fn.StateReason ?? "",
        at: Date.parse(fn.LastModified ?? "") || 0,
        link: { page: "lambda-function", params: { name: fn.FunctionName as string } },
      })),
  ]
    .sort((a, b) => b.at - a.at)
    .slice(0, RECENT_FAILURES);

  return {
    counts,
    running,
    failures,
    alarms: alarms
      .filter((alarm) => alarm.StateValue === "ALARM")
      .map((alarm) => ({
        name: alarm.AlarmName as string,
        state: alarm.StateValue as string,
        reason: alarm.StateReason ?? "",
        at: ms(alarm.StateUpdatedTimestamp) ?? 0,
      })),
  };
}
