"""Fine-tune KoELECTRA on NSMC (or any labelled Korean text) with the Hugging Face Trainer, inside the SageMaker
Hugging Face training DLC.

The workshop's TypeScript HuggingFaceEstimator runs this script on AWS (SM_MODE=aws). SageMaker passes the
hyperparameters as ``--key value`` arguments and the data/model folders as SM_* environment variables.
Inputs are the files lab 3.1 writes: ``train.tsv`` and ``validation.tsv`` with a ``text<TAB>label`` header.
Labels ``0``/``1`` are NSMC's (named by ``--label_names``, negative/positive by default); any other labels
(``movie``, ``food``, ...) are the class names themselves, in sorted order.
Outputs: the model and tokenizer in SM_MODEL_DIR (what the HF inference toolkit loads), ``evaluation.json``
beside them and in SM_OUTPUT_DATA_DIR, and ``eval_<metric>=<value>;`` log lines for MetricDefinitions.

Heavy imports (torch, transformers, datasets) happen inside ``main`` so that ``--help`` and the argument
parsing can be checked on a machine without them.
"""

import argparse
import json
import logging
import os
import sys
import traceback

logger = logging.getLogger("train")

TRUE_WORDS = {"1", "true", "yes", "y", "on"}
FALSE_WORDS = {"0", "false", "no", "n", "off"}


def str2bool(value):
    """Parse a boolean hyperparameter. ``type=bool`` would turn the string "False" into True."""
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise argparse.ArgumentTypeError(f"expected a boolean (true/false, 1/0, yes/no), got {value!r}")


def parse_args(argv=None):
    env = os.environ
    parser = argparse.ArgumentParser(description="Fine-tune KoELECTRA on NSMC (SageMaker HF training DLC).")
    parser.add_argument("--model_id", default="monologg/koelectra-small-v3-discriminator")
    parser.add_argument("--epochs", type=float, default=1.0)
    parser.add_argument("--train_batch_size", type=int, default=32)
    parser.add_argument("--eval_batch_size", type=int, default=64)
    parser.add_argument("--learning_rate", type=float, default=5e-5)
    parser.add_argument("--warmup_ratio", type=float, default=0.1)
    parser.add_argument("--weight_decay", type=float, default=0.01)
    parser.add_argument("--max_length", type=int, default=128)
    parser.add_argument("--fp16", type=str2bool, default=True, help="mixed precision (ignored without a GPU)")
    parser.add_argument("--disable_tqdm", type=str2bool, default=True)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--label_names",
        default='{"0": "negative", "1": "positive"}',
        help="JSON object naming numeric labels, as the local train.ts takes it",
    )
    parser.add_argument("--logging_steps", type=int, default=100)
    parser.add_argument("--max_train_samples", type=int, default=0, help="0 = all rows")
    parser.add_argument("--max_eval_samples", type=int, default=0, help="0 = all rows")
    parser.add_argument("--train_file", default="train.tsv")
    parser.add_argument("--validation_file", default="validation.tsv")
    parser.add_argument("--train_dir", default=env.get("SM_CHANNEL_TRAIN", "data/prepared"))
    parser.add_argument(
        "--validation_dir",
        default=env.get("SM_CHANNEL_VALIDATION", env.get("SM_CHANNEL_TRAIN", "data/prepared")),
    )
    parser.add_argument("--model_dir", default=env.get("SM_MODEL_DIR", "model"))
    parser.add_argument("--output_data_dir", default=env.get("SM_OUTPUT_DATA_DIR", "output/data"))
    parser.add_argument("--output_dir", default=env.get("SM_OUTPUT_DIR", "output"))
    parser.add_argument("--checkpoint_dir", default="/tmp/checkpoints")
    parser.add_argument("--n_gpus", type=int, default=int(env.get("SM_NUM_GPUS", "0") or 0))
    args = parser.parse_args(argv)
    if args.max_length < 8 or args.max_length > 512:
        parser.error(f"--max_length {args.max_length} is out of range: KoELECTRA takes 8 to 512 tokens")
    if args.epochs <= 0:
        parser.error(f"--epochs {args.epochs} must be positive")
    return args


def read_tsv(path, limit=0):
    """Read ``text<TAB>label`` rows by splitting on the tab (never a quote-aware parser: reviews carry quotes)."""
    texts, labels = [], []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            line = line.rstrip("\n")
            if not line or (number == 1 and line.lower().startswith("text\t")):
                continue
            text, sep, label = line.rpartition("\t")
            if not sep or not label.strip():
                raise ValueError(f"{path}:{number}: expected 'text<TAB>label', got {line[:80]!r}")
            texts.append(text)
            labels.append(label.strip())
            if limit and len(texts) >= limit:
                break
    if not texts:
        raise ValueError(f"{path} holds no rows")
    return {"text": texts, "label": labels}


