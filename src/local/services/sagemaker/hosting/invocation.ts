/**
 * One call into a model container, as the platform makes it: what it sends, what comes back, and the ways it can
 * fail. The hosting side (containers, instances) answers in these terms; the callers (the runtime, batch
 * transform, asynchronous inference) turn a failure into their own AWS error with their own context.
 */

export interface ContainerRequest {
  body: Uint8Array;
  contentType: string;
  accept: string;
  customAttributes?: string;
  inferenceId?: string;
  /** The multi-model endpoint's TargetModel: which loaded model answers. */
  targetModel?: string;
}

export interface ContainerAnswer {
  body: Buffer;
  contentType: string;
  customAttributes?: string;
  /** The containers' time for this request (ModelLatency), set by the fleet that ran it. */
  modelLatencyUs?: number;
}

/**
 * Why a call did not get an answer:
 * - model: the container answered 4xx/5xx; timeout; too-large: an answer over the caller's limit;
 * - unreachable: the connection was lost; out-of-memory: because the container hit its memory limit;
 * - not-ready: no instance is up; throttled: a serverless variant is at its MaxConcurrency;
 * - start-failed: a serverless cold start did not come up;
 * - model-missing: a multi-model endpoint's TargetModel is not under its S3 prefix.
 */
export type FailureKind =
  | "model"
  | "timeout"
  | "too-large"
  | "unreachable"
  | "out-of-memory"
  | "not-ready"
  | "throttled"
  | "start-failed"
  | "model-missing";

export class InvocationFailure extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
    /** For "model": the container's status and text. */
    readonly status = 0,
    readonly original = "",
    /** The container that failed, in a multi-container model. */
    readonly hostname?: string,
  ) {
    super(message);
    this.name = "InvocationFailure";
  }
}

/** SageMaker's limit for a real-time answer; batch and async callers have their own. */
export const MAX_ANSWER_BYTES = 6 * 1024 * 1024;
