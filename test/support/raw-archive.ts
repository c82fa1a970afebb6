import { gzipSync } from "node:zlib";
import * as tar from "tar";

/** A hand-written tar.gz whose entries node-tar would never create: for the malicious-archive tests. */
export function rawArchive(
  entries: { path: string; type?: "File" | "SymbolicLink" | "Link"; body?: string; linkpath?: string }[],
): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const body = Buffer.from(entry.body ?? "");
    const header = new tar.Header({
      path: entry.path,
      mode: 0o644,
      size: entry.type && entry.type !== "File" ? 0 : body.length,
      type: entry.type ?? "File",
      linkpath: entry.linkpath,
      mtime: new Date(0),
    });
    const block = Buffer.alloc(512);
    header.encode(block, 0);
    blocks.push(block);
    if (!entry.type || entry.type === "File") {
      blocks.push(body, Buffer.alloc((512 - (body.length % 512)) % 512));
    }
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}
