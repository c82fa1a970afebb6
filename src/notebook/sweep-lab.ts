/**
 * `node dist/notebook/sweep-lab.js <lab>`: deletes what lab <lab> left (cleanupWorkshopResources({ lab })) and
 * prints one JSON line, a SweepOutcome. Locally it never starts a server: when local SageMaker does not answer,
 * nothing of the lab can be running there, and the outcome says so.
 */
import { cleanupWorkshopResources } from "../sagemaker/cleanup";
import { loadWorkshopConfig } from "../sagemaker/config";
import { localSageMakerHealth, localSageMakerUrl } from "../sagemaker/local-launcher";
import { createSession } from "../sagemaker/session";
import type { SweepOutcome } from "./sweep";

async function sweep(lab: string): Promise<SweepOutcome> {
  const config = loadWorkshopConfig();
  if (config.mode === "local") {
    const url = localSageMakerUrl(config.localPort);
    const health = await localSageMakerHealth(url);
    if (!health) {
      return { status: "skipped", lab, reason: `local SageMaker is not running at ${url}` };
    }
    const session = await createSession({ config, localUrl: url });
    const deleted = await cleanupWorkshopResources(session, { lab, verbose: false });
    return { status: "swept", lab, mode: "local", deleted };
  }
  const session = await createSession({ config });
  const deleted = await cleanupWorkshopResources(session, { lab, verbose: false });
  return { status: "swept", lab, mode: "aws", deleted };
}

const lab = process.argv[2];
if (!lab) {
  process.stderr.write("Usage: node dist/notebook/sweep-lab.js <lab id, e.g. 4.1>\n");
  process.exit(2);
}
// Exit once the line is out: the SDK clients' keep-alive sockets must not hold the process.
const report = (outcome: SweepOutcome) =>
  process.stdout.write(`${JSON.stringify(outcome)}\n`, () => process.exit(0));
sweep(lab).then(report, (error: unknown) =>
  report({ status: "failed", lab, error: error instanceof Error ? error.message : String(error) }),
);
