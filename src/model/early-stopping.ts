/**
 * The early-stopping rule made visible: an epoch counts as better only when its validation loss is lower than the
 * best so far by more than `minDelta`; after `patience` epochs without such an improvement training stops, and
 * the weights of the best epoch are kept. So "best epoch 5" while epoch 6 shows a slightly lower loss is the rule
 * at work, and these rows say it next to the numbers.
 */
import { DEFAULT_TRAIN_OPTIONS } from "./train";
import type { EpochRecord } from "./types";

export interface EpochVerdict {
  epoch: number;
  loss: number;
  validationLoss?: number;
  validationAccuracy?: number;
  /** validation loss minus the best loss before this epoch (negative: lower) */
  change?: number;
  /** counted as an improvement (lower than the best so far by more than minDelta) */
  improved: boolean;
  /** the epoch whose weights the model keeps */
  kept: boolean;
  /** the rule's reading of this epoch, in English */
  verdict: string;
  /** the same in Korean, for the labs' tables */
  verdictKo: string;
}

export function earlyStoppingVerdicts(
  history: readonly EpochRecord[],
  options: { minDelta?: number; patience?: number } = {},
): EpochVerdict[] {
  const minDelta = options.minDelta ?? DEFAULT_TRAIN_OPTIONS.minDelta;
  const patience = options.patience ?? DEFAULT_TRAIN_OPTIONS.patience;
  let best = Number.POSITIVE_INFINITY;
  let bestEpoch = 0;
  const rows: EpochVerdict[] = history.map((h) => {
    const monitored = h.validationLoss ?? h.loss;
    const change = Number.isFinite(best) ? monitored - best : undefined;
    const improved = monitored < best - minDelta;
    let verdict: string;
    let verdictKo: string;
    if (change === undefined) {
      verdict = "first epoch: best so far";
      verdictKo = "첫 에폭: 지금까지 최고";
    } else if (improved) {
      verdict = `lower by ${(-change).toFixed(4)} > min-delta ${minDelta}: new best`;
      verdictKo = `${(-change).toFixed(4)} 낮아짐 (> min-delta ${minDelta}): 새 최고`;
    } else if (change < 0) {
      verdict = `lower by only ${(-change).toFixed(4)} ≤ min-delta ${minDelta}: not counted`;
      verdictKo = `${(-change).toFixed(4)}만 낮아짐 (≤ min-delta ${minDelta}): 개선으로 치지 않음`;
    } else {
      verdict = "not lower: no improvement";
      verdictKo = "낮아지지 않음: 개선 없음";
    }
    if (improved) {
      best = monitored;
      bestEpoch = h.epoch;
    } else if (h.epoch - bestEpoch >= patience) {
      verdict += `; ${patience} epoch${patience === 1 ? "" : "s"} without improvement: stop`;
      verdictKo += `; ${patience}에폭 동안 개선 없음: 멈춤`;
    }
    return {
      epoch: h.epoch,
      loss: h.loss,
      ...(h.validationLoss !== undefined ? { validationLoss: h.validationLoss } : {}),
      ...(h.validationAccuracy !== undefined ? { validationAccuracy: h.validationAccuracy } : {}),
      ...(change !== undefined ? { change } : {}),
      improved,
      kept: false,
      verdict,
      verdictKo,
    };
  });
  for (const row of rows) row.kept = row.epoch === bestEpoch;
  return rows;
}
