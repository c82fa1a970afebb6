import type {
  CreateModelInput,
  CreateModelPackageInput,
  CreateProcessingJobRequest,
  CreateTrainingJobRequest,
  CreateTransformJobRequest,
  PipelineExecutionStepMetadata,
} from "@aws-sdk/client-sagemaker";
import { AwsError } from "../../../core/errors";
import { conditionsHold } from "./conditions";
import type { OutputParameterSpec, StepSpec } from "./definition";
import { type EvaluationScope, evaluate, joinText, StepInputError } from "./expressions";
import type { StepResource } from "./records";
import type { PipelineServices } from "./services";

/**
 * What each step type does, through the typed API of the service it names (never the wire): Training, Processing
 * and Transform steps create a job under the step's generated name and follow it to its end, Model creates a model,
 * RegisterModel a model package version (and its group when there is none yet, as SageMaker does), Condition
 * evaluates, Lambda invokes the function and reads its declared outputs, Fail fails with its message. A step's
 * arguments are evaluated first and read against the operation's input shape, as if they came over the wire.
 */

export interface StepRun {
  spec: StepSpec;
  /** `pipelines-<execution id>-<step>-<random>`: the job or model name the step creates. */
  resourceName: string;
  scope: EvaluationScope;
  services: PipelineServices;
  /** Whether StopPipelineExecution has reached this step. */
  stopRequested(): boolean;
  /** The server is shutting down: stop following the job (its record stays as it is). */
  cancelled(): boolean;
  /** Called once when a stop arrives while the step runs. */
  onStop(listener: () => void): void;
  /** The execution's experiment and trial (PipelineExperimentConfig): the step's job joins them. */
  experiment?: { ExperimentName?: string; TrialName?: string };
  /** The step's job exists: Executing, with its Metadata. */
  executing(metadata: PipelineExecutionStepMetadata, resource?: StepResource): void;
}

export type StepOutcome =
  | {
      status: "Succeeded";
      metadata?: PipelineExecutionStepMetadata;
      resource?: StepResource;
      outcome?: "True" | "False";
      outputs?: Record<string, string | number | boolean>;
    }
  | { status: "Failed"; reason: string; metadata?: PipelineExecutionStepMetadata }
  | { status: "Stopped"; metadata?: PipelineExecutionStepMetadata };

/** How often a step asks its job how it is doing (an in-process Describe: a file read). */
const POLL_MS = 100;
/** How long a job step waits for a local concurrency limit (LOCAL_SAGEMAKER_MAX_*) before it fails. */
const CAPACITY_WAIT_MS = 10 * 60_000;

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** Runs one step to its outcome; an error of the step's own making becomes a Failed outcome with its message. */
export async function runStep(run: StepRun): Promise<StepOutcome> {
  try {
    switch (run.spec.type) {
      case "Training":
        return await runJob(run, TRAINING);
      case "Processing":
        return await runJob(run, PROCESSING);
      case "Transform":
        return await runJob(run, TRANSFORM);
      case "Model":
        return await runModel(run);
      case "RegisterModel":
        return await runRegisterModel(run);
      case "Condition":
        return await runCondition(run);
      case "Lambda":
        return await runLambda(run);
      case "Fail":
        return await runFail(run);
    }
  } catch (error) {
    if (error instanceof AwsError || error instanceof StepInputError) {
      return { status: "Failed", reason: failureText(error) };
    }
    throw error;
  }
}

function failureText(error: Error): string {
  const text = error instanceof AwsError ? `${error.code}: ${error.message}` : error.message;
  return text.length > 1024 ? `${text.slice(0, 1021)}...` : text;
}

async function argumentsOf(run: StepRun): Promise<Record<string, unknown>> {
  return (await evaluate(run.spec.arguments, run.scope)) as Record<string, unknown>;
}

// ---- jobs ----------------------------------------------------------------------------------------------

interface JobKind {
  operation: string;
  nameMember: string;
  metadataKey: "TrainingJob" | "ProcessingJob" | "TransformJob";
  create(services: PipelineServices, request: Record<string, unknown>): Promise<string>;
  describe(services: PipelineServices, name: string): Promise<{ status: string; reason?: string }>;
  stop(services: PipelineServices, name: string): Promise<unknown>;
  /** A request no amount of waiting makes fit (the transform instances over the whole limit). */
  neverFits?(services: PipelineServices, request: Record<string, unknown>): boolean;
}

const TRAINING: JobKind = {
  operation: "CreateTrainingJob",
  nameMember: "TrainingJobName",
  metadataKey: "TrainingJob",
  async create(services, request) {
    return (await services.training.createTrainingJob(request as unknown as CreateTrainingJobRequest))
      .TrainingJobArn as string;
  },
  async describe(services, name) {
    const job = services.training.describeTrainingJob({ TrainingJobName: name });
    return { status: job.TrainingJobStatus as string, reason: job.FailureReason };
  },
  async stop(services, name) {
    return services.training.stopTrainingJob({ TrainingJobName: name });
  },
};

