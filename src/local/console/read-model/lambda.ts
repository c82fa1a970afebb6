import type { FunctionConfiguration } from "@aws-sdk/client-lambda";
import type { LambdaFunctionView, LambdaListView, LambdaRow } from "../views";
import { logTail, metricChart } from "./common";
import type { ConsoleSources } from "./sources";

/** Lambda functions through LambdaService: configuration, its invocation counts and environments, AWS/Lambda. */

export function lambdaConfigurations(sources: ConsoleSources): FunctionConfiguration[] {
  const found: FunctionConfiguration[] = [];
  let marker: string | undefined;
  do {
    const page = sources.lambda.listFunctions({ MaxItems: 50, Marker: marker });
    found.push(...(page.Functions ?? []));
    marker = page.NextMarker;
  } while (marker && found.length < 500);
  return found;
}

function row(sources: ConsoleSources, fn: FunctionConfiguration): LambdaRow {
  const name = fn.FunctionName as string;
  const activity = sources.lambda.activity.of(name);
  return {
    name,
    runtime: fn.Runtime ?? fn.PackageType ?? "",
    state: fn.State ?? "",
    memoryMB: fn.MemorySize ?? 128,
    timeoutS: fn.Timeout ?? 3,
    modified: fn.LastModified ?? "",
    invocations: activity.invocations,
    coldStarts: activity.coldStarts,
    errors: activity.errors,
  };
}

export function lambdaFunctions(sources: ConsoleSources): LambdaListView {
  return { functions: lambdaConfigurations(sources).map((fn) => row(sources, fn)) };
}

export function lambdaFunction(sources: ConsoleSources, name: string): LambdaFunctionView {
  const fn = sources.lambda.getFunctionConfiguration({ FunctionName: name });
  const activity = sources.lambda.activity.of(name);
  const end = Date.now() + 1000;
  const start = end - 15 * 60 * 1000;
  const dimensions = [{ Name: "FunctionName", Value: name }];
  const chart = (id: string, metric: string, statistic: "Sum" | "Average", unit: string) =>
    metricChart(
      sources.context,
      { id, namespace: "AWS/Lambda", metric, statistic, unit, series: [{ name, dimensions }] },
      start,
      end,
      10,
    );
  const logGroup = fn.LoggingConfig?.LogGroup ?? `/aws/lambda/${name}`;
  return {
    ...row(sources, fn),
    arn: fn.FunctionArn as string,
    handler: fn.Handler ?? fn.ImageConfigResponse?.ImageConfig?.Command?.[0],
    packageType: fn.PackageType ?? "Zip",
    stateReason: fn.StateReason,
    codeSize: fn.CodeSize ?? 0,
    throttles: activity.throttles,
    lastInitDurationMs: activity.lastInitDurationMs,
    lastDurationMs: activity.lastDurationMs,
    lastInvokedAt: activity.lastInvokedAt,
    environmentVariables: Object.keys(fn.Environment?.Variables ?? {}).sort(),
    environments: sources.lambda.environments(name).map((environment) => ({ ...environment })),
    charts: [
      chart("invocations", "Invocations", "Sum", "count"),
      chart("duration", "Duration", "Average", "ms"),
      chart("errors", "Errors", "Sum", "count"),
    ],
    logGroup,
    log: logTail(sources.context, logGroup, undefined, 100),
  };
}
