import { describe, expect, it } from "vitest";
import { IllegalTransition, type Lifecycle } from "../../src/local/core/lifecycle";
import type { EndpointRecord } from "../../src/local/services/sagemaker/hosting/records";
import {
  ENDPOINT,
  PIPELINE_EXECUTION,
  PIPELINE_STEP,
  PROCESSING_JOB,
  TRAINING_JOB,
  TRANSFORM_JOB,
} from "../../src/local/services/sagemaker/lifecycles";
import type { StoredExecution, StoredStep } from "../../src/local/services/sagemaker/pipelines/records";

import type { StoredProcessingJob } from "../../src/local/services/sagemaker/processing/records";
import type { StoredTrainingJob } from "../../src/local/services/sagemaker/training/records";
import type { StoredTransformJob } from "../../src/local/services/sagemaker/transform/records";

/** Every legal move of every lifecycle table works and is recorded; every other move fails loudly. */

function trainingJob(at: string): StoredTrainingJob {
  return {
    request: {
      TrainingJobName: "job-1",
      RoleArn: "arn:aws:iam::000000000000:role/local",
      OutputDataConfig: { S3OutputPath: "s3://b/" },
    } as StoredTrainingJob["request"],
    TrainingJobArn: "arn:aws:sagemaker:ap-northeast-2:000000000000:training-job/job-1",
    TrainingJobStatus: "InProgress",
    SecondaryStatus: at as StoredTrainingJob["SecondaryStatus"],
    CreationTime: 1_000,
    LastModifiedTime: 1_000,
    SecondaryStatusTransitions: [
      { Status: at as StoredTrainingJob["SecondaryStatus"], StartTime: 1_000, StatusMessage: at },
    ],
    FinalMetricDataList: [],
    S3ModelArtifacts: "s3://b/job-1/output/model.tar.gz",
  };
}

function endpoint(at: string): EndpointRecord {
  return {
    EndpointName: "ep",
    EndpointArn: "arn:aws:sagemaker:ap-northeast-2:000000000000:endpoint/ep",
    EndpointConfigName: "cfg",
    EndpointStatus: at as EndpointRecord["EndpointStatus"],
    FailureReason: "an earlier problem",
    CreationTime: 1_000,
    LastModifiedTime: 1_000,
    variants: [],
  };
}

function transformJob(at: string): StoredTransformJob {
  return {
    request: {
      TransformJobName: "batch-1",
      ModelName: "m",
      TransformInput: { DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: "s3://b/in/" } } },
      TransformOutput: { S3OutputPath: "s3://b/out/" },
      TransformResources: { InstanceType: "ml.m5.large", InstanceCount: 1 },
    },
    TransformJobArn: "arn:aws:sagemaker:ap-northeast-2:000000000000:transform-job/batch-1",
    TransformJobStatus: at as StoredTransformJob["TransformJobStatus"],
    CreationTime: 1_000,
    LastModifiedTime: 1_000,
  };
}

function pipelineExecution(at: string): StoredExecution {
  return {
    PipelineName: "p",
    PipelineArn: "arn:aws:sagemaker:ap-northeast-2:000000000000:pipeline/p",
    PipelineExecutionArn: "arn:aws:sagemaker:ap-northeast-2:000000000000:pipeline/p/execution/abc",
    executionId: "abc",
    PipelineExecutionStatus: at as StoredExecution["PipelineExecutionStatus"],
    FailureReason: "an earlier failure",
    CreationTime: 1_000,
    LastModifiedTime: 1_000,
    definition: "{}",
    parameters: [],
    clientRequestTokens: [],
    steps: [],
  };
}

function pipelineStep(at: string): StoredStep {
  return {
    StepName: "Train",
    stepType: "Training",
    StepStatus: at as StoredStep["StepStatus"],
    StartTime: 1_000,
    LastModifiedTime: 1_000,
    AttemptCount: 1,
  };
}

