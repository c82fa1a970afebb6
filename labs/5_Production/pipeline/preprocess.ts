/**
 * Lab 5.3's processing step (local mode): the 3.1 steps as a processing job. Reads NSMC's raw files
 * (`ratings_train.txt`, `ratings_test.txt`: id<TAB>document<TAB>label) from --input, cleans and splits them with the
 * workshop's own code (`prepareSplits`: NFC, spaces, empty rows, duplicates, the stratified validation split, quick
 * mode's seeded subsets), and writes `train.tsv`, `validation.tsv` and `test.tsv` (`text<TAB>label`) into the output
 * folders, plus what it did as `prepare.json` beside the training file. `preprocess.py` does the same on AWS.
 *
 *   tsx preprocess.ts --input /opt/ml/processing/input --train /opt/ml/processing/train
 *     --validation /opt/ml/processing/validation --test /opt/ml/processing/test [--quick true] [--seed 42]
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { datasetRows, labelCounts, nsmcDataset, prepareSplits, writeTsv } from "ko-sagemaker";

const args = process.argv.slice(2);
const arg = (name: string, fallback?: string): string => {
  const at = args.indexOf(`--${name}`);
  const value = at >= 0 ? args[at + 1] : fallback;
  if (value === undefined) throw new Error(`preprocess.ts needs --${name}`);
  return value;
};

const started = Date.now();
const train = datasetRows(nsmcDataset(join(arg("input"), "ratings_train.txt")));
const test = datasetRows(nsmcDataset(join(arg("input"), "ratings_test.txt")));
console.log(`read ${train.length} training and ${test.length} test reviews`);
const splits = prepareSplits(train, test, {
  quick: arg("quick", "false") === "true",
  seed: Number(arg("seed", "42")),
  validationFraction: Number(arg("validation-fraction", "0.1")),
});
writeTsv(join(arg("train"), "train.tsv"), splits.train);
writeTsv(join(arg("validation"), "validation.tsv"), splits.validation);
writeTsv(join(arg("test"), "test.tsv"), splits.test);
const report = {
  counts: splits.counts,
  written: {
    train: { rows: splits.train.length, labels: labelCounts(splits.train) },
    validation: { rows: splits.validation.length, labels: labelCounts(splits.validation) },
    test: { rows: splits.test.length, labels: labelCounts(splits.test) },
  },
  seconds: (Date.now() - started) / 1000,
};
writeFileSync(join(arg("train"), "prepare.json"), JSON.stringify(report, null, 1));
console.log(JSON.stringify(report.written));
