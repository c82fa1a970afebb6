import {
  closeSync,
  constants,
  futimesSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readlinkSync,
  realpathSync,
  rmSync,
  type Stats,
  symlinkSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { join, posix } from "node:path";
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { isMainThread, type MessagePort, parentPort, workerData } from "node:worker_threads";
import { createGunzip } from "node:zlib";
import * as tar from "tar";
import {
  ARCHIVE_LIMIT_SETTINGS,
  type ArchiveKind,
  type ExtractionJob,
  type FromWorker,
  PROGRESS_INTERVAL_MS,
  RATIO_GRACE_BYTES,
  type ToWorker,
  unsafeEntryReason,
} from "./archive-rules";

/**
 * The worker thread that extracts one archive for archives.ts, so that gunzip, tar parsing and thousands of
 * file writes never hold up the server's event loop. The bytes arrive in chunks the worker asks for, one ahead,
 * so neither thread holds the whole archive twice. Inside the worker everything is synchronous on purpose: each
 * entry is checked and written before the next is looked at, so no check can race a write.
 *
 * The rules, and why:
 * - Paths are checked as text first (unsafeEntryReason), then on the real folder: no entry is written through
 *   a link, whether the link came with this archive or was already there (a second archive extracted into a
 *   folder the first one made must not follow the first one's links).
 * - A symbolic link is resolved right after it is made, following the links already in the folder, and once
 *   more when the archive is done (a link may be made before the links it goes through): a link that leads
 *   outside is refused, however inside each of its steps looks.
 * - A hard link must name a file already extracted, by a path that passes through no link.
 * - Owners are never taken from the archive and modes are only 0755 or 0644: no setuid, setgid or sticky bit.
 * - Caps on expanded bytes, compression ratio and entries are checked as the bytes arrive.
 */

/** A refusal whose message is complete: it names the entry, the rule and the way out. */
class Refusal extends Error {}

class Aborted extends Error {}

// As Linux counts (MAXSYMLINKS): more links than this in one resolution is a loop or an attack.
const MAX_LINK_HOPS = 40;
const GZIP_MAGIC = [0x1f, 0x8b];

/** Extracts the archive whose chunks `chunks` yields; posts progress and the outcome through `post`. */
export async function extract(
  job: ExtractionJob,
  chunks: AsyncIterable<Buffer>,
  post: (message: FromWorker) => void,
): Promise<void> {
  const destination = new Destination(job.kind, job.dir, (entries, bytes) =>
    post({ type: "progress", entries, bytes }),
  );
  try {
    destination.prepare();
    await unpack(job, chunks, destination);
    destination.checkLinks();
    post({ type: "done", entries: destination.entries, bytes: destination.bytes });
  } catch (error) {
    destination.removeWritten();
    const explained = explain(job.kind, error, destination.current);
    post({ type: "failed", message: explained.message, refused: explained instanceof Refusal });
  }
}

async function unpack(
  job: ExtractionJob,
  chunks: AsyncIterable<Buffer>,
  destination: Destination,
): Promise<void> {
  const { kind, limits } = job;
  const source = chunks[Symbol.asyncIterator]();
  let head = Buffer.alloc(0);
  while (head.length < GZIP_MAGIC.length) {
    const next = await source.next();
    if (next.done) break;
    head = Buffer.concat([head, next.value]);
  }
  const gunzip = startsWith(head, GZIP_MAGIC) ? createGunzip({ chunkSize: 64 * 1024 }) : undefined;
  async function* replay(): AsyncGenerator<Buffer> {
    if (head.length > 0) yield head;
    for (let next = await source.next(); !next.done; next = await source.next()) yield next.value;
  }

  let expanded = 0;
  let sawEnd = false;
  // The first bytes of the tar itself, held back until there are enough to see whether it is compressed again:
  // node-tar would quietly unzip an inner layer, which no cap here would count.
  let tarHead: Buffer | undefined = Buffer.alloc(0);
  let lastReport = Date.now();

  const parser = new tar.Parser({ zstd: false, brotli: false });
  const parsed = new Promise<void>((resolve) => parser.on("end", resolve));
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      expanded += chunk.length;
      let bytes = chunk;
      if (tarHead !== undefined) {
        tarHead = Buffer.concat([tarHead, chunk]);
        if (tarHead.length < 512) return callback();
        bytes = tarHead;
        tarHead = undefined;
        if (startsWith(bytes, GZIP_MAGIC)) return callback(compressedTwice());
      }
      // Past the end-of-archive blocks node-tar would keep whatever follows in memory; nothing there is ours.
      if (!sawEnd) parser.write(bytes);
      // Checked after the parser has seen the bytes, so that the entry named is the one they belong to.
      const over = capCrossed();
      if (over) return callback(over);
      if (Date.now() - lastReport >= PROGRESS_INTERVAL_MS) {
        lastReport = Date.now();
        destination.report();
      }
      callback();
    },
    final(callback) {
      if (tarHead !== undefined && startsWith(tarHead, GZIP_MAGIC)) return callback(compressedTwice());
      if (tarHead) parser.write(tarHead);
      parser.end();
      parsed.then(() => callback());
    },
  });
  const fail = (error: unknown): void => {
    destination.stop();
    sink.destroy(error as Error);
  };
  const unreadable = (detail: string): Refusal =>
    new Refusal(`The ${kind} archive cannot be read: ${detail}${where(destination.current)}.`);

  parser.on("eof", () => {
    sawEnd = true;
  });
  parser.on("warn", (_code: string, message: string) => {
    // An archive with no entries at all (two zero blocks) is what packFolder makes of an empty folder.
    if (sawEnd && message === "Unrecognized archive format") return;
    fail(unreadable(message));
  });
  parser.on("error", (error: Error) => fail(unreadable(error.message)));
  parser.on("entry", (entry: tar.ReadEntry) => {
    destination.current = entry.path;
    try {
      if (destination.entries >= limits.maxEntries) {
        throw new Refusal(
          `The ${kind} archive has more than ${limits.maxEntries} entries ("${entry.path}" is entry ` +
            `${destination.entries + 1}): ${ARCHIVE_LIMIT_SETTINGS.maxEntries} is ${limits.maxEntries}; ` +
            "pack fewer files, or raise that setting if the archive is genuine.",
        );
      }
      destination.add(entry, fail);
    } catch (error) {
      entry.resume();
      fail(error);
    }
  });

  function capCrossed(): Refusal | undefined {
    const at = where(destination.current);
    if (expanded > limits.maxBytes) {
      return new Refusal(
        `The ${kind} archive expands to more than ${size(limits.maxBytes)} (crossed${at}): ` +
          `${ARCHIVE_LIMIT_SETTINGS.maxBytes} is ${limits.maxBytes}; raise that setting if the archive is genuine.`,
      );
    }
    const compressed = gunzip ? gunzip.bytesWritten : expanded;
    if (expanded > RATIO_GRACE_BYTES && expanded > limits.maxRatio * compressed) {
      return new Refusal(
        `The ${kind} archive expands more than ${limits.maxRatio} times its compressed size ` +
          `(${size(expanded)} from ${size(compressed)} so far${at ? `,${at}` : ""}), as a zip bomb does: ` +
          `${ARCHIVE_LIMIT_SETTINGS.maxRatio} is ${limits.maxRatio}; raise that setting if the archive is genuine.`,
      );
    }
    return undefined;
  }

  function compressedTwice(): Refusal {
    return unreadable(
      `it is compressed twice, and a ${kind === "model" ? "model" : "sourcedir"}.tar.gz is a tar gzipped once`,
    );
  }

  await (gunzip ? pipeline(replay(), gunzip, sink) : pipeline(replay(), sink));
}

