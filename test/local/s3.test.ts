import { execFile, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { Readable } from "node:stream";
import { crc32 } from "node:zlib";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketLocationCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  paginateListObjectsV2,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalServer, startLocalServer } from "../../src/local/server";
import { clientConfig, credentialsEnvironment } from "../support/local-clients";
import { signedChunkedPut, signedRequest } from "../support/signed-request";

const REGION = "ap-northeast-2";
let stateDir: string;
let server: LocalServer;
let s3: S3Client;
/** Request headers the client really sent, to prove which wire variant a test exercised. */
const sentHeaders: Record<string, string>[] = [];

/** A raw S3 request signed with the server's key, to see the bytes S3 answers. */
const signedS3 = (server: LocalServer, method: string, path: string, headers: Record<string, string> = {}) =>
  signedRequest(server.url, {
    service: "s3",
    method,
    path,
    headers,
    credentials: clientConfig(server).credentials,
  });

function client(server: LocalServer): S3Client {
  const result = new S3Client({ ...clientConfig(server), forcePathStyle: true });
  result.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { headers?: Record<string, string> };
      if (request.headers) sentHeaders.push({ ...request.headers });
      return next(args);
    },
    { step: "finalizeRequest", priority: "low", name: "recordHeaders" },
  );
  return result;
}

/** The error the SDK raised, so a test can assert its code and HTTP status. */
async function failure(promise: Promise<unknown>): Promise<S3ServiceException> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof S3ServiceException) return error;
    throw error;
  }
  throw new Error("expected the call to fail");
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isFile());
}

const md5 = (data: Buffer | string): string => createHash("md5").update(data).digest("hex");

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), "local-s3-"));
  server = await startLocalServer({ port: 0, stateDir });
  s3 = client(server);
});

