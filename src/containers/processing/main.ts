import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
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

function fail(failureFile: string, reason: string): never {
  writeFileSync(failureFile, reason);
  console.error(reason);
  process.exit(1);
}

function main(): void {
  endWithParent();
  const root = process.argv[2];
  if (!root) {
    console.error("usage: main <job folder standing for /opt/ml>");
    process.exit(2);
  }
  const layout = processingLayout(resolve(root));
  mkdirSync(layout.outputDir, { recursive: true });
  const config = JSON.parse(readFileSync(layout.jobConfigFile, "utf8")) as JobConfig;
  const declared = [
    ...(config.AppSpecification?.ContainerEntrypoint ?? []),
    ...(config.AppSpecification?.ContainerArguments ?? []),
  ];
  const argv = declared.map((argument) => mapArgument(argument, layout.root));
  const command = processingCommand(argv, declared);
  if (!command.ok) fail(layout.failureFile, `ClientError: ${command.reason}`);

  console.log(`Running ${declared.join(" ")}`);
  const child = spawn(command.command, command.args, {
    cwd: layout.root,
    env: { ...process.env, PYTHONUNBUFFERED: "1" },
    stdio: "inherit",
  });
  // The platform signals the whole process group; the runtime waits for the script to finish its shutdown.
  process.on("SIGTERM", () => undefined);
  child.on("error", (error) => {
    const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
    fail(
      layout.failureFile,
      missing
        ? `ClientError: ${command.interpreter} is not installed on this machine, so the entry point (${declared.join(" ")}) cannot run. Install it (for Python: python3 on PATH) or use a .ts/.js script.`
        : `ClientError: could not start the entry point with ${command.interpreter}: ${error.message}`,
    );
  });
  child.on("exit", (code, signal) => {
    if (code !== 0) {
      console.error(`The entry point exited with ${signal ? `signal ${signal}` : `code ${code}`}.`);
    }
    process.exit(code ?? 128 + (signal === "SIGKILL" ? 9 : 15));
  });
}

main();
