import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import {
  LOCAL_PROFILE,
  type LocalCredentials,
  localCredentialsFile,
  readLocalCredentials,
} from "../common/local-credentials";
import {
  DEFAULT_LOCAL_PORT,
  defaultStateDir,
  LOCAL_SERVICE_NAME,
  type LocalSageMakerHealth,
} from "../common/local-sagemaker";
import { projectRoot } from "../project";

/**
 * Starts local SageMaker in the background when a notebook needs it, or reuses the one already running.
 * "Running" is decided by asking it (GET /_local/health), never by a pid file that may be stale.
 */

const START_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 15_000;

export type { LocalSageMakerHealth };

/** Where local SageMaker answers: env LOCAL_SAGEMAKER_URL, else 127.0.0.1 on LOCAL_SAGEMAKER_PORT or 7070. */
export function localSageMakerUrl(port?: number): string {
  if (port === undefined && process.env.LOCAL_SAGEMAKER_URL)
    return process.env.LOCAL_SAGEMAKER_URL.replace(/\/+$/, "");
  return `http://127.0.0.1:${port ?? defaultPort()}`;
}

function defaultPort(): number {
  const text = process.env.LOCAL_SAGEMAKER_PORT;
  if (text === undefined || text === "") return DEFAULT_LOCAL_PORT;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new Error(`LOCAL_SAGEMAKER_PORT is "${text}": use a port number from 1 to 65535.`);
  }
  return port;
}

/** Asks the server who it is; undefined when nothing answers, an error when something else does. */
export async function localSageMakerHealth(url: string): Promise<LocalSageMakerHealth | undefined> {
  let response: Response;
  try {
    response = await fetch(`${url}/_local/health`, { signal: AbortSignal.timeout(2_000) });
  } catch {
    return undefined;
  }
  const text = await response.text().catch(() => "");
  try {
    const health = JSON.parse(text) as LocalSageMakerHealth;
    if (response.ok && health.service === LOCAL_SERVICE_NAME) return health;
  } catch {
    // not JSON: not ours
  }
  throw new Error(
    `Something other than local SageMaker answers at ${url} (HTTP ${response.status}). Stop it, or choose another port with LOCAL_SAGEMAKER_PORT.`,
  );
}

/**
 * The key local SageMaker admits: the `[local]` profile of its state folder's credentials file. Without a state
 * folder named, the file AWS_SHARED_CREDENTIALS_FILE names when AWS_PROFILE is `local` (the two lines
 * `npm run local` prints), else the one in the default state folder (LOCAL_SAGEMAKER_STATE_DIR honoured).
 */
export function localCredentials(options: { stateDir?: string } = {}): LocalCredentials {
  if (options.stateDir) return readLocalCredentials(localCredentialsFile(resolve(options.stateDir)));
  const shared = process.env.AWS_SHARED_CREDENTIALS_FILE;
  if (shared && process.env.AWS_PROFILE === LOCAL_PROFILE) return readLocalCredentials(shared);
  return readLocalCredentials(localCredentialsFile(defaultStateDir()));
}

export interface LocalSageMakerConnection {
  url: string;
  /** Whether this call started the server (it then runs in the background until stopped). */
  started: boolean;
  health: LocalSageMakerHealth;
  credentials: LocalCredentials;
}

export async function ensureLocalSageMaker(
  options: { port?: number; stateDir?: string } = {},
): Promise<LocalSageMakerConnection> {
  const url = localSageMakerUrl(options.port);
  const running = await localSageMakerHealth(url);
  if (running) return { url, started: false, health: running, credentials: localCredentials(options) };
  const target = new URL(url);
  if (target.hostname !== "127.0.0.1" && target.hostname !== "localhost") {
    throw new Error(
      `Local SageMaker does not answer at ${url}, and only a server on 127.0.0.1 can be started from here.`,
    );
  }
  const port = Number(target.port || 80);
  const stateDir = resolve(options.stateDir ?? defaultStateDir());
  mkdirSync(stateDir, { recursive: true });
  const logFile = join(stateDir, "server.log");
  const child = spawnServer(port, stateDir, logFile);

  let exitCode: number | null | undefined;
  child.once("exit", (code) => {
    exitCode = code;
  });
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    // Another caller may have started one at the same moment: whichever answers is the server.
    const health = await localSageMakerHealth(url);
    if (health) {
      child.unref();
      return { url, started: exitCode === undefined, health, credentials: localCredentials({ stateDir }) };
    }
    if (exitCode !== undefined) break;
    await sleep(100);
  }
  if (exitCode === undefined) child.kill("SIGTERM");
  throw new Error(
    `Local SageMaker did not come up at ${url} within ${START_TIMEOUT_MS / 1000} s` +
      `${exitCode !== undefined ? ` (the process exited with code ${exitCode})` : ""}. Log ${logFile}:\n${tail(logFile)}`,
  );
}

/**
 * Asks the server at `url` to stop (proving it owns the state folder with its key) and waits until it no longer
 * answers. Stopped already is fine.
 */
export async function stopLocalSageMaker(
  url: string = localSageMakerUrl(),
  options: { stateDir?: string } = {},
): Promise<void> {
  if (!(await answers(url))) return;
  const key = localCredentials(options).secretAccessKey;
  let response: Response;
  try {
    response = await fetch(`${url}/_local/shutdown`, {
      method: "POST",
      headers: { "x-local-sagemaker-key": key },
      signal: AbortSignal.timeout(5_000),
    });
  } catch {
    return; // it went away meanwhile
  }
  if (response.status === 403) {
    throw new Error(
      `Local SageMaker at ${url} refused to stop: this is not the key of its state folder. Stop it with the state folder it runs on (stopLocalSageMaker(url, { stateDir })), or with Ctrl-C where it runs.`,
    );
  }
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (!(await answers(url))) return;
    await sleep(100);
  }
  throw new Error(
    `Local SageMaker at ${url} still answers ${STOP_TIMEOUT_MS / 1000} s after it was asked to stop.`,
  );
}

function spawnServer(port: number, stateDir: string, logFile: string) {
  const root = projectRoot();
  const compiled = join(root, "dist", "local", "cli.js");
  const fromSources = __filename.endsWith(".ts") || !existsSync(compiled);
  const args = fromSources
    ? [createRequire(join(root, "package.json")).resolve("tsx/cli"), join(root, "src", "local", "cli.ts")]
    : [compiled];
  const log = openSync(logFile, "a");
  try {
    return spawn(process.execPath, [...args, "--port", String(port), "--state-dir", stateDir], {
      cwd: root,
      detached: true,
      stdio: ["ignore", log, log],
      env: process.env,
    });
  } finally {
    closeSync(log);
  }
}

async function answers(url: string): Promise<boolean> {
  try {
    await fetch(`${url}/_local/health`, { signal: AbortSignal.timeout(1_000) });
    return true;
  } catch {
    return false;
  }
}

function tail(file: string): string {
  try {
    return readFileSync(file, "utf8").split("\n").slice(-30).join("\n");
  } catch {
    return "(no log written)";
  }
}

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));
