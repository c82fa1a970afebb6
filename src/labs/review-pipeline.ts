/**
 * Lab 4.7's inference pipeline steps as pure functions: the Korean pre-processing (container "preprocess") and the
 * post-processing (container "postprocess") around the sentiment model. The handlers in
 * `labs/4_Serving/pipeline/{preprocess,postprocess}/inference.ts` are thin wrappers that log what they receive and
 * call these; `inference.py` beside them (what the Hugging Face inference DLC runs on AWS) mirrors every function
 * line by line, and the tests hold the two to the same answers.
 *
 * This file imports nothing: `packPipelineStep` copies it into each archive's `code/` as it is, and the local
 * inference server runs it there (through tsx) beside the handler.
 */

// ---------------------------------------------------------------------------------------------------------------
// Step 1: normalisation

/** Western emoticons and emoji, and the Korean ones NSMC reviews write instead (what the model learned from). */
const EMOTICONS: readonly [RegExp, string][] = [
  [/\^[_.-]?\^/g, "ㅎㅎ"], // ^^ ^_^ ^-^ ^.^
  [/:-?\)+/g, "ㅎㅎ"], // :) :-)
  [/:-?D(?![A-Za-z])/g, "ㅋㅋ"], // :D
  [/:-?\(+/g, "ㅠㅠ"], // :( :-(
  [/(?<![A-Za-z])T[_.]T(?![A-Za-z])/g, "ㅠㅠ"], // T_T T.T
  [/([ㅠㅜ])[_.]\1/g, "$1$1"], // ㅠ_ㅠ ㅜ.ㅜ
  [/[😂🤣😆]/gu, "ㅋㅋ"],
  [/[😊🙂😄😁]/gu, "ㅎㅎ"],
  [/[😭😢😥😞]/gu, "ㅠㅠ"],
];

/** Whitespace, the zero-width space and the BOM included (the same set in inference.py). */
const SPACES = /[\s\u200b\ufeff]+/g;

/**
 * A review as the pre-processing step sends it to the model:
 * 1. Unicode NFC (decomposed jamo become syllables);
 * 2. a character repeated three or more times is kept twice (ㅋㅋㅋㅋ → ㅋㅋ, ㅠㅠㅠ → ㅠㅠ, !!!! → !!), except
 *    digits (1000원 stays) and dots, whose runs become "..." (… too); repeated words are left alone (너무너무);
 * 3. emoticons the model never saw in NSMC become the Korean ones it did (^^ → ㅎㅎ, T_T → ㅠㅠ, 😂 → ㅋㅋ), and
 *    ㅋㅋ, ㅎㅎ, ㅠㅠ stay: they are some of the strongest sentiment features the model has;
 * 4. no space before . , ! ? ~ and one space after a run of them when a word follows (좋아요 !!정말 → 좋아요!! 정말),
 *    except between letters or digits (3.5점, 1,000원, ok.com);
 * 5. whitespace runs become one space, ends trimmed.
 */
export function normaliseReview(text: string): string {
  let out = collapseRepeats(text.normalize("NFC"));
  for (const [pattern, replacement] of EMOTICONS) out = out.replace(pattern, replacement);
  out = collapseRepeats(out); // ㅋㅋ😂 → ㅋㅋㅋㅋ → ㅋㅋ
  out = out.replace(/[\s\u200b\ufeff]+([.,!?~])/g, "$1");
  out = out.replace(/(?<![A-Za-z0-9.,!?~])([.,!?~]+)(?=[가-힣ㄱ-ㅎㅏ-ㅣA-Za-z])/g, "$1 ");
  return out.replace(SPACES, " ").trim();
}

function collapseRepeats(text: string): string {
  return text
    .replace(/…/g, "...")
    .replace(/\.{3,}/g, "...")
    .replace(/([^0-9.\s])\1{2,}/gu, "$1$1");
}

/** The first characters of a body, for a log line. */
export function bodyPreview(text: string, length = 200): string {
  const flat = text.replace(/\n/g, "\\n");
  return flat.length > length ? `${flat.slice(0, length)}…` : flat;
}

const mediaTypeOf = (contentType: string | undefined): string =>
  (contentType ?? "").split(";")[0]?.trim().toLowerCase() || "application/json";

const JSON_LINES = new Set(["application/jsonlines", "application/x-jsonlines", "application/jsonl"]);

/** What the pre-processing step accepts, for its error message. */
export const PREPROCESS_CONTENT_TYPES = "application/json, application/jsonlines, text/plain";

/** Strings are normalised; anything else passes through untouched (judging the request is the model's job). */
const normaliseValue = (value: unknown): unknown =>
  typeof value === "string" ? normaliseReview(value) : value;

const normaliseInputs = (inputs: unknown): unknown =>
  Array.isArray(inputs) ? inputs.map(normaliseValue) : normaliseValue(inputs);

