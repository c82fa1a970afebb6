import { cpus, loadavg, totalmem } from "node:os";

/** What every benchmark prints beside its figures: the machine, how busy it was, and percentiles of its samples. */

/** "2 × Intel(R) Xeon(R) Processor, 23.5 GiB, Node v20.20.2, linux". */
export function machine(): string {
  const cpu = cpus();
  return `${cpu.length} × ${cpu[0]?.model ?? "unknown CPU"}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, ${process.platform}`;
}

/** The 1, 5 and 15 minute load averages: figures from a busy machine are read with them. */
export function loadAverage(): string {
  return loadavg()
    .map((load) => load.toFixed(2))
    .join(", ");
}

/** Nearest-rank percentile of the samples (any order). */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}
