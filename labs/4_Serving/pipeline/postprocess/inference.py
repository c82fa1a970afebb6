"""Lab 4.7, step 3 of 3 (container "postprocess"): the model's {label, score} answers as Korean verdicts.

긍정/부정, or 애매함 when the best score is under UNCERTAIN_BELOW (the container's environment, default 0.6), in the
caller's Accept (application/json or application/jsonlines). What the Hugging Face inference DLC runs on AWS;
inference.ts beside this file is its twin on local SageMaker, and the functions below mirror
src/labs/review-pipeline.ts (the project's tests hold them to the same answers).
"""

import json
import os

KOREAN_SENTIMENT = {"positive": "긍정", "negative": "부정", "LABEL_1": "긍정", "LABEL_0": "부정", "1": "긍정", "0": "부정"}
UNCERTAIN_LABEL = "애매함"
DEFAULT_UNCERTAIN_BELOW = 0.6
JSON_LINES = ("application/jsonlines", "application/x-jsonlines", "application/jsonl")


def body_preview(text, length=200):
    flat = text.replace("\n", "\\n")
    return flat[:length] + "…" if len(flat) > length else flat


def _media_type(content_type):
    return (content_type or "").split(";")[0].strip().lower() or "application/json"


def parse_uncertain_below(raw):
    if raw is None or raw.strip() == "":
        return DEFAULT_UNCERTAIN_BELOW
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not (0 <= value <= 1):
        raise ValueError(f"UNCERTAIN_BELOW must be a number from 0 to 1; got {json.dumps(raw)}.")
    return value


def korean_verdicts(prediction, uncertain_below=DEFAULT_UNCERTAIN_BELOW):
    """{"label", "score"}, a list of them, or ranked lists (top_k: the first is the best) → one verdict per review."""
    answers = prediction if isinstance(prediction, list) else [prediction]
    verdicts = []
    for index, answer in enumerate(answers):
        best = answer[0] if isinstance(answer, list) and answer else answer
        score = best.get("score") if isinstance(best, dict) else None
        if (
            not isinstance(best, dict)
            or not isinstance(best.get("label"), str)
            or isinstance(score, bool)
            or not isinstance(score, (int, float))
        ):
            shown = json.dumps(answer, ensure_ascii=False, separators=(",", ":"))[:80]
            raise ValueError(
                f'The postprocess step expects {{"label", "score"}} answers from the model; answer {index + 1} is {shown}.'
            )
        uncertain = score < uncertain_below
        verdicts.append(
            {
                "label": UNCERTAIN_LABEL if uncertain else KOREAN_SENTIMENT.get(best["label"], best["label"]),
                "model_label": best["label"],
                "score": score,
                "uncertain": uncertain,
            }
        )
    return verdicts


def encode_verdicts(verdicts, accept):
    media_type = "application/json" if not accept or accept.strip() == "*/*" else _media_type(accept)
    dumps = lambda value: json.dumps(value, ensure_ascii=False, separators=(",", ":"))  # noqa: E731
    if media_type == "application/json":
        return dumps(verdicts), media_type
    if media_type in JSON_LINES:
        return "\n".join(dumps(verdict) for verdict in verdicts), media_type
    raise ValueError(f'The postprocess step answers application/json or application/jsonlines; Accept is "{accept}".')


# The Hugging Face inference toolkit's handler functions (context: the toolkit passes it in newer versions).


def model_fn(model_dir, context=None):
    return {"uncertain_below": parse_uncertain_below(os.environ.get("UNCERTAIN_BELOW"))}


def input_fn(input_data, content_type, context=None):
    text = input_data.decode("utf-8") if isinstance(input_data, (bytes, bytearray)) else input_data
    print(f"[postprocess] received {content_type}: {body_preview(text)}", flush=True)
    try:
        return json.loads(text)
    except ValueError:
        raise ValueError(
            f"The postprocess step reads the model's JSON answer; got {content_type}: {body_preview(text, 80)}"
        ) from None


def predict_fn(prediction, model, context=None):
    return korean_verdicts(prediction, model["uncertain_below"])


def output_fn(verdicts, accept, context=None):
    body, content_type = encode_verdicts(verdicts, accept)
    print(f"[postprocess] answers {content_type}: {body_preview(body)}", flush=True)
    return body
