import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { endWithParent } from "../parent-watch";
import { ClientInputError } from "./codecs";
import { buildPipeline, findHandlerFile, type InferencePipeline, loadHandlerModule } from "./handlers";

/**
 * The built-in inference "image": one process serving GET /ping and POST /invocations on the loopback port the
 * supervisor gives it (SAGEMAKER_BIND_TO_PORT; 0 picks a free one), for the model extracted in SM_MODEL_DIR.
 * It tells the supervisor its port, or why it could not start, over the IPC channel.
 */

export type ContainerMessage = { type: "listening"; port: number } | { type: "failed"; message: string };

const CUSTOM_ATTRIBUTES = "x-amzn-sagemaker-custom-attributes";

function report(message: ContainerMessage): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  // First, before anything slow (loading a model): a server that dies meanwhile must take this process along.
  endWithParent();
  const modelDir = process.env.SM_MODEL_DIR ?? "/opt/ml/model";
  const handlerFile = findHandlerFile(modelDir, process.env.SAGEMAKER_PROGRAM);
  const handlers = handlerFile ? await loadHandlerModule(handlerFile) : undefined;
  const pipeline = await buildPipeline(modelDir, handlers);
  console.log(`Model loaded from ${modelDir}${handlerFile ? ` with handlers from ${handlerFile}` : ""}.`);

  const server = createServer((request, response) => {
    serve(pipeline, modelDir, request, response).catch((error: unknown) => {
      console.error(`Request failed after answering started: ${(error as Error).message}`);
      response.destroy();
    });
  });
  server.keepAliveTimeout = 65_000;
  const port = Number(process.env.SAGEMAKER_BIND_TO_PORT ?? 8080);
  server.listen(port, "127.0.0.1", () => {
    const bound = (server.address() as AddressInfo).port;
    console.log(`Inference server listening on 127.0.0.1:${bound}.`);
    report({ type: "listening", port: bound });
  });
  const shutdown = (): void => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.on("SIGTERM", shutdown);
}

async function serve(
  pipeline: InferencePipeline,
  modelDir: string,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const path = (request.url ?? "/").split("?")[0];
  if (request.method === "GET" && path === "/ping") {
    response.writeHead(200, { "Content-Type": "text/plain" }).end("");
    return;
  }
  if (request.method !== "POST" || path !== "/invocations") {
    answerError(
      response,
      404,
      `No route for ${request.method} ${path}; the container serves GET /ping and POST /invocations.`,
    );
    return;
  }
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
    // As in the SageMaker toolkits, a handler exception is the caller's problem (400) unless it says otherwise.
    const status = error instanceof ClientInputError ? error.status : 400;
    const message = error instanceof Error ? error.message : String(error);
    // Logged either way: the ModelError the caller gets points at this container's log stream.
    if (error instanceof ClientInputError) console.error(`Rejected request (${status}): ${message}`);
    else console.error(`Handler error: ${(error as Error)?.stack ?? message}`);
    answerError(response, status, message);
  }
}

function answerError(response: ServerResponse, status: number, message: string): void {
  response.writeHead(status, { "Content-Type": "application/json" }).end(
    JSON.stringify({
      code: status,
      type: status >= 500 ? "InternalServerException" : "BadRequest",
      message,
    }),
  );
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)));
    request.on("error", reject);
  });
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  console.error(`The inference server could not start: ${error instanceof Error ? error.stack : message}`);
  // Exit only once the supervisor has the reason, so the endpoint's FailureReason can quote it.
  if (process.send)
    process.send({ type: "failed", message } satisfies ContainerMessage, () => process.exit(1));
  else process.exit(1);
});
