import { join } from "node:path";
import { performance } from "node:perf_hooks";
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
} from "@aws-sdk/client-sagemaker";
import { InvokeEndpointCommand } from "@aws-sdk/client-sagemaker-runtime";
import { workshopRoot } from "../data";
import {
  HfEndpointPredictor,
  type HfEnvironment,
  HuggingFaceError,
  type InferenceEndpointSpec,
  type InferenceEndpointsClient,
  type PlannedRequest,
} from "../huggingface";
import { showMarkdown } from "../notebook/markdown";
import { DEFAULT_AWS_REGION } from "../sagemaker/config";
import { instancePricePerHour } from "../sagemaker/cost";
import { folderFetch, JumpStartCatalog, type JumpStartModel, textSerializer } from "../sagemaker/jumpstart";
import {
  buildCreateEndpointRequest,
  buildCreateModelRequest,
  buildEndpointConfigRequest,
  HuggingFaceModel,
} from "../sagemaker/model";
import { uniqueName, workshopTags } from "../sagemaker/naming";
import { Predictor } from "../sagemaker/predictor";
import { previewAwsRequest, type WireRequest } from "../sagemaker/request-preview";
import { createSession, type WorkshopSession } from "../sagemaker/session";
import { latencySummary } from "./sentiment";
import { sentimentModelForServing } from "./serving";

/**
 * Lab 4.9's plan: one Korean sentiment model three ways (the SageMaker SDK with a Hub model id, a JumpStart model,
 * a Hugging Face Inference Endpoint), the same reviews through each, and what each route would send when it
 * cannot run here.
 */

export const LAB_4_9 = "4.9";
/** The model the Korean Python workshops deployed from the Hub: KoELECTRA-small v3 fine-tuned on NSMC. */
export const HUB_MODEL_ID = "daekeun-ml/koelectra-small-v3-nsmc";
export const HUB_TASK = "text-classification";
/** JumpStart has no NSMC model: its multilingual BERT text classifier is the nearest (it reads Korean). */
export const JUMPSTART_MODEL_ID = "huggingface-tc-bert-base-multilingual-cased";
/** The example role of AWS's documentation (account 111122223333): requests built in local mode name it. */
export const PREVIEW_ROLE_ARN = "arn:aws:iam::111122223333:role/SageMakerExecutionRole";

/** The reviews every route classifies, with the label a reader would give (NSMC: 1 = positive). */
export const HUB_REVIEWS: readonly { text: string; expected: "positive" | "negative" }[] = [
  { text: "시간 가는 줄 모르고 봤습니다. 강력 추천!", expected: "positive" },
  { text: "스토리가 엉성하고 너무 지루했다", expected: "negative" },
  { text: "배우들 연기가 정말 좋았고 마지막 장면에서 울었어요", expected: "positive" },
  { text: "돈 아깝다... 다시는 안 본다", expected: "negative" },
  { text: "기대 안 했는데 생각보다 괜찮네", expected: "positive" },
  { text: "배우가 아깝다 각본이 최악", expected: "negative" },
];

/** `labs/4_Serving/jumpstart-example`: a manifest and spec written for the workshop in JumpStart's format. */
export const jumpStartExampleDir = (): string =>
  join(workshopRoot(), "labs", "4_Serving", "jumpstart-example");

/**
 * The session AWS requests are built with: the session itself on AWS; in local mode an AWS-mode session for the
 * default region and the documentation's example role, which sends nothing (no call is made with it).
 */
export async function requestPreviewSession(session: WorkshopSession): Promise<WorkshopSession> {
  if (session.mode === "aws") return session;
  return createSession({
    config: { mode: "aws", region: DEFAULT_AWS_REGION, roleArn: PREVIEW_ROLE_ARN, confirmCosts: false },
  });
}

/** JumpStart's catalog for the session's region: the live one on AWS, the workshop's example files locally. */
export function jumpStartCatalogFor(session: WorkshopSession, preview: WorkshopSession): JumpStartCatalog {
  return session.mode === "aws"
    ? new JumpStartCatalog({ region: session.region })
    : new JumpStartCatalog({ region: preview.region, fetch: folderFetch(jumpStartExampleDir()) });
}

