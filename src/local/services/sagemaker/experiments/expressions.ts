import type { Filter, NestedFilters, SearchExpression } from "@aws-sdk/client-sagemaker";
import { validation } from "../../../core/errors";

/**
 * Search's expressions over a resource as a plain object: property names are dotted paths
 * (`TrainingJobStatus`, `Parameters.epochs`, `Metrics.eval_accuracy.Max`, `Tags.workshop`,
 * `InputArtifacts.train.Value`, `Parents.TrialName`). A segment names a member of an object (a member whose own
 * name holds dots is matched whole), or picks the entries of a list whose MetricName, Key, ChannelName, InputName,
 * OutputName or Name it is; otherwise it applies to every entry of the list. A path ends on its value, with the
 * wrappers AWS puts around values taken off (`{"NumberValue": 3}` → 3, a tag or metric datum → its Value, an
 * artifact → its Value).
 */

const IDENTIFIERS = ["MetricName", "Key", "ChannelName", "InputName", "OutputName", "Name"] as const;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date);

function unwrap(value: unknown): unknown {
  if (!isObject(value)) return value;
  if ("NumberValue" in value) return value.NumberValue;
  if ("StringValue" in value) return value.StringValue;
  if ("Value" in value && ("Key" in value || "MetricName" in value || "MediaType" in value))
    return value.Value;
  if ("Value" in value && Object.keys(value).length === 1) return value.Value;
  return value;
}

function walk(value: unknown, segments: readonly string[]): unknown[] {
  if (value === undefined || value === null) return [];
  // An empty list holds nothing: `Parents` NotExists finds components in no trial.
  if (segments.length === 0) return Array.isArray(value) && value.length === 0 ? [] : [unwrap(value)];
  if (Array.isArray(value)) {
    for (let take = segments.length; take >= 1; take--) {
      const id = segments.slice(0, take).join(".");
      const picked = value.filter(
        (entry) => isObject(entry) && IDENTIFIERS.some((field) => entry[field] === id),
      );
      if (picked.length > 0) return picked.flatMap((entry) => walk(entry, segments.slice(take)));
    }
    return value.flatMap((entry) => walk(entry, segments));
  }
  if (isObject(value)) {
    for (let take = segments.length; take >= 1; take--) {
      const member = segments.slice(0, take).join(".");
      if (Object.hasOwn(value, member)) return walk(value[member], segments.slice(take));
    }
  }
  return [];
}

/** Every value a property path reaches in a record (none: the property does not exist there). */
export function propertyValues(record: unknown, path: string): unknown[] {
  return walk(record, path.split("."));
}

/** Hyperparameters come JSON-encoded from the Python SDK (`"\"char-ngram\""`): compare the text they hold. */
function text(value: string): string {
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
    try {
      const decoded = JSON.parse(value) as unknown;
      if (typeof decoded === "string") return decoded;
    } catch {
      // not JSON: the text itself
    }
  }
  return value;
}

const NUMBER = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;

function asNumber(value: unknown): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value === "string" && NUMBER.test(text(value))) return Number(text(value));
  return undefined;
}

/** A filter's Value as a time: ISO 8601, or epoch seconds as awsJson writes times. */
function asTime(value: string): number | undefined {
  if (NUMBER.test(value)) return Number(value) * 1000;
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? undefined : parsed;
}

/** Order of a record's value against a filter's Value: negative, zero, positive, or undefined when incomparable. */
function order(value: unknown, wanted: string): number | undefined {
  if (value instanceof Date) {
    const time = asTime(wanted);
    return time === undefined ? undefined : value.getTime() - time;
  }
  const left = asNumber(value);
  const right = asNumber(wanted);
  if (left !== undefined && right !== undefined) return left - right;
  if (typeof value === "boolean") return String(value) === wanted.toLowerCase() ? 0 : undefined;
  if (typeof value === "string") return text(value) < wanted ? -1 : text(value) > wanted ? 1 : 0;
  return undefined;
}

const equal = (value: unknown, wanted: string): boolean => order(value, wanted) === 0;

export function matchesFilter(record: unknown, filter: Filter): boolean {
  const name = filter.Name as string;
  const operator = filter.Operator ?? "Equals";
  const values = propertyValues(record, name);
  if (operator === "Exists") return values.length > 0;
  if (operator === "NotExists") return values.length === 0;
  const wanted = filter.Value;
  if (wanted === undefined) {
    throw validation(`Search filter "${name}" with Operator ${operator} needs a Value.`);
  }
  const some = (test: (value: unknown) => boolean): boolean => values.some(test);
  const compared = (test: (difference: number) => boolean) =>
    some((value) => {
      const difference = order(value, wanted);
      return difference !== undefined && test(difference);
    });
  switch (operator) {
    case "Equals":
      return some((value) => equal(value, wanted));
    case "NotEquals":
      return !some((value) => equal(value, wanted));
    case "GreaterThan":
      return compared((d) => d > 0);
    case "GreaterThanOrEqualTo":
      return compared((d) => d >= 0);
    case "LessThan":
      return compared((d) => d < 0);
    case "LessThanOrEqualTo":
      return compared((d) => d <= 0);
    case "Contains":
      return some((value) =>
        typeof value === "string"
          ? text(value).includes(wanted)
          : Array.isArray(value) &&
            value.some((entry) => typeof entry === "string" && entry.includes(wanted)),
      );
    case "In": {
      const options = wanted.split(",").map((option) => option.trim());
      return some((value) => options.some((option) => equal(value, option)));
    }
    default:
      throw validation(`Search filter "${name}": Operator ${operator} is not supported.`);
  }
}

/** NestedFilters: one entry of the list at NestedPropertyName matches every filter (names relative or full). */
function matchesNested(record: unknown, nested: NestedFilters): boolean {
  const property = nested.NestedPropertyName as string;
  const entries = walk(record, property.split(".")).flatMap((value) =>
    Array.isArray(value) ? value : [value],
  );
  return entries.some((entry) =>
    (nested.Filters ?? []).every((filter) => {
      const name = filter.Name as string;
      const relative = name.startsWith(`${property}.`) ? name.slice(property.length + 1) : name;
      return matchesFilter(entry, { ...filter, Name: relative });
    }),
  );
}

/** A SearchExpression: its Filters, NestedFilters and SubExpressions joined with Operator (And unless Or). */
export function matchesExpression(record: unknown, expression: SearchExpression | undefined): boolean {
  if (!expression) return true;
  const tests: (() => boolean)[] = [
    ...(expression.Filters ?? []).map((filter) => () => matchesFilter(record, filter)),
    ...(expression.NestedFilters ?? []).map((nested) => () => matchesNested(record, nested)),
    ...(expression.SubExpressions ?? []).map((sub) => () => matchesExpression(record, sub)),
  ];
  if (tests.length === 0) return true;
  return expression.Operator === "Or" ? tests.some((test) => test()) : tests.every((test) => test());
}

/** Sort key of a record by a property path: its first value; records without one sort last. */
export function compareByProperty(path: string, descending: boolean): (a: unknown, b: unknown) => number {
  const key = (record: unknown): number | string | undefined => {
    const [value] = propertyValues(record, path);
    if (value instanceof Date) return value.getTime();
    const number = asNumber(value);
    if (number !== undefined) return number;
    return typeof value === "string" ? value : value === undefined ? undefined : JSON.stringify(value);
  };
  return (a, b) => {
    const x = key(a);
    const y = key(b);
    if (x === undefined || y === undefined) return x === y ? 0 : x === undefined ? 1 : -1;
    const difference =
      typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
    return descending ? -difference : difference;
  };
}
