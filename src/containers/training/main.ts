import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { delimiter, resolve } from "node:path";
import { endWithParent } from "../parent-watch";
import { entryPointCommand } from "./entry-point";
import { buildTrainingEnvironment, trainingLayout } from "./environment";

/**
 * The built-in training "container": `main <job folder>` reads the job's config like the SageMaker training
 * toolkit, builds the SM_* environment and runs the entry point with its hyperparameters as arguments. Its exit
 * status is the entry point's; when the entry point cannot start, the reason goes to output/failure (which the
 * platform turns into FailureReason) and it exits 1.
 */
function fail(failureFile: string, reason: string): never {
  writeFileSync(failureFile, reason);
  console.error(reason);
  process.exit(1);
}

function main(): void {
  // First, before anything slow (loading a model): a server that dies meanwhile must take this process along.
  endWithParent();
  const root = process.argv[2];
  if (!root) {
    console.error("usage: main <job folder laid out like /opt/ml>");
    process.exit(2);
  }
  const layout = trainingLayout(resolve(root));
  for (const dir of [layout.modelDir, layout.outputDataDir, layout.outputIntermediateDir, layout.codeDir])
    mkdirSync(dir, { recursive: true });
  const jobName = process.env.TRAINING_JOB_NAME ?? "";
  const training = buildTrainingEnvironment(layout, { jobName });
  const command = entryPointCommand(layout.codeDir, training.program, training.args);
  if (!command.ok) fail(layout.failureFile, `ClientError: ${command.reason}`);

  console.log(`Invoking user script: ${training.program} ${training.args.join(" ")}`.trimEnd());
  const inherited = process.env.PYTHONPATH ? `${delimiter}${process.env.PYTHONPATH}` : "";
  const child = spawn(command.command, command.args, {
    cwd: layout.codeDir,
    env: {
      ...process.env,
      ...training.env,
      PYTHONUNBUFFERED: "1",
      PYTHONPATH: `${layout.codeDir}${inherited}`,
    },
    stdio: "inherit",
  });
  // The platform signals the whole process group; the toolkit waits for the script to finish its shutdown.
  process.on("SIGTERM", () => undefined);
  child.on("error", (error) => {
    const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
    fail(
      layout.failureFile,
      missing
        ? `ClientError: ${command.interpreter} is not installed on this machine, so entry point "${training.program}" cannot run. Install it (for Python: python3 on PATH) or use a .ts/.js entry point.`
        : `ClientError: could not start entry point "${training.program}" with ${command.interpreter}: ${error.message}`,
    );
  });
  child.on("exit", (code, signal) => {
    if (code !== 0) {
      console.error(
        `Entry point ${training.program} exited with ${signal ? `signal ${signal}` : `code ${code}`}.`,
      );
    }
    process.exit(code ?? 128 + (signal === "SIGKILL" ? 9 : 15));
  });
}

main();
