// The decoded-image cache: a round trip gives the same bytes; a changed source, a damaged file or another
// format is a miss (decoded again), never wrong data; an unwritable folder only costs the cache.
import assert from "node:assert/strict";
import { readdirSync, truncateSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { cachePath, readImageCache, sourceSignature, writeImageCache } from "../../src/data/image-cache.js";
import { tempDir } from "../app/helpers.js";

function images(count: number): { images: Uint8Array; labels: Uint8Array; count: number } {
  return {
    images: Uint8Array.from({ length: count * 784 }, (_, i) => (i * 31) & 255),
    labels: Uint8Array.from({ length: count }, (_, i) => i % 10),
    count,
  };
}

function sourceFile(dir: string): string {
  const file = join(dir, "train-images-idx3-ubyte");
  writeFileSync(file, "source bytes");
  return file;
}

test("a cached set reads back byte for byte, under a name that depends on the source", () => {
  const dir = tempDir();
  const signature = sourceSignature([sourceFile(dir)]);
  const path = cachePath(join(dir, "processed"), "mnist", signature);
  assert.match(path, /processed\/kiln-mnist-[0-9a-f]{16}\.u8$/);
  assert.notEqual(path, cachePath(join(dir, "processed"), "mnist", `${signature} `));
  assert.equal(readImageCache(path, signature), null);
  const data = images(2500);
  assert.equal(writeImageCache(path, signature, data), true);
  const back = readImageCache(path, signature);
  assert.ok(back !== null);
  assert.equal(back.count, 2500);
  assert.deepEqual(back.labels, data.labels);
  assert.deepEqual(back.images, data.images);
  assert.deepEqual(readdirSync(join(dir, "processed")), [path.split("/").pop()]); // no temporary file left
});

test("a changed source, a truncated file or a foreign file is a miss", () => {
  const dir = tempDir();
  const source = sourceFile(dir);
  const signature = sourceSignature([source]);
  const path = join(dir, "cache.u8");
  assert.equal(writeImageCache(path, signature, images(2000)), true);
  utimesSync(source, new Date(2001, 1, 1), new Date(2001, 1, 1));
  const changed = sourceSignature([source]);
  assert.notEqual(changed, signature);
  assert.equal(readImageCache(path, changed), null);
  assert.ok(readImageCache(path, signature) !== null);
  truncateSync(path, 5000);
  assert.equal(readImageCache(path, signature), null);
  writeFileSync(path, "not a cache file at all");
  assert.equal(readImageCache(path, signature), null);
});

test("small sets are not cached; an unwritable folder is not an error", () => {
  const dir = tempDir();
  const signature = sourceSignature([sourceFile(dir)]);
  assert.equal(writeImageCache(join(dir, "small.u8"), signature, images(100)), false);
  assert.deepEqual(readdirSync(dir), ["train-images-idx3-ubyte"]);
  // A folder that cannot be made (a file is in the way; root could write into a read-only folder).
  const blocked = join(dir, "train-images-idx3-ubyte", "processed", "x.u8");
  assert.equal(writeImageCache(blocked, signature, images(2000)), false);
  assert.deepEqual(readdirSync(dir), ["train-images-idx3-ubyte"]);
});
