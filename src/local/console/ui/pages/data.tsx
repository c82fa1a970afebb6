import { useState } from "preact/hooks";
import type { AlarmsView, LogsView, S3ObjectView, S3View } from "../../views";
import { download } from "../api";
import {
  A,
  bytes,
  href,
  KeyValues,
  ListSection,
  LogView,
  Mono,
  Pairs,
  Section,
  Status,
  Table,
  Time,
} from "../components";
import { useI18n } from "../i18n";
import { definePage, listPage, type PageProps } from "../page";

function Breadcrumbs({ bucket, prefix }: { bucket?: string; prefix?: string }) {
  if (!bucket) return null;
  const parts = (prefix ?? "").split("/").filter(Boolean);
  return (
    <nav class="crumbs" data-testid="crumbs">
      <A to="s3">S3</A>
      <span>/</span>
      <A to="s3" params={{ bucket }}>
        {bucket}
      </A>
      {parts.map((part, index) => (
        <span key={parts.slice(0, index + 1).join("/")}>
          <span>/</span>
          <A to="s3" params={{ bucket, prefix: `${parts.slice(0, index + 1).join("/")}/` }}>
            {part}
          </A>
        </span>
      ))}
    </nav>
  );
}

function S3({ view }: PageProps<S3View>) {
  const { t } = useI18n();
  if (view.buckets) {
    return (
      <ListSection
        title={t("buckets")}
        testId="buckets"
        rows={view.buckets}
        columns={[
          {
            label: t("name"),
            cell: (row) => (
              <A to="s3" params={{ bucket: row.name }}>
                {row.name}
              </A>
            ),
          },
          { label: t("created"), cell: (row) => <Time at={row.created} /> },
        ]}
      />
    );
  }
  const bucket = view.bucket as string;
  const prefix = view.prefix ?? "";
  return (
    <>
      <Breadcrumbs bucket={bucket} prefix={prefix} />
      <Section title={t("folders")}>
        <Table
          testId="prefixes"
          rows={view.prefixes ?? []}
          empty={t("none")}
          columns={[
            {
              label: t("prefix"),
              cell: (row) => (
                <A to="s3" params={{ bucket, prefix: row }}>
                  {row.slice(prefix.length)}
                </A>
              ),
            },
          ]}
        />
      </Section>
      <Section title={t("objects")}>
        <Table
          testId="objects"
          rows={view.objects ?? []}
          empty={t("none")}
          columns={[
            {
              label: t("name"),
              cell: (row) => (
                <A to="s3-object" params={{ bucket, key: row.key }}>
                  {row.key.slice(prefix.length)}
                </A>
              ),
            },
            { label: t("size"), cell: (row) => bytes(row.size) },
            { label: t("contentType"), cell: (row) => <Mono>{row.contentType}</Mono> },
            { label: t("modified"), cell: (row) => <Time at={row.modified} /> },
          ]}
        />
      </Section>
    </>
  );
}

function S3Object({ view }: PageProps<S3ObjectView>) {
  const { t } = useI18n();
  const [error, setError] = useState<string>();
  const folder = view.key.includes("/") ? view.key.slice(0, view.key.lastIndexOf("/") + 1) : "";
  return (
    <>
      <Breadcrumbs bucket={view.bucket} prefix={folder} />
      <Section
        title={view.key.split("/").pop() ?? view.key}
        actions={
          <button
            type="button"
            class="button"
            data-testid="download"
            onClick={() =>
              download(view.bucket, view.key).catch((failure: Error) => setError(failure.message))
            }
          >
            {t("download")}
          </button>
        }
      >
        {error ? <p class="error-text">{error}</p> : null}
        <KeyValues
          items={[
            ["S3", <Mono key="u">{`s3://${view.bucket}/${view.key}`}</Mono>],
            [t("size"), bytes(view.size)],
            [t("contentType"), <Mono key="c">{view.contentType}</Mono>],
            [t("modified"), <Time key="m" at={view.modified} />],
            ["ETag", <Mono key="e">{view.etag}</Mono>],
          ]}
        />
        {Object.keys(view.metadata).length ? <Pairs values={view.metadata} /> : null}
      </Section>
      <Section title={t("preview")}>
        {view.preview ? (
          <>
            {view.preview.truncated ? <p class="muted small">{t("truncated")}</p> : null}
            <pre class={`preview preview-${view.preview.kind}`} data-testid="preview">
              {view.preview.text}
            </pre>
          </>
        ) : (
          <p class="muted">{t("noPreview")}</p>
        )}
      </Section>
    </>
  );
}

