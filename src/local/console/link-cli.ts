import { parseArgs } from "node:util";
import { consoleSignInUrl } from "../../common/console-link";
import { localCredentials, localSageMakerHealth, localSageMakerUrl } from "../../sagemaker/local-launcher";

/**
 * `npm run console`: a new one-time sign-in link to the console of the local SageMaker that runs (at
 * LOCAL_SAGEMAKER_URL or on LOCAL_SAGEMAKER_PORT, default 7070), made with its state folder's key.
 */

const USAGE = `Usage: npm run console -- [--port N] [--state-dir DIR]
Prints a one-time sign-in link to local SageMaker's console (open it in a browser on this machine).`;

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
  const url = localSageMakerUrl(values.port === undefined ? undefined : Number(values.port));
  if (!(await localSageMakerHealth(url))) {
    throw new Error(
      `Local SageMaker does not answer at ${url}: start it with \`npm run local\` (it prints a link too).`,
    );
  }
  const credentials = localCredentials(values["state-dir"] ? { stateDir: values["state-dir"] } : {});
  process.stdout.write(`${consoleSignInUrl(url, credentials)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`console: ${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
  process.exit(1);
});
