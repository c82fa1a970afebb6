import { AwsError } from "../core/errors";

/**
 * The services' Smithy shapes, as `test/tools/gen-shapes.ts` extracts them into `models/<service>.json`, and the one
 * reader of request inputs built on them. `readInput` does what an AWS front end does before an operation runs:
 * - wrong JSON types are a SerializationException (the deserialiser's answer);
 * - every broken constraint (required, length, pattern, range, enum, integer width, unions) is collected and one
 *   validation error lists them, as "2 validation errors detected: Value 'x!' at 'trainingJobName' failed to
 *   satisfy constraint: Member must satisfy regular expression pattern: ...; ..." (member paths in lowerCamelCase,
 *   list items as `tags.1.member.key`, map entries as `hyperParameters.<key>`), at most MAX_REPORTED of them;
 * - members the shape does not know are dropped, so junk is never stored or echoed;
 * - timestamps become Dates and blobs Buffers, so services see the AWS SDK's own input types.
 * An awsQuery service (CloudWatch) words the same violations as its query front end does, whatever protocol
 * carried the request (`QueryWording`): "The parameter MetricData.member.1.Unit must be a value in the set [ ... ].",
 * one sentence a line, members missing under their own code (MissingParameter).
 */

type Bounds = { min?: number; max?: number };

/** Where a REST protocol binds a member; absent: the JSON body. */
export type MemberLocation = "label" | "header" | "query" | "prefixHeaders" | "payload" | "statusCode";

export interface CompactMember {
  target: string;
  required?: boolean;
  location?: MemberLocation;
  /** The header or query name of a bound member; the jsonName of a body member (restJson). */
  name?: string;
  /** The member's XML element name, when it differs (awsQuery answers). */
  xmlName?: string;
  /** A list written without a wrapper element (awsQuery). */
  flattened?: boolean;
}

export type CompactShape =
  | {
      type: "structure" | "union";
      members: Record<string, CompactMember>;
      /** An error shape: its HTTP status, and its code in the awsQuery protocol where that differs. */
      error?: { fault: "client" | "server"; status: number; queryCode?: string };
    }
  | { type: "list"; member: string; length?: Bounds; memberName?: string }
  | { type: "map"; key: string; value: string; length?: Bounds }
  | { type: "string"; length?: Bounds; pattern?: string }
  | { type: "enum"; values: string[] }
  | { type: "integer" | "long" | "float" | "double"; range?: Bounds }
  | { type: "blob"; length?: Bounds }
  | { type: "boolean" | "timestamp" | "document" };

export interface ModelOperation {
  input: string;
  output?: string;
  http?: { method: string; uri: string; code: number };
  errors?: string[];
}

export interface ServiceModel {
  notice: string;
  service: {
    name: string;
    protocol: string;
    signingName: string;
    /** What the awsQuery protocol needs: the `Version` requests carry and the XML namespace of the answers. */
    query?: { version: string; xmlNamespace: string };
  };
  operations: Record<string, ModelOperation>;
  /** Every operation of the service, implemented here or not (to tell "not implemented" from "no such thing"). */
  allOperations: string[];
  shapes: Record<string, CompactShape>;
}

/** AWS lists a handful of violations; a request with thousands of broken members gets this many and a count. */
const MAX_REPORTED = 10;

const INTEGER_RANGE: Readonly<Record<"integer" | "long", Bounds>> = {
  integer: { min: -(2 ** 31), max: 2 ** 31 - 1 },
  long: { min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER },
};

const patternCache = new Map<string, RegExp | null>();

/** Java's POSIX classes and anchors, which some Smithy patterns use, in ECMAScript (ASCII, as Java defines them). */
const JAVA_ISMS: readonly [RegExp, string][] = [
  [/\\A/g, "^"],
  [/\\[zZ]/g, "$"],
  [/\\p\{Print\}/g, "\\x20-\\x7E"],
  [/\\p\{Graph\}/g, "\\x21-\\x7E"],
  [/\\p\{Alnum\}/g, "A-Za-z0-9"],
  [/\\p\{Alpha\}/g, "A-Za-z"],
  [/\\p\{Digit\}/g, "0-9"],
  [/\\p\{Upper\}/g, "A-Z"],
  [/\\p\{Lower\}/g, "a-z"],
  [/\\p\{Punct\}/g, "!-\\/:-@\\[-`{-~"],
  [/\\p\{Space\}/g, "\\s"],
];

