import { mkdirSync, readFileSync } from "node:fs";
import { failJob, jobRootArgument, runEntryPoint } from "../entry-run";
import { endWithParent } from "../parent-watch";
import { processingCommand } from "./command";
import { mapArgument, processingLayout } from "./paths";

/**
 * The built-in processing "container": `main <job folder>` reads the job's description from
 * `config/processingjobconfig.json` (as SageMaker writes `/opt/ml/config/processingjobconfig.json`), rewrites the
 * `/opt/ml/...` paths of ContainerEntrypoint and ContainerArguments into the job folder, and runs the entry point
 * there (its working directory is the job folder, the local `/opt/ml`). Its exit status is the entry point's; when
 * the entry point cannot start, the reason goes to output/failure (the platform's FailureReason) and it exits 1.
 */
interface JobConfig {
  AppSpecification?: { ContainerEntrypoint?: string[]; ContainerArguments?: string[] };
}

function main(): void {
  endWithParent();
  const layout = processingLayout(jobRootArgument());
  mkdirSync(layout.outputDir, { recursive: true });
  const config = JSON.parse(readFileSync(layout.jobConfigFile, "utf8")) as JobConfig;
  const declared = [
    ...(config.AppSpecification?.ContainerEntrypoint ?? []),
    ...(config.AppSpecification?.ContainerArguments ?? []),
  ];
  const argv = declared.map((argument) => mapArgument(argument, layout.root));
  const command = processingCommand(argv, declared);
  if (!command.ok) failJob(layout.failureFile, `ClientError: ${command.reason}`);

  console.log(`Running ${declared.join(" ")}`);
  runEntryPoint({
    ...command,
    description: `the entry point (${declared.join(" ")})`,
    cwd: layout.root,
    env: { ...process.env, PYTHONUNBUFFERED: "1" },
    failureFile: layout.failureFile,
  });
}

main();
