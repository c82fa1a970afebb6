import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HfToken, hfEnvironment, InferenceEndpointsClient } from "../../src/huggingface";
import {
  answerOf,
  answersSideBySide,
  checkedAwsRequests,
  HUB_MODEL_ID,
  HUB_REVIEWS,
  hfEndpointSpec,
  hubSdkSteps,
  JUMPSTART_MODEL_ID,
  jumpStartCatalogFor,
  jumpStartInstanceType,
  jumpStartSteps,
  measureRoute,
  requestPreviewSession,
  routeComparison,
  routeStatus,
  runHfRoute,
  sentimentOf,
} from "../../src/labs";
import { checkAwsRequest } from "../../src/local/shapes";
import { readNotebook } from "../../src/notebook/nbformat";
import { runNotebook } from "../../src/notebook/run-notebook";
import { JumpStartModel } from "../../src/sagemaker/jumpstart";
import { stopLocalSageMaker } from "../../src/sagemaker/local-launcher";
import type { WorkshopSession } from "../../src/sagemaker/session";
import { fakeHuggingFace } from "../huggingface/fake-hugging-face";
import { freePort, LABS_DIR, tempDir } from "../notebook/helpers";

const SECRET = "hf_LabSecretToken0987654321zyxwvu";
const LAB = path.join(LABS_DIR, "4_Serving", "4.9_Hub-Models-Three-Ways.ipynb");
/** A local session as the lab's helpers see it: only the mode and region are read. */
const local = { mode: "local", region: "ap-northeast-2" } as WorkshopSession;

let fake: Awaited<ReturnType<typeof fakeHuggingFace>>;
beforeAll(async () => {
  fake = await fakeHuggingFace(SECRET);
});
afterAll(async () => {
  await fake.close();
});

describe("lab 4.9's AWS requests, built in local mode without sending anything", () => {
  it("route 1 (HF_MODEL_ID/HF_TASK) and route 2 (JumpStart, from the workshop's example metadata) pass the Smithy shapes", async () => {
    const preview = await requestPreviewSession(local);
    expect(preview.mode).toBe("aws");
    const sdk = hubSdkSteps(preview, "ml.m5.xlarge", HUB_REVIEWS[0]?.text as string);
    expect(sdk.map((s) => s.operation)).toEqual([
      "CreateModel",
      "CreateEndpointConfig",
      "CreateEndpoint",
      "InvokeEndpoint",
    ]);
    for (const s of sdk) expect(() => checkAwsRequest(s.service, s.operation, s.input)).not.toThrow();
    expect(
      ((sdk[0] as (typeof sdk)[number]).input as { PrimaryContainer: unknown }).PrimaryContainer,
    ).toMatchObject({
      Environment: { HF_MODEL_ID: HUB_MODEL_ID, HF_TASK: "text-classification" },
    });

    const catalog = jumpStartCatalogFor(local, preview);
    const instanceType = await jumpStartInstanceType(catalog, JUMPSTART_MODEL_ID, "*");
    expect(instanceType).toBe("ml.m5.xlarge");
    const model = new JumpStartModel(preview, {
      modelId: JUMPSTART_MODEL_ID,
      instanceType,
      lab: "4.9",
      catalog,
    });
    const js = await jumpStartSteps(model, HUB_REVIEWS[0]?.text as string);
    const shown = await checkedAwsRequests(preview.region, js, checkAwsRequest);
    expect(shown.map((s) => s.check)).toEqual(Array(4).fill("Smithy 모양 검사 통과 (valid)"));
    expect(shown[3]?.request).toMatchObject({
      url: expect.stringMatching(
        /^https:\/\/runtime\.sagemaker\.ap-northeast-2\.amazonaws\.com\/endpoints\/.*\/invocations$/,
      ),
      headers: { "content-type": "application/x-text", accept: "application/json;verbose" },
      body: HUB_REVIEWS[0]?.text,
    });
    // A request the shapes refuse is reported as such, not hidden.
    const broken = [{ ...js[1], input: { EndpointConfigName: "bad name!" } } as (typeof js)[number]];
    const [verdict] = await checkedAwsRequests(preview.region, broken, checkAwsRequest);
    expect(verdict?.check).toMatch(/^Smithy 모양 검사 실패: .*validation error/);
  });
});

