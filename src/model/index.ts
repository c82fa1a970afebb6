/** The Korean sentiment classifier: train, evaluate, save, load, plot, and the SageMaker training entry point. */
import { loadModelDir } from "./artifact";
import type { TextClassifier } from "./types";

export { CONFIG_FILE, ModelLoadError, WEIGHTS_FILE } from "./artifact";
export { ARCHITECTURE as MODEL_ARCHITECTURE, FORMAT_VERSION as MODEL_FORMAT_VERSION } from "./classifier";
export type { EpochVerdict } from "./early-stopping";
export { earlyStoppingVerdicts } from "./early-stopping";
export type {
  ClassMetrics,
  EvaluateOptions,
  EvaluatePredictionsOptions,
  EvaluationReport,
  Mistake,
  PredictionReport,
} from "./evaluate";
export { evaluateClassifier, evaluatePredictions } from "./evaluate";
export type { FeatureParams } from "./features";
export { DEFAULT_FEATURE_PARAMS } from "./features";
export type { PlotlyFigure } from "./plots";
export { confusionMatrixFigure, trainingCurvesFigure } from "./plots";
export { normalizeReview } from "./text";
export type { TrainClassifierOptions } from "./train";
export { DEFAULT_TRAIN_OPTIONS, trainClassifier } from "./train";
export type {
  EpochRecord,
  LabelledTexts,
  ModelConfig,
  // The SageMaker toolkit's barrel already exports a generic `Prediction`; this name keeps `export *` unambiguous.
  Prediction as ClassifierPrediction,
  TextClassifier,
  TrainedModel,
  TrainingMetadata,
  TrainOptions,
  TrainProgress,
} from "./types";

/** Loads a model directory (config.json + weights.bin); throws ModelLoadError saying what is wrong and what to do. */
export function loadClassifier(modelDir: string): TextClassifier {
  return loadModelDir(modelDir);
}
export { EVALUATION_FILE, runSageMakerTraining } from "./sagemaker-train";
