/**
 * NSMC benchmark for the Korean sentiment classifier (`npm run bench:model`).
 *
 * Protocol, so the test set never chooses anything:
 *  1. carve a seeded 10% validation split from the 150,000 training rows; train on the other 90% with early
 *     stopping on validation loss: this picks the number of epochs (the other hyperparameters' defaults were
 *     chosen the same way, with --options);
 *  2. train on all 150,000 rows for that many epochs (timed: "train s");
 *  3. score once on the 50,000 test rows (timed: "predict s" is classify() over all of them).
 * Flags: --repeat N (repeat steps 2–3, best timing reported), --options JSON (hyperparameters),
 *        --validation-only (stop after step 1, for tuning).
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { nsmcDataset } from "../../src/data";
import {
  evaluateClassifier,
  loadClassifier,
  type TrainClassifierOptions,
  trainClassifier,
} from "../../src/model";
import { seededRandom, shuffledOrder } from "../../src/model/random";

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i === -1 ? undefined : process.argv[i + 1];
}

const nsmcDir = process.env.NSMC_DIR;
if (!nsmcDir) {
  console.error(
    "bench:model needs NSMC: set NSMC_DIR to a folder with ratings_train.txt and ratings_test.txt.",
  );
  process.exit(2);
}
const repeat = Number(argValue("--repeat") ?? "1");
const overrides = JSON.parse(argValue("--options") ?? "{}") as TrainClassifierOptions;
const validationOnly = process.argv.includes("--validation-only");

const train = nsmcDataset(join(nsmcDir, "ratings_train.txt"));
const test = nsmcDataset(join(nsmcDir, "ratings_test.txt"));
console.log(
  `machine: ${cpus().length} cores (${cpus()[0]?.model ?? "?"}), node ${process.version}, load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}`,
);
console.log(
  `data: ${train.texts.length} train rows, ${test.texts.length} test rows; options ${JSON.stringify(overrides)}`,
);

// Step 1: hold out 10% of the training rows (seeded) and let early stopping pick the epochs.
const order = shuffledOrder(train.texts.length, seededRandom(2024));
const held = Math.round(train.texts.length * 0.1);
const pick = (from: number, to: number) => ({
  texts: Array.from(order.subarray(from, to), (i) => train.texts[i] as string),
  labels: Array.from(order.subarray(from, to), (i) => train.labels[i] as string),
});
const validation = pick(0, held);
const fit = pick(held, train.texts.length);
const tuning = trainClassifier(fit, {
  epochs: 10,
  patience: 1,
  ...overrides,
  validation,
  onProgress: (p) => {
    if (p.phase === "epoch") {
      console.log(
        `  [validation run] epoch ${p.epoch}: loss ${p.loss?.toFixed(4)}, val loss ${p.validationLoss?.toFixed(4)}, val acc ${((p.validationAccuracy ?? 0) * 100).toFixed(2)}% (${p.seconds.toFixed(1)} s)`,
      );
    }
  },
});
const best = tuning.history[tuning.bestEpoch - 1];
console.log(
  `validation run: best epoch ${tuning.bestEpoch}, validation accuracy ${((best?.validationAccuracy ?? 0) * 100).toFixed(2)}% (${fit.texts.length} train / ${validation.texts.length} validation rows)`,
);
if (validationOnly) process.exit(0);

const cpuSeconds = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

interface Run {
  trainCpu: number;
  predictCpu: number;
  accuracy: number;
  macroF1: number;
  trainSeconds: number;
  predictSeconds: number;
  artifactMB: number;
}
const runs: Run[] = [];
for (let r = 0; r < repeat; r++) {
  // Step 2: all 150k rows, the epochs step 1 chose, no validation.
  const started = performance.now();
  const trainCpuStart = cpuSeconds();
  const model = trainClassifier(train, { ...overrides, epochs: tuning.bestEpoch, patience: 1000 });
  const trainSeconds = (performance.now() - started) / 1000;
  const trainCpu = cpuSeconds() - trainCpuStart;
  const dir = mkdtempSync(join(tmpdir(), "bench-model-"));
  model.save(dir);
  const artifactBytes = statSync(join(dir, "weights.bin")).size + statSync(join(dir, "config.json")).size;
  const loaded = loadClassifier(dir);
  rmSync(dir, { recursive: true, force: true });
  // Step 3: prediction timing, then the one score on the test set.
  const t = performance.now();
  const predictCpuStart = cpuSeconds();
  loaded.classify(test.texts);
  const predictSeconds = (performance.now() - t) / 1000;
  const predictCpu = cpuSeconds() - predictCpuStart;
  const report = evaluateClassifier(loaded, test);
  runs.push({
    accuracy: report.accuracy,
    macroF1: report.macro.f1,
    trainSeconds,
    predictSeconds,
    trainCpu,
    predictCpu,
    artifactMB: artifactBytes / 1e6,
  });
  console.log(
    `run ${r + 1}: accuracy ${(report.accuracy * 100).toFixed(2)}%, train ${trainSeconds.toFixed(1)} s wall / ${trainCpu.toFixed(1)} s CPU, predict ${predictSeconds.toFixed(2)} s wall / ${predictCpu.toFixed(2)} s CPU, load average ${loadavg()[0]?.toFixed(2)}`,
  );
}
const bestTrain = Math.min(...runs.map((r) => r.trainSeconds));
const bestPredict = Math.min(...runs.map((r) => r.predictSeconds));
const first = runs[0] as Run;
const peakRssMB = (process.resourceUsage().maxRSS * 1024) / 1e6;
const rows: [string, string, string][] = [
  ["accuracy (NSMC test, 50k)", `${(first.accuracy * 100).toFixed(2)}%`, "≥ 88.0%"],
  ["macro-F1", `${(first.macroF1 * 100).toFixed(2)}%`, ""],
  [`train s (150k, best of ${runs.length})`, bestTrain.toFixed(1), "≤ 30"],
  [`predict s (50k, best of ${runs.length})`, bestPredict.toFixed(2), "≤ 2"],
  [
    `train CPU s (best of ${runs.length}; the machine was shared: see load above)`,
    Math.min(...runs.map((r) => r.trainCpu)).toFixed(1),
    "",
  ],
  [`predict CPU s (best of ${runs.length})`, Math.min(...runs.map((r) => r.predictCpu)).toFixed(2), ""],
  ["reviews/s (predict)", Math.round(test.texts.length / bestPredict).toLocaleString("en-US"), ""],
  ["artifact MB", first.artifactMB.toFixed(1), "≤ 20"],
  ["peak RSS MB (whole bench)", peakRssMB.toFixed(0), ""],
];
console.log("\n| metric | value | target |\n|---|---|---|");
for (const [name, value, target] of rows) console.log(`| ${name} | ${value} | ${target} |`);
