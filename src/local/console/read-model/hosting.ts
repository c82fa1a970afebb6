import type { ContainerDefinition, EndpointSummary, ProductionVariant } from "@aws-sdk/client-sagemaker";
import { logGroupOf } from "../../services/sagemaker/hosting/deployment";
import type {
  Chart,
  ContainerInfo,
  EndpointConfigView,
  EndpointRow,
  EndpointsView,
  EndpointView,
  ModelsView,
  ModelView,
  ScalingView,
  VariantConfig,
} from "../views";
import { listAll, logTail, type MetricSpec, metricChart, ms, orElse } from "./common";
import type { ConsoleSources } from "./sources";

/** Models, endpoint configs and endpoints, through SageMakerService.hosting (and Application Auto Scaling). */

/** How far back an endpoint's charts reach, and their period. */
const CHART_WINDOW_MS = 15 * 60 * 1000;
const CHART_PERIOD_S = 10;

function variantConfig(variant: ProductionVariant): VariantConfig {
  const serverless = variant.ServerlessConfig;
  return {
    name: variant.VariantName as string,
    modelName: variant.ModelName as string,
    instanceType: variant.InstanceType,
    instanceCount: variant.InitialInstanceCount,
    weight: variant.InitialVariantWeight ?? 1,
    ...(serverless
      ? {
          serverless: {
            memoryMB: serverless.MemorySizeInMB,
            maxConcurrency: serverless.MaxConcurrency,
            provisionedConcurrency: serverless.ProvisionedConcurrency,
          },
        }
      : {}),
  };
}

function containersOf(model: { PrimaryContainer?: ContainerDefinition; Containers?: ContainerDefinition[] }) {
  return model.Containers?.length ? model.Containers : model.PrimaryContainer ? [model.PrimaryContainer] : [];
}

function containerInfo(container: ContainerDefinition): ContainerInfo {
  return {
    hostname: container.ContainerHostname,
    image:
      container.Image ?? (container.ModelPackageName ? `model package ${container.ModelPackageName}` : ""),
    modelDataUrl: container.ModelDataUrl ?? container.ModelDataSource?.S3DataSource?.S3Uri,
    mode: container.Mode,
    environment: container.Environment ?? {},
  };
}

function configNames(sources: ConsoleSources): string[] {
  const { endpointConfigs } = sources.sagemaker.hosting;
  return listAll(
    (input) => endpointConfigs.listEndpointConfigs(input),
    (page) => page.EndpointConfigs,
  ).map((config) => config.EndpointConfigName as string);
}

export function endpointSummaries(sources: ConsoleSources): EndpointSummary[] {
  const { endpoints } = sources.sagemaker.hosting;
  return listAll(
    (input) => endpoints.listEndpoints(input),
    (page) => page.Endpoints,
  );
}

export function modelNames(sources: ConsoleSources): string[] {
  const { models } = sources.sagemaker.hosting;
  return listAll(
    (input) => models.listModels(input),
    (page) => page.Models,
  ).map((model) => model.ModelName as string);
}

export function modelsAndConfigs(sources: ConsoleSources): ModelsView {
  const { hosting } = sources.sagemaker;
  const models = modelNames(sources).flatMap((name) => {
    const model = orElse(() => hosting.models.describeModel({ ModelName: name }), undefined);
    if (!model) return [];
    const containers = containersOf(model);
    return [
      {
        name,
        created: ms(model.CreationTime) ?? 0,
        containers: containers.length,
        image: containers[0] ? containerInfo(containers[0]).image : "",
        mode: model.InferenceExecutionConfig?.Mode ?? (containers.length > 1 ? "Serial" : "Single"),
      },
    ];
  });
  const configs = configNames(sources).flatMap((name) => {
    const config = orElse(
      () => hosting.endpointConfigs.describeEndpointConfig({ EndpointConfigName: name }),
      undefined,
    );
    if (!config) return [];
    return [
      {
        name,
        created: ms(config.CreationTime) ?? 0,
        variants: (config.ProductionVariants ?? []).map(variantConfig),
        async: config.AsyncInferenceConfig !== undefined,
      },
    ];
  });
  return { models, configs };
}

