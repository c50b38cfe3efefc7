// DistributedSampler: each rank's share of a dataset, with PyTorch's exact index math (a shuffle drawn from a
// generator seeded with seed + epoch, padding by repeating indices up to a multiple of the world size, or
// dropping the tail), and a DataLoader that reads its batches through one.
import { Generator, randpermWith } from "../generator.js";
import { DataLoader, type DataLoaderOptions } from "./dataloader.js";
import { type Dataset, Subset } from "./dataset.js";

/** DistributedSampler options (PyTorch's names). */
export interface DistributedSamplerOptions {
  /** Number of ranks sharing the dataset. */
  num_replicas: number;
  /** This process's rank, in 0..num_replicas-1. */
  rank: number;
  /** Shuffle the indices, differently at each epoch (default true). */
  shuffle?: boolean;
  /** Seed of the shuffle; must be the same on every rank (default 0). */
  seed?: number;
  /** Drop the tail so that every rank gets the same count without padding (default false). */
  drop_last?: boolean;
}

/** The indices of one rank's share of a dataset, as torch.utils.data.DistributedSampler yields them. */
export class DistributedSampler implements Iterable<number> {
  readonly datasetLength: number;
  readonly num_replicas: number;
  readonly rank: number;
  readonly shuffle: boolean;
  readonly seed: number;
  readonly drop_last: boolean;
  /** Samples this rank gets per epoch. */
  num_samples: number;
  /** Samples over all ranks per epoch (num_samples * num_replicas). */
  total_size: number;
  epoch = 0;

  /** A sampler over `dataset` (or a dataset length); see DistributedSamplerOptions for the defaults. */
  constructor(dataset: Dataset<unknown> | number, opts: DistributedSamplerOptions) {
    const { num_replicas, rank } = opts;
    if (!Number.isInteger(num_replicas) || num_replicas < 1) {
      throw new RangeError(`DistributedSampler: num_replicas must be an integer >= 1, got ${num_replicas}`);
    }
    if (!Number.isInteger(rank) || rank < 0 || rank >= num_replicas) {
      throw new RangeError(`Invalid rank ${rank}, rank should be in the interval [0, ${num_replicas - 1}]`);
    }
    this.datasetLength = typeof dataset === "number" ? dataset : dataset.length;
    this.num_replicas = num_replicas;
    this.rank = rank;
    this.shuffle = opts.shuffle ?? true;
    this.seed = opts.seed ?? 0;
    this.drop_last = opts.drop_last ?? false;
    const n = this.datasetLength;
    // `+ 0` turns Math.ceil's -0 (a dataset smaller than the world with drop_last) into Python's 0.
    this.num_samples =
      (this.drop_last && n % num_replicas !== 0
        ? Math.ceil((n - num_replicas) / num_replicas)
        : Math.ceil(n / num_replicas)) + 0;
    this.total_size = this.num_samples * num_replicas;
  }

  /** Sets the epoch, which seeds the next shuffle (call it at every epoch, on every rank). */
  setEpoch(epoch: number): void {
    this.epoch = epoch;
  }

  /** Number of indices this rank yields per epoch. */
  get length(): number {
    return this.num_samples;
  }

  /** This rank's indices for the current epoch. */
  indices(): number[] {
    const n = this.datasetLength;
    let all: number[];
    if (this.shuffle) {
      const generator = new Generator().manualSeed(this.seed + this.epoch);
      const perm = randpermWith(n, { generator });
      try {
        all = Array.from(perm.toTypedArray() as BigInt64Array, Number);
      } finally {
        perm.dispose();
      }
    } else {
      all = Array.from({ length: n }, (_, i) => i);
    }
    if (!this.drop_last) {
      const padding = this.total_size - all.length;
      if (padding <= all.length) all = all.concat(all.slice(0, padding));
      else {
        const repeated: number[] = [];
        for (let k = 0; k < Math.ceil(padding / all.length); k++) repeated.push(...all);
        all = all.concat(repeated.slice(0, padding));
      }
    } else {
      all = all.slice(0, this.total_size);
    }
    const mine: number[] = [];
    for (let i = this.rank; i < this.total_size; i += this.num_replicas) mine.push(all[i]!);
    return mine;
  }

