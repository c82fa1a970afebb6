/**
 * One-vs-rest logistic regression over binary hashed features with naive-Bayes log-count-ratio scaling
 * (NBSVM-style: each feature's value is how much more often it occurs in the class than outside it), trained
 * by AdaGrad SGD with L2. Weights are folded with the ratios at the end, so prediction is a plain sparse
 * dot product. Two classes need a single model (class 1 against class 0).
 */
import type { FeatureRows } from "./features";
import { seededRandom, shuffledOrder } from "./random";

export interface LinearOptions {
  epochs: number;
  learningRate: number;
  l2: number;
  /** Additive smoothing of the naive-Bayes counts; 0 turns NB scaling off (all feature values 1). */
  nbAlpha: number;
  seed: number;
  /** Stop after this many epochs without a better validation loss. */
  patience: number;
  /** A loss must drop by more than this to count as better (later epochs buy ~0.01% accuracy for seconds). */
  minDelta: number;
}

export interface EpochReport {
  epoch: number;
  trainLoss: number;
  validationLoss?: number;
  validationAccuracy?: number;
}

/** Folded weights: scores of row r for model m are bias[m] + scale(r) · Σ weights[m·D + id]. */
export interface LinearWeights {
  models: number;
  dimension: number;
  weights: Float32Array;
  bias: Float32Array;
}

/** Rows are scaled by 1/sqrt(number of features), so long and short reviews give logits of one size. */
export function rowScale(nnz: number): number {
  return nnz > 0 ? 1 / Math.sqrt(nnz) : 0;
}

export function logits(w: LinearWeights, ids: Int32Array, from: number, to: number, out: Float64Array): void {
  const scale = rowScale(to - from);
  const d = w.dimension;
  for (let m = 0; m < w.models; m++) {
    const base = m * d;
    let z = 0;
    for (let j = from; j < to; j++) z += w.weights[base + (ids[j] as number)] as number;
    out[m] = (w.bias[m] as number) + scale * z;
  }
}

/** Class probabilities from model logits: sigmoid for one model, normalised one-vs-rest sigmoids otherwise. */
export function probabilities(z: Float64Array, models: number, out: Float64Array): void {
  if (models === 1) {
    const p = 1 / (1 + Math.exp(-(z[0] as number)));
    out[0] = 1 - p;
    out[1] = p;
    return;
  }
  let sum = 0;
  for (let m = 0; m < models; m++) {
    const p = 1 / (1 + Math.exp(-(z[m] as number)));
    out[m] = p;
    sum += p;
  }
  for (let m = 0; m < models; m++) out[m] = (out[m] as number) / sum;
}

const STRIDE = 4;

function nbRatios(rows: FeatureRows, positive: Uint8Array, dimension: number, alpha: number): Float32Array {
  const r = new Float32Array(dimension);
  if (alpha <= 0) return r.fill(1);
  // Float32 counts are exact up to 2^24 rows and halve the memory of this step.
  const p = new Float32Array(dimension).fill(alpha);
  const q = new Float32Array(dimension).fill(alpha);
  for (let row = 0; row < rows.count; row++) {
    const target = positive[row] === 1 ? p : q;
    for (let j = rows.offsets[row] as number; j < (rows.offsets[row + 1] as number); j++) {
      const id = rows.indices[j] as number;
      target[id] = (target[id] as number) + 1;
    }
  }
  let sp = 0;
  let sq = 0;
  for (let i = 0; i < dimension; i++) {
    sp += p[i] as number;
    sq += q[i] as number;
  }
  const shift = Math.log(sq / sp);
  for (let i = 0; i < dimension; i++) r[i] = Math.log((p[i] as number) / (q[i] as number)) + shift;
  return r;
}

interface Split {
  rows: FeatureRows;
  labels: Int32Array;
}

/** Mean cross-entropy and accuracy of folded weights on a split. */
export function scoreSplit(
  w: LinearWeights,
  split: Split,
  classes: number,
): { loss: number; accuracy: number } {
  const z = new Float64Array(w.models);
  const prob = new Float64Array(classes);
  let loss = 0;
  let correct = 0;
  for (let r = 0; r < split.rows.count; r++) {
    logits(w, split.rows.indices, split.rows.offsets[r] as number, split.rows.offsets[r + 1] as number, z);
    probabilities(z, w.models, prob);
    const gold = split.labels[r] as number;
    loss -= Math.log(Math.max(prob[gold] as number, 1e-12));
    let best = 0;
    for (let c = 1; c < classes; c++) if ((prob[c] as number) > (prob[best] as number)) best = c;
    if (best === gold) correct++;
  }
  const n = Math.max(1, split.rows.count);
  return { loss: loss / n, accuracy: correct / n };
}

