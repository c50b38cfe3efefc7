/**
 * A decoded copy of a dataset's images and labels (raw bytes, one file) under `<data_dir>/<Folder>/processed/`,
 * as torchvision once kept `processed/training.pt`. Reading it is one file read, against gunzipping the IDX
 * files (~0.8 s for Fashion-MNIST here) or parsing the 21 MB of JSON of the bundled digits (~0.7 s). The file
 * records what it was decoded from (paths, sizes and modification times): a changed source is decoded again.
 * The cache is best effort: a folder that cannot be written only costs the decoding on the next run.
 */
import { createHash } from "node:crypto";
import { closeSync, openSync, readSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { writeAll, writeAtomic } from "../common/files.js";
import type { ByteImages } from "./bundled-digits.js";

const MAGIC = "KILNIMG1";
// Below this many images decoding is quick, and tiny test sets would only litter the data folder.
const MIN_CACHED_IMAGES = 2000;

/** What a cache file was decoded from: each source file's resolved path, size and modification time. */
export function sourceSignature(files: readonly string[]): string {
  return JSON.stringify(
    files.map((f) => {
      const s = statSync(f);
      return [resolve(f), s.size, Math.trunc(s.mtimeMs)];
    }),
  );
}

/** The cache file for `signature` in `dir` (the name carries a hash of it: several sources can be cached). */
export function cachePath(dir: string, kind: string, signature: string): string {
  const hash = createHash("sha256").update(signature).digest("hex").slice(0, 16);
  return join(dir, `kiln-${kind}-${hash}.u8`);
}

interface Header {
  signature: string;
  count: number;
  pixels: number;
}

/** The cached images, or null when the file is absent, from another source, or damaged. */
export function readImageCache(path: string, signature: string): ByteImages | null {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return null;
  }
  try {
    const size = statSync(path).size;
    const head = Buffer.alloc(12);
    if (readSync(fd, head, 0, 12, 0) !== 12 || head.toString("latin1", 0, 8) !== MAGIC) return null;
    const headerLength = head.readUInt32LE(8);
    const headerBytes = Buffer.alloc(headerLength);
    if (readSync(fd, headerBytes, 0, headerLength, 12) !== headerLength) return null;
    const header = JSON.parse(headerBytes.toString("utf8")) as Header;
    const offset = 12 + headerLength;
    if (header.signature !== signature || size !== offset + header.count * (1 + header.pixels)) return null;
    // One buffer for labels and images: the image tensor shares it (no second copy of the pixels).
    const data = new Uint8Array(size - offset);
    let done = 0;
    while (done < data.length) {
      const n = readSync(fd, data, done, data.length - done, offset + done);
      if (n === 0) return null;
      done += n;
    }
    const labels = data.subarray(0, header.count);
    const images = data.subarray(header.count);
    return { images, labels, count: header.count };
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/** Writes the images to `path` (through a temporary file, so a reader never sees half a file); false on failure. */
export function writeImageCache(path: string, signature: string, data: ByteImages): boolean {
  if (data.count < MIN_CACHED_IMAGES) return false;
  const header = Buffer.from(
    JSON.stringify({ signature, count: data.count, pixels: data.images.length / data.count }),
  );
  const head = Buffer.alloc(12);
  head.write(MAGIC, 0, "latin1");
  head.writeUInt32LE(header.length, 8);
  try {
    writeAtomic(path, (fd) => {
      for (const part of [head, header, data.labels, data.images]) writeAll(fd, part);
    });
    return true;
  } catch {
    return false;
  }
}
