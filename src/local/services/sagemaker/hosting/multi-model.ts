import { createHash } from "node:crypto";
import { request } from "node:http";
import { join } from "node:path";
import { parseS3Uri } from "../../../core/s3-uri";
import type { ServiceContext } from "../../context";
import type { InferenceContainer } from "./container";
import { InvocationFailure } from "./invocation";
import { fetchArchive } from "./model-files";

/**
 * The platform's side of a multi-model endpoint (a container with Mode MultiModel, whose ModelDataUrl is an S3
 * prefix): on a request for TargetModel it downloads and extracts `<prefix>/<TargetModel>` once per variant,
 * asks the instance's container to load it (POST /models, the multi-model container API), and keeps at most
 * LOCAL_SAGEMAKER_MME_MAX_MODELS loaded per instance, unloading the least recently used (DELETE /models/{name}).
 * A model that is not in S3 is refused as SageMaker refuses it; one whose loading fails is a ModelError.
 */

/** One variant's extracted archives, shared by its instances (one download per model, as one S3 prefix). */
export class MultiModelStore {
  private readonly extracted = new Map<string, Promise<string>>();

  constructor(
    private readonly ctx: ServiceContext,
    readonly prefix: string,
    private readonly dir: string,
    readonly maxLoaded: number,
  ) {}

  /** The folder TargetModel is extracted in; rejects with "model-missing" when the archive is not there. */
  folderOf(target: string): Promise<string> {
    let folder = this.extracted.get(target);
    if (!folder) {
      folder = this.extract(target);
      this.extracted.set(target, folder);
      // A failed download may succeed later (the archive uploaded meanwhile): do not keep the failure.
      folder.catch(() => this.extracted.delete(target));
    }
    return folder;
  }

  private async extract(target: string): Promise<string> {
    const url = `${this.prefix.replace(/\/+$/, "")}/${target}`;
    const { bucket, key } = parseS3Uri(url);
    if (!this.ctx.s3.bucketExists(bucket) || !this.ctx.s3.objectExists(bucket, key)) {
      throw new InvocationFailure(
        "model-missing",
        `Failed to download model data(bucket: ${bucket}, key: ${key}). Please ensure that there is an object located at the URL and that the role passed to CreateModel has permissions to download the model.`,
      );
    }
    const folder = join(this.dir, createHash("sha256").update(target).digest("hex").slice(0, 24), "model");
    await fetchArchive(this.ctx, `TargetModel ${target}`, url, folder, "TargetModel");
    return folder;
  }
}

/** What one instance's container holds loaded, most recently used last. */
export class LoadedModelCache {
  private readonly loaded = new Map<string, { inFlight: number }>();
  private readonly loading = new Map<string, Promise<void>>();

  constructor(
    private readonly store: MultiModelStore,
    private readonly container: InferenceContainer,
    private readonly log: (lines: string[]) => void,
  ) {}

  /** Makes sure `target` is loaded and holds it until the returned release is called. */
  async hold(target: string): Promise<() => void> {
    for (;;) {
      const entry = this.loaded.get(target);
      if (entry) {
        // Most recently used goes last.
        this.loaded.delete(target);
        this.loaded.set(target, entry);
        entry.inFlight++;
        return () => {
          entry.inFlight--;
        };
      }
      let loading = this.loading.get(target);
      if (!loading) {
        loading = this.load(target).finally(() => this.loading.delete(target));
        this.loading.set(target, loading);
      }
      await loading;
    }
  }

  /** The container lost its models (it restarted): load again on the next request. */
  forget(target: string): void {
    this.loaded.delete(target);
  }

  private async load(target: string): Promise<void> {
    const folder = await this.store.folderOf(target);
    await this.makeRoom();
    const started = Date.now();
    const answer = await this.call("POST", "/models", JSON.stringify({ model_name: target, url: folder }));
    if (answer.status !== 200 && answer.status !== 409) {
      throw new InvocationFailure("model", `loading ${target} failed`, answer.status, answer.text);
    }
    this.loaded.set(target, { inFlight: 0 });
    this.log([
      `Model ${target} loaded in ${Date.now() - started} ms (${this.loaded.size} of at most ${this.store.maxLoaded} loaded).`,
    ]);
  }

  /** Unloads the least recently used models that no request is using, until one more fits. */
  private async makeRoom(): Promise<void> {
    for (const [name, entry] of this.loaded) {
      if (this.loaded.size < this.store.maxLoaded) return;
      if (entry.inFlight > 0) continue;
      this.loaded.delete(name);
      await this.call("DELETE", `/models/${encodeURIComponent(name)}`);
      this.log([
        `Model ${name} unloaded (least recently used; LOCAL_SAGEMAKER_MME_MAX_MODELS is ${this.store.maxLoaded}).`,
      ]);
    }
  }

  private call(method: string, path: string, body?: string): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const call = request(
        {
          host: "127.0.0.1",
          port: this.container.port,
          path,
          method,
          agent: this.container.agent,
          headers:
            body === undefined
              ? {}
              : { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on("data", (chunk: Buffer) => chunks.push(chunk));
          response.on("end", () =>
            resolve({ status: response.statusCode ?? 500, text: Buffer.concat(chunks).toString("utf8") }),
          );
          response.on("error", reject);
        },
      );
      call.on("error", (error) =>
        reject(
          new InvocationFailure(
            "unreachable",
            `the container did not answer ${method} ${path} (${error.message})`,
          ),
        ),
      );
      call.end(body);
    });
  }
}
