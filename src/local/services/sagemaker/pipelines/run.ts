import { createHash, randomBytes } from "node:crypto";
import type { StepStatus } from "@aws-sdk/client-sagemaker";
import {
  type PathSegment,
  readPropertyValue,
  stepPropertyRoot,
} from "../../../../common/pipeline-properties";
import { reportUnexpected } from "../../../core/errors";
import { parseS3Uri } from "../../../core/s3-uri";
import { PIPELINE_EXECUTION, PIPELINE_STEP } from "../lifecycles";
import type { ParameterValue, PipelineGraph, StepSpec } from "./definition";
import { type EvaluationScope, evaluate, StepInputError } from "./expressions";
import type { StepResource, StoredExecution, StoredStep } from "./records";
import type { PipelineServices } from "./services";
import { runStep, type StepOutcome } from "./steps";

/**
 * One pipeline execution while it runs: starts each step once every step upstream of it has succeeded (and, for a
 * step in a condition's branch, the condition chose that branch), at most MaxParallelExecutionSteps at a time; a
 * cacheable step whose cache key matches a successful earlier run within ExpireAfter reuses that run instead. After
 * a step fails no new step starts; the execution ends when nothing runs any more: Failed if a step failed, Stopped
 * after a stop, Succeeded otherwise. Every change is saved to the execution's document at once.
 */

/** SageMaker's default when neither the pipeline nor the execution sets ParallelismConfiguration. */
export const DEFAULT_MAX_PARALLEL_STEPS = 50;

/** The attributes SageMaker compares to decide whether an earlier run of a step can be reused (per step type). */
const CACHE_KEY_ATTRIBUTES: Readonly<Record<string, readonly string[]>> = {
  Training: [
    "AlgorithmSpecification",
    "CheckpointConfig",
    "DebugHookConfig",
    "DebugRuleConfigurations",
    "Environment",
    "HyperParameters",
    "InputDataConfig",
  ],
  Processing: ["AppSpecification", "Environment", "ProcessingInputs"],
  Transform: ["DataProcessing", "Environment", "ModelName", "TransformInput"],
};

export interface CachedRun {
  executionArn: string;
  step: StoredStep;
}

export interface ExecutionHost {
  services: PipelineServices;
  save(execution: StoredExecution): void;
  /** The newest successful run of the step (same pipeline, name and cache key) that ended at or after `since`. */
  findCached(pipelineName: string, step: StepSpec, cacheKey: string, since: number): CachedRun | undefined;
  /** A step resource's Describe answer, as JSON (Dates as ISO text). */
  describeResource(resource: StepResource): Promise<unknown>;
}

/** JSON with sorted keys, so equal arguments hash equally whatever order they were written in. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, entry]) => entry !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, entry]) => `${JSON.stringify(key)}:${stableJson(entry)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

export function cacheKeyOf(step: StepSpec, resolvedArguments: Record<string, unknown>): string {
  const attributes = Object.fromEntries(
    (CACHE_KEY_ATTRIBUTES[step.type] ?? []).map((name) => [name, resolvedArguments[name]]),
  );
  return createHash("sha256")
    .update(stableJson({ type: step.type, attributes }))
    .digest("hex");
}

/** `pipelines-<execution id>-<step>-<random>`, within SageMaker's 63 characters and its name pattern. */
export function pipelineResourceName(executionId: string, stepName: string): string {
  const suffix = randomBytes(8)
    .toString("base64url")
    .replace(/[^a-zA-Z0-9]/g, "x")
    .slice(0, 10);
  const room = 63 - `pipelines-${executionId}--${suffix}`.length;
  const step =
    stepName
      .replace(/[^a-zA-Z0-9-]/g, "-")
      .slice(0, room)
      .replace(/^-+|-+$/g, "") || "step";
  return `pipelines-${executionId}-${step}-${suffix}`;
}

const FINAL: ReadonlySet<StepStatus> = new Set(["Succeeded", "Failed", "Stopped"]);

