import { join } from "node:path";
import { projectRoot } from "../project";
import { resolveKnobPath } from "./knob-path";

/**
 * What local SageMaker and its clients (the toolkit's launcher, the lab runner) agree on without importing each
 * other: where it listens by default, where its state lives, and what its health answer says.
 */

export const DEFAULT_LOCAL_PORT = 7070;
export const LOCAL_SERVICE_NAME = "local-sagemaker";
/** The alarm time scale the lab runner (and the notebook tests) give a server they start: 60 s periods on 1 s windows. */
export const LAB_ALARM_TIME_SCALE = 1 / 60;

/** `GET /_local/health`: who answers, and the identity the server writes into its ARNs. */
export interface LocalSageMakerHealth {
  service: typeof LOCAL_SERVICE_NAME;
  version: string;
  pid: number;
  url: string;
  region: string;
  accountId: string;
  /** LOCAL_SAGEMAKER_SERVERLESS_IDLE_SECONDS: when an idle serverless container stops (labs show it). */
  serverlessIdleSeconds: number;
  /** LOCAL_SAGEMAKER_ALARM_TIME_SCALE: how much shorter alarm windows and cooldowns are (labs size their waits). */
  alarmTimeScale: number;
}

/** `.work/local-sagemaker` in the project, or LOCAL_SAGEMAKER_STATE_DIR (tests and parallel runs use their own). */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  const override = env.LOCAL_SAGEMAKER_STATE_DIR;
  // Relative to the project root, as every path knob: the server, a notebook and the CLI agree on the folder.
  if (override) return resolveKnobPath(override, env);
  return join(projectRoot(), ".work", "local-sagemaker");
}