/**
 * Smithy patterns are ECMAScript regexes, searched (not implicitly anchored), but some of SageMaker's use Java
 * syntax: those are translated (a class inside brackets stays inside them; a bare one gets brackets). A pattern
 * that still does not compile is skipped (its length limits still apply): compiling it without the unicode flag
 * would silently change what it means.
 */
function compiled(pattern: string): RegExp | null {
  let regex = patternCache.get(pattern);
  if (regex === undefined) {
    let source = pattern;
    for (const [java, ecma] of JAVA_ISMS) {
      source = source.replace(java, (_match, offset: number) =>
        ecma.startsWith("^") || ecma.startsWith("$") || insideBrackets(source, offset) ? ecma : `[${ecma}]`,
      );
    }
    regex = tryRegExp(source, "u");
    patternCache.set(pattern, regex);
  }
  return regex;
}

/** Whether position `at` of a regex source is inside a character class. */
function insideBrackets(source: string, at: number): boolean {
  let inside = false;
  for (let i = 0; i < at; i++) {
    if (source[i] === "\\") i++;
    else if (source[i] === "[") inside = true;
    else if (source[i] === "]") inside = false;
  }
  return inside;
}

function tryRegExp(pattern: string, flags: string): RegExp | null {
  try {
    return new RegExp(pattern, flags);
  } catch {
    return null;
  }
}

/** What one broken constraint is, worded later in the service's style. */
type Violation =
  | { kind: "required" }
  | { kind: "pattern"; pattern: string }
  | { kind: "enum"; values: string[] }
  | { kind: "length"; bound: "min" | "max"; limit: number; collection: boolean }
  | { kind: "range"; bound: "min" | "max"; limit: number }
  | { kind: "whole"; type: string }
  | { kind: "width"; type: "integer" | "long" }
  | { kind: "union"; members: string[]; set: number };

const bits = (type: "integer" | "long"): string => (type === "integer" ? "32" : "64");

/** The Coral front end's words (SageMaker, Logs): "Value 'x' at 'a.b' failed to satisfy constraint: ...". */
function coralSentence(path: string, value: unknown, violation: Violation): string {
  const constraint = (() => {
    switch (violation.kind) {
      case "required":
        return "Member must not be null";
      case "pattern":
        return `Member must satisfy regular expression pattern: ${violation.pattern}`;
      case "enum":
        return `Member must satisfy enum value set: [${violation.values.join(", ")}]`;
      case "length":
        return `Member must have length ${violation.bound === "min" ? "greater" : "less"} than or equal to ${violation.limit}`;
      case "range":
        return `Member must have value ${violation.bound === "min" ? "greater" : "less"} than or equal to ${violation.limit}`;
      case "whole":
        return `Member must be a whole number (${violation.type})`;
      case "width":
        return `Member must fit a ${bits(violation.type)}-bit ${violation.type}`;
      case "union":
        return `Exactly one of [${violation.members.join(", ")}] must be set (got ${violation.set})`;
    }
  })();
  return `Value ${describeValue(value)} at '${path}' failed to satisfy constraint: ${constraint}`;
}

/** The awsQuery front end's words (CloudWatch): "The parameter Namespace is required.". */
function querySentence(path: string, violation: Violation): string {
  switch (violation.kind) {
    case "required":
      return `The parameter ${path} is required.`;
    case "pattern":
      return `The parameter ${path} must match the pattern ${violation.pattern}.`;
    case "enum":
      return `The parameter ${path} must be a value in the set [ ${violation.values.join(", ")} ].`;
    case "length":
      if (violation.collection) {
        return `The collection ${path} must not have a size ${violation.bound === "min" ? "less" : "greater"} than ${violation.limit}.`;
      }
      return violation.bound === "min"
        ? `The parameter ${path} must be longer than ${violation.limit - 1} characters.`
        : `The parameter ${path} must be shorter than ${violation.limit + 1} characters.`;
    case "range":
      return `The parameter ${path} must be ${violation.bound === "min" ? "greater" : "less"} than or equal to ${violation.limit}.`;
    case "whole":
      return `The parameter ${path} must be a whole number.`;
    case "width":
      return `The parameter ${path} must fit a ${bits(violation.type)}-bit integer.`;
    case "union":
      return `Exactly one of the parameters ${violation.members.map((member) => joinPath(path, member)).join(", ")} must be specified (got ${violation.set}).`;
  }
}

/** How an awsQuery service words bad input: broken constraints under the validation code, absent members under this one. */
export interface QueryWording {
  missingCode: string;
}

