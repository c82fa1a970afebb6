import { cpSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadClassifier, ModelLoadError, trainClassifier } from "../../src/model";
import { toyReviews } from "./toy";

let root: string;
let good: string;

/** A fresh copy of the good model directory, for one test to damage. */
function copy(name: string): string {
  const dir = join(root, name);
  cpSync(good, dir, { recursive: true });
  return dir;
}

function editConfig(dir: string, edit: (c: Record<string, unknown>) => void): void {
  const path = join(dir, "config.json");
  const config = JSON.parse(readFileSync(path, "utf8"));
  edit(config);
  writeFileSync(path, JSON.stringify(config));
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "model-artifact-"));
  good = join(root, "good");
  trainClassifier(toyReviews(100), { hashBits: 12, epochs: 2 }).save(good);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("loadClassifier rejects damaged or foreign model directories", () => {
  it("loads the good one", () => {
    expect(loadClassifier(good).classify(["최고"])).toHaveLength(1);
  });

  it("a missing directory or config.json", () => {
    expect(() => loadClassifier(join(root, "nowhere"))).toThrow(/no such directory/);
    const dir = copy("no-config");
    rmSync(join(dir, "config.json"));
    expect(() => loadClassifier(dir)).toThrow(ModelLoadError);
    expect(() => loadClassifier(dir)).toThrow(/config\.json is missing/);
  });

  it("a truncated weights file, naming both sizes", () => {
    const dir = copy("truncated");
    truncateSync(join(dir, "weights.bin"), 1000);
    expect(() => loadClassifier(dir)).toThrow(
      /weights\.bin is 1000 bytes but this model needs 8216 .*truncated/,
    );
  });

  it("a corrupted weights file (same size, one byte changed) by its checksum", () => {
    const dir = copy("corrupted");
    const path = join(dir, "weights.bin");
    const bytes = readFileSync(path);
    bytes[5000] = (bytes[5000] as number) ^ 0xff;
    writeFileSync(path, bytes);
    expect(() => loadClassifier(dir)).toThrow(/SHA-256 check: the file is corrupted/);
  });

  it("a foreign file in place of the weights", () => {
    const dir = copy("foreign");
    const path = join(dir, "weights.bin");
    writeFileSync(path, Buffer.alloc(readFileSync(path).length, 0x41));
    expect(() => loadClassifier(dir)).toThrow(/does not start with "KONGRAMW": it is not a weights file/);
  });

  it("a config that is not JSON, from another architecture, or another format version", () => {
    const notJson = copy("not-json");
    writeFileSync(join(notJson, "config.json"), "{ nope");
    expect(() => loadClassifier(notJson)).toThrow(/config\.json is not valid JSON/);
    const hf = copy("hf");
    writeFileSync(
      join(hf, "config.json"),
      JSON.stringify({ architectures: ["ElectraForSequenceClassification"] }),
    );
    expect(() => loadClassifier(hf)).toThrow(
      /describes architecture "undefined", not "HashedNgramNBLogisticRegression"/,
    );
    const future = copy("future");
    editConfig(future, (c) => {
      c.formatVersion = 99;
    });
    expect(() => loadClassifier(future)).toThrow(
      /format version 99 is not supported \(this version reads 1\)/,
    );
  });

  it("a config whose sizes disagree with the weights", () => {
    const dir = copy("bits");
    editConfig(dir, (c) => {
      (c.features as Record<string, number>).hashBits = 13;
    });
    expect(() => loadClassifier(dir)).toThrow(/weights\.bin is 8216 bytes but this model needs 16408/);
  });
});
