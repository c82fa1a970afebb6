import { promisify } from "node:util";
import { gunzip } from "node:zlib";
import { AwsError } from "../../../core/errors";
import { parseS3Uri } from "../../../core/s3-uri";
import type { ServiceContext } from "../../context";
import { ClientError, channelRelativePath } from "../training/channels";
import type { TransformPlan } from "./plan";

/**
 * Which S3 objects a transform job reads and where each one's answers go: every object under an S3Prefix (the
 * same prefix rules as a training channel), or the objects a ManifestFile lists. An object's output is
 * `<S3OutputPath>/<its key relative to the prefix>.out`.
 */

export interface InputObject {
  bucket: string;
  key: string;
  uri: string;
  /** The key relative to the prefix (or as the manifest lists it): the name of its output. */
  relative: string;
}

const gunzipAsync = promisify(gunzip);

export async function listInputObjects(ctx: ServiceContext, plan: TransformPlan): Promise<InputObject[]> {
  const { bucket, key, uri } = plan.input;
  if (!ctx.s3.bucketExists(bucket)) {
    throw new ClientError(`The input bucket "${bucket}" of ${uri} does not exist.`);
  }
  const objects = plan.input.manifest
    ? await manifestObjects(ctx, bucket, key, uri)
    : (await ctx.s3.listObjectKeys(bucket, key)).flatMap((objectKey) => {
        const relative = channelRelativePath(key, objectKey);
        return relative === undefined
          ? []
          : [{ bucket, key: objectKey, uri: `s3://${bucket}/${objectKey}`, relative }];
      });
  if (objects.length === 0) {
    throw new ClientError(
      `No S3 objects found under ${uri}. Upload the input first, or fix TransformInput.DataSource.S3DataSource.S3Uri.`,
    );
  }
  return objects;
}

/** `[{"prefix": "s3://bucket/some/prefix/"}, "relative/key-1", "relative/key-2", ...]`, as the API reference shows. */
export async function manifestObjects(
  ctx: ServiceContext,
  bucket: string,
  key: string,
  uri: string,
): Promise<InputObject[]> {
  let entries: unknown;
  try {
    entries = JSON.parse((await ctx.s3.getObject(bucket, key)).body.toString("utf8"));
  } catch (error) {
    const why = error instanceof AwsError ? `${error.code}: ${error.message}` : (error as Error).message;
    throw new ClientError(`Cannot read the manifest ${uri} (${why}).`);
  }
  const example = '[{"prefix": "s3://bucket/prefix/"}, "part-1.jsonl", "part-2.jsonl"]';
  const [head, ...rest] = Array.isArray(entries) ? entries : [];
  const prefix = (head as { prefix?: unknown } | undefined)?.prefix;
  if (typeof prefix !== "string" || !rest.every((entry) => typeof entry === "string")) {
    throw new ClientError(
      `The manifest ${uri} must be a JSON list: a {"prefix": "s3://..."} object, then the keys relative to it, e.g. ${example}.`,
    );
  }
  let base: { bucket: string; key: string };
  try {
    base = parseS3Uri(prefix);
  } catch {
    throw new ClientError(`The manifest ${uri} names the prefix "${prefix}", which is not an s3:// URI.`);
  }
  return (rest as string[]).map((relative) => {
    const objectKey = `${base.key}${relative}`;
    return { bucket: base.bucket, key: objectKey, uri: `s3://${base.bucket}/${objectKey}`, relative };
  });
}

/** An object's bytes, decompressed when the job says Gzip. */
export async function readInputObject(
  ctx: ServiceContext,
  object: InputObject,
  compression: "None" | "Gzip",
): Promise<Buffer> {
  let body: Buffer;
  try {
    body = (await ctx.s3.getObject(object.bucket, object.key)).body;
  } catch (error) {
    const why = error instanceof AwsError ? `${error.code}: ${error.message}` : (error as Error).message;
    throw new ClientError(`Cannot read ${object.uri} (${why}).`);
  }
  if (compression === "None") return body;
  try {
    return await gunzipAsync(body);
  } catch (error) {
    throw new ClientError(
      `${object.uri} is not gzip data (${(error as Error).message}), but TransformInput.CompressionType is Gzip; upload it gzipped or set CompressionType None.`,
    );
  }
}

export function outputKey(plan: TransformPlan, object: InputObject): string {
  return `${plan.output.prefix ? `${plan.output.prefix}/` : ""}${object.relative}.out`;
}
