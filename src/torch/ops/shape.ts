// Shape ops: torch.reshape(t, shape) and t.reshape(shape), views, joins, splits, gathers and scatters.
// Python-style indexing (t.index(...)) is in indexing.ts.
import { type Handle, native, type Scalar } from "../native.js";
import { operand, Tensor, type TensorLike, wrap, wrapList } from "../tensor.js";

declare module "../native.js" {
  interface NativeAddon {
    view(t: Handle, shape: number[]): Handle;
    reshape(t: Handle, shape: number[]): Handle;
    flatten(t: Handle, startDim?: number, endDim?: number): Handle;
    squeeze(t: Handle, dim?: number | number[]): Handle;
    unsqueeze(t: Handle, dim: number): Handle;
    permute(t: Handle, dims: number[]): Handle;
    transpose(t: Handle, dim0: number, dim1: number): Handle;
    t(t: Handle): Handle;
    contiguous(t: Handle): Handle;
    isContiguous(t: Handle): boolean;
    expand(t: Handle, sizes: number[]): Handle;
    clone(t: Handle): Handle;
    flip(t: Handle, dims: number[]): Handle;
    repeat(t: Handle, repeats: number[]): Handle;
    tril(t: Handle, diagonal?: number): Handle;
    triu(t: Handle, diagonal?: number): Handle;
    cat(ts: Handle[], dim?: number): Handle;
    stack(ts: Handle[], dim?: number): Handle;
    split(t: Handle, sizeOrSections: number | number[], dim?: number): Handle[];
    chunk(t: Handle, chunks: number, dim?: number): Handle[];
    narrow(t: Handle, dim: number, start: number, length: number): Handle;
    slice(t: Handle, dim: number, start?: number | null, end?: number | null, step?: number): Handle;
    select(t: Handle, dim: number, index: number): Handle;
    indexSelect(t: Handle, dim: number, index: Handle): Handle;
    gather(t: Handle, dim: number, index: Handle): Handle;
    scatter(t: Handle, dim: number, index: Handle, src: Handle | Scalar): Handle;
    scatter_(t: Handle, dim: number, index: Handle, src: Handle | Scalar): void;
    scatterAdd(t: Handle, dim: number, index: Handle, src: Handle): Handle;
    scatterAdd_(t: Handle, dim: number, index: Handle, src: Handle): void;
    maskedFill(t: Handle, mask: Handle, value: Handle | Scalar): Handle;
    maskedFill_(t: Handle, mask: Handle, value: Handle | Scalar): void;
    where(cond: Handle, a: Handle | Scalar, b: Handle | Scalar): Handle;
  }
}

