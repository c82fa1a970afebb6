import type { PipelineExecutionStep } from "@aws-sdk/client-sagemaker";
import { type PipelineGraph, parseDefinition } from "../../services/sagemaker/pipelines/definition";
import type {
  Dag,
  DagNode,
  ExecutionRow,
  PageLink,
  PipelineExecutionView,
  PipelinesView,
  PipelineView,
  StepRow,
  TimelineStep,
} from "../views";
import { listAll, ms, orElse } from "./common";
import type { ConsoleSources } from "./sources";

/** SageMaker Pipelines through SageMakerService.pipelines: pipelines, their executions, and each step's run. */

/** How many executions a pipeline page lists (newest first), and how many the list page looks at per pipeline. */
const EXECUTIONS_SHOWN = 50;

const ENDED = new Set(["Succeeded", "Failed", "Stopped"]);

/** An execution's id: the last part of its ARN (…/pipeline/<name>/execution/<id>). */
export const executionId = (arn: string | undefined): string => (arn ?? "").split("/").at(-1) ?? "";

function executions(sources: ConsoleSources, pipeline: string, max = EXECUTIONS_SHOWN): ExecutionRow[] {
  const api = sources.sagemaker.pipelines;
  return listAll(
    (input) => api.listPipelineExecutions({ ...input, PipelineName: pipeline }),
    (page) => page.PipelineExecutionSummaries,
    max,
  ).map((summary) => {
    const status = summary.PipelineExecutionStatus as string;
    // The summary has no end time; an ended execution's last change is its end.
    const described = orElse(
      () => api.describePipelineExecution({ PipelineExecutionArn: summary.PipelineExecutionArn as string }),
      undefined,
    );
    return {
      id: executionId(summary.PipelineExecutionArn),
      displayName: summary.PipelineExecutionDisplayName ?? executionId(summary.PipelineExecutionArn),
      status,
      started: ms(summary.StartTime) ?? 0,
      ...(ENDED.has(status) && described ? { ended: ms(described.LastModifiedTime) } : {}),
      ...(summary.PipelineExecutionFailureReason
        ? { failureReason: summary.PipelineExecutionFailureReason }
        : {}),
    };
  });
}

export function pipelineNames(sources: ConsoleSources): string[] {
  return listAll(
    (input) => sources.sagemaker.pipelines.listPipelines(input),
    (page) => page.PipelineSummaries,
  ).map((pipeline) => pipeline.PipelineName as string);
}

export function pipelines(sources: ConsoleSources): PipelinesView {
  const api = sources.sagemaker.pipelines;
  return {
    pipelines: listAll(
      (input) => api.listPipelines(input),
      (page) => page.PipelineSummaries,
    ).map((pipeline) => {
      const name = pipeline.PipelineName as string;
      const runs = orElse(() => executions(sources, name), []);
      return {
        name,
        displayName: pipeline.PipelineDisplayName ?? name,
        created: ms(pipeline.CreationTime) ?? 0,
        lastRun: ms(pipeline.LastExecutionTime),
        ...(runs[0] ? { lastStatus: runs[0].status } : {}),
        executions: runs.length,
      };
    }),
  };
}

/**
 * The definition as boxes and arrows: a step's level is the longest chain of steps it waits for (so every arrow
 * points right), its row its place among the steps of that level. Edges are what the service itself waits on
 * (DependsOn, the steps an expression reads, a condition guarding a branch step), labelled with the branch.
 */
function dagOf(graph: PipelineGraph): Dag {
  const levels = new Map<string, number>();
  const levelOf = (name: string): number => {
    const known = levels.get(name);
    if (known !== undefined) return known;
    // The service refuses cyclic definitions, so this recursion ends; the guard keeps a bad record from looping.
    levels.set(name, 0);
    const step = graph.byName.get(name);
    const level = step ? Math.max(-1, ...step.upstream.map(levelOf)) + 1 : 0;
    levels.set(name, level);
    return level;
  };
  const rows = new Map<number, number>();
  const nodes: DagNode[] = graph.steps.map((step) => {
    const level = levelOf(step.name);
    const row = rows.get(level) ?? 0;
    rows.set(level, row + 1);
    return { name: step.name, type: step.type, level, row };
  });
  const edges = graph.steps.flatMap((step) =>
    step.upstream.map((from) => ({
      from,
      to: step.name,
      ...(step.branch && step.branch.condition === from ? { label: step.branch.outcome } : {}),
    })),
  );
  return { nodes, edges };
}