/** Typed parameter values from the execution's text values. */
export function typedParameters(
  graph: PipelineGraph,
  execution: StoredExecution,
): Record<string, ParameterValue> {
  const values: Record<string, ParameterValue> = {};
  for (const spec of graph.parameters) {
    const text = execution.parameters.find((parameter) => parameter.Name === spec.Name)?.Value;
    if (text === undefined) continue;
    values[spec.Name] =
      spec.Type === "Integer" || spec.Type === "Float"
        ? Number(text)
        : spec.Type === "Boolean"
          ? text.toLowerCase() === "true"
          : text;
  }
  return values;
}

export class ExecutionRun {
  readonly done: Promise<void>;
  private readonly active = new Map<string, { promise: Promise<void>; stopListeners: (() => void)[] }>();
  private readonly propertyFiles = new Map<string, Promise<unknown>>();
  private readonly parameters: Record<string, ParameterValue>;
  private stopRequested = false;
  private abandoned = false;

  constructor(
    private readonly host: ExecutionHost,
    private readonly execution: StoredExecution,
    private readonly graph: PipelineGraph,
    private readonly maxParallel: number,
  ) {
    this.parameters = typedParameters(graph, execution);
    this.done = new Promise((resolve) => setImmediate(resolve))
      .then(() => this.drive())
      .catch((error: unknown) => {
        reportUnexpected(error);
        if (this.abandoned) return;
        this.endExecution("Failed", `InternalServerError: ${(error as Error).message}`);
      });
  }

  get executionArn(): string {
    return this.execution.PipelineExecutionArn;
  }

  /** StopPipelineExecution: no new step starts; running steps stop their jobs (a Lambda step is waited for). */
  stop(): void {
    if (this.stopRequested) return;
    this.stopRequested = true;
    for (const [name, entry] of this.active) {
      const record = this.record(name);
      if (record && (record.StepStatus === "Starting" || record.StepStatus === "Executing")) {
        this.move(record, "Stopping");
      }
      for (const listener of entry.stopListeners) listener();
    }
  }

  /** Server shutdown: stop following; the next start marks the execution Failed (its jobs died with the server). */
  abandon(): void {
    this.abandoned = true;
  }

  private record(name: string): StoredStep | undefined {
    return this.execution.steps.find((step) => step.StepName === name);
  }

  private save(): void {
    if (!this.abandoned) this.host.save(this.execution);
  }

  private move(record: StoredStep, to: StepStatus, reason?: string): void {
    PIPELINE_STEP.transition(record, to, reason === undefined ? {} : { reason }, () => this.save());
  }

  private async drive(): Promise<void> {
    for (;;) {
      if (this.abandoned) return;
      this.startReadySteps();
      if (this.active.size === 0) break;
      await Promise.race([...this.active.values()].map((entry) => entry.promise));
    }
    if (this.abandoned) return;
    const failed = this.execution.steps.filter((step) => step.StepStatus === "Failed");
    if (failed.length > 0) {
      const details = failed.map(
        (step) => `${step.StepName} (${step.stepType}): ${step.FailureReason ?? ""}`,
      );
      this.endExecution(
        "Failed",
        `Step failure: One or multiple steps failed. ${details.join(" | ")}`.slice(0, 1300),
      );
    } else if (this.stopRequested) this.endExecution("Stopped");
    else this.endExecution("Succeeded");
  }

  private endExecution(to: "Succeeded" | "Failed" | "Stopped", reason?: string): void {
    if (this.execution.PipelineExecutionStatus === "Executing" && to === "Stopped") {
      PIPELINE_EXECUTION.transition(this.execution, "Stopping", {}, () => this.save());
    }
    PIPELINE_EXECUTION.transition(this.execution, to, reason === undefined ? {} : { reason }, () =>
      this.save(),
    );
  }

  private readySteps(): StepSpec[] {
    if (this.stopRequested) return [];
    if (this.execution.steps.some((step) => step.StepStatus === "Failed")) return [];
    return this.graph.steps.filter((spec) => {
      if (this.record(spec.name) || this.active.has(spec.name)) return false;
      if (spec.branch && this.record(spec.branch.condition)?.outcome !== spec.branch.outcome) return false;
      return spec.upstream.every((name) => this.record(name)?.StepStatus === "Succeeded");
    });
  }

