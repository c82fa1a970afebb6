/**
 * Hugging Face Inference Endpoints for the labs: a dedicated endpoint that Hugging Face runs (on AWS, Azure or GCP)
 * for a Hub repository, billed by Hugging Face (or through AWS Marketplace).
 *
 * - Calling an endpoint goes through `@huggingface/inference` (`InferenceClient` with `endpointUrl`).
 * - Managing endpoints (list, create, get, pause, resume, scale to zero, delete) uses the documented Inference
 *   Endpoints API, `https://api.endpoints.huggingface.cloud/v2/endpoint/<namespace>[/<name>[/pause|/resume|...]]`,
 *   with plain fetch: neither `@huggingface/inference` nor `@huggingface/hub` offers these calls.
 *
 * The token comes from the environment (`HF_TOKEN`) and lives in an `HfToken`, which prints, logs and serialises as
 * `hf_…(redacted)`: it is never written to disk, to a notebook's output or into an error message (every error text
 * passes through `redact()`). Every request can be built without sending it (`plan*`), headers redacted, so a lab
 * can show what it would send when it is offline or has no token.
 */

import { performance } from "node:perf_hooks";
import { inspect } from "node:util";

/** `@huggingface/inference`, loaded on first use so `import "ko-sagemaker"` does not pay for it. */
const loadInference = () => import("@huggingface/inference");

export const HF_ENDPOINTS_API_URL = "https://api.endpoints.huggingface.cloud/v2";
export const REDACTED_TOKEN = "hf_…(redacted)";

/** A Hugging Face access token that never shows itself: only `reveal()` (used for the Authorization header) does. */
export class HfToken {
  readonly #value: string;

  constructor(value: string) {
    const trimmed = value.trim();
    if (!trimmed) throw new HfTokenMissingError();
    this.#value = trimmed;
  }

  reveal(): string {
    return this.#value;
  }

  /** `text` with every copy of the token (plain or URL-encoded) replaced by `hf_…(redacted)`. */
  redact(text: string): string {
    let out = text;
    for (const form of new Set([this.#value, encodeURIComponent(this.#value)]))
      out = out.split(form).join(REDACTED_TOKEN);
    return out;
  }

  toString(): string {
    return REDACTED_TOKEN;
  }

  toJSON(): string {
    return REDACTED_TOKEN;
  }

  [inspect.custom](): string {
    return `HfToken(${REDACTED_TOKEN})`;
  }
}

export class HuggingFaceError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = "HuggingFaceError";
  }
}

export class HfTokenMissingError extends HuggingFaceError {
  constructor() {
    super(
      "HF_TOKEN is not set. Create a fine-grained access token at https://huggingface.co/settings/tokens " +
        "(Inference Endpoints: read to list and call, write to create, pause and delete) and export HF_TOKEN in the shell " +
        "that starts Jupyter or `npm run labs`. It is read from the environment only: never paste it into a cell.",
    );
    this.name = "HfTokenMissingError";
  }
}

/** The network did not answer: offline, a proxy, or a blocked host. */
export class HfUnreachableError extends HuggingFaceError {
  constructor(url: string, reason: string) {
    super(
      `Cannot reach ${new URL(url).host} (${reason}): this machine is offline or the host is blocked. ` +
        "Nothing was sent; the lab shows the requests it would send instead.",
    );
    this.name = "HfUnreachableError";
  }
}

/** What the environment says about Hugging Face: the token (hidden), the endpoint to call, the namespace. */
export interface HfEnvironment {
  token?: HfToken;
  /** HF_ENDPOINT_URL: an existing Inference Endpoint (its URL from the endpoint's overview page). */
  endpointUrl?: string;
  /** HF_NAMESPACE: the user or organisation that owns the endpoints (needed to list and create). */
  namespace?: string;
  /** HF_ENDPOINTS_API_URL: the management API (default the documented one; tests point it at a fake). */
  apiUrl: string;
}

export function hfEnvironment(env: NodeJS.ProcessEnv = process.env): HfEnvironment {
  const value = (name: string) => env[name]?.trim() || undefined;
  const token = value("HF_TOKEN");
  return {
    ...(token ? { token: new HfToken(token) } : {}),
    endpointUrl: value("HF_ENDPOINT_URL"),
    namespace: value("HF_NAMESPACE"),
    apiUrl: (value("HF_ENDPOINTS_API_URL") ?? HF_ENDPOINTS_API_URL).replace(/\/+$/, ""),
  };
}

/** An HTTP request as it would go out, with the token redacted: for display. */
export interface PlannedRequest {
  method: "GET" | "POST" | "DELETE";
  url: string;
  headers: Record<string, string>;
  body?: unknown;
}

type Fetch = typeof fetch;

function authorization(token: HfToken | undefined): string {
  return token ? `Bearer ${REDACTED_TOKEN}` : "Bearer <HF_TOKEN>";
}

/** An error text made safe to print: the token removed, and so is any bearer credential the server echoed. */
function scrub(text: string, token: HfToken | undefined): string {
  const redacted = token ? token.redact(text) : text;
  return redacted.replace(/Bearer\s+[A-Za-z0-9_\-.]{8,}/g, `Bearer ${REDACTED_TOKEN}`);
}

function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message ?? String(error);
}