const where = (entry: string): string => (entry ? ` while extracting "${entry}"` : "");

/** The failure as the person who sent the archive should read it. */
function explain(kind: ArchiveKind, error: unknown, entry: string): Error {
  if (error instanceof Refusal || error instanceof Aborted) return error;
  const { code, message } = error as NodeJS.ErrnoException;
  if (code === "ENAMETOOLONG") {
    return new Refusal(
      `The ${kind} archive is unsafe: entry "${entry}" has a name or path too long for this file system.`,
    );
  }
  if (code?.startsWith("Z_")) {
    return new Refusal(
      `The ${kind} archive cannot be read: its gzip data is truncated or corrupt (${message})${where(entry)}.`,
    );
  }
  return new Error(`The ${kind} archive could not be extracted${where(entry)}: ${message}`);
}

const startsWith = (bytes: Buffer, magic: number[]): boolean => magic.every((byte, i) => bytes[i] === byte);

function size(bytes: number): string {
  for (const [unit, scale] of [
    ["GiB", 2 ** 30],
    ["MiB", 2 ** 20],
    ["KiB", 2 ** 10],
  ] as const) {
    if (bytes >= scale) {
      const value = bytes / scale;
      return `${Number.isInteger(value) ? value : value.toFixed(1)} ${unit}`;
    }
  }
  return `${bytes} bytes`;
}

