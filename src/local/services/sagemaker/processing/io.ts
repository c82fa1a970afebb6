import { createWriteStream, lstatSync, mkdirSync, readdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join, posix, relative, sep } from "node:path";
import { pipeline } from "node:stream/promises";
import type { CreateProcessingJobRequest } from "@aws-sdk/client-sagemaker";
import { localPathProblem, mapContainerPath } from "../../../../containers/processing/paths";
import { validation } from "../../../core/errors";
import { parseS3Uri } from "../../../core/s3-uri";
import type { ServiceContext } from "../../context";
import { ClientError, channelRelativePath } from "../training/channels";
import { manifestObjects } from "../transform/input";

/**
 * A processing job's data: its inputs are copied from S3 into their LocalPath before the entry point runs, and its
 * outputs are uploaded from their LocalPath when it has succeeded (S3UploadMode EndOfJob). `checkProcessingIo`
 * refuses at CreateProcessingJob what local SageMaker cannot do, so a job that starts can run.
 */

export interface PlannedInput {
  name: string;
  uri: string;
  bucket: string;
  key: string;
  manifest: boolean;
  /** The container path and where it is on this machine. */
  localPath: string;
  dir: string;
}

export interface PlannedOutput {
  name: string;
  uri: string;
  bucket: string;
  prefix: string;
  localPath: string;
  dir: string;
}

/** Throws ValidationException for inputs and outputs local SageMaker cannot serve; names the member and the way out. */
export function checkProcessingIo(request: CreateProcessingJobRequest): void {
  const names = new Set<string>();
  for (const [index, input] of (request.ProcessingInputs ?? []).entries()) {
    const where = `ProcessingInputs[${index}] ("${input.InputName}")`;
    if (names.has(input.InputName ?? "")) {
      throw validation(
        `${where}: InputName "${input.InputName}" is used twice; every input needs its own name.`,
      );
    }
    names.add(input.InputName ?? "");
    if (input.DatasetDefinition) {
      throw validation(
        `${where} uses a DatasetDefinition (Athena or Redshift query), which local SageMaker cannot run: there is no Athena or Redshift here. Export the data to S3 and use an S3Input instead.`,
      );
    }
    const s3 = input.S3Input;
    if (!s3)
      throw validation(`${where} has no S3Input; local SageMaker reads processing inputs from S3 only.`);
    parseS3Uri(s3.S3Uri ?? "");
    if (s3.S3InputMode === "Pipe") {
      throw validation(`${where}: S3InputMode Pipe is not available on local SageMaker; use File.`);
    }
    if (s3.S3CompressionType && s3.S3CompressionType !== "None") {
      throw validation(
        `${where}: S3CompressionType ${s3.S3CompressionType} works with Pipe mode only; use None (File mode).`,
      );
    }
    checkLocalPath(where, s3.LocalPath);
  }
  const outputs = new Set<string>();
  for (const [index, output] of (request.ProcessingOutputConfig?.Outputs ?? []).entries()) {
    const where = `ProcessingOutputConfig.Outputs[${index}] ("${output.OutputName}")`;
    if (outputs.has(output.OutputName ?? "")) {
      throw validation(
        `${where}: OutputName "${output.OutputName}" is used twice; every output needs its own name.`,
      );
    }
    outputs.add(output.OutputName ?? "");
    if (output.FeatureStoreOutput) {
      throw validation(
        `${where} writes to a feature group (FeatureStoreOutput), which local SageMaker does not have; use an S3Output.`,
      );
    }
    const s3 = output.S3Output;
    if (!s3)
      throw validation(`${where} has no S3Output; local SageMaker uploads processing outputs to S3 only.`);
    parseS3Uri(s3.S3Uri ?? "");
    if (s3.S3UploadMode === "Continuous") {
      throw validation(
        `${where}: S3UploadMode Continuous is not available on local SageMaker; use EndOfJob (the outputs are uploaded when the job succeeds).`,
      );
    }
    checkLocalPath(where, s3.LocalPath);
  }
}

function checkLocalPath(where: string, path: string | undefined): void {
  if (path === undefined || path === "") {
    throw validation(
      `${where} has no LocalPath: in File mode it must name a folder under /opt/ml/processing/.`,
    );
  }
  const problem = localPathProblem(path);
  if (problem) {
    throw validation(
      `${where}: LocalPath "${path}" cannot be used because ${problem}; processing inputs and outputs live under /opt/ml/processing/, for example /opt/ml/processing/input.`,
    );
  }
}

