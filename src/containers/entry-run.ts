import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";

/**
 * What the built-in training and processing "containers" share: the job folder they are given, the failure file the
 * platform turns into FailureReason, and running the user's entry point with its exit status as their own.
 */

/** Writes the reason where the platform reads FailureReason, says it, and exits 1. */
export function failJob(failureFile: string, reason: string): never {
  writeFileSync(failureFile, reason);
  console.error(reason);
  process.exit(1);
}

/** `main <job folder>`: the folder that stands for /opt/ml, or the usage and exit 2. */
export function jobRootArgument(): string {
  const root = process.argv[2];
  if (!root) {
    console.error("usage: main <job folder standing for /opt/ml>");
    process.exit(2);
  }
  return resolve(root);
}

export interface EntryPointRun {
  command: string;
  args: string[];
  /** The program that runs it (python3, node, tsx), for the message when it is missing. */
  interpreter: string;
  /** How the entry point is named in messages: `entry point "train.py"`, `the entry point (python3 run.py)`. */
  description: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  failureFile: string;
}

/** Runs the entry point with inherited output and exits as it does (128 + signal when it was killed). */
export function runEntryPoint(run: EntryPointRun): void {
  const child = spawn(run.command, run.args, { cwd: run.cwd, env: run.env, stdio: "inherit" });
  // The platform signals the whole process group; this process waits for the script to finish its shutdown.
  process.on("SIGTERM", () => undefined);
  child.on("error", (error) => {
    const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
    failJob(
      run.failureFile,
      missing
        ? `ClientError: ${run.interpreter} is not installed on this machine, so ${run.description} cannot run. Install it (for Python: python3 on PATH) or use a .ts/.js script.`
        : `ClientError: could not start ${run.description} with ${run.interpreter}: ${error.message}`,
    );
  });
  child.on("exit", (code, signal) => {
    if (code !== 0) {
      const named = `${run.description.charAt(0).toUpperCase()}${run.description.slice(1)}`;
      console.error(`${named} exited with ${signal ? `signal ${signal}` : `code ${code}`}.`);
    }
    process.exit(code ?? 128 + (signal === "SIGKILL" ? 9 : 15));
  });
}
