import { mkdirSync, readdirSync } from "node:fs";
import { isAbsolute, posix } from "node:path";
import { gzipSync } from "node:zlib";
import * as tar from "tar";

/**
 * The two archives a training job handles: the user's `sourcedir.tar.gz` (untrusted: every entry is checked
 * before anything is written, so a hostile archive extracts nothing) and the packed model folder.
 */
export class UnsafeSourceArchiveError extends Error {}

const EXTRACTABLE = new Set(["File", "OldFile", "ContiguousFile", "Directory", "SymbolicLink", "Link"]);

/** Why one entry may not be extracted into the code folder; undefined when it is safe. */
export function sourceEntryProblem(
  path: string,
  type: string,
  linkpath: string | undefined,
): string | undefined {
  const normalised = path.replaceAll("\\", "/");
  if (isAbsolute(path) || normalised.startsWith("/") || /^[a-zA-Z]:/.test(path))
    return `"${path}" has an absolute path`;
  if (normalised.split("/").includes("..")) return `"${path}" climbs out of the source folder with ".."`;
  if (!EXTRACTABLE.has(type)) return `"${path}" is a ${type}, not a file, folder or link`;
  if (type === "SymbolicLink" || type === "Link") {
    const target = (linkpath ?? "").replaceAll("\\", "/");
    if (target.startsWith("/") || isAbsolute(target))
      return `link "${path}" points at the absolute path "${target}"`;
    // A symbolic link resolves from its own folder; a hard link names a path from the archive root.
    const base = type === "SymbolicLink" ? posix.dirname(normalised) : ".";
    const resolved = posix.normalize(posix.join(base, target));
    if (resolved === ".." || resolved.startsWith("../"))
      return `link "${path}" points outside the source folder`;
  }
  return undefined;
}

function drain(parser: NodeJS.WritableStream & NodeJS.EventEmitter, archive: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    parser.on("error", (error: Error) =>
      reject(new UnsafeSourceArchiveError(`it cannot be read: ${error.message}`)),
    );
    parser.on("close", () => resolve());
    parser.end(archive);
  });
}

/** Extracts a (gzipped) tar into `dir`; throws UnsafeSourceArchiveError naming the offending entries. */
export async function extractSourceArchive(archive: Buffer, dir: string): Promise<void> {
  const problems: string[] = [];
  await drain(
    new tar.Parser({
      onReadEntry: (entry) => {
        const problem = sourceEntryProblem(entry.path, entry.type, entry.linkpath);
        if (problem) problems.push(problem);
        entry.resume();
      },
    }),
    archive,
  );
  if (problems.length > 0) throw new UnsafeSourceArchiveError(problems.slice(0, 3).join("; "));
  mkdirSync(dir, { recursive: true });
  // node-tar's own path guards stay on as a second line of defence.
  await drain(tar.x({ cwd: dir, strict: true, preservePaths: false }) as unknown as tar.Parser, archive);
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
