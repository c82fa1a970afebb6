/** The classifier's public shapes. Other areas (the inference server, the notebooks) code against these. */
import type { FeatureParams } from "./features";

/** One label with its probability, like a Hugging Face text-classification pipeline answers. */
export interface Prediction {
  label: string;
  score: number;
}

/** What training recorded, kept in config.json for whoever serves or audits the model. */
export interface TrainingMetadata {
  trainedAt: string;
  trainSamples: number;
  validationSamples: number;
  epochs: number;
  bestEpoch: number;
  learningRate: number;
  l2: number;
  nbAlpha: number;
  seed: number;
  trainSeconds: number;
  validationAccuracy?: number;
  validationLoss?: number;
}

export interface ModelConfig {
  architecture: string;
  formatVersion: number;
  /** Class id ("0", "1", ...) to the label a prediction reports. */
  id2label: Record<string, string>;
  label2id: Record<string, number>;
  /** Class id to the label value the training data used (differs from id2label when labelNames renamed them). */
  dataLabels: string[];
  features: FeatureParams;
  /** Linear models: 1 for two classes (class 1 against class 0), one per class otherwise. */
  models: number;
  weights: { file: string; dtype: "float16"; bytes: number; sha256: string };
  training: TrainingMetadata;
}

export interface TextClassifier {
  readonly config: ModelConfig;
  /** Top-1 label per input. */
  classify(texts: readonly string[]): Prediction[];
  /** Every label per input, sorted by score, highest first. */
  classifyAll(texts: readonly string[]): Prediction[][];
}

export interface LabelledTexts {
  texts: string[];
  labels: string[];
}

export interface TrainOptions extends Partial<FeatureParams> {
  /** Most passes over the training data (early stopping may end sooner when validation data is given). */
  epochs?: number;
  /** AdaGrad step size. */
  learningRate?: number;
  /** L2 penalty, applied to the weights a sample touches. */
  l2?: number;
  /** Naive-Bayes count smoothing; 0 switches the NB weighting off. */
  nbAlpha?: number;
  seed?: number;
  /** Epochs without a better validation loss before stopping. */
  patience?: number;
  /** Smallest drop in validation loss that counts as an improvement (default 0.001). */
  minDelta?: number;
  /**
   * Readable names for the data's label values, e.g. {"0": "negative", "1": "positive"} for NSMC.
   * Default: predictions report the data's own label values ("0"/"1" for NSMC).
   */
  labelNames?: Record<string, string>;
}

export interface TrainProgress {
  phase: "features" | "epoch" | "done";
  epoch: number;
  epochs: number;
  loss?: number;
  validationLoss?: number;
  validationAccuracy?: number;
  seconds: number;
}

export interface EpochRecord {
  epoch: number;
  loss: number;
  validationLoss?: number;
  validationAccuracy?: number;
}

export interface TrainedModel {
  classifier: TextClassifier;
  history: EpochRecord[];
  bestEpoch: number;
  trainSeconds: number;
  /** Writes the model directory (config.json + weights.bin); creates it when missing. */
  save(dir: string): void;
}
