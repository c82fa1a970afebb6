import { mkdirSync } from "node:fs";
import { delimiter } from "node:path";
import { failJob, jobRootArgument, runEntryPoint } from "../entry-run";
import { endWithParent } from "../parent-watch";
import { entryPointCommand } from "./entry-point";
import { buildTrainingEnvironment, trainingLayout } from "./environment";

/**
 * The built-in training "container": `main <job folder>` reads the job's config like the SageMaker training
 * toolkit, builds the SM_* environment and runs the entry point with its hyperparameters as arguments. Its exit
 * status is the entry point's; when the entry point cannot start, the reason goes to output/failure (which the
 * platform turns into FailureReason) and it exits 1.
 */
function main(): void {
  // First, before anything slow (loading a model): a server that dies meanwhile must take this process along.
  endWithParent();
  const layout = trainingLayout(jobRootArgument());
  for (const dir of [layout.modelDir, layout.outputDataDir, layout.outputIntermediateDir, layout.codeDir])
    mkdirSync(dir, { recursive: true });
  const jobName = process.env.TRAINING_JOB_NAME ?? "";
  const training = buildTrainingEnvironment(layout, { jobName });
  const command = entryPointCommand(layout.codeDir, training.program, training.args);
  if (!command.ok) failJob(layout.failureFile, `ClientError: ${command.reason}`);

  console.log(`Invoking user script: ${training.program} ${training.args.join(" ")}`.trimEnd());
  const inherited = process.env.PYTHONPATH ? `${delimiter}${process.env.PYTHONPATH}` : "";
  runEntryPoint({
    ...command,
    description: `entry point "${training.program}"`,
    cwd: layout.codeDir,
    env: {
      ...process.env,
      ...training.env,
      PYTHONUNBUFFERED: "1",
      PYTHONPATH: `${layout.codeDir}${inherited}`,
    },
    failureFile: layout.failureFile,
  });
}

main();