describe("answers of every route's shape", () => {
  it("reads the HF toolkit's list, the nested list, and JumpStart's verbose JSON; maps label names to a sentiment", () => {
    expect(
      answerOf([
        { label: "LABEL_1", score: 0.3 },
        { label: "LABEL_0", score: 0.7 },
      ]),
    ).toEqual({ label: "LABEL_0", score: 0.7 });
    expect(answerOf([[{ label: "positive", score: 0.9 }]])).toEqual({ label: "positive", score: 0.9 });
    expect(answerOf({ probabilities: [0.2, 0.8], labels: [0, 1], predicted_label: 1 })).toEqual({
      label: "1",
      score: 0.8,
    });
    expect(
      ["LABEL_1", "1", "POSITIVE", "긍정", "LABEL_0", "0", "negative", "부정", "neutral"].map(sentimentOf),
    ).toEqual([
      "positive",
      "positive",
      "positive",
      "positive",
      "negative",
      "negative",
      "negative",
      "negative",
      "neutral",
    ]);
  });

  it("lays the routes side by side and fills the comparison table from what ran", async () => {
    const result = await measureRoute(
      "SageMaker SDK (Hub)",
      "stand-in",
      HUB_REVIEWS,
      async (text) => ({
        result: [{ label: /지루|아깝|최악/.test(text) ? "negative" : "positive", score: 0.9 }],
        latencyMs: 2,
      }),
      0.5,
    );
    expect(result.answers.every((a) => a.agrees)).toBe(true);
    expect(answersSideBySide([result])[0]).toEqual({
      리뷰: HUB_REVIEWS[0]?.text,
      "SageMaker SDK (Hub)": "positive 0.900 · 2.0 ms",
    });
    const table = routeComparison([result], routeStatus("local", [result]));
    expect(table.map((row) => row.항목)).toEqual([
      "준비 단계 (set-up)",
      "사용자가 관리하는 것",
      "과금 (billing)",
      "보안 수준 (security)",
      "지원 모델",
      "이 실행에서 (this run)",
      "측정: 만들기 → 첫 답",
      "측정: 지연 p50 / 기대와 일치",
    ]);
    expect(table[3]?.["HF Inference Endpoints"]).toMatch(
      /Public.*Protected.*authenticated.*Private.*PrivateLink/,
    );
    expect(table[6]?.["SageMaker SDK (Hub)"]).toBe("0.5 s");
    expect(table[7]?.["SageMaker SDK (Hub)"]).toBe("2.0 ms / 6/6 (stand-in)");
    expect(table[7]?.JumpStart).toBe("측정 없음 (not run)");
  });
});

