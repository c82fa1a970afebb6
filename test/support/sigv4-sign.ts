import { createHash, createHmac } from "node:crypto";

/**
 * A minimal synchronous SigV4 signer for benchmarks: a plain node:http client that signs each request as an SDK
 * would, at a fraction of the SDK's cost, so the server's own share of an invocation can be measured with its
 * signature check included. (Tests use the SDK's own signer; see signed-request.ts.)
 */
export function signHeaders(options: {
  method: string;
  host: string;
  path: string;
  service: string;
  region: string;
  body: Buffer;
  credentials: { accessKeyId: string; secretAccessKey: string };
  headers: Record<string, string>;
}): Record<string, string> {
  const amzDate = new Date()
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
  const day = amzDate.slice(0, 8);
  const payloadHash = createHash("sha256").update(options.body).digest("hex");
  const headers: Record<string, string> = {
    ...Object.fromEntries(
      Object.entries(options.headers).map(([name, value]) => [name.toLowerCase(), value]),
    ),
    host: options.host,
    "x-amz-date": amzDate,
    "x-amz-content-sha256": payloadHash,
  };
  const names = Object.keys(headers).sort();
  const canonicalPath = options.path
    .split("/")
    .map((segment) =>
      encodeURIComponent(segment).replace(
        /[!'()*]/g,
        (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
      ),
    )
    .join("/");
  const canonical = [
    options.method,
    options.service === "s3" ? options.path : canonicalPath,
    "",
    ...names.map((name) => `${name}:${String(headers[name]).trim()}`),
    "",
    names.join(";"),
    payloadHash,
  ].join("\n");
  const scope = `${day}/${options.region}/${options.service}/aws4_request`;
  const toSign = [
    "AWS4-HMAC-SHA256",
    amzDate,
    scope,
    createHash("sha256").update(canonical).digest("hex"),
  ].join("\n");
  let key: Buffer = createHmac("sha256", `AWS4${options.credentials.secretAccessKey}`).update(day).digest();
  for (const part of [options.region, options.service, "aws4_request"])
    key = createHmac("sha256", key).update(part).digest();
  const signature = createHmac("sha256", key).update(toSign).digest("hex");
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${options.credentials.accessKeyId}/${scope}, SignedHeaders=${names.join(";")}, Signature=${signature}`;
  return headers;
}
