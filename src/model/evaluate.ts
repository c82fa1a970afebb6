/** Metrics a user reads after training: accuracy, per-class and macro P/R/F1, confusion, worst mistakes. */
import { checkTexts, NgramClassifier } from "./classifier";
import type { LabelledTexts, TextClassifier } from "./types";

export interface ClassMetrics {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface Mistake {
  index: number;
  text: string;
  gold: string;
  predicted: string;
  /** The model's probability for its (wrong) prediction. */
  score: number;
}

export interface EvaluationReport {
  samples: number;
  accuracy: number;
  /** Mean cross-entropy of the gold labels. */
  loss: number;
  macro: { precision: number; recall: number; f1: number };
  perClass: ClassMetrics[];
  /** confusion.matrix[gold][predicted], rows and columns in `confusion.labels` order. */
  confusion: { labels: string[]; matrix: number[][] };
  /** Wrong predictions the model was surest of, most confident first. */
  mistakes: Mistake[];
  seconds: number;
  samplesPerSecond: number;
}

export interface EvaluateOptions {
  /** How many confident mistakes to keep (default 10). */
  mistakes?: number;
}

/** Class probabilities in class-id order, through the fast path when the classifier is ours. */
function classProbabilities(
  classifier: TextClassifier,
  texts: readonly string[],
  labels: string[],
): number[][] {
  if (classifier instanceof NgramClassifier)
    return classifier.probabilities(texts, "evaluateClassifier").map((p) => [...p]);
  return classifier.classifyAll(texts).map((all) => {
    const byLabel = new Map(all.map((p) => [p.label, p.score]));
    return labels.map((l) => byLabel.get(l) ?? 0);
  });
}

const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b);

/**
 * Scores a classifier on labelled texts. Gold labels may be written as the model's label names
 * (id2label values, e.g. "positive") or as the training data's values (e.g. "1").
 */
export function evaluateClassifier(
  classifier: TextClassifier,
  dataset: LabelledTexts,
  options: EvaluateOptions = {},
): EvaluationReport {
  const started = performance.now();
  checkTexts(dataset?.texts, "evaluateClassifier");
  if (!Array.isArray(dataset.labels) || dataset.labels.length !== dataset.texts.length) {
    throw new RangeError(
      "evaluateClassifier needs one label per text (dataset.labels has a different length).",
    );
  }
  const { config } = classifier;
  const names = config.dataLabels.map((_, id) => config.id2label[String(id)] as string);
  const goldIds = dataset.labels.map((label, i) => {
    const byName = config.label2id[String(label)];
    const id = byName ?? config.dataLabels.indexOf(String(label));
    if (id === undefined || id < 0) {
      throw new RangeError(
        `dataset.labels[${i}] is "${String(label)}", which this model does not know (labels: ${names.join(", ")}; data values: ${config.dataLabels.join(", ")}).`,
      );
    }
    return id;
  });
  const probs = classProbabilities(classifier, dataset.texts, names);
  const k = names.length;
  const matrix = names.map(() => new Array<number>(k).fill(0));
  let loss = 0;
  let correct = 0;
  const wrong: Mistake[] = [];
  probs.forEach((p, i) => {
    let best = 0;
    for (let c = 1; c < k; c++) if ((p[c] as number) > (p[best] as number)) best = c;
    const gold = goldIds[i] as number;
    (matrix[gold] as number[])[best] = ((matrix[gold] as number[])[best] as number) + 1;
    loss -= Math.log(Math.max(p[gold] as number, 1e-12));
    if (best === gold) correct++;
    else {
      wrong.push({
        index: i,
        text: dataset.texts[i] as string,
        gold: names[gold] as string,
        predicted: names[best] as string,
        score: p[best] as number,
      });
    }
  });
  const n = dataset.texts.length;
  const seconds = (performance.now() - started) / 1000;
  return {
    ...fromConfusion(names, matrix, correct, n),
    loss: n === 0 ? 0 : loss / n,
    mistakes: wrong.sort((a, b) => b.score - a.score).slice(0, options.mistakes ?? 10),
    seconds,
    samplesPerSecond: ratio(n, seconds),
  };
}

/** Accuracy, per-class and macro precision/recall/F1 from a confusion matrix (rows gold, columns predicted). */
function fromConfusion(
  names: string[],
  matrix: number[][],
  correct: number,
  n: number,
): Pick<EvaluationReport, "samples" | "accuracy" | "macro" | "perClass" | "confusion"> {
  const perClass = names.map((label, c) => {
    const tp = (matrix[c] as number[])[c] as number;
    const support = (matrix[c] as number[]).reduce((a, b) => a + b, 0);
    const predicted = matrix.reduce((a, row) => a + (row[c] as number), 0);
    const precision = ratio(tp, predicted);
    const recall = ratio(tp, support);
    return { label, precision, recall, f1: ratio(2 * precision * recall, precision + recall), support };
  });
  const mean = (f: (m: ClassMetrics) => number): number =>
    perClass.reduce((a, m) => a + f(m), 0) / names.length;
  return {
    samples: n,
    accuracy: ratio(correct, n),
    macro: { precision: mean((m) => m.precision), recall: mean((m) => m.recall), f1: mean((m) => m.f1) },
    perClass,
    confusion: { labels: names, matrix },
  };
}

/** What can be said of predictions made elsewhere (a batch transform job): no probabilities, so no loss. */
export type PredictionReport = Pick<
  EvaluationReport,
  "samples" | "accuracy" | "macro" | "perClass" | "confusion" | "mistakes"
>;

export interface EvaluatePredictionsOptions {
  /** The texts, to quote in `mistakes`. */
  texts?: readonly string[];
  /** Class order of the report (default: the labels seen, sorted). */
  labels?: readonly string[];
  /** How many confident mistakes to keep (default 10). */
  mistakes?: number;
}

/**
 * Scores predicted labels (with their scores, as an endpoint or a batch job answers them) against gold labels
 * given in the same label names: the report evaluateClassifier gives, without the loss.
 */
export function evaluatePredictions(
  predicted: readonly { label: string; score?: number }[],
  gold: readonly string[],
  options: EvaluatePredictionsOptions = {},
): PredictionReport {
  if (predicted.length !== gold.length) {
    throw new RangeError(
      `evaluatePredictions needs one prediction per gold label: ${predicted.length} predictions, ${gold.length} labels.`,
    );
  }
  const names = [...(options.labels ?? [...new Set([...gold, ...predicted.map((p) => p.label)])].sort())];
  const index = new Map(names.map((name, i) => [name, i]));
  const matrix = names.map(() => new Array<number>(names.length).fill(0));
  const wrong: Mistake[] = [];
  let correct = 0;
  predicted.forEach((prediction, i) => {
    const g = index.get(gold[i] as string);
    const p = index.get(prediction.label);
    if (g === undefined || p === undefined) {
      throw new RangeError(
        `Prediction ${i} ("${prediction.label}") or its gold label ("${gold[i]}") is not one of the labels ${names.join(", ")}.`,
      );
    }
    (matrix[g] as number[])[p] = ((matrix[g] as number[])[p] as number) + 1;
    if (g === p) correct++;
    else {
      wrong.push({
        index: i,
        text: options.texts?.[i] ?? "",
        gold: gold[i] as string,
        predicted: prediction.label,
        score: prediction.score ?? Number.NaN,
      });
    }
  });
  return {
    ...fromConfusion(names, matrix, correct, predicted.length),
    mistakes: wrong.sort((a, b) => b.score - a.score).slice(0, options.mistakes ?? 10),
  };
}
