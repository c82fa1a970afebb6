import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, readdir, stat } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  GetObjectCommand,
  HeadObjectCommand,
  paginateListObjectsV2,
  type S3Client,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";

export interface S3Location {
  bucket: string;
  key: string;
}

export class S3UriError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "S3UriError";
  }
}

/** `s3://bucket/key/parts` → { bucket, key }; the key may be empty (the bucket root). */
export function parseS3Uri(uri: string): S3Location {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!match?.[1]) throw new S3UriError(`"${uri}" is not an S3 URI: write s3://<bucket>/<key>.`);
  return { bucket: match[1], key: match[2] ?? "" };
}

export const s3Uri = (bucket: string, ...keyParts: string[]): string =>
  `s3://${[bucket, ...keyParts.map((part) => part.replace(/^\/+|\/+$/g, ""))].filter(Boolean).join("/")}`;

/** Uploads one file with lib-storage (multipart above 5 MiB); returns its S3 URI. */
export async function uploadFile(s3: S3Client, file: string, target: string): Promise<string> {
  const { bucket, key } = parseS3Uri(target);
  if (!key || key.endsWith("/")) {
    throw new S3UriError(
      `Upload target "${target}" names a folder: give the object key, e.g. ${target}file.tar.gz`,
    );
  }
  await new Upload({ client: s3, params: { Bucket: bucket, Key: key, Body: createReadStream(file) } }).done();
  return target;
}

async function listFiles(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

/** Uploads every file under a folder below an S3 prefix, keeping relative paths; returns the prefix URI. */
export async function uploadDirectory(s3: S3Client, folder: string, prefix: string): Promise<string> {
  const info = await stat(folder).catch(() => undefined);
  if (!info?.isDirectory())
    throw new S3UriError(`"${folder}" is not a folder, so there is nothing to upload.`);
  const { bucket, key } = parseS3Uri(prefix);
  const base = key.replace(/\/+$/, "");
  for (const file of await listFiles(folder)) {
    const rel = relative(folder, file).split(sep).join("/");
    await uploadFile(s3, file, `s3://${bucket}/${base ? `${base}/` : ""}${rel}`);
  }
  return `s3://${bucket}/${base}`;
}

async function listKeys(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket, Prefix: prefix })) {
    for (const item of page.Contents ?? []) if (item.Key) keys.push(item.Key);
  }
  return keys;
}

/** Whether an object exists (HeadObject 404 → false; any other failure is raised). */
export async function s3ObjectExists(session: { s3: S3Client }, uri: string): Promise<boolean> {
  const { bucket, key } = parseS3Uri(uri);
  try {
    await session.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 404 || (error as Error).name === "NotFound" || (error as Error).name === "NoSuchKey")
      return false;
    throw error;
  }
}

/** Downloads one object to a file (folders created as needed); returns the file path. */
export async function downloadFile(s3: S3Client, source: string, file: string): Promise<string> {
  const { bucket, key } = parseS3Uri(source);
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  await mkdir(dirname(file), { recursive: true });
  await pipeline(object.Body as Readable, createWriteStream(file));
  return file;
}

/**
 * Downloads every object under a prefix into a folder. Keys that would climb out of the folder
 * (`..` segments, absolute paths) are refused: a bucket's names must never write elsewhere on disk.
 */
export async function downloadDirectory(s3: S3Client, prefix: string, folder: string): Promise<string[]> {
  const { bucket, key } = parseS3Uri(prefix);
  const base = key === "" || key.endsWith("/") ? key : `${key}/`;
  const root = resolve(folder);
  const files: string[] = [];
  for (const objectKey of await listKeys(s3, bucket, base)) {
    const target = resolve(root, objectKey.slice(base.length));
    if (!target.startsWith(root + sep)) {
      throw new S3UriError(`Refusing to write s3://${bucket}/${objectKey} outside ${root}.`);
    }
    files.push(await downloadFile(s3, `s3://${bucket}/${objectKey}`, target));
  }
  return files;
}
