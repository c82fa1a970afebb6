import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { performance } from "node:perf_hooks";
import {
  CreateFunctionCommand,
  type CreateFunctionCommandInput,
  DeleteFunctionCommand,
  InvokeCommand,
  type InvokeCommandInput,
  type Runtime,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionActiveV2,
  waitUntilFunctionUpdatedV2,
} from "@aws-sdk/client-lambda";
import { zipSync } from "fflate";
import { projectRoot } from "../project";
import { requireLambdaRoleArn } from "./config";
import { assertCostConsent } from "./cost";
import { uniqueName, workshopTags } from "./naming";
import type { WorkshopSession } from "./session";

/**
 * Serverless inference on AWS Lambda, in the Python SDK's spirit (`sagemaker.serverless.LambdaModel`):
 * `new LambdaModel(session, { zip }).deploy({ functionName, timeout, memorySize })` sends CreateFunction and waits
 * with the SDK's waitUntilFunctionActiveV2; `predictor.predict(data)` sends Invoke with the JSON payload and returns
 * the decoded answer, the client's latency and, when the log tail is asked for, the REPORT line's figures. The
 * same zip runs on local Lambda and on real Lambda (SM_MODE=aws).
 */

export interface LambdaModelOptions {
  /** The deployment package (see packLambdaZip). */
  zip: Buffer;
  /** `file.export`; default "index.handler". */
  handler?: string;
  /** Default "nodejs22.x". */
  runtime?: Runtime;
  /** AWS mode: the function's execution role (default: SM_LAMBDA_ROLE_ARN / "lambdaRoleArn" in the config). */
  roleArn?: string;
  environment?: Record<string, string>;
  description?: string;
  lab?: string;
}

export interface LambdaDeployOptions {
  /** Default `ko-sagemaker-<lab>-<time>`. */
  functionName?: string;
  /** Seconds, 1–900 (default 30). */
  timeout?: number;
  /** MB, 128–10240 (default 1024). */
  memorySize?: number;
  /** Give up waiting for Active after this long (default 60 s locally, 300 s on AWS). */
  timeoutSeconds?: number;
}

/** Lambda's tags are a map; the workshop's keys are the same as on SageMaker resources. */
export function lambdaTags(lab?: string): Record<string, string> {
  return Object.fromEntries(workshopTags(lab).map((tag) => [tag.Key as string, tag.Value as string]));
}

export function buildCreateFunctionRequest(
  functionName: string,
  roleArn: string,
  model: Omit<LambdaModelOptions, "lab" | "roleArn">,
  deploy: Pick<LambdaDeployOptions, "timeout" | "memorySize">,
  tags: Record<string, string>,
): CreateFunctionCommandInput {
  return {
    FunctionName: functionName,
    Runtime: model.runtime ?? "nodejs22.x",
    Handler: model.handler ?? "index.handler",
    Role: roleArn,
    Code: { ZipFile: model.zip },
    PackageType: "Zip",
    Timeout: deploy.timeout ?? 30,
    MemorySize: deploy.memorySize ?? 1024,
    ...(model.description ? { Description: model.description } : {}),
    ...(model.environment && Object.keys(model.environment).length > 0
      ? { Environment: { Variables: model.environment } }
      : {}),
    Tags: tags,
  };
}

export function buildInvokeRequest(functionName: string, data: unknown, tail: boolean): InvokeCommandInput {
  return {
    FunctionName: functionName,
    InvocationType: "RequestResponse",
    ...(tail ? { LogType: "Tail" as const } : {}),
    Payload: Buffer.from(JSON.stringify(data)),
  };
}

/** The execution role: on AWS the configured one; locally a placeholder in the server's account. */
export async function lambdaRoleArn(session: WorkshopSession): Promise<string> {
  if (session.mode === "local")
    return `arn:aws:iam::${await session.accountId()}:role/LocalLambdaExecutionRole`;
  return requireLambdaRoleArn(session.config);
}

export class LambdaModel {
  constructor(
    readonly session: WorkshopSession,
    readonly options: LambdaModelOptions,
  ) {}

