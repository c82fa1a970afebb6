import { cpSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  cleanReviews,
  ensurePreparedData,
  loadDataset,
  normaliseReviewText,
  preparedDataPaths,
  prepareNsmc,
  readPreparedManifest,
  sampleReviewsPath,
  stratifiedSample,
  stratifiedSplit,
} from "../../src/data";
import { useTempDir } from "./helpers";

const tempDir = useTempDir();

describe("cleanReviews", () => {
  it("normalises NFC and whitespace, drops empties, dedupes keeping the first label, excludes given texts", () => {
    const decomposed = "좋다".normalize("NFD");
    const { rows, report } = cleanReviews(
      [
        { text: `  ${decomposed}\t\n정말 `, label: "1" },
        { text: "좋다 정말", label: "0" },
        { text: "   ", label: "0" },
        { text: "", label: "1" },
        { text: "별로", label: "0" },
        { text: "시험에 나온 문장", label: "1" },
      ],
      { exclude: new Set(["시험에 나온 문장"]) },
    );
    expect(rows).toEqual([
      { text: "좋다 정말", label: "1" },
      { text: "별로", label: "0" },
    ]);
    expect(report).toEqual({
      before: 6,
      empty: 2,
      duplicates: 1,
      conflictingDuplicates: 1,
      excluded: 1,
      after: 2,
    });
    expect(normaliseReviewText(decomposed)).toBe("좋다");
  });

  it("each cleaning step can be switched off", () => {
    const input = [
      { text: " a ", label: "1" },
      { text: " a ", label: "1" },
      { text: "", label: "0" },
    ];
    expect(cleanReviews(input, { normalise: false, dedupe: false, dropEmpty: false }).rows).toEqual(input);
  });
});

describe("stratified split and sample", () => {
  const rows = Array.from({ length: 1000 }, (_, i) => ({ text: `t${i}`, label: i % 4 === 0 ? "1" : "0" }));

  it("keeps label proportions, loses and repeats nothing, and is deterministic for a seed", () => {
    const { rest, part } = stratifiedSplit(rows, 0.1, 7);
    expect(part.filter((row) => row.label === "1").length).toBe(25);
    expect(part.length).toBe(100);
    expect(new Set([...rest, ...part].map((row) => row.text)).size).toBe(1000);
    expect(stratifiedSplit(rows, 0.1, 7)).toEqual({ rest, part });
    expect(stratifiedSplit(rows, 0.1, 8).part).not.toEqual(part);
    const sample = stratifiedSample(rows, 200, 1);
    expect(sample.length).toBe(200);
    expect(sample.filter((row) => row.label === "1").length).toBe(50);
    expect(() => stratifiedSplit(rows, 1.5)).toThrow(/between 0 and 1/);
  });
});

describe("prepareNsmc", () => {
  let saved: string | undefined;
  beforeEach(() => {
    saved = process.env.NSMC_DIR;
    delete process.env.NSMC_DIR;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.NSMC_DIR;
    else process.env.NSMC_DIR = saved;
  });

  function workshopWithSample(): string {
    const root = tempDir();
    mkdirSync(join(root, "data", "sample"), { recursive: true });
    cpSync(sampleReviewsPath(), join(root, "data", "sample", "reviews.tsv"));
    return root;
  }

  it("falls back to the sample reviews when NSMC is absent, says so, and writes every file", () => {
    const root = workshopWithSample();
    const prepared = prepareNsmc({ root, quick: false });
    expect(prepared.source).toBe("sample");
    expect(prepared.note).toMatch(/sample reviews.*NSMC is not in/);
    expect(prepared.paths).toEqual(preparedDataPaths(root));
    const train = loadDataset(prepared.paths.train);
    const validation = loadDataset(prepared.paths.validation);
    const test = loadDataset(prepared.paths.test);
    expect(train.texts.length + validation.texts.length + test.texts.length).toBe(300);
    expect(test.texts.length).toBe(60);
    expect(validation.texts.length).toBe(24);
    expect(readFileSync(prepared.paths.train, "utf8").split("\n")[0]).toBe("text\tlabel");
    const jsonl = readFileSync(prepared.paths.testJsonl, "utf8")
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(jsonl).toEqual(test.texts.map((inputs) => ({ inputs })));
    expect(prepared.written.map((w) => w.rows)).toEqual([216, 24, 60]);
    expect(prepared.written[1]?.labels).toEqual({ "0": 12, "1": 12 });
    expect(readPreparedManifest(root)).toMatchObject({
      source: "sample",
      quick: false,
      seed: 42,
      written: prepared.written,
    });
    // Same seed, same files.
    const again = prepareNsmc({ root, quick: false });
    expect(again.written).toEqual(prepared.written);
    expect(loadDataset(again.paths.train).texts).toEqual(train.texts);
  });

  it("ensurePreparedData keeps files that fit the run and rewrites files from the other mode", () => {
    const root = workshopWithSample();
    const first = ensurePreparedData({ root, quick: false });
    expect(first).toMatchObject({ reused: false, reason: expect.stringContaining("no files from lab 3.1") });
    expect(ensurePreparedData({ root, quick: false })).toMatchObject({ reused: true });
    const switched = ensurePreparedData({ root, quick: true });
    expect(switched.reused).toBe(false);
    expect(switched.reason).toContain("full run's files; preparing them again for a quick run");
    expect(readPreparedManifest(root)?.quick).toBe(true);
  });
});

describe.skipIf(!process.env.NSMC_DIR)("prepareNsmc on the real corpus (needs NSMC_DIR)", () => {
  it("quick mode writes seeded stratified subsets; the counts add up", () => {
    const root = tempDir();
    expect(readPreparedManifest(root)).toBeUndefined();
    const prepared = prepareNsmc({ root, quick: true });
    expect(prepared.source).toBe("nsmc");
    expect(readPreparedManifest(root)?.quick).toBe(true);
    expect(prepared.note).toContain("NSMC_DIR");
    const [train, test] = prepared.counts;
    expect(train).toMatchObject({ split: "train", before: 150_000, subsampledAway: 144_000 });
    expect(test).toMatchObject({ split: "test", before: 50_000, subsampledAway: 48_000 });
    for (const c of prepared.counts) {
      expect(c.before - c.subsampledAway - c.empty - c.duplicates - c.excluded).toBe(c.after);
    }
    const [trainFile, validationFile, testFile] = prepared.written;
    expect((trainFile?.rows ?? 0) + (validationFile?.rows ?? 0)).toBe(train?.after);
    expect(testFile?.rows).toBe(test?.after);
    expect(Math.abs((validationFile?.rows ?? 0) - 0.1 * (train?.after ?? 0))).toBeLessThanOrEqual(1);
  });

  it("full mode drops the empties and duplicates; optionally the training rows that occur in test", () => {
    const root = tempDir();
    const full = prepareNsmc({ root, quick: false });
    expect(full.counts[0]).toMatchObject({ before: 150_000, empty: 5, excluded: 0 });
    expect(full.counts[1]).toMatchObject({ before: 50_000, empty: 3, duplicates: 0, after: 49_997 });
    const strict = prepareNsmc({ root, quick: false, dropTrainRowsInTest: true, dedupeTest: true });
    expect(strict.counts[0]?.excluded).toBeGreaterThan(700);
    const trainTexts = new Set(loadDataset(strict.paths.train).texts);
    expect(loadDataset(strict.paths.test).texts.filter((text) => trainTexts.has(text))).toEqual([]);
  });
});