export function pipeline(sources: ConsoleSources, name: string): PipelineView {
  const described = sources.sagemaker.pipelines.describePipeline({ PipelineName: name });
  const graph = orElse(() => parseDefinition(described.PipelineDefinition as string), undefined);
  return {
    name,
    displayName: described.PipelineDisplayName ?? name,
    arn: described.PipelineArn as string,
    description: described.PipelineDescription,
    role: described.RoleArn,
    created: ms(described.CreationTime) ?? 0,
    modified: ms(described.LastModifiedTime),
    parameters: (graph?.parameters ?? []).map((parameter) => ({
      name: parameter.Name,
      type: parameter.Type,
      ...(parameter.DefaultValue === undefined ? {} : { default: String(parameter.DefaultValue) }),
    })),
    dag: graph ? dagOf(graph) : { nodes: [], edges: [] },
    executions: executions(sources, name),
  };
}

function allSteps(sources: ConsoleSources, arn: string): PipelineExecutionStep[] {
  const steps: PipelineExecutionStep[] = [];
  let token: string | undefined;
  do {
    const page = sources.sagemaker.pipelines.listPipelineExecutionSteps({
      PipelineExecutionArn: arn,
      SortOrder: "Ascending",
      MaxResults: 100,
      ...(token ? { NextToken: token } : {}),
    });
    steps.push(...(page.PipelineExecutionSteps ?? []));
    token = page.NextToken;
  } while (token && steps.length < 1000);
  return steps;
}

const lastPart = (arn: string | undefined): string => (arn ?? "").split("/").at(-1) ?? "";

/** What a step made or ran, from its Metadata, as a link to the console's page for it. */
function resourceOf(step: PipelineExecutionStep): StepRow["resource"] {
  const metadata = step.Metadata ?? {};
  const link = (label: string, page: PageLink): StepRow["resource"] => ({ label, link: page });
  if (metadata.TrainingJob?.Arn) {
    const job = lastPart(metadata.TrainingJob.Arn);
    return link(job, { page: "training-job", params: { name: job } });
  }
  if (metadata.ProcessingJob?.Arn) {
    const job = lastPart(metadata.ProcessingJob.Arn);
    return link(job, { page: "processing-job", params: { name: job } });
  }
  if (metadata.TransformJob?.Arn) {
    const job = lastPart(metadata.TransformJob.Arn);
    return link(job, { page: "transform-job", params: { name: job } });
  }
  if (metadata.Model?.Arn) {
    const model = lastPart(metadata.Model.Arn);
    return link(model, { page: "model", params: { name: model } });
  }
  if (metadata.RegisterModel?.Arn) {
    // …:model-package/<group>/<version>
    const [group = "", version = ""] =
      metadata.RegisterModel.Arn.split(":model-package/")[1]?.split("/") ?? [];
    return link(`${group} v${version}`, { page: "model-package-group", params: { name: group } });
  }
  if (metadata.Lambda?.Arn) {
    const fn = metadata.Lambda.Arn.split(":function:")[1]?.split(":")[0] ?? lastPart(metadata.Lambda.Arn);
    return link(fn, { page: "lambda-function", params: { name: fn } });
  }
  return undefined;
}

