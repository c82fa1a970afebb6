import type {
  AssociateTrialComponentRequest,
  AssociateTrialComponentResponse,
  CreateExperimentRequest,
  CreateExperimentResponse,
  CreateTrialComponentRequest,
  CreateTrialComponentResponse,
  CreateTrialRequest,
  CreateTrialResponse,
  DeleteExperimentRequest,
  DeleteExperimentResponse,
  DeleteTrialComponentRequest,
  DeleteTrialComponentResponse,
  DeleteTrialRequest,
  DeleteTrialResponse,
  DescribeExperimentRequest,
  DescribeExperimentResponse,
  DescribeTrialComponentRequest,
  DescribeTrialComponentResponse,
  DescribeTrialRequest,
  DescribeTrialResponse,
  DisassociateTrialComponentRequest,
  DisassociateTrialComponentResponse,
  ExperimentConfig,
  ListExperimentsRequest,
  ListExperimentsResponse,
  ListTrialComponentsRequest,
  ListTrialComponentsResponse,
  ListTrialsRequest,
  ListTrialsResponse,
  TrialComponentArtifact,
  TrialComponentParameterValue,
  UpdateTrialComponentRequest,
  UpdateTrialComponentResponse,
} from "@aws-sdk/client-sagemaker";
import { sagemakerArn, storeKey } from "../../../core/arns";
import { AwsError, reportUnexpected, validation } from "../../../core/errors";
import { type ListInput, listPage } from "../../../core/listing";
import { JsonStore } from "../../../core/store";
import type { ServiceContext } from "../../context";
import type { JobListener, JobSnapshot, JobSourceType } from "../job-events";
import type { TagRegistry } from "../tags";
import {
  describeExperiment,
  describeTrial,
  describeTrialComponent,
  type StoredExperiment,
  type StoredTrial,
  type StoredTrialComponent,
  summarizeExperiment,
  summarizeTrial,
  summarizeTrialComponent,
} from "./records";

type Tags = { Key: string; Value: string }[] | undefined;

/** The trial component SageMaker makes for a job: `<job>-aws-training-job`, `<job>-aws-processing-job`. */
export function jobComponentName(job: { name: string; sourceType: JobSourceType }): string {
  return `${job.name}-${job.sourceType === "SageMakerTrainingJob" ? "aws-training-job" : "aws-processing-job"}`;
}

const notFound = (what: string, arn: string): AwsError =>
  new AwsError("ResourceNotFound", `${what} "${arn}" does not exist.`);

const alreadyExists = (what: string, arn: string): AwsError =>
  validation(
    `${what} "${arn}" already exists; names are unique in an account and region, regardless of case.`,
  );

/** A name or an ARN (DescribeTrialComponent takes either): the name. */
const nameOf = (nameOrArn: string): string =>
  nameOrArn.startsWith("arn:") ? (nameOrArn.split("/").at(-1) ?? nameOrArn) : nameOrArn;

/** The list filters these operations share, in the vocabulary of core/listing. */
function listInput(request: {
  CreatedAfter?: Date;
  CreatedBefore?: Date;
  SortBy?: string;
  SortOrder?: string;
  MaxResults?: number;
  NextToken?: string;
}): ListInput {
  return {
    CreationTimeAfter: request.CreatedAfter,
    CreationTimeBefore: request.CreatedBefore,
    SortBy: request.SortBy,
    SortOrder: request.SortOrder,
    MaxResults: request.MaxResults,
    NextToken: request.NextToken,
  };
}

function page<T, R>(
  items: T[],
  request: Parameters<typeof listInput>[0],
  name: (item: T) => string,
  times: (item: T) => { creationTime: number; lastModifiedTime: number },
  summarize: (item: T) => R,
): { summaries: R[]; NextToken?: string } {
  const { page: rows, NextToken } = listPage(items, listInput(request), (item) => ({
    name: name(item),
    ...times(item),
  }));
  return NextToken === undefined
    ? { summaries: rows.map(summarize) }
    : { summaries: rows.map(summarize), NextToken };
}

