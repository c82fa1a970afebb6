"""Lab 4.7, step 1 of 3 (container "preprocess"): Korean text normalisation before the sentiment model.

What the Hugging Face inference DLC runs on AWS; inference.ts beside this file is its twin on local SageMaker, and
the functions below mirror src/labs/review-pipeline.ts line by line (the project's tests hold them to the same
answers). model_fn is defined because this container has no model: without it the toolkit would try to build a
transformers pipeline from an empty model folder.
"""

import json
import re
import unicodedata

# Western emoticons and emoji, and the Korean ones NSMC reviews write instead (what the model learned from).
EMOTICONS = [
    (re.compile(r"\^[_.-]?\^"), "ㅎㅎ"),  # ^^ ^_^ ^-^ ^.^
    (re.compile(r":-?\)+"), "ㅎㅎ"),  # :) :-)
    (re.compile(r":-?D(?![A-Za-z])"), "ㅋㅋ"),  # :D
    (re.compile(r":-?\(+"), "ㅠㅠ"),  # :( :-(
    (re.compile(r"(?<![A-Za-z])T[_.]T(?![A-Za-z])"), "ㅠㅠ"),  # T_T T.T
    (re.compile(r"([ㅠㅜ])[_.]\1"), r"\1\1"),  # ㅠ_ㅠ ㅜ.ㅜ
    (re.compile("[😂🤣😆]"), "ㅋㅋ"),
    (re.compile("[😊🙂😄😁]"), "ㅎㅎ"),
    (re.compile("[😭😢😥😞]"), "ㅠㅠ"),
]

# Whitespace, the zero-width space and the BOM included (the same set in review-pipeline.ts).
SPACES = re.compile("[\\s\u200b\ufeff]+")
SPACE_BEFORE_PUNCTUATION = re.compile("[\\s\u200b\ufeff]+([.,!?~])")
NO_SPACE_AFTER_PUNCTUATION = re.compile(r"(?<![A-Za-z0-9.,!?~])([.,!?~]+)(?=[가-힣ㄱ-ㅎㅏ-ㅣA-Za-z])")
REPEATED = re.compile(r"([^0-9.\s])\1{2,}")
DOTS = re.compile(r"\.{3,}")

CONTENT_TYPES = "application/json, application/jsonlines, text/plain"
JSON_LINES = ("application/jsonlines", "application/x-jsonlines", "application/jsonl")


def normalise_review(text):
    """NFC; repeats kept twice (dots as "..."); emoticons to ㅎㅎ/ㅋㅋ/ㅠㅠ; spacing around punctuation; one space."""
    out = _collapse_repeats(unicodedata.normalize("NFC", text))
    for pattern, replacement in EMOTICONS:
        out = pattern.sub(replacement, out)
    out = _collapse_repeats(out)  # ㅋㅋ😂 → ㅋㅋㅋㅋ → ㅋㅋ
    out = SPACE_BEFORE_PUNCTUATION.sub(r"\1", out)
    out = NO_SPACE_AFTER_PUNCTUATION.sub(r"\1 ", out)
    return SPACES.sub(" ", out).strip()


def _collapse_repeats(text):
    return REPEATED.sub(r"\1\1", DOTS.sub("...", text.replace("…", "...")))


def body_preview(text, length=200):
    flat = text.replace("\n", "\\n")
    return flat[:length] + "…" if len(flat) > length else flat


def _media_type(content_type):
    return (content_type or "").split(";")[0].strip().lower() or "application/json"


def _normalise_value(value):
    return normalise_review(value) if isinstance(value, str) else value


def _normalise_inputs(inputs):
    return [_normalise_value(value) for value in inputs] if isinstance(inputs, list) else _normalise_value(inputs)


def _parse_json(text, where):
    try:
        return json.loads(text)
    except ValueError as error:
        raise ValueError(f"{where} is not JSON ({error})") from None


def preprocess_payload(body, content_type):
    """The body as the {"inputs": ...} payload for the model: JSON keeps its shape, JSON Lines and text become lists."""
    media_type = _media_type(content_type)
    if media_type == "application/json":
        payload = _parse_json(body, "the application/json body")
        if isinstance(payload, dict) and "inputs" in payload:
            return {**payload, "inputs": _normalise_inputs(payload["inputs"])}
        return {"inputs": _normalise_inputs(payload)}
    if media_type in JSON_LINES:
        lines = [line for line in body.split("\n") if line.strip() != ""]
        inputs = []
        for index, line in enumerate(lines):
            record = _parse_json(line, f"line {index + 1} of the JSON Lines body")
            inputs.append(_normalise_value(record["inputs"] if isinstance(record, dict) and "inputs" in record else record))
        return {"inputs": inputs}
    if media_type == "text/plain":
        return {"inputs": [normalise_review(line) for line in body.split("\n") if line.strip() != ""]}
    raise ValueError(f'The preprocess step reads {CONTENT_TYPES}; got "{content_type}".')


# The Hugging Face inference toolkit's handler functions (context: the toolkit passes it in newer versions).


def model_fn(model_dir, context=None):
    return {"rules": "normalise_review"}


def input_fn(input_data, content_type, context=None):
    text = input_data.decode("utf-8") if isinstance(input_data, (bytes, bytearray)) else input_data
    print(f"[preprocess] received {content_type}: {body_preview(text)}", flush=True)
    return {"text": text, "content_type": content_type}


def predict_fn(data, model, context=None):
    return preprocess_payload(data["text"], data["content_type"])


def output_fn(payload, accept, context=None):
    # JSON to the next container, whatever the caller's Accept (that one is the last container's business); the
    # toolkit answers with the Accept it was given, which between pipeline steps is application/json.
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    print(f"[preprocess] sends application/json: {body_preview(body)}", flush=True)
    return body