  private startReadySteps(): void {
    for (const spec of this.readySteps()) {
      if (this.active.size >= this.maxParallel) return;
      const entry = { promise: Promise.resolve(), stopListeners: [] as (() => void)[] };
      const record: StoredStep = {
        StepName: spec.name,
        ...(spec.displayName ? { StepDisplayName: spec.displayName } : {}),
        ...(spec.description ? { StepDescription: spec.description } : {}),
        stepType: spec.type,
        StepStatus: "Starting",
        StartTime: Date.now(),
        LastModifiedTime: Date.now(),
        AttemptCount: (this.execution.earlierAttempts?.[spec.name] ?? 0) + 1,
      };
      this.execution.steps.push(record);
      this.save();
      entry.promise = this.runOne(spec, record, entry.stopListeners)
        .catch((error: unknown) => {
          reportUnexpected(error);
          if (!FINAL.has(record.StepStatus))
            this.move(record, "Failed", `InternalServerError: ${(error as Error).message}`);
        })
        .finally(() => this.active.delete(spec.name));
      this.active.set(spec.name, entry);
    }
  }

  private async runOne(spec: StepSpec, record: StoredStep, stopListeners: (() => void)[]): Promise<void> {
    const resourceName = pipelineResourceName(this.execution.executionId, spec.name);
    const scope = this.scopeFor(spec, resourceName);
    let cacheKey: string | undefined;
    if (spec.cache) {
      let resolved: Record<string, unknown>;
      try {
        resolved = (await evaluate(spec.arguments, scope)) as Record<string, unknown>;
      } catch (error) {
        if (!(error instanceof StepInputError)) throw error;
        this.finish(record, { status: "Failed", reason: error.message });
        return;
      }
      cacheKey = cacheKeyOf(spec, resolved);
      const hit = this.host.findCached(
        this.execution.PipelineName,
        spec,
        cacheKey,
        Date.now() - spec.cache.expireAfterMs,
      );
      if (hit) {
        record.CacheHitResult = {
          SourcePipelineExecutionArn: hit.step.CacheHitResult?.SourcePipelineExecutionArn ?? hit.executionArn,
        };
        if (hit.step.Metadata) record.Metadata = hit.step.Metadata;
        if (hit.step.resource) record.resource = hit.step.resource;
        record.cacheKey = cacheKey;
        this.move(record, "Succeeded");
        return;
      }
    }
    const outcome = await runStep({
      spec,
      resourceName,
      scope,
      services: this.host.services,
      stopRequested: () => this.stopRequested,
      cancelled: () => this.abandoned,
      ...(this.execution.PipelineExperimentConfig
        ? { experiment: this.execution.PipelineExperimentConfig }
        : {}),
      onStop: (listener) => {
        stopListeners.push(listener);
        if (this.stopRequested) listener();
      },
      executing: (metadata, resource) => {
        record.Metadata = metadata;
        if (resource) record.resource = resource;
        if (record.StepStatus === "Starting") this.move(record, "Executing");
        else this.save();
      },
    });
    if (outcome.status === "Succeeded" && cacheKey) record.cacheKey = cacheKey;
    this.finish(record, outcome);
  }

  private finish(record: StoredStep, outcome: StepOutcome): void {
    if (this.abandoned) return;
    if (outcome.metadata) record.Metadata = outcome.metadata;
    if (outcome.status === "Succeeded") {
      if (outcome.resource) record.resource = outcome.resource;
      if (outcome.outcome) record.outcome = outcome.outcome;
      if (outcome.outputs) record.outputs = outcome.outputs;
      this.move(record, "Succeeded");
    } else if (outcome.status === "Failed") {
      this.move(record, "Failed", outcome.reason);
    } else {
      if (record.StepStatus === "Executing") this.move(record, "Stopping");
      this.move(record, "Stopped");
    }
  }

  // ---- what a step's expressions can read ----------------------------------------------------------------

