import type { ServerResponse } from "node:http";
import { callOperation, type OperationTable } from "../core/binding";
import { AwsError, toAwsError } from "../core/errors";
import { sendBody } from "./http";
import { parseJsonDocument, serializeJson } from "./json";
import { isServiceOperation, type QueryWording, queryErrorCode, readInput, type ServiceModel } from "./model";

/**
 * The awsJson protocols (1.0 and 1.1): `POST /` with `X-Amz-Target: <Prefix>.<Operation>`, a JSON body, a JSON
 * answer, errors as `{"__type": code, "message": ...}` with `x-amzn-errortype`. One implementation serves every
 * JSON service (SageMaker, CloudWatch Logs, ...): each is described by its target prefix, version, Smithy model
 * and binding. A query-compatible service (CloudWatch, which moved from awsQuery) also names each error in
 * `x-amzn-query-error: <query code>;Sender|Receiver`, which the SDKs read first, and words bad input as its query
 * front end does.
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
  /** A query-compatible service: `x-amzn-query-error` on errors, bad input in its query wording. */
  queryCompatible?: QueryWording;
}

export function jsonContentType(version: "1.0" | "1.1"): string {
  return `application/x-amz-json-${version}`;
}

export function sendJsonError(
  res: ServerResponse,
  error: AwsError,
  requestId: string,
  version: "1.0" | "1.1",
  /** The model of a query-compatible service, whose query codes go in `x-amzn-query-error`. */
  queryModel?: ServiceModel,
): void {
  // `message` once: a body that repeats every violation under two names doubled the answer to a huge request.
  const body = { ...error.fields, __type: error.code, message: error.message };
  const headers: Record<string, string> = {
    "Content-Type": jsonContentType(version),
    "x-amzn-errortype": error.code,
    "x-amzn-RequestId": requestId,
  };
  if (queryModel) headers["x-amzn-query-error"] = queryErrorHeader(queryModel, error);
  sendBody(res, error.status, Buffer.from(serializeJson(body)), headers);
}

/** `<query code>;Sender` (client faults) or `;Receiver` (server faults), as query-compatible services answer. */
export function queryErrorHeader(model: ServiceModel, error: AwsError): string {
  return `${queryErrorCode(model, error.code)};${error.status >= 500 ? "Receiver" : "Sender"}`;
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
      ...(service.queryCompatible ? { query: service.queryCompatible } : {}),
    });
    const output = await callOperation(service.operations, operation, input);
    sendBody(res, 200, Buffer.from(serializeJson(output ?? {})), {
      "Content-Type": jsonContentType(service.version),
      "x-amzn-RequestId": requestId,
    });
  } catch (error) {
    const failure = toAwsError(error, service.queryCompatible ? "InternalServiceFault" : "InternalFailure");
    sendJsonError(
      res,
      failure,
      requestId,
      service.version,
      service.queryCompatible ? service.model : undefined,
    );
  }
}
