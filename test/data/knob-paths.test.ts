/**
 * Relative paths in knobs start at the project root, wherever the code runs (a notebook's process runs in its own
 * folder); errors say where they looked; a tab-separated .csv gets a hint; a CLI's errors name its flags.
 */
import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { knobPathCandidates, resolveKnobPath, whereLooked } from "../../src/common/knob-path";
import { defaultStateDir } from "../../src/common/local-sagemaker";
import { loadCustomDataset } from "../../src/data/custom";
import { DatasetError } from "../../src/data/errors";
import { loadDataset } from "../../src/data/load";
import { locateNsmc } from "../../src/data/nsmc";
import { dataUses } from "../../src/data/usage";
import { runModelCli } from "../../src/model/cli";
import { loadWorkshopConfig } from "../../src/sagemaker/config";
import { useTempDir, writeIn } from "./helpers";

const ROOT = resolve(__dirname, "..", "..");
const tempDir = useTempDir();

describe("relative knob paths", () => {
  it("start at the project root, then where npm was typed (INIT_CWD), and say where they looked", () => {
    const env = { INIT_CWD: join(ROOT, "labs") };
    expect(knobPathCandidates("data/x.csv", env)).toEqual([
      join(ROOT, "data/x.csv"),
      join(ROOT, "labs/data/x.csv"),
    ]);
    expect(resolveKnobPath("data/sample-topics/reviews.tsv", {})).toBe(
      join(ROOT, "data/sample-topics/reviews.tsv"),
    );
    // Typed in labs/: a path that exists only from there is found there.
    expect(resolveKnobPath("1_Setup", env)).toBe(join(ROOT, "labs", "1_Setup"));
    expect(resolveKnobPath("/abs/file.csv", env)).toBe("/abs/file.csv");
    expect(whereLooked("data/custom/none.csv", {})).toBe(
      `looked at ${join(ROOT, "data/custom/none.csv")} (relative paths start at the project root ${ROOT})`,
    );
  });

  it("mean the same file from a notebook's folder: loadDataset in a process running in labs/2_WarmingUp", () => {
    const script = `
      const { loadCustomDataset } = require(${JSON.stringify(join(ROOT, "dist", "data", "custom.js"))});
      const d = loadCustomDataset({ path: "data/sample/reviews.csv" });
      console.log(d.texts.length, new Set(d.labels).size, d.source);`;
    const run = spawnSync(process.execPath, ["-e", script], {
      cwd: join(ROOT, "labs", "2_WarmingUp"),
      env: { ...process.env, CUSTOM_DATASET: "data/sample-topics/reviews.tsv" },
      encoding: "utf8",
    });
    expect(run.stderr).toBe("");
    expect(run.stdout.trim()).toBe(`480 4 ${join(ROOT, "data/sample-topics/reviews.tsv")}`);
  });

  it("apply to NSMC_DIR, SM_CONFIG_FILE and LOCAL_SAGEMAKER_STATE_DIR too", () => {
    expect(defaultStateDir({ LOCAL_SAGEMAKER_STATE_DIR: ".work/other-state" })).toBe(
      join(ROOT, ".work/other-state"),
    );
    expect(() => loadWorkshopConfig({ SM_CONFIG_FILE: ".work/no-such-config.json" })).toThrow(
      `SM_CONFIG_FILE=.work/no-such-config.json names ${join(ROOT, ".work/no-such-config.json")}, which does not exist`,
    );
    const saved = process.env.NSMC_DIR;
    process.env.NSMC_DIR = "data/sample"; // a folder without the NSMC files: not found, from the root
    try {
      expect(locateNsmc(tempDir())).toBeUndefined();
    } finally {
      if (saved === undefined) delete process.env.NSMC_DIR;
      else process.env.NSMC_DIR = saved;
    }
  });
});

describe("the custom dataset knobs", () => {
  it("CUSTOM_DATASET (relative), CUSTOM_TEXT_COLUMN and CUSTOM_LABEL_COLUMN choose the file and columns", () => {
    const data = loadCustomDataset(
      { path: "data/sample/reviews.csv", textColumn: "review", labelColumn: "sentiment" },
      { CUSTOM_DATASET: "data/sample-topics/reviews.tsv" },
    );
    expect(data.choice).toMatchObject({ given: "data/sample-topics/reviews.tsv", isDefault: false });
    expect(new Set(data.labels)).toEqual(new Set(["movie", "food", "shopping", "travel"]));
    expect(dataUses()).toContainEqual({
      kind: "custom",
      source: "data/sample-topics/reviews.tsv",
      rows: 480,
    });
    // Without the knob: the lab's default file and columns.
    const fallback = loadCustomDataset(
      { path: "data/sample/reviews.csv", textColumn: "review", labelColumn: "sentiment" },
      {},
    );
    expect(fallback.choice.isDefault).toBe(true);
    expect(fallback.texts).toHaveLength(300);
  });

  it("a missing file says where it looked; a wrong column names the knob to set", () => {
    expect(() => loadCustomDataset({ path: "x" }, { CUSTOM_DATASET: "data/custom/my-reviews.csv" })).toThrow(
      `data/custom/my-reviews.csv: file not found. Check the path: looked at ${join(ROOT, "data/custom/my-reviews.csv")} (relative paths start at the project root ${ROOT}).`,
    );
    expect(() =>
      loadCustomDataset(
        { path: "x" },
        { CUSTOM_DATASET: "data/sample/reviews.csv", CUSTOM_TEXT_COLUMN: "내용" },
      ),
    ).toThrow(
      'has no text column "내용"; the columns found are: "id", "review", "sentiment". Give CUSTOM_TEXT_COLUMN=<name> one of those names.',
    );
  });

  it("a tab-separated file named .csv gets the hint to rename it .tsv", () => {
    const file = writeIn(tempDir(), "reviews.csv", "text\tlabel\n재밌어요\t1\n별로예요\t0\n");
    expect(() => loadDataset(file)).toThrow(DatasetError);
    expect(() => loadDataset(file)).toThrow(
      "its header line is separated by tabs, not commas: it looks like a TSV file named .csv. Rename it to .tsv",
    );
    // With quotes in the texts the CSV parser fails first: the same hint.
    const quoted = writeIn(tempDir(), "quoted.csv", 'text\tlabel\n"인생 영화"라는데\t1\n별로\t0\n');
    expect(() => loadDataset(quoted)).toThrow("it looks like a TSV file named .csv");
    // Read as TSV on request, it loads.
    expect(loadDataset(file, { format: "tsv" }).texts).toEqual(["재밌어요", "별로예요"]);
  });
});

describe("the model CLI's data errors", () => {
  it("name the CLI's flags (--text-column), not loadDataset's options", async () => {
    const file = writeIn(tempDir(), "d.tsv", "comment\tlabel\n좋다\t1\n싫다\t0\n");
    let err = "";
    const code = await runModelCli(["train", "--data", file, "--out", join(tempDir(), "m")], {
      out: () => {},
      err: (s) => {
        err += s;
      },
    });
    expect(code).toBe(1);
    expect(err).toContain(
      'the columns found are: "comment", "label". Rename the column, or name it with --text-column <name>.',
    );
    expect(err).not.toContain("textColumn");
  });
});
