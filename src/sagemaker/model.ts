import { cp, mkdir, mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type AsyncInferenceConfig,
  type ContainerDefinition,
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  type CreateEndpointConfigCommandInput,
  type CreateEndpointInput,
  CreateModelCommand,
  type CreateModelCommandInput,
  DescribeEndpointCommand,
  type DescribeEndpointCommandOutput,
  type ProductionVariant,
  type ProductionVariantInstanceType,
  type Tag,
  waitUntilEndpointInService,
} from "@aws-sdk/client-sagemaker";
import * as tar from "tar";
import { AsyncPredictor } from "./async-predictor";
import { assertCostConsent } from "./cost";
import { huggingFaceImageUri } from "./image-uris";
import { assertSageMakerName, labResourcePrefix, uniqueName, workshopTags } from "./naming";
import { Predictor, type PredictorOptions } from "./predictor";
import { downloadFile, parseS3Uri, s3Uri, uploadFile } from "./s3";
import type { WorkshopSession } from "./session";
import { Transformer, type TransformerOptions } from "./transformer";

export interface ModelOptions {
  imageUri: string;
  /** `s3://.../model.tar.gz`; absent for a model the container fetches itself (the Hub). */
  modelData?: string;
  environment?: Record<string, string>;
  name?: string;
  lab?: string;
  tags?: Tag[];
  roleArn?: string;
}

/** The Python SDK's ServerlessInferenceConfig: memory, concurrency ceiling, and containers kept warm. */
export interface ServerlessInferenceConfig {
  /** 1024–6144 in 1024 steps (default 2048, as the Python SDK). */
  memorySizeInMB?: number;
  /** Concurrent invocations at most, 1–200 (default 5, as the Python SDK). */
  maxConcurrency?: number;
  provisionedConcurrency?: number;
}

/** The Python SDK's AsyncInferenceConfig: where results and failures go, and requests per instance at once. */
export interface AsyncInferenceOptions {
  /** S3OutputPath (default `s3://<bucket>/async-endpoint-outputs/<endpoint>`). */
  outputPath?: string;
  /** S3FailurePath (default `s3://<bucket>/async-endpoint-failures/<endpoint>`). */
  failurePath?: string;
  maxConcurrentInvocationsPerInstance?: number;
  /** SNS topics (kept by local SageMaker, not published: it has no SNS). */
  notificationConfig?: { successTopic?: string; errorTopic?: string };
}

export interface DeployOptions extends PredictorOptions {
  /** The instance type; leave out for a serverless endpoint. */
  instanceType?: string;
  initialInstanceCount?: number;
  /** Serve without standing instances. */
  serverlessConfig?: ServerlessInferenceConfig;
  /** Make an asynchronous endpoint (then deploy() returns an AsyncPredictor). */
  asyncInferenceConfig?: AsyncInferenceOptions;
  endpointName?: string;
  variantName?: string;
  wait?: boolean;
  /** Seconds between DescribeEndpoint polls (default 0.5 locally, 15 on AWS). */
  pollSeconds?: number;
  /** Give up waiting after this long (default 5 min locally, 30 min on AWS); the endpoint is left as it is. */
  timeoutSeconds?: number;
  onStatus?: (status: EndpointStatusChange) => void;
}

export interface EndpointStatusChange {
  status: string;
  elapsedSeconds: number;
  failureReason?: string;
}

export function buildCreateModelRequest(
  name: string,
  roleArn: string,
  options: Pick<ModelOptions, "imageUri" | "modelData" | "environment">,
  tags: Tag[],
): CreateModelCommandInput {
  return {
    ModelName: assertSageMakerName(name, "model"),
    ExecutionRoleArn: roleArn,
    PrimaryContainer: containerOf(options),
    Tags: tags,
  };
}

