/**
 * Every `LOCAL_SAGEMAKER_*` setting of the server in one place, read once at start-up and validated: a typo in a
 * value (`LOCAL_SAGEMAKER_MAX_INSTANCES=abc`) stops the start with a message naming the variable, the value and
 * the rule, instead of becoming NaN deep inside a service; a misspelt name is warned about.
 */

import { ARCHIVE_LIMIT_SETTINGS, type ArchiveLimits, DEFAULT_ARCHIVE_LIMITS } from "./archive-rules";

export const LOCAL_ACCOUNT_ID = "000000000000";
export const DEFAULT_LOCAL_REGION = "ap-northeast-2";

export interface LocalSettings {
  /** For ARNs: AWS_REGION, else Seoul (the workshop's home region). */
  region: string;
  accountId: string;
  /** Container instances running at once, over all endpoints. */
  maxInstances: number;
  /** Training jobs running at once. */
  maxTrainingJobs: number;
  /** Processing jobs running at once. */
  maxProcessingJobs: number;
  /** SIGTERM to SIGKILL when a job is stopped (AWS gives 120 s). */
  stopGraceMs: number;
  /** How long a serverless endpoint's on-demand container waits for a request before it stops. */
  serverlessIdleMs: number;
  /** Models a multi-model endpoint's instance keeps loaded at once (least recently used unloaded first). */
  mmeMaxModels: number;
  /** Only requests signed with the state folder's credentials are served (LOCAL_SAGEMAKER_AUTH=off turns it off). */
  auth: boolean;
  /** SageMaker publishes endpoint and training metrics to the local CloudWatch (LOCAL_SAGEMAKER_METRICS=off stops it). */
  metrics: boolean;
  /** What one model or source archive may expand to. */
  archiveLimits: ArchiveLimits;
  /** How long CloudWatch keeps metric datapoints (raw values, so percentiles stay exact). */
  metricsRetentionMs: number;
  /**
   * Alarm periods are evaluated over windows this many times as long (0.1: a 60 s period is judged on 6 s windows),
   * so a workshop's alarms act within seconds; 1 is AWS's pace.
   */
  alarmTimeScale: number;
  /** Execution environments one Lambda function may run at once (its concurrency); past it, TooManyRequests. */
  lambdaConcurrency: number;
  /** A Lambda environment idle this long is reclaimed (the next invocation is a cold start). */
  lambdaIdleMs: number;
}

type NumericSetting =
  | "maxInstances"
  | "maxTrainingJobs"
  | "maxProcessingJobs"
  | "stopGraceMs"
  | "serverlessIdleMs"
  | "mmeMaxModels"
  | "archiveMaxBytes"
  | "archiveMaxRatio"
  | "archiveMaxEntries"
  | "metricsRetentionMs"
  | "alarmTimeScale"
  | "lambdaConcurrency"
  | "lambdaIdleMs";

interface NumberRule {
  variable: string;
  integer: boolean;
  min: number;
  fallback: number;
  /** Settings kept in milliseconds are given in seconds. */
  scale?: number;
}

const NUMBERS: Readonly<Record<NumericSetting, NumberRule>> = {
  maxInstances: { variable: "LOCAL_SAGEMAKER_MAX_INSTANCES", integer: true, min: 1, fallback: 8 },
  maxTrainingJobs: { variable: "LOCAL_SAGEMAKER_MAX_TRAINING_JOBS", integer: true, min: 1, fallback: 2 },
  maxProcessingJobs: { variable: "LOCAL_SAGEMAKER_MAX_PROCESSING_JOBS", integer: true, min: 1, fallback: 2 },
  stopGraceMs: {
    variable: "LOCAL_SAGEMAKER_STOP_GRACE_SECONDS",
    integer: false,
    min: 0,
    fallback: 10,
    scale: 1000,
  },
  serverlessIdleMs: {
    variable: "LOCAL_SAGEMAKER_SERVERLESS_IDLE_SECONDS",
    integer: false,
    min: 0,
    fallback: 120,
    scale: 1000,
  },
  mmeMaxModels: { variable: "LOCAL_SAGEMAKER_MME_MAX_MODELS", integer: true, min: 1, fallback: 5 },
  archiveMaxBytes: {
    variable: ARCHIVE_LIMIT_SETTINGS.maxBytes,
    integer: true,
    min: 1,
    fallback: DEFAULT_ARCHIVE_LIMITS.maxBytes,
  },
  archiveMaxRatio: {
    variable: ARCHIVE_LIMIT_SETTINGS.maxRatio,
    integer: false,
    min: 1,
    fallback: DEFAULT_ARCHIVE_LIMITS.maxRatio,
  },
  archiveMaxEntries: {
    variable: ARCHIVE_LIMIT_SETTINGS.maxEntries,
    integer: true,
    min: 1,
    fallback: DEFAULT_ARCHIVE_LIMITS.maxEntries,
  },
  metricsRetentionMs: {
    variable: "LOCAL_SAGEMAKER_METRICS_RETENTION_HOURS",
    integer: false,
    min: 0.01,
    fallback: 24,
    scale: 3_600_000,
  },
  alarmTimeScale: { variable: "LOCAL_SAGEMAKER_ALARM_TIME_SCALE", integer: false, min: 0.001, fallback: 1 },
  lambdaConcurrency: { variable: "LOCAL_SAGEMAKER_LAMBDA_CONCURRENCY", integer: true, min: 1, fallback: 10 },
  lambdaIdleMs: {
    variable: "LOCAL_SAGEMAKER_LAMBDA_IDLE_SECONDS",
    integer: false,
    min: 1,
    fallback: 300,
    scale: 1000,
  },
};

