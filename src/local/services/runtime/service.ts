import { performance } from "node:perf_hooks";
import type {
  InvokeEndpointAsyncInput,
  InvokeEndpointAsyncOutput,
  InvokeEndpointInput,
  InvokeEndpointOutput,
} from "@aws-sdk/client-sagemaker-runtime";
import { AwsError } from "../../core/errors";
import { parseS3Uri, type S3Location } from "../../core/s3-uri";
import {
  type ContainerAnswer,
  type ContainerRequest,
  InvocationFailure,
  MAX_ANSWER_BYTES,
} from "../sagemaker/hosting/invocation";
import type { InvocationSample } from "../sagemaker/hosting/metrics";
import type { ExecutionMode, InstanceInvokeOptions } from "../sagemaker/hosting/model-instance";

/**
 * SageMaker Runtime's behaviour: which endpoint and variant, which instance, and the errors SageMaker Runtime
 * answers. Its API takes and returns the SDK's own types; the restJson binding does the wire (the payload limit and
 * header lengths are the model's constraints, checked before a call gets here), and the hosting side runs the
 * containers (invocation.ts).
 */

export interface RuntimeService {
  invokeEndpoint(input: InvokeEndpointInput): Promise<InvokeEndpointOutput>;
  invokeEndpointAsync(input: InvokeEndpointAsyncInput): InvokeEndpointAsyncOutput;
}

export interface ServingVariant {
  readonly name: string;
  readonly weight: number;
  readonly mode: ExecutionMode;
  /** The containers of each instance, by hostname (the targets of a Direct endpoint). */
  readonly hostnames: readonly string[];
  readonly timeoutMs: number;
  readonly logStreamArn: string;
  /** Serverless variants refuse past MaxConcurrency; the message says which limit. */
  readonly serverless: boolean;
  /** A multi-model variant: every request names its TargetModel. */
  readonly multiModel: boolean;
  /** Instances counted for InvocationsPerInstance (none for serverless). */
  readonly instanceCount: number;
  /** Runs the request on one of the variant's instances; rejects with an InvocationFailure. */
  invoke(request: ContainerRequest, options: InstanceInvokeOptions): Promise<ContainerAnswer>;
}

export interface ServingEndpoint {
  readonly name: string;
  readonly endpointConfigName: string;
  readonly variants: readonly ServingVariant[];
}

/** Where the runtime reports each call that reached a variant (SageMaker's invocation metrics). */
export interface InvocationRecorder {
  invocation(sample: InvocationSample): void;
}

/** An asynchronous request as accepted: where its input is and how the container is to be asked. */
export interface AsyncRequest {
  inputLocation: S3Location;
  contentType?: string;
  accept?: string;
  customAttributes?: string;
  inferenceId?: string;
  requestTtlSeconds?: number;
  invocationTimeoutSeconds?: number;
}

/** An asynchronous endpoint's queue, as the runtime hands requests to it. */
export interface AsyncAcceptor {
  /** Records the request durably, then answers where its output (or failure) will be. */
  accept(request: AsyncRequest): { inferenceId: string; outputLocation: string; failureLocation?: string };
}

/** What the runtime asks of hosting: an endpoint's status and what serves it (undefined while nothing does). */
export interface EndpointDirectory {
  /** During a staged rollout the fleet is chosen per request: `targetVariant` says which one a request needs. */
  lookup(
    name: string,
    targetVariant?: string,
  ): { status: string; serving: ServingEndpoint | undefined; asyncInference?: AsyncAcceptor } | undefined;
}

const validationError = (message: string): AwsError => new AwsError("ValidationError", message);

/** An endpoint serves while in service and while an update or its rollback runs (the old fleet still answers). */
const SERVING_STATUSES = new Set(["InService", "Updating", "RollingBack"]);

