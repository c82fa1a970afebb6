import type {
  EndpointStatus,
  PipelineExecutionStatus,
  ProcessingJobStatus,
  SecondaryStatus,
  StepStatus,
  TrainingJobStatus,
  TransformJobStatus,
} from "@aws-sdk/client-sagemaker";
import { Lifecycle } from "../../core/lifecycle";
import type { EndpointRecord } from "./hosting/records";
import type { StoredExecution, StoredStep } from "./pipelines/records";
import type { StoredProcessingJob } from "./processing/records";
import type { StoredTrainingJob } from "./training/records";
import type { StoredTransformJob } from "./transform/records";

/**
 * The lifecycle of every SageMaker resource kind local SageMaker runs, one table each: the statuses, and where
 * each may go next (an empty list: final). `transition()` is the only way a status changes (see core/lifecycle).
 */

type TrainingStep = Extract<
  SecondaryStatus,
  | "Starting"
  | "Downloading"
  | "Training"
  | "Uploading"
  | "Stopping"
  | "Stopped"
  | "MaxRuntimeExceeded"
  | "Completed"
  | "Failed"
>;

/** TrainingJobStatus follows from the SecondaryStatus the job is in. */
const TRAINING_STATUS: Readonly<Record<TrainingStep, TrainingJobStatus>> = {
  Starting: "InProgress",
  Downloading: "InProgress",
  Training: "InProgress",
  Uploading: "InProgress",
  Stopping: "Stopping",
  Stopped: "Stopped",
  MaxRuntimeExceeded: "Stopped",
  Completed: "Completed",
  Failed: "Failed",
};

/**
 * A training job moves through SecondaryStatus steps (the table is over those); any step before the end may be
 * stopped or fail. MaxRuntimeExceeded is how a job stopped by its StoppingCondition ends.
 */
export const TRAINING_JOB = new Lifecycle<StoredTrainingJob, TrainingStep>({
  kind: "training job",
  moves: {
    Starting: ["Downloading", "Stopping", "Failed"],
    Downloading: ["Training", "Stopping", "Failed"],
    Training: ["Uploading", "Stopping", "Failed"],
    Uploading: ["Completed", "Stopping", "Failed"],
    Stopping: ["Stopped", "MaxRuntimeExceeded", "Failed"],
    Stopped: [],
    MaxRuntimeExceeded: [],
    Completed: [],
    Failed: [],
  },
  name: (job) => job.request.TrainingJobName ?? "",
  status: (job) => job.SecondaryStatus as TrainingStep,
  apply(job, to, change, at) {
    const last = job.SecondaryStatusTransitions.at(-1);
    if (last && last.EndTime === undefined) last.EndTime = at;
    job.SecondaryStatusTransitions.push({
      Status: to,
      StartTime: at,
      StatusMessage: to === "Failed" ? "Training job failed" : (change.message ?? to),
    });
    job.SecondaryStatus = to;
    job.TrainingJobStatus = TRAINING_STATUS[to];
    if (to === "Failed") job.FailureReason = change.reason;
    if (TRAINING_JOB.isFinal(to)) {
      job.TrainingEndTime = at;
      job.TrainingStartTime ??= at;
    }
  },
});

/** The first step of every training job. */
export const TRAINING_JOB_START: TrainingStep = "Starting";

type EndpointState = Extract<
  EndpointStatus,
  "Creating" | "InService" | "Updating" | "RollingBack" | "UpdateRollbackFailed" | "Failed" | "Deleting"
>;

/**
 * An endpoint is Creating until its first deployment serves; Updating while UpdateEndpoint or
 * UpdateEndpointWeightsAndCapacities runs (and back to InService, rolled back or not); Failed when it cannot serve.
 * FailureReason is what the last move said: a rollback keeps the endpoint InService and says why.
 */
export const ENDPOINT = new Lifecycle<EndpointRecord, EndpointState>({
  kind: "endpoint",
  moves: {
    Creating: ["InService", "Failed", "Deleting"],
    InService: ["Updating", "Failed", "Deleting"],
    Updating: ["InService", "RollingBack", "Failed", "Deleting"],
    RollingBack: ["InService", "UpdateRollbackFailed", "Deleting"],
    UpdateRollbackFailed: ["Updating", "Deleting"],
    Failed: ["Deleting"],
    Deleting: [],
  },
  name: (record) => record.EndpointName,
  status: (record) => record.EndpointStatus as EndpointState,
  apply(record, to, change) {
    record.EndpointStatus = to;
    if (to !== "Deleting") record.FailureReason = change.reason;
  },
});

