import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type Channel,
  CreateTrainingJobCommand,
  type CreateTrainingJobCommandInput,
  DescribeTrainingJobCommand,
  type DescribeTrainingJobCommandOutput,
  type MetricDefinition,
  type Tag,
  type TrainingInstanceType,
} from "@aws-sdk/client-sagemaker";
import * as tar from "tar";
import { assertCostConsent } from "./cost";
import { huggingFaceImageUri } from "./image-uris";
import { type LogLine, LogStreamFollower } from "./logs";
import { assertSageMakerName, uniqueName, workshopTags } from "./naming";
import { s3Uri, uploadDirectory, uploadFile } from "./s3";
import type { WorkshopSession } from "./session";

export type HyperparameterValue = string | number | boolean;

/** What the Python SDK calls `distribution`: how many processes per host and which launcher. */
export type Distribution =
  | { torch_distributed: { enabled: boolean } }
  | { pytorchddp: { enabled: boolean } }
  | { smdistributed: { dataparallel: { enabled: boolean; custom_mpi_options?: string } } }
  | { mpi: { enabled: boolean; processes_per_host?: number; custom_mpi_options?: string } };

export interface EstimatorOptions {
  /** The script to run, relative to `sourceDir` (`.py` on the HF DLC; `.ts`/`.js` on local SageMaker). */
  entryPoint: string;
  sourceDir: string;
  imageUri: string;
  instanceType: string;
  instanceCount?: number;
  hyperparameters?: Record<string, HyperparameterValue>;
  environment?: Record<string, string>;
  metricDefinitions?: MetricDefinition[];
  /** Default `s3://<default bucket>/<baseJobName>/output`. */
  outputPath?: string;
  baseJobName?: string;
  maxRuntimeSeconds?: number;
  volumeSizeGB?: number;
  /** The lab that creates the job: tagged, so `cleanupWorkshopResources({ lab })` finds it. */
  lab?: string;
  tags?: Tag[];
  roleArn?: string;
}

export interface FitOptions {
  jobName?: string;
  /** Return right after CreateTrainingJob (default: wait for the end). */
  wait?: boolean;
  /** Print the job's CloudWatch logs while waiting (default true). */
  logs?: boolean;
  /** Seconds between DescribeTrainingJob polls (default 1 locally, 15 on AWS). */
  pollSeconds?: number;
  /** Give up waiting after this long (default: the job's MaxRuntimeInSeconds plus a margin); the job runs on. */
  timeoutSeconds?: number;
  onStatus?: (status: StatusChange) => void;
  onLog?: (line: LogLine) => void;
}

export interface StatusChange {
  status: string;
  secondaryStatus: string;
  message: string;
  elapsedSeconds: number;
}

export interface TrainingResult {
  jobName: string;
  status: string;
  description: DescribeTrainingJobCommandOutput;
  /** `s3://.../<job>/output/model.tar.gz` when the job completed. */
  modelArtifact?: string;
  /** FinalMetricDataList as name → value. */
  metrics: Record<string, number>;
  statusHistory: StatusChange[];
  logs: LogLine[];
}

export class TrainingJobError extends Error {
  constructor(
    message: string,
    readonly result: TrainingResult,
  ) {
    super(message);
    this.name = "TrainingJobError";
  }
}

/** The Python SDK JSON-encodes every hyperparameter value; the training toolkit decodes them again. */
export function encodeHyperparameters(values: Record<string, HyperparameterValue>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([key, value]) => [key, JSON.stringify(value)]));
}

/** The `sagemaker_*` hyperparameters the Python SDK adds for a `distribution` (HuggingFace/PyTorch estimators). */
export function distributionHyperparameters(
  distribution: Distribution | undefined,
  instanceType: string,
): Record<string, HyperparameterValue> {
  if (!distribution) return {};
  if ("torch_distributed" in distribution) {
    return distribution.torch_distributed.enabled
      ? { sagemaker_torch_distributed_enabled: true, sagemaker_instance_type: instanceType }
      : {};
  }
  if ("pytorchddp" in distribution) {
    return distribution.pytorchddp.enabled
      ? { sagemaker_pytorch_ddp_enabled: true, sagemaker_instance_type: instanceType }
      : {};
  }
  if ("smdistributed" in distribution) {
    const dataParallel = distribution.smdistributed.dataparallel;
    return dataParallel.enabled
      ? {
          sagemaker_distributed_dataparallel_enabled: true,
          sagemaker_instance_type: instanceType,
          sagemaker_distributed_dataparallel_custom_mpi_options: dataParallel.custom_mpi_options ?? "",
        }
      : {};
  }
  return distribution.mpi.enabled
    ? {
        sagemaker_mpi_enabled: true,
        sagemaker_mpi_num_of_processes_per_host: distribution.mpi.processes_per_host ?? 1,
        sagemaker_mpi_custom_mpi_options: distribution.mpi.custom_mpi_options ?? "",
      }
    : {};
}

