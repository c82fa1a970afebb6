import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runModelCli } from "../../src/model/cli";
import { toyReviews } from "./toy";

let root: string;
const tsv = (data: { texts: string[]; labels: string[] }): string =>
  `id\tdocument\tlabel\n${data.texts.map((t, i) => `${i}\t${t}\t${data.labels[i]}`).join("\n")}\n`;

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await runModelCli(argv, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "model-cli-"));
  mkdirSync(join(root, "train"));
  // NSMC's own layout (id, document, label), split over two files in a folder.
  writeFileSync(join(root, "train", "a.txt"), tsv(toyReviews(150, 1)));
  writeFileSync(join(root, "train", "b.tsv"), tsv(toyReviews(150, 2)));
  writeFileSync(join(root, "test.tsv"), tsv(toyReviews(80, 3)));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("model CLI", () => {
  it("trains from a folder, evaluates with accuracy= as the last line, predicts one JSON per line", async () => {
    const model = join(root, "model");
    const train = await cli(
      "train",
      "--data",
      join(root, "train"),
      "--out",
      model,
      "--hash-bits",
      "14",
      "--epochs",
      "3",
      "--label-names",
      "0=negative,1=positive",
    );
    expect(train.code).toBe(0);
    expect(train.err).toMatch(/training on 300 rows/);
    expect(train.err).toMatch(/epoch 3\/3 \[#+\] loss/);
    expect(train.out).toMatch(/labels: negative, positive/);

    const evaluation = await cli("evaluate", "--model", model, "--data", join(root, "test.tsv"));
    expect(evaluation.code).toBe(0);
    const lines = evaluation.out.trimEnd().split("\n");
    expect(lines.at(-1)).toMatch(/^accuracy=(0\.\d{4}|1\.0000)$/);
    expect(Number(lines.at(-1)?.split("=")[1])).toBeGreaterThan(0.95);
    expect(evaluation.out).toMatch(/macro/);

    const predict = await cli("predict", "--model", model, "최고 명작", "최악 노잼");
    expect(predict.code).toBe(0);
    const results = predict.out
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(results.map((r) => r.label)).toEqual(["positive", "negative"]);
    const all = await cli("predict", "--model", model, "--all", "");
    expect(JSON.parse(all.out)).toHaveLength(2);
  });

  it("answers bad arguments with a message and the usage, exit code 2", async () => {
    const missing = await cli("train", "--data", join(root, "test.tsv"));
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/Missing --out\.[\s\S]*Usage:/);
    expect((await cli("train", "--data", "x", "--out", "y", "--epochs", "lots")).err).toMatch(
      /epochs must be an integer/,
    );
    expect((await cli("evaluate", "--model", "m", "--bogus", "1")).err).toMatch(/Unknown option --bogus/);
    expect((await cli("fly")).err).toMatch(/Unknown command "fly"/);
    expect((await cli()).code).toBe(2);
  });

  it("reports a missing model or data path clearly, exit code 1", async () => {
    const noModel = await cli("evaluate", "--model", join(root, "none"), "--data", join(root, "test.tsv"));
    expect(noModel.code).toBe(1);
    expect(noModel.err).toMatch(/Cannot load the model .* no such directory/);
    const noData = await cli("train", "--data", join(root, "nothing.tsv"), "--out", join(root, "m2"));
    expect(noData.err).toMatch(/Data path .*nothing\.tsv does not exist/);
  });
});