function processingJob(at: string): StoredProcessingJob {
  return {
    request: {
      ProcessingJobName: "prep-1",
      RoleArn: "arn:aws:iam::000000000000:role/local",
      AppSpecification: { ImageUri: "ko-sagemaker/processing", ContainerEntrypoint: ["python3", "x.py"] },
      ProcessingResources: {
        ClusterConfig: { InstanceCount: 1, InstanceType: "ml.m5.xlarge", VolumeSizeInGB: 30 },
      },
    },
    ProcessingJobArn: "arn:aws:sagemaker:ap-northeast-2:000000000000:processing-job/prep-1",
    ProcessingJobStatus: at as StoredProcessingJob["ProcessingJobStatus"],
    CreationTime: 1_000,
    LastModifiedTime: 1_000,
  };
}

function everyPair<R extends { LastModifiedTime: number }, S extends string>(
  lifecycle: Lifecycle<R, S>,
): { from: S; to: S; legal: boolean }[] {
  const statuses = lifecycle.statuses();
  return statuses.flatMap((from) => statuses.map((to) => ({ from, to, legal: lifecycle.canMove(from, to) })));
}

describe.each([
  ["training job", TRAINING_JOB as unknown as Lifecycle<{ LastModifiedTime: number }, string>, trainingJob],
  ["endpoint", ENDPOINT as unknown as Lifecycle<{ LastModifiedTime: number }, string>, endpoint],
  [
    "transform job",
    TRANSFORM_JOB as unknown as Lifecycle<{ LastModifiedTime: number }, string>,
    transformJob,
  ],
  [
    "pipeline execution",
    PIPELINE_EXECUTION as unknown as Lifecycle<{ LastModifiedTime: number }, string>,
    pipelineExecution,
  ],
  [
    "pipeline step",
    PIPELINE_STEP as unknown as Lifecycle<{ LastModifiedTime: number }, string>,
    pipelineStep,
  ],
  [
    "processing job",
    PROCESSING_JOB as unknown as Lifecycle<{ LastModifiedTime: number }, string>,
    processingJob,
  ],
] as const)("the %s lifecycle", (_kind, lifecycle, make) => {
  const pairs = everyPair(lifecycle);

  it("has at least one legal move out of every status that is not final, and none out of a final one", () => {
    for (const status of lifecycle.statuses()) {
      expect(lifecycle.next(status).length > 0).toBe(!lifecycle.isFinal(status));
      for (const next of lifecycle.next(status)) expect(lifecycle.statuses()).toContain(next);
    }
  });

  it.each(pairs.filter((pair) => pair.legal))(
    "moves $from → $to, stamps the time and saves once",
    ({ from, to }) => {
      const record = make(from);
      const saved: unknown[] = [];
      lifecycle.transition(record, to, { reason: "why", message: "what", at: 5_000 }, (changed) =>
        saved.push(changed),
      );
      expect(lifecycle.status(record)).toBe(to);
      expect(record.LastModifiedTime).toBe(5_000);
      expect(saved).toEqual([record]);
    },
  );

  it.each(pairs.filter((pair) => !pair.legal))(
    "refuses $from → $to, changing and saving nothing",
    ({ from, to }) => {
      const record = make(from);
      const before = structuredClone(record);
      const saved: unknown[] = [];
      expect(() => lifecycle.transition(record, to, {}, (changed) => saved.push(changed))).toThrow(
        IllegalTransition,
      );
      expect(record).toEqual(before);
      expect(saved).toEqual([]);
    },
  );
});

