import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { trainClassifier } from "../../src/model";

/** A dozen reviews the classifier separates at once: enough for a real model directory in serving tests. */
const POSITIVE = [
  "정말 재미있어요",
  "최고의 영화",
  "배우 연기가 좋아요",
  "감동적이고 좋았다",
  "또 보고 싶어요",
  "추천합니다 최고",
];
const NEGATIVE = [
  "너무 지루했다",
  "최악의 영화",
  "시간 낭비였어요",
  "별로예요 실망",
  "다시는 안 본다",
  "연기가 어색하고 지루",
];

/** Trains the project's classifier on the tiny set and saves it to a new temporary folder, which it returns. */
export function saveTinySentimentModel(): string {
  const model = trainClassifier(
    {
      texts: [...POSITIVE, ...NEGATIVE],
      labels: [...POSITIVE.map(() => "positive"), ...NEGATIVE.map(() => "negative")],
    },
    { epochs: 20 },
  );
  const dir = mkdtempSync(join(tmpdir(), "tiny-sentiment-"));
  model.save(dir);
  return dir;
}