const artifacts = (
  input: Record<string, TrialComponentArtifact> | undefined,
): Record<string, TrialComponentArtifact> => ({ ...(input ?? {}) });

/**
 * SageMaker Experiments: experiments hold trials, trials hold trial components (many-to-many through
 * Associate/DisassociateTrialComponent). Every training and processing job gets its trial component, named as
 * SageMaker names it, with its parameters, artifacts, metrics and status kept up to date (this class is the jobs'
 * listener); a job whose ExperimentConfig names an experiment and trial is associated with that trial, as on AWS
 * both must exist; naming only the experiment puts the job in a new trial named after the job.
 */
export class Experiments implements JobListener {
  private readonly experiments: JsonStore<StoredExperiment>;
  private readonly trials: JsonStore<StoredTrial>;
  private readonly components: JsonStore<StoredTrialComponent>;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly tags: TagRegistry,
  ) {
    this.experiments = new JsonStore(ctx.stateDir, "sagemaker-experiments", (name) => `experiment ${name}`);
    this.trials = new JsonStore(ctx.stateDir, "sagemaker-trials", (name) => `trial ${name}`);
    this.components = new JsonStore(
      ctx.stateDir,
      "sagemaker-trial-components",
      (name) => `trial component ${name}`,
    );
  }

  private experimentArn(name: string): string {
    return sagemakerArn(this.ctx, "experiment", name);
  }

  private trialArn(name: string): string {
    return sagemakerArn(this.ctx, "experiment-trial", name);
  }

  private componentArn(name: string): string {
    return sagemakerArn(this.ctx, "experiment-trial-component", name);
  }

  private experiment(name: string | undefined): StoredExperiment {
    const record = name === undefined ? undefined : this.experiments.get(storeKey(name));
    if (!record) throw notFound("Experiment", this.experimentArn(name ?? ""));
    return record;
  }

  private trial(name: string | undefined): StoredTrial {
    const record = name === undefined ? undefined : this.trials.get(storeKey(name));
    if (!record) throw notFound("Trial", this.trialArn(name ?? ""));
    return record;
  }

  private component(name: string | undefined): StoredTrialComponent {
    const key = name === undefined ? undefined : nameOf(name);
    const record = key === undefined ? undefined : this.components.get(storeKey(key));
    if (!record) throw notFound("Trial component", this.componentArn(key ?? ""));
    return record;
  }

  /** For Search and the pipelines: every record as it is kept. */
  allExperiments(): StoredExperiment[] {
    return this.experiments.list();
  }

  allTrials(): StoredTrial[] {
    return this.trials.list();
  }

  allTrialComponents(): StoredTrialComponent[] {
    return this.components.list();
  }

  // ---- experiments ---------------------------------------------------------------------------------------

  createExperiment(request: CreateExperimentRequest): CreateExperimentResponse {
    const name = request.ExperimentName as string;
    const arn = this.experimentArn(name);
    if (this.experiments.get(storeKey(name))) throw alreadyExists("Experiment", arn);
    this.tags.register(arn, request.Tags as Tags);
    const now = Date.now();
    this.experiments.put(storeKey(name), {
      ExperimentName: name,
      ExperimentArn: arn,
      DisplayName: request.DisplayName,
      Description: request.Description,
      CreationTime: now,
      LastModifiedTime: now,
    });
    return { ExperimentArn: arn };
  }

  describeExperiment(request: DescribeExperimentRequest): DescribeExperimentResponse {
    return describeExperiment(this.experiment(request.ExperimentName));
  }

  listExperiments(request: ListExperimentsRequest): ListExperimentsResponse {
    const { summaries, NextToken } = page(
      this.experiments.list(),
      request,
      (record) => record.ExperimentName,
      (record) => ({ creationTime: record.CreationTime, lastModifiedTime: record.LastModifiedTime }),
      summarizeExperiment,
    );
    return NextToken === undefined
      ? { ExperimentSummaries: summaries }
      : { ExperimentSummaries: summaries, NextToken };
  }

  /** As on AWS, an experiment's trials are deleted first. */
  deleteExperiment(request: DeleteExperimentRequest): DeleteExperimentResponse {
    const record = this.experiment(request.ExperimentName);
    const trials = this.trialsOf(record.ExperimentName);
    if (trials.length > 0) {
      throw validation(
        `Experiment "${record.ExperimentName}" still has ${trials.length} trial(s) (${trials
          .slice(0, 5)
          .map((trial) => trial.TrialName)
          .join(", ")}${trials.length > 5 ? ", ..." : ""}); delete them first (DeleteTrial).`,
      );
    }
    this.experiments.delete(storeKey(record.ExperimentName));
    this.tags.unregister(record.ExperimentArn);
    return { ExperimentArn: record.ExperimentArn };
  }

  private trialsOf(experiment: string): StoredTrial[] {
    return this.trials.list().filter((trial) => storeKey(trial.ExperimentName) === storeKey(experiment));
  }

  // ---- trials --------------------------------------------------------------------------------------------

  createTrial(request: CreateTrialRequest): CreateTrialResponse {
    const experiment = this.experiment(request.ExperimentName);
    return { TrialArn: this.addTrial(request, experiment).TrialArn };
  }

  private addTrial(
    request: Pick<CreateTrialRequest, "TrialName" | "DisplayName" | "MetadataProperties" | "Tags">,
    experiment: StoredExperiment,
    source?: StoredTrial["Source"],
  ): StoredTrial {
    const name = request.TrialName as string;
    const arn = this.trialArn(name);
    if (this.trials.get(storeKey(name))) throw alreadyExists("Trial", arn);
    this.tags.register(arn, request.Tags as Tags);
    const now = Date.now();
    const record: StoredTrial = {
      TrialName: name,
      TrialArn: arn,
      DisplayName: request.DisplayName,
      ExperimentName: experiment.ExperimentName,
      MetadataProperties: request.MetadataProperties,
      Source: source,
      CreationTime: now,
      LastModifiedTime: now,
    };
    this.trials.put(storeKey(name), record);
    return record;
  }

  describeTrial(request: DescribeTrialRequest): DescribeTrialResponse {
    return describeTrial(this.trial(request.TrialName));
  }

  listTrials(request: ListTrialsRequest): ListTrialsResponse {
    let trials = this.trials.list();
    if (request.ExperimentName !== undefined) {
      const experiment = this.experiment(request.ExperimentName);
      trials = trials.filter(
        (trial) => storeKey(trial.ExperimentName) === storeKey(experiment.ExperimentName),
      );
    }
    if (request.TrialComponentName !== undefined) {
      const parents = new Set(
        this.component(request.TrialComponentName).Parents.map((parent) => storeKey(parent.TrialName)),
      );
      trials = trials.filter((trial) => parents.has(storeKey(trial.TrialName)));
    }
    const { summaries, NextToken } = page(
      trials,
      request,
      (record) => record.TrialName,
      (record) => ({ creationTime: record.CreationTime, lastModifiedTime: record.LastModifiedTime }),
      summarizeTrial,
    );
    return NextToken === undefined ? { TrialSummaries: summaries } : { TrialSummaries: summaries, NextToken };
  }

  /** As on AWS, a trial's components are disassociated first. */
  deleteTrial(request: DeleteTrialRequest): DeleteTrialResponse {
    const record = this.trial(request.TrialName);
    const members = this.componentsOf(record.TrialName);
    if (members.length > 0) {
      throw validation(
        `Trial "${record.TrialName}" still has ${members.length} trial component(s) (${members
          .slice(0, 5)
          .map((member) => member.TrialComponentName)
          .join(
            ", ",
          )}${members.length > 5 ? ", ..." : ""}); disassociate them first (DisassociateTrialComponent).`,
      );
    }
    this.trials.delete(storeKey(record.TrialName));
    this.tags.unregister(record.TrialArn);
    return { TrialArn: record.TrialArn };
  }

  /** The components associated with a trial. */
  componentsOf(trial: string): StoredTrialComponent[] {
    return this.components
      .list()
      .filter((component) =>
        component.Parents.some((parent) => storeKey(parent.TrialName) === storeKey(trial)),
      );
  }

  // ---- trial components ----------------------------------------------------------------------------------

  createTrialComponent(request: CreateTrialComponentRequest): CreateTrialComponentResponse {
    const name = request.TrialComponentName as string;
    const arn = this.componentArn(name);
    if (this.components.get(storeKey(name))) throw alreadyExists("Trial component", arn);
    this.tags.register(arn, request.Tags as Tags);
    const now = Date.now();
    this.components.put(storeKey(name), {
      TrialComponentName: name,
      TrialComponentArn: arn,
      DisplayName: request.DisplayName,
      Status: request.Status,
      StartTime: request.StartTime?.getTime(),
      EndTime: request.EndTime?.getTime(),
      Parameters: { ...(request.Parameters ?? {}) },
      InputArtifacts: artifacts(request.InputArtifacts),
      OutputArtifacts: artifacts(request.OutputArtifacts),
      Metrics: [],
      MetadataProperties: request.MetadataProperties,
      Parents: [],
      CreationTime: now,
      LastModifiedTime: now,
    });
    return { TrialComponentArn: arn };
  }

  describeTrialComponent(request: DescribeTrialComponentRequest): DescribeTrialComponentResponse {
    return describeTrialComponent(this.component(request.TrialComponentName));
  }

  listTrialComponents(request: ListTrialComponentsRequest): ListTrialComponentsResponse {
    const given = (["ExperimentName", "TrialName", "SourceArn"] as const).filter(
      (member) => request[member] !== undefined,
    );
    if (given.length > 1) {
      throw validation(
        `ListTrialComponents filters by one of ExperimentName, TrialName and SourceArn at a time; this request gives ${given.join(" and ")}.`,
      );
    }
    let components = this.components.list();
    if (request.ExperimentName !== undefined) {
      const experiment = storeKey(this.experiment(request.ExperimentName).ExperimentName);
      components = components.filter((c) => c.Parents.some((p) => storeKey(p.ExperimentName) === experiment));
    }
    if (request.TrialName !== undefined) {
      const trial = storeKey(this.trial(request.TrialName).TrialName);
      components = components.filter((c) => c.Parents.some((p) => storeKey(p.TrialName) === trial));
    }
    if (request.SourceArn !== undefined) {
      components = components.filter((c) => c.Source?.SourceArn === request.SourceArn);
    }
    const { summaries, NextToken } = page(
      components,
      request,
      (record) => record.TrialComponentName,
      (record) => ({ creationTime: record.CreationTime, lastModifiedTime: record.LastModifiedTime }),
      summarizeTrialComponent,
    );
    return NextToken === undefined
      ? { TrialComponentSummaries: summaries }
      : { TrialComponentSummaries: summaries, NextToken };
  }

  updateTrialComponent(request: UpdateTrialComponentRequest): UpdateTrialComponentResponse {
    const record = this.component(request.TrialComponentName);
    const edit = <V>(
      kept: Record<string, V>,
      added: Record<string, V> | undefined,
      removed: string[] | undefined,
      member: string,
    ): Record<string, V> => {
      const clash = (removed ?? []).filter((key) => added !== undefined && Object.hasOwn(added, key));
      if (clash.length > 0) {
        throw validation(
          `UpdateTrialComponent sets and removes the same ${member} key(s) (${clash.join(", ")}); do one or the other.`,
        );
      }
      const next = { ...kept, ...(added ?? {}) };
      for (const key of removed ?? []) delete next[key];
      return next;
    };
    record.Parameters = edit<TrialComponentParameterValue>(
      record.Parameters,
      request.Parameters,
      request.ParametersToRemove,
      "Parameters",
    );
    record.InputArtifacts = edit(
      record.InputArtifacts,
      request.InputArtifacts,
      request.InputArtifactsToRemove,
      "InputArtifacts",
    );
    record.OutputArtifacts = edit(
      record.OutputArtifacts,
      request.OutputArtifacts,
      request.OutputArtifactsToRemove,
      "OutputArtifacts",
    );
    if (request.DisplayName !== undefined) record.DisplayName = request.DisplayName;
    if (request.Status !== undefined) record.Status = request.Status;
    if (request.StartTime !== undefined) record.StartTime = request.StartTime.getTime();
    if (request.EndTime !== undefined) record.EndTime = request.EndTime.getTime();
    record.LastModifiedTime = Date.now();
    this.components.put(storeKey(record.TrialComponentName), record);
    return { TrialComponentArn: record.TrialComponentArn };
  }

  /** As on AWS, a component is disassociated from every trial first. */
  deleteTrialComponent(request: DeleteTrialComponentRequest): DeleteTrialComponentResponse {
    const record = this.component(request.TrialComponentName);
    if (record.Parents.length > 0) {
      throw validation(
        `Trial component "${record.TrialComponentName}" is associated with trial(s) ${record.Parents.map((p) => p.TrialName).join(", ")}; disassociate it first (DisassociateTrialComponent).`,
      );
    }
    this.components.delete(storeKey(record.TrialComponentName));
    this.tags.unregister(record.TrialComponentArn);
    return { TrialComponentArn: record.TrialComponentArn };
  }

  associateTrialComponent(request: AssociateTrialComponentRequest): AssociateTrialComponentResponse {
    const component = this.component(request.TrialComponentName);
    const trial = this.trial(request.TrialName);
    this.associate(component, trial);
    return { TrialComponentArn: component.TrialComponentArn, TrialArn: trial.TrialArn };
  }

  private associate(component: StoredTrialComponent, trial: StoredTrial): void {
    if (component.Parents.some((parent) => storeKey(parent.TrialName) === storeKey(trial.TrialName))) return;
    component.Parents.push({ TrialName: trial.TrialName, ExperimentName: trial.ExperimentName });
    component.LastModifiedTime = Date.now();
    this.components.put(storeKey(component.TrialComponentName), component);
    trial.LastModifiedTime = component.LastModifiedTime;
    this.trials.put(storeKey(trial.TrialName), trial);
  }

  disassociateTrialComponent(request: DisassociateTrialComponentRequest): DisassociateTrialComponentResponse {
    const component = this.component(request.TrialComponentName);
    const trial = this.trial(request.TrialName);
    const before = component.Parents.length;
    component.Parents = component.Parents.filter(
      (parent) => storeKey(parent.TrialName) !== storeKey(trial.TrialName),
    );
    if (component.Parents.length === before) {
      throw validation(
        `Trial component "${component.TrialComponentName}" is not associated with trial "${trial.TrialName}".`,
      );
    }
    component.LastModifiedTime = Date.now();
    this.components.put(storeKey(component.TrialComponentName), component);
    return { TrialComponentArn: component.TrialComponentArn, TrialArn: trial.TrialArn };
  }

  // ---- the jobs' listener --------------------------------------------------------------------------------

  /**
   * A job's ExperimentConfig, checked before the job is created: the experiment and the trial it names must exist
   * (and the trial be in that experiment); a RunName needs its experiment.
   */
  checkExperimentConfig(
    config: ExperimentConfig | undefined,
    job: { name: string; sourceType: JobSourceType },
  ): void {
    const componentName = jobComponentName(job);
    const clash = this.components.get(storeKey(componentName));
    if (clash && clash.Source === undefined) {
      throw validation(
        `A trial component named "${componentName}" already exists (made by CreateTrialComponent); SageMaker names the job's own trial component so. Delete it or name the job differently.`,
      );
    }
    if (!config || (!config.ExperimentName && !config.TrialName)) {
      if (config?.RunName) {
        throw validation(
          `ExperimentConfig.RunName "${config.RunName}" needs the ExperimentName it belongs to.`,
        );
      }
      return;
    }
    const experiment = config.ExperimentName
      ? this.experiments.get(storeKey(config.ExperimentName))
      : undefined;
    if (config.ExperimentName && !experiment) {
      throw new AwsError(
        "ResourceNotFound",
        `ExperimentConfig.ExperimentName: experiment "${config.ExperimentName}" does not exist. Create it first (CreateExperiment).`,
      );
    }
    const trialName = config.TrialName ?? job.name;
    const trial = this.trials.get(storeKey(trialName));
    if (config.TrialName && !trial) {
      throw new AwsError(
        "ResourceNotFound",
        `ExperimentConfig.TrialName: trial "${config.TrialName}" does not exist. Create it first (CreateTrial), or leave TrialName out for a new trial named after the job.`,
      );
    }
    if (trial && experiment && storeKey(trial.ExperimentName) !== storeKey(experiment.ExperimentName)) {
      throw validation(
        `ExperimentConfig: trial "${trial.TrialName}" belongs to experiment "${trial.ExperimentName}", not "${experiment.ExperimentName}".`,
      );
    }
  }

  /** Keeps the job's trial component in step with the job; associates it with its trial when it is new. */
  jobChanged(job: JobSnapshot): void {
    try {
      this.syncComponent(job);
    } catch (error) {
      // The job itself is fine; a bookkeeping failure here must not fail it.
      reportUnexpected(error);
    }
  }

  private syncComponent(job: JobSnapshot): void {
    const name = jobComponentName(job);
    const key = storeKey(name);
    const config = job.experimentConfig;
    let record = this.components.get(key);
    const created = record === undefined;
    if (!record) {
      const arn = this.componentArn(name);
      this.tags.register(arn, undefined);
      record = {
        TrialComponentName: name,
        TrialComponentArn: arn,
        DisplayName: config?.TrialComponentDisplayName ?? config?.RunName,
        Source: { SourceArn: job.arn, SourceType: job.sourceType },
        Parameters: {},
        InputArtifacts: {},
        OutputArtifacts: {},
        Metrics: [],
        RunName: config?.RunName,
        Parents: [],
        CreationTime: job.creationTime,
        LastModifiedTime: job.lastModifiedTime,
      };
    }
    record.Status = {
      PrimaryStatus: job.status,
      ...(job.message === undefined ? {} : { Message: job.message.slice(0, 1024) }),
    };
    record.StartTime = job.startTime;
    record.EndTime = job.endTime;
    record.Parameters = Object.fromEntries(
      Object.entries(job.parameters).map(([parameter, value]) => [
        parameter,
        typeof value === "number" ? { NumberValue: value } : { StringValue: value },
      ]),
    ) as Record<string, TrialComponentParameterValue>;
    record.InputArtifacts = { ...job.inputArtifacts };
    record.OutputArtifacts = { ...job.outputArtifacts };
    record.Metrics = job.metrics.map((metric) => ({ ...metric, SourceArn: job.arn }));
    record.LastModifiedTime = Math.max(job.lastModifiedTime, record.LastModifiedTime);
    this.components.put(key, record);
    if (created) this.joinTrial(record, job);
  }

  private joinTrial(component: StoredTrialComponent, job: JobSnapshot): void {
    const config = job.experimentConfig;
    if (!config?.ExperimentName && !config?.TrialName) return;
    let trial = this.trials.get(storeKey(config.TrialName ?? job.name));
    if (!trial && !config.TrialName && config.ExperimentName) {
      const experiment = this.experiments.get(storeKey(config.ExperimentName));
      if (!experiment) return; // deleted since the job was accepted
      trial = this.addTrial({ TrialName: job.name }, experiment, {
        SourceArn: job.arn,
        SourceType: job.sourceType,
      });
    }
    if (trial) this.associate(component, trial);
  }
}
