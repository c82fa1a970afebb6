import { GetObjectCommand, paginateListObjectsV2 } from "@aws-sdk/client-s3";
import {
  CreateTransformJobCommand,
  type CreateTransformJobCommandInput,
  DescribeTransformJobCommand,
  type DescribeTransformJobCommandOutput,
  type Tag,
  type TransformInstanceType,
  waitUntilTransformJobCompletedOrStopped,
} from "@aws-sdk/client-sagemaker";
import { parse as parseCsv } from "csv-parse/sync";
import { assertCostConsent } from "./cost";
import { type LogLine, LogStreamFollower } from "./logs";
import { assertSageMakerName, uniqueName, workshopTags } from "./naming";
import { parseS3Uri, s3Uri } from "./s3";
import type { WorkshopSession } from "./session";

/**
 * Batch transform, as the Python SDK's Transformer: `model.transformer({...})` holds the job settings,
 * `transform(dataUri, {...})` sends one plain CreateTransformJob (built by `buildTransformJobRequest`, which the tests
 * check against the Smithy shapes), waits with status and the job's CloudWatch logs, and `output()` reads the `.out`
 * objects back. The same calls run against local SageMaker and AWS.
 */

export type BatchStrategyName = "SingleRecord" | "MultiRecord";

export interface TransformerOptions {
  instanceType: string;
  instanceCount?: number;
  /** Where the `.out` objects go; default `s3://<default bucket>/<job name>`, as the Python SDK. */
  outputPath?: string;
  /** One record per request, or as many as fit in `maxPayloadMB` (SageMaker's BatchStrategy). */
  strategy?: BatchStrategyName;
  /** "Line" ends every answer with a newline; "None" (SageMaker's default) writes them back to back. */
  assembleWith?: "Line" | "None";
  /** The Accept header sent to the model, and the output objects' content type. */
  accept?: string;
  maxPayloadMB?: number;
  maxConcurrentTransforms?: number;
  /** Environment variables for the model's containers, on top of the model's own. */
  env?: Record<string, string>;
  /** ModelClientConfig: per-request timeout (default 600 s) and retries (default 3). */
  invocationsTimeoutSeconds?: number;
  invocationsMaxRetries?: number;
  outputKmsKey?: string;
  volumeKmsKey?: string;
  baseTransformJobName?: string;
  /** The lab that creates the jobs: tagged, so `cleanupWorkshopResources({ lab })` finds them. */
  lab?: string;
  tags?: Tag[];
}

export interface TransformOptions {
  /** The Content-Type sent to the model, e.g. application/jsonlines or text/csv. */
  contentType?: string;
  /** "Line" makes every line a record; "None" (the default) sends each object whole. */
  splitType?: "None" | "Line" | "RecordIO" | "TFRecord";
  compressionType?: "None" | "Gzip";
  /** S3Prefix (every object under the URI, the default) or ManifestFile. */
  dataType?: "S3Prefix" | "ManifestFile";
  /** DataProcessing: a JSONPath of the input the model sees, e.g. "$.inputs" or "$[1:]". */
  inputFilter?: string;
  /** DataProcessing: a JSONPath of what is written, e.g. "$['id','SageMakerOutput']". */
  outputFilter?: string;
  /** "Input" joins every answer to its input record. */
  joinSource?: "Input" | "None";
  jobName?: string;
  /** Return right after CreateTransformJob (default: wait for the end). */
  wait?: boolean;
  /** Print the job's CloudWatch logs while waiting (default true). */
  logs?: boolean;
  /** Seconds between DescribeTransformJob polls (default 0.5 locally, 30 on AWS). */
  pollSeconds?: number;
  /** Give up waiting after this long (default 1 h locally, 24 h on AWS); the job runs on. */
  timeoutSeconds?: number;
  onStatus?: (change: TransformStatusChange) => void;
  onLog?: (line: LogLine) => void;
}

