import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join, relative } from "node:path";
import {
  CreatePipelineCommand,
  DeletePipelineCommand,
  DescribePipelineExecutionCommand,
  type DescribePipelineExecutionCommandOutput,
  ListPipelineExecutionStepsCommand,
  type PipelineExecutionStep,
  StartPipelineExecutionCommand,
  StopPipelineExecutionCommand,
  UpdatePipelineCommand,
} from "@aws-sdk/client-sagemaker";
import { packSourceDir } from "../estimator";
import { workshopTags } from "../naming";
import { s3ObjectExists, s3Uri, uploadFile } from "../s3";
import type { WorkshopSession } from "../session";
import type { DefinitionContext, Step } from "./steps";
import { ExecutionVariables, type Json, type Parameter, type PipelineValue, toJson } from "./variables";

/**
 * A pipeline, as the Python SDK's `Pipeline(name, parameters, steps)`: `definition()` writes the JSON (version
 * 2020-12-01) that CreatePipeline takes, uploading the steps' code first; `upsert()` creates the pipeline or updates
 * it; `start()` starts an execution, whose `wait()` reports each step as it moves and whose `listSteps()` answers
 * ListPipelineExecutionSteps. Local SageMaker and AWS get the same definition.
 */

export interface PipelineExperimentConfig {
  experimentName: PipelineValue;
  trialName: PipelineValue;
}

export interface PipelineOptions {
  name: string;
  parameters?: Parameter<string | number | boolean>[];
  steps: Step[];
  /** Default: the Python SDK's (the pipeline's name as the experiment, the execution id as the trial); null: none. */
  experimentConfig?: PipelineExperimentConfig | null;
  maxParallelExecutionSteps?: number;
  description?: string;
  /** The lab that creates it: tagged, for cleanup. */
  lab?: string;
  roleArn?: string;
}

const DEFAULT_EXPERIMENT_CONFIG: PipelineExperimentConfig = {
  experimentName: ExecutionVariables.PIPELINE_NAME,
  trialName: ExecutionVariables.PIPELINE_EXECUTION_ID,
};

/** Every file of a folder (sorted, relative), for a content hash that does not change with mtimes. */
async function folderDigest(dir: string): Promise<string> {
  const hash = createHash("sha256");
  const walk = async (folder: string): Promise<void> => {
    for (const name of (await readdir(folder)).sort()) {
      if (["node_modules", "__pycache__", ".ipynb_checkpoints", ".git"].includes(name)) continue;
      const path = join(folder, name);
      if ((await stat(path)).isDirectory()) await walk(path);
      else
        hash
          .update(`${relative(dir, path)}\0`)
          .update(await readFile(path))
          .update("\0");
    }
  };
  await walk(dir);
  return hash.digest("hex").slice(0, 16);
}

export class Pipeline {
  readonly name: string;
  readonly options: PipelineOptions;
  private uploads = new Map<string, Promise<string>>();

