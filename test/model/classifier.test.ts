import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { evaluateClassifier, loadClassifier, normalizeReview, trainClassifier } from "../../src/model";
import { toyReviews, toyTopics } from "./toy";

const small = { hashBits: 16, epochs: 5 };
const dirs: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), "model-test-"));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("trainClassifier", () => {
  const train = toyReviews(400, 1);
  const heldOut = toyReviews(200, 99);
  const model = trainClassifier(train, { ...small, validation: heldOut });

  it("learns a separable toy set and reports HF-pipeline-shaped predictions", () => {
    const report = evaluateClassifier(model.classifier, heldOut);
    expect(report.accuracy).toBeGreaterThan(0.97);
    const [positive, negative] = model.classifier.classify(["오늘 영화 최고", "영화 최악 배우"]);
    expect(positive).toEqual({ label: "1", score: expect.any(Number) });
    expect(negative?.label).toBe("0");
    expect(positive?.score).toBeGreaterThan(0.5);
    expect(positive?.score).toBeLessThanOrEqual(1);
  });

  it("gives every label, sorted by score, summing to one", () => {
    const [all] = model.classifier.classifyAll(["주말 명작"]);
    expect(all?.map((p) => p.label).sort()).toEqual(["0", "1"]);
    expect(all?.[0]?.score).toBeGreaterThanOrEqual(all?.[1]?.score ?? 1);
    expect((all?.[0]?.score ?? 0) + (all?.[1]?.score ?? 0)).toBeCloseTo(1, 10);
  });

  it("records config and history: id2label/label2id from the data, one progress record per epoch", () => {
    const { config } = model.classifier;
    expect(config.id2label).toEqual({ "0": "0", "1": "1" });
    expect(config.label2id).toEqual({ "0": 0, "1": 1 });
    expect(config.training.trainSamples).toBe(400);
    expect(model.history.length).toBeGreaterThanOrEqual(1);
    expect(model.history[0]).toMatchObject({
      epoch: 1,
      loss: expect.any(Number),
      validationAccuracy: expect.any(Number),
    });
  });

  it("reports progress for features, every epoch and the end", () => {
    const phases: string[] = [];
    trainClassifier(train, {
      ...small,
      epochs: 2,
      patience: 5,
      onProgress: (p) => phases.push(`${p.phase}:${p.epoch}`),
    });
    expect(phases).toEqual(["features:0", "epoch:1", "epoch:2", "done:2"]);
  });

  it("is deterministic for a seed and differs for another seed", () => {
    const a = trainClassifier(train, { ...small, seed: 7 });
    const b = trainClassifier(train, { ...small, seed: 7 });
    const c = trainClassifier(train, { ...small, seed: 8 });
    const probe = heldOut.texts.slice(0, 50);
    expect(b.classifier.classifyAll(probe)).toEqual(a.classifier.classifyAll(probe));
    expect(c.classifier.classifyAll(probe)).not.toEqual(a.classifier.classifyAll(probe));
  });

  it("names labels with labelNames", () => {
    const named = trainClassifier(train, { ...small, labelNames: { "0": "negative", "1": "positive" } });
    expect(named.classifier.config.id2label).toEqual({ "0": "negative", "1": "positive" });
    expect(named.classifier.classify(["정말 최고 명작"])[0]?.label).toBe("positive");
    // gold labels may use the data's values or the names
    expect(evaluateClassifier(named.classifier, heldOut).accuracy).toBeGreaterThan(0.97);
  });

  it("handles more than two classes (one-vs-rest)", () => {
    const topics = trainClassifier(toyTopics(300), small);
    expect(Object.values(topics.classifier.config.id2label)).toEqual(["food", "sports", "tech"]);
    expect(topics.classifier.classify(["라면 맛집", "야구 선수", "서버 코드"]).map((p) => p.label)).toEqual([
      "food",
      "sports",
      "tech",
    ]);
    const [all] = topics.classifier.classifyAll(["김치"]);
    expect(all).toHaveLength(3);
    expect(all?.reduce((s, p) => s + p.score, 0)).toBeCloseTo(1, 10);
  });

  it("round-trips through save/load with identical predictions and a complete config.json", () => {
    const dir = tempDir();
    model.save(dir);
    const loaded = loadClassifier(dir);
    const probe = [...heldOut.texts.slice(0, 100), "", "😀", "x".repeat(10_000)];
    expect(loaded.classifyAll(probe)).toEqual(model.classifier.classifyAll(probe));
    const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
    expect(config).toMatchObject({
      architecture: "HashedNgramNBLogisticRegression",
      formatVersion: 1,
      id2label: { "0": "0", "1": "1" },
      label2id: { "0": 0, "1": 1 },
      features: { charNgramMin: 1, charNgramMax: 5, hashBits: 16 },
      weights: { file: "weights.bin", dtype: "float16", bytes: 20 + 4 + 2 * 2 ** 16 },
      training: { trainSamples: 400, validationSamples: 200, seed: 42 },
    });
  });

  it("rejects bad training data with messages naming the problem", () => {
    expect(() => trainClassifier({ texts: ["a", "b"], labels: ["1"] })).toThrow(/2 texts but 1 labels/);
    expect(() => trainClassifier({ texts: ["a", "b"], labels: ["1", "1"] })).toThrow(/only the label "1"/);
    expect(() => trainClassifier({ texts: ["a", 3 as unknown as string], labels: ["0", "1"] })).toThrow(
      /texts\[1\] is a number/,
    );
    expect(() => trainClassifier(train, { epochs: 0 })).toThrow(/epochs must be an integer from 1/);
    expect(() => trainClassifier(train, { hashBits: 40 })).toThrow(
      /hashBits must be an integer from 10 to 24/,
    );
    expect(() => trainClassifier(train, { validation: { texts: ["x"], labels: ["2"] } })).toThrow(
      /validation.labels\[0\] is "2"/,
    );
  });
});

