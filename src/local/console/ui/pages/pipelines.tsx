import type {
  Dag,
  ModelPackageGroupView,
  ModelPackageRow,
  ModelRegistryView,
  PipelineExecutionView,
  PipelinesView,
  PipelineView,
  StepRow,
} from "../../views";
import {
  A,
  ActionButton,
  bytes,
  KeyValues,
  ListSection,
  Mono,
  Pairs,
  S3Link,
  Section,
  Status,
  StatusSummary,
  seconds,
  Table,
  Time,
  Timeline,
  toneOf,
} from "../components";
import { useI18n } from "../i18n";
import { definePage, detailPage, listPage, type PageProps } from "../page";

/** SageMaker Pipelines (pipelines, executions with their DAG) and the model registry (groups, versions, approval). */

const NODE_W = 176;
const NODE_H = 58;
const COLUMN = 224;
const ROW = 78;
const PAD = 12;

/**
 * A definition as boxes and arrows, as Studio draws it: one column per level, left to right. On an execution's page
 * each box carries its step's status (colour and word), its time, and a cache mark when an earlier run was reused.
 */
export function DagView(props: { dag: Dag; execution?: boolean }) {
  const { t } = useI18n();
  const { nodes, edges } = props.dag;
  if (nodes.length === 0) return <p class="muted">{t("none")}</p>;
  const at = new Map(
    nodes.map((node) => [node.name, { x: PAD + node.level * COLUMN, y: PAD + node.row * ROW, node }]),
  );
  const width = PAD * 2 + Math.max(...nodes.map((node) => node.level)) * COLUMN + NODE_W;
  const height = PAD * 2 + Math.max(...nodes.map((node) => node.row)) * ROW + NODE_H + 8;
  const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
  return (
    <div class="dag-wrap">
      <svg
        class="dag"
        data-testid="dag"
        width={width}
        height={height}
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-label={t("dag")}
      >
        <defs>
          <marker
            id="dag-arrow"
            viewBox="0 0 10 10"
            refX="9"
            refY="5"
            markerWidth="7"
            markerHeight="7"
            orient="auto"
          >
            <path d="M0,0 L10,5 L0,10 z" class="dag-arrow" />
          </marker>
        </defs>
        {edges.map((edge) => {
          const from = at.get(edge.from);
          const to = at.get(edge.to);
          if (!from || !to) return null;
          const x1 = from.x + NODE_W;
          const y1 = from.y + NODE_H / 2;
          const x2 = to.x - 2;
          const y2 = to.y + NODE_H / 2;
          const bend = Math.max(24, (x2 - x1) / 2);
          return (
            <g key={`${edge.from}->${edge.to}`}>
              <path
                class="dag-edge"
                d={`M${x1},${y1} C${x1 + bend},${y1} ${x2 - bend},${y2} ${x2},${y2}`}
                marker-end="url(#dag-arrow)"
              />
              {edge.label ? (
                <text class="dag-edge-label" x={(x1 + x2) / 2} y={(y1 + y2) / 2 - 4} text-anchor="middle">
                  {edge.label}
                </text>
              ) : null}
            </g>
          );
        })}
        {[...at.values()].map(({ x, y, node }) => (
          <g
            key={node.name}
            class={`dag-node${node.status ? ` dag-${toneOf(node.status)}` : ""}`}
            data-step={node.name}
            data-status={node.status ?? ""}
            data-cache={node.cacheHit ? "hit" : ""}
            transform={`translate(${x},${y})`}
          >
            <title>{`${node.name} (${node.type})${node.status ? `: ${node.status}` : ""}`}</title>
            <rect width={NODE_W} height={NODE_H} rx="8" />
            <text class="dag-name" x="10" y="19">
              {clip(node.name, 22)}
            </text>
            <text class="dag-type" x="10" y="35">
              {node.type}
            </text>
            {node.status ? (
              <text class="dag-status" x="10" y="50">
                {`● ${node.status}${node.seconds === undefined ? "" : ` · ${node.seconds.toFixed(1)} s`}`}
              </text>
            ) : null}
            {node.cacheHit ? (
              <g transform={`translate(${NODE_W - 50},6)`}>
                <rect class="dag-cache" width="44" height="16" rx="8" />
                <text class="dag-cache-text" x="22" y="12" text-anchor="middle">
                  cache
                </text>
              </g>
            ) : null}
          </g>
        ))}
      </svg>
      {props.execution ? <p class="muted small">{t("dagHelp")}</p> : null}
    </div>
  );
}

function Pipelines({ view }: PageProps<PipelinesView>) {
  const { t } = useI18n();
  return (
    <ListSection
      title={t("pipelines")}
      testId="pipelines"
      rows={view.pipelines}
      columns={[
        {
          label: t("name"),
          cell: (row) => (
            <A to="pipeline" params={{ name: row.name }}>
              {row.name}
            </A>
          ),
        },
        { label: t("executionCount"), cell: (row) => row.executions },
        {
          label: t("lastStatus"),
          cell: (row) => (row.lastStatus ? <Status value={row.lastStatus} /> : "–"),
        },
        { label: t("lastRun"), cell: (row) => <Time at={row.lastRun} /> },
        { label: t("created"), cell: (row) => <Time at={row.created} /> },
      ]}
    />
  );
}

