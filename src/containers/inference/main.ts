import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { endWithParent } from "../parent-watch";
import { buildPipeline, findHandlerFile, type InferencePipeline, loadHandlerModule } from "./handlers";
import { LoadedModels, multiModelRoutes } from "./multi-model";
import { answerError, invoke, type Route } from "./requests";

/**
 * The built-in inference "image": one process serving GET /ping and POST /invocations on the loopback port the
 * supervisor gives it (SAGEMAKER_BIND_TO_PORT; 0 picks a free one), for the model extracted in SM_MODEL_DIR.
 * With SAGEMAKER_MULTI_MODEL=true it starts with no model and serves SageMaker's multi-model container API
 * instead (see multi-model.ts). It tells the supervisor its port, or why it could not start, over the IPC channel.
 */

export type ContainerMessage = { type: "listening"; port: number } | { type: "failed"; message: string };

function report(message: ContainerMessage): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  // First, before anything slow (loading a model): a server that dies meanwhile must take this process along.
  endWithParent();
  const modelDir = process.env.SM_MODEL_DIR ?? "/opt/ml/model";
  const route =
    process.env.SAGEMAKER_MULTI_MODEL === "true"
      ? multiModelRoutes(new LoadedModels(loadModel, process.env.SAGEMAKER_PROGRAM))
      : singleModelRoute(modelDir, await loadModel(modelDir, process.env.SAGEMAKER_PROGRAM));

  const server = createServer((request, response) => {
    route(request, response).catch((error: unknown) => {
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

/** A model folder's handlers and model, loaded (modelFn runs here: the slow part of a start or a load). */
async function loadModel(modelDir: string, program: string | undefined): Promise<InferencePipeline> {
  const handlerFile = findHandlerFile(modelDir, program);
  const handlers = handlerFile ? await loadHandlerModule(handlerFile) : undefined;
  const pipeline = await buildPipeline(modelDir, handlers);
  console.log(`Model loaded from ${modelDir}${handlerFile ? ` with handlers from ${handlerFile}` : ""}.`);
  return pipeline;
}

function singleModelRoute(modelDir: string, pipeline: InferencePipeline): Route {
  return async (request, response) => {
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
    await invoke(pipeline, modelDir, request, response);
  };
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  console.error(`The inference server could not start: ${error instanceof Error ? error.stack : message}`);
  // Exit only once the supervisor has the reason, so the endpoint's FailureReason can quote it.
  if (process.send)
    process.send({ type: "failed", message } satisfies ContainerMessage, () => process.exit(1));
  else process.exit(1);
});
