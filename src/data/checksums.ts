import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";

/**
 * The NSMC files we use, their sizes and SHA-256, pinned so a changed or corrupted upstream file is refused. The
 * size is the cheap check every lab makes; the digest is what `npm run data` and lab 1.1 verify.
 */
export const NSMC_FILES = [
  {
    name: "ratings_train.txt",
    bytes: 14_628_807,
    sha256: "e03b7d14e9e41be8d464a28057cd25d7396c53e67aa7fd5f7e552c59b0ee2940",
  },
  {
    name: "ratings_test.txt",
    bytes: 4_893_335,
    sha256: "8ac9f64052f11dbf6ae0acb5e038f03d90a76f0eda7820cfb3a92d02edfcebda",
  },
] as const;

/** The raw files in the public e9t/nsmc repository (CC0). `NSMC_BASE_URL` points elsewhere (a mirror, a test server). */
export const NSMC_DEFAULT_BASE_URL = "https://raw.githubusercontent.com/e9t/nsmc/master";

export async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

export type ChecksumVerdict = "ok" | "mismatch" | "missing";

/** Whether `file` exists and has the expected SHA-256 (with the digest we saw, for messages). */
export async function verifyChecksum(
  file: string,
  expected: string,
): Promise<{ verdict: ChecksumVerdict; actual?: string }> {
  let actual: string;
  try {
    actual = await sha256OfFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { verdict: "missing" };
    throw error;
  }
  return { verdict: actual === expected.toLowerCase() ? "ok" : "mismatch", actual };
}
