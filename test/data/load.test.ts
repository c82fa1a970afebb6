import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DatasetError, loadDataset, sampleReviewsPath } from "../../src/data";
import { useTempDir, writeIn } from "./helpers";

const tempDir = useTempDir();

function loadError(file: string, options?: Parameters<typeof loadDataset>[1]): DatasetError {
  try {
    loadDataset(file, options);
  } catch (error) {
    expect(error).toBeInstanceOf(DatasetError);
    return error as DatasetError;
  }
  throw new Error(`loadDataset(${file}) did not throw`);
}

describe("loadDataset: the sample reviews in three formats", () => {
  const sampleDir = join(sampleReviewsPath(), "..");

  it("reads the TSV, CSV and JSONL variants to the same texts, with balanced labels", () => {
    const tsv = loadDataset(join(sampleDir, "reviews.tsv"));
    const csv = loadDataset(join(sampleDir, "reviews.csv"));
    const jsonl = loadDataset(join(sampleDir, "reviews.jsonl"));
    expect(tsv.texts.length).toBe(300);
    expect(csv.texts).toEqual(tsv.texts);
    expect(jsonl.texts).toEqual(tsv.texts);
    expect(tsv.ids?.[0]).toBe("s001");
    expect(new Set(tsv.labels)).toEqual(new Set(["0", "1"]));
    expect(new Set(csv.labels)).toEqual(new Set(["positive", "negative"]));
    expect(tsv.labels.filter((label) => label === "1").length).toBe(150);
    // CSV quoting round-trips commas: the TSV (which cannot quote) has the same text.
    expect(csv.texts.some((text) => text.includes(","))).toBe(true);
    csv.labels.forEach((label, i) => {
      expect(label === "positive" ? "1" : "0").toBe(tsv.labels[i]);
    });
  });

  it("takes explicit columns and an explicit format", () => {
    const dir = tempDir();
    const file = writeIn(dir, "reviews.data", "body;x\n");
    const tsv = writeIn(dir, "custom.data", "body\tstars\n좋아요\t5\n별로\t1\n");
    expect(loadDataset(tsv, { format: "tsv", textColumn: "body", labelColumn: "stars" })).toMatchObject({
      texts: ["좋아요", "별로"],
      labels: ["5", "1"],
    });
    expect(loadError(file).message).toMatch(
      /cannot tell the format from the extension "\.data".*\.csv, \.tsv or \.jsonl/,
    );
  });
});

