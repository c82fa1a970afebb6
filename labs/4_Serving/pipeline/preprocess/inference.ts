// Lab 4.7, step 1 of 3 (container "preprocess"): Korean text normalisation before the sentiment model.
// The Hugging Face inference toolkit's four functions, in TypeScript; inference.py beside this file does the same on
// the Hugging Face inference DLC (AWS). The rules themselves are in ./review-pipeline.ts, which packPipelineStep
// copies into the archive's code/ from src/labs/review-pipeline.ts (the lab shows the same function's output).
import { bodyPreview, normaliseReview, preprocessPayload } from "./review-pipeline";

/** This container has no model: only rules. (Without modelFn the server would look for a trained model.) */
export function modelFn(_modelDir: string) {
  return { rules: normaliseReview.name };
}

export function inputFn(body: string | Buffer, contentType: string) {
  const text = typeof body === "string" ? body : body.toString("utf8");
  console.log(`[preprocess] received ${contentType}: ${bodyPreview(text)}`);
  return { text, contentType };
}

export function predictFn(request: { text: string; contentType: string }) {
  return preprocessPayload(request.text, request.contentType);
}

/** JSON to the next container, whatever the caller's Accept (that one is the last container's business). */
export function outputFn(payload: unknown, _accept: string) {
  const body = JSON.stringify(payload);
  console.log(`[preprocess] sends application/json: ${bodyPreview(body)}`);
  return { body, contentType: "application/json" };
}
