import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createEndpointBody,
  HfEndpointPredictor,
  HfToken,
  HfTokenMissingError,
  HfUnreachableError,
  HuggingFaceError,
  hfEnvironment,
  InferenceEndpointsClient,
  REDACTED_TOKEN,
} from "../../src/huggingface";
import { fakeHuggingFace } from "./fake-hugging-face";

const SECRET = "hf_TestSecretToken1234567890abcdef";

let fake: Awaited<ReturnType<typeof fakeHuggingFace>>;

beforeAll(async () => {
  fake = await fakeHuggingFace(SECRET);
});
afterAll(async () => {
  await fake.close();
});

/** Everything an error could show: its message, stack, JSON and inspect forms. */
const everything = (error: unknown): string =>
  [String(error), (error as Error).stack ?? "", JSON.stringify(error), inspect(error, { depth: 6 })].join(
    "\n",
  );

describe("HfToken", () => {
  it("never shows itself: string, template, JSON, inspect", () => {
    const token = new HfToken(SECRET);
    const shown = [
      String(token),
      `${token}`,
      JSON.stringify({ token }),
      inspect({ token }, { depth: 4 }),
    ].join(" ");
    expect(shown).not.toContain(SECRET);
    expect(shown).toContain(REDACTED_TOKEN);
    expect(token.reveal()).toBe(SECRET);
    expect(token.redact(`a ${SECRET} b ${encodeURIComponent(SECRET)}`)).toBe(
      `a ${REDACTED_TOKEN} b ${REDACTED_TOKEN}`,
    );
  });

  it("comes from the environment; without one, the error says how to make one", () => {
    const env = hfEnvironment({
      HF_TOKEN: ` ${SECRET} `,
      HF_NAMESPACE: "learner",
      HF_ENDPOINT_URL: "https://e.example",
    });
    expect(env.token?.reveal()).toBe(SECRET);
    expect(env).toMatchObject({ namespace: "learner", endpointUrl: "https://e.example" });
    expect(env.apiUrl).toBe("https://api.endpoints.huggingface.cloud/v2");
    expect(JSON.stringify(env)).not.toContain(SECRET);
    expect(hfEnvironment({}).token).toBeUndefined();
    expect(() => new HfToken("  ")).toThrow(HfTokenMissingError);
    expect(new HfTokenMissingError().message).toMatch(
      /huggingface\.co\/settings\/tokens.*never paste it into a cell/,
    );
  });
});

