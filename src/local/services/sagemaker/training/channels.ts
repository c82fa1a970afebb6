import { createWriteStream, mkdirSync } from "node:fs";
import { dirname, join, posix } from "node:path";
import { pipeline } from "node:stream/promises";
import type { Channel } from "@aws-sdk/client-sagemaker";
import { parseS3Uri } from "../../../core/s3-uri";
import type { ServiceContext } from "../../context";

/** A job input problem the user can fix; becomes FailureReason "ClientError: ...". */
export class ClientError extends Error {}

/**
 * Where an object under an S3Prefix lands in its channel folder: the part of the key after the prefix when the
 * prefix ends at a "/" boundary (`data/train` + `data/train/a.csv` → `a.csv`), else the key's own name.
 */
export function channelRelativePath(prefix: string, key: string): string | undefined {
  if (key.endsWith("/")) return undefined; // folder marker objects
  const rest = key.slice(prefix.length);
  const relative =
    prefix === "" || prefix.endsWith("/") || rest.startsWith("/") ? rest.replace(/^\/+/, "") : "";
  const path = relative === "" ? posix.basename(key) : relative;
  const normalised = posix.normalize(path);
  if (normalised.startsWith("../") || normalised === ".." || posix.isAbsolute(normalised)) return undefined;
  return normalised;
}

/** Copies every channel's S3Prefix into `input/data/<channel>/`; returns the number of files per channel. */
export async function downloadChannels(
  ctx: ServiceContext,
  channels: readonly Channel[],
  dataDir: string,
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const channel of channels) {
    const name = channel.ChannelName ?? "";
    const source = channel.DataSource?.S3DataSource;
    if (!source?.S3Uri) {
      throw new ClientError(
        `Channel "${name}" has no S3DataSource; local SageMaker reads channels from S3 only (FileSystemDataSource is not available).`,
      );
    }
    if (source.S3DataType !== "S3Prefix") {
      throw new ClientError(
        `Channel "${name}" uses S3DataType ${source.S3DataType}; local SageMaker supports S3Prefix only.`,
      );
    }
    const { bucket, key: prefix } = parseS3Uri(source.S3Uri);
    if (!ctx.s3.bucketExists(bucket)) {
      throw new ClientError(`Channel "${name}": bucket "${bucket}" of ${source.S3Uri} does not exist.`);
    }
    const target = join(dataDir, name);
    mkdirSync(target, { recursive: true });
    let count = 0;
    for (const key of await ctx.s3.listObjectKeys(bucket, prefix)) {
      const relative = channelRelativePath(prefix, key);
      if (relative === undefined) continue;
      const file = join(target, relative);
      mkdirSync(dirname(file), { recursive: true });
      // Streamed, so a large channel neither fills memory nor holds the event loop.
      await pipeline((await ctx.s3.openObject(bucket, key)).stream, createWriteStream(file));
      count += 1;
    }
    if (count === 0) {
      throw new ClientError(
        `No S3 objects found under ${source.S3Uri} (channel "${name}"). Upload the data first, or fix the S3Uri.`,
      );
    }
    counts[name] = count;
  }
  return counts;
}
