import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import type { AsyncInferenceConfig } from "@aws-sdk/client-sagemaker";
import { storeKey } from "../../../core/arns";
import { parseS3Uri } from "../../../core/s3-uri";
import { JsonStore } from "../../../core/store";
import type { ServiceContext } from "../../context";
import type { AsyncAcceptor, AsyncRequest } from "../../runtime/service";
import type { Deployment } from "./deployment";
import { type ContainerAnswer, type ContainerRequest, InvocationFailure } from "./invocation";
import type { EndpointMetrics, InvocationSample } from "./metrics";
import type { InstanceInvokeOptions } from "./model-instance";

/**
 * Asynchronous inference: InvokeEndpointAsync records the request and answers 202; a queue per endpoint hands
 * the requests to the endpoint's instances, at most MaxConcurrentInvocationsPerInstance each, in the order they
 * came; each answer becomes `<S3OutputPath>/<uuid>.out`, each failure `<S3FailurePath>/<uuid>-error.out`.
 *
 * The queue is durable: a request is written to the state folder before the 202, and its record is removed only
 * after its output (or failure) object is written. After a crash the records left are queued again, and one whose
 * object already exists (written just before the crash) is not run again: every request is answered, none twice.
 * SNS notifications (NotificationConfig) are kept in the config but not published: there is no local SNS.
 */

/** What the platform allows: RequestTTLSeconds 6 h and InvocationTimeoutSeconds 15 min unless the request says. */
const DEFAULT_TTL_S = 6 * 60 * 60;
const DEFAULT_INVOCATION_TIMEOUT_S = 15 * 60;
/** Asynchronous payloads may be up to 1 GB each way. */
const MAX_ASYNC_ANSWER_BYTES = 1024 * 1024 * 1024;

interface StoredAsyncRequest {
  /** Acceptance order, also the record's file name, so a restart queues them in the same order. */
  seq: string;
  EndpointName: string;
  InferenceId: string;
  InputLocation: string;
  ContentType?: string;
  Accept?: string;
  CustomAttributes?: string;
  AcceptedAt: number;
  ExpiresAt: number;
  InvocationTimeoutSeconds: number;
  OutputLocation: string;
  FailureLocation?: string;
}

/** How a queue reaches what serves its endpoint now (it changes with UpdateEndpoint). */
export interface AsyncServing {
  deployment(): Deployment | undefined;
}

class EndpointQueue implements AsyncAcceptor {
  readonly waiting: StoredAsyncRequest[] = [];
  running = 0;
  private pumping = false;
  private closed = false;

  constructor(
    private readonly owner: AsyncInference,
    readonly endpointName: string,
    private config: AsyncInferenceConfig,
    private readonly serving: AsyncServing,
  ) {}

  reconfigure(config: AsyncInferenceConfig): void {
    this.config = config;
    this.pump();
  }

  accept(request: AsyncRequest): { inferenceId: string; outputLocation: string; failureLocation?: string } {
    const id = randomUUID();
    const output = this.config.OutputConfig ?? {};
    const now = Date.now();
    const record: StoredAsyncRequest = {
      seq: this.owner.nextSeq(),
      EndpointName: this.endpointName,
      InferenceId: request.inferenceId ?? id,
      InputLocation: `s3://${request.inputLocation.bucket}/${request.inputLocation.key}`,
      ContentType: request.contentType,
      Accept: request.accept,
      CustomAttributes: request.customAttributes,
      AcceptedAt: now,
      ExpiresAt: now + (request.requestTtlSeconds ?? DEFAULT_TTL_S) * 1000,
      InvocationTimeoutSeconds: request.invocationTimeoutSeconds ?? DEFAULT_INVOCATION_TIMEOUT_S,
      OutputLocation: `${trimSlash(output.S3OutputPath as string)}/${id}.out`,
      FailureLocation: output.S3FailurePath
        ? `${trimSlash(output.S3FailurePath)}/${id}-error.out`
        : undefined,
    };
    this.owner.persist(record);
    this.waiting.push(record);
    this.pump();
    return {
      inferenceId: record.InferenceId,
      outputLocation: record.OutputLocation,
      failureLocation: record.FailureLocation,
    };
  }

  /** Requests accepted and not yet answered (ApproximateBacklogSize). */
  get backlog(): number {
    return this.waiting.length + this.running;
  }

  restore(record: StoredAsyncRequest): void {
    this.waiting.push(record);
  }

  close(): void {
    this.closed = true;
  }

