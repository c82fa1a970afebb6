import { readFileSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { join } from "node:path";
import { LOCAL_SERVICE_NAME, type LocalSageMakerHealth } from "../common/local-sagemaker";
import { projectRoot } from "../project";
import type { Identity } from "./core/arns";
import { toAwsError } from "./core/errors";
import { type Gate, sendFamilyError } from "./protocol/gate";
import { sendBody } from "./protocol/http";
import type { RequestHead } from "./protocol/request-head";
import type { Route } from "./protocol/routes";
import type { LocalSettings } from "./settings";

/**
 * The server's own routes under `/_local/`: the health answer clients use to find it (open: it reveals nothing
 * secret, no state path and no credentials) and the shutdown the launcher and `npm run labs` use, which only the
 * owner of the state folder's credentials may send.
 */

export const LOCAL_VERSION = packageVersion();

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(projectRoot(), "package.json"), "utf8")) as { version: string })
      .version;
  } catch {
    return "unknown";
  }
}

export interface AdminOptions {
  identity: Identity;
  settings: LocalSettings;
  /** The server's own URL, for the health answer. */
  url: () => string;
  /** Called on POST /_local/shutdown after the answer is sent. */
  onShutdownRequest: () => void;
  gate: Gate;
}

function sendJson(res: ServerResponse, status: number, document: unknown, requestId: string): void {
  sendBody(res, status, Buffer.from(JSON.stringify(document)), {
    "Content-Type": "application/json",
    "x-amzn-RequestId": requestId,
  });
}

export function adminRoute(options: AdminOptions): Route {
  return {
    name: "local admin",
    family: "rest-json",
    claim: (head) => (head.path.startsWith("/_local/") ? (res) => answer(head, res) : undefined),
  };

  async function answer(head: RequestHead, res: ServerResponse): Promise<void> {
    if (head.path === "/_local/health" && head.method === "GET") {
      const health: LocalSageMakerHealth = {
        service: LOCAL_SERVICE_NAME,
        version: LOCAL_VERSION,
        pid: process.pid,
        url: options.url(),
        region: options.identity.region,
        accountId: options.identity.accountId,
        serverlessIdleSeconds: options.settings.serverlessIdleMs / 1000,
        alarmTimeScale: options.settings.alarmTimeScale,
      };
      sendJson(res, 200, health, head.requestId);
      return;
    }
    if (head.path === "/_local/shutdown" && head.method === "POST") {
      try {
        await options.gate.admitOwner(head);
      } catch (error) {
        sendFamilyError(res, "rest-json", toAwsError(error), head);
        return;
      }
      sendJson(res, 202, { shuttingDown: true }, head.requestId);
      res.once("finish", options.onShutdownRequest);
      return;
    }
    sendJson(
      res,
      404,
      {
        message: `Local SageMaker has no ${head.method} ${head.path.slice(0, 100)}; it serves GET /_local/health and POST /_local/shutdown.`,
      },
      head.requestId,
    );
  }
}
