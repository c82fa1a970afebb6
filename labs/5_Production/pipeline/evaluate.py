"""Lab 5.3's evaluation step on AWS (the Hugging Face training DLC as a processing image): the twin of evaluate.ts.

Extracts model.tar.gz from --model (the fine-tuned KoELECTRA that train.py saved), scores test.tsv from --test with a
transformers text-classification pipeline, and writes evaluation.json into --output in the model quality report format
({"binary_classification_metrics": {"accuracy": {"value": ...}}}) the pipeline reads as a property file.
"""
import argparse
import csv
import json
import os
import tarfile

from transformers import pipeline


def main():
    parser = argparse.ArgumentParser()
    for name in ["model", "test", "output"]:
        parser.add_argument(f"--{name}", required=True)
    args = parser.parse_args()
    model_dir = "/tmp/model"
    archive = next(name for name in os.listdir(args.model) if name.endswith(".tar.gz"))
    with tarfile.open(os.path.join(args.model, archive)) as handle:
        handle.extractall(model_dir, filter="data")
    classify = pipeline("text-classification", model=model_dir, device=0 if os.environ.get("SM_NUM_GPUS", "0") != "0" else -1)
    with open(os.path.join(args.test, "test.tsv"), encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    texts = [row["text"] for row in rows]
    gold = ["positive" if row["label"] == "1" else "negative" for row in rows]
    predicted = [p["label"] for p in classify(texts, batch_size=64, truncation=True, max_length=128)]
    pairs = list(zip(gold, predicted))
    def scores(label):
        tp = sum(1 for g, p in pairs if g == p == label)
        fp = sum(1 for g, p in pairs if g != label and p == label)
        fn = sum(1 for g, p in pairs if g == label and p != label)
        precision, recall = tp / max(1, tp + fp), tp / max(1, tp + fn)
        return precision, recall, 2 * precision * recall / max(1e-12, precision + recall)

    accuracy = sum(1 for g, p in pairs if g == p) / max(1, len(pairs))
    precision, recall, _ = scores("positive")
    f1 = (scores("positive")[2] + scores("negative")[2]) / 2  # macro F1, as evaluate.ts
    metric = lambda value: {"value": round(value, 6), "standard_deviation": "NaN"}  # noqa: E731
    report = {
        "binary_classification_metrics": {
            "accuracy": metric(accuracy),
            "precision": metric(precision),
            "recall": metric(recall),
            "f1": metric(f1),
        },
        "test_rows": len(pairs),
    }
    os.makedirs(args.output, exist_ok=True)
    with open(os.path.join(args.output, "evaluation.json"), "w", encoding="utf-8") as handle:
        json.dump(report, handle, indent=1)
    print(f"accuracy={accuracy:.4f}; f1={f1:.4f}; test_rows={len(pairs)}")


if __name__ == "__main__":
    main()
