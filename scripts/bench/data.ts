// The benchmark's training data as two raw files that every side reads the same bytes from: x as float32
// [N, 784] (pixels standardised with the set's mean and std) and y as int64 [N]. Fashion-MNIST's 60,000 training
// images from Debian's dataset-fashion-mnist when installed, else a synthetic set of the same shape (said loudly).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";

// Debian's folder; KILN_FASHION_MNIST_DIR names another one holding the same IDX files.
export const FASHION_MNIST_DIR = process.env.KILN_FASHION_MNIST_DIR || "/usr/share/datasets/fashion-mnist";
const FEATURES = 784;

/** Where the raw files are and what they hold. */
export interface BenchData {
  /** "fashion_mnist" or "synthetic". */
  name: string;
  n: number;
  xPath: string;
  yPath: string;
}

/** Whether Debian's Fashion-MNIST files are installed. */
export function hasFashionMnist(): boolean {
  return existsSync(join(FASHION_MNIST_DIR, "train-images-idx3-ubyte.gz"));
}

/** The payload of an IDX file (gzipped or raw) after its magic and dimension header. */
function idxPayload(path: string): Buffer {
  const raw = readFileSync(path);
  const buf = path.endsWith(".gz") ? gunzipSync(raw) : raw;
  const dims = buf[3]!;
  return buf.subarray(4 + 4 * dims);
}

function fashionMnist(): { x: Float32Array; y: BigInt64Array } {
  const pixels = idxPayload(join(FASHION_MNIST_DIR, "train-images-idx3-ubyte.gz"));
  const labels = idxPayload(join(FASHION_MNIST_DIR, "train-labels-idx1-ubyte.gz"));
  let sum = 0;
  let sumSq = 0;
  for (const p of pixels) {
    sum += p;
    sumSq += p * p;
  }
  const mean = sum / pixels.length;
  const std = Math.sqrt(sumSq / pixels.length - mean * mean);
  const x = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) x[i] = (pixels[i]! - mean) / std;
  return { x, y: BigInt64Array.from(labels, (l) => BigInt(l)) };
}

/** A seeded 10-class set: a random prototype per class plus noise (mulberry32, so every run has the same bytes). */
function synthetic(n: number): { x: Float32Array; y: BigInt64Array } {
  let state = 12345;
  const rand = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const prototypes = Float32Array.from({ length: 10 * FEATURES }, () => rand() - 0.5);
  const x = new Float32Array(n * FEATURES);
  const y = new BigInt64Array(n);
  for (let i = 0; i < n; i++) {
    const c = Math.floor(rand() * 10);
    y[i] = BigInt(c);
    for (let j = 0; j < FEATURES; j++) x[i * FEATURES + j] = prototypes[c * FEATURES + j]! + rand() - 0.5;
  }
  return { x, y };
}

/** Writes (or reuses) the raw files in a temp folder; `synthetic` forces the stand-in. */
export function prepareData(opts: { synthetic?: boolean; dir?: string } = {}): BenchData {
  const real = !opts.synthetic && hasFashionMnist();
  const name = real ? "fashion_mnist" : "synthetic";
  const n = 60_000;
  const dir = opts.dir ?? join(tmpdir(), `kiln-bench-data-${name}`);
  const xPath = join(dir, "x.f32");
  const yPath = join(dir, "y.i64");
  if (!existsSync(xPath) || !existsSync(yPath)) {
    const { x, y } = real ? fashionMnist() : synthetic(n);
    mkdirSync(dir, { recursive: true });
    writeFileSync(xPath, new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
    writeFileSync(yPath, new Uint8Array(y.buffer, y.byteOffset, y.byteLength));
  }
  return { name, n, xPath, yPath };
}