describe("the Inference Endpoints API", () => {
  it("plans each call as the documented request, with the token redacted", () => {
    const client = new InferenceEndpointsClient({ namespace: "learner", token: new HfToken(SECRET) });
    const api = "https://api.endpoints.huggingface.cloud/v2/endpoint/learner";
    expect(client.planList()).toEqual({
      method: "GET",
      url: api,
      headers: { authorization: `Bearer ${REDACTED_TOKEN}` },
    });
    expect(client.planGet("ko").url).toBe(`${api}/ko`);
    expect(client.planPause("ko")).toMatchObject({ method: "POST", url: `${api}/ko/pause` });
    expect(client.planResume("ko")).toMatchObject({ method: "POST", url: `${api}/ko/resume` });
    expect(client.planScaleToZero("ko").url).toBe(`${api}/ko/scale-to-zero`);
    expect(client.planDelete("ko")).toMatchObject({ method: "DELETE", url: `${api}/ko` });
    const create = client.planCreate({
      name: "koelectra-nsmc",
      repository: "daekeun-ml/koelectra-small-v3-nsmc",
    });
    expect(create).toMatchObject({
      method: "POST",
      url: api,
      headers: { "content-type": "application/json" },
    });
    expect(create.body).toEqual({
      name: "koelectra-nsmc",
      type: "authenticated",
      provider: { vendor: "aws", region: "us-east-1" },
      compute: {
        accelerator: "cpu",
        instanceType: "intel-spr",
        instanceSize: "x2",
        scaling: { minReplica: 0, maxReplica: 1, scaleToZeroTimeout: 15 },
      },
      model: {
        repository: "daekeun-ml/koelectra-small-v3-nsmc",
        framework: "pytorch",
        task: "text-classification",
        image: { huggingface: {} },
      },
    });
    expect(JSON.stringify([client.planList(), create])).not.toContain(SECRET);
    // Without a token or namespace the plan still shows where it would go.
    expect(new InferenceEndpointsClient().planList()).toEqual({
      method: "GET",
      url: "https://api.endpoints.huggingface.cloud/v2/endpoint/<HF_NAMESPACE>",
      headers: { authorization: "Bearer <HF_TOKEN>" },
    });
    expect(() => createEndpointBody({ name: "Bad_Name", repository: "x" })).toThrow(/1-32 lowercase/);
  });

  it("lists, creates, waits, pauses, resumes and deletes against the API, sending the real token", async () => {
    const client = new InferenceEndpointsClient({
      namespace: "learner",
      token: new HfToken(SECRET),
      apiUrl: fake.apiUrl,
    });
    expect(await client.list()).toEqual([]);
    const created = await client.create({
      name: "koelectra-nsmc",
      repository: "daekeun-ml/koelectra-small-v3-nsmc",
    });
    expect(created).toMatchObject({ name: "koelectra-nsmc", state: "pending", type: "authenticated" });
    const states: string[] = [];
    const running = await client.waitUntilRunning("koelectra-nsmc", {
      pollSeconds: 0.01,
      onStatus: (info) => states.push(info.state ?? ""),
    });
    expect(states.at(-1)).toBe("running");
    expect(running.url).toBe(fake.endpointUrl);
    expect((await client.pause("koelectra-nsmc")).state).toBe("paused");
    expect((await client.resume("koelectra-nsmc")).state).toBe("running");
    expect((await client.list()).map((e) => e.name)).toEqual(["koelectra-nsmc"]);
    await client.delete("koelectra-nsmc");
    expect(await client.list()).toEqual([]);
    expect(fake.authorizations.every((value) => value === `Bearer ${SECRET}`)).toBe(true);
  });

  it("an error answer, even one that echoes the token, is reported without it", async () => {
    const client = new InferenceEndpointsClient({
      namespace: "echo-401",
      token: new HfToken(SECRET),
      apiUrl: fake.apiUrl,
    });
    const error = await client.list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HuggingFaceError);
    expect((error as HuggingFaceError).status).toBe(401);
    expect((error as Error).message).toMatch(/answered 401: .*lacks the Inference Endpoints permission/);
    expect(everything(error)).not.toContain(SECRET);
    expect((error as Error).message).toContain(REDACTED_TOKEN);
  });

  it("offline, or without a token or namespace, nothing is sent and the message says why", async () => {
    const closed = `http://127.0.0.1:${await closedPort()}/v2`;
    const client = new InferenceEndpointsClient({
      namespace: "learner",
      token: new HfToken(SECRET),
      apiUrl: closed,
    });
    const error = await client.list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HfUnreachableError);
    expect((error as Error).message).toMatch(
      /Cannot reach 127\.0\.0\.1:\d+ \(ECONNREFUSED\).*Nothing was sent/,
    );
    expect(everything(error)).not.toContain(SECRET);
    await expect(new InferenceEndpointsClient({ namespace: "learner" }).list()).rejects.toThrow(
      HfTokenMissingError,
    );
    await expect(new InferenceEndpointsClient({ token: new HfToken(SECRET) }).list()).rejects.toThrow(
      /HF_NAMESPACE/,
    );
  });
});

describe("calling an endpoint through @huggingface/inference", () => {
  it("shows the request it would send (token redacted), then sends it and times the answer", async () => {
    const predictor = new HfEndpointPredictor({ endpointUrl: fake.endpointUrl, token: new HfToken(SECRET) });
    const planned = await predictor.plannedRequest("정말 재밌어요");
    expect(planned).toMatchObject({
      method: "POST",
      url: fake.endpointUrl,
      headers: { authorization: `Bearer ${REDACTED_TOKEN}`, "content-type": "application/json" },
      body: { inputs: "정말 재밌어요" },
    });
    expect(JSON.stringify(planned)).not.toContain(SECRET);
    const answer = await predictor.predict("정말 재밌어요");
    expect(answer.result).toEqual([
      { label: "positive", score: 0.9 },
      { label: "negative", score: 0.1 },
    ]);
    expect(answer.latencyMs).toBeGreaterThan(0);
    const nested = new HfEndpointPredictor({
      endpointUrl: `${fake.endpointUrl}/nested`,
      token: new HfToken(SECRET),
    });
    expect((await nested.predict("너무 지루했다")).result).toEqual([
      { label: "negative", score: 0.9 },
      { label: "positive", score: 0.1 },
    ]);
    expect(fake.invocations.at(-2)).toEqual({
      authorization: `Bearer ${SECRET}`,
      body: { inputs: "정말 재밌어요" },
    });
  });

  it("an endpoint's error that echoes the token, and an unreachable endpoint, are reported without it", async () => {
    const broken = new HfEndpointPredictor({
      endpointUrl: `${fake.endpointUrl}/echo-500`,
      token: new HfToken(SECRET),
    });
    const error = await broken.predict("x").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HuggingFaceError);
    expect((error as HuggingFaceError).status).toBe(500);
    expect(everything(error)).not.toContain(SECRET);
    const away = new HfEndpointPredictor({
      endpointUrl: `http://127.0.0.1:${await closedPort()}`,
      token: new HfToken(SECRET),
    });
    const unreachable = await away.predict("x").catch((e: unknown) => e);
    expect(unreachable).toBeInstanceOf(HfUnreachableError);
    expect(everything(unreachable)).not.toContain(SECRET);
    await expect(new HfEndpointPredictor({ endpointUrl: fake.endpointUrl }).predict("x")).rejects.toThrow(
      HfTokenMissingError,
    );
  });
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