describe("loadDataset: every bad input is a DatasetError naming the file, the problem and the fix", () => {
  it("missing column: lists the columns found", () => {
    const file = writeIn(tempDir(), "reviews.csv", "comment,score\n좋다,1\n나쁘다,0\n");
    const error = loadError(file);
    expect(error.message).toContain(file);
    expect(error.message).toContain("has no text column");
    expect(error.message).toContain('the columns found are: "comment", "score"');
    expect(error.message).toContain("textColumn");
    const chosen = loadError(file, { textColumn: "comment", labelColumn: "stars" });
    expect(chosen.message).toContain('has no label column "stars"');
    expect(chosen.message).toContain('"comment", "score"');
  });

  it("empty file, whitespace-only file, header without rows", () => {
    const dir = tempDir();
    expect(loadError(writeIn(dir, "empty.tsv", "")).message).toMatch(
      /empty\.tsv: the file is empty \(0 bytes\)/,
    );
    expect(loadError(writeIn(dir, "blank.csv", "\n  \n")).message).toMatch(
      /blank\.csv: the file holds only whitespace/,
    );
    expect(loadError(writeIn(dir, "header.tsv", "text\tlabel\n")).message).toMatch(
      /header \(text, label\) but no data rows/,
    );
  });

  it("not UTF-8: a CP949 file is refused with the line and how to convert it", () => {
    // "좋아요" in CP949 (EUC-KR): C1 C1 BE C6 BF E4
    const cp949 = Buffer.concat([
      Buffer.from("text,label\nok,1\n"),
      Buffer.from([0xc1, 0xc1, 0xbe, 0xc6, 0xbf, 0xe4]),
      Buffer.from(",0\n"),
    ]);
    const error = loadError(writeIn(tempDir(), "euckr.csv", cp949));
    expect(error.message).toContain("euckr.csv: is not valid UTF-8 text (first bad bytes on line 3)");
    expect(error.message).toContain("iconv -f CP949 -t UTF-8");
  });

  it("fewer than two labels", () => {
    const file = writeIn(
      tempDir(),
      "one.jsonl",
      '{"text": "좋다", "label": 1}\n{"text": "최고", "label": 1}\n',
    );
    expect(loadError(file).message).toMatch(
      /one\.jsonl: column "label" has only one label \("1" × 2\).*at least two classes/,
    );
  });

  it("blank label: names the row", () => {
    const dir = tempDir();
    const tsv = writeIn(dir, "blank.tsv", "text\tlabel\n좋다\t1\n별로\t \n최악\t0\n");
    expect(loadError(tsv).message).toMatch(
      /blank\.tsv: row 2 has a blank label in column "label" \(text: "별로"\)/,
    );
    const jsonl = writeIn(
      dir,
      "blank.jsonl",
      '{"text": "a", "label": "1"}\n{"text": "b", "label": null}\n{"text": "c"}\n',
    );
    expect(loadError(jsonl).message).toContain("row 2 has a blank label");
    const csv = writeIn(dir, "blank.csv", 'text,label\n"좋다, 정말",1\n별로,\n');
    expect(loadError(csv).message).toContain("row 2 has a blank label");
  });

  it("malformed rows: wrong TSV field count, broken CSV quoting, a JSONL line that is not an object", () => {
    const dir = tempDir();
    expect(loadError(writeIn(dir, "tabs.tsv", "text\tlabel\n좋다\t1\n나\t쁘\t0\n")).message).toMatch(
      /line 3 has 3 tab-separated fields, the header has 2/,
    );
    expect(loadError(writeIn(dir, "quote.csv", 'text,label\n"좋다,1\n')).message).toMatch(
      /is not well-formed CSV/,
    );
    expect(loadError(writeIn(dir, "bad.jsonl", '{"text": "a", "label": 1}\n[1, 2]\n')).message).toContain(
      "line 2 is not a JSON object",
    );
    expect(loadError(writeIn(dir, "bad2.jsonl", '{"text": "a", "label": 1}\n{"text": \n')).message).toContain(
      "line 2 is not valid JSON",
    );
  });

  it("a missing file says so", () => {
    expect(loadError(join(tempDir(), "nope.csv")).message).toMatch(/nope\.csv: file not found/);
  });
});

describe("loadDataset: what it keeps", () => {
  it("TSV does not interpret quotes; CSV does; a UTF-8 BOM and CRLF endings are accepted", () => {
    const dir = tempDir();
    const tsv = writeIn(dir, "q.tsv", 'text\tlabel\n"따옴표"로 시작\t1\n끝에 "따옴표\t0\n');
    expect(loadDataset(tsv).texts).toEqual(['"따옴표"로 시작', '끝에 "따옴표']);
    const csv = writeIn(
      dir,
      "bom.csv",
      '\uFEFFtext,label\r\n"그는 ""최고""라고, 말했다",1\r\n"두 줄\n리뷰",0\r\n',
    );
    expect(loadDataset(csv)).toMatchObject({
      texts: ['그는 "최고"라고, 말했다', "두 줄\n리뷰"],
      labels: ["1", "0"],
    });
  });

  it("auto-detects document/sentiment and other usual column names, case-insensitively", () => {
    const file = writeIn(tempDir(), "r.csv", "ID,Sentence,Sentiment\n1,좋다,pos\n2,싫다,neg\n");
    expect(loadDataset(file)).toMatchObject({ texts: ["좋다", "싫다"], labels: ["pos", "neg"] });
  });
});
