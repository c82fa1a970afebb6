import { DeleteAlarmsCommand, paginateDescribeAlarms } from "@aws-sdk/client-cloudwatch";
import { GetFunctionCommand, paginateListFunctions } from "@aws-sdk/client-lambda";
import {
  DeleteEndpointCommand,
  DeleteEndpointConfigCommand,
  DeleteModelCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  paginateListEndpointConfigs,
  paginateListEndpoints,
  paginateListModels,
  paginateListTags,
  paginateListTrainingJobs,
  paginateListTransformJobs,
  type SageMakerClient,
  StopTrainingJobCommand,
  StopTransformJobCommand,
  type Tag,
  waitUntilEndpointDeleted,
} from "@aws-sdk/client-sagemaker";
import { deregisterScalableVariants } from "./autoscaling";
import { deleteLambda } from "./lambda";
import { endpointWaitConfig } from "./model";
import { LAB_TAG_KEY, labResourcePrefix, WORKSHOP_TAG_KEY, WORKSHOP_TAG_VALUE } from "./naming";
import type { WorkshopSession } from "./session";

/** Describe/Delete of something already gone answers ValidationException "Could not find ...": not a failure here. */
const isGone = (error: unknown): boolean =>
  /could not find|does not exist|not found/i.test((error as Error).message ?? "") ||
  (error as Error).name === "ResourceNotFound";

/** Local SageMaker may not serve every kind of resource (or service): a kind it does not serve has nothing to clean up. */
const isUnsupported = (error: unknown): boolean =>
  ["UnknownOperationException", "UnknownServiceException"].includes((error as Error).name);

async function ignoreGone<T>(action: Promise<T>): Promise<T | undefined> {
  try {
    return await action;
  } catch (error) {
    if (isGone(error)) return undefined;
    throw error;
  }
}

async function waitUntilEndpointGone(session: WorkshopSession, endpointName: string): Promise<void> {
  try {
    await waitUntilEndpointDeleted(
      {
        client: session.sagemaker,
        ...endpointWaitConfig(session, { timeoutSeconds: session.mode === "local" ? 60 : 1200 }),
      },
      { EndpointName: endpointName },
    );
  } catch {
    throw new Error(
      `Endpoint ${endpointName} is still being deleted; run the cleanup cell again in a minute.`,
    );
  }
}

export interface DeletedResources {
  endpoints: string[];
  endpointConfigs: string[];
  models: string[];
  stoppedTrainingJobs: string[];
  stoppedTransformJobs: string[];
  lambdaFunctions: string[];
  /** Application Auto Scaling targets (endpoint variants), deregistered with their policies before the endpoint. */
  scalableTargets: string[];
  /** CloudWatch alarms (deployment guardrails) whose names start with the lab's prefix. */
  alarms: string[];
}

const empty = (): DeletedResources => ({
  endpoints: [],
  endpointConfigs: [],
  models: [],
  stoppedTrainingJobs: [],
  stoppedTransformJobs: [],
  lambdaFunctions: [],
  scalableTargets: [],
  alarms: [],
});

/**
 * Deletes an endpoint, then its endpoint config and the models the config named. Missing pieces are skipped.
 * `wait: false` sends the deletions without waiting for the endpoint to be gone (a kernel that is shutting down
 * has seconds, not minutes).
 */
export async function deleteEndpointResources(
  session: WorkshopSession,
  endpointName: string,
  options: { wait?: boolean } = {},
): Promise<DeletedResources> {
  const deleted = empty();
  const endpoint = await ignoreGone(
    session.sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpointName })),
  );
  if (!endpoint) return deleted;
  const configName = endpoint.EndpointConfigName;
  // Deregister first, as the Python workshop does: on AWS a target outliving its endpoint keeps its policies'
  // alarms (target tracking's AlarmHigh/AlarmLow), which the lab made and must not leave behind.
  deleted.scalableTargets.push(...(await deregisterScalableVariants(session, endpointName)));
  await ignoreGone(session.sagemaker.send(new DeleteEndpointCommand({ EndpointName: endpointName })));
  if (options.wait !== false) await waitUntilEndpointGone(session, endpointName);
  deleted.endpoints.push(endpointName);
  if (!configName) return deleted;
  const config = await ignoreGone(
    session.sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: configName })),
  );
  if (
    await ignoreGone(
      session.sagemaker.send(new DeleteEndpointConfigCommand({ EndpointConfigName: configName })),
    )
  ) {
    deleted.endpointConfigs.push(configName);
  }
  for (const variant of config?.ProductionVariants ?? []) {
    if (!variant.ModelName) continue;
    if (await ignoreGone(session.sagemaker.send(new DeleteModelCommand({ ModelName: variant.ModelName })))) {
      deleted.models.push(variant.ModelName);
    }
  }
  return deleted;
}

