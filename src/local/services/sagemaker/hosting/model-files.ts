import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Readable } from "node:stream";
import type { ContainerDefinition } from "@aws-sdk/client-sagemaker";
import { extractArchiveSafely } from "../../../archives";
import { AwsError } from "../../../core/errors";
import { parseS3Uri } from "../../../core/s3-uri";
import type { ServiceContext } from "../../context";
import { resolveInferenceImage } from "../images";

/**
 * What a model's containers need on disk before any of them starts: each container definition's image checked,
 * its model.tar.gz (and a separate SAGEMAKER_SUBMIT_DIRECTORY source bundle) fetched from S3 and extracted into a
 * folder of its own, as SageMaker puts it under /opt/ml/model. Endpoints, batch transform and every later way of
 * running a model prepare their containers here, once per model and purpose; instances share the folders.
 */

export interface PreparedContainer {
  /** ContainerHostname, or the position's default name (container-1, container-2, ...). */
  hostname: string;
  image: string;
  modelDir: string;
  /** The definition's Environment, with SAGEMAKER_SUBMIT_DIRECTORY pointing at the extracted code. */
  environment: Record<string, string>;
  /** Mode MultiModel: ModelDataUrl is a prefix of archives the container loads on demand. */
  multiModel: boolean;
  /** The S3 prefix of a multi-model container's archives. */
  modelPrefix?: string;
}

export const containerHostname = (container: ContainerDefinition, index: number): string =>
  container.ContainerHostname ?? `container-${index + 1}`;

/** Prepares every container of a model under `dir`; `label` names the model in error messages ("Variant X"). */
export async function prepareContainers(
  ctx: ServiceContext,
  containers: readonly ContainerDefinition[],
  dir: string,
  label: string,
): Promise<PreparedContainer[]> {
  const prepared: PreparedContainer[] = [];
  for (const [index, container] of containers.entries()) {
    const hostname = containerHostname(container, index);
    const where = containers.length > 1 ? `${label}, container ${hostname}` : label;
    const image = container.Image ?? "";
    const resolved = resolveInferenceImage(image);
    if (!resolved.ok) throw new Error(`${where}: ${resolved.reason}`);
    const modelDir = join(dir, `${index + 1}-${hostname}`, "model");
    mkdirSync(modelDir, { recursive: true });
    const multiModel = container.Mode === "MultiModel";
    const url = container.ModelDataUrl ?? container.ModelDataSource?.S3DataSource?.S3Uri;
    if (url && !multiModel) {
      if (container.ModelDataSource?.S3DataSource?.CompressionType === "None") {
        throw new Error(
          `${where}: uncompressed ModelDataSource (${url}) is not supported locally; package the model as model.tar.gz.`,
        );
      }
      await fetchArchive(ctx, where, url, modelDir, "ModelDataUrl");
    }
    const environment = { ...(container.Environment ?? {}) };
    const submitDirectory = environment.SAGEMAKER_SUBMIT_DIRECTORY;
    if (submitDirectory?.startsWith("s3://")) {
      // The SageMaker SDK may point at a separate sourcedir.tar.gz: the toolkit unpacks it into code/.
      await fetchArchive(ctx, where, submitDirectory, join(modelDir, "code"), "SAGEMAKER_SUBMIT_DIRECTORY");
      environment.SAGEMAKER_SUBMIT_DIRECTORY = join(modelDir, "code");
    }
    prepared.push({
      hostname,
      image,
      modelDir,
      environment,
      multiModel,
      ...(multiModel && url ? { modelPrefix: url } : {}),
    });
  }
  return prepared;
}

/** Fetches an archive from local S3 and extracts it (off the main thread, within the archive limits). */
export async function fetchArchive(
  ctx: ServiceContext,
  where: string,
  url: string,
  dir: string,
  member: string,
): Promise<void> {
  const { bucket, key } = parseS3Uri(url);
  let archive: Readable;
  try {
    archive = (await ctx.s3.openObject(bucket, key)).stream;
  } catch (error) {
    const reason = error instanceof AwsError ? `${error.code}: ${error.message}` : (error as Error).message;
    throw new Error(`${where}: could not download ${member} ${url} (${reason}).`);
  }
  try {
    const started = Date.now();
    const summary = await extractArchiveSafely("model", archive, dir, {
      limits: ctx.settings.archiveLimits,
      onProgress: (entries, bytes) =>
        process.stderr.write(
          `local-sagemaker: ${where}: extracting ${member} ${url}: ${entries} entries, ${(bytes / 2 ** 20).toFixed(0)} MiB so far\n`,
        ),
    });
    const seconds = (Date.now() - started) / 1000;
    // Quick extractions say nothing; slow ones (which also reported progress) say how they ended.
    if (seconds >= 1) {
      process.stderr.write(
        `local-sagemaker: ${where}: extracted ${member} ${url}: ${summary.entries} entries, ${(summary.bytes / 2 ** 20).toFixed(1)} MiB in ${seconds.toFixed(1)} s\n`,
      );
    }
  } catch (error) {
    throw new Error(`${where}: ${member} ${url}: ${(error as Error).message}`);
  }
}
