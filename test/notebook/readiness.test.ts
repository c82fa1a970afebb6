/** Lab 1.1's checks: Node lines, a Korean font, and the corpus checked as `npm run data` checks it. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { fontReadiness, nodeReadiness, nsmcChecksumReadiness } from "../../src/notebook/readiness";

const saved = process.env.NSMC_DIR;
const dirs: string[] = [];
const temp = () => {
  const dir = mkdtempSync(join(tmpdir(), "ko-readiness-"));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  if (saved === undefined) delete process.env.NSMC_DIR;
  else process.env.NSMC_DIR = saved;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("nodeReadiness", () => {
  it("fails below 20, warns on 20 with the fix, and is ok on the LTS lines 22 and 24", () => {
    expect(nodeReadiness("18.19.0").status).toBe("fail");
    const twenty = nodeReadiness("20.20.2");
    expect(twenty.status).toBe("warn");
    expect(twenty.detail).toContain("end of life in April 2026");
    expect(twenty.detail).toContain("install Node 22 or 24 (LTS)");
    expect(nodeReadiness("22.22.0")).toEqual({
      check: "Node.js",
      status: "ok",
      detail: "v22.22.0 (LTS line)",
    });
    expect(nodeReadiness("24.1.0").status).toBe("ok");
  });
});

describe("fontReadiness", () => {
  it("trusts macOS and Windows, and on Linux asks fontconfig, naming fonts-noto-cjk when none is found", () => {
    expect(fontReadiness("darwin").status).toBe("ok");
    expect(fontReadiness("win32").status).toBe("ok");
    const linux = fontReadiness("linux");
    if (linux.status === "ok") expect(linux.detail).not.toBe("");
    else expect(linux.detail).toContain("fonts-noto-cjk");
  });
});

describe("nsmcChecksumReadiness", () => {
  it("reports a damaged NSMC_DIR copy with its sizes and the fix, and falls back to the sample set", async () => {
    const copy = temp();
    writeFileSync(join(copy, "ratings_train.txt"), "id\tdocument\tlabel\n");
    writeFileSync(join(copy, "ratings_test.txt"), Buffer.alloc(4_893_335, "x"));
    process.env.NSMC_DIR = copy;
    const root = temp();
    mkdirSync(join(root, "data"), { recursive: true });
    const [check] = await nsmcChecksumReadiness(root);
    expect(check?.status).toBe("warn");
    expect(check?.detail).toContain("is damaged: ratings_train.txt has 18 bytes, not 14,628,807");
    expect(check?.detail).toMatch(/ratings_test\.txt has SHA-256 [0-9a-f]{12}…, not the pinned one/);
    expect(check?.detail).toContain("npm run data");
    expect(check?.detail).toContain("sample reviews");
  });

  it("says when there is no copy to verify", async () => {
    delete process.env.NSMC_DIR;
    const [check] = await nsmcChecksumReadiness(temp());
    expect(check).toMatchObject({ status: "warn" });
    expect(check?.detail).toContain("no copy to verify");
  });

  it.skipIf(!saved)("passes a real copy: sizes and SHA-256 as pinned (needs NSMC_DIR)", async () => {
    process.env.NSMC_DIR = saved as string;
    const [check] = await nsmcChecksumReadiness(temp());
    expect(check?.status).toBe("ok");
    expect(check?.detail).toContain("ratings_train.txt 14.6 MB, ratings_test.txt 4.9 MB, SHA-256 as pinned");
  });
});
