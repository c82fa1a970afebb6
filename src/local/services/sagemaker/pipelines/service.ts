import { randomBytes } from "node:crypto";
import type {
  CreatePipelineRequest,
  CreatePipelineResponse,
  DeletePipelineRequest,
  DeletePipelineResponse,
  DescribePipelineDefinitionForExecutionRequest,
  DescribePipelineDefinitionForExecutionResponse,
  DescribePipelineExecutionRequest,
  DescribePipelineExecutionResponse,
  DescribePipelineRequest,
  DescribePipelineResponse,
  ListPipelineExecutionStepsRequest,
  ListPipelineExecutionStepsResponse,
  ListPipelineExecutionsRequest,
  ListPipelineExecutionsResponse,
  ListPipelineParametersForExecutionRequest,
  ListPipelineParametersForExecutionResponse,
  ListPipelinesRequest,
  ListPipelinesResponse,
  Parameter,
  RetryPipelineExecutionRequest,
  RetryPipelineExecutionResponse,
  StartPipelineExecutionRequest,
  StartPipelineExecutionResponse,
  StopPipelineExecutionRequest,
  StopPipelineExecutionResponse,
  UpdatePipelineRequest,
  UpdatePipelineResponse,
} from "@aws-sdk/client-sagemaker";
import { sagemakerArn, storeKey } from "../../../core/arns";
import { AwsError, validation } from "../../../core/errors";
import { listPage, pageOf, timestampMs } from "../../../core/listing";
import { JsonStore } from "../../../core/store";
import type { ServiceContext } from "../../context";
import { executionEnded, PIPELINE_EXECUTION, PIPELINE_EXECUTION_START, PIPELINE_STEP } from "../lifecycles";
import type { TagRegistry } from "../tags";
import { type PipelineGraph, parseDefinition, type StepSpec } from "./definition";
import { evaluate, joinText, StepInputError } from "./expressions";
import {
  describeExecution,
  describePipeline,
  describeStep,
  type StepResource,
  type StoredExecution,
  type StoredPipeline,
  summarizeExecution,
  summarizePipeline,
} from "./records";
import {
  type CachedRun,
  DEFAULT_MAX_PARALLEL_STEPS,
  type ExecutionHost,
  ExecutionRun,
  typedParameters,
} from "./run";
import type { PipelineServices } from "./services";

const RESTART_REASON =
  "InternalServerError: local SageMaker was restarted while this pipeline execution was running, so its running steps were lost. Retry it with RetryPipelineExecution: the steps that succeeded are kept and the others run again.";

const notFound = (what: string, arn: string): AwsError =>
  new AwsError("ResourceNotFound", `${what} '${arn}' does not exist.`);
const conflict = (message: string): AwsError => new AwsError("ConflictException", message);

const PIPELINE_ARN = /^arn:aws[a-z-]*:sagemaker:[a-z0-9-]*:\d{12}:pipeline\/([^/]+)$/;

/**
 * SageMaker Pipelines: pipelines (a name for a definition, one JSON document each) and their executions (one JSON
 * document each, also kept in memory: describe and list calls are frequent while one runs), run by ExecutionRun.
 * The definition is parsed and checked at CreatePipeline and UpdatePipeline; each execution keeps the definition it
 * started with. After a restart of the server a running execution is Failed, saying why; RetryPipelineExecution
 * resumes it from the steps that did not succeed.
 */
