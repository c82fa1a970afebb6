import { parseIsoDuration } from "../../../../common/iso-duration";
import {
  followPropertyPath,
  type PathSegment,
  parsePropertyPath,
  stepPropertyRoot,
} from "../../../../common/pipeline-properties";
import { validation } from "../../../core/errors";

/**
 * The pipeline definition (version 2020-12-01, the JSON the Python SDK's `pipeline.definition()` writes), read once
 * at CreatePipeline/UpdatePipeline and again for each execution: parameters, the steps (those nested in a condition's
 * IfSteps/ElseSteps included, flattened), what each step depends on (DependsOn, the steps its expressions read, the
 * condition that guards it), its cache settings and property files. Everything a run would trip over later is
 * refused here, with a ValidationException that names the step and what is wrong: a reference to a step, parameter,
 * property or property file that does not exist, a cycle, an unknown step type, a bad ExpireAfter.
 */

export const DEFINITION_VERSION = "2020-12-01";

export const STEP_TYPES = [
  "Training",
  "Processing",
  "Transform",
  "Model",
  "RegisterModel",
  "Condition",
  "Lambda",
  "Fail",
] as const;
export type StepType = (typeof STEP_TYPES)[number];

/** Step types whose runs SageMaker caches (the others run every time, whatever their CacheConfig says). */
export const CACHEABLE_TYPES: ReadonlySet<StepType> = new Set(["Training", "Processing", "Transform"]);

export const PARAMETER_TYPES = ["String", "Integer", "Float", "Boolean"] as const;
export type ParameterType = (typeof PARAMETER_TYPES)[number];
export type ParameterValue = string | number | boolean;

export interface ParameterSpec {
  Name: string;
  Type: ParameterType;
  DefaultValue?: ParameterValue;
  EnumValues?: string[];
}

export interface PropertyFileSpec {
  PropertyFileName: string;
  OutputName: string;
  FilePath: string;
}

export interface OutputParameterSpec {
  OutputName: string;
  OutputType: "String" | "Integer" | "Boolean" | "Float";
}

export interface StepSpec {
  name: string;
  type: StepType;
  displayName?: string;
  description?: string;
  /** The step's Arguments (a condition's: its Conditions only; its branches are steps of their own). */
  arguments: Record<string, unknown>;
  /** Every step that must succeed first: DependsOn, the steps its expressions read, the condition guarding it. */
  upstream: string[];
  /** Set for a step in a condition's IfSteps (outcome True) or ElseSteps (False). */
  branch?: { condition: string; outcome: "True" | "False" };
  /** Set when caching is enabled on a type SageMaker caches. */
  cache?: { expireAfterMs: number; expireAfter: string };
  propertyFiles: PropertyFileSpec[];
  /** Lambda steps. */
  functionArn?: string;
  outputParameters: OutputParameterSpec[];
  /** Condition steps: the names of the steps in each branch. */
  ifSteps: string[];
  elseSteps: string[];
}

export interface PipelineGraph {
  parameters: ParameterSpec[];
  experimentConfig?: { ExperimentName?: unknown; TrialName?: unknown };
  /** In definition order, a condition before the steps of its branches. */
  steps: StepSpec[];
  byName: ReadonlyMap<string, StepSpec>;
}

/** Execution variables a `Get` may read (`Execution.PipelineExecutionId`). */
export const EXECUTION_VARIABLES = [
  "PipelineExecutionId",
  "PipelineExecutionArn",
  "PipelineName",
  "PipelineArn",
  "StartDateTime",
  "CurrentDateTime",
  "TrainingJobName",
  "ProcessingJobName",
] as const;

const NAME = /^[A-Za-z0-9\-_]{1,64}$/;
const STEP_KEYS = new Set([
  "Name",
  "Type",
  "Arguments",
  "DependsOn",
  "DisplayName",
  "Description",
  "CacheConfig",
  "PropertyFiles",
  "RetryPolicies",
  "FunctionArn",
  "OutputParameters",
]);
const CONDITION_TYPES = [
  "Equals",
  "GreaterThan",
  "GreaterThanOrEqualTo",
  "LessThan",
  "LessThanOrEqualTo",
  "In",
  "Not",
  "Or",
] as const;
const MAX_REPORTED = 10;

// ---- expressions ---------------------------------------------------------------------------------------