export interface TrainingJobSpec {
  jobName: string;
  roleArn: string;
  region: string;
  imageUri: string;
  entryPoint: string;
  submitDirectory: string;
  instanceType: string;
  instanceCount: number;
  channels: Record<string, string>;
  outputPath: string;
  hyperparameters: Record<string, HyperparameterValue>;
  environment?: Record<string, string>;
  metricDefinitions?: MetricDefinition[];
  maxRuntimeSeconds: number;
  volumeSizeGB: number;
  tags: Tag[];
}

/** The CreateTrainingJob request, built without sending it (so tests can check it against the service model). */
export function buildTrainingJobRequest(spec: TrainingJobSpec): CreateTrainingJobCommandInput {
  const channels: Channel[] = Object.entries(spec.channels).map(([name, uri]) => ({
    ChannelName: name,
    DataSource: {
      S3DataSource: { S3DataType: "S3Prefix", S3Uri: uri, S3DataDistributionType: "FullyReplicated" },
    },
  }));
  const framework: Record<string, HyperparameterValue> = {
    sagemaker_program: spec.entryPoint,
    sagemaker_submit_directory: spec.submitDirectory,
    sagemaker_container_log_level: 20,
    sagemaker_job_name: spec.jobName,
    sagemaker_region: spec.region,
  };
  const request: CreateTrainingJobCommandInput = {
    TrainingJobName: assertSageMakerName(spec.jobName, "training job"),
    RoleArn: spec.roleArn,
    AlgorithmSpecification: {
      TrainingImage: spec.imageUri,
      TrainingInputMode: "File",
      ...(spec.metricDefinitions?.length
        ? { MetricDefinitions: spec.metricDefinitions, EnableSageMakerMetricsTimeSeries: true }
        : {}),
    },
    HyperParameters: encodeHyperparameters({ ...spec.hyperparameters, ...framework }),
    InputDataConfig: channels.length ? channels : undefined,
    OutputDataConfig: { S3OutputPath: spec.outputPath },
    ResourceConfig: {
      InstanceType: spec.instanceType as TrainingInstanceType,
      InstanceCount: spec.instanceCount,
      VolumeSizeInGB: spec.volumeSizeGB,
    },
    StoppingCondition: { MaxRuntimeInSeconds: spec.maxRuntimeSeconds },
    Tags: spec.tags,
  };
  if (spec.environment && Object.keys(spec.environment).length) request.Environment = spec.environment;
  return request;
}

/** Folders that never belong in a source bundle. */
const SKIPPED = new Set(["node_modules", "__pycache__", ".ipynb_checkpoints", ".git"]);

/** Packs a source folder the way the Python SDK does: its contents at the archive root. */
export async function packSourceDir(sourceDir: string, entryPoint: string, archive: string): Promise<void> {
  const info = await stat(sourceDir).catch(() => undefined);
  if (!info?.isDirectory()) throw new Error(`The training source folder "${sourceDir}" does not exist.`);
  const entries = (await readdir(sourceDir)).filter((name) => !SKIPPED.has(name)).sort();
  if (!entries.includes(entryPoint)) {
    throw new Error(
      `The entry point "${entryPoint}" is not in ${sourceDir} (found: ${entries.join(", ") || "nothing"}).`,
    );
  }
  await tar.c({ gzip: true, file: archive, cwd: sourceDir, portable: true }, entries);
}

const TERMINAL = new Set(["Completed", "Failed", "Stopped"]);
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

export function metricsOf(description: DescribeTrainingJobCommandOutput): Record<string, number> {
  const metrics: Record<string, number> = {};
  for (const metric of description.FinalMetricDataList ?? []) {
    if (metric.MetricName !== undefined && metric.Value !== undefined)
      metrics[metric.MetricName] = metric.Value;
  }
  return metrics;
}

function defaultStatusPrinter(change: StatusChange): void {
  console.log(
    `[${change.elapsedSeconds.toFixed(0).padStart(4)} s] ${change.status} / ${change.secondaryStatus}` +
      (change.message ? `: ${change.message}` : ""),
  );
}

/**
 * Waits for a training job: polls DescribeTrainingJob, reports each status transition, follows the job's
 * CloudWatch logs, and returns the outcome. The same calls run against local SageMaker and AWS. This is the one
 * hand-written wait of the toolkit (the SDK's waitUntilTrainingJobCompletedOrStopped cannot interleave the log
 * lines with the status changes); it gives up after the job's own time limit, saying the job still runs.
 */
