import type { ExperimentConfig } from "@aws-sdk/client-sagemaker";

/**
 * What a job service tells whoever listens (experiments: the job's trial component) about its jobs, without knowing
 * who that is: training and processing depend on this small interface, the experiments service implements it, and
 * the SageMaker service composes the two. Imports point one way.
 */

export type JobSourceType = "SageMakerTrainingJob" | "SageMakerProcessingJob";
export type JobPrimaryStatus = "InProgress" | "Completed" | "Failed" | "Stopping" | "Stopped";

/** Every value a metric took over the run, in brief (what an experiment's trial component reports). */
export interface MetricStats {
  MetricName: string;
  Count: number;
  Min: number;
  Max: number;
  Last: number;
  Avg: number;
  StdDev: number;
  /** Epoch milliseconds of the last value. */
  TimeStamp: number;
}

export interface JobArtifact {
  Value: string;
  MediaType?: string;
}

/** A job as a trial component sees it; times are epoch milliseconds. */
export interface JobSnapshot {
  sourceType: JobSourceType;
  name: string;
  arn: string;
  status: JobPrimaryStatus;
  /** Why it failed, or what its status says. */
  message?: string;
  experimentConfig?: ExperimentConfig;
  creationTime: number;
  lastModifiedTime: number;
  startTime?: number;
  endTime?: number;
  /** Hyperparameters and the job's resources (numbers where the value is one). */
  parameters: Record<string, string | number>;
  inputArtifacts: Record<string, JobArtifact>;
  outputArtifacts: Record<string, JobArtifact>;
  metrics: MetricStats[];
}

export interface JobListener {
  /** Before a job is accepted: throws the AwsError that refuses the request (an experiment that does not exist). */
  checkExperimentConfig(
    config: ExperimentConfig | undefined,
    job: { name: string; sourceType: JobSourceType },
  ): void;
  /** After the job is created and after every status change. Must not throw. */
  jobChanged(job: JobSnapshot): void;
}

/** A listener that hears nothing, for a job service used on its own. */
export const NO_JOB_LISTENER: JobListener = {
  checkExperimentConfig: () => undefined,
  jobChanged: () => undefined,
};

/** A hyperparameter as the Python SDK sends it (JSON-encoded text) decoded: a number where it is one. */
export function parameterValue(encoded: string): string | number {
  let value: unknown = encoded;
  try {
    value = JSON.parse(encoded);
  } catch {
    // plain text
  }
  if (typeof value === "number" && Number.isFinite(value)) return value;
  return typeof value === "string" ? value : encoded;
}
