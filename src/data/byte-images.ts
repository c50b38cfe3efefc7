/**
 * Images held as bytes (uint8, a quarter of float32's memory: 55 MB instead of 220 MB for 70,000 MNIST images)
 * and turned into normalised float32 only when read, one batch at a time, with the exact float32 steps of
 * torchvision's ToTensor + Normalize ((b / 255 - mean) / std, each step rounded to float32), so that every
 * value equals what normalising the whole set up front gave, bit for bit.
 */
import { arange } from "../torch/creation.js";
import { DataLoader, type DataLoaderOptions } from "../torch/data/dataloader.js";
import { Dataset, Subset, TensorDataset, type TensorRows, tensorRowsOf } from "../torch/data/dataset.js";
import { gatherBytesLut } from "../torch/ops/fused.js";
import "../torch/ops/math.js";
import "../torch/ops/shape.js";
import { keep, tidy } from "../torch/scope.js";
import type { Tensor } from "../torch/tensor.js";

/** The mean and std of Normalize (one channel). */
export interface Normalization {
  mean: number;
  std: number;
}

/** ToTensor + Normalize of uint8 images: a new float32 tensor of the same shape (the bytes stay untouched). */
export function normalizeBytes(bytes: Tensor, { mean, std }: Normalization): Tensor {
  return tidy(() => {
    // In place on the one float32 copy: three passes over a batch and no intermediate tensors. The scalars
    // are applied in float32, as torchvision's float32 mean/std tensors are (checked for all 256 levels).
    const x = bytes.to("float32");
    x.div_(255);
    x.sub_(mean);
    x.div_(std);
    return x;
  });
}

/**
 * A dataset of uint8 images [N, ...] and their labels [N] whose samples come out as `[float32 image, label]`.
 * `rows` is the same data as a TensorDataset of the raw bytes: ImageBatchLoader batches it natively. It is not a
 * TensorDataset itself, so that a plain DataLoader over it (e.g. one a Trainer rebuilds) reads normalised samples.
 */
export class NormalizedImages extends Dataset<Tensor[]> {
  /** The raw bytes and labels (owned by whoever created them: this dataset never disposes them). */
  readonly rows: TensorDataset;

  /** Wraps uint8 `images` and `labels`; `normalization` is applied on every read. */
  constructor(
    images: Tensor,
    labels: Tensor,
    readonly normalization: Normalization,
  ) {
    super();
    if (images.dtype !== "uint8")
      throw new TypeError(`NormalizedImages needs uint8 images, got ${images.dtype}`);
    this.rows = new TensorDataset(images, labels);
  }

  /** `[normalised image, label]` of sample `index` (new tensors the caller disposes). */
  getItem(index: number): Tensor[] {
    const [image, label] = this.rows.getItem(index);
    const x = normalizeBytes(image!, this.normalization);
    image!.dispose();
    return [x, label!];
  }

  get length(): number {
    return this.rows.length;
  }
}

/** The NormalizedImages under a dataset (itself, or the dataset of a Subset chain), and the row numbers. */
function imagesOf(dataset: Dataset<Tensor[]>): { images: NormalizedImages; indices: number[] | null } | null {
  if (dataset instanceof NormalizedImages) return { images: dataset, indices: null };
  if (!(dataset instanceof Subset)) return null;
  const inner = imagesOf(dataset.dataset as Dataset<Tensor[]>);
  if (inner === null) return null;
  const indices = inner.indices ? dataset.indices.map((i) => inner.indices![i]!) : [...dataset.indices];
  return { images: inner.images, indices };
}

/**
 * A DataLoader over NormalizedImages (or Subsets of it) that takes each batch of bytes natively and normalises it
 * in the same pass: one fused gather through a 256-entry table of the normalised grey levels (built by
 * normalizeBytes itself, so every value is bitwise what normalizeBytes gives) and one index op for the labels.
 * The batches, their order and every random number drawn are those of a DataLoader over float32 images.
 */
export class ImageBatchLoader extends DataLoader<Tensor[], Tensor[]> {
  readonly #raw: Dataset<unknown>;
  readonly #normalization: Normalization;
  #table: Tensor | null = null;

  /** A loader over `opts.dataset`, which must be NormalizedImages or a Subset of it; no collate_fn. */
  constructor(opts: Omit<DataLoaderOptions<Tensor[], Tensor[]>, "collate_fn">) {
    super(opts);
    const found = imagesOf(opts.dataset);
    if (found === null) throw new TypeError("ImageBatchLoader needs NormalizedImages or a Subset of it");
    this.#raw = found.indices === null ? found.images.rows : new Subset(found.images.rows, found.indices);
    this.#normalization = found.images.normalization;
  }

  /** The raw byte images and labels, and the row of each sample. */
  protected override tensorRows(): TensorRows {
    return tensorRowsOf(this.#raw)!;
  }

  /** `[float32 images, labels]` of the rows `index`: one fused gather-and-normalise, one index_select. */
  protected override takeBatch(tensors: Tensor[], index: Tensor[]): Tensor[] {
    const [images, labels] = tensors as [Tensor, Tensor];
    return [gatherBytesLut(images, index[0]!, this.#levels(images)), labels.indexSelect(0, index[1]!)];
  }

  // The normalised value of each grey level 0..255 on the images' device (made once, kept by the loader).
  #levels(images: Tensor): Tensor {
    if (this.#table === null || this.#table.isDisposed) {
      this.#table = keep(
        tidy(() =>
          normalizeBytes(
            arange(256, undefined, 1, { dtype: "uint8", device: images.device }),
            this.#normalization,
          ),
        ),
      );
    }
    return this.#table;
  }
}
