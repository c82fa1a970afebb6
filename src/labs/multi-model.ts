import type { HyperparameterValue, TrainingResult } from "../sagemaker/estimator";
import { HuggingFaceEstimator } from "../sagemaker/estimator";
import type { Predictor } from "../sagemaker/predictor";
import type { WorkshopSession } from "../sagemaker/session";
import {
  findLatestTrainingJob,
  latencySummary,
  sentimentTrainingPlan,
  uploadPreparedData,
} from "./sentiment";

/**
 * Lab 4.6's multi-model endpoint: several sentiment models trained with different settings (beside lab 3.3's) and
 * the topic model, one archive each under one S3 prefix, and the first-load vs cached latency of each.
 */

export interface SentimentVariant {
  /** Its archive's name under the multi-model prefix (what TargetModel names). */
  archive: string;
  /** Its training jobs' name prefix: none starts with SENTIMENT_JOB_BASE, so lab 3.3's job is never confused with it. */
  baseJobName: string;
  /** What differs from lab 3.3's settings, for the table. */
  setting: string;
  hyperparameters: Record<string, HyperparameterValue>;
}

/**
 * The settings the variants change: locally the classifier's hash buckets (2^20: an eighth of the artifact) and its
 * naive-Bayes weighting (off: plain logistic regression); on AWS KoELECTRA's learning rate and sequence length.
 */
export function sentimentVariants(session: WorkshopSession): SentimentVariant[] {
  if (session.mode === "local") {
    return [
      {
        archive: "sentiment-hash20.tar.gz",
        baseJobName: "sentiment-hash20",
        setting: "hash_bits=20 (2^20 buckets: 2 MB of weights instead of 16 MB)",
        hyperparameters: { hash_bits: 20 },
      },
      {
        archive: "sentiment-no-nb.tar.gz",
        baseJobName: "sentiment-no-nb",
        setting: "nb_weighting=false (plain logistic regression)",
        hyperparameters: { nb_weighting: false },
      },
    ];
  }
  return [
    {
      archive: "sentiment-lr1e-4.tar.gz",
      baseJobName: "sentiment-lr1e-4",
      setting: "learning_rate=1e-4",
      hyperparameters: { learning_rate: 1e-4 },
    },
    {
      archive: "sentiment-len64.tar.gz",
      baseJobName: "sentiment-len64",
      setting: "max_length=64",
      hyperparameters: { max_length: 64 },
    },
  ];
}

/** A variant's newest completed job, or a new one now: lab 3.3's plan and data, the variant's settings on top. */
export async function sentimentVariantModel(
  session: WorkshopSession,
  variant: SentimentVariant,
  options: { quick: boolean; lab: string },
): Promise<TrainingResult> {
  const found = await findLatestTrainingJob(session, variant.baseJobName);
  if (found) {
    console.log(`${variant.setting}: 훈련 작업 ${found.jobName}을 씁니다`);
    return found;
  }
  const plan = sentimentTrainingPlan(session, options);
  const estimator = new HuggingFaceEstimator(session, {
    ...plan,
    baseJobName: variant.baseJobName,
    hyperparameters: { ...plan.hyperparameters, ...variant.hyperparameters },
    lab: options.lab,
  });
  console.log(`${variant.setting}: 지금 학습합니다 (training now)...`);
  return estimator.fit(await uploadPreparedData(session, options), { logs: false });
}

export interface ModelLoadTiming {
  model: string;
  /** The first call: S3 download and load on the instance, then the prediction. */
  firstMs: number;
  /** The median of the calls after it, the model already loaded. */
  cachedP50Ms: number;
  cachedRequests: number;
  /** The first call's answer. */
  answer: unknown;
}

/** For each archive in turn: one first call (it loads), then `cachedRequests` more (it is loaded). */
export async function measureTargetModels(
  predictor: Predictor,
  models: readonly string[],
  payload: unknown,
  cachedRequests = 20,
): Promise<ModelLoadTiming[]> {
  const timings: ModelLoadTiming[] = [];
  for (const model of models) {
    const first = await predictor.predict(payload, { targetModel: model });
    const cached: number[] = [];
    for (let i = 0; i < cachedRequests; i++)
      cached.push((await predictor.predict(payload, { targetModel: model })).latencyMs);
    timings.push({
      model,
      firstMs: first.latencyMs,
      cachedP50Ms: latencySummary(cached).p50Ms,
      cachedRequests,
      answer: first.result,
    });
  }
  return timings;
}