/** A `Get` target, parsed. */
export type Reference =
  | { kind: "parameter"; name: string }
  | { kind: "execution"; name: string }
  | { kind: "property"; step: string; path: string; segments: PathSegment[] }
  | { kind: "propertyFile"; step: string; file: string };

export function parseReference(text: string): Reference | undefined {
  const dot = text.indexOf(".");
  if (dot < 0) return undefined;
  const head = text.slice(0, dot);
  const rest = text.slice(dot + 1);
  if (head === "Parameters" && rest) return { kind: "parameter", name: rest };
  if (head === "Execution" && rest) return { kind: "execution", name: rest };
  if (head !== "Steps") return undefined;
  const stepDot = rest.indexOf(".");
  if (stepDot <= 0) return undefined;
  const step = rest.slice(0, stepDot);
  const path = rest.slice(stepDot + 1);
  const file = /^PropertyFiles\.([A-Za-z0-9\-_]+)$/.exec(path);
  if (file) return { kind: "propertyFile", step, file: file[1] as string };
  const segments = parsePropertyPath(path);
  return segments ? { kind: "property", step, path, segments } : undefined;
}

/** Whether a JSON value is one of the definition's functions rather than a literal object. */
export function expressionKind(value: unknown): "Get" | "Std:Join" | "Std:JsonGet" | undefined {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.length !== 1) return undefined;
  const key = keys[0];
  return key === "Get" || key === "Std:Join" || key === "Std:JsonGet" ? key : undefined;
}

/** Calls `visit` on every `Get` and `Std:JsonGet` inside a value (expressions nest inside Std:Join). */
export function walkExpressions(
  value: unknown,
  visit: (expression: { Get: string } | { "Std:JsonGet": Record<string, unknown> }, where: string) => void,
  where = "",
): void {
  const kind = expressionKind(value);
  if (kind === "Get") {
    visit(value as { Get: string }, where);
    return;
  }
  if (kind === "Std:JsonGet") {
    visit(value as { "Std:JsonGet": Record<string, unknown> }, where);
    return;
  }
  if (kind === "Std:Join") {
    const join = (value as Record<string, unknown>)["Std:Join"] as Record<string, unknown> | undefined;
    walkExpressions(join?.Values, visit, `${where}.Std:Join.Values`);
    return;
  }
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) walkExpressions(item, visit, `${where}[${i}]`);
  } else if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value))
      walkExpressions(item, visit, where ? `${where}.${key}` : key);
  }
}

// ---- parsing -------------------------------------------------------------------------------------------

class Problems {
  readonly list: string[] = [];
  add(message: string): void {
    this.list.push(message);
  }
  throwIfAny(): void {
    if (this.list.length === 0) return;
    const shown = this.list.slice(0, MAX_REPORTED);
    const more = this.list.length - shown.length;
    throw validation(
      `Invalid pipeline definition: ${shown.join("; ")}${more > 0 ? `; and ${more} more` : ""}.`,
    );
  }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value);

/** Parses and checks a definition; throws a ValidationException listing what is wrong. */
export function parseDefinition(text: string): PipelineGraph {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw validation(`Unable to parse the pipeline definition as JSON: ${(error as Error).message}`);
  }
  const problems = new Problems();
  if (!isObject(document)) throw validation("Invalid pipeline definition: it must be a JSON object.");
  if (document.Version !== undefined && document.Version !== DEFINITION_VERSION) {
    problems.add(
      `Version "${String(document.Version)}" is not supported (the definition format is version ${DEFINITION_VERSION})`,
    );
  }
  const parameters = parseParameters(document.Parameters, problems);
  const steps: StepSpec[] = [];
  if (!Array.isArray(document.Steps) || document.Steps.length === 0) {
    problems.add("Steps must be a non-empty list of steps");
  } else {
    for (const [i, raw] of document.Steps.entries())
      parseStep(raw, `Steps[${i}]`, undefined, steps, problems);
  }
  const byName = new Map<string, StepSpec>();
  for (const step of steps) {
    if (byName.has(step.name)) problems.add(`the step name "${step.name}" is used by more than one step`);
    byName.set(step.name, step);
  }
  let experimentConfig: PipelineGraph["experimentConfig"];
  if (isObject(document.PipelineExperimentConfig)) {
    experimentConfig = {
      ExperimentName: document.PipelineExperimentConfig.ExperimentName,
      TrialName: document.PipelineExperimentConfig.TrialName,
    };
  }
  const graph: PipelineGraph = {
    parameters,
    steps,
    byName,
    ...(experimentConfig ? { experimentConfig } : {}),
  };
  problems.throwIfAny();
  checkReferences(graph, document, problems);
  problems.throwIfAny();
  checkAcyclic(graph, problems);
  problems.throwIfAny();
  return graph;
}