/**
 * The request body the pre-processing step receives, as the JSON payload it sends on to the model
 * (`{"inputs": ...}`, the Hugging Face inference toolkit's request):
 * - `application/json`: `{"inputs": ...}` keeps its shape (other keys, such as `parameters`, too), a string or a
 *   list is wrapped in `{"inputs": ...}`;
 * - `application/jsonlines` (what a MultiRecord batch transform sends): one `{"inputs": "..."}` record or JSON
 *   string per line → `{"inputs": [...]}`;
 * - `text/plain`: one review per non-empty line → `{"inputs": [...]}`.
 * Anything else, or a body that does not decode, is an error that names the problem.
 */
export function preprocessPayload(body: string, contentType: string): Record<string, unknown> {
  const type = mediaTypeOf(contentType);
  if (type === "application/json") {
    const payload = parseJson(body, "the application/json body");
    if (isRecord(payload) && "inputs" in payload)
      return { ...payload, inputs: normaliseInputs(payload.inputs) };
    return { inputs: normaliseInputs(payload) };
  }
  if (JSON_LINES.has(type)) {
    const lines = body.split("\n").filter((line) => line.trim() !== "");
    return {
      inputs: lines.map((line, index) => {
        const record = parseJson(line, `line ${index + 1} of the JSON Lines body`);
        return normaliseValue(isRecord(record) && "inputs" in record ? record.inputs : record);
      }),
    };
  }
  if (type === "text/plain") {
    return {
      inputs: body
        .split("\n")
        .filter((line) => line.trim() !== "")
        .map(normaliseReview),
    };
  }
  throw new Error(`The preprocess step reads ${PREPROCESS_CONTENT_TYPES}; got "${contentType}".`);
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${where} is not JSON (${(error as Error).message})`);
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

// ---------------------------------------------------------------------------------------------------------------
// Step 3: Korean labels and an uncertain band

/** The model's label names (ours, train.py's, and the Hub's LABEL_n) in Korean. */
export const KOREAN_SENTIMENT: Readonly<Record<string, string>> = {
  positive: "긍정",
  negative: "부정",
  LABEL_1: "긍정",
  LABEL_0: "부정",
  "1": "긍정",
  "0": "부정",
};

/** What the post-processing step answers when the model's best score is below the band. */
export const UNCERTAIN_LABEL = "애매함";

/** The default band: a best score under 0.6 (of two labels) is too close to call. */
export const DEFAULT_UNCERTAIN_BELOW = 0.6;

export interface KoreanVerdict {
  /** 긍정, 부정, or 애매함 when the score is below the band. */
  label: string;
  /** What the model answered. */
  model_label: string;
  score: number;
  uncertain: boolean;
}

/** UNCERTAIN_BELOW from the container's environment: a number from 0 to 1 (default 0.6). */
export function parseUncertainBelow(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === "") return DEFAULT_UNCERTAIN_BELOW;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || value > 1) {
    throw new Error(`UNCERTAIN_BELOW must be a number from 0 to 1; got ${JSON.stringify(raw)}.`);
  }
  return value;
}

/**
 * The model's answer (the text-classification pipeline's: `{"label", "score"}`, a list of them, or a list of ranked
 * lists with `top_k`, whose first entry is the best) as one Korean verdict per review.
 */
export function koreanVerdicts(
  prediction: unknown,
  uncertainBelow = DEFAULT_UNCERTAIN_BELOW,
): KoreanVerdict[] {
  const answers = Array.isArray(prediction) ? prediction : [prediction];
  return answers.map((answer, index) => {
    const best = Array.isArray(answer) ? answer[0] : answer;
    if (!isRecord(best) || typeof best.label !== "string" || typeof best.score !== "number") {
      throw new Error(
        `The postprocess step expects {"label", "score"} answers from the model; answer ${index + 1} is ${JSON.stringify(answer)?.slice(0, 80)}.`,
      );
    }
    const uncertain = best.score < uncertainBelow;
    return {
      label: uncertain ? UNCERTAIN_LABEL : (KOREAN_SENTIMENT[best.label] ?? best.label),
      model_label: best.label,
      score: best.score,
      uncertain,
    };
  });
}

/** The verdicts in the client's Accept: JSON (also for none or `*\/*`) or JSON Lines, one verdict per line. */
export function encodeVerdicts(
  verdicts: readonly KoreanVerdict[],
  accept: string | undefined,
): { body: string; contentType: string } {
  const type = !accept || accept.trim() === "*/*" ? "application/json" : mediaTypeOf(accept);
  if (type === "application/json") return { body: JSON.stringify(verdicts), contentType: type };
  if (JSON_LINES.has(type)) {
    return { body: verdicts.map((verdict) => JSON.stringify(verdict)).join("\n"), contentType: type };
  }
  throw new Error(
    `The postprocess step answers application/json or application/jsonlines; Accept is "${accept}".`,
  );
}
