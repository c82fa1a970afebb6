import { join } from "node:path";
import type { Identity } from "../core/arns";
import { ProcessRegistry } from "../core/processes";
import type { LocalSettings } from "../settings";
import { CloudWatchService } from "./cloudwatch/service";
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
  /** Metrics and alarms: `publish` in-process, `onAlarmStateChange`, `getAlarm` (see cloudwatch/service.ts). */
  cloudwatch: CloudWatchService;
  processes: ProcessRegistry;
  /**
   * What a job or container gets to call AWS with: this server's endpoint, region and credentials (a SageMaker
   * container gets its role's credentials, never the notebook's), so a script's boto3 or SDK calls land here.
   */
  awsEnvironment(): Record<string, string>;
}

export interface ContextOptions {
  stateDir: string;
  settings: LocalSettings;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** The server's URL (known once it listens). */
  url: () => string;
}

export function createServiceContext(options: ContextOptions): ServiceContext {
  const { stateDir, settings, credentials } = options;
  return {
    stateDir,
    settings,
    region: settings.region,
    accountId: settings.accountId,
    s3: new S3Service(join(stateDir, "s3")),
    logs: new LogsService(join(stateDir, "logs"), settings.region, settings.accountId),
    cloudwatch: new CloudWatchService({
      root: join(stateDir, "cloudwatch"),
      identity: { region: settings.region, accountId: settings.accountId },
      retentionMs: settings.metricsRetentionMs,
      alarmTimeScale: settings.alarmTimeScale,
    }),
    processes: new ProcessRegistry(stateDir),
    awsEnvironment: () => ({
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_REGION: settings.region,
      AWS_DEFAULT_REGION: settings.region,
      AWS_ENDPOINT_URL: options.url(),
    }),
  };
}