const partsOf = (path: string): string[] => path.split("/").filter((part) => part !== "" && part !== ".");

/** The folder an archive is extracted into, and every rule about what may be written there. */
class Destination {
  entries = 0;
  /** The entry being extracted, for messages about the archive as a whole (a cap crossed, corrupt data). */
  current = "";
  /** File contents written. */
  bytes = 0;
  private root = "";
  private madeRoot = false;
  /** Paths (relative to the root) this extraction made: only those may be replaced or removed again. */
  private readonly made = new Set<string>();
  /** The made paths whose parent was there before: removing these removes everything made. */
  private readonly madeTops: string[] = [];
  /** Paths known to be real folders; a folder is never replaced, so this stays true. */
  private readonly folders = new Set<string>([""]);
  private openFile: number | undefined;
  private stopped = false;
  private readonly folder: string;

  constructor(
    private readonly kind: ArchiveKind,
    private readonly dir: string,
    private readonly onReport: (entries: number, bytes: number) => void,
  ) {
    this.folder = `${kind} folder`;
  }

  /** Makes the folder if need be; an existing one must be a real folder, since an archive may have made it. */
  prepare(): void {
    const stat = lstatSync(this.dir, { throwIfNoEntry: false });
    if (stat?.isSymbolicLink()) {
      throw this.unsafe(
        `the ${this.folder} "${this.dir}" is a link, perhaps made by an earlier archive; nothing is extracted ` +
          "through a link",
      );
    }
    if (stat && !stat.isDirectory())
      throw this.unsafe(`the ${this.folder} "${this.dir}" is a file, not a folder`);
    if (!stat) {
      mkdirSync(this.dir, { recursive: true, mode: 0o755 });
      this.madeRoot = true;
    }
    this.root = realpathSync.native(this.dir);
  }

  report(): void {
    this.onReport(this.entries, this.bytes);
  }

  add(entry: tar.ReadEntry, onError: (error: unknown) => void): void {
    this.entries++;
    const reason = unsafeEntryReason(this.kind, entry.path, entry.type, entry.linkpath);
    if (reason) throw this.unsafe(reason);
    const parts = partsOf(entry.path);
    if (parts.length === 0) {
      if (entry.type !== "Directory")
        throw this.unsafe(`entry "${entry.path}" would replace the ${this.folder}`);
      entry.resume();
      return;
    }
    const rel = parts.join("/");
    this.makeParents(entry.path, parts);
    switch (entry.type) {
      case "Directory":
        this.makeFolder(entry.path, rel);
        entry.resume();
        return;
      case "SymbolicLink":
        this.makeSymbolicLink(entry.path, rel, entry.linkpath ?? "");
        entry.resume();
        return;
      case "Link":
        this.makeHardLink(entry.path, rel, entry.linkpath ?? "");
        entry.resume();
        return;
      default:
        this.writeFile(entry, rel, onError);
    }
  }

  /** After a failure: the file being written is closed and no further bytes are written. */
  stop(): void {
    this.stopped = true;
    if (this.openFile !== undefined) closeSync(this.openFile);
    this.openFile = undefined;
  }

  /** Every link in the folder, the ones that were there before included, must still lead inside it. */
  checkLinks(): void {
    const walk = (rel: string): void => {
      for (const item of readdirSync(this.abs(rel), { withFileTypes: true })) {
        const child = rel === "" ? item.name : `${rel}/${item.name}`;
        if (item.isDirectory()) walk(child);
        else if (item.isSymbolicLink()) {
          const way = this.wayOut(child, true);
          if (way) throw this.badLink(child, way);
        }
      }
    };
    walk("");
  }

