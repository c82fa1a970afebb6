import { SageMakerClient } from "@aws-sdk/client-sagemaker";
import { SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";

/**
 * The HTTP request an AWS SDK command would send, built by the SDK itself (its serializers, endpoint rules and
 * SigV4 signer) and stopped before it leaves the process: what a lab shows for a step it cannot run here.
 */
export interface WireRequest {
  /** The AWS operation, e.g. "CreateModel". */
  operation: string;
  method: string;
  url: string;
  /** The headers that carry meaning (the signature and SDK bookkeeping left out or redacted). */
  headers: Record<string, string>;
  /** The body as text (JSON for the control plane; the payload for InvokeEndpoint). */
  body: string;
}

class Captured extends Error {
  constructor(
    readonly request: {
      method: string;
      protocol: string;
      hostname: string;
      port?: number;
      path: string;
      query?: Record<string, unknown>;
      headers: Record<string, string>;
      body?: unknown;
    },
  ) {
    super("captured");
  }
}

const SHOWN_HEADERS = new Set([
  "host",
  "content-type",
  "accept",
  "x-amz-target",
  "x-amzn-sagemaker-target-model",
]);

/** Placeholder keys: the request is signed with them only so the SDK runs its signer; nothing is sent. */
const PREVIEW_CREDENTIALS = {
  accessKeyId: "AKIAIOSFODNN7EXAMPLE",
  secretAccessKey: "preview-only-never-sent",
};

const captureHandler = {
  handle: async (request: ConstructorParameters<typeof Captured>[0]) => {
    throw new Captured(request);
  },
  updateHttpClientConfig: () => {},
  httpHandlerConfigs: () => ({}),
  destroy: () => {},
};

const bodyText = (body: unknown): string =>
  body === undefined || body === null
    ? ""
    : typeof body === "string"
      ? body
      : body instanceof Uint8Array
        ? new TextDecoder().decode(body)
        : String(body);

type AnyCommand = { input: object; constructor: { name: string } };

/**
 * Builds the wire request of `command` for `service` in `region` (AWS's public endpoints) without sending it.
 * The Authorization header is replaced by a note: the real one is signed with the caller's credentials.
 */
export async function previewAwsRequest(
  service: "sagemaker" | "sagemaker-runtime",
  region: string,
  command: AnyCommand,
): Promise<WireRequest> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const settings = {
    region,
    credentials: PREVIEW_CREDENTIALS,
    maxAttempts: 1,
    requestHandler: captureHandler,
  };
  const client =
    service === "sagemaker"
      ? new SageMakerClient(settings as never)
      : new SageMakerRuntimeClient(settings as never);
  try {
    await (client.send as (command: unknown) => Promise<unknown>)(command);
  } catch (error) {
    if (!(error instanceof Captured)) throw error;
    const request = error.request;
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      const lower = name.toLowerCase();
      if (SHOWN_HEADERS.has(lower) || lower.startsWith("x-amzn-sagemaker-")) headers[lower] = value;
    }
    headers.authorization =
      "AWS4-HMAC-SHA256 Credential=<your access key>/…, Signature=<signed with your credentials>";
    const port = request.port ? `:${request.port}` : "";
    const query = new URLSearchParams(
      Object.entries(request.query ?? {}).flatMap(([key, value]) =>
        (Array.isArray(value) ? value : [value])
          .filter((v) => v !== null && v !== undefined)
          .map((v): [string, string] => [key, String(v)]),
      ),
    ).toString();
    return {
      operation: command.constructor.name.replace(/Command$/, ""),
      method: request.method,
      url: `${request.protocol}//${request.hostname}${port}${request.path}${query ? `?${query}` : ""}`,
      headers,
      body: bodyText(request.body),
    };
  } finally {
    client.destroy();
  }
  throw new Error(`The SDK sent ${command.constructor.name} nowhere: no request was captured.`);
}
