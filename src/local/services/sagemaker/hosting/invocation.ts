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
}

/** A container's answer of 4xx/5xx, a timeout, an unreachable container, or an answer over the size limit. */
export class InvocationFailure extends Error {
  constructor(
    readonly kind: "model" | "timeout" | "unreachable" | "too-large",
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
