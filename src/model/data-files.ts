/** A training source given as one file or a folder of them (a SageMaker channel is a folder). */
import { readdirSync, statSync } from "node:fs";
import { extname, join } from "node:path";
import { resolveKnobPath, whereLooked } from "../common/knob-path";
import { type LoadDatasetOptions, loadDataset } from "../data/load";
import type { LabelledTexts } from "./types";

export const DATA_EXTENSIONS = [".tsv", ".csv", ".jsonl", ".ndjson", ".txt"];

export interface DataColumns {
  textColumn?: string;
  labelColumn?: string;
  /** How the caller's user names the column choices (a CLI's flags), for error messages. */
  optionNames?: LoadDatasetOptions["optionNames"];
}

/** Files the path stands for: itself, or the data files directly inside the folder, by name. */
export function dataFilesIn(given: string): string[] {
  const path = resolveKnobPath(given);
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(path);
  } catch {
    throw new Error(
      `Data path ${given} does not exist (${whereLooked(given)}). Pass a TSV/CSV/JSONL file or a folder holding them.`,
    );
  }
  if (!stat.isDirectory()) return [path];
  const files = readdirSync(path)
    .filter((name) => !name.startsWith(".") && DATA_EXTENSIONS.includes(extname(name).toLowerCase()))
    .sort()
    .map((name) => join(path, name))
    .filter((file) => statSync(file).isFile());
  if (files.length === 0) {
    throw new Error(
      `Folder ${path} holds no data files (${DATA_EXTENSIONS.join(", ")}). Put the training data there as TSV, CSV or JSON Lines with text and label columns.`,
    );
  }
  return files;
}

/** Every row of every file, in file-name order. */
export function readLabelledTexts(
  path: string,
  columns: DataColumns = {},
): LabelledTexts & { files: string[] } {
  const files = dataFilesIn(path);
  const texts: string[] = [];
  const labels: string[] = [];
  for (const file of files) {
    const options: LoadDatasetOptions = {};
    if (columns.textColumn) options.textColumn = columns.textColumn;
    if (columns.labelColumn) options.labelColumn = columns.labelColumn;
    if (columns.optionNames) options.optionNames = columns.optionNames;
    const data = loadDataset(file, options);
    for (let i = 0; i < data.texts.length; i++) {
      texts.push(data.texts[i] as string);
      labels.push(data.labels[i] as string);
    }
  }
  return { texts, labels, files };
}
