import type { LambdaFunctionView, LambdaListView } from "../../views";
import { Charts } from "../chart";
import { A, bytes, KeyValues, ListSection, LogView, Mono, Section, Status, Table, Time } from "../components";
import { useI18n } from "../i18n";
import { detailPage, listPage, type PageProps } from "../page";

function Functions({ view }: PageProps<LambdaListView>) {
  const { t } = useI18n();
  return (
    <ListSection
      title={t("lambdaFunctions")}
      testId="functions"
      rows={view.functions}
      columns={[
        {
          label: t("name"),
          cell: (row) => (
            <A to="lambda-function" params={{ name: row.name }}>
              {row.name}
            </A>
          ),
        },
        { label: t("state"), cell: (row) => <Status value={row.state} /> },
        { label: t("runtime"), cell: (row) => row.runtime },
        { label: t("memory"), cell: (row) => row.memoryMB },
        { label: `${t("invocations")} (${t("sinceStart")})`, cell: (row) => row.invocations },
        { label: t("coldStarts"), cell: (row) => row.coldStarts },
        { label: t("errors"), cell: (row) => row.errors },
      ]}
    />
  );
}

function LambdaFunction({ view }: PageProps<LambdaFunctionView>) {
  const { t } = useI18n();
  return (
    <>
      <Section title={t("summary")}>
        <div class="tiles small-tiles" data-testid="lambda-counts">
          {(
            [
              ["invocations", view.invocations],
              ["coldStarts", view.coldStarts],
              ["errors", view.errors],
              ["throttles", view.throttles],
            ] as const
          ).map(([key, value]) => (
            <span key={key} class="tile" data-count={key}>
              <span class="tile-count">{value}</span>
              <span class="tile-label">{t(key)}</span>
            </span>
          ))}
        </div>
        <p class="muted small">{t("sinceStart")}</p>
        <KeyValues
          items={[
            [t("state"), <Status key="s" value={view.state} />],
            [t("reason"), view.stateReason],
            [t("runtime"), view.runtime],
            [t("handler"), view.handler ? <Mono>{view.handler}</Mono> : undefined],
            [t("memory"), view.memoryMB],
            [t("timeout"), view.timeoutS],
            [t("size"), bytes(view.codeSize)],
            [
              t("lastInit"),
              view.lastInitDurationMs === undefined ? undefined : `${view.lastInitDurationMs.toFixed(1)} ms`,
            ],
            [
              t("lastDuration"),
              view.lastDurationMs === undefined ? undefined : `${view.lastDurationMs.toFixed(1)} ms`,
            ],
            [t("modified"), view.modified],
            [
              t("environment"),
              view.environmentVariables.length ? view.environmentVariables.join(", ") : undefined,
            ],
            [t("arn"), <Mono key="a">{view.arn}</Mono>],
          ]}
        />
      </Section>
      <Section title={t("environments")}>
        <Table
          testId="environments"
          rows={view.environments}
          empty={t("none")}
          columns={[
            { label: "id", cell: (row) => <Mono>{row.id.slice(0, 12)}</Mono> },
            { label: t("state"), cell: (row) => <Status value={row.state} /> },
            { label: t("pid"), cell: (row) => row.pid ?? "–" },
            { label: t("lastUsed"), cell: (row) => <Time at={row.lastUsed} /> },
            {
              label: t("stream"),
              cell: (row) => (
                <A to="logs" params={{ group: view.logGroup, stream: row.logStream }}>
                  <Mono>{row.logStream}</Mono>
                </A>
              ),
            },
          ]}
        />
      </Section>
      <Section title={t("charts")}>
        <Charts charts={view.charts} />
      </Section>
      <Section title={t("log")}>
        <LogView lines={view.log} group={view.logGroup} />
      </Section>
    </>
  );
}

export const lambdaPages = [
  listPage<LambdaListView>("lambda", "inference", Functions),
  detailPage<LambdaFunctionView>("lambda-function", "lambda", LambdaFunction),
];