describe("lab 4.9's Hugging Face route", () => {
  const env = (extra: Record<string, string>) =>
    hfEnvironment({ HF_ENDPOINTS_API_URL: fake.apiUrl, ...extra });

  it("without a token it sends nothing and says what is missing", async () => {
    const outcome = await runHfRoute({
      env: env({}),
      client: InferenceEndpointsClient.fromEnvironment(env({})),
      spec: hfEndpointSpec("koelectra-nsmc-4-9"),
      reviews: HUB_REVIEWS,
      create: false,
      confirmCosts: false,
    });
    expect(outcome.result).toBeUndefined();
    expect(outcome.messages.join(" ")).toMatch(/없는 것: HF_TOKEN.*HF_ENDPOINT_URL.*nothing sent/);
  });

  it("creates only with cost consent, then waits, classifies the reviews and leaves the deletion to cleanup", async () => {
    const settings = env({ HF_TOKEN: SECRET, HF_NAMESPACE: "learner" });
    const client = InferenceEndpointsClient.fromEnvironment(settings);
    const spec = hfEndpointSpec("koelectra-nsmc-4-9");
    const refused = await runHfRoute({
      env: settings,
      client,
      spec,
      reviews: HUB_REVIEWS,
      create: true,
      confirmCosts: false,
    });
    expect(refused.created).toBeUndefined();
    expect(refused.messages.join(" ")).toMatch(/SM_CONFIRM_COSTS=1이 없어 만들지 않습니다/);
    const outcome = await runHfRoute({
      env: settings,
      client,
      spec,
      reviews: HUB_REVIEWS,
      create: true,
      confirmCosts: true,
      pollSeconds: 0.01,
    });
    expect(outcome.created).toBe("koelectra-nsmc-4-9");
    expect(outcome.result?.answers.map((a) => a.sentiment)).toEqual(HUB_REVIEWS.map((r) => r.expected));
    expect(outcome.result?.setupSeconds).toBeGreaterThanOrEqual(0);
    await client.delete("koelectra-nsmc-4-9");
    expect(JSON.stringify(outcome)).not.toContain(SECRET);
  });

  it("a refused token ends the route with a message that does not carry it", async () => {
    const settings = env({ HF_TOKEN: SECRET, HF_NAMESPACE: "echo-401", HF_ENDPOINT_URL: fake.endpointUrl });
    const outcome = await runHfRoute({
      env: settings,
      client: InferenceEndpointsClient.fromEnvironment(settings),
      spec: hfEndpointSpec("koelectra-nsmc-4-9"),
      reviews: HUB_REVIEWS,
      create: false,
      confirmCosts: false,
    });
    expect(outcome.messages.join(" ")).toMatch(/끝까지 실행하지 못했습니다: GET .* answered 401/);
    expect(JSON.stringify(outcome)).not.toContain(SECRET);
    expect(new HfToken(SECRET).redact(outcome.messages.join(" "))).toBe(outcome.messages.join(" "));
  });
});

describe("lab 4.9 run with a Hugging Face token (a fake Hugging Face)", () => {
  let port: number;
  let stateDir: string;
  afterAll(async () => {
    if (port) await stopLocalSageMaker(`http://127.0.0.1:${port}`, { stateDir });
  });

  it("creates, calls and deletes the endpoint, and the token appears nowhere in what the lab printed", async () => {
    port = await freePort();
    stateDir = tempDir("local-sagemaker-4-9");
    const output = path.join(tempDir("executed-4-9"), "4.9.ipynb");
    const result = await runNotebook(LAB, {
      outputPath: output,
      env: {
        ...process.env,
        WORKSHOP_QUICK: "1",
        SM_MODE: "local",
        LOCAL_SAGEMAKER_PORT: String(port),
        LOCAL_SAGEMAKER_STATE_DIR: stateDir,
        LOCAL_SAGEMAKER_URL: "",
        HF_TOKEN: SECRET,
        HF_NAMESPACE: "learner",
        HF_ENDPOINTS_API_URL: fake.apiUrl,
        HF_CREATE_ENDPOINT: "1",
        SM_CONFIRM_COSTS: "1",
      },
    });
    const why = result.failure ? `cell ${result.failure.cell}: ${result.failure.error}` : "";
    expect(result.status, why).toBe("ok");
    const executed = readFileSync(output, "utf8");
    expect(executed).not.toContain(SECRET);
    expect(executed).toContain("Bearer hf_…(redacted)");
    const printed = readNotebook(output)
      .cells.flatMap((cell) => cell.outputs ?? [])
      .map((o) => JSON.stringify(o))
      .join("\n");
    expect(printed).toContain("만들었습니다: koelectra-nsmc-4-9");
    expect(printed).toContain("Hugging Face 엔드포인트를 지웠습니다: koelectra-nsmc-4-9");
    expect(printed).toMatch(/HF Inference Endpoints/);
    // The endpoint was really called with the token, and the cleanup cell deleted what the lab created.
    expect(fake.invocations.some((call) => call.authorization === `Bearer ${SECRET}`)).toBe(true);
    const client = new InferenceEndpointsClient({
      namespace: "learner",
      token: new HfToken(SECRET),
      apiUrl: fake.apiUrl,
    });
    expect(await client.list()).toEqual([]);
  }, 600_000);
});