const lowerCamel = (name: string): string => name.charAt(0).toLowerCase() + name.slice(1);
const joinPath = (path: string, member: string): string => (path ? `${path}.${member}` : member);

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return "null";
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return `'${text.length > 200 ? `${text.slice(0, 200)}...` : text}'`;
}

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

function serialization(path: string, expected: string, value: unknown): AwsError {
  return new AwsError(
    "SerializationException",
    `Expected ${expected} at '${path || "input"}', got ${typeName(value)} (${describeValue(value)}).`,
  );
}

class Reader {
  readonly errors: string[] = [];
  count = 0;
  /** Query wording only: the absent members, reported before (and instead of) any other violation. */
  readonly missing: string[] = [];

  constructor(
    private readonly shapes: Record<string, CompactShape>,
    private readonly jsonNames: boolean,
    private readonly query: QueryWording | undefined,
  ) {}

  fail(path: string, value: unknown, violation: Violation): void {
    if (this.query && violation.kind === "required") {
      this.missing.push(querySentence(path, violation));
      return;
    }
    this.count += 1;
    if (this.errors.length < MAX_REPORTED) {
      this.errors.push(this.query ? querySentence(path, violation) : coralSentence(path, value, violation));
    }
  }

  private memberPath(path: string, name: string): string {
    return joinPath(path, this.query ? name : lowerCamel(name));
  }

  private itemPath(path: string, index: number): string {
    return this.query
      ? `${joinPath(path, "member")}.${index + 1}`
      : `${joinPath(path, String(index + 1))}.member`;
  }

  read(shapeName: string, value: unknown, path: string): unknown {
    const shape = this.shapes[shapeName];
    if (!shape) throw new Error(`the service model has no shape ${shapeName}`);
    switch (shape.type) {
      case "structure":
      case "union":
        return this.structure(shape.type, shape.members, value, path);
      case "list": {
        if (!Array.isArray(value)) throw serialization(path, "a list", value);
        this.length(shape.length, value.length, value, path, true);
        return value.map((item, index) => this.read(shape.member, item, this.itemPath(path, index)));
      }
      case "map": {
        if (typeof value !== "object" || value === null || Array.isArray(value))
          throw serialization(path, "a map", value);
        const entries = Object.entries(value);
        this.length(shape.length, entries.length, value, path, true);
        const result: Record<string, unknown> = {};
        for (const [key, item] of entries) {
          this.read(shape.key, key, path);
          result[key] = this.read(shape.value, item, joinPath(path, key));
        }
        return result;
      }
      case "string": {
        if (typeof value !== "string") throw serialization(path, "a string", value);
        if (shape.length) this.length(shape.length, [...value].length, value, path, false);
        const regex = shape.pattern === undefined ? null : compiled(shape.pattern);
        if (regex && !regex.test(value))
          this.fail(path, value, { kind: "pattern", pattern: shape.pattern as string });
        return value;
      }
      case "enum":
        if (typeof value !== "string") throw serialization(path, "a string", value);
        if (!shape.values.includes(value)) this.fail(path, value, { kind: "enum", values: shape.values });
        return value;
      case "integer":
      case "long":
      case "float":
      case "double":
        return this.number(shape.type, shape.range, value, path);
      case "boolean":
        if (typeof value !== "boolean") throw serialization(path, "a boolean", value);
        return value;
      case "timestamp":
        return this.timestamp(value, path);
      case "blob":
        return this.blob(shape.length, value, path);
      case "document":
        return value;
    }
  }

  private number(
    type: "integer" | "long" | "float" | "double",
    range: Bounds | undefined,
    value: unknown,
    path: string,
  ) {
    if (typeof value !== "number" || !Number.isFinite(value)) throw serialization(path, "a number", value);
    if (type === "integer" || type === "long") {
      if (!Number.isInteger(value)) {
        this.fail(path, value, { kind: "whole", type });
        return value;
      }
      const width = INTEGER_RANGE[type];
      if (value < (width.min as number) || value > (width.max as number)) {
        this.fail(path, value, { kind: "width", type });
        return value;
      }
    }
    if (range?.min !== undefined && value < range.min)
      this.fail(path, value, { kind: "range", bound: "min", limit: range.min });
    if (range?.max !== undefined && value > range.max)
      this.fail(path, value, { kind: "range", bound: "max", limit: range.max });
    return value;
  }

  private timestamp(value: unknown, path: string): Date {
    if (value instanceof Date) return value;
    // awsJson sends epoch seconds; some clients send ISO 8601 text.
    const date =
      typeof value === "number"
        ? new Date(value * 1000)
        : typeof value === "string"
          ? new Date(value)
          : undefined;
    if (!date || Number.isNaN(date.getTime())) throw serialization(path, "a timestamp", value);
    return date;
  }

