import type { IncomingMessage, ServerResponse } from "node:http";
import { AwsError, toAwsError } from "../core/errors";
import type { PutObjectOptions, S3Service, StoredObject } from "../services/s3/service";
import { decodeAwsChunked, verifyChecksum, verifyContentMd5 } from "./aws-chunked";
import type { Gate } from "./gate";
import { header } from "./http";
import type { RequestHead } from "./request-head";
import type { Route } from "./routes";
import { type S3Reply, send, sendS3Error } from "./s3-reply";
import { xmlDocument, xmlElements, xmlText } from "./s3-xml";
import type { AuthSuccess } from "./sigv4";

/**
 * S3's REST/XML protocol, path-style (`/<bucket>/<key>`): parses each request into a call on S3Service
 * and writes its result or error the way S3 does. Virtual-hosted style is not served: clients set
 * `forcePathStyle: true` (boto3 and the AWS CLI use path style for an IP endpoint on their own).
 */

export interface S3ProtocolOptions {
  region: string;
}

/**
 * S3 bodies are held in memory while they are decoded and verified: larger uploads go through multipart
 * (lib-storage, boto3 and the AWS CLI switch to it on their own far below this).
 */
const MAX_S3_BODY_BYTES = 1024 * 1024 * 1024;

interface S3Request {
  method: string;
  bucket: string;
  key: string;
  query: URLSearchParams;
  req: IncomingMessage;
  body: Buffer;
  requestId: string;
  /** The verified signature (undefined when auth is off), and the gate that decodes signed aws-chunked bodies. */
  auth: AuthSuccess | undefined;
  gate: Gate;
}

/** Sub-resources this server does not implement: answered NotImplemented instead of being misread. */
const UNSUPPORTED_SUBRESOURCES = [
  "acl",
  "policy",
  "cors",
  "lifecycle",
  "tagging",
  "encryption",
  "versioning",
  "versions",
  "website",
  "logging",
  "notification",
  "replication",
  "requestPayment",
  "accelerate",
  "analytics",
  "inventory",
  "metrics",
  "ownershipControls",
  "publicAccessBlock",
  "object-lock",
  "retention",
  "legal-hold",
  "torrent",
  "attributes",
  "restore",
  "select",
  "intelligent-tiering",
  "policyStatus",
  "session",
];

/** Representation headers S3 stores with an object and returns on GET/HEAD. */
const STORED_HEADERS = ["content-disposition", "content-language", "cache-control", "expires"];

const VIRTUAL_HOST = /^([a-z0-9][a-z0-9.-]*[a-z0-9])\.localhost(?::\d+)?$/i;

/** S3, the explicit last entry of the route table: whatever no other service claimed. */
export function s3Route(s3: S3Service, options: S3ProtocolOptions, gate: Gate): Route {
  return {
    name: "S3",
    family: "s3",
    claim: (head) => (res) => handleS3(s3, head, res, options, gate),
  };
}

async function handleS3(
  s3: S3Service,
  head: RequestHead,
  res: ServerResponse,
  options: S3ProtocolOptions,
  gate: Gate,
): Promise<void> {
  const { req, requestId, method } = head;
  try {
    const declared = Number(header(req, "content-length") ?? 0);
    if (declared > MAX_S3_BODY_BYTES) throw entityTooLarge(declared, MAX_S3_BODY_BYTES);
    const { body, auth } = await gate.admit(head, "s3", "s3", MAX_S3_BODY_BYTES).catch((error: unknown) => {
      throw error instanceof AwsError && error.code === "EntityTooLarge"
        ? entityTooLarge(undefined, MAX_S3_BODY_BYTES)
        : error;
    });
    const request = parseRequest(method, req, body, requestId, auth, gate);
    const reply = await dispatch(s3, request, options);
    send(res, method, requestId, reply);
  } catch (error) {
    sendS3Error(res, method, toAwsError(error, "InternalError"), requestId);
  }
}

function entityTooLarge(size: number | undefined, limit: number): AwsError {
  return new AwsError(
    "EntityTooLarge",
    `Your proposed upload${size === undefined ? "" : ` of ${size} bytes`} exceeds local S3's limit of ${limit} bytes for one request: upload it in parts (multipart upload; lib-storage's Upload, boto3 and the AWS CLI do so on their own).`,
    {
      fields: {
        MaxSizeAllowed: String(limit),
        ...(size === undefined ? {} : { ProposedSize: String(size) }),
      },
    },
  );
}

