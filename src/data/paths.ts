import { isAbsolute, join, relative, resolve } from "node:path";
import { projectRoot } from "../project";

/** The root data paths hang off: the project, or `WORKSHOP_ROOT` (tests point it at a temporary workshop). */
export function workshopRoot(): string {
  const override = process.env.WORKSHOP_ROOT;
  return override ? resolve(override) : projectRoot();
}

export interface DataFolders {
  root: string;
  /** data/sample: the small review set we wrote ourselves; always present. */
  sample: string;
  /** data/custom: where users put their own datasets (git-ignored). */
  custom: string;
  /** data/nsmc: where `npm run data` downloads NSMC (git-ignored). */
  nsmc: string;
  /** data/prepared: the cleaned, split files the training labs read (git-ignored). */
  prepared: string;
}

export function dataFolders(root: string = workshopRoot()): DataFolders {
  const data = join(root, "data");
  return {
    root,
    sample: join(data, "sample"),
    custom: join(data, "custom"),
    nsmc: join(data, "nsmc"),
    prepared: join(data, "prepared"),
  };
}

/** The sample review set in NSMC's own layout (id, document, label). */
export function sampleReviewsPath(root: string = workshopRoot()): string {
  return join(dataFolders(root).sample, "reviews.tsv");
}

export interface PreparedDataPaths {
  train: string;
  validation: string;
  test: string;
  /** test texts as JSON Lines of {"inputs": "..."}, the batch-transform input. */
  testJsonl: string;
}

export function preparedDataPaths(root: string = workshopRoot()): PreparedDataPaths {
  const dir = dataFolders(root).prepared;
  return {
    train: join(dir, "train.tsv"),
    validation: join(dir, "validation.tsv"),
    test: join(dir, "test.tsv"),
    testJsonl: join(dir, "test.jsonl"),
  };
}

/** `file` relative to the project when it is inside it (what messages and tables show), else as given. */
export function displayPath(file: string, root: string = workshopRoot()): string {
  const inside = relative(root, file);
  return inside && !inside.startsWith("..") && !isAbsolute(inside) ? inside : file;
}