export interface TransformStatusChange {
  status: string;
  elapsedSeconds: number;
  failureReason?: string;
}

export interface TransformResult {
  jobName: string;
  status: string;
  description: DescribeTransformJobCommandOutput;
  outputPath: string;
  /** TransformEndTime − TransformStartTime: the time on the instances (what AWS bills). */
  jobSeconds?: number;
  /** CreateTransformJob to the end, as the caller waited for it. */
  wallSeconds: number;
  statusHistory: TransformStatusChange[];
  logs: LogLine[];
}

export class TransformJobError extends Error {
  constructor(
    message: string,
    readonly result: TransformResult,
  ) {
    super(message);
    this.name = "TransformJobError";
  }
}

export interface TransformJobSpec extends TransformerOptions, Omit<TransformOptions, "jobName"> {
  jobName: string;
  modelName: string;
  /** The input: an S3 prefix, or a manifest with dataType ManifestFile. */
  dataUri: string;
  outputPath: string;
  tags: Tag[];
}

/** The CreateTransformJob request, built without sending it (so tests can check it against the service model). */
export function buildTransformJobRequest(spec: TransformJobSpec): CreateTransformJobCommandInput {
  parseS3Uri(spec.dataUri);
  parseS3Uri(spec.outputPath);
  const dataProcessing = {
    ...(spec.inputFilter ? { InputFilter: spec.inputFilter } : {}),
    ...(spec.outputFilter ? { OutputFilter: spec.outputFilter } : {}),
    ...(spec.joinSource ? { JoinSource: spec.joinSource } : {}),
  };
  const clientConfig = {
    ...(spec.invocationsTimeoutSeconds === undefined
      ? {}
      : { InvocationsTimeoutInSeconds: spec.invocationsTimeoutSeconds }),
    ...(spec.invocationsMaxRetries === undefined
      ? {}
      : { InvocationsMaxRetries: spec.invocationsMaxRetries }),
  };
  return {
    TransformJobName: assertSageMakerName(spec.jobName, "transform job"),
    ModelName: spec.modelName,
    ...(spec.strategy ? { BatchStrategy: spec.strategy } : {}),
    ...(spec.maxPayloadMB === undefined ? {} : { MaxPayloadInMB: spec.maxPayloadMB }),
    ...(spec.maxConcurrentTransforms === undefined
      ? {}
      : { MaxConcurrentTransforms: spec.maxConcurrentTransforms }),
    ...(Object.keys(clientConfig).length ? { ModelClientConfig: clientConfig } : {}),
    ...(spec.env && Object.keys(spec.env).length ? { Environment: spec.env } : {}),
    TransformInput: {
      DataSource: { S3DataSource: { S3DataType: spec.dataType ?? "S3Prefix", S3Uri: spec.dataUri } },
      ...(spec.contentType ? { ContentType: spec.contentType } : {}),
      ...(spec.compressionType ? { CompressionType: spec.compressionType } : {}),
      ...(spec.splitType ? { SplitType: spec.splitType } : {}),
    },
    TransformOutput: {
      S3OutputPath: spec.outputPath,
      ...(spec.accept ? { Accept: spec.accept } : {}),
      ...(spec.assembleWith ? { AssembleWith: spec.assembleWith } : {}),
      ...(spec.outputKmsKey ? { KmsKeyId: spec.outputKmsKey } : {}),
    },
    TransformResources: {
      InstanceType: spec.instanceType as TransformInstanceType,
      InstanceCount: spec.instanceCount ?? 1,
      ...(spec.volumeKmsKey ? { VolumeKmsKeyId: spec.volumeKmsKey } : {}),
    },
    ...(Object.keys(dataProcessing).length ? { DataProcessing: dataProcessing } : {}),
    Tags: spec.tags,
  };
}

const TERMINAL = new Set(["Completed", "Failed", "Stopped"]);
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
const seconds = (from?: Date, to?: Date): number | undefined =>
  from && to ? (to.getTime() - from.getTime()) / 1000 : undefined;

