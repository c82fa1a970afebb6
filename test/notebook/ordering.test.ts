import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { compareLabPaths, findLabNotebooks } from "../../src/notebook/discover";
import { tempDir } from "./helpers";

describe("lab discovery", () => {
  it("orders labs by number, not by name (3.2 before 3.10)", () => {
    const files = [
      "3_T/3.10_X.ipynb",
      "1_S/1.1_A.ipynb",
      "3_T/3.2_Y.ipynb",
      "2_W/2.1_B.ipynb",
      "README.ipynb",
    ];
    expect([...files].sort(compareLabPaths)).toEqual([
      "1_S/1.1_A.ipynb",
      "2_W/2.1_B.ipynb",
      "3_T/3.2_Y.ipynb",
      "3_T/3.10_X.ipynb",
      "README.ipynb",
    ]);
  });

  it("finds notebooks in subfolders, skips checkpoints, and filters by path fragments", () => {
    const dir = tempDir("discover");
    for (const rel of [
      "1_S/1.1_A.ipynb",
      "2_W/2.3_C.ipynb",
      "3_T/3.1_D.ipynb",
      "3_T/.ipynb_checkpoints/3.1_D-checkpoint.ipynb",
    ]) {
      mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      writeFileSync(path.join(dir, rel), "{}");
    }
    const rel = (files: string[]) => files.map((f) => path.relative(dir, f));
    expect(rel(findLabNotebooks(dir))).toEqual(["1_S/1.1_A.ipynb", "2_W/2.3_C.ipynb", "3_T/3.1_D.ipynb"]);
    expect(rel(findLabNotebooks(dir, ["3.1", "2.3"]))).toEqual(["2_W/2.3_C.ipynb", "3_T/3.1_D.ipynb"]);
    expect(findLabNotebooks(dir, ["9.9"])).toEqual([]);
  });
});
