import { isAbsolute, posix } from "node:path";

/**
 * What archives.ts (the main thread) and archive-worker.ts (the extraction thread) agree on: the kinds of archive,
 * their limits and the settings that raise them, the rules an entry is judged by, and the messages between them.
 */

export type ArchiveKind = "model" | "source";

/** What one archive may expand to. The server fills these from its settings (ARCHIVE_LIMIT_SETTINGS). */
export interface ArchiveLimits {
  /** Bytes of tar (headers included) the archive may expand to. */
  maxBytes: number;
  /** Expanded bytes per compressed byte, over the archive so far, once past RATIO_GRACE_BYTES. */
  maxRatio: number;
  /** Files, folders and links. */
  maxEntries: number;
}

export const DEFAULT_ARCHIVE_LIMITS: Readonly<ArchiveLimits> = Object.freeze({
  maxBytes: 4 * 2 ** 30,
  maxRatio: 200,
  maxEntries: 100_000,
});

/** The setting that overrides each limit; refusals name it so that whoever hits a cap knows what to raise. */
export const ARCHIVE_LIMIT_SETTINGS: Readonly<Record<keyof ArchiveLimits, string>> = Object.freeze({
  maxBytes: "LOCAL_SAGEMAKER_ARCHIVE_MAX_BYTES",
  maxRatio: "LOCAL_SAGEMAKER_ARCHIVE_MAX_RATIO",
  maxEntries: "LOCAL_SAGEMAKER_ARCHIVE_MAX_ENTRIES",
});

/**
 * Up to this much, an archive may compress at any ratio. This project's own model is hashed float16 weights,
 * 32 MiB per class at the largest hash space: a lightly trained one is mostly zeros and compresses about
 * 900:1, as a zip bomb does. A bomb is still stopped once it has written this much.
 */
export const RATIO_GRACE_BYTES = 128 * 2 ** 20;

export const PROGRESS_INTERVAL_MS = 250;

const EXTRACTABLE = new Set(["File", "OldFile", "ContiguousFile", "Directory", "SymbolicLink", "Link"]);

/**
 * Why one entry may not be extracted into the kind's folder, judged on its path and link target as text;
 * undefined when it may. Backslashes count as separators here, so that a Windows-made `..\..` is caught too.
 */
export function unsafeEntryReason(
  kind: ArchiveKind,
  path: string,
  type: string,
  linkpath: string | undefined,
): string | undefined {
  const folder = `${kind} folder`;
  const normalised = path.replaceAll("\\", "/");
  if (isAbsolute(path) || normalised.startsWith("/") || /^[a-zA-Z]:/.test(path))
    return `entry "${path}" has an absolute path; entries must be relative to the ${folder} (pack it with tar -C)`;
  if (normalised.split("/").includes(".."))
    return `entry "${path}" climbs out of the ${folder} with ".."; entries must stay inside it`;
  if (!EXTRACTABLE.has(type))
    return `entry "${path}" is a ${type}, not a file, folder or link; devices, FIFOs and the like are never extracted`;
  if (type === "SymbolicLink" || type === "Link") {
    const target = (linkpath ?? "").replaceAll("\\", "/");
    if (target.startsWith("/") || isAbsolute(target))
      return `link "${path}" points at the absolute path "${target}"; links must be relative and stay inside the ${folder}`;
    // A symbolic link resolves from its own folder; a hard link names a path from the archive root.
    const base = type === "SymbolicLink" ? posix.dirname(normalised) : ".";
    const resolved = posix.normalize(posix.join(base, target));
    if (resolved === ".." || resolved.startsWith("../"))
      return `link "${path}" points outside the ${folder} ("${target}"); links must stay inside it`;
  }
  return undefined;
}

export interface ExtractionJob {
  kind: ArchiveKind;
  dir: string;
  limits: ArchiveLimits;
}

export type ToWorker =
  | { type: "chunk"; data: Uint8Array }
  | { type: "end" }
  /** The archive's bytes could not be read on the main thread's side; the message says why. */
  | { type: "abort"; message: string };

export type FromWorker =
  | { type: "pull" }
  | { type: "progress"; entries: number; bytes: number }
  | { type: "done"; entries: number; bytes: number }
  /** `refused`: the archive's fault (an UnsafeArchiveError); otherwise the machine's (disk full, ...). */
  | { type: "failed"; message: string; refused: boolean };