export function model(sources: ConsoleSources, name: string): ModelView {
  const { hosting } = sources.sagemaker;
  const described = hosting.models.describeModel({ ModelName: name });
  const containers = containersOf(described);
  const configs = configNames(sources).filter((config) =>
    orElse(
      () =>
        (
          hosting.endpointConfigs.describeEndpointConfig({ EndpointConfigName: config }).ProductionVariants ??
          []
        ).some((variant) => variant.ModelName === name),
      false,
    ),
  );
  return {
    name,
    arn: described.ModelArn as string,
    created: ms(described.CreationTime) ?? 0,
    role: described.ExecutionRoleArn,
    mode: described.InferenceExecutionConfig?.Mode ?? (containers.length > 1 ? "Serial" : "Single"),
    containers: containers.map(containerInfo),
    configs,
  };
}

export function endpointConfig(sources: ConsoleSources, name: string): EndpointConfigView {
  const { hosting } = sources.sagemaker;
  const config = hosting.endpointConfigs.describeEndpointConfig({ EndpointConfigName: name });
  const asyncConfig = config.AsyncInferenceConfig;
  return {
    name,
    arn: config.EndpointConfigArn as string,
    created: ms(config.CreationTime) ?? 0,
    variants: (config.ProductionVariants ?? []).map(variantConfig),
    ...(asyncConfig
      ? {
          async: {
            outputPath: asyncConfig.OutputConfig?.S3OutputPath,
            failurePath: asyncConfig.OutputConfig?.S3FailurePath,
            maxConcurrentPerInstance: asyncConfig.ClientConfig?.MaxConcurrentInvocationsPerInstance,
          },
        }
      : {}),
    endpoints: endpointSummaries(sources)
      .filter((endpoint) => {
        const described = orElse(
          () => hosting.endpoints.describeEndpoint({ EndpointName: endpoint.EndpointName }),
          undefined,
        );
        return (
          described?.EndpointConfigName === name ||
          described?.PendingDeploymentSummary?.EndpointConfigName === name
        );
      })
      .map((endpoint) => endpoint.EndpointName as string),
  };
}

function kindOf(sources: ConsoleSources, name: string): EndpointRow["kind"] {
  const described = orElse(
    () => sources.sagemaker.hosting.endpoints.describeEndpoint({ EndpointName: name }),
    undefined,
  );
  if (described?.AsyncInferenceConfig) return "async";
  const variants = described?.ProductionVariants ?? [];
  if (variants.length > 0 && variants.every((variant) => variant.CurrentServerlessConfig))
    return "serverless";
  return "real-time";
}

export function endpoints(sources: ConsoleSources): EndpointsView {
  return {
    endpoints: endpointSummaries(sources).map((endpoint) => {
      const name = endpoint.EndpointName as string;
      const described = orElse(
        () => sources.sagemaker.hosting.endpoints.describeEndpoint({ EndpointName: name }),
        undefined,
      );
      return {
        name,
        status: endpoint.EndpointStatus as string,
        config: described?.EndpointConfigName ?? "",
        kind: kindOf(sources, name),
        created: ms(endpoint.CreationTime) ?? 0,
        modified: ms(endpoint.LastModifiedTime) ?? 0,
      };
    }),
  };
}

