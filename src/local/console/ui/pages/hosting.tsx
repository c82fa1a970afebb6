import type {
  EndpointConfigView,
  EndpointsView,
  EndpointView,
  ModelsView,
  ModelView,
  VariantConfig,
} from "../../views";
import { Charts } from "../chart";
import {
  A,
  KeyValues,
  ListSection,
  LogView,
  Mono,
  Pairs,
  S3Uri,
  Section,
  Status,
  StatusSummary,
  Table,
  Time,
} from "../components";
import { useI18n } from "../i18n";
import { detailPage, listPage, type PageProps } from "../page";

function variantColumns(t: (key: string) => string) {
  return [
    { label: t("variant"), cell: (variant: VariantConfig) => <Mono>{variant.name}</Mono> },
    {
      label: t("model"),
      cell: (variant: VariantConfig) => (
        <A to="model" params={{ name: variant.modelName }}>
          {variant.modelName}
        </A>
      ),
    },
    {
      label: t("instances"),
      cell: (variant: VariantConfig) =>
        variant.serverless
          ? `${t("serverless")} ${variant.serverless.memoryMB ?? ""} MB, MaxConcurrency ${variant.serverless.maxConcurrency ?? "–"}`
          : `${variant.instanceType ?? "–"} × ${variant.instanceCount ?? "–"}`,
    },
    { label: t("weight"), cell: (variant: VariantConfig) => variant.weight },
  ];
}

function Models({ view }: PageProps<ModelsView>) {
  const { t } = useI18n();
  return (
    <>
      <ListSection
        title={t("models")}
        testId="models"
        rows={view.models}
        columns={[
          {
            label: t("name"),
            cell: (row) => (
              <A to="model" params={{ name: row.name }}>
                {row.name}
              </A>
            ),
          },
          { label: t("image"), cell: (row) => <Mono>{row.image}</Mono> },
          { label: t("containers"), cell: (row) => `${row.containers} (${row.mode})` },
          { label: t("created"), cell: (row) => <Time at={row.created} /> },
        ]}
      />
      <ListSection
        title={t("endpointConfigs")}
        testId="configs"
        rows={view.configs}
        columns={[
          {
            label: t("name"),
            cell: (row) => (
              <A to="endpoint-config" params={{ name: row.name }}>
                {row.name}
              </A>
            ),
          },
          {
            label: t("variants"),
            cell: (row) =>
              row.variants
                .map((variant) =>
                  variant.serverless
                    ? `${variant.name}: ${variant.modelName} (${t("serverless")})`
                    : `${variant.name}: ${variant.modelName} × ${variant.instanceCount ?? 1}`,
                )
                .join(", "),
          },
          { label: t("kind"), cell: (row) => (row.async ? "async" : "real-time") },
          { label: t("created"), cell: (row) => <Time at={row.created} /> },
        ]}
      />
    </>
  );
}

function Model({ view }: PageProps<ModelView>) {
  const { t } = useI18n();
  return (
    <>
      <Section title={t("summary")}>
        <KeyValues
          items={[
            [t("arn"), <Mono key="a">{view.arn}</Mono>],
            [t("created"), <Time key="c" at={view.created} />],
            [t("mode"), view.mode],
            [t("role"), view.role ? <Mono>{view.role}</Mono> : undefined],
            [
              t("usedBy"),
              view.configs.length ? (
                <span>
                  {view.configs.map((config) => (
                    <span key={config} class="chip">
                      <A to="endpoint-config" params={{ name: config }}>
                        {config}
                      </A>
                    </span>
                  ))}
                </span>
              ) : undefined,
            ],
          ]}
        />
      </Section>
      {view.containers.map((container, index) => (
        <Section
          key={index}
          title={`${t("containers")} ${index + 1}${container.hostname ? ` · ${container.hostname}` : ""}`}
        >
          <KeyValues
            items={[
              [t("image"), <Mono key="i">{container.image}</Mono>],
              ["ModelDataUrl", <S3Uri key="m" uri={container.modelDataUrl} />],
              [t("mode"), container.mode],
            ]}
          />
          <h3>{t("environment")}</h3>
          <Pairs values={container.environment} />
        </Section>
      ))}
    </>
  );
}

