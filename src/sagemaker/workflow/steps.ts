import type {
  DescribeModelOutput,
  DescribeModelPackageOutput,
  DescribeProcessingJobResponse,
  DescribeTrainingJobResponse,
  DescribeTransformJobResponse,
  ModelApprovalStatus,
  Tag,
} from "@aws-sdk/client-sagemaker";
import { parseIsoDuration } from "../../common/iso-duration";
import type { Estimator, HyperparameterValue } from "../estimator";
import type { SageMakerModel } from "../model";
import { workshopTags } from "../naming";
import type { ProcessingInput, ProcessingOutput, ScriptProcessor } from "../processor";
import type { WorkshopSession } from "../session";
import type { Condition } from "./conditions";
import {
  ExecutionVariables,
  isPipelineVariable,
  Join,
  type Json,
  type PipelineValue,
  PipelineVariable,
  type Properties,
  type PropertyFile,
  PropertyReference,
  referencedSteps,
  stepProperties,
  toJson,
} from "./variables";

/**
 * The steps of a pipeline, in the Python SDK's vocabulary. Each writes its entry of the definition: Name, Type,
 * Arguments (the request the step's service gets, without the job name SageMaker gives it), DependsOn and the
 * type's own members (CacheConfig, PropertyFiles, FunctionArn, OutputParameters). Job steps build their requests with
 * the toolkit's own builders (Estimator.trainingJobRequest, ScriptProcessor.processingJobRequest), so a step runs the
 * job `fit()` or `run()` would; their code is uploaded once, under a key named by its content, so an unchanged
 * script keeps the step's cache key.
 */

/** What steps need while the definition is written: the session, the pipeline's name, code uploads. */
export interface DefinitionContext {
  session: WorkshopSession;
  pipelineName: string;
  bucket(): Promise<string>;
  /** Uploads a file under `<pipeline>/code/<content hash>/<name>` (once) and returns its URI. */
  uploadFile(file: string): Promise<string>;
  /** Packs a source folder as sourcedir.tar.gz (as fit() does), uploads it by content, and returns its URI. */
  uploadSourceDir(dir: string, entryPoint: string): Promise<string>;
}

/** `new CacheConfig({ enableCaching: true, expireAfter: "P30D" })`: ExpireAfter is an ISO 8601 duration. */
export class CacheConfig {
  readonly enableCaching: boolean;
  readonly expireAfter?: string;

  constructor(options: { enableCaching: boolean; expireAfter?: string }) {
    this.enableCaching = options.enableCaching;
    if (options.expireAfter !== undefined) {
      const parsed = parseIsoDuration(options.expireAfter);
      if (!parsed.ok) throw new Error(`CacheConfig expireAfter ${parsed.reason}.`);
      this.expireAfter = options.expireAfter;
    }
    if (this.enableCaching && this.expireAfter === undefined) {
      throw new Error(
        'CacheConfig with enableCaching needs expireAfter, how old a run may be reused ("P30D").',
      );
    }
  }

  definition(): Json {
    return { Enabled: this.enableCaching, ...(this.expireAfter ? { ExpireAfter: this.expireAfter } : {}) };
  }
}

export interface StepOptions {
  name: string;
  displayName?: string;
  description?: string;
  dependsOn?: (Step | string)[];
}

export abstract class Step {
  abstract readonly type: string;
  readonly name: string;
  readonly displayName?: string;
  readonly description?: string;
  readonly dependsOn: (Step | string)[];

  constructor(options: StepOptions) {
    if (!/^[A-Za-z0-9\-_]{1,64}$/.test(options.name)) {
      throw new Error(
        `The step name "${options.name}" is not valid: use 1-64 letters, digits, hyphens and underscores.`,
      );
    }
    this.name = options.name;
    if (options.displayName) this.displayName = options.displayName;
    if (options.description) this.description = options.description;
    this.dependsOn = options.dependsOn ?? [];
  }

