/** Finds the lab notebooks and puts them in workshop order (1.1 < 2.1 < 2.10 < 3.1), not name order. */
import { readdirSync } from "node:fs";
import path from "node:path";

function labNumber(file: string): number[] | undefined {
  const match = /^(\d+(?:\.\d+)*)_/.exec(path.basename(file));
  return match?.[1]?.split(".").map(Number);
}

/** Numbered notebooks in numeric order; anything unnumbered after them, by path. */
export function compareLabPaths(a: string, b: string): number {
  const na = labNumber(a);
  const nb = labNumber(b);
  if (na && !nb) return -1;
  if (!na && nb) return 1;
  if (na && nb) {
    for (let i = 0; i < Math.max(na.length, nb.length); i++) {
      const d = (na[i] ?? -1) - (nb[i] ?? -1);
      if (d !== 0) return d;
    }
  }
  return a.localeCompare(b);
}

function walk(dir: string, found: string[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith(".")) continue; // .ipynb_checkpoints and the like
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full, found);
    else if (entry.isFile() && entry.name.endsWith(".ipynb")) found.push(full);
  }
}

/**
 * Every notebook under `labsDir`, in workshop order. With `filters`, only those whose path relative to `labsDir`
 * contains one of them (`["2.3", "3.1"]`).
 */
export function findLabNotebooks(labsDir: string, filters: string[] = []): string[] {
  const found: string[] = [];
  walk(labsDir, found);
  const wanted = found.filter(
    (file) => filters.length === 0 || filters.some((f) => path.relative(labsDir, file).includes(f)),
  );
  return wanted.sort((a, b) => compareLabPaths(path.relative(labsDir, a), path.relative(labsDir, b)));
}
