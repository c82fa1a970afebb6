/**
 * SageMaker training entry point: follows the training toolkit contract so a SageMaker training job (local or
 * real) runs it unchanged.
 *
 *  in:  SM_CHANNEL_TRAIN (folder of TSV/CSV/JSONL), optional SM_CHANNEL_VALIDATION / SM_CHANNEL_TEST;
 *       hyperparameters as `--key value` arguments and/or SM_HPS (JSON); arguments win.
 *  out: the model directory in SM_MODEL_DIR, with evaluation.json (Hugging Face Trainer metric names);
 *       metric lines on stdout (`epoch=1; loss=0.31; eval_loss=0.29; eval_accuracy=0.8812;`);
 *       on failure the reason in ${SM_OUTPUT_DIR}/failure and a non-zero exit code.
 *
 * Extra hyperparameters: text_column, label_column, validation_fraction (share of the training rows held out
 * for early stopping when there is no validation channel; default 0.1, 0 trains on everything).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readLabelledTexts } from "./data-files";
import { evaluateClassifier } from "./evaluate";
import { canonicalKey, parseHyperparameters } from "./hyperparameters";
import { seededRandom, shuffledOrder } from "./random";
import { trainClassifier } from "./train";
import type { LabelledTexts } from "./types";

export const EVALUATION_FILE = "evaluation.json";

const ENTRY_KEYS = new Set(["textcolumn", "labelcolumn", "validationfraction"]);

/** `--key value` / `--key=value` pairs; a flag followed by another flag (or nothing) means true. */
function argvPairs(argv: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith("--"))
      throw new Error(`Unexpected argument "${arg}": hyperparameters come as --key value.`);
    const eq = arg.indexOf("=");
    if (eq !== -1) {
      out[arg.slice(2, eq)] = arg.slice(eq + 1);
      continue;
    }
    const next = argv[i + 1];
    if (next === undefined || next.startsWith("--")) out[arg.slice(2)] = "true";
    else {
      out[arg.slice(2)] = next;
      i++;
    }
  }
  return out;
}

function hpsFromEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  if (!env.SM_HPS) return {};
  try {
    const parsed: unknown = JSON.parse(env.SM_HPS);
    if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new Error(`SM_HPS is not a JSON object: ${env.SM_HPS.slice(0, 200)}`);
}

function carve(
  data: LabelledTexts,
  fraction: number,
  seed: number,
): { train: LabelledTexts; validation: LabelledTexts } {
  const order = shuffledOrder(data.texts.length, seededRandom(seed));
  const held = Math.round(data.texts.length * fraction);
  const take = (idx: Uint32Array): LabelledTexts => ({
    texts: Array.from(idx, (i) => data.texts[i] as string),
    labels: Array.from(idx, (i) => data.labels[i] as string),
  });
  return { validation: take(order.subarray(0, held)), train: take(order.subarray(held)) };
}

const fmt = (v: number): string => (Number.isInteger(v) ? String(v) : v.toFixed(4));

