import { type Agent, request } from "node:http";
import { AwsError } from "../errors";

/**
 * InvokeEndpoint's behaviour: which endpoint and variant, which instance, forwarding to the container, and the
 * errors SageMaker Runtime answers. It sees typed requests only; src/local/protocol/runtime.ts does the wire.
 */

/** SageMaker Runtime's payload limit for real-time invocations. */
export const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;

export interface InvokeRequest {
  endpointName: string;
  body: Buffer;
  contentType?: string;
  accept?: string;
  customAttributes?: string;
  targetVariant?: string;
  targetContainerHostname?: string;
  inferenceId?: string;
}

export interface InvokeResult {
  body: Buffer;
  contentType: string;
  invokedVariant: string;
  customAttributes?: string;
}

export interface RuntimeService {
  invokeEndpoint(request: InvokeRequest): Promise<InvokeResult>;
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
      const found = directory.lookup(input.endpointName);
      if (!found) throw validationError(`Endpoint ${input.endpointName} of account ${accountId} not found.`);
      if (input.body.length > MAX_PAYLOAD_BYTES) {
        throw validationError(
          `The request payload is ${input.body.length} bytes; InvokeEndpoint accepts at most ${MAX_PAYLOAD_BYTES} bytes (6 MiB). Send fewer records per request, or use batch transform.`,
        );
      }
      const serving = found.serving;
      if (!serving || (found.status !== "InService" && found.status !== "Updating")) {
        throw validationError(
          `Endpoint ${input.endpointName} is not in service (status ${found.status}); wait for InService (waitUntilEndpointInService) before invoking it.`,
        );
      }
      const variant = chooseVariant(serving, input.targetVariant);
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
  input: InvokeRequest,
): Promise<InvokeResult> {
  const headers: Record<string, string | number> = {
    "Content-Type": input.contentType ?? "application/octet-stream",
    Accept: input.accept ?? "*/*",
    "Content-Length": input.body.length,
  };
  if (input.customAttributes !== undefined)
    headers["X-Amzn-SageMaker-Custom-Attributes"] = input.customAttributes;
  if (input.inferenceId !== undefined) headers["X-Amzn-SageMaker-Inference-Id"] = input.inferenceId;
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
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("error", (error) => reject(unavailable(endpointName, variant, instance, error)));
        response.on("end", () => {
          const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
          const status = response.statusCode ?? 500;
          if (status >= 400) {
            reject(modelError(variant, status, body.toString("utf8")));
            return;
          }
          const attributes = response.headers["x-amzn-sagemaker-custom-attributes"];
          resolve({
            body,
            contentType: response.headers["content-type"] ?? "application/octet-stream",
            invokedVariant: variant.name,
            customAttributes: Array.isArray(attributes) ? attributes.join(",") : attributes,
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
    call.end(input.body);
  });
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
