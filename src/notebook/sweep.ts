/**
 * The workshop sweep for one lab, as the lab runner uses it after a notebook failed: everything tagged with the
 * lab's id (`ko-sagemaker:lab`) that still runs or bills is deleted, whatever the notebook's variables were.
 * It runs in a process of its own (`sweep-lab.js`) with the notebook's environment, so it reaches the same
 * SageMaker (local or AWS) the notebook did, even after the notebook's process was killed.
 */
import { fork } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { projectRoot } from "../project";
import type { DeletedResources } from "../sagemaker/cleanup";

export type SweepOutcome =
  | { status: "swept"; lab: string; mode: string; deleted: DeletedResources }
  | { status: "skipped"; lab: string; reason: string }
  | { status: "failed"; lab: string; error: string };

/** The lab id in a notebook's name: "4.1_Realtime-Endpoint.ipynb" → "4.1"; undefined for unnumbered notebooks. */
export function labIdOf(notebook: string): string | undefined {
  return /^(\d+(?:\.\d+)+)_/.exec(path.basename(notebook))?.[1];
}

const SWEEP_TIMEOUT_MS = 10 * 60_000;

/** Runs the sweep for `lab` in a child process with `env`; never rejects (a failed sweep is an outcome). */
export function sweepLab(lab: string, env: NodeJS.ProcessEnv = process.env): Promise<SweepOutcome> {
  const script = path.join(projectRoot(), "dist", "notebook", "sweep-lab.js");
  if (!existsSync(script)) {
    return Promise.resolve({ status: "failed", lab, error: `${script} is missing: run \`npm run build\`.` });
  }
  return new Promise((resolve) => {
    const child = fork(script, [lab], { cwd: projectRoot(), env, stdio: ["ignore", "pipe", "pipe", "ipc"] });
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString("utf8")).slice(-2000);
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), SWEEP_TIMEOUT_MS);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      const last = stdout.trim().split("\n").pop() ?? "";
      try {
        resolve(JSON.parse(last) as SweepOutcome);
      } catch {
        const why = signal ? `was stopped by ${signal}` : `exited with code ${code}`;
        resolve({ status: "failed", lab, error: `the sweep process ${why}. ${stderr.trim()}`.trim() });
      }
    });
  });
}
