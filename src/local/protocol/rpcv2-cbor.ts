import type { ServerResponse } from "node:http";
import { cbor, dateToTag } from "@smithy/core/cbor";
import { callOperation } from "../core/binding";
import { AwsError, toAwsError } from "../core/errors";
import { type JsonServiceSpec, queryErrorHeader } from "./aws-json";
import { sendBody } from "./http";
import { isServiceOperation, readInput, type ServiceModel } from "./model";

/**
 * Smithy RPC v2 CBOR (newer SDKs for CloudWatch): `POST /service/<ServiceName>/operation/<Operation>` with
 * `smithy-protocol: rpc-v2-cbor` and a CBOR body, answered in CBOR with the same header; timestamps are CBOR
 * tag 1 (epoch seconds) both ways; errors are `{"__type": <shape>, "message": ...}` under the error's status,
 * plus `x-amzn-query-error` for a query-compatible service. One implementation for any service: the codec is
 * Smithy's own (`@smithy/core/cbor`), the input is checked by the shared reader against the service's shapes.
 */

export type CborServiceSpec = Pick<
  JsonServiceSpec,
  "model" | "operations" | "validationCode" | "serviceName" | "queryCompatible"
>;

const PROTOCOL = "rpc-v2-cbor";

/** CBOR's tag-1 timestamps as Dates (what services and the input reader take); everything else as decoded. */
function withDates(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withDates);
  if (value === null || typeof value !== "object" || value instanceof Uint8Array) return value;
  const record = value as Record<string, unknown>;
  if (record.tag === 1 && typeof record.value === "number" && Object.keys(record).length === 2) {
    return new Date(record.value * 1000);
  }
  return Object.fromEntries(Object.entries(record).map(([key, item]) => [key, withDates(item)]));
}

/** Dates as tag 1; undefined members dropped (CBOR has no "absent"). */
function forCbor(value: unknown): unknown {
  if (value instanceof Date) return dateToTag(value);
  if (Array.isArray(value)) return value.map(forCbor);
  if (value === null || typeof value !== "object" || value instanceof Uint8Array) return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .map(([key, item]) => [key, forCbor(item)]),
  );
}

function send(res: ServerResponse, status: number, value: unknown, headers: Record<string, string>): void {
  sendBody(res, status, Buffer.from(cbor.serialize(forCbor(value))), {
    "Content-Type": "application/cbor",
    "smithy-protocol": PROTOCOL,
    ...headers,
  });
}

export function sendCborError(
  res: ServerResponse,
  error: AwsError,
  requestId: string,
  queryModel: ServiceModel | undefined,
): void {
  const headers: Record<string, string> = { "x-amzn-RequestId": requestId };
  if (queryModel) headers["x-amzn-query-error"] = queryErrorHeader(queryModel, error);
  send(res, error.status, { ...error.fields, __type: error.code, message: error.message }, headers);
}

/** Answers one RPC v2 CBOR request for `spec`. */
export async function handleRpcV2Cbor(
  spec: CborServiceSpec,
  operation: string,
  protocolHeader: string | undefined,
  body: Buffer,
  res: ServerResponse,
  requestId: string,
): Promise<void> {
  const queryModel = spec.queryCompatible ? spec.model : undefined;
  try {
    if (protocolHeader !== PROTOCOL) {
      throw new AwsError(
        "SerializationException",
        `RPC v2 requests carry the header smithy-protocol: ${PROTOCOL}; got ${protocolHeader === undefined ? "none" : `"${protocolHeader.slice(0, 50)}"`}.`,
      );
    }
    if (!Object.hasOwn(spec.operations, operation)) {
      throw new AwsError(
        "UnknownOperationException",
        isServiceOperation(spec.model, operation)
          ? `${spec.serviceName} does not implement the operation ${operation} yet.`
          : `${spec.serviceName} has no operation named "${operation.slice(0, 100)}".`,
        { status: 404 },
      );
    }
    let decoded: unknown = {};
    if (body.length > 0) {
      try {
        decoded = withDates(cbor.deserialize(new Uint8Array(body.buffer, body.byteOffset, body.byteLength)));
      } catch (error) {
        throw new AwsError(
          "SerializationException",
          `The request body is not valid CBOR: ${(error as Error).message}`,
        );
      }
    }
    if (decoded === null || typeof decoded !== "object" || Array.isArray(decoded)) {
      throw new AwsError("SerializationException", "The request body must be a CBOR map.");
    }
    const input = readInput(spec.model, operation, decoded, {
      validationCode: spec.validationCode,
      ...(spec.queryCompatible ? { query: spec.queryCompatible } : {}),
    });
    const output = await callOperation(spec.operations, operation, input);
    send(res, 200, output ?? {}, { "x-amzn-RequestId": requestId });
  } catch (error) {
    sendCborError(
      res,
      toAwsError(error, queryModel ? "InternalServiceFault" : "InternalFailure"),
      requestId,
      queryModel,
    );
  }
}