  /** The step's Arguments, pipeline variables included (they write themselves as expressions). */
  protected abstract arguments(context: DefinitionContext): Promise<Record<string, unknown>>;

  /** Members of the step's entry after the common ones (CacheConfig, PropertyFiles, ...). */
  protected extra(): Record<string, Json> {
    return {};
  }

  /** Steps nested in this one (a condition's branches). */
  nestedSteps(): Step[] {
    return [];
  }

  /** The step's entry of the definition. */
  async definition(context: DefinitionContext): Promise<Json> {
    const args = await this.arguments(context);
    return {
      Name: this.name,
      Type: this.type,
      Arguments: toJson(args),
      ...(this.dependsOn.length
        ? { DependsOn: this.dependsOn.map((step) => (typeof step === "string" ? step : step.name)) }
        : {}),
      ...(this.displayName ? { DisplayName: this.displayName } : {}),
      ...(this.description ? { Description: this.description } : {}),
      ...this.extra(),
    };
  }
}

const cacheMember = (cache: CacheConfig | undefined): Record<string, Json> =>
  cache ? { CacheConfig: cache.definition() } : {};

/** A hyperparameter as the Python SDK sends it: JSON text, or a pipeline variable as text (`Std:Join`). */
function encodeHyperparameter(value: HyperparameterValue | PipelineVariable): unknown {
  return isPipelineVariable(value) ? value.toStringExpression() : JSON.stringify(value);
}

// ---- training ------------------------------------------------------------------------------------------

export class TrainingStep extends Step {
  readonly type = "Training";
  readonly estimator: Estimator;
  readonly inputs: Record<string, string | PipelineVariable>;
  readonly hyperparameters: Record<string, HyperparameterValue | PipelineVariable>;
  readonly cacheConfig?: CacheConfig;
  /** DescribeTrainingJobResponse, as references: `properties.ModelArtifacts.S3ModelArtifacts`. */
  readonly properties: Properties<DescribeTrainingJobResponse>;

  constructor(
    options: StepOptions & {
      estimator: Estimator;
      /** Channels: an S3 URI or a reference to one (a processing step's output). */
      inputs: Record<string, string | PipelineVariable>;
      /** Hyperparameters over the estimator's; a pipeline parameter is sent as text. */
      hyperparameters?: Record<string, HyperparameterValue | PipelineVariable>;
      cacheConfig?: CacheConfig;
    },
  ) {
    super(options);
    this.estimator = options.estimator;
    this.inputs = options.inputs;
    this.hyperparameters = options.hyperparameters ?? {};
    if (options.cacheConfig) this.cacheConfig = options.cacheConfig;
    this.properties = stepProperties(this.name, "DescribeTrainingJobResponse");
  }

  protected async arguments(context: DefinitionContext): Promise<Record<string, unknown>> {
    const o = this.estimator.options;
    const submitDirectory = o.sourceDir.startsWith("s3://")
      ? o.sourceDir
      : await context.uploadSourceDir(o.sourceDir, o.entryPoint);
    const request = this.estimator.trainingJobRequest({
      // A stable name: sagemaker_job_name is a hyperparameter, and hyperparameters are the step's cache key.
      jobName: o.baseJobName ?? "training",
      submitDirectory,
      channels: this.inputs as Record<string, string>,
      bucket: await context.bucket(),
    }) as unknown as Record<string, unknown>;
    delete request.TrainingJobName;
    const hyperparameters = { ...(request.HyperParameters as Record<string, unknown>) };
    for (const [key, value] of Object.entries({
      ...this.estimator.hyperparameters(),
      ...this.hyperparameters,
    })) {
      if (isPipelineVariable(value) || Object.hasOwn(this.hyperparameters, key)) {
        hyperparameters[key] = encodeHyperparameter(value as HyperparameterValue | PipelineVariable);
      }
    }
    request.HyperParameters = hyperparameters;
    return request;
  }

