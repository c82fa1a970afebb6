import { join } from "node:path";
import type { MetricDefinition } from "@aws-sdk/client-sagemaker";
import {
  type CleanReport,
  cleanReviews,
  type ReviewRow,
  stratifiedSample,
  stratifiedSplit,
} from "../data/clean";
import { DatasetError } from "../data/errors";
import type { LabelledDataset } from "../data/load";
import { workshopRoot } from "../data/paths";
import { writeJsonl, writeTsv } from "../data/write";
import { assertCostConsent } from "../sagemaker/cost";
import type { HyperparameterValue } from "../sagemaker/estimator";
import { huggingFaceImageUri } from "../sagemaker/image-uris";
import { repackModelWithCode } from "../sagemaker/model";
import { s3Uri, uploadFile } from "../sagemaker/s3";
import type { WorkshopSession } from "../sagemaker/session";
import { batchHandlerDir, type SentimentTrainingPlan, trainingScriptsDir } from "./sentiment";

/**
 * Lab 6.1's plan: the workshop's flow on the user's own dataset (any number of labels). The data is cleaned and
 * split here, written under `.work/6.1/data/` (never into data/prepared, which the sentiment labs own), and the
 * training job runs the same scripts as lab 3.3: `train.ts` locally, `train.py` (KoELECTRA) on AWS, both of which
 * read `text<TAB>label` TSV and accept any string labels.
 */

export const CUSTOM_LAB = "6.1";
export const CUSTOM_JOB_BASE = "custom-classification";

/** The least rows a label needs after cleaning, so that train, validation and test each get one. */
export const MIN_ROWS_PER_LABEL = 5;

export interface CustomPrepareOptions {
  quick: boolean;
  /** Rows kept in quick mode (a seeded stratified sample), default 3000. */
  quickRows?: number;
  /** Share of the cleaned rows held out for the test set, default 0.2. */
  testFraction?: number;
  /** Share of the remaining rows held out for validation (early stopping), default 0.1. */
  validationFraction?: number;
  seed?: number;
  /** The lab the files belong to (a copy of the notebook has its own), default "6.1". */
  lab?: string;
  /** Where the files go, default `<root>/.work/<lab>/data`. */
  dir?: string;
}

export interface PreparedCustomData {
  dir: string;
  paths: { train: string; validation: string; test: string; testJsonl: string };
  /** The data labels, sorted. */
  labels: string[];
  rows: { train: ReviewRow[]; validation: ReviewRow[]; test: ReviewRow[] };
  /** What cleaning did (normalised, empty dropped, duplicates dropped, conflicting duplicates counted). */
  clean: CleanReport;
  /** Rows left out by quick mode's sample. */
  subsampledAway: number;
}

/**
 * Cleans (NFC and whitespace, empty texts and duplicates dropped), splits by label into train, validation and
 * test, and writes `train.tsv`, `validation.tsv`, `test.tsv` (`text<TAB>label`) and `test.jsonl`
 * (`{"id": row, "inputs": text}` for batch transform). A label with too few rows is an error saying which.
 */
export function prepareCustomDataset(
  dataset: LabelledDataset,
  options: CustomPrepareOptions,
): PreparedCustomData {
  const seed = options.seed ?? 42;
  const all: ReviewRow[] = dataset.texts.map((text, i) => ({ text, label: dataset.labels[i] as string }));
  const sampled = options.quick ? stratifiedSample(all, options.quickRows ?? 3000, seed) : all;
  const cleaned = cleanReviews(sampled);
  const counts = new Map<string, number>();
  for (const row of cleaned.rows) counts.set(row.label, (counts.get(row.label) ?? 0) + 1);
  const scarce = [...counts].filter(([, n]) => n < MIN_ROWS_PER_LABEL);
  if (scarce.length > 0) {
    throw new DatasetError(
      dataset.source,
      `after cleaning, ${scarce.map(([label, n]) => `label "${label}" has ${n} row${n === 1 ? "" : "s"}`).join(", ")}; each label needs at least ${MIN_ROWS_PER_LABEL} (some for training, validation and test)`,
      "Add examples of those labels, merge them into others, or remove their rows",
    );
  }
  const { rest, part: test } = stratifiedSplit(cleaned.rows, options.testFraction ?? 0.2, seed);
  const { rest: train, part: validation } = stratifiedSplit(
    rest,
    options.validationFraction ?? 0.1,
    seed + 1,
  );
  const dir = options.dir ?? join(workshopRoot(), ".work", options.lab ?? CUSTOM_LAB, "data");
  const paths = {
    train: join(dir, "train.tsv"),
    validation: join(dir, "validation.tsv"),
    test: join(dir, "test.tsv"),
    testJsonl: join(dir, "test.jsonl"),
  };
  writeTsv(paths.train, train);
  writeTsv(paths.validation, validation);
  writeTsv(paths.test, test);
  writeJsonl(
    paths.testJsonl,
    test.map((row, id) => ({ id, inputs: row.text })),
  );
  return {
    dir,
    paths,
    labels: [...counts.keys()].sort(),
    rows: { train, validation, test },
    clean: cleaned.report,
    subsampledAway: all.length - sampled.length,
  };
}

