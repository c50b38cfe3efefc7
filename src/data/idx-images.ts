/**
 * (Fashion-)MNIST's four IDX files read into one byte array of images and one of labels (train then test, as
 * the template concatenates them), with the least memory: each file is gunzipped into a single buffer of its
 * exact size (gzip's trailer gives it; zlib otherwise gathers chunks and copies them once more), and the pixels
 * are copied once, into the joined array. The general IDX reader (src/torch/data/idx.ts) copies every element
 * again; for 55 MB of images that copy was a third of the loading's peak memory.
 */
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import type { ByteImages } from "./bundled-digits.js";
import { DATASETS, type DatasetName } from "./mnist-files.js";

/** The shape and the elements (a view into the file's bytes) of a uint8 IDX file. */
interface ByteIdx {
  shape: number[];
  data: Uint8Array;
}

function gunzipped(bytes: Uint8Array, path: string): Uint8Array {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  // ISIZE, the last 4 bytes of a gzip member: the uncompressed size modulo 2^32 (exact below 4 GiB).
  const size = new DataView(bytes.buffer, bytes.byteOffset + bytes.length - 4, 4).getUint32(0, true);
  try {
    return gunzipSync(bytes, { chunkSize: Math.max(size + 1, 1024) });
  } catch (e) {
    throw new Error(
      `IDX file '${path}' is not valid gzip data (${(e as Error).message}); the download may be incomplete`,
    );
  }
}

/** Reads a uint8 IDX file (raw or .gz); a malformed file is an error naming the file and the defect. */
export function readByteIdx(path: string): ByteIdx {
  const bytes = gunzipped(readFileSync(path), path);
  const fail = (what: string): never => {
    throw new Error(`IDX file '${path}' ${what}`);
  };
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) fail("does not start with an IDX magic number");
  if (bytes[2] !== 0x08)
    fail(`holds type 0x${bytes[2]!.toString(16)}, not uint8 (0x08) as (Fashion-)MNIST does`);
  const ndim = bytes[3]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (ndim === 0 || bytes.length < 4 + 4 * ndim) fail(`has a truncated header (${ndim} dimensions)`);
  const shape = Array.from({ length: ndim }, (_, i) => view.getUint32(4 + 4 * i));
  const count = shape.reduce((a, b) => a * b, 1);
  const actual = bytes.length - 4 - 4 * ndim;
  if (actual !== count) {
    fail(`has shape [${shape.join(", ")}] needing ${count} data bytes, but ${actual} follow the header`);
  }
  return { shape, data: bytes.subarray(4 + 4 * ndim) };
}

/** The train and test files of `dataset` (paths by base name) joined: train first, then test. */
export function readIdxImages(dataset: DatasetName, files: Readonly<Record<string, string>>): ByteImages {
  const d = DATASETS[dataset];
  // Labels first: they are small and give the image counts, so the joined array is allocated once.
  const labelParts = [d.train, d.test].map(([, lab]) => {
    const part = readByteIdx(files[lab.name]!);
    checkLabels(part.data, files[lab.name]!);
    return part;
  });
  const counts = labelParts.map((l) => l.shape[0]!);
  const count = counts[0]! + counts[1]!;
  const images = new Uint8Array(count * 784);
  const labels = new Uint8Array(count);
  let offset = 0;
  [d.train, d.test].forEach(([img, lab], k) => {
    const part = readByteIdx(files[img.name]!);
    const n = part.shape[0]!;
    if (part.shape.length !== 3 || part.shape[1] !== 28 || part.shape[2] !== 28) {
      throw new Error(`${files[img.name]} holds images of shape [${part.shape}], not uint8 28x28`);
    }
    if (n !== counts[k]) {
      throw new Error(`${files[lab.name]} has ${counts[k]} labels for ${n} images in ${files[img.name]}`);
    }
    images.set(part.data, offset * 784);
    labels.set(labelParts[k]!.data, offset);
    offset += n;
  });
  return { images, labels, count };
}

/** The classes of (Fashion-)MNIST: labels are 0 to 9. */
export const NUM_CLASSES = 10;

/**
 * Refuses a label outside [0, NUM_CLASSES) at load, naming the file: it would otherwise fail much later, mid-
 * training, inside cross-entropy, with nothing saying which file is wrong.
 */
export function checkLabels(labels: Uint8Array, file: string): void {
  for (let i = 0; i < labels.length; i++) {
    if (labels[i]! >= NUM_CLASSES) {
      throw new Error(
        `IDX file '${file}' holds label ${labels[i]} at index ${i}: labels must be in [0, ${NUM_CLASSES}) ` +
          "(the 10 classes of (Fashion-)MNIST). The file is corrupt or not a labels file: replace it.",
      );
    }
  }
}