afterAll(async () => {
  s3?.destroy();
  await server?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

describe("buckets", () => {
  it("creates, lists, heads, locates and deletes a bucket", async () => {
    await s3.send(new CreateBucketCommand({ Bucket: "bucket-life" }));
    const list = await s3.send(new ListBucketsCommand({}));
    expect(list.Buckets?.map((bucket) => bucket.Name)).toContain("bucket-life");
    expect(list.Buckets?.find((bucket) => bucket.Name === "bucket-life")?.CreationDate).toBeInstanceOf(Date);
    const head = await s3.send(new HeadBucketCommand({ Bucket: "bucket-life" }));
    expect(head.$metadata.httpStatusCode).toBe(200);
    expect(head.BucketRegion).toBe(REGION);
    const location = await s3.send(new GetBucketLocationCommand({ Bucket: "bucket-life" }));
    expect(location.LocationConstraint).toBe(REGION);
    await s3.send(new DeleteBucketCommand({ Bucket: "bucket-life" }));
    const missing = await failure(s3.send(new HeadBucketCommand({ Bucket: "bucket-life" })));
    expect(missing.$metadata.httpStatusCode).toBe(404);
  });

  it("answers a repeated create with BucketAlreadyOwnedByYou and a bad name with InvalidBucketName", async () => {
    await s3.send(new CreateBucketCommand({ Bucket: "bucket-twice" }));
    const again = await failure(s3.send(new CreateBucketCommand({ Bucket: "bucket-twice" })));
    expect(again.name).toBe("BucketAlreadyOwnedByYou");
    expect(again.$metadata.httpStatusCode).toBe(409);
    for (const bad of ["UPPER", "ab", "bad..dots", "192.168.0.1", "-dash-first"]) {
      const invalid = await failure(s3.send(new CreateBucketCommand({ Bucket: bad })));
      expect(invalid.name, bad).toBe("InvalidBucketName");
      expect(invalid.$metadata.httpStatusCode).toBe(400);
    }
  });

  it("refuses to delete a bucket that holds objects (BucketNotEmpty) and a missing one (NoSuchBucket)", async () => {
    await s3.send(new CreateBucketCommand({ Bucket: "bucket-full" }));
    await s3.send(new PutObjectCommand({ Bucket: "bucket-full", Key: "x", Body: "1" }));
    const notEmpty = await failure(s3.send(new DeleteBucketCommand({ Bucket: "bucket-full" })));
    expect(notEmpty.name).toBe("BucketNotEmpty");
    expect(notEmpty.$metadata.httpStatusCode).toBe(409);
    const missing = await failure(s3.send(new DeleteBucketCommand({ Bucket: "bucket-never" })));
    expect(missing.name).toBe("NoSuchBucket");
    const putMissing = await failure(
      s3.send(new PutObjectCommand({ Bucket: "bucket-never", Key: "x", Body: "1" })),
    );
    expect(putMissing.name).toBe("NoSuchBucket");
    expect(putMissing.$metadata.httpStatusCode).toBe(404);
  });
});

describe("objects", () => {
  const bucket = "objects";
  beforeAll(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  });

  it("round-trips a body with ETag, Content-Type and user metadata", async () => {
    const body = "안녕하세요, local S3";
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: "greet/ko.txt",
        Body: body,
        ContentType: "text/plain; charset=utf-8",
        Metadata: { lab: "3.1", owner: "tester" },
      }),
    );
    expect(put.ETag).toBe(`"${md5(body)}"`);
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "greet/ko.txt" }));
    expect(await got.Body?.transformToString()).toBe(body);
    expect(got.ETag).toBe(put.ETag);
    expect(got.ContentType).toBe("text/plain; charset=utf-8");
    expect(got.Metadata).toEqual({ lab: "3.1", owner: "tester" });
    expect(got.ContentLength).toBe(Buffer.byteLength(body));
    expect(got.LastModified).toBeInstanceOf(Date);
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "greet/ko.txt" }));
    expect(head.ContentLength).toBe(Buffer.byteLength(body));
    expect(head.ETag).toBe(put.ETag);
    expect(head.Metadata).toEqual({ lab: "3.1", owner: "tester" });
  });

  it("decodes the aws-chunked body with a CRC32 trailer that the default client sends for a stream", async () => {
    const data = Buffer.alloc(300_000, "가나다라");
    sentHeaders.length = 0;
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: "chunked.bin",
        Body: Readable.from([data.subarray(0, 100_000), data.subarray(100_000)]),
        ContentLength: data.length,
      }),
    );
    const sent = sentHeaders.find((headers) => headers["x-amz-decoded-content-length"] !== undefined);
    expect(sent?.["content-encoding"]).toContain("aws-chunked");
    expect(sent?.["x-amz-trailer"]).toBe("x-amz-checksum-crc32");
    const expected = Buffer.alloc(4);
    expected.writeUInt32BE(crc32(data) >>> 0);
    expect(put.ChecksumCRC32).toBe(expected.toString("base64"));
    expect(put.ETag).toBe(`"${md5(data)}"`);
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "chunked.bin" }));
    expect(
      Buffer.from(
        await (got.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
      ).equals(data),
    ).toBe(true);
    expect(got.ContentEncoding).toBeUndefined(); // aws-chunked belongs to the transfer, not the object
  });

  it("decodes signed chunks and rejects a trailer checksum that does not match (BadDigest)", async () => {
    const data = Buffer.from("signed chunk body");
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc32(data) >>> 0);
    const key = clientConfig(server).credentials;
    const ok = await signedChunkedPut(server.url, key, {
      path: `/${bucket}/signed.txt`,
      data,
      crc32: sum.toString("base64"),
    });
    expect(ok.status).toBe(200);
    expect(ok.headers.etag).toBe(`"${md5(data)}"`);
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "signed.txt" }));
    expect(await got.Body?.transformToString()).toBe("signed chunk body");

    const bad = await signedChunkedPut(server.url, key, {
      path: `/${bucket}/signed-bad.txt`,
      data,
      crc32: "AAAAAA==",
    });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain("<Code>BadDigest</Code>");
    const forged = await signedChunkedPut(server.url, key, {
      path: `/${bucket}/signed-bad.txt`,
      data,
      crc32: sum.toString("base64"),
      tamper: true,
    });
    expect(forged.status).toBe(403);
    expect(forged.text).toContain("<Code>SignatureDoesNotMatch</Code>");
    const missing = await failure(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "signed-bad.txt" })));
    expect(missing.$metadata.httpStatusCode).toBe(404);
  });

  it("serves byte ranges with 206 and Content-Range, and 416 InvalidRange past the end", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "range.txt", Body: "0123456789" }));
    const first = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: "range.txt", Range: "bytes=2-5" }),
    );
    expect(first.$metadata.httpStatusCode).toBe(206);
    expect(first.ContentRange).toBe("bytes 2-5/10");
    expect(await first.Body?.transformToString()).toBe("2345");
    const suffix = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: "range.txt", Range: "bytes=-3" }),
    );
    expect(await suffix.Body?.transformToString()).toBe("789");
    const open = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: "range.txt", Range: "bytes=7-100" }),
    );
    expect(open.ContentRange).toBe("bytes 7-9/10");
    expect(await open.Body?.transformToString()).toBe("789");
    const past = await failure(
      s3.send(new GetObjectCommand({ Bucket: bucket, Key: "range.txt", Range: "bytes=10-" })),
    );
    expect(past.name).toBe("InvalidRange");
    expect(past.$metadata.httpStatusCode).toBe(416);
  });

  it("finishes a download that started before the object was overwritten", async () => {
    const original = Buffer.alloc(8 * 1024 * 1024, "a");
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "race.bin", Body: original }));
    const download = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "race.bin" }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "race.bin", Body: "replaced" }));
    const bytes = Buffer.from(
      await (download.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
    );
    expect(bytes.equals(original)).toBe(true);
    const after = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "race.bin" }));
    expect(await after.Body?.transformToString()).toBe("replaced");
  });

  it("answers a missing key with NoSuchKey in S3's XML error shape, and HEAD with a bare 404", async () => {
    const missing = await failure(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "nope/missing.txt" })));
    expect(missing.name).toBe("NoSuchKey");
    expect(missing.$metadata.httpStatusCode).toBe(404);
    const raw = await signedS3(server, "GET", `/${bucket}/nope/missing.txt`);
    const xml = raw.text;
    expect(raw.status).toBe(404);
    expect(raw.headers["content-type"]).toBe("application/xml");
    expect(xml).toMatch(/<Error><Code>NoSuchKey<\/Code><Message>[^<]+<\/Message>/);
    expect(xml).toContain("<Key>nope/missing.txt</Key>");
    expect(xml).toContain(`<BucketName>${bucket}</BucketName>`);
    expect(xml).toMatch(/<RequestId>[0-9A-F]+<\/RequestId><\/Error>$/);
    const head = await signedS3(server, "HEAD", `/${bucket}/nope/missing.txt`);
    expect(head.status).toBe(404);
    expect(head.text).toBe("");
    const headError = await failure(
      s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "nope/missing.txt" })),
    );
    expect(headError.name).toBe("NotFound");
  });

  it("deletes one object (idempotently) and many with DeleteObjects, quiet or not", async () => {
    for (const key of ["d/1", "d/2", "d/3", "d/4"])
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "d/1" }));
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "d/1" }));
    const loud = await s3.send(
      new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [{ Key: "d/2" }, { Key: "d/never" }] } }),
    );
    expect(loud.Deleted?.map((item) => item.Key).sort()).toEqual(["d/2", "d/never"]);
    expect(loud.Errors ?? []).toEqual([]);
    const quiet = await s3.send(
      new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: { Objects: [{ Key: "d/3" }, { Key: "d/4" }], Quiet: true },
      }),
    );
    expect(quiet.Deleted ?? []).toEqual([]);
    const left = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "d/" }));
    expect(left.KeyCount).toBe(0);
    expect(left.Contents ?? []).toEqual([]);
  });

  it("copies an object keeping its metadata (COPY) or replacing it (REPLACE)", async () => {
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: "copy/src.json",
        Body: "{}",
        ContentType: "application/json",
        Metadata: { a: "1" },
      }),
    );
    const copied = await s3.send(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: "copy/한글 dst.json",
        CopySource: `${bucket}/${encodeURIComponent("copy/src.json")}`,
      }),
    );
    expect(copied.CopyObjectResult?.ETag).toBe(`"${md5("{}")}"`);
    expect(copied.CopyObjectResult?.LastModified).toBeInstanceOf(Date);
    const same = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "copy/한글 dst.json" }));
    expect(same.ContentType).toBe("application/json");
    expect(same.Metadata).toEqual({ a: "1" });
    await s3.send(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: "copy/replaced",
        CopySource: `${bucket}/copy/src.json`,
        MetadataDirective: "REPLACE",
        ContentType: "text/plain",
        Metadata: { b: "2" },
      }),
    );
    const replaced = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "copy/replaced" }));
    expect(replaced.ContentType).toBe("text/plain");
    expect(replaced.Metadata).toEqual({ b: "2" });
    const self = await failure(
      s3.send(
        new CopyObjectCommand({
          Bucket: bucket,
          Key: "copy/src.json",
          CopySource: `${bucket}/copy/src.json`,
        }),
      ),
    );
    expect(self.name).toBe("InvalidRequest");
    const noSource = await failure(
      s3.send(new CopyObjectCommand({ Bucket: bucket, Key: "copy/x", CopySource: `${bucket}/copy/none` })),
    );
    expect(noSource.name).toBe("NoSuchKey");
  });

  it("keeps keys with ../, absolute paths and odd characters inside the bucket folder", async () => {
    const keys = [
      "../../escape.txt",
      "/etc/passwd-like",
      "a/../../../b",
      "..",
      "nul\u0000byte",
      "한국어/리뷰 1.txt",
    ];
    for (const key of keys)
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: `body of ${key}` }));
    for (const key of keys) {
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      expect(await got.Body?.transformToString()).toBe(`body of ${key}`);
    }
    const listed = (await s3.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents?.map(
      (item) => item.Key,
    );
    for (const key of keys) expect(listed).toContain(key);
    // Everything the server wrote lives in the state folder, and every object file in this bucket's folder.
    const bucketDir = join(stateDir, "s3", bucket);
    for (const file of filesUnder(stateDir)) expect(relative(stateDir, file).startsWith("..")).toBe(false);
    const objectFiles = filesUnder(join(stateDir, "s3")).filter((file) => !file.startsWith(`${bucketDir}/`));
    expect(
      objectFiles.every((file) => /\/s3\/[a-z0-9.-]+\/(bucket\.json|objects\/|uploads\/)/.test(file)),
    ).toBe(true);
    // Where a naive store would have written them:
    for (const key of keys.slice(0, 3)) {
      for (const base of [bucketDir, join(bucketDir, "objects")]) {
        const naive = resolve(base, key);
        if (!naive.startsWith(`${bucketDir}/`)) expect(existsSync(naive), naive).toBe(false);
      }
    }
    expect(readdirSync(dirname(stateDir))).not.toContain("escape.txt");
  });

  it("answers conditional GETs: If-None-Match → 304, If-Match mismatch → 412 PreconditionFailed", async () => {
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "cond.txt", Body: "v1" }));
    const notModified = await signedS3(server, "GET", `/${bucket}/cond.txt`, {
      "if-none-match": put.ETag as string,
    });
    expect(notModified.status).toBe(304);
    const failed = await failure(
      s3.send(new GetObjectCommand({ Bucket: bucket, Key: "cond.txt", IfMatch: '"0000"' })),
    );
    expect(failed.$metadata.httpStatusCode).toBe(412);
    expect(failed.name).toBe("PreconditionFailed");
  });
});