/**
 * The names the model gives the data's labels: NSMC's 0/1 become negative/positive (as train.py names them by
 * default, so both modes answer alike); any other labels are their own names.
 */
export function customLabelNames(labels: readonly string[]): Record<string, string> {
  const set = [...new Set(labels)].sort();
  if (set.length === 2 && set[0] === "0" && set[1] === "1") return { "0": "negative", "1": "positive" };
  return Object.fromEntries(set.map((label) => [label, label]));
}

export const CUSTOM_METRICS: MetricDefinition[] = ["accuracy", "f1", "loss"].map((name) => ({
  Name: `eval_${name}`,
  Regex: `eval_${name}=([0-9.eE+-]+);`,
}));

/** Lab 3.3's plan for the user's data: the same scripts and instances, this lab's job name and label names. */
export function customTrainingPlan(
  session: WorkshopSession,
  options: { quick: boolean; labels: readonly string[]; jobBase?: string },
): SentimentTrainingPlan {
  const names = customLabelNames(options.labels);
  const renamed = Object.entries(names).some(([label, name]) => label !== name);
  const common = {
    sourceDir: trainingScriptsDir(),
    imageUri: huggingFaceImageUri({ scope: "training", region: session.region, processor: "gpu" }),
    instanceCount: 1,
    metricDefinitions: CUSTOM_METRICS,
    baseJobName: options.jobBase ?? CUSTOM_JOB_BASE,
  };
  const labelNames: Record<string, HyperparameterValue> = renamed
    ? { label_names: JSON.stringify(names) }
    : {};
  if (session.mode === "local") {
    return {
      ...common,
      entryPoint: "train.ts",
      instanceType: "ml.m5.xlarge",
      hyperparameters: { ...labelNames, ...(options.quick ? { epochs: 3, hash_bits: 18 } : {}) },
      estimatedHours: 0,
    };
  }
  return {
    ...common,
    entryPoint: "train.py",
    instanceType: "ml.g5.xlarge",
    hyperparameters: {
      ...labelNames,
      model_id: "monologg/koelectra-small-v3-discriminator",
      epochs: options.quick ? 1 : 3,
      train_batch_size: 32,
      eval_batch_size: 64,
      learning_rate: 5e-5,
      max_length: 128,
      fp16: true,
    },
    estimatedHours: options.quick ? 0.2 : 0.5,
  };
}

/**
 * Uploads train.tsv and validation.tsv under prefixes of their own (a channel is a whole prefix), below
 * `s3://<bucket>/<jobBase>/data/`.
 */
export async function uploadCustomData(
  session: WorkshopSession,
  prepared: PreparedCustomData,
  jobBase: string = CUSTOM_JOB_BASE,
): Promise<{ train: string; validation: string }> {
  assertCostConsent(session.config, "training data uploads to S3");
  const bucket = await session.defaultBucket();
  const upload = async (file: string, channel: string) => {
    const prefix = s3Uri(bucket, jobBase, "data", channel);
    await uploadFile(session.s3, file, `${prefix}/${channel}.tsv`);
    return prefix;
  };
  return {
    train: await upload(prepared.paths.train, "train"),
    validation: await upload(prepared.paths.validation, "validation"),
  };
}

/** Uploads test.jsonl as the batch transform input; returns its prefix. */
export async function uploadCustomTransformInput(
  session: WorkshopSession,
  prepared: PreparedCustomData,
  jobBase: string = CUSTOM_JOB_BASE,
): Promise<string> {
  const prefix = s3Uri(await session.defaultBucket(), jobBase, "batch-input");
  await uploadFile(session.s3, prepared.paths.testJsonl, `${prefix}/test.jsonl`);
  return prefix;
}

/**
 * The artifact the batch transform job runs: locally the trained one (the built-in server reads JSON Lines); on AWS
 * repacked with lab 4.2's `code/inference.py`, because the HF inference toolkit has no JSON Lines decoder.
 */
export async function customTransformModelData(
  session: WorkshopSession,
  modelData: string,
  jobBase: string = CUSTOM_JOB_BASE,
): Promise<string> {
  if (session.mode === "local") return modelData;
  const target = s3Uri(await session.defaultBucket(), jobBase, "batch-model", "model.tar.gz");
  return repackModelWithCode(session, modelData, batchHandlerDir(), target);
}

/** One answer of the model, whether it came as `[{label, score}]` (the pipeline's list) or `{label, score}`. */
export function topPrediction(answer: unknown): { label: string; score: number } {
  const first = Array.isArray(answer) ? answer[0] : answer;
  const { label, score } = (first ?? {}) as { label?: unknown; score?: unknown };
  if (typeof label !== "string") {
    throw new Error(`The model's answer ${JSON.stringify(answer).slice(0, 200)} has no label.`);
  }
  return { label, score: typeof score === "number" ? score : Number.NaN };
}