function parseRequest(
  method: string,
  req: IncomingMessage,
  body: Buffer,
  requestId: string,
  auth: AuthSuccess | undefined,
  gate: Gate,
): S3Request {
  const raw = req.url ?? "/";
  const queryAt = raw.indexOf("?");
  // The raw path, not a URL object's: WHATWG URL parsing would fold `..` segments that belong to the key.
  const path = queryAt >= 0 ? raw.slice(0, queryAt) : raw;
  const query = new URLSearchParams(queryAt >= 0 ? raw.slice(queryAt + 1) : "");
  const slash = path.indexOf("/", 1);
  // Virtual-hosted style works for `<bucket>.localhost`, which resolves to loopback without any set-up.
  const hosted = VIRTUAL_HOST.exec(header(req, "host") ?? "");
  try {
    if (hosted) {
      return {
        method,
        bucket: hosted[1] as string,
        key: decodeURIComponent(path.slice(1)),
        query,
        req,
        body,
        requestId,
        auth,
        gate,
      };
    }
    const bucket = decodeURIComponent(slash >= 0 ? path.slice(1, slash) : path.slice(1));
    const key = slash >= 0 ? decodeURIComponent(path.slice(slash + 1)) : "";
    return { method, bucket, key, query, req, body, requestId, auth, gate };
  } catch {
    throw new AwsError("InvalidURI", `Couldn't parse the specified URI "${raw.slice(0, 200)}".`);
  }
}

async function dispatch(s3: S3Service, request: S3Request, options: S3ProtocolOptions): Promise<S3Reply> {
  const { method, bucket, key, query } = request;
  const unsupported = UNSUPPORTED_SUBRESOURCES.find((name) => query.has(name));
  if (unsupported) {
    throw new AwsError("NotImplemented", `Local S3 does not implement the "${unsupported}" sub-resource.`, {
      status: 501,
    });
  }
  if (bucket === "") {
    if (method === "GET") return listBuckets(s3);
    throw notImplemented(method, "/");
  }
  if (key === "") {
    switch (method) {
      case "PUT":
        return createBucket(s3, bucket);
      case "HEAD":
        s3.headBucket(bucket);
        return { headers: { "x-amz-bucket-region": options.region } };
      case "DELETE":
        s3.deleteBucket(bucket);
        return { status: 204 };
      case "GET":
        if (query.has("location")) return bucketLocation(s3, bucket, options.region);
        if (query.has("uploads")) throw notImplemented(method, "?uploads (ListMultipartUploads)");
        return listObjects(s3, request);
      case "POST":
        if (query.has("delete")) return deleteObjects(s3, request);
        throw notImplemented(method, "a bucket without ?delete");
      default:
        throw notImplemented(method, "a bucket");
    }
  }
  switch (method) {
    case "PUT":
      if (query.has("uploadId")) {
        if (header(request.req, "x-amz-copy-source")) throw notImplemented(method, "UploadPartCopy");
        return uploadPart(s3, request);
      }
      if (header(request.req, "x-amz-copy-source")) return copyObject(s3, request);
      return putObject(s3, request);
    case "GET":
      if (query.has("uploadId")) throw notImplemented(method, "ListParts");
      return getObject(s3, request, true);
    case "HEAD":
      return getObject(s3, request, false);
    case "DELETE":
      if (query.has("uploadId")) {
        s3.abortMultipartUpload(bucket, key, query.get("uploadId") ?? "");
        return { status: 204 };
      }
      await s3.deleteObject(bucket, key);
      return { status: 204 };
    case "POST":
      if (query.has("uploads")) return createMultipartUpload(s3, request);
      if (query.has("uploadId")) return completeMultipartUpload(s3, request);
      throw notImplemented(method, "an object without ?uploads or ?uploadId");
    default:
      throw notImplemented(method, "an object");
  }
}

function notImplemented(method: string, what: string): AwsError {
  return new AwsError("NotImplemented", `Local S3 does not implement ${method} on ${what}.`, { status: 501 });
}

// ---- buckets ---------------------------------------------------------------------------------------

function listBuckets(s3: S3Service): S3Reply {
  return {
    xml: xmlDocument("ListAllMyBucketsResult", {
      Owner: { ID: "local", DisplayName: "local" },
      Buckets: {
        Bucket: s3.listBuckets().map((bucket) => ({ Name: bucket.name, CreationDate: bucket.creationDate })),
      },
    }),
  };
}

function createBucket(s3: S3Service, bucket: string): S3Reply {
  s3.createBucket(bucket);
  return { headers: { Location: `/${bucket}` } };
}