  /** Hands waiting requests to free slots until there are no more of either; wakes again when a slot frees. */
  pump(): void {
    if (this.pumping || this.closed) return;
    this.pumping = true;
    void this.drain().finally(() => {
      this.pumping = false;
      // A request may have come in between the last check and the end of the drain.
      if (this.waiting.length > 0 && this.freeVariant()) this.pump();
    });
  }

  private async drain(): Promise<void> {
    while (this.waiting.length > 0 && !this.closed && !this.owner.stopping) {
      const variant = this.freeVariant();
      if (!variant) {
        const fleets = this.serving.deployment()?.variants.map((v) => v.fleet) ?? [];
        // Nothing serves (yet): the endpoint's rollout calls pump() when it is up.
        if (fleets.length === 0) return;
        await Promise.race(fleets.map((fleet) => fleet.whenFree()));
        continue;
      }
      const record = this.waiting.shift() as StoredAsyncRequest;
      this.running++;
      const lease = await variant.fleet.lease().catch(() => undefined);
      if (!lease) {
        this.running--;
        this.waiting.unshift(record);
        continue;
      }
      void this.owner
        .run(
          record,
          (request, options) => lease.instance.invoke(request, options),
          {
            logStreamArn: variant.logStreamArn,
            variantName: variant.name,
            endpointConfigName: this.serving.deployment()?.endpointConfigName ?? "",
          },
          () => this.closed,
        )
        .finally(() => {
          lease.release();
          this.running--;
          this.pump();
        });
    }
  }

  private freeVariant() {
    const variants = this.serving.deployment()?.variants ?? [];
    const free = variants.filter((variant) => variant.weight > 0 && variant.fleet.hasFreeSlot());
    if (free.length <= 1) return free[0];
    const total = free.reduce((sum, variant) => sum + variant.weight, 0);
    let draw = Math.random() * total;
    for (const variant of free) {
      draw -= variant.weight;
      if (draw < 0) return variant;
    }
    return free.at(-1);
  }
}

