import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { open, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { AwsError } from "../../core/errors";
import { quarantine, sweepTemporaries, writeFileAtomically } from "../../core/store";

/**
 * Local S3: buckets are folders under `<stateDir>/s3/`. An object is a body file plus a JSON sidecar,
 * both named after the SHA-256 of the key, so no key (`../`, absolute paths, NUL, 1,024 bytes) can name
 * a path outside its bucket's folder. The sidecar is the commit point: the body is written first under a
 * fresh name, then the sidecar is renamed into place, so a crash leaves the old object or the new one.
 * This module knows nothing about HTTP; the S3 REST/XML layer translates.
 */

export interface StoredObject {
  key: string;
  size: number;
  /** Quoted, as S3 answers it: `"<md5 hex>"` or `"<md5 of md5s>-<parts>"`. */
  etag: string;
  lastModified: Date;
  contentType: string;
  /** User metadata (x-amz-meta-*), names lower-cased. */
  metadata: Record<string, string>;
  /** Other representation headers S3 stores and returns: Content-Encoding, Content-Disposition, ... */
  headers: Record<string, string>;
  checksum?: { algorithm: string; value: string };
}

export interface PutObjectOptions {
  contentType?: string;
  metadata?: Record<string, string>;
  headers?: Record<string, string>;
  checksum?: { algorithm: string; value: string };
}

export interface ListObjectsOptions {
  prefix?: string;
  delimiter?: string;
  maxKeys?: number;
  startAfter?: string;
  /** Opaque token from a previous page (ListObjectsV2). */
  continuationToken?: string;
  /** The last key or common prefix of a previous page, as ListObjects (v1) passes it. */
  marker?: string;
}

export interface ListObjectsResult {
  objects: StoredObject[];
  commonPrefixes: string[];
  isTruncated: boolean;
  nextContinuationToken?: string;
  /** The last key or common prefix returned, when truncated (ListObjects v1's NextMarker). */
  nextMarker?: string;
}

export interface BucketInfo {
  name: string;
  creationDate: Date;
}

export interface CompletedPart {
  partNumber: number;
  etag: string;
}

interface ObjectRecord {
  key: string;
  size: number;
  etag: string;
  lastModified: string;
  contentType: string;
  metadata: Record<string, string>;
  headers: Record<string, string>;
  checksum?: { algorithm: string; value: string };
  /** Body file name inside the bucket's objects folder. */
  file: string;
}

interface UploadRecord {
  uploadId: string;
  key: string;
  initiated: string;
  options: PutObjectOptions;
}

interface PartRecord {
  partNumber: number;
  etag: string;
  size: number;
  file: string;
}

const DEFAULT_CONTENT_TYPE = "application/octet-stream";
const MAX_KEY_BYTES = 1024;
const MIN_PART_BYTES = 5 * 1024 * 1024;
const MAX_PART_NUMBER = 10_000;

export function isValidBucketName(name: string): boolean {
  return (
    /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) &&
    !name.includes("..") &&
    !/^\d+\.\d+\.\d+\.\d+$/.test(name) &&
    !name.startsWith("xn--") &&
    !name.endsWith("-s3alias")
  );
}

const noSuchBucket = (bucket: string): AwsError =>
  new AwsError("NoSuchBucket", "The specified bucket does not exist", {
    status: 404,
    fields: { BucketName: bucket },
  });

const noSuchKey = (bucket: string, key: string): AwsError =>
  new AwsError("NoSuchKey", "The specified key does not exist.", {
    status: 404,
    fields: { Key: key, BucketName: bucket },
  });

const noSuchUpload = (uploadId: string): AwsError =>
  new AwsError(
    "NoSuchUpload",
    "The specified multipart upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.",
    { status: 404, fields: { UploadId: uploadId } },
  );

const sha256 = (text: string): string => createHash("sha256").update(text, "utf8").digest("hex");
const md5 = (data: Buffer): Buffer => createHash("md5").update(data).digest();
const uniqueSuffix = (): string => `${Date.now().toString(36)}${randomBytes(6).toString("hex")}`;

/** S3 lists keys in UTF-8 byte order, which differs from JavaScript's UTF-16 order for some characters. */
const byteOrder = (a: string, b: string): number =>
  Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));

function toStored(record: ObjectRecord): StoredObject {
  return {
    key: record.key,
    size: record.size,
    etag: record.etag,
    lastModified: new Date(record.lastModified),
    contentType: record.contentType,
    metadata: { ...record.metadata },
    headers: { ...record.headers },
    ...(record.checksum ? { checksum: { ...record.checksum } } : {}),
  };
}

