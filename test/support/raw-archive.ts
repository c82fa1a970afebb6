import { gzipSync } from "node:zlib";
import * as tar from "tar";

export interface RawEntry {
  path: string;
  type?: "File" | "Directory" | "SymbolicLink" | "Link" | "CharacterDevice" | "BlockDevice" | "FIFO";
  body?: string | Buffer;
  linkpath?: string;
  /** 0o644 unless given: setuid bits and the like are what the hostile tests are about. */
  mode?: number;
  uid?: number;
  gid?: number;
  /** The size the header claims, when it should differ from the body (a truncated or bomb entry). */
  size?: number;
}

/** A hand-written, uncompressed tar whose entries node-tar would never create. */
export function rawTar(entries: RawEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const type = entry.type ?? "File";
    const body =
      typeof entry.body === "string" || entry.body === undefined ? Buffer.from(entry.body ?? "") : entry.body;
    const header = new tar.Header({
      path: entry.path,
      mode: entry.mode ?? 0o644,
      uid: entry.uid ?? 0,
      gid: entry.gid ?? 0,
      size: entry.size ?? (type === "File" ? body.length : 0),
      type,
      linkpath: entry.linkpath,
      mtime: new Date(0),
    });
    const block = Buffer.alloc(512);
    // A path too long for the ustar header goes in a pax header before it, as real tars do.
    if (header.encode(block, 0))
      blocks.push(new tar.Pax({ path: entry.path, linkpath: entry.linkpath }).encode());
    blocks.push(block);
    if (type === "File") blocks.push(body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

/** The same, gzipped: what a user uploads as model.tar.gz or sourcedir.tar.gz. For the malicious-archive tests. */
export function rawArchive(entries: RawEntry[]): Buffer {
  return gzipSync(rawTar(entries));
}