function bucketLocation(s3: S3Service, bucket: string, region: string): S3Reply {
  s3.headBucket(bucket);
  // S3 answers an empty constraint for us-east-1.
  const constraint = region === "us-east-1" ? "" : region;
  return {
    xml: `<?xml version="1.0" encoding="UTF-8"?>\n<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${constraint}</LocationConstraint>`,
  };
}

function listObjects(s3: S3Service, request: S3Request): S3Reply {
  const { query, bucket } = request;
  const v2 = query.get("list-type") === "2";
  const urlEncoded = query.get("encoding-type") === "url";
  const encodingType = query.get("encoding-type");
  if (encodingType !== null && encodingType !== "url") {
    throw new AwsError(
      "InvalidArgument",
      `Invalid Encoding Method specified in Request: "${encodingType}". Use "url".`,
      {
        fields: { ArgumentName: "encoding-type", ArgumentValue: encodingType },
      },
    );
  }
  const maxKeysText = query.get("max-keys");
  const maxKeys = maxKeysText === null ? 1000 : Number(maxKeysText);
  if (!/^\d+$/.test(maxKeysText ?? "0") || !Number.isSafeInteger(maxKeys)) {
    throw new AwsError(
      "InvalidArgument",
      `Provided max-keys "${maxKeysText}" is not an integer or within integer range.`,
      {
        fields: { ArgumentName: "max-keys", ArgumentValue: maxKeysText },
      },
    );
  }
  const prefix = query.get("prefix") ?? "";
  const delimiter = query.get("delimiter") ?? "";
  const token = query.get("continuation-token") ?? undefined;
  const startAfter = query.get("start-after") ?? undefined;
  const marker = query.get("marker") ?? undefined;
  const result = s3.listObjects(bucket, {
    prefix,
    delimiter,
    maxKeys,
    ...(v2 && token !== undefined ? { continuationToken: token } : {}),
    ...(v2 && startAfter !== undefined ? { startAfter } : {}),
    ...(!v2 && marker ? { marker } : {}),
  });
  const text = (value: string): string =>
    urlEncoded ? encodeURIComponent(value).replace(/%2F/g, "/") : value;
  const contents = result.objects.map((object) => ({
    Key: text(object.key),
    LastModified: object.lastModified,
    ETag: object.etag,
    ChecksumAlgorithm: object.checksum?.algorithm,
    Size: object.size,
    StorageClass: "STANDARD",
  }));
  const commonPrefixes = result.commonPrefixes.map((common) => ({ Prefix: text(common) }));
  if (v2) {
    return {
      xml: xmlDocument("ListBucketResult", {
        Name: bucket,
        Prefix: text(prefix),
        Delimiter: delimiter ? text(delimiter) : undefined,
        MaxKeys: maxKeys,
        EncodingType: urlEncoded ? "url" : undefined,
        KeyCount: contents.length + commonPrefixes.length,
        IsTruncated: result.isTruncated,
        ContinuationToken: token,
        NextContinuationToken: result.nextContinuationToken,
        StartAfter: startAfter === undefined ? undefined : text(startAfter),
        Contents: contents,
        CommonPrefixes: commonPrefixes,
      }),
    };
  }
  return {
    xml: xmlDocument("ListBucketResult", {
      Name: bucket,
      Prefix: text(prefix),
      Marker: text(marker ?? ""),
      NextMarker: result.nextMarker === undefined ? undefined : text(result.nextMarker),
      Delimiter: delimiter ? text(delimiter) : undefined,
      MaxKeys: maxKeys,
      EncodingType: urlEncoded ? "url" : undefined,
      IsTruncated: result.isTruncated,
      Contents: contents,
      CommonPrefixes: commonPrefixes,
    }),
  };
}

