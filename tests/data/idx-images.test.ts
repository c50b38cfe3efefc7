// The lean reader of (Fashion-)MNIST's four IDX files: raw and gzipped files give the same bytes as the general
// IDX reader, train then test; malformed files are errors naming the file and the defect.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { gzipSync } from "node:zlib";
import { readByteIdx, readIdxImages } from "../../src/data/idx-images.js";
import { locateIdxFiles } from "../../src/data/mnist-files.js";
import { readIdx } from "../../src/torch/data/idx.js";
import { NO_TINY_DATA, tempDir, writeTinyIdx } from "../app/helpers.js";

test("train then test images and labels, equal to the general IDX reader's; .gz read the same", {
  skip: NO_TINY_DATA ?? false,
}, () => {
  const dir = writeTinyIdx(join(tempDir(), "raw"), 30, 12);
  // One file gzipped: the reader recognises gzip by its content.
  const trainImages = join(dir, "train-images-idx3-ubyte");
  writeFileSync(`${trainImages}.gz`, gzipSync(readFileSync(trainImages)));
  const { files, missing } = locateIdxFiles("fashion_mnist", dir);
  assert.deepEqual(missing, []);
  const got = readIdxImages("fashion_mnist", files);
  assert.equal(got.count, 42);
  const part = (name: string) => readIdx(join(dir, name)).data as Uint8Array;
  const want = [...part("train-images-idx3-ubyte"), ...part("t10k-images-idx3-ubyte")];
  assert.deepEqual(Array.from(got.images), want);
  assert.deepEqual(Array.from(got.labels), [
    ...part("train-labels-idx1-ubyte"),
    ...part("t10k-labels-idx1-ubyte"),
  ]);
  assert.deepEqual(
    Array.from(readByteIdx(`${trainImages}.gz`).data),
    Array.from(part("train-images-idx3-ubyte")),
  );
});

test("malformed files name the file and the defect", () => {
  const dir = tempDir();
  const write = (name: string, bytes: number[]) => {
    const path = join(dir, name);
    writeFileSync(path, Uint8Array.from(bytes));
    return path;
  };
  const cases: Array<[number[], RegExp]> = [
    [[0x50, 0x4b, 0x03, 0x04], /does not start with an IDX magic number/],
    [[0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0, 0], /holds type 0xd, not uint8/],
    [[0, 0, 8, 3, 0, 0], /truncated header \(3 dimensions\)/],
    [[0, 0, 8, 1, 0, 0, 0, 3, 7, 7], /shape \[3\] needing 3 data bytes, but 2 follow the header/],
    [[0, 0, 8, 1, 0, 0, 0, 1, 7, 7], /needing 1 data bytes, but 2 follow/],
    [[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3], /is not valid gzip data/],
  ];
  cases.forEach(([bytes, message], i) => {
    const path = write(`bad-${i}`, bytes);
    assert.throws(
      () => readByteIdx(path),
      (e: Error) => {
        assert.match(e.message, message);
        assert.ok(e.message.includes(path), e.message);
        return true;
      },
    );
  });
});

test("images that are not 28x28, or labels that do not match the images, are errors", {
  skip: NO_TINY_DATA ?? false,
}, () => {
  const dir = writeTinyIdx(join(tempDir(), "raw"), 5, 3);
  const { files } = locateIdxFiles("fashion_mnist", dir);
  const labels = join(dir, "t10k-labels-idx1-ubyte");
  writeFileSync(labels, Uint8Array.from([0, 0, 8, 1, 0, 0, 0, 2, 1, 2]));
  assert.throws(() => readIdxImages("fashion_mnist", files), /has 2 labels for 3 images/);
  const images = join(dir, "t10k-images-idx3-ubyte");
  writeFileSync(images, Uint8Array.from([0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 1, 9, 9]));
  assert.throws(
    () => readIdxImages("fashion_mnist", files),
    /holds images of shape \[2,1\], not uint8 28x28/,
  );
});