export class S3Service {
  private readonly root: string;
  /** Per-bucket key index, loaded from the sidecars at start; this process is the only writer. */
  private readonly indexes = new Map<string, Map<string, ObjectRecord>>();

  /** `root` is the S3 state folder itself (`<stateDir>/s3`). */
  constructor(root: string) {
    this.root = root;
    mkdirSync(root, { recursive: true });
    for (const bucket of readdirSync(root)) {
      if (!this.bucketExists(bucket)) continue;
      this.checkMarker(bucket);
      this.loadIndex(bucket);
    }
  }

  // ---- buckets ---------------------------------------------------------------------------------

  createBucket(bucket: string): void {
    if (!isValidBucketName(bucket)) {
      throw new AwsError(
        "InvalidBucketName",
        `The specified bucket "${bucket}" is not valid: use 3-63 lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit.`,
        { fields: { BucketName: bucket } },
      );
    }
    if (this.bucketExists(bucket)) {
      throw new AwsError(
        "BucketAlreadyOwnedByYou",
        "Your previous request to create the named bucket succeeded and you already own it.",
        { status: 409, fields: { BucketName: bucket } },
      );
    }
    const dir = this.bucketDir(bucket);
    mkdirSync(join(dir, "objects"), { recursive: true });
    mkdirSync(join(dir, "uploads"), { recursive: true });
    writeFileAtomically(
      join(dir, "bucket.json"),
      JSON.stringify({ name: bucket, creationDate: new Date().toISOString() }),
    );
    this.indexes.set(bucket, new Map());
  }

  bucketExists(bucket: string): boolean {
    if (!isValidBucketName(bucket)) return false;
    try {
      readFileSync(join(this.bucketDir(bucket), "bucket.json"));
      return true;
    } catch {
      return false;
    }
  }

  headBucket(bucket: string): BucketInfo {
    return this.bucketInfo(bucket);
  }

  listBuckets(): BucketInfo[] {
    return readdirSync(this.root)
      .filter((name) => this.bucketExists(name))
      .sort(byteOrder)
      .map((name) => this.bucketInfo(name));
  }

  deleteBucket(bucket: string): void {
    this.requireBucket(bucket);
    if (this.index(bucket).size > 0) {
      throw new AwsError("BucketNotEmpty", "The bucket you tried to delete is not empty", {
        status: 409,
        fields: { BucketName: bucket },
      });
    }
    // The marker goes first so that a crash part-way leaves no half-bucket that still looks like one.
    rmSync(join(this.bucketDir(bucket), "bucket.json"), { force: true });
    rmSync(this.bucketDir(bucket), { recursive: true, force: true });
    this.indexes.delete(bucket);
  }

  // ---- objects ---------------------------------------------------------------------------------

  async putObject(
    bucket: string,
    key: string,
    body: Buffer,
    options: PutObjectOptions = {},
  ): Promise<StoredObject> {
    this.requireBucket(bucket);
    this.checkKey(key);
    const file = `${sha256(key)}.${uniqueSuffix()}.bin`;
    await this.writeBody(bucket, file, body);
    return this.commit(bucket, key, file, body.length, `"${md5(body).toString("hex")}"`, options);
  }

  async putObjectBuffer(bucket: string, key: string, body: Buffer, contentType?: string): Promise<void> {
    await this.putObject(bucket, key, body, contentType ? { contentType } : {});
  }

  objectExists(bucket: string, key: string): boolean {
    return this.index(bucket).has(key);
  }

  headObject(bucket: string, key: string): StoredObject {
    return toStored(this.record(bucket, key));
  }

  /** The object's metadata and whole body, for services that read what a client uploaded. */
  async getObject(bucket: string, key: string): Promise<{ object: StoredObject; body: Buffer }> {
    // An overwrite running at the same moment may remove the body we were about to read: read again.
    for (let attempt = 0; ; attempt++) {
      const record = this.record(bucket, key);
      try {
        return { object: toStored(record), body: await readFile(this.bodyPath(bucket, record.file)) };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT" || attempt >= 2) throw error;
      }
    }
  }

  /**
   * The object's bytes (or an inclusive range) as a stream, for downloads of any size. The file is opened
   * before the stream is handed out, so an overwrite meanwhile cannot cut the download short.
   */
  async openObject(
    bucket: string,
    key: string,
    range?: { start: number; end: number },
  ): Promise<{ object: StoredObject; stream: Readable }> {
    for (let attempt = 0; ; attempt++) {
      const record = this.record(bucket, key);
      try {
        const handle = await open(this.bodyPath(bucket, record.file), "r");
        const stream = handle.createReadStream(range ? { start: range.start, end: range.end } : {});
        return { object: toStored(record), stream };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT" || attempt >= 2) throw error;
      }
    }
  }