const PROCESSING: JobKind = {
  operation: "CreateProcessingJob",
  nameMember: "ProcessingJobName",
  metadataKey: "ProcessingJob",
  async create(services, request) {
    return (
      await requireProcessing(services).createProcessingJob(request as unknown as CreateProcessingJobRequest)
    ).ProcessingJobArn as string;
  },
  async describe(services, name) {
    const job = await requireProcessing(services).describeProcessingJob({ ProcessingJobName: name });
    return { status: job.ProcessingJobStatus as string, reason: job.FailureReason ?? job.ExitMessage };
  },
  async stop(services, name) {
    return requireProcessing(services).stopProcessingJob({ ProcessingJobName: name });
  },
};

const TRANSFORM: JobKind = {
  operation: "CreateTransformJob",
  nameMember: "TransformJobName",
  metadataKey: "TransformJob",
  async create(services, request) {
    return (await services.transform.createTransformJob(request as unknown as CreateTransformJobRequest))
      .TransformJobArn as string;
  },
  async describe(services, name) {
    const job = services.transform.describeTransformJob({ TransformJobName: name });
    return { status: job.TransformJobStatus as string, reason: job.FailureReason };
  },
  async stop(services, name) {
    return services.transform.stopTransformJob({ TransformJobName: name });
  },
  neverFits(services, request) {
    const count = (request.TransformResources as { InstanceCount?: number } | undefined)?.InstanceCount ?? 1;
    return count > services.maxInstances;
  },
};

function requireProcessing(services: PipelineServices): NonNullable<PipelineServices["processing"]> {
  if (!services.processing) {
    throw new StepInputError(
      "Processing jobs are not available in this local SageMaker, so a Processing step cannot run here.",
    );
  }
  return services.processing;
}

const RESOURCE_KIND: Record<JobKind["metadataKey"], StepResource["kind"]> = {
  TrainingJob: "TrainingJob",
  ProcessingJob: "ProcessingJob",
  TransformJob: "TransformJob",
};

/**
 * As SageMaker does, a job of an execution with a PipelineExperimentConfig runs in that experiment and trial, its
 * trial component displayed under the step's name (or the TrialComponentDisplayName the arguments keep).
 */
function experimentConfig(run: StepRun, args: Record<string, unknown>): Record<string, unknown> {
  const experiment = run.experiment;
  if (!experiment?.ExperimentName && !experiment?.TrialName) return {};
  const given = args.ExperimentConfig as { TrialComponentDisplayName?: string } | undefined;
  return {
    ExperimentConfig: {
      ...(experiment.ExperimentName ? { ExperimentName: experiment.ExperimentName } : {}),
      ...(experiment.TrialName ? { TrialName: experiment.TrialName } : {}),
      TrialComponentDisplayName: given?.TrialComponentDisplayName ?? run.spec.name,
    },
  };
}

async function runJob(run: StepRun, kind: JobKind): Promise<StepOutcome> {
  const { services } = run;
  const args = await argumentsOf(run);
  const request = services.checkRequest(kind.operation, {
    ...args,
    [kind.nameMember]: run.resourceName,
    ...experimentConfig(run, args),
  });
  const started = Date.now();
  let arn: string | undefined;
  while (arn === undefined) {
    if (run.stopRequested() || run.cancelled()) return { status: "Stopped" };
    try {
      arn = await kind.create(services, request);
    } catch (error) {
      // Local SageMaker's concurrency limits are far below AWS's quotas: a step waits for room instead of failing.
      const waiting =
        error instanceof AwsError &&
        error.code === "ResourceLimitExceeded" &&
        / at once/.test(error.message) &&
        !kind.neverFits?.(services, request) &&
        Date.now() - started < CAPACITY_WAIT_MS;
      if (!waiting) throw error;
      await sleep(500);
    }
  }
  const metadata = { [kind.metadataKey]: { Arn: arn } } as PipelineExecutionStepMetadata;
  const resource: StepResource = { kind: RESOURCE_KIND[kind.metadataKey], name: run.resourceName };
  run.executing(metadata, resource);
  run.onStop(() => {
    kind.stop(services, run.resourceName).catch(() => undefined); // ended already: the poll below sees how
  });
  for (;;) {
    if (run.cancelled()) return { status: "Stopped", metadata };
    const { status, reason } = await kind.describe(services, run.resourceName);
    if (status === "Completed") return { status: "Succeeded", metadata, resource };
    if (status === "Failed")
      return { status: "Failed", reason: reason ?? `${kind.metadataKey} failed`, metadata };
    if (status === "Stopped") {
      return run.stopRequested()
        ? { status: "Stopped", metadata }
        : {
            status: "Failed",
            reason: reason ?? `The ${kind.metadataKey} was stopped outside the pipeline.`,
            metadata,
          };
    }
    await sleep(POLL_MS);
  }
}

