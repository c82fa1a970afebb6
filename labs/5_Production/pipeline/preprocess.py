"""Lab 5.3's processing step on AWS (the SageMaker scikit-learn image): the 3.1 steps as a processing job.

The Python twin of preprocess.ts, with the standard library only: reads NSMC's raw files (ratings_train.txt,
ratings_test.txt: id<TAB>document<TAB>label) from --input, normalises (NFC, runs of spaces, trimmed), drops empty
reviews and (in the training data) duplicates, keeps seeded stratified subsets in quick mode, splits a stratified
validation set off the training data, and writes train.tsv, validation.tsv and test.tsv (text<TAB>label).
"""
import argparse
import json
import os
import random
import re
import unicodedata
from collections import defaultdict


def read_nsmc(path):
    rows = []
    with open(path, encoding="utf-8") as handle:
        next(handle)  # id, document, label
        for line in handle:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 3:
                rows.append((parts[1], parts[2]))
    return rows


def normalise(text):
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


def clean(rows, dedupe):
    seen, kept = set(), []
    for text, label in rows:
        text = normalise(text)
        if not text or (dedupe and text in seen):
            continue
        seen.add(text)
        kept.append((text, label))
    return kept


def stratified(rows, fraction, seed):
    """(rest, part): `fraction` of every label's rows in part, chosen with a seeded shuffle."""
    by_label = defaultdict(list)
    for row in rows:
        by_label[row[1]].append(row)
    rng = random.Random(seed)
    rest, part = [], []
    for label in sorted(by_label):
        group = by_label[label][:]
        rng.shuffle(group)
        cut = int(len(group) * fraction + 0.5)  # half up, as the TypeScript twin's Math.round
        part.extend(group[:cut])
        rest.extend(group[cut:])
    return rest, part


def write_tsv(path, rows):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("text\tlabel\n")
        for text, label in rows:
            handle.write(f"{text}\t{label}\n")


def main():
    parser = argparse.ArgumentParser()
    for name in ["input", "train", "validation", "test"]:
        parser.add_argument(f"--{name}", required=True)
    parser.add_argument("--quick", default="false")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--validation-fraction", type=float, default=0.1)
    args = parser.parse_args()

    train = read_nsmc(os.path.join(args.input, "ratings_train.txt"))
    test = read_nsmc(os.path.join(args.input, "ratings_test.txt"))
    if args.quick == "true":
        _, train = stratified(train, min(1.0, 6000 / max(1, len(train))), args.seed)
        _, test = stratified(test, min(1.0, 2000 / max(1, len(test))), args.seed + 1)
    train = clean(train, dedupe=True)
    test = clean(test, dedupe=False)
    train, validation = stratified(train, args.validation_fraction, args.seed)
    write_tsv(os.path.join(args.train, "train.tsv"), train)
    write_tsv(os.path.join(args.validation, "validation.tsv"), validation)
    write_tsv(os.path.join(args.test, "test.tsv"), test)
    print(json.dumps({"train": len(train), "validation": len(validation), "test": len(test)}))


if __name__ == "__main__":
    main()
