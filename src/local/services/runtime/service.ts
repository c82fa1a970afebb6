import { type Agent, request } from "node:http";
import type { InvokeEndpointInput, InvokeEndpointOutput } from "@aws-sdk/client-sagemaker-runtime";
import { AwsError } from "../../core/errors";

/**
 * SageMaker Runtime's behaviour: which endpoint and variant, which instance, forwarding to the container, and the
 * errors SageMaker Runtime answers. Its API takes and returns the SDK's own types; the restJson binding does the
 * wire (the payload limit and header lengths are the model's constraints, checked before a call gets here).
 */

/** SageMaker Runtime's limit for a real-time answer: a handler that answers more gets a ModelError, as on AWS. */
export const MAX_RESPONSE_BYTES = 6 * 1024 * 1024;

export interface RuntimeService {
  invokeEndpoint(input: InvokeEndpointInput): Promise<InvokeEndpointOutput>;
}

/** One running container as the runtime needs it. */
export interface ServingInstance {
  readonly port: number;
  readonly agent: Agent;
  readonly instanceId: string;
}

export interface ServingVariant {
  readonly name: string;
  readonly weight: number;
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
      const instance = variant.pick();
      if (!instance) {
        throw new AwsError(
          "ModelNotReadyException",
          `No instance of variant ${variant.name} of endpoint ${serving.name} is up right now (its container is restarting); retry shortly.`,
          { status: 429 },
        );
      }
      return forward(serving.name, variant, instance, input);
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

function forward(
  endpointName: string,
  variant: ServingVariant,
  instance: ServingInstance,
  input: InvokeEndpointInput,
): Promise<InvokeEndpointOutput> {
  const body = input.Body ?? new Uint8Array();
  const headers: Record<string, string | number> = {
    "Content-Type": input.ContentType ?? "application/octet-stream",
    Accept: input.Accept ?? "*/*",
    "Content-Length": body.length,
  };
  if (input.CustomAttributes !== undefined)
    headers["X-Amzn-SageMaker-Custom-Attributes"] = input.CustomAttributes;
  if (input.InferenceId !== undefined) headers["X-Amzn-SageMaker-Inference-Id"] = input.InferenceId;
  return new Promise((resolve, reject) => {
    const call = request(
      {
        host: "127.0.0.1",
        port: instance.port,
        path: "/invocations",
        method: "POST",
        headers,
        agent: instance.agent,
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on("data", (chunk: Buffer) => {
          size += chunk.length;
          // Past the limit the bytes are of no use: count them, keep nothing.
          if (size <= MAX_RESPONSE_BYTES) chunks.push(chunk);
        });
        response.on("error", (error) => reject(unavailable(endpointName, variant, instance, error)));
        response.on("end", () => {
          const answer = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
          const status = response.statusCode ?? 500;
          if (status >= 400) {
            reject(modelError(variant, status, answer.toString("utf8")));
            return;
          }
          if (size > MAX_RESPONSE_BYTES) {
            reject(tooLarge(variant, size));
            return;
          }
          const attributes = response.headers["x-amzn-sagemaker-custom-attributes"];
          resolve({
            Body: answer,
            ContentType: response.headers["content-type"] ?? "application/octet-stream",
            InvokedProductionVariant: variant.name,
            CustomAttributes: Array.isArray(attributes) ? attributes.join(",") : attributes,
          });
        });
      },
    );
    call.setTimeout(variant.timeoutMs, () => {
      call.destroy();
      reject(
        new AwsError(
          "ModelError",
          `Received no response from variant ${variant.name} (instance ${instance.instanceId}) within ${variant.timeoutMs / 1000} s (SAGEMAKER_MODEL_SERVER_TIMEOUT). See ${variant.logStreamArn} in CloudWatch Logs for more information.`,
          { status: 424, fields: { LogStreamArn: variant.logStreamArn } },
        ),
      );
    });
    call.on("error", (error) => reject(unavailable(endpointName, variant, instance, error)));
    call.end(body);
  });
}

function tooLarge(variant: ServingVariant, size: number): AwsError {
  const message = `The response from variant ${variant.name} is ${size} bytes, over the ${MAX_RESPONSE_BYTES}-byte (6 MiB) limit of InvokeEndpoint. Answer less per request, or use batch transform or asynchronous inference.`;
  return new AwsError(
    "ModelError",
    `Received server error (0) from variant ${variant.name} with message "${message}". See ${variant.logStreamArn} in CloudWatch Logs for more information.`,
    {
      status: 424,
      fields: { OriginalStatusCode: 0, OriginalMessage: message, LogStreamArn: variant.logStreamArn },
    },
  );
}

function modelError(variant: ServingVariant, status: number, message: string): AwsError {
  const kind = status < 500 ? "client" : "server";
  return new AwsError(
    "ModelError",
    `Received ${kind} error (${status}) from variant ${variant.name} with message "${message.slice(0, 1000)}". See ${variant.logStreamArn} in CloudWatch Logs for more information.`,
    {
      status: 424,
      fields: { OriginalStatusCode: status, OriginalMessage: message, LogStreamArn: variant.logStreamArn },
    },
  );
}

function unavailable(
  endpointName: string,
  variant: ServingVariant,
  instance: ServingInstance,
  error: Error,
): AwsError {
  return new AwsError(
    "ServiceUnavailable",
    `The container of variant ${variant.name} (instance ${instance.instanceId}) of endpoint ${endpointName} did not answer (${error.message}); it is being restarted, retry shortly.`,
    { status: 503 },
  );
}