export class AsyncInference {
  private readonly store: JsonStore<StoredAsyncRequest>;
  private readonly queues = new Map<string, EndpointQueue>();
  private lastSeq = 0;
  /** Counts stops: a request that was running when the server stopped leaves its record for the next start. */
  private generation = 0;
  stopping = false;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly metrics: EndpointMetrics,
  ) {
    this.store = new JsonStore<StoredAsyncRequest>(
      ctx.stateDir,
      "sagemaker-async-requests",
      (seq) => `asynchronous inference request ${seq}`,
      ["seq", "EndpointName", "InferenceId", "InputLocation", "OutputLocation"],
    );
  }

  /** The queue of an asynchronous endpoint, made or re-pointed when its deployment changes. */
  open(endpointName: string, config: AsyncInferenceConfig, serving: AsyncServing): EndpointQueue {
    const key = storeKey(endpointName);
    let queue = this.queues.get(key);
    if (queue) {
      queue.reconfigure(config);
      return queue;
    }
    queue = new EndpointQueue(this, endpointName, config, serving);
    this.queues.set(key, queue);
    return queue;
  }

  queue(endpointName: string): EndpointQueue | undefined {
    return this.queues.get(storeKey(endpointName));
  }

  /** The endpoint was deleted (or stopped being asynchronous): its waiting requests go with it. */
  drop(endpointName: string): void {
    const key = storeKey(endpointName);
    const queue = this.queues.get(key);
    queue?.close();
    this.queues.delete(key);
    for (const record of this.store.list()) {
      if (storeKey(record.EndpointName) === key) this.store.delete(record.seq);
    }
  }

  /** After a (re)start, once the asynchronous endpoints' queues are open: the requests still on disk go back on
   * them in the order they came. */
  restore(): void {
    this.stopping = false;
    for (const record of this.store.list()) {
      const queue = this.queue(record.EndpointName);
      if (queue) queue.restore(record);
      else this.store.delete(record.seq); // its endpoint is gone
      this.lastSeq = Math.max(this.lastSeq, Number(record.seq));
    }
  }

  /** The server stops: nothing more is handed out, and what runs now is not answered (its record stays). */
  stop(): void {
    this.stopping = true;
    this.generation++;
    for (const queue of this.queues.values()) queue.close();
    this.queues.clear();
  }

  nextSeq(): string {
    this.lastSeq = Math.max(this.lastSeq + 1, Date.now() * 1000);
    return String(this.lastSeq).padStart(20, "0");
  }

  persist(record: StoredAsyncRequest): void {
    this.store.put(record.seq, record);
  }

  /** Runs one request to its end: an output object, a failure object, or (while stopping) back to disk. */
  async run(
    record: StoredAsyncRequest,
    invoke: (request: ContainerRequest, options: InstanceInvokeOptions) => Promise<ContainerAnswer>,
    where: { logStreamArn: string; variantName: string; endpointConfigName: string },
    /** The endpoint was deleted meanwhile: its requests went with it. */
    dropped: () => boolean,
  ): Promise<void> {
    const generation = this.generation;
    const interrupted = () => generation !== this.generation || dropped();
    const started = performance.now();
    const served = (outcome: InvocationSample["outcome"], modelLatencyUs?: number) =>
      this.metrics.invocation({
        endpointName: record.EndpointName,
        variantName: where.variantName,
        endpointConfigName: where.endpointConfigName,
        // Asynchronous endpoints publish no InvocationsPerInstance (they scale on their backlog).
        instances: 0,
        outcome,
        modelLatencyUs,
        overheadLatencyUs: Math.max(0, (performance.now() - started) * 1000 - (modelLatencyUs ?? 0)),
      });
    if (this.answered(record)) {
      this.store.delete(record.seq);
      return;
    }
    let failure: string;
    try {
      if (Date.now() > record.ExpiresAt) {
        failure = `The request expired: it waited longer than its RequestTTLSeconds (${Math.round((record.ExpiresAt - record.AcceptedAt) / 1000)} s) before an instance was free.`;
      } else {
        const body = await this.readInput(record.InputLocation);
        const invoked = performance.now();
        const answer = await invoke(
          {
            body,
            contentType: record.ContentType ?? "application/octet-stream",
            accept: record.Accept ?? "*/*",
            customAttributes: record.CustomAttributes,
            inferenceId: record.InferenceId,
          },
          { timeoutMs: record.InvocationTimeoutSeconds * 1000, maxAnswerBytes: MAX_ASYNC_ANSWER_BYTES },
        );
        if (interrupted()) return; // the record stays; the next start runs it again
        await this.write(record.OutputLocation, answer.body, answer.contentType);
        served("ok", (performance.now() - invoked) * 1000);
        this.store.delete(record.seq);
        return;
      }
    } catch (error) {
      if (interrupted()) return;
      failure = failureText(error, where.logStreamArn);
      if (error instanceof InvocationFailure) {
        served(error.kind === "model" && error.status < 500 ? "4xx" : "5xx");
      }
    }
    if (record.FailureLocation) {
      await this.write(
        record.FailureLocation,
        Buffer.from(failure, "utf8"),
        "text/plain; charset=utf-8",
      ).catch((error: Error) => {
        failure += ` (writing ${record.FailureLocation} failed too: ${error.message})`;
      });
    }
    process.stderr.write(
      `local-sagemaker: asynchronous request ${record.InferenceId} to endpoint ${record.EndpointName} failed: ${failure}\n`,
    );
    this.store.delete(record.seq);
  }

  private answered(record: StoredAsyncRequest): boolean {
    return [record.OutputLocation, record.FailureLocation].some((location) => {
      if (!location) return false;
      const { bucket, key } = parseS3Uri(location);
      return this.ctx.s3.bucketExists(bucket) && this.ctx.s3.objectExists(bucket, key);
    });
  }

  private async readInput(location: string): Promise<Buffer> {
    const { bucket, key } = parseS3Uri(location);
    if (!this.ctx.s3.bucketExists(bucket) || !this.ctx.s3.objectExists(bucket, key)) {
      throw new Error(
        `The input object ${location} does not exist (InputLocation); upload it before calling InvokeEndpointAsync.`,
      );
    }
    return (await this.ctx.s3.getObject(bucket, key)).body;
  }

  private async write(location: string, body: Buffer, contentType: string): Promise<void> {
    const { bucket, key } = parseS3Uri(location);
    await this.ctx.s3.putObjectBuffer(bucket, key, body, contentType);
  }
}

function trimSlash(path: string): string {
  return path.replace(/\/+$/, "");
}

/** The failure object's text: what the container said, in the words InvokeEndpoint would have used. */
function failureText(error: unknown, logStreamArn: string): string {
  if (!(error instanceof InvocationFailure)) return (error as Error).message;
  const see = `See ${logStreamArn} in CloudWatch Logs for more information.`;
  if (error.kind === "model") {
    const kind = error.status < 500 ? "client" : "server";
    return `Received ${kind} error (${error.status}) from the model with message "${error.original.slice(0, 1000)}". ${see}`;
  }
  return `Received server error (0) from the model with message "${error.message}". ${see}`;
}