  /** Removes what this extraction made, after a refusal; what was there before stays. */
  removeWritten(): void {
    this.stop();
    if (this.root === "") return;
    if (this.madeRoot) rmSync(this.root, { recursive: true, force: true });
    else for (const rel of this.madeTops) rmSync(this.abs(rel), { recursive: true, force: true });
  }

  private makeParents(path: string, parts: string[]): void {
    for (let depth = 1; depth < parts.length; depth++) {
      const rel = parts.slice(0, depth).join("/");
      if (this.folders.has(rel)) continue;
      const stat = this.lstat(rel);
      if (!stat) {
        mkdirSync(this.abs(rel), { mode: 0o755 });
        this.record(rel);
      } else if (stat.isSymbolicLink()) {
        throw this.unsafe(
          `entry "${path}" would be written through the link "${rel}"; nothing is extracted through a link, ` +
            "not even one that stays inside",
        );
      } else if (!stat.isDirectory()) {
        throw this.unsafe(`entry "${path}" needs "${rel}" to be a folder, but it is a file`);
      }
      this.folders.add(rel);
    }
  }

  private makeFolder(path: string, rel: string): void {
    const stat = this.lstat(rel);
    if (!stat) {
      mkdirSync(this.abs(rel), { mode: 0o755 });
      this.record(rel);
    } else if (stat.isSymbolicLink()) {
      throw this.unsafe(`entry "${path}" is a folder, but "${rel}" is already a link`);
    } else if (!stat.isDirectory()) {
      throw this.unsafe(`entry "${path}" is a folder, but a file of that name is already there`);
    }
    this.folders.add(rel);
  }

  /** Clears the place for a file or link: an old file goes, a folder or a link that was there before stays. */
  private clearPlace(path: string, rel: string): void {
    const stat = this.lstat(rel);
    if (!stat) return;
    if (stat.isDirectory()) {
      throw this.unsafe(`entry "${path}" would replace the folder "${rel}"; folders are never replaced`);
    }
    if (stat.isSymbolicLink() && !this.made.has(rel)) {
      throw this.unsafe(
        `entry "${path}" would replace the link "${rel}" that was there before this archive; links already ` +
          "in the folder are never replaced, since other links may lead through them",
      );
    }
    unlinkSync(this.abs(rel));
  }

  private writeFile(entry: tar.ReadEntry, rel: string, onError: (error: unknown) => void): void {
    this.clearPlace(entry.path, rel);
    // The archive's mode only decides whether the file is executable; its owner is never used.
    const mode = (entry.mode ?? 0) & 0o111 ? 0o755 : 0o644;
    // O_EXCL: the file is new, so the open cannot follow a link someone put in its place.
    const fd = openSync(this.abs(rel), constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode);
    this.openFile = fd;
    this.record(rel);
    // "end" first: an empty entry ends as soon as it is read.
    entry.on("end", () => {
      if (this.stopped) return;
      try {
        if (entry.mtime) futimesSync(fd, entry.mtime, entry.mtime);
        closeSync(fd);
        this.openFile = undefined;
      } catch (error) {
        onError(error);
      }
    });
    entry.on("data", (chunk: Buffer) => {
      if (this.stopped) return;
      try {
        for (let written = 0; written < chunk.length; ) written += writeSync(fd, chunk, written);
        this.bytes += chunk.length;
      } catch (error) {
        onError(error);
      }
    });
  }

  private makeSymbolicLink(path: string, rel: string, target: string): void {
    this.clearPlace(path, rel);
    symlinkSync(target, this.abs(rel));
    this.record(rel);
    const way = this.wayOut(rel, false);
    if (way) throw this.badLink(path, way);
  }

  private makeHardLink(path: string, rel: string, linkpath: string): void {
    const parts = partsOf(posix.normalize(linkpath));
    const target = parts.join("/");
    if (target === rel || parts.length === 0) {
      throw this.unsafe(
        `hard link "${path}" points at "${linkpath}"; hard links may only point at other files`,
      );
    }
    for (let depth = 1; depth <= parts.length; depth++) {
      const step = parts.slice(0, depth).join("/");
      if (depth < parts.length && this.folders.has(step)) continue;
      const stat = this.lstat(step);
      if (!stat) {
        throw this.unsafe(
          `hard link "${path}" points at "${linkpath}", which is not in the folder; a hard link must come after ` +
            "the file it links to",
        );
      }
      if (stat.isSymbolicLink()) {
        throw this.unsafe(
          `hard link "${path}" names its file through the link "${step}"; a hard link must name the file itself`,
        );
      }
      if (depth === parts.length && !stat.isFile()) {
        const what = stat.isDirectory() ? "a folder" : "not a file";
        throw this.unsafe(
          `hard link "${path}" points at "${linkpath}", which is ${what}; hard links may only point at files`,
        );
      }
    }
    this.clearPlace(path, rel);
    linkSync(this.abs(target), this.abs(rel));
    this.record(rel);
  }

