import type { OverviewView } from "../../views";
import { A, Section, Status, Table, Time } from "../components";
import { useI18n } from "../i18n";
import { definePage, type PageProps } from "../page";

function Overview({ view }: PageProps<OverviewView>) {
  const { t } = useI18n();
  return (
    <>
      <div class="tiles" data-testid="counts">
        {view.counts.map((count) => (
          <a key={count.key} class="tile" href={`#/${count.link.page}`} data-count={count.key}>
            <span class="tile-count">{count.count}</span>
            <span class="tile-label">{t(count.key)}</span>
          </a>
        ))}
      </div>
      <Section title={t("running")}>
        <Table
          testId="running"
          rows={view.running}
          columns={[
            { label: t("kind"), cell: (row) => t(row.kind) },
            { label: t("name"), cell: (row) => <A to={row.link}>{row.name}</A> },
            { label: t("status"), cell: (row) => <Status value={row.status} /> },
            { label: t("since"), cell: (row) => <Time at={row.since} /> },
          ]}
        />
      </Section>
      <Section title={t("failures")}>
        <Table
          testId="failures"
          rows={view.failures}
          columns={[
            { label: t("kind"), cell: (row) => t(row.kind) },
            { label: t("name"), cell: (row) => <A to={row.link}>{row.name}</A> },
            { label: t("reason"), cell: (row) => <span class="reason">{row.reason}</span> },
            { label: t("ended"), cell: (row) => <Time at={row.at} /> },
          ]}
        />
      </Section>
      <Section title={t("alarmsFiring")}>
        <Table
          rows={view.alarms}
          columns={[
            { label: t("name"), cell: (row) => <A to="alarms">{row.name}</A> },
            { label: t("state"), cell: (row) => <Status value={row.state} /> },
            { label: t("reason"), cell: (row) => <span class="reason">{row.reason}</span> },
            { label: t("since"), cell: (row) => <Time at={row.at} /> },
          ]}
        />
      </Section>
    </>
  );
}

export const overviewPage = definePage<OverviewView>({
  id: "overview",
  nav: { label: "overview", group: "sagemaker" },
  title: (_params, t) => t("overview"),
  Component: Overview,
});
