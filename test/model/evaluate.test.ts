import { describe, expect, it } from "vitest";
import {
  type ClassifierPrediction,
  confusionMatrixFigure,
  evaluateClassifier,
  evaluatePredictions,
  type ModelConfig,
  type TextClassifier,
  trainingCurvesFigure,
} from "../../src/model";

/** A classifier whose answers are fixed by the text, so every metric has a known value. */
function scripted(answers: Record<string, number>): TextClassifier {
  const config = {
    dataLabels: ["0", "1"],
    id2label: { "0": "negative", "1": "positive" },
    label2id: { negative: 0, positive: 1 },
  } as unknown as ModelConfig;
  const all = (texts: readonly string[]): ClassifierPrediction[][] =>
    texts.map((t) => {
      const p = answers[t] ?? 0.5;
      return [
        { label: "positive", score: p },
        { label: "negative", score: 1 - p },
      ].sort((a, b) => b.score - a.score);
    });
  return {
    config,
    classifyAll: all,
    classify: (texts) => all(texts).map((x) => x[0] as ClassifierPrediction),
  };
}

describe("evaluateClassifier", () => {
  // gold: 3 positive, 2 negative; predicted: p1 p2 n3 | p4 n5
  const classifier = scripted({ a: 0.9, b: 0.8, c: 0.3, d: 0.95, e: 0.1 });
  const report = evaluateClassifier(classifier, {
    texts: ["a", "b", "c", "d", "e"],
    labels: ["1", "1", "1", "0", "0"],
  });

  it("computes accuracy, loss, per-class and macro precision/recall/F1 and the confusion matrix", () => {
    expect(report.samples).toBe(5);
    expect(report.accuracy).toBeCloseTo(3 / 5, 12);
    expect(report.confusion).toEqual({
      labels: ["negative", "positive"],
      matrix: [
        [1, 1],
        [1, 2],
      ],
    });
    const [neg, pos] = report.perClass;
    expect(pos).toMatchObject({ label: "positive", support: 3 });
    expect(pos?.precision).toBeCloseTo(2 / 3, 12);
    expect(pos?.recall).toBeCloseTo(2 / 3, 12);
    expect(neg?.precision).toBeCloseTo(1 / 2, 12);
    expect(neg?.recall).toBeCloseTo(1 / 2, 12);
    expect(report.macro.f1).toBeCloseTo((2 / 3 + 1 / 2) / 2, 12);
    const loss = -(Math.log(0.9) + Math.log(0.8) + Math.log(0.3) + Math.log(0.05) + Math.log(0.9)) / 5;
    expect(report.loss).toBeCloseTo(loss, 6);
  });

  it("lists the most confident mistakes first, with text, gold, prediction and score", () => {
    expect(report.mistakes).toEqual([
      { index: 3, text: "d", gold: "negative", predicted: "positive", score: 0.95 },
      { index: 2, text: "c", gold: "positive", predicted: "negative", score: expect.closeTo(0.7, 12) },
    ]);
  });

  it("accepts gold labels as names too, and rejects unknown ones", () => {
    const byName = evaluateClassifier(classifier, { texts: ["a", "e"], labels: ["positive", "negative"] });
    expect(byName.accuracy).toBe(1);
    expect(() => evaluateClassifier(classifier, { texts: ["a"], labels: ["neutral"] })).toThrow(
      /labels\[0\] is "neutral", which this model does not know/,
    );
  });

  it("builds plotly figures for the confusion matrix and training curves", () => {
    const cm = confusionMatrixFigure(report);
    // Coloured by each gold row's share (so a correct cell stands out whatever the class sizes); counts ride along.
    expect(cm.data[0]).toMatchObject({
      type: "heatmap",
      z: [
        [50, 50],
        [100 / 3, 200 / 3],
      ],
      zmin: 0,
      zmax: 100,
      customdata: [
        [1, 1],
        [1, 2],
      ],
      x: ["negative", "positive"],
    });
    expect(cm.data[0]?.text).toEqual([
      ["1<br>50.0%", "1<br>50.0%"],
      ["1<br>33.3%", "2<br>66.7%"],
    ]);
    const curves = trainingCurvesFigure([
      { epoch: 1, loss: 0.4, validationLoss: 0.35, validationAccuracy: 0.85 },
      { epoch: 2, loss: 0.3, validationLoss: 0.33, validationAccuracy: 0.87 },
    ]);
    expect(curves.data.map((t) => t.name)).toEqual(["train loss", "validation loss", "validation accuracy"]);
    expect(curves.data[2]).toMatchObject({ x: [1, 2], y: [0.85, 0.87], yaxis: "y2" });
    expect(trainingCurvesFigure([{ epoch: 1, loss: 0.4 }]).data).toHaveLength(1);
  });

  it("scores predictions made elsewhere (a batch job) like a classifier, without a loss", () => {
    const report = evaluatePredictions(
      [
        { label: "positive", score: 0.9 },
        { label: "negative", score: 0.6 },
        { label: "positive", score: 0.7 },
        { label: "positive", score: 0.95 },
      ],
      ["positive", "negative", "negative", "positive"],
      { texts: ["a", "b", "c", "d"], labels: ["negative", "positive"] },
    );
    expect(report.accuracy).toBe(0.75);
    expect(report.confusion).toEqual({
      labels: ["negative", "positive"],
      matrix: [
        [1, 1],
        [0, 2],
      ],
    });
    expect(report.perClass[1]).toMatchObject({ label: "positive", precision: 2 / 3, recall: 1, support: 2 });
    expect(report.mistakes).toEqual([
      { index: 2, text: "c", gold: "negative", predicted: "positive", score: 0.7 },
    ]);
    expect(report).not.toHaveProperty("loss");
    expect(confusionMatrixFigure(report).data[0]).toMatchObject({
      customdata: report.confusion.matrix,
      z: [
        [50, 50],
        [0, 100],
      ],
    });
    expect(() => evaluatePredictions([{ label: "x" }], [])).toThrow(/one prediction per gold label/);
    expect(() => evaluatePredictions([{ label: "x" }], ["y"], { labels: ["y"] })).toThrow(/"x"/);
  });
});
