import { join } from "node:path";
import type { Identity } from "../core/arns";
import { ProcessRegistry } from "../core/processes";
import type { LocalSettings } from "../settings";
import { LogsService } from "./logs/service";
import { S3Service } from "./s3/service";

/**
 * What every local service receives: where state lives, the identity its ARNs carry, the settings, and the services
 * every other one uses (S3 for data and artifacts, CloudWatch Logs for output, the registry of child processes).
 * A service that needs another service's behaviour (a pipeline starting a training job) is handed that service's
 * typed API when the app is composed, never the wire.
 */
export interface ServiceContext extends Identity {
  /** Root of durable state; each service uses its own sub-folder. */
  stateDir: string;
  settings: LocalSettings;
  s3: S3Service;
  logs: LogsService;
  processes: ProcessRegistry;
}

export function createServiceContext(stateDir: string, settings: LocalSettings): ServiceContext {
  return {
    stateDir,
    settings,
    region: settings.region,
    accountId: settings.accountId,
    s3: new S3Service(join(stateDir, "s3")),
    logs: new LogsService(join(stateDir, "logs"), settings.region, settings.accountId),
    processes: new ProcessRegistry(stateDir),
  };
}
