import { randomBytes } from "node:crypto";
import {
  createReadStream,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { Readable } from "node:stream";
import { createGzip, gzipSync } from "node:zlib";
import * as tar from "tar";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_ARCHIVE_LIMITS } from "../../src/local/archive-rules";
import {
  extractArchiveSafely,
  folderIsEmpty,
  packFolder,
  UnsafeArchiveError,
} from "../../src/local/archives";
import { type RawEntry, rawArchive, rawTar } from "../support/raw-archive";
import { saveTinySentimentModel } from "../support/tiny-sentiment";

/**
 * The archive extractor against hostile archives written header by header. Every case runs in its own temporary
 * root: `dest` (root/state/model) is where the server extracts, and `outside` (root/outside) is what an escape
 * would reach; after a hostile case nothing in the root but `dest` may have changed.
 */

const MiB = 2 ** 20;

let root: string;
let dest: string;
let outside: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "archives-"));
  outside = join(root, "outside");
  dest = join(root, "state", "model");
  mkdirSync(outside);
  mkdirSync(dest, { recursive: true });
});

afterEach(() => rmSync(root, { recursive: true, force: true }));

/** Every path under `dir`, links listed with their targets and never followed. */
function tree(dir: string, prefix = ""): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((item) => {
      const rel = `${prefix}${item.name}`;
      if (item.isSymbolicLink()) return [`${rel} -> ${readlinkSync(join(dir, item.name))}`];
      if (item.isDirectory()) return [`${rel}/`, ...tree(join(dir, item.name), `${rel}/`)];
      return [rel];
    });
}

/** The root as the test laid it out, with whatever is in `dest` left out. */
const outsideDest = (): string[] =>
  tree(root).filter((path) => path === "state/model/" || !path.startsWith("state/model/"));
const UNTOUCHED = ["outside/", "state/", "state/model/"];

async function refusal(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: Error) => e,
  );
  if (!error) throw new Error("the archive was extracted, but it should have been refused");
  expect(error).toBeInstanceOf(UnsafeArchiveError);
  return error;
}

const up = (levels: number): string => Array(levels).fill("..").join("/");

