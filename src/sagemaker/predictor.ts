import { performance } from "node:perf_hooks";
import {
  InvokeEndpointCommand,
  type InvokeEndpointCommandInput,
  type InvokeEndpointCommandOutput,
} from "@aws-sdk/client-sagemaker-runtime";
import {
  type Deserializer,
  deserializerFor,
  jsonDeserializer,
  jsonSerializer,
  type Serializer,
} from "./serializers";
import type { WorkshopSession } from "./session";

export interface PredictOptions {
  targetVariant?: string;
  /** A multi-model endpoint's model: the archive's key under its prefix (`model-a.tar.gz`). */
  targetModel?: string;
  /** A multi-container endpoint with direct invocation: the container's ContainerHostname. */
  targetContainerHostname?: string;
  customAttributes?: string;
  inferenceId?: string;
  /** Override the serializer's Content-Type / the deserializer's Accept for one call. */
  contentType?: string;
  accept?: string;
}

export interface Prediction<T = unknown> {
  result: T;
  /** The production variant that answered (x-Amzn-Invoked-Production-Variant). */
  variant?: string;
  /** Client-side round trip of InvokeEndpoint in milliseconds (the SDK's retries included). */
  latencyMs: number;
  contentType?: string;
  /** How many times the SDK sent the request (more than 1 after throttling or a retried 5xx). */
  attempts: number;
}

/**
 * An InvokeEndpoint failure with what the runtime answered: `code` is the AWS error code
 * (ValidationError, ModelError, ModelNotReadyException, ServiceUnavailable, ...), `statusCode` its HTTP status,
 * and for ModelError the container's own status and message.
 */
export class EndpointInvocationError extends Error {
  readonly code: string;
  readonly statusCode?: number;
  readonly originalStatusCode?: number;
  readonly originalMessage?: string;
  /**
   * The runtime's own message, which says where a ModelError came from (the variant, and the container of a
   * multi-container endpoint or pipeline); `message` quotes the container's text instead, when there is one.
   */
  readonly serviceMessage: string;
  /**
   * What to show a person: the container's own message text when its answer is a JSON error document
   * (`{"code":400,"type":"BadRequest","message":"..."}`, or `error` / `errorMessage` / `detail`), else the
   * container's answer as it came, else the runtime's message.
   */
  readonly containerMessage: string;
  readonly logStreamArn?: string;
  /** How many times the SDK sent the request before giving up. */
  readonly attempts?: number;

  constructor(
    readonly endpointName: string,
    cause: unknown,
  ) {
    const error = cause as Error & {
      $metadata?: { httpStatusCode?: number; attempts?: number };
      OriginalStatusCode?: number;
      OriginalMessage?: string;
      LogStreamArn?: string;
    };
    const code = error.name || "UnknownError";
    // The SDK error is not kept as `cause`: it drags the raw HTTP response into every printout.
    super(`${code} from endpoint ${endpointName}: ${error.OriginalMessage ?? error.message}`);
    this.name = "EndpointInvocationError";
    this.code = code;
    this.statusCode = error.$metadata?.httpStatusCode;
    this.attempts = error.$metadata?.attempts;
    this.originalStatusCode = error.OriginalStatusCode;
    this.originalMessage = error.OriginalMessage;
    this.serviceMessage = error.message;
    this.containerMessage = messageText(error.OriginalMessage) ?? error.OriginalMessage ?? error.message;
    this.logStreamArn = error.LogStreamArn;
  }
}

/** The message text of a JSON error document, if `body` is one. */
export function messageText(body: string | undefined): string | undefined {
  if (!body?.trimStart().startsWith("{")) return undefined;
  try {
    const doc = JSON.parse(body) as Record<string, unknown>;
    for (const key of ["message", "Message", "errorMessage", "error", "detail"]) {
      const value = doc[key];
      if (typeof value === "string" && value.trim() !== "") return value;
      if (value && typeof value === "object" && typeof (value as { message?: unknown }).message === "string")
        return (value as { message: string }).message;
    }
  } catch {
    // not JSON after all: the caller shows it as it came
  }
  return undefined;
}

export interface PredictorOptions {
  serializer?: Serializer;
  /** Default JSON; pass `null`-free deserializers only. */
  deserializer?: Deserializer;
}

/** Sends requests to a real-time endpoint, as the Python SDK's Predictor does, and times each round trip. */
export class Predictor<T = unknown> {
  readonly serializer: Serializer;
  readonly deserializer: Deserializer;

  constructor(
    readonly session: WorkshopSession,
    readonly endpointName: string,
    options: PredictorOptions = {},
  ) {
    this.serializer = options.serializer ?? jsonSerializer;
    this.deserializer = options.deserializer ?? jsonDeserializer;
  }

  /** The InvokeEndpoint request for `data`, built without sending it. */
  buildRequest(data: unknown, options: PredictOptions = {}): InvokeEndpointCommandInput {
    return {
      EndpointName: this.endpointName,
      Body: this.serializer.serialize(data),
      ContentType: options.contentType ?? this.serializer.contentType,
      Accept: options.accept ?? this.deserializer.accept,
      TargetVariant: options.targetVariant,
      TargetModel: options.targetModel,
      TargetContainerHostname: options.targetContainerHostname,
      CustomAttributes: options.customAttributes,
      InferenceId: options.inferenceId,
    };
  }

  async predict(data: unknown, options: PredictOptions = {}): Promise<Prediction<T>> {
    const request = this.buildRequest(data, options);
    const started = performance.now();
    let response: InvokeEndpointCommandOutput;
    try {
      response = await this.session.runtime.send(new InvokeEndpointCommand(request));
    } catch (error) {
      throw new EndpointInvocationError(this.endpointName, error);
    }
    const latencyMs = performance.now() - started;
    const body = response.Body ?? new Uint8Array();
    const deserializer =
      this.deserializer.accept === "*/*" ? deserializerFor(response.ContentType) : this.deserializer;
    return {
      result: deserializer.deserialize(body, response.ContentType) as T,
      variant: response.InvokedProductionVariant,
      latencyMs,
      contentType: response.ContentType,
      attempts: response.$metadata.attempts ?? 1,
    };
  }
}
