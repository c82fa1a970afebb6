import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { Notebook } from "../../src/notebook/nbformat";
import { runNotebook } from "../../src/notebook/run-notebook";
import { freePort, ROOT, tempDir, writeNotebook } from "./helpers";

const THROWING_CELL = [
  "function checkRating(value: number) {",
  '  if (value > 5) throw new RangeError("rating " + value + " is out of range 0..5");',
  "}",
  "checkRating(7);",
].join("\n");

describe("headless runner on failing notebooks", () => {
  it("reports the failing cell's number, the start of its source and the real error, and keeps earlier outputs", async () => {
    const dir = tempDir("fail");
    const file = writeNotebook(path.join(dir, "9.1_Throws.ipynb"), [
      ["md", "# a notebook that fails"],
      ["code", 'console.log("before the failure");'],
      ["code", THROWING_CELL],
      ["code", 'console.log("never runs");'],
    ]);
    const out = path.join(dir, "out", "9.1_Throws.ipynb");
    const result = await runNotebook(file, { outputPath: out, cellTimeoutMs: 60_000, sweep: false });

    expect(result.status).toBe("failed");
    expect(result.failure).toMatchObject({ cell: 3, executionCount: 2, kind: "error" });
    expect(result.failure?.sourceStart).toContain("function checkRating(value: number) {");
    expect(result.failure?.error).toContain("RangeError: rating 7 is out of range 0..5");
    expect(result.failure?.error).toMatch(/at checkRating/);
    expect(result.failure?.error).not.toContain("<Error>");
    expect(result.failure?.error).not.toMatch(/tslab[\\/]dist/);

    const executed = JSON.parse(readFileSync(out, "utf8")) as Notebook;
    expect(executed.cells[1]?.execution_count).toBe(1);
    expect(executed.cells[1]?.outputs).toEqual([
      { output_type: "stream", name: "stdout", text: ["before the failure\n"] },
    ]);
    expect(
      executed.cells[2]?.outputs?.some((o) => o.output_type === "error" && o.ename === "RangeError"),
    ).toBe(true);
    expect(executed.cells[3]?.execution_count).toBeNull();
    expect(executed.cells[3]?.outputs).toEqual([]);
  });

  it("reports TypeScript compile errors with their message", async () => {
    const dir = tempDir("compile");
    const file = writeNotebook(path.join(dir, "n.ipynb"), [["code", 'const rating: number = "five";']]);
    const result = await runNotebook(file, { cellTimeoutMs: 60_000 });
    expect(result.failure?.cell).toBe(1);
    expect(result.failure?.error).toContain("Type 'string' is not assignable to type 'number'");
  });

  it("fails a cell whose background promise rejects unhandled", async () => {
    const dir = tempDir("reject");
    const file = writeNotebook(path.join(dir, "n.ipynb"), [
      ["code", 'Promise.reject(new Error("upload failed in the background"));'],
      ["code", 'console.log("after")'],
    ]);
    const result = await runNotebook(file, { cellTimeoutMs: 60_000 });
    expect(result.failure?.cell).toBe(1);
    expect(result.failure?.error).toContain(
      "Unhandled promise rejection: Error: upload failed in the background",
    );
  });

  it("stops a cell that exceeds the time limit with a message naming the knob", async () => {
    const dir = tempDir("timeout");
    const file = writeNotebook(path.join(dir, "n.ipynb"), [
      ["code", "const x = 1;"],
      ["code", "while (true) {}"],
    ]);
    const out = path.join(dir, "out.ipynb");
    const result = await runNotebook(file, { outputPath: out, cellTimeoutMs: 3_000 });
    expect(result.failure).toMatchObject({ cell: 2, kind: "timeout" });
    expect(result.failure?.error).toContain("LABS_CELL_TIMEOUT_S");
    const executed = JSON.parse(readFileSync(out, "utf8")) as Notebook;
    expect(executed.cells[1]?.outputs?.[0]).toMatchObject({ output_type: "error", ename: "timeout" });
  });

  it("reports a notebook process that dies as a crash of the running cell", async () => {
    const dir = tempDir("crash");
    const file = writeNotebook(path.join(dir, "n.ipynb"), [["code", "process.exit(3);"]]);
    const result = await runNotebook(file, { cellTimeoutMs: 60_000 });
    expect(result.failure).toMatchObject({ cell: 1, kind: "crash" });
    expect(result.failure?.error).toContain("exited with code 3");
  });

  it("`npm run labs` prints the failure and the summary, runs the other notebooks, and exits non-zero", async () => {
    // The command stops a local SageMaker the labs started: give it a port no other test's server uses.
    const port = String(await freePort());
    const labs = tempDir("cli");
    const outDir = tempDir("cli-out");
    writeNotebook(path.join(labs, "1.1_Fine.ipynb"), [["code", 'console.log("fine");']]);
    writeNotebook(path.join(labs, "1.2_Broken.ipynb"), [
      ["md", "# broken"],
      ["code", THROWING_CELL],
    ]);
    writeNotebook(path.join(labs, "1.3_AlsoFine.ipynb"), [["code", "const y = 2;"]]);
    const run = spawnSync(process.execPath, [path.join(ROOT, "dist", "notebook", "run-labs.js")], {
      env: { ...process.env, LABS_DIR: labs, LABS_OUT_DIR: outDir, LOCAL_SAGEMAKER_PORT: port },
      encoding: "utf8",
      timeout: 120_000,
    });
    expect(run.status).toBe(1);
    expect(run.stdout).toContain("✗ 1.2_Broken.ipynb: cell 2 (In [1]) failed");
    expect(run.stdout).toContain("function checkRating(value: number) {");
    expect(run.stdout).toContain("RangeError: rating 7 is out of range 0..5");
    expect(run.stdout).toMatch(/1\.1_Fine\.ipynb\s+ok/);
    expect(run.stdout).toMatch(/1\.2_Broken\.ipynb\s+FAILED \(cell 2\)/);
    expect(run.stdout).toMatch(/1\.3_AlsoFine\.ipynb\s+ok/);
    expect(readFileSync(path.join(outDir, "1.1_Fine.ipynb"), "utf8")).toContain("fine");
    // Which server it used, and that it had none to stop.
    expect(run.stdout).toContain(`Local SageMaker: none at http://127.0.0.1:${port};`);
    expect(run.stdout).toContain("No lab started local SageMaker; nothing to stop.");
  });

  it("`npm run labs` says when a lab started local SageMaker (the lab says how to stop it) and stops it", async () => {
    const port = String(await freePort());
    mkdirSync(path.join(ROOT, ".work"), { recursive: true });
    const labs = mkdtempSync(path.join(ROOT, ".work", "test-labs-")); // inside the project: imports resolve
    const outDir = tempDir("cli-server-out");
    writeNotebook(path.join(labs, "1.1_Session.ipynb"), [
      ["code", 'import { createSession } from "ko-sagemaker";\nconst session = await createSession();'],
    ]);
    try {
      const run = spawnSync(process.execPath, [path.join(ROOT, "dist", "notebook", "run-labs.js")], {
        env: {
          ...process.env,
          LABS_DIR: labs,
          LABS_OUT_DIR: outDir,
          LOCAL_SAGEMAKER_PORT: port,
          LOCAL_SAGEMAKER_STATE_DIR: tempDir("cli-server-state"),
        },
        encoding: "utf8",
        timeout: 120_000,
      });
      expect(run.status, run.stdout + run.stderr).toBe(0);
      expect(run.stdout).toMatch(
        new RegExp(
          `Stopped local SageMaker at http://127\\.0\\.0\\.1:${port} \\(pid \\d+\\), which the labs had started\\.`,
        ),
      );
      const executed = readFileSync(path.join(outDir, "1.1_Session.ipynb"), "utf8");
      expect(executed).toContain(`Started local SageMaker at http://127.0.0.1:${port} in the background`);
      expect(executed).toContain("npm run local -- stop");
    } finally {
      rmSync(labs, { recursive: true, force: true });
    }
  });

  it("`npm run labs -- <filter>` that matches nothing says what exists and exits 2", async () => {
    const port = String(await freePort());
    const labs = tempDir("cli-none");
    writeNotebook(path.join(labs, "1.1_Only.ipynb"), [["code", "1"]]);
    const run = spawnSync(process.execPath, [path.join(ROOT, "dist", "notebook", "run-labs.js"), "7.7"], {
      env: {
        ...process.env,
        LABS_DIR: labs,
        LABS_OUT_DIR: tempDir("cli-none-out"),
        LOCAL_SAGEMAKER_PORT: port,
      },
      encoding: "utf8",
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("No notebook under");
    expect(run.stderr).toContain("1.1_Only.ipynb");
  });
});
