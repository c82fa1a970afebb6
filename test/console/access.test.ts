import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consoleSignInToken, consoleSignInUrl } from "../../src/common/console-link";
import { type LocalServer, startLocalServer } from "../../src/local/server";

/**
 * Who may open the local console: only a browser that took a sign-in link made with the state folder's key, and
 * only from the console's own pages. Plain HTTP against a real server; the browser suite (console.test.ts) drives
 * the pages themselves.
 */

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

let server: LocalServer;
let stateDir: string;

function send(
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
) {
  const url = new URL(server.url);
  return new Promise<Answer>((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path,
        method: options.method ?? "GET",
        headers: { Host: url.host, ...options.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

/** Takes a fresh link: the session cookie ("name=value") and the key the page would keep. */
async function signIn(): Promise<{ cookie: string; key: string; setCookie: string }> {
  const link = new URL(consoleSignInUrl(server.url, server.credentials));
  const answer = await send(`${link.pathname}${link.search}`);
  expect(answer.status).toBe(303);
  const setCookie = String(answer.headers["set-cookie"]);
  const key = /#key=([A-Za-z0-9_-]+)$/.exec(String(answer.headers.location))?.[1] ?? "";
  return { cookie: setCookie.split(";")[0] as string, key, setCookie };
}

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), "console-access-"));
  server = await startLocalServer({ port: 0, stateDir });
});

