import { formatPropertyPath, type PathSegment, propertyShape } from "../../common/pipeline-properties";

/**
 * The values of a pipeline definition that are known only when it runs, as the Python SDK's `PipelineVariable`s:
 * parameters (`{"Get": "Parameters.Epochs"}`), execution variables (`{"Get": "Execution.PipelineExecutionId"}`),
 * step properties (`{"Get": "Steps.Train.ModelArtifacts.S3ModelArtifacts"}`), `Join` and `JsonGet`. Each one writes
 * itself into the definition JSON (`toJSON`), so a request built with them in its members serializes as the
 * definition needs; none of them has a value in the notebook (`toString()` says so instead of printing "[object]").
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export abstract class PipelineVariable {
  /** The expression the definition carries. */
  abstract get expr(): Json;

  /** The steps the expression reads (they become the step's upstream steps). */
  get referencedSteps(): string[] {
    return [];
  }

  toJSON(): Json {
    return this.expr;
  }

  /** A text of the value, for a member that must be a string (a hyperparameter): `{"Std:Join": ...}`. */
  toStringExpression(): Join {
    return new Join({ on: "", values: [this] });
  }

  toString(): string {
    return `${this.constructor.name}(${JSON.stringify(this.expr)}): a pipeline variable has a value only when the pipeline runs.`;
  }
}

export const isPipelineVariable = (value: unknown): value is PipelineVariable =>
  value instanceof PipelineVariable;

// ---- parameters ----------------------------------------------------------------------------------------

export type ParameterType = "String" | "Integer" | "Float" | "Boolean";

export abstract class Parameter<T extends string | number | boolean> extends PipelineVariable {
  abstract readonly type: ParameterType;
  readonly name: string;
  readonly defaultValue?: T;

  constructor(options: { name: string; defaultValue?: T }) {
    super();
    if (!/^[A-Za-z0-9\-_]{1,64}$/.test(options.name)) {
      throw new Error(
        `The parameter name "${options.name}" is not valid: use 1-64 letters, digits, hyphens and underscores.`,
      );
    }
    this.name = options.name;
    if (options.defaultValue !== undefined) this.defaultValue = options.defaultValue;
  }

  get expr(): Json {
    return { Get: `Parameters.${this.name}` };
  }

  /** The parameter's entry in the definition's Parameters. */
  definition(): Json {
    return {
      Name: this.name,
      Type: this.type,
      ...(this.defaultValue === undefined ? {} : { DefaultValue: this.defaultValue }),
    };
  }
}

export class ParameterString extends Parameter<string> {
  readonly type = "String" as const;
  readonly enumValues?: string[];

  constructor(options: { name: string; defaultValue?: string; enumValues?: string[] }) {
    super(options);
    if (options.enumValues) this.enumValues = options.enumValues;
  }

  override definition(): Json {
    const base = super.definition() as Record<string, Json>;
    return this.enumValues ? { ...base, EnumValues: this.enumValues } : base;
  }
}

export class ParameterInteger extends Parameter<number> {
  readonly type = "Integer" as const;

  constructor(options: { name: string; defaultValue?: number }) {
    if (options.defaultValue !== undefined && !Number.isInteger(options.defaultValue)) {
      throw new Error(
        `ParameterInteger ${options.name}: the default ${options.defaultValue} is not an integer.`,
      );
    }
    super(options);
  }
}

export class ParameterFloat extends Parameter<number> {
  readonly type = "Float" as const;
}

export class ParameterBoolean extends Parameter<boolean> {
  readonly type = "Boolean" as const;
}

// ---- execution variables -------------------------------------------------------------------------------

export class ExecutionVariable extends PipelineVariable {
  constructor(readonly name: string) {
    super();
  }

  get expr(): Json {
    return { Get: `Execution.${this.name}` };
  }
}

/** The Python SDK's ExecutionVariables. */
export const ExecutionVariables = {
  START_DATETIME: new ExecutionVariable("StartDateTime"),
  CURRENT_DATETIME: new ExecutionVariable("CurrentDateTime"),
  PIPELINE_NAME: new ExecutionVariable("PipelineName"),
  PIPELINE_ARN: new ExecutionVariable("PipelineArn"),
  PIPELINE_EXECUTION_ID: new ExecutionVariable("PipelineExecutionId"),
  PIPELINE_EXECUTION_ARN: new ExecutionVariable("PipelineExecutionArn"),
  TRAINING_JOB_NAME: new ExecutionVariable("TrainingJobName"),
  PROCESSING_JOB_NAME: new ExecutionVariable("ProcessingJobName"),
} as const;

// ---- functions -----------------------------------------------------------------------------------------

export type PipelineValue = string | number | boolean | PipelineVariable;

/** Values joined as text at run time: `new Join({ on: "/", values: ["s3://bucket", ExecutionVariables.PIPELINE_EXECUTION_ID] })`. */
export class Join extends PipelineVariable {
  readonly on: string;
  readonly values: PipelineValue[];

  constructor(options: { on?: string; values: PipelineValue[] }) {
    super();
    this.on = options.on ?? "";
    this.values = options.values;
  }

  get expr(): Json {
    return { "Std:Join": { On: this.on, Values: this.values.map(toJson) } };
  }

  override get referencedSteps(): string[] {
    return this.values.flatMap((value) => (isPipelineVariable(value) ? value.referencedSteps : []));
  }

  override toStringExpression(): Join {
    return this;
  }
}

/**
 * A file a processing step writes into one of its outputs, whose JSON a later step reads with JsonGet (the
 * workshop's `evaluation.json`).
 */
export class PropertyFile {
  readonly name: string;
  readonly outputName: string;
  readonly path: string;