export const ENDPOINT_START: EndpointState = "Creating";

/**
 * A transform job runs until it completes, fails or is stopped; a stop it is asked for goes through Stopping, and a
 * job found Stopping after a restart of the server fails (its instances died with the server).
 */
export const TRANSFORM_JOB = new Lifecycle<StoredTransformJob, TransformJobStatus>({
  kind: "transform job",
  moves: {
    InProgress: ["Completed", "Failed", "Stopping"],
    Stopping: ["Stopped", "Failed"],
    Completed: [],
    Failed: [],
    Stopped: [],
  },
  name: (job) => job.request.TransformJobName ?? "",
  status: (job) => job.TransformJobStatus,
  apply(job, to, change, at) {
    job.TransformJobStatus = to;
    if (to === "Failed") job.FailureReason = change.reason;
    if (TRANSFORM_JOB.isFinal(to)) job.TransformEndTime = at;
  },
});

export const TRANSFORM_JOB_START: TransformJobStatus = "InProgress";

/**
 * A pipeline execution runs until its steps are done: Succeeded when every step that ran succeeded, Failed when one
 * failed (or the server restarted under it), Stopped after StopPipelineExecution. A Failed or Stopped execution may
 * be retried (RetryPipelineExecution), which makes it Executing again; only Succeeded is final.
 */
export const PIPELINE_EXECUTION = new Lifecycle<StoredExecution, PipelineExecutionStatus>({
  kind: "pipeline execution",
  moves: {
    Executing: ["Succeeded", "Failed", "Stopping"],
    Stopping: ["Stopped", "Failed", "Succeeded"],
    Failed: ["Executing"],
    Stopped: ["Executing"],
    Succeeded: [],
  },
  name: (execution) => execution.PipelineExecutionArn,
  status: (execution) => execution.PipelineExecutionStatus,
  apply(execution, to, change) {
    execution.PipelineExecutionStatus = to;
    if (to === "Failed") execution.FailureReason = change.reason;
    if (to === "Executing") delete execution.FailureReason;
  },
});

export const PIPELINE_EXECUTION_START: PipelineExecutionStatus = "Executing";

/** Whether an execution has ended (for now: Failed and Stopped ones may be retried). */
export const executionEnded = (status: PipelineExecutionStatus): boolean =>
  status === "Succeeded" || status === "Failed" || status === "Stopped";

/**
 * A step of an execution: Starting while its arguments are evaluated and its job is created, Executing while the job
 * runs, then Succeeded, Failed or (after a stop) Stopped. A cache hit goes from Starting to Succeeded at once; a step
 * whose job ended before the stop reached it ends as the job did.
 */
export const PIPELINE_STEP = new Lifecycle<StoredStep, StepStatus>({
  kind: "pipeline step",
  moves: {
    Starting: ["Executing", "Succeeded", "Failed", "Stopping", "Stopped"],
    Executing: ["Succeeded", "Failed", "Stopping"],
    Stopping: ["Stopped", "Failed", "Succeeded"],
    Stopped: [],
    Failed: [],
    Succeeded: [],
  },
  name: (step) => step.StepName,
  status: (step) => step.StepStatus,
  apply(step, to, change, at) {
    step.StepStatus = to;
    if (to === "Failed") step.FailureReason = change.reason;
    if (PIPELINE_STEP.isFinal(to)) step.EndTime = at;
  },
});

export const PIPELINE_STEP_START: StepStatus = "Starting";

/**
 * A processing job runs until it completes, fails or is stopped (StopProcessingJob or its MaxRuntimeInSeconds,
 * both through Stopping); a job found running after a restart of the server fails (its process died with the
 * server). ExitMessage is kept by the run before the final move; FailureReason by the move to Failed.
 */
export const PROCESSING_JOB = new Lifecycle<StoredProcessingJob, ProcessingJobStatus>({
  kind: "processing job",
  moves: {
    InProgress: ["Completed", "Failed", "Stopping"],
    Stopping: ["Stopped", "Failed"],
    Completed: [],
    Failed: [],
    Stopped: [],
  },
  name: (job) => job.request.ProcessingJobName ?? "",
  status: (job) => job.ProcessingJobStatus,
  apply(job, to, change, at) {
    job.ProcessingJobStatus = to;
    if (to === "Failed") job.FailureReason = change.reason;
    if (PROCESSING_JOB.isFinal(to)) job.ProcessingEndTime = at;
  },
});

export const PROCESSING_JOB_START: ProcessingJobStatus = "InProgress";