function parseParameters(raw: unknown, problems: Problems): ParameterSpec[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) {
    problems.add("Parameters must be a list");
    return [];
  }
  const seen = new Set<string>();
  const parameters: ParameterSpec[] = [];
  for (const [i, entry] of raw.entries()) {
    if (!isObject(entry) || typeof entry.Name !== "string" || !NAME.test(entry.Name)) {
      problems.add(`Parameters[${i}] needs a Name of 1-64 letters, digits, hyphens and underscores`);
      continue;
    }
    const name = entry.Name;
    const type = (entry.Type ?? "String") as ParameterType;
    if (!PARAMETER_TYPES.includes(type)) {
      problems.add(
        `parameter "${name}" has Type "${String(entry.Type)}"; use one of ${PARAMETER_TYPES.join(", ")}`,
      );
      continue;
    }
    if (seen.has(name)) problems.add(`the parameter name "${name}" is declared more than once`);
    seen.add(name);
    const spec: ParameterSpec = { Name: name, Type: type };
    if (entry.DefaultValue !== undefined && entry.DefaultValue !== null) {
      const value = entry.DefaultValue;
      const fits =
        (type === "String" && typeof value === "string") ||
        (type === "Integer" && Number.isInteger(value)) ||
        (type === "Float" && typeof value === "number") ||
        (type === "Boolean" && typeof value === "boolean");
      if (!fits) {
        problems.add(`parameter "${name}" is ${type} but its DefaultValue is ${JSON.stringify(value)}`);
      } else spec.DefaultValue = value as ParameterValue;
    }
    if (Array.isArray(entry.EnumValues)) spec.EnumValues = entry.EnumValues.map(String);
    parameters.push(spec);
  }
  return parameters;
}

function parseStep(
  raw: unknown,
  where: string,
  branch: StepSpec["branch"],
  steps: StepSpec[],
  problems: Problems,
): void {
  if (!isObject(raw)) {
    problems.add(`${where} is not a step object`);
    return;
  }
  const name = raw.Name;
  if (typeof name !== "string" || !NAME.test(name)) {
    problems.add(
      `${where} needs a Name of 1-64 letters, digits, hyphens and underscores (got ${JSON.stringify(name)})`,
    );
    return;
  }
  const label = `step "${name}"`;
  const type = raw.Type as StepType;
  if (!STEP_TYPES.includes(type)) {
    problems.add(
      `${label} has Type ${JSON.stringify(raw.Type)}; local SageMaker runs ${STEP_TYPES.join(", ")}`,
    );
    return;
  }
  for (const key of Object.keys(raw)) {
    if (!STEP_KEYS.has(key)) problems.add(`${label} has an unknown member "${key}"`);
  }
  const args = raw.Arguments ?? {};
  if (!isObject(args)) {
    problems.add(`${label}: Arguments must be an object`);
    return;
  }
  const dependsOn = raw.DependsOn ?? [];
  if (!Array.isArray(dependsOn) || !dependsOn.every((entry) => typeof entry === "string")) {
    problems.add(`${label}: DependsOn must be a list of step names`);
  }
  const spec: StepSpec = {
    name,
    type,
    ...(typeof raw.DisplayName === "string" ? { displayName: raw.DisplayName } : {}),
    ...(typeof raw.Description === "string" ? { description: raw.Description } : {}),
    arguments: args,
    upstream: [...new Set(Array.isArray(dependsOn) ? (dependsOn as string[]) : [])],
    ...(branch ? { branch } : {}),
    propertyFiles: [],
    outputParameters: [],
    ifSteps: [],
    elseSteps: [],
  };
  if (branch) spec.upstream.push(branch.condition);
  parseCacheConfig(raw.CacheConfig, spec, label, problems);
  if (raw.PropertyFiles !== undefined) parsePropertyFiles(raw.PropertyFiles, spec, label, problems);
  steps.push(spec);

  if (type === "Lambda") {
    if (typeof raw.FunctionArn !== "string" || raw.FunctionArn === "") {
      problems.add(`${label}: a Lambda step needs a FunctionArn`);
    } else spec.functionArn = raw.FunctionArn;
    const outputs = raw.OutputParameters ?? [];
    if (!Array.isArray(outputs)) problems.add(`${label}: OutputParameters must be a list`);
    else {
      for (const output of outputs) {
        const outputType = (isObject(output) ? (output.OutputType ?? "String") : undefined) as string;
        if (!isObject(output) || typeof output.OutputName !== "string") {
          problems.add(`${label}: each OutputParameters entry needs an OutputName`);
        } else if (!["String", "Integer", "Boolean", "Float"].includes(outputType)) {
          problems.add(
            `${label}: output "${output.OutputName}" has OutputType "${outputType}"; use String, Integer, Boolean or Float`,
          );
        } else {
          spec.outputParameters.push({
            OutputName: output.OutputName,
            OutputType: outputType as OutputParameterSpec["OutputType"],
          });
        }
      }
    }
  }
  if (type === "Condition") {
    const { Conditions: conditions, IfSteps: ifSteps, ElseSteps: elseSteps, ...others } = args;
    for (const key of Object.keys(others)) problems.add(`${label}: Arguments has an unknown member "${key}"`);
    if (!Array.isArray(conditions) || conditions.length === 0) {
      problems.add(`${label}: a Condition step needs a non-empty list of Conditions`);
    } else
      for (const [i, condition] of conditions.entries())
        checkCondition(condition, `${label} Conditions[${i}]`, problems);
    spec.arguments = { Conditions: conditions };
    for (const [list, outcome, names] of [
      [ifSteps, "True", spec.ifSteps],
      [elseSteps, "False", spec.elseSteps],
    ] as const) {
      if (list === undefined) continue;
      if (!Array.isArray(list)) {
        problems.add(`${label}: ${outcome === "True" ? "IfSteps" : "ElseSteps"} must be a list of steps`);
        continue;
      }
      for (const [i, nested] of list.entries()) {
        const before = steps.length;
        parseStep(
          nested,
          `${label} ${outcome === "True" ? "IfSteps" : "ElseSteps"}[${i}]`,
          { condition: name, outcome },
          steps,
          problems,
        );
        if (steps.length > before) names.push((steps[before] as StepSpec).name);
      }
    }
  }
}