describe("what a move records", () => {
  it("training: closes the previous step, derives TrainingJobStatus, keeps FailureReason and the end time", () => {
    const job = trainingJob("Training");
    TRAINING_JOB.transition(job, "Uploading", { message: "Uploading the model", at: 2_000 }, () => undefined);
    TRAINING_JOB.transition(
      job,
      "Failed",
      { reason: "ClientError: bucket gone", at: 3_000 },
      () => undefined,
    );
    expect(job.SecondaryStatusTransitions).toEqual([
      { Status: "Training", StartTime: 1_000, EndTime: 2_000, StatusMessage: "Training" },
      { Status: "Uploading", StartTime: 2_000, EndTime: 3_000, StatusMessage: "Uploading the model" },
      { Status: "Failed", StartTime: 3_000, StatusMessage: "Training job failed" },
    ]);
    expect(job).toMatchObject({
      TrainingJobStatus: "Failed",
      SecondaryStatus: "Failed",
      FailureReason: "ClientError: bucket gone",
      TrainingEndTime: 3_000,
    });
    const stopped = trainingJob("Stopping");
    TRAINING_JOB.transition(stopped, "MaxRuntimeExceeded", { at: 4_000 }, () => undefined);
    expect(stopped).toMatchObject({ TrainingJobStatus: "Stopped", SecondaryStatus: "MaxRuntimeExceeded" });
  });

  it("transform job: a failure keeps its reason; every final status stamps TransformEndTime", () => {
    const job = transformJob("InProgress");
    TRANSFORM_JOB.transition(
      job,
      "Failed",
      { reason: "ClientError: s3://b/in/a line 3", at: 2_000 },
      () => {},
    );
    expect(job).toMatchObject({
      TransformJobStatus: "Failed",
      FailureReason: "ClientError: s3://b/in/a line 3",
      TransformEndTime: 2_000,
    });
    const stopped = transformJob("InProgress");
    TRANSFORM_JOB.transition(stopped, "Stopping", { at: 3_000 }, () => undefined);
    expect(stopped.TransformEndTime).toBeUndefined();
    TRANSFORM_JOB.transition(stopped, "Stopped", { at: 4_000 }, () => undefined);
    expect(stopped).toMatchObject({ TransformJobStatus: "Stopped", TransformEndTime: 4_000 });
    expect(stopped.FailureReason).toBeUndefined();
  });

  it("processing job: a failure keeps its reason; every final status stamps ProcessingEndTime", () => {
    const job = processingJob("InProgress");
    PROCESSING_JOB.transition(job, "Failed", { reason: "AlgorithmError: exit 1", at: 2_000 }, () => {});
    expect(job).toMatchObject({
      ProcessingJobStatus: "Failed",
      FailureReason: "AlgorithmError: exit 1",
      ProcessingEndTime: 2_000,
    });
    const stopped = processingJob("InProgress");
    PROCESSING_JOB.transition(stopped, "Stopping", { at: 3_000 }, () => undefined);
    expect(stopped.ProcessingEndTime).toBeUndefined();
    PROCESSING_JOB.transition(stopped, "Stopped", { at: 4_000 }, () => undefined);
    expect(stopped).toMatchObject({ ProcessingJobStatus: "Stopped", ProcessingEndTime: 4_000 });
  });

  it("endpoint: a move sets FailureReason to its reason (none clears it), deleting keeps it", () => {
    const record = endpoint("InService");
    ENDPOINT.transition(record, "Updating", {}, () => undefined);
    expect(record.FailureReason).toBeUndefined();
    ENDPOINT.transition(record, "InService", { reason: "rolled back: image missing" }, () => undefined);
    expect(record.FailureReason).toBe("rolled back: image missing");
    ENDPOINT.transition(record, "Deleting", {}, () => undefined);
    expect(record).toMatchObject({ EndpointStatus: "Deleting", FailureReason: "rolled back: image missing" });
  });

  it("pipeline execution: Failed keeps its reason, a retry (back to Executing) clears it; only Succeeded is final", () => {
    const execution = pipelineExecution("Executing");
    PIPELINE_EXECUTION.transition(execution, "Failed", { reason: "Step failure: x", at: 2_000 }, () => {});
    expect(execution).toMatchObject({ PipelineExecutionStatus: "Failed", FailureReason: "Step failure: x" });
    PIPELINE_EXECUTION.transition(execution, "Executing", { at: 3_000 }, () => {});
    expect(execution.FailureReason).toBeUndefined();
    expect(PIPELINE_EXECUTION.isFinal("Succeeded")).toBe(true);
    expect(PIPELINE_EXECUTION.isFinal("Failed")).toBe(false);
  });

  it("pipeline step: a final status stamps EndTime; Failed keeps the reason", () => {
    const step = pipelineStep("Executing");
    PIPELINE_STEP.transition(step, "Stopping", { at: 2_000 }, () => {});
    expect(step.EndTime).toBeUndefined();
    PIPELINE_STEP.transition(step, "Failed", { reason: "AlgorithmError: exit 1", at: 3_000 }, () => {});
    expect(step).toMatchObject({
      StepStatus: "Failed",
      FailureReason: "AlgorithmError: exit 1",
      EndTime: 3_000,
    });
  });
});
