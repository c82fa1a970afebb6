import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import type { LogLine, PageLink, TimelineStep } from "../views";
import { action } from "./api";
import { useI18n } from "./i18n";

/** The pieces every page is made of: links, tables, key-value lists, statuses, timelines, logs, buttons. */

export function href(page: string, params: Record<string, string> = {}): string {
  const query = new URLSearchParams(params).toString();
  return `#/${page}${query ? `?${query}` : ""}`;
}

export function A(props: {
  to: PageLink | string;
  params?: Record<string, string>;
  children: ComponentChildren;
}) {
  const link = typeof props.to === "string" ? { page: props.to, params: props.params } : props.to;
  return <a href={href(link.page, link.params ?? {})}>{props.children}</a>;
}

export function Time(props: { at?: number }) {
  const { lang } = useI18n();
  if (!props.at) return <span class="muted">–</span>;
  const date = new Date(props.at);
  return (
    <time dateTime={date.toISOString()} title={date.toISOString()}>
      {date.toLocaleString(lang === "ko" ? "ko-KR" : "en-GB", { hour12: false })}
    </time>
  );
}

export function seconds(ms: number): string {
  const total = Math.round(ms / 1000);
  if (total < 60) return `${total} s`;
  const minutes = Math.floor(total / 60);
  if (minutes < 60) return `${minutes} min ${total % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export function bytes(size: number | undefined): string {
  if (size === undefined) return "–";
  if (size < 1024) return `${size} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = size / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

const STATUS_TONE: Record<string, string> = {
  Completed: "ok",
  InProgress: "busy",
  ready: "ok",
  idle: "ok",
  InService: "ok",
  Active: "ok",
  Successful: "ok",
  OK: "ok",
  Succeeded: "ok",
  Approved: "ok",
  Failed: "bad",
  ALARM: "bad",
  Rejected: "bad",
  Stopped: "muted",
  Stopping: "warn",
  Deleting: "warn",
  RollingBack: "warn",
  INSUFFICIENT_DATA: "muted",
  PendingManualApproval: "warn",
  // Pipeline steps that have not run: waiting for earlier steps, on a branch not taken, or never reached.
  Pending: "muted",
  Skipped: "muted",
  NotStarted: "muted",
};

/** The colour family of a status (ok, bad, warn, busy, muted), from its first word. */
export function toneOf(status: string): string {
  return STATUS_TONE[status.split(" ")[0] ?? ""] ?? "busy";
}

export function Status(props: { value: string }) {
  return <span class={`status status-${toneOf(props.value)}`}>{props.value}</span>;
}

export function Section(props: {
  title: string;
  id?: string;
  children: ComponentChildren;
  actions?: ComponentChildren;
}) {
  return (
    <section class="card" id={props.id}>
      <header class="card-head">
        <h2>{props.title}</h2>
        {props.actions ? <div class="card-actions">{props.actions}</div> : null}
      </header>
      <div class="card-body">{props.children}</div>
    </section>
  );
}

export interface Column<T> {
  label: string;
  cell(row: T): ComponentChildren;
  class?: string;
}

export function Table<T>(props: {
  rows: readonly T[];
  columns: Column<T>[];
  empty?: string;
  testId?: string;
}) {
  const { t } = useI18n();
  if (props.rows.length === 0) return <p class="muted empty">{props.empty ?? t("empty")}</p>;
  return (
    <div class="table-wrap">
      <table data-testid={props.testId}>
        <thead>
          <tr>
            {props.columns.map((column) => (
              <th key={column.label} class={column.class}>
                {column.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.rows.map((row, index) => (
            <tr key={index}>
              {props.columns.map((column) => (
                <td key={column.label} class={column.class}>
                  {column.cell(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function KeyValues(props: { items: [string, ComponentChildren][] }) {
  return (
    <dl class="kv">
      {props.items.map(([key, value]) => (
        <div key={key} class="kv-row">
          <dt>{key}</dt>
          <dd>
            {value === undefined || value === null || value === "" ? <span class="muted">–</span> : value}
          </dd>
        </div>
      ))}
    </dl>
  );
}

export function Mono(props: { children: ComponentChildren }) {
  return <code class="mono">{props.children}</code>;
}

/** A dictionary as a two-column table (hyperparameters, environment variables). */
export function Pairs(props: { values: Record<string, string> }) {
  const { t } = useI18n();
  const rows = Object.entries(props.values).sort(([a], [b]) => a.localeCompare(b));
  return (
    <Table
      rows={rows}
      empty={t("none")}
      columns={[
        { label: t("name"), cell: ([key]) => <Mono>{key}</Mono> },
        { label: t("value"), cell: ([, value]) => <Mono>{value}</Mono> },
      ]}
    />
  );
}

/** Status history as bars on one time axis (SecondaryStatusTransitions). */
export function Timeline(props: { steps: TimelineStep[] }) {
  const { t } = useI18n();
  if (props.steps.length === 0) return <p class="muted">{t("none")}</p>;
  const now = Date.now();
  const start = Math.min(...props.steps.map((step) => step.start));
  const end = Math.max(...props.steps.map((step) => step.end ?? now), start + 1);
  const span = end - start;
  return (
    <ol class="timeline" data-testid="timeline">
      {props.steps.map((step, index) => {
        const from = ((step.start - start) / span) * 100;
        const width = Math.max(0.8, (((step.end ?? now) - step.start) / span) * 100);
        return (
          <li key={index} class="timeline-row">
            <span class="timeline-label">
              <Status value={step.status} />
            </span>
            <span class="timeline-track">
              <span
                class={`timeline-bar${step.end === undefined ? " timeline-open" : ""}`}
                style={{ left: `${from}%`, width: `${Math.min(width, 100 - from)}%` }}
              />
            </span>
            <span class="timeline-time">{seconds((step.end ?? now) - step.start)}</span>
            <span class="timeline-message muted">{step.message}</span>
          </li>
        );
      })}
    </ol>
  );
}

export function LogView(props: { lines: LogLine[]; group?: string; showStream?: boolean }) {
  const { t, lang } = useI18n();
  if (props.lines.length === 0) return <p class="muted">{t("none")}</p>;
  return (
    <div class="log-wrap">
      {props.group ? (
        <p class="muted small">
          <A to="logs" params={{ group: props.group }}>
            {props.group}
          </A>
        </p>
      ) : null}
      <pre class="log" data-testid="log">
        {props.lines.map((line, index) => (
          <span key={index} class="log-line">
            <span class="log-time">
              {new Date(line.t).toLocaleTimeString(lang === "ko" ? "ko-KR" : "en-GB", { hour12: false })}
            </span>
            {props.showStream ? <span class="log-stream">{line.stream}</span> : null}
            {`${line.message}\n`}
          </span>
        ))}
      </pre>
    </div>
  );
}

/** A button that calls a console action after a second click (the confirmation). */
export function ActionButton(props: {
  label: string;
  name: string;
  input: Record<string, string>;
  danger?: boolean;
  testId?: string;
}) {
  const { t } = useI18n();
  const [state, setState] = useState<"idle" | "confirm" | "busy" | "done">("idle");
  const [error, setError] = useState<string>();
  const click = async (): Promise<void> => {
    if (state === "idle") {
      setState("confirm");
      return;
    }
    if (state !== "confirm") return;
    setState("busy");
    try {
      await action(props.name, props.input);
      setState("done");
      setError(undefined);
    } catch (failure) {
      setState("idle");
      setError((failure as Error).message);
    }
  };
  return (
    <span class="action">
      <button
        type="button"
        class={`button${props.danger ? " button-danger" : ""}${state === "confirm" ? " button-confirm" : ""}`}
        disabled={state === "busy" || state === "done"}
        data-testid={props.testId}
        onClick={() => void click()}
      >
        {state === "confirm" ? t("confirm") : state === "done" ? t("done") : props.label}
      </button>
      {error ? <span class="error-text">{error}</span> : null}
    </span>
  );
}

export function S3Link(props: { uri: string; bucket?: string; s3Key?: string }) {
  if (!props.bucket) return <Mono>{props.uri || "–"}</Mono>;
  const key = props.s3Key ?? "";
  const isPrefix = key === "" || key.endsWith("/");
  return isPrefix ? (
    <A to="s3" params={{ bucket: props.bucket, prefix: key }}>
      <Mono>{props.uri}</Mono>
    </A>
  ) : (
    <A to="s3-object" params={{ bucket: props.bucket, key }}>
      <Mono>{props.uri}</Mono>
    </A>
  );
}

/** s3://bucket/key → a link to the object (or prefix) page. */
export function S3Uri(props: { uri?: string }) {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(props.uri ?? "");
  if (!match) return <Mono>{props.uri || "–"}</Mono>;
  const [, bucket, key] = match as unknown as [string, string, string];
  const looksLikePrefix = key === "" || key.endsWith("/") || !/\.[A-Za-z0-9]+$/.test(key);
  return (
    <S3Link
      uri={props.uri as string}
      bucket={bucket}
      s3Key={looksLikePrefix && key && !key.endsWith("/") ? `${key}/` : key}
    />
  );
}

/**
 * The summary every page of a resource that runs opens with: its status and failure reason first, then the page's
 * own rows, and its one action (stop or delete) while it applies.
 */
export function StatusSummary(props: {
  status: string;
  failureReason?: string;
  action?: { label: string; name: string; input: Record<string, string>; testId: string } | null;
  items: [string, ComponentChildren][];
}) {
  const { t } = useI18n();
  const { action } = props;
  return (
    <Section title={t("summary")} actions={action ? <ActionButton {...action} danger /> : null}>
      <KeyValues
        items={[
          [t("status"), <Status key="s" value={props.status} />],
          [
            t("failureReason"),
            props.failureReason ? <span class="error-text">{props.failureReason}</span> : undefined,
          ],
          ...props.items,
        ]}
      />
    </Section>
  );
}

/** A list page's section: its title with the count, and the table of its rows. */
export function ListSection<T>(props: {
  title: string;
  rows: readonly T[];
  columns: Column<T>[];
  testId: string;
}) {
  return (
    <Section title={`${props.title} (${props.rows.length})`}>
      <Table testId={props.testId} rows={props.rows} columns={props.columns} />
    </Section>
  );
}
