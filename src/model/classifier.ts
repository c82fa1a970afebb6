/** The trained model as callers see it: texts in, HF-pipeline-shaped predictions out. */
import { FeatureExtractor, IdSink } from "./features";
import { type LinearWeights, logits, probabilities } from "./linear";
import type { ModelConfig, Prediction, TextClassifier } from "./types";

export const ARCHITECTURE = "HashedNgramNBLogisticRegression";
export const FORMAT_VERSION = 1;

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return "an array";
  const type = typeof value;
  return type === "object" ? "an object" : `a ${type}`;
}

/** Throws a TypeError that names the offending index and type: silent coercion would hide caller bugs. */
export function checkTexts(texts: unknown, method: string): asserts texts is readonly string[] {
  if (!Array.isArray(texts)) {
    const hint = typeof texts === "string" ? ` Wrap a single text in an array: ${method}([text]).` : "";
    throw new TypeError(`${method} expects an array of strings; got ${describe(texts)}.${hint}`);
  }
  for (let i = 0; i < texts.length; i++) {
    if (typeof texts[i] !== "string") {
      throw new TypeError(`${method}: texts[${i}] is ${describe(texts[i])}, expected a string.`);
    }
  }
}

export class NgramClassifier implements TextClassifier {
  readonly config: ModelConfig;
  private readonly extractor: FeatureExtractor;
  private readonly weights: LinearWeights;
  private readonly labels: string[];

  constructor(config: ModelConfig, weights: LinearWeights) {
    this.config = config;
    this.weights = weights;
    this.extractor = new FeatureExtractor(config.features);
    this.labels = config.dataLabels.map((_, id) => config.id2label[String(id)] as string);
  }

  /** Class probabilities per text, in class-id order. */
  probabilities(texts: readonly string[], method = "probabilities"): Float64Array[] {
    checkTexts(texts, method);
    const sink = new IdSink(4096);
    const z = new Float64Array(this.weights.models);
    const out: Float64Array[] = [];
    for (const text of texts) {
      sink.reset();
      this.extractor.extract(text, sink);
      logits(this.weights, sink.view(), 0, sink.length, z);
      const p = new Float64Array(this.labels.length);
      probabilities(z, this.weights.models, p);
      out.push(p);
    }
    return out;
  }

  classify(texts: readonly string[]): Prediction[] {
    return this.probabilities(texts, "classify").map((p) => {
      let best = 0;
      for (let c = 1; c < p.length; c++) if ((p[c] as number) > (p[best] as number)) best = c;
      return { label: this.labels[best] as string, score: p[best] as number };
    });
  }

  classifyAll(texts: readonly string[]): Prediction[][] {
    return this.probabilities(texts, "classifyAll").map((p) =>
      this.labels.map((label, c) => ({ label, score: p[c] as number })).sort((a, b) => b.score - a.score),
    );
  }

  /** The folded weights, for saving. */
  exportWeights(): LinearWeights {
    return this.weights;
  }
}
