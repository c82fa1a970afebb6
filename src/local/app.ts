import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import { projectRoot } from "../project";
import { createServiceContext, type ServiceContext } from "./context";
import { handleAwsJson, type JsonService, sendJsonError, toAwsError } from "./protocol/aws-json";
import { header, newRequestId, readBody, sendJson } from "./protocol/http";
import { createRuntimeHandler } from "./protocol/runtime";
import { handleS3 } from "./protocol/s3-rest";
import { logsJsonService } from "./services/logs";
import { createSageMakerService } from "./services/sagemaker";

/**
 * S3 bodies are held in memory while they are decoded and verified: larger uploads go through multipart
 * (lib-storage, boto3 and the AWS CLI switch to it on their own far below this).
 */
const MAX_S3_BODY_BYTES = 1024 * 1024 * 1024;
/** awsJson and runtime requests are small on AWS (6 MiB payloads); the cap leaves room to answer clearly. */
const MAX_API_BODY_BYTES = 64 * 1024 * 1024;

/**
 * SageMaker Runtime's operations (`/invocations`, `/async-invocations`, `/invocations-response-stream`);
 * any other path, even under a bucket named "endpoints", is S3's.
 */
const RUNTIME_PATH = /^\/endpoints\/[^/]+\/(?:async-)?invocations/;

export const LOCAL_SERVICE_NAME = "local-sagemaker";
export const LOCAL_VERSION = packageVersion();

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(projectRoot(), "package.json"), "utf8")) as { version: string })
      .version;
  } catch {
    return "unknown";
  }
}

export interface LocalApp {
  readonly context: ServiceContext;
  /** Handles one HTTP request; never rejects (failures become AWS errors on the wire). */
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Recovery after a restart (endpoints come back, interrupted jobs are marked Failed). */
  start(): Promise<void>;
  /** Stops child processes; state stays on disk. */
  stop(): Promise<void>;
}

export interface LocalAppOptions {
  stateDir: string;
  /** The server's own URL, for the health answer. */
  url: () => string;
  /** Called on POST /_local/shutdown after the answer is sent. */
  onShutdownRequest: () => void;
}

/** Logs an unexpected failure once, with its stack, so a bug is visible without killing the server. */
function reportUnexpected(error: unknown): void {
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`local-sagemaker: internal error: ${text}\n`);
}

export function createLocalApp(options: LocalAppOptions): LocalApp {
  const context = createServiceContext({ stateDir: options.stateDir });
  const sagemaker = createSageMakerService(context);
  const runtime = createRuntimeHandler(sagemaker.runtime);
  const jsonServices = new Map<string, JsonService>();
  for (const service of [sagemaker.service, logsJsonService(context.logs)]) {
    jsonServices.set(service.targetPrefix, service);
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0] as string;
    if (path === "/_local/health" && req.method === "GET") {
      sendJson(
        res,
        200,
        JSON.stringify({
          service: LOCAL_SERVICE_NAME,
          version: LOCAL_VERSION,
          pid: process.pid,
          stateDir: options.stateDir,
          url: options.url(),
        }),
      );
      return;
    }
    if (path === "/_local/shutdown" && req.method === "POST") {
      sendJson(res, 202, JSON.stringify({ shuttingDown: true }));
      res.once("finish", options.onShutdownRequest);
      return;
    }
    if (header(req, "x-amz-target") !== undefined && req.method === "POST") {
      const body = await readBody(req, MAX_API_BODY_BYTES);
      await handleAwsJson(jsonServices, req, res, body, reportUnexpected);
      return;
    }
    if (req.method === "POST" && RUNTIME_PATH.test(path)) {
      const body = await readBody(req, MAX_API_BODY_BYTES);
      await runtime(req, res, body);
      return;
    }
    await handleS3(context.s3, req, res, {
      region: context.region,
      bodyLimit: MAX_S3_BODY_BYTES,
      onUnexpected: reportUnexpected,
    });
  }

  return {
    context,
    async handle(req, res) {
      try {
        await route(req, res);
      } catch (error) {
        // Whatever escaped a protocol layer (a body that could not be read, a handler bug): answer and go on.
        const failure = toAwsError(error, reportUnexpected);
        if (!res.headersSent) sendJsonError(res, failure, newRequestId());
        else res.destroy();
      }
    },
    start: () => sagemaker.start(),
    stop: () => sagemaker.stop(),
  };
}