export function planInputs(request: CreateProcessingJobRequest, root: string): PlannedInput[] {
  return (request.ProcessingInputs ?? []).map((input) => {
    const s3 = input.S3Input ?? { S3Uri: "", LocalPath: "", S3DataType: "S3Prefix" };
    const { bucket, key } = parseS3Uri(s3.S3Uri ?? "");
    const localPath = s3.LocalPath as string;
    return {
      name: input.InputName as string,
      uri: s3.S3Uri as string,
      bucket,
      key,
      manifest: s3.S3DataType === "ManifestFile",
      localPath,
      dir: mapContainerPath(localPath, root),
    };
  });
}

export function planOutputs(request: CreateProcessingJobRequest, root: string): PlannedOutput[] {
  return (request.ProcessingOutputConfig?.Outputs ?? []).map((output) => {
    const s3 = output.S3Output ?? { S3Uri: "", LocalPath: "", S3UploadMode: "EndOfJob" };
    const { bucket, key } = parseS3Uri(s3.S3Uri ?? "");
    const localPath = s3.LocalPath as string;
    return {
      name: output.OutputName as string,
      uri: s3.S3Uri as string,
      bucket,
      prefix: key.replace(/\/+$/, ""),
      localPath,
      dir: mapContainerPath(localPath, root),
    };
  });
}

/** Copies one input into its folder: every object under an S3Prefix, or those a ManifestFile lists. */
export async function downloadInput(ctx: ServiceContext, input: PlannedInput): Promise<number> {
  if (!ctx.s3.bucketExists(input.bucket)) {
    throw new ClientError(`Input "${input.name}": bucket "${input.bucket}" of ${input.uri} does not exist.`);
  }
  const objects = input.manifest
    ? (await manifestObjects(ctx, input.bucket, input.key, input.uri)).map((object) => ({
        bucket: object.bucket,
        key: object.key,
        relative: posix.normalize(object.relative),
      }))
    : (await ctx.s3.listObjectKeys(input.bucket, input.key)).flatMap((key) => {
        const relativePath = channelRelativePath(input.key, key);
        return relativePath === undefined ? [] : [{ bucket: input.bucket, key, relative: relativePath }];
      });
  mkdirSync(input.dir, { recursive: true });
  let count = 0;
  for (const object of objects) {
    if (object.relative.startsWith("../") || posix.isAbsolute(object.relative)) continue;
    const file = join(input.dir, object.relative);
    mkdirSync(dirname(file), { recursive: true });
    let source: Awaited<ReturnType<ServiceContext["s3"]["openObject"]>>;
    try {
      source = await ctx.s3.openObject(object.bucket, object.key);
    } catch (error) {
      throw new ClientError(
        `Input "${input.name}": cannot read s3://${object.bucket}/${object.key} (${(error as Error).message}).`,
      );
    }
    await pipeline(source.stream, createWriteStream(file));
    count += 1;
  }
  if (count === 0) {
    throw new ClientError(
      `No S3 objects found under ${input.uri} (input "${input.name}"). Upload the data first, or fix the S3Uri.`,
    );
  }
  return count;
}

/** Every regular file under `dir`, relative to it with `/` separators; links are skipped and reported. */
export function filesUnder(dir: string, skipped: string[] = []): string[] {
  const files: string[] = [];
  const walk = (folder: string): void => {
    let names: string[];
    try {
      names = readdirSync(folder).sort();
    } catch {
      return;
    }
    for (const name of names) {
      const path = join(folder, name);
      const stat = lstatSync(path);
      if (stat.isSymbolicLink()) skipped.push(relative(dir, path).split(sep).join("/"));
      else if (stat.isDirectory()) walk(path);
      else if (stat.isFile()) files.push(relative(dir, path).split(sep).join("/"));
    }
  };
  walk(dir);
  return files;
}

/** Uploads one output folder to `<S3Uri>/<path relative to LocalPath>`; returns what was uploaded and skipped. */
export async function uploadOutput(
  ctx: ServiceContext,
  output: PlannedOutput,
): Promise<{ files: number; skippedLinks: string[] }> {
  if (!ctx.s3.bucketExists(output.bucket)) {
    throw new ClientError(
      `Output "${output.name}": bucket "${output.bucket}" of ${output.uri} does not exist.`,
    );
  }
  const skippedLinks: string[] = [];
  const files = filesUnder(output.dir, skippedLinks);
  for (const file of files) {
    const key = output.prefix === "" ? file : `${output.prefix}/${file}`;
    await ctx.s3.putObjectBuffer(output.bucket, key, await readFile(join(output.dir, ...file.split("/"))));
  }
  return { files: files.length, skippedLinks };
}
