import type { JobListView, TrainingJobView, TransformJobView } from "../../views";
import { Charts } from "../chart";
import {
  A,
  bytes,
  KeyValues,
  LogView,
  Mono,
  Pairs,
  S3Link,
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

function JobList({ view, detail }: PageProps<JobListView> & { detail: string }) {
  const { t } = useI18n();
  return (
    <Section
      title={`${t(detail === "training-job" ? "trainingJobs" : "transformJobs")} (${view.jobs.length})`}
    >
      <Table
        testId="jobs"
        rows={view.jobs}
        columns={[
          {
            label: t("name"),
            cell: (job) => (
              <A to={detail} params={{ name: job.name }}>
                {job.name}
              </A>
            ),
          },
          {
            label: t("status"),
            cell: (job) => <Status value={job.detail ? `${job.status} · ${job.detail}` : job.status} />,
          },
          { label: t("created"), cell: (job) => <Time at={job.created} /> },
          { label: t("duration"), cell: (job) => (job.ended ? seconds(job.ended - job.created) : "–") },
        ]}
      />
    </Section>
  );
}

function TrainingJob({ view }: PageProps<TrainingJobView>) {
  const { t } = useI18n();
  return (
    <>
      <StatusSummary
        status={`${view.status} · ${view.secondaryStatus}`}
        failureReason={view.failureReason}
        action={
          view.canStop
            ? { label: t("stopJob"), name: "stop-training-job", input: { name: view.name }, testId: "stop" }
            : null
        }
        items={[
          [t("created"), <Time key="c" at={view.created} />],
          [t("duration"), view.seconds === undefined ? undefined : `${view.seconds} ${t("seconds")}`],
          [t("image"), <Mono key="i">{view.image}</Mono>],
          [t("instanceType"), `${view.instanceType ?? "–"} × ${view.instanceCount ?? 1}`],
          ["MaxRuntimeInSeconds", view.maxRuntimeSeconds],
          [t("artifact"), <Artifact key="a" view={view} />],
          [t("arn"), <Mono key="arn">{view.arn}</Mono>],
        ]}
      />
      <Section title={t("timeline")}>
        <Timeline steps={view.timeline} />
      </Section>
      <Section title={t("metrics")}>
        {view.charts.length > 0 ? <Charts charts={view.charts} /> : <p class="muted">{t("none")}</p>}
        <div class="two">
          <div>
            <h3>{t("finalMetrics")}</h3>
            <Table
              testId="final-metrics"
              rows={view.finalMetrics}
              empty={t("none")}
              columns={[
                { label: t("metric"), cell: (metric) => <Mono>{metric.name}</Mono> },
                { label: t("value"), cell: (metric) => metric.value.toPrecision(4) },
              ]}
            />
          </div>
          <div>
            <h3>{t("metricDefinitions")}</h3>
            <Table
              rows={view.metricDefinitions}
              empty={t("none")}
              columns={[
                { label: t("name"), cell: (metric) => <Mono>{metric.name}</Mono> },
                { label: t("regex"), cell: (metric) => <Mono>{metric.regex}</Mono> },
              ]}
            />
          </div>
        </div>
      </Section>
      <div class="two">
        <Section title={t("hyperparameters")}>
          <Pairs values={view.hyperparameters} />
        </Section>
        <Section title={t("channels")}>
          <Table
            testId="channels"
            rows={view.channels}
            columns={[
              { label: t("channel"), cell: (channel) => <Mono>{channel.name}</Mono> },
              { label: "S3", cell: (channel) => <S3Uri uri={channel.uri} /> },
              { label: t("contentType"), cell: (channel) => channel.contentType ?? "–" },
            ]}
          />
          <p class="small">
            {t("output")}: <S3Uri uri={view.outputPath} />
          </p>
        </Section>
      </div>
      <Section title={t("log")}>
        <LogView lines={view.log} group={view.logGroup} />
      </Section>
    </>
  );
}

function Artifact({ view }: { view: TrainingJobView }) {
  const { artifact } = view;
  return (
    <span>
      <S3Link uri={artifact.uri} bucket={artifact.bucket} s3Key={artifact.key} />
      {artifact.size !== undefined ? <span class="muted"> ({bytes(artifact.size)})</span> : null}
    </span>
  );
}

function TransformJob({ view }: PageProps<TransformJobView>) {
  const { t } = useI18n();
  return (
    <>
      <StatusSummary
        status={view.status}
        failureReason={view.failureReason}
        action={
          view.canStop
            ? { label: t("stopJob"), name: "stop-transform-job", input: { name: view.name }, testId: "stop" }
            : null
        }
        items={[
          [
            t("model"),
            <A key="m" to="model" params={{ name: view.modelName }}>
              {view.modelName}
            </A>,
          ],
          [t("created"), <Time key="c" at={view.created} />],
          [t("duration"), view.ended && view.started ? seconds(view.ended - view.started) : undefined],
          [t("instanceType"), `${view.instanceType ?? "–"} × ${view.instanceCount ?? 1}`],
          [t("batchStrategy"), view.batchStrategy],
          ["MaxPayloadInMB", view.maxPayloadInMB],
          ["MaxConcurrentTransforms", view.maxConcurrentTransforms],
          [t("arn"), <Mono key="arn">{view.arn}</Mono>],
        ]}
      />
      <Section title={t("timeline")}>
        <Timeline steps={view.timeline} />
      </Section>
      <div class="two">
        <Section title={t("input")}>
          <KeyValues
            items={[
              ["S3", <S3Uri key="u" uri={view.input.uri} />],
              ["S3DataType", view.input.dataType],
              [t("contentType"), view.input.contentType],
              [t("splitType"), view.input.splitType],
              ["CompressionType", view.input.compression],
            ]}
          />
        </Section>
        <Section title={t("output")}>
          <KeyValues
            items={[
              ["S3", <S3Uri key="u" uri={view.output.uri} />],
              ["Accept", view.output.accept],
              ["AssembleWith", view.output.assembleWith],
            ]}
          />
          <h3>{t("outputs")}</h3>
          <Table
            rows={view.outputs}
            empty={t("none")}
            columns={[
              {
                label: "S3",
                cell: (object) => <S3Link uri={object.uri} bucket={object.bucket} s3Key={object.key} />,
              },
              { label: t("size"), cell: (object) => bytes(object.size) },
            ]}
          />
        </Section>
      </div>
      <Section title={t("environment")}>
        <Pairs values={view.environment} />
      </Section>
      <Section title={t("log")}>
        <LogView lines={view.log} group={view.logGroup} showStream />
      </Section>
    </>
  );
}

export const trainingPages = [
  listPage<JobListView>("training", "sagemaker", (props) => <JobList {...props} detail="training-job" />),
  detailPage<TrainingJobView>("training-job", "training", TrainingJob),
];

export const transformPages = [
  listPage<JobListView>("transform", "sagemaker", (props) => <JobList {...props} detail="transform-job" />),
  detailPage<TransformJobView>("transform-job", "transform", TransformJob),
];