export function createRuntimeService(
  directory: EndpointDirectory,
  accountId: string,
  recorder: InvocationRecorder,
): RuntimeService {
  const inService = (name: string, targetVariant?: string) => {
    const found = directory.lookup(name, targetVariant);
    if (!found) throw validationError(`Endpoint ${name} of account ${accountId} not found.`);
    if (!found.serving || !SERVING_STATUSES.has(found.status)) {
      throw validationError(
        `Endpoint ${name} is not in service (status ${found.status}); wait for InService (waitUntilEndpointInService) before invoking it.`,
      );
    }
    return { ...found, serving: found.serving };
  };
  return {
    async invokeEndpoint(input) {
      const name = input.EndpointName as string;
      const { serving, asyncInference } = inService(name, input.TargetVariant);
      if (asyncInference) {
        throw validationError(
          `Endpoint ${name} is an asynchronous endpoint (its endpoint configuration has an AsyncInferenceConfig): send requests with InvokeEndpointAsync, with the input in S3.`,
        );
      }
      const variant = chooseVariant(serving, input.TargetVariant);
      checkTargetContainer(serving.name, variant, input.TargetContainerHostname);
      checkTargetModel(serving.name, variant, input.TargetModel);
      const started = performance.now();
      const record = (outcome: InvocationSample["outcome"], modelLatencyUs?: number) => {
        const totalUs = (performance.now() - started) * 1000;
        recorder.invocation({
          endpointName: serving.name,
          variantName: variant.name,
          endpointConfigName: serving.endpointConfigName,
          instances: variant.instanceCount,
          outcome,
          modelLatencyUs,
          overheadLatencyUs: Math.max(0, totalUs - (modelLatencyUs ?? 0)),
        });
      };
      try {
        const answer = await variant.invoke(
          {
            body: input.Body ?? new Uint8Array(),
            contentType: input.ContentType ?? "application/octet-stream",
            accept: input.Accept ?? "*/*",
            customAttributes: input.CustomAttributes,
            inferenceId: input.InferenceId,
            targetModel: input.TargetModel,
          },
          {
            timeoutMs: variant.timeoutMs,
            maxAnswerBytes: MAX_ANSWER_BYTES,
            targetContainerHostname: input.TargetContainerHostname,
          },
        );
        record("ok", answer.modelLatencyUs);
        return {
          Body: answer.body,
          ContentType: answer.contentType,
          InvokedProductionVariant: variant.name,
          CustomAttributes: answer.customAttributes,
        };
      } catch (error) {
        if (!(error instanceof InvocationFailure)) throw error;
        const outcome = outcomeOf(error);
        if (outcome) record(outcome);
        throw runtimeError(serving.name, variant, error);
      }
    },

    invokeEndpointAsync(input) {
      const name = input.EndpointName as string;
      const { asyncInference } = inService(name);
      if (!asyncInference) {
        throw validationError(
          `Endpoint ${name} is not an asynchronous endpoint: InvokeEndpointAsync needs an endpoint configuration with an AsyncInferenceConfig. Call InvokeEndpoint instead.`,
        );
      }
      const location = input.InputLocation as string;
      let inputLocation: S3Location;
      try {
        inputLocation = parseS3Uri(location);
      } catch {
        throw validationError(
          `InputLocation "${location}" is not an S3 URI; give the input object as s3://bucket/key.`,
        );
      }
      if (inputLocation.key === "" || inputLocation.key.endsWith("/")) {
        throw validationError(
          `InputLocation "${location}" names a prefix, not an object; give the input object as s3://bucket/key.`,
        );
      }
      const accepted = asyncInference.accept({
        inputLocation,
        contentType: input.ContentType,
        accept: input.Accept,
        customAttributes: input.CustomAttributes,
        inferenceId: input.InferenceId,
        requestTtlSeconds: input.RequestTTLSeconds,
        invocationTimeoutSeconds: input.InvocationTimeoutSeconds,
      });
      return {
        InferenceId: accepted.inferenceId,
        OutputLocation: accepted.outputLocation,
        FailureLocation: accepted.failureLocation,
      };
    },
  };
}

function chooseVariant(endpoint: ServingEndpoint, target: string | undefined): ServingVariant {
  if (target !== undefined) {
    const variant = endpoint.variants.find((candidate) => candidate.name === target);
    if (!variant) {
      throw validationError(
        `Variant ${target} not found for endpoint ${endpoint.name}; its variants are ${endpoint.variants.map((v) => v.name).join(", ")}.`,
      );
    }
    return variant;
  }
  const total = endpoint.variants.reduce((sum, variant) => sum + Math.max(variant.weight, 0), 0);
  if (total <= 0) {
    throw validationError(
      `Every variant of endpoint ${endpoint.name} has weight 0; set TargetVariant, or give a variant weight with UpdateEndpointWeightsAndCapacities.`,
    );
  }
  let draw = Math.random() * total;
  for (const variant of endpoint.variants) {
    draw -= Math.max(variant.weight, 0);
    if (draw < 0) return variant;
  }
  return endpoint.variants.findLast((variant) => variant.weight > 0) as ServingVariant;
}

