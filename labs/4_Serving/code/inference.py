"""Batch transform handler for the Hugging Face inference DLC (lab 4.2, AWS mode only).

The toolkit's default decoder has no JSON Lines: a MultiRecord mini-batch (one JSON document per line) is decoded as
one JSON document and fails with "Extra data: line 2 column 1" (huggingface/notebooks#227). This handler reads JSON
Lines, where each line is a {"inputs": "..."} record or the bare text an InputFilter such as "$.inputs" leaves, and
answers one JSON line per record. Every other content type goes to the toolkit's own decoder and encoder, and the model
and the prediction stay the toolkit's (model_fn and predict_fn are not defined here). Local SageMaker's built-in
server reads JSON Lines itself, so the lab repacks the model with this file on AWS only.
"""

import json

JSON_LINES = ("application/jsonlines", "application/x-jsonlines", "application/jsonl")


def _is_json_lines(content_type):
    return (content_type or "").split(";")[0].strip().lower() in JSON_LINES


def input_fn(input_data, content_type):
    if not _is_json_lines(content_type):
        from sagemaker_huggingface_inference_toolkit import decoder_encoder

        return decoder_encoder.decode(input_data, content_type)
    text = input_data.decode("utf-8") if isinstance(input_data, (bytes, bytearray)) else input_data
    records = [json.loads(line) for line in text.splitlines() if line.strip()]
    return {"inputs": [record["inputs"] if isinstance(record, dict) else record for record in records]}


def output_fn(prediction, accept):
    if not _is_json_lines(accept):
        from sagemaker_huggingface_inference_toolkit import decoder_encoder

        return decoder_encoder.encode(prediction, accept)
    return "\n".join(json.dumps(answer, ensure_ascii=False) for answer in prediction)
