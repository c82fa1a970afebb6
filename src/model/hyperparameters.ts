/**
 * Hyperparameters from the outside world (command-line flags, SageMaker's `--key value` arguments and
 * SM_HPS) into TrainOptions. Keys match without regard to case, dashes or underscores
 * (`learning_rate`, `learning-rate`, `learningRate`); values arrive as strings and are typed here.
 */
import type { TrainOptions } from "./types";

type Kind = "int" | "number" | "boolean" | "labelNames";

const SPECS: Record<string, { key: keyof TrainOptions | "nbWeighting"; kind: Kind }> = {
  epochs: { key: "epochs", kind: "int" },
  learningrate: { key: "learningRate", kind: "number" },
  l2: { key: "l2", kind: "number" },
  nbalpha: { key: "nbAlpha", kind: "number" },
  nbweighting: { key: "nbWeighting", kind: "boolean" },
  seed: { key: "seed", kind: "int" },
  patience: { key: "patience", kind: "int" },
  mindelta: { key: "minDelta", kind: "number" },
  charngrammin: { key: "charNgramMin", kind: "int" },
  charngrammax: { key: "charNgramMax", kind: "int" },
  wordngrammax: { key: "wordNgramMax", kind: "int" },
  hashbits: { key: "hashBits", kind: "int" },
  maxchars: { key: "maxChars", kind: "int" },
  maxrepeat: { key: "maxRepeat", kind: "int" },
  labelnames: { key: "labelNames", kind: "labelNames" },
};

/** The flag spellings the command line documents. */
export const HYPERPARAMETER_FLAGS = [
  "epochs",
  "learning-rate",
  "l2",
  "nb-alpha",
  "nb-weighting",
  "seed",
  "patience",
  "min-delta",
  "char-ngram-min",
  "char-ngram-max",
  "word-ngram-max",
  "hash-bits",
  "max-chars",
  "max-repeat",
  "label-names",
];

export function canonicalKey(key: string): string {
  return key.replace(/^-+/, "").replace(/[-_]/g, "").toLowerCase();
}

export function isHyperparameter(key: string): boolean {
  return canonicalKey(key) in SPECS;
}

/** SageMaker's Python SDK JSON-encodes every value ('"abc"', '5', 'true'): undo that, leave plain strings alone. */
function unquote(value: string): string {
  const v = value.trim();
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) {
    try {
      const parsed: unknown = JSON.parse(v);
      if (typeof parsed === "string") return parsed;
    } catch {
      // not JSON after all: keep the text
    }
  }
  return v;
}

function parseLabelNames(name: string, raw: unknown): Record<string, string> {
  if (typeof raw === "object" && raw !== null && !Array.isArray(raw)) {
    return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, String(v)]));
  }
  const text = unquote(String(raw));
  if (text.startsWith("{")) {
    try {
      return parseLabelNames(name, JSON.parse(text));
    } catch {
      // fall through to the error below
    }
  }
  const pairs = text.split(",").map((p) => p.split("="));
  if (pairs.length > 0 && pairs.every((p) => p.length === 2 && p[0]?.trim() && p[1]?.trim())) {
    return Object.fromEntries(pairs.map(([k, v]) => [(k as string).trim(), (v as string).trim()]));
  }
  throw new RangeError(
    `Hyperparameter ${name} must map label values to names, as JSON ({"0":"negative","1":"positive"}) or as 0=negative,1=positive; got ${JSON.stringify(text)}.`,
  );
}

function parseValue(name: string, kind: Kind, raw: unknown): number | boolean | Record<string, string> {
  if (kind === "labelNames") return parseLabelNames(name, raw);
  if (kind === "boolean") {
    if (typeof raw === "boolean") return raw;
    const text = unquote(String(raw)).toLowerCase();
    if (text === "true" || text === "1" || text === "yes") return true;
    if (text === "false" || text === "0" || text === "no") return false;
    throw new RangeError(`Hyperparameter ${name} must be true or false; got ${JSON.stringify(raw)}.`);
  }
  const text = typeof raw === "number" ? String(raw) : unquote(String(raw));
  const value = text === "" ? Number.NaN : Number(text);
  if (!Number.isFinite(value) || (kind === "int" && !Number.isInteger(value))) {
    throw new RangeError(
      `Hyperparameter ${name} must be ${kind === "int" ? "an integer" : "a number"}; got ${JSON.stringify(raw)}.`,
    );
  }
  return value;
}

/**
 * Typed TrainOptions from raw key/value pairs. Unknown keys are returned apart (the caller decides whether
 * they are an error, as on the command line, or another tool's settings to ignore, as on SageMaker).
 */
export function parseHyperparameters(raw: Record<string, unknown>): {
  options: TrainOptions;
  unknown: string[];
} {
  const options: Record<string, unknown> = {};
  const unknown: string[] = [];
  let nbWeighting: boolean | undefined;
  for (const [name, value] of Object.entries(raw)) {
    const spec = SPECS[canonicalKey(name)];
    if (!spec) {
      unknown.push(name);
      continue;
    }
    const parsed = parseValue(name, spec.kind, value);
    if (spec.key === "nbWeighting") nbWeighting = parsed as boolean;
    else options[spec.key] = parsed;
  }
  if (nbWeighting === false) options.nbAlpha = 0;
  return { options: options as TrainOptions, unknown };
}
