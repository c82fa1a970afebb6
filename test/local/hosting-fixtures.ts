import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DeleteEndpointCommand,
  DescribeEndpointCommand,
  type DescribeEndpointCommandOutput,
  ListEndpointsCommand,
  type ProductionVariant,
  SageMakerClient,
  waitUntilEndpointDeleted,
  waitUntilEndpointInService,
} from "@aws-sdk/client-sagemaker";
import { SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import * as tar from "tar";

import { clientConfig } from "../support/local-clients";

export { rawArchive } from "../support/raw-archive";

import { type LocalServer, startLocalServer } from "../../src/local/server";
import type { LocalSettings } from "../../src/local/settings";

/** Shared set-up of the hosting and runtime suites: a real local SageMaker on port 0 and the real AWS clients. */

export const BUCKET = "hosting-tests";
export const IMAGE =
  "763104351884.dkr.ecr.ap-northeast-2.amazonaws.com/huggingface-pytorch-inference:2.1.0-transformers4.37.0-cpu-py310-ubuntu22.04";

export interface Local {
  server: LocalServer;
  stateDir: string;
  sm: SageMakerClient;
  runtime: SageMakerRuntimeClient;
  /** A runtime client that does not retry, to see the first answer of a failing container. */
  runtimeOnce: SageMakerRuntimeClient;
  s3: S3Client;
  logs: CloudWatchLogsClient;
}

export async function startLocal(
  stateDir = mkdtempSync(join(tmpdir(), "hosting-")),
  settings: Partial<LocalSettings> = {},
): Promise<Local> {
  const server = await startLocalServer({ port: 0, stateDir, settings });
  const config = clientConfig(server);
  const local: Local = {
    server,
    stateDir,
    sm: new SageMakerClient(config),
    runtime: new SageMakerRuntimeClient(config),
    runtimeOnce: new SageMakerRuntimeClient({ ...config, maxAttempts: 1 }),
    s3: new S3Client({ ...config, forcePathStyle: true }),
    logs: new CloudWatchLogsClient(config),
  };
  await local.s3.send(new CreateBucketCommand({ Bucket: BUCKET })).catch((error: Error) => {
    // A restarted server keeps its buckets.
    if (error.name !== "BucketAlreadyOwnedByYou") throw error;
  });
  return local;
}

export async function stopLocal(local: Local | undefined, removeState = true): Promise<void> {
  if (!local) return;
  await local.server.close();
  for (const client of [local.sm, local.runtime, local.runtimeOnce, local.s3, local.logs]) client.destroy();
  if (removeState) rmSync(local.stateDir, { recursive: true, force: true });
}

/** A model.tar.gz made with node-tar from a folder of files. */
export async function modelArchive(
  files: Record<string, string>,
  encoding: BufferEncoding = "utf8",
): Promise<Buffer> {
  const dir = mkdtempSync(join(tmpdir(), "model-src-"));
  try {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text, encoding);
    }
    const file = join(dir, "..", `${dir.split("/").at(-1)}.tar.gz`);
    await tar.c({ gzip: true, file, cwd: dir, portable: true }, Object.keys(files));
    const archive = readFileSync(file);
    rmSync(file);
    return archive;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A handler that brings its own tiny keyword model, so the default codecs run without a trained classifier. */
export const KEYWORD_MODEL = `
type Score = { label: string; score: number };
function scores(text: string): Score[] {
  const positive = /좋|최고|재미/.test(text) ? 0.9 : 0.2;
  return [{ label: "positive", score: positive }, { label: "negative", score: Math.round((1 - positive) * 10) / 10 }];
}
export async function modelFn(modelDir: string) {
  return {
    classify: (texts: readonly string[]) => texts.map((t) => scores(t).sort((a, b) => b.score - a.score)[0]),
    classifyAll: (texts: readonly string[]) => texts.map(scores),
  };
}
`;

let counter = 0;
export const unique = (prefix: string): string =>
  `${prefix}-${Date.now().toString(36)}-${(counter++).toString(36)}`;

export async function putArchive(
  local: Local,
  archive: Buffer,
  key = `${unique("model")}/model.tar.gz`,
): Promise<string> {
  await local.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: archive }));
  return `s3://${BUCKET}/${key}`;
}

export interface DeployOptions {
  environment?: Record<string, string>;
  image?: string;
  variants?: Partial<ProductionVariant>[];
  wait?: boolean;
}