/** ml.m5.xlarge (CPU, the workshop's serving instance) when the spec supports it, else the spec's default. */
export async function jumpStartInstanceType(catalog: JumpStartCatalog, modelId: string, version?: string) {
  const header = await catalog.header(modelId, version);
  const spec = await catalog.spec(header);
  const supported = spec.supported_inference_instance_types ?? [];
  return supported.includes("ml.m5.xlarge") || supported.length === 0
    ? "ml.m5.xlarge"
    : (spec.default_inference_instance_type ?? (supported[0] as string));
}

/** One AWS call of a deployment, with its input (what the Smithy check reads) and its command. */
export interface AwsStep {
  service: "sagemaker" | "sagemaker-runtime";
  operation: string;
  input: object;
  command: { input: object; constructor: { name: string } };
}

const step = (service: AwsStep["service"], command: AwsStep["command"]): AwsStep => ({
  service,
  operation: command.constructor.name.replace(/Command$/, ""),
  input: command.input,
  command,
});

function endpointSteps(
  modelRequest: ConstructorParameters<typeof CreateModelCommand>[0],
  name: string,
  instanceType: string,
  invoke: ConstructorParameters<typeof InvokeEndpointCommand>[0],
): AwsStep[] {
  const tags = workshopTags(LAB_4_9);
  return [
    step("sagemaker", new CreateModelCommand(modelRequest)),
    step(
      "sagemaker",
      new CreateEndpointConfigCommand(buildEndpointConfigRequest(name, name, { instanceType }, tags)),
    ),
    step("sagemaker", new CreateEndpointCommand(buildCreateEndpointRequest(name, name, tags))),
    step("sagemaker-runtime", new InvokeEndpointCommand(invoke)),
  ];
}

/** Route 1 on AWS: HF_MODEL_ID/HF_TASK on the HF inference DLC, no artifact. */
export function hubSdkSteps(preview: WorkshopSession, instanceType: string, review: string): AwsStep[] {
  const model = new HuggingFaceModel(preview, {
    hubModelId: HUB_MODEL_ID,
    hubTask: HUB_TASK,
    instanceType,
    lab: LAB_4_9,
  });
  const name = uniqueName("koelectra-small-v3-nsmc");
  const request = buildCreateModelRequest(name, preview.roleArn(), model.options, workshopTags(LAB_4_9));
  return endpointSteps(
    request,
    name,
    instanceType,
    new Predictor(preview, name).buildRequest({ inputs: review }),
  );
}

/** Route 2: the JumpStart model's resolved image, artifact and environment; the review sent as application/x-text. */
export async function jumpStartSteps(model: JumpStartModel, review: string): Promise<AwsStep[]> {
  const resolved = await model.resolve();
  const name = uniqueName(model.options.modelId);
  const invoke = new Predictor(model.session, name, { serializer: textSerializer }).buildRequest(review, {
    accept: "application/json;verbose",
  });
  return endpointSteps(await model.createModelRequest(name), name, resolved.instanceType, invoke);
}

/** A request to show: the wire form and what the Smithy check said. */
export interface ShownRequest {
  title: string;
  request: WireRequest | PlannedRequest;
  check?: string;
}

/** The steps' wire requests (built by the AWS SDK, not sent), each checked with `check` (the Smithy shapes). */
export async function checkedAwsRequests(
  region: string,
  steps: readonly AwsStep[],
  check: (service: AwsStep["service"], operation: string, input: unknown) => string,
): Promise<ShownRequest[]> {
  const shown: ShownRequest[] = [];
  for (const s of steps) {
    let verdict: string;
    try {
      verdict = check(s.service, s.operation, s.input) === "ok" ? "Smithy 모양 검사 통과 (valid)" : "검사됨";
    } catch (error) {
      verdict = `Smithy 모양 검사 실패: ${(error as Error).message}`;
    }
    shown.push({
      title: s.operation,
      request: await previewAwsRequest(s.service, region, s.command),
      check: verdict,
    });
  }
  return shown;
}

const pretty = (body: unknown): string => {
  if (body === undefined || body === "") return "";
  if (typeof body !== "string") return JSON.stringify(body, null, 2);
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
};

/** Shows requests as HTTP: method and URL, headers, body. */
export function showRequests(requests: readonly ShownRequest[]): void {
  showMarkdown(
    requests
      .map(({ title, request, check }) => {
        const headers = Object.entries(request.headers)
          .map(([name, value]) => `${name}: ${value}`)
          .join("\n");
        const body = pretty(request.body);
        return [
          `**${title}**${check ? ` — ${check}` : ""}`,
          "```http",
          `${request.method} ${request.url}`,
          headers,
          ...(body ? ["", body] : []),
          "```",
        ].join("\n");
      })
      .join("\n\n"),
  );
}

