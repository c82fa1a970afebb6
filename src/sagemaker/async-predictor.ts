import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { GetObjectCommand, PutObjectCommand, waitUntilObjectExists } from "@aws-sdk/client-s3";
import {
  InvokeEndpointAsyncCommand,
  type InvokeEndpointAsyncCommandInput,
} from "@aws-sdk/client-sagemaker-runtime";
import { EndpointInvocationError, type PredictOptions, type Predictor } from "./predictor";
import { parseS3Uri, s3Uri } from "./s3";
import { deserializerFor } from "./serializers";

/**
 * Asynchronous inference, as the Python SDK's AsyncPredictor and AsyncInferenceResponse: the request body goes to
 * S3, InvokeEndpointAsync answers at once with where the result will be, and the result is read from S3 once it
 * is there. Waiting is bounded: a wait that ends before the result is a clear AsyncInferenceTimeoutError naming
 * the output location, never a silent hang (the Python SDK's bug fixed in sagemaker-python-sdk PR #4951).
 */

export interface AsyncPredictOptions
  extends Pick<PredictOptions, "customAttributes" | "inferenceId" | "contentType" | "accept"> {
  /** An input already in S3; otherwise `data` is serialised and uploaded. */
  inputPath?: string;
  /** RequestTTLSeconds: how long the request may wait in the queue (60–21600). */
  requestTtlSeconds?: number;
  /** InvocationTimeoutSeconds: how long the container may take (1–3600). */
  invocationTimeoutSeconds?: number;
}

export interface ResultWait {
  /** Give up after this long (default 60 s locally, 15 min on AWS). */
  timeoutSeconds?: number;
  /** Shortest pause between S3 checks (default 0.1 s locally, 5 s on AWS). */
  pollSeconds?: number;
}

export interface AsyncResult<T> {
  result: T;
  /** From InvokeEndpointAsync to the output object seen in S3, as this client measured it. */
  timeToResultMs: number;
  contentType?: string;
}

/** The request failed: the failure object's text (the container's error, a missing input, a timeout). */
export class AsyncInferenceError extends Error {
  constructor(
    readonly failureLocation: string,
    readonly failureText: string,
  ) {
    super(`The asynchronous request failed (${failureLocation}): ${failureText}`);
    this.name = "AsyncInferenceError";
  }
}

/** No output (nor failure) within the wait; the request may still be queued or running. */
export class AsyncInferenceTimeoutError extends Error {
  constructor(
    readonly outputLocation: string,
    readonly waitedSeconds: number,
  ) {
    super(
      `No result at ${outputLocation} after ${waitedSeconds} s. The request may still be queued or running: call getResult() again with a longer timeoutSeconds, or look at the endpoint's logs.`,
    );
    this.name = "AsyncInferenceTimeoutError";
  }
}

export class AsyncInferenceResponse<T = unknown> {
  private readonly acceptedAt = performance.now();

  constructor(
    private readonly predictor: AsyncPredictor<T>,
    readonly inferenceId: string,
    readonly outputLocation: string,
    /** Absent when the endpoint config has no S3FailurePath: a failure then shows only in the logs. */
    readonly failureLocation: string | undefined,
  ) {}

  /** Waits for the output (or failure) object with the S3 waiter and returns the deserialised result. */
  async getResult(wait: ResultWait = {}): Promise<AsyncResult<T>> {
    const session = this.predictor.session;
    const local = session.mode === "local";
    const timeoutSeconds = wait.timeoutSeconds ?? (local ? 60 : 900);
    const minDelay = wait.pollSeconds ?? (local ? 0.1 : 5);
    const abort = new AbortController();
    /** Resolves with the location once its object exists, undefined when the wait ran out or was called off. */
    const watch = async (location: string): Promise<string | undefined> => {
      const { bucket, key } = parseS3Uri(location);
      try {
        await waitUntilObjectExists(
          {
            client: session.s3,
            maxWaitTime: timeoutSeconds,
            minDelay,
            maxDelay: Math.max(minDelay, local ? 0.5 : 30),
            abortSignal: abort.signal,
          },
          { Bucket: bucket, Key: key },
        );
        return location;
      } catch (error) {
        if (abort.signal.aborted || (error as Error).name === "TimeoutError") return undefined;
        throw error;
      }
    };
    const watches = [this.outputLocation, this.failureLocation].flatMap((location) =>
      location ? [watch(location)] : [],
    );
    const seen = await firstFound(watches).finally(() => abort.abort());
    if (seen === undefined) throw new AsyncInferenceTimeoutError(this.outputLocation, timeoutSeconds);
    const timeToResultMs = performance.now() - this.acceptedAt;
    const { body, contentType } = await this.read(seen);
    if (seen !== this.outputLocation) {
      throw new AsyncInferenceError(seen, Buffer.from(body).toString("utf8"));
    }
    const deserializer =
      this.predictor.deserializer.accept === "*/*"
        ? deserializerFor(contentType)
        : this.predictor.deserializer;
    return { result: deserializer.deserialize(body, contentType) as T, timeToResultMs, contentType };
  }

