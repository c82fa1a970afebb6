// Lab 4.7, step 3 of 3 (container "postprocess"): the model's {label, score} answers as Korean verdicts
// (긍정/부정, or 애매함 when the best score is under UNCERTAIN_BELOW), in the caller's Accept.
// The Hugging Face inference toolkit's four functions, in TypeScript; inference.py beside this file does the same on
// the Hugging Face inference DLC (AWS). The rules are in ./review-pipeline.ts, copied into the archive's code/ from
// src/labs/review-pipeline.ts by packPipelineStep.
import { bodyPreview, encodeVerdicts, koreanVerdicts, parseUncertainBelow } from "./review-pipeline";

/** The "model" is the band, read once from the container's environment (the model's Environment). */
export function modelFn(_modelDir: string) {
  return { uncertainBelow: parseUncertainBelow(process.env.UNCERTAIN_BELOW) };
}

export function inputFn(body: string | Buffer, contentType: string) {
  const text = typeof body === "string" ? body : body.toString("utf8");
  console.log(`[postprocess] received ${contentType}: ${bodyPreview(text)}`);
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`The postprocess step reads the model's JSON answer; got ${contentType}: ${bodyPreview(text, 80)}`);
  }
}

export function predictFn(prediction: unknown, model: { uncertainBelow: number }) {
  return koreanVerdicts(prediction, model.uncertainBelow);
}

export function outputFn(verdicts: ReturnType<typeof koreanVerdicts>, accept: string) {
  const answer = encodeVerdicts(verdicts, accept);
  console.log(`[postprocess] answers ${answer.contentType}: ${bodyPreview(answer.body)}`);
  return answer;
}