  constructor(
    readonly session: WorkshopSession,
    options: PipelineOptions,
  ) {
    if (!/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}$/.test(options.name)) {
      throw new Error(
        `The pipeline name "${options.name}" is not valid: use letters, digits and inner hyphens.`,
      );
    }
    this.name = options.name;
    this.options = options;
  }

  /** Every step, those in condition branches included, in definition order. */
  allSteps(): Step[] {
    const steps: Step[] = [];
    const visit = (step: Step): void => {
      steps.push(step);
      for (const nested of step.nestedSteps()) visit(nested);
    };
    for (const step of this.options.steps) visit(step);
    return steps;
  }

  private context(upload: boolean): DefinitionContext {
    const session = this.session;
    const once = (key: string, make: () => Promise<string>): Promise<string> => {
      if (!upload) return make();
      let pending = this.uploads.get(key);
      if (!pending) {
        pending = make();
        pending.catch(() => this.uploads.delete(key));
        this.uploads.set(key, pending);
      }
      return pending;
    };
    // Naming the bucket sends nothing; an upload makes sure it exists first.
    const bucket = () => session.bucketName();
    return {
      session,
      pipelineName: this.name,
      bucket,
      uploadFile: (file) =>
        once(`file:${file}`, async () => {
          const digest = createHash("sha256")
            .update(await readFile(file))
            .digest("hex")
            .slice(0, 16);
          if (!upload) return s3Uri(await bucket(), this.name, "code", digest, basename(file));
          const target = s3Uri(await session.defaultBucket(), this.name, "code", digest, basename(file));
          if (!(await s3ObjectExists(session, target))) await uploadFile(session.s3, file, target);
          return target;
        }),
      uploadSourceDir: (dir, entryPoint) =>
        once(`dir:${dir}`, async () => {
          const digest = await folderDigest(dir);
          if (!upload) return s3Uri(await bucket(), this.name, "code", digest, "sourcedir.tar.gz");
          const target = s3Uri(await session.defaultBucket(), this.name, "code", digest, "sourcedir.tar.gz");
          if (await s3ObjectExists(session, target)) return target;
          const work = await mkdtemp(join(tmpdir(), "ko-sagemaker-pipeline-"));
          try {
            const archive = join(work, "sourcedir.tar.gz");
            await packSourceDir(dir, entryPoint, archive);
            return await uploadFile(session.s3, archive, target);
          } finally {
            await rm(work, { recursive: true, force: true });
          }
        }),
    };
  }

  /**
   * The definition document (code uploaded first, unless `upload` is false: then the code's S3 URIs are named and
   * nothing is sent), checked for what the builder can see: names and references.
   */
  async definitionDocument(options: { upload?: boolean } = {}): Promise<Json> {
    const steps = this.allSteps();
    const names = new Set<string>();
    for (const step of steps) {
      if (names.has(step.name)) throw new Error(`Pipeline ${this.name} has two steps named ${step.name}.`);
      names.add(step.name);
    }
    const context = this.context(options.upload !== false);
    const entries = await Promise.all(this.options.steps.map((step) => step.definition(context)));
    const referenced = new Set<string>();
    const collect = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(collect);
      else if (value !== null && typeof value === "object") {
        const get = (value as { Get?: unknown }).Get;
        if (typeof get === "string" && get.startsWith("Steps.")) referenced.add(get.split(".")[1] as string);
        Object.values(value).forEach(collect);
      }
    };
    collect(entries);
    for (const step of steps) {
      for (const dependency of step.dependsOn)
        referenced.add(typeof dependency === "string" ? dependency : dependency.name);
    }
    const missing = [...referenced].filter((name) => !names.has(name));
    if (missing.length) {
      throw new Error(
        `Pipeline ${this.name} refers to step${missing.length === 1 ? "" : "s"} ${missing.join(", ")}, which ${missing.length === 1 ? "is" : "are"} not among its steps (${[...names].join(", ")}): add ${missing.length === 1 ? "it" : "them"} to steps.`,
      );
    }
    const experiment =
      this.options.experimentConfig === undefined ? DEFAULT_EXPERIMENT_CONFIG : this.options.experimentConfig;
    return {
      Version: "2020-12-01",
      Metadata: {},
      Parameters: (this.options.parameters ?? []).map((parameter) => parameter.definition()),
      PipelineExperimentConfig: experiment
        ? { ExperimentName: toJson(experiment.experimentName), TrialName: toJson(experiment.trialName) }
        : null,
      Steps: entries,
    };
  }

  /** The definition JSON, as CreatePipeline and UpdatePipeline take it (`upload: false`: look, send nothing). */
  async definition(options: { upload?: boolean } = {}): Promise<string> {
    return JSON.stringify(await this.definitionDocument(options));
  }

  /** CreatePipeline, or UpdatePipeline when it exists (as the Python SDK's upsert). Returns the pipeline ARN. */
  async upsert(options: { roleArn?: string; description?: string } = {}): Promise<string> {
    const roleArn = options.roleArn ?? this.options.roleArn ?? this.session.roleArn();
    const definition = await this.definition();
    const description = options.description ?? this.options.description;
    const parallelism = this.options.maxParallelExecutionSteps;
    const common = {
      PipelineName: this.name,
      PipelineDefinition: definition,
      RoleArn: roleArn,
      ...(description ? { PipelineDescription: description } : {}),
      ...(parallelism ? { ParallelismConfiguration: { MaxParallelExecutionSteps: parallelism } } : {}),
    };
    try {
      const created = await this.session.sagemaker.send(
        new CreatePipelineCommand({ ...common, Tags: workshopTags(this.options.lab) }),
      );
      return created.PipelineArn as string;
    } catch (error) {
      if (
        (error as Error).name !== "ValidationException" ||
        !/already exists/.test((error as Error).message)
      ) {
        throw error;
      }
      const updated = await this.session.sagemaker.send(new UpdatePipelineCommand(common));
      return updated.PipelineArn as string;
    }
  }

  async start(
    options: {
      parameters?: Record<string, string | number | boolean>;
      displayName?: string;
      description?: string;
      maxParallelExecutionSteps?: number;
    } = {},
  ): Promise<PipelineExecution> {
    const started = await this.session.sagemaker.send(
      new StartPipelineExecutionCommand({
        PipelineName: this.name,
        PipelineParameters: Object.entries(options.parameters ?? {}).map(([Name, value]) => ({
          Name,
          Value: String(value),
        })),
        ...(options.displayName ? { PipelineExecutionDisplayName: options.displayName } : {}),
        ...(options.description ? { PipelineExecutionDescription: options.description } : {}),
        ...(options.maxParallelExecutionSteps
          ? { ParallelismConfiguration: { MaxParallelExecutionSteps: options.maxParallelExecutionSteps } }
          : {}),
      }),
    );
    return new PipelineExecution(this.session, started.PipelineExecutionArn as string);
  }

  /** DeletePipeline; one already gone is not an error. */
  async delete(): Promise<boolean> {
    try {
      await this.session.sagemaker.send(new DeletePipelineCommand({ PipelineName: this.name }));
      return true;
    } catch (error) {
      if ((error as Error).name === "ResourceNotFound") return false;
      throw error;
    }
  }
}

