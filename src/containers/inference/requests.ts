import type { IncomingMessage, ServerResponse } from "node:http";
import { ClientInputError } from "./codecs";
import type { InferencePipeline } from "./handlers";

/** How the built-in inference server answers one invocation, for one model or for a multi-model container. */

const CUSTOM_ATTRIBUTES = "x-amzn-sagemaker-custom-attributes";

export type Route = (request: IncomingMessage, response: ServerResponse) => Promise<void>;

export async function invoke(
  pipeline: InferencePipeline,
  modelDir: string,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const body = await readBody(request);
  const customAttributes = request.headers[CUSTOM_ATTRIBUTES] as string | undefined;
  try {
    const answer = await pipeline({
      body,
      contentType: request.headers["content-type"] ?? "application/json",
      accept: request.headers.accept ?? "application/json",
      context: { modelDir, customAttributes },
    });
    const headers: Record<string, string> = { "Content-Type": answer.contentType };
    if (customAttributes !== undefined) headers[CUSTOM_ATTRIBUTES] = customAttributes;
    response.writeHead(200, headers).end(answer.body);
  } catch (error) {
    // As in the SageMaker toolkits, a handler exception is the caller's problem (400) unless it says otherwise:
    // an error carrying an HTTP `status` of 400-599 answers with it (a model that is broken, not its input: 500).
    const status = error instanceof ClientInputError ? error.status : statusOf(error);
    const message = error instanceof Error ? error.message : String(error);
    // Logged either way: the ModelError the caller gets points at this container's log stream.
    if (error instanceof ClientInputError) console.error(`Rejected request (${status}): ${message}`);
    else console.error(`Handler error: ${(error as Error)?.stack ?? message}`);
    answerError(response, status, message);
  }
}

export function answerError(response: ServerResponse, status: number, message: string): void {
  response.writeHead(status, { "Content-Type": "application/json" }).end(
    JSON.stringify({
      code: status,
      type: status >= 500 ? "InternalServerException" : "BadRequest",
      message,
    }),
  );
}

export function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)));
    request.on("error", reject);
  });
}

function statusOf(error: unknown): number {
  const status = (error as { status?: unknown } | undefined)?.status;
  return typeof status === "number" && Number.isInteger(status) && status >= 400 && status < 600
    ? status
    : 400;
}
