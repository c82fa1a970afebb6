import { createReadStream, existsSync, statSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { extname, join } from "node:path";
import { CONSOLE_PATH, CONSOLE_SIGN_IN_PATH } from "../../common/console-link";
import { projectRoot } from "../../project";
import { header, readBody, sendBody } from "../protocol/http";
import type { RequestHead } from "../protocol/request-head";
import type { Route } from "../protocol/routes";
import type { ConsoleSources } from "./read-model/sources";
import { SECURITY_HEADERS, sendJson } from "./reply";
import { ConsoleSessions } from "./sessions";

/**
 * `/_console/`: the local console, served by local SageMaker itself on its own port, behind the same Host/Origin
 * checks as every other route (the router's gate runs before this route answers). Who may look:
 * - `GET /_console/sign-in?token=…` takes a one-time link (see common/console-link.ts) and opens a session: the
 *   session cookie (HttpOnly, SameSite=Strict, Path=/_console) and the session key, which the page keeps in its
 *   own origin's storage (see sessions.ts);
 * - the page and its assets need the cookie; `/_console/api/*` needs the cookie and `X-Console-Key`; a POST also
 *   must not come from another site (`Sec-Fetch-Site`), and must be JSON;
 * - anything else answers 401 (no session) or 403 (a session, but not this request's key).
 * This module is what the server loads at start: small, Node built-ins only. The read model and the API behind
 * it are loaded at the first API request, so the console costs start-up and InvokeEndpoint nothing.
 */

export const CONSOLE_KEY_HEADER = "x-console-key";
const API_PREFIX = `${CONSOLE_PATH}/api/`;
const MAX_ACTION_BODY = 64 * 1024;

/** What a console response always carries: no framing, no sniffing, no referrer, scripts only from here. */
const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".json": "application/json",
  ".txt": "text/plain; charset=utf-8",
};

export interface ConsoleOptions {
  stateDir: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** The server's port (known once it listens): the cookie's name carries it. */
  port: () => number;
  sources: ConsoleSources;
  /** Where the built pages are (default: dist/console of the project). */
  assetsDir?: string;
}

export interface ConsoleRoute extends Route {
  /** Ends the open live streams (server shutdown). */
  stop(): void;
}

export function consoleRoute(options: ConsoleOptions): ConsoleRoute {
  const sessions = new ConsoleSessions(options.stateDir, options.credentials);
  const assetsDir = options.assetsDir ?? join(projectRoot(), "dist", "console");
  const streams = new Set<ServerResponse>();
  let api: Promise<typeof import("./api")> | undefined;
  const cookieName = (): string => `local-sagemaker-console-${options.port()}`;

  return {
    name: "local console",
    family: "rest-json",
    claim: (head) =>
      head.path === CONSOLE_PATH || head.path.startsWith(`${CONSOLE_PATH}/`)
        ? (res) => answer(head, res)
        : undefined,
    stop() {
      for (const res of streams) res.destroy();
      streams.clear();
    },
  };

  async function answer(head: RequestHead, res: ServerResponse): Promise<void> {
    if (head.path === CONSOLE_PATH) {
      redirect(res, `${CONSOLE_PATH}/`);
      return;
    }
    if (head.path === CONSOLE_SIGN_IN_PATH) {
      signIn(head, res);
      return;
    }
    const sessionId = cookie(head, cookieName());
    if (head.path.startsWith(API_PREFIX)) {
      const key = header(head.req, CONSOLE_KEY_HEADER);
      const session = sessions.find(sessionId, key ?? "");
      if (!session) {
        // 401: no current session at all; 403: a session cookie, but not this page's key (or no key).
        const known = sessions.find(sessionId) !== undefined;
        sendJson(res, known ? 403 : 401, {
          code: known ? "Forbidden" : "Unauthorized",
          message: known
            ? "This request does not carry the console session's key (X-Console-Key)."
            : "No console session: open the sign-in link local SageMaker prints (npm run local, lab 1.1, or npm run console).",
        });
        return;
      }
      let body: Buffer = Buffer.alloc(0);
      if (head.method === "POST") {
        const site = header(head.req, "sec-fetch-site");
        if (site !== undefined && site !== "same-origin") {
          sendJson(res, 403, {
            code: "Forbidden",
            message: `Console actions come from the console's own pages (Sec-Fetch-Site ${site}).`,
          });
          return;
        }
        if (!(header(head.req, "content-type") ?? "").startsWith("application/json")) {
          sendJson(res, 415, {
            code: "UnsupportedMediaType",
            message: "Console actions are application/json requests.",
          });
          return;
        }
        body = await readBody(head.req, MAX_ACTION_BODY);
      }
      api ??= import("./api");
      const module = await api;
      await module.handleApi(head, res, body, {
        sources: options.sources,
        session,
        sessions,
        cookieName: cookieName(),
        track(stream) {
          streams.add(stream);
          stream.once("close", () => streams.delete(stream));
        },
      });
      return;
    }
    if (head.method !== "GET" && head.method !== "HEAD") {
      sendJson(res, 405, {
        code: "MethodNotAllowed",
        message: `The console's pages answer GET, not ${head.method}.`,
      });
      return;
    }
    if (!sessions.find(sessionId)) {
      sendPage(res, 401, signInPage("no-session"));
      return;
    }
    serveAsset(head, res, assetsDir);
  }

  function signIn(head: RequestHead, res: ServerResponse): void {
    const token = head.query.get("token") ?? "";
    const result = sessions.signIn(token);
    if (!result.ok) {
      sendPage(res, 403, signInPage(result.reason));
      return;
    }
    const { session } = result;
    // The key travels in the fragment: the browser keeps it for the page and never sends it to any server.
    sendBody(res, 303, Buffer.alloc(0), {
      ...SECURITY_HEADERS,
      Location: `${CONSOLE_PATH}/#key=${session.key}`,
      "Set-Cookie": `${cookieName()}=${session.id}; HttpOnly; SameSite=Strict; Path=${CONSOLE_PATH}; Max-Age=43200`,
      "Cache-Control": "no-store",
    });
  }
}