  protected override extra(): Record<string, Json> {
    return cacheMember(this.cacheConfig);
  }
}

// ---- processing ----------------------------------------------------------------------------------------

export class ProcessingStep extends Step {
  readonly type = "Processing";
  readonly processor: ScriptProcessor;
  readonly code: string;
  readonly inputs: ProcessingInput[];
  readonly outputs: ProcessingOutput[];
  readonly jobArguments: (string | PipelineVariable)[];
  readonly propertyFiles: PropertyFile[];
  readonly cacheConfig?: CacheConfig;
  readonly properties: Properties<DescribeProcessingJobResponse>;

  constructor(
    options: StepOptions & {
      processor: ScriptProcessor;
      /** The script: a local file (uploaded by content) or an S3 URI. */
      code: string;
      inputs?: ProcessingInput[];
      /** Outputs without a destination go to `s3://<bucket>/<pipeline>/<execution id>/<step>/output/<name>`. */
      outputs?: ProcessingOutput[];
      jobArguments?: (string | PipelineVariable)[];
      propertyFiles?: PropertyFile[];
      cacheConfig?: CacheConfig;
    },
  ) {
    super(options);
    this.processor = options.processor;
    this.code = options.code;
    this.inputs = options.inputs ?? [];
    this.outputs = options.outputs ?? [];
    this.jobArguments = options.jobArguments ?? [];
    this.propertyFiles = options.propertyFiles ?? [];
    if (options.cacheConfig) this.cacheConfig = options.cacheConfig;
    for (const file of this.propertyFiles) {
      if (!this.outputs.some((output) => output.outputName === file.outputName)) {
        throw new Error(
          `Property file "${file.name}" of step ${this.name} reads output "${file.outputName}", which the step does not have (${this.outputs.map((output) => output.outputName).join(", ") || "no outputs"}).`,
        );
      }
    }
    this.properties = stepProperties(this.name, "DescribeProcessingJobResponse");
  }

  protected async arguments(context: DefinitionContext): Promise<Record<string, unknown>> {
    const codeUri = this.code.startsWith("s3://") ? this.code : await context.uploadFile(this.code);
    const bucket = await context.bucket();
    const request = this.processor.processingJobRequest({
      jobName: this.processor.options.baseJobName ?? "processing",
      codeUri,
      inputs: this.inputs,
      outputs: this.outputs.map((output) => ({
        ...output,
        destination:
          output.destination ??
          new Join({
            on: "/",
            values: [
              "s3:/",
              bucket,
              context.pipelineName,
              ExecutionVariables.PIPELINE_EXECUTION_ID,
              this.name,
              "output",
              output.outputName,
            ],
          }),
      })),
      arguments: this.jobArguments,
    }) as unknown as Record<string, unknown>;
    delete request.ProcessingJobName;
    return request;
  }

  protected override extra(): Record<string, Json> {
    return {
      ...cacheMember(this.cacheConfig),
      ...(this.propertyFiles.length
        ? { PropertyFiles: this.propertyFiles.map((file) => file.definition()) }
        : {}),
    };
  }
}

// ---- batch transform -----------------------------------------------------------------------------------

export interface TransformStepOptions extends StepOptions {
  modelName: string | PipelineVariable;
  instanceType: string;
  instanceCount?: number;
  /** The input: an S3 prefix (or a reference to one). */
  data: string | PipelineVariable;
  contentType?: string;
  splitType?: "None" | "Line";
  strategy?: "SingleRecord" | "MultiRecord";
  assembleWith?: "None" | "Line";
  accept?: string;
  maxPayloadMB?: number;
  /** Default `s3://<bucket>/<pipeline>/<execution id>/<step>`. */
  outputPath?: string | PipelineVariable;
  environment?: Record<string, string>;
  cacheConfig?: CacheConfig;
  lab?: string;
  tags?: Tag[];
}