export interface StepChange {
  step: string;
  status: string;
  elapsedSeconds: number;
  /** Set on a cache hit: the execution whose run was reused. */
  cachedFrom?: string;
  failureReason?: string;
}

export class PipelineExecutionError extends Error {
  constructor(
    message: string,
    readonly description: DescribePipelineExecutionCommandOutput,
    readonly steps: PipelineExecutionStep[],
  ) {
    super(message);
    this.name = "PipelineExecutionError";
  }
}

const ENDED = new Set(["Succeeded", "Failed", "Stopped"]);

export class PipelineExecution {
  constructor(
    readonly session: WorkshopSession,
    readonly arn: string,
  ) {}

  /** The execution id (the last part of the ARN). */
  get id(): string {
    return this.arn.split("/").at(-1) ?? this.arn;
  }

  describe(): Promise<DescribePipelineExecutionCommandOutput> {
    return this.session.sagemaker.send(
      new DescribePipelineExecutionCommand({ PipelineExecutionArn: this.arn }),
    );
  }

  /** ListPipelineExecutionSteps, every page, oldest first (the API's default order is newest first). */
  async listSteps(): Promise<PipelineExecutionStep[]> {
    const steps: PipelineExecutionStep[] = [];
    let token: string | undefined;
    do {
      const page = await this.session.sagemaker.send(
        new ListPipelineExecutionStepsCommand({
          PipelineExecutionArn: this.arn,
          SortOrder: "Ascending",
          ...(token ? { NextToken: token } : {}),
        }),
      );
      steps.push(...(page.PipelineExecutionSteps ?? []));
      token = page.NextToken;
    } while (token);
    return steps;
  }

  async stop(): Promise<void> {
    await this.session.sagemaker.send(new StopPipelineExecutionCommand({ PipelineExecutionArn: this.arn }));
  }

  /**
   * Waits until the execution ends, printing each step's moves (or handing them to `onStep`); a Failed or Stopped
   * execution is a PipelineExecutionError carrying its description and steps, as the Python SDK's wait() raises.
   */
  async wait(
    options: { pollSeconds?: number; timeoutSeconds?: number; onStep?: (change: StepChange) => void } = {},
  ): Promise<DescribePipelineExecutionCommandOutput> {
    const local = this.session.mode === "local";
    const pollMs = (options.pollSeconds ?? (local ? 0.25 : 30)) * 1000;
    const deadline = Date.now() + (options.timeoutSeconds ?? (local ? 3600 : 4 * 3600)) * 1000;
    const started = Date.now();
    const onStep =
      options.onStep ??
      ((change: StepChange) =>
        console.log(
          `[${change.elapsedSeconds.toFixed(1).padStart(6)} s] ${change.step}: ${change.status}` +
            (change.cachedFrom ? ` (cache: execution ${change.cachedFrom})` : "") +
            (change.failureReason ? ` (${change.failureReason})` : ""),
        ));
    const seen = new Map<string, string>();
    for (;;) {
      const description = await this.describe();
      const steps = await this.listSteps();
      for (const step of steps) {
        const name = step.StepName ?? "";
        const status = step.StepStatus ?? "";
        if (seen.get(name) === status) continue;
        seen.set(name, status);
        const source = step.CacheHitResult?.SourcePipelineExecutionArn;
        onStep({
          step: name,
          status,
          elapsedSeconds: (Date.now() - started) / 1000,
          ...(source ? { cachedFrom: source.split("/").at(-1) } : {}),
          ...(step.FailureReason ? { failureReason: step.FailureReason } : {}),
        });
      }
      const status = description.PipelineExecutionStatus ?? "";
      if (ENDED.has(status)) {
        if (status !== "Succeeded") {
          throw new PipelineExecutionError(
            `Pipeline execution ${this.id} ended ${status}${description.FailureReason ? `: ${description.FailureReason}` : ""}`,
            description,
            steps,
          );
        }
        return description;
      }
      if (Date.now() > deadline) {
        throw new Error(
          `Pipeline execution ${this.id} is still ${status} after ${Math.round((Date.now() - started) / 1000)} s; it keeps running (stop it with execution.stop()).`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }
}