/** Model, endpoint config and endpoint for one archive; waits for InService unless told not to. */
export async function deploy(
  local: Local,
  archive: Buffer | string,
  options: DeployOptions = {},
): Promise<{ endpoint: string; config: string; model: string }> {
  const model = unique("m");
  const config = unique("c");
  const endpoint = unique("e");
  const url = typeof archive === "string" ? archive : await putArchive(local, archive);
  await local.sm.send(
    new CreateModelCommand({
      ModelName: model,
      ExecutionRoleArn: "arn:aws:iam::000000000000:role/local",
      PrimaryContainer: {
        Image: options.image ?? IMAGE,
        ModelDataUrl: url,
        Environment: options.environment,
      },
    }),
  );
  const variants = options.variants ?? [{}];
  await local.sm.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: config,
      ProductionVariants: variants.map((variant, index) => ({
        VariantName: index === 0 ? "AllTraffic" : `Variant${index}`,
        InitialInstanceCount: 1,
        InstanceType: "ml.m5.large",
        ...variant,
        ModelName: variant.ModelName ?? model,
      })),
    }),
  );
  await local.sm.send(new CreateEndpointCommand({ EndpointName: endpoint, EndpointConfigName: config }));
  if (options.wait !== false) {
    const described = await settled(local, endpoint);
    if (described.EndpointStatus !== "InService") {
      throw new Error(`Endpoint ${endpoint} is ${described.EndpointStatus}: ${described.FailureReason}`);
    }
  }
  return { endpoint, config, model };
}

export async function waitInService(local: Local, endpoint: string): Promise<void> {
  await waitUntilEndpointInService(
    { client: local.sm, maxWaitTime: 60, minDelay: 1, maxDelay: 1 },
    { EndpointName: endpoint },
  );
}

/** Polls DescribeEndpoint until the status leaves `from` (the SDK's waiters poll at most once a second). */
export async function settled(
  local: Local,
  endpoint: string,
  from: string[] = ["Creating", "Updating"],
): Promise<DescribeEndpointCommandOutput> {
  for (let attempt = 0; attempt < 600; attempt++) {
    const described = await local.sm.send(new DescribeEndpointCommand({ EndpointName: endpoint }));
    if (!from.includes(described.EndpointStatus as string)) return described;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`Endpoint ${endpoint} stayed ${from.join("/")} for a minute.`);
}

export async function deleteEndpoint(local: Local, endpoint: string): Promise<void> {
  try {
    await local.sm.send(new DeleteEndpointCommand({ EndpointName: endpoint }));
  } catch (error) {
    // Listed while Deleting, gone by the time it is deleted again: that is what the caller wanted.
    if (!/Could not find endpoint/.test((error as Error).message)) throw error;
    return;
  }
  await waitUntilEndpointDeleted(
    { client: local.sm, maxWaitTime: 60, minDelay: 1, maxDelay: 1 },
    { EndpointName: endpoint },
  );
}

export async function deleteAllEndpoints(local: Local | undefined, keep: string[] = []): Promise<void> {
  if (!local) return;
  const listed = await local.sm.send(new ListEndpointsCommand({ MaxResults: 100 }));
  const names = (listed.Endpoints ?? []).map((endpoint) => endpoint.EndpointName as string);
  await Promise.all(names.filter((name) => !keep.includes(name)).map((name) => deleteEndpoint(local, name)));
}

/** Process ids of the inference containers serving from a state folder (one endpoint's, if named), from /proc. */
export function containerPids(stateDir: string, endpoint?: string): number[] {
  const modelDir = `SM_MODEL_DIR=${join(stateDir, "sagemaker-containers", endpoint ? `${encodeURIComponent(endpoint.toLowerCase())}/` : "")}`;
  const out = execFileSync("ps", ["-eo", "pid=,args="], { encoding: "utf8" });
  return out
    .split("\n")
    .filter((line) => line.includes("containers/inference/main"))
    .map((line) => Number(line.trim().split(/\s+/)[0]))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/environ`, "utf8")
          .split("\0")
          .some((entry) => entry.startsWith(modelDir));
      } catch {
        return false;
      }
    });
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The SageMaker Smithy model (shared specs beside the repository; SMITHY_SPECS_DIR overrides). */
export const SAGEMAKER_SPEC = join(
  process.env.SMITHY_SPECS_DIR ?? join(__dirname, "../../../shared/specs/aws"),
  "sagemaker-2017-07-24.json",
);
export const HAVE_SPEC = existsSync(SAGEMAKER_SPEC);

type SmithyShape = {
  type: string;
  members?: Record<string, { target: string; traits?: Record<string, unknown> }>;
  member?: { target: string };
};
let smithyShapes: Record<string, SmithyShape> | undefined;

/** Required members of a Smithy output shape that `value` lacks, with their paths (nested structures and lists too). */
export function missingRequired(shape: string, value: unknown, path = shape): string[] {
  smithyShapes ??= (
    JSON.parse(readFileSync(SAGEMAKER_SPEC, "utf8")) as {
      shapes: Record<string, SmithyShape>;
    }
  ).shapes;
  const definition = smithyShapes[shape.includes("#") ? shape : `com.amazonaws.sagemaker#${shape}`];
  if (!definition || value === undefined || value === null) return [];
  if (definition.type === "list" && Array.isArray(value) && definition.member) {
    const member = definition.member.target;
    return value.flatMap((item, index) => missingRequired(member, item, `${path}[${index}]`));
  }
  if (definition.type !== "structure" || !definition.members) return [];
  const record = value as Record<string, unknown>;
  return Object.entries(definition.members).flatMap(([name, member]) => {
    if (record[name] === undefined) return member.traits?.["smithy.api#required"] ? [`${path}.${name}`] : [];
    return missingRequired(member.target, record[name], `${path}.${name}`);
  });
}
