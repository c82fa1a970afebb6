import type { ServerResponse } from "node:http";
import { AwsError, toAwsError } from "../core/errors";
import type { RequestHead } from "../protocol/request-head";
import { ACTIONS, VIEWS } from "./pages";
import type { ConsoleSources } from "./read-model/sources";
import { consoleHeaders, sendJson } from "./reply";
import type { ConsoleSession, ConsoleSessions } from "./sessions";

/** What the API module needs from the route: the sources, and where open live streams are registered. */
export interface ConsoleApiContext {
  sources: ConsoleSources;
  session: ConsoleSession;
  sessions: ConsoleSessions;
  cookieName: string;
  track(res: ServerResponse): void;
}

/**
 * The console's API, behind the route's session checks (loaded at the first API request):
 *   GET  /_console/api/view/<page>?…      the page's view, once
 *   GET  /_console/api/live/<page>?…      the page's view as server-sent events, again whenever it changes
 *   POST /_console/api/action/<action>    {"name": …}: stop a job, delete an endpoint, …
 *   GET  /_console/api/download?bucket&key   an S3 object, as an attachment
 *   POST /_console/api/sign-out
 */

const LIVE_INTERVAL_MS = 1_000;
const HEARTBEAT_MS = 15_000;

export async function handleApi(
  head: RequestHead,
  res: ServerResponse,
  body: Buffer,
  context: ConsoleApiContext,
): Promise<void> {
  const [kind, name = ""] = head.path.slice("/_console/api/".length).split("/");
  try {
    if (head.method === "GET" && kind === "view") {
      sendJson(res, 200, await readView(context, name, head.query));
      return;
    }
    if (head.method === "GET" && kind === "live") {
      live(res, context, name, head.query);
      return;
    }
    if (head.method === "GET" && kind === "download") {
      await download(res, context, head.query.get("bucket") ?? "", head.query.get("key") ?? "");
      return;
    }
    if (head.method === "POST" && kind === "action") {
      const action = ACTIONS[name];
      if (!action) throw notFound(`The console has no action "${name.slice(0, 50)}".`);
      const input = parseInput(body);
      const result = await action(context.sources, input);
      sendJson(res, 200, { ok: true, result: result ?? {} });
      return;
    }
    if (head.method === "POST" && kind === "sign-out") {
      context.sessions.end(context.session.id);
      res.setHeader(
        "Set-Cookie",
        `${context.cookieName}=; HttpOnly; SameSite=Strict; Path=/_console; Max-Age=0`,
      );
      sendJson(res, 200, { ok: true });
      return;
    }
    throw notFound(`The console's API has no ${head.method} ${head.path.slice(0, 100)}.`);
  } catch (error) {
    const failure = toAwsError(error);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    sendJson(res, failure.status, { code: failure.code, message: failure.message });
  }
}

function notFound(message: string): AwsError {
  return new AwsError("NotFound", message, { status: 404 });
}

function parseInput(body: Buffer): URLSearchParams {
  let document: unknown;
  try {
    document = body.length === 0 ? {} : JSON.parse(body.toString("utf8"));
  } catch {
    throw new AwsError("BadRequest", "The action's body is not JSON.", { status: 400 });
  }
  const input = new URLSearchParams();
  for (const [key, value] of Object.entries((document ?? {}) as Record<string, unknown>)) {
    if (typeof value === "string") input.set(key, value);
  }
  return input;
}

async function readView(context: ConsoleApiContext, name: string, params: URLSearchParams): Promise<unknown> {
  const view = VIEWS[name];
  if (!view) throw notFound(`The console has no page "${name.slice(0, 50)}".`);
  return await view.read(context.sources, params);
}

/** Server-sent events: the view at once, then whenever it changes (checked each second), and a heartbeat. */
function live(res: ServerResponse, context: ConsoleApiContext, name: string, params: URLSearchParams): void {
  if (!VIEWS[name]) throw notFound(`The console has no page "${name.slice(0, 50)}".`);
  res.writeHead(
    200,
    consoleHeaders({
      "Content-Type": "text/event-stream; charset=utf-8",
      "Cache-Control": "no-store",
      "X-Accel-Buffering": "no",
    }),
  );
  context.track(res);
  let last = "";
  let busy = false;
  const tick = async (): Promise<void> => {
    if (busy || res.destroyed) return;
    busy = true;
    try {
      const text = JSON.stringify(await readView(context, name, params));
      if (text !== last) {
        last = text;
        res.write(`event: view\ndata: ${text}\n\n`);
      }
    } catch (error) {
      const failure = toAwsError(error);
      const text = JSON.stringify({ code: failure.code, message: failure.message, status: failure.status });
      if (text !== last) {
        last = text;
        res.write(`event: failure\ndata: ${text}\n\n`);
      }
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void tick(), LIVE_INTERVAL_MS);
  const heartbeat = setInterval(() => res.write(": still here\n\n"), HEARTBEAT_MS);
  res.once("close", () => {
    clearInterval(timer);
    clearInterval(heartbeat);
  });
  void tick();
}

async function download(
  res: ServerResponse,
  context: ConsoleApiContext,
  bucket: string,
  key: string,
): Promise<void> {
  const { object, stream } = await context.sources.context.s3.openObject(bucket, key);
  const filename = key.split("/").pop() || "object";
  res.writeHead(
    200,
    consoleHeaders({
      "Content-Type": object.contentType || "application/octet-stream",
      "Content-Length": String(object.size),
      "Content-Disposition": `attachment; filename="${filename.replace(/[^\w.-]/g, "_")}"; filename*=UTF-8''${encodeURIComponent(filename)}`,
      "Cache-Control": "no-store",
    }),
  );
  stream.pipe(res);
}
