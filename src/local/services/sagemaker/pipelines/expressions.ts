import type { PathSegment } from "../../../../common/pipeline-properties";
import { expressionKind, type ParameterValue, parseReference } from "./definition";

/**
 * Evaluating a step's arguments for one execution: `Get` of a parameter, an execution variable or another step's
 * property, `Std:Join` (values as text, joined), `Std:JsonGet` (a value from a processing step's property file).
 * What cannot be evaluated (a property the job did not produce, a JSON path missing from the file) is a
 * StepInputError, which fails the step that asked, with the reason.
 */

export class StepInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StepInputError";
  }
}

export interface EvaluationScope {
  parameters: Readonly<Record<string, ParameterValue>>;
  execution(name: string): string;
  property(step: string, segments: PathSegment[], path: string): Promise<unknown>;
  /** The parsed JSON of a property file. */
  propertyFile(step: string, file: string): Promise<unknown>;
}

/** Join's text of a value: strings as they are, numbers and booleans as JSON writes them, objects as JSON. */
export function joinText(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === undefined || value === null) return "";
  return JSON.stringify(value);
}

export async function evaluate(value: unknown, scope: EvaluationScope): Promise<unknown> {
  const kind = expressionKind(value);
  if (kind === "Get") {
    const text = (value as { Get: string }).Get;
    const reference = parseReference(text);
    if (!reference) throw new StepInputError(`{"Get": "${text}"} is not a reference`);
    switch (reference.kind) {
      case "parameter": {
        if (!Object.hasOwn(scope.parameters, reference.name)) {
          throw new StepInputError(`parameter ${reference.name} has no value in this execution`);
        }
        return scope.parameters[reference.name];
      }
      case "execution":
        return scope.execution(reference.name);
      case "property":
        return scope.property(reference.step, reference.segments, reference.path);
      case "propertyFile":
        throw new StepInputError(
          `Steps.${reference.step}.PropertyFiles.${reference.file} is read through Std:JsonGet`,
        );
    }
  }
  if (kind === "Std:Join") {
    const body = (value as Record<string, { On?: unknown; Values?: unknown }>)["Std:Join"];
    const values = Array.isArray(body?.Values) ? body.Values : [];
    const parts = await Promise.all(values.map((item) => evaluate(item, scope)));
    return parts.map(joinText).join(typeof body?.On === "string" ? body.On : "");
  }
  if (kind === "Std:JsonGet") {
    const body = (value as Record<string, { PropertyFile?: { Get?: string }; Path?: string }>)["Std:JsonGet"];
    const reference = parseReference(body?.PropertyFile?.Get ?? "");
    if (reference?.kind !== "propertyFile")
      throw new StepInputError("Std:JsonGet needs a PropertyFile reference");
    const document = await scope.propertyFile(reference.step, reference.file);
    return jsonGet(document, body?.Path ?? "", `property file ${reference.file} of step ${reference.step}`);
  }
  if (Array.isArray(value)) return Promise.all(value.map((item) => evaluate(item, scope)));
  if (value !== null && typeof value === "object") {
    const entries = await Promise.all(
      Object.entries(value).map(async ([key, item]) => [key, await evaluate(item, scope)] as const),
    );
    return Object.fromEntries(entries);
  }
  return value;
}

const JSON_PATH_SEGMENT = /^(?:\.?([^.[\]]+)|\[(\d+)\]|\['([^']*)'\]|\["([^"]*)"\])/;

/** A JSON path as the Python SDK's JsonGet takes it: `metrics.accuracy.value`, `eval_accuracy`, `a[0].b`, `$.a`. */
export function jsonGet(document: unknown, path: string, what: string): unknown {
  let rest = path.replace(/^\$\.?/, "");
  let value = document;
  let walked = "";
  while (rest.length > 0) {
    const match = JSON_PATH_SEGMENT.exec(rest);
    if (!match)
      throw new StepInputError(`the JSON path "${path}" of ${what} cannot be read past "${walked}"`);
    const key = match[1] ?? match[3] ?? match[4];
    const next =
      match[2] !== undefined
        ? Array.isArray(value)
          ? value[Number(match[2])]
          : undefined
        : value !== null && typeof value === "object" && !Array.isArray(value)
          ? (value as Record<string, unknown>)[key as string]
          : undefined;
    walked += match[0];
    if (next === undefined) {
      const keys =
        value !== null && typeof value === "object" && !Array.isArray(value) ? Object.keys(value) : [];
      throw new StepInputError(
        `${what} has nothing at "${walked.replace(/^\./, "")}" (JSON path "${path}")${keys.length ? `; it has ${keys.join(", ")}` : ""}`,
      );
    }
    value = next;
    rest = rest.slice(match[0].length);
  }
  return value;
}
