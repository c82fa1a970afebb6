import type {
  DescribeProcessingJobResponse,
  DescribeTrainingJobResponse,
  SearchRecord,
  SearchRequest,
  SearchResponse,
  Tag,
} from "@aws-sdk/client-sagemaker";
import { storeKey } from "../../../core/arns";
import { validation } from "../../../core/errors";
import { pageOf } from "../../../core/listing";
import { compareByProperty, matchesExpression } from "./expressions";
import { describeExperiment, describeTrial, describeTrialComponent, present } from "./records";
import type { Experiments } from "./service";

/** What Search reads beside the experiments: the jobs (through their services' typed APIs) and the tags. */
export interface SearchSources {
  trainingJobs(): DescribeTrainingJobResponse[];
  processingJobs(): DescribeProcessingJobResponse[];
  tagsOf(arn: string): Tag[];
}

type SearchResource = "TrainingJob" | "Experiment" | "ExperimentTrial" | "ExperimentTrialComponent";

/** Each searchable resource: its records, the key its results go under, and its name (the last sort key). */
interface Searchable {
  key: keyof SearchRecord;
  name: (record: Record<string, unknown>) => string;
  records(): Record<string, unknown>[];
  /** What filters see, when it is more than the record (a training job's `Metrics.<name>`). */
  view?(record: Record<string, unknown>): Record<string, unknown>;
}

const DEFAULT_PAGE = 10;

/**
 * SageMaker's Search over the resources local SageMaker keeps for experiments: TrainingJob, Experiment,
 * ExperimentTrial and ExperimentTrialComponent. Filters, nested filters and sub-expressions (expressions.ts),
 * SortBy any property (default LastModifiedTime, Descending, as AWS), MaxResults and NextToken; each result is
 * the resource under its key (`{"TrainingJob": {...}}`), with its Tags.
 */
export class ResourceSearch {
  private readonly resources: Readonly<Record<SearchResource, Searchable>>;

  constructor(experiments: Experiments, sources: SearchSources) {
    const tagged = <T extends { [key: string]: unknown }>(record: T, arn: unknown): T => {
      const tags = typeof arn === "string" ? sources.tagsOf(arn) : [];
      return tags.length > 0 ? { ...record, Tags: tags } : record;
    };
    const jobsByArn = (): Map<string, Record<string, unknown>> => {
      const jobs = new Map<string, Record<string, unknown>>();
      for (const job of sources.trainingJobs()) {
        jobs.set(job.TrainingJobArn as string, { TrainingJob: tagged({ ...job }, job.TrainingJobArn) });
      }
      for (const job of sources.processingJobs()) {
        jobs.set(job.ProcessingJobArn as string, { ProcessingJob: tagged({ ...job }, job.ProcessingJobArn) });
      }
      return jobs;
    };
    this.resources = {
      TrainingJob: {
        key: "TrainingJob",
        name: (record) => record.TrainingJobName as string,
        records: () =>
          sources
            .trainingJobs()
            .map((job) => tagged({ ...job } as Record<string, unknown>, job.TrainingJobArn)),
        // `Metrics.<name>` is the final value, as in `FinalMetricDataList.<name>.Value`.
        view: (record) => ({ Metrics: record.FinalMetricDataList, ...record }),
      },
      Experiment: {
        key: "Experiment",
        name: (record) => record.ExperimentName as string,
        records: () =>
          experiments
            .allExperiments()
            .map((experiment) =>
              tagged(describeExperiment(experiment) as Record<string, unknown>, experiment.ExperimentArn),
            ),
      },
      ExperimentTrial: {
        key: "Trial",
        name: (record) => record.TrialName as string,
        records: () => {
          const components = experiments.allTrialComponents();
          return experiments.allTrials().map((trial) =>
            tagged(
              {
                ...describeTrial(trial),
                TrialComponentSummaries: components
                  .filter((c) => c.Parents.some((p) => storeKey(p.TrialName) === storeKey(trial.TrialName)))
                  .map((c) =>
                    present({
                      TrialComponentName: c.TrialComponentName,
                      TrialComponentArn: c.TrialComponentArn,
                      TrialComponentSource: c.Source,
                      CreationTime: new Date(c.CreationTime),
                    }),
                  ),
              } as Record<string, unknown>,
              trial.TrialArn,
            ),
          );
        },
      },
      ExperimentTrialComponent: {
        key: "TrialComponent",
        name: (record) => record.TrialComponentName as string,
        records: () => {
          const jobs = jobsByArn();
          return experiments.allTrialComponents().map((component) => {
            const { Sources: _sources, ...described } = describeTrialComponent(component);
            const source = component.Source ? jobs.get(component.Source.SourceArn) : undefined;
            return tagged(
              present({
                ...described,
                Parents: component.Parents,
                RunName: component.RunName,
                SourceDetail: component.Source
                  ? { SourceArn: component.Source.SourceArn, ...(source ?? {}) }
                  : undefined,
              }) as Record<string, unknown>,
              component.TrialComponentArn,
            );
          });
        },
      },
    };
  }

  search(request: SearchRequest): SearchResponse {
    const resource = this.resources[request.Resource as SearchResource];
    if (!resource || !Object.hasOwn(this.resources, request.Resource as string)) {
      throw validation(
        `Search of Resource ${request.Resource} is not available on local SageMaker; it searches ${Object.keys(this.resources).join(", ")}.`,
      );
    }
    const view = resource.view ?? ((record: Record<string, unknown>) => record);
    const matching = resource
      .records()
      .map((record) => ({ record, view: view(record) }))
      .filter((row) => matchesExpression(row.view, request.SearchExpression));
    const descending = request.SortOrder !== "Ascending";
    const byProperty = compareByProperty(request.SortBy ?? "LastModifiedTime", descending);
    matching.sort(
      (a, b) => byProperty(a.view, b.view) || resource.name(a.record).localeCompare(resource.name(b.record)),
    );
    const { page, NextToken } = pageOf(matching, request.NextToken, request.MaxResults ?? DEFAULT_PAGE);
    const results = page.map((row) => ({ [resource.key]: row.record }) as SearchRecord);
    const totalHits = { Value: matching.length, Relation: "EqualTo" as const };
    return NextToken === undefined
      ? { Results: results, TotalHits: totalHits }
      : { Results: results, NextToken, TotalHits: totalHits };
  }
}
