import type { ServerResponse } from "node:http";
import { callOperation, type OperationTable } from "../core/binding";
import { AwsError, toAwsError } from "../core/errors";
import { sendBody } from "./http";
import { parseJsonDocument, serializeJson } from "./json";
import { isServiceOperation, readInput, type ServiceModel } from "./model";

/**
 * The awsJson protocols (1.0 and 1.1): `POST /` with `X-Amz-Target: <Prefix>.<Operation>`, a JSON body, a JSON
 * answer, errors as `{"__type": code, "message": ...}` with `x-amzn-errortype`. One implementation serves every
 * JSON service (SageMaker, CloudWatch Logs, ...): each is described by its target prefix, version, Smithy model
 * and binding.
 */
export interface JsonServiceSpec {
  /** The part of X-Amz-Target before the dot: "SageMaker", "Logs_20140328". */
  targetPrefix: string;
  version: "1.0" | "1.1";
  model: ServiceModel;
  operations: OperationTable;
  /** The service's code for constraint violations (SageMaker: ValidationException; Logs: InvalidParameterException). */
  validationCode: string;
  /** What the server is called in "does not implement" messages. */
  serviceName: string;
}

export function jsonContentType(version: "1.0" | "1.1"): string {
  return `application/x-amz-json-${version}`;
}

export function sendJsonError(
  res: ServerResponse,
  error: AwsError,
  requestId: string,
  version: "1.0" | "1.1",
): void {
  // `message` once: a body that repeats every violation under two names doubled the answer to a huge request.
  const body = { ...error.fields, __type: error.code, message: error.message };
  sendBody(res, error.status, Buffer.from(serializeJson(body)), {
    "Content-Type": jsonContentType(version),
    "x-amzn-errortype": error.code,
    "x-amzn-RequestId": requestId,
  });
}

/** Answers one awsJson request whose target prefix named `service`. */
export async function handleAwsJson(
  service: JsonServiceSpec,
  operation: string,
  body: Buffer,
  res: ServerResponse,
  requestId: string,
): Promise<void> {
  try {
    if (!Object.hasOwn(service.operations, operation)) {
      throw new AwsError(
        "UnknownOperationException",
        isServiceOperation(service.model, operation)
          ? `${service.serviceName} does not implement the operation ${operation} yet.`
          : `${service.serviceName} has no operation named "${operation}".`,
      );
    }
    const input = readInput(service.model, operation, parseJsonDocument(body), {
      validationCode: service.validationCode,
    });
    const output = await callOperation(service.operations, operation, input);
    sendBody(res, 200, Buffer.from(serializeJson(output ?? {})), {
      "Content-Type": jsonContentType(service.version),
      "x-amzn-RequestId": requestId,
    });
  } catch (error) {
    sendJsonError(res, toAwsError(error), requestId, service.version);
  }
}
