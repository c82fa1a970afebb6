/** trainClassifier: labelled texts in, a trained classifier (and its training history) out. */
import { encodeWeights, quantizeWeights, saveModelDir, sha256, WEIGHTS_FILE } from "./artifact";
import { ARCHITECTURE, checkTexts, FORMAT_VERSION, NgramClassifier } from "./classifier";
import { DEFAULT_FEATURE_PARAMS, FeatureExtractor, type FeatureParams } from "./features";
import { labelMaps, orderLabels } from "./labels";
import { type LinearOptions, trainLinear } from "./linear";
import type {
  EpochRecord,
  LabelledTexts,
  ModelConfig,
  TrainedModel,
  TrainOptions,
  TrainProgress,
} from "./types";

/** Chosen on a validation split carved from NSMC's training rows (see test/bench/model.ts). */
export const DEFAULT_TRAIN_OPTIONS: Required<Omit<TrainOptions, keyof FeatureParams | "labelNames">> = {
  epochs: 6,
  learningRate: 0.15,
  l2: 1e-6,
  nbAlpha: 1,
  seed: 42,
  patience: 1,
  minDelta: 0.001,
};

export interface TrainClassifierOptions extends TrainOptions {
  validation?: LabelledTexts;
  onProgress?: (progress: TrainProgress) => void;
}

function checkLabelled(data: LabelledTexts, what: string): void {
  if (typeof data !== "object" || data === null) throw new TypeError(`${what} must be { texts, labels }.`);
  checkTexts(data.texts, `${what}.texts`);
  if (!Array.isArray(data.labels)) throw new TypeError(`${what}.labels must be an array of strings.`);
  if (data.labels.length !== data.texts.length) {
    throw new RangeError(
      `${what} has ${data.texts.length} texts but ${data.labels.length} labels; each text needs exactly one label.`,
    );
  }
  data.labels.forEach((label, i) => {
    if (typeof label !== "string" || label.trim() === "") {
      throw new TypeError(
        `${what}.labels[${i}] is ${JSON.stringify(label) ?? String(label)}; labels must be non-empty strings.`,
      );
    }
  });
}

function checkNumber(name: string, value: number, min: number, max: number, integer = false): void {
  if (
    typeof value !== "number" ||
    !Number.isFinite(value) ||
    value < min ||
    value > max ||
    (integer && !Number.isInteger(value))
  ) {
    throw new RangeError(
      `Training option ${name} must be ${integer ? "an integer" : "a number"} from ${min} to ${max}; got ${String(value)}.`,
    );
  }
}