/** One container definition: image, artifact (when there is one) and environment (when not empty). */
export function containerOf(
  options: Pick<ModelOptions, "imageUri" | "modelData" | "environment">,
): ContainerDefinition {
  return {
    Image: options.imageUri,
    ...(options.modelData ? { ModelDataUrl: options.modelData } : {}),
    ...(options.environment && Object.keys(options.environment).length
      ? { Environment: options.environment }
      : {}),
  };
}

export function buildEndpointConfigRequest(
  name: string,
  modelName: string,
  options: Pick<
    DeployOptions,
    "instanceType" | "initialInstanceCount" | "variantName" | "serverlessConfig"
  > & {
    /** With its S3 paths resolved. */
    asyncInferenceConfig?: AsyncInferenceOptions & { outputPath: string };
  },
  tags: Tag[],
): CreateEndpointConfigCommandInput {
  const asyncConfig = options.asyncInferenceConfig;
  return {
    EndpointConfigName: assertSageMakerName(name, "endpoint config"),
    ProductionVariants: [
      {
        VariantName: options.variantName ?? "AllTraffic",
        ModelName: modelName,
        ...placementOf(options),
        InitialVariantWeight: 1,
      },
    ],
    ...(asyncConfig ? { AsyncInferenceConfig: asyncInferenceConfigOf(asyncConfig) } : {}),
    Tags: tags,
  };
}

/** Where a variant runs: instances, or serverless; refuses the combinations SageMaker refuses, before any call. */
export function placementOf(
  options: Pick<
    DeployOptions,
    "instanceType" | "initialInstanceCount" | "serverlessConfig" | "asyncInferenceConfig"
  >,
): Pick<ProductionVariant, "InstanceType" | "InitialInstanceCount" | "ServerlessConfig"> {
  const serverless = options.serverlessConfig;
  if (serverless && options.instanceType) {
    throw new Error("Give either instanceType (an instance-based endpoint) or serverlessConfig, not both.");
  }
  if (!serverless && !options.instanceType) {
    throw new Error("deploy() needs an instanceType, or a serverlessConfig for a serverless endpoint.");
  }
  if (serverless && options.asyncInferenceConfig) {
    throw new Error(
      "An asynchronous endpoint runs on instances: give an instanceType instead of serverlessConfig.",
    );
  }
  return serverless
    ? {
        ServerlessConfig: {
          MemorySizeInMB: serverless.memorySizeInMB ?? 2048,
          MaxConcurrency: serverless.maxConcurrency ?? 5,
          ...(serverless.provisionedConcurrency === undefined
            ? {}
            : { ProvisionedConcurrency: serverless.provisionedConcurrency }),
        },
      }
    : {
        InstanceType: options.instanceType as ProductionVariantInstanceType,
        InitialInstanceCount: options.initialInstanceCount ?? 1,
      };
}

function asyncInferenceConfigOf(
  config: AsyncInferenceOptions & { outputPath: string },
): AsyncInferenceConfig {
  const topics = config.notificationConfig;
  const perInstance = config.maxConcurrentInvocationsPerInstance;
  return {
    OutputConfig: {
      S3OutputPath: config.outputPath,
      ...(config.failurePath ? { S3FailurePath: config.failurePath } : {}),
      ...(topics
        ? { NotificationConfig: { SuccessTopic: topics.successTopic, ErrorTopic: topics.errorTopic } }
        : {}),
    },
    ...(perInstance === undefined
      ? {}
      : { ClientConfig: { MaxConcurrentInvocationsPerInstance: perInstance } }),
  };
}

export function buildCreateEndpointRequest(
  name: string,
  configName: string,
  tags: Tag[],
): CreateEndpointInput {
  return { EndpointName: assertSageMakerName(name, "endpoint"), EndpointConfigName: configName, Tags: tags };
}