// ---- models and the registry ---------------------------------------------------------------------------

async function runModel(run: StepRun): Promise<StepOutcome> {
  const args = await argumentsOf(run);
  const request = run.services.checkRequest("CreateModel", { ...args, ModelName: run.resourceName });
  const { ModelArn } = run.services.models.createModel(request as unknown as CreateModelInput);
  const metadata = { Model: { Arn: ModelArn } };
  const resource: StepResource = { kind: "Model", name: run.resourceName };
  run.executing(metadata, resource);
  return { status: "Succeeded", metadata, resource };
}

async function runRegisterModel(run: StepRun): Promise<StepOutcome> {
  const args = await argumentsOf(run);
  const request = run.services.checkRequest("CreateModelPackage", args) as CreateModelPackageInput;
  const { registry } = run.services;
  const group = request.ModelPackageGroupName;
  if (group !== undefined) {
    try {
      registry.describeModelPackageGroup({ ModelPackageGroupName: group });
    } catch {
      // A pipeline registers into a group it creates on first use.
      registry.createModelPackageGroup({
        ModelPackageGroupName: group.replace(/^.*model-package-group\//, ""),
      });
    }
  }
  const { ModelPackageArn } = registry.createModelPackage(request);
  const metadata = { RegisterModel: { Arn: ModelPackageArn } };
  const resource: StepResource = { kind: "ModelPackage", name: ModelPackageArn as string };
  run.executing(metadata, resource);
  return { status: "Succeeded", metadata, resource };
}

// ---- condition, lambda, fail ---------------------------------------------------------------------------

async function runCondition(run: StepRun): Promise<StepOutcome> {
  const outcome = (await conditionsHold(run.spec.arguments.Conditions as unknown[], run.scope))
    ? "True"
    : "False";
  return { status: "Succeeded", metadata: { Condition: { Outcome: outcome } }, outcome };
}

async function runLambda(run: StepRun): Promise<StepOutcome> {
  const { lambda } = run.services;
  const functionArn = run.spec.functionArn as string;
  if (!lambda) throw new StepInputError("Lambda is not available in this local SageMaker.");
  const event = await argumentsOf(run);
  run.executing({ Lambda: { Arn: functionArn } });
  const answer = await lambda.invoke({
    FunctionName: functionArn,
    InvocationType: "RequestResponse",
    Payload: Buffer.from(JSON.stringify(event)),
  });
  const text = Buffer.from(answer.Payload ?? []).toString("utf8");
  if (answer.FunctionError) {
    let detail = text;
    try {
      const document = JSON.parse(text) as { errorType?: string; errorMessage?: string };
      detail = `${document.errorType ?? answer.FunctionError}: ${document.errorMessage ?? ""}`;
    } catch {
      // the raw text says it
    }
    return {
      status: "Failed",
      reason: `The Lambda function ${functionArn} failed (${answer.FunctionError}): ${detail}`.slice(0, 1024),
      metadata: { Lambda: { Arn: functionArn } },
    };
  }
  let result: unknown;
  try {
    result = text === "" ? null : JSON.parse(text);
  } catch {
    result = undefined;
  }
  const outputs: Record<string, string | number | boolean> = {};
  for (const output of run.spec.outputParameters) {
    const value =
      result !== null && typeof result === "object"
        ? (result as Record<string, unknown>)[output.OutputName]
        : undefined;
    const typed = value === undefined ? undefined : typedOutput(value, output);
    if (typed === undefined) {
      return {
        status: "Failed",
        reason: `The Lambda function ${functionArn} answered ${text.slice(0, 300)}, which has no ${output.OutputType} output "${output.OutputName}" (a Lambda step reads its OutputParameters from the JSON object the function returns).`,
        metadata: { Lambda: { Arn: functionArn } },
      };
    }
    outputs[output.OutputName] = typed;
  }
  const metadata = {
    Lambda: {
      Arn: functionArn,
      OutputParameters: Object.entries(outputs).map(([Name, value]) => ({ Name, Value: joinText(value) })),
    },
  };
  return { status: "Succeeded", metadata, outputs };
}

function typedOutput(value: unknown, output: OutputParameterSpec): string | number | boolean | undefined {
  switch (output.OutputType) {
    case "String":
      return joinText(value);
    case "Integer": {
      const number = Number(value);
      return Number.isInteger(number) ? number : undefined;
    }
    case "Float": {
      const number = Number(value);
      return Number.isFinite(number) ? number : undefined;
    }
    case "Boolean":
      if (typeof value === "boolean") return value;
      return value === "true" ? true : value === "false" ? false : undefined;
  }
}

async function runFail(run: StepRun): Promise<StepOutcome> {
  const message = joinText(await evaluate(run.spec.arguments.ErrorMessage ?? "", run.scope));
  return { status: "Failed", reason: message.slice(0, 1024), metadata: { Fail: { ErrorMessage: message } } };
}