  /** S3 answers a delete of a missing key with success; a missing bucket is still an error. */
  async deleteObject(bucket: string, key: string): Promise<void> {
    this.requireBucket(bucket);
    const index = this.index(bucket);
    const record = index.get(key);
    if (!record) return;
    index.delete(key);
    rmSync(this.sidecarPath(bucket, key), { force: true });
    await rm(this.bodyPath(bucket, record.file), { force: true });
  }

  async copyObject(
    source: { bucket: string; key: string },
    target: { bucket: string; key: string },
    replace?: PutObjectOptions,
  ): Promise<StoredObject> {
    const { object, body } = await this.getObject(source.bucket, source.key);
    const options: PutObjectOptions = replace ?? {
      contentType: object.contentType,
      metadata: object.metadata,
      headers: object.headers,
      ...(object.checksum ? { checksum: object.checksum } : {}),
    };
    return this.putObject(target.bucket, target.key, body, options);
  }

  listObjects(bucket: string, options: ListObjectsOptions = {}): ListObjectsResult {
    const prefix = options.prefix ?? "";
    const delimiter = options.delimiter ?? "";
    const maxKeys = Math.max(0, Math.min(options.maxKeys ?? 1000, 1000));
    const resumeAfter =
      options.continuationToken !== undefined ? decodeToken(options.continuationToken) : undefined;
    const index = this.index(bucket);
    const keys = sortedKeys(
      [...index.keys()].filter(
        (key) =>
          key.startsWith(prefix) &&
          (options.startAfter === undefined || byteOrder(key, options.startAfter) > 0),
      ),
    );

    const objects: StoredObject[] = [];
    const commonPrefixes: string[] = [];
    let last: string | undefined;
    let isTruncated = false;
    for (const key of keys) {
      const cut = delimiter ? key.indexOf(delimiter, prefix.length) : -1;
      const item = cut >= 0 ? key.slice(0, cut + delimiter.length) : key;
      if (item === last) continue; // more keys under a common prefix already counted
      if (resumeAfter !== undefined && byteOrder(item, resumeAfter) <= 0) continue;
      if (objects.length + commonPrefixes.length >= maxKeys) {
        isTruncated = true;
        break;
      }
      if (cut >= 0) commonPrefixes.push(item);
      else objects.push(toStored(index.get(key) as ObjectRecord));
      last = item;
    }
    return {
      objects,
      commonPrefixes,
      isTruncated,
      ...(isTruncated && last !== undefined
        ? { nextContinuationToken: encodeToken(last), nextMarker: last }
        : {}),
    };
  }

  /** Every key under a prefix, without paging: for services that copy channels or artifacts. */
  async listObjectKeys(bucket: string, prefix: string): Promise<string[]> {
    return sortedKeys([...this.index(bucket).keys()].filter((key) => key.startsWith(prefix)));
  }

  // ---- multipart uploads -------------------------------------------------------------------------

  createMultipartUpload(bucket: string, key: string, options: PutObjectOptions = {}): string {
    this.requireBucket(bucket);
    this.checkKey(key);
    const uploadId = `${uniqueSuffix()}${randomBytes(10).toString("hex")}`;
    const dir = this.uploadDir(bucket, uploadId);
    mkdirSync(dir, { recursive: true });
    const record: UploadRecord = { uploadId, key, initiated: new Date().toISOString(), options };
    writeFileAtomically(join(dir, "upload.json"), JSON.stringify(record));
    return uploadId;
  }

