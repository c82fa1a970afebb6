import type { IncomingMessage, ServerResponse } from "node:http";
import { AwsError } from "../errors";
import type { InvokeRequest, RuntimeService } from "../services/runtime";
import { header, newRequestId, sendJson } from "./http";

/**
 * SageMaker Runtime's restJson1 wire: `POST /endpoints/{EndpointName}/invocations`, the payload as the raw body,
 * the options as X-Amzn-SageMaker-* headers; errors carry `x-amzn-errortype` and a JSON body.
 */

const INVOCATIONS = /^\/endpoints\/([^/]+)\/invocations$/;

export function parseInvokeRequest(req: IncomingMessage, body: Buffer): InvokeRequest {
  const path = (req.url ?? "/").split("?")[0] as string;
  const match = INVOCATIONS.exec(path);
  if (!match || req.method !== "POST") {
    throw new AwsError(
      "UnknownOperationException",
      `Local SageMaker Runtime has no operation at ${req.method} ${path}; it serves POST /endpoints/{EndpointName}/invocations.`,
      { status: 404 },
    );
  }
  return {
    endpointName: decodeURIComponent(match[1] as string),
    body,
    contentType: header(req, "content-type"),
    accept: header(req, "accept"),
    customAttributes: header(req, "x-amzn-sagemaker-custom-attributes"),
    targetVariant: header(req, "x-amzn-sagemaker-target-variant"),
    targetContainerHostname: header(req, "x-amzn-sagemaker-target-container-hostname"),
    inferenceId: header(req, "x-amzn-sagemaker-inference-id"),
  };
}

export function createRuntimeHandler(
  runtime: RuntimeService,
): (req: IncomingMessage, res: ServerResponse, body: Buffer) => Promise<void> {
  return async (req, res, body) => {
    const requestId = newRequestId();
    try {
      const result = await runtime.invokeEndpoint(parseInvokeRequest(req, body));
      const headers: Record<string, string> = {
        "Content-Type": result.contentType,
        "Content-Length": String(result.body.length),
        "x-Amzn-Invoked-Production-Variant": result.invokedVariant,
        "x-amzn-RequestId": requestId,
      };
      if (result.customAttributes !== undefined)
        headers["X-Amzn-SageMaker-Custom-Attributes"] = result.customAttributes;
      res.writeHead(200, headers);
      res.end(result.body);
    } catch (error) {
      sendRuntimeError(res, error, requestId);
    }
  };
}

function sendRuntimeError(res: ServerResponse, error: unknown, requestId: string): void {
  const failure =
    error instanceof AwsError
      ? error
      : new AwsError(
          "InternalFailure",
          `Local SageMaker Runtime failed: ${(error as Error)?.message ?? String(error)}`,
          {
            status: 500,
          },
        );
  if (!(error instanceof AwsError))
    process.stderr.write(`local-sagemaker runtime: ${(error as Error)?.stack ?? error}\n`);
  const body = { ...failure.fields, message: failure.message, Message: failure.message };
  sendJson(res, failure.status, JSON.stringify(body), {
    "x-amzn-errortype": failure.code,
    "x-amzn-RequestId": requestId,
  });
}
