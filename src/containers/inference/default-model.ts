import { loadClassifier, type TextClassifier } from "../../model";
import type { ClassificationRequest, ClassificationResponse } from "./codecs";

/** The project's Korean classifier, as the HF DLC serves a transformers pipeline when no model_fn is given. */
export function loadDefaultModel(modelDir: string): TextClassifier {
  return loadClassifier(modelDir);
}

export function defaultPredict(
  request: ClassificationRequest,
  model: TextClassifier,
): ClassificationResponse {
  const { topK, allScores } = request.parameters;
  if (topK === undefined && !allScores) return { results: model.classify(request.texts), single: false };
  const ranked = model
    .classifyAll(request.texts)
    .map((scores) => [...scores].sort((a, b) => b.score - a.score).slice(0, allScores ? undefined : topK));
  // The toolkit answers a lone string with a flat ranked list, and a list of strings with one list per text.
  return { results: ranked, single: request.single };
}
