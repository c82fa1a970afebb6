/**
 * What a local SageMaker holds right now, for `npm run local -- status`: the server (URL, pid, state folder), the
 * training and transform jobs still running, the endpoints with their instance counts, and the processes it runs
 * (containers and jobs, with pids, from the state folder's process registry). Asked through the same signed API
 * the labs use; nothing is changed.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { CloudWatchLogsClient, DescribeLogStreamsCommand } from "@aws-sdk/client-cloudwatch-logs";
import {
  DescribeEndpointCommand,
  paginateListEndpoints,
  paginateListTrainingJobs,
  paginateListTransformJobs,
  SageMakerClient,
} from "@aws-sdk/client-sagemaker";
import { defaultStateDir, type LocalSageMakerHealth } from "../common/local-sagemaker";
import { localCredentials, localSageMakerHealth, localSageMakerUrl } from "./local-launcher";
import { endpointLogGroup, TRANSFORM_LOG_GROUP } from "./logs";

export interface LocalProcess {
  pid: number;
  /** "container i-…", "training job …", "Lambda environment …" */
  label: string;
  /** What a container serves: "endpoint <name> / <variant>" or "transform job <name>", when found. */
  owner?: string;
}

export interface LocalStatusReport {
  url: string;
  stateDir: string;
  /** The server's health answer; undefined when nothing answers at `url`. */
  server?: LocalSageMakerHealth;
  /** The state folder's lock (`server.lock`): who last ran on this folder, and whether that process lives. */
  lock?: { pid: number; url: string; alive: boolean };
  /** Why the API could not be asked (another folder's server answers, a refused key, ...). */
  problem?: string;
  trainingJobs: { name: string; status: string; secondaryStatus?: string; seconds?: number }[];
  transformJobs: { name: string; status: string }[];
  endpoints: {
    name: string;
    status: string;
    variants: { name: string; instances: number; desired?: number; serverless?: boolean }[];
  }[];
  processes: LocalProcess[];
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as T;
  } catch {
    return undefined;
  }
}

/** The server of a state folder: its lock names the URL, unless a port is asked for explicitly. */
export function localServerOf(options: { port?: number; stateDir?: string } = {}): {
  url: string;
  stateDir: string;
  lock?: { pid: number; url: string; alive: boolean };
} {
  const stateDir = resolve(options.stateDir ?? defaultStateDir());
  const record = readJson<{ pid: number; url: string }>(join(stateDir, "server.lock"));
  const lock = record && { ...record, alive: isAlive(record.pid) };
  const url =
    options.port !== undefined
      ? localSageMakerUrl(options.port)
      : lock?.alive && lock.url
        ? lock.url
        : localSageMakerUrl();
  return { url, stateDir, ...(lock ? { lock } : {}) };
}