async function tagsOf(sagemaker: SageMakerClient, arn: string): Promise<Tag[]> {
  const tags: Tag[] = [];
  for await (const page of paginateListTags({ client: sagemaker }, { ResourceArn: arn }))
    tags.push(...(page.Tags ?? []));
  return tags;
}

/** Every (name, arn) pair of a List* paginator; a kind local SageMaker does not serve has none. */
async function listAll<P>(
  pages: AsyncIterable<P>,
  pick: (page: P) => { name?: string; arn?: string }[],
): Promise<{ name: string; arn: string }[]> {
  const items: { name: string; arn: string }[] = [];
  try {
    for await (const page of pages) {
      for (const item of pick(page))
        if (item.name && item.arn) items.push({ name: item.name, arn: item.arn });
    }
  } catch (error) {
    if (!isUnsupported(error)) throw error;
  }
  return items;
}

const KIND_NAMES: Record<keyof DeletedResources, [string, string]> = {
  endpoints: ["endpoint", "endpoints"],
  endpointConfigs: ["endpoint config", "endpoint configs"],
  models: ["model", "models"],
  stoppedTrainingJobs: ["stopped training job", "stopped training jobs"],
  stoppedTransformJobs: ["stopped transform job", "stopped transform jobs"],
  lambdaFunctions: ["Lambda function", "Lambda functions"],
  scalableTargets: ["scalable target", "scalable targets"],
  alarms: ["CloudWatch alarm", "CloudWatch alarms"],
};

/** "1 endpoint (ko-4-1-...), 1 endpoint config (...), 1 model (...)"; "nothing" when the lists are empty. */
export function describeDeleted(deleted: DeletedResources, options: { names?: boolean } = {}): string {
  const parts = (Object.keys(KIND_NAMES) as (keyof DeletedResources)[])
    .filter((kind) => deleted[kind].length > 0)
    .map((kind) => {
      const list = deleted[kind];
      const [one, many] = KIND_NAMES[kind];
      const names = options.names === false ? "" : ` (${list.join(", ")})`;
      return `${list.length} ${list.length === 1 ? one : many}${names}`;
    });
  return parts.length === 0 ? "nothing" : parts.join(", ");
}

export interface CleanupOptions {
  /** Only what this lab created (its `ko-sagemaker:lab` tag); default: everything the workshop tagged. */
  lab?: string;
  /** Print what was deleted (default true). */
  verbose?: boolean;
  /** Wait until each endpoint is gone before deleting its config (default true). */
  wait?: boolean;
}

/**
 * Deletes everything the workshop created that still costs or occupies something: endpoints (then their
 * configs and models), leftover endpoint configs and models, Lambda functions, CloudWatch alarms, and stops running
 * training and transform jobs.
 * Only resources carrying the workshop tag are touched (alarms: the workshop's name prefix, see
 * `deleteWorkshopAlarms`), so other work in the account is safe.
 * S3 objects (artifacts later labs reuse) are left in place.
 */