  private scopeFor(spec: StepSpec, resourceName: string): EvaluationScope {
    const execution = this.execution;
    return {
      parameters: this.parameters,
      execution: (name) => {
        switch (name) {
          case "PipelineExecutionId":
            return execution.executionId;
          case "PipelineExecutionArn":
            return execution.PipelineExecutionArn;
          case "PipelineName":
            return execution.PipelineName;
          case "PipelineArn":
            return execution.PipelineArn;
          case "StartDateTime":
            return new Date(execution.CreationTime).toISOString();
          case "CurrentDateTime":
            return new Date().toISOString();
          case "TrainingJobName":
          case "ProcessingJobName":
            return resourceName;
          default:
            throw new StepInputError(`Execution.${name} is not an execution variable`);
        }
      },
      property: async (stepName, segments, path) => this.property(spec, stepName, segments, path),
      propertyFile: (stepName, file) => {
        const key = `${stepName}\u0000${file}`;
        let pending = this.propertyFiles.get(key);
        if (!pending) {
          pending = this.readPropertyFile(stepName, file);
          pending.catch(() => this.propertyFiles.delete(key));
          this.propertyFiles.set(key, pending);
        }
        return pending;
      },
    };
  }

  private succeeded(stepName: string): StoredStep {
    const record = this.record(stepName);
    if (record?.StepStatus !== "Succeeded") {
      throw new StepInputError(
        `step ${stepName} has not succeeded in this execution, so its properties have no value`,
      );
    }
    return record;
  }

  private async property(
    reader: StepSpec,
    stepName: string,
    segments: PathSegment[],
    path: string,
  ): Promise<unknown> {
    const record = this.succeeded(stepName);
    const first = segments[0];
    if (record.stepType === "Condition") return record.outcome;
    if (record.stepType === "Lambda") {
      const key = segments[1];
      return key?.kind === "key" ? record.outputs?.[key.key] : undefined;
    }
    if (!record.resource) throw new StepInputError(`step ${stepName} made nothing to read ${path} from`);
    const root = stepPropertyRoot(record.stepType) as string;
    const read = readPropertyValue(root, segments, await this.host.describeResource(record.resource));
    if (!read.ok) {
      throw new StepInputError(
        `step ${reader.name} reads Steps.${stepName}.${path}, which has no value: ${record.resource.kind} ${record.resource.name} has nothing at ${read.missing}${first?.kind === "member" && first.name === "FinalMetricDataList" ? " (a metric appears there only when a MetricDefinitions regex matched the job's log)" : ""}`,
      );
    }
    return read.value;
  }

  private async readPropertyFile(stepName: string, file: string): Promise<unknown> {
    const record = this.succeeded(stepName);
    const spec = this.graph.byName.get(stepName);
    const declared = spec?.propertyFiles.find((entry) => entry.PropertyFileName === file);
    if (!declared || !record.resource)
      throw new StepInputError(`step ${stepName} has no property file ${file}`);
    const description = (await this.host.describeResource(record.resource)) as {
      ProcessingOutputConfig?: { Outputs?: { OutputName?: string; S3Output?: { S3Uri?: string } }[] };
    };
    const output = description.ProcessingOutputConfig?.Outputs?.find(
      (entry) => entry.OutputName === declared.OutputName,
    );
    const prefix = output?.S3Output?.S3Uri;
    if (!prefix) {
      throw new StepInputError(
        `processing job ${record.resource.name} has no output ${declared.OutputName} for property file ${file}`,
      );
    }
    const uri = `${prefix.replace(/\/+$/, "")}/${declared.FilePath.replace(/^\/+/, "")}`;
    const { bucket, key } = parseS3Uri(uri);
    let body: Buffer;
    try {
      body = (await this.host.services.s3.getObject(bucket, key)).body;
    } catch {
      throw new StepInputError(
        `property file ${file} of step ${stepName} is not at ${uri}: the processing job wrote no ${declared.FilePath} into its output ${declared.OutputName}`,
      );
    }
    try {
      return JSON.parse(body.toString("utf8"));
    } catch (error) {
      throw new StepInputError(
        `property file ${file} of step ${stepName} (${uri}) is not JSON: ${(error as Error).message}`,
      );
    }
  }
}