export class PipelinesService {
  private readonly pipelines: JsonStore<StoredPipeline>;
  private readonly executionStore: JsonStore<StoredExecution>;
  private readonly executions = new Map<string, StoredExecution>();
  private readonly runs = new Map<string, ExecutionRun>();
  private readonly host: ExecutionHost;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly tags: TagRegistry,
    services: PipelineServices,
  ) {
    this.pipelines = new JsonStore(ctx.stateDir, "sagemaker-pipelines", (name) => `pipeline ${name}`);
    this.executionStore = new JsonStore(
      ctx.stateDir,
      "sagemaker-pipeline-executions",
      (name) => `pipeline execution ${name}`,
    );
    for (const execution of this.executionStore.list()) {
      this.executions.set(execution.PipelineExecutionArn, execution);
    }
    this.host = {
      services,
      save: (execution) => this.saveExecution(execution),
      findCached: (pipelineName, step, cacheKey, since) =>
        this.findCached(pipelineName, step, cacheKey, since),
      describeResource: (resource) => this.describeResource(services, resource),
    };
  }

  /** After a restart: executions that were running are Failed (their jobs died with the server), saying why. */
  start(): void {
    for (const execution of this.executions.values()) {
      if (executionEnded(execution.PipelineExecutionStatus)) continue;
      const save = () => this.saveExecution(execution);
      for (const step of execution.steps) {
        if (!PIPELINE_STEP.isFinal(step.StepStatus)) {
          PIPELINE_STEP.transition(step, "Failed", { reason: RESTART_REASON }, save);
        }
      }
      PIPELINE_EXECUTION.transition(execution, "Failed", { reason: RESTART_REASON }, save);
    }
  }

  /** Server shutdown: executions stop following their steps; their documents stay as they are. */
  async stop(): Promise<void> {
    const runs = [...this.runs.values()];
    for (const run of runs) run.abandon();
    await Promise.all(runs.map((run) => run.done));
  }

  private pipelineArn(name: string): string {
    return sagemakerArn(this.ctx, "pipeline", name);
  }

  private saveExecution(execution: StoredExecution): void {
    this.executions.set(execution.PipelineExecutionArn, execution);
    this.executionStore.put(`${storeKey(execution.PipelineName)}/${execution.executionId}`, execution);
  }

  // ---- pipelines ---------------------------------------------------------------------------------------

  private requirePipeline(reference: string): StoredPipeline {
    const name = PIPELINE_ARN.exec(reference)?.[1] ?? reference;
    const pipeline = this.pipelines.get(storeKey(name));
    if (!pipeline) throw notFound("Pipeline", this.pipelineArn(name));
    return pipeline;
  }

  /** The definition text from the request, inline or in S3; checked before anything is stored. */
  private async definitionOf(
    input: Pick<CreatePipelineRequest, "PipelineDefinition" | "PipelineDefinitionS3Location">,
  ): Promise<string | undefined> {
    if (input.PipelineDefinition !== undefined) return input.PipelineDefinition;
    const location = input.PipelineDefinitionS3Location;
    if (!location) return undefined;
    try {
      const { body } = await this.ctx.s3.getObject(location.Bucket as string, location.ObjectKey as string);
      return body.toString("utf8");
    } catch (error) {
      throw validation(
        `Cannot read the pipeline definition from s3://${location.Bucket}/${location.ObjectKey}: ${(error as Error).message}`,
      );
    }
  }

  async createPipeline(input: CreatePipelineRequest): Promise<CreatePipelineResponse> {
    const name = input.PipelineName as string;
    const arn = this.pipelineArn(name);
    const existing = this.pipelines.get(storeKey(name));
    if (existing) {
      if (input.ClientRequestToken && existing.clientRequestToken === input.ClientRequestToken) {
        return { PipelineArn: arn };
      }
      throw validation(
        `Pipeline names must be unique within an AWS account and region. Pipeline with name (${name}) already exists.`,
      );
    }
    const definition = await this.definitionOf(input);
    if (definition === undefined) {
      throw validation(
        "Give the pipeline a PipelineDefinition (the JSON text) or a PipelineDefinitionS3Location.",
      );
    }
    parseDefinition(definition);
    this.tags.register(arn, input.Tags as { Key: string; Value: string }[] | undefined);
    const now = Date.now();
    this.pipelines.put(storeKey(name), {
      PipelineName: name,
      PipelineArn: arn,
      ...(input.PipelineDisplayName ? { PipelineDisplayName: input.PipelineDisplayName } : {}),
      ...(input.PipelineDescription !== undefined ? { PipelineDescription: input.PipelineDescription } : {}),
      PipelineDefinition: definition,
      RoleArn: input.RoleArn as string,
      CreationTime: now,
      LastModifiedTime: now,
      ...(input.ParallelismConfiguration ? { ParallelismConfiguration: input.ParallelismConfiguration } : {}),
      ...(input.ClientRequestToken ? { clientRequestToken: input.ClientRequestToken } : {}),
    });
    return { PipelineArn: arn };
  }

  async updatePipeline(input: UpdatePipelineRequest): Promise<UpdatePipelineResponse> {
    const pipeline = this.requirePipeline(input.PipelineName as string);
    const definition = await this.definitionOf(input);
    if (definition !== undefined) {
      parseDefinition(definition);
      pipeline.PipelineDefinition = definition;
    }
    if (input.PipelineDisplayName !== undefined) pipeline.PipelineDisplayName = input.PipelineDisplayName;
    if (input.PipelineDescription !== undefined) pipeline.PipelineDescription = input.PipelineDescription;
    if (input.RoleArn !== undefined) pipeline.RoleArn = input.RoleArn;
    if (input.ParallelismConfiguration !== undefined)
      pipeline.ParallelismConfiguration = input.ParallelismConfiguration;
    pipeline.LastModifiedTime = Date.now();
    this.pipelines.put(storeKey(pipeline.PipelineName), pipeline);
    return { PipelineArn: pipeline.PipelineArn };
  }

  describePipeline(input: DescribePipelineRequest): DescribePipelineResponse {
    return describePipeline(this.requirePipeline(input.PipelineName as string));
  }

  listPipelines(input: ListPipelinesRequest): ListPipelinesResponse {
    const prefix = input.PipelineNamePrefix?.toLowerCase();
    const after = timestampMs(input.CreatedAfter);
    const before = timestampMs(input.CreatedBefore);
    const candidates = this.pipelines
      .list()
      .filter(
        (pipeline) =>
          (prefix === undefined || pipeline.PipelineName.toLowerCase().startsWith(prefix)) &&
          (after === undefined || pipeline.CreationTime > after) &&
          (before === undefined || pipeline.CreationTime < before),
      );
    const { page, NextToken } = listPage(
      candidates,
      {
        SortBy: input.SortBy,
        SortOrder: input.SortOrder,
        MaxResults: input.MaxResults,
        NextToken: input.NextToken,
      },
      (pipeline) => ({ name: pipeline.PipelineName, creationTime: pipeline.CreationTime }),
    );
    return {
      PipelineSummaries: page.map(summarizePipeline),
      ...(NextToken === undefined ? {} : { NextToken }),
    };
  }

  /** Deleting a pipeline removes its executions' records too; one with an execution still running is refused. */
  deletePipeline(input: DeletePipelineRequest): DeletePipelineResponse {
    const pipeline = this.requirePipeline(input.PipelineName as string);
    const executions = this.executionsOf(pipeline.PipelineName);
    const running = executions.filter((execution) => !executionEnded(execution.PipelineExecutionStatus));
    if (running.length > 0) {
      throw conflict(
        `Pipeline ${pipeline.PipelineName} has ${running.length} execution${running.length === 1 ? "" : "s"} still running (${running.map((execution) => execution.PipelineExecutionArn).join(", ")}); stop ${running.length === 1 ? "it" : "them"} with StopPipelineExecution first.`,
      );
    }
    for (const execution of executions) {
      this.executions.delete(execution.PipelineExecutionArn);
      this.executionStore.delete(`${storeKey(execution.PipelineName)}/${execution.executionId}`);
    }
    this.pipelines.delete(storeKey(pipeline.PipelineName));
    this.tags.unregister(pipeline.PipelineArn);
    return { PipelineArn: pipeline.PipelineArn };
  }

  // ---- executions --------------------------------------------------------------------------------------

  private executionsOf(pipelineName: string): StoredExecution[] {
    const key = storeKey(pipelineName);
    return [...this.executions.values()].filter((execution) => storeKey(execution.PipelineName) === key);
  }

  private requireExecution(arn: string | undefined): StoredExecution {
    const execution = arn === undefined ? undefined : this.executions.get(arn.toLowerCase());
    if (!execution) throw notFound("Pipeline execution", arn ?? "");
    return execution;
  }

  /** Every parameter of the definition with its value for this execution, as text; a bad value is refused. */
  private executionParameters(graph: PipelineGraph, given: Parameter[] | undefined): Parameter[] {
    const declared = new Map(graph.parameters.map((parameter) => [parameter.Name, parameter]));
    const values = new Map<string, string>();
    for (const parameter of given ?? []) {
      const spec = declared.get(parameter.Name as string);
      if (!spec) {
        throw validation(
          `Parameter ${parameter.Name} is not declared in the pipeline definition (its parameters: ${[...declared.keys()].join(", ") || "none"}).`,
        );
      }
      const text = parameter.Value as string;
      const ok =
        spec.Type === "Integer"
          ? /^[-+]?\d+$/.test(text.trim())
          : spec.Type === "Float"
            ? text.trim() !== "" && Number.isFinite(Number(text))
            : spec.Type === "Boolean"
              ? /^(true|false)$/i.test(text)
              : true;
      if (!ok) throw validation(`Parameter ${spec.Name} is ${spec.Type}; its value "${text}" is not one.`);
      if (spec.EnumValues && !spec.EnumValues.includes(text)) {
        throw validation(
          `Parameter ${spec.Name} must be one of ${spec.EnumValues.join(", ")}; got "${text}".`,
        );
      }
      values.set(spec.Name, text);
    }
    return graph.parameters.map((spec) => {
      const value =
        values.get(spec.Name) ?? (spec.DefaultValue === undefined ? undefined : joinText(spec.DefaultValue));
      if (value === undefined) {
        throw validation(`Parameter ${spec.Name} has no default value: give it in PipelineParameters.`);
      }
      return { Name: spec.Name, Value: value };
    });
  }

  async startPipelineExecution(
    input: StartPipelineExecutionRequest,
  ): Promise<StartPipelineExecutionResponse> {
    const pipeline = this.requirePipeline(input.PipelineName as string);
    const token = input.ClientRequestToken;
    if (token) {
      const earlier = this.executionsOf(pipeline.PipelineName).find((execution) =>
        execution.clientRequestTokens.includes(token),
      );
      if (earlier) return { PipelineExecutionArn: earlier.PipelineExecutionArn };
    }
    if (input.SelectiveExecutionConfig) {
      throw validation(
        "SelectiveExecutionConfig is not supported by local SageMaker: start the whole pipeline.",
      );
    }
    const graph = parseDefinition(pipeline.PipelineDefinition);
    const parameters = this.executionParameters(graph, input.PipelineParameters);
    const executionId = randomId();
    const now = Date.now();
    const execution: StoredExecution = {
      PipelineName: pipeline.PipelineName,
      PipelineArn: pipeline.PipelineArn,
      PipelineExecutionArn: `${pipeline.PipelineArn}/execution/${executionId}`,
      executionId,
      ...(input.PipelineExecutionDisplayName
        ? { PipelineExecutionDisplayName: input.PipelineExecutionDisplayName }
        : {}),
      ...(input.PipelineExecutionDescription !== undefined
        ? { PipelineExecutionDescription: input.PipelineExecutionDescription }
        : {}),
      PipelineExecutionStatus: PIPELINE_EXECUTION_START,
      CreationTime: now,
      LastModifiedTime: now,
      ...(input.ParallelismConfiguration ? { ParallelismConfiguration: input.ParallelismConfiguration } : {}),
      definition: pipeline.PipelineDefinition,
      parameters,
      clientRequestTokens: token ? [token] : [],
      steps: [],
    };
    const experiment = await this.experimentConfig(graph, execution);
    if (experiment) {
      this.ensureExperiment(experiment);
      execution.PipelineExperimentConfig = experiment;
    }
    this.saveExecution(execution);
    this.pipelines.put(storeKey(pipeline.PipelineName), { ...pipeline, LastRunTime: now });
    this.launch(execution, graph, pipeline);
    return { PipelineExecutionArn: execution.PipelineExecutionArn };
  }

  /** PipelineExperimentConfig's names, evaluated for this execution (parameters and execution variables only). */
  private async experimentConfig(
    graph: PipelineGraph,
    execution: StoredExecution,
  ): Promise<StoredExecution["PipelineExperimentConfig"]> {
    if (!graph.experimentConfig) return undefined;
    const scope = {
      parameters: typedParameters(graph, execution),
      execution: (name: string) =>
        ({
          PipelineExecutionId: execution.executionId,
          PipelineExecutionArn: execution.PipelineExecutionArn,
          PipelineName: execution.PipelineName,
          PipelineArn: execution.PipelineArn,
          StartDateTime: new Date(execution.CreationTime).toISOString(),
          CurrentDateTime: new Date().toISOString(),
        })[name] ?? "",
      property: async () => {
        throw new StepInputError("PipelineExperimentConfig cannot read step properties");
      },
      propertyFile: async () => {
        throw new StepInputError("PipelineExperimentConfig cannot read property files");
      },
    };
    const names: NonNullable<StoredExecution["PipelineExperimentConfig"]> = {};
    for (const key of ["ExperimentName", "TrialName"] as const) {
      const value = graph.experimentConfig[key];
      if (value !== undefined && value !== null) names[key] = joinText(await evaluate(value, scope));
    }
    return names;
  }

  /**
   * The execution's experiment and trial, created when they do not exist yet (the Python SDK's default config names
   * the pipeline and the execution id), so the trial components of the execution's jobs have somewhere to go.
   */
  private ensureExperiment(config: NonNullable<StoredExecution["PipelineExperimentConfig"]>): void {
    const experiments = this.host.services.experiments;
    if (!experiments) return;
    const exists = (describe: () => unknown): boolean => {
      try {
        describe();
        return true;
      } catch {
        return false;
      }
    };
    const { ExperimentName, TrialName } = config;
    if (ExperimentName && !exists(() => experiments.describeExperiment({ ExperimentName }))) {
      experiments.createExperiment({
        ExperimentName,
        Description: "Created by a SageMaker pipeline execution",
      });
    }
    if (TrialName && ExperimentName && !exists(() => experiments.describeTrial({ TrialName }))) {
      experiments.createTrial({ TrialName, ExperimentName });
    }
  }

  private launch(execution: StoredExecution, graph: PipelineGraph, pipeline: StoredPipeline): void {
    const maxParallel =
      execution.ParallelismConfiguration?.MaxParallelExecutionSteps ??
      pipeline.ParallelismConfiguration?.MaxParallelExecutionSteps ??
      DEFAULT_MAX_PARALLEL_STEPS;
    const run = new ExecutionRun(this.host, execution, graph, maxParallel);
    this.runs.set(execution.PipelineExecutionArn, run);
    void run.done.finally(() => {
      if (this.runs.get(execution.PipelineExecutionArn) === run)
        this.runs.delete(execution.PipelineExecutionArn);
    });
  }

  describePipelineExecution(input: DescribePipelineExecutionRequest): DescribePipelineExecutionResponse {
    return describeExecution(this.requireExecution(input.PipelineExecutionArn));
  }

  describePipelineDefinitionForExecution(
    input: DescribePipelineDefinitionForExecutionRequest,
  ): DescribePipelineDefinitionForExecutionResponse {
    const execution = this.requireExecution(input.PipelineExecutionArn);
    return { PipelineDefinition: execution.definition, CreationTime: new Date(execution.CreationTime) };
  }

  listPipelineExecutions(input: ListPipelineExecutionsRequest): ListPipelineExecutionsResponse {
    const pipeline = this.requirePipeline(input.PipelineName as string);
    const { page, NextToken } = listPage(
      this.executionsOf(pipeline.PipelineName),
      {
        CreationTimeAfter: input.CreatedAfter,
        CreationTimeBefore: input.CreatedBefore,
        SortBy: input.SortBy === "PipelineExecutionArn" ? "Name" : "CreationTime",
        SortOrder: input.SortOrder,
        MaxResults: input.MaxResults,
        NextToken: input.NextToken,
      },
      (execution) => ({ name: execution.PipelineExecutionArn, creationTime: execution.CreationTime }),
    );
    return {
      PipelineExecutionSummaries: page.map(summarizeExecution),
      ...(NextToken === undefined ? {} : { NextToken }),
    };
  }

  /** The steps that started, newest first by default (as the AWS CLI shows them). */
  listPipelineExecutionSteps(input: ListPipelineExecutionStepsRequest): ListPipelineExecutionStepsResponse {
    const execution = this.requireExecution(input.PipelineExecutionArn);
    const ordered = execution.steps
      .map((step, index) => ({ step, index }))
      .sort((a, b) => a.step.StartTime - b.step.StartTime || a.index - b.index)
      .map(({ step }) => step);
    if (input.SortOrder !== "Ascending") ordered.reverse();
    const { page, NextToken } = pageOf(ordered, input.NextToken, input.MaxResults ?? 50);
    return {
      PipelineExecutionSteps: page.map(describeStep),
      ...(NextToken === undefined ? {} : { NextToken }),
    };
  }

  listPipelineParametersForExecution(
    input: ListPipelineParametersForExecutionRequest,
  ): ListPipelineParametersForExecutionResponse {
    const execution = this.requireExecution(input.PipelineExecutionArn);
    const { page, NextToken } = pageOf(execution.parameters, input.NextToken, input.MaxResults ?? 50);
    return { PipelineParameters: page, ...(NextToken === undefined ? {} : { NextToken }) };
  }

  stopPipelineExecution(input: StopPipelineExecutionRequest): StopPipelineExecutionResponse {
    const execution = this.requireExecution(input.PipelineExecutionArn);
    const arn = execution.PipelineExecutionArn;
    if (execution.PipelineExecutionStatus === "Stopping") return { PipelineExecutionArn: arn };
    const run = this.runs.get(arn);
    if (execution.PipelineExecutionStatus !== "Executing" || !run) {
      throw conflict(
        `Pipeline execution ${arn} is ${execution.PipelineExecutionStatus}; only an Executing execution can be stopped.`,
      );
    }
    PIPELINE_EXECUTION.transition(execution, "Stopping", {}, () => this.saveExecution(execution));
    run.stop();
    return { PipelineExecutionArn: arn };
  }

  /** Runs again the steps of a Failed or Stopped execution that did not succeed; those that did are kept. */
  retryPipelineExecution(input: RetryPipelineExecutionRequest): RetryPipelineExecutionResponse {
    const execution = this.requireExecution(input.PipelineExecutionArn);
    const arn = execution.PipelineExecutionArn;
    const token = input.ClientRequestToken;
    if (token && execution.clientRequestTokens.includes(token)) return { PipelineExecutionArn: arn };
    if (execution.PipelineExecutionStatus !== "Failed" && execution.PipelineExecutionStatus !== "Stopped") {
      throw conflict(
        `Pipeline execution ${arn} is ${execution.PipelineExecutionStatus}; only a Failed or Stopped execution can be retried.`,
      );
    }
    const pipeline = this.requirePipeline(execution.PipelineName);
    const graph = parseDefinition(execution.definition);
    const attempts = { ...(execution.earlierAttempts ?? {}) };
    execution.steps = execution.steps.filter((step) => {
      if (step.StepStatus === "Succeeded") return true;
      attempts[step.StepName] = step.AttemptCount;
      return false;
    });
    execution.earlierAttempts = attempts;
    if (token) execution.clientRequestTokens.push(token);
    if (input.ParallelismConfiguration) execution.ParallelismConfiguration = input.ParallelismConfiguration;
    PIPELINE_EXECUTION.transition(execution, "Executing", {}, () => this.saveExecution(execution));
    this.launch(execution, graph, pipeline);
    return { PipelineExecutionArn: arn };
  }

  // ---- for runs ----------------------------------------------------------------------------------------

  private findCached(
    pipelineName: string,
    step: StepSpec,
    cacheKey: string,
    since: number,
  ): CachedRun | undefined {
    let best: CachedRun | undefined;
    for (const execution of this.executionsOf(pipelineName)) {
      for (const record of execution.steps) {
        if (
          record.StepName !== step.name ||
          record.stepType !== step.type ||
          record.cacheKey !== cacheKey ||
          record.StepStatus !== "Succeeded" ||
          record.CacheHitResult ||
          (record.EndTime ?? 0) < since
        ) {
          continue;
        }
        if (!best || (record.EndTime ?? 0) > (best.step.EndTime ?? 0)) {
          best = { executionArn: execution.PipelineExecutionArn, step: record };
        }
      }
    }
    return best;
  }

  private async describeResource(services: PipelineServices, resource: StepResource): Promise<unknown> {
    let answer: unknown;
    switch (resource.kind) {
      case "TrainingJob":
        answer = services.training.describeTrainingJob({ TrainingJobName: resource.name });
        break;
      case "ProcessingJob":
        if (!services.processing) throw new StepInputError("Processing jobs are not available here.");
        answer = await services.processing.describeProcessingJob({ ProcessingJobName: resource.name });
        break;
      case "TransformJob":
        answer = services.transform.describeTransformJob({ TransformJobName: resource.name });
        break;
      case "Model":
        answer = services.models.describeModel({ ModelName: resource.name });
        break;
      case "ModelPackage":
        answer = services.registry.describeModelPackage({ ModelPackageName: resource.name });
        break;
    }
    return JSON.parse(JSON.stringify(answer));
  }
}

/** An execution id as SageMaker's look: 12 lower-case letters and digits. */
function randomId(): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  return [...randomBytes(12)].map((byte) => alphabet[byte % alphabet.length]).join("");
}
