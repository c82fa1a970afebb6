import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cleanReviews, type ReviewRow, stratifiedSplit } from "../data/clean";
import { loadDataset } from "../data/load";
import { workshopRoot } from "../data/paths";
import { writeTsv } from "../data/write";
import { assertCostConsent } from "../sagemaker/cost";
import { HuggingFaceEstimator, type HyperparameterValue, type TrainingResult } from "../sagemaker/estimator";
import { s3Uri, uploadFile } from "../sagemaker/s3";
import type { WorkshopSession } from "../sagemaker/session";
import { findLatestTrainingJob, type SentimentTrainingPlan, sentimentTrainingPlan } from "./sentiment";

/**
 * Lab 4.6's second model: a topic classifier (movie, food, shopping, travel) trained on `data/sample-topics` by the
 * same training job as the sentiment model (the same image and entry point: `train.ts` locally, `train.py` with
 * KoELECTRA on AWS), under its own job name so the labs that look for lab 3.3's sentiment job never pick it up.
 */

/** The job-name prefix of the topic model (not starting with SENTIMENT_JOB_BASE). */
export const TOPIC_JOB_BASE = "topic-classifier";

/** The topics in Korean, for tables. */
export const TOPIC_LABELS: Readonly<Record<string, string>> = {
  movie: "영화",
  food: "음식",
  shopping: "쇼핑",
  travel: "여행",
};

/** `data/sample-topics/reviews.tsv`: 480 reviews written for this project, 120 per topic. */
export const sampleTopicsPath = (root: string = workshopRoot()): string =>
  join(root, "data", "sample-topics", "reviews.tsv");

export interface TopicSplit {
  train: ReviewRow[];
  validation: ReviewRow[];
}

/** The topic reviews split by topic (stratified, seeded): `validationFraction` of each topic for validation. */
export function splitTopicReviews(
  options: { validationFraction?: number; seed?: number; path?: string } = {},
): TopicSplit {
  const data = loadDataset(options.path ?? sampleTopicsPath());
  const { rows } = cleanReviews(data.texts.map((text, i) => ({ text, label: data.labels[i] as string })));
  const { rest, part } = stratifiedSplit(rows, options.validationFraction ?? 0.2, options.seed ?? 42);
  return { train: rest, validation: part };
}

/**
 * Writes the split as `train.tsv` and `validation.tsv` (`text<TAB>label`: the header train.py reads) and uploads each
 * under its own prefix, `s3://<bucket>/topic-classifier/data/{train,validation}/`; returns the channel prefixes.
 */
export async function uploadTopicData(
  session: WorkshopSession,
  split: TopicSplit = splitTopicReviews(),
): Promise<{ train: string; validation: string }> {
  assertCostConsent(session.config, "topic training data uploads to S3");
  const bucket = await session.defaultBucket();
  const work = await mkdtemp(join(tmpdir(), "ko-sagemaker-topics-"));
  try {
    const channel = async (name: "train" | "validation", rows: ReviewRow[]) => {
      const file = join(work, `${name}.tsv`);
      writeTsv(file, rows);
      const prefix = s3Uri(bucket, TOPIC_JOB_BASE, "data", name);
      await uploadFile(session.s3, file, `${prefix}/${name}.tsv`);
      return prefix;
    };
    return {
      train: await channel("train", split.train),
      validation: await channel("validation", split.validation),
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * The sentiment plan (image, entry point, instance, metrics) with the topic model's job name and settings: locally
 * a learning rate and epochs that suit 384 short reviews and 2^20 hash buckets (a 2 MB artifact: a small dataset
 * fills few of the sentiment model's 2^23); on AWS KoELECTRA for a few epochs over the whole small set. NSMC's
 * label names are left out: the topics name themselves.
 */
export function topicTrainingPlan(
  session: WorkshopSession,
  options: { quick: boolean },
): SentimentTrainingPlan {
  const plan = sentimentTrainingPlan(session, options);
  const {
    label_names: _names,
    max_train_samples: _train,
    max_eval_samples: _eval,
    ...common
  } = plan.hyperparameters;
  const hyperparameters: Record<string, HyperparameterValue> =
    session.mode === "local"
      ? { ...common, epochs: options.quick ? 5 : 10, learning_rate: 0.5, patience: 3, hash_bits: 20 }
      : { ...common, epochs: 5 };
  return { ...plan, baseJobName: TOPIC_JOB_BASE, hyperparameters, estimatedHours: 0.15 };
}

/** The topic model's training job: the split written and uploaded, then the estimator (waits, with logs). */
export async function trainTopicModel(
  session: WorkshopSession,
  options: { quick: boolean; lab: string },
): Promise<TrainingResult> {
  const plan = topicTrainingPlan(session, options);
  const channels = await uploadTopicData(session);
  const estimator = new HuggingFaceEstimator(session, { ...plan, lab: options.lab });
  return estimator.fit(channels);
}

/** The newest completed topic job (a lab run before trained it), or a new one trained now. */
export async function topicModelForServing(
  session: WorkshopSession,
  options: { quick: boolean; lab: string },
): Promise<TrainingResult> {
  const found = await findLatestTrainingJob(session, TOPIC_JOB_BASE);
  if (found) {
    console.log(`주제 모델의 훈련 작업을 씁니다: ${found.jobName}`);
    return found;
  }
  console.log("주제 모델이 없습니다 (no topic model yet). 지금 학습합니다...");
  return trainTopicModel(session, options);
}
