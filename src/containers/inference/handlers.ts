import { existsSync } from "node:fs";
import { join } from "node:path";
import type { TextClassifier } from "../../model";
import { bodyText, ClientInputError, decodePayload, encodePrediction, isTextType, mediaType } from "./codecs";
import { defaultPredict, loadDefaultModel } from "./default-model";

/** Per-request facts a handler may use (the toolkit's `context`). */
export interface InferenceContext {
  modelDir: string;
  customAttributes?: string;
}

/** What an output function may answer: a body (sent with the Accept type) or a body with its own type. */
export type HandlerOutput =
  | string
  | Buffer
  | Uint8Array
  | { body: string | Buffer | Uint8Array; contentType: string };

/**
 * The handler override a model archive may carry in `code/inference.ts` (or `.js`): the TypeScript twins of the
 * Hugging Face inference toolkit's model_fn / input_fn / predict_fn / output_fn, or one transform_fn, with the
 * same arguments in the same order (`context` is an extra last argument). Each may be async. As in the toolkit,
 * the body is a string for text content types (JSON, JSON Lines, CSV, text/*) and bytes for the others.
 */
export interface InferenceHandlerModule {
  modelFn?(modelDir: string): unknown;
  inputFn?(body: string | Buffer, contentType: string, context: InferenceContext): unknown;
  predictFn?(data: unknown, model: unknown, context: InferenceContext): unknown;
  outputFn?(prediction: unknown, accept: string, context: InferenceContext): unknown;
  transformFn?(
    model: unknown,
    body: string | Buffer,
    contentType: string,
    accept: string,
    context: InferenceContext,
  ): unknown;
}

export interface InferenceRequest {
  body: Buffer;
  contentType: string;
  accept: string;
  context: InferenceContext;
}

export interface InferenceAnswer {
  body: Buffer;
  contentType: string;
}

export type InferencePipeline = (request: InferenceRequest) => Promise<InferenceAnswer>;

/** The steps transformFn replaces; modelFn may accompany it, as model_fn accompanies transform_fn in the toolkit. */
const STEP_NAMES = ["inputFn", "predictFn", "outputFn"] as const;

/** Finds the override the way the toolkit does: SAGEMAKER_PROGRAM in code/, else code/inference.(ts|js). */
export function findHandlerFile(modelDir: string, program: string | undefined): string | undefined {
  const codeDir = join(modelDir, "code");
  if (program) {
    const named = join(codeDir, program);
    if (!existsSync(named))
      throw new Error(`SAGEMAKER_PROGRAM names "${program}", but model.tar.gz has no code/${program}.`);
    return named;
  }
  return ["inference.ts", "inference.js", "inference.cjs"]
    .map((file) => join(codeDir, file))
    .find(existsSync);
}

export async function loadHandlerModule(file: string): Promise<InferenceHandlerModule> {
  if (file.endsWith(".ts") || file.endsWith(".mts") || file.endsWith(".cts")) registerTypeScript();
  let module: InferenceHandlerModule & { default?: InferenceHandlerModule };
  try {
    module = require(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ERR_REQUIRE_ESM") throw error;
    module = await import(file);
  }
  // A handler written as `export default { predictFn }` is as good as named exports.
  const handlers =
    module.default && typeof module.default === "object" ? { ...module.default, ...module } : module;
  const defined = STEP_NAMES.filter((name) => typeof handlers[name] === "function");
  const any = defined.length > 0 || typeof handlers.modelFn === "function";
  if (typeof handlers.transformFn === "function" && defined.length > 0) {
    throw new Error(
      `${file} exports transformFn and also ${defined.join(", ")}: export either transformFn (with modelFn, if you like) or any of modelFn, inputFn, predictFn, outputFn.`,
    );
  }
  if (typeof handlers.transformFn !== "function" && !any) {
    throw new Error(`${file} exports none of modelFn, inputFn, predictFn, outputFn, transformFn.`);
  }
  return handlers;
}

/** TypeScript handlers load through the project's tsx, as the training toolkit runs TypeScript entry points. */
function registerTypeScript(): void {
  if (require.extensions[".ts"]) return;
  const api = require("tsx/cjs/api") as { register(): unknown };
  api.register();
}

export async function buildPipeline(
  modelDir: string,
  handlers: InferenceHandlerModule | undefined,
): Promise<InferencePipeline> {
  const loadModel = handlers?.modelFn ?? loadDefaultModel;
  const model = await loadModel(modelDir);
  // As the toolkit: no Accept (or */*) means JSON; text bodies reach the handler as strings.
  const received = (body: Buffer, contentType: string): string | Buffer => {
    const type = mediaType(contentType, "application/json");
    return isTextType(type) ? bodyText(body, type) : body;
  };
  const acceptOf = (accept: string): string => (!accept || accept === "*/*" ? "application/json" : accept);
  if (handlers?.transformFn) {
    const transform = handlers.transformFn;
    return async ({ body, contentType, accept, context }) =>
      toAnswer(
        await transform(model, received(body, contentType), contentType, acceptOf(accept), context),
        acceptOf(accept),
      );
  }
  const decode = handlers?.inputFn ?? decodePayload;
  const predict =
    handlers?.predictFn ??
    ((data: unknown, loaded: unknown) => defaultPredict(data, loaded as TextClassifier));
  const encode = handlers?.outputFn ?? encodePrediction;
  return async ({ body, contentType, accept, context }) => {
    const data = await decode(received(body, contentType), contentType, context);
    const prediction = await predict(data, model, context);
    return toAnswer(await encode(prediction, acceptOf(accept), context), acceptOf(accept));
  };
}

function toAnswer(output: unknown, accept: string): InferenceAnswer {
  const fallbackType = accept && accept !== "*/*" ? accept : "application/json";
  if (typeof output === "string" || output instanceof Uint8Array) {
    return { body: Buffer.from(output), contentType: fallbackType };
  }
  if (output && typeof output === "object" && "body" in output) {
    const { body, contentType } = output as { body: unknown; contentType?: unknown };
    if (typeof body === "string" || body instanceof Uint8Array) {
      return {
        body: Buffer.from(body),
        contentType: typeof contentType === "string" ? contentType : fallbackType,
      };
    }
  }
  if (output === undefined) throw new ClientInputError("The handler answered nothing (undefined).", 500);
  // Anything else is a value the handler meant as JSON, as the toolkit's default encoder does.
  return { body: Buffer.from(JSON.stringify(output)), contentType: "application/json" };
}
