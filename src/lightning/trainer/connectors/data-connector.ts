// Dataloaders as the loops see them: their sources (explicit loaders, the datamodule or the module), batch
// counts after limit_*_batches, a one-batch prefetch (to know the last batch), and freeing batch tensors.
import { DataLoader } from "../../../torch/data/dataloader.js";
import type { Tensor } from "../../../torch/tensor.js";
import type { Trainer } from "../trainer.js";

/** A dataloader: anything iterable over batches; `length` (DataLoader) or an array gives its size. */
export type Loader = Iterable<unknown>;

/** Several loaders are passed as an array of loaders; one loader is anything else that is iterable. */
export function asLoaderList(value: unknown, what: string): Loader[] {
  if (value === null || value === undefined) return [];
  if (Array.isArray(value) && value.length > 0 && value.every(isLoaderObject)) return value as Loader[];
  if (!isIterable(value)) {
    throw new TypeError(
      `${what} must be an iterable of batches (a DataLoader or an array), got ${typeof value}`,
    );
  }
  return [value as Loader];
}

function isIterable(value: unknown): boolean {
  return (
    value !== null && typeof value === "object" && typeof (value as Loader)[Symbol.iterator] === "function"
  );
}

/** A loader object (not an array, not a tensor) that can be iterated. */
function isLoaderObject(value: unknown): boolean {
  return isIterable(value) && !Array.isArray(value) && typeof (value as Tensor).dispose !== "function";
}

/** The number of batches a loader yields per epoch (Infinity when unknown). */
export function loaderLength(loader: Loader): number {
  if (Array.isArray(loader)) return loader.length;
  const len = (loader as { length?: unknown }).length;
  return typeof len === "number" && Number.isFinite(len) ? len : Number.POSITIVE_INFINITY;
}

/** Iterates up to `limit` batches, telling for each whether it is the last (one-batch prefetch). */
export class BatchFetcher {
  private readonly iterator: Iterator<unknown>;
  private nextItem: IteratorResult<unknown>;
  private fetched = 0;

  constructor(
    loader: Loader,
    private readonly limit: number,
  ) {
    this.iterator = loader[Symbol.iterator]();
    this.nextItem = limit > 0 ? this.iterator.next() : { done: true, value: undefined };
  }

  /** The next batch and whether it is the last one, or null when done. */
  next(): { batch: unknown; isLast: boolean } | null {
    if (this.nextItem.done || this.fetched >= this.limit) return null;
    const batch = this.nextItem.value;
    this.fetched++;
    this.nextItem = this.fetched < this.limit ? this.iterator.next() : { done: true, value: undefined };
    return { batch, isLast: this.nextItem.done === true };
  }

  /** Frees a prefetched batch that will not be used (the loop stopped early). */
  close(): void {
    if (!this.nextItem.done) disposeBatch(this.nextItem.value);
    this.nextItem = { done: true, value: undefined };
    this.iterator.return?.();
  }
}

/** Frees every tensor reachable in a batch (arrays and plain objects), each once. */
export function disposeBatch(...batches: unknown[]): void {
  const seen = new Set<Tensor>();
  for (const b of batches) collectTensors(b, seen, 0);
  for (const t of seen) if (!t.isDisposed && !t.kept) t.dispose();
}

function collectTensors(value: unknown, out: Set<Tensor>, depth: number): void {
  if (value === null || typeof value !== "object" || depth > 8) return;
  const t = value as Tensor;
  if (typeof t.dispose === "function" && typeof t.isDisposed === "boolean") {
    out.add(t);
    return;
  }
  if (Array.isArray(value)) for (const v of value) collectTensors(v, out, depth + 1);
  else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collectTensors(v, out, depth + 1);
  }
}

/** Converts step outputs for hooks: tensors become numbers (one element) so nothing outlives the step. */
export function outputsToNumbers(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== "object" || depth > 6) return value;
  const t = value as Tensor;
  if (typeof t.dispose === "function" && typeof t.item === "function") {
    return t.numel() === 1 ? Number(t.item()) : null;
  }
  if (Array.isArray(value)) return value.map((v) => outputsToNumbers(v, depth + 1));
  if (Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = outputsToNumbers(v, depth + 1);
    return out;
  }
  return value;
}

/** overfit_batches: Lightning replaces a shuffled training sampler with a sequential one. */
export function withoutShuffle(loader: Loader): Loader {
  if (loader instanceof DataLoader && loader.shuffle) {
    process.stderr.write(
      "You requested to overfit but enabled training dataloader shuffling. We are turning off the training dataloader shuffling for you.\n",
    );
    return new DataLoader({
      dataset: loader.dataset,
      batch_size: loader.batch_size,
      shuffle: false,
      drop_last: loader.drop_last,
      generator: loader.generator,
      collate_fn: loader.collate_fn,
    });
  }
  return loader;
}

const METHOD = {
  train: "trainDataloader",
  val: "valDataloader",
  test: "testDataloader",
  predict: "predictDataloader",
};

export function hasLoaderMethod(t: Trainer, method: string): boolean {
  const dm = t.datamodule as unknown as Record<string, unknown> | null;
  if (dm !== null && typeof dm[method] === "function") return true;
  return typeof (t.lightningModule as unknown as Record<string, unknown>)[method] === "function";
}

/** The loaders of a stage: passed explicitly, else from the datamodule, else from the module (hook recorded). */
export async function loadersFor(
  t: Trainer,
  stage: keyof typeof METHOD,
  explicit: unknown,
): Promise<Loader[]> {
  const method = METHOD[stage];
  let value: unknown = explicit;
  if (value === undefined || value === null) {
    const dm = t.datamodule as unknown as Record<string, unknown> | null;
    if (dm !== null && typeof dm[method] === "function") value = await t.hooks.datamodule(method);
    else value = await t.hooks.module(method);
  }
  return t.strategy.processDataloaders(t, stage, asLoaderList(value, `${method}()`));
}