async function deleteObjects(s3: S3Service, request: S3Request): Promise<S3Reply> {
  // As on AWS: a multi-object delete must prove its body (a browser form cannot add these headers).
  const proven =
    header(request.req, "content-md5") !== undefined ||
    Object.keys(request.req.headers).some((name) => name.startsWith("x-amz-checksum-")) ||
    header(request.req, "x-amz-sdk-checksum-algorithm") !== undefined;
  if (!proven) {
    throw new AwsError(
      "InvalidRequest",
      "Missing required header for this request: Content-MD5 (or an x-amz-checksum-* header). AWS SDKs send one by themselves.",
    );
  }
  verifyContentMd5(request.body, header(request.req, "content-md5"));
  verifyChecksum(request.body, request.req.headers, {});
  const document = request.body.toString("utf8");
  if (!/<(?:[\w-]+:)?Delete[\s>]/.test(document)) {
    throw new AwsError(
      "MalformedXML",
      "The XML you provided was not well-formed or did not validate against our published schema.",
    );
  }
  const quiet = xmlText(document, "Quiet")?.trim() === "true";
  const keys = xmlElements(document, "Object").map((object) => xmlText(object, "Key"));
  if (keys.length === 0 || keys.length > 1000 || keys.some((key) => key === undefined)) {
    throw new AwsError("MalformedXML", "A Delete request names 1 to 1000 objects, each with a Key.");
  }
  s3.headBucket(request.bucket);
  const deleted: { Key: string }[] = [];
  const errors: { Key: string; Code: string; Message: string }[] = [];
  for (const key of keys as string[]) {
    try {
      await s3.deleteObject(request.bucket, key);
      deleted.push({ Key: key });
    } catch (error) {
      if (!(error instanceof AwsError)) throw error;
      errors.push({ Key: key, Code: error.code, Message: error.message });
    }
  }
  return { xml: xmlDocument("DeleteResult", { Deleted: quiet ? [] : deleted, Error: errors }) };
}

// ---- objects ---------------------------------------------------------------------------------------

/** The object bytes of a PUT: aws-chunked decoded, checksums and Content-MD5 verified. */
function payload(request: S3Request): { body: Buffer; checksum?: { algorithm: string; value: string } } {
  const { req } = request;
  const encodings = (header(req, "content-encoding") ?? "")
    .split(",")
    .map((value) => value.trim().toLowerCase());
  const streaming = (header(req, "x-amz-content-sha256") ?? "").startsWith("STREAMING-");
  let body = request.body;
  let trailers: Record<string, string> = {};
  if (request.auth?.payload.kind === "streaming-signed") {
    // Every chunk carries a signature chained from the request's own: checked while decoding.
    ({ body, trailers } = request.gate.decodeSignedChunks(request.auth, request.body));
  } else if (encodings.includes("aws-chunked") || streaming) {
    ({ body, trailers } = decodeAwsChunked(request.body));
    const declared = header(req, "x-amz-decoded-content-length");
    if (declared !== undefined && Number(declared) !== body.length) {
      throw new AwsError(
        "IncompleteBody",
        `The decoded body has ${body.length} bytes but x-amz-decoded-content-length says ${declared}.`,
      );
    }
  }
  verifyContentMd5(body, header(req, "content-md5"));
  const checksum = verifyChecksum(body, req.headers, trailers);
  return checksum ? { body, checksum } : { body };
}

/** Content-Type, user metadata and the other stored headers of a PUT, POST ?uploads or REPLACE copy. */
function objectOptions(req: IncomingMessage): PutObjectOptions {
  const metadata: Record<string, string> = {};
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    const text = Array.isArray(value) ? value.join(",") : value;
    if (name.startsWith("x-amz-meta-")) metadata[name.slice("x-amz-meta-".length)] = text;
    else if (STORED_HEADERS.includes(name)) headers[name] = text;
  }
  // aws-chunked describes the transfer, not the object: S3 stores only the encodings that remain.
  const encodings = (header(req, "content-encoding") ?? "")
    .split(",")
    .map((value) => value.trim())
    .filter((value) => value !== "" && value.toLowerCase() !== "aws-chunked");
  if (encodings.length > 0) headers["content-encoding"] = encodings.join(",");
  const contentType = header(req, "content-type");
  return { ...(contentType ? { contentType } : {}), metadata, headers };
}

function checksumHeaders(checksum: { algorithm: string; value: string } | undefined): Record<string, string> {
  return checksum ? { [`x-amz-checksum-${checksum.algorithm.toLowerCase()}`]: checksum.value } : {};
}

async function putObject(s3: S3Service, request: S3Request): Promise<S3Reply> {
  // Conditional write (`If-None-Match: *`): create only, never overwrite.
  if (header(request.req, "if-none-match")?.trim() === "*" && s3.objectExists(request.bucket, request.key)) {
    throw new AwsError(
      "PreconditionFailed",
      "At least one of the pre-conditions you specified did not hold",
      {
        status: 412,
        fields: { Condition: "If-None-Match" },
      },
    );
  }
  const { body, checksum } = payload(request);
  const stored = await s3.putObject(request.bucket, request.key, body, {
    ...objectOptions(request.req),
    ...(checksum ? { checksum } : {}),
  });
  return { headers: { ETag: stored.etag, ...checksumHeaders(checksum) } };
}

