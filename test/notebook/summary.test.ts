/** The runner's summary tells the truth about data: which corpus each notebook used, and a note for the sample set. */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { formatSummary } from "../../src/notebook/run-labs";
import { type NotebookRunResult, runNotebook } from "../../src/notebook/run-notebook";
import { ROOT, writeNotebook } from "./helpers";

mkdirSync(path.join(ROOT, ".work"), { recursive: true });
const work = mkdtempSync(path.join(ROOT, ".work", "test-summary-")); // inside the project: imports resolve
afterAll(() => rmSync(work, { recursive: true, force: true }));

const result = (partial: Partial<NotebookRunResult>): NotebookRunResult => ({
  notebook: "x",
  status: "ok",
  seconds: 1,
  cellsRun: 1,
  dataUses: [],
  ...partial,
});

describe("the summary table", () => {
  it("has a data column per notebook, a note when the sample set stood in for NSMC, and the copies' sizes", () => {
    const text = formatSummary([
      { notebook: "1.1_Setup.ipynb", result: result({ outputBytes: 40_000 }) },
      {
        notebook: "2.3_EDA.ipynb",
        result: result({
          dataUses: [{ kind: "sample", source: "data/sample/reviews.tsv", rows: 300 }],
          outputBytes: 5_300_000,
        }),
      },
      {
        notebook: "3.2_Train.ipynb",
        result: result({
          dataUses: [
            { kind: "nsmc", source: "data/nsmc", rows: 200_000 },
            { kind: "nsmc", source: "data/prepared (NSMC)", rows: 8_000, quick: true },
          ],
        }),
      },
      {
        notebook: "6.1_Custom.ipynb",
        result: result({
          dataUses: [{ kind: "custom", source: "data/sample-topics/reviews.tsv", rows: 480 }],
        }),
      },
    ]);
    expect(text).toMatch(/notebook\s+status\s+seconds\s+data\s+executed copy/);
    expect(text).toMatch(/1\.1_Setup\.ipynb\s+ok\s+1\.0\s+-\s+39 KB/);
    expect(text).toMatch(/2\.3_EDA\.ipynb\s+ok\s+1\.0\s+sample\s+5\.1 MB/);
    expect(text).toMatch(/3\.2_Train\.ipynb\s+ok\s+1\.0\s+NSMC \(quick\)/);
    expect(text).toMatch(/6\.1_Custom\.ipynb\s+ok\s+1\.0\s+data\/sample-topics\/reviews\.tsv/);
    expect(text).toContain(
      'data "sample": the 300 reviews in data/sample (written for this project) stood in for NSMC',
    );
    expect(text).toContain('data "(quick)": WORKSHOP_QUICK=1 subsets');
    expect(text).toContain("total 4.0 s, executed copies 5.1 MB");
  });

  it("gets each notebook's data from the loaders it called", async () => {
    const file = writeNotebook(path.join(work, "2.9_Sample.ipynb"), [
      [
        "code",
        'import { loadReviewCorpus } from "ko-sagemaker";\nconst corpus = loadReviewCorpus({ forceSample: true });',
      ],
    ]);
    const run = await runNotebook(file, { cellTimeoutMs: 60_000 });
    expect(run.status, run.failure?.error).toBe("ok");
    expect(run.dataUses).toEqual([{ kind: "sample", source: "data/sample/reviews.tsv", rows: 300 }]);
  }, 60_000);
});
