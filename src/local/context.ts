import { join, resolve } from "node:path";
import { projectRoot } from "../project";
import { LogsService } from "./services/logs";
import { S3Service } from "./services/s3";

/** What every local service receives: where state lives, how ARNs are spelled, and the shared services. */
export interface ServiceContext {
  /** Root of durable state; each service uses its own sub-folder. */
  stateDir: string;
  /** For ARNs: env AWS_REGION, else ap-northeast-2 (the workshop's home region). */
  region: string;
  accountId: string;
  s3: S3Service;
  logs: LogsService;
}

export const LOCAL_ACCOUNT_ID = "000000000000";
export const DEFAULT_LOCAL_REGION = "ap-northeast-2";

export function createServiceContext(options: { stateDir: string; region?: string }): ServiceContext {
  const region = options.region ?? process.env.AWS_REGION ?? DEFAULT_LOCAL_REGION;
  return {
    stateDir: options.stateDir,
    region,
    accountId: LOCAL_ACCOUNT_ID,
    s3: new S3Service(join(options.stateDir, "s3")),
    logs: new LogsService(join(options.stateDir, "logs"), region, LOCAL_ACCOUNT_ID),
  };
}

/** `.work/local-sagemaker` in the project, or LOCAL_SAGEMAKER_STATE_DIR (tests and parallel runs use their own). */
export function defaultStateDir(): string {
  const override = process.env.LOCAL_SAGEMAKER_STATE_DIR;
  if (override) return resolve(override);
  return join(projectRoot(), ".work", "local-sagemaker");
}