export async function waitForTrainingJob(
  session: WorkshopSession,
  jobName: string,
  options: Omit<FitOptions, "jobName" | "wait"> = {},
): Promise<TrainingResult> {
  const pollMs = (options.pollSeconds ?? (session.mode === "local" ? 1 : 15)) * 1000;
  const onStatus = options.onStatus ?? defaultStatusPrinter;
  const onLog = options.onLog ?? ((line: LogLine) => console.log(line.message));
  const follower =
    options.logs === false ? undefined : LogStreamFollower.forTrainingJob(session.logs, jobName);
  const started = Date.now();
  const statusHistory: StatusChange[] = [];
  const logs: LogLine[] = [];
  let last = "";
  let deadline: number | undefined;
  for (;;) {
    const description = await session.sagemaker.send(
      new DescribeTrainingJobCommand({ TrainingJobName: jobName }),
    );
    deadline ??=
      started +
      1000 *
        (options.timeoutSeconds ??
          (description.StoppingCondition?.MaxRuntimeInSeconds ?? 86_400) +
            (session.mode === "local" ? 60 : 1800));
    const status = description.TrainingJobStatus ?? "Unknown";
    const secondary = description.SecondaryStatus ?? "";
    const terminal = TERMINAL.has(status);
    const report = () => {
      const key = `${status}/${secondary}`;
      if (key === last) return;
      last = key;
      const transitions = description.SecondaryStatusTransitions ?? [];
      const change: StatusChange = {
        status,
        secondaryStatus: secondary,
        message: transitions[transitions.length - 1]?.StatusMessage ?? "",
        elapsedSeconds: (Date.now() - started) / 1000,
      };
      statusHistory.push(change);
      onStatus(change);
    };
    // The transcript reads in the order things happened: lines logged before the latest transition began come
    // before its announcement (the last epoch's line before "Uploading"), the new phase's lines after it, and the
    // end only after the last lines, which can land after the status flips (hence the second pass).
    const lines: LogLine[] = [];
    for (let pass = terminal ? 2 : 1; pass > 0; pass--) lines.push(...((await follower?.poll()) ?? []));
    const emit = (line: LogLine) => {
      logs.push(line);
      onLog(line);
    };
    if (terminal) {
      lines.forEach(emit);
      report();
    } else {
      const transitions = description.SecondaryStatusTransitions ?? [];
      const changedAt = transitions[transitions.length - 1]?.StartTime?.getTime() ?? Number.NEGATIVE_INFINITY;
      for (const line of lines) if (line.timestamp < changedAt) emit(line);
      report();
      for (const line of lines) if (line.timestamp >= changedAt) emit(line);
    }
    if (terminal) {
      const result: TrainingResult = {
        jobName,
        status,
        description,
        modelArtifact: description.ModelArtifacts?.S3ModelArtifacts,
        metrics: metricsOf(description),
        statusHistory,
        logs,
      };
      if (status !== "Completed") {
        throw new TrainingJobError(
          `Training job ${jobName} ended ${status}: ${description.FailureReason ?? "no reason given"}`,
          result,
        );
      }
      return result;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `Training job ${jobName} is still ${status} after ${Math.round((Date.now() - started) / 1000)} s of waiting. ` +
          "It keeps running (and, on AWS, billing): call waitForTrainingJob again, or stop it with StopTrainingJob.",
      );
    }
    await sleep(pollMs);
  }
}

/**
 * A training job definition, like the Python SDK's Estimator: `fit()` packs and uploads the source folder,
 * sends CreateTrainingJob, and (by default) waits with status and logs.
 */
export class Estimator {
  readonly options: EstimatorOptions;
  latestJob?: TrainingResult;

  constructor(
    readonly session: WorkshopSession,
    options: EstimatorOptions,
  ) {
    this.options = options;
  }

  /** Hyperparameters as sent (before JSON encoding), including what the flavour adds. */
  hyperparameters(): Record<string, HyperparameterValue> {
    return { ...(this.options.hyperparameters ?? {}) };
  }