describe("odd inputs", () => {
  const model = trainClassifier(toyReviews(200), small);
  const odd = [
    "",
    "   \t\n ",
    "😀😀😀🔥",
    "Movie 최고 BEST 映画 фильм",
    "ㅋ".repeat(500),
    "재밌다 ".repeat(200_000),
    "\u0000\uffff\ud800",
    "\u1100\u1161\u11a8",
  ];

  it("classifies any string with a finite probability", () => {
    const predictions = model.classifier.classify(odd);
    expect(predictions).toHaveLength(odd.length);
    for (const p of predictions) {
      expect(["0", "1"]).toContain(p.label);
      expect(Number.isFinite(p.score)).toBe(true);
      expect(p.score).toBeGreaterThanOrEqual(0.5);
    }
    expect(model.classifier.classify([])).toEqual([]);
  });

  it("truncates very long texts: only the first maxChars characters after normalisation count", () => {
    const head = "재밌다 최고 ".repeat(200);
    const [a, b] = model.classifier.classifyAll([head, `${head}${"최악 지루 ".repeat(10_000)}`]);
    expect(b).toEqual(a);
  });

  it("normalises: NFC, lowercase, whitespace, repeated characters", () => {
    const options = { maxChars: 1000, maxRepeat: 2 };
    expect(normalizeReview("\u1100\u1161\u11a8", options)).toBe("각");
    expect(normalizeReview("  ABC\t\n최고!!!!!  ㅋㅋㅋㅋ ", options)).toBe("abc 최고!! ㅋㅋ");
    expect(normalizeReview("x".repeat(50), { maxChars: 10, maxRepeat: 100 })).toBe("x".repeat(10));
  });

  it("rejects a non-string with a TypeError naming index and type", () => {
    const c = model.classifier;
    expect(() => c.classify(["ok", 42 as unknown as string])).toThrow(TypeError);
    expect(() => c.classify(["ok", 42 as unknown as string])).toThrow(
      "classify: texts[1] is a number, expected a string.",
    );
    expect(() => c.classifyAll([null as unknown as string])).toThrow(
      "classifyAll: texts[0] is null, expected a string.",
    );
    expect(() => c.classify([undefined as unknown as string])).toThrow(
      "classify: texts[0] is undefined, expected a string.",
    );
    expect(() => c.classify("just one" as unknown as string[])).toThrow(/Wrap a single text in an array/);
  });
});
