import { describe, expect, it } from "vitest";
import {
  distinctiveNgrams,
  labelBalance,
  lengthHistogram,
  loadDataset,
  repeatedTexts,
  sampleReviewsPath,
  subsetDataset,
  textLengths,
  toDataFrame,
} from "../../src/data";

describe("exploration helpers", () => {
  const sample = loadDataset(sampleReviewsPath());

  it("labelBalance counts rows per label with shares", () => {
    expect(labelBalance(sample)).toEqual([
      { label: "0", count: 150, share: 0.5 },
      { label: "1", count: 150, share: 0.5 },
    ]);
  });

  it("textLengths counts characters, a Hangul syllable or an emoji once, even when decomposed", () => {
    expect(textLengths(["좋다".normalize("NFD"), "👍 ok"])).toEqual([2, 4]);
  });

  it("toDataFrame gives danfojs columns that value counts and groupby work on", () => {
    const df = toDataFrame(sample);
    expect(df.columns).toEqual(["id", "text", "label", "length"]);
    expect(df.shape).toEqual([300, 4]);
    const means = df.groupby(["label"]).col(["length"]).mean();
    expect(means.columns).toEqual(["label", "length_mean"]);
  });

  it("distinctiveNgrams ranks sentiment-bearing syllables on top for each label", () => {
    const top = distinctiveNgrams(sample, { minCount: 3, top: 10 });
    const negative = top.filter((row) => row.label === "0").map((row) => row.ngram);
    const positive = top.filter((row) => row.label === "1").map((row) => row.ngram);
    expect(negative.length).toBe(10);
    expect(positive.length).toBe(10);
    expect(negative.some((gram) => /노잼|최악|아깝|별로|망/.test(gram))).toBe(true);
    expect(positive.some((gram) => /최고|좋|감동|추천|재밌/.test(gram))).toBe(true);
    for (const row of top.filter((r) => r.label === "1")) expect(row.score).toBeGreaterThan(0);
  });
});

describe("corpus helpers", () => {
  const dataset = {
    source: "x",
    texts: ["굿", "굿", "굿", "별로", "별로", "최고", "a", "b"],
    labels: ["1", "1", "0", "0", "0", "1", "0", "1"],
  };

  it("repeatedTexts lists the most frequent texts with their label mix", () => {
    expect(repeatedTexts(dataset, 5)).toEqual([
      { text: "굿", count: 3, labels: { "1": 2, "0": 1 } },
      { text: "별로", count: 2, labels: { "0": 2 } },
    ]);
  });

  it("subsetDataset keeps label proportions and row order", () => {
    const subset = subsetDataset(dataset, 4, 3);
    expect(subset.texts.length).toBe(4);
    expect(subset.labels.filter((label) => label === "1").length).toBe(2);
    const positions = subset.texts.map((text, i) =>
      dataset.texts.findIndex((t, j) => t === text && dataset.labels[j] === subset.labels[i]),
    );
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect(subsetDataset(dataset, 100)).toBe(dataset);
  });
});

describe("lengthHistogram", () => {
  it("bins lengths per label", () => {
    const histogram = lengthHistogram(
      { source: "x", texts: ["가", "가나다라마바", "", "가나"], labels: ["1", "0", "0", "1"] },
      5,
    );
    expect(histogram).toEqual({ binStarts: [0, 5], counts: { "0": [1, 1], "1": [2, 0] } });
  });
});

describe("lengthHistogram at corpus scale", () => {
  it("handles 200,000 texts (no argument-spreading limits)", () => {
    const texts = Array.from({ length: 200_000 }, (_, i) => "가".repeat(i % 140));
    const histogram = lengthHistogram({ source: "x", texts, labels: texts.map((_, i) => String(i % 2)) }, 10);
    expect(histogram.binStarts.length).toBe(14);
    expect((histogram.counts["0"] ?? []).reduce((a, b) => a + b, 0)).toBe(100_000);
  });
});