  /**
   * How the link at `rel` gets out of the folder, resolved as the kernel would, link by link through the ones
   * in the folder; undefined while it stays inside. What is not there (yet) is resolved as text. Strict, once
   * the archive is done, also refuses climbing with ".." out of what is not there: a later archive could make
   * it a link.
   */
  private wayOut(rel: string, strict: boolean): string | undefined {
    const at = partsOf(rel).slice(0, -1);
    const pending = readlinkSync(this.abs(rel)).split("/");
    const outside = `leads outside the ${this.folder}`;
    let via = "";
    let hops = 0;
    let missingDepth = 0;
    while (pending.length > 0) {
      const part = pending.shift() as string;
      if (part === "" || part === ".") continue;
      if (part === "..") {
        if (at.length === 0) {
          return via
            ? `${outside}: through the link "${via}" it climbs above the folder with ".."`
            : `${outside}: it climbs above the folder with ".."`;
        }
        if (strict && missingDepth > 0) {
          const missing = at.slice(0, missingDepth).join("/");
          return `climbs with ".." out of "${missing}", which is not there, so where it leads is open`;
        }
        at.pop();
        if (at.length < missingDepth) missingDepth = 0;
        continue;
      }
      at.push(part);
      if (missingDepth > 0) continue;
      const here = at.join("/");
      const stat = this.lstat(here);
      if (!stat) {
        missingDepth = at.length;
      } else if (stat.isSymbolicLink()) {
        if (++hops > MAX_LINK_HOPS) return `goes through more than ${MAX_LINK_HOPS} links, which is a loop`;
        const target = readlinkSync(this.abs(here));
        if (target.startsWith("/")) return `${outside}: the link "${here}" points at "${target}"`;
        via = here;
        at.pop();
        pending.unshift(...target.split("/"));
      } else if (!stat.isDirectory() && pending.some((next) => next !== "" && next !== ".")) {
        return `goes on past the file "${here}" as if it were a folder`;
      }
    }
    return undefined;
  }

  private badLink(path: string, way: string): Refusal {
    return this.unsafe(
      `link "${path}" ${way}; a link may only lead to something inside the ${this.folder}, followed through ` +
        "the links already in it",
    );
  }

  private record(rel: string): void {
    this.made.add(rel);
    if (!this.made.has(posix.dirname(rel))) this.madeTops.push(rel);
  }

  private abs(rel: string): string {
    return rel === "" ? this.root : join(this.root, rel);
  }

  private lstat(rel: string): Stats | undefined {
    return lstatSync(this.abs(rel), { throwIfNoEntry: false });
  }

  private unsafe(reason: string): Refusal {
    return new Refusal(`The ${this.kind} archive is unsafe: ${reason}.`);
  }
}

/** The chunks main posts, one asked for ahead of the one being unpacked. */
async function* incoming(port: MessagePort): AsyncGenerator<Buffer> {
  const inbox: ToWorker[] = [];
  let wake: (() => void) | undefined;
  port.on("message", (message: ToWorker) => {
    inbox.push(message);
    wake?.();
  });
  port.postMessage({ type: "pull" } satisfies FromWorker);
  for (;;) {
    while (inbox.length === 0) await new Promise<void>((resolve) => (wake = resolve));
    const message = inbox.shift() as ToWorker;
    if (message.type === "end") return;
    if (message.type === "abort") throw new Aborted(message.message);
    port.postMessage({ type: "pull" } satisfies FromWorker);
    yield Buffer.from(message.data.buffer, message.data.byteOffset, message.data.byteLength);
  }
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  void extract(workerData as ExtractionJob, incoming(port), (message) => port.postMessage(message));
}
