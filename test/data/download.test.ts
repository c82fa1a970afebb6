import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  downloadVerified,
  fetchNsmc,
  NSMC_FILES,
  NsmcUnavailableError,
  verifyChecksum,
} from "../../src/data";
import { useTempDir, writeIn } from "./helpers";

const tempDir = useTempDir();
const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");

const body = Buffer.from("id\tdocument\tlabel\n1\t재밌다\t1\n".repeat(2000));
let server: Server;
let baseUrl: string;
/** A loopback port nobody listens on: connections are refused at once, like an offline machine's. */
let refusedUrl: string;

beforeAll(async () => {
  // A local stand-in for the file host: /good serves `body`, /cut promises more bytes than it sends.
  server = createServer((request, response) => {
    if (request.url === "/good" || request.url === "/ratings_train.txt") {
      response.writeHead(200, { "content-length": body.length });
      response.end(body);
    } else if (request.url === "/cut") {
      response.writeHead(200, { "content-length": body.length * 2 });
      response.write(body);
      setTimeout(() => response.destroy(), 20);
    } else if (request.url === "/stall") {
      response.writeHead(200, { "content-length": body.length });
      response.write(body.subarray(0, 100));
    } else {
      response.writeHead(404).end("not found");
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
  refusedUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
  await new Promise((resolve) => closed.close(resolve));
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe("verifyChecksum", () => {
  it("says ok, mismatch (with the digest seen) or missing", async () => {
    const dir = tempDir();
    const file = writeIn(dir, "f.txt", "hello");
    expect(await verifyChecksum(file, sha256("hello"))).toEqual({ verdict: "ok", actual: sha256("hello") });
    expect(await verifyChecksum(file, sha256("other"))).toEqual({
      verdict: "mismatch",
      actual: sha256("hello"),
    });
    expect(await verifyChecksum(join(dir, "none.txt"), sha256("hello"))).toEqual({ verdict: "missing" });
  });
});

describe("downloadVerified", () => {
  it("saves the file when the checksum matches, reporting progress", async () => {
    const target = join(tempDir(), "sub", "file.txt");
    const seen: number[] = [];
    await downloadVerified(`${baseUrl}/good`, target, sha256(body), {
      onProgress: (p) => seen.push(p.received),
    });
    expect(readFileSync(target).equals(body)).toBe(true);
    expect(seen.at(-1)).toBe(body.length);
    expect(readdirSync(join(target, ".."))).toEqual(["file.txt"]);
  });

  it("a checksum mismatch leaves no file and keeps an existing good one", async () => {
    const dir = tempDir();
    const target = join(dir, "file.txt");
    const attempt = downloadVerified(`${baseUrl}/good`, target, sha256("something else"));
    await expect(attempt).rejects.toThrow(NsmcUnavailableError);
    await expect(attempt).rejects.toThrow(
      /does not have the expected content: SHA-256 [0-9a-f]{64}, expected/,
    );
    expect(readdirSync(dir)).toEqual([]);
    writeFileSync(target, "old");
    await expect(downloadVerified(`${baseUrl}/good`, target, sha256("x"))).rejects.toThrow(/expected/);
    expect(readFileSync(target, "utf8")).toBe("old");
    expect(readdirSync(dir)).toEqual(["file.txt"]);
  });

  it("a connection cut mid-file, a stall, an HTTP error or an unreachable host leave no file", async () => {
    const dir = tempDir();
    const target = join(dir, "file.txt");
    await expect(downloadVerified(`${baseUrl}/cut`, target, sha256(body))).rejects.toThrow(
      /broke off after \d+ bytes/,
    );
    await expect(
      downloadVerified(`${baseUrl}/stall`, target, sha256(body), { idleTimeoutMs: 300 }),
    ).rejects.toThrow(/no data for 0.3 s/);
    await expect(downloadVerified(`${baseUrl}/missing`, target, sha256(body))).rejects.toThrow(
      /answered HTTP 404/,
    );
    await expect(downloadVerified(`${refusedUrl}/x`, target, sha256(body))).rejects.toThrow(
      new RegExp(`Could not reach ${refusedUrl}/x \\(ECONNREFUSED`),
    );
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe("fetchNsmc", () => {
  it("offline: the message says how to fix it and that the labs fall back to the sample data", async () => {
    const root = tempDir();
    const attempt = fetchNsmc({ root, localDir: "", baseUrl: refusedUrl });
    await expect(attempt).rejects.toThrow(/ECONNREFUSED/);
    await expect(attempt).rejects.toThrow(/retry when online, or set NSMC_DIR/);
    await expect(attempt).rejects.toThrow(/fall back to the sample reviews in data\/sample/);
    expect(existsSync(join(root, "data", "nsmc", NSMC_FILES[0].name))).toBe(false);
  });

  it("refuses a served file whose checksum is not the pinned one, leaving data/nsmc without it", async () => {
    const root = tempDir();
    await expect(fetchNsmc({ root, localDir: "", baseUrl })).rejects.toThrow(
      /ratings_train\.txt does not have the expected content/,
    );
    expect(readdirSync(join(root, "data", "nsmc"))).toEqual([]);
  });

  it("NSMC_DIR: a missing file or a modified file is named with the fix", async () => {
    const dir = tempDir();
    await expect(fetchNsmc({ localDir: dir })).rejects.toThrow(
      /ratings_train\.txt is missing there. Point NSMC_DIR at a folder/,
    );
    for (const { name } of NSMC_FILES) writeIn(dir, name, "id\tdocument\tlabel\n");
    await expect(fetchNsmc({ localDir: dir })).rejects.toThrow(
      /ratings_train\.txt has SHA-256 [0-9a-f]{64}, expected e03b7d14/,
    );
  });

  it.skipIf(!process.env.NSMC_DIR)(
    "skips files already present with the right checksum (needs NSMC_DIR)",
    async () => {
      const nsmc = process.env.NSMC_DIR as string;
      const root = tempDir();
      mkdirSync(join(root, "data", "nsmc"), { recursive: true });
      for (const { name } of NSMC_FILES)
        writeFileSync(join(root, "data", "nsmc", name), readFileSync(join(nsmc, name)));
      const events: string[] = [];
      const location = await fetchNsmc({
        root,
        localDir: "",
        baseUrl: refusedUrl,
        onEvent: (e) => events.push(e.kind),
      });
      expect(events).toEqual(["present", "present"]);
      expect(location.source).toBe("data/nsmc");
    },
  );
});

describe.skipIf(!process.env.NSMC_DIR)(
  "fetchNsmc against a local copy of the file host (needs NSMC_DIR)",
  () => {
    it("downloads both files, verifies them against the pinned checksums, and reports progress", async () => {
      const nsmc = process.env.NSMC_DIR as string;
      const host = createServer((request, response) => {
        const name = NSMC_FILES.find((file) => request.url === `/e9t/${file.name}`)?.name;
        if (!name) return response.writeHead(404).end();
        const content = readFileSync(join(nsmc, name));
        response.writeHead(200, { "content-length": content.length });
        response.end(content);
      });
      await new Promise<void>((resolve) => host.listen(0, "127.0.0.1", resolve));
      try {
        const root = tempDir();
        const events: string[] = [];
        const location = await fetchNsmc({
          root,
          localDir: "",
          baseUrl: `http://127.0.0.1:${(host.address() as AddressInfo).port}/e9t/`,
          onEvent: (event) => {
            if (events.at(-1) !== event.kind) events.push(event.kind);
          },
        });
        expect(events).toEqual([
          "downloading",
          "progress",
          "downloaded",
          "downloading",
          "progress",
          "downloaded",
        ]);
        expect(location).toMatchObject({ source: "data/nsmc", dir: join(root, "data", "nsmc") });
        expect(readdirSync(location.dir).sort()).toEqual(["ratings_test.txt", "ratings_train.txt"]);
        for (const { name, sha256: expected } of NSMC_FILES) {
          expect((await verifyChecksum(join(location.dir, name), expected)).verdict).toBe("ok");
        }
      } finally {
        host.closeAllConnections();
        await new Promise((resolve) => host.close(resolve));
      }
    });
  },
);
