import type { IncomingHttpHeaders, ServerResponse } from "node:http";
import { callOperation, type OperationTable } from "../core/binding";
import { AwsError, toAwsError } from "../core/errors";
import { sendBody } from "./http";
import { parseJsonDocument, serializeJson } from "./json";
import { type CompactMember, type CompactShape, readInput, type ServiceModel } from "./model";

/**
 * The restJson1 protocol, driven by the Smithy HTTP bindings in the service's model: the operation is found by
 * method and URI template (`POST /endpoints/{EndpointName}/invocations`), its input assembled from path labels,
 * headers, query parameters and the payload or JSON body, checked like every other input, and the output written
 * back to its status code, headers and payload or body. SageMaker Runtime and Lambda are served by it unchanged.
 */
export interface RestJsonServiceSpec {
  model: ServiceModel;
  operations: OperationTable;
  /** The service's code for bad input (SageMaker Runtime: ValidationError; Lambda: ValidationException). */
  validationCode: string;
  serviceName: string;
}

type Segment = { literal: string } | { label: string; greedy: boolean };

/** One input member, with what finding it on the wire takes worked out once (the runtime path is hot). */
interface InputBinding {
  name: string;
  member: CompactMember;
  /** Lower-cased header name, query name, header prefix, or the body name. */
  wire: string;
  /** Position among the template's labels. */
  labelIndex: number;
  shapeType: CompactShape["type"] | undefined;
}

interface CompiledOperation {
  name: string;
  method: string;
  segments: Segment[];
  /** Query literals the URI template requires (`?versions`). */
  requiredQuery: string[];
  code: number;
  inputs: InputBinding[];
  hasBodyMembers: boolean;
  output: [string, CompactMember][];
}

export interface RestJsonService {
  readonly spec: RestJsonServiceSpec;
  /** The operation a method and raw path name, if any. */
  find(
    method: string,
    path: string,
    query: URLSearchParams,
  ): { operation: CompiledOperation; labels: string[] } | undefined;
  handle(
    found: { operation: CompiledOperation; labels: string[] },
    headers: IncomingHttpHeaders,
    query: URLSearchParams,
    body: Buffer,
    res: ServerResponse,
    requestId: string,
  ): Promise<void>;
}

function compileTemplate(uri: string): { segments: Segment[]; requiredQuery: string[] } {
  const [path = "", query = ""] = uri.split("?");
  const segments = path
    .split("/")
    .slice(1)
    .map((part): Segment => {
      const label = /^\{([^}+]+)(\+?)\}$/.exec(part);
      return label ? { label: label[1] as string, greedy: label[2] === "+" } : { literal: part };
    });
  const requiredQuery = query
    .split("&")
    .filter(Boolean)
    .map((pair) => pair.split("=")[0] as string);
  return { segments, requiredQuery };
}

/** Label values in template order, or undefined when the path does not fit the template. */
function matchSegments(segments: Segment[], parts: string[]): string[] | undefined {
  const labels: string[] = [];
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] as Segment;
    if ("literal" in segment) {
      if (parts[i] !== segment.literal) return undefined;
      continue;
    }
    if (segment.greedy) {
      const rest = parts.slice(i).join("/");
      if (rest === "") return undefined;
      labels.push(rest);
      return labels;
    }
    const part = parts[i];
    if (part === undefined || part === "") return undefined;
    labels.push(part);
  }
  return parts.length === segments.length ? labels : undefined;
}

function structureMembers(model: ServiceModel, shapeName: string | undefined): Record<string, CompactMember> {
  const shape = shapeName === undefined ? undefined : model.shapes[shapeName];
  return shape && (shape.type === "structure" || shape.type === "union") ? shape.members : {};
}