/** How often the SDK waiter asks: a local endpoint is up in well under a second, a real one in minutes. */
export function endpointWaitConfig(
  session: WorkshopSession,
  options: Pick<DeployOptions, "pollSeconds" | "timeoutSeconds">,
): { minDelay: number; maxDelay: number; maxWaitTime: number } {
  const minDelay = options.pollSeconds ?? (session.mode === "local" ? 0.2 : 15);
  return {
    minDelay,
    maxDelay: Math.max(minDelay, session.mode === "local" ? 1 : 60),
    maxWaitTime: options.timeoutSeconds ?? (session.mode === "local" ? 300 : 1800),
  };
}

/**
 * Waits for an endpoint with the SDK's own waiter (waitUntilEndpointInService) and reports where it started and
 * how it ended; a Failed endpoint is an error quoting FailureReason, a timeout one that says what still runs.
 */
export async function waitForEndpoint(
  session: WorkshopSession,
  endpointName: string,
  options: Pick<DeployOptions, "pollSeconds" | "onStatus" | "timeoutSeconds"> = {},
): Promise<DescribeEndpointCommandOutput> {
  const onStatus =
    options.onStatus ??
    ((change: EndpointStatusChange) =>
      console.log(
        `[${change.elapsedSeconds.toFixed(1).padStart(5)} s] endpoint ${endpointName}: ${change.status}`,
      ));
  const started = Date.now();
  const describe = () => session.sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpointName }));
  const report = (description: DescribeEndpointCommandOutput) =>
    onStatus({
      status: description.EndpointStatus ?? "Unknown",
      elapsedSeconds: (Date.now() - started) / 1000,
      failureReason: description.FailureReason,
    });
  const first = await describe();
  report(first);
  if (first.EndpointStatus === "InService") return first;
  const config = endpointWaitConfig(session, options);
  const outcome = await waitUntilEndpointInService(
    { client: session.sagemaker, ...config },
    { EndpointName: endpointName },
  ).catch((error: Error) => error);
  const last = await describe();
  report(last);
  if (last.EndpointStatus === "InService") return last;
  if (last.EndpointStatus === "Failed" || last.EndpointStatus === "OutOfService") {
    throw new Error(
      `Endpoint ${endpointName} is ${last.EndpointStatus}: ${last.FailureReason ?? "no reason given"}`,
    );
  }
  throw new Error(
    `Endpoint ${endpointName} is still ${last.EndpointStatus} after ${config.maxWaitTime} s` +
      `${outcome instanceof Error && outcome.name !== "TimeoutError" ? ` (${outcome.message.slice(0, 200)})` : ""}. ` +
      "It keeps running (and, on AWS, billing): wait and call waitForEndpoint again, or delete it with deleteEndpointResources.",
  );
}

/** What every kind of model shares: its name, the lab and tags its resources carry, and the role it runs as. */
export interface ModelIdentity {
  name?: string;
  lab?: string;
  tags?: Tag[];
  roleArn?: string;
}

/**
 * Something CreateModel makes and an endpoint serves: one container (SageMakerModel), several in sequence
 * (PipelineModel), or a prefix of archives (MultiDataModel). Each kind says what its CreateModel request is;
 * creating, deploying and naming are the same for all.
 */
export abstract class DeployableModel {
  /** Set once CreateModel succeeded. */
  modelName?: string;

  constructor(
    readonly session: WorkshopSession,
    readonly identity: ModelIdentity,
  ) {}

  /** The CreateModel request for this kind of model. */
  protected abstract modelRequest(name: string, roleArn: string, tags: Tag[]): CreateModelCommandInput;

  /** What the generated model and endpoint names start with. */
  protected abstract baseName(): string;

  /** Sends CreateModel once; later calls reuse the model. */
  async create(): Promise<string> {
    if (this.modelName) return this.modelName;
    const name = this.identity.name ?? uniqueName(this.baseName());
    const request = this.modelRequest(
      name,
      this.identity.roleArn ?? this.session.roleArn(),
      workshopTags(this.identity.lab, this.identity.tags),
    );
    await this.session.sagemaker.send(new CreateModelCommand(request));
    this.modelName = name;
    return name;
  }