// ---------------------------------------------------------------------------------------------------------------
// Managing endpoints

export type EndpointSecurity = "public" | "authenticated" | "private";

/** What a new endpoint is: the Hub repository, the task, where and on what it runs, and who may call it. */
export interface InferenceEndpointSpec {
  name: string;
  repository: string;
  revision?: string;
  task?: string;
  framework?: string;
  /**
   * Security level: "authenticated" is what the web page calls Protected (a Hugging Face token is required; the
   * API's older name was "protected"), "public" needs no token, "private" is reachable only over AWS PrivateLink.
   */
  type?: EndpointSecurity;
  vendor?: string;
  region?: string;
  accelerator?: string;
  instanceType?: string;
  instanceSize?: string;
  minReplica?: number;
  maxReplica?: number;
  /** Minutes without requests before a replica stops (needs minReplica 0). */
  scaleToZeroTimeout?: number;
}

/** The JSON body of `POST /v2/endpoint/<namespace>` (the Inference Endpoints API's Endpoint). */
export function createEndpointBody(spec: InferenceEndpointSpec): Record<string, unknown> {
  if (!/^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/.test(spec.name)) {
    throw new HuggingFaceError(
      `The endpoint name "${spec.name}" is not valid: 1-32 lowercase letters, digits and inner hyphens.`,
    );
  }
  const minReplica = spec.minReplica ?? 0;
  return {
    name: spec.name,
    type: spec.type ?? "authenticated",
    provider: { vendor: spec.vendor ?? "aws", region: spec.region ?? "us-east-1" },
    compute: {
      accelerator: spec.accelerator ?? "cpu",
      instanceType: spec.instanceType ?? "intel-spr",
      instanceSize: spec.instanceSize ?? "x2",
      scaling: {
        minReplica,
        maxReplica: spec.maxReplica ?? 1,
        ...(minReplica === 0 ? { scaleToZeroTimeout: spec.scaleToZeroTimeout ?? 15 } : {}),
      },
    },
    model: {
      repository: spec.repository,
      ...(spec.revision ? { revision: spec.revision } : {}),
      framework: spec.framework ?? "pytorch",
      task: spec.task ?? "text-classification",
      image: { huggingface: {} },
    },
  };
}

/** An endpoint as the API describes it (status.state: pending, initializing, running, paused, scaledToZero, failed ...). */
export interface InferenceEndpointInfo {
  name: string;
  type?: string;
  state?: string;
  url?: string;
  repository?: string;
  message?: string;
}

