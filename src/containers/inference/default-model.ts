import type { ClassificationRequest, ClassificationResponse, LabelScore } from "./codecs";

/** What the built-in server needs from the project's classifier (src/model). */
export interface TextClassifierLike {
  classify(texts: readonly string[]): LabelScore[];
  classifyAll(texts: readonly string[]): LabelScore[][];
}

interface ModelModule {
  loadClassifier?: (modelDir: string) => TextClassifierLike | Promise<TextClassifierLike>;
}

/**
 * Loads the classifier the project trains. The model module is looked up when a container starts rather than
 * imported statically, so the server still serves handler overrides (which bring their own model) in a build
 * without it, and a missing classifier becomes a clear start-up failure of the endpoint.
 */
export async function loadDefaultModel(modelDir: string): Promise<TextClassifierLike> {
  const module = require("../../model") as ModelModule;
  if (typeof module.loadClassifier !== "function") {
    throw new Error(
      "This build has no built-in classifier (loadClassifier in src/model); supply code/inference.ts with modelFn and predictFn in model.tar.gz.",
    );
  }
  return module.loadClassifier(modelDir);
}

export function defaultPredict(
  request: ClassificationRequest,
  model: TextClassifierLike,
): ClassificationResponse {
  const { topK, allScores } = request.parameters;
  if (topK === undefined && !allScores) return { results: model.classify(request.texts), single: false };
  const ranked = model
    .classifyAll(request.texts)
    .map((scores) => [...scores].sort((a, b) => b.score - a.score).slice(0, allScores ? undefined : topK));
  // The toolkit answers a lone string with a flat ranked list, and a list of strings with one list per text.
  return { results: ranked, single: request.single };
}