function printStatus(jobName: string): (change: TransformStatusChange) => void {
  return (change) =>
    console.log(
      `[${change.elapsedSeconds.toFixed(1).padStart(6)} s] transform job ${jobName}: ${change.status}` +
        (change.failureReason ? ` (${change.failureReason})` : ""),
    );
}

/**
 * Waits for a transform job and returns how it ended; a job that did not complete is a TransformJobError quoting
 * FailureReason. With logs (the default) it polls DescribeTransformJob itself, so the job's log lines print between
 * the status changes as they happen; without, it leaves the polling to the SDK's waiter.
 */
export async function waitForTransformJob(
  session: WorkshopSession,
  jobName: string,
  options: Omit<TransformOptions, "jobName" | "wait"> & { startedAt?: number } = {},
): Promise<TransformResult> {
  const started = options.startedAt ?? Date.now();
  const pollSeconds = options.pollSeconds ?? (session.mode === "local" ? 0.5 : 30);
  const deadline = started + 1000 * (options.timeoutSeconds ?? (session.mode === "local" ? 3600 : 86_400));
  const onStatus = options.onStatus ?? printStatus(jobName);
  const onLog = options.onLog ?? ((line: LogLine) => console.log(line.message));
  const describe = () =>
    session.sagemaker.send(new DescribeTransformJobCommand({ TransformJobName: jobName }));
  const statusHistory: TransformStatusChange[] = [];
  const logs: LogLine[] = [];
  const report = (description: DescribeTransformJobCommandOutput) => {
    const status = description.TransformJobStatus ?? "Unknown";
    if (statusHistory.at(-1)?.status === status) return;
    const change = {
      status,
      elapsedSeconds: (Date.now() - started) / 1000,
      ...(description.FailureReason ? { failureReason: description.FailureReason } : {}),
    };
    statusHistory.push(change);
    onStatus(change);
  };

  let description: DescribeTransformJobCommandOutput;
  if (options.logs === false) {
    report(await describe());
    await waitUntilTransformJobCompletedOrStopped(
      {
        client: session.sagemaker,
        minDelay: pollSeconds,
        maxDelay: Math.max(pollSeconds, session.mode === "local" ? 2 : 120),
        maxWaitTime: Math.max(1, (deadline - Date.now()) / 1000),
      },
      { TransformJobName: jobName },
    ).catch(() => undefined); // Failed and timeouts are told apart by the Describe below.
    description = await describe();
  } else {
    const follower = LogStreamFollower.forTransformJob(session.logs, jobName);
    for (;;) {
      description = await describe();
      const terminal = TERMINAL.has(description.TransformJobStatus ?? "");
      if (!terminal) report(description);
      // The last lines can land after the status flips: read once more at the end, then report it.
      for (let pass = terminal ? 2 : 1; pass > 0; pass--) {
        for (const line of await follower.poll()) {
          logs.push(line);
          onLog(line);
        }
      }
      if (terminal || Date.now() > deadline) break;
      await sleep(pollSeconds * 1000);
    }
  }
  report(description);
  const status = description.TransformJobStatus ?? "Unknown";
  const result: TransformResult = {
    jobName,
    status,
    description,
    outputPath: description.TransformOutput?.S3OutputPath ?? "",
    jobSeconds: seconds(description.TransformStartTime, description.TransformEndTime),
    wallSeconds: (Date.now() - started) / 1000,
    statusHistory,
    logs,
  };
  if (!TERMINAL.has(status)) {
    throw new TransformJobError(
      `Transform job ${jobName} is still ${status} after ${Math.round(result.wallSeconds)} s of waiting. ` +
        "It keeps running (and, on AWS, billing): call waitForTransformJob again, or stop it with StopTransformJob.",
      result,
    );
  }
  if (status !== "Completed") {
    throw new TransformJobError(
      `Transform job ${jobName} ended ${status}: ${description.FailureReason ?? "no reason given"}`,
      result,
    );
  }
  return result;
}

