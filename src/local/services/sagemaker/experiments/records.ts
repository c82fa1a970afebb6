import type {
  DescribeExperimentResponse,
  DescribeTrialComponentResponse,
  DescribeTrialResponse,
  ExperimentSummary,
  MetadataProperties,
  TrialComponentArtifact,
  TrialComponentMetricSummary,
  TrialComponentParameterValue,
  TrialComponentPrimaryStatus,
  TrialComponentSummary,
  TrialSummary,
} from "@aws-sdk/client-sagemaker";

/** How experiments, trials and trial components are kept: one JSON document each; times are epoch milliseconds. */

export interface StoredExperiment {
  ExperimentName: string;
  ExperimentArn: string;
  DisplayName?: string;
  Description?: string;
  CreationTime: number;
  LastModifiedTime: number;
}

export interface StoredTrial {
  TrialName: string;
  TrialArn: string;
  DisplayName?: string;
  ExperimentName: string;
  MetadataProperties?: MetadataProperties;
  /** Set when a job's ExperimentConfig made the trial: the job. */
  Source?: { SourceArn: string; SourceType: string };
  CreationTime: number;
  LastModifiedTime: number;
}

export interface StoredMetric {
  MetricName: string;
  SourceArn?: string;
  TimeStamp: number;
  Max: number;
  Min: number;
  Last: number;
  Count: number;
  Avg: number;
  StdDev: number;
}

export interface StoredTrialComponent {
  TrialComponentName: string;
  TrialComponentArn: string;
  DisplayName?: string;
  /** The job it stands for (components made by CreateTrialComponent have none). */
  Source?: { SourceArn: string; SourceType: string };
  Status?: { PrimaryStatus?: TrialComponentPrimaryStatus; Message?: string };
  StartTime?: number;
  EndTime?: number;
  Parameters: Record<string, TrialComponentParameterValue>;
  InputArtifacts: Record<string, TrialComponentArtifact>;
  OutputArtifacts: Record<string, TrialComponentArtifact>;
  Metrics: StoredMetric[];
  MetadataProperties?: MetadataProperties;
  RunName?: string;
  /** The trials it is associated with (and their experiments). */
  Parents: { TrialName: string; ExperimentName: string }[];
  CreationTime: number;
  LastModifiedTime: number;
}

const date = (ms: number | undefined): Date | undefined => (ms === undefined ? undefined : new Date(ms));

/** Absent members stay absent on the wire, as AWS leaves them out. */
export function present<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, member]) => member !== undefined)) as T;
}

export function describeExperiment(record: StoredExperiment): DescribeExperimentResponse {
  return present<DescribeExperimentResponse>({
    ExperimentName: record.ExperimentName,
    ExperimentArn: record.ExperimentArn,
    DisplayName: record.DisplayName ?? record.ExperimentName,
    Description: record.Description,
    CreationTime: new Date(record.CreationTime),
    LastModifiedTime: new Date(record.LastModifiedTime),
  });
}

export function summarizeExperiment(record: StoredExperiment): ExperimentSummary {
  return present<ExperimentSummary>({
    ExperimentArn: record.ExperimentArn,
    ExperimentName: record.ExperimentName,
    DisplayName: record.DisplayName ?? record.ExperimentName,
    CreationTime: new Date(record.CreationTime),
    LastModifiedTime: new Date(record.LastModifiedTime),
  });
}

export function describeTrial(record: StoredTrial): DescribeTrialResponse {
  return present<DescribeTrialResponse>({
    TrialName: record.TrialName,
    TrialArn: record.TrialArn,
    DisplayName: record.DisplayName ?? record.TrialName,
    ExperimentName: record.ExperimentName,
    Source: record.Source,
    CreationTime: new Date(record.CreationTime),
    LastModifiedTime: new Date(record.LastModifiedTime),
    MetadataProperties: record.MetadataProperties,
  });
}

export function summarizeTrial(record: StoredTrial): TrialSummary {
  return present<TrialSummary>({
    TrialArn: record.TrialArn,
    TrialName: record.TrialName,
    DisplayName: record.DisplayName ?? record.TrialName,
    TrialSource: record.Source,
    CreationTime: new Date(record.CreationTime),
    LastModifiedTime: new Date(record.LastModifiedTime),
  });
}

function metricSummary(metric: StoredMetric): TrialComponentMetricSummary {
  return { ...metric, TimeStamp: new Date(metric.TimeStamp) };
}

export function describeTrialComponent(record: StoredTrialComponent): DescribeTrialComponentResponse {
  return present<DescribeTrialComponentResponse>({
    TrialComponentName: record.TrialComponentName,
    TrialComponentArn: record.TrialComponentArn,
    DisplayName: record.DisplayName ?? record.TrialComponentName,
    Source: record.Source,
    Status: record.Status,
    StartTime: date(record.StartTime),
    EndTime: date(record.EndTime),
    CreationTime: new Date(record.CreationTime),
    LastModifiedTime: new Date(record.LastModifiedTime),
    Parameters: record.Parameters,
    InputArtifacts: record.InputArtifacts,
    OutputArtifacts: record.OutputArtifacts,
    MetadataProperties: record.MetadataProperties,
    Metrics: record.Metrics.map(metricSummary),
    Sources: record.Source ? [record.Source] : undefined,
  });
}

export function summarizeTrialComponent(record: StoredTrialComponent): TrialComponentSummary {
  return present<TrialComponentSummary>({
    TrialComponentName: record.TrialComponentName,
    TrialComponentArn: record.TrialComponentArn,
    DisplayName: record.DisplayName ?? record.TrialComponentName,
    TrialComponentSource: record.Source,
    Status: record.Status,
    StartTime: date(record.StartTime),
    EndTime: date(record.EndTime),
    CreationTime: new Date(record.CreationTime),
    LastModifiedTime: new Date(record.LastModifiedTime),
  });
}