const AUTH_VARIABLE = "LOCAL_SAGEMAKER_AUTH";
const METRICS_VARIABLE = "LOCAL_SAGEMAKER_METRICS";

/** An on/off setting: on unless it says off; anything else is a problem. */
function onOff(env: NodeJS.ProcessEnv, variable: string, problems: string[]): boolean {
  const text = env[variable]?.trim().toLowerCase();
  if (text === undefined || text === "" || text === "on") return true;
  if (text !== "off") problems.push(`${variable} is "${env[variable]}": use on (the default) or off.`);
  return false;
}

/** Read by the launcher, the CLI and the toolkit rather than the services; known, so not warned about. */
const CLIENT_VARIABLES = ["LOCAL_SAGEMAKER_PORT", "LOCAL_SAGEMAKER_URL", "LOCAL_SAGEMAKER_STATE_DIR"];

export class SettingsError extends Error {
  constructor(problems: string[]) {
    super(`Local SageMaker cannot start: ${problems.join(" ")}`);
    this.name = "SettingsError";
  }
}

export interface LoadedSettings {
  settings: LocalSettings;
  /** Variables that look like settings but are none (typos): the server prints these at start. */
  warnings: string[];
}

/** Reads the settings from `env`; `overrides` (tests, embedding) win over it. Throws SettingsError. */
export function loadSettings(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<LocalSettings> = {},
): LoadedSettings {
  const problems: string[] = [];
  const warnings: string[] = [];
  const numbers = {} as Record<NumericSetting, number>;
  for (const [key, rule] of Object.entries(NUMBERS) as [NumericSetting, NumberRule][]) {
    const raw = env[rule.variable]?.trim();
    if (raw === undefined || raw === "") {
      numbers[key] = rule.fallback * (rule.scale ?? 1);
      continue;
    }
    const value = Number(raw);
    const fits = Number.isFinite(value) && value >= rule.min && (!rule.integer || Number.isInteger(value));
    if (!fits) {
      problems.push(
        `${rule.variable} is "${raw}": use ${rule.integer ? "a whole number" : "a number"} of at least ${rule.min} (default ${rule.fallback}), or unset it.`,
      );
      continue;
    }
    numbers[key] = value * (rule.scale ?? 1);
  }
  const auth = onOff(env, AUTH_VARIABLE, problems);
  const metrics = onOff(env, METRICS_VARIABLE, problems);
  if (problems.length > 0) throw new SettingsError(problems);
  const known = new Set([
    ...Object.values(NUMBERS).map((rule) => rule.variable),
    AUTH_VARIABLE,
    METRICS_VARIABLE,
    ...CLIENT_VARIABLES,
  ]);
  for (const name of Object.keys(env)) {
    if (!name.startsWith("LOCAL_SAGEMAKER_") || known.has(name)) continue;
    warnings.push(
      `${name} is not a setting of local SageMaker and is ignored; known settings: ${[...known].sort().join(", ")}.`,
    );
  }
  const { archiveMaxBytes, archiveMaxRatio, archiveMaxEntries, ...rest } = numbers;
  const settings: LocalSettings = {
    region: env.AWS_REGION || DEFAULT_LOCAL_REGION,
    accountId: LOCAL_ACCOUNT_ID,
    ...rest,
    auth,
    metrics,
    archiveLimits: { maxBytes: archiveMaxBytes, maxRatio: archiveMaxRatio, maxEntries: archiveMaxEntries },
    ...overrides,
  };
  // Whoever turned the checks off (the variable, or a program embedding the server), the start-up says so.
  if (!settings.auth) {
    const how = auth ? "auth: false (set by the program that started the server)" : `${AUTH_VARIABLE}=off`;
    warnings.unshift(
      `${how}: requests are served without checking their signatures. Anyone who can reach this port can run code as you; keep it for scripted use on a machine of your own.`,
    );
  }
  return { settings, warnings };
}