function endpointInfo(raw: unknown): InferenceEndpointInfo {
  const value = raw as {
    name?: string;
    type?: string;
    status?: { state?: string; url?: string; message?: string };
    model?: { repository?: string };
  };
  return {
    name: value?.name ?? "(unnamed)",
    type: value?.type,
    state: value?.status?.state,
    url: value?.status?.url,
    repository: value?.model?.repository,
    message: value?.status?.message,
  };
}

export interface InferenceEndpointsClientOptions {
  namespace?: string;
  token?: HfToken;
  apiUrl?: string;
  fetch?: Fetch;
}

/** The Inference Endpoints API of one namespace. Every call can be planned (built, redacted, not sent) first. */
export class InferenceEndpointsClient {
  readonly namespace: string;
  readonly apiUrl: string;
  private readonly token?: HfToken;
  private readonly fetchFn: Fetch;

  constructor(options: InferenceEndpointsClientOptions = {}) {
    this.namespace = options.namespace ?? "<HF_NAMESPACE>";
    this.apiUrl = (options.apiUrl ?? HF_ENDPOINTS_API_URL).replace(/\/+$/, "");
    this.token = options.token;
    this.fetchFn = options.fetch ?? fetch;
  }

  static fromEnvironment(
    environment: HfEnvironment = hfEnvironment(),
    fetchFn?: Fetch,
  ): InferenceEndpointsClient {
    return new InferenceEndpointsClient({
      namespace: environment.namespace,
      token: environment.token,
      apiUrl: environment.apiUrl,
      fetch: fetchFn,
    });
  }

  /** True when requests can be sent: a token and a namespace. */
  get configured(): boolean {
    return this.token !== undefined && this.namespace !== "<HF_NAMESPACE>";
  }

  private url(name?: string, action?: string): string {
    const parts = [this.apiUrl, "endpoint", encodeURIComponent(this.namespace)];
    if (this.namespace === "<HF_NAMESPACE>") parts[2] = this.namespace;
    if (name) parts.push(encodeURIComponent(name));
    if (action) parts.push(action);
    return parts.join("/");
  }