/** Application Auto Scaling's targets, policies and activities for an endpoint's variants. */
function scaling(sources: ConsoleSources, endpointName: string, variants: string[]): ScalingView {
  const { autoscaling } = sources;
  const ids = variants.map((variant) => `endpoint/${endpointName}/variant/${variant}`);
  if (ids.length === 0) return { targets: [], policies: [], activities: [] };
  const targets = orElse(
    () =>
      autoscaling.describeScalableTargets({ ServiceNamespace: "sagemaker", ResourceIds: ids })
        .ScalableTargets ?? [],
    [],
  );
  const policies = ids.flatMap((id) =>
    orElse(
      () =>
        autoscaling.describeScalingPolicies({ ServiceNamespace: "sagemaker", ResourceId: id })
          .ScalingPolicies ?? [],
      [],
    ),
  );
  const activities = ids
    .flatMap((id) =>
      orElse(
        () =>
          autoscaling.describeScalingActivities({
            ServiceNamespace: "sagemaker",
            ResourceId: id,
            MaxResults: 20,
          }).ScalingActivities ?? [],
        [],
      ),
    )
    .sort((a, b) => (ms(b.StartTime) ?? 0) - (ms(a.StartTime) ?? 0))
    .slice(0, 20);
  return {
    targets: targets.map((target) => ({
      resourceId: target.ResourceId as string,
      dimension: target.ScalableDimension as string,
      min: target.MinCapacity ?? 0,
      max: target.MaxCapacity ?? 0,
      suspended: Boolean(
        target.SuspendedState?.DynamicScalingInSuspended ||
          target.SuspendedState?.DynamicScalingOutSuspended ||
          target.SuspendedState?.ScheduledScalingSuspended,
      ),
    })),
    policies: policies.map((policy) => {
      const tracking = policy.TargetTrackingScalingPolicyConfiguration;
      return {
        name: policy.PolicyName as string,
        type: policy.PolicyType as string,
        resourceId: policy.ResourceId as string,
        target: tracking?.TargetValue,
        metric:
          tracking?.PredefinedMetricSpecification?.PredefinedMetricType ??
          tracking?.CustomizedMetricSpecification?.MetricName ??
          policy.StepScalingPolicyConfiguration?.AdjustmentType,
        scaleInCooldown: tracking?.ScaleInCooldown,
        scaleOutCooldown: tracking?.ScaleOutCooldown ?? policy.StepScalingPolicyConfiguration?.Cooldown,
        alarms: (policy.Alarms ?? []).map((alarm) => alarm.AlarmName as string),
      };
    }),
    activities: activities.map((activity) => ({
      resourceId: activity.ResourceId as string,
      status: activity.StatusCode as string,
      description: activity.Description as string,
      cause: activity.Cause as string,
      message: activity.StatusMessage,
      start: ms(activity.StartTime) ?? 0,
      end: ms(activity.EndTime),
    })),
  };
}

/** The endpoint's charts: what SageMaker publishes per variant to AWS/SageMaker, over the last 15 minutes. */
function endpointCharts(
  sources: ConsoleSources,
  name: string,
  variants: string[],
  isAsync: boolean,
): Chart[] {
  const end = Date.now() + 1000;
  const start = end - CHART_WINDOW_MS;
  const perVariant = variants.map((variant) => ({
    name: variant,
    dimensions: [
      { Name: "EndpointName", Value: name },
      { Name: "VariantName", Value: variant },
    ],
  }));
  const specs: MetricSpec[] = [
    {
      id: "invocations",
      namespace: "AWS/SageMaker",
      metric: "Invocations",
      statistic: "Sum",
      unit: "count",
      series: perVariant,
    },
    {
      id: "model-latency",
      namespace: "AWS/SageMaker",
      metric: "ModelLatency",
      statistic: "Average",
      unit: "ms",
      scale: 0.001,
      series: perVariant,
    },
    {
      id: "errors-4xx",
      namespace: "AWS/SageMaker",
      metric: "Invocation4XXErrors",
      statistic: "Sum",
      unit: "count",
      series: perVariant,
    },
    {
      id: "errors-5xx",
      namespace: "AWS/SageMaker",
      metric: "Invocation5XXErrors",
      statistic: "Sum",
      unit: "count",
      series: perVariant,
    },
  ];
  if (isAsync) {
    specs.push({
      id: "backlog",
      namespace: "AWS/SageMaker",
      metric: "ApproximateBacklogSize",
      statistic: "Maximum",
      unit: "count",
      series: [{ name, dimensions: [{ Name: "EndpointName", Value: name }] }],
    });
  }
  return specs.map((spec) => metricChart(sources.context, spec, start, end, CHART_PERIOD_S));
}

