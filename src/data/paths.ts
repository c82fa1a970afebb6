import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

const PACKAGE_NAME = "ko-sagemaker";

/**
 * The project root that data paths hang off. `WORKSHOP_ROOT` overrides it; otherwise we walk up from this
 * file until we meet our own package.json, which works from `src/data` (tsx, vitest) and `dist/data` alike.
 */
export function workshopRoot(): string {
  const override = process.env.WORKSHOP_ROOT;
  if (override) return resolve(override);
  let dir = __dirname;
  for (;;) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest) && readPackageName(manifest) === PACKAGE_NAME) return dir;
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error(`Cannot find the ${PACKAGE_NAME} project root above ${__dirname}; set WORKSHOP_ROOT.`);
    dir = parent;
  }
}

function readPackageName(manifest: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name;
  } catch {
    return undefined;
  }
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
