import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A stand-in for Hugging Face on 127.0.0.1: the Inference Endpoints API (`/v2/endpoint/<namespace>...`, endpoints
 * going pending → initializing → running) and one text-classification endpoint (`/endpoint`). It accepts only
 * `Bearer <token>`, and its error answers echo the Authorization header (namespace `echo-401`, path
 * `/endpoint/echo-500`) so tests can check that the client never passes the token on.
 */
export async function fakeHuggingFace(token: string) {
  const endpoints = new Map<string, { body: Record<string, unknown>; gets: number; state: string }>();
  const authorizations: string[] = [];
  const invocations: { authorization: string; body: unknown }[] = [];
  const negative = ["지루", "아깝", "최악", "별로", "엉성", "실망"];

  const read = (request: IncomingMessage) =>
    new Promise<string>((resolve) => {
      let body = "";
      request.on("data", (chunk) => {
        body += chunk;
      });
      request.on("end", () => resolve(body));
    });
  const json = (response: ServerResponse, status: number, value: unknown) => {
    response.writeHead(status, { "content-type": "application/json" });
    response.end(JSON.stringify(value));
  };

  const server = createServer(async (request, response) => {
    const url = new URL(request.url ?? "/", "http://fake");
    const auth = String(request.headers.authorization ?? "");
    const text = await read(request);
    const parts = url.pathname.split("/").filter(Boolean);
    if (parts[0] === "endpoint") {
      invocations.push({ authorization: auth, body: text ? JSON.parse(text) : undefined });
      if (parts[1] === "echo-500") return json(response, 500, { error: `model crashed for ${auth}` });
      if (auth !== `Bearer ${token}`)
        return json(response, 401, { error: "Authorization header is invalid" });
      const input = String((JSON.parse(text) as { inputs: unknown }).inputs);
      const bad = negative.some((word) => input.includes(word));
      const scores = [
        { label: bad ? "negative" : "positive", score: 0.9 },
        { label: bad ? "positive" : "negative", score: 0.1 },
      ];
      // The inference toolkit's flat pipeline answer, or the serverless API's nested one.
      return json(response, 200, parts[1] === "nested" ? [scores] : scores);
    }
    if (parts[0] !== "v2" || parts[1] !== "endpoint" || !parts[2])
      return json(response, 404, { error: "no route" });
    authorizations.push(auth);
    const [namespace, name, action] = parts.slice(2);
    if (namespace === "echo-401")
      return json(response, 401, { error: `Invalid credentials in Authorization header: ${auth}` });
    if (auth !== `Bearer ${token}`) return json(response, 401, { error: "Invalid credentials" });
    const describe = (key: string) => {
      const entry = endpoints.get(key);
      if (!entry) return undefined;
      return {
        ...entry.body,
        status: {
          state: entry.state,
          ...(entry.state === "running" ? { url: `http://127.0.0.1:${port}/endpoint` } : {}),
        },
      };
    };
    if (!name) {
      if (request.method === "GET")
        return json(response, 200, { items: [...endpoints.keys()].map(describe) });
      if (request.method === "POST") {
        const body = JSON.parse(text) as Record<string, unknown>;
        const key = String(body.name);
        if (endpoints.has(key)) return json(response, 409, { error: `Endpoint ${key} already exists` });
        endpoints.set(key, { body, gets: 0, state: "pending" });
        return json(response, 202, describe(key));
      }
    }
    const entry = name ? endpoints.get(name) : undefined;
    if (!entry || !name) return json(response, 404, { error: `Endpoint ${name} not found` });
    if (request.method === "DELETE" && !action) {
      endpoints.delete(name);
      return json(response, 202, {});
    }
    if (request.method === "GET" && !action) {
      entry.gets++;
      if (entry.state !== "paused") entry.state = entry.gets === 1 ? "initializing" : "running";
      return json(response, 200, describe(name));
    }
    if (request.method === "POST" && action === "pause") entry.state = "paused";
    else if (request.method === "POST" && action === "resume") entry.state = "running";
    else if (request.method === "POST" && action === "scale-to-zero") entry.state = "scaledToZero";
    else return json(response, 404, { error: "no route" });
    return json(response, 200, describe(name));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    apiUrl: `http://127.0.0.1:${port}/v2`,
    endpointUrl: `http://127.0.0.1:${port}/endpoint`,
    authorizations,
    invocations,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
