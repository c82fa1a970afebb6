import type { IncomingMessage, ServerResponse } from "node:http";
import { AwsError } from "../errors";
import { header, newRequestId, sendJson } from "./http";

/**
 * The awsJson1_1 protocol (SageMaker control plane, CloudWatch Logs): `POST /` with
 * `X-Amz-Target: <Prefix>.<Operation>` and a JSON body. Services receive the parsed input as it came
 * (the AWS SDK input types describe it) and return plain objects; this layer only translates.
 */
export type OperationHandler = (input: Record<string, unknown>) => unknown | Promise<unknown>;

export interface JsonService {
  /** The part of X-Amz-Target before the dot: "SageMaker", "Logs_20140328". */
  targetPrefix: string;
  operations: Record<string, OperationHandler>;
  /** Called before the handler; throws AwsError for bad input. */
  validate?(operation: string, input: Record<string, unknown>): void;
}

/** Splits `X-Amz-Target` into prefix and operation; undefined when the header is absent or malformed. */
export function parseTarget(value: string | undefined): { prefix: string; operation: string } | undefined {
  if (!value) return undefined;
  const dot = value.lastIndexOf(".");
  if (dot <= 0 || dot === value.length - 1) return undefined;
  return { prefix: value.slice(0, dot), operation: value.slice(dot + 1) };
}

/** awsJson timestamps are epoch seconds; services hand over Date objects. */
export function serializeJson(value: unknown): string {
  return JSON.stringify(
    value ?? {},
    function (this: Record<string, unknown>, key: string, converted: unknown) {
      const raw = this[key];
      return raw instanceof Date ? raw.getTime() / 1000 : converted;
    },
  );
}

export function sendJsonError(res: ServerResponse, error: AwsError, requestId: string): void {
  const body = { ...error.fields, __type: error.code, message: error.message, Message: error.message };
  sendJson(res, error.status, serializeJson(body), {
    "Content-Type": "application/x-amz-json-1.1",
    "x-amzn-errortype": error.code,
    "x-amzn-RequestId": requestId,
  });
}

/** Turns anything thrown into the error the client sees; unexpected failures are InternalFailure. */
export function toAwsError(error: unknown, onUnexpected: (error: unknown) => void): AwsError {
  if (error instanceof AwsError) return error;
  onUnexpected(error);
  const message = error instanceof Error ? error.message : String(error);
  return new AwsError("InternalFailure", `Local SageMaker failed to handle the request: ${message}`, {
    status: 500,
  });
}

/** Parses the body as a JSON object (an empty body is `{}`), or throws SerializationException. */
export function parseJsonInput(body: Buffer): Record<string, unknown> {
  const text = body.toString("utf8").trim();
  if (text === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new AwsError(
      "SerializationException",
      `The request body is not valid JSON: ${(error as Error).message}`,
    );
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new AwsError("SerializationException", "The request body must be a JSON object.");
  }
  return parsed as Record<string, unknown>;
}

/** Dispatches one awsJson1_1 request to the service named by its target prefix. */
export async function handleAwsJson(
  services: ReadonlyMap<string, JsonService>,
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer,
  onUnexpected: (error: unknown) => void,
): Promise<void> {
  const requestId = newRequestId();
  const rawTarget = header(req, "x-amz-target");
  try {
    const target = parseTarget(rawTarget);
    const service = target ? services.get(target.prefix) : undefined;
    const handler =
      target && service
        ? Object.hasOwn(service.operations, target.operation)
          ? service.operations[target.operation]
          : undefined
        : undefined;
    if (!target || !service || !handler) {
      throw new AwsError(
        "UnknownOperationException",
        `Local SageMaker does not implement the operation "${rawTarget ?? ""}".`,
      );
    }
    const input = parseJsonInput(body);
    service.validate?.(target.operation, input);
    const output = await handler(input);
    sendJson(res, 200, serializeJson(output), {
      "Content-Type": "application/x-amz-json-1.1",
      "x-amzn-RequestId": requestId,
    });
  } catch (error) {
    sendJsonError(res, toAwsError(error, onUnexpected), requestId);
  }
}
