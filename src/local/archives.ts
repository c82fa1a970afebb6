import { readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Readable } from "node:stream";
import { Worker } from "node:worker_threads";
import { gzipSync } from "node:zlib";
import * as tar from "tar";
import {
  ARCHIVE_LIMIT_SETTINGS,
  type ArchiveKind,
  type ArchiveLimits,
  DEFAULT_ARCHIVE_LIMITS,
  type ExtractionJob,
  type FromWorker,
  type ToWorker,
} from "./archive-rules";

/**
 * The archives local SageMaker unpacks come from users (a training job's `sourcedir.tar.gz`, an endpoint's
 * `model.tar.gz`), so they are treated as hostile. Extraction runs in a worker thread (archive-worker.ts):
 * gunzip and tar parsing of a multi-GiB model would otherwise stop the whole server from answering. The worker
 * refuses entries that would land outside the folder, whether by their path, by links (checked on the real
 * paths, following the links already in the folder) or by writing through a link; it drops owners and special
 * mode bits; and it caps what one archive may expand to. Everything a refused archive wrote is removed again.
 */

export class UnsafeArchiveError extends Error {
  override name = "UnsafeArchiveError";
}

export interface ExtractOptions {
  /** Limits left out (or undefined) keep their DEFAULT_ARCHIVE_LIMITS value. */
  limits?: Partial<ArchiveLimits>;
  /** Entries and file bytes written so far, at most every PROGRESS_INTERVAL_MS. */
  onProgress?(entries: number, bytes: number): void;
}

export interface ExtractSummary {
  entries: number;
  /** Bytes of file contents written. */
  bytes: number;
}

/**
 * Extracts a gzipped (or plain) tar into `dir`, creating it if needed, off the main thread. Throws
 * UnsafeArchiveError naming the entry and the rule when the archive is refused or cannot be read; what it had
 * written by then is removed. `dir` itself must not be a link: a folder an earlier archive made may be one.
 */
export async function extractArchiveSafely(
  kind: ArchiveKind,
  archive: Buffer | Readable,
  dir: string,
  options: ExtractOptions = {},
): Promise<ExtractSummary> {
  const job: ExtractionJob = { kind, dir: resolve(dir), limits: resolveLimits(options.limits) };
  const chunks = chunksOf(archive);
  const worker = startWorker(job);
  return new Promise<ExtractSummary>((resolvePromise, rejectPromise) => {
    let settled = false;
    const settle = (outcome: { summary: ExtractSummary } | { error: Error }): void => {
      if (settled) return;
      settled = true;
      void chunks.return(undefined);
      void worker.terminate();
      if ("summary" in outcome) resolvePromise(outcome.summary);
      else rejectPromise(outcome.error);
    };
    const feed = async (): Promise<void> => {
      try {
        const next = await chunks.next();
        if (settled) return;
        if (next.done) {
          worker.postMessage({ type: "end" } satisfies ToWorker);
          return;
        }
        // Its own copy, handed over rather than cloned: posting a view would clone the whole buffer behind it.
        const data = new Uint8Array(next.value);
        worker.postMessage({ type: "chunk", data } satisfies ToWorker, [data.buffer]);
      } catch (error) {
        // The worker removes what it wrote, then answers with this as its failure.
        const message = `The ${kind} archive could not be read: ${(error as Error).message}`;
        worker.postMessage({ type: "abort", message } satisfies ToWorker);
      }
    };
    worker.on("message", (message: FromWorker) => {
      if (message.type === "pull") void feed();
      else if (message.type === "progress") {
        try {
          options.onProgress?.(message.entries, message.bytes);
        } catch {
          // Progress is for the log: a failing logger must neither fail the extraction nor crash the server.
        }
      } else if (message.type === "done")
        settle({ summary: { entries: message.entries, bytes: message.bytes } });
      else {
        const ErrorType = message.refused ? UnsafeArchiveError : Error;
        settle({ error: new ErrorType(message.message) });
      }
    });
    worker.on("error", (error) =>
      settle({ error: new Error(`The ${kind} archive could not be extracted: ${error.message}`) }),
    );
    worker.on("exit", (code) =>
      settle({ error: new Error(`The ${kind} archive could not be extracted: the worker exited (${code})`) }),
    );
  });
}

// Small enough that a zip bomb is caught within a few MiB of its cap, large enough to cost few messages.
const CHUNK_BYTES = 256 * 1024;

async function* chunksOf(archive: Buffer | Readable): AsyncGenerator<Uint8Array, void, undefined> {
  if (Buffer.isBuffer(archive)) {
    for (let at = 0; at < archive.length; at += CHUNK_BYTES) yield archive.subarray(at, at + CHUNK_BYTES);
    return;
  }
  for await (const chunk of archive) yield typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer);
}

function resolveLimits(given: Partial<ArchiveLimits> = {}): ArchiveLimits {
  const limits = { ...DEFAULT_ARCHIVE_LIMITS };
  for (const key of Object.keys(limits) as (keyof ArchiveLimits)[]) {
    const value = given[key];
    if (value === undefined) continue;
    if (typeof value !== "number" || !(value > 0)) {
      throw new RangeError(
        `${ARCHIVE_LIMIT_SETTINGS[key]} must be a positive number (got ${String(value)}).`,
      );
    }
    limits[key] = value;
  }
  return limits;
}

// Under tsx (tests, `npm run local`) the worker is the TypeScript source, loaded through tsx's require hook;
// from dist/ it is the compiled file beside this one.
const RUNNING_FROM_SOURCE = __filename.endsWith(".ts");

function startWorker(job: ExtractionJob): Worker {
  const file = join(__dirname, RUNNING_FROM_SOURCE ? "archive-worker.ts" : "archive-worker.js");
  return new Worker(file, {
    workerData: job,
    ...(RUNNING_FROM_SOURCE ? { execArgv: ["--require", require.resolve("tsx/cjs")] } : {}),
    // The worker holds a few chunks at a time; a parser that starts hoarding dies alone, not with the server.
    resourceLimits: { maxOldGenerationSizeMb: 512 },
  });
}

/**
 * A gzipped tar of the folder's contents (entries relative to it, as model.tar.gz is laid out). Links are
 * stored as links, never followed: a link out of the folder packs no byte from outside, and extracting the
 * archive later refuses it by name.
 */
export async function packFolder(dir: string): Promise<Buffer> {
  const entries = readdirSync(dir).sort();
  // An empty tar is two zero blocks; node-tar refuses an empty entry list.
  if (entries.length === 0) return gzipSync(Buffer.alloc(1024));
  const chunks: Buffer[] = [];
  const stream = tar.c({ gzip: true, cwd: dir, portable: true, follow: false }, entries);
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

export function folderIsEmpty(dir: string): boolean {
  try {
    return readdirSync(dir).length === 0;
  } catch {
    return true;
  }
}