export function restJsonService(spec: RestJsonServiceSpec): RestJsonService {
  const { model } = spec;
  const compiled: CompiledOperation[] = Object.entries(model.operations)
    .filter(([name, operation]) => operation.http && Object.hasOwn(spec.operations, name))
    .map(([name, operation]) => {
      const http = operation.http as { method: string; uri: string; code: number };
      const template = compileTemplate(http.uri);
      const labels = template.segments.flatMap((segment) => ("label" in segment ? [segment.label] : []));
      const inputs = Object.entries(structureMembers(model, operation.input)).map(
        ([memberName, member]): InputBinding => ({
          name: memberName,
          member,
          wire:
            member.location === "header" || member.location === "prefixHeaders"
              ? (member.name as string).toLowerCase()
              : (member.name ?? memberName),
          labelIndex: labels.indexOf(memberName),
          shapeType: model.shapes[member.target]?.type,
        }),
      );
      return {
        name,
        method: http.method,
        ...template,
        code: http.code,
        inputs,
        hasBodyMembers: inputs.some((binding) => binding.member.location === undefined),
        output: Object.entries(structureMembers(model, operation.output)),
      };
    });

  const badInput = (message: string): AwsError => new AwsError(spec.validationCode, message);

  // Error members bound to headers (Lambda's TooManyRequestsException carries `Retry-After`), by error code.
  const errorHeaders = new Map<string, [string, string][]>();
  for (const [name, shape] of Object.entries(model.shapes)) {
    if (shape.type !== "structure" || !shape.error) continue;
    const bound = Object.entries(shape.members).flatMap(([member, binding]): [string, string][] =>
      binding.location === "header" ? [[member, binding.name as string]] : [],
    );
    if (bound.length > 0) errorHeaders.set(name, bound);
  }

  function decodeLabel(value: string, name: string): string {
    if (!value.includes("%")) return value;
    try {
      return decodeURIComponent(value);
    } catch {
      throw badInput(
        `The ${name} in the request path ("${value.slice(0, 100)}") is not valid percent-encoding.`,
      );
    }
  }

  /** Header and query values are text on the wire; the shape says what they stand for. */
  function fromText(type: CompactShape["type"] | undefined, text: string, where: string): unknown {
    switch (type) {
      case "integer":
      case "long":
      case "float":
      case "double": {
        const value = Number(text);
        if (text.trim() === "" || Number.isNaN(value)) throw badInput(`${where} "${text}" is not a number.`);
        return value;
      }
      case "boolean":
        if (text !== "true" && text !== "false") throw badInput(`${where} "${text}" is not true or false.`);
        return text === "true";
      case "timestamp":
        return new Date(text);
      case "list":
        return text.split(",").map((item) => item.trim());
      default:
        return text;
    }
  }

  function assembleInput(
    operation: CompiledOperation,
    labels: string[],
    headers: IncomingHttpHeaders,
    query: URLSearchParams | undefined,
    body: Buffer,
  ): Record<string, unknown> {
    const input: Record<string, unknown> = {};
    for (const binding of operation.inputs) {
      const { name, member, wire } = binding;
      switch (member.location) {
        case "label": {
          const raw = labels[binding.labelIndex];
          if (raw !== undefined) input[name] = decodeLabel(raw, name);
          break;
        }
        case "header": {
          const value = headers[wire];
          const text = Array.isArray(value) ? value.join(",") : value;
          if (text !== undefined) input[name] = fromText(binding.shapeType, text, `Header ${member.name}`);
          break;
        }
        case "query": {
          const values = query?.getAll(wire) ?? [];
          if (values.length > 0)
            input[name] =
              binding.shapeType === "list"
                ? values
                : fromText(binding.shapeType, values[0] as string, `Parameter ${wire}`);
          break;
        }
        case "prefixHeaders": {
          const map: Record<string, string> = {};
          for (const [key, value] of Object.entries(headers)) {
            if (key.startsWith(wire) && typeof value === "string") map[key.slice(wire.length)] = value;
          }
          if (Object.keys(map).length > 0) input[name] = map;
          break;
        }
        case "payload":
          if (binding.shapeType === "blob") input[name] = body;
          else if (binding.shapeType === "string") input[name] = body.toString("utf8");
          else if (body.length > 0) input[name] = parseJsonDocument(body);
          break;
        default:
      }
    }
    if (operation.hasBodyMembers && body.length > 0) {
      const document = parseJsonDocument(body);
      for (const { member, wire } of operation.inputs) {
        if (member.location === undefined && document[wire] !== undefined) input[wire] = document[wire];
      }
    }
    return input;
  }

  function writeOutput(
    operation: CompiledOperation,
    output: Record<string, unknown>,
    res: ServerResponse,
    requestId: string,
  ): void {
    const headers: Record<string, string> = { "x-amzn-RequestId": requestId };
    let status = operation.code;
    let payload: Buffer | undefined;
    const body: Record<string, unknown> = {};
    let hasBody = false;
    for (const [name, member] of operation.output) {
      const value = output[name];
      if (value === undefined || value === null) continue;
      switch (member.location) {
        case "header":
          headers[member.name as string] = value instanceof Date ? value.toUTCString() : String(value);
          break;
        case "prefixHeaders":
          for (const [key, text] of Object.entries(value as Record<string, string>))
            headers[`${member.name}${key}`] = text;
          break;
        case "statusCode":
          status = Number(value);
          break;
        case "payload":
          payload =
            value instanceof Uint8Array
              ? Buffer.from(value.buffer, value.byteOffset, value.byteLength)
              : Buffer.from(typeof value === "string" ? value : serializeJson(value));
          break;
        default:
          body[member.name ?? name] = value;
          hasBody = true;
      }
    }
    if (payload === undefined && hasBody) {
      payload = Buffer.from(serializeJson(body));
      headers["Content-Type"] ??= "application/json";
    }
    if (payload !== undefined && headers["Content-Type"] === undefined) {
      headers["Content-Type"] = "application/octet-stream";
    }
    sendBody(res, status, payload ?? Buffer.alloc(0), headers);
  }

  return {
    spec,
    find(method, path, query) {
      const parts = path.split("/").slice(1);
      for (const operation of compiled) {
        if (operation.method !== method) continue;
        if (!operation.requiredQuery.every((name) => query.has(name))) continue;
        const labels = matchSegments(operation.segments, parts);
        if (labels) return { operation, labels };
      }
      return undefined;
    },
    async handle(found, headers, query, body, res, requestId) {
      try {
        const assembled = assembleInput(found.operation, found.labels, headers, query, body);
        const input = readInput(model, found.operation.name, assembled, {
          validationCode: spec.validationCode,
          jsonNames: true,
        });
        const output = (await callOperation(spec.operations, found.operation.name, input)) as Record<
          string,
          unknown
        >;
        writeOutput(found.operation, output ?? {}, res, requestId);
      } catch (error) {
        const failure = toAwsError(error);
        sendRestJsonError(res, failure, requestId, errorHeaders.get(failure.code));
      }
    },
  };
}

/** `headerMembers` ([member, header name]) are the error's fields that its shape binds to headers, not the body. */
export function sendRestJsonError(
  res: ServerResponse,
  error: AwsError,
  requestId: string,
  headerMembers: readonly [string, string][] = [],
): void {
  const body: Record<string, unknown> = { ...error.fields, message: error.message };
  const headers: Record<string, string> = {
    "Content-Type": "application/json",
    "x-amzn-errortype": error.code,
    "x-amzn-RequestId": requestId,
  };
  for (const [member, name] of headerMembers) {
    if (body[member] === undefined) continue;
    headers[name] = String(body[member]);
    delete body[member];
  }
  sendBody(res, error.status, Buffer.from(serializeJson(body)), headers);
}