  constructor(options: { name: string; outputName: string; path: string }) {
    this.name = options.name;
    this.outputName = options.outputName;
    this.path = options.path;
  }

  definition(): Json {
    return { PropertyFileName: this.name, OutputName: this.outputName, FilePath: this.path };
  }
}

/** A value from a property file: `new JsonGet({ step: evaluation, propertyFile: report, jsonPath: "eval_accuracy" })`. */
export class JsonGet extends PipelineVariable {
  readonly stepName: string;
  readonly propertyFile: string;
  readonly jsonPath: string;

  constructor(options: {
    step: { name: string } | string;
    propertyFile: PropertyFile | string;
    jsonPath: string;
  }) {
    super();
    this.stepName = typeof options.step === "string" ? options.step : options.step.name;
    if (!this.stepName) throw new Error("JsonGet needs the name of the step that writes the property file.");
    this.propertyFile =
      typeof options.propertyFile === "string" ? options.propertyFile : options.propertyFile.name;
    this.jsonPath = options.jsonPath;
  }

  get expr(): Json {
    return {
      "Std:JsonGet": {
        PropertyFile: { Get: `Steps.${this.stepName}.PropertyFiles.${this.propertyFile}` },
        Path: this.jsonPath,
      },
    };
  }

  override get referencedSteps(): string[] {
    return [this.stepName];
  }
}

/** A JSON value of the definition, with pipeline variables written as their expressions. */
export function toJson(value: unknown): Json {
  if (isPipelineVariable(value)) return value.expr;
  if (Array.isArray(value)) return value.map(toJson);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, entry]) => entry !== undefined)
        .map(([key, entry]) => [key, toJson(entry)]),
    );
  }
  return value as Json;
}

/** Every step a value's variables read. */
export function referencedSteps(value: unknown): string[] {
  if (isPipelineVariable(value)) return value.referencedSteps;
  if (Array.isArray(value)) return value.flatMap(referencedSteps);
  if (value !== null && typeof value === "object") return Object.values(value).flatMap(referencedSteps);
  return [];
}

// ---- step properties -----------------------------------------------------------------------------------

/**
 * A step's property as a typed reference: `trainingStep.properties.ModelArtifacts.S3ModelArtifacts` is a
 * PipelineVariable whose expression is `{"Get": "Steps.<step>.ModelArtifacts.S3ModelArtifacts"}`. Lists and maps
 * are read with brackets, `Outputs["train"]` or `Outputs[0]`, as in the Python SDK.
 */
export type Properties<T> = PipelineVariable &
  (T extends readonly (infer E)[]
    ? { readonly [key: string]: Properties<E>; readonly [index: number]: Properties<E> }
    : T extends Date | string | number | boolean | Uint8Array
      ? unknown
      : T extends object
        ? { readonly [K in keyof T]-?: Properties<NonNullable<T[K]>> }
        : unknown);

export class PropertyReference extends PipelineVariable {
  constructor(
    readonly stepName: string,
    readonly segments: readonly PathSegment[],
  ) {
    super();
  }

  get path(): string {
    return formatPropertyPath(this.segments);
  }

  get expr(): Json {
    return { Get: `Steps.${this.stepName}.${this.path}` };
  }

  override get referencedSteps(): string[] {
    return [this.stepName];
  }
}

/** What a reference answers itself rather than reading as a property. */
const OWN_MEMBERS = new Set([
  "expr",
  "toJSON",
  "toString",
  "toStringExpression",
  "referencedSteps",
  "stepName",
  "segments",
  "path",
  "constructor",
]);

/** Names inspectors and test matchers probe objects for; a reference has none of them. */
const PROBES = new Set([
  "then",
  "asymmetricMatch",
  "$$typeof",
  "nodeType",
  "tagName",
  "inspect",
  "_isMockFunction",
]);

/**
 * The properties of a step whose type exposes a Describe answer (`DescribeTrainingJobResponse`), as a proxy that
 * follows the Smithy shapes: a member the answer does not have is an error at once, naming the members it has.
 */
export function stepProperties<T>(stepName: string, rootShape: string): Properties<T> {
  return propertyProxy(stepName, rootShape, []) as unknown as Properties<T>;
}

function propertyProxy(stepName: string, shapeName: string, segments: PathSegment[]): PropertyReference {
  const reference = new PropertyReference(stepName, segments);
  return new Proxy(reference, {
    get(target, property, receiver) {
      if (typeof property === "symbol" || OWN_MEMBERS.has(property))
        return Reflect.get(target, property, receiver);
      if (PROBES.has(property) || property.startsWith("@@")) return undefined;
      const shape = propertyShape(shapeName);
      const at = `Steps.${stepName}${segments.length ? `.${formatPropertyPath(segments)}` : ""}`;
      if (!shape) throw new Error(`${at} is a ${shapeName} value: it has no property "${property}".`);
      if (shape.type === "structure") {
        // Describe members are PascalCase; other names are probes of the object, not property reads.
        if (!/^[A-Z]/.test(property)) return undefined;
        if (!Object.hasOwn(shape.members, property)) {
          throw new Error(
            `${at} (${shapeName}) has no property "${property}"; its properties: ${Object.keys(shape.members).join(", ")}.`,
          );
        }
        return propertyProxy(stepName, shape.members[property] as string, [
          ...segments,
          { kind: "member", name: property },
        ]);
      }
      const next: PathSegment =
        shape.type === "list" && /^\d+$/.test(property)
          ? { kind: "index", index: Number(property) }
          : { kind: "key", key: property };
      return propertyProxy(stepName, shape.type === "list" ? shape.member : shape.value, [...segments, next]);
    },
  });
}