function parseCacheConfig(raw: unknown, spec: StepSpec, label: string, problems: Problems): void {
  if (raw === undefined) return;
  if (!isObject(raw)) {
    problems.add(`${label}: CacheConfig must be an object {"Enabled": true, "ExpireAfter": "P30D"}`);
    return;
  }
  if (raw.Enabled !== undefined && typeof raw.Enabled !== "boolean") {
    problems.add(`${label}: CacheConfig.Enabled must be true or false`);
  }
  const expireAfter = raw.ExpireAfter;
  if (expireAfter !== undefined && typeof expireAfter !== "string") {
    problems.add(`${label}: CacheConfig.ExpireAfter must be an ISO 8601 duration string such as "P30D"`);
    return;
  }
  let ms: number | undefined;
  if (typeof expireAfter === "string") {
    const parsed = parseIsoDuration(expireAfter);
    if (!parsed.ok) {
      problems.add(`${label}: CacheConfig.ExpireAfter ${parsed.reason}`);
      return;
    }
    ms = parsed.ms;
  }
  if (raw.Enabled !== true || !CACHEABLE_TYPES.has(spec.type)) return;
  if (ms === undefined) {
    problems.add(
      `${label}: caching is enabled but CacheConfig has no ExpireAfter (how old a run may be reused, e.g. "P30D")`,
    );
    return;
  }
  spec.cache = { expireAfterMs: ms, expireAfter: expireAfter as string };
}