describe("routing and limits", () => {
  it("serves a bucket named endpoints as S3 (only runtime operations go to the runtime)", async () => {
    await s3.send(new CreateBucketCommand({ Bucket: "endpoints" }));
    await s3.send(new PutObjectCommand({ Bucket: "endpoints", Key: "my-endpoint/config.json", Body: "{}" }));
    const got = await s3.send(new GetObjectCommand({ Bucket: "endpoints", Key: "my-endpoint/config.json" }));
    expect(await got.Body?.transformToString()).toBe("{}");
  });

  it("accepts virtual-hosted style requests for <bucket>.localhost", async () => {
    await s3.send(new CreateBucketCommand({ Bucket: "vhost" }));
    await s3.send(new PutObjectCommand({ Bucket: "vhost", Key: "dir/file.txt", Body: "virtual" }));
    const answer = (
      await signedS3(server, "GET", "/dir/file.txt", { host: `vhost.localhost:${server.port}` })
    ).text;
    expect(answer).toBe("virtual");
  });

  it("refuses an overwrite under If-None-Match: * with 412, and a body over the limit with EntityTooLarge", async () => {
    await s3.send(new CreateBucketCommand({ Bucket: "limits" }));
    await s3.send(new PutObjectCommand({ Bucket: "limits", Key: "once", Body: "first", IfNoneMatch: "*" }));
    const second = await failure(
      s3.send(new PutObjectCommand({ Bucket: "limits", Key: "once", Body: "second", IfNoneMatch: "*" })),
    );
    expect(second.$metadata.httpStatusCode).toBe(412);
    expect(
      await (
        await s3.send(new GetObjectCommand({ Bucket: "limits", Key: "once" }))
      ).Body?.transformToString(),
    ).toBe("first");
    const answer = await new Promise<string>((done, fail) => {
      const socket: Socket = connect(server.port, "127.0.0.1", () =>
        socket.write(
          `PUT /limits/huge HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nContent-Length: 5000000000\r\n\r\nabc`,
        ),
      );
      let text = "";
      socket.on("data", (chunk) => {
        text += chunk.toString("latin1");
        if (text.includes("</Error>")) socket.destroy();
      });
      socket.on("close", () => done(text));
      socket.on("error", fail);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400/);
    expect(answer).toContain("<Code>EntityTooLarge</Code>");
    expect((await fetch(`${server.url}/_local/health`)).status).toBe(200);
  });
});

describe("listing", () => {
  const bucket = "listing";
  const keys = [
    "a.txt",
    "data/train/part-0.csv",
    "data/train/part-1.csv",
    "data/test/part-0.csv",
    "data/readme.md",
    "models/m1/model.tar.gz",
    "z/1",
    "z/2",
    "z/3",
  ];
  beforeAll(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    for (const key of keys) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));
  });

  it("lists keys in order with KeyCount, sizes and ETags", async () => {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    expect(page.Contents?.map((item) => item.Key)).toEqual([...keys].sort());
    expect(page.KeyCount).toBe(keys.length);
    expect(page.IsTruncated).toBe(false);
    expect(page.Name).toBe(bucket);
    expect(page.MaxKeys).toBe(1000);
    const item = page.Contents?.find((entry) => entry.Key === "a.txt");
    expect(item?.Size).toBe(5);
    expect(item?.ETag).toBe(`"${md5("a.txt")}"`);
    expect(item?.StorageClass).toBe("STANDARD");
  });

  it("groups by delimiter into CommonPrefixes under a prefix", async () => {
    const top = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Delimiter: "/" }));
    expect(top.Contents?.map((item) => item.Key)).toEqual(["a.txt"]);
    expect(top.CommonPrefixes?.map((item) => item.Prefix)).toEqual(["data/", "models/", "z/"]);
    expect(top.KeyCount).toBe(4);
    const data = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "data/", Delimiter: "/" }));
    expect(data.Contents?.map((item) => item.Key)).toEqual(["data/readme.md"]);
    expect(data.CommonPrefixes?.map((item) => item.Prefix)).toEqual(["data/test/", "data/train/"]);
    expect(data.Prefix).toBe("data/");
    expect(data.Delimiter).toBe("/");
  });

  it("pages with max-keys and continuation tokens, counting common prefixes once", async () => {
    const seen: string[] = [];
    let pages = 0;
    for await (const page of paginateListObjectsV2(
      { client: s3, pageSize: 2 },
      { Bucket: bucket, Delimiter: "/" },
    )) {
      pages++;
      expect(page.KeyCount).toBeLessThanOrEqual(2);
      seen.push(
        ...(page.Contents ?? []).map((item) => item.Key as string),
        ...(page.CommonPrefixes ?? []).map((item) => item.Prefix as string),
      );
    }
    expect(seen.sort()).toEqual(["a.txt", "data/", "models/", "z/"]);
    expect(pages).toBe(2);
    const first = await s3.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 3 }));
    expect(first.IsTruncated).toBe(true);
    expect(first.NextContinuationToken).toBeTruthy();
    const second = await s3.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        MaxKeys: 100,
        ContinuationToken: first.NextContinuationToken,
      }),
    );
    expect([...(first.Contents ?? []), ...(second.Contents ?? [])].map((item) => item.Key)).toEqual(
      [...keys].sort(),
    );
    expect(second.ContinuationToken).toBe(first.NextContinuationToken);
    const bad = await failure(
      s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: "not a token" })),
    );
    expect(bad.name).toBe("InvalidArgument");
  });

  it("starts after a key, and lists nothing for an unknown prefix", async () => {
    const after = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, StartAfter: "models/m1/model.tar.gz" }),
    );
    expect(after.Contents?.map((item) => item.Key)).toEqual(["z/1", "z/2", "z/3"]);
    expect(after.StartAfter).toBe("models/m1/model.tar.gz");
    const none = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "nothing/" }));
    expect(none.KeyCount).toBe(0);
    const noBucket = await failure(s3.send(new ListObjectsV2Command({ Bucket: "listing-missing" })));
    expect(noBucket.name).toBe("NoSuchBucket");
  });

  it("url-encodes keys when asked (encoding-type=url, as boto3 and the AWS CLI ask)", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "enc/한 글&.txt", Body: "x" }));
    const raw = (await signedS3(server, "GET", `/${bucket}?list-type=2&prefix=enc%2F&encoding-type=url`))
      .text;
    expect(raw).toContain(`<Key>enc/${encodeURIComponent("한 글&.txt")}</Key>`);
    expect(raw).toContain("<EncodingType>url</EncodingType>");
  });
});