  private async read(location: string): Promise<{ body: Uint8Array; contentType?: string }> {
    const { bucket, key } = parseS3Uri(location);
    const object = await this.predictor.session.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return {
      body: (await object.Body?.transformToByteArray()) ?? new Uint8Array(),
      contentType: object.ContentType,
    };
  }
}

/** The first location found; undefined once every watch ended without one; the first error otherwise. */
function firstFound(watches: Promise<string | undefined>[]): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    let open = watches.length;
    for (const watch of watches) {
      watch.then((location) => {
        if (location !== undefined) resolve(location);
        else if (--open === 0) resolve(undefined);
      }, reject);
    }
  });
}

/** Sends requests to an asynchronous endpoint; serialisers as the real-time Predictor it wraps. */
export class AsyncPredictor<T = unknown> {
  constructor(readonly predictor: Predictor<T>) {}

  get session() {
    return this.predictor.session;
  }

  get endpointName(): string {
    return this.predictor.endpointName;
  }

  get deserializer() {
    return this.predictor.deserializer;
  }

  /** The InvokeEndpointAsync request for an input already in S3, built without sending it. */
  buildRequest(inputPath: string, options: AsyncPredictOptions = {}): InvokeEndpointAsyncCommandInput {
    return {
      EndpointName: this.endpointName,
      InputLocation: inputPath,
      ContentType: options.contentType ?? this.predictor.serializer.contentType,
      Accept: options.accept ?? this.predictor.deserializer.accept,
      CustomAttributes: options.customAttributes,
      InferenceId: options.inferenceId,
      RequestTTLSeconds: options.requestTtlSeconds,
      InvocationTimeoutSeconds: options.invocationTimeoutSeconds,
    };
  }

  /** Uploads `data` (unless `inputPath` is given), queues the request and returns at once. */
  async predictAsync(data?: unknown, options: AsyncPredictOptions = {}): Promise<AsyncInferenceResponse<T>> {
    const inputPath = options.inputPath ?? (await this.upload(data));
    let answer: { InferenceId?: string; OutputLocation?: string; FailureLocation?: string };
    try {
      answer = await this.session.runtime.send(
        new InvokeEndpointAsyncCommand(this.buildRequest(inputPath, options)),
      );
    } catch (error) {
      throw new EndpointInvocationError(this.endpointName, error);
    }
    if (!answer.OutputLocation) {
      throw new Error(`InvokeEndpointAsync on ${this.endpointName} answered without an OutputLocation.`);
    }
    return new AsyncInferenceResponse(
      this,
      answer.InferenceId ?? "",
      answer.OutputLocation,
      answer.FailureLocation,
    );
  }

  /** predictAsync() and getResult() in one: the result, or an AsyncInferenceError / AsyncInferenceTimeoutError. */
  async predict(data?: unknown, options: AsyncPredictOptions & ResultWait = {}): Promise<AsyncResult<T>> {
    return (await this.predictAsync(data, options)).getResult(options);
  }

  /** Where the Python SDK puts request bodies: `async-endpoint-inputs/<endpoint>/<time>-<uuid>` in the bucket. */
  private async upload(data: unknown): Promise<string> {
    if (data === undefined)
      throw new Error("predictAsync() needs data to upload, or an inputPath already in S3.");
    const bucket = await this.session.defaultBucket();
    const stamp = new Date().toISOString().replace(/[-:.TZ]/g, "");
    const location = s3Uri(bucket, "async-endpoint-inputs", this.endpointName, `${stamp}-${randomUUID()}`);
    const { key } = parseS3Uri(location);
    await this.session.s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: this.predictor.serializer.serialize(data),
        ContentType: this.predictor.serializer.contentType,
      }),
    );
    return location;
  }
}
