/**
 * The notices a learner reads inside the Korean labs say it in Korean first, with the English beside them: the
 * data note and the readiness detail when NSMC is missing or damaged, the AWS cost notice and the refusal without
 * consent; an empty table says it has no rows instead of drawing an empty grid.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { nsmcAbsenceBilingual, nsmcAbsenceKorean } from "../../src/data/nsmc";
import { NO_ROWS, renderTableHtml, renderTableText, toTableData } from "../../src/notebook/table";
import type { WorkshopConfig } from "../../src/sagemaker/config";
import { assertCostConsent, costNotice } from "../../src/sagemaker/cost";

const hangul = /[가-힣]/;
let saved: string | undefined;
beforeEach(() => {
  saved = process.env.NSMC_DIR;
  delete process.env.NSMC_DIR;
});
afterEach(() => {
  if (saved === undefined) delete process.env.NSMC_DIR;
  else process.env.NSMC_DIR = saved;
});

describe("Korean labs' notices", () => {
  it("NSMC missing: Korean sentence with the fix, then the English detail in parentheses", () => {
    const root = mkdtempSync(path.join(tmpdir(), "ko-msg-"));
    expect(nsmcAbsenceKorean(root)).toContain("NSMC가 data/nsmc에 없고");
    expect(nsmcAbsenceKorean(root)).toContain("`npm run data`(인터넷 필요)");
    const both = nsmcAbsenceBilingual(root);
    expect(both).toMatch(
      /^NSMC가 .*예시 리뷰를 씁니다\. \(NSMC is not in .* NSMC_DIR is not set\. Run `npm run data`/,
    );
  });

  it("NSMC damaged: says so in Korean", () => {
    const root = mkdtempSync(path.join(tmpdir(), "ko-msg-"));
    mkdirSync(path.join(root, "data", "nsmc"), { recursive: true });
    writeFileSync(path.join(root, "data", "nsmc", "ratings_train.txt"), "id\tdocument\tlabel\n");
    writeFileSync(path.join(root, "data", "nsmc", "ratings_test.txt"), "id\tdocument\tlabel\n");
    expect(nsmcAbsenceKorean(root)).toContain("손상되었습니다");
  });

  it("the AWS cost notice and the refusal without consent are Korean with English beside", () => {
    const aws = { mode: "aws", region: "ap-northeast-2", confirmCosts: false } as WorkshopConfig;
    const notice = costNotice(aws, [{ what: "real-time endpoint", instanceType: "ml.m5.xlarge" }]);
    expect(notice).toContain("지울 때까지 시간마다 과금 (billed every hour until deleted)");
    expect(notice).toContain("동의하기 전에는 아무것도 만들지 않습니다");
    expect(notice).toContain("(Nothing will be created until you opt in");
    expect(() => assertCostConsent(aws, "real-time endpoint")).toThrow(
      /^비용이 드는 실시간 엔드포인트를 AWS에 만들지 않았습니다.*\(Not creating real-time endpoint on AWS/,
    );
    const local = { mode: "local", region: "ap-northeast-2", confirmCosts: false } as WorkshopConfig;
    expect(costNotice(local, [{ what: "real-time endpoint", instanceType: "ml.m5.xlarge" }])).toMatch(hangul);
  });

  it("an empty table says it has no rows", () => {
    const empty = toTableData([]);
    expect(renderTableText(empty, { caption: "train에서 가장 많이 반복된 리뷰" })).toBe(
      `train에서 가장 많이 반복된 리뷰\n${NO_ROWS}`,
    );
    expect(renderTableHtml(empty)).toContain("행 없음 / no rows");
  });
});
