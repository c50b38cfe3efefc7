// DataLoader: batches of a map-style dataset, in order or shuffled, with PyTorch's option names and its exact
// use of random numbers (a seed gives the same batches as PyTorch's DataLoader). Over a TensorDataset (or
// Subsets of one) each batch is one native index_select per tensor; other datasets are read sample by sample
// and collated.
import { fromTypedArray } from "../creation.js";
import { drawSeed, Generator, randpermWith } from "../generator.js";
import "../ops/shape.js";
import { tidy } from "../scope.js";
import type { Tensor } from "../tensor.js";
import { type Collated, defaultCollate } from "./collate.js";
import { type Dataset, tensorRowsOf } from "./dataset.js";

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

  /** A loader over `opts.dataset`; see DataLoaderOptions for the defaults. */
  constructor(opts: DataLoaderOptions<T, B>) {
    const batchSize = opts.batch_size ?? 1;
    if (!Number.isInteger(batchSize) || batchSize <= 0) {
      throw new RangeError(`batch_size should be a positive integer value, but got batch_size=${batchSize}`);
    }
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
    // one, at every epoch even without shuffling; drawing it too keeps every later random number in step.
    drawSeed(this.generator);
    const n = this.dataset.length;
    const order = this.sampleOrder(n);
    const rows = !this.collate_fn ? tensorRowsOf(this.dataset as Dataset<unknown>) : null;
    const batches = this.length;
    for (let b = 0; b < batches; b++) {
      const start = b * this.batch_size;
      const end = Math.min(start + this.batch_size, n);
      if (rows) yield takeRows(rows.tensors, rows.rows, order, start, end) as B;
      else yield this.collateSamples(order, start, end);
    }
    // RandomSampler draws a second permutation when exhausted (for num_samples % n); PyTorch advances a
    // user generator by it at the end of each epoch, so we do too.
    if (this.shuffle && this.generator) randpermWith(n, { generator: this.generator }).dispose();
  }

  // Sample indices of one epoch: 0..n-1, or randperm(n) from the generator as RandomSampler draws it.
  private sampleOrder(n: number): BigInt64Array | null {
    if (!this.shuffle) return null;
    const generator = this.generator ?? new Generator().manualSeed(drawSeed());
    const perm = randpermWith(n, { generator });
    try {
      return perm.toTypedArray() as BigInt64Array;
    } finally {
      perm.dispose();
    }
  }

  private collateSamples(order: BigInt64Array | null, start: number, end: number): B {
    return tidy(() => {
      const samples: T[] = [];
      for (let k = start; k < end; k++) samples.push(this.dataset.getItem(order ? Number(order[k]) : k));
      return this.collate_fn ? this.collate_fn(samples) : (defaultCollate(samples) as B);
    });
  }
}

// One batch from the tensors' rows order[start..end) (mapped through `rows` for Subsets): one index tensor,
// then one index_select per tensor.
function takeRows(
  tensors: Tensor[],
  rows: number[] | null,
  order: BigInt64Array | null,
  start: number,
  end: number,
): Tensor[] {
  let index: BigInt64Array;
  if (order && !rows) index = order.subarray(start, end);
  else {
    index = new BigInt64Array(end - start);
    for (let k = start; k < end; k++) {
      const sample = order ? Number(order[k]) : k;
      index[k - start] = BigInt(rows ? rows[sample]! : sample);
    }
  }
  return tidy(() => {
    const cpuIndex = fromTypedArray(index, [index.length]);
    const byDevice = new Map<string, Tensor>([["cpu", cpuIndex]]);
    return tensors.map((t) => {
      const device = t.device;
      let idx = byDevice.get(device);
      if (!idx) {
        idx = cpuIndex.to(device);
        byDevice.set(device, idx);
      }
      return t.indexSelect(0, idx);
    });
  });
}
