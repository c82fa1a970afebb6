/**
 * Command line for the classifier (`npm run model:train|evaluate|predict -- ...`).
 * Errors print one clear line plus the usage and exit 2 (bad arguments) or 1 (the work failed).
 */
import { createInterface } from "node:readline";
import { loadModelDir as loadClassifier } from "./artifact";
import { type DataColumns, readLabelledTexts } from "./data-files";
import { type EvaluationReport, evaluateClassifier } from "./evaluate";
import { HYPERPARAMETER_FLAGS, isHyperparameter, parseHyperparameters } from "./hyperparameters";
import { trainClassifier } from "./train";
import type { TrainProgress } from "./types";

export const MODEL_CLI_USAGE = `Usage:
  npm run model:train -- --data FILE|DIR --out DIR [--validation FILE|DIR] [options]
  npm run model:evaluate -- --model DIR --data FILE|DIR [--mistakes N]
  npm run model:predict -- --model DIR [--all] [TEXT ...]    (no TEXT: one text per stdin line)

Data: TSV, CSV or JSON Lines with a text column (text|document|inputs|sentence|review) and a label column
(label|labels|sentiment), NSMC's ratings_*.txt included; choose others with --text-column / --label-column.
Training options: ${HYPERPARAMETER_FLAGS.map((f) => `--${f}`).join(" ")}
  e.g. --epochs 6 --learning-rate 0.15 --hash-bits 22 --label-names 0=negative,1=positive`;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

interface ParsedArgs {
  flags: Map<string, string>;
  switches: Set<string>;
  positionals: string[];
}

const SWITCHES = new Set(["all", "help", "quiet"]);

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const flags = new Map<string, string>();
  const switches = new Set<string>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith("--")) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    if (SWITCHES.has(name)) {
      switches.add(name);
      continue;
    }
    const value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined || (eq === -1 && value.startsWith("--"))) {
      throw new UsageError(`Option --${name} needs a value.`);
    }
    flags.set(name, value);
  }
  return { flags, switches, positionals };
}

function required(args: ParsedArgs, name: string): string {
  const value = args.flags.get(name);
  if (!value) throw new UsageError(`Missing --${name}.`);
  return value;
}

function columns(args: ParsedArgs): DataColumns {
  // Errors about columns name this CLI's flags, not loadDataset's options.
  const c: DataColumns = {
    optionNames: { textColumn: "--text-column <name>", labelColumn: "--label-column <name>", format: "" },
  };
  const text = args.flags.get("text-column");
  const label = args.flags.get("label-column");
  if (text) c.textColumn = text;
  if (label) c.labelColumn = label;
  return c;
}

function rejectUnknown(args: ParsedArgs, allowed: string[]): void {
  for (const name of args.flags.keys()) {
    if (!allowed.includes(name) && !isHyperparameter(name)) throw new UsageError(`Unknown option --${name}.`);
  }
}

/** One stderr line redrawn in place on a terminal, one line per epoch otherwise (logs stay readable). */
function progressLine(progress: TrainProgress, write: (s: string) => void, tty: boolean): void {
  if (progress.phase === "features") {
    write("cutting n-gram features ...\n");
    return;
  }
  if (progress.phase === "done") {
    if (tty) write("\n");
    write(`done in ${progress.seconds.toFixed(1)} s (best epoch ${progress.epoch})\n`);
    return;
  }
  const width = 20;
  const filled = Math.round((width * progress.epoch) / progress.epochs);
  const bar = `[${"#".repeat(filled)}${".".repeat(width - filled)}]`;
  const val =
    progress.validationAccuracy === undefined
      ? ""
      : ` val_loss ${progress.validationLoss?.toFixed(4)} val_acc ${(progress.validationAccuracy * 100).toFixed(2)}%`;
  const line = `epoch ${progress.epoch}/${progress.epochs} ${bar} loss ${progress.loss?.toFixed(4)}${val} ${progress.seconds.toFixed(1)}s`;
  write(tty ? `\r${line}` : `${line}\n`);
}

