// Images held as bytes and normalised per batch must give the model exactly what normalising the whole set up
// front gave: the same float32 bits, the same batches in the same order, the same random numbers drawn.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ImageBatchLoader, NormalizedImages, normalizeBytes } from "../../src/data/byte-images.js";
import { fromTypedArray } from "../../src/torch/creation.js";
import { DataLoader } from "../../src/torch/data/dataloader.js";
import { Subset, TensorDataset } from "../../src/torch/data/dataset.js";
import { randomSplit } from "../../src/torch/data/random-split.js";
import { Generator } from "../../src/torch/generator.js";
import { manualSeed } from "../../src/torch/runtime.js";
import type { Tensor } from "../../src/torch/tensor.js";

const NORM = { mean: 0.1307, std: 0.3081 };

/** torchvision's ToTensor + Normalize in float32 steps: what the datamodule computed for every pixel before. */
function reference(b: number): number {
  const f = Math.fround;
  return f(f(f(b / 255) - f(NORM.mean)) / f(NORM.std));
}

/** `n` seeded pseudo-random 2x2 "images" as bytes, and labels 0..9. */
function byteData(n: number): { images: Uint8Array; labels: BigInt64Array } {
  let s = 7;
  const images = Uint8Array.from({ length: n * 4 }, () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s >> 23;
  });
  return { images, labels: BigInt64Array.from({ length: n }, (_, i) => BigInt(i % 10)) };
}

function bits(t: Tensor): number[] {
  const a = t.toTypedArray();
  return Array.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
}

test("normalizeBytes gives the float32 ToTensor + Normalize value of every grey level, bit for bit", () => {
  const levels = Uint8Array.from({ length: 256 }, (_, i) => i);
  const bytes = fromTypedArray(levels, [256]);
  const x = normalizeBytes(bytes, NORM);
  assert.equal(x.dtype, "float32");
  assert.equal(bytes.dtype, "uint8"); // the bytes are left as they were
  assert.deepEqual(Array.from(x.toTypedArray() as Float32Array), Array.from(levels, reference));
  x.dispose();
  bytes.dispose();
});

test("ImageBatchLoader: the batches (values, order, random draws) of a DataLoader over float32 images", () => {
  const n = 300;
  const { images, labels } = byteData(n);
  const floats = Float32Array.from(images, reference);
  const xBytes = fromTypedArray(images, [n, 1, 2, 2]);
  const xFloat = fromTypedArray(floats, [n, 1, 2, 2]);
  const y = fromTypedArray(labels, [n]);
  const lengths = [250, 30, 20];
  const byteSplit = randomSplit(
    new NormalizedImages(xBytes, y, NORM),
    lengths,
    new Generator().manualSeed(42),
  );
  const floatSplit = randomSplit(new TensorDataset(xFloat, y), lengths, new Generator().manualSeed(42));
  const epochs = (loader: Iterable<Tensor[]>): number[][] => {
    manualSeed(123);
    const out: number[][] = [];
    for (let epoch = 0; epoch < 2; epoch++) {
      for (const [x, t] of loader) {
        assert.equal(x!.dtype, "float32");
        out.push(bits(x!), bits(t!));
        x!.dispose();
        t!.dispose();
      }
    }
    return out;
  };
  for (const [k, shuffle] of [
    [0, true],
    [1, false],
  ] as const) {
    const opts = { batch_size: 32, shuffle };
    const got = epochs(new ImageBatchLoader({ dataset: byteSplit[k]!, ...opts }));
    const want = epochs(new DataLoader({ dataset: floatSplit[k]!, ...opts }));
    assert.equal(got.length, want.length);
    assert.deepEqual(got, want);
  }
  // With a generator of its own, the loader advances it exactly as the float32 loader does.
  const g1 = new Generator().manualSeed(5);
  const g2 = new Generator().manualSeed(5);
  epochs(new ImageBatchLoader({ dataset: byteSplit[0]!, batch_size: 64, shuffle: true, generator: g1 }));
  epochs(new DataLoader({ dataset: floatSplit[0]!, batch_size: 64, shuffle: true, generator: g2 }));
  assert.equal(g1.initialSeed(), g2.initialSeed());
  const [a, b] = [g1, g2].map((g) => {
    const state = g.getState();
    const out = bits(state);
    state.dispose();
    return out;
  });
  assert.deepEqual(a, b);
  for (const t of [xBytes, xFloat, y]) t.dispose();
});

test("a plain DataLoader over NormalizedImages (as a Trainer may rebuild one) reads normalised samples", () => {
  const { images, labels } = byteData(10);
  const xBytes = fromTypedArray(images, [10, 1, 2, 2]);
  const y = fromTypedArray(labels, [10]);
  const subset = new Subset(new NormalizedImages(xBytes, y, NORM), [3, 1, 4]);
  const [sample, label] = subset.getItem(2);
  assert.deepEqual(
    Array.from(sample!.toTypedArray() as Float32Array),
    Array.from(images.subarray(16, 20), reference),
  );
  assert.equal(label!.item(), 4);
  sample!.dispose();
  label!.dispose();
  const [[x, t]] = [...new DataLoader<Tensor[], Tensor[]>({ dataset: subset, batch_size: 3 })];
  assert.deepEqual(x!.shape, [3, 1, 2, 2]);
  const want = [3, 1, 4].flatMap((i) => Array.from(images.subarray(4 * i, 4 * i + 4), reference));
  assert.deepEqual(Array.from(x!.toTypedArray() as Float32Array), want);
  assert.deepEqual(Array.from(t!.toTypedArray() as BigInt64Array), [3n, 1n, 4n]);
  for (const tensor of [x!, t!, xBytes, y]) tensor.dispose();
});

test("ImageBatchLoader refuses datasets that are not byte images; NormalizedImages refuses float images", () => {
  const f = fromTypedArray(new Float32Array(4), [4]);
  assert.throws(() => new NormalizedImages(f, f, NORM), /needs uint8 images, got float32/);
  assert.throws(
    () => new ImageBatchLoader({ dataset: new TensorDataset(f), batch_size: 2 }),
    /needs NormalizedImages or a Subset of it/,
  );
  f.dispose();
});