  private blob(length: Bounds | undefined, value: unknown, path: string): Buffer {
    let bytes: Buffer;
    if (Buffer.isBuffer(value)) bytes = value;
    else if (value instanceof Uint8Array)
      bytes = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    else if (typeof value === "string") bytes = Buffer.from(value, "base64");
    else throw serialization(path, "base64 text", value);
    this.length(length, bytes.length, `${bytes.length} bytes`, path, false);
    return bytes;
  }

  private structure(
    kind: "structure" | "union",
    members: Record<string, CompactMember>,
    value: unknown,
    path: string,
  ): Record<string, unknown> {
    if (typeof value !== "object" || value === null || Array.isArray(value))
      throw serialization(path, "an object", value);
    const record = value as Record<string, unknown>;
    const result: Record<string, unknown> = {};
    let set = 0;
    for (const [name, member] of Object.entries(members)) {
      const memberPath = this.memberPath(path, name);
      const wireName = this.jsonNames && member.location === undefined && member.name ? member.name : name;
      const item = record[wireName];
      if (item === undefined || item === null) {
        if (member.required) this.fail(memberPath, null, { kind: "required" });
        continue;
      }
      set += 1;
      result[name] = this.read(member.target, item, memberPath);
    }
    if (kind === "union" && set !== 1) {
      this.fail(path, value, { kind: "union", members: Object.keys(members), set });
    }
    return result;
  }

  private length(
    bounds: Bounds | undefined,
    size: number,
    value: unknown,
    path: string,
    collection: boolean,
  ): void {
    if (bounds?.min !== undefined && size < bounds.min)
      this.fail(path, value, { kind: "length", bound: "min", limit: bounds.min, collection });
    if (bounds?.max !== undefined && size > bounds.max)
      this.fail(path, value, { kind: "length", bound: "max", limit: bounds.max, collection });
  }
}

export interface ReadInputOptions {
  /** The service's code for constraint violations: ValidationException (SageMaker), InvalidParameterException (Logs). */
  validationCode: string;
  /** restJson body members travel under their jsonName. */
  jsonNames?: boolean;
  /** An awsQuery service's wording (CloudWatch), over any protocol. */
  query?: QueryWording;
}

/**
 * The operation's input as the service may use it, or the error the front end answers. An operation of the service
 * that is absent from the model passes through unread (the dispatcher has already decided it is implemented).
 */
export function readInput(
  model: ServiceModel,
  operation: string,
  input: unknown,
  options: ReadInputOptions,
): Record<string, unknown> {
  const shapeName = model.operations[operation]?.input;
  if (shapeName === undefined) return (input ?? {}) as Record<string, unknown>;
  const reader = new Reader(model.shapes, options.jsonNames ?? false, options.query);
  const result = reader.read(shapeName, input ?? {}, "") as Record<string, unknown>;
  if (options.query && reader.missing.length > 0) {
    throw new AwsError(options.query.missingCode, listed(reader.missing, reader.missing.length, "\n"));
  }
  if (options.query && reader.count > 0) {
    throw new AwsError(options.validationCode, listed(reader.errors, reader.count, "\n"));
  }
  if (reader.count > 0) {
    const more = reader.count - reader.errors.length;
    throw new AwsError(
      options.validationCode,
      `${reader.count} validation error${reader.count === 1 ? "" : "s"} detected: ${reader.errors.join("; ")}${more > 0 ? `; and ${more} more` : ""}`,
    );
  }
  return result;
}

/** At most MAX_REPORTED sentences, then how many more there were. */
function listed(sentences: string[], count: number, separator: string): string {
  const shown = sentences.slice(0, MAX_REPORTED);
  const more = count - shown.length;
  return `${shown.join(separator)}${more > 0 ? `${separator}And ${more} more.` : ""}`;
}

/**
 * The code an error has in the awsQuery protocol: the model's `awsQueryError` code for a modeled error
 * (InvalidParameterValueException → InvalidParameterValue), else the code itself (ValidationError).
 */
export function queryErrorCode(model: ServiceModel, code: string): string {
  const shape = model.shapes[code];
  return (shape?.type === "structure" && shape.error?.queryCode) || code;
}

/** Whether `operation` is an operation of the service at all (implemented here or not). */
export function isServiceOperation(model: ServiceModel, operation: string): boolean {
  return model.allOperations.includes(operation);
}
