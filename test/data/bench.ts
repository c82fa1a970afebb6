/**
 * Data-layer timings on the real corpus: `npx tsx test/data/bench.ts` (needs NSMC_DIR).
 * Prints figures; asserts nothing (timings belong here, not in tests that would flake on a busy machine).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  distinctiveNgrams,
  loadDataset,
  NSMC_FILES,
  nsmcDataset,
  prepareNsmc,
  readNsmc,
  verifyChecksum,
  workshopRoot,
} from "../../src/data";

const dir = process.env.NSMC_DIR;
if (!dir) {
  console.error("Set NSMC_DIR to a folder with ratings_train.txt and ratings_test.txt.");
  process.exit(1);
}

/** Median of `runs` timings in milliseconds. */
async function time(label: string, runs: number, work: () => unknown): Promise<void> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await work();
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  const median = samples[Math.floor(samples.length / 2)] as number;
  console.log(`${label.padEnd(52)} ${median.toFixed(0).padStart(6)} ms  (median of ${runs})`);
}

async function main(): Promise<void> {
  const train = join(dir as string, "ratings_train.txt");
  const root = mkdtempSync(join(tmpdir(), "ko-data-bench-"));
  try {
    await time("loadDataset(ratings_train.txt) 150,000 rows", 5, () => loadDataset(train));
    await time("readNsmc(ratings_train.txt)", 5, () => readNsmc(train));
    await time("verifyChecksum both files (SHA-256, 19 MB)", 3, () =>
      Promise.all(NSMC_FILES.map((file) => verifyChecksum(join(dir as string, file.name), file.sha256))),
    );
    await time("prepareNsmc full (read, clean, split, write)", 3, () => prepareNsmc({ root, quick: false }));
    await time("prepareNsmc quick (6,000 / 2,000 rows)", 3, () => prepareNsmc({ root, quick: true }));
    const dataset = nsmcDataset(train);
    await time("distinctiveNgrams 2-3 grams, 150,000 reviews", 1, () => distinctiveNgrams(dataset));
    await time("node -e 'require(\"./dist\")' (whole package)", 3, () =>
      execFileSync(process.execPath, ["-e", 'require("./dist")'], { cwd: workshopRoot() }),
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

void main();
