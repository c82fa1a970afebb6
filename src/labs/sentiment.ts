import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import {
  DescribeTrainingJobCommand,
  ListTrainingJobsCommand,
  type MetricDefinition,
} from "@aws-sdk/client-sagemaker";
import * as tar from "tar";
import { ensurePreparedData, workshopRoot } from "../data";
import { assertCostConsent, type CostItem, costNotice } from "../sagemaker/cost";
import {
  HuggingFaceEstimator,
  type HyperparameterValue,
  metricsOf,
  type TrainingResult,
} from "../sagemaker/estimator";
import { huggingFaceImageUri } from "../sagemaker/image-uris";
import { repackModelWithCode } from "../sagemaker/model";
import { downloadFile, s3ObjectExists, s3Uri, uploadFile } from "../sagemaker/s3";
import type { WorkshopSession } from "../sagemaker/session";

/**
 * What the training and serving labs need, decided in one place so the lab cells are the same in both modes:
 * locally the workshop's own classifier trains through `train.ts` on the built-in toolkit; on AWS `train.py`
 * fine-tunes KoELECTRA on a GPU with the Hugging Face training DLC.
 */
export interface SentimentTrainingPlan {
  entryPoint: string;
  sourceDir: string;
  imageUri: string;
  instanceType: string;
  instanceCount: number;
  hyperparameters: Record<string, HyperparameterValue>;
  metricDefinitions: MetricDefinition[];
  baseJobName: string;
  /** Rough run time, for the cost notice. */
  estimatedHours: number;
}

/** The folder the training labs pack into sourcedir.tar.gz: train.ts (local), train.py + requirements.txt (AWS). */
export const trainingScriptsDir = (): string => join(workshopRoot(), "labs", "3_Training", "scripts");

/** The job-name prefix lab 3.3 uses; lab 4.1 finds the newest completed job by it. */
export const SENTIMENT_JOB_BASE = "nsmc-sentiment";

/** Metric lines both entry points print: `eval_accuracy=0.8812;`. */
export const SENTIMENT_METRICS: MetricDefinition[] = ["accuracy", "f1", "loss"].map((name) => ({
  Name: `eval_${name}`,
  Regex: `eval_${name}=([0-9.eE+-]+);`,
}));

const LABEL_NAMES = { "0": "negative", "1": "positive" };

/** The label each data value gets in both modes (train.ts and train.py name them alike): "1" → "positive". */
export const SENTIMENT_LABELS: Readonly<Record<string, string>> = LABEL_NAMES;

export function sentimentTrainingPlan(
  session: WorkshopSession,
  options: { quick: boolean },
): SentimentTrainingPlan {
  const imageUri = huggingFaceImageUri({ scope: "training", region: session.region, processor: "gpu" });
  const common = {
    sourceDir: trainingScriptsDir(),
    imageUri,
    instanceCount: 1,
    metricDefinitions: SENTIMENT_METRICS,
    baseJobName: SENTIMENT_JOB_BASE,
  };
  if (session.mode === "local") {
    return {
      ...common,
      entryPoint: "train.ts",
      // Local SageMaker runs the job as a process on this machine; the instance type is only recorded.
      instanceType: "ml.m5.xlarge",
      // The same label names train.py gives KoELECTRA, so both modes answer "negative"/"positive".
      hyperparameters: { label_names: JSON.stringify(LABEL_NAMES), ...(options.quick ? { epochs: 1 } : {}) },
      estimatedHours: 0,
    };
  }
  return {
    ...common,
    entryPoint: "train.py",
    instanceType: "ml.g5.xlarge",
    hyperparameters: {
      model_id: "monologg/koelectra-small-v3-discriminator",
      epochs: options.quick ? 1 : 2,
      train_batch_size: 32,
      eval_batch_size: 64,
      learning_rate: 5e-5,
      max_length: 128,
      fp16: true,
      ...(options.quick ? { max_train_samples: 2000, max_eval_samples: 500 } : {}),
    },
    estimatedHours: options.quick ? 0.2 : 0.5,
  };
}

export function trainingCostItems(plan: SentimentTrainingPlan): CostItem[] {
  return [
    {
      what: "training job",
      instanceType: plan.instanceType,
      instanceCount: plan.instanceCount,
      hours: plan.estimatedHours,
    },
  ];
}

/** The instance type the serving labs deploy to (a CPU instance: KoELECTRA-small answers in milliseconds there). */
export const servingInstanceType = (_session: WorkshopSession): string => "ml.m5.xlarge";

export function servingCostNotice(session: WorkshopSession, what = "real-time endpoint"): string {
  return costNotice(session.config, [{ what, instanceType: servingInstanceType(session) }]);
}

/**
 * The cost notice before a lab's batch transform jobs: each runs on one serving instance and bills only while it
 * runs (the Python workshops' 50,000-review job took about 15 minutes, instance start included).
 */
export function transformCostNotice(session: WorkshopSession, jobs: number, hoursEach = 0.25): string {
  return costNotice(session.config, [
    {
      what: `${jobs} batch transform job${jobs === 1 ? "" : "s"} (one instance each, billed while it runs)`,
      instanceType: servingInstanceType(session),
      instanceCount: jobs,
      hours: hoursEach,
    },
  ]);
}

/** `labs/4_Serving/code`: the JSON Lines handler the Hugging Face inference DLC needs for MultiRecord jobs. */
export const batchHandlerDir = (): string => join(workshopRoot(), "labs", "4_Serving", "code");

/**
 * The artifact lab 4.2's transform jobs run: locally the trained one as it is (the built-in inference server reads
 * JSON Lines); on AWS the same artifact with `code/inference.py`, because the HF inference toolkit has no JSON Lines
 * decoder and MultiRecord mini-batches are JSON Lines (huggingface/notebooks#227).
 */
