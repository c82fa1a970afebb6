import { copyFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  corpusFacts,
  DatasetError,
  loadDataset,
  loadReviewCorpus,
  locateNsmc,
  nsmcAbsenceReason,
  nsmcDataset,
  readNsmc,
} from "../../src/data";
import { useTempDir, writeIn } from "./helpers";

const tempDir = useTempDir();
const NSMC_DIR = process.env.NSMC_DIR;

describe("locateNsmc", () => {
  let saved: string | undefined;
  beforeEach(() => {
    saved = process.env.NSMC_DIR;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.NSMC_DIR;
    else process.env.NSMC_DIR = saved;
  });

  it("prefers NSMC_DIR, falls back to data/nsmc, and explains when neither has both files", () => {
    const root = tempDir();
    const copy = tempDir();
    delete process.env.NSMC_DIR;
    expect(locateNsmc(root)).toBeUndefined();
    expect(nsmcAbsenceReason(root)).toMatch(
      /NSMC_DIR is not set\. Run `npm run data`.*use the sample reviews/,
    );

    writeIn(copy, "ratings_train.txt", "id\tdocument\tlabel\n");
    process.env.NSMC_DIR = copy;
    expect(locateNsmc(root)).toBeUndefined();
    expect(nsmcAbsenceReason(root)).toContain(`NSMC_DIR=${copy} is damaged: ratings_train.txt has 18 bytes`);
    expect(nsmcAbsenceReason(root)).toContain("it also lacks ratings_test.txt");
  });

  it("does not use a copy whose sizes are not NSMC's, and says it is damaged with the fix", () => {
    const root = tempDir();
    const copy = tempDir();
    writeIn(copy, "ratings_train.txt", "id\tdocument\tlabel\n");
    writeIn(copy, "ratings_test.txt", "id\tdocument\tlabel\n");
    process.env.NSMC_DIR = copy;
    expect(locateNsmc(root)).toBeUndefined();
    const reason = nsmcAbsenceReason(root);
    expect(reason).toContain(`NSMC_DIR=${copy} is damaged: ratings_train.txt has 18 bytes, not 14,628,807`);
    expect(reason).toContain("Run `npm run data` to fetch a verified copy into data/nsmc");
    expect(reason).toContain("until then the labs use the sample reviews");
  });

  it("a copy with NSMC's sizes but not its content: the corpus falls back to the sample set, saying why", () => {
    const root = tempDir();
    const copy = tempDir();
    writeIn(copy, "ratings_train.txt", Buffer.alloc(14_628_807, "x"));
    writeIn(copy, "ratings_test.txt", Buffer.alloc(4_893_335, "x"));
    process.env.NSMC_DIR = copy;
    mkdirSync(join(root, "data", "sample"), { recursive: true });
    copyFileSync(
      join(__dirname, "..", "..", "data", "sample", "reviews.tsv"),
      join(root, "data", "sample", "reviews.tsv"),
    );
    expect(locateNsmc(root)?.dir).toBe(copy);
    const corpus = loadReviewCorpus({ root });
    expect(corpus.source).toBe("sample");
    expect(corpus.note).toContain(`NSMC in ${copy} cannot be read`);
    expect(corpus.note).toContain("does not start with the NSMC header");
    expect(corpus.note).toContain("npm run data");
  });

  it.skipIf(!NSMC_DIR)("finds a real copy in NSMC_DIR (needs NSMC_DIR)", () => {
    process.env.NSMC_DIR = NSMC_DIR as string;
    expect(locateNsmc(tempDir())).toMatchObject({ dir: NSMC_DIR, source: "NSMC_DIR" });
  });
});

describe("readNsmc on small files", () => {
  it("splits on tab only, so quotes stay in the document, and keeps empty documents", () => {
    const file = writeIn(tempDir(), "r.txt", 'id\tdocument\tlabel\n1\t"최고"다\t1\n2\t\t0\n3\t"그냥 "\t0\n');
    expect(readNsmc(file)).toEqual([
      { id: "1", document: '"최고"다', label: 1 },
      { id: "2", document: "", label: 0 },
      { id: "3", document: '"그냥 "', label: 0 },
    ]);
  });

  it("refuses a file without the NSMC header or with a damaged line", () => {
    const dir = tempDir();
    expect(() => readNsmc(writeIn(dir, "a.txt", "text\tlabel\n좋다\t1\n"))).toThrow(DatasetError);
    expect(() => readNsmc(writeIn(dir, "a.txt", "text\tlabel\n좋다\t1\n"))).toThrow(
      /does not start with the NSMC header/,
    );
    expect(() => readNsmc(writeIn(dir, "b.txt", "id\tdocument\tlabel\n1\t좋다\t1\n2\t별로\n"))).toThrow(
      /line 3 is not "id<TAB>document<TAB>0\|1"/,
    );
    expect(() => readNsmc(writeIn(dir, "c.txt", "id\tdocument\tlabel\n1\t좋다\t5\n"))).toThrow(/line 2/);
  });
});

describe.skipIf(!NSMC_DIR)("the real NSMC corpus (needs NSMC_DIR)", () => {
  const train = () => readNsmc(join(NSMC_DIR as string, "ratings_train.txt"));
  const test = () => readNsmc(join(NSMC_DIR as string, "ratings_test.txt"));

  it("has the known row counts, empties, duplicates and train/test overlap", () => {
    const trainRows = train();
    const testRows = test();
    const facts = corpusFacts(nsmcDataset("train", trainRows), nsmcDataset("test", testRows));
    expect(facts.train).toMatchObject({ rows: 150_000, empty: 5, duplicates: 3_817 });
    expect(facts.test).toMatchObject({ rows: 50_000, empty: 3, duplicates: 842 });
    expect(facts.testRowsInTrain).toBe(1_571);
    expect(facts.train.labels).toEqual({ "0": 75_173, "1": 74_827 });
  });

  it("keeps the 623 / 233 documents with quotes intact (split on tab, not parsed as CSV)", () => {
    const trainRows = train();
    const testRows = test();
    expect(trainRows.filter((row) => row.document.includes('"')).length).toBe(623);
    expect(testRows.filter((row) => row.document.includes('"')).length).toBe(233);
    // Every row's document is exactly the middle field of its raw line.
    const viaLoader = loadDataset(join(NSMC_DIR as string, "ratings_train.txt"));
    expect(viaLoader.texts).toEqual(trainRows.map((row) => row.document));
    expect(viaLoader.ids).toEqual(trainRows.map((row) => row.id));
    expect(viaLoader.labels).toEqual(trainRows.map((row) => String(row.label)));
  });
});
