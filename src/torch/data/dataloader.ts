// DataLoader: batches of a map-style dataset, in order or shuffled, with PyTorch's option names and its exact
// use of random numbers (a seed gives the same batches as PyTorch's DataLoader). Over a TensorDataset (or
// Subsets of one) each batch is one narrow of the epoch's row order (an int64 tensor made once per epoch) and one
// native index_select per tensor; other datasets are read sample by sample and collated. With num_workers > 0,
// getItem and collate_fn run in worker threads (worker-pool.ts), as PyTorch's worker processes.
import { arange, fromTypedArray } from "../creation.js";
import { drawSeed, Generator, randpermWith } from "../generator.js";
import "../ops/shape.js";
import { cuda } from "../runtime.js";
import { keep, tidy } from "../scope.js";
import type { Tensor } from "../tensor.js";
import { type Collated, defaultCollate } from "./collate.js";
import { type Dataset, type TensorRows, tensorRowsOf } from "./dataset.js";
import { pinBatch } from "./pin-memory.js";
import { WorkerPool } from "./worker-pool.js";

/** DataLoader options (PyTorch's names). */
export interface DataLoaderOptions<T, B> {
  dataset: Dataset<T>;
  /** Samples per batch (default 1). */
  batch_size?: number;
  /** Reshuffle at every epoch (default false). */
  shuffle?: boolean;
  /** Drop the last batch when it would be smaller than batch_size (default false). */
  drop_last?: boolean;
  /** Generator for the shuffle (default: a fresh seed drawn from the global generator each epoch). */
  generator?: Generator;
  /** Builds a batch from a list of samples (default: defaultCollate). */
  collate_fn?: (samples: T[]) => B;
  /**
   * Worker threads that read and collate batches (default 0: the main thread does). The dataset, collate_fn and
   * worker_init_fn are rebuilt in each worker: Kiln's classes are known there, register yours with
   * registerForWorkers(cls, import.meta.url).
   */
  num_workers?: number;
  /** Batches each worker prepares ahead (default 2 with workers; only with num_workers > 0). */
  prefetch_factor?: number | null;
  /** Keep the workers (and their generators) from one epoch to the next (default false). */
  persistent_workers?: boolean;
  /** Called in each worker with its id after seeding, before its first batch (register it for workers). */
  worker_init_fn?: ((workerId: number) => void) | null;
  /** Copy batches into page-locked memory for faster host-to-GPU copies (CUDA only; default false). */
  pin_memory?: boolean;
  /** Seconds to wait for a batch from the workers before failing; 0 waits for ever (default 0). */
  timeout?: number;
}

/**
 * Iterates over batches of a dataset: `for (const [x, y] of new DataLoader({dataset, batch_size: 128,
 * shuffle: true}))`. Every batch is made of new tensors that the consumer owns: dispose them after use (or
 * iterate inside torch.tidy, or wrap each step in one). The loader keeps no tensors between batches.
 */
export class DataLoader<T = unknown, B = Collated<T>> implements Iterable<B> {
  readonly dataset: Dataset<T>;
  readonly batch_size: number;
  readonly shuffle: boolean;
  readonly drop_last: boolean;
  readonly generator: Generator | undefined;
  readonly collate_fn: ((samples: T[]) => B) | undefined;
  readonly num_workers: number;
  readonly prefetch_factor: number | null;
  readonly persistent_workers: boolean;
  readonly worker_init_fn: ((workerId: number) => void) | null;
  readonly pin_memory: boolean;
  readonly timeout: number;
  #pool: WorkerPool | null = null;

  /** A loader over `opts.dataset`; see DataLoaderOptions for the defaults. */
  constructor(opts: DataLoaderOptions<T, B>) {
    const batchSize = opts.batch_size ?? 1;
    if (!Number.isInteger(batchSize) || batchSize <= 0) {
      throw new RangeError(`batch_size should be a positive integer value, but got batch_size=${batchSize}`);
    }
    const workers = checkWorkerOptions(opts);
    this.num_workers = workers.num_workers;
    this.prefetch_factor = workers.prefetch_factor;
    this.persistent_workers = opts.persistent_workers ?? false;
    this.worker_init_fn = opts.worker_init_fn ?? null;
    this.pin_memory = opts.pin_memory ?? false;
    this.timeout = opts.timeout ?? 0;
    this.dataset = opts.dataset;
    this.batch_size = batchSize;
    this.shuffle = opts.shuffle ?? false;
    this.drop_last = opts.drop_last ?? false;
    this.generator = opts.generator;
    this.collate_fn = opts.collate_fn;
  }

