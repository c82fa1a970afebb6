import type {
  DescribePipelineExecutionResponse,
  DescribePipelineResponse,
  ParallelismConfiguration,
  Parameter,
  PipelineExecutionStatus,
  PipelineExecutionStep,
  PipelineExecutionStepMetadata,
  PipelineExecutionSummary,
  PipelineSummary,
  StepStatus,
} from "@aws-sdk/client-sagemaker";
import type { StepType } from "./definition";

/** Durable documents of pipelines and their executions. Times are epoch milliseconds; outputs make them Dates. */

export interface StoredPipeline {
  PipelineName: string;
  PipelineArn: string;
  PipelineDisplayName?: string;
  PipelineDescription?: string;
  PipelineDefinition: string;
  RoleArn: string;
  CreationTime: number;
  LastModifiedTime: number;
  LastRunTime?: number;
  ParallelismConfiguration?: ParallelismConfiguration;
  /** CreatePipeline's ClientRequestToken: the same request again answers the same pipeline. */
  clientRequestToken?: string;
}

/** Which resource a step made (or reused, on a cache hit): its properties are that resource's Describe answer. */
export interface StepResource {
  kind: "TrainingJob" | "ProcessingJob" | "TransformJob" | "Model" | "ModelPackage";
  /** The job or model name; the ARN for a model package. */
  name: string;
}

export interface StoredStep {
  StepName: string;
  StepDisplayName?: string;
  StepDescription?: string;
  stepType: StepType;
  StepStatus: StepStatus;
  StartTime: number;
  EndTime?: number;
  LastModifiedTime: number;
  FailureReason?: string;
  Metadata?: PipelineExecutionStepMetadata;
  CacheHitResult?: { SourcePipelineExecutionArn: string };
  AttemptCount: number;
  resource?: StepResource;
  /** Set when a cacheable step ran: the hash of the attributes a later run must match to reuse it. */
  cacheKey?: string;
  /** Condition steps. */
  outcome?: "True" | "False";
  /** Lambda steps: the declared outputs, typed. */
  outputs?: Record<string, string | number | boolean>;
}

export interface StoredExecution {
  PipelineName: string;
  PipelineArn: string;
  PipelineExecutionArn: string;
  executionId: string;
  PipelineExecutionDisplayName?: string;
  PipelineExecutionDescription?: string;
  PipelineExecutionStatus: PipelineExecutionStatus;
  FailureReason?: string;
  CreationTime: number;
  LastModifiedTime: number;
  ParallelismConfiguration?: ParallelismConfiguration;
  PipelineExperimentConfig?: { ExperimentName?: string; TrialName?: string };
  /** The definition as it was when the execution started (DescribePipelineDefinitionForExecution). */
  definition: string;
  /** Every parameter of the definition with the value this execution uses, as text (defaults included). */
  parameters: Parameter[];
  /** StartPipelineExecution's and RetryPipelineExecution's tokens: a repeated request is answered, not redone. */
  clientRequestTokens: string[];
  /** In the order the steps started; a retried step's record is replaced by its next attempt. */
  steps: StoredStep[];
  /** How many attempts each retried step had before (RetryPipelineExecution), for AttemptCount. */
  earlierAttempts?: Record<string, number>;
}

const date = (ms: number | undefined): Date | undefined => (ms === undefined ? undefined : new Date(ms));

const withoutUndefined = <T extends object>(value: T): T =>
  Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as T;

export function describePipeline(pipeline: StoredPipeline): DescribePipelineResponse {
  return withoutUndefined({
    PipelineArn: pipeline.PipelineArn,
    PipelineName: pipeline.PipelineName,
    PipelineDisplayName: pipeline.PipelineDisplayName ?? pipeline.PipelineName,
    PipelineDefinition: pipeline.PipelineDefinition,
    PipelineDescription: pipeline.PipelineDescription,
    RoleArn: pipeline.RoleArn,
    PipelineStatus: "Active",
    CreationTime: new Date(pipeline.CreationTime),
    LastModifiedTime: new Date(pipeline.LastModifiedTime),
    LastRunTime: date(pipeline.LastRunTime),
    CreatedBy: {},
    LastModifiedBy: {},
    ParallelismConfiguration: pipeline.ParallelismConfiguration,
  });
}

export function summarizePipeline(pipeline: StoredPipeline): PipelineSummary {
  return withoutUndefined({
    PipelineArn: pipeline.PipelineArn,
    PipelineName: pipeline.PipelineName,
    PipelineDisplayName: pipeline.PipelineDisplayName ?? pipeline.PipelineName,
    PipelineDescription: pipeline.PipelineDescription,
    RoleArn: pipeline.RoleArn,
    CreationTime: new Date(pipeline.CreationTime),
    LastModifiedTime: new Date(pipeline.LastModifiedTime),
    LastExecutionTime: date(pipeline.LastRunTime),
  });
}

export function describeExecution(execution: StoredExecution): DescribePipelineExecutionResponse {
  return withoutUndefined({
    PipelineArn: execution.PipelineArn,
    PipelineExecutionArn: execution.PipelineExecutionArn,
    PipelineExecutionDisplayName:
      execution.PipelineExecutionDisplayName ?? `execution-${execution.CreationTime}`,
    PipelineExecutionStatus: execution.PipelineExecutionStatus,
    PipelineExecutionDescription: execution.PipelineExecutionDescription,
    PipelineExperimentConfig: execution.PipelineExperimentConfig,
    FailureReason: execution.FailureReason,
    CreationTime: new Date(execution.CreationTime),
    LastModifiedTime: new Date(execution.LastModifiedTime),
    CreatedBy: {},
    LastModifiedBy: {},
    ParallelismConfiguration: execution.ParallelismConfiguration,
  });
}

export function summarizeExecution(execution: StoredExecution): PipelineExecutionSummary {
  return withoutUndefined({
    PipelineExecutionArn: execution.PipelineExecutionArn,
    StartTime: new Date(execution.CreationTime),
    PipelineExecutionStatus: execution.PipelineExecutionStatus,
    PipelineExecutionDescription: execution.PipelineExecutionDescription,
    PipelineExecutionDisplayName:
      execution.PipelineExecutionDisplayName ?? `execution-${execution.CreationTime}`,
    PipelineExecutionFailureReason: execution.FailureReason,
  });
}

export function describeStep(step: StoredStep): PipelineExecutionStep {
  return withoutUndefined({
    StepName: step.StepName,
    StepDisplayName: step.StepDisplayName,
    StepDescription: step.StepDescription,
    StartTime: new Date(step.StartTime),
    EndTime: date(step.EndTime),
    StepStatus: step.StepStatus,
    CacheHitResult: step.CacheHitResult,
    FailureReason: step.FailureReason,
    Metadata: step.Metadata ?? {},
    AttemptCount: step.AttemptCount,
  });
}
