/** Lab 6.1's plan: cleaning and splitting any labelled dataset, label names, the training plan per mode, answers. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DatasetError } from "../../src/data/errors";
import { loadDataset } from "../../src/data/load";
import {
  customLabelNames,
  customTrainingPlan,
  prepareCustomDataset,
  topPrediction,
} from "../../src/labs/custom";
import type { WorkshopSession } from "../../src/sagemaker/session";
import { useTempDir } from "./helpers";

const ROOT = join(__dirname, "..", "..");
const tempDir = useTempDir();
const session = (mode: "local" | "aws") => ({ mode, region: "ap-northeast-2" }) as unknown as WorkshopSession;

describe("prepareCustomDataset", () => {
  it("cleans, splits every label in proportion, and writes train/validation/test TSV and test.jsonl", () => {
    const topics = loadDataset(join(ROOT, "data/sample-topics/reviews.tsv"));
    const dir = tempDir();
    const prepared = prepareCustomDataset(topics, { quick: false, dir });
    expect(prepared.labels).toEqual(["food", "movie", "shopping", "travel"]);
    for (const label of prepared.labels) {
      expect(prepared.rows.test.filter((r) => r.label === label)).toHaveLength(24);
      expect(prepared.rows.validation.filter((r) => r.label === label)).toHaveLength(10);
      expect(prepared.rows.train.filter((r) => r.label === label)).toHaveLength(86);
    }
    expect(readFileSync(join(dir, "train.tsv"), "utf8").split("\n")[0]).toBe("text\tlabel");
    const jsonl = readFileSync(join(dir, "test.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(jsonl).toHaveLength(96);
    expect(jsonl[5]).toEqual({ id: 5, inputs: prepared.rows.test[5]?.text });
    // Same seed, same split.
    expect(prepareCustomDataset(topics, { quick: false, dir: tempDir() }).rows.test).toEqual(
      prepared.rows.test,
    );
  });

  it("quick mode keeps a stratified sample; duplicates and empty texts are dropped and counted", () => {
    const texts = [
      ...Array.from({ length: 40 }, (_, i) => `좋은 문장 ${i}`),
      ...Array.from({ length: 40 }, (_, i) => `나쁜 문장 ${i}`),
    ];
    const labels = [...texts.slice(0, 40).map(() => "a"), ...texts.slice(40).map(() => "b")];
    const data = { source: "mem", texts: [...texts, "좋은 문장 1", "  "], labels: [...labels, "b", "a"] };
    const prepared = prepareCustomDataset(data, { quick: true, quickRows: 1000, dir: tempDir() });
    expect(prepared.clean).toMatchObject({
      before: 82,
      empty: 1,
      duplicates: 1,
      conflictingDuplicates: 1,
      after: 80,
    });
    const small = prepareCustomDataset(data, { quick: true, quickRows: 40, dir: tempDir() });
    expect(small.subsampledAway).toBeGreaterThan(0);
  });

  it("a label with too few rows is an error naming it", () => {
    const data = {
      source: "my.csv",
      texts: ["a1", "a2", "a3", "a4", "a5", "a6", "b1", "b2"],
      labels: ["a", "a", "a", "a", "a", "a", "b", "b"],
    };
    expect(() => prepareCustomDataset(data, { quick: false, dir: tempDir() })).toThrow(DatasetError);
    expect(() => prepareCustomDataset(data, { quick: false, dir: tempDir() })).toThrow(
      'label "b" has 2 rows; each label needs at least 5',
    );
  });
});

describe("labels, plans and answers", () => {
  it("names NSMC's 0/1 negative/positive and keeps every other label as it is", () => {
    expect(customLabelNames(["1", "0", "1"])).toEqual({ "0": "negative", "1": "positive" });
    expect(customLabelNames(["travel", "food"])).toEqual({ food: "food", travel: "travel" });
    expect(customLabelNames(["0", "1", "2"])).toEqual({ "0": "0", "1": "1", "2": "2" });
  });

  it("trains with train.ts locally and train.py (KoELECTRA) on AWS, passing label names only when they differ", () => {
    const local = customTrainingPlan(session("local"), { quick: true, labels: ["food", "movie"] });
    expect(local).toMatchObject({
      entryPoint: "train.ts",
      baseJobName: "custom-classification",
      hyperparameters: { epochs: 3, hash_bits: 18 },
    });
    expect(local.hyperparameters.label_names).toBeUndefined();
    const aws = customTrainingPlan(session("aws"), {
      quick: false,
      labels: ["0", "1"],
      jobBase: "inquiry-types",
    });
    expect(aws).toMatchObject({
      entryPoint: "train.py",
      instanceType: "ml.g5.xlarge",
      baseJobName: "inquiry-types",
    });
    expect(JSON.parse(aws.hyperparameters.label_names as string)).toEqual({
      "0": "negative",
      "1": "positive",
    });
  });

  it("reads the top answer from a pipeline list or a single record", () => {
    expect(
      topPrediction([
        { label: "food", score: 0.7 },
        { label: "movie", score: 0.3 },
      ]),
    ).toEqual({ label: "food", score: 0.7 });
    expect(topPrediction({ label: "travel", score: 0.5 })).toEqual({ label: "travel", score: 0.5 });
    expect(() => topPrediction({ nope: 1 })).toThrow("has no label");
  });
});