  /** CreateFunction, then waits until the function is Active; returns its predictor. */
  async deploy(options: LambdaDeployOptions = {}): Promise<LambdaPredictor> {
    const lab = this.options.lab;
    const functionName =
      options.functionName ?? uniqueName(lab ? `ko-sagemaker-${lab.replace(/\./g, "-")}` : "ko-sagemaker-fn");
    assertCostConsent(
      this.session.config,
      `the Lambda function ${functionName} (${options.memorySize ?? 1024} MB, billed per request and GB-second)`,
    );
    const roleArn = this.options.roleArn ?? (await lambdaRoleArn(this.session));
    const request = buildCreateFunctionRequest(functionName, roleArn, this.options, options, lambdaTags(lab));
    await this.session.lambda.send(new CreateFunctionCommand(request));
    await waitUntilFunctionActiveV2(waitConfig(this.session, options.timeoutSeconds), {
      FunctionName: functionName,
    });
    return new LambdaPredictor(this.session, functionName);
  }
}

/** Local functions are ready in well under a second, real ones in seconds. */
function waitConfig(session: WorkshopSession, timeoutSeconds: number | undefined) {
  const local = session.mode === "local";
  return {
    client: session.lambda,
    minDelay: local ? 0.1 : 2,
    maxDelay: local ? 0.5 : 10,
    maxWaitTime: timeoutSeconds ?? (local ? 60 : 300),
  };
}

/** What a REPORT line says of one invocation (milliseconds and MB, as Lambda writes them). */
export interface LambdaReport {
  requestId: string;
  durationMs: number;
  billedDurationMs: number;
  memorySizeMB: number;
  maxMemoryUsedMB: number;
  /** Only on a cold start. */
  initDurationMs?: number;
}

/** The REPORT line of an invocation's log (the `X-Amz-Log-Result` tail), parsed; undefined when there is none. */
export function parseReportLine(log: string): LambdaReport | undefined {
  const line = log.split("\n").find((candidate) => candidate.startsWith("REPORT RequestId:"));
  if (!line) return undefined;
  const field = (label: string): number | undefined => {
    const match = new RegExp(`${label}: ([\\d.]+)`).exec(line);
    return match ? Number(match[1]) : undefined;
  };
  const initDurationMs = field("Init Duration");
  return {
    requestId: /RequestId: (\S+)/.exec(line)?.[1] ?? "",
    durationMs: field("\tDuration") ?? 0,
    billedDurationMs: field("Billed Duration") ?? 0,
    memorySizeMB: field("Memory Size") ?? 0,
    maxMemoryUsedMB: field("Max Memory Used") ?? 0,
    ...(initDurationMs === undefined ? {} : { initDurationMs }),
  };
}

export interface LambdaPrediction<T = unknown> {
  result: T;
  /** Client-side round trip of Invoke, in milliseconds. */
  latencyMs: number;
  /** With `tail`: the invocation's log (last 4 KB) and its REPORT line. */
  log?: string;
  report?: LambdaReport;
}

/** The function answered with an error (X-Amz-Function-Error): its error document and log. */
export class LambdaFunctionError extends Error {
  readonly errorType: string;
  constructor(
    readonly functionName: string,
    readonly functionError: string,
    readonly document: { errorType?: string; errorMessage?: string; [key: string]: unknown },
    readonly log?: string,
  ) {
    super(
      `${document.errorType ?? functionError} from Lambda function ${functionName}: ${document.errorMessage ?? ""}`,
    );
    this.name = "LambdaFunctionError";
    this.errorType = document.errorType ?? functionError;
  }

  get report(): LambdaReport | undefined {
    return this.log === undefined ? undefined : parseReportLine(this.log);
  }
}

export class LambdaPredictor<T = unknown> {
  constructor(
    readonly session: WorkshopSession,
    readonly functionName: string,
  ) {}