export function pipelineExecution(
  sources: ConsoleSources,
  pipelineName: string,
  id: string,
): PipelineExecutionView {
  const api = sources.sagemaker.pipelines;
  const arn = `${api.describePipeline({ PipelineName: pipelineName }).PipelineArn}/execution/${id}`;
  const execution = api.describePipelineExecution({ PipelineExecutionArn: arn });
  const definition = api.describePipelineDefinitionForExecution({ PipelineExecutionArn: arn });
  const graph = orElse(() => parseDefinition(definition.PipelineDefinition as string), undefined);
  const ran = allSteps(sources, arn);
  const byName = new Map(ran.map((step) => [step.StepName as string, step]));
  const status = execution.PipelineExecutionStatus as string;
  const types = new Map(graph?.steps.map((step) => [step.name, step.type as string]) ?? []);

  // A step that never started is Skipped when its condition chose the other branch or the execution has ended,
  // else Pending (it waits for the steps before it).
  const notStarted = (name: string): string => {
    const branch = graph?.byName.get(name)?.branch;
    const condition = branch ? byName.get(branch.condition) : undefined;
    const outcome = condition?.Metadata?.Condition?.Outcome;
    if (outcome && outcome !== branch?.outcome) return "Skipped";
    return ENDED.has(status) ? "NotStarted" : "Pending";
  };
  const dag = graph ? dagOf(graph) : { nodes: [], edges: [] };
  for (const node of dag.nodes) {
    const step = byName.get(node.name);
    node.status = step?.StepStatus ?? notStarted(node.name);
    const start = ms(step?.StartTime);
    const end = ms(step?.EndTime);
    if (start !== undefined && end !== undefined) node.seconds = (end - start) / 1000;
    if (step?.CacheHitResult?.SourcePipelineExecutionArn) node.cacheHit = true;
  }

  const steps: StepRow[] = ran.map((step) => {
    const name = step.StepName as string;
    const metadata = step.Metadata ?? {};
    const source = step.CacheHitResult?.SourcePipelineExecutionArn;
    const outputs = metadata.Lambda?.OutputParameters ?? metadata.Callback?.OutputParameters;
    const resource = resourceOf(step);
    const outcome = metadata.Condition?.Outcome ?? metadata.Fail?.ErrorMessage;
    return {
      name,
      type: types.get(name) ?? "",
      status: step.StepStatus as string,
      start: ms(step.StartTime),
      end: ms(step.EndTime),
      attempt: step.AttemptCount,
      ...(source
        ? {
            cachedFrom: {
              pipeline: source.split(":pipeline/")[1]?.split("/")[0] ?? "",
              id: executionId(source),
            },
          }
        : {}),
      ...(step.FailureReason ? { failureReason: step.FailureReason } : {}),
      ...(resource ? { resource } : {}),
      ...(outcome ? { outcome } : {}),
      ...(outputs?.length
        ? { outputs: Object.fromEntries(outputs.map((output) => [output.Name ?? "", output.Value ?? ""])) }
        : {}),
    };
  });

  const timeline: TimelineStep[] = steps
    .filter((step) => step.start !== undefined)
    .map((step) => ({
      status: step.status,
      start: step.start as number,
      end: step.end,
      message: `${step.name}${step.cachedFrom ? " (cache)" : ""}`,
    }));

  return {
    pipeline: pipelineName,
    id,
    arn,
    displayName: execution.PipelineExecutionDisplayName ?? id,
    description: execution.PipelineExecutionDescription,
    status,
    failureReason: execution.FailureReason,
    started: ms(execution.CreationTime) ?? 0,
    modified: ms(execution.LastModifiedTime) ?? 0,
    parameters: orElse(
      () =>
        api.listPipelineParametersForExecution({ PipelineExecutionArn: arn, MaxResults: 100 })
          .PipelineParameters ?? [],
      [],
    ).map((parameter) => ({ name: parameter.Name ?? "", value: parameter.Value ?? "" })),
    ...(execution.PipelineExperimentConfig
      ? {
          experiment: {
            experimentName: execution.PipelineExperimentConfig.ExperimentName,
            trialName: execution.PipelineExperimentConfig.TrialName,
          },
        }
      : {}),
    dag,
    steps,
    timeline,
    canStop: status === "Executing",
  };
}

/** Executions still running and those that failed, for the overview. */
export function executionsForOverview(sources: ConsoleSources): { pipeline: string; row: ExecutionRow }[] {
  return pipelineNames(sources).flatMap((name) =>
    orElse(() => executions(sources, name, 20), []).map((row) => ({ pipeline: name, row })),
  );
}

/** Which step of which execution registered each package version (RegisterModel steps' Metadata). */
export function registeringSteps(
  sources: ConsoleSources,
): Map<string, { pipeline: string; id: string; step: string }> {
  const found = new Map<string, { pipeline: string; id: string; step: string }>();
  for (const name of pipelineNames(sources)) {
    const api = sources.sagemaker.pipelines;
    const arns = orElse(
      () =>
        listAll(
          (input) => api.listPipelineExecutions({ ...input, PipelineName: name }),
          (page) => page.PipelineExecutionSummaries,
          EXECUTIONS_SHOWN,
        ).map((summary) => summary.PipelineExecutionArn as string),
      [],
    );
    for (const arn of arns) {
      for (const step of orElse(() => allSteps(sources, arn), [])) {
        const registered = step.Metadata?.RegisterModel?.Arn;
        if (registered && !step.CacheHitResult)
          found.set(registered.toLowerCase(), {
            pipeline: name,
            id: executionId(arn),
            step: step.StepName ?? "",
          });
      }
    }
  }
  return found;
}