describe("extractArchiveSafely", () => {
  it("extracts nested folders, files and links that stay inside", async () => {
    const archive = rawArchive([
      { path: "code/", type: "Directory", mode: 0o755 },
      { path: "code/inference.ts", body: "export const x = 1;\n" },
      { path: "code/lib/deep/util.ts", body: "util" },
      { path: "code/run.sh", body: "#!/bin/sh\n", mode: 0o755 },
      { path: "weights/v1/model.bin", body: "weights" },
      { path: "weights/current", type: "SymbolicLink", linkpath: "v1" },
      { path: "code/util.ts", type: "SymbolicLink", linkpath: "lib/deep/util.ts" },
      {
        path: "code/lib/deep/model.bin",
        type: "SymbolicLink",
        linkpath: "../../../weights/current/model.bin",
      },
      { path: "copy.bin", type: "Link", linkpath: "weights/v1/model.bin" },
    ]);
    const summary = await extractArchiveSafely("model", archive, dest);
    expect(tree(dest)).toEqual([
      "code/",
      "code/inference.ts",
      "code/lib/",
      "code/lib/deep/",
      "code/lib/deep/model.bin -> ../../../weights/current/model.bin",
      "code/lib/deep/util.ts",
      "code/run.sh",
      "code/util.ts -> lib/deep/util.ts",
      "copy.bin",
      "weights/",
      "weights/current -> v1",
      "weights/v1/",
      "weights/v1/model.bin",
    ]);
    expect(readFileSync(join(dest, "code/lib/deep/model.bin"), "utf8")).toBe("weights");
    expect(readFileSync(join(dest, "copy.bin"), "utf8")).toBe("weights");
    expect(lstatSync(join(dest, "code/run.sh")).mode & 0o111).not.toBe(0);
    expect(summary).toEqual({ entries: 9, bytes: "export const x = 1;\n".length + 4 + 10 + 7 });
    expect(outsideDest()).toEqual(UNTOUCHED);
  });

  it("extracts a second archive into a folder the first one made, and accepts an uncompressed tar", async () => {
    await extractArchiveSafely("model", rawArchive([{ path: "code/inference.ts", body: "old" }]), dest);
    await extractArchiveSafely(
      "source",
      rawTar([
        { path: "inference.ts", body: "new" },
        { path: "requirements.txt", body: "" },
      ]),
      join(dest, "code"),
    );
    expect(tree(dest)).toEqual(["code/", "code/inference.ts", "code/requirements.txt"]);
    expect(readFileSync(join(dest, "code/inference.ts"), "utf8")).toBe("new");
  });

  it("reads the archive from a stream too", async () => {
    const file = join(root, "model.tar.gz");
    writeFileSync(file, rawArchive([{ path: "a/b.txt", body: "streamed" }]));
    await extractArchiveSafely("model", createReadStream(file), dest);
    expect(readFileSync(join(dest, "a/b.txt"), "utf8")).toBe("streamed");
  });

  describe("links", () => {
    // a1/a2/.../a12: twelve folders; the link at the bottom climbs twelve levels, back to the folder itself.
    const folders = Array.from({ length: 12 }, (_, i) =>
      Array.from({ length: i + 1 }, (_, j) => `a${j + 1}`).join("/"),
    );
    const deepest = folders.at(-1) as string;
    const chain: RawEntry[] = [
      ...folders.map((path) => ({ path: `${path}/`, type: "Directory" as const })),
      { path: `${deepest}/l`, type: "SymbolicLink", linkpath: up(12) },
      // Read as text this stays inside (a1/.../a11/outside); through the link it is two levels above the folder.
      { path: "code", type: "SymbolicLink", linkpath: `${deepest}/l/../../outside` },
    ];

    it("refuses a chain of links that each look inside but lead out, so a second archive cannot follow it", async () => {
      const error = await refusal(extractArchiveSafely("model", rawArchive(chain), dest));
      expect(error.message).toMatch(
        /^The model archive is unsafe: link "code" leads outside the model folder/,
      );
      expect(error.message).toContain(`through the link "${deepest}/l"`);
      // What the server does next with SAGEMAKER_SUBMIT_DIRECTORY: extract the source archive into code/.
      await extractArchiveSafely("source", rawArchive([{ path: "pwned.js", body: "x" }]), join(dest, "code"));
      expect(readdirSync(outside)).toEqual([]);
      expect(tree(dest)).toEqual(["code/", "code/pwned.js"]);
      expect(outsideDest()).toEqual(UNTOUCHED);
    });

    it("refuses the chain whatever the order of its entries (the link before what it goes through)", async () => {
      const reordered = [chain.at(-1), ...chain.slice(0, -1)] as RawEntry[];
      const error = await refusal(extractArchiveSafely("model", rawArchive(reordered), dest));
      expect(error.message).toMatch(/link "code" leads outside the model folder/);
      expect(tree(dest)).toEqual([]);
      expect(outsideDest()).toEqual(UNTOUCHED);
    });

    it("never extracts a second archive through a link that is already there", async () => {
      // What the old extractor left behind: the model folder's code/ is a link out of it.
      symlinkSync(join("..", "..", "outside"), join(dest, "code"));
      const error = await refusal(
        extractArchiveSafely("source", rawArchive([{ path: "pwned.js", body: "x" }]), join(dest, "code")),
      );
      expect(error.message).toMatch(/^The source archive is unsafe: the source folder .*code" is a link/);
      expect(readdirSync(outside)).toEqual([]);

      rmSync(join(dest, "code"));
      mkdirSync(join(dest, "code"));
      symlinkSync(join("..", "..", "..", "outside"), join(dest, "code", "lib"));
      const inner = await refusal(
        extractArchiveSafely("source", rawArchive([{ path: "lib/pwned.js", body: "x" }]), join(dest, "code")),
      );
      expect(inner.message).toContain('entry "lib/pwned.js" would be written through the link "lib"');
      expect(readdirSync(outside)).toEqual([]);
      expect(outsideDest()).toEqual(UNTOUCHED);
    });

    it("does not let a second archive re-point a link the first one made", async () => {
      // s leads two folders down, so x, which climbs two from it, ends in code/. Were s re-pointed at code/
      // itself, x would end one level above the model folder, though as text it never leaves it.
      await extractArchiveSafely(
        "model",
        rawArchive([
          { path: "code/sub/deeper/", type: "Directory" },
          { path: "code/s", type: "SymbolicLink", linkpath: "sub/deeper" },
          { path: "x", type: "SymbolicLink", linkpath: "code/s/../.." },
        ]),
        dest,
      );
      const error = await refusal(
        extractArchiveSafely(
          "source",
          rawArchive([{ path: "s", type: "SymbolicLink", linkpath: "." }]),
          join(dest, "code"),
        ),
      );
      expect(error.message).toContain('entry "s" would replace the link "s"');
      expect(readlinkSync(join(dest, "code/s"))).toBe("sub/deeper");
    });

    it.each<[string, RawEntry[], RegExp]>([
      [
        "an absolute path",
        [{ path: "passwd", type: "Link", linkpath: "/etc/passwd" }],
        /link "passwd" points at the absolute path "\/etc\/passwd"/,
      ],
      [
        "a climb out",
        [{ path: "passwd", type: "Link", linkpath: `${up(6)}/etc/passwd` }],
        /link "passwd" points outside the model folder/,
      ],
      [
        "a path through a link",
        [
          { path: "real/secret", body: "s" },
          { path: "alias", type: "SymbolicLink", linkpath: "real" },
          { path: "passwd", type: "Link", linkpath: "alias/secret" },
        ],
        /hard link "passwd" names its file through the link "alias"/,
      ],
      [
        "a folder",
        [
          { path: "d/", type: "Directory" },
          { path: "h", type: "Link", linkpath: "d" },
        ],
        /hard link "h" points at "d", which is a folder/,
      ],
      [
        "nothing yet",
        [{ path: "h", type: "Link", linkpath: "later" }],
        /hard link "h" points at "later", which is not in the folder/,
      ],
    ])("refuses a hard link to %s", async (_label, entries, reason) => {
      const error = await refusal(extractArchiveSafely("model", rawArchive(entries), dest));
      expect(error.message).toMatch(reason);
      expect(tree(dest)).toEqual([]);
      expect(outsideDest()).toEqual(UNTOUCHED);
    });
  });

  it.each<[string, RawEntry, RegExp]>([
    [
      "a character device",
      { path: "tty", type: "CharacterDevice" },
      /entry "tty" is a CharacterDevice, not a file/,
    ],
    ["a block device", { path: "disk", type: "BlockDevice" }, /entry "disk" is a BlockDevice/],
    ["a FIFO", { path: "pipe", type: "FIFO" }, /entry "pipe" is a FIFO/],
    [
      "a climb",
      { path: "a/../../escaped.txt", body: "x" },
      /entry "a\/..\/..\/escaped.txt" climbs out of the model folder/,
    ],
    [
      "an absolute path",
      { path: "/tmp/absolute.txt", body: "x" },
      /entry "\/tmp\/absolute.txt" has an absolute path/,
    ],
  ])("refuses %s and removes what came before it", async (_label, entry, reason) => {
    const error = await refusal(
      extractArchiveSafely("model", rawArchive([{ path: "code/ok.ts", body: "ok" }, entry]), dest),
    );
    expect(error.message).toMatch(reason);
    expect(tree(dest)).toEqual([]);
    expect(outsideDest()).toEqual(UNTOUCHED);
  });

  it("refuses a name too long for the file system as the archive's fault", async () => {
    const name = "x".repeat(300);
    const error = await refusal(
      extractArchiveSafely("model", rawArchive([{ path: `code/${name}`, body: "x" }]), dest),
    );
    expect(error.message).toBe(
      `The model archive is unsafe: entry "code/${name}" has a name or path too long for this file system.`,
    );
    expect(tree(dest)).toEqual([]);
  });

  it("removes what it wrote when the archive's stream fails", async () => {
    async function* broken(): AsyncGenerator<Buffer> {
      yield rawTar([{ path: "first.txt", body: "x".repeat(1024) }]).subarray(0, 2048);
      throw new Error("connection reset");
    }
    const error = await extractArchiveSafely("model", Readable.from(broken()), dest).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).toBe("The model archive could not be read: connection reset");
    expect(error).not.toBeInstanceOf(UnsafeArchiveError);
    expect(tree(dest)).toEqual([]);
  });

  it("strips setuid, setgid and sticky bits: folders and executables 0755, other files 0644", async () => {
    await extractArchiveSafely(
      "model",
      rawArchive([
        { path: "shared/", type: "Directory", mode: 0o3777 },
        { path: "shared/suid", body: "#!/bin/sh\n", mode: 0o4755 },
        { path: "shared/sgid", body: "data", mode: 0o2666 },
        { path: "locked", body: "data", mode: 0o400 },
      ]),
      dest,
    );
    const mode = (path: string): number => lstatSync(join(dest, path)).mode & 0o7777;
    for (const path of ["shared", "shared/suid"]) {
      expect(mode(path) & 0o7000).toBe(0);
      expect(mode(path) & ~0o755).toBe(0);
      expect(mode(path) & 0o700).toBe(0o700);
    }
    for (const path of ["shared/sgid", "locked"]) {
      expect(mode(path) & ~0o644).toBe(0);
      expect(mode(path) & 0o600).toBe(0o600);
    }
  });

  it("owns everything as the server's user, whoever the archive says owns it", async () => {
    await extractArchiveSafely(
      "model",
      rawArchive([
        { path: "root-owned/", type: "Directory", uid: 0, gid: 0 },
        { path: "root-owned/file", body: "x", uid: 0, gid: 0 },
        { path: "stranger", body: "x", uid: 4242, gid: 4242 },
      ]),
      dest,
    );
    for (const path of ["root-owned", "root-owned/file", "stranger"]) {
      const stat = lstatSync(join(dest, path));
      expect([stat.uid, stat.gid]).toEqual([process.getuid?.(), process.getgid?.()]);
    }
  });

  describe("caps", () => {
    it("has defaults of 4 GiB, 200:1 and 100,000 entries", () => {
      expect(DEFAULT_ARCHIVE_LIMITS).toEqual({ maxBytes: 4 * 2 ** 30, maxRatio: 200, maxEntries: 100_000 });
    });

    it("stops a zip bomb early on the compression ratio", async () => {
      // The header promises 10 GiB of zeros and 200 MiB follow, about 200 KiB gzipped: reading on past the
      // cap would end in "truncated".
      const gzip = createGzip();
      const packed: Buffer[] = [];
      gzip.on("data", (chunk: Buffer) => packed.push(chunk));
      const headers = rawTar([
        { path: "code/inference.ts", body: "x" },
        { path: "weights.bin", size: 10 * 2 ** 30 },
      ]);
      gzip.write(headers.subarray(0, -1024)); // the end-of-archive blocks left out
      const zeros = Buffer.alloc(MiB);
      for (let i = 0; i < 200; i++) gzip.write(zeros);
      await new Promise((resolve) => gzip.end(resolve));
      const bomb = Buffer.concat(packed);
      expect(bomb.length).toBeLessThan(MiB);

      const started = performance.now();
      const error = await refusal(extractArchiveSafely("model", bomb, dest));
      expect(error.message).toMatch(
        /^The model archive expands more than 200 times its compressed size .*while extracting "weights\.bin"/,
      );
      expect(error.message).toContain("LOCAL_SAGEMAKER_ARCHIVE_MAX_RATIO is 200");
      expect(error.message).toMatch(/\(128\.\d MiB from \d+\.\d KiB so far/);
      expect(performance.now() - started).toBeLessThan(5_000);
      expect(tree(dest)).toEqual([]);
      expect(outsideDest()).toEqual(UNTOUCHED);
    });

    it("lets this project's own model through, though it compresses like a bomb", async () => {
      const model = saveTinySentimentModel();
      try {
        const archive = await packFolder(model);
        expect(statSync(join(model, "weights.bin")).size / archive.length).toBeGreaterThan(200);
        await extractArchiveSafely("model", archive, dest);
      } finally {
        rmSync(model, { recursive: true, force: true });
      }
      expect(tree(dest)).toEqual(["config.json", "weights.bin"]);
    });

    it("refuses more entries than allowed, naming the first one over", async () => {
      const files = Array.from({ length: 11 }, (_, i) => ({
        path: `f${String(i + 1).padStart(2, "0")}`,
        body: "x",
      }));
      const error = await refusal(
        extractArchiveSafely("source", rawArchive(files), dest, { limits: { maxEntries: 10 } }),
      );
      expect(error.message).toMatch(/^The source archive has more than 10 entries \("f11" is entry 11\)/);
      expect(error.message).toContain("LOCAL_SAGEMAKER_ARCHIVE_MAX_ENTRIES is 10");
      expect(tree(dest)).toEqual([]);
    });

    it("refuses an archive that expands to more bytes than allowed", async () => {
      const archive = rawArchive([
        { path: "small.txt", body: "x" },
        { path: "big.bin", body: randomBytes(3 * MiB) },
      ]);
      const error = await refusal(
        extractArchiveSafely("model", archive, dest, { limits: { maxBytes: MiB } }),
      );
      expect(error.message).toMatch(
        /^The model archive expands to more than 1 MiB .*while extracting "big\.bin"/,
      );
      expect(error.message).toContain(`LOCAL_SAGEMAKER_ARCHIVE_MAX_BYTES is ${MiB}`);
      expect(tree(dest)).toEqual([]);
    });

    it("says which setting is wrong when a limit is not a positive number", async () => {
      await expect(
        extractArchiveSafely("model", rawArchive([]), dest, { limits: { maxRatio: 0 } }),
      ).rejects.toThrow(/LOCAL_SAGEMAKER_ARCHIVE_MAX_RATIO must be a positive number \(got 0\)/);
    });
  });

  it.each<[string, () => Buffer]>([
    [
      "truncated",
      () => {
        const whole = rawArchive([
          { path: "a.txt", body: "a" },
          { path: "b.bin", body: randomBytes(64 * 1024) },
        ]);
        return whole.subarray(0, whole.length / 2);
      },
    ],
    [
      "corrupt",
      () => {
        const whole = Buffer.from(rawArchive([{ path: "a.txt", body: "a".repeat(64 * 1024) }]));
        whole.fill(0x55, 20, 60);
        return whole;
      },
    ],
    ["not an archive at all", () => gzipSync("just some text, not a tar")],
  ])("says a %s archive cannot be read", async (_label, archive) => {
    const error = await refusal(extractArchiveSafely("model", archive(), dest));
    expect(error.message).toMatch(/^The model archive cannot be read: /);
    expect(tree(dest)).toEqual([]);
  });

  it("keeps the event loop answering while a 200 MB archive extracts", async () => {
    // 200 files of 1 MiB: a random 16 KiB block repeated, so the archive compresses well but far below 200:1.
    const block = randomBytes(16 * 1024);
    const body = Buffer.concat(Array(64).fill(block));
    const entries = Array.from({ length: 200 }, (_, i) => ({ path: `shard-${i}/weights.bin`, body }));
    const archive = gzipSync(rawTar(entries), { level: 1 });

    let last = performance.now();
    let worstGap = 0;
    const ticker = setInterval(() => {
      const now = performance.now();
      worstGap = Math.max(worstGap, now - last);
      last = now;
    }, 20);
    const started = performance.now();
    const summary = await extractArchiveSafely("model", archive, dest).finally(() => clearInterval(ticker));
    const took = performance.now() - started;
    worstGap = Math.max(worstGap, performance.now() - last);

    expect(summary).toEqual({ entries: 200, bytes: 200 * MiB });
    const stalled = `the event loop stalled for ${worstGap.toFixed(0)} ms in ${took.toFixed(0)} ms`;
    expect(worstGap, stalled).toBeLessThan(200);
  });

  it("reports progress at most every 250 ms", async () => {
    // A slow upload: 30 chunks of 32 KiB, 25 ms apart, so the extraction lasts well over two intervals.
    const tar = rawTar(
      Array.from({ length: 30 }, (_, i) => ({ path: `part-${i}`, body: randomBytes(32 * 1024 - 512) })),
    );
    async function* slowly(): AsyncGenerator<Buffer> {
      for (let at = 0; at < tar.length; at += 32 * 1024) {
        await new Promise((resolve) => setTimeout(resolve, 25));
        yield tar.subarray(at, at + 32 * 1024);
      }
    }
    const progress: { at: number; entries: number; bytes: number }[] = [];
    const summary = await extractArchiveSafely("source", Readable.from(slowly()), dest, {
      onProgress: (entries, bytes) => progress.push({ at: performance.now(), entries, bytes }),
    });
    expect(summary).toEqual({ entries: 30, bytes: 30 * (32 * 1024 - 512) });
    expect(progress.length).toBeGreaterThanOrEqual(2);
    progress.slice(1).forEach((after, i) => {
      const before = progress[i] as (typeof progress)[0];
      expect(after.at - before.at).toBeGreaterThan(150);
      expect(after.entries).toBeGreaterThan(before.entries);
      expect(after.bytes).toBeGreaterThan(before.bytes);
    });
    expect(progress.at(-1)?.bytes).toBeLessThanOrEqual(summary.bytes);
  });
});

describe("packFolder", () => {
  it("packs the folder's contents, storing links as links and never reading through them", async () => {
    writeFileSync(join(outside, "secret.txt"), "top secret");
    const folder = join(root, "model");
    mkdirSync(join(folder, "sub"), { recursive: true });
    writeFileSync(join(folder, "a.txt"), "a");
    writeFileSync(join(folder, "sub", "b.txt"), "b");
    symlinkSync("b.txt", join(folder, "sub", "inner"));
    symlinkSync(join("..", "outside", "secret.txt"), join(folder, "leak"));
    symlinkSync(outside, join(folder, "everything"));

    const entries: Record<string, string> = {};
    const parser = new tar.Parser({
      onReadEntry: (entry) => {
        let body = "";
        entry.on("data", (chunk: Buffer) => {
          body += chunk.toString();
        });
        entry.on("end", () => {
          entries[entry.path] = entry.type === "SymbolicLink" ? `-> ${entry.linkpath}` : body;
        });
      },
    });
    const packed = await packFolder(folder);
    await new Promise((resolve) => {
      parser.on("end", resolve);
      parser.end(packed);
    });
    expect(entries).toEqual({
      "a.txt": "a",
      "sub/": "",
      "sub/b.txt": "b",
      "sub/inner": "-> b.txt",
      leak: "-> ../outside/secret.txt",
      everything: `-> ${outside}`,
    });
  });

  it("packs an empty folder as an empty archive", async () => {
    const folder = join(root, "empty");
    mkdirSync(folder);
    expect(folderIsEmpty(folder)).toBe(true);
    expect(folderIsEmpty(join(root, "missing"))).toBe(true);
    await extractArchiveSafely("model", await packFolder(folder), dest);
    expect(tree(dest)).toEqual([]);
  });
});