  /**
   * UpdateFunctionConfiguration, then waits until the update is done. Lambda runs the next invocations in new
   * environments (cold starts), since the old ones ran the old configuration.
   */
  async updateConfiguration(changes: {
    timeout?: number;
    memorySize?: number;
    environment?: Record<string, string>;
  }): Promise<void> {
    await this.session.lambda.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: this.functionName,
        ...(changes.timeout === undefined ? {} : { Timeout: changes.timeout }),
        ...(changes.memorySize === undefined ? {} : { MemorySize: changes.memorySize }),
        ...(changes.environment === undefined ? {} : { Environment: { Variables: changes.environment } }),
      }),
    );
    await waitUntilFunctionUpdatedV2(waitConfig(this.session, undefined), {
      FunctionName: this.functionName,
    });
  }

  /** Invokes with `data` as the JSON event; `tail` asks for the log tail (and so the REPORT figures). */
  async predict(data: unknown, options: { tail?: boolean } = {}): Promise<LambdaPrediction<T>> {
    const started = performance.now();
    const answer = await this.session.lambda.send(
      new InvokeCommand(buildInvokeRequest(this.functionName, data, options.tail === true)),
    );
    const latencyMs = performance.now() - started;
    const text = Buffer.from(answer.Payload ?? []).toString("utf8");
    const log = answer.LogResult ? Buffer.from(answer.LogResult, "base64").toString("utf8") : undefined;
    const decoded: unknown = text === "" ? undefined : JSON.parse(text);
    if (answer.FunctionError) {
      throw new LambdaFunctionError(
        this.functionName,
        answer.FunctionError,
        decoded as { errorType?: string },
        log,
      );
    }
    const report = log === undefined ? undefined : parseReportLine(log);
    return {
      result: decoded as T,
      latencyMs,
      ...(log === undefined ? {} : { log }),
      ...(report ? { report } : {}),
    };
  }
}

/** Deletes the function; one already gone is not an error. */
export async function deleteLambda(session: WorkshopSession, functionName: string): Promise<boolean> {
  try {
    await session.lambda.send(new DeleteFunctionCommand({ FunctionName: functionName }));
    return true;
  } catch (error) {
    if ((error as Error).name === "ResourceNotFoundException") return false;
    throw error;
  }
}

/** The files of a folder (recursively), by their path inside it with forward slashes. */
function filesOf(dir: string): [string, Buffer][] {
  const files: [string, Buffer][] = [];
  const walk = (folder: string): void => {
    for (const name of readdirSync(folder).sort()) {
      const path = join(folder, name);
      const info = statSync(path);
      if (info.isDirectory()) walk(path);
      else if (info.isFile()) files.push([relative(dir, path).split(sep).join("/"), readFileSync(path)]);
    }
  };
  walk(dir);
  return files;
}

/** The workshop classifier's compiled modules a handler needs to load and run a model, found from artifact.js. */
function classifierModules(): [string, Buffer][] {
  const dir = join(projectRoot(), "dist", "model");
  if (!existsSync(join(dir, "artifact.js"))) {
    throw new Error(`The compiled classifier is missing from ${dir}: run \`npm run build\` first.`);
  }
  const seen = new Map<string, Buffer>();
  const visit = (name: string): void => {
    if (seen.has(name)) return;
    const source = readFileSync(join(dir, name));
    seen.set(name, source);
    for (const match of source.toString("utf8").matchAll(/require\("\.\/([\w-]+)"\)/g))
      visit(`${match[1]}.js`);
  };
  visit("artifact.js");
  return [...seen].map(([name, source]) => [`classifier/${name}`, source]);
}

/**
 * A deployment package: the handler folder's files at the zip's root and, with `modelDir`, the model's files under
 * `model/` and the workshop classifier's modules under `classifier/` (plain CommonJS, no dependencies), so
 * the handler loads the model with `require("./classifier/artifact.js").loadModelDir(__dirname + "/model")` on
 * local and real Lambda alike.
 */
export function packLambdaZip(handlerDir: string, modelDir?: string): Buffer {
  if (!existsSync(handlerDir) || !statSync(handlerDir).isDirectory()) {
    throw new Error(`The handler folder "${handlerDir}" does not exist.`);
  }
  const entries: [string, Buffer][] = filesOf(handlerDir);
  if (modelDir !== undefined) {
    if (!existsSync(join(modelDir, "config.json"))) {
      throw new Error(`"${modelDir}" holds no model (no config.json): pass the folder a model was saved to.`);
    }
    entries.push(...filesOf(modelDir).map(([path, bytes]): [string, Buffer] => [`model/${path}`, bytes]));
    entries.push(...classifierModules());
  }
  // A fixed time keeps the package (and so its CodeSha256) the same for the same files.
  const mtime = new Date("2020-01-01T00:00:00Z");
  return Buffer.from(zipSync(Object.fromEntries(entries.map(([path, bytes]) => [path, [bytes, { mtime }]]))));
}
