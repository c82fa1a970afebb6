import { createHash } from "node:crypto";
import { createWriteStream, mkdirSync, renameSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import { NsmcUnavailableError } from "./errors";

export interface DownloadProgress {
  file: string;
  received: number;
  /** From Content-Length; undefined when the server does not say. */
  total: number | undefined;
}

export interface DownloadOptions {
  /** Called for every chunk; the CLI turns it into a progress line. */
  onProgress?: (progress: DownloadProgress) => void;
  /** Give up when no bytes arrive for this long (ms): a stalled connection must not hang the workshop. */
  idleTimeoutMs?: number;
}

/**
 * Downloads `url` to `target` only if its SHA-256 is `sha256`. Bytes go to a temporary file beside the
 * target, hashed on the way; the temporary file is renamed over the target only after the digest matches
 * and is removed on any failure, so the target is either absent, the old file, or complete and verified.
 */
export async function downloadVerified(
  url: string,
  target: string,
  sha256: string,
  options: DownloadOptions = {},
): Promise<void> {
  const idleTimeoutMs = options.idleTimeoutMs ?? 30_000;
  mkdirSync(dirname(target), { recursive: true });
  const temporary = `${target}.${process.pid}.part`;
  const controller = new AbortController();
  let idle = setTimeout(() => controller.abort(), idleTimeoutMs);
  const touch = () => {
    clearTimeout(idle);
    idle = setTimeout(() => controller.abort(), idleTimeoutMs);
  };
  try {
    let response: Response;
    try {
      response = await fetch(url, { signal: controller.signal });
    } catch (error) {
      throw new NsmcUnavailableError(`Could not reach ${url} (${describeFetchError(error, idleTimeoutMs)}).`);
    }
    if (!response.ok || !response.body) {
      throw new NsmcUnavailableError(`${url} answered HTTP ${response.status} ${response.statusText}.`);
    }
    const length = Number(response.headers.get("content-length"));
    const total = Number.isFinite(length) && length > 0 ? length : undefined;
    const hash = createHash("sha256");
    const out = createWriteStream(temporary);
    let received = 0;
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        touch();
        hash.update(chunk);
        received += chunk.byteLength;
        if (!out.write(chunk)) await new Promise<void>((resolve) => out.once("drain", () => resolve()));
        options.onProgress?.({ file: target, received, total });
      }
    } catch (error) {
      throw new NsmcUnavailableError(
        `The download of ${url} broke off after ${received} bytes (${describeFetchError(error, idleTimeoutMs)}).`,
      );
    } finally {
      await new Promise<void>((resolve, reject) =>
        out.end((error?: Error | null) => (error ? reject(error) : resolve())),
      );
    }
    const actual = hash.digest("hex");
    if (actual !== sha256.toLowerCase()) {
      throw new NsmcUnavailableError(
        `${url} does not have the expected content: SHA-256 ${actual}, expected ${sha256} (${received} bytes). ` +
          "The file was not saved; retry later, or set NSMC_DIR to a verified copy.",
      );
    }
    renameSync(temporary, target);
  } finally {
    clearTimeout(idle);
    rmSync(temporary, { force: true });
  }
}

function describeFetchError(error: unknown, idleTimeoutMs: number): string {
  if (error instanceof Error && error.name === "AbortError") return `no data for ${idleTimeoutMs / 1000} s`;
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code) return `${cause.code}${cause.message ? `: ${cause.message}` : ""}`;
  if (cause?.message) return cause.message;
  return error instanceof Error ? error.message : String(error);
}
