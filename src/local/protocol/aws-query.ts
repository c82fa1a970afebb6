import type { ServerResponse } from "node:http";
import { callOperation, type OperationTable } from "../core/binding";
import { AwsError, toAwsError } from "../core/errors";
import { sendBody } from "./http";
import { type CompactShape, isServiceOperation, queryErrorCode, readInput, type ServiceModel } from "./model";
import { escapeXml } from "./s3-xml";

/**
 * The awsQuery protocol (older boto3 and AWS CLI for CloudWatch): `POST /` with a form-encoded body
 * `Action=<Operation>&Version=<api version>&Namespace=...&Dimensions.member.1.Name=...` (GET query strings work
 * too), answered with XML `<OpResponse xmlns="..."><OpResult>...</OpResult><ResponseMetadata><RequestId>` and
 * errors as `<ErrorResponse><Error><Type>Sender|Receiver</Type><Code>...</Code><Message>`. Both directions are
 * driven by the service's shapes, so this serves any query service: keys follow members (or their xmlName),
 * lists `Name.member.N` (`Name.N` when flattened), maps `Name.entry.N.key/value`; text becomes numbers, booleans,
 * timestamps (ISO 8601) and blobs (base64) by shape before the shared input reader checks it; answers write
 * lists with `<member>`, timestamps in ISO 8601, and error codes as the model's query codes.
 */

export interface QueryServiceSpec {
  model: ServiceModel;
  operations: OperationTable;
  /** The code for broken constraints (CloudWatch: InvalidParameterValueException → InvalidParameterValue). */
  validationCode: string;
  /** The code for missing members (CloudWatch: MissingRequiredParameterException → MissingParameter). */
  missingCode: string;
  serviceName: string;
}

/** The form as nested nodes: `A.member.1.B=x` becomes `{A: {member: {1: {B: "x"}}}}`. */
type Node = string | { [segment: string]: Node };

function tree(params: URLSearchParams): Record<string, Node> {
  const root: Record<string, Node> = {};
  for (const [key, value] of params) {
    if (key === "Action" || key === "Version") continue;
    const segments = key.split(".");
    let node = root;
    segments.forEach((segment, index) => {
      if (index === segments.length - 1) {
        node[segment] = value;
        return;
      }
      const next = node[segment];
      if (typeof next === "object") node = next;
      else node = node[segment] = {};
    });
  }
  return root;
}

const number = (text: string, path: string, code: string): number => {
  const value = text.trim() === "" ? Number.NaN : Number(text);
  if (!Number.isFinite(value)) {
    throw new AwsError(code, `The value ${text.slice(0, 100)} for parameter ${path} is not a valid number.`);
  }
  return value;
};

/** Form text → the typed input the shapes describe (checked afterwards by readInput). */
function typed(
  model: ServiceModel,
  shapeName: string,
  node: Node | undefined,
  path: string,
  code: string,
  flattened = false,
): unknown {
  if (node === undefined) return undefined;
  const shape = model.shapes[shapeName] as CompactShape;
  switch (shape.type) {
    case "structure":
    case "union": {
      if (typeof node !== "object") return {};
      const result: Record<string, unknown> = {};
      for (const [name, member] of Object.entries(shape.members)) {
        const memberPath = path ? `${path}.${name}` : name;
        const value = typed(
          model,
          member.target,
          node[member.xmlName ?? name],
          memberPath,
          code,
          member.flattened,
        );
        if (value !== undefined) result[name] = value;
      }
      return result;
    }
    case "list": {
      if (node === "") return []; // `Name=`: an empty list
      const items = flattened || typeof node !== "object" ? node : node[shape.memberName ?? "member"];
      if (typeof items !== "object") return [];
      return Object.keys(items)
        .filter((index) => /^\d+$/.test(index))
        .sort((a, b) => Number(a) - Number(b))
        .map((index) => typed(model, shape.member, items[index], `${path}.member.${index}`, code));
    }
    case "map": {
      const entries = typeof node === "object" ? node.entry : undefined;
      if (typeof entries !== "object") return {};
      const result: Record<string, unknown> = {};
      for (const entry of Object.values(entries)) {
        if (typeof entry !== "object" || typeof entry.key !== "string") continue;
        result[entry.key] = typed(model, shape.value, entry.value, `${path}.${entry.key}`, code);
      }
      return result;
    }
    case "integer":
    case "long":
    case "float":
    case "double":
      return typeof node === "string" ? number(node, path, code) : undefined;
    case "boolean":
      if (node !== "true" && node !== "false") {
        throw new AwsError(
          code,
          `The value ${String(node).slice(0, 100)} for parameter ${path} must be true or false.`,
        );
      }
      return node === "true";
    case "timestamp": {
      if (typeof node !== "string") return undefined;
      const date = /^\d+(\.\d+)?$/.test(node) ? new Date(Number(node) * 1000) : new Date(node);
      if (Number.isNaN(date.getTime())) {
        throw new AwsError(
          code,
          `The value ${node.slice(0, 100)} for parameter ${path} is not a valid ISO 8601 timestamp.`,
        );
      }
      return date;
    }
    case "blob":
      return typeof node === "string" ? Buffer.from(node, "base64") : undefined;
    default:
      return typeof node === "string" ? node : undefined;
  }
}