function Pipeline({ view }: PageProps<PipelineView>) {
  const { t } = useI18n();
  return (
    <>
      <Section title={t("summary")}>
        <KeyValues
          items={[
            [t("name"), view.displayName],
            [t("description"), view.description],
            [t("created"), <Time key="c" at={view.created} />],
            [t("modified"), <Time key="m" at={view.modified} />],
            [t("role"), view.role ? <Mono>{view.role}</Mono> : undefined],
            [t("arn"), <Mono key="a">{view.arn}</Mono>],
          ]}
        />
      </Section>
      <ListSection
        title={t("executions")}
        testId="executions"
        rows={view.executions}
        columns={[
          {
            label: t("execution"),
            cell: (row) => (
              <A to="pipeline-execution" params={{ name: view.name, execution: row.id }}>
                {row.displayName}
              </A>
            ),
          },
          { label: "ID", cell: (row) => <Mono>{row.id}</Mono> },
          { label: t("status"), cell: (row) => <Status value={row.status} /> },
          { label: t("started"), cell: (row) => <Time at={row.started} /> },
          { label: t("duration"), cell: (row) => (row.ended ? seconds(row.ended - row.started) : "–") },
          {
            label: t("failureReason"),
            cell: (row) =>
              row.failureReason ? <span class="reason error-text">{row.failureReason}</span> : "",
          },
        ]}
      />
      <Section title={t("definitionGraph")}>
        <DagView dag={view.dag} />
      </Section>
      <Section title={t("parameters")}>
        <Table
          rows={view.parameters}
          empty={t("none")}
          columns={[
            { label: t("name"), cell: (row) => <Mono>{row.name}</Mono> },
            { label: t("type"), cell: (row) => row.type },
            { label: t("defaultValue"), cell: (row) => <Mono>{row.default ?? "–"}</Mono> },
          ]}
        />
      </Section>
    </>
  );
}

function StepResult(props: { step: StepRow }) {
  const { step } = props;
  return (
    <>
      {step.outcome ? <Mono>{step.outcome}</Mono> : null}
      {step.outputs
        ? Object.entries(step.outputs).map(([key, value]) => (
            <span key={key} class="chip">
              {key}={value}
            </span>
          ))
        : null}
      {step.failureReason ? <span class="reason error-text">{step.failureReason}</span> : null}
    </>
  );
}

function PipelineExecution({ view }: PageProps<PipelineExecutionView>) {
  const { t } = useI18n();
  return (
    <>
      <StatusSummary
        status={view.status}
        failureReason={view.failureReason}
        action={
          view.canStop
            ? {
                label: t("stopExecution"),
                name: "stop-pipeline-execution",
                input: { name: view.pipeline, execution: view.id },
                testId: "stop",
              }
            : null
        }
        items={[
          [
            t("pipeline"),
            <A key="p" to="pipeline" params={{ name: view.pipeline }}>
              {view.pipeline}
            </A>,
          ],
          [t("name"), view.displayName],
          [t("description"), view.description],
          [t("started"), <Time key="c" at={view.started} />],
          [t("modified"), <Time key="m" at={view.modified} />],
          [
            t("experiment"),
            view.experiment?.experimentName ? (
              <A to="experiment" params={{ name: view.experiment.experimentName }}>
                {view.experiment.experimentName}
                {view.experiment.trialName ? ` / ${view.experiment.trialName}` : ""}
              </A>
            ) : undefined,
          ],
          [t("arn"), <Mono key="a">{view.arn}</Mono>],
        ]}
      />
      <Section title={t("dag")}>
        <DagView dag={view.dag} execution />
      </Section>
      <ListSection
        title={t("steps")}
        testId="steps"
        rows={view.steps}
        columns={[
          { label: t("step"), cell: (step) => <Mono>{step.name}</Mono> },
          { label: t("type"), cell: (step) => step.type },
          { label: t("status"), cell: (step) => <Status value={step.status} /> },
          {
            label: t("cache"),
            cell: (step) =>
              step.cachedFrom ? (
                <A
                  to="pipeline-execution"
                  params={{ name: step.cachedFrom.pipeline, execution: step.cachedFrom.id }}
                >
                  {`${t("cacheHit")} ← ${step.cachedFrom.id}`}
                </A>
              ) : (
                <span class="muted">–</span>
              ),
          },
          { label: t("started"), cell: (step) => <Time at={step.start} /> },
          {
            label: t("duration"),
            cell: (step) =>
              step.start !== undefined && step.end !== undefined ? seconds(step.end - step.start) : "–",
          },
          {
            label: t("resource"),
            cell: (step) => (step.resource ? <A to={step.resource.link}>{step.resource.label}</A> : "–"),
          },
          { label: t("result"), cell: (step) => <StepResult step={step} /> },
        ]}
      />
      <Section title={t("timeline")}>
        <Timeline steps={view.timeline} />
      </Section>
      <Section title={t("parameters")}>
        <Pairs
          values={Object.fromEntries(view.parameters.map((parameter) => [parameter.name, parameter.value]))}
        />
      </Section>
    </>
  );
}

