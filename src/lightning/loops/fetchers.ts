// Lightning's loops/fetchers.py: a loop reads its loader one batch ahead, so that it knows whether the batch it
// runs is the last one (is_last_batch) before running it.
import { disposeBatch, type Loader } from "./utilities.js";

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