  private plan(method: PlannedRequest["method"], url: string, body?: unknown): PlannedRequest {
    return {
      method,
      url,
      headers: {
        authorization: authorization(this.token),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body }),
    };
  }

  planList(): PlannedRequest {
    return this.plan("GET", this.url());
  }
  planGet(name: string): PlannedRequest {
    return this.plan("GET", this.url(name));
  }
  planCreate(spec: InferenceEndpointSpec): PlannedRequest {
    return this.plan("POST", this.url(), createEndpointBody(spec));
  }
  planPause(name: string): PlannedRequest {
    return this.plan("POST", this.url(name, "pause"));
  }
  planResume(name: string): PlannedRequest {
    return this.plan("POST", this.url(name, "resume"));
  }
  planScaleToZero(name: string): PlannedRequest {
    return this.plan("POST", this.url(name, "scale-to-zero"));
  }
  planDelete(name: string): PlannedRequest {
    return this.plan("DELETE", this.url(name));
  }

  /** Sends a planned request with the real token; every failure is a HuggingFaceError whose text holds no token. */
  async send(planned: PlannedRequest): Promise<unknown> {
    if (!this.token) throw new HfTokenMissingError();
    if (this.namespace === "<HF_NAMESPACE>") {
      throw new HuggingFaceError(
        "HF_NAMESPACE is not set: export your Hugging Face user or organisation name.",
      );
    }
    let response: Response;
    try {
      response = await this.fetchFn(planned.url, {
        method: planned.method,
        headers: {
          authorization: `Bearer ${this.token.reveal()}`,
          accept: "application/json",
          ...(planned.body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(planned.body === undefined ? {} : { body: JSON.stringify(planned.body) }),
      });
    } catch (error) {
      throw new HfUnreachableError(planned.url, scrub(networkReason(error), this.token));
    }
    const text = await response.text().catch(() => "");
    if (!response.ok) {
      const hint =
        response.status === 401 || response.status === 403
          ? " The token is missing, expired, or lacks the Inference Endpoints permission for this namespace."
          : response.status === 402
            ? " The namespace has no payment method or credits for Inference Endpoints."
            : "";
      throw new HuggingFaceError(
        scrub(
          `${planned.method} ${planned.url} answered ${response.status}: ${text.slice(0, 300)}${hint}`,
          this.token,
        ),
        response.status,
      );
    }
    if (!text) return undefined;
    try {
      return JSON.parse(text);
    } catch {
      throw new HuggingFaceError(
        scrub(`${planned.url} answered text that is not JSON: ${text.slice(0, 200)}`, this.token),
      );
    }
  }

  async list(): Promise<InferenceEndpointInfo[]> {
    const answer = (await this.send(this.planList())) as { items?: unknown[] } | unknown[] | undefined;
    const items = Array.isArray(answer) ? answer : (answer?.items ?? []);
    return items.map(endpointInfo);
  }
  async get(name: string): Promise<InferenceEndpointInfo> {
    return endpointInfo(await this.send(this.planGet(name)));
  }
  async create(spec: InferenceEndpointSpec): Promise<InferenceEndpointInfo> {
    return endpointInfo(await this.send(this.planCreate(spec)));
  }
  async pause(name: string): Promise<InferenceEndpointInfo> {
    return endpointInfo(await this.send(this.planPause(name)));
  }
  async resume(name: string): Promise<InferenceEndpointInfo> {
    return endpointInfo(await this.send(this.planResume(name)));
  }
  async delete(name: string): Promise<void> {
    await this.send(this.planDelete(name));
  }

  /** Polls until the endpoint is running with a URL; a failed endpoint, or the timeout, is an error that says so. */
  async waitUntilRunning(
    name: string,
    options: {
      timeoutSeconds?: number;
      pollSeconds?: number;
      onStatus?: (info: InferenceEndpointInfo) => void;
    } = {},
  ): Promise<InferenceEndpointInfo> {
    const deadline = Date.now() + (options.timeoutSeconds ?? 900) * 1000;
    for (;;) {
      const info = await this.get(name);
      options.onStatus?.(info);
      if (info.state === "running" && info.url) return info;
      if (info.state === "failed" || info.state === "updateFailed") {
        throw new HuggingFaceError(
          `Inference Endpoint ${name} is ${info.state}: ${info.message ?? "no message"}.`,
        );
      }
      if (Date.now() > deadline) {
        throw new HuggingFaceError(
          `Inference Endpoint ${name} is still ${info.state} after ${options.timeoutSeconds ?? 900} s. It keeps ` +
            "running (and billing once up): wait, or delete it (the lab's cleanup cell does).",
        );
      }
      await new Promise((resolve) => setTimeout(resolve, (options.pollSeconds ?? 10) * 1000));
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Calling an endpoint

export interface HfPrediction<T = unknown> {
  result: T;
  /** Client-side round trip in milliseconds (retries while a scaled-to-zero endpoint wakes up included). */
  latencyMs: number;
}

export interface HfEndpointPredictorOptions {
  endpointUrl?: string;
  token?: HfToken;
  fetch?: Fetch;
  /** How long to keep retrying a 503 (an endpoint scaled to zero wakes up); default 120 s. */
  coldStartSeconds?: number;
}

class CapturedHfRequest extends Error {
  constructor(readonly planned: PlannedRequest) {
    super("captured");
  }
}

/**
 * `@huggingface/inference` reads a text-classification answer as the serverless API's `[[{label, score}, ...]]`; an
 * endpoint running the Hugging Face inference toolkit (the default container) answers one input with the pipeline's
 * flat `[{label, score}]`. This fetch hands the library the nested form of a flat answer, and anything else as is.
 */
function nestFlatClassification(fetchFn: Fetch): Fetch {
  return async (input, init) => {
    const response = await fetchFn(input, init);
    if (!response.ok || !(response.headers.get("content-type") ?? "").includes("json")) return response;
    const text = await response.text();
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return new Response(text, { status: response.status, headers: response.headers });
    }
    const flat =
      Array.isArray(value) &&
      value.length > 0 &&
      value.every((x) => typeof x?.label === "string" && typeof x?.score === "number");
    return new Response(flat ? JSON.stringify([value]) : text, {
      status: response.status,
      headers: response.headers,
    });
  };
}

/** Calls an Inference Endpoint through `@huggingface/inference` (text classification), timing each call. */
export class HfEndpointPredictor {
  readonly endpointUrl: string;
  private readonly token?: HfToken;
  private readonly fetchFn: Fetch;
  private readonly coldStartSeconds: number;

  constructor(options: HfEndpointPredictorOptions = {}) {
    this.endpointUrl =
      options.endpointUrl ?? "https://<your-endpoint>.<region>.aws.endpoints.huggingface.cloud";
    this.token = options.token;
    this.fetchFn = options.fetch ?? fetch;
    this.coldStartSeconds = options.coldStartSeconds ?? 120;
  }

  /** The request `@huggingface/inference` sends for `text`, captured before it leaves (token redacted). */
  async plannedRequest(text: string): Promise<PlannedRequest> {
    const capture: Fetch = async (input, init) => {
      const headers = Object.fromEntries(new Headers(init?.headers).entries());
      if (headers.authorization) headers.authorization = authorization(this.token);
      const body = typeof init?.body === "string" ? JSON.parse(init.body) : init?.body;
      throw new CapturedHfRequest({
        method: (init?.method ?? "GET") as PlannedRequest["method"],
        url: String(input instanceof Request ? input.url : input),
        headers,
        body,
      });
    };
    const { InferenceClient } = await loadInference();
    const client = new InferenceClient("hf_placeholder_never_sent", {
      endpointUrl: this.endpointUrl,
      fetch: capture,
      retry_on_error: false,
    });
    try {
      await client.textClassification({ inputs: text });
    } catch (error) {
      if (error instanceof CapturedHfRequest) return error.planned;
      throw new HuggingFaceError(scrub((error as Error).message, this.token));
    }
    throw new HuggingFaceError("@huggingface/inference sent nothing: no request was captured.");
  }

  /** Classifies one text; retries a 503 (waking up) for up to coldStartSeconds. */
  async predict(text: string): Promise<HfPrediction> {
    if (!this.token) throw new HfTokenMissingError();
    const { InferenceClient } = await loadInference();
    const client = new InferenceClient(this.token.reveal(), {
      endpointUrl: this.endpointUrl,
      fetch: nestFlatClassification(this.fetchFn),
      retry_on_error: false,
    });
    const started = performance.now();
    const deadline = Date.now() + this.coldStartSeconds * 1000;
    for (;;) {
      try {
        const result = await client.textClassification({ inputs: text });
        return { result, latencyMs: performance.now() - started };
      } catch (error) {
        const status = (error as { httpResponse?: { status?: number } }).httpResponse?.status;
        if (status === 503 && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 5000));
          continue;
        }
        if (status === undefined && error instanceof TypeError) {
          throw new HfUnreachableError(this.endpointUrl, scrub(networkReason(error), this.token));
        }
        const body = (error as { httpResponse?: { body?: unknown } }).httpResponse?.body;
        const detail = body === undefined ? "" : ` ${typeof body === "string" ? body : JSON.stringify(body)}`;
        throw new HuggingFaceError(
          scrub(
            `${this.endpointUrl} answered${status ? ` ${status}` : ""}: ${(error as Error).message}${detail}`.slice(
              0,
              500,
            ),
            this.token,
          ),
          status,
        );
      }
    }
  }
}
