// Map-style datasets (PyTorch's torch.utils.data.Dataset, TensorDataset, Subset). A dataset whose samples are
// rows of tensors (a TensorDataset, or Subsets of one) lets the DataLoader take whole batches with one native
// index op per tensor instead of building them sample by sample.
import { TorchError } from "../errors.js";
import "../ops/shape.js";
import type { Tensor } from "../tensor.js";

/** A map-style dataset: `length` samples, read by index (PyTorch's `__getitem__` / `__len__`). */
export abstract class Dataset<T = unknown> {
  /** The sample at `index` (0 <= index < length). Tensors it returns belong to the caller. */
  abstract getItem(index: number): T;
  /** Number of samples. */
  abstract get length(): number;
}

/**
 * Samples are the rows of some tensors along dimension 0 (PyTorch's TensorDataset): sample i is
 * `[t0[i], t1[i], ...]`. The dataset references the tensors without owning them: keep them alive (outside any
 * tidy scope, or torch.keep()) while the dataset is in use, and dispose them yourself afterwards.
 */
export class TensorDataset extends Dataset<Tensor[]> {
  /** The tensors whose rows are the samples (all with the same size of dimension 0). */
  readonly tensors: Tensor[];

  /** A dataset over `tensors`, which must all have the same size of dimension 0. */
  constructor(...tensors: Tensor[]) {
    super();
    if (tensors.length === 0)
      throw new TorchError("TensorDataset needs at least one tensor", "TensorDataset");
    const sizes = tensors.map((t) => {
      if (t.ndim === 0)
        throw new TorchError("TensorDataset: a 0-dim tensor has no rows to index", "TensorDataset");
      return t.shape[0]!;
    });
    if (sizes.some((s) => s !== sizes[0])) {
      throw new TorchError(
        `Size mismatch between tensors: TensorDataset needs the same size of dimension 0 in every tensor, ` +
          `got [${sizes.join(", ")}]`,
        "TensorDataset",
      );
    }
    this.tensors = tensors;
  }

  /** Row `index` of each tensor (views sharing the tensors' memory; the caller disposes them). */
  getItem(index: number): Tensor[] {
    return this.tensors.map((t) => t.select(0, index));
  }

  get length(): number {
    return this.tensors[0]!.shape[0]!;
  }
}

/** The samples of `dataset` at `indices`, in that order (PyTorch's Subset). */
export class Subset<T = unknown> extends Dataset<T> {
  /** A view of `dataset` restricted to `indices` (negative indices count from the end, as in Python). */
  constructor(
    readonly dataset: Dataset<T>,
    readonly indices: readonly number[],
  ) {
    super();
  }

  getItem(index: number): T {
    const i = this.indices[index < 0 ? index + this.indices.length : index];
    if (i === undefined) {
      throw new RangeError(
        `Subset index ${index} is out of range for a subset of ${this.indices.length} samples`,
      );
    }
    return this.dataset.getItem(i);
  }

  get length(): number {
    return this.indices.length;
  }
}

/** Tensors whose rows are a dataset's samples, and which rows (null: all, in order). */
export interface TensorRows {
  tensors: Tensor[];
  rows: number[] | null;
}

/**
 * The tensors and row numbers behind `dataset` when it is a TensorDataset or a chain of Subsets over one
 * (what lets the DataLoader batch with one index op per tensor); null for any other dataset.
 */
export function tensorRowsOf(dataset: Dataset<unknown>): TensorRows | null {
  if (dataset instanceof TensorDataset) return { tensors: dataset.tensors, rows: null };
  if (!(dataset instanceof Subset)) return null;
  // A Subset's rows are fixed: resolved once, not as a new 60k-element JS array every epoch (arrays that size
  // live in V8's large-object space, which only a full GC frees: RSS crept up epoch after epoch).
  const cached = subsetRows.get(dataset);
  if (cached !== undefined) return cached;
  const inner = tensorRowsOf(dataset.dataset as Dataset<unknown>);
  if (!inner) return null;
  const n = dataset.dataset.length;
  const rows = dataset.indices.map((i, k) => {
    const j = i < 0 ? i + n : i;
    if (!Number.isInteger(j) || j < 0 || j >= n) {
      throw new RangeError(`Subset index ${i} (position ${k}) is out of range for a dataset of ${n} samples`);
    }
    return inner.rows ? inner.rows[j]! : j;
  });
  const resolved = { tensors: inner.tensors, rows };
  subsetRows.set(dataset, resolved);
  return resolved;
}

const subsetRows = new WeakMap<Subset<unknown>, TensorRows>();