export function trainClassifier(train: LabelledTexts, options: TrainClassifierOptions = {}): TrainedModel {
  const started = performance.now();
  checkLabelled(train, "train");
  if (options.validation) checkLabelled(options.validation, "validation");
  const pick = <K extends keyof FeatureParams>(k: K): FeatureParams[K] =>
    options[k] ?? DEFAULT_FEATURE_PARAMS[k];
  const features: FeatureParams = {
    charNgramMin: pick("charNgramMin"),
    charNgramMax: pick("charNgramMax"),
    wordNgramMax: pick("wordNgramMax"),
    hashBits: pick("hashBits"),
    maxChars: pick("maxChars"),
    maxRepeat: pick("maxRepeat"),
  };
  const linear: LinearOptions = {
    epochs: options.epochs ?? DEFAULT_TRAIN_OPTIONS.epochs,
    learningRate: options.learningRate ?? DEFAULT_TRAIN_OPTIONS.learningRate,
    l2: options.l2 ?? DEFAULT_TRAIN_OPTIONS.l2,
    nbAlpha: options.nbAlpha ?? DEFAULT_TRAIN_OPTIONS.nbAlpha,
    seed: options.seed ?? DEFAULT_TRAIN_OPTIONS.seed,
    patience: options.patience ?? DEFAULT_TRAIN_OPTIONS.patience,
    minDelta: options.minDelta ?? DEFAULT_TRAIN_OPTIONS.minDelta,
  };
  checkNumber("epochs", linear.epochs, 1, 1000, true);
  checkNumber("learningRate", linear.learningRate, 1e-9, 100);
  checkNumber("l2", linear.l2, 0, 10);
  checkNumber("nbAlpha", linear.nbAlpha, 0, 1e6);
  checkNumber("seed", linear.seed, 0, 2 ** 32 - 1, true);
  checkNumber("patience", linear.patience, 1, 1000, true);
  checkNumber("minDelta", linear.minDelta, 0, 10);

  const dataLabels = orderLabels(train.labels);
  if (dataLabels.length < 2) {
    throw new RangeError(
      `Training data has only the label "${dataLabels[0] ?? ""}"; a classifier needs at least two labels.`,
    );
  }
  const { id2label, label2id } = labelMaps(dataLabels, options.labelNames);
  const classOf = new Map(dataLabels.map((l, i) => [l, i]));
  const encode = (labels: string[], what: string): Int32Array =>
    Int32Array.from(labels, (l, i) => {
      const id = classOf.get(l);
      if (id === undefined) {
        throw new RangeError(
          `${what}.labels[${i}] is "${l}", a label the training data does not have (${dataLabels.join(", ")}).`,
        );
      }
      return id;
    });

  const report = options.onProgress ?? (() => {});
  const seconds = (): number => (performance.now() - started) / 1000;
  report({ phase: "features", epoch: 0, epochs: linear.epochs, seconds: seconds() });
  const extractor = new FeatureExtractor(features);
  const trainSplit = { rows: extractor.extractAll(train.texts), labels: encode(train.labels, "train") };
  const validation = options.validation
    ? {
        rows: extractor.extractAll(options.validation.texts),
        labels: encode(options.validation.labels, "validation"),
      }
    : undefined;

  const history: EpochRecord[] = [];
  const result = trainLinear(
    trainSplit,
    dataLabels.length,
    2 ** features.hashBits,
    linear,
    validation,
    (e) => {
      const record: EpochRecord = { epoch: e.epoch, loss: e.trainLoss };
      if (e.validationLoss !== undefined) record.validationLoss = e.validationLoss;
      if (e.validationAccuracy !== undefined) record.validationAccuracy = e.validationAccuracy;
      history.push(record);
      report({ phase: "epoch", epochs: linear.epochs, ...record, seconds: seconds() });
    },
  );
  const weights = quantizeWeights(result.weights);
  const weightsFile = encodeWeights(weights);
  const trainSeconds = seconds();
  const best = history[result.bestEpoch - 1];
  const config: ModelConfig = {
    architecture: ARCHITECTURE,
    formatVersion: FORMAT_VERSION,
    id2label,
    label2id,
    dataLabels,
    features,
    models: weights.models,
    weights: { file: WEIGHTS_FILE, dtype: "float16", bytes: weightsFile.length, sha256: sha256(weightsFile) },
    training: {
      trainedAt: new Date().toISOString(),
      trainSamples: train.texts.length,
      validationSamples: options.validation?.texts.length ?? 0,
      epochs: history.length,
      bestEpoch: result.bestEpoch,
      learningRate: linear.learningRate,
      l2: linear.l2,
      nbAlpha: linear.nbAlpha,
      seed: linear.seed,
      trainSeconds: Math.round(trainSeconds * 1000) / 1000,
      ...(best?.validationAccuracy !== undefined ? { validationAccuracy: best.validationAccuracy } : {}),
      ...(best?.validationLoss !== undefined ? { validationLoss: best.validationLoss } : {}),
    },
  };
  const classifier = new NgramClassifier(config, weights);
  report({ phase: "done", epoch: result.bestEpoch, epochs: linear.epochs, seconds: trainSeconds });
  return {
    classifier,
    history,
    bestEpoch: result.bestEpoch,
    trainSeconds,
    save: (dir: string) => saveModelDir(dir, config, weightsFile),
  };
}
