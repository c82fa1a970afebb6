import type { ExperimentsView, ExperimentView, JobListView, ProcessingJobView, RunRow } from "../../views";
import { BarChart } from "../chart";
import {
  A,
  type Column,
  KeyValues,
  ListSection,
  LogView,
  Mono,
  Pairs,
  S3Uri,
  Section,
  Status,
  StatusSummary,
  seconds,
  Table,
  Time,
  Timeline,
} from "../components";
import { useI18n } from "../i18n";
import { detailPage, listPage, type PageProps } from "../page";

function ProcessingJobs({ view }: PageProps<JobListView>) {
  const { t } = useI18n();
  return (
    <ListSection
      title={t("processingJobs")}
      testId="jobs"
      rows={view.jobs}
      columns={[
        {
          label: t("name"),
          cell: (job) => (
            <A to="processing-job" params={{ name: job.name }}>
              {job.name}
            </A>
          ),
        },
        { label: t("status"), cell: (job) => <Status value={job.status} /> },
        { label: t("created"), cell: (job) => <Time at={job.created} /> },
        { label: t("duration"), cell: (job) => (job.ended ? seconds(job.ended - job.created) : "–") },
      ]}
    />
  );
}

function ProcessingJob({ view }: PageProps<ProcessingJobView>) {
  const { t } = useI18n();
  type Path = ProcessingJobView["inputs"][number];
  const paths: Column<Path>[] = [
    { label: t("name"), cell: (row) => <Mono>{row.name}</Mono> },
    { label: "S3", cell: (row) => <S3Uri uri={row.uri} /> },
    { label: t("localPath"), cell: (row) => <Mono>{row.localPath ?? "–"}</Mono> },
  ];
  return (
    <>
      <StatusSummary
        status={view.status}
        failureReason={view.failureReason}
        action={
          view.canStop
            ? { label: t("stopJob"), name: "stop-processing-job", input: { name: view.name }, testId: "stop" }
            : null
        }
        items={[
          [t("exitMessage"), view.exitMessage],
          [t("created"), <Time key="c" at={view.created} />],
          [t("duration"), view.ended && view.started ? seconds(view.ended - view.started) : undefined],
          [t("image"), <Mono key="i">{view.image}</Mono>],
          [t("entrypoint"), <Mono key="e">{view.entrypoint.join(" ")}</Mono>],
          [t("arguments"), view.arguments.length ? <Mono>{view.arguments.join(" ")}</Mono> : undefined],
          [t("instanceType"), `${view.instanceType ?? "–"} × ${view.instanceCount ?? 1}`],
          [
            t("experiment"),
            view.experiment?.experimentName ? (
              <A to="experiment" params={{ name: view.experiment.experimentName }}>
                {view.experiment.experimentName}
              </A>
            ) : undefined,
          ],
          [t("arn"), <Mono key="a">{view.arn}</Mono>],
        ]}
      />
      <Section title={t("timeline")}>
        <Timeline steps={view.timeline} />
      </Section>
      <div class="two">
        <Section title={t("input")}>
          <Table testId="inputs" rows={view.inputs} columns={paths} empty={t("none")} />
        </Section>
        <Section title={t("output")}>
          <Table testId="outputs" rows={view.outputs} columns={paths} empty={t("none")} />
        </Section>
      </div>
      <Section title={t("environment")}>
        <Pairs values={view.environment} />
      </Section>
      <Section title={t("log")}>
        <LogView lines={view.log} group={view.logGroup} />
      </Section>
    </>
  );
}

function Experiments({ view }: PageProps<ExperimentsView>) {
  const { t } = useI18n();
  return (
    <ListSection
      title={t("experiments")}
      testId="experiments"
      rows={view.experiments}
      columns={[
        {
          label: t("name"),
          cell: (row) => (
            <A to="experiment" params={{ name: row.name }}>
              {row.name}
            </A>
          ),
        },
        { label: t("trials"), cell: (row) => row.trials },
        { label: t("created"), cell: (row) => <Time at={row.created} /> },
      ]}
    />
  );
}

function format(value: number | undefined): string {
  if (value === undefined) return "–";
  return Math.abs(value) >= 1000 || Number.isInteger(value) ? String(value) : value.toPrecision(4);
}

function Experiment({ view }: PageProps<ExperimentView>) {
  const { t } = useI18n();
  const labels = view.runs.map((run) => run.displayName);
  const source = (run: RunRow) =>
    run.source ? (
      <A to={run.source.kind} params={{ name: run.source.name }}>
        {run.source.name}
      </A>
    ) : (
      "–"
    );
  return (
    <>
      <Section title={t("summary")}>
        <KeyValues
          items={[
            [t("name"), view.displayName],
            [t("description"), view.description],
            [t("created"), <Time key="c" at={view.created} />],
            [t("arn"), <Mono key="a">{view.arn}</Mono>],
          ]}
        />
      </Section>
      <Section title={`${t("runs")} (${view.runs.length})`}>
        <Table
          testId="runs"
          rows={view.runs}
          columns={[
            { label: t("run"), cell: (run) => <Mono>{run.displayName}</Mono> },
            { label: t("status"), cell: (run) => <Status value={run.status} /> },
            { label: t("source"), cell: source },
            ...view.parameterNames.map((key) => ({
              label: key,
              class: "param",
              cell: (run: RunRow) => <Mono>{run.parameters[key] ?? "–"}</Mono>,
            })),
            ...view.metricNames.map((key) => ({
              label: key,
              class: "metric",
              cell: (run: RunRow) => format(run.metrics[key]?.last),
            })),
          ]}
        />
        {view.metricNames.length > 0 ? (
          <div class="charts">
            {view.metricNames.map((metric) => (
              <BarChart
                key={metric}
                id={`compare-${metric}`}
                title={metric}
                labels={labels}
                values={view.runs.map((run) => run.metrics[metric]?.last)}
              />
            ))}
          </div>
        ) : null}
      </Section>
      <Section title={t("trials")}>
        <Table
          testId="trials"
          rows={view.trials}
          columns={[
            { label: t("name"), cell: (row) => <Mono>{row.name}</Mono> },
            { label: t("runs"), cell: (row) => row.components },
            { label: t("created"), cell: (row) => <Time at={row.created} /> },
          ]}
        />
      </Section>
    </>
  );
}

export const processingPages = [
  listPage<JobListView>("processing", "sagemaker", ProcessingJobs),
  detailPage<ProcessingJobView>("processing-job", "processing", ProcessingJob),
];

export const experimentPages = [
  listPage<ExperimentsView>("experiments", "sagemaker", Experiments),
  detailPage<ExperimentView>("experiment", "experiments", Experiment),
];
