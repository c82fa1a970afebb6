import { randomUUID } from "node:crypto";
import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type {
  CreateFunctionRequest,
  DeleteFunctionRequest,
  FunctionConfiguration,
  GetFunctionConfigurationRequest,
  GetFunctionRequest,
  GetFunctionResponse,
  InvocationRequest,
  InvocationResponse,
  ListFunctionsRequest,
  ListFunctionsResponse,
  UpdateFunctionCodeRequest,
  UpdateFunctionConfigurationRequest,
} from "@aws-sdk/client-lambda";
import { AwsError, reportUnexpected } from "../../core/errors";
import { pageOf } from "../../core/listing";
import { JsonStore } from "../../core/store";
import type { ServiceContext } from "../context";
import { LambdaActivity } from "./activity";
import { copyImageFolder, extractPackage, handlerFileExists, inspectPackage } from "./code";
import {
  type EnvironmentSnapshot,
  type EnvironmentSpec,
  FunctionPool,
  type InvocationResult,
} from "./environments";
import { type EventOutcome, EventQueue, type QueuedEvent } from "./event-queue";
import {
  FUNCTION_STATE,
  LAST_UPDATE,
  lambdaTimestamp,
  type StoredCode,
  type StoredFunction,
} from "./records";
import { checkRuntime, imageRuntime, isPythonRuntime, type LocalRuntime } from "./runtimes";

/**
 * Local Lambda: functions whose code really runs, in execution environments of ours (environments.ts), with
 * Lambda's API, states and errors. Functions are durable in `<state>/lambda/` (records, code, queued events);
 * environments are processes and do not survive a restart: the first invocation after one is a cold start again.
 * Deployment packages are kept in local S3 (bucket `awslambda-<region>-tasks`), where GetFunction's
 * Code.Location points (path-style, read with a signed request).
 */

/** Lambda's payload quotas: 6 MB each way for synchronous invocations, 256 KB for an asynchronous event. */
export const MAX_SYNC_PAYLOAD_BYTES = 6_291_456;
export const MAX_ASYNC_PAYLOAD_BYTES = 262_144;
const MAX_ENVIRONMENT_BYTES = 4096;
const MAX_TIMEOUT_SECONDS = 900;
/** What `X-Amz-Log-Result` carries: the end of the invocation's log. */
const LOG_TAIL_BYTES = 4096;

/** Variables Lambda sets itself; CreateFunction refuses them in Environment. */
const RESERVED_VARIABLES = [
  "_HANDLER",
  "_X_AMZN_TRACE_ID",
  "AWS_DEFAULT_REGION",
  "AWS_REGION",
  "AWS_EXECUTION_ENV",
  "AWS_LAMBDA_FUNCTION_NAME",
  "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
  "AWS_LAMBDA_FUNCTION_VERSION",
  "AWS_LAMBDA_INITIALIZATION_TYPE",
  "AWS_LAMBDA_LOG_GROUP_NAME",
  "AWS_LAMBDA_LOG_STREAM_NAME",
  "AWS_ACCESS_KEY",
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_LAMBDA_RUNTIME_API",
  "LAMBDA_TASK_ROOT",
  "LAMBDA_RUNTIME_DIR",
];

// Lambda's client errors carry `Type: User` beside the message.
const invalid = (message: string): AwsError =>
  new AwsError("InvalidParameterValueException", message, { fields: { Type: "User" } });
const conflict = (message: string): AwsError =>
  new AwsError("ResourceConflictException", message, { status: 409, fields: { Type: "User" } });

/** `name`, `name:qualifier`, a partial ARN (`123456789012:function:name`) or a full ARN → name and qualifier. */
const FUNCTION_REFERENCE =
  /^(?:arn:aws[a-zA-Z-]*:lambda:)?(?:[a-z]{2}(?:-gov)?-[a-z]+-\d:)?(?:\d{12}:)?(?:function:)?([a-zA-Z0-9-_.]+)(?::(\$LATEST|[a-zA-Z0-9-_]+))?$/;