function Registry({ view }: PageProps<ModelRegistryView>) {
  const { t } = useI18n();
  return (
    <ListSection
      title={t("packageGroups")}
      testId="groups"
      rows={view.groups}
      columns={[
        {
          label: t("name"),
          cell: (row) => (
            <A to="model-package-group" params={{ name: row.name }}>
              {row.name}
            </A>
          ),
        },
        { label: t("versions"), cell: (row) => row.versions },
        {
          label: t("latestVersion"),
          cell: (row) =>
            row.latest === undefined ? (
              "–"
            ) : (
              <>
                {`v${row.latest} `}
                {row.latestApproval ? <Status value={row.latestApproval} /> : null}
              </>
            ),
        },
        { label: t("pendingApproval"), cell: (row) => row.pending },
        { label: t("description"), cell: (row) => row.description ?? "" },
        { label: t("created"), cell: (row) => <Time at={row.created} /> },
      ]}
    />
  );
}

function ApprovalButtons(props: { row: ModelPackageRow }) {
  const { t } = useI18n();
  const { row } = props;
  return (
    <span class="action">
      {row.approval !== "Approved" ? (
        <ActionButton
          label={t("approve")}
          name="approve-model-package"
          input={{ arn: row.arn }}
          testId={`approve-${row.version}`}
        />
      ) : null}
      {row.approval !== "Rejected" ? (
        <ActionButton
          label={t("reject")}
          name="reject-model-package"
          input={{ arn: row.arn }}
          danger
          testId={`reject-${row.version}`}
        />
      ) : null}
    </span>
  );
}

function PackageGroup({ view }: PageProps<ModelPackageGroupView>) {
  const { t } = useI18n();
  return (
    <>
      <Section title={t("summary")}>
        <KeyValues
          items={[
            [t("name"), view.name],
            [t("status"), <Status key="s" value={view.status} />],
            [t("description"), view.description],
            [t("created"), <Time key="c" at={view.created} />],
            [t("arn"), <Mono key="a">{view.arn}</Mono>],
          ]}
        />
      </Section>
      <Section title={`${t("versions")} (${view.packages.length})`}>
        <Table
          testId="packages"
          rows={view.packages}
          columns={[
            { label: t("version"), cell: (row) => <strong>{`v${row.version}`}</strong> },
            {
              label: t("approval"),
              cell: (row) => (
                <span data-approval={row.version}>
                  <Status value={row.approval} />
                  {row.approvalDescription ? (
                    <span class="muted small"> {row.approvalDescription}</span>
                  ) : null}
                </span>
              ),
            },
            { label: t("actions"), cell: (row) => <ApprovalButtons row={row} /> },
            {
              label: t("artifact"),
              cell: (row) =>
                row.modelData.map((location) => (
                  <div key={location.uri}>
                    <S3Link uri={location.uri} bucket={location.bucket} s3Key={location.key} />{" "}
                    <span class="muted small">{bytes(location.size)}</span>
                  </div>
                )),
            },
            {
              label: t("metadataProps"),
              cell: (row) =>
                Object.entries(row.metadata).map(([key, value]) => (
                  <span key={key} class="chip">
                    {key}={value}
                  </span>
                )),
            },
            {
              label: t("registeredBy"),
              cell: (row) =>
                row.registeredBy ? (
                  <A
                    to="pipeline-execution"
                    params={{ name: row.registeredBy.pipeline, execution: row.registeredBy.id }}
                  >
                    {`${row.registeredBy.pipeline} / ${row.registeredBy.id} (${row.registeredBy.step})`}
                  </A>
                ) : (
                  "–"
                ),
            },
            {
              label: t("modelsMade"),
              cell: (row) =>
                row.models.length
                  ? row.models.map((model) => (
                      <div key={model}>
                        <A to="model" params={{ name: model }}>
                          {model}
                        </A>
                      </div>
                    ))
                  : "–",
            },
            { label: t("created"), cell: (row) => <Time at={row.created} /> },
          ]}
        />
        <p class="muted small">{t("approvalHelp")}</p>
      </Section>
    </>
  );
}

export const pipelinePages = [
  listPage<PipelinesView>("pipelines", "sagemaker", Pipelines),
  detailPage<PipelineView>("pipeline", "pipelines", Pipeline),
  definePage<PipelineExecutionView>({
    id: "pipeline-execution",
    parent: "pipelines",
    title: (params) => `${params.name ?? ""} / ${params.execution ?? ""}`,
    Component: PipelineExecution,
  }),
];

export const registryPages = [
  listPage<ModelRegistryView>("registry", "sagemaker", Registry),
  detailPage<ModelPackageGroupView>("model-package-group", "registry", PackageGroup),
];
