import type { ServiceContext } from "../../context";
import { type ContainerAnswer, InvocationFailure } from "../hosting/invocation";
import type { ModelInstance } from "../hosting/model-instance";
import { answerChunk } from "./assembly";
import { RecordError } from "./data-processing";
import { type InputObject, outputKey, readInputObject } from "./input";
import type { TransformPlan } from "./plan";
import { type Batch, batchBody, batchRecords, RecordTooLarge, splitRecords } from "./splitting";

/**
 * The work of one instance of a transform job: its share of the input objects, read one after another, and their
 * requests sent through MaxConcurrentTransforms slots (each slot sends its next request when its last one is
 * answered). Answers are kept by position, so the output keeps the input's order whatever order they arrive in; an
 * object's output is written once all its requests succeeded. A failed object stops its own requests only: the
 * others go on, as on SageMaker, and the job fails at the end.
 */

/**
 * The largest answer kept per request. Real-time answers stop at 6 MiB; a batch request may carry up to
 * MaxPayloadInMB (at most 100 MB) of records, and its answer may be as large as that.
 */
export const MAX_BATCH_ANSWER_BYTES = 100 * 1024 * 1024;
/** A failing request waits this long (times the attempt) before it is sent again. */
const RETRY_DELAY_MS = 100;
/** Progress lines per object: one each time another tenth of its records is done. */
const PROGRESS_STEPS = 10;

/** What went wrong with one object: the job's FailureReason quotes the first. */
export interface ObjectFailure {
  uri: string;
  /** "line 3", "lines 1-2400": the records the failure is about. */
  where?: string;
  message: string;
}

export interface InstanceWorkHost {
  ctx: ServiceContext;
  plan: TransformPlan;
  /** Stopped, abandoned, or a container gave up: nothing more is sent or written. */
  halted(): boolean;
  fail(failure: ObjectFailure): void;
  /** The instance's log stream. */
  log(line: string): void;
  /** An object was written: its records, for the job's totals. */
  done(records: number): void;
}

interface ObjectState {
  object: InputObject;
  /** The records as read (what JoinSource joins answers to). */
  originals: Buffer[];
  /** The records as sent (after InputFilter). */
  records: Buffer[];
  lines: number[];
  batches: Batch[];
  chunks: Buffer[];
  next: number;
  answered: number;
  recordsDone: number;
  reported: number;
  failed: boolean;
  contentType?: string;
  started: number;
}

export class InstanceWork {
  private current: ObjectState | undefined;
  private nextObject = 0;
  private loading: Promise<void> | undefined;

  constructor(
    private readonly instance: ModelInstance,
    private readonly objects: readonly InputObject[],
    private readonly host: InstanceWorkHost,
  ) {}

  async run(): Promise<void> {
    const { plan } = this.host;
    this.host.log(
      `[sagemaker logs] MaxConcurrentTransforms=${plan.concurrency}, MaxPayloadInMB=${plan.maxPayloadInMB}, BatchStrategy=${plan.environment.SAGEMAKER_BATCH_STRATEGY}, ${this.objects.length} input object${this.objects.length === 1 ? "" : "s"} on instance ${this.instance.instanceId}`,
    );
    await Promise.all(Array.from({ length: plan.concurrency }, () => this.slot()));
  }

  private async slot(): Promise<void> {
    for (;;) {
      const task = await this.nextTask();
      if (!task) return;
      await this.send(task.state, task.index);
    }
  }

  /** The next request to send: the current object's next batch, else the next object's first (read once). */
  private async nextTask(): Promise<{ state: ObjectState; index: number } | undefined> {
    for (;;) {
      if (this.host.halted()) return undefined;
      const state = this.current;
      if (state && !state.failed && state.next < state.batches.length) return { state, index: state.next++ };
      if (this.nextObject >= this.objects.length && !this.loading) return undefined;
      this.loading ??= this.loadNext().finally(() => {
        this.loading = undefined;
      });
      await this.loading;
    }
  }

  private async loadNext(): Promise<void> {
    while (this.nextObject < this.objects.length && !this.host.halted()) {
      const object = this.objects[this.nextObject++] as InputObject;
      try {
        const state = await this.prepare(object);
        if (state.batches.length > 0) {
          this.current = state;
          return;
        }
        await this.write(state);
      } catch (error) {
        if (this.host.halted()) return;
        if (error instanceof PreparationError) this.host.fail(error.failure);
        else this.host.fail({ uri: object.uri, message: (error as Error).message });
      }
    }
  }

  private async prepare(object: InputObject): Promise<ObjectState> {
    const { plan } = this.host;
    const { records: originals, lines } = splitRecords(
      await readInputObject(this.host.ctx, object, plan.compression),
      plan.splitType,
    );
    const processor = plan.processor;
    const records = processor
      ? originals.map((record, index) => {
          try {
            return processor.filterInput(record);
          } catch (error) {
            throw recordFailure(object, `line ${lines[index]}`, error);
          }
        })
      : originals;
    let batches: Batch[];
    try {
      batches = batchRecords(records, plan.strategy, plan.payloadLimitBytes);
    } catch (error) {
      if (!(error instanceof RecordTooLarge)) throw error;
      throw new PreparationError({
        uri: object.uri,
        where: `line ${lines[error.index]}`,
        message: `the record is ${error.bytes} bytes, more than MaxPayloadInMB ${plan.maxPayloadInMB} allows (${error.limit} bytes); raise MaxPayloadInMB (at most 100) or split the record`,
      });
    }
    this.host.log(
      `[sagemaker logs] ${object.uri}: ${records.length} record${records.length === 1 ? "" : "s"} in ${batches.length} request${batches.length === 1 ? "" : "s"}`,
    );
    return {
      object,
      originals,
      records,
      lines,
      batches,
      chunks: new Array<Buffer>(batches.length),
      next: 0,
      answered: 0,
      recordsDone: 0,
      reported: 0,
      failed: false,
      started: Date.now(),
    };
  }