declare module "../tensor.js" {
  interface Tensor {
    /** Same data with a new shape, always a view (fails when the strides cannot express it); one size may be -1. */
    view(shape: number[]): Tensor;
    /** Same data with a new shape (a view when possible); one dimension may be -1. */
    reshape(shape: number[]): Tensor;
    /** Merges dims startDim..endDim (default all) into one. */
    flatten(startDim?: number, endDim?: number): Tensor;
    /** Removes size-1 dims (all, or only `dim`). */
    squeeze(dim?: number | number[]): Tensor;
    /** Inserts a size-1 dim at `dim`. */
    unsqueeze(dim: number): Tensor;
    /** Reorders the dims (a view). */
    permute(dims: number[]): Tensor;
    /** Swaps two dims (a view). */
    transpose(dim0: number, dim1: number): Tensor;
    /** Transpose of a tensor with at most 2 dims. */
    t(): Tensor;
    /** This, laid out densely in row-major order (a copy only when needed). */
    contiguous(): Tensor;
    /** Whether the elements are dense in row-major order. */
    isContiguous(): boolean;
    /** Broadcasts size-1 dims to `sizes` without copying (-1 keeps a size). */
    expand(sizes: number[]): Tensor;
    /** expand() to other's shape. */
    expandAs(other: Tensor): Tensor;
    /** A copy with its own storage (autograd flows back to this). */
    clone(): Tensor;
    /** Reverses the order along `dims`. */
    flip(dims: number | number[]): Tensor;
    /** Tiles this `repeats[i]` times along each dim. */
    repeat(repeats: number[]): Tensor;
    /** Lower triangle (elements above `diagonal` become 0). */
    tril(diagonal?: number): Tensor;
    /** Upper triangle (elements below `diagonal` become 0). */
    triu(diagonal?: number): Tensor;
    /** Pieces of size `sizeOrSections` (the last may be smaller), or of the given sizes, along `dim`. */
    split(sizeOrSections: number | number[], dim?: number): Tensor[];
    /** `chunks` nearly equal pieces along `dim`. */
    chunk(chunks: number, dim?: number): Tensor[];
    /** `length` positions of `dim` from `start` (a view). */
    narrow(dim: number, start: number, length: number): Tensor;
    /** Python's [start:end:step] on one dim (a view); null/undefined bounds are open. */
    slice(dim: number, start?: number | null, end?: number | null, step?: number): Tensor;
    /** Position `index` of `dim`, removing the dim (a view). */
    select(dim: number, index: number): Tensor;
    /** The positions `index` (1-D int64) of `dim`. */
    indexSelect(dim: number, index: Tensor): Tensor;
    /** out[i][j] = this[index[i][j]][j] for dim 0 (and likewise for other dims). */
    gather(dim: number, index: Tensor): Tensor;
    /** A copy with this[index[i][j]][j] = src[i][j] for dim 0 (src a tensor or a number). */
    scatter(dim: number, index: Tensor, src: TensorLike): Tensor;
    /** In place scatter(). */
    scatter_(dim: number, index: Tensor, src: TensorLike): this;
    /** A copy with src added at the scattered positions (duplicates accumulate). */
    scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor;
    /** In place scatterAdd(). */
    scatterAdd_(dim: number, index: Tensor, src: Tensor): this;
    /** A copy with `value` where `mask` (bool, broadcasting) is true. */
    maskedFill(mask: Tensor, value: TensorLike): Tensor;
    /** In place maskedFill(). */
    maskedFill_(mask: Tensor, value: TensorLike): this;
    /** where(condition, this, other) (PyTorch's Tensor.where). */
    where(condition: Tensor, other: TensorLike): Tensor;
  }
}

/** Same data with a new shape, always sharing storage; one size may be -1. */
export function view(t: Tensor, shape: number[]): Tensor {
  return wrap(native().view(t.handle, shape));
}

/** Same data with a new shape (a view when possible); one dimension may be -1. */
export function reshape(t: Tensor, shape: number[]): Tensor {
  return wrap(native().reshape(t.handle, shape));
}

/** Merges dims startDim..endDim (default 0..-1) into one. */
export function flatten(t: Tensor, startDim?: number, endDim?: number): Tensor {
  return wrap(native().flatten(t.handle, startDim, endDim));
}

/** Removes size-1 dims (all, or only those in `dim`). */
export function squeeze(t: Tensor, dim?: number | number[]): Tensor {
  return wrap(native().squeeze(t.handle, dim));
}

/** Inserts a size-1 dim at `dim`. */
export function unsqueeze(t: Tensor, dim: number): Tensor {
  return wrap(native().unsqueeze(t.handle, dim));
}

/** Reorders the dims (a view). */
export function permute(t: Tensor, dims: number[]): Tensor {
  return wrap(native().permute(t.handle, dims));
}

/** Swaps two dims (a view). */
export function transpose(t: Tensor, dim0: number, dim1: number): Tensor {
  return wrap(native().transpose(t.handle, dim0, dim1));
}

/** Transpose of a tensor with at most 2 dims. */
export function t(x: Tensor): Tensor {
  return wrap(native().t(x.handle));
}

