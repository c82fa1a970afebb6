import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { loadClassifier, runSageMakerTraining } from "../../src/model";
import { toyReviews } from "./toy";

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

/** A job folder laid out like /opt/ml, with the SM_* variables the training toolkit sets. */
function jobFolder(channels: Record<string, string>): { root: string; env: NodeJS.ProcessEnv } {
  const root = mkdtempSync(join(tmpdir(), "sm-job-"));
  roots.push(root);
  const env: NodeJS.ProcessEnv = {
    SM_MODEL_DIR: join(root, "model"),
    SM_OUTPUT_DIR: join(root, "output"),
    SM_OUTPUT_DATA_DIR: join(root, "output", "data"),
    SM_CHANNELS: JSON.stringify(Object.keys(channels)),
  };
  mkdirSync(join(root, "model"), { recursive: true });
  for (const [name, content] of Object.entries(channels)) {
    const dir = join(root, "input", "data", name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${name}.tsv`), content);
    env[`SM_CHANNEL_${name.toUpperCase()}`] = dir;
  }
  return { root, env };
}

const tsv = (data: { texts: string[]; labels: string[] }): string =>
  `text\tlabel\n${data.texts.map((t, i) => `${t}\t${data.labels[i]}`).join("\n")}\n`;

async function captured(run: () => Promise<number>): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  const err = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  try {
    const code = await run();
    return { code, out: lines.join("") };
  } finally {
    spy.mockRestore();
    err.mockRestore();
  }
}

describe("runSageMakerTraining (training toolkit contract)", () => {
  it("trains from the channels, writes the model dir, evaluation.json and metric lines", async () => {
    const { env } = jobFolder({
      train: tsv(toyReviews(300, 1)),
      validation: tsv(toyReviews(100, 5)),
      test: tsv(toyReviews(100, 9)),
    });
    const { code, out } = await captured(() =>
      runSageMakerTraining(
        ["--epochs", "3", "--hash_bits", "14", "--label-names", "0=negative,1=positive", "--model_name", "x"],
        {
          ...env,
          SM_HPS: JSON.stringify({ epochs: 9, learning_rate: 0.2 }),
        },
      ),
    );
    expect(code).toBe(0);
    const modelDir = env.SM_MODEL_DIR as string;
    const classifier = loadClassifier(modelDir);
    expect(classifier.config.training).toMatchObject({
      learningRate: 0.2,
      trainSamples: 300,
      validationSamples: 100,
    });
    expect(classifier.config.features.hashBits).toBe(14);
    expect(classifier.classify(["최고 명작"])[0]?.label).toBe("positive");
    const evaluation = JSON.parse(readFileSync(join(modelDir, "evaluation.json"), "utf8"));
    for (const key of [
      "eval_accuracy",
      "eval_f1",
      "eval_loss",
      "eval_precision",
      "eval_recall",
      "eval_runtime",
      "eval_samples_per_second",
      "epoch",
    ]) {
      expect(evaluation[key], key).toEqual(expect.any(Number));
    }
    expect(evaluation.eval_split).toBe("test");
    expect(evaluation.eval_accuracy).toBeGreaterThan(0.95);
    // Arguments win over SM_HPS: 3 epochs at most.
    expect(out).not.toMatch(/epoch=4;/);
    expect(out).toMatch(/^epoch=1; loss=[0-9.]+; eval_loss=[0-9.]+; eval_accuracy=[0-9.]+;$/m);
    expect(out).toMatch(/eval_accuracy=(0\.\d{4}|1);/);
    expect(out).toMatch(/ignoring hyperparameters this model does not use: model_name/);
    expect(existsSync(join(env.SM_OUTPUT_DIR as string, "failure"))).toBe(false);
  });

  it("holds out part of the train channel when there is no validation channel", async () => {
    const { env } = jobFolder({ train: tsv(toyReviews(200, 3)) });
    const { code, out } = await captured(() =>
      runSageMakerTraining(["--hash-bits", "12", "--epochs", "2"], env),
    );
    expect(code).toBe(0);
    expect(out).toMatch(/holding out 20 training rows/);
    expect(
      JSON.parse(readFileSync(join(env.SM_MODEL_DIR as string, "evaluation.json"), "utf8")).eval_split,
    ).toBe("validation");
  });

  it("writes the reason to output/failure and returns non-zero on bad data or bad hyperparameters", async () => {
    const bad = jobFolder({ train: "just some words\nwithout columns\n" });
    const first = await captured(() => runSageMakerTraining([], bad.env));
    expect(first.code).not.toBe(0);
    expect(readFileSync(join(bad.env.SM_OUTPUT_DIR as string, "failure"), "utf8")).toMatch(/train\.tsv/);

    const hp = jobFolder({ train: tsv(toyReviews(50)) });
    expect((await captured(() => runSageMakerTraining(["--epochs", "many"], hp.env))).code).toBe(1);
    expect(readFileSync(join(hp.env.SM_OUTPUT_DIR as string, "failure"), "utf8")).toBe(
      'Hyperparameter epochs must be an integer; got "many".',
    );

    const none = jobFolder({});
    expect((await captured(() => runSageMakerTraining([], none.env))).code).toBe(1);
    expect(readFileSync(join(none.env.SM_OUTPUT_DIR as string, "failure"), "utf8")).toMatch(
      /SM_CHANNEL_TRAIN is not set/,
    );
  });

  it("runs standalone as a script with the SM_* variables", () => {
    const { env } = jobFolder({ train: tsv(toyReviews(120, 4)) });
    const root = resolve(__dirname, "../..");
    const result = spawnSync(
      process.execPath,
      [
        join(root, "node_modules/tsx/dist/cli.mjs"),
        join(root, "src/model/sagemaker-train.ts"),
        "--epochs",
        "2",
        "--hash_bits",
        "12",
      ],
      { env: { ...process.env, ...env }, encoding: "utf8", timeout: 60_000 },
    );
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/eval_accuracy=/);
    expect(existsSync(join(env.SM_MODEL_DIR as string, "weights.bin"))).toBe(true);
  });
});
