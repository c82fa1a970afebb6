import { execFile } from "node:child_process";
import { readdirSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { useTempDir } from "./helpers";

const tempDir = useTempDir();
const run = promisify(execFile);
const root = join(__dirname, "..", "..");
const tsx = join(root, "node_modules", ".bin", "tsx");

async function npmRunData(env: Record<string, string>): Promise<{ code: number; output: string }> {
  const base = { ...process.env };
  delete base.NSMC_DIR;
  try {
    const { stdout, stderr } = await run(tsx, [join(root, "src", "data", "cli.ts")], {
      env: { ...base, ...env },
      cwd: root,
    });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, output: failed.stdout + failed.stderr };
  }
}

describe("npm run data (src/data/cli.ts)", () => {
  it("offline: exits 1 with the fix and the fallback, and writes nothing", async () => {
    const refused = createServer();
    await new Promise<void>((resolve) => refused.listen(0, "127.0.0.1", resolve));
    const port = (refused.address() as AddressInfo).port;
    await new Promise((resolve) => refused.close(resolve));
    const workshop = tempDir();
    const result = await npmRunData({ WORKSHOP_ROOT: workshop, NSMC_BASE_URL: `http://127.0.0.1:${port}` });
    expect(result.code).toBe(1);
    expect(result.output).toContain("NSMC is not available.");
    expect(result.output).toContain("ECONNREFUSED");
    expect(result.output).toContain("set NSMC_DIR");
    expect(result.output).toContain("fall back to the sample reviews");
    expect(result.output).not.toMatch(/\n\s+at /); // no stack trace
    expect(readdirSync(join(workshop, "data", "nsmc"))).toEqual([]);
  });

  it.skipIf(!process.env.NSMC_DIR)(
    "with NSMC_DIR: verifies the copy, copies it into data/nsmc and says so (needs NSMC_DIR)",
    async () => {
      const workshop = tempDir();
      const result = await npmRunData({ WORKSHOP_ROOT: workshop, NSMC_DIR: process.env.NSMC_DIR as string });
      expect(result.code).toBe(0);
      expect(result.output).toMatch(/ratings_train\.txt \(NSMC_DIR\) checksum OK/);
      expect(result.output).toMatch(/ratings_test\.txt \(NSMC_DIR\) checksum OK/);
      // The verified files are copied into data/nsmc, so later shells need no NSMC_DIR.
      expect(result.output).toMatch(
        /copied to .*data\/nsmc\/ratings_train\.txt: later shells need no NSMC_DIR/,
      );
      expect(result.output).toContain(`NSMC is ready in ${join(workshop, "data", "nsmc")}`);
      expect(readdirSync(join(workshop, "data", "nsmc")).sort()).toEqual([
        "ratings_test.txt",
        "ratings_train.txt",
      ]);
      // Run again: already there, nothing copied.
      const again = await npmRunData({ WORKSHOP_ROOT: workshop, NSMC_DIR: process.env.NSMC_DIR as string });
      expect(again.output).not.toContain("copied to");
      expect(again.output).toMatch(/ratings_train\.txt already present, checksum OK/);
    },
  );
});
