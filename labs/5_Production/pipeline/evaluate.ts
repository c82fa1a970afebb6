/**
 * Lab 5.3's evaluation step (local mode): extracts the training job's model.tar.gz from --model, scores the test split
 * from --test, and writes `evaluation.json` into --output in the report format SageMaker's model quality metrics use
 * (`{"binary_classification_metrics": {"accuracy": {"value": ...}}}`), which the pipeline reads as a property file and
 * the registry keeps as the version's ModelMetrics. `evaluate.py` does the same on AWS with the fine-tuned KoELECTRA.
 *
 *   tsx evaluate.ts --model /opt/ml/processing/model --test /opt/ml/processing/test --output /opt/ml/processing/evaluation
 */
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { evaluateClassifier, loadClassifier, loadDataset } from "ko-sagemaker";
import * as tar from "tar";

const args = process.argv.slice(2);
const arg = (name: string): string => {
  const at = args.indexOf(`--${name}`);
  const value = at >= 0 ? args[at + 1] : undefined;
  if (value === undefined) throw new Error(`evaluate.ts needs --${name}`);
  return value;
};

const archive = readdirSync(arg("model")).find((name) => name.endsWith(".tar.gz"));
if (!archive) throw new Error(`No model.tar.gz in ${arg("model")}`);
const modelDir = mkdtempSync(join(tmpdir(), "evaluate-model-"));
tar.x({ file: join(arg("model"), archive), cwd: modelDir, sync: true });
const classifier = loadClassifier(modelDir);
const test = loadDataset(join(arg("test"), "test.tsv"));
const report = evaluateClassifier(classifier, test);
const positive = report.perClass.find((entry) => entry.label === "positive") ?? report.perClass[0];
const metric = (value: number) => ({ value: Number(value.toFixed(6)), standard_deviation: "NaN" });
const evaluation = {
  binary_classification_metrics: {
    accuracy: metric(report.accuracy),
    precision: metric(positive?.precision ?? 0),
    recall: metric(positive?.recall ?? 0),
    f1: metric(report.macro.f1),
    confusion_matrix: { labels: report.confusion.labels, matrix: report.confusion.matrix },
  },
  test_rows: report.samples,
};
mkdirSync(arg("output"), { recursive: true });
writeFileSync(join(arg("output"), "evaluation.json"), JSON.stringify(evaluation, null, 1));
console.log(`accuracy=${report.accuracy.toFixed(4)}; macro_f1=${report.macro.f1.toFixed(4)}; test_rows=${report.samples}`);
