import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve, sep } from "node:path";
import { unzipSync } from "fflate";
import { unsafeEntryReason } from "../../archive-rules";
import { AwsError } from "../../core/errors";

/**
 * A function's code: a deployment package (zip) from the request or from S3, or a local image's folder. Packages
 * come from users and are treated as hostile, with the rules the tar extraction of archives.ts applies: no entry
 * with an absolute path or `..`, caps on the zipped and unzipped size (Lambda's: 50 MB zipped in a request,
 * 250 MB unzipped) and on the number of entries. fflate never creates links: a symbolic link stored in a zip
 * becomes a small file holding its target's path, so nothing extracted can point outside the function's folder.
 */

/** Lambda's quotas for a deployment package. */
export const MAX_ZIPPED_BYTES = 50 * 1024 * 1024;
export const MAX_UNZIPPED_BYTES = 262_144_000;

const invalid = (message: string): AwsError => new AwsError("InvalidParameterValueException", message);

export interface PackageSummary {
  sha256: string;
  size: number;
  entries: number;
  unzippedBytes: number;
}

/** Lambda's CodeSha256: the base64 SHA-256 of the package. */
export const codeSha256 = (bytes: Buffer): string => createHash("sha256").update(bytes).digest("base64");

/**
 * Checks a package from its central directory (names, declared sizes, count) without inflating anything: what
 * CreateFunction refuses at once. Inflating happens while the function is Pending (extractPackage).
 */
export function inspectPackage(zip: Buffer, maxEntries: number): PackageSummary {
  if (zip.length > MAX_ZIPPED_BYTES) {
    throw new AwsError(
      "RequestEntityTooLargeException",
      `Zipped size must be smaller than ${MAX_ZIPPED_BYTES} bytes; this package is ${zip.length}. Upload it to S3 and pass S3Bucket/S3Key.`,
      { status: 413 },
    );
  }
  let entries = 0;
  let unzippedBytes = 0;
  const refusals: string[] = [];
  try {
    unzipSync(zip, {
      filter(file) {
        entries++;
        unzippedBytes += file.originalSize;
        const reason = unsafeEntryReason("source", file.name, "File", undefined);
        if (reason !== undefined || file.name.includes("\0"))
          refusals.push(reason ?? `entry "${file.name}" has a NUL`);
        return false;
      },
    });
  } catch (error) {
    throw invalid(
      `Could not unzip uploaded file. Please check your file, then try to upload again. (${(error as Error).message})`,
    );
  }
  if (refusals.length > 0) {
    throw invalid(
      `The deployment package is refused: ${refusals[0]?.replace("source folder", "function's folder")}.`,
    );
  }
  if (entries > maxEntries) {
    throw invalid(
      `The deployment package has ${entries} entries, over the limit of ${maxEntries} (LOCAL_SAGEMAKER_ARCHIVE_MAX_ENTRIES).`,
    );
  }
  if (unzippedBytes > MAX_UNZIPPED_BYTES) {
    throw invalid(
      `Unzipped size must be smaller than ${MAX_UNZIPPED_BYTES} bytes; this package unzips to ${unzippedBytes}.`,
    );
  }
  return { sha256: codeSha256(zip), size: zip.length, entries, unzippedBytes };
}

/**
 * Writes an inspected package into `dir` (a new folder). Each entry inflates into a buffer of its declared size,
 * so an entry that lies about its size is cut, never larger than inspectPackage allowed.
 */
export function extractPackage(zip: Buffer, dir: string): void {
  const root = resolve(dir);
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  const files = unzipSync(zip);
  for (const [name, bytes] of Object.entries(files)) {
    const target = resolve(root, name.replaceAll("\\", "/"));
    // inspectPackage refused `..` and absolute names; this is the second line, on the resolved path.
    if (target !== root && !target.startsWith(root + sep))
      throw new Error(`entry "${name}" is outside the folder`);
    if (name.endsWith("/")) {
      mkdirSync(target, { recursive: true });
      continue;
    }
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, bytes, { mode: 0o644 });
  }
}

/** A local image's code: its working folder, copied (links followed) into `dir`. */
export function copyImageFolder(folder: string, dir: string): void {
  const info = existsSync(folder) ? statSync(folder) : undefined;
  if (!info?.isDirectory()) {
    throw new Error(`ImageConfig.WorkingDirectory "${folder}" is not a folder on this machine`);
  }
  rmSync(dir, { recursive: true, force: true });
  cpSync(folder, dir, { recursive: true, dereference: true });
}

/** The handler's file, for the Failed state of an image whose folder lacks it ("index.handler" → index.js). */
export function handlerFileExists(dir: string, handler: string, python: boolean): boolean {
  const module = handler.slice(0, Math.max(0, handler.lastIndexOf("."))) || handler;
  const candidates = python
    ? [`${module.replaceAll(".", "/")}.py`]
    : [".js", ".mjs", ".cjs"].map((ext) => module + ext);
  return candidates.some((file) => existsSync(join(dir, file)));
}