/** The function records: on disk, and in memory so that reading one per invocation costs nothing (write-through). */
class FunctionRecords {
  private readonly cache = new Map<string, StoredFunction>();

  constructor(private readonly store: JsonStore<StoredFunction>) {
    for (const record of store.list()) this.cache.set(record.configuration.FunctionName as string, record);
  }

  get(name: string): StoredFunction | undefined {
    return this.cache.get(name);
  }

  put(name: string, record: StoredFunction): void {
    this.store.put(name, record);
    this.cache.set(name, record);
  }

  delete(name: string): void {
    this.store.delete(name);
    this.cache.delete(name);
  }

  list(): StoredFunction[] {
    return [...this.cache.values()].sort((a, b) =>
      (a.configuration.FunctionName as string).localeCompare(b.configuration.FunctionName as string),
    );
  }
}

export class LambdaService {
  private readonly store: FunctionRecords;
  private readonly codeRoot: string;
  private readonly pools = new Map<string, FunctionPool>();
  private readonly events: EventQueue;
  private reclaimer: NodeJS.Timeout | undefined;
  /** Invocation counts and AWS/Lambda metrics per function. */
  readonly activity: LambdaActivity;

  constructor(private readonly ctx: ServiceContext) {
    const root = join(ctx.stateDir, "lambda");
    this.store = new FunctionRecords(
      new JsonStore<StoredFunction>(root, "functions", (name) => `Lambda function ${name}`),
    );
    this.codeRoot = join(root, "code");
    this.events = new EventQueue(root, (event) => this.runEvent(event));
    this.activity = new LambdaActivity(ctx.cloudwatch, ctx.settings.metrics);
  }

  /** A function's execution environments now (the local console shows them; no AWS operation does). */
  environments(name: string): EnvironmentSnapshot[] {
    return this.pools.get(name)?.snapshot() ?? [];
  }

  private get packageBucket(): string {
    return `awslambda-${this.ctx.region}-tasks`;
  }

  // ---- lifecycle of the service ---------------------------------------------------------------------------

  /** Functions a stopped server left Pending or updating are prepared again; queued events run. */
  start(): void {
    for (const fn of this.store.list()) {
      if (fn.configuration.State === "Pending" || fn.configuration.LastUpdateStatus === "InProgress") {
        this.prepare(fn.configuration.FunctionName as string);
      }
    }
    const idleMs = this.ctx.settings.lambdaIdleMs;
    this.reclaimer = setInterval(
      () => {
        const before = Date.now() - idleMs;
        for (const pool of this.pools.values()) pool.reclaim(before);
      },
      Math.min(idleMs, 10_000),
    );
    this.reclaimer.unref();
    this.events.pump();
  }

  async stop(): Promise<void> {
    clearInterval(this.reclaimer);
    this.events.stop();
    await Promise.all([...this.pools.values()].map((pool) => pool.stopAll()));
    this.pools.clear();
  }

  // ---- the Lambda API -------------------------------------------------------------------------------------

