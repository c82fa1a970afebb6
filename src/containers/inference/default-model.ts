import { loadClassifier, type TextClassifier } from "../../model";
import { ClientInputError } from "./codecs";

/**
 * The default model and predict steps: the project's Korean classifier where the HF DLC builds a transformers
 * pipeline, and the toolkit's `predict_fn(data, model)`: `inputs` and `parameters` are taken from the payload (a
 * payload without `inputs` is the inputs), and the answer has the text-classification pipeline's shape:
 * - a string (or `{"text": ...}`) → `[{"label", "score"}]`; with `top_k` / `return_all_scores`, the ranked list;
 * - a list of strings (or of one-column CSV rows) → one `{"label", "score"}` per text; ranked: one list per text;
 * - a list of records (JSON Lines) → each record is a payload of its own: one answer per record.
 */

export interface LabelScore {
  label: string;
  score: number;
}

interface Parameters {
  /** Answer the k best labels per text instead of the best one. */
  topK?: number;
  /** Answer every label per text. */
  allScores?: boolean;
}

const EXAMPLE = '{"inputs": "배송이 빨라요", "parameters": {"top_k": 2}}';

export function loadDefaultModel(modelDir: string): TextClassifier {
  return loadClassifier(modelDir);
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

export function defaultPredict(data: unknown, model: TextClassifier): unknown {
  const wrapped = isRecord(data) && "inputs" in data;
  const inputs = wrapped ? data.inputs : data;
  const parameters = readParameters(wrapped ? data.parameters : undefined);
  if (typeof inputs === "string") return classifyOne(inputs, parameters, model);
  if (isRecord(inputs) && typeof inputs.text === "string" && inputs.text_pair === undefined) {
    return classifyOne(inputs.text, parameters, model);
  }
  if (isRecord(inputs) && Array.isArray(inputs.text))
    return classifyMany(texts(inputs.text), parameters, model);
  if (Array.isArray(inputs)) {
    if (inputs.length > 0 && inputs.every(isRecord))
      return inputs.map((record) => defaultPredict(record, model));
    return classifyMany(texts(inputs), parameters, model);
  }
  throw new ClientInputError(
    `"inputs" must be a string or a list of strings, got ${JSON.stringify(inputs)?.slice(0, 80)}; send e.g. ${EXAMPLE}.`,
  );
}

/** Strings, or one-column CSV rows. */
function texts(inputs: unknown[]): string[] {
  return inputs.map((entry, index) => {
    if (typeof entry === "string") return entry;
    if (Array.isArray(entry) && entry.length === 1 && typeof entry[0] === "string") return entry[0];
    if (Array.isArray(entry)) {
      throw new ClientInputError(
        `CSV input takes one text per line; line ${index + 1} has ${entry.length} columns (quote texts that contain commas, or name the column "inputs" in a header).`,
      );
    }
    throw new ClientInputError(
      `"inputs" must be a string or a list of strings; item ${index + 1} is ${JSON.stringify(entry)?.slice(0, 80)}.`,
    );
  });
}

function ranked(scores: readonly LabelScore[], parameters: Parameters): LabelScore[] {
  return [...scores]
    .sort((a, b) => b.score - a.score)
    .slice(0, parameters.allScores ? undefined : parameters.topK);
}

function classifyOne(text: string, parameters: Parameters, model: TextClassifier): LabelScore[] {
  if (parameters.topK === undefined && !parameters.allScores) return model.classify([text]);
  return ranked(model.classifyAll([text])[0] ?? [], parameters);
}

function classifyMany(
  list: string[],
  parameters: Parameters,
  model: TextClassifier,
): LabelScore[] | LabelScore[][] {
  if (parameters.topK === undefined && !parameters.allScores) return model.classify(list);
  return model.classifyAll(list).map((scores) => ranked(scores, parameters));
}

function readParameters(value: unknown): Parameters {
  if (value === undefined || value === null) return {};
  if (!isRecord(value)) throw new ClientInputError(`"parameters" must be an object such as {"top_k": 2}.`);
  const parameters: Parameters = {};
  for (const [name, setting] of Object.entries(value)) {
    if (name === "top_k") {
      if (setting === null) continue;
      if (!Number.isInteger(setting) || (setting as number) < 1) {
        throw new ClientInputError(
          `"top_k" must be a whole number of at least 1, got ${JSON.stringify(setting)}.`,
        );
      }
      parameters.topK = setting as number;
    } else if (name === "return_all_scores") {
      if (typeof setting !== "boolean") {
        throw new ClientInputError(
          `"return_all_scores" must be true or false, got ${JSON.stringify(setting)}.`,
        );
      }
      parameters.allScores = setting;
    } else if (name !== "truncation" && name !== "function_to_apply") {
      throw new ClientInputError(
        `Unsupported parameter "${name}"; the built-in classifier accepts top_k and return_all_scores.`,
      );
    }
  }
  return parameters;
}