function parsePropertyFiles(raw: unknown, spec: StepSpec, label: string, problems: Problems): void {
  if (spec.type !== "Processing") {
    problems.add(`${label}: only Processing steps have PropertyFiles`);
    return;
  }
  if (!Array.isArray(raw)) {
    problems.add(`${label}: PropertyFiles must be a list`);
    return;
  }
  const outputs = ((spec.arguments.ProcessingOutputConfig as Record<string, unknown> | undefined)?.Outputs ??
    []) as unknown[];
  const outputNames = outputs.flatMap((output) =>
    isObject(output) && typeof output.OutputName === "string" ? [output.OutputName] : [],
  );
  for (const file of raw) {
    if (
      !isObject(file) ||
      typeof file.PropertyFileName !== "string" ||
      typeof file.OutputName !== "string" ||
      typeof file.FilePath !== "string"
    ) {
      problems.add(`${label}: each PropertyFiles entry needs PropertyFileName, OutputName and FilePath`);
      continue;
    }
    if (!outputNames.includes(file.OutputName)) {
      problems.add(
        `${label}: property file "${file.PropertyFileName}" reads output "${file.OutputName}", which is not one of the step's ProcessingOutputConfig outputs (${outputNames.join(", ") || "none"})`,
      );
    }
    spec.propertyFiles.push({
      PropertyFileName: file.PropertyFileName,
      OutputName: file.OutputName,
      FilePath: file.FilePath,
    });
  }
}

function checkCondition(raw: unknown, where: string, problems: Problems): void {
  if (!isObject(raw) || !CONDITION_TYPES.includes(raw.Type as (typeof CONDITION_TYPES)[number])) {
    problems.add(
      `${where} has Type ${JSON.stringify(isObject(raw) ? raw.Type : raw)}; use one of ${CONDITION_TYPES.join(", ")}`,
    );
    return;
  }
  switch (raw.Type) {
    case "In":
      if (!("QueryValue" in raw) || !Array.isArray(raw.Values)) {
        problems.add(`${where}: an In condition needs QueryValue and a list of Values`);
      }
      return;
    case "Not":
      if (!isObject(raw.Expression))
        problems.add(`${where}: a Not condition needs an Expression (a condition)`);
      else checkCondition(raw.Expression, `${where}.Expression`, problems);
      return;
    case "Or":
      if (!Array.isArray(raw.Conditions) || raw.Conditions.length === 0) {
        problems.add(`${where}: an Or condition needs a non-empty list of Conditions`);
      } else
        for (const [i, inner] of raw.Conditions.entries())
          checkCondition(inner, `${where}.Conditions[${i}]`, problems);
      return;
    default:
      if (!("LeftValue" in raw) || !("RightValue" in raw)) {
        problems.add(`${where}: a ${raw.Type} condition needs LeftValue and RightValue`);
      }
  }
}

/** Every `Get` and `Std:JsonGet` must name something that exists; the steps they read become upstream steps. */
function checkReferences(graph: PipelineGraph, document: Record<string, unknown>, problems: Problems): void {
  const parameters = new Set(graph.parameters.map((parameter) => parameter.Name));
  const stepNames = [...graph.byName.keys()];
  const check = (owner: StepSpec | undefined, value: unknown): Set<string> => {
    const referenced = new Set<string>();
    const label = owner ? `step "${owner.name}"` : "PipelineExperimentConfig";
    walkExpressions(value, (expression, where) => {
      const who = where ? `${label} (at ${owner ? "Arguments." : ""}${where})` : label;
      if ("Std:JsonGet" in expression) {
        const body = expression["Std:JsonGet"];
        const file = isObject(body?.PropertyFile) ? body.PropertyFile.Get : undefined;
        const reference = typeof file === "string" ? parseReference(file) : undefined;
        if (reference?.kind !== "propertyFile") {
          problems.add(
            `${who}: Std:JsonGet needs a PropertyFile {"Get": "Steps.<step>.PropertyFiles.<name>"}`,
          );
          return;
        }
        if (typeof body?.Path !== "string" || body.Path === "") {
          problems.add(`${who}: Std:JsonGet needs a Path (a JSON path into the property file)`);
        }
        const target = graph.byName.get(reference.step);
        if (!target) {
          problems.add(
            `${who} reads a property file of step "${reference.step}", which the definition does not have (its steps: ${stepNames.join(", ")})`,
          );
          return;
        }
        if (!target.propertyFiles.some((entry) => entry.PropertyFileName === reference.file)) {
          problems.add(
            `${who} reads property file "${reference.file}" of step "${reference.step}", but that step declares ${target.propertyFiles.length ? `only ${target.propertyFiles.map((entry) => `"${entry.PropertyFileName}"`).join(", ")}` : "no PropertyFiles"}`,
          );
        }
        referenced.add(reference.step);
        return;
      }
      const text = expression.Get;
      const reference = typeof text === "string" ? parseReference(text) : undefined;
      if (!reference) {
        problems.add(
          `${who}: {"Get": ${JSON.stringify(text)}} is not a reference (Parameters.<name>, Execution.<variable> or Steps.<step>.<property>)`,
        );
        return;
      }
      if (reference.kind === "parameter") {
        if (!parameters.has(reference.name)) {
          problems.add(
            `${who} reads parameter "${reference.name}", which the definition does not declare (its parameters: ${[...parameters].join(", ") || "none"})`,
          );
        }
        return;
      }
      if (reference.kind === "execution") {
        if (!(EXECUTION_VARIABLES as readonly string[]).includes(reference.name)) {
          problems.add(
            `${who} reads Execution.${reference.name}, which is not an execution variable (${EXECUTION_VARIABLES.join(", ")})`,
          );
        }
        return;
      }
      if (reference.kind === "propertyFile") {
        problems.add(
          `${who}: Steps.${reference.step}.PropertyFiles.${reference.file} can only be read through Std:JsonGet`,
        );
        return;
      }
      const target = graph.byName.get(reference.step);
      if (!target) {
        problems.add(
          `${who} refers to step "${reference.step}", which the definition does not have (its steps: ${stepNames.join(", ")})`,
        );
        return;
      }
      const reason = propertyProblem(target, reference.segments);
      if (reason) problems.add(`${who} reads Steps.${reference.step}.${reference.path}, but ${reason}`);
      referenced.add(reference.step);
    });
    return referenced;
  };
  for (const step of graph.steps) {
    for (const name of step.upstream) {
      if (!graph.byName.has(name)) {
        problems.add(
          `step "${step.name}" depends on step "${name}", which the definition does not have (its steps: ${stepNames.join(", ")})`,
        );
      }
    }
    const referenced = check(step, step.arguments);
    for (const name of referenced) if (!step.upstream.includes(name)) step.upstream.push(name);
  }
  const experiment = document.PipelineExperimentConfig;
  if (isObject(experiment)) {
    const referenced = check(undefined, experiment);
    if (referenced.size > 0)
      problems.add("PipelineExperimentConfig may read parameters and execution variables only, not steps");
  }
}