function SearchBox({ group, stream, filter }: { group: string; stream?: string; filter?: string }) {
  const { t } = useI18n();
  const [text, setText] = useState(filter ?? "");
  return (
    <form
      class="search"
      onSubmit={(event) => {
        event.preventDefault();
        window.location.hash = href("logs", {
          group,
          ...(stream ? { stream } : {}),
          ...(text ? { filter: text } : {}),
        });
      }}
    >
      <input
        type="search"
        value={text}
        placeholder={t("searchPlaceholder")}
        data-testid="log-search"
        onInput={(event) => setText((event.target as HTMLInputElement).value)}
      />
      <button type="submit" class="button">
        {t("search")}
      </button>
    </form>
  );
}

function Logs({ view }: PageProps<LogsView>) {
  const { t } = useI18n();
  if (view.groups) {
    return (
      <ListSection
        title={t("logGroups")}
        testId="log-groups"
        rows={view.groups}
        columns={[
          {
            label: t("group"),
            cell: (row) => (
              <A to="logs" params={{ group: row.name }}>
                {row.name}
              </A>
            ),
          },
          { label: t("size"), cell: (row) => bytes(row.storedBytes) },
          { label: t("created"), cell: (row) => <Time at={row.created} /> },
        ]}
      />
    );
  }
  const group = view.group as string;
  return (
    <>
      <nav class="crumbs">
        <A to="logs">{t("logGroups")}</A>
        <span>/</span>
        <A to="logs" params={{ group }}>
          {group}
        </A>
        {view.stream ? (
          <>
            <span>/</span>
            <span>{view.stream}</span>
          </>
        ) : null}
      </nav>
      <Section title={t("search")}>
        <SearchBox group={group} stream={view.stream} filter={view.filter} />
      </Section>
      {view.events ? (
        <Section title={`${t("events")} (${view.events.length})`}>
          <LogView lines={view.events} showStream={!view.stream} />
        </Section>
      ) : null}
      <Section title={t("streams")}>
        <Table
          testId="log-streams"
          rows={view.streams ?? []}
          columns={[
            {
              label: t("stream"),
              cell: (row) => (
                <A to="logs" params={{ group, stream: row.name }}>
                  <Mono>{row.name}</Mono>
                </A>
              ),
            },
            { label: t("lastEvent"), cell: (row) => <Time at={row.lastEvent} /> },
            { label: t("size"), cell: (row) => bytes(row.storedBytes) },
          ]}
        />
      </Section>
    </>
  );
}

function Alarms({ view }: PageProps<AlarmsView>) {
  const { t } = useI18n();
  return (
    <>
      <ListSection
        title={t("alarms")}
        testId="alarms"
        rows={view.alarms}
        columns={[
          { label: t("name"), cell: (row) => <Mono>{row.name}</Mono> },
          { label: t("state"), cell: (row) => <Status value={row.state} /> },
          {
            label: t("metric"),
            cell: (row) => (
              <span>
                <Mono>{`${row.namespace} ${row.metric}`}</Mono>
                <br />
                <span class="muted small">{row.dimensions}</span>
              </span>
            ),
          },
          {
            label: t("threshold"),
            cell: (row) =>
              `${row.statistic} ${row.comparison} ${row.threshold} · ${row.datapointsToAlarm ?? row.evaluationPeriods}/${row.evaluationPeriods} × ${row.period} s`,
          },
          { label: t("reason"), cell: (row) => <span class="reason">{row.reason}</span> },
          { label: t("modified"), cell: (row) => <Time at={row.updated} /> },
        ]}
      />
      <Section title={t("history")}>
        <Table
          rows={view.history}
          columns={[
            { label: t("time"), cell: (row) => <Time at={row.at} /> },
            { label: t("name"), cell: (row) => <Mono>{row.name}</Mono> },
            { label: t("summary"), cell: (row) => row.summary },
          ]}
        />
      </Section>
    </>
  );
}

export const dataPages = [
  definePage<S3View>({
    id: "s3",
    nav: { label: "s3", group: "data" },
    title: (params, t) => (params.bucket ? `${params.bucket}/${params.prefix ?? ""}` : t("s3")),
    Component: S3,
  }),
  definePage<S3ObjectView>({
    id: "s3-object",
    parent: "s3",
    title: (params) => params.key ?? "",
    Component: S3Object,
  }),
  definePage<LogsView>({
    id: "logs",
    nav: { label: "logs", group: "data" },
    title: (params, t) => params.group ?? t("logs"),
    Component: Logs,
  }),
  listPage<AlarmsView>("alarms", "data", Alarms),
];