export async function cleanupWorkshopResources(
  session: WorkshopSession,
  options: CleanupOptions = {},
): Promise<DeletedResources> {
  const { sagemaker } = session;
  const tagged = (tags: Tag[]): boolean => {
    const has = (key: string, value: string) => tags.some((tag) => tag.Key === key && tag.Value === value);
    return (
      has(WORKSHOP_TAG_KEY, WORKSHOP_TAG_VALUE) &&
      (options.lab === undefined || has(LAB_TAG_KEY, options.lab))
    );
  };
  const ours = async (arn: string): Promise<boolean> => {
    const tags = await ignoreGone(tagsOf(sagemaker, arn));
    return tags !== undefined && tagged(tags);
  };
  const deleted = empty();

  const client = { client: sagemaker, pageSize: 100 };
  const endpoints = await listAll(paginateListEndpoints(client, {}), (page) =>
    (page.Endpoints ?? []).map((e) => ({ name: e.EndpointName, arn: e.EndpointArn })),
  );
  for (const endpoint of endpoints) {
    if (!(await ours(endpoint.arn))) continue;
    const result = await deleteEndpointResources(session, endpoint.name, { wait: options.wait !== false });
    deleted.endpoints.push(...result.endpoints);
    deleted.endpointConfigs.push(...result.endpointConfigs);
    deleted.models.push(...result.models);
    deleted.scalableTargets.push(...result.scalableTargets);
  }

  const configs = await listAll(paginateListEndpointConfigs(client, {}), (page) =>
    (page.EndpointConfigs ?? []).map((c) => ({ name: c.EndpointConfigName, arn: c.EndpointConfigArn })),
  );
  for (const config of configs) {
    if (deleted.endpointConfigs.includes(config.name) || !(await ours(config.arn))) continue;
    if (
      await ignoreGone(sagemaker.send(new DeleteEndpointConfigCommand({ EndpointConfigName: config.name })))
    ) {
      deleted.endpointConfigs.push(config.name);
    }
  }

  const models = await listAll(paginateListModels(client, {}), (page) =>
    (page.Models ?? []).map((m) => ({ name: m.ModelName, arn: m.ModelArn })),
  );
  for (const model of models) {
    if (deleted.models.includes(model.name) || !(await ours(model.arn))) continue;
    if (await ignoreGone(sagemaker.send(new DeleteModelCommand({ ModelName: model.name })))) {
      deleted.models.push(model.name);
    }
  }

  const training = await listAll(paginateListTrainingJobs(client, { StatusEquals: "InProgress" }), (page) =>
    (page.TrainingJobSummaries ?? []).map((j) => ({ name: j.TrainingJobName, arn: j.TrainingJobArn })),
  );
  for (const job of training) {
    if (!(await ours(job.arn))) continue;
    await ignoreGone(sagemaker.send(new StopTrainingJobCommand({ TrainingJobName: job.name })));
    deleted.stoppedTrainingJobs.push(job.name);
  }

  const transforms = await listAll(
    paginateListTransformJobs(client, { StatusEquals: "InProgress" }),
    (page) =>
      (page.TransformJobSummaries ?? []).map((j) => ({ name: j.TransformJobName, arn: j.TransformJobArn })),
  );
  for (const job of transforms) {
    if (!(await ours(job.arn))) continue;
    await ignoreGone(sagemaker.send(new StopTransformJobCommand({ TransformJobName: job.name })));
    deleted.stoppedTransformJobs.push(job.name);
  }

  // Lambda lists no tags: GetFunction has them.
  const functions = await listAll(paginateListFunctions({ client: session.lambda }, {}), (page) =>
    (page.Functions ?? []).map((f) => ({ name: f.FunctionName, arn: f.FunctionArn })),
  );
  for (const fn of functions) {
    const described = await ignoreGone(
      session.lambda.send(new GetFunctionCommand({ FunctionName: fn.name })),
    );
    const tags = Object.entries(described?.Tags ?? {}).map(([Key, Value]) => ({ Key, Value }));
    if (!described || !tagged(tags)) continue;
    if (await deleteLambda(session, fn.name)) deleted.lambdaFunctions.push(fn.name);
  }

  deleted.alarms.push(...(await deleteWorkshopAlarms(session, options.lab)));

  if (options.verbose !== false) {
    const total = Object.values(deleted).reduce((sum, list) => sum + list.length, 0);
    console.log(
      total === 0
        ? `정리 완료: 남은 워크숍 리소스가 없습니다${options.lab ? ` (lab ${options.lab})` : ""}. Nothing left to clean up.`
        : `정리 완료 (cleanup): ${describeDeleted(deleted)}`,
    );
  }
  return deleted;
}

/**
 * Deletes the CloudWatch alarms a lab made (all the workshop's without `lab`): those whose names start with
 * `labResourcePrefix(lab)` followed by a hyphen. Alarms are found by name because local CloudWatch keeps their tags
 * but does not list them (ListTagsForResource); the labs name their alarms after their endpoints, which carry the
 * prefix. Returns the names deleted.
 */
export async function deleteWorkshopAlarms(session: WorkshopSession, lab?: string): Promise<string[]> {
  const prefix = `${labResourcePrefix(lab)}-`;
  const names: string[] = [];
  try {
    for await (const page of paginateDescribeAlarms(
      { client: session.cloudwatch },
      { AlarmNamePrefix: prefix, AlarmTypes: ["MetricAlarm"] },
    )) {
      for (const alarm of page.MetricAlarms ?? []) if (alarm.AlarmName) names.push(alarm.AlarmName);
    }
  } catch (error) {
    if (isUnsupported(error)) return [];
    // Labs without alarms must not fail their cleanup for want of a CloudWatch permission.
    if (/AccessDenied/.test((error as Error).name)) {
      console.warn(
        `CloudWatch alarms were not checked (${(error as Error).name}): ${(error as Error).message}`,
      );
      return [];
    }
    throw error;
  }
  // DeleteAlarms takes at most 100 names.
  for (let start = 0; start < names.length; start += 100) {
    await ignoreGone(
      session.cloudwatch.send(new DeleteAlarmsCommand({ AlarmNames: names.slice(start, start + 100) })),
    );
  }
  return names;
}
