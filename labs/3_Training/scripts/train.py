"""Fine-tune KoELECTRA on NSMC with the Hugging Face Trainer, inside the SageMaker Hugging Face training DLC.

The workshop's TypeScript HuggingFaceEstimator runs this script on AWS (SM_MODE=aws). SageMaker passes the
hyperparameters as ``--key value`` arguments and the data/model folders as SM_* environment variables.
Inputs are the files lab 3.1 writes: ``train.tsv`` and ``validation.tsv`` with a ``text<TAB>label`` header.
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
            if not sep or label.strip() not in ("0", "1"):
                raise ValueError(f"{path}:{number}: expected 'text<TAB>0|1', got {line[:80]!r}")
            texts.append(text)
            labels.append(int(label))
            if limit and len(texts) >= limit:
                break
    if not texts:
        raise ValueError(f"{path} holds no rows")
    return {"text": texts, "label": labels}


def classification_metrics(predictions, labels):
    """Accuracy, precision, recall and F1 of the positive class, without needing scikit-learn."""
    import numpy as np

    predicted = np.argmax(predictions, axis=-1)
    labels = np.asarray(labels)
    tp = int(np.sum((predicted == 1) & (labels == 1)))
    fp = int(np.sum((predicted == 1) & (labels == 0)))
    fn = int(np.sum((predicted == 0) & (labels == 1)))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "accuracy": float(np.mean(predicted == labels)),
        "precision": precision,
        "recall": recall,
        "f1": f1,
    }


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

    tokenizer = AutoTokenizer.from_pretrained(args.model_id)

    def tokenize(batch):
        return tokenizer(batch["text"], truncation=True, max_length=args.max_length)

    train_set = Dataset.from_dict(train_rows).map(tokenize, batched=True, remove_columns=["text"])
    eval_set = Dataset.from_dict(eval_rows).map(tokenize, batched=True, remove_columns=["text"])

    model = AutoModelForSequenceClassification.from_pretrained(
        args.model_id,
        num_labels=2,
        id2label={0: "negative", 1: "positive"},
        label2id={"negative": 0, "positive": 1},
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
