import type { TrialComponentSummary } from "@aws-sdk/client-sagemaker";
import type { ExperimentsView, ExperimentView, RunRow } from "../views";
import { listAll, ms, orElse } from "./common";
import type { ConsoleSources } from "./sources";

/** SageMaker Experiments through SageMakerService.experiments: experiments, their trials, and runs compared. */

export function experiments(sources: ConsoleSources): ExperimentsView {
  const api = sources.sagemaker.experiments;
  return {
    experiments: listAll(
      (input) => api.listExperiments(input),
      (page) => page.ExperimentSummaries,
    ).map((experiment) => {
      const name = experiment.ExperimentName as string;
      return {
        name,
        displayName: experiment.DisplayName ?? name,
        created: ms(experiment.CreationTime) ?? 0,
        trials: orElse(
          () =>
            listAll(
              (input) => api.listTrials({ ...input, ExperimentName: name }),
              (page) => page.TrialSummaries,
            ).length,
          0,
        ),
      };
    }),
  };
}

const JOB_ARN = /:(training-job|processing-job)\/(.+)$/;

export function experiment(sources: ConsoleSources, name: string): ExperimentView {
  const api = sources.sagemaker.experiments;
  const described = api.describeExperiment({ ExperimentName: name });
  const trials = listAll(
    (input) => api.listTrials({ ...input, ExperimentName: name }),
    (page) => page.TrialSummaries,
  );
  const trialsOf = new Map<string, string[]>();
  const summaries = new Map<string, TrialComponentSummary>();
  const trialRows = trials.map((trial) => {
    const trialName = trial.TrialName as string;
    const components = listAll(
      (input) => api.listTrialComponents({ ...input, TrialName: trialName }),
      (page) => page.TrialComponentSummaries,
    );
    for (const component of components) {
      const componentName = component.TrialComponentName as string;
      summaries.set(componentName, component);
      trialsOf.set(componentName, [...(trialsOf.get(componentName) ?? []), trialName]);
    }
    return { name: trialName, created: ms(trial.CreationTime) ?? 0, components: components.length };
  });
  const runs: RunRow[] = [...summaries.keys()].flatMap((componentName) => {
    const component = orElse(
      () => api.describeTrialComponent({ TrialComponentName: componentName }),
      undefined,
    );
    if (!component) return [];
    const source = JOB_ARN.exec(component.Source?.SourceArn ?? "");
    const parameters: Record<string, string> = {};
    for (const [key, value] of Object.entries(component.Parameters ?? {})) {
      // The jobs' own bookkeeping (SageMaker's sagemaker_* hyperparameters) is not what runs are compared by.
      if (key.startsWith("sagemaker_") || key.startsWith("SageMaker.")) continue;
      parameters[key] =
        value.StringValue ?? (value.NumberValue === undefined ? "" : String(value.NumberValue));
    }
    const metrics: RunRow["metrics"] = {};
    for (const metric of component.Metrics ?? []) {
      metrics[metric.MetricName as string] = {
        last: metric.Last,
        min: metric.Min,
        max: metric.Max,
        avg: metric.Avg,
        count: metric.Count,
      };
    }
    return [
      {
        name: componentName,
        displayName: component.DisplayName ?? componentName,
        trials: trialsOf.get(componentName) ?? [],
        status: component.Status?.PrimaryStatus ?? "",
        ...(source
          ? { source: { kind: source[1] as "training-job" | "processing-job", name: source[2] as string } }
          : {}),
        start: ms(component.StartTime),
        end: ms(component.EndTime),
        parameters,
        metrics,
      },
    ];
  });
  runs.sort((a, b) => (a.start ?? 0) - (b.start ?? 0));
  const parameterNames = [...new Set(runs.flatMap((run) => Object.keys(run.parameters)))].sort();
  const differs = (key: string): boolean => new Set(runs.map((run) => run.parameters[key])).size > 1;
  return {
    name,
    displayName: described.DisplayName ?? name,
    arn: described.ExperimentArn as string,
    description: described.Description,
    created: ms(described.CreationTime) ?? 0,
    trials: trialRows,
    runs,
    parameterNames: [...parameterNames.filter(differs), ...parameterNames.filter((key) => !differs(key))],
    metricNames: [...new Set(runs.flatMap((run) => Object.keys(run.metrics)))].sort(),
  };
}