describe("multipart upload", () => {
  const bucket = "multipart";
  beforeAll(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  });

  it("uploads a >5 MiB body through lib-storage's Upload with the md5-of-md5s ETag", async () => {
    const partSize = 5 * 1024 * 1024;
    const body = Buffer.alloc(partSize * 2 + 1234);
    for (let i = 0; i < body.length; i += 4096) body.writeUInt32LE(i, i);
    const upload = new Upload({
      client: s3,
      params: {
        Bucket: bucket,
        Key: "big/model.tar.gz",
        Body: body,
        ContentType: "application/gzip",
        Metadata: { job: "j1" },
      },
      partSize,
      queueSize: 2,
    });
    const result = await upload.done();
    const parts = [
      body.subarray(0, partSize),
      body.subarray(partSize, 2 * partSize),
      body.subarray(2 * partSize),
    ];
    const expected = createHash("md5")
      .update(Buffer.concat(parts.map((part) => createHash("md5").update(part).digest())))
      .digest("hex");
    expect(result.ETag).toBe(`"${expected}-3"`);
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "big/model.tar.gz" }));
    expect(head.ContentLength).toBe(body.length);
    expect(head.ContentType).toBe("application/gzip");
    expect(head.Metadata).toEqual({ job: "j1" });
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "big/model.tar.gz" }));
    const bytes = Buffer.from(
      await (got.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
    );
    expect(md5(bytes)).toBe(md5(body));
    expect(readdirSync(join(stateDir, "s3", bucket, "uploads"))).toEqual([]);
  });

  it("answers the multipart errors: EntityTooSmall, InvalidPart, NoSuchUpload after abort", async () => {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "small" }));
    const one = await s3.send(
      new UploadPartCommand({ Bucket: bucket, Key: "small", UploadId, PartNumber: 1, Body: "tiny" }),
    );
    const two = await s3.send(
      new UploadPartCommand({ Bucket: bucket, Key: "small", UploadId, PartNumber: 2, Body: "tail" }),
    );
    expect(one.ETag).toBe(`"${md5("tiny")}"`);
    const tooSmall = await failure(
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: "small",
          UploadId,
          MultipartUpload: {
            Parts: [
              { PartNumber: 1, ETag: one.ETag },
              { PartNumber: 2, ETag: two.ETag },
            ],
          },
        }),
      ),
    );
    expect(tooSmall.name).toBe("EntityTooSmall");
    const wrong = await failure(
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: "small",
          UploadId,
          MultipartUpload: { Parts: [{ PartNumber: 1, ETag: '"00000000000000000000000000000000"' }] },
        }),
      ),
    );
    expect(wrong.name).toBe("InvalidPart");
    const single = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: "small",
        UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 2, ETag: two.ETag }] },
      }),
    );
    expect(single.ETag).toMatch(/-1"$/);
    expect(
      await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "small" }))).Body?.transformToString(),
    ).toBe("tail");

    const aborted = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "aborted" }));
    await s3.send(
      new AbortMultipartUploadCommand({ Bucket: bucket, Key: "aborted", UploadId: aborted.UploadId }),
    );
    const gone = await failure(
      s3.send(
        new UploadPartCommand({
          Bucket: bucket,
          Key: "aborted",
          UploadId: aborted.UploadId,
          PartNumber: 1,
          Body: "x",
        }),
      ),
    );
    expect(gone.name).toBe("NoSuchUpload");
    expect(gone.$metadata.httpStatusCode).toBe(404);
  });
});