export async function localSageMakerStatus(
  options: { port?: number; stateDir?: string } = {},
): Promise<LocalStatusReport> {
  const { url, stateDir, lock } = localServerOf(options);
  const report: LocalStatusReport = {
    url,
    stateDir,
    ...(lock ? { lock } : {}),
    trainingJobs: [],
    transformJobs: [],
    endpoints: [],
    processes: [],
  };
  const server = await localSageMakerHealth(url);
  if (!server) return report;
  report.server = server;
  if (!lock || lock.pid !== server.pid) {
    report.problem =
      `the server at ${url} (pid ${server.pid}) does not run on the state folder ${stateDir}` +
      `${lock?.alive ? ` (that folder's server is pid ${lock.pid} at ${lock.url})` : ""}: pass --state-dir <its folder> or --port <its port>`;
    return report;
  }
  if (!existsSync(join(stateDir, "credentials"))) {
    report.problem = `${join(stateDir, "credentials")} is missing: the server's key cannot be read`;
    return report;
  }
  const { accessKeyId, secretAccessKey } = localCredentials({ stateDir });
  // As the session does: the SDK's Node 22 notice is lab 1.1's to give, not every status line's.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const settings = { endpoint: url, region: server.region, credentials: { accessKeyId, secretAccessKey } };
  const sagemaker = new SageMakerClient(settings);
  const logs = new CloudWatchLogsClient(settings);
  try {
    const client = { client: sagemaker, pageSize: 100 };
    for await (const page of paginateListTrainingJobs(client, { StatusEquals: "InProgress" })) {
      for (const job of page.TrainingJobSummaries ?? []) {
        const started = job.CreationTime?.getTime();
        report.trainingJobs.push({
          name: job.TrainingJobName ?? "",
          status: job.TrainingJobStatus ?? "",
          ...(job.SecondaryStatus ? { secondaryStatus: job.SecondaryStatus } : {}),
          ...(started ? { seconds: Math.round((Date.now() - started) / 1000) } : {}),
        });
      }
    }
    for await (const page of paginateListTransformJobs(client, { StatusEquals: "InProgress" })) {
      for (const job of page.TransformJobSummaries ?? []) {
        report.transformJobs.push({ name: job.TransformJobName ?? "", status: job.TransformJobStatus ?? "" });
      }
    }
    for await (const page of paginateListEndpoints(client, {})) {
      for (const summary of page.Endpoints ?? []) {
        const name = summary.EndpointName ?? "";
        const endpoint = await sagemaker.send(new DescribeEndpointCommand({ EndpointName: name }));
        report.endpoints.push({
          name,
          status: endpoint.EndpointStatus ?? summary.EndpointStatus ?? "",
          variants: (endpoint.ProductionVariants ?? []).map((v) => ({
            name: v.VariantName ?? "",
            instances: v.CurrentInstanceCount ?? 0,
            ...(v.DesiredInstanceCount !== undefined ? { desired: v.DesiredInstanceCount } : {}),
            ...(v.CurrentServerlessConfig ? { serverless: true } : {}),
          })),
        });
      }
    }
    report.processes = await ownedProcesses(stateDir, logs, report);
  } catch (error) {
    report.problem = `the server did not answer the status questions: ${(error as Error).message}`;
  } finally {
    sagemaker.destroy();
    logs.destroy();
  }
  return report;
}

/** Log stream names carry instance ids (`<variant>/<instance>`, `<job>/<instance>`): that is how a container's owner is found. */
async function streamNames(logs: CloudWatchLogsClient, group: string, prefix?: string): Promise<string[]> {
  try {
    const answer = await logs.send(
      new DescribeLogStreamsCommand({
        logGroupName: group,
        ...(prefix ? { logStreamNamePrefix: prefix } : {}),
      }),
    );
    return (answer.logStreams ?? []).map((s) => s.logStreamName ?? "");
  } catch {
    return [];
  }
}

async function ownedProcesses(
  stateDir: string,
  logs: CloudWatchLogsClient,
  report: LocalStatusReport,
): Promise<LocalProcess[]> {
  const registered = readJson<{ pid: number; label: string }[]>(join(stateDir, "processes.json")) ?? [];
  const owners = new Map<string, string>();
  for (const endpoint of report.endpoints) {
    for (const stream of await streamNames(logs, endpointLogGroup(endpoint.name))) {
      const [variant, instance] = stream.split("/");
      if (instance) owners.set(instance, `endpoint ${endpoint.name} / ${variant}`);
    }
  }
  for (const job of report.transformJobs) {
    for (const stream of await streamNames(logs, TRANSFORM_LOG_GROUP, `${job.name}/`)) {
      const instance = stream.split("/")[1];
      if (instance) owners.set(instance, `transform job ${job.name}`);
    }
  }
  return registered
    .filter((entry) => isAlive(entry.pid))
    .map((entry) => {
      const instance = /^container (i-[0-9a-f]+)/.exec(entry.label)?.[1];
      const owner = instance ? owners.get(instance) : undefined;
      return { pid: entry.pid, label: entry.label, ...(owner ? { owner } : {}) };
    });
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** The report as the command prints it. */
export function formatLocalStatus(report: LocalStatusReport): string {
  const lines: string[] = [];
  if (!report.server) {
    lines.push(`Local SageMaker: not running at ${report.url}.`);
    lines.push(`State folder:    ${report.stateDir}`);
    if (report.lock && !report.lock.alive) {
      lines.push(`  (its last server, pid ${report.lock.pid} at ${report.lock.url}, has ended)`);
    }
    lines.push(
      "Nothing runs without the server: its jobs are marked Failed and its endpoints come back when it starts again.",
    );
    lines.push("Start it: npm run local   (or open a lab: the first one that needs it starts it)");
    return lines.join("\n");
  }
  const s = report.server;
  lines.push(
    `Local SageMaker: running at ${report.url} (pid ${s.pid}, version ${s.version}, region ${s.region})`,
  );
  lines.push(`Port:            ${new URL(report.url).port}`);
  lines.push(`State folder:    ${report.stateDir}`);
  if (report.problem) {
    lines.push(`Cannot list what it holds: ${report.problem}.`);
    return lines.join("\n");
  }
  lines.push(
    `Training jobs running: ${report.trainingJobs.length === 0 ? "none" : report.trainingJobs.length}`,
  );
  for (const job of report.trainingJobs) {
    const secondary = job.secondaryStatus ? ` / ${job.secondaryStatus}` : "";
    const seconds = job.seconds !== undefined ? `, ${job.seconds} s` : "";
    lines.push(`  - ${job.name}: ${job.status}${secondary}${seconds}`);
  }
  lines.push(
    `Transform jobs running: ${report.transformJobs.length === 0 ? "none" : report.transformJobs.length}`,
  );
  for (const job of report.transformJobs) lines.push(`  - ${job.name}: ${job.status}`);
  lines.push(`Endpoints: ${report.endpoints.length === 0 ? "none" : report.endpoints.length}`);
  for (const endpoint of report.endpoints) {
    const variants = endpoint.variants
      .map((v) =>
        v.serverless
          ? `${v.name} serverless`
          : `${v.name} ${plural(v.instances, "instance")}${v.desired !== undefined && v.desired !== v.instances ? ` (desired ${v.desired})` : ""}`,
      )
      .join(", ");
    lines.push(`  - ${endpoint.name}: ${endpoint.status}${variants ? `, ${variants}` : ""}`);
  }
  lines.push(
    `Processes (containers, jobs): ${report.processes.length === 0 ? "none" : report.processes.length}`,
  );
  for (const p of report.processes)
    lines.push(`  - pid ${p.pid}: ${p.label}${p.owner ? ` (${p.owner})` : ""}`);
  lines.push(
    "Stop the server and everything it runs: npm run local -- stop" +
      (report.stateDir === defaultStateDir() ? "" : ` --state-dir ${report.stateDir}`),
  );
  lines.push(
    "Delete one lab's resources instead: run its cleanup cell (cleanupWorkshopResources(session, { lab }))",
  );
  return lines.join("\n");
}