/** One `.out` object of a job: its text and, where the format allows, its records. */
export interface TransformOutputFile {
  uri: string;
  contentType?: string;
  text: string;
  /**
   * One entry per line (JSON, JSON Lines; AssembleWith Line) or per CSV row. Undefined for JSON answers written
   * back to back (AssembleWith None): `splitConcatenatedJson(text)` takes those apart.
   */
  records?: unknown[];
}

const mediaType = (contentType: string | undefined): string =>
  (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";

/** Parses one output object by its content type and how the job assembled it. */
export function parseTransformOutput(
  text: string,
  contentType: string | undefined,
  assembleWith: string | undefined,
): unknown[] | undefined {
  const type = mediaType(contentType);
  if (type === "text/csv") {
    return parseCsv(text, { relax_column_count: true, skip_empty_lines: true }) as string[][];
  }
  const json = type === "application/json" || type.includes("jsonl") || type.includes("jsonlines");
  if (!json) return assembleWith === "Line" ? text.split("\n").filter((line) => line !== "") : undefined;
  const lines = text.split("\n").filter((line) => line.trim() !== "");
  const parsed: unknown[] = [];
  for (const [index, line] of lines.entries()) {
    try {
      parsed.push(JSON.parse(line));
    } catch (error) {
      // Answers glued together on one line (AssembleWith None) are not one JSON document.
      if (assembleWith !== "Line") return undefined;
      throw new Error(`Line ${index + 1} of the output is not JSON (${(error as Error).message}).`);
    }
  }
  return parsed;
}

/**
 * JSON values written back to back with nothing between them, as AssembleWith None leaves JSON answers
 * (`[{"label":"positive"}][{"label":"negative"}]`), one value each. This is what the Python workshops rebuild with
 * `replace('][', '\n')`; AssembleWith Line makes it unnecessary.
 */
export function splitConcatenatedJson(text: string): unknown[] {
  const values: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i] as string;
    if (inString) {
      if (char === "\\") i++;
      else if (char === '"') {
        inString = false;
        if (depth === 0) {
          values.push(JSON.parse(text.slice(start, i + 1)));
          start = -1;
        }
      }
      continue;
    }
    if (char === '"') {
      inString = true;
      if (depth === 0) start = i;
    } else if (char === "{" || char === "[") {
      if (depth === 0) start = i;
      depth++;
    } else if (char === "}" || char === "]") {
      depth--;
      if (depth < 0)
        throw new Error(`Unexpected "${char}" at character ${i + 1}: the text is not JSON values.`);
      if (depth === 0) {
        values.push(JSON.parse(text.slice(start, i + 1)));
        start = -1;
      }
    } else if (depth === 0 && !/\s/.test(char)) {
      // A bare number or literal: it runs to the next delimiter.
      const match = /^(?:-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i));
      if (!match) throw new Error(`Unexpected "${char}" at character ${i + 1}: the text is not JSON values.`);
      values.push(JSON.parse(match[0]));
      i += match[0].length - 1;
    }
  }
  if (depth !== 0 || inString) throw new Error("The text ends inside a JSON value.");
  return values;
}

/** Reads every `.out` object under a job's output path and parses it (see parseTransformOutput). */
export async function readTransformOutput(
  session: WorkshopSession,
  description: DescribeTransformJobCommandOutput,
): Promise<TransformOutputFile[]> {
  const outputPath = description.TransformOutput?.S3OutputPath ?? "";
  const { bucket, key } = parseS3Uri(outputPath);
  const prefix = key === "" || key.endsWith("/") ? key : `${key}/`;
  const keys: string[] = [];
  for await (const page of paginateListObjectsV2(
    { client: session.s3 },
    { Bucket: bucket, Prefix: prefix },
  )) {
    for (const item of page.Contents ?? []) if (item.Key?.endsWith(".out")) keys.push(item.Key);
  }
  const files: TransformOutputFile[] = [];
  for (const objectKey of keys.sort()) {
    const object = await session.s3.send(new GetObjectCommand({ Bucket: bucket, Key: objectKey }));
    const text = (await object.Body?.transformToString("utf8")) ?? "";
    const contentType = object.ContentType ?? description.TransformOutput?.Accept;
    const records = parseTransformOutput(text, contentType, description.TransformOutput?.AssembleWith);
    files.push({ uri: `s3://${bucket}/${objectKey}`, contentType, text, ...(records ? { records } : {}) });
  }
  return files;
}