async function copyObject(s3: S3Service, request: S3Request): Promise<S3Reply> {
  const rawSource = header(request.req, "x-amz-copy-source") ?? "";
  let sourcePath: string;
  try {
    sourcePath = decodeURIComponent(rawSource.split("?")[0] ?? "").replace(/^\//, "");
  } catch {
    throw invalidCopySource(rawSource);
  }
  const slash = sourcePath.indexOf("/");
  if (slash <= 0 || slash === sourcePath.length - 1) throw invalidCopySource(rawSource);
  const source = { bucket: sourcePath.slice(0, slash), key: sourcePath.slice(slash + 1) };
  const directive = (header(request.req, "x-amz-metadata-directive") ?? "COPY").toUpperCase();
  if (directive !== "COPY" && directive !== "REPLACE") {
    throw new AwsError("InvalidArgument", `Unknown metadata directive "${directive}": use COPY or REPLACE.`, {
      fields: { ArgumentName: "x-amz-metadata-directive", ArgumentValue: directive },
    });
  }
  s3.headBucket(request.bucket);
  if (directive === "COPY" && source.bucket === request.bucket && source.key === request.key) {
    throw new AwsError(
      "InvalidRequest",
      "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
    );
  }
  const stored = await s3.copyObject(
    source,
    { bucket: request.bucket, key: request.key },
    directive === "REPLACE" ? objectOptions(request.req) : undefined,
  );
  return {
    headers: checksumHeaders(stored.checksum),
    xml: xmlDocument("CopyObjectResult", {
      ETag: stored.etag,
      LastModified: stored.lastModified,
      ...(stored.checksum ? { [`Checksum${stored.checksum.algorithm}`]: stored.checksum.value } : {}),
    }),
  };
}

function invalidCopySource(value: string): AwsError {
  return new AwsError(
    "InvalidArgument",
    `Copy Source must mention the source bucket and key: sourcebucket/sourcekey, not "${value}".`,
    {
      fields: { ArgumentName: "x-amz-copy-source", ArgumentValue: value },
    },
  );
}

async function getObject(s3: S3Service, request: S3Request, withBody: boolean): Promise<S3Reply> {
  const { bucket, key, req, query } = request;
  const object = s3.headObject(bucket, key);
  const notModified = checkConditions(object, req);
  if (notModified) return notModified;
  const range = parseRange(header(req, "range"), object.size);
  const headers = objectHeaders(object, query);
  if (range) {
    headers["Content-Range"] = `bytes ${range.start}-${range.end}/${object.size}`;
  } else if ((header(req, "x-amz-checksum-mode") ?? "").toUpperCase() === "ENABLED") {
    Object.assign(headers, checksumHeaders(object.checksum));
  }
  const status = range ? 206 : 200;
  if (!withBody) {
    headers["Content-Length"] = String(range ? range.end - range.start + 1 : object.size);
    return { status, headers };
  }
  const { stream } = await s3.openObject(bucket, key, range);
  headers["Content-Length"] = String(range ? range.end - range.start + 1 : object.size);
  return { status, headers, stream };
}

function objectHeaders(object: StoredObject, query: URLSearchParams): Record<string, string> {
  const headers: Record<string, string> = {
    "Content-Type": object.contentType,
    ETag: object.etag,
    "Last-Modified": object.lastModified.toUTCString(),
    "Accept-Ranges": "bytes",
    ...object.headers,
  };
  for (const [name, value] of Object.entries(object.metadata)) headers[`x-amz-meta-${name}`] = value;
  // GetObject's response-* parameters override what is stored (presigned downloads use them).
  for (const name of [
    "content-type",
    "content-language",
    "expires",
    "cache-control",
    "content-disposition",
    "content-encoding",
  ]) {
    const override = query.get(`response-${name}`);
    if (override !== null) {
      for (const existing of Object.keys(headers))
        if (existing.toLowerCase() === name) delete headers[existing];
      headers[name] = override;
    }
  }
  return headers;
}

function checkConditions(object: StoredObject, req: IncomingMessage): S3Reply | undefined {
  const etag = object.etag;
  const matches = (list: string): boolean =>
    list
      .split(",")
      .some((item) => item.trim() === "*" || item.trim() === etag || `"${item.trim()}"` === etag);
  const modified = Math.floor(object.lastModified.getTime() / 1000) * 1000;
  const ifMatch = header(req, "if-match");
  const ifNoneMatch = header(req, "if-none-match");
  const ifModifiedSince = Date.parse(header(req, "if-modified-since") ?? "");
  const ifUnmodifiedSince = Date.parse(header(req, "if-unmodified-since") ?? "");
  const failed = (): AwsError =>
    new AwsError("PreconditionFailed", "At least one of the pre-conditions you specified did not hold", {
      status: 412,
      fields: { Condition: ifMatch !== undefined ? "If-Match" : "If-Unmodified-Since" },
    });
  if (ifMatch !== undefined && !matches(ifMatch)) throw failed();
  if (ifMatch === undefined && !Number.isNaN(ifUnmodifiedSince) && modified > ifUnmodifiedSince)
    throw failed();
  const notModified = {
    status: 304,
    headers: { ETag: etag, "Last-Modified": object.lastModified.toUTCString() },
  };
  if (ifNoneMatch !== undefined) return matches(ifNoneMatch) ? notModified : undefined;
  if (!Number.isNaN(ifModifiedSince) && modified <= ifModifiedSince) return notModified;
  return undefined;
}

/** One `bytes=` range, as S3 reads it: a syntactically odd header is ignored, an unsatisfiable one is 416. */
function parseRange(value: string | undefined, size: number): { start: number; end: number } | undefined {
  const match = value ? /^bytes=(\d*)-(\d*)$/.exec(value.trim()) : null;
  if (!value || !match || (match[1] === "" && match[2] === "")) return undefined;
  const unsatisfiable = (): AwsError =>
    new AwsError("InvalidRange", "The requested range is not satisfiable", {
      status: 416,
      fields: { RangeRequested: value, ActualObjectSize: String(size) },
    });
  if (match[1] === "") {
    const suffix = Number(match[2]);
    if (suffix === 0 || size === 0) throw unsatisfiable();
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(match[1]);
  const end = match[2] === "" ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (match[2] !== "" && Number(match[2]) < start) return undefined;
  if (start >= size) throw unsatisfiable();
  return { start, end };
}

// ---- multipart uploads ---------------------------------------------------------------------------------

function createMultipartUpload(s3: S3Service, request: S3Request): S3Reply {
  const uploadId = s3.createMultipartUpload(request.bucket, request.key, objectOptions(request.req));
  const algorithm = header(request.req, "x-amz-checksum-algorithm");
  return {
    headers: algorithm ? { "x-amz-checksum-algorithm": algorithm } : {},
    xml: xmlDocument("InitiateMultipartUploadResult", {
      Bucket: request.bucket,
      Key: request.key,
      UploadId: uploadId,
    }),
  };
}

async function uploadPart(s3: S3Service, request: S3Request): Promise<S3Reply> {
  const partText = request.query.get("partNumber") ?? "";
  if (!/^\d+$/.test(partText)) {
    throw new AwsError(
      "InvalidArgument",
      `Part number must be an integer between 1 and 10000, inclusive, not "${partText}".`,
      {
        fields: { ArgumentName: "partNumber", ArgumentValue: partText },
      },
    );
  }
  const { body, checksum } = payload(request);
  const etag = await s3.uploadPart(
    request.bucket,
    request.key,
    request.query.get("uploadId") ?? "",
    Number(partText),
    body,
  );
  return { headers: { ETag: etag, ...checksumHeaders(checksum) } };
}

async function completeMultipartUpload(s3: S3Service, request: S3Request): Promise<S3Reply> {
  const document = request.body.toString("utf8");
  const parts = xmlElements(document, "Part").map((part) => {
    const number = xmlText(part, "PartNumber")?.trim() ?? "";
    const etag = xmlText(part, "ETag")?.trim();
    if (!/^\d+$/.test(number) || !etag) {
      throw new AwsError(
        "MalformedXML",
        "Each Part of a CompleteMultipartUpload request needs a PartNumber and an ETag.",
      );
    }
    return { partNumber: Number(number), etag };
  });
  const stored = await s3.completeMultipartUpload(
    request.bucket,
    request.key,
    request.query.get("uploadId") ?? "",
    parts,
  );
  const host = header(request.req, "host") ?? "127.0.0.1";
  return {
    xml: xmlDocument("CompleteMultipartUploadResult", {
      Location: `http://${host}/${request.bucket}/${encodeURIComponent(request.key).replace(/%2F/g, "/")}`,
      Bucket: request.bucket,
      Key: request.key,
      ETag: stored.etag,
    }),
  };
}

// ---- writing -------------------------------------------------------------------------------------------
