import { consoleSignInUrl } from "../common/console-link";
import { loadWorkshopConfig } from "./config";
import { ensureLocalSageMaker } from "./local-launcher";

/**
 * Where to watch the labs' resources in a browser. Local mode: a one-time sign-in link to local SageMaker's own
 * console (`/_console/`), made with the state folder's key; the server is started in the background when none
 * runs, as the labs start it. AWS mode: the SageMaker page of the AWS console for the configured region.
 */
export async function consoleLink(options: { stateDir?: string; port?: number } = {}): Promise<string> {
  const config = loadWorkshopConfig();
  if (config.mode === "aws") {
    return `https://${config.region}.console.aws.amazon.com/sagemaker/home?region=${config.region}`;
  }
  const port = options.port ?? config.localPort;
  const connection = await ensureLocalSageMaker({
    ...(options.stateDir ? { stateDir: options.stateDir } : {}),
    ...(port !== undefined ? { port } : {}),
  });
  return consoleSignInUrl(connection.url, connection.credentials);
}