/** Row-major dense layout (a copy only when needed). */
export function contiguous(t: Tensor): Tensor {
  return wrap(native().contiguous(t.handle));
}

/** Broadcasts size-1 dims to `sizes` without copying (-1 keeps a size). */
export function expand(t: Tensor, sizes: number[]): Tensor {
  return wrap(native().expand(t.handle, sizes));
}

/** A copy with its own storage. */
export function clone(t: Tensor): Tensor {
  return wrap(native().clone(t.handle));
}

/** Reverses the order along `dims`. */
export function flip(t: Tensor, dims: number | number[]): Tensor {
  return wrap(native().flip(t.handle, typeof dims === "number" ? [dims] : dims));
}

/** Lower triangle: elements above `diagonal` (default 0) become 0. */
export function tril(t: Tensor, diagonal?: number): Tensor {
  return wrap(native().tril(t.handle, diagonal));
}

/** Upper triangle: elements below `diagonal` (default 0) become 0. */
export function triu(t: Tensor, diagonal?: number): Tensor {
  return wrap(native().triu(t.handle, diagonal));
}

/** Joins tensors along an existing dim (default 0); other dims must match. */
export function cat(tensors: Tensor[], dim?: number): Tensor {
  return wrap(
    native().cat(
      tensors.map((x) => x.handle),
      dim,
    ),
  );
}

/** Joins same-shaped tensors along a new dim (default 0). */
export function stack(tensors: Tensor[], dim?: number): Tensor {
  return wrap(
    native().stack(
      tensors.map((x) => x.handle),
      dim,
    ),
  );
}

/** Pieces of size `sizeOrSections` (the last may be smaller), or of the listed sizes, along `dim` (views). */
export function split(t: Tensor, sizeOrSections: number | number[], dim?: number): Tensor[] {
  return wrapList(native().split(t.handle, sizeOrSections, dim));
}

/** `chunks` nearly equal pieces along `dim` (fewer when the size does not allow that many). */
export function chunk(t: Tensor, chunks: number, dim?: number): Tensor[] {
  return wrapList(native().chunk(t.handle, chunks, dim));
}

/** `length` positions of `dim` from `start` (a view). */
export function narrow(t: Tensor, dim: number, start: number, length: number): Tensor {
  return wrap(native().narrow(t.handle, dim, start, length));
}

/** Python's t[..., start:end:step] on `dim` (a view; null/undefined bounds are open, step > 0). */
export function slice(
  t: Tensor,
  dim: number,
  start?: number | null,
  end?: number | null,
  step?: number,
): Tensor {
  return wrap(native().slice(t.handle, dim, start, end, step));
}

/** Position `index` of `dim`, removing that dim (a view). */
export function select(t: Tensor, dim: number, index: number): Tensor {
  return wrap(native().select(t.handle, dim, index));
}

/** The positions `index` (1-D integer tensor) of `dim`. */
export function indexSelect(t: Tensor, dim: number, index: Tensor): Tensor {
  return wrap(native().indexSelect(t.handle, dim, index.handle));
}

/** Picks along `dim` by `index` (same number of dims as t): out[i][j] = t[index[i][j]][j] for dim 0. */
export function gather(t: Tensor, dim: number, index: Tensor): Tensor {
  return wrap(native().gather(t.handle, dim, index.handle));
}

/** A copy of t with src (a tensor or a number) written at the positions `index` names along `dim`. */
export function scatter(t: Tensor, dim: number, index: Tensor, src: TensorLike): Tensor {
  return wrap(native().scatter(t.handle, dim, index.handle, operand(src)));
}

/** A copy of t with src added at the positions `index` names along `dim` (duplicates accumulate). */
export function scatterAdd(t: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  return wrap(native().scatterAdd(t.handle, dim, index.handle, src.handle));
}

/** A copy of t with `value` where `mask` (bool, broadcasting to t) is true. */
export function maskedFill(t: Tensor, mask: Tensor, value: TensorLike): Tensor {
  return wrap(native().maskedFill(t.handle, mask.handle, operand(value)));
}

