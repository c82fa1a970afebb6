import { mkdirSync } from "node:fs";
import { isAbsolute, posix } from "node:path";
import * as tar from "tar";

/** A model archive entry that would land outside the model folder, or is no file, folder or contained link. */
export class UnsafeArchiveError extends Error {}

const ALLOWED_TYPES = new Set(["File", "OldFile", "ContiguousFile", "Directory", "SymbolicLink", "Link"]);

/** Why an entry may not be extracted, or undefined when it is safe. */
export function unsafeEntryReason(
  path: string,
  type: string,
  linkpath: string | undefined,
): string | undefined {
  if (isAbsolute(path) || /^[a-zA-Z]:/.test(path)) return `entry "${path}" has an absolute path`;
  if (path.split(/[\\/]/).includes("..")) return `entry "${path}" climbs out of the model folder with ".."`;
  if (!ALLOWED_TYPES.has(type)) return `entry "${path}" is a ${type}, not a file, folder or link`;
  if (type === "SymbolicLink" || type === "Link") {
    const target = linkpath ?? "";
    if (isAbsolute(target)) return `link "${path}" points at the absolute path "${target}"`;
    // A symbolic link resolves from its own folder; a hard link names a path from the archive root.
    const from = type === "SymbolicLink" ? posix.dirname(path) : ".";
    const resolved = posix.normalize(posix.join(from, target.replaceAll("\\", "/")));
    if (resolved === ".." || resolved.startsWith("../")) {
      return `link "${path}" points outside the model folder ("${target}")`;
    }
  }
  return undefined;
}

/**
 * Extracts a model.tar.gz (or plain tar) into `dir`. Every entry is checked first, so a malicious archive
 * extracts nothing and the error names the entry. node-tar's own guards stay on as a second line.
 */
export async function extractModelArchive(archive: Buffer, dir: string): Promise<void> {
  const problems: string[] = [];
  await runParser(
    new tar.Parser({
      onReadEntry: (entry) => {
        const reason = unsafeEntryReason(entry.path, entry.type, entry.linkpath);
        if (reason) problems.push(reason);
        entry.resume();
      },
    }),
    archive,
  );
  if (problems.length > 0) {
    throw new UnsafeArchiveError(`The model archive is unsafe: ${problems.slice(0, 3).join("; ")}.`);
  }
  mkdirSync(dir, { recursive: true });
  await runParser(tar.x({ cwd: dir, strict: true, preservePaths: false }) as unknown as tar.Parser, archive);
}

function runParser(parser: tar.Parser, archive: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    parser.on("error", (error: Error) =>
      reject(new UnsafeArchiveError(`The model archive cannot be read: ${error.message}`)),
    );
    parser.on("warn", (code: string, message: string) =>
      reject(new UnsafeArchiveError(`The model archive cannot be read: ${code} ${message}`)),
    );
    parser.on("close", () => resolve());
    parser.on("finish", () => resolve());
    parser.end(archive);
  });
}