/** What one answer says, whatever its shape: `[{label, score}]` (HF toolkit), JumpStart's verbose JSON, ... */
export function answerOf(result: unknown): { label: string; score: number } {
  const value = Array.isArray(result) && Array.isArray(result[0]) ? result[0] : result;
  if (Array.isArray(value) && value.length > 0) {
    const best = [...(value as { label: string; score: number }[])].sort((a, b) => b.score - a.score)[0];
    return { label: String(best?.label), score: Number(best?.score) };
  }
  const verbose = value as { predicted_label?: unknown; probabilities?: number[]; labels?: unknown[] };
  if (verbose && typeof verbose === "object" && "predicted_label" in verbose) {
    return {
      label: String(verbose.predicted_label),
      score: Math.max(...(verbose.probabilities ?? [Number.NaN])),
    };
  }
  return { label: JSON.stringify(result).slice(0, 40), score: Number.NaN };
}

/** A label's sentiment: positive/negative under any of the names models use (LABEL_1, 1, POSITIVE, 긍정, ...). */
export function sentimentOf(label: string): "positive" | "negative" | string {
  const l = label.toLowerCase();
  if (/pos|^label_1$|^1$|긍정/.test(l)) return "positive";
  if (/neg|^label_0$|^0$|부정/.test(l)) return "negative";
  return label;
}

export interface RouteAnswer {
  text: string;
  label: string;
  sentiment: string;
  score: number;
  latencyMs: number;
  agrees: boolean;
}

export interface RouteResult {
  route: string;
  /** What actually answered (the model, and where it ran). */
  servedBy: string;
  answers: RouteAnswer[];
  /** Seconds from the first create call until the endpoint answered (when this run created it). */
  setupSeconds?: number;
}

/** Runs `deploy` and says how long it took: the set-up time the comparison table reports. */
export async function timedSetup<T>(deploy: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const started = performance.now();
  const value = await deploy();
  return { value, seconds: (performance.now() - started) / 1000 };
}

/**
 * Sends each review once through `call`, one request each, and records the answer and its round trip; one request
 * before them is not counted (a first call pays for connections, and a scaled-to-zero endpoint for waking up).
 */
export async function measureRoute(
  route: string,
  servedBy: string,
  reviews: readonly { text: string; expected: string }[],
  call: (text: string) => Promise<{ result: unknown; latencyMs?: number }>,
  setupSeconds?: number,
): Promise<RouteResult> {
  const answers: RouteAnswer[] = [];
  if (reviews[0]) await call(reviews[0].text);
  for (const review of reviews) {
    const started = performance.now();
    const answer = await call(review.text);
    const latencyMs = answer.latencyMs ?? performance.now() - started;
    const { label, score } = answerOf(answer.result);
    const sentiment = sentimentOf(label);
    answers.push({
      text: review.text,
      label,
      sentiment,
      score,
      latencyMs,
      agrees: sentiment === review.expected,
    });
  }
  return { route, servedBy, answers, ...(setupSeconds === undefined ? {} : { setupSeconds }) };
}

/**
 * Route 1's model: on AWS the Hub model itself (HF_MODEL_ID/HF_TASK); locally, where the Hub cannot be reached, the
 * workshop's own sentiment model as its stand-in (lab 3.3's artifact, or a quick job trained now).
 */