function EndpointConfig({ view }: PageProps<EndpointConfigView>) {
  const { t } = useI18n();
  return (
    <>
      <Section title={t("summary")}>
        <KeyValues
          items={[
            [t("arn"), <Mono key="a">{view.arn}</Mono>],
            [t("created"), <Time key="c" at={view.created} />],
            [
              t("usedBy"),
              view.endpoints.length ? (
                <span>
                  {view.endpoints.map((name) => (
                    <span key={name} class="chip">
                      <A to="endpoint" params={{ name }}>
                        {name}
                      </A>
                    </span>
                  ))}
                </span>
              ) : undefined,
            ],
          ]}
        />
      </Section>
      <Section title={t("variants")}>
        <Table rows={view.variants} columns={variantColumns(t)} />
      </Section>
      {view.async ? (
        <Section title={t("asyncQueue")}>
          <KeyValues
            items={[
              [t("outputPath"), <S3Uri key="o" uri={view.async.outputPath} />],
              [t("failurePath"), <S3Uri key="f" uri={view.async.failurePath} />],
              [t("maxConcurrent"), view.async.maxConcurrentPerInstance],
            ]}
          />
        </Section>
      ) : null}
    </>
  );
}

function Endpoints({ view }: PageProps<EndpointsView>) {
  const { t } = useI18n();
  return (
    <ListSection
      title={t("endpoints")}
      testId="endpoints"
      rows={view.endpoints}
      columns={[
        {
          label: t("name"),
          cell: (row) => (
            <A to="endpoint" params={{ name: row.name }}>
              {row.name}
            </A>
          ),
        },
        { label: t("status"), cell: (row) => <Status value={row.status} /> },
        { label: t("kind"), cell: (row) => row.kind },
        {
          label: t("config"),
          cell: (row) => (
            <A to="endpoint-config" params={{ name: row.config }}>
              {row.config}
            </A>
          ),
        },
        { label: t("modified"), cell: (row) => <Time at={row.modified} /> },
      ]}
    />
  );
}