function cookie(head: RequestHead, name: string): string | undefined {
  const text = header(head.req, "cookie");
  if (!text) return undefined;
  for (const part of text.split(";")) {
    const equals = part.indexOf("=");
    if (equals > 0 && part.slice(0, equals).trim() === name) return part.slice(equals + 1).trim();
  }
  return undefined;
}

function redirect(res: ServerResponse, location: string): void {
  sendBody(res, 308, Buffer.alloc(0), { ...SECURITY_HEADERS, Location: location });
}

function sendPage(res: ServerResponse, status: number, html: string): void {
  sendBody(res, status, Buffer.from(html), {
    ...SECURITY_HEADERS,
    "Content-Type": "text/html; charset=utf-8",
    "Cache-Control": "no-store",
  });
}

/** Files of the built console: hashed assets are cached for good, the page itself is always checked again. */
function serveAsset(head: RequestHead, res: ServerResponse, dir: string): void {
  const relative = head.path === `${CONSOLE_PATH}/` ? "index.html" : head.path.slice(CONSOLE_PATH.length + 1);
  // Only the flat names the build writes: no encoded characters, no dot segments, no other folders.
  if (!/^(index\.html|assets\/[A-Za-z0-9._-]+)$/.test(relative) || relative.includes("..")) {
    sendJson(res, 404, { code: "NotFound", message: `The console has no ${head.path.slice(0, 100)}.` });
    return;
  }
  const file = join(dir, relative);
  if (!existsSync(file)) {
    if (relative === "index.html") {
      sendPage(res, 503, notBuiltPage());
      return;
    }
    sendJson(res, 404, { code: "NotFound", message: `The console has no ${head.path.slice(0, 100)}.` });
    return;
  }
  const gzipped = `${file}.gz`;
  const acceptsGzip = /\bgzip\b/.test(header(head.req, "accept-encoding") ?? "");
  const useGzip = acceptsGzip && existsSync(gzipped);
  const served = useGzip ? gzipped : file;
  const size = statSync(served).size;
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    "Content-Type": CONTENT_TYPES[extname(file)] ?? "application/octet-stream",
    "Content-Length": String(size),
    "Cache-Control": relative === "index.html" ? "no-cache" : "private, max-age=31536000, immutable",
    Vary: "Accept-Encoding",
    ...(useGzip ? { "Content-Encoding": "gzip" } : {}),
  });
  if (head.method === "HEAD") {
    res.end();
    return;
  }
  createReadStream(served).pipe(res);
}

const PAGE_STYLE =
  "body{font:15px/1.6 system-ui,sans-serif;max-width:42rem;margin:4rem auto;padding:0 1rem;color:#16191f}" +
  "code{background:#f2f3f3;padding:.1rem .3rem;border-radius:3px}h1{font-size:1.3rem}";

const SIGN_IN_REASONS: Record<string, [string, string]> = {
  "no-session": ["로그인이 필요합니다.", "You are not signed in."],
  malformed: ["로그인 링크가 올바르지 않습니다.", "The sign-in link is not valid."],
  signature: [
    "이 로그인 링크는 이 서버의 키로 만든 것이 아닙니다.",
    "This sign-in link was not made with this server's key.",
  ],
  expired: ["로그인 링크가 만료되었습니다(12시간).", "The sign-in link has expired (links last 12 hours)."],
  future: ["로그인 링크의 시각이 이 컴퓨터의 시계보다 앞섭니다.", "The sign-in link is dated in the future."],
  used: [
    "이 로그인 링크는 이미 사용되었습니다(한 번만 쓸 수 있습니다).",
    "This sign-in link has been used already (each link works once).",
  ],
};

function signInPage(reason: string): string {
  const [ko, en] = SIGN_IN_REASONS[reason] ?? (SIGN_IN_REASONS.malformed as [string, string]);
  return `<!doctype html><html lang="ko"><head><meta charset="utf-8"><title>Local SageMaker console</title><style>${PAGE_STYLE}</style></head><body>
<h1>로컬 SageMaker 콘솔 / Local SageMaker console</h1>
<p>${ko} 새 로그인 링크: 서버를 시작할 때 <code>npm run local</code>이 출력한 링크, 랩 1.1이 출력한 링크, 또는 <code>npm run console</code>.</p>
<p>${en} Get a new link: the one <code>npm run local</code> printed at start, the one lab 1.1 prints, or <code>npm run console</code>.</p>
</body></html>`;
}

function notBuiltPage(): string {
  return `<!doctype html><html lang="ko"><head><meta charset="utf-8"><title>Local SageMaker console</title><style>${PAGE_STYLE}</style></head><body>
<h1>로컬 SageMaker 콘솔 / Local SageMaker console</h1>
<p>콘솔 페이지가 아직 빌드되지 않았습니다: <code>npm run build</code>를 실행하세요.</p>
<p>The console's pages are not built: run <code>npm run build</code>.</p>
</body></html>`;
}