  async createFunction(input: CreateFunctionRequest): Promise<FunctionConfiguration> {
    const name = this.parseReference(input.FunctionName as string).name;
    if (this.store.get(name)) throw conflict(`Function already exist: ${name}`);
    const packageType = input.PackageType ?? "Zip";
    this.checkSettings(input);
    const now = Date.now();
    const revision = randomUUID();
    let runtime: LocalRuntime;
    let code: StoredCode;
    let codeFacts: { CodeSha256: string; CodeSize: number };
    if (packageType === "Image") {
      const imageUri = input.Code?.ImageUri;
      if (!imageUri) throw invalid("ImageUri is required for functions of PackageType Image.");
      runtime = imageRuntime(imageUri);
      const handler = input.ImageConfig?.Command?.[0];
      const folder = input.ImageConfig?.WorkingDirectory;
      if (!handler || !folder) {
        throw invalid(
          `The local image ${imageUri} needs ImageConfig.Command naming the handler (["index.handler"], as the base image's CMD) and ImageConfig.WorkingDirectory naming the folder of this machine that holds the code (the image's /var/task).`,
        );
      }
      // The image's runtime is kept with the code: an image function's configuration names none.
      code = { revision, imageUri, imageFolder: folder, imageRuntime: runtime };
      codeFacts = { CodeSha256: "", CodeSize: 0 };
    } else {
      runtime = checkRuntime(input.Runtime);
      if (!input.Handler) {
        throw invalid(
          "Runtime and Handler are mandatory parameters for functions created with deployment packages.",
        );
      }
      const zip = await this.packageBytes(input.Code ?? {});
      const summary = inspectPackage(zip, this.ctx.settings.archiveLimits.maxEntries);
      code = { revision, packageKey: await this.keepPackage(name, revision, zip) };
      codeFacts = { CodeSha256: summary.sha256, CodeSize: summary.size };
    }
    const configuration: FunctionConfiguration = {
      FunctionName: name,
      FunctionArn: this.functionArn(name),
      ...(packageType === "Zip" ? { Runtime: runtime, Handler: input.Handler } : {}),
      Role: input.Role,
      ...codeFacts,
      Description: input.Description ?? "",
      Timeout: input.Timeout ?? 3,
      MemorySize: input.MemorySize ?? 128,
      LastModified: lambdaTimestamp(now),
      Version: "$LATEST",
      ...(input.Environment?.Variables ? { Environment: { Variables: input.Environment.Variables } } : {}),
      TracingConfig: { Mode: input.TracingConfig?.Mode ?? "PassThrough" },
      RevisionId: randomUUID(),
      State: "Pending",
      StateReason: "The function is being created.",
      StateReasonCode: "Creating",
      LastUpdateStatus: "InProgress",
      LastUpdateStatusReason: "The function is being created.",
      PackageType: packageType,
      ...(packageType === "Image" ? { ImageConfigResponse: { ImageConfig: input.ImageConfig } } : {}),
      Architectures: input.Architectures ?? ["x86_64"],
      EphemeralStorage: { Size: input.EphemeralStorage?.Size ?? 512 },
      SnapStart: { ApplyOn: "None", OptimizationStatus: "Off" },
      LoggingConfig: { LogFormat: "Text", LogGroup: `/aws/lambda/${name}` },
    };
    const record: StoredFunction = { configuration, code, tags: input.Tags ?? {}, LastModifiedTime: now };
    this.store.put(name, record);
    this.prepare(name);
    return configuration;
  }

  getFunction(input: GetFunctionRequest): GetFunctionResponse {
    const fn = this.require(input.FunctionName as string, input.Qualifier);
    const { code } = fn;
    return {
      Configuration: fn.configuration,
      Code: code.imageUri
        ? { RepositoryType: "ECR", ImageUri: code.imageUri, ResolvedImageUri: code.imageUri }
        : {
            RepositoryType: "S3",
            Location: `${this.ctx.awsEnvironment().AWS_ENDPOINT_URL}/${this.packageBucket}/${code.packageKey}`,
          },
      ...(Object.keys(fn.tags).length > 0 ? { Tags: fn.tags } : {}),
    };
  }

  getFunctionConfiguration(input: GetFunctionConfigurationRequest): FunctionConfiguration {
    return this.require(input.FunctionName as string, input.Qualifier).configuration;
  }

  listFunctions(input: ListFunctionsRequest): ListFunctionsResponse {
    const all = this.store.list().map((fn) => fn.configuration);
    const { page, NextToken } = pageOf(all, input.Marker, input.MaxItems ?? 50, (marker) =>
      invalid(
        `Invalid Marker "${marker.slice(0, 100)}": pass the NextMarker of the previous ListFunctions answer.`,
      ),
    );
    return { Functions: page, ...(NextToken ? { NextMarker: NextToken } : {}) };
  }

