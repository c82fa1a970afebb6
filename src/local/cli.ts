import { parseArgs } from "node:util";
import { consoleSignInUrl } from "../common/console-link";
import { defaultStateDir } from "../common/local-sagemaker";
import { stopLocalSageMaker } from "../sagemaker/local-launcher";
import { formatLocalStatus, localSageMakerStatus } from "../sagemaker/local-status";
import { clientSetupLines } from "./client-setup";
import { DEFAULT_LOCAL_PORT, startLocalServer } from "./server";

const USAGE = `Usage: npm run local -- [start|status|stop] [--port N] [--state-dir DIR]

  (start)   Starts local SageMaker (SageMaker, SageMaker Runtime, S3, CloudWatch and Lambda APIs) on 127.0.0.1. It
            admits only requests signed with the key it keeps in <state folder>/credentials (profile "local"); it
            prints the export lines that let the AWS CLI, boto3 or any SDK use it, and a sign-in link to its
            console (/_console/). Ctrl-C stops it.
  status    What the server of the state folder holds: URL, port, pid, running jobs, endpoints with their
            instance counts, and the processes (containers, jobs) with their pids.
  stop      Stops that server (and every container and job it runs); its state stays on disk.

  --port N          port (start: default ${DEFAULT_LOCAL_PORT}, 0 = any free port; status/stop: default the state folder's server)
  --state-dir DIR   where buckets, jobs, endpoints and logs are kept (default ${defaultStateDir()})`;

function parsePort(text: string | undefined, allowZero: boolean): number | undefined {
  if (text === undefined) return undefined;
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65_535 || (!allowZero && port === 0))
    throw new Error(`--port is "${text}": use a number from ${allowZero ? 0 : 1} to 65535.`);
  return port;
}

async function start(port: number | undefined, stateDir: string | undefined): Promise<void> {
  const server = await startLocalServer({
    port: port ?? DEFAULT_LOCAL_PORT,
    stateDir: stateDir ?? defaultStateDir(),
    onShutdown: () => process.exit(0),
  });
  const stop = (): void => {
    void server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`local-sagemaker: failed to stop cleanly: ${(error as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  process.stderr.write(`local-sagemaker: state in ${server.stateDir}\n`);
  // The URL first (scripts read it from the first line), then what a shell needs to sign with the local key.
  process.stdout.write(
    [
      server.url,
      ...clientSetupLines(server.url, server.credentials.file, server.region),
      `# console (one-time sign-in link, 12 hours; npm run console makes another): ${consoleSignInUrl(server.url, server.credentials)}`,
      "# status: npm run local -- status    stop: Ctrl-C, or npm run local -- stop",
      "",
    ].join("\n"),
  );
}

async function stop(port: number | undefined, stateDir: string | undefined): Promise<void> {
  const report = await localSageMakerStatus({
    ...(port !== undefined ? { port } : {}),
    ...(stateDir ? { stateDir } : {}),
  });
  if (!report.server) {
    process.stdout.write(
      `No local SageMaker is running at ${report.url} (state folder ${report.stateDir}).\n`,
    );
    return;
  }
  const holding = report.problem
    ? ""
    : ` with ${report.endpoints.length} endpoint(s), ${report.trainingJobs.length + report.transformJobs.length} running job(s) and ${report.processes.length} process(es)`;
  await stopLocalSageMaker(report.url, { stateDir: report.stateDir });
  process.stdout.write(
    `Stopped local SageMaker at ${report.url} (pid ${report.server.pid})${holding}; its state stays in ${report.stateDir}.\n`,
  );
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      port: { type: "string" },
      "state-dir": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const [command = "start", ...rest] = positionals;
  if (rest.length > 0) throw new Error(`unexpected argument "${rest[0]}"`);
  const stateDir = values["state-dir"];
  switch (command) {
    case "start":
      return start(parsePort(values.port, true), stateDir);
    case "status": {
      const port = parsePort(values.port, false);
      const report = await localSageMakerStatus({
        ...(port !== undefined ? { port } : {}),
        ...(stateDir ? { stateDir } : {}),
      });
      process.stdout.write(`${formatLocalStatus(report)}\n`);
      return;
    }
    case "stop":
      return stop(parsePort(values.port, false), stateDir);
    default:
      throw new Error(`unknown command "${command}": use start, status or stop`);
  }
}

main().then(
  () => {
    // start keeps the process alive through its server; status and stop end here.
  },
  (error: unknown) => {
    process.stderr.write(
      `local-sagemaker: ${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`,
    );
    process.exit(1);
  },
);