export class TransformStep extends Step {
  readonly type = "Transform";
  readonly options: TransformStepOptions;
  readonly cacheConfig?: CacheConfig;
  readonly properties: Properties<DescribeTransformJobResponse>;

  constructor(options: TransformStepOptions) {
    super(options);
    this.options = options;
    if (options.cacheConfig) this.cacheConfig = options.cacheConfig;
    this.properties = stepProperties(this.name, "DescribeTransformJobResponse");
  }

  protected async arguments(context: DefinitionContext): Promise<Record<string, unknown>> {
    const o = this.options;
    const outputPath =
      o.outputPath ??
      new Join({
        on: "/",
        values: [
          "s3:/",
          await context.bucket(),
          context.pipelineName,
          ExecutionVariables.PIPELINE_EXECUTION_ID,
          this.name,
        ],
      });
    return {
      ModelName: o.modelName,
      ...(o.strategy ? { BatchStrategy: o.strategy } : {}),
      ...(o.maxPayloadMB === undefined ? {} : { MaxPayloadInMB: o.maxPayloadMB }),
      ...(o.environment && Object.keys(o.environment).length ? { Environment: o.environment } : {}),
      TransformInput: {
        DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: o.data } },
        ...(o.contentType ? { ContentType: o.contentType } : {}),
        ...(o.splitType ? { SplitType: o.splitType } : {}),
      },
      TransformOutput: {
        S3OutputPath: outputPath,
        ...(o.accept ? { Accept: o.accept } : {}),
        ...(o.assembleWith ? { AssembleWith: o.assembleWith } : {}),
      },
      TransformResources: { InstanceType: o.instanceType, InstanceCount: o.instanceCount ?? 1 },
      Tags: workshopTags(o.lab, o.tags),
    };
  }

  protected override extra(): Record<string, Json> {
    return cacheMember(this.cacheConfig);
  }
}

// ---- models and the registry ---------------------------------------------------------------------------

interface ContainerSource {
  imageUri: string;
  modelData?: string | PipelineVariable;
  environment?: Record<string, string>;
}

function containerSource(
  options: { model?: SageMakerModel } & Partial<ContainerSource>,
  step: string,
): ContainerSource {
  const imageUri = options.imageUri ?? options.model?.options.imageUri;
  if (!imageUri) throw new Error(`Step ${step} needs an imageUri (or a model that has one).`);
  const modelData = options.modelData ?? options.model?.options.modelData;
  const environment = options.environment ?? options.model?.options.environment;
  return { imageUri, ...(modelData ? { modelData } : {}), ...(environment ? { environment } : {}) };
}

const containerOf = (source: ContainerSource): Record<string, unknown> => ({
  Image: source.imageUri,
  ...(source.modelData ? { ModelDataUrl: source.modelData } : {}),
  ...(source.environment && Object.keys(source.environment).length
    ? { Environment: source.environment }
    : {}),
});

/** The Python SDK's ModelStep around `model.create()`: a CreateModel step (Type "Model"). */
export class ModelStep extends Step {
  readonly type = "Model";
  private readonly source: ContainerSource;
  private readonly roleArn?: string;
  private readonly tags: Tag[];
  readonly properties: Properties<DescribeModelOutput>;

  constructor(
    options: StepOptions &
      Partial<ContainerSource> & { model?: SageMakerModel; roleArn?: string; lab?: string; tags?: Tag[] },
  ) {
    super(options);
    this.source = containerSource(options, options.name);
    const roleArn = options.roleArn ?? options.model?.identity.roleArn;
    if (roleArn) this.roleArn = roleArn;
    this.tags = workshopTags(options.lab ?? options.model?.identity.lab, options.tags);
    this.properties = stepProperties(this.name, "DescribeModelOutput");
  }