/** What a transformer needs of a model: its name, made with CreateModel when it is not yet (DeployableModel.create). */
export interface ModelToCreate {
  create(): Promise<string>;
}

export class Transformer {
  latestJob?: TransformResult;
  private latestJobName?: string;

  constructor(
    readonly session: WorkshopSession,
    /** The model the jobs run: one of the toolkit's models (created on the first transform) or an existing model's name. */
    readonly model: ModelToCreate | string,
    readonly options: TransformerOptions,
  ) {}

  /** The CreateTransformJob request `transform()` sends for `dataUri`. */
  transformJobRequest(
    dataUri: string,
    options: TransformOptions & { jobName: string; modelName: string; outputPath: string },
  ): CreateTransformJobCommandInput {
    return buildTransformJobRequest({
      ...this.options,
      ...options,
      dataUri,
      tags: workshopTags(this.options.lab, this.options.tags),
    });
  }

  /** Sends CreateTransformJob for the objects under `dataUri` and, by default, waits for the end. */
  async transform(dataUri: string, options: TransformOptions = {}): Promise<TransformResult> {
    const { session } = this;
    const jobName =
      options.jobName ?? uniqueName(this.options.baseTransformJobName ?? "ko-sagemaker-transform");
    assertSageMakerName(jobName, "transform job");
    assertCostConsent(
      session.config,
      `transform job ${jobName} (${this.options.instanceCount ?? 1} × ${this.options.instanceType}, billed while it runs)`,
    );
    const modelName = typeof this.model === "string" ? this.model : await this.model.create();
    const outputPath = this.options.outputPath ?? s3Uri(await session.defaultBucket(), jobName);
    const request = this.transformJobRequest(dataUri, { ...options, jobName, modelName, outputPath });
    const startedAt = Date.now();
    await session.sagemaker.send(new CreateTransformJobCommand(request));
    this.latestJobName = jobName;
    if (options.wait === false) {
      const description = await session.sagemaker.send(
        new DescribeTransformJobCommand({ TransformJobName: jobName }),
      );
      return {
        jobName,
        status: description.TransformJobStatus ?? "InProgress",
        description,
        outputPath,
        wallSeconds: (Date.now() - startedAt) / 1000,
        statusHistory: [],
        logs: [],
      };
    }
    return this.wait({ ...options, startedAt });
  }

  /** Waits for the latest job (see waitForTransformJob). */
  async wait(
    options: Omit<TransformOptions, "jobName" | "wait"> & { startedAt?: number } = {},
  ): Promise<TransformResult> {
    const jobName = this.requireJob();
    try {
      this.latestJob = await waitForTransformJob(this.session, jobName, options);
    } catch (error) {
      if (error instanceof TransformJobError) this.latestJob = error.result;
      throw error;
    }
    return this.latestJob;
  }

  /** The latest job's `.out` objects, downloaded and parsed. */
  async output(): Promise<TransformOutputFile[]> {
    const jobName = this.requireJob();
    const description = await this.session.sagemaker.send(
      new DescribeTransformJobCommand({ TransformJobName: jobName }),
    );
    return readTransformOutput(this.session, description);
  }

  private requireJob(): string {
    if (!this.latestJobName)
      throw new Error("This Transformer has not started a job yet: call transform() first.");
    return this.latestJobName;
  }
}