  /** The CreateTrainingJob request `fit()` sends once the source bundle and channels are in S3. */
  trainingJobRequest(parts: {
    jobName: string;
    submitDirectory: string;
    channels: Record<string, string>;
    bucket: string;
  }): CreateTrainingJobCommandInput {
    const o = this.options;
    return buildTrainingJobRequest({
      jobName: parts.jobName,
      roleArn: o.roleArn ?? this.session.roleArn(),
      region: this.session.region,
      imageUri: o.imageUri,
      entryPoint: o.entryPoint,
      submitDirectory: parts.submitDirectory,
      instanceType: o.instanceType,
      instanceCount: o.instanceCount ?? 1,
      channels: parts.channels,
      outputPath: o.outputPath ?? s3Uri(parts.bucket, o.baseJobName ?? "ko-sagemaker-training", "output"),
      hyperparameters: this.hyperparameters(),
      environment: o.environment,
      metricDefinitions: o.metricDefinitions,
      maxRuntimeSeconds: o.maxRuntimeSeconds ?? 24 * 3600,
      volumeSizeGB: o.volumeSizeGB ?? 30,
      tags: workshopTags(o.lab, o.tags),
    });
  }

  /**
   * Channels map a name (`train`, `validation`, ...) to an S3 URI, or to a local file or folder that is
   * uploaded first to `s3://<bucket>/<job>/input/<channel>/`.
   */
  async fit(channels: Record<string, string> = {}, options: FitOptions = {}): Promise<TrainingResult> {
    const { session } = this;
    const o = this.options;
    const jobName = options.jobName ?? uniqueName(o.baseJobName ?? "ko-sagemaker-training");
    assertSageMakerName(jobName, "training job");
    assertCostConsent(
      session.config,
      `training job ${jobName} (${o.instanceCount ?? 1} × ${o.instanceType})`,
    );
    const bucket = await session.defaultBucket();

    const workDir = await mkdtemp(join(tmpdir(), "ko-sagemaker-fit-"));
    let submitDirectory: string;
    try {
      const archive = join(workDir, "sourcedir.tar.gz");
      await packSourceDir(o.sourceDir, o.entryPoint, archive);
      submitDirectory = await uploadFile(
        session.s3,
        archive,
        s3Uri(bucket, jobName, "source", "sourcedir.tar.gz"),
      );
    } finally {
      await rm(workDir, { recursive: true, force: true });
    }

    const resolved: Record<string, string> = {};
    for (const [name, location] of Object.entries(channels)) {
      resolved[name] = location.startsWith("s3://")
        ? location
        : await uploadLocalChannel(session, location, s3Uri(bucket, jobName, "input", name));
    }

    const request = this.trainingJobRequest({ jobName, submitDirectory, channels: resolved, bucket });
    await session.sagemaker.send(new CreateTrainingJobCommand(request));
    if (options.wait === false) {
      const description = await session.sagemaker.send(
        new DescribeTrainingJobCommand({ TrainingJobName: jobName }),
      );
      return {
        jobName,
        status: description.TrainingJobStatus ?? "InProgress",
        description,
        metrics: {},
        statusHistory: [],
        logs: [],
      };
    }
    try {
      this.latestJob = await waitForTrainingJob(session, jobName, options);
    } catch (error) {
      if (error instanceof TrainingJobError) this.latestJob = error.result;
      throw error;
    }
    return this.latestJob;
  }
}

async function uploadLocalChannel(session: WorkshopSession, path: string, prefix: string): Promise<string> {
  const info = await stat(path).catch(() => undefined);
  if (!info)
    throw new Error(`The training channel "${path}" is neither an S3 URI nor a local file or folder.`);
  if (info.isDirectory()) return uploadDirectory(session.s3, path, prefix);
  const name = path.split(/[\\/]/).pop() ?? "data";
  await uploadFile(session.s3, path, `${prefix}/${name}`);
  return prefix;
}

export interface HuggingFaceEstimatorOptions extends Omit<EstimatorOptions, "imageUri"> {
  transformersVersion?: string;
  pytorchVersion?: string;
  /** Leave out to resolve the HF training DLC from the versions and the session's region. */
  imageUri?: string;
  distribution?: Distribution;
}

/** The Hugging Face flavour: resolves the HF training DLC and adds the Python SDK's distribution settings. */
export class HuggingFaceEstimator extends Estimator {
  readonly distribution?: Distribution;

  constructor(session: WorkshopSession, options: HuggingFaceEstimatorOptions) {
    const imageUri =
      options.imageUri ??
      huggingFaceImageUri({
        scope: "training",
        region: session.region,
        transformersVersion: options.transformersVersion,
        pytorchVersion: options.pytorchVersion,
        // The training DLCs are GPU images; local SageMaker runs them on the CPU regardless.
        processor: "gpu",
      });
    super(session, { ...options, imageUri });
    this.distribution = options.distribution;
  }

  override hyperparameters(): Record<string, HyperparameterValue> {
    return {
      ...super.hyperparameters(),
      ...distributionHyperparameters(this.distribution, this.options.instanceType),
    };
  }
}
