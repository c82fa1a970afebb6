import type { InvokeEndpointInput, InvokeEndpointOutput } from "@aws-sdk/client-sagemaker-runtime";
import { AwsError } from "../../core/errors";
import {
  type ContainerAnswer,
  type ContainerRequest,
  InvocationFailure,
  MAX_ANSWER_BYTES,
} from "../sagemaker/hosting/invocation";
import type { ExecutionMode, InstanceInvokeOptions } from "../sagemaker/hosting/model-instance";

/**
 * SageMaker Runtime's behaviour: which endpoint and variant, which instance, and the errors SageMaker Runtime
 * answers. Its API takes and returns the SDK's own types; the restJson binding does the wire (the payload limit and
 * header lengths are the model's constraints, checked before a call gets here), and the hosting side runs the
 * containers (invocation.ts).
 */

export interface RuntimeService {
  invokeEndpoint(input: InvokeEndpointInput): Promise<InvokeEndpointOutput>;
}

/** One instance of a variant, as the runtime calls it. */
export interface ServingInstance {
  readonly instanceId: string;
  invoke(request: ContainerRequest, options: InstanceInvokeOptions): Promise<ContainerAnswer>;
}

export interface ServingVariant {
  readonly name: string;
  readonly weight: number;
  readonly mode: ExecutionMode;
  /** The containers of each instance, by hostname (the targets of a Direct endpoint). */
  readonly hostnames: readonly string[];
  readonly timeoutMs: number;
  readonly logStreamArn: string;
  /** An instance that is up, or undefined while none is (restarting). */
  pick(): ServingInstance | undefined;
}

export interface ServingEndpoint {
  readonly name: string;
  readonly variants: readonly ServingVariant[];
}

/** What the runtime asks of hosting: an endpoint's status and what serves it (undefined while nothing does). */
export interface EndpointDirectory {
  lookup(name: string): { status: string; serving: ServingEndpoint | undefined } | undefined;
}

const validationError = (message: string): AwsError => new AwsError("ValidationError", message);

export function createRuntimeService(directory: EndpointDirectory, accountId: string): RuntimeService {
  return {
    async invokeEndpoint(input) {
      const name = input.EndpointName as string;
      const found = directory.lookup(name);
      if (!found) throw validationError(`Endpoint ${name} of account ${accountId} not found.`);
      const serving = found.serving;
      if (!serving || (found.status !== "InService" && found.status !== "Updating")) {
        throw validationError(
          `Endpoint ${name} is not in service (status ${found.status}); wait for InService (waitUntilEndpointInService) before invoking it.`,
        );
      }
      const variant = chooseVariant(serving, input.TargetVariant);
      checkTargetContainer(serving.name, variant, input.TargetContainerHostname);
      const instance = variant.pick();
      if (!instance) {
        throw new AwsError(
          "ModelNotReadyException",
          `No instance of variant ${variant.name} of endpoint ${serving.name} is up right now (its container is restarting); retry shortly.`,
          { status: 429 },
        );
      }
      try {
        const answer = await instance.invoke(
          {
            body: input.Body ?? new Uint8Array(),
            contentType: input.ContentType ?? "application/octet-stream",
            accept: input.Accept ?? "*/*",
            customAttributes: input.CustomAttributes,
            inferenceId: input.InferenceId,
          },
          {
            timeoutMs: variant.timeoutMs,
            maxAnswerBytes: MAX_ANSWER_BYTES,
            targetContainerHostname: input.TargetContainerHostname,
          },
        );
        return {
          Body: answer.body,
          ContentType: answer.contentType,
          InvokedProductionVariant: variant.name,
          CustomAttributes: answer.customAttributes,
        };
      } catch (error) {
        if (!(error instanceof InvocationFailure)) throw error;
        throw runtimeError(serving.name, variant, instance, error);
      }
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

/** The error SageMaker Runtime answers for a failed call into a variant's container. */
function runtimeError(
  endpointName: string,
  variant: ServingVariant,
  instance: ServingInstance,
  failure: InvocationFailure,
): AwsError {
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
      return new AwsError(
        "ModelError",
        `Received server error (0) from ${where} with message "${failure.message}". ${see}`,
        {
          status: 424,
          fields: {
            OriginalStatusCode: 0,
            OriginalMessage: failure.message,
            LogStreamArn: variant.logStreamArn,
          },
        },
      );
    case "unreachable":
      return new AwsError(
        "ServiceUnavailable",
        `The container of ${where} (instance ${instance.instanceId}) of endpoint ${endpointName} did not answer (${failure.message}); it is being restarted, retry shortly.`,
        { status: 503 },
      );
  }
}