  async updateFunctionCode(input: UpdateFunctionCodeRequest): Promise<FunctionConfiguration> {
    const fn = this.requireUpdatable(input.FunctionName as string, input.RevisionId);
    const revision = randomUUID();
    if (fn.configuration.PackageType === "Image") {
      if (!input.ImageUri)
        throw invalid("ImageUri is required to update the code of a function of PackageType Image.");
      fn.code = {
        ...fn.code,
        revision,
        imageUri: input.ImageUri,
        imageRuntime: imageRuntime(input.ImageUri),
      };
    } else {
      const zip = await this.packageBytes(input);
      const summary = inspectPackage(zip, this.ctx.settings.archiveLimits.maxEntries);
      if (input.DryRun) return fn.configuration;
      fn.code = {
        revision,
        packageKey: await this.keepPackage(fn.configuration.FunctionName as string, revision, zip),
      };
      fn.configuration.CodeSha256 = summary.sha256;
      fn.configuration.CodeSize = summary.size;
    }
    return this.startUpdate(fn);
  }

  updateFunctionConfiguration(input: UpdateFunctionConfigurationRequest): FunctionConfiguration {
    const fn = this.requireUpdatable(input.FunctionName as string, input.RevisionId);
    this.checkSettings(input);
    const config = fn.configuration;
    if (input.Runtime !== undefined && config.PackageType === "Zip")
      config.Runtime = checkRuntime(input.Runtime);
    if (input.Handler !== undefined) config.Handler = input.Handler;
    if (input.Role !== undefined) config.Role = input.Role;
    if (input.Description !== undefined) config.Description = input.Description;
    if (input.Timeout !== undefined) config.Timeout = input.Timeout;
    if (input.MemorySize !== undefined) config.MemorySize = input.MemorySize;
    if (input.Environment !== undefined)
      config.Environment = { Variables: input.Environment.Variables ?? {} };
    if (input.ImageConfig !== undefined && config.PackageType === "Image") {
      config.ImageConfigResponse = { ImageConfig: input.ImageConfig };
      fn.code = {
        ...fn.code,
        revision: randomUUID(),
        imageFolder: input.ImageConfig.WorkingDirectory ?? fn.code.imageFolder,
      };
    }
    return this.startUpdate(fn);
  }

  async deleteFunction(input: DeleteFunctionRequest): Promise<Record<string, never>> {
    if (input.Qualifier === "$LATEST")
      throw invalid("$LATEST version cannot be deleted without deleting the function.");
    const fn = this.require(input.FunctionName as string, input.Qualifier);
    const name = fn.configuration.FunctionName as string;
    this.store.delete(name);
    this.events.dropFunction(name);
    this.activity.forget(name);
    const pool = this.pools.get(name);
    this.pools.delete(name);
    await pool?.stopAll();
    rmSync(this.codeDir(name), { recursive: true, force: true });
    if (fn.code.packageKey)
      await this.ctx.s3.deleteObject(this.packageBucket, fn.code.packageKey).catch(() => undefined);
    return {};
  }