/** Why a step has no such property; undefined when the path is one of its properties. */
function propertyProblem(step: StepSpec, segments: PathSegment[]): string | undefined {
  const first = segments[0];
  switch (step.type) {
    case "Condition":
      return segments.length === 1 && first?.kind === "member" && first.name === "Outcome"
        ? undefined
        : `a Condition step's only property is Outcome`;
    case "Lambda": {
      const key = segments[1];
      const names = step.outputParameters.map((output) => output.OutputName);
      if (
        first?.kind === "member" &&
        first.name === "OutputParameters" &&
        segments.length === 2 &&
        key?.kind === "key"
      ) {
        return names.includes(key.key)
          ? undefined
          : `Lambda step "${step.name}" declares no output "${key.key}" (its OutputParameters: ${names.join(", ") || "none"})`;
      }
      return `a Lambda step's properties are its outputs, OutputParameters['<name>'] (${names.join(", ") || "none declared"})`;
    }
    case "Fail":
      return "a Fail step ends the execution and has no properties";
    default: {
      const root = stepPropertyRoot(step.type) as string;
      const followed = followPropertyPath(root, segments);
      return followed.ok
        ? undefined
        : `${step.type} steps have the properties of ${root}: ${followed.reason}`;
    }
  }
}

/** Kahn's algorithm over the upstream edges; what is left names a cycle. */
function checkAcyclic(graph: PipelineGraph, problems: Problems): void {
  const pending = new Map(graph.steps.map((step) => [step.name, new Set(step.upstream)]));
  let progressed = true;
  while (progressed) {
    progressed = false;
    for (const [name, upstream] of pending) {
      if ([...upstream].every((dependency) => !pending.has(dependency))) {
        pending.delete(name);
        progressed = true;
      }
    }
  }
  if (pending.size === 0) return;
  // Walk upstream edges inside what is left until a step repeats: that loop is a cycle.
  const path: string[] = [];
  let current = pending.keys().next().value as string;
  while (!path.includes(current)) {
    path.push(current);
    current = [...(pending.get(current) ?? [])].find((dependency) => pending.has(dependency)) as string;
  }
  const cycle = [...path.slice(path.indexOf(current)), current].reverse();
  problems.add(
    `the steps depend on each other in a cycle: ${cycle.join(" → ")} (each runs after the one before it)`,
  );
}