/** boto3 reads the same endpoint variables the README documents; skipped where Python has no boto3. */
const hasBoto3 = spawnSync("python3", ["-c", "import boto3"], { stdio: "ignore" }).status === 0;

function runPython(script: string, env: NodeJS.ProcessEnv): Promise<{ stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile("python3", ["-c", script], { env, timeout: 120_000 }, (_error, stdout, stderr) =>
      done({ stdout, stderr }),
    );
  });
}

describe("boto3", () => {
  it.skipIf(!hasBoto3)(
    "works through AWS_ENDPOINT_URL_S3: put, get, list, multipart upload and ranged download",
    async () => {
      const script = `
import boto3, os, hashlib
s3 = boto3.client("s3")
s3.create_bucket(Bucket="from-boto3", CreateBucketConfiguration={"LocationConstraint": "ap-northeast-2"})
s3.put_object(Bucket="from-boto3", Key="dir/리뷰 1.txt", Body="좋아요".encode(), Metadata={"lab": "1"})
assert s3.get_object(Bucket="from-boto3", Key="dir/리뷰 1.txt")["Body"].read().decode() == "좋아요"
assert [o["Key"] for o in s3.list_objects_v2(Bucket="from-boto3")["Contents"]] == ["dir/리뷰 1.txt"]
data = os.urandom(12 * 1024 * 1024)
path = os.path.join(os.environ["WORK"], "big.bin")
open(path, "wb").write(data)
s3.upload_file(path, "from-boto3", "big.bin")
s3.download_file("from-boto3", "big.bin", path + ".back")
assert open(path + ".back", "rb").read() == data
print("ok")
`;
      const work = mkdtempSync(join(tmpdir(), "local-s3-boto3-"));
      try {
        // Asynchronously: the server that answers boto3 runs in this very process.
        const result = await runPython(script, {
          ...process.env,
          WORK: work,
          AWS_ENDPOINT_URL_S3: server.url,
          ...credentialsEnvironment(server),
        });
        expect(result.stderr).toBe("");
        expect(result.stdout.trim()).toBe("ok");
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    },
  );
});

describe("durability", () => {
  it("keeps buckets, objects and metadata across a restart on the same state folder", async () => {
    await s3.send(new CreateBucketCommand({ Bucket: "durable" }));
    await s3.send(
      new PutObjectCommand({
        Bucket: "durable",
        Key: "k/v.txt",
        Body: "still here",
        ContentType: "text/plain",
        Metadata: { m: "1" },
      }),
    );
    await server.close();
    s3.destroy();
    server = await startLocalServer({ port: 0, stateDir });
    s3 = client(server);
    const got = await s3.send(new GetObjectCommand({ Bucket: "durable", Key: "k/v.txt" }));
    expect(await got.Body?.transformToString()).toBe("still here");
    expect(got.ContentType).toBe("text/plain");
    expect(got.Metadata).toEqual({ m: "1" });
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: "durable" }));
    expect(listed.Contents?.map((item) => item.Key)).toEqual(["k/v.txt"]);
    expect(filesUnder(stateDir).some((file) => file.endsWith(".tmp"))).toBe(false);
  });
});