export async function hubRouteModel(
  session: WorkshopSession,
  instanceType: string,
): Promise<{ model: HuggingFaceModel; servedBy: string }> {
  if (session.mode === "aws") {
    return {
      model: new HuggingFaceModel(session, {
        hubModelId: HUB_MODEL_ID,
        hubTask: HUB_TASK,
        instanceType,
        lab: LAB_4_9,
      }),
      servedBy: `${HUB_MODEL_ID} (Hub → HF inference DLC on ${instanceType})`,
    };
  }
  const job = await sentimentModelForServing(session, LAB_4_9);
  return {
    model: new HuggingFaceModel(session, {
      modelData: job.modelArtifact as string,
      instanceType,
      lab: LAB_4_9,
    }),
    servedBy: `워크숍 모델 ${job.jobName} (로컬 SageMaker, ${HUB_MODEL_ID}의 대역 stand-in)`,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Route 3: Hugging Face Inference Endpoints

/** The endpoint lab 4.9 creates when asked to (HF_CREATE_ENDPOINT=1): the same Hub model on a small CPU instance. */
export function hfEndpointSpec(name: string): InferenceEndpointSpec {
  return {
    name,
    repository: HUB_MODEL_ID,
    task: HUB_TASK,
    type: "authenticated",
    vendor: "aws",
    region: "us-east-1",
    accelerator: "cpu",
    instanceType: "intel-spr",
    instanceSize: "x2",
    minReplica: 0,
    maxReplica: 1,
    scaleToZeroTimeout: 15,
  };
}

/** Hugging Face's list price for the spec's instance (USD per hour, billed per minute), when known. */
export function hfHourlyPrice(spec: InferenceEndpointSpec): number | undefined {
  const prices: Record<string, number> = {
    "aws/intel-spr/x1": 0.033,
    "aws/intel-spr/x2": 0.067,
    "aws/intel-spr/x4": 0.134,
    "aws/intel-spr/x8": 0.268,
  };
  return prices[`${spec.vendor ?? "aws"}/${spec.instanceType ?? "intel-spr"}/${spec.instanceSize ?? "x2"}`];
}

export function hfCostNotice(spec: InferenceEndpointSpec): string {
  const price = hfHourlyPrice(spec);
  return [
    "Hugging Face 비용 안내 (Inference Endpoints, approximate list price):",
    `- ${spec.name}: ${spec.vendor}/${spec.region} ${spec.instanceType} ${spec.instanceSize}` +
      ` (${price === undefined ? "price: see huggingface.co/docs/inference-endpoints pricing" : `$${price.toFixed(3)}/h`},` +
      " billed per minute while initializing or running, to your Hugging Face account or through AWS Marketplace;" +
      ` nothing while paused or scaled to zero after ${spec.scaleToZeroTimeout ?? 15} min idle)`,
  ].join("\n");
}

/** Every request route 3 makes, planned (nothing sent), the token redacted. */
export async function hfPlannedRequests(
  client: InferenceEndpointsClient,
  predictor: HfEndpointPredictor,
  spec: InferenceEndpointSpec,
  review: string,
): Promise<ShownRequest[]> {
  return [
    { title: "만들기 (create)", request: client.planCreate(spec) },
    { title: "상태 (get: status.state, status.url)", request: client.planGet(spec.name) },
    {
      title: "호출 (@huggingface/inference textClassification)",
      request: await predictor.plannedRequest(review),
    },
    { title: "일시 정지 (pause: 과금 멈춤)", request: client.planPause(spec.name) },
    { title: "재개 (resume)", request: client.planResume(spec.name) },
    { title: "목록 (list)", request: client.planList() },
    { title: "삭제 (delete)", request: client.planDelete(spec.name) },
  ];
}

/** What is missing before route 3 can run, in a sentence; undefined when an endpoint can be called. */
export function hfMissing(env: HfEnvironment, create: boolean): string | undefined {
  const missing = [
    env.token ? undefined : "HF_TOKEN (Hugging Face 액세스 토큰)",
    env.endpointUrl || create ? undefined : "HF_ENDPOINT_URL (내 Inference Endpoint의 URL)",
    create && !env.namespace ? "HF_NAMESPACE (엔드포인트를 만들 사용자·조직 이름)" : undefined,
  ].filter(Boolean);
  return missing.length
    ? `Hugging Face 계정이 필요한 경로입니다. 없는 것: ${missing.join(", ")}.`
    : undefined;
}

export interface HfRouteOutcome {
  result?: RouteResult;
  /** The endpoint this lab created on Hugging Face (the cleanup cell deletes it). */
  created?: string;
  messages: string[];
}

/**
 * Runs route 3 as far as the environment allows: lists the namespace's endpoints (free), creates one when asked
 * (HF_CREATE_ENDPOINT=1 and SM_CONFIRM_COSTS=1) and waits for it, then sends the reviews to the endpoint. Failures
 * (offline, a refused token) end the route with a message, never with the token in it.
 */
export async function runHfRoute(options: {
  env: HfEnvironment;
  client: InferenceEndpointsClient;
  spec: InferenceEndpointSpec;
  reviews: readonly { text: string; expected: string }[];
  create: boolean;
  confirmCosts: boolean;
  fetch?: typeof fetch;
  /** Seconds between status polls while a new endpoint starts (default 10). */
  pollSeconds?: number;
}): Promise<HfRouteOutcome> {
  const { env, client, spec } = options;
  const messages: string[] = [];
  const outcome: HfRouteOutcome = { messages };
  const missing = hfMissing(env, options.create);
  if (missing) {
    messages.push(`${missing} 위의 요청만 보여 주고 보내지 않습니다 (nothing sent).`);
    return outcome;
  }
  try {
    if (client.configured) {
      const endpoints = await client.list();
      messages.push(
        `${client.namespace}의 엔드포인트 ${endpoints.length}개: ${endpoints.map((e) => `${e.name} (${e.state})`).join(", ") || "없음"}`,
      );
    }
    let endpointUrl = env.endpointUrl;
    let setupSeconds: number | undefined;
    if (options.create) {
      if (!options.confirmCosts) {
        messages.push(
          "HF_CREATE_ENDPOINT=1이지만 SM_CONFIRM_COSTS=1이 없어 만들지 않습니다 (not created: no cost consent).",
        );
      } else {
        const started = performance.now();
        await client.create(spec);
        outcome.created = spec.name;
        messages.push(`만들었습니다: ${spec.name}. running이 될 때까지 기다립니다...`);
        const running = await client.waitUntilRunning(spec.name, {
          pollSeconds: options.pollSeconds,
          onStatus: (info) => console.log(`Inference Endpoint ${spec.name}: ${info.state}`),
        });
        endpointUrl = running.url;
        setupSeconds = (performance.now() - started) / 1000;
      }
    }
    if (!endpointUrl) return outcome;
    const predictor = new HfEndpointPredictor({ endpointUrl, token: env.token, fetch: options.fetch });
    outcome.result = await measureRoute(
      "HF Inference Endpoints",
      `${new URL(endpointUrl).host} (Hugging Face)`,
      options.reviews,
      (text) => predictor.predict(text),
      setupSeconds,
    );
  } catch (error) {
    if (!(error instanceof HuggingFaceError)) throw error;
    messages.push(`Hugging Face 경로를 끝까지 실행하지 못했습니다: ${error.message}`);
  }
  return outcome;
}

// ---------------------------------------------------------------------------------------------------------------
// Side by side

/** One row per review: each route's answer (label, score) and round trip. */
export function answersSideBySide(results: readonly RouteResult[]): Record<string, string>[] {
  const texts = HUB_REVIEWS.map((r) => r.text);
  return texts.map((text) => {
    const row: Record<string, string> = { 리뷰: text };
    for (const result of results) {
      const answer = result.answers.find((a) => a.text === text);
      row[result.route] = answer
        ? `${answer.label} ${Number.isFinite(answer.score) ? answer.score.toFixed(3) : ""} · ${answer.latencyMs.toFixed(1)} ms${answer.agrees ? "" : " ✗"}`
        : "–";
    }
    return row;
  });
}

export interface RouteFacts {
  route: string;
  setup: string;
  manages: string;
  billing: string;
  security: string;
  models: string;
}

/** What each route's documentation says (SageMaker, JumpStart, Hugging Face Inference Endpoints). */
export const ROUTE_FACTS: readonly RouteFacts[] = [
  {
    route: "SageMaker SDK (Hub)",
    setup:
      "SageMaker 실행 역할 → HuggingFaceModel({ hubModelId, hubTask }).deploy(): CreateModel, CreateEndpointConfig, CreateEndpoint (AWS에서 5–10분)",
    manages: "엔드포인트의 수명, 인스턴스 타입·수, 오토스케일링, DLC 버전, IAM·VPC, CloudWatch 모니터링",
    billing: `AWS 청구서: 인스턴스 시간 (ml.m5.xlarge 약 $${instancePricePerHour("ml.m5.xlarge")}/h, 지울 때까지)`,
    security:
      "SigV4로 서명한 IAM 호출만; VPC 서브넷·보안 그룹, PrivateLink(VPC 인터페이스 엔드포인트), 네트워크 격리",
    models: "Hub의 transformers 모델 대부분 (HF_TASK의 파이프라인), 또는 S3의 내 model.tar.gz (랩 3.3)",
  },
  {
    route: "JumpStart",
    setup:
      "SageMaker 실행 역할 → JumpStartModel({ modelId, modelVersion }).deploy(): 이미지·아티팩트·환경·기본 인스턴스를 JumpStart 스펙이 정함 (Studio에서는 버튼 하나)",
    manages: "SDK 경로와 같음 (SageMaker 엔드포인트); 모델·이미지·추론 스크립트 조합은 AWS가 검증해 고정",
    billing: "AWS 청구서: 인스턴스 시간 (공개 모델은 모델 요금 없음; 독점 모델은 AWS Marketplace 요금 추가)",
    security:
      "SDK 경로와 같음 (IAM, VPC, 네트워크 격리; 스펙이 inference_enable_network_isolation을 정하기도 함)",
    models: "JumpStart 카탈로그의 모델만 (model_id와 버전). 한국어 NSMC 모델은 없어 다국어 BERT로 대신",
  },
  {
    route: "HF Inference Endpoints",
    setup:
      "Hugging Face 계정 + 결제 수단(또는 AWS Marketplace 구독) + 토큰 → 웹 UI나 API로 저장소·클라우드·인스턴스 선택 (SageMaker 리소스 없음)",
    manages:
      "엔드포인트 설정 (인스턴스, 레플리카 최소·최대, scale-to-zero, 일시 정지), 토큰; 인프라는 Hugging Face가 운영",
    billing:
      "Hugging Face 청구 (분 단위; aws intel-spr x2 약 $0.067/h) 또는 AWS Marketplace를 거쳐 AWS 청구서에; initializing·running 동안만",
    security:
      "Public: 토큰 없이 인터넷 · Protected (API 값 authenticated): Hugging Face 토큰 필요 · Private: AWS PrivateLink로만",
    models: "Hub 저장소 (공개·비공개·gated: 토큰으로), 커스텀 컨테이너",
  },
];

/** The comparison table: the documentation's facts, then what this run measured for each route. */
export function routeComparison(
  results: readonly RouteResult[],
  ranHere: Record<string, string>,
): Record<string, string>[] {
  const aspects: [string, (facts: RouteFacts) => string][] = [
    ["준비 단계 (set-up)", (f) => f.setup],
    ["사용자가 관리하는 것", (f) => f.manages],
    ["과금 (billing)", (f) => f.billing],
    ["보안 수준 (security)", (f) => f.security],
    ["지원 모델", (f) => f.models],
  ];
  const measured = (route: string) => results.find((r) => r.route === route);
  const rows = aspects.map(([aspect, pick]) => ({
    항목: aspect,
    ...Object.fromEntries(ROUTE_FACTS.map((facts) => [facts.route, pick(facts)])),
  }));
  rows.push({
    항목: "이 실행에서 (this run)",
    ...Object.fromEntries(ROUTE_FACTS.map((f) => [f.route, ranHere[f.route] ?? "–"])),
  });
  rows.push({
    항목: "측정: 만들기 → 첫 답",
    ...Object.fromEntries(
      ROUTE_FACTS.map((f) => {
        const seconds = measured(f.route)?.setupSeconds;
        return [f.route, seconds === undefined ? "–" : `${seconds.toFixed(1)} s`];
      }),
    ),
  });
  rows.push({
    항목: "측정: 지연 p50 / 기대와 일치",
    ...Object.fromEntries(
      ROUTE_FACTS.map((f) => {
        const result = measured(f.route);
        if (!result) return [f.route, "측정 없음 (not run)"];
        const p50 = latencySummary(result.answers.map((a) => a.latencyMs)).p50Ms;
        const agree = result.answers.filter((a) => a.agrees).length;
        return [f.route, `${p50.toFixed(1)} ms / ${agree}/${result.answers.length} (${result.servedBy})`];
      }),
    ),
  });
  return rows;
}

/** What ran where in this run, for the comparison table's "this run" row. */
export function routeStatus(
  mode: WorkshopSession["mode"],
  results: readonly RouteResult[],
): Record<string, string> {
  const ran = (route: string) => results.some((r) => r.route === route);
  return {
    "SageMaker SDK (Hub)":
      mode === "aws"
        ? "AWS에서 실행 (Hub 모델)"
        : "로컬 SageMaker에서 실행 (워크숍 모델이 대역); Hub 모델의 AWS 요청은 표시만",
    JumpStart: ran("JumpStart") ? "AWS에서 실행" : "AWS 필요: 예시 스펙으로 만든 요청만 표시",
    "HF Inference Endpoints": ran("HF Inference Endpoints")
      ? "Hugging Face에서 실행"
      : "Hugging Face 계정 필요: 요청만 표시 (토큰은 가림)",
  };
}
