import type { ProcessingJobSummary } from "@aws-sdk/client-sagemaker";
import { PROCESSING_LOG_GROUP } from "../../services/sagemaker/processing/run";
import type { JobListView, ProcessingJobView, TimelineStep } from "../views";
import { listAll, logTail, ms } from "./common";
import type { ConsoleSources } from "./sources";

/** Processing jobs, through SageMakerService.processing. */

export function processingSummaries(sources: ConsoleSources): ProcessingJobSummary[] {
  const { processing } = sources.sagemaker;
  return listAll(
    (input) => processing.listProcessingJobs(input),
    (page) => page.ProcessingJobSummaries,
  );
}

export function processingJobs(sources: ConsoleSources): JobListView {
  return {
    jobs: processingSummaries(sources).map((job) => ({
      name: job.ProcessingJobName as string,
      status: job.ProcessingJobStatus as string,
      created: ms(job.CreationTime) ?? 0,
      ended: ms(job.ProcessingEndTime),
    })),
  };
}

export function processingJob(sources: ConsoleSources, name: string): ProcessingJobView {
  const job = sources.sagemaker.processing.describeProcessingJob({ ProcessingJobName: name });
  const created = ms(job.CreationTime) ?? Date.now();
  const started = ms(job.ProcessingStartTime);
  const ended = ms(job.ProcessingEndTime);
  const timeline: TimelineStep[] = [{ status: "Starting", start: created, end: started ?? ended }];
  if (started !== undefined) timeline.push({ status: "Processing", start: started, end: ended });
  if (ended !== undefined)
    timeline.push({ status: job.ProcessingJobStatus as string, start: ended, end: ended });
  const cluster = job.ProcessingResources?.ClusterConfig;
  return {
    name,
    arn: job.ProcessingJobArn as string,
    status: job.ProcessingJobStatus as string,
    exitMessage: job.ExitMessage,
    failureReason: job.FailureReason,
    created,
    started,
    ended,
    timeline,
    image: job.AppSpecification?.ImageUri ?? "",
    entrypoint: job.AppSpecification?.ContainerEntrypoint ?? [],
    arguments: job.AppSpecification?.ContainerArguments ?? [],
    instanceType: cluster?.InstanceType,
    instanceCount: cluster?.InstanceCount,
    inputs: (job.ProcessingInputs ?? []).map((input) => ({
      name: input.InputName as string,
      uri: input.S3Input?.S3Uri ?? "",
      localPath: input.S3Input?.LocalPath,
    })),
    outputs: (job.ProcessingOutputConfig?.Outputs ?? []).map((output) => ({
      name: output.OutputName as string,
      uri: output.S3Output?.S3Uri ?? "",
      localPath: output.S3Output?.LocalPath,
    })),
    environment: job.Environment ?? {},
    ...(job.ExperimentConfig
      ? {
          experiment: {
            experimentName: job.ExperimentConfig.ExperimentName,
            trialName: job.ExperimentConfig.TrialName,
          },
        }
      : {}),
    logGroup: PROCESSING_LOG_GROUP,
    log: logTail(sources.context, PROCESSING_LOG_GROUP, `${name}/`),
    canStop: job.ProcessingJobStatus === "InProgress",
  };
}