  async invoke(input: InvocationRequest): Promise<InvocationResponse> {
    const fn = this.require(input.FunctionName as string, input.Qualifier);
    const type = input.InvocationType ?? "RequestResponse";
    const payload = input.Payload ? Buffer.from(input.Payload) : Buffer.alloc(0);
    const limit = type === "Event" ? MAX_ASYNC_PAYLOAD_BYTES : MAX_SYNC_PAYLOAD_BYTES;
    if (payload.length > limit) {
      throw new AwsError(
        "RequestTooLargeException",
        `Request must be smaller than ${limit} bytes for the ${type === "Event" ? "InvokeAsync" : "InvokeFunction"} operation`,
        { status: 413, fields: { Type: "User" } },
      );
    }
    const text = payload.toString("utf8");
    if (text.trim() !== "") {
      try {
        JSON.parse(text);
      } catch (error) {
        throw new AwsError(
          "InvalidRequestContentException",
          `Could not parse request body into json: ${(error as Error).message}`,
          {
            fields: { Type: "User" },
          },
        );
      }
    }
    const state = fn.configuration.State;
    if (state !== "Active") {
      throw conflict(
        `The operation cannot be performed at this time. The function is currently in the following state: ${state}`,
      );
    }
    if (type === "DryRun") return { StatusCode: 204 };
    const name = fn.configuration.FunctionName as string;
    if (type === "Event") {
      this.events.enqueue(name, text);
      return { StatusCode: 202 };
    }
    const result = await this.runOnce(name, {
      requestId: randomUUID(),
      payload: text,
      clientContext: input.ClientContext,
    });
    if (result === "throttled") {
      throw new AwsError("TooManyRequestsException", "Rate Exceeded.", {
        status: 429,
        fields: {
          retryAfterSeconds: "1",
          Type: "User",
          Reason: "ReservedFunctionConcurrentInvocationLimitExceeded",
        },
      });
    }
    return this.answer(result, input.LogType === "Tail");
  }

  // ---- behind the API -------------------------------------------------------------------------------------

  /** One invocation on a warm or new environment; "throttled" when the function's concurrency is used up. */
  private async runOnce(
    name: string,
    invocation: { requestId: string; payload: string; clientContext?: string },
  ) {
    const pool = this.pool(name);
    const environment = pool.acquire();
    if (!environment) {
      this.activity.record(name, "throttled");
      return "throttled" as const;
    }
    try {
      const result = await environment.run(invocation);
      this.activity.record(name, result);
      return result;
    } finally {
      pool.release(environment);
    }
  }

  private answer(result: InvocationResult, tail: boolean): InvocationResponse {
    let payload = result.payload === undefined ? undefined : Buffer.from(result.payload);
    let error = result.error;
    if (payload && payload.length > MAX_SYNC_PAYLOAD_BYTES) {
      error = {
        errorMessage: `Response payload size (${payload.length} bytes) exceeded maximum allowed payload size (${MAX_SYNC_PAYLOAD_BYTES} bytes).`,
        errorType: "Function.ResponseSizeTooLarge",
      };
      payload = undefined;
    }
    const log = Buffer.from(`${result.logLines.join("\n")}\n`);
    return {
      StatusCode: 200,
      ExecutedVersion: "$LATEST",
      Payload: error ? Buffer.from(JSON.stringify(error)) : payload,
      ...(error ? { FunctionError: "Unhandled" } : {}),
      ...(tail
        ? { LogResult: log.subarray(Math.max(0, log.length - LOG_TAIL_BYTES)).toString("base64") }
        : {}),
    };
  }

  private async runEvent(event: QueuedEvent): Promise<EventOutcome> {
    const fn = this.store.get(event.functionName);
    if (!fn) return "done";
    if (fn.configuration.State !== "Active")
      return fn.configuration.State === "Pending" ? "throttled" : "done";
    const result = await this.runOnce(event.functionName, { requestId: event.id, payload: event.payload });
    if (result === "throttled") return "throttled";
    return result.error ? "failed" : "done";
  }

  private pool(name: string): FunctionPool {
    let pool = this.pools.get(name);
    if (!pool) {
      pool = new FunctionPool(
        () => this.environmentSpec(name),
        () => this.ctx.settings.lambdaConcurrency,
        this.ctx.logs,
        this.ctx.processes,
      );
      this.pools.set(name, pool);
    }
    return pool;
  }

