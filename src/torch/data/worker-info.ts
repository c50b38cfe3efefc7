// PyTorch's torch.utils.data.get_worker_info(): inside a DataLoader worker thread, which worker this is; in the
// main thread, null. Lets a dataset or worker_init_fn shard work or seed other generators per worker.
import type { Dataset } from "./dataset.js";

/** What a worker knows about itself (PyTorch's WorkerInfo). */
export interface WorkerInfo {
  /** This worker's id, 0..num_workers-1. */
  readonly id: number;
  /** How many workers the loader runs. */
  readonly num_workers: number;
  /** The seed of this worker's generator: the loader's base seed + id. */
  readonly seed: bigint;
  /** This worker's copy of the dataset. */
  readonly dataset: Dataset<unknown>;
}

let current: WorkerInfo | null = null;

/** This thread's WorkerInfo in a DataLoader worker, null elsewhere (PyTorch's get_worker_info). */
export function getWorkerInfo(): WorkerInfo | null {
  return current;
}

/** Set once by the worker thread's entry, before worker_init_fn runs. */
export function setWorkerInfo(info: WorkerInfo): void {
  current = Object.freeze({ ...info });
}