export function formatReport(report: EvaluationReport): string[] {
  const pct = (v: number): string => `${(v * 100).toFixed(2)}%`;
  const lines = [
    `samples: ${report.samples}  (${report.seconds.toFixed(2)} s, ${Math.round(report.samplesPerSecond)} reviews/s)`,
    `loss: ${report.loss.toFixed(4)}`,
    "label        precision  recall     f1         support",
  ];
  for (const c of report.perClass) {
    lines.push(
      `${c.label.padEnd(12)} ${pct(c.precision).padEnd(10)} ${pct(c.recall).padEnd(10)} ${pct(c.f1).padEnd(10)} ${c.support}`,
    );
  }
  lines.push(
    `${"macro".padEnd(12)} ${pct(report.macro.precision).padEnd(10)} ${pct(report.macro.recall).padEnd(10)} ${pct(report.macro.f1).padEnd(10)} ${report.samples}`,
  );
  lines.push(`confusion (rows gold, columns predicted: ${report.confusion.labels.join(", ")}):`);
  for (const [i, row] of report.confusion.matrix.entries()) {
    lines.push(
      `  ${(report.confusion.labels[i] as string).padEnd(12)} ${row.map((v) => String(v).padStart(7)).join(" ")}`,
    );
  }
  if (report.mistakes.length > 0) {
    lines.push("most confident mistakes:");
    for (const m of report.mistakes) {
      lines.push(`  ${m.score.toFixed(3)} gold ${m.gold} predicted ${m.predicted}: ${m.text.slice(0, 80)}`);
    }
  }
  lines.push(`accuracy=${report.accuracy.toFixed(4)}`);
  return lines;
}

async function readStdinLines(): Promise<string[]> {
  const lines: string[] = [];
  const rl = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of rl) lines.push(line);
  return lines;
}

export async function runModelCli(
  argv: readonly string[],
  io: { out: (s: string) => void; err: (s: string) => void; tty?: boolean } = {
    out: (s) => process.stdout.write(s),
    err: (s) => process.stderr.write(s),
    tty: process.stderr.isTTY,
  },
): Promise<number> {
  const [command, ...rest] = argv;
  try {
    const args = parseArgs(rest);
    if (args.switches.has("help") || command === "help" || command === undefined) {
      (command === undefined ? io.err : io.out)(`${MODEL_CLI_USAGE}\n`);
      return command === undefined ? 2 : 0;
    }
    if (command === "train") {
      rejectUnknown(args, ["data", "out", "validation", "text-column", "label-column"]);
      const data = required(args, "data");
      const out = required(args, "out");
      const raw = Object.fromEntries([...args.flags].filter(([k]) => isHyperparameter(k)));
      let options: ReturnType<typeof parseHyperparameters>["options"];
      try {
        options = parseHyperparameters(raw).options;
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
      const train = readLabelledTexts(data, columns(args));
      const validationPath = args.flags.get("validation");
      const validation = validationPath ? readLabelledTexts(validationPath, columns(args)) : undefined;
      io.err(
        `training on ${train.texts.length} rows from ${train.files.join(", ")}${validation ? `, validating on ${validation.texts.length}` : ""}\n`,
      );
      const model = trainClassifier(
        { texts: train.texts, labels: train.labels },
        {
          ...options,
          ...(validation ? { validation: { texts: validation.texts, labels: validation.labels } } : {}),
          onProgress: (p) => {
            if (!args.switches.has("quiet")) progressLine(p, io.err, io.tty === true);
          },
        },
      );
      model.save(out);
      io.out(
        `model saved to ${out} (labels: ${Object.values(model.classifier.config.id2label).join(", ")})\n`,
      );
      return 0;
    }
    if (command === "evaluate") {
      rejectUnknown(args, ["model", "data", "mistakes", "text-column", "label-column"]);
      const classifier = loadClassifier(required(args, "model"));
      const data = readLabelledTexts(required(args, "data"), columns(args));
      const mistakes = Number(args.flags.get("mistakes") ?? "5");
      if (!Number.isInteger(mistakes) || mistakes < 0)
        throw new UsageError("--mistakes must be a whole number.");
      const report = evaluateClassifier(classifier, { texts: data.texts, labels: data.labels }, { mistakes });
      io.out(`${formatReport(report).join("\n")}\n`);
      return 0;
    }
    if (command === "predict") {
      rejectUnknown(args, ["model"]);
      const classifier = loadClassifier(required(args, "model"));
      const texts = args.positionals.length > 0 ? args.positionals : await readStdinLines();
      const results = args.switches.has("all") ? classifier.classifyAll(texts) : classifier.classify(texts);
      for (const r of results) io.out(`${JSON.stringify(r)}\n`);
      return 0;
    }
    throw new UsageError(`Unknown command "${command}": use train, evaluate or predict.`);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof UsageError) {
      io.err(`error: ${message}\n\n${MODEL_CLI_USAGE}\n`);
      return 2;
    }
    io.err(`error: ${message}\n`);
    return 1;
  }
}

if (require.main === module) {
  runModelCli(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