/** A Direct endpoint needs a target container; any other endpoint refuses one, as SageMaker does. */
function checkTargetContainer(endpoint: string, variant: ServingVariant, target: string | undefined): void {
  if (variant.mode === "Direct") {
    if (target === undefined) {
      throw validationError(
        `Endpoint ${endpoint} is a multi-container endpoint with direct invocation: name the container with TargetContainerHostname (one of ${variant.hostnames.join(", ")}).`,
      );
    }
    if (!variant.hostnames.includes(target)) {
      throw validationError(
        `TargetContainerHostname ${target} is not a container of endpoint ${endpoint}; its containers are ${variant.hostnames.join(", ")}.`,
      );
    }
  } else if (target !== undefined) {
    throw validationError(
      `TargetContainerHostname is only for multi-container endpoints with direct invocation (InferenceExecutionConfig Mode Direct); endpoint ${endpoint} is not one.`,
    );
  }
}

/** How a failed call counts: the model's 4xx and 5xx answers (and its timeouts and crashes) are its errors. */
function outcomeOf(failure: InvocationFailure): "4xx" | "5xx" | undefined {
  if (failure.kind === "model") return failure.status < 500 ? "4xx" : "5xx";
  if (["timeout", "too-large", "unreachable", "out-of-memory", "start-failed"].includes(failure.kind))
    return "5xx";
  return undefined; // refused before any model ran: throttled, not ready, no such model
}

/** A multi-model endpoint needs TargetModel; any other endpoint refuses it, in SageMaker's words. */
function checkTargetModel(endpoint: string, variant: ServingVariant, target: string | undefined): void {
  if (variant.multiModel && target === undefined) {
    throw validationError(
      `Endpoint ${endpoint} is a multi-model endpoint: name the model to invoke with TargetModel (the archive's key under the endpoint's model prefix, e.g. model-a.tar.gz).`,
    );
  }
  if (!variant.multiModel && target !== undefined) {
    throw validationError(
      `Endpoint ${endpoint} is not a multi-model endpoint and does not support target model header.`,
    );
  }
}

/** The error SageMaker Runtime answers for a failed call into a variant's container. */
function runtimeError(endpointName: string, variant: ServingVariant, failure: InvocationFailure): AwsError {
  const where = `variant ${variant.name}${failure.hostname ? ` (container ${failure.hostname})` : ""}`;
  const see = `See ${variant.logStreamArn} in CloudWatch Logs for more information.`;
  switch (failure.kind) {
    case "model": {
      const kind = failure.status < 500 ? "client" : "server";
      return new AwsError(
        "ModelError",
        `Received ${kind} error (${failure.status}) from ${where} with message "${failure.original.slice(0, 1000)}". ${see}`,
        {
          status: 424,
          fields: {
            OriginalStatusCode: failure.status,
            OriginalMessage: failure.original,
            LogStreamArn: variant.logStreamArn,
          },
        },
      );
    }
    case "timeout":
    case "too-large":
    case "out-of-memory":
    case "start-failed": {
      const message =
        failure.kind === "out-of-memory"
          ? `${failure.message}; deploy with a larger MemorySizeInMB`
          : failure.kind === "start-failed"
            ? `The container did not start: ${failure.message}`
            : failure.message;
      return new AwsError(
        "ModelError",
        `Received server error (0) from ${where} with message "${message}". ${see}`,
        {
          status: 424,
          fields: {
            OriginalStatusCode: 0,
            OriginalMessage: message,
            LogStreamArn: variant.logStreamArn,
          },
        },
      );
    }
    case "unreachable":
      return new AwsError(
        "ServiceUnavailable",
        `The container of ${where} of endpoint ${endpointName} did not answer: ${failure.message}. ${variant.serverless ? "A new one starts with the next request" : "It is being restarted"}; retry shortly.`,
        { status: 503 },
      );
    case "not-ready":
      return new AwsError(
        "ModelNotReadyException",
        `No instance of ${where} of endpoint ${endpointName} can take the request right now (${failure.message}); retry shortly.`,
        { status: 429 },
      );
    case "model-missing":
      return validationError(failure.message);
    case "throttled":
      return new AwsError(
        "ThrottlingException",
        `Rate exceeded: ${failure.message} for ${where} of endpoint ${endpointName}. Retry with backoff, or raise the variant's MaxConcurrency.`,
        { status: 400 },
      );
  }
}
