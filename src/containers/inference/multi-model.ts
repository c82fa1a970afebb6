import { sep } from "node:path";
import type { InferencePipeline } from "./handlers";
import { answerError, invoke, type Route, readBody } from "./requests";

/**
 * A multi-model container (SAGEMAKER_MULTI_MODEL=true): it starts with no model, and the platform loads and
 * unloads models through SageMaker's multi-model container API, the one the Hugging Face DLC's model server
 * speaks: POST /models {model_name, url} loads the model extracted at `url` (200; 409 if loaded), GET /models
 * lists them, GET/DELETE /models/{name} describes or unloads one, POST /models/{name}/invoke runs it (404 when it
 * is not loaded). Which models stay loaded is the platform's decision (its LRU), not the container's.
 */

interface LoadedModel {
  url: string;
  pipeline: InferencePipeline;
}

export class LoadedModels {
  private readonly models = new Map<string, LoadedModel>();
  private readonly loading = new Map<string, Promise<void>>();

  constructor(
    private readonly loadModel: (dir: string, program: string | undefined) => Promise<InferencePipeline>,
    private readonly program: string | undefined,
  ) {}

  /** False when the model is loaded (or loading) already. */
  async load(name: string, url: string): Promise<boolean> {
    if (this.models.has(name) || this.loading.has(name)) return false;
    const started = Date.now();
    const loading = this.loadModel(url, this.program).then((pipeline) => {
      this.models.set(name, { url, pipeline });
      console.log(`Loaded model ${name} from ${url} in ${Date.now() - started} ms.`);
    });
    this.loading.set(name, loading);
    try {
      await loading;
      return true;
    } finally {
      this.loading.delete(name);
    }
  }

  unload(name: string): boolean {
    const model = this.models.get(name);
    if (!model) return false;
    this.models.delete(name);
    // Its handler modules go too, so an unloaded model's code and data can be collected.
    const prefix = model.url.endsWith(sep) ? model.url : model.url + sep;
    for (const file of Object.keys(require.cache)) if (file.startsWith(prefix)) delete require.cache[file];
    console.log(`Unloaded model ${name}.`);
    return true;
  }

  get(name: string): LoadedModel | undefined {
    return this.models.get(name);
  }

  list(): { modelName: string; modelUrl: string }[] {
    return [...this.models].map(([modelName, model]) => ({ modelName, modelUrl: model.url }));
  }
}

const MODEL_PATH = /^\/models\/([^/]+)(\/invoke)?$/;

export function multiModelRoutes(models: LoadedModels): Route {
  return async (request, response) => {
    const path = (request.url ?? "/").split("?")[0] ?? "/";
    const json = (status: number, document: unknown) =>
      response.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(document));
    if (request.method === "GET" && path === "/ping") {
      response.writeHead(200, { "Content-Type": "text/plain" }).end("");
      return;
    }
    if (path === "/models" && request.method === "GET") {
      json(200, { models: models.list() });
      return;
    }
    if (path === "/models" && request.method === "POST") {
      let body: { model_name?: unknown; url?: unknown };
      try {
        body = JSON.parse((await readBody(request)).toString("utf8"));
      } catch {
        answerError(
          response,
          400,
          'Load a model with a JSON body: {"model_name": "...", "url": "/path/to/model"}.',
        );
        return;
      }
      if (typeof body.model_name !== "string" || typeof body.url !== "string") {
        answerError(response, 400, "Loading a model needs model_name and url, both strings.");
        return;
      }
      try {
        const loaded = await models.load(body.model_name, body.url);
        if (loaded) json(200, { status: `Model ${body.model_name} loaded` });
        else answerError(response, 409, `Model ${body.model_name} is already loaded.`);
      } catch (error) {
        console.error(`Loading model ${body.model_name} failed: ${(error as Error).stack ?? error}`);
        answerError(response, 500, `Loading model ${body.model_name} failed: ${(error as Error).message}`);
      }
      return;
    }
    const match = MODEL_PATH.exec(path);
    const name = match?.[1] === undefined ? undefined : decodeURIComponent(match[1]);
    const model = name === undefined ? undefined : models.get(name);
    if (name !== undefined && match?.[2] && request.method === "POST") {
      if (!model) {
        answerError(response, 404, `Model not found: ${name} is not loaded.`);
        return;
      }
      console.log(`Invoking model ${name}.`);
      await invoke(model.pipeline, model.url, request, response);
      return;
    }
    if (name !== undefined && !match?.[2] && request.method === "GET") {
      if (model) json(200, [{ modelName: name, modelUrl: model.url }]);
      else answerError(response, 404, `Model not found: ${name} is not loaded.`);
      return;
    }
    if (name !== undefined && !match?.[2] && request.method === "DELETE") {
      if (models.unload(name)) json(200, { status: `Model ${name} unloaded` });
      else answerError(response, 404, `Model not found: ${name} is not loaded.`);
      return;
    }
    answerError(
      response,
      404,
      `No route for ${request.method} ${path}; a multi-model container serves GET /ping, GET/POST /models, GET/DELETE /models/{name} and POST /models/{name}/invoke.`,
    );
  };
}
