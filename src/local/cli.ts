import { parseArgs } from "node:util";
import { consoleSignInUrl } from "../common/console-link";
import { defaultStateDir } from "../common/local-sagemaker";
import { DEFAULT_LOCAL_PORT, startLocalServer } from "./server";

const USAGE = `Usage: npm run local -- [--port N] [--state-dir DIR]

Starts local SageMaker (SageMaker, SageMaker Runtime, S3 and CloudWatch Logs APIs) on 127.0.0.1. It admits only
requests signed with the key it keeps in <state folder>/credentials (profile "local"); it prints the two export
lines that let the AWS CLI, boto3 or any SDK use it, and a sign-in link to its console (/_console/).
  --port N          port to listen on (default ${DEFAULT_LOCAL_PORT}; 0 = any free port)
  --state-dir DIR   where buckets, jobs, endpoints and logs are kept (default ${defaultStateDir()})`;

function parsePort(text: string | undefined): number {
  if (text === undefined) return DEFAULT_LOCAL_PORT;
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65_535)
    throw new Error(`--port is "${text}": use a number from 0 to 65535.`);
  return port;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
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
  const server = await startLocalServer({
    port: parsePort(values.port),
    stateDir: values["state-dir"] ?? defaultStateDir(),
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
      `export AWS_SHARED_CREDENTIALS_FILE=${server.credentials.file} AWS_PROFILE=local`,
      `export AWS_REGION=${server.region} AWS_DEFAULT_REGION=${server.region}`,
      `# then: aws --endpoint-url ${server.url} s3 ls   (any AWS CLI version; boto3: endpoint_url=...)`,
      `# console (one-time sign-in link, 12 hours; npm run console makes another): ${consoleSignInUrl(server.url, server.credentials)}`,
      "",
    ].join("\n"),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(
    `local-sagemaker: ${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`,
  );
  process.exit(1);
});
