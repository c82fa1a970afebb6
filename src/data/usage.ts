/**
 * Which data a notebook actually used, so the lab runner's summary can tell the truth (NSMC, the sample reviews
 * standing in for it, or a user's file). The loaders record it here; the runner's notebook process reads it after
 * every cell. The record lives on globalThis so every copy of this module in the process shares it.
 */

export interface DataUse {
  /** nsmc: the corpus itself; sample: data/sample standing in for NSMC; custom: a dataset file of the user's. */
  kind: "nsmc" | "sample" | "custom";
  /** The file or folder, relative to the project when inside it. */
  source: string;
  /** Rows used (after quick-mode subsetting, when known). */
  rows?: number;
  quick?: boolean;
}

const KEY = Symbol.for("ko-sagemaker.data-uses");

function registry(): DataUse[] {
  const holder = globalThis as { [KEY]?: DataUse[] };
  holder[KEY] ??= [];
  return holder[KEY];
}

/** Notes a use; the same kind and source recorded again replaces the earlier entry. */
export function recordDataUse(use: DataUse): void {
  const list = registry();
  const index = list.findIndex((u) => u.kind === use.kind && u.source === use.source);
  if (index === -1) list.push(use);
  else list[index] = use;
}

/** Everything recorded in this process, in order. */
export function dataUses(): DataUse[] {
  return [...registry()];
}

/**
 * One short phrase for a summary table: "NSMC", "NSMC (quick)", "sample (quick)", "data/sample-topics/reviews.tsv".
 * NSMC and the sample set are named once each, "(quick)" when any use of them was a quick-mode subset.
 */
export function describeDataUses(uses: readonly DataUse[]): string {
  if (uses.length === 0) return "-";
  const phrases: string[] = [];
  for (const kind of ["nsmc", "sample"] as const) {
    const ofKind = uses.filter((use) => use.kind === kind);
    if (ofKind.length === 0) continue;
    const name = kind === "nsmc" ? "NSMC" : "sample";
    phrases.push(ofKind.some((use) => use.quick) ? `${name} (quick)` : name);
  }
  for (const use of uses)
    if (use.kind === "custom") phrases.push(`${use.source}${use.quick ? " (quick)" : ""}`);
  return [...new Set(phrases)].join(", ");
}