  /** Number of batches per epoch. */
  get length(): number {
    const n = this.dataset.length;
    return this.drop_last ? Math.floor(n / this.batch_size) : Math.ceil(n / this.batch_size);
  }

  /** One epoch of batches (a new shuffle each time when shuffle is on). */
  *[Symbol.iterator](): Iterator<B> {
    // PyTorch's iterator draws a base seed (for worker processes) from the loader's generator, or the global
    // one, at every epoch even without shuffling; drawing it too keeps every later random number in step. Only
    // persistent workers skip it after their first epoch: PyTorch then resets its iterator instead of making one.
    const reuse = this.#pool !== null;
    const baseSeed = reuse ? 0n : drawSeed(this.generator);
    const n = this.dataset.length;
    const rows = this.num_workers > 0 ? null : this.tensorRows();
    const pin = this.pin_memory && pinMemoryAvailable(this);
    const batches =
      this.num_workers > 0
        ? this.#workerBatches(n, baseSeed)
        : rows
          ? this.#tensorBatches(rows, n)
          : this.#sampleBatches(n);
    if (pin) for (const batch of batches) yield pinBatch(batch);
    else yield* batches;
    // RandomSampler draws a second permutation when exhausted (for num_samples % n); PyTorch advances a
    // user generator by it at the end of each epoch, so we do too.
    if (this.shuffle && this.generator) randpermWith(n, { generator: this.generator }).dispose();
  }

  /**
   * The tensors whose rows are the samples (and the row of each sample, for Subsets), or null to read the
   * samples one by one and collate them. Subclasses that batch another view of the data override it.
   */
  protected tensorRows(): TensorRows | null {
    return this.collate_fn ? null : tensorRowsOf(this.dataset as Dataset<unknown>);
  }

  /** One batch from the tensors: `index[k]` (int64, on tensor k's device) holds the rows of tensor k. */
  protected takeBatch(tensors: Tensor[], index: Tensor[]): B {
    return tensors.map((t, k) => t.indexSelect(0, index[k]!)) as B;
  }

  // Batches of tensor rows: the epoch's rows in sampling order are one int64 tensor (per device), made once;
  // each batch is one narrow of it and one index op per tensor, with no index built in JS.
  *#tensorBatches(rows: TensorRows, n: number): IterableIterator<B> {
    // Kept: the first next() may run inside a consumer's tidy scope, which must not free the epoch's index.
    const epoch = keep(this.#epochRows(rows.rows, n));
    const devices = rows.tensors.map((t) => t.device);
    const byDevice = new Map<string, Tensor>([["cpu", epoch]]);
    try {
      for (const device of devices) if (!byDevice.has(device)) byDevice.set(device, keep(epoch.to(device)));
      const batches = this.length;
      for (let b = 0; b < batches; b++) {
        const start = b * this.batch_size;
        const size = Math.min(this.batch_size, n - start);
        yield tidy(() => {
          const slices = new Map<string, Tensor>();
          for (const [device, all] of byDevice) slices.set(device, all.narrow(0, start, size));
          return this.takeBatch(
            rows.tensors,
            devices.map((d) => slices.get(d)!),
          );
        });
      }
    } finally {
      for (const t of byDevice.values()) t.dispose();
    }
  }