  /**
   * Creates the model, an endpoint config and an endpoint, waits until InService, and returns a Predictor (an
   * AsyncPredictor for an asynchronous endpoint). Instance-based, serverless (`serverlessConfig`) or asynchronous
   * (`asyncInferenceConfig`), as the Python SDK's deploy().
   */
  async deploy(
    options: DeployOptions & { asyncInferenceConfig: AsyncInferenceOptions },
  ): Promise<AsyncPredictor>;
  async deploy(options: DeployOptions): Promise<Predictor>;
  async deploy(options: DeployOptions): Promise<Predictor | AsyncPredictor> {
    const endpointName = options.endpointName ?? uniqueName(this.baseName());
    assertSageMakerName(endpointName, "endpoint");
    placementOf(options);
    assertCostConsent(this.session.config, `endpoint ${endpointName} (${billingOf(options)})`);
    const asyncConfig =
      options.asyncInferenceConfig &&
      (await this.resolveAsyncPaths(endpointName, options.asyncInferenceConfig));
    const tags = workshopTags(this.identity.lab, this.identity.tags);
    const modelName = await this.create();
    await this.session.sagemaker.send(
      new CreateEndpointConfigCommand(
        buildEndpointConfigRequest(
          endpointName,
          modelName,
          { ...options, asyncInferenceConfig: asyncConfig },
          tags,
        ),
      ),
    );
    await this.session.sagemaker.send(
      new CreateEndpointCommand(buildCreateEndpointRequest(endpointName, endpointName, tags)),
    );
    if (options.wait !== false) await waitForEndpoint(this.session, endpointName, options);
    const predictor = new Predictor(this.session, endpointName, options);
    return asyncConfig ? new AsyncPredictor(predictor) : predictor;
  }

  /**
   * A Transformer that runs batch transform jobs on this model (created with the first job), like the Python SDK's
   * `model.transformer(...)`; its jobs carry the model's lab and tags unless the options give their own.
   */
  transformer(options: TransformerOptions): Transformer {
    return new Transformer(this.session, this, {
      lab: this.identity.lab,
      tags: this.identity.tags,
      ...options,
    });
  }

  /** The Python SDK's default async output folders, in the session's bucket. */
  private async resolveAsyncPaths(
    endpointName: string,
    config: AsyncInferenceOptions,
  ): Promise<AsyncInferenceOptions & { outputPath: string }> {
    const bucket = config.outputPath && config.failurePath ? undefined : await this.session.defaultBucket();
    return {
      ...config,
      outputPath: config.outputPath ?? s3Uri(bucket as string, "async-endpoint-outputs", endpointName),
      failurePath: config.failurePath ?? s3Uri(bucket as string, "async-endpoint-failures", endpointName),
    };
  }
}

/** A model definition (image + artifact + environment), like the Python SDK's Model. */
export class SageMakerModel extends DeployableModel {
  constructor(
    session: WorkshopSession,
    readonly options: ModelOptions,
  ) {
    super(session, options);
  }

  /** This model as one container of a CreateModel request (a PipelineModel lists several). */
  containerDefinition(): ContainerDefinition {
    return containerOf(this.options);
  }

  protected modelRequest(name: string, roleArn: string, tags: Tag[]): CreateModelCommandInput {
    return buildCreateModelRequest(name, roleArn, this.options, tags);
  }

  protected baseName(): string {
    return baseName(this.options);
  }
}

/** What an endpoint costs on AWS, for the consent message. */
function billingOf(options: DeployOptions): string {
  const serverless = options.serverlessConfig;
  if (serverless) {
    const warm = serverless.provisionedConcurrency
      ? `, ${serverless.provisionedConcurrency} provisioned billed every hour until deleted`
      : "";
    return `serverless, ${serverless.memorySizeInMB ?? 2048} MB, billed per request duration${warm}`;
  }
  return `${options.initialInstanceCount ?? 1} × ${options.instanceType}, billed until deleted`;
}