  protected async arguments(context: DefinitionContext): Promise<Record<string, unknown>> {
    return {
      ExecutionRoleArn: this.roleArn ?? context.session.roleArn(),
      PrimaryContainer: containerOf(this.source),
      Tags: this.tags,
    };
  }
}

export interface RegisterModelOptions extends StepOptions, Partial<ContainerSource> {
  model?: SageMakerModel;
  modelPackageGroupName: string | PipelineVariable;
  approvalStatus?: ModelApprovalStatus | PipelineVariable;
  contentTypes: string[];
  responseTypes: string[];
  inferenceInstances?: string[];
  transformInstances?: string[];
  /** ModelMetrics.ModelQuality.Statistics: a JSON report in S3 (an evaluation step's output). */
  modelStatistics?: { s3Uri: string | PipelineVariable; contentType?: string };
  customerMetadataProperties?: Record<string, string | PipelineVariable>;
  modelPackageDescription?: string;
  lab?: string;
  tags?: Tag[];
}

/** A model version for the registry (the Python SDK's RegisterModel, without its repack step). */
export class RegisterModel extends Step {
  readonly type = "RegisterModel";
  private readonly settings: RegisterModelOptions;
  private readonly source: ContainerSource;
  readonly properties: Properties<DescribeModelPackageOutput>;

  constructor(options: RegisterModelOptions) {
    super(options);
    this.settings = options;
    this.source = containerSource(options, options.name);
    this.properties = stepProperties(this.name, "DescribeModelPackageOutput");
  }

  protected async arguments(): Promise<Record<string, unknown>> {
    const o = this.settings;
    return {
      ModelPackageGroupName: o.modelPackageGroupName,
      ...(o.modelPackageDescription ? { ModelPackageDescription: o.modelPackageDescription } : {}),
      InferenceSpecification: {
        Containers: [containerOf(this.source)],
        SupportedContentTypes: o.contentTypes,
        SupportedResponseMIMETypes: o.responseTypes,
        ...(o.inferenceInstances ? { SupportedRealtimeInferenceInstanceTypes: o.inferenceInstances } : {}),
        ...(o.transformInstances ? { SupportedTransformInstanceTypes: o.transformInstances } : {}),
      },
      ModelApprovalStatus: o.approvalStatus ?? "PendingManualApproval",
      ...(o.modelStatistics
        ? {
            ModelMetrics: {
              ModelQuality: {
                Statistics: {
                  ContentType: o.modelStatistics.contentType ?? "application/json",
                  S3Uri: o.modelStatistics.s3Uri,
                },
              },
            },
          }
        : {}),
      ...(o.customerMetadataProperties
        ? {
            CustomerMetadataProperties: Object.fromEntries(
              Object.entries(o.customerMetadataProperties).map(([key, value]) => [
                key,
                isPipelineVariable(value) ? value.toStringExpression() : value,
              ]),
            ),
          }
        : {}),
      Tags: workshopTags(o.lab, o.tags),
    };
  }
}

// ---- condition, lambda, fail ---------------------------------------------------------------------------

export class ConditionStep extends Step {
  readonly type = "Condition";
  readonly conditions: Condition[];
  readonly ifSteps: Step[];
  readonly elseSteps: Step[];
  /** `properties.Outcome`: "True" or "False". */
  readonly properties: { Outcome: PipelineVariable };

  constructor(options: StepOptions & { conditions: Condition[]; ifSteps?: Step[]; elseSteps?: Step[] }) {
    super(options);
    this.conditions = options.conditions;
    this.ifSteps = options.ifSteps ?? [];
    this.elseSteps = options.elseSteps ?? [];
    this.properties = { Outcome: new PropertyReference(this.name, [{ kind: "member", name: "Outcome" }]) };
  }

  override nestedSteps(): Step[] {
    return [...this.ifSteps, ...this.elseSteps];
  }