export function endpoint(sources: ConsoleSources, name: string): EndpointView {
  const { endpoints: api } = sources.sagemaker.hosting;
  const described = api.describeEndpoint({ EndpointName: name });
  const variants = described.ProductionVariants ?? [];
  const pending = described.PendingDeploymentSummary;
  const variantNames = [
    ...new Set([
      ...variants.map((variant) => variant.VariantName as string),
      ...(pending?.ProductionVariants ?? []).map((variant) => variant.VariantName as string),
    ]),
  ];
  const asyncConfig = described.AsyncInferenceConfig;
  const stage = pending?.ProductionVariants?.[0]?.VariantStatus?.[0];
  const last = described.LastDeploymentConfig;
  const policy = last?.BlueGreenUpdatePolicy?.TrafficRoutingConfiguration;
  return {
    name,
    arn: described.EndpointArn as string,
    status: described.EndpointStatus as string,
    failureReason: described.FailureReason,
    config: described.EndpointConfigName as string,
    created: ms(described.CreationTime) ?? 0,
    modified: ms(described.LastModifiedTime) ?? 0,
    kind: kindOf(sources, name),
    variants: variants.map((variant) => {
      const serverless = variant.CurrentServerlessConfig;
      return {
        name: variant.VariantName as string,
        currentWeight: variant.CurrentWeight,
        desiredWeight: variant.DesiredWeight,
        currentInstances: variant.CurrentInstanceCount,
        desiredInstances: variant.DesiredInstanceCount,
        ...(serverless
          ? {
              serverless: {
                memoryMB: serverless.MemorySizeInMB,
                maxConcurrency: serverless.MaxConcurrency,
                provisionedConcurrency: serverless.ProvisionedConcurrency,
              },
            }
          : {}),
        images: (variant.DeployedImages ?? []).map((image) => image.SpecifiedImage as string),
      };
    }),
    fleets: api.processes(name),
    ...(pending
      ? {
          deployment: {
            config: pending.EndpointConfigName as string,
            started: ms(pending.StartTime) ?? 0,
            stage: stage?.Status,
            message: stage?.StatusMessage,
            stageStarted: ms(stage?.StartTime),
            variants: (pending.ProductionVariants ?? []).map((variant) => ({
              name: variant.VariantName as string,
              desiredWeight: variant.DesiredWeight,
              desiredInstances: variant.DesiredInstanceCount,
            })),
          },
        }
      : {}),
    ...(last
      ? {
          lastDeployment: last.RollingUpdatePolicy
            ? `Rolling (MaximumBatchSize ${last.RollingUpdatePolicy.MaximumBatchSize?.Value} ${last.RollingUpdatePolicy.MaximumBatchSize?.Type})`
            : `Blue/green ${policy?.Type ?? ""}${policy?.CanarySize ? ` ${policy.CanarySize.Value} ${policy.CanarySize.Type}` : ""}${policy?.LinearStepSize ? ` ${policy.LinearStepSize.Value} ${policy.LinearStepSize.Type}` : ""}`,
        }
      : {}),
    ...(asyncConfig
      ? {
          async: {
            backlog: api.backlog(name) ?? 0,
            outputPath: asyncConfig.OutputConfig?.S3OutputPath,
            failurePath: asyncConfig.OutputConfig?.S3FailurePath,
            maxConcurrentPerInstance: asyncConfig.ClientConfig?.MaxConcurrentInvocationsPerInstance,
          },
        }
      : {}),
    charts: endpointCharts(sources, name, variantNames, asyncConfig !== undefined),
    scaling: scaling(sources, name, variantNames),
    logGroup: logGroupOf(name),
    log: logTail(sources.context, logGroupOf(name), undefined, 100),
    canDelete: described.EndpointStatus !== "Deleting",
  };
}
