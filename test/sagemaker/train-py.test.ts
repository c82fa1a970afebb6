import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The AWS-path training script cannot train here (no torch, no GPU, no Hub), so this checks what a broken
 * script would fail on before a paid job starts: syntax, argument parsing (booleans!), and the data reader.
 */
const scripts = resolve(__dirname, "../../labs/3_Training/scripts");
const hasPython = spawnSync("python3", ["--version"]).status === 0;

function python(
  code: string,
  env: NodeJS.ProcessEnv = {},
): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync("python3", ["-B", "-c", code], {
    cwd: scripts,
    encoding: "utf8",
    env: { ...process.env, ...env },
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

const parse = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  python(`import json, train; print(json.dumps(vars(train.parse_args(${JSON.stringify(args)}))))`, env);

describe.skipIf(!hasPython)("train.py for the Hugging Face training DLC", () => {
  it("compiles, and --help works without torch or transformers installed", () => {
    expect(python("compile(open('train.py', encoding='utf-8').read(), 'train.py', 'exec')").status).toBe(0);
    const help = spawnSync("python3", ["-B", "train.py", "--help"], { cwd: scripts, encoding: "utf8" });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("--max_length");
  });

  it('parses booleans the way SageMaker passes them ("False" is false, unlike type=bool)', () => {
    for (const [text, expected] of [
      ["False", false],
      ["false", false],
      ["0", false],
      ["True", true],
      ["true", true],
    ] as const) {
      const run = parse(["--fp16", text]);
      expect(run.status, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout).fp16).toBe(expected);
    }
    const bad = parse(["--fp16", "maybe"]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("expected a boolean");
  });

  it("defaults to KoELECTRA-small v3, max length 128, and the SageMaker folders", () => {
    const run = parse([], {
      SM_CHANNEL_TRAIN: "/opt/ml/input/data/train",
      SM_MODEL_DIR: "/opt/ml/model",
      SM_NUM_GPUS: "1",
    });
    expect(JSON.parse(run.stdout)).toMatchObject({
      model_id: "monologg/koelectra-small-v3-discriminator",
      max_length: 128,
      train_dir: "/opt/ml/input/data/train",
      validation_dir: "/opt/ml/input/data/train",
      model_dir: "/opt/ml/model",
      n_gpus: 1,
    });
    expect(parse(["--max_length", "1024"]).stderr).toContain("out of range");
  });

  it("reads the lab 3.1 TSV by splitting on the tab, quotes and all, and names a broken line", () => {
    const folder = mkdtempSync(join(tmpdir(), "ko-train-py-"));
    writeFileSync(join(folder, "ok.tsv"), 'text\tlabel\n"따옴표" 그대로\t1\n별로\t0\n');
    writeFileSync(join(folder, "bad.tsv"), "text\tlabel\n라벨 없음\n");
    const ok = python(
      `import json, train; print(json.dumps(train.read_tsv(${JSON.stringify(join(folder, "ok.tsv"))}), ensure_ascii=False))`,
    );
    expect(JSON.parse(ok.stdout)).toEqual({ text: ['"따옴표" 그대로', "별로"], label: ["1", "0"] });
    const bad = python(`import train; train.read_tsv(${JSON.stringify(join(folder, "bad.tsv"))})`);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain("bad.tsv:2: expected 'text<TAB>label'");
  });

  it("names NSMC's 0/1 with --label_names and numbers other labels in sorted order", () => {
    const run = python(`
import json, train
binary, to_id = train.label_space(["1", "0", "1"], '{"0": "부정", "1": "긍정"}')
topics, topic_id = train.label_space(["travel", "food", "movie", "food"], "{}")
try:
    topic_id("sports", "validation row 3")
    unseen = ""
except ValueError as error:
    unseen = str(error)
print(json.dumps({"binary": binary, "one": to_id("1", "x"), "topics": topics, "movie": topic_id("movie", "x"), "unseen": unseen}, ensure_ascii=False))
`);
    expect(JSON.parse(run.stdout)).toEqual({
      binary: ["부정", "긍정"],
      one: 1,
      topics: ["food", "movie", "travel"],
      movie: 1,
      unseen: "validation row 3: label 'sports' does not occur in the training data (food, movie, travel)",
    });
  });
});