function baseName(options: ModelOptions): string {
  const hub = options.environment?.HF_MODEL_ID;
  return hub
    ? (hub.split("/").pop() ?? "hf-model")
    : options.lab
      ? labResourcePrefix(options.lab)
      : "ko-sagemaker-model";
}

export interface HuggingFaceModelOptions extends Omit<ModelOptions, "imageUri"> {
  transformersVersion?: string;
  pytorchVersion?: string;
  /** Leave out to resolve the HF inference DLC for the session's region and `instanceType`. */
  imageUri?: string;
  /** Used to choose the cpu or gpu image (default cpu). */
  instanceType?: string;
  /** Deploy straight from the Hugging Face Hub (AWS only): sets HF_MODEL_ID and HF_TASK. */
  hubModelId?: string;
  hubTask?: string;
}

export class OfflineHubModelError extends Error {
  constructor(modelId: string) {
    super(
      `The Hugging Face Hub model "${modelId}" cannot be deployed in local mode: local SageMaker runs offline and ` +
        "cannot download it. Deploy a model.tar.gz from S3 instead (train one in lab 3.3), or run this cell with SM_MODE=aws.",
    );
    this.name = "OfflineHubModelError";
  }
}

/**
 * The Hugging Face flavour: resolves the HF inference DLC. Zero-code from an artifact (`config.json` + weights
 * at the archive root), with a `code/inference.*` handler (see `repackModelWithCode`), or from the Hub on AWS.
 */
export class HuggingFaceModel extends SageMakerModel {
  constructor(session: WorkshopSession, options: HuggingFaceModelOptions) {
    if (options.hubModelId && session.mode === "local") throw new OfflineHubModelError(options.hubModelId);
    if (!options.hubModelId && !options.modelData) {
      throw new Error("A HuggingFaceModel needs modelData (an s3://.../model.tar.gz) or hubModelId.");
    }
    const imageUri =
      options.imageUri ??
      huggingFaceImageUri({
        scope: "inference",
        region: session.region,
        transformersVersion: options.transformersVersion,
        pytorchVersion: options.pytorchVersion,
        instanceType: options.instanceType ?? "ml.m5.xlarge",
      });
    const environment = {
      ...(options.hubModelId
        ? { HF_MODEL_ID: options.hubModelId, HF_TASK: options.hubTask ?? "text-classification" }
        : {}),
      ...(options.environment ?? {}),
    };
    super(session, { ...options, imageUri, environment });
  }
}

/**
 * Adds an inference handler to a model artifact, as the Python SDK's repack does: downloads model.tar.gz,
 * puts the files of `codeDir` under `code/`, and uploads the new archive to `target`.
 */
export async function repackModelWithCode(
  session: WorkshopSession,
  modelData: string,
  codeDir: string,
  target: string,
): Promise<string> {
  parseS3Uri(target);
  const codeInfo = await stat(codeDir).catch(() => undefined);
  if (!codeInfo?.isDirectory()) throw new Error(`The handler folder "${codeDir}" does not exist.`);
  const work = await mkdtemp(join(tmpdir(), "ko-sagemaker-repack-"));
  try {
    const original = await downloadFile(session.s3, modelData, join(work, "model.tar.gz"));
    const tree = join(work, "model");
    await mkdir(tree, { recursive: true });
    // node-tar refuses absolute paths and `..` entries by default: an archive cannot write outside `tree`.
    await tar.x({ file: original, cwd: tree });
    await cp(codeDir, join(tree, "code"), { recursive: true });
    const repacked = join(work, "repacked.tar.gz");
    await tar.c({ gzip: true, file: repacked, cwd: tree, portable: true }, await readdir(tree));
    return await uploadFile(session.s3, repacked, target);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
