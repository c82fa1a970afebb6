import { mkdirSync, readdirSync } from "node:fs";
import { isAbsolute, posix } from "node:path";
import { gzipSync } from "node:zlib";
import * as tar from "tar";

/**
 * The archives local SageMaker unpacks come from users (a training job's `sourcedir.tar.gz`, an endpoint's
 * `model.tar.gz`): every entry is checked before anything is written, so a hostile archive extracts nothing
 * and the error names the entry. node-tar's own guards stay on as a second line.
 */
export class UnsafeArchiveError extends Error {}

export type ArchiveKind = "model" | "source";

const EXTRACTABLE = new Set(["File", "OldFile", "ContiguousFile", "Directory", "SymbolicLink", "Link"]);

/** Why one entry may not be extracted into the kind's folder; undefined when it is safe. */
export function unsafeEntryReason(
  kind: ArchiveKind,
  path: string,
  type: string,
  linkpath: string | undefined,
): string | undefined {
  const folder = `${kind} folder`;
  const normalised = path.replaceAll("\\", "/");
  if (isAbsolute(path) || normalised.startsWith("/") || /^[a-zA-Z]:/.test(path))
    return `entry "${path}" has an absolute path`;
  if (normalised.split("/").includes("..")) return `entry "${path}" climbs out of the ${folder} with ".."`;
  if (!EXTRACTABLE.has(type)) return `entry "${path}" is a ${type}, not a file, folder or link`;
  if (type === "SymbolicLink" || type === "Link") {
    const target = (linkpath ?? "").replaceAll("\\", "/");
    if (target.startsWith("/") || isAbsolute(target))
      return `link "${path}" points at the absolute path "${target}"`;
    // A symbolic link resolves from its own folder; a hard link names a path from the archive root.
    const base = type === "SymbolicLink" ? posix.dirname(normalised) : ".";
    const resolved = posix.normalize(posix.join(base, target));
    if (resolved === ".." || resolved.startsWith("../"))
      return `link "${path}" points outside the ${folder} ("${target}")`;
  }
  return undefined;
}

/** Extracts a (gzipped) tar into `dir`; throws UnsafeArchiveError naming the offending entries. */
export async function extractArchiveSafely(kind: ArchiveKind, archive: Buffer, dir: string): Promise<void> {
  const problems: string[] = [];
  await runParser(
    kind,
    new tar.Parser({
      onReadEntry: (entry) => {
        const reason = unsafeEntryReason(kind, entry.path, entry.type, entry.linkpath);
        if (reason) problems.push(reason);
        entry.resume();
      },
    }),
    archive,
  );
  if (problems.length > 0) {
    throw new UnsafeArchiveError(`The ${kind} archive is unsafe: ${problems.slice(0, 3).join("; ")}.`);
  }
  mkdirSync(dir, { recursive: true });
  await runParser(
    kind,
    tar.x({ cwd: dir, strict: true, preservePaths: false }) as unknown as tar.Parser,
    archive,
  );
}

function runParser(kind: ArchiveKind, parser: tar.Parser, archive: Buffer): Promise<void> {
  const unreadable = (detail: string) =>
    new UnsafeArchiveError(`The ${kind} archive cannot be read: ${detail}`);
  return new Promise((resolve, reject) => {
    parser.on("error", (error: Error) => reject(unreadable(error.message)));
    parser.on("warn", (code: string, message: string) => reject(unreadable(`${code} ${message}`)));
    parser.on("close", () => resolve());
    parser.on("finish", () => resolve());
    parser.end(archive);
  });
}

/** A gzipped tar of the folder's contents (entries relative to it, as model.tar.gz is laid out). */
export async function packFolder(dir: string): Promise<Buffer> {
  const entries = readdirSync(dir).sort();
  // An empty tar is two zero blocks; node-tar refuses an empty entry list.
  if (entries.length === 0) return gzipSync(Buffer.alloc(1024));
  const chunks: Buffer[] = [];
  const stream = tar.c({ gzip: true, cwd: dir, portable: true }, entries);
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