function Endpoint({ view }: PageProps<EndpointView>) {
  const { t } = useI18n();
  const containers = view.fleets.flatMap((fleet) =>
    fleet.variants.flatMap((variant) =>
      variant.instances.flatMap((instance) =>
        instance.containers.map((container) => ({ fleet, variant, instance, container })),
      ),
    ),
  );
  return (
    <>
      <StatusSummary
        status={view.status}
        failureReason={view.failureReason}
        action={
          view.canDelete
            ? {
                label: t("deleteEndpoint"),
                name: "delete-endpoint",
                input: { name: view.name },
                testId: "delete",
              }
            : null
        }
        items={[
          [
            t("config"),
            <A key="c" to="endpoint-config" params={{ name: view.config }}>
              {view.config}
            </A>,
          ],
          [t("kind"), view.kind],
          [t("created"), <Time key="cr" at={view.created} />],
          [t("modified"), <Time key="m" at={view.modified} />],
          [t("lastDeployment"), view.lastDeployment],
          [t("arn"), <Mono key="a">{view.arn}</Mono>],
        ]}
      />
      <Section title={t("variants")}>
        <Table
          testId="variants"
          rows={view.variants}
          columns={[
            { label: t("variant"), cell: (variant) => <Mono>{variant.name}</Mono> },
            {
              label: `${t("weight")} · ${t("currentDesired")}`,
              cell: (variant) => `${variant.currentWeight ?? "–"} / ${variant.desiredWeight ?? "–"}`,
            },
            {
              label: `${t("instances")} · ${t("currentDesired")}`,
              cell: (variant) =>
                variant.serverless
                  ? `${t("serverless")} ${variant.serverless.memoryMB ?? ""} MB, MaxConcurrency ${variant.serverless.maxConcurrency ?? "–"}, Provisioned ${variant.serverless.provisionedConcurrency ?? 0}`
                  : `${variant.currentInstances ?? "–"} / ${variant.desiredInstances ?? "–"}`,
            },
            {
              label: t("image"),
              cell: (variant) => variant.images.map((image) => <Mono key={image}>{image}</Mono>),
            },
          ]}
        />
      </Section>
      <Section title={t("deployment")}>
        {view.deployment ? (
          <div data-testid="deployment">
            <KeyValues
              items={[
                [
                  t("config"),
                  <A key="c" to="endpoint-config" params={{ name: view.deployment.config }}>
                    {view.deployment.config}
                  </A>,
                ],
                [t("started"), <Time key="s" at={view.deployment.started} />],
                [t("stage"), view.deployment.stage ? <Status value={view.deployment.stage} /> : undefined],
                [t("message"), view.deployment.message],
              ]}
            />
            <Table
              rows={view.deployment.variants}
              columns={[
                { label: t("variant"), cell: (variant) => <Mono>{variant.name}</Mono> },
                { label: t("weight"), cell: (variant) => variant.desiredWeight ?? "–" },
                { label: t("instances"), cell: (variant) => variant.desiredInstances ?? "–" },
              ]}
            />
          </div>
        ) : (
          <p class="muted">{t("noDeployment")}</p>
        )}
        {view.fleets.length > 1 ? (
          <div class="share" data-testid="traffic-share">
            {view.fleets.map((fleet) => (
              <span
                key={fleet.fleet}
                class={`share-part share-${fleet.fleet}`}
                style={{ flexGrow: Math.max(fleet.trafficShare, 0.02) }}
              >
                {fleet.fleet === "new" ? t("fleetNew") : t("fleetServing")} · {fleet.endpointConfigName} ·{" "}
                {Math.round(fleet.trafficShare * 100)}%
              </span>
            ))}
          </div>
        ) : null}
      </Section>
      <Section title={t("processes")}>
        <Table
          testId="containers"
          rows={containers}
          columns={[
            {
              label: t("fleet"),
              cell: (row) => (row.fleet.fleet === "new" ? t("fleetNew") : t("fleetServing")),
            },
            { label: t("variant"), cell: (row) => <Mono>{row.variant.VariantName}</Mono> },
            { label: t("instance"), cell: (row) => <Mono>{row.instance.instanceId}</Mono> },
            { label: t("hostname"), cell: (row) => <Mono>{row.container.hostname}</Mono> },
            { label: t("pid"), cell: (row) => row.container.pid ?? "–" },
            { label: t("state"), cell: (row) => <Status value={row.container.state} /> },
            { label: t("restarts"), cell: (row) => row.container.restarts },
          ]}
        />
      </Section>
      {view.async ? (
        <Section title={t("asyncQueue")}>
          <KeyValues
            items={[
              [
                t("backlog"),
                <strong key="b" data-testid="backlog">
                  {view.async.backlog}
                </strong>,
              ],
              [t("outputPath"), <S3Uri key="o" uri={view.async.outputPath} />],
              [t("failurePath"), <S3Uri key="f" uri={view.async.failurePath} />],
              [t("maxConcurrent"), view.async.maxConcurrentPerInstance],
            ]}
          />
        </Section>
      ) : null}
      <Section title={t("charts")}>
        <Charts charts={view.charts} />
      </Section>
      <Section title={t("autoscaling")}>
        <h3>{t("targets")}</h3>
        <Table
          testId="scaling-targets"
          rows={view.scaling.targets}
          empty={t("none")}
          columns={[
            { label: "ResourceId", cell: (row) => <Mono>{row.resourceId}</Mono> },
            { label: "ScalableDimension", cell: (row) => <Mono>{row.dimension}</Mono> },
            { label: t("minMax"), cell: (row) => `${row.min} / ${row.max}` },
            { label: t("suspended"), cell: (row) => (row.suspended ? "yes" : "no") },
          ]}
        />
        <h3>{t("policies")}</h3>
        <Table
          testId="scaling-policies"
          rows={view.scaling.policies}
          empty={t("none")}
          columns={[
            { label: t("name"), cell: (row) => <Mono>{row.name}</Mono> },
            { label: t("kind"), cell: (row) => row.type },
            { label: t("metric"), cell: (row) => row.metric ?? "–" },
            { label: t("targetValue"), cell: (row) => row.target ?? "–" },
            {
              label: t("cooldowns"),
              cell: (row) => `${row.scaleInCooldown ?? "–"} / ${row.scaleOutCooldown ?? "–"}`,
            },
            {
              label: t("alarms"),
              cell: (row) =>
                row.alarms.map((alarm) => (
                  <span key={alarm} class="chip">
                    {alarm}
                  </span>
                )),
            },
          ]}
        />
        <h3>{t("activities")}</h3>
        <Table
          testId="scaling-activities"
          rows={view.scaling.activities}
          empty={t("none")}
          columns={[
            { label: t("started"), cell: (row) => <Time at={row.start} /> },
            { label: t("status"), cell: (row) => <Status value={row.status} /> },
            { label: t("description"), cell: (row) => row.description },
            { label: t("cause"), cell: (row) => <span class="reason">{row.cause}</span> },
          ]}
        />
      </Section>
      <Section title={t("log")}>
        <LogView lines={view.log} group={view.logGroup} showStream />
      </Section>
    </>
  );
}

export const modelPages = [
  listPage<ModelsView>("models", "inference", Models),
  detailPage<ModelView>("model", "models", Model),
  detailPage<EndpointConfigView>("endpoint-config", "models", EndpointConfig),
];

export const endpointPages = [
  listPage<EndpointsView>("endpoints", "inference", Endpoints),
  detailPage<EndpointView>("endpoint", "endpoints", Endpoint),
];