  // The rows of one epoch in sampling order (int64, cpu): randperm(n) from the generator as RandomSampler draws
  // it, or 0..n-1, mapped through the Subset rows.
  #epochRows(rows: number[] | null, n: number): Tensor {
    return tidy(() => {
      const order = this.#permutation(n);
      if (rows === null) return order ?? arange(n, undefined, 1, { dtype: "int64" });
      const all = rowsTensor(rows);
      return order ? all.indexSelect(0, order) : all.clone();
    });
  }

  // randperm(n) as RandomSampler draws it (null without shuffle).
  #permutation(n: number): Tensor | null {
    if (!this.shuffle) return null;
    const generator = this.generator ?? new Generator().manualSeed(drawSeed());
    return randpermWith(n, { generator });
  }

  // The epoch's sample order as numbers (null: 0..n-1).
  #order(n: number): BigInt64Array | null {
    const perm = this.#permutation(n);
    if (!perm) return null;
    try {
      return perm.toTypedArray() as BigInt64Array;
    } finally {
      perm.dispose();
    }
  }

  // Batches of samples read one by one and collated.
  *#sampleBatches(n: number): IterableIterator<B> {
    const order = this.#order(n);
    const batches = this.length;
    for (let b = 0; b < batches; b++) {
      const start = b * this.batch_size;
      yield this.#collateSamples(order, start, Math.min(start + this.batch_size, n));
    }
  }

  // Batches read and collated by the worker threads, prefetch_factor per worker ahead, in order.
  *#workerBatches(n: number, baseSeed: bigint): IterableIterator<B> {
    const pool =
      this.#pool ??
      new WorkerPool({
        numWorkers: this.num_workers,
        dataset: this.dataset,
        collate: this.collate_fn,
        initFn: this.worker_init_fn,
        baseSeed,
        timeout: this.timeout,
      });
    if (this.persistent_workers) this.#pool = pool;
    let completed = false;
    try {
      const order = this.#order(n);
      const batches = this.length;
      const indicesOf = (b: number): number[] => {
        const out: number[] = [];
        for (let k = b * this.batch_size; k < Math.min((b + 1) * this.batch_size, n); k++) {
          out.push(order ? Number(order[k]) : k);
        }
        return out;
      };
      let sent = 0;
      for (; sent < Math.min(this.prefetch_factor! * pool.size, batches); sent++)
        pool.send(sent, indicesOf(sent));
      for (let b = 0; b < batches; b++) {
        const batch = pool.receive(b) as B;
        // As PyTorch's _process_data: the next task goes out before this batch is handed over.
        if (sent < batches) pool.send(sent, indicesOf(sent++));
        yield batch;
      }
      completed = true;
    } finally {
      if (!this.persistent_workers) pool.stop();
      else if (!completed) {
        try {
          pool.flush();
        } catch {
          this.shutdownWorkers();
        }
      }
    }
  }

  /** Stops persistent workers now (they are unref'd, so they never keep the process alive). */
  shutdownWorkers(): void {
    this.#pool?.stop();
    this.#pool = null;
  }

  #collateSamples(order: BigInt64Array | null, start: number, end: number): B {
    return tidy(() => {
      const samples: T[] = [];
      for (let k = start; k < end; k++) samples.push(this.dataset.getItem(order ? Number(order[k]) : k));
      return this.collate_fn ? this.collate_fn(samples) : (defaultCollate(samples) as B);
    });
  }
}

// PyTorch's DataLoader argument checks, with its messages; the effective num_workers and prefetch_factor.
function checkWorkerOptions(
  opts: Pick<
    DataLoaderOptions<unknown, unknown>,
    "num_workers" | "prefetch_factor" | "persistent_workers" | "timeout"
  >,
): {
  num_workers: number;
  prefetch_factor: number | null;
} {
  const numWorkers = opts.num_workers ?? 0;
  if (!Number.isInteger(numWorkers) || numWorkers < 0) {
    throw new RangeError(
      "num_workers option should be non-negative; use num_workers=0 to disable multiprocessing " +
        `(got num_workers=${numWorkers})`,
    );
  }
  if ((opts.timeout ?? 0) < 0) throw new RangeError("timeout option should be non-negative");
  let prefetch = opts.prefetch_factor ?? null;
  if (numWorkers === 0 && prefetch !== null) {
    throw new RangeError(
      "prefetch_factor option could only be specified in multiprocessing.let num_workers > 0 to enable " +
        "multiprocessing, otherwise set prefetch_factor to None.",
    );
  }
  if (numWorkers > 0 && prefetch === null) prefetch = 2;
  if (prefetch !== null && !(Number.isInteger(prefetch) && prefetch > 0)) {
    throw new RangeError(`prefetch_factor must be a positive integer with workers, got ${prefetch}`);
  }
  if (opts.persistent_workers && numWorkers === 0) {
    throw new RangeError("persistent_workers option needs num_workers > 0");
  }
  return { num_workers: numWorkers, prefetch_factor: prefetch };
}

const warnedNoPin = new WeakSet<object>();

// PyTorch pins only where an accelerator exists, and warns (once per loader here) otherwise.
function pinMemoryAvailable(loader: object): boolean {
  if (cuda.isAvailable()) return true;
  if (!warnedNoPin.has(loader)) {
    warnedNoPin.add(loader);
    process.emitWarning(
      "'pin_memory' argument is set as true but no accelerator is found, then device pinned memory won't be used.",
    );
  }
  return false;
}

// The int64 tensor of a rows array, made once per array (the arrays are fixed: tensorRowsOf caches them) and
// kept; it is freed by the GC safety net with its array.
const rowsTensors = new WeakMap<number[], Tensor>();
function rowsTensor(rows: number[]): Tensor {
  let t = rowsTensors.get(rows);
  if (t === undefined || t.isDisposed) {
    t = keep(fromTypedArray(Float64Array.from(rows), [rows.length], { dtype: "int64" }));
    rowsTensors.set(rows, t);
  }
  return t;
}