  private async send(state: ObjectState, index: number): Promise<void> {
    const { plan } = this.host;
    const batch = state.batches[index] as Batch;
    let answer: ContainerAnswer;
    try {
      answer = await this.invoke(batchBody(state.records, batch), state, batch);
      if (this.host.halted() || state.failed) return;
      state.chunks[index] = answerChunk(state.originals, batch, answer, plan.processor, plan.assembleWith);
    } catch (error) {
      if (this.host.halted() || state.failed) return;
      state.failed = true;
      const where =
        error instanceof RecordError && error.offset !== undefined
          ? `line ${state.lines[batch.first + error.offset]}`
          : linesOf(state, batch);
      this.host.fail({ uri: state.object.uri, where, message: this.explain(error) });
      return;
    }
    state.contentType ??= answer.contentType;
    state.answered++;
    state.recordsDone += batch.count;
    const step = Math.floor((state.recordsDone * PROGRESS_STEPS) / state.records.length);
    if (step > state.reported && state.answered < state.batches.length) {
      state.reported = step;
      this.host.log(
        `[sagemaker logs] ${state.object.uri}: ${state.recordsDone}/${state.records.length} records done`,
      );
    }
    if (state.answered === state.batches.length) await this.write(state);
  }

  /** One request, sent again after a timeout, an unreachable container or a 5xx (InvocationsMaxRetries). */
  private async invoke(body: Buffer, state: ObjectState, batch: Batch): Promise<ContainerAnswer> {
    const { plan } = this.host;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.instance.invoke(
          { body, contentType: plan.contentType, accept: plan.accept },
          { timeoutMs: plan.timeoutMs, maxAnswerBytes: MAX_BATCH_ANSWER_BYTES },
        );
      } catch (error) {
        const retryable =
          error instanceof InvocationFailure &&
          (error.kind === "timeout" ||
            error.kind === "unreachable" ||
            (error.kind === "model" && error.status >= 500));
        if (!retryable || attempt >= plan.maxRetries || this.host.halted()) throw error;
        this.host.log(
          `[sagemaker logs] ${state.object.uri} ${linesOf(state, batch)}: retry ${attempt + 1} of ${plan.maxRetries} after: ${this.explain(error)}`,
        );
        await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS * (attempt + 1)));
      }
    }
  }

  private explain(error: unknown): string {
    const { plan } = this.host;
    if (error instanceof RecordError) return error.message;
    if (!(error instanceof InvocationFailure)) return (error as Error).message;
    const container = error.hostname ? ` (container ${error.hostname})` : "";
    switch (error.kind) {
      case "model":
        return `the model${container} answered ${error.status}: ${containerMessage(error.original)}`;
      case "timeout":
        return `the model${container} did not answer within ${plan.timeoutMs / 1000} s (ModelClientConfig.InvocationsTimeoutInSeconds)`;
      case "too-large":
        return `the model's answer is over ${MAX_BATCH_ANSWER_BYTES} bytes; send fewer records per request (MaxPayloadInMB)`;
      default:
        // unreachable, out-of-memory, ...: the failure says what happened in its own words.
        return error.message;
    }
  }

  private async write(state: ObjectState): Promise<void> {
    const { ctx, plan } = this.host;
    if (this.host.halted() || state.failed) return;
    const key = outputKey(plan, state.object);
    const contentType = plan.outputContentType ?? state.contentType ?? "application/octet-stream";
    try {
      await ctx.s3.putObject(plan.output.bucket, key, Buffer.concat(state.chunks), { contentType });
    } catch (error) {
      this.host.fail({
        uri: state.object.uri,
        message: `its output could not be written to s3://${plan.output.bucket}/${key} (${(error as Error).message})`,
      });
      return;
    }
    this.host.log(
      `[sagemaker logs] ${state.object.uri}: ${state.records.length} records done in ${((Date.now() - state.started) / 1000).toFixed(2)} s → s3://${plan.output.bucket}/${key}`,
    );
    this.host.done(state.records.length);
  }
}

class PreparationError extends Error {
  constructor(readonly failure: ObjectFailure) {
    super(failure.message);
  }
}

function recordFailure(object: InputObject, where: string, error: unknown): Error {
  if (!(error instanceof RecordError)) return error as Error;
  return new PreparationError({ uri: object.uri, where, message: error.message });
}

function linesOf(state: ObjectState, batch: Batch): string {
  const first = state.lines[batch.first];
  const last = state.lines[batch.first + batch.count - 1];
  return first === last ? `line ${first}` : `lines ${first}-${last}`;
}

/** The built-in server answers errors as {"code", "type", "message"}: its message is what the model said. */
function containerMessage(original: string): string {
  try {
    const parsed = JSON.parse(original) as { message?: unknown };
    if (typeof parsed.message === "string") return parsed.message;
  } catch {
    // not JSON: quote it as it is
  }
  return original.slice(0, 500);
}