  protected async arguments(context: DefinitionContext): Promise<Record<string, unknown>> {
    return {
      Conditions: this.conditions.map((condition) => condition.definition()),
      IfSteps: await Promise.all(this.ifSteps.map((step) => step.definition(context))),
      ElseSteps: await Promise.all(this.elseSteps.map((step) => step.definition(context))),
    };
  }

  /** The steps its conditions read (they must run before it). */
  get referencedSteps(): string[] {
    return this.conditions.flatMap((condition) => condition.referencedSteps);
  }
}

export type LambdaOutputType = "String" | "Integer" | "Float" | "Boolean";

/** A declared output of a Lambda step; once the step is made, it is a reference to the output's value. */
export class LambdaOutput extends PipelineVariable {
  readonly outputName: string;
  readonly outputType: LambdaOutputType;
  private stepName?: string;

  constructor(options: { outputName: string; outputType?: LambdaOutputType }) {
    super();
    this.outputName = options.outputName;
    this.outputType = options.outputType ?? "String";
  }

  /** Called by the LambdaStep that declares it. */
  bind(stepName: string): void {
    this.stepName = stepName;
  }

  get expr(): Json {
    if (!this.stepName) {
      throw new Error(
        `LambdaOutput ${this.outputName} is not an output of a LambdaStep yet: give it to one first.`,
      );
    }
    return { Get: `Steps.${this.stepName}.OutputParameters['${this.outputName}']` };
  }

  override get referencedSteps(): string[] {
    return this.stepName ? [this.stepName] : [];
  }
}

/** A step that invokes a Lambda function with its inputs as the event and reads its declared outputs. */
export class LambdaStep extends Step {
  readonly type = "Lambda";
  readonly functionArn: string;
  readonly inputs: Record<string, unknown>;
  readonly outputs: LambdaOutput[];
  readonly cacheConfig?: CacheConfig;
  /** `properties.Outputs["name"]`. */
  readonly properties: { Outputs: Record<string, PipelineVariable> };

  constructor(
    options: StepOptions & {
      /** The function's ARN (a name works locally; AWS wants the ARN). */
      functionArn: string;
      inputs?: Record<string, unknown>;
      outputs?: LambdaOutput[];
      cacheConfig?: CacheConfig;
    },
  ) {
    super(options);
    this.functionArn = options.functionArn;
    this.inputs = options.inputs ?? {};
    this.outputs = options.outputs ?? [];
    if (options.cacheConfig) this.cacheConfig = options.cacheConfig;
    for (const output of this.outputs) output.bind(this.name);
    this.properties = {
      Outputs: Object.fromEntries(
        this.outputs.map((output) => [
          output.outputName,
          new PropertyReference(this.name, [
            { kind: "member", name: "OutputParameters" },
            { kind: "key", key: output.outputName },
          ]),
        ]),
      ),
    };
  }

  protected async arguments(): Promise<Record<string, unknown>> {
    return this.inputs;
  }

  protected override extra(): Record<string, Json> {
    return {
      FunctionArn: this.functionArn,
      OutputParameters: this.outputs.map((output) => ({
        OutputName: output.outputName,
        OutputType: output.outputType,
      })),
      ...cacheMember(this.cacheConfig),
    };
  }
}

/** Ends the execution as Failed with its message (a Join can put values in it). */
export class FailStep extends Step {
  readonly type = "Fail";
  readonly errorMessage: PipelineValue;

  constructor(options: StepOptions & { errorMessage?: PipelineValue }) {
    super(options);
    this.errorMessage = options.errorMessage ?? "";
  }

  protected async arguments(): Promise<Record<string, unknown>> {
    return { ErrorMessage: this.errorMessage };
  }
}

/** Every step a step's definition reads, for the pipeline's own checks. */
export function stepReferences(step: Step, args: unknown): string[] {
  return [
    ...new Set([...referencedSteps(args), ...(step instanceof ConditionStep ? step.referencedSteps : [])]),
  ];
}