  private environmentSpec(name: string): EnvironmentSpec {
    const fn = this.store.get(name);
    if (!fn) throw new Error(`Lambda function ${name} is gone`);
    const config = fn.configuration;
    return {
      functionName: name,
      functionArn: config.FunctionArn as string,
      runtime: (fn.code.imageRuntime ?? config.Runtime) as LocalRuntime,
      handler:
        (config.PackageType === "Image"
          ? config.ImageConfigResponse?.ImageConfig?.Command?.[0]
          : config.Handler) ?? "",
      memoryMB: config.MemorySize ?? 128,
      timeoutSeconds: config.Timeout ?? 3,
      codeDir: this.revisionDir(name, fn.code.revision),
      variables: config.Environment?.Variables ?? {},
      awsEnvironment: this.ctx.awsEnvironment(),
      logGroup: `/aws/lambda/${name}`,
    };
  }

  /**
   * The Pending (or InProgress) step, off the request: the code is laid out in its own folder, and the function
   * becomes Active and its update Successful, or Failed saying why.
   */
  private prepare(name: string): void {
    setImmediate(() => {
      void this.layOut(name).catch(reportUnexpected);
    });
  }

  private async layOut(name: string): Promise<void> {
    const fn = this.store.get(name);
    if (!fn) return;
    const { revision } = fn.code;
    const dir = this.revisionDir(name, revision);
    let failure: { reason: string; code: string } | undefined;
    try {
      if (fn.code.imageFolder !== undefined) {
        copyImageFolder(fn.code.imageFolder, dir);
        const handler = fn.configuration.ImageConfigResponse?.ImageConfig?.Command?.[0] ?? "";
        if (!handlerFileExists(dir, handler, isPythonRuntime(fn.code.imageRuntime ?? ""))) {
          failure = {
            reason: `The image's folder ${fn.code.imageFolder} has no file for the handler ${handler}.`,
            code: "InvalidImage",
          };
        }
      } else {
        const { body } = await this.ctx.s3.getObject(this.packageBucket, fn.code.packageKey as string);
        try {
          extractPackage(body, dir);
        } catch (error) {
          failure = {
            reason: `Could not unzip the deployment package: ${(error as Error).message}`,
            code: "InvalidZipFileException",
          };
        }
      }
    } catch (error) {
      failure = {
        reason: (error as Error).message,
        code: fn.code.imageFolder === undefined ? "InternalError" : "InvalidImage",
      };
    }
    // Deleted or changed again meanwhile: the newer request prepares its own revision.
    const current = this.store.get(name);
    if (!current || current.code.revision !== revision) return;
    this.removeOtherRevisions(name, revision);
    const save = (record: StoredFunction) => this.store.put(name, record);
    const change = failure ? { reason: failure.reason, message: failure.code } : {};
    if (current.configuration.State === "Pending") {
      FUNCTION_STATE.transition(current, failure ? "Failed" : "Active", change, save);
    }
    LAST_UPDATE.transition(current, failure ? "Failed" : "Successful", change, save);
    this.pools.get(name)?.retire();
  }

  private startUpdate(fn: StoredFunction): FunctionConfiguration {
    const name = fn.configuration.FunctionName as string;
    fn.configuration.LastModified = lambdaTimestamp(Date.now());
    fn.configuration.RevisionId = randomUUID();
    LAST_UPDATE.transition(fn, "InProgress", {}, (record) => this.store.put(name, record));
    this.prepare(name);
    return fn.configuration;
  }

  private removeOtherRevisions(name: string, keep: string): void {
    const root = this.codeDir(name);
    let names: string[];
    try {
      names = readdirSync(root);
    } catch {
      return;
    }
    for (const entry of names)
      if (entry !== keep) rmSync(join(root, entry), { recursive: true, force: true });
  }