/** A value as XML content under its shape. */
function xml(model: ServiceModel, shapeName: string, value: unknown): string {
  const shape = model.shapes[shapeName] as CompactShape;
  switch (shape.type) {
    case "structure":
    case "union": {
      let out = "";
      const record = value as Record<string, unknown>;
      for (const [name, member] of Object.entries(shape.members)) {
        const item = record[name];
        if (item === undefined || item === null) continue;
        const tag = member.xmlName ?? name;
        const memberShape = model.shapes[member.target] as CompactShape;
        if (memberShape.type === "list" && member.flattened) {
          for (const element of item as unknown[])
            out += `<${tag}>${xml(model, memberShape.member, element)}</${tag}>`;
        } else out += `<${tag}>${xml(model, member.target, item)}</${tag}>`;
      }
      return out;
    }
    case "list": {
      const tag = shape.memberName ?? "member";
      return (value as unknown[])
        .map((element) => `<${tag}>${xml(model, shape.member, element)}</${tag}>`)
        .join("");
    }
    case "map":
      return Object.entries(value as Record<string, unknown>)
        .map(
          ([key, item]) =>
            `<entry><key>${escapeXml(key)}</key><value>${xml(model, shape.value, item)}</value></entry>`,
        )
        .join("");
    case "timestamp":
      return (value instanceof Date ? value : new Date(Number(value) * 1000)).toISOString();
    case "blob":
      return Buffer.from(value as Uint8Array).toString("base64");
    default:
      return escapeXml(String(value));
  }
}

/** `<ErrorResponse>` with the model's query code. */
export function sendQueryError(
  res: ServerResponse,
  error: AwsError,
  requestId: string,
  model: ServiceModel,
): void {
  const type = error.status >= 500 ? "Receiver" : "Sender";
  const namespace = model.service.query ? ` xmlns="${model.service.query.xmlNamespace}"` : "";
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse${namespace}><Error><Type>${type}</Type><Code>${escapeXml(queryErrorCode(model, error.code))}</Code><Message>${escapeXml(error.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
  sendBody(res, error.status, Buffer.from(body), {
    "Content-Type": "text/xml",
    "x-amzn-RequestId": requestId,
  });
}

/** Answers one awsQuery request for `spec` (the form already parsed). */
export async function handleAwsQuery(
  spec: QueryServiceSpec,
  params: URLSearchParams,
  res: ServerResponse,
  requestId: string,
): Promise<void> {
  const { model } = spec;
  try {
    const operation = params.get("Action");
    if (!operation)
      throw new AwsError("MissingAction", "The request must name an Action (Action=<Operation>).");
    if (!Object.hasOwn(spec.operations, operation)) {
      throw new AwsError(
        "InvalidAction",
        isServiceOperation(model, operation)
          ? `${spec.serviceName} does not implement the action ${operation} yet.`
          : `The action ${operation.slice(0, 100)} is not valid for this web service.`,
      );
    }
    const shapeName = model.operations[operation]?.input as string;
    const form = typed(model, shapeName, tree(params), "", spec.validationCode);
    const input = readInput(model, operation, form, {
      validationCode: spec.validationCode,
      query: { missingCode: spec.missingCode },
    });
    const output = await callOperation(spec.operations, operation, input);
    const xmlns = model.service.query?.xmlNamespace ?? "";
    const outputShape = model.operations[operation]?.output;
    const shape = outputShape === undefined ? undefined : model.shapes[outputShape];
    const result =
      shape?.type === "structure" && Object.keys(shape.members).length > 0
        ? `<${operation}Result>${xml(model, outputShape as string, output ?? {})}</${operation}Result>`
        : "";
    const body = `<?xml version="1.0" encoding="UTF-8"?>\n<${operation}Response xmlns="${xmlns}">${result}<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${operation}Response>`;
    sendBody(res, 200, Buffer.from(body), { "Content-Type": "text/xml", "x-amzn-RequestId": requestId });
  } catch (error) {
    sendQueryError(res, toAwsError(error, "InternalServiceFault"), requestId, model);
  }
}