  [Symbol.iterator](): Iterator<number> {
    return this.indices()[Symbol.iterator]();
  }
}

/**
 * Lightning's UnrepeatedDistributedSampler (used for prediction): each sample goes to exactly one rank, so
 * the ranks' shares may differ in length by one; nothing is padded or dropped.
 */
export class UnrepeatedDistributedSampler extends DistributedSampler {
  /** A sampler over `dataset` (or a dataset length) that repeats no sample. */
  constructor(dataset: Dataset<unknown> | number, opts: DistributedSamplerOptions) {
    super(dataset, { ...opts, drop_last: false });
    this.num_samples = Math.max(0, Math.ceil((this.datasetLength - this.rank) / this.num_replicas));
    this.total_size = this.datasetLength;
  }

  override indices(): number[] {
    const n = this.datasetLength;
    let all: number[] = Array.from({ length: n }, (_, i) => i);
    if (this.shuffle) {
      const perm = randpermWith(n, { generator: new Generator().manualSeed(this.seed + this.epoch) });
      try {
        all = Array.from(perm.toTypedArray() as BigInt64Array, Number);
      } finally {
        perm.dispose();
      }
    }
    const mine: number[] = [];
    for (let i = this.rank; i < n; i += this.num_replicas) mine.push(all[i]!);
    return mine;
  }
}

/**
 * A DataLoader that reads `loader`'s dataset through a DistributedSampler (what PyTorch builds with
 * `DataLoader(dataset, sampler=DistributedSampler(...))`): same batch size, drop_last, collate_fn and
 * generator, batches in the sampler's order.
 */
export class DistributedDataLoader<T = unknown, B = unknown> extends DataLoader<T, B> {
  /** A loader over `loader`'s dataset, restricted to and ordered by `sampler`. */
  constructor(
    loader: DataLoader<T, B>,
    readonly sampler: DistributedSampler,
  ) {
    super({
      dataset: loader.dataset,
      batch_size: loader.batch_size,
      drop_last: loader.drop_last,
      generator: loader.generator,
      collate_fn: loader.collate_fn,
      ...workerOptionsOf(loader),
    });
  }

  /** Number of batches per epoch on this rank. */
  override get length(): number {
    const n = this.sampler.length;
    return this.drop_last ? Math.floor(n / this.batch_size) : Math.ceil(n / this.batch_size);
  }

  /** One epoch of this rank's batches (the sampler's order for its current epoch). */
  override *[Symbol.iterator](): IterableIterator<B> {
    // A new Subset each epoch: workers rebuild it, so they cannot persist across epochs here.
    const inner = new DataLoader<T, B>({
      dataset: new Subset(this.dataset, this.sampler.indices()),
      batch_size: this.batch_size,
      drop_last: this.drop_last,
      generator: this.generator,
      collate_fn: this.collate_fn,
      ...workerOptionsOf(this),
      persistent_workers: false,
    });
    yield* inner;
  }
}

// The worker options of a loader, to build another over the same data.
type WorkerOptions = Pick<
  DataLoaderOptions<unknown, unknown>,
  "num_workers" | "prefetch_factor" | "persistent_workers" | "worker_init_fn" | "pin_memory" | "timeout"
>;

function workerOptionsOf(loader: WorkerOptions): WorkerOptions {
  if (loader.num_workers === 0) return { pin_memory: loader.pin_memory };
  return {
    num_workers: loader.num_workers,
    prefetch_factor: loader.prefetch_factor,
    persistent_workers: loader.persistent_workers,
    worker_init_fn: loader.worker_init_fn,
    pin_memory: loader.pin_memory,
    timeout: loader.timeout,
  };
}
