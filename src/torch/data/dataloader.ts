// DataLoader: batches of a map-style dataset, in order, shuffled, or in the order of a sampler (a
// DistributedSampler's share), with PyTorch's option names and its exact use of random numbers (a seed gives
// the same batches as PyTorch's DataLoader). Over a TensorDataset (or Subsets of one) each batch is one narrow
// of the epoch's row order (an int64 tensor made once per epoch) and one native index_select per tensor; other
// datasets are read sample by sample and collated.
import { arange, fromTypedArray } from "../creation.js";
import { drawSeed, Generator, randpermWith } from "../generator.js";
import "../ops/shape.js";
import { keep, tidy } from "../scope.js";
import type { Tensor } from "../tensor.js";
import { type Collated, defaultCollate } from "./collate.js";
import { type Dataset, type TensorRows, tensorRowsOf } from "./dataset.js";

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
  /** The dataset indices of each epoch, in order (e.g. a DistributedSampler); excludes `shuffle`. */
  sampler?: Sampler;
}

/** Which dataset indices an epoch reads, in which order (PyTorch's Sampler for map-style datasets). */
export interface Sampler {
  /** Indices per epoch. */
  readonly length: number;
  /** The indices of the next epoch. */
  indices(): number[];
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
  readonly sampler: Sampler | undefined;
  readonly #options: DataLoaderOptions<T, B>;

  /** A loader over `opts.dataset`; see DataLoaderOptions for the defaults. */
  constructor(opts: DataLoaderOptions<T, B>) {
    const batchSize = opts.batch_size ?? 1;
    if (!Number.isInteger(batchSize) || batchSize <= 0) {
      throw new RangeError(`batch_size should be a positive integer value, but got batch_size=${batchSize}`);
    }
    if (opts.sampler !== undefined && opts.shuffle) {
      throw new Error("DataLoader: sampler option is mutually exclusive with shuffle");
    }
    this.#options = { ...opts };
    this.sampler = opts.sampler;
    this.dataset = opts.dataset;
    this.batch_size = batchSize;
    this.shuffle = opts.shuffle ?? false;
    this.drop_last = opts.drop_last ?? false;
    this.generator = opts.generator;
    this.collate_fn = opts.collate_fn;
  }

  /** Number of batches per epoch. */
  get length(): number {
    const n = this.sampler?.length ?? this.dataset.length;
    return this.drop_last ? Math.floor(n / this.batch_size) : Math.ceil(n / this.batch_size);
  }

  /**
   * A loader of the same class and options that reads the epochs in `sampler`'s order (how Lightning gives
   * each rank its share: it builds the user's DataLoader again with a DistributedSampler). A subclass whose
   * constructor takes other arguments overrides it.
   */
  withSampler(sampler: Sampler): this {
    const Loader = this.constructor as new (opts: DataLoaderOptions<T, B>) => this;
    return new Loader({ ...this.#options, shuffle: false, sampler });
  }

  /** One epoch of batches (a new shuffle each time when shuffle is on). */
  *[Symbol.iterator](): Iterator<B> {
    // PyTorch's iterator draws a base seed (for worker processes) from the loader's generator, or the global
    // one, at every epoch even without shuffling; drawing it too keeps every later random number in step.
    drawSeed(this.generator);
    const order = this.sampler?.indices() ?? null;
    const n = order?.length ?? this.dataset.length;
    const rows = this.tensorRows();
    if (rows) yield* this.#tensorBatches(rows, n, order);
    else yield* this.#sampleBatches(n, order);
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
  *#tensorBatches(rows: TensorRows, n: number, order: number[] | null): IterableIterator<B> {
    // Kept: the first next() may run inside a consumer's tidy scope, which must not free the epoch's index.
    const epoch = keep(this.#epochRows(rows.rows, n, order));
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

  // The rows of one epoch in sampling order (int64, cpu): the sampler's indices, randperm(n) from the generator
  // as RandomSampler draws it, or 0..n-1, mapped through the Subset rows.
  #epochRows(rows: number[] | null, n: number, sampled: number[] | null): Tensor {
    return tidy(() => {
      const order =
        sampled !== null
          ? fromTypedArray(Float64Array.from(sampled), [sampled.length], { dtype: "int64" })
          : this.#permutation(n);
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

  // Batches of samples read one by one and collated.
  *#sampleBatches(n: number, sampled: number[] | null): IterableIterator<B> {
    const perm = sampled === null ? this.#permutation(n) : null;
    let order: ArrayLike<number | bigint> | null = sampled;
    if (perm) {
      try {
        order = perm.toTypedArray() as BigInt64Array;
      } finally {
        perm.dispose();
      }
    }
    const batches = this.length;
    for (let b = 0; b < batches; b++) {
      const start = b * this.batch_size;
      yield this.#collateSamples(order, start, Math.min(start + this.batch_size, n));
    }
  }

  #collateSamples(order: ArrayLike<number | bigint> | null, start: number, end: number): B {
    return tidy(() => {
      const samples: T[] = [];
      for (let k = start; k < end; k++) samples.push(this.dataset.getItem(order ? Number(order[k]) : k));
      return this.collate_fn ? this.collate_fn(samples) : (defaultCollate(samples) as B);
    });
  }
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
