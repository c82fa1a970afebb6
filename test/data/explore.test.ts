import { describe, expect, it } from "vitest";
import {
  distinctiveNgrams,
  labelBalance,
  loadDataset,
  sampleReviewsPath,
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
