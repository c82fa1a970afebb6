import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { resolveKnobPath } from "../common/knob-path";
import { workshopRoot } from "../data/paths";

/** Where the SDK clients point: our local SageMaker on 127.0.0.1, or the real AWS services. */
export type WorkshopMode = "local" | "aws";

export interface WorkshopConfig {
  mode: WorkshopMode;
  region: string;
  /** Execution role the training jobs and models assume. Locally a fixed placeholder ARN. */
  roleArn?: string;
  /** AWS mode: the execution role Lambda functions assume (lab 4.4). */
  lambdaRoleArn?: string;
  /** Overrides the default bucket `sagemaker-<region>-<account>`. */
  bucket?: string;
  /** AWS mode only: the user agreed that cells may create billable resources. Always true locally. */
  confirmCosts: boolean;
  /** Local mode: port of local SageMaker (the server's own default when absent). */
  localPort?: number;
  /** The file the settings came from, when one was read (shown in error messages). */
  configFile?: string;
}

/** The settings file a user may write instead of exporting variables; `.work/` is git-ignored so the role ARN stays private. */
interface ConfigFile {
  mode?: string;
  region?: string;
  roleArn?: string;
  lambdaRoleArn?: string;
  bucket?: string;
  confirmCosts?: boolean;
  localPort?: number;
}

/** The placeholder execution role of local mode, in the account local SageMaker reports (`/_local/health`). */
export const localRoleArn = (accountId: string): string =>
  `arn:aws:iam::${accountId}:role/LocalSageMakerExecutionRole`;
export const DEFAULT_AWS_REGION = "ap-northeast-2";

export const defaultConfigFile = (): string => resolve(workshopRoot(), ".work", "config.json");

const ROLE_ARN_PATTERN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@\-/]{1,512}$/;

export class WorkshopConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WorkshopConfigError";
  }
}

function readConfigFile(path: string): ConfigFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new WorkshopConfigError(
      `The workshop config file ${path} is not valid JSON (${(error as Error).message}). Fix or delete it.`,
    );
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new WorkshopConfigError(`The workshop config file ${path} must hold a JSON object.`);
  }
  return parsed as ConfigFile;
}

const truthy = (value: string | undefined): boolean | undefined =>
  value === undefined || value === "" ? undefined : ["1", "true", "yes", "on"].includes(value.toLowerCase());

function parseMode(value: string, source: string): WorkshopMode {
  const mode = value.trim().toLowerCase();
  if (mode === "local" || mode === "aws") return mode;
  throw new WorkshopConfigError(`${source} is "${value}": use "local" (the default) or "aws".`);
}

/**
 * Reads the workshop settings. Environment variables win over the config file:
 * SM_MODE (local|aws), AWS_REGION / AWS_DEFAULT_REGION, SM_ROLE_ARN, SM_LAMBDA_ROLE_ARN, SM_BUCKET, SM_CONFIRM_COSTS,
 * LOCAL_SAGEMAKER_PORT, and SM_CONFIG_FILE (default `.work/config.json`).
 * Local mode ignores the region and role: the session takes them from the local SageMaker it attaches to.
 */
export function loadWorkshopConfig(env: NodeJS.ProcessEnv = process.env): WorkshopConfig {
  const configFile = env.SM_CONFIG_FILE ? resolveKnobPath(env.SM_CONFIG_FILE, env) : defaultConfigFile();
  const explicitFile = Boolean(env.SM_CONFIG_FILE);
  if (explicitFile && !existsSync(configFile)) {
    throw new WorkshopConfigError(
      `SM_CONFIG_FILE=${env.SM_CONFIG_FILE} names ${configFile}, which does not exist (relative paths start at the project root).`,
    );
  }
  const file = existsSync(configFile) ? readConfigFile(configFile) : {};
  const fileNote = existsSync(configFile) ? configFile : undefined;

  const mode = env.SM_MODE
    ? parseMode(env.SM_MODE, "SM_MODE")
    : file.mode
      ? parseMode(file.mode, `"mode" in ${configFile}`)
      : "local";
  const portText =
    env.LOCAL_SAGEMAKER_PORT ?? (file.localPort === undefined ? undefined : String(file.localPort));
  const localPort = portText === undefined || portText === "" ? undefined : Number(portText);
  if (localPort !== undefined && (!Number.isInteger(localPort) || localPort < 1 || localPort > 65535)) {
    throw new WorkshopConfigError(`The local SageMaker port "${portText}" is not a port number (1-65535).`);
  }

  if (mode === "local") {
    return {
      mode,
      // Replaced by the server's own region and account when the session attaches to it.
      region: DEFAULT_AWS_REGION,
      bucket: env.SM_BUCKET || file.bucket,
      confirmCosts: true,
      localPort,
      configFile: fileNote,
    };
  }

  const roleArn = env.SM_ROLE_ARN || file.roleArn;
  const lambdaRoleArn = env.SM_LAMBDA_ROLE_ARN || file.lambdaRoleArn;
  for (const [what, arn] of [
    ["execution role", roleArn],
    ["Lambda execution role", lambdaRoleArn],
  ] as const) {
    if (arn !== undefined && !ROLE_ARN_PATTERN.test(arn)) {
      throw new WorkshopConfigError(
        `The ${what} "${arn}" is not an IAM role ARN (arn:aws:iam::<12-digit account>:role/<name>).`,
      );
    }
  }
  return {
    mode,
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || file.region || DEFAULT_AWS_REGION,
    roleArn,
    lambdaRoleArn,
    bucket: env.SM_BUCKET || file.bucket,
    confirmCosts: truthy(env.SM_CONFIRM_COSTS) ?? file.confirmCosts === true,
    configFile: fileNote,
  };
}

/** The execution role, or an error that says where to put one. */
export function requireRoleArn(config: WorkshopConfig): string {
  if (config.roleArn) return config.roleArn;
  throw new WorkshopConfigError(
    "AWS mode needs a SageMaker execution role: set SM_ROLE_ARN=arn:aws:iam::<account>:role/<name> " +
      `or put {"roleArn": "..."} in ${config.configFile ?? defaultConfigFile()}. ` +
      "The role needs AmazonSageMakerFullAccess and access to the workshop bucket.",
  );
}

/** The role Lambda functions assume in AWS mode, or an error that says where to put one. */
export function requireLambdaRoleArn(config: WorkshopConfig): string {
  if (config.lambdaRoleArn) return config.lambdaRoleArn;
  throw new WorkshopConfigError(
    "AWS mode needs an execution role for Lambda functions: set SM_LAMBDA_ROLE_ARN=arn:aws:iam::<account>:role/<name> " +
      `or put {"lambdaRoleArn": "..."} in ${config.configFile ?? defaultConfigFile()}. ` +
      "The role must trust lambda.amazonaws.com; AWSLambdaBasicExecutionRole is enough for lab 4.4.",
  );
}