  private async packageBytes(code: {
    ZipFile?: Uint8Array;
    S3Bucket?: string;
    S3Key?: string;
  }): Promise<Buffer> {
    if (code.ZipFile && (code.S3Bucket || code.S3Key)) {
      throw invalid("Please do not provide other FunctionCode properties when providing a ZipFile");
    }
    if (code.ZipFile) return Buffer.from(code.ZipFile);
    if (!code.S3Bucket || !code.S3Key) throw invalid("Please provide a source for function code.");
    try {
      return (await this.ctx.s3.getObject(code.S3Bucket, code.S3Key)).body;
    } catch (error) {
      const s3Code = error instanceof AwsError ? error.code : "InternalError";
      throw invalid(
        `Error occurred while GetObject. S3 Error Code: ${s3Code}. S3 Error Message: ${(error as Error).message}`,
      );
    }
  }

  /** Keeps the package in local S3 (what GetFunction's Code.Location names); returns its key. */
  private async keepPackage(name: string, revision: string, zip: Buffer): Promise<string> {
    if (!this.ctx.s3.bucketExists(this.packageBucket)) this.ctx.s3.createBucket(this.packageBucket);
    const key = `snapshots/${this.ctx.accountId}/${name}-${revision}`;
    await this.ctx.s3.putObjectBuffer(this.packageBucket, key, zip, "application/zip");
    return key;
  }

  private checkSettings(input: {
    Timeout?: number;
    Environment?: { Variables?: Record<string, string> };
  }): void {
    if (input.Timeout !== undefined && input.Timeout > MAX_TIMEOUT_SECONDS) {
      throw new AwsError(
        "ValidationException",
        `1 validation error detected: Value '${input.Timeout}' at 'timeout' failed to satisfy constraint: Member must have value less than or equal to ${MAX_TIMEOUT_SECONDS}`,
      );
    }
    const variables = input.Environment?.Variables ?? {};
    const reserved = Object.keys(variables).filter((key) => RESERVED_VARIABLES.includes(key));
    if (reserved.length > 0) {
      throw invalid(
        `Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: ${reserved.join(", ")}`,
      );
    }
    if (Buffer.byteLength(JSON.stringify(variables)) > MAX_ENVIRONMENT_BYTES) {
      throw invalid(
        "Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit.",
      );
    }
  }

  private parseReference(reference: string): { name: string; qualifier?: string } {
    const match = FUNCTION_REFERENCE.exec(reference);
    if (!match)
      throw new AwsError(
        "ValidationException",
        `1 validation error detected: Value '${reference}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern`,
      );
    return { name: match[1] as string, ...(match[2] ? { qualifier: match[2] } : {}) };
  }

  private require(reference: string, qualifier?: string): StoredFunction {
    const parsed = this.parseReference(reference);
    const version = qualifier ?? parsed.qualifier;
    const fn = this.store.get(parsed.name);
    if (!fn || (version !== undefined && version !== "$LATEST")) {
      const arn = this.functionArn(parsed.name) + (version === undefined ? "" : `:${version}`);
      throw new AwsError("ResourceNotFoundException", `Function not found: ${arn}`, {
        status: 404,
        fields: { Type: "User" },
      });
    }
    return fn;
  }

  private requireUpdatable(reference: string, revisionId: string | undefined): StoredFunction {
    const fn = this.require(reference);
    const config = fn.configuration;
    if (config.State === "Pending") {
      throw conflict(
        "The operation cannot be performed at this time. The function is currently in the following state: Pending",
      );
    }
    if (config.LastUpdateStatus === "InProgress") {
      throw conflict(
        `The operation cannot be performed at this time. An update is in progress for resource: ${config.FunctionArn}`,
      );
    }
    if (revisionId !== undefined && revisionId !== config.RevisionId) {
      throw new AwsError(
        "PreconditionFailedException",
        "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id",
        { status: 412, fields: { Type: "User" } },
      );
    }
    return fn;
  }

  private functionArn(name: string): string {
    return `arn:aws:lambda:${this.ctx.region}:${this.ctx.accountId}:function:${name}`;
  }

  private codeDir(name: string): string {
    return join(this.codeRoot, encodeURIComponent(name));
  }

  private revisionDir(name: string, revision: string): string {
    return join(this.codeDir(name), revision);
  }
}
