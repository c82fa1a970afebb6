import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadDataset, writeCsv, writeJsonl, writeTsv } from "../../src/data";
import { useTempDir } from "./helpers";

const tempDir = useTempDir();

const awkward = [
  { text: "쉼표, 있는 리뷰", label: 1 },
  { text: '그는 "최고"라고 했다', label: 0 },
  { text: "두 줄\n리뷰", label: 1 },
  { text: "탭\t들어간 리뷰", label: 0 },
  { text: '"', label: 1 },
  { text: "😀 emoji, English & 한글", label: 0 },
];

describe("writers round-trip through loadDataset", () => {
  it("CSV quotes commas, quotes and newlines, and reads back exactly", () => {
    const file = join(tempDir(), "out", "rows.csv");
    writeCsv(file, awkward);
    const back = loadDataset(file);
    expect(back.texts).toEqual(awkward.map((row) => row.text));
    expect(back.labels).toEqual(awkward.map((row) => String(row.label)));
    expect(readFileSync(file, "utf8").split("\n")[0]).toBe("text,label");
  });

  it("TSV keeps quotes and commas as they are and turns tabs and line breaks into spaces", () => {
    const file = join(tempDir(), "rows.tsv");
    writeTsv(file, awkward);
    const content = readFileSync(file, "utf8");
    expect(content.startsWith("text\tlabel\n")).toBe(true);
    expect(content.trimEnd().split("\n")).toHaveLength(awkward.length + 1);
    const back = loadDataset(file);
    expect(back.texts).toEqual([
      "쉼표, 있는 리뷰",
      '그는 "최고"라고 했다',
      "두 줄 리뷰",
      "탭 들어간 리뷰",
      '"',
      "😀 emoji, English & 한글",
    ]);
    expect(back.labels).toEqual(["1", "0", "1", "0", "1", "0"]);
  });

  it("JSONL writes one object per line that JSON.parse and loadDataset read back", () => {
    const file = join(tempDir(), "rows.jsonl");
    writeJsonl(
      file,
      awkward.map((row) => ({ inputs: row.text, label: row.label })),
    );
    const lines = readFileSync(file, "utf8").split("\n");
    expect(lines.pop()).toBe("");
    expect(lines.map((line) => JSON.parse(line).inputs)).toEqual(awkward.map((row) => row.text));
    expect(loadDataset(file).texts).toEqual(awkward.map((row) => row.text));
  });

  it("writes atomically: no temporary file is left beside the result", () => {
    const dir = tempDir();
    writeTsv(join(dir, "a.tsv"), awkward);
    writeCsv(join(dir, "a.csv"), awkward);
    writeJsonl(join(dir, "a.jsonl"), [{ inputs: "x" }]);
    expect(readdirSync(dir).sort()).toEqual(["a.csv", "a.jsonl", "a.tsv"]);
  });
});