export function trainLinear(
  train: Split,
  classes: number,
  dimension: number,
  options: LinearOptions,
  validation: Split | undefined,
  onEpoch: (report: EpochReport) => void,
): { weights: LinearWeights; bestEpoch: number; history: EpochReport[] } {
  const models = classes === 2 ? 1 : classes;
  // Per model, each feature's weight, NB ratio and AdaGrad sum sit side by side (stride 4): the updates hit
  // one cache line per feature instead of three, which is what bounds the speed of sparse SGD here.
  const states: Float32Array[] = [];
  const positives: Uint8Array[] = [];
  for (let m = 0; m < models; m++) {
    const target = classes === 2 ? 1 : m;
    const positive = new Uint8Array(train.rows.count);
    for (let r = 0; r < train.rows.count; r++) positive[r] = train.labels[r] === target ? 1 : 0;
    positives.push(positive);
    const ratios = nbRatios(train.rows, positive, dimension, options.nbAlpha);
    const state = new Float32Array(dimension * STRIDE);
    for (let i = 0; i < dimension; i++) state[i * STRIDE + 1] = ratios[i] as number;
    states.push(state);
  }
  const bias = new Float64Array(models);
  const biasSquares = new Float64Array(models);
  const folded: LinearWeights = {
    models,
    dimension,
    weights: new Float32Array(models * dimension),
    bias: new Float32Array(models),
  };
  const fold = (): void => {
    for (let m = 0; m < models; m++) {
      const state = states[m] as Float32Array;
      const base = m * dimension;
      for (let i = 0; i < dimension; i++) {
        folded.weights[base + i] = (state[i * STRIDE] as number) * (state[i * STRIDE + 1] as number);
      }
      folded.bias[m] = bias[m] as number;
    }
  };
  const history: EpochReport[] = [];
  let best: LinearWeights | undefined;
  let bestLoss = Number.POSITIVE_INFINITY;
  let bestEpoch = 0;
  const random = seededRandom(options.seed);
  const order = new Uint32Array(train.rows.count);
  const { offsets, indices } = train.rows;
  const eta = options.learningRate;
  const l2 = options.l2;
  for (let epoch = 1; epoch <= options.epochs; epoch++) {
    shuffledOrder(train.rows.count, random, order);
    let lossSum = 0;
    for (let m = 0; m < models; m++) {
      const st = states[m] as Float32Array;
      const positive = positives[m] as Uint8Array;
      for (let k = 0; k < order.length; k++) {
        const row = order[k] as number;
        const from = offsets[row] as number;
        const to = offsets[row + 1] as number;
        const scale = rowScale(to - from);
        let z = 0;
        for (let j = from; j < to; j++) {
          const at = (indices[j] as number) * STRIDE;
          z += (st[at] as number) * (st[at + 1] as number);
        }
        z = (bias[m] as number) + scale * z;
        const y = positive[row] as number;
        // Numerically stable log(1 + e^-|z|) form of the logistic loss.
        lossSum += Math.max(z, 0) - z * y + Math.log1p(Math.exp(-Math.abs(z)));
        const g = 1 / (1 + Math.exp(-z)) - y;
        const gs = g * scale;
        for (let j = from; j < to; j++) {
          const at = (indices[j] as number) * STRIDE;
          const wi = st[at] as number;
          const grad = gs * (st[at + 1] as number) + l2 * wi;
          const acc = (st[at + 2] as number) + grad * grad;
          st[at + 2] = acc;
          st[at] = wi - (eta * grad) / Math.sqrt(acc + 1e-8);
        }
        const ab = (biasSquares[m] as number) + g * g;
        biasSquares[m] = ab;
        bias[m] = (bias[m] as number) - (eta * g) / Math.sqrt(ab + 1e-8);
      }
    }
    fold();
    const report: EpochReport = { epoch, trainLoss: lossSum / Math.max(1, train.rows.count * models) };
    if (validation && validation.rows.count > 0) {
      const s = scoreSplit(folded, validation, classes);
      report.validationLoss = s.loss;
      report.validationAccuracy = s.accuracy;
    }
    history.push(report);
    onEpoch(report);
    const monitored = report.validationLoss ?? report.trainLoss;
    if (monitored < bestLoss - options.minDelta) {
      bestLoss = monitored;
      bestEpoch = epoch;
      best = { models, dimension, weights: folded.weights.slice(), bias: folded.bias.slice() };
    } else if (epoch - bestEpoch >= options.patience) {
      break;
    }
  }
  return { weights: best ?? folded, bestEpoch, history };
}