afterAll(async () => {
  await server?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

describe("the local console's door", () => {
  it("refuses everything without a session: the page 401, the API 401", async () => {
    const page = await send("/_console/");
    expect(page.status).toBe(401);
    expect(page.headers["content-type"]).toContain("text/html");
    expect(page.body).toContain("npm run console");
    const api = await send("/_console/api/view/overview");
    expect(api.status).toBe(401);
    expect(JSON.parse(api.body).code).toBe("Unauthorized");
    expect((await send("/_console/assets/app.js")).status).toBe(401);
  });

  it("opens a session from a one-time link: an HttpOnly, SameSite=Strict cookie on /_console and a key in the fragment", async () => {
    const { setCookie, key, cookie } = await signIn();
    expect(setCookie).toMatch(new RegExp(`^local-sagemaker-console-${server.port}=`));
    expect(setCookie).toContain("HttpOnly");
    expect(setCookie).toContain("SameSite=Strict");
    expect(setCookie).toContain("Path=/_console");
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const page = await send("/_console/", { headers: { Cookie: cookie } });
    expect(page.status).toBe(200);
    expect(page.headers["content-security-policy"]).toContain("frame-ancestors 'none'");
    expect(page.headers["x-frame-options"]).toBe("DENY");
    const view = await send("/_console/api/view/overview", {
      headers: { Cookie: cookie, "X-Console-Key": key },
    });
    expect(view.status).toBe(200);
    expect(JSON.parse(view.body).counts.length).toBeGreaterThan(5);
  });

  it("needs both halves: the cookie without the key is 403, the key without the cookie 401", async () => {
    const { cookie, key } = await signIn();
    expect((await send("/_console/api/view/overview", { headers: { Cookie: cookie } })).status).toBe(403);
    expect(
      (
        await send("/_console/api/view/overview", {
          headers: { Cookie: cookie, "X-Console-Key": `${key.slice(1)}x` },
        })
      ).status,
    ).toBe(403);
    expect((await send("/_console/api/view/overview", { headers: { "X-Console-Key": key } })).status).toBe(
      401,
    );
  });

  it("takes a link once, only with this server's key, and not after a restart either", async () => {
    const token = consoleSignInToken(server.credentials);
    expect((await send(`/_console/sign-in?token=${token}`)).status).toBe(303);
    const again = await send(`/_console/sign-in?token=${token}`);
    expect(again.status).toBe(403);
    expect(again.body).toContain("already");
    const foreign = consoleSignInToken({
      accessKeyId: server.credentials.accessKeyId,
      secretAccessKey: "x".repeat(40),
    });
    expect((await send(`/_console/sign-in?token=${foreign}`)).status).toBe(403);
    const old = consoleSignInToken(server.credentials, Date.now() - 13 * 60 * 60 * 1000);
    expect((await send(`/_console/sign-in?token=${old}`)).body).toContain("expired");
    expect((await send("/_console/sign-in?token=v1.garbage")).status).toBe(403);

    const unused = consoleSignInToken(server.credentials);
    await send(`/_console/sign-in?token=${unused}`);
    const port = server.port;
    await server.close();
    server = await startLocalServer({ port, stateDir });
    expect((await send(`/_console/sign-in?token=${token}`)).status).toBe(403);
    expect((await send(`/_console/sign-in?token=${unused}`)).status).toBe(403);
  });

  it("takes actions only as JSON from the console's own pages: a foreign Origin, a cross-site fetch or a form post is refused", async () => {
    const { cookie, key } = await signIn();
    const headers = { Cookie: cookie, "X-Console-Key": key, "Content-Type": "application/json" };
    const body = JSON.stringify({ name: "no-such-endpoint" });
    const path = "/_console/api/action/delete-endpoint";
    const foreign = await send(path, {
      method: "POST",
      body,
      headers: { ...headers, Origin: "http://evil.example" },
    });
    expect(foreign.status).toBe(403);
    expect(foreign.body).toContain("other sites");
    const otherPort = await send(path, {
      method: "POST",
      body,
      headers: { ...headers, Origin: "http://127.0.0.1:1" },
    });
    expect(otherPort.status).toBe(403);
    const crossSite = await send(path, {
      method: "POST",
      body,
      headers: { ...headers, "Sec-Fetch-Site": "same-site" },
    });
    expect(crossSite.status).toBe(403);
    const form = await send(path, {
      method: "POST",
      body: "name=x",
      headers: { ...headers, "Content-Type": "application/x-www-form-urlencoded" },
    });
    expect(form.status).toBe(415);
    // The console's own request reaches the service, which answers as the wire would.
    const own = await send(path, { method: "POST", body, headers: { ...headers, Origin: server.url } });
    expect(own.status).toBe(400);
    expect(JSON.parse(own.body).message).toContain("Could not find endpoint");
  });

  it("checks the pipeline and registry actions' input before the service sees it, then answers as the service does", async () => {
    const { cookie, key } = await signIn();
    const headers = {
      Cookie: cookie,
      "X-Console-Key": key,
      "Content-Type": "application/json",
      Origin: server.url,
    };
    const act = (action: string, input: Record<string, string>) =>
      send(`/_console/api/action/${action}`, { method: "POST", body: JSON.stringify(input), headers });
    // Only a versioned package's ARN: nothing else reaches UpdateModelPackage.
    const notArn = await act("approve-model-package", { arn: "some-group/1" });
    expect(notArn.status).toBe(400);
    expect(JSON.parse(notArn.body).message).toContain("versioned model package");
    const missing = await act("approve-model-package", {
      arn: `arn:aws:sagemaker:${server.region}:000000000000:model-package/no-such-group/1`,
    });
    expect(missing.status).toBe(400);
    expect(JSON.parse(missing.body).code).toBe("ValidationException");
    const badId = await act("stop-pipeline-execution", { name: "no-such-pipeline", execution: "../x" });
    expect(badId.status).toBe(400);
    expect(JSON.parse(badId.body).message).toContain("not a pipeline execution id");
    const noPipeline = await act("stop-pipeline-execution", {
      name: "no-such-pipeline",
      execution: "abc123",
    });
    expect(noPipeline.status).toBe(400);
    expect(JSON.parse(noPipeline.body).code).toBe("ResourceNotFound");
  });

  it("answers only requests addressed to this server (DNS rebinding) and no CORS preflight", async () => {
    const { cookie, key } = await signIn();
    const rebound = await send("/_console/api/view/overview", {
      headers: { Host: `rebound.example:${server.port}`, Cookie: cookie, "X-Console-Key": key },
    });
    expect(rebound.status).toBe(403);
    expect((await send("/_console/api/view/overview", { method: "OPTIONS" })).status).toBe(403);
  });

  it("ends a session on sign-out", async () => {
    const { cookie, key } = await signIn();
    const headers = { Cookie: cookie, "X-Console-Key": key, "Content-Type": "application/json" };
    const out = await send("/_console/api/sign-out", { method: "POST", body: "{}", headers });
    expect(out.status).toBe(200);
    expect(String(out.headers["set-cookie"])).toContain("Max-Age=0");
    expect((await send("/_console/api/view/overview", { headers })).status).toBe(401);
  });
});