export async function batchTransformModelData(session: WorkshopSession, modelData: string): Promise<string> {
  if (session.mode === "local") return modelData;
  const target = s3Uri(await session.defaultBucket(), "nsmc-batch", "model", "model.tar.gz");
  return repackModelWithCode(session, modelData, batchHandlerDir(), target);
}

/**
 * Makes sure the prepared NSMC files exist (lab 3.1 writes them; when 3.1 was skipped they are prepared here)
 * and uploads `train.tsv` and `validation.tsv` under their own prefixes: a channel is a whole S3 prefix, and
 * the test split must never reach the training job.
 */
export async function uploadPreparedData(
  session: WorkshopSession,
  options: { quick: boolean },
): Promise<{ train: string; validation: string }> {
  assertCostConsent(session.config, "training data uploads to S3");
  const ensured = ensurePreparedData({ quick: options.quick });
  if (ensured.reason) console.log(`준비된 데이터를 다시 만듭니다 (${ensured.reason})`);
  const paths = ensured.prepared.paths;
  const bucket = await session.defaultBucket();
  const upload = async (file: string, channel: string) => {
    const prefix = s3Uri(bucket, SENTIMENT_JOB_BASE, "data", channel);
    await uploadFile(session.s3, file, `${prefix}/${basename(file)}`);
    return prefix;
  };
  return {
    train: await upload(paths.train, "train"),
    validation: await upload(paths.validation, "validation"),
  };
}

/**
 * Every value the metric regexes find in the job's log, in order: the per-epoch curves the final metrics
 * (FinalMetricDataList, the last value of each) are taken from.
 */
export function metricSeries(
  logs: readonly { message: string }[],
  definitions: readonly MetricDefinition[] = SENTIMENT_METRICS,
): Record<string, number[]> {
  const series: Record<string, number[]> = {};
  for (const definition of definitions) {
    if (!definition.Name || !definition.Regex) continue;
    const pattern = new RegExp(definition.Regex, "g");
    const values: number[] = [];
    for (const line of logs) {
      for (const match of line.message.matchAll(pattern)) {
        const value = Number(match[1]);
        if (Number.isFinite(value)) values.push(value);
      }
    }
    if (values.length) series[definition.Name] = values;
  }
  return series;
}

/**
 * The newest completed job whose name starts with `baseJobName` and whose model artifact is still in S3, as a
 * TrainingResult; undefined when there is none (an artifact deleted since is skipped, not deployed and failed).
 */
export async function findLatestTrainingJob(
  session: WorkshopSession,
  baseJobName: string = SENTIMENT_JOB_BASE,
): Promise<TrainingResult | undefined> {
  const listed = await session.sagemaker.send(
    new ListTrainingJobsCommand({
      NameContains: baseJobName,
      StatusEquals: "Completed",
      SortBy: "CreationTime",
      SortOrder: "Descending",
      MaxResults: 20,
    }),
  );
  for (const summary of listed.TrainingJobSummaries ?? []) {
    const jobName = summary.TrainingJobName;
    if (!jobName?.startsWith(`${baseJobName}-`)) continue;
    const description = await session.sagemaker.send(
      new DescribeTrainingJobCommand({ TrainingJobName: jobName }),
    );
    const modelArtifact = description.ModelArtifacts?.S3ModelArtifacts;
    if (!modelArtifact || !(await s3ObjectExists(session, modelArtifact))) continue;
    return {
      jobName,
      status: description.TrainingJobStatus ?? "Completed",
      description,
      modelArtifact,
      metrics: metricsOf(description),
      statusHistory: [],
      logs: [],
    };
  }
  return undefined;
}

/** Lab 3.3's job in one call: data upload, estimator, fit (used by later labs when 3.3 was not run). */
export async function trainSentimentModel(
  session: WorkshopSession,
  options: { quick: boolean; lab: string },
): Promise<TrainingResult> {
  const plan = sentimentTrainingPlan(session, options);
  const channels = await uploadPreparedData(session, options);
  const estimator = new HuggingFaceEstimator(session, { ...plan, lab: options.lab });
  return estimator.fit(channels);
}

export interface ArchiveEntry {
  path: string;
  bytes: number;
}

/** The files inside a model.tar.gz in S3, with their sizes (what the endpoint will load). */
export async function listModelArtifact(
  session: WorkshopSession,
  modelArtifact: string,
): Promise<ArchiveEntry[]> {
  const work = await mkdtemp(join(tmpdir(), "ko-sagemaker-artifact-"));
  try {
    const file = await downloadFile(session.s3, modelArtifact, join(work, "model.tar.gz"));
    const entries: ArchiveEntry[] = [];
    await tar.t({
      file,
      onReadEntry: (entry) => {
        if (entry.type === "File") entries.push({ path: entry.path, bytes: entry.size ?? 0 });
      },
    });
    return entries.sort((a, b) => a.path.localeCompare(b.path));
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export interface LatencySummary {
  requests: number;
  meanMs: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** Nearest-rank percentiles of measured latencies. */
export function latencySummary(latencies: readonly number[]): LatencySummary {
  if (latencies.length === 0) throw new Error("No latencies to summarise: send at least one request.");
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
  const round = (value: number) => Math.round(value * 100) / 100;
  return {
    requests: sorted.length,
    meanMs: round(sorted.reduce((sum, value) => sum + value, 0) / sorted.length),
    p50Ms: round(at(50)),
    p90Ms: round(at(90)),
    p99Ms: round(at(99)),
    maxMs: round(sorted[sorted.length - 1] as number),
  };
}