  async uploadPart(
    bucket: string,
    key: string,
    uploadId: string,
    partNumber: number,
    body: Buffer,
  ): Promise<string> {
    this.upload(bucket, key, uploadId);
    if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > MAX_PART_NUMBER) {
      throw new AwsError(
        "InvalidArgument",
        `Part number must be an integer between 1 and ${MAX_PART_NUMBER}, inclusive.`,
        {
          fields: { ArgumentName: "partNumber", ArgumentValue: String(partNumber) },
        },
      );
    }
    const dir = this.uploadDir(bucket, uploadId);
    const file = `part-${partNumber}.${uniqueSuffix()}.bin`;
    await writeFile(join(dir, file), body);
    const etag = `"${md5(body).toString("hex")}"`;
    const part: PartRecord = { partNumber, etag, size: body.length, file };
    const sidecar = join(dir, `part-${partNumber}.json`);
    const previous = readJson<PartRecord>(sidecar);
    writeFileAtomically(sidecar, JSON.stringify(part));
    if (previous) rmSync(join(dir, previous.file), { force: true });
    return etag;
  }

  async completeMultipartUpload(
    bucket: string,
    key: string,
    uploadId: string,
    parts: CompletedPart[],
  ): Promise<StoredObject> {
    const upload = this.upload(bucket, key, uploadId);
    const dir = this.uploadDir(bucket, uploadId);
    if (parts.length === 0) {
      throw new AwsError(
        "MalformedXML",
        "You must specify at least one part to complete a multipart upload.",
      );
    }
    const chosen: PartRecord[] = [];
    for (const [position, part] of parts.entries()) {
      if (position > 0 && part.partNumber <= (parts[position - 1] as CompletedPart).partNumber) {
        throw new AwsError(
          "InvalidPartOrder",
          "The list of parts was not in ascending order. Parts must be ordered by part number.",
        );
      }
      const stored = readJson<PartRecord>(join(dir, `part-${part.partNumber}.json`));
      if (!stored || normalizeEtag(stored.etag) !== normalizeEtag(part.etag)) {
        throw new AwsError(
          "InvalidPart",
          `Part ${part.partNumber} with ETag ${part.etag} was not uploaded to this upload, or its ETag does not match.`,
          { fields: { UploadId: uploadId, PartNumber: String(part.partNumber), ETag: part.etag } },
        );
      }
      chosen.push(stored);
    }
    chosen.slice(0, -1).forEach((part) => {
      if (part.size < MIN_PART_BYTES) {
        throw new AwsError(
          "EntityTooSmall",
          `Part ${part.partNumber} is ${part.size} bytes: every part but the last must be at least 5 MiB.`,
          {
            fields: {
              PartNumber: String(part.partNumber),
              ProposedSize: String(part.size),
              MinSizeAllowed: String(MIN_PART_BYTES),
            },
          },
        );
      }
    });
    const file = `${sha256(key)}.${uniqueSuffix()}.bin`;
    const handle = await open(this.bodyPath(bucket, file), "w");
    let size = 0;
    try {
      for (const part of chosen) {
        const data = await readFile(join(dir, part.file));
        await handle.write(data);
        size += data.length;
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    const digests = Buffer.concat(chosen.map((part) => Buffer.from(normalizeEtag(part.etag), "hex")));
    const etag = `"${md5(digests).toString("hex")}-${chosen.length}"`;
    const { checksum: _wholeObjectChecksum, ...options } = upload.options;
    const stored = this.commit(bucket, key, file, size, etag, options);
    rmSync(dir, { recursive: true, force: true });
    return stored;
  }

  abortMultipartUpload(bucket: string, key: string, uploadId: string): void {
    this.upload(bucket, key, uploadId);
    rmSync(this.uploadDir(bucket, uploadId), { recursive: true, force: true });
  }

  // ---- internals ---------------------------------------------------------------------------------

  private bucketDir(bucket: string): string {
    return join(this.root, bucket);
  }

  private bodyPath(bucket: string, file: string): string {
    return join(this.bucketDir(bucket), "objects", file);
  }

  private sidecarPath(bucket: string, key: string): string {
    return join(this.bucketDir(bucket), "objects", `${sha256(key)}.json`);
  }

  private uploadDir(bucket: string, uploadId: string): string {
    return join(this.bucketDir(bucket), "uploads", uploadId);
  }

  private requireBucket(bucket: string): void {
    if (!this.bucketExists(bucket)) throw noSuchBucket(bucket);
  }

  private bucketInfo(bucket: string): BucketInfo {
    this.requireBucket(bucket);
    const info = readJson<{ name: string; creationDate: string }>(
      join(this.bucketDir(bucket), "bucket.json"),
    );
    return { name: bucket, creationDate: new Date(info?.creationDate ?? 0) };
  }

  /**
   * A bucket's marker (bucket.json) holds only its creation date: when it cannot be read, the damaged file is moved
   * aside and reported, and a new one is written, so the bucket and its objects are kept.
   */
  private checkMarker(bucket: string): void {
    const file = join(this.bucketDir(bucket), "bucket.json");
    let why: string;
    try {
      const info = JSON.parse(readFileSync(file, "utf8")) as { creationDate?: unknown } | null;
      if (typeof info?.creationDate === "string" && !Number.isNaN(Date.parse(info.creationDate))) return;
      why = "it has no creation date";
    } catch (error) {
      why = (error as Error).message;
    }
    quarantine(
      file,
      `the record of bucket ${bucket} (only its creation date is lost: the bucket and its objects are kept, dated now)`,
      why,
    );
    writeFileAtomically(file, JSON.stringify({ name: bucket, creationDate: new Date().toISOString() }));
  }

  private checkKey(key: string): void {
    if (key.length === 0) throw new AwsError("InvalidArgument", "An object key must not be empty.");
    const bytes = Buffer.byteLength(key, "utf8");
    if (bytes > MAX_KEY_BYTES) {
      throw new AwsError(
        "KeyTooLongError",
        `Your key is too long: ${bytes} bytes, the limit is ${MAX_KEY_BYTES}.`,
        {
          fields: { Size: String(bytes), MaxSizeAllowed: String(MAX_KEY_BYTES) },
        },
      );
    }
  }

  private index(bucket: string): Map<string, ObjectRecord> {
    this.requireBucket(bucket);
    return this.indexes.get(bucket) ?? this.loadIndex(bucket);
  }

  /**
   * Reads a bucket's sidecars, before any request runs. What interrupted writes left is cleared: temporaries, and
   * bodies no sidecar names (written, never committed). A sidecar that cannot be read is moved aside and reported:
   * its object is lost, and the server says so once instead of hiding it.
   */
  private loadIndex(bucket: string): Map<string, ObjectRecord> {
    const index = new Map<string, ObjectRecord>();
    const dir = join(this.bucketDir(bucket), "objects");
    sweepTemporaries(dir);
    const names = readdirSync(dir);
    for (const name of names) {
      if (!name.endsWith(".json")) continue;
      const file = join(dir, name);
      const record = readJson<ObjectRecord>(file);
      if (record && typeof record.key === "string" && typeof record.file === "string")
        index.set(record.key, record);
      else
        quarantine(
          file,
          `an object of bucket ${bucket} (its key is unknown: the record holding it is damaged)`,
          "not a complete object record",
        );
    }
    const referenced = new Set([...index.values()].map((record) => record.file));
    for (const name of names)
      if (name.endsWith(".bin") && !referenced.has(name)) rmSync(join(dir, name), { force: true });
    this.indexes.set(bucket, index);
    return index;
  }

  private record(bucket: string, key: string): ObjectRecord {
    const record = this.index(bucket).get(key);
    if (!record) throw noSuchKey(bucket, key);
    return record;
  }

  private upload(bucket: string, key: string, uploadId: string): UploadRecord {
    this.requireBucket(bucket);
    const record = /^[a-z0-9]+$/.test(uploadId)
      ? readJson<UploadRecord>(join(this.uploadDir(bucket, uploadId), "upload.json"))
      : undefined;
    if (!record || record.key !== key) throw noSuchUpload(uploadId);
    return record;
  }

  private async writeBody(bucket: string, file: string, body: Buffer): Promise<void> {
    const handle = await open(this.bodyPath(bucket, file), "w");
    try {
      await handle.write(body);
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  /** Synchronous on purpose: no other request can interleave between reading and replacing the record. */
  private commit(
    bucket: string,
    key: string,
    file: string,
    size: number,
    etag: string,
    options: PutObjectOptions,
  ): StoredObject {
    const index = this.index(bucket);
    const previous = index.get(key);
    const record: ObjectRecord = {
      key,
      size,
      etag,
      lastModified: new Date().toISOString(),
      contentType: options.contentType || DEFAULT_CONTENT_TYPE,
      metadata: { ...(options.metadata ?? {}) },
      headers: { ...(options.headers ?? {}) },
      ...(options.checksum ? { checksum: options.checksum } : {}),
      file,
    };
    writeFileAtomically(this.sidecarPath(bucket, key), JSON.stringify(record));
    index.set(key, record);
    if (previous && previous.file !== file) rmSync(this.bodyPath(bucket, previous.file), { force: true });
    return toStored(record);
  }
}

/** Sorted in S3's order, encoding each key once rather than in every comparison. */
function sortedKeys(keys: string[]): string[] {
  return keys
    .map((key) => ({ key, bytes: Buffer.from(key, "utf8") }))
    .sort((a, b) => Buffer.compare(a.bytes, b.bytes))
    .map((entry) => entry.key);
}

function readJson<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as T;
  } catch {
    return undefined;
  }
}

function normalizeEtag(etag: string): string {
  return etag.replace(/^W\//, "").replace(/"/g, "").trim().toLowerCase();
}

function encodeToken(item: string): string {
  return Buffer.from(item, "utf8").toString("base64url");
}

function decodeToken(token: string): string {
  const decoded = Buffer.from(token, "base64url").toString("utf8");
  if (token === "" || encodeToken(decoded) !== token) {
    throw new AwsError("InvalidArgument", "The continuation token provided is incorrect", {
      fields: { ArgumentName: "continuation-token", ArgumentValue: token },
    });
  }
  return decoded;
}