def label_space(train_labels, label_names_json):
    """The class names in id order, and a function from a label in the files to its id.

    NSMC's 0/1 keep their ids and get names from ``--label_names``; other labels are sorted and numbered.
    """
    seen = sorted(set(train_labels))
    if set(seen) <= {"0", "1"}:
        names = json.loads(label_names_json)
        classes = [str(names.get(key, key)) for key in ("0", "1")]
        ids = {"0": 0, "1": 1}
    else:
        classes = seen
        ids = {label: index for index, label in enumerate(seen)}

    def to_id(label, where):
        if label not in ids:
            raise ValueError(f"{where}: label {label!r} does not occur in the training data ({', '.join(seen)})")
        return ids[label]

    return classes, to_id


def classification_metrics(predictions, labels):
    """Accuracy, precision, recall and F1 without scikit-learn: of class 1 for two classes, macro-averaged for more."""
    import numpy as np

    predicted = np.argmax(predictions, axis=-1)
    labels = np.asarray(labels)
    count = predictions.shape[-1]

    def scores(positive):
        tp = int(np.sum((predicted == positive) & (labels == positive)))
        fp = int(np.sum((predicted == positive) & (labels != positive)))
        fn = int(np.sum((predicted != positive) & (labels == positive)))
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return precision, recall, f1

    per_class = [scores(1)] if count == 2 else [scores(c) for c in range(count)]
    precision, recall, f1 = (sum(values) / len(per_class) for values in zip(*per_class))
    return {"accuracy": float(np.mean(predicted == labels)), "precision": precision, "recall": recall, "f1": f1}


def main(args):
    import torch
    from datasets import Dataset
    from transformers import (
        AutoModelForSequenceClassification,
        AutoTokenizer,
        DataCollatorWithPadding,
        Trainer,
        TrainingArguments,
        set_seed,
    )

    set_seed(args.seed)
    train_rows = read_tsv(os.path.join(args.train_dir, args.train_file), args.max_train_samples)
    eval_rows = read_tsv(os.path.join(args.validation_dir, args.validation_file), args.max_eval_samples)
    logger.info("train rows: %d, validation rows: %d", len(train_rows["text"]), len(eval_rows["text"]))
    classes, to_id = label_space(train_rows["label"], args.label_names)
    for name, rows in (("train", train_rows), ("validation", eval_rows)):
        rows["label"] = [to_id(label, f"{name} row {index + 1}") for index, label in enumerate(rows["label"])]
    logger.info("classes: %s", ", ".join(classes))

    tokenizer = AutoTokenizer.from_pretrained(args.model_id)

    def tokenize(batch):
        return tokenizer(batch["text"], truncation=True, max_length=args.max_length)

    train_set = Dataset.from_dict(train_rows).map(tokenize, batched=True, remove_columns=["text"])
    eval_set = Dataset.from_dict(eval_rows).map(tokenize, batched=True, remove_columns=["text"])

    model = AutoModelForSequenceClassification.from_pretrained(
        args.model_id,
        num_labels=len(classes),
        id2label=dict(enumerate(classes)),
        label2id={name: index for index, name in enumerate(classes)},
    )
    training_args = TrainingArguments(
        output_dir=args.checkpoint_dir,
        num_train_epochs=args.epochs,
        per_device_train_batch_size=args.train_batch_size,
        per_device_eval_batch_size=args.eval_batch_size,
        learning_rate=args.learning_rate,
        warmup_ratio=args.warmup_ratio,
        weight_decay=args.weight_decay,
        fp16=args.fp16 and torch.cuda.is_available(),
        eval_strategy="epoch",
        save_strategy="no",
        logging_steps=args.logging_steps,
        disable_tqdm=args.disable_tqdm,
        seed=args.seed,
        report_to=[],
    )
    trainer = Trainer(
        model=model,
        args=training_args,
        train_dataset=train_set,
        eval_dataset=eval_set,
        data_collator=DataCollatorWithPadding(tokenizer),
        compute_metrics=lambda prediction: classification_metrics(prediction.predictions, prediction.label_ids),
    )
    trainer.train()
    metrics = trainer.evaluate()

    # One line per metric in the form the estimator's MetricDefinitions match: eval_accuracy=0.8812;
    for name in sorted(metrics):
        if isinstance(metrics[name], (int, float)):
            print(f"{name}={metrics[name]:.6f};", flush=True)

    os.makedirs(args.model_dir, exist_ok=True)
    trainer.save_model(args.model_dir)
    tokenizer.save_pretrained(args.model_dir)
    for folder in (args.model_dir, args.output_data_dir):
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "evaluation.json"), "w", encoding="utf-8") as handle:
            json.dump({"metrics": metrics, "model_id": args.model_id, "max_length": args.max_length}, handle, indent=2)
    return 0


def run(argv=None):
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = parse_args(argv)
    try:
        return main(args)
    except Exception as error:  # the failure file's text becomes the job's FailureReason
        os.makedirs(args.output_dir, exist_ok=True)
        with open(os.path.join(args.output_dir, "failure"), "w", encoding="utf-8") as handle:
            handle.write(f"{type(error).__name__}: {error}")
        traceback.print_exc()
        return 1


if __name__ == "__main__":
    sys.exit(run())