/** Elementwise `condition ? a : b`, broadcasting; a and b may be numbers (promoted like Python scalars). */
export function where(condition: Tensor, a: TensorLike, b: TensorLike): Tensor {
  return wrap(native().where(condition.handle, operand(a), operand(b)));
}

Object.assign(Tensor.prototype, {
  view(this: Tensor, shape: number[]) {
    return view(this, shape);
  },
  reshape(this: Tensor, shape: number[]) {
    return reshape(this, shape);
  },
  flatten(this: Tensor, startDim?: number, endDim?: number) {
    return flatten(this, startDim, endDim);
  },
  squeeze(this: Tensor, dim?: number | number[]) {
    return squeeze(this, dim);
  },
  unsqueeze(this: Tensor, dim: number) {
    return unsqueeze(this, dim);
  },
  permute(this: Tensor, dims: number[]) {
    return permute(this, dims);
  },
  transpose(this: Tensor, dim0: number, dim1: number) {
    return transpose(this, dim0, dim1);
  },
  t(this: Tensor) {
    return t(this);
  },
  contiguous(this: Tensor) {
    return contiguous(this);
  },
  isContiguous(this: Tensor) {
    return native().isContiguous(this.handle);
  },
  expand(this: Tensor, sizes: number[]) {
    return expand(this, sizes);
  },
  expandAs(this: Tensor, other: Tensor) {
    return expand(this, other.shape);
  },
  clone(this: Tensor) {
    return clone(this);
  },
  flip(this: Tensor, dims: number | number[]) {
    return flip(this, dims);
  },
  repeat(this: Tensor, repeats: number[]) {
    return wrap(native().repeat(this.handle, repeats));
  },
  tril(this: Tensor, diagonal?: number) {
    return tril(this, diagonal);
  },
  triu(this: Tensor, diagonal?: number) {
    return triu(this, diagonal);
  },
  split(this: Tensor, sizeOrSections: number | number[], dim?: number) {
    return split(this, sizeOrSections, dim);
  },
  chunk(this: Tensor, chunks: number, dim?: number) {
    return chunk(this, chunks, dim);
  },
  narrow(this: Tensor, dim: number, start: number, length: number) {
    return narrow(this, dim, start, length);
  },
  slice(this: Tensor, dim: number, start?: number | null, end?: number | null, step?: number) {
    return slice(this, dim, start, end, step);
  },
  select(this: Tensor, dim: number, i: number) {
    return select(this, dim, i);
  },
  indexSelect(this: Tensor, dim: number, i: Tensor) {
    return indexSelect(this, dim, i);
  },
  gather(this: Tensor, dim: number, i: Tensor) {
    return gather(this, dim, i);
  },
  scatter(this: Tensor, dim: number, i: Tensor, src: TensorLike) {
    return scatter(this, dim, i, src);
  },
  scatter_(this: Tensor, dim: number, i: Tensor, src: TensorLike) {
    native().scatter_(this.handle, dim, i.handle, operand(src));
    return this;
  },
  scatterAdd(this: Tensor, dim: number, i: Tensor, src: Tensor) {
    return scatterAdd(this, dim, i, src);
  },
  scatterAdd_(this: Tensor, dim: number, i: Tensor, src: Tensor) {
    native().scatterAdd_(this.handle, dim, i.handle, src.handle);
    return this;
  },
  maskedFill(this: Tensor, mask: Tensor, value: TensorLike) {
    return maskedFill(this, mask, value);
  },
  maskedFill_(this: Tensor, mask: Tensor, value: TensorLike) {
    native().maskedFill_(this.handle, mask.handle, operand(value));
    return this;
  },
  where(this: Tensor, condition: Tensor, other: TensorLike) {
    return where(condition, this, other);
  },
} satisfies Partial<Record<keyof Tensor, unknown>>);
