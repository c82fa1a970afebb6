import type { PipelineExecutionStep } from "@aws-sdk/client-sagemaker";

/**
 * A pipeline definition as a graph, for drawing it: every step (those in condition branches included) with its
 * level (the longest chain of steps it waits for), and the edges between them (DependsOn, the steps its expressions
 * read, and a condition to the steps of its branches, labelled True or False). Read from the JSON alone, so it draws
 * any definition, the toolkit's or one written by hand.
 */

export interface GraphNode {
  name: string;
  type: string;
  level: number;
  /** Position among the nodes of its level, from the top. */
  row: number;
}

export interface GraphEdge {
  from: string;
  to: string;
  /** "True" / "False" for a condition's branches. */
  label?: string;
}

type Raw = Record<string, unknown>;

/** Steps an expression tree reads: `{"Get": "Steps.X..."}` and Std:JsonGet's property file. */
function readSteps(value: unknown, into: Set<string>): void {
  if (Array.isArray(value)) {
    for (const item of value) readSteps(item, into);
    return;
  }
  if (value === null || typeof value !== "object") return;
  const get = (value as Raw).Get;
  if (typeof get === "string" && get.startsWith("Steps.")) into.add(get.split(".")[1] as string);
  for (const item of Object.values(value)) readSteps(item, into);
}

export function definitionGraph(definition: string | Raw): { nodes: GraphNode[]; edges: GraphEdge[] } {
  const document = (typeof definition === "string" ? JSON.parse(definition) : definition) as {
    Steps?: Raw[];
  };
  const steps: { name: string; type: string; upstream: Map<string, string | undefined> }[] = [];
  const visit = (step: Raw, parent?: { name: string; label: string }) => {
    const upstream = new Map<string, string | undefined>();
    if (parent) upstream.set(parent.name, parent.label);
    for (const name of (step.DependsOn as string[] | undefined) ?? []) upstream.set(name, undefined);
    const args = { ...((step.Arguments as Raw | undefined) ?? {}) };
    const ifSteps = step.Type === "Condition" ? ((args.IfSteps as Raw[] | undefined) ?? []) : [];
    const elseSteps = step.Type === "Condition" ? ((args.ElseSteps as Raw[] | undefined) ?? []) : [];
    if (step.Type === "Condition") {
      delete args.IfSteps;
      delete args.ElseSteps;
    }
    const read = new Set<string>();
    readSteps(args, read);
    for (const name of read) if (!upstream.has(name)) upstream.set(name, undefined);
    steps.push({ name: step.Name as string, type: step.Type as string, upstream });
    for (const nested of ifSteps) visit(nested, { name: step.Name as string, label: "True" });
    for (const nested of elseSteps) visit(nested, { name: step.Name as string, label: "False" });
  };
  for (const step of document.Steps ?? []) visit(step);

  const byName = new Map(steps.map((step) => [step.name, step]));
  const levels = new Map<string, number>();
  const levelOf = (name: string, seen: Set<string>): number => {
    const known = levels.get(name);
    if (known !== undefined) return known;
    if (seen.has(name)) return 0; // a cycle: the server refuses those; draw what there is
    seen.add(name);
    const step = byName.get(name);
    const level = step ? Math.max(-1, ...[...step.upstream.keys()].map((up) => levelOf(up, seen))) + 1 : 0;
    levels.set(name, level);
    return level;
  };
  const rows = new Map<number, number>();
  const nodes = steps.map((step) => {
    const level = levelOf(step.name, new Set());
    const row = rows.get(level) ?? 0;
    rows.set(level, row + 1);
    return { name: step.name, type: step.type, level, row };
  });
  const edges = steps.flatMap((step) =>
    [...step.upstream].map(([from, label]) => ({ from, to: step.name, ...(label ? { label } : {}) })),
  );
  return { nodes, edges };
}

/** How a step of an execution went, for a picture or a table. */
export interface StepRunSummary {
  step: string;
  status: string;
  seconds?: number;
  /** The execution whose run was reused, on a cache hit. */
  cachedFrom?: string;
  failureReason?: string;
}

export function summarizeSteps(steps: readonly PipelineExecutionStep[]): Map<string, StepRunSummary> {
  return new Map(
    steps.map((step) => {
      const source = step.CacheHitResult?.SourcePipelineExecutionArn;
      const summary: StepRunSummary = {
        step: step.StepName ?? "",
        status: step.StepStatus ?? "",
        ...(step.StartTime && step.EndTime
          ? { seconds: (step.EndTime.getTime() - step.StartTime.getTime()) / 1000 }
          : {}),
        ...(source ? { cachedFrom: source.split("/").at(-1) } : {}),
        ...(step.FailureReason ? { failureReason: step.FailureReason } : {}),
      };
      return [summary.step, summary];
    }),
  );
}