export async function runSageMakerTraining(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const log = (line: string): void => {
    process.stdout.write(`${line}\n`);
  };
  const outputDir = env.SM_OUTPUT_DIR ?? "/opt/ml/output";
  try {
    const raw: Record<string, unknown> = { ...hpsFromEnv(env), ...argvPairs(argv) };
    const entry: Record<string, string> = {};
    const hyper: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(raw)) {
      if (ENTRY_KEYS.has(canonicalKey(k))) entry[canonicalKey(k)] = String(v).replace(/^"(.*)"$/, "$1");
      else hyper[k] = v;
    }
    const { options, unknown } = parseHyperparameters(hyper);
    if (unknown.length > 0) log(`ignoring hyperparameters this model does not use: ${unknown.join(", ")}`);
    const modelDir = env.SM_MODEL_DIR;
    const trainPath = env.SM_CHANNEL_TRAIN;
    if (!modelDir) throw new Error("SM_MODEL_DIR is not set: the toolkit must say where the model goes.");
    if (!trainPath) throw new Error("SM_CHANNEL_TRAIN is not set: the job needs a 'train' input channel.");
    const columns = {
      ...(entry.textcolumn ? { textColumn: entry.textcolumn } : {}),
      ...(entry.labelcolumn ? { labelColumn: entry.labelcolumn } : {}),
      optionNames: {
        textColumn: "the text_column hyperparameter",
        labelColumn: "the label_column hyperparameter",
        format: "",
      },
    };
    const all = readLabelledTexts(trainPath, columns);
    log(`train channel: ${all.texts.length} rows from ${all.files.length} file(s)`);
    let train: LabelledTexts = all;
    let validation: LabelledTexts | undefined;
    if (env.SM_CHANNEL_VALIDATION) {
      validation = readLabelledTexts(env.SM_CHANNEL_VALIDATION, columns);
      log(`validation channel: ${validation.texts.length} rows`);
    } else {
      const fraction = entry.validationfraction === undefined ? 0.1 : Number(entry.validationfraction);
      if (!Number.isFinite(fraction) || fraction < 0 || fraction >= 1) {
        throw new Error(
          `validation_fraction must be a number from 0 to below 1; got "${entry.validationfraction}".`,
        );
      }
      if (fraction > 0 && all.texts.length >= 20) {
        ({ train, validation } = carve(all, fraction, options.seed ?? 42));
        log(`no validation channel: holding out ${validation.texts.length} training rows for early stopping`);
      }
    }
    const model = trainClassifier(train, {
      ...options,
      ...(validation ? { validation } : {}),
      onProgress: (p) => {
        if (p.phase !== "epoch") return;
        const parts = [`epoch=${p.epoch}`, `loss=${fmt(p.loss ?? 0)}`];
        if (p.validationLoss !== undefined) parts.push(`eval_loss=${fmt(p.validationLoss)}`);
        if (p.validationAccuracy !== undefined) parts.push(`eval_accuracy=${fmt(p.validationAccuracy)}`);
        log(`${parts.join("; ")};`);
      },
    });
    model.save(modelDir);
    const evalData = env.SM_CHANNEL_TEST
      ? readLabelledTexts(env.SM_CHANNEL_TEST, columns)
      : (validation ?? train);
    const evalName = env.SM_CHANNEL_TEST ? "test" : validation ? "validation" : "train";
    const report = evaluateClassifier(model.classifier, evalData, { mistakes: 0 });
    const metrics = {
      eval_accuracy: report.accuracy,
      eval_f1: report.macro.f1,
      eval_loss: report.loss,
      eval_precision: report.macro.precision,
      eval_recall: report.macro.recall,
      eval_runtime: report.seconds,
      eval_samples_per_second: report.samplesPerSecond,
      eval_samples: report.samples,
      eval_split: evalName,
      epoch: model.bestEpoch,
    };
    writeFileSync(join(modelDir, EVALUATION_FILE), `${JSON.stringify(metrics, null, 2)}\n`);
    log(
      `final (${evalName}): eval_accuracy=${fmt(report.accuracy)}; eval_f1=${fmt(report.macro.f1)}; eval_loss=${fmt(report.loss)}; eval_precision=${fmt(report.macro.precision)}; eval_recall=${fmt(report.macro.recall)}; train_runtime=${fmt(model.trainSeconds)};`,
    );
    log(`model saved to ${modelDir}`);
    return 0;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`training failed: ${message}\n`);
    try {
      mkdirSync(outputDir, { recursive: true });
      writeFileSync(join(outputDir, "failure"), message);
    } catch (writeError) {
      process.stderr.write(
        `could not write ${join(outputDir, "failure")}: ${(writeError as Error).message}\n`,
      );
    }
    return 1;
  }
}

if (require.main === module) {
  runSageMakerTraining(process.argv.slice(2), process.env).then((code) => {
    process.exitCode = code;
  });
}
