// Factory functions: tensors from JS data, constants, ranges and random draws.
import { flattenNested, type NestedArray, typedArrayDtype } from "./convert.js";
import type { DType, TensorOptions } from "./dtype.js";
import { TorchError } from "./errors.js";
import type { Generator } from "./generator.js";
import { type Handle, type NativeTypedArray, native, type Scalar } from "./native.js";
import { Tensor } from "./tensor.js";

/** Options of the random factories: TensorOptions plus an optional seeded generator (the global one otherwise). */
export type RandomOptions = TensorOptions & { generator?: Generator };

type Shape = number[] | number;

function finish(handle: Handle, opts: TensorOptions | undefined): Tensor {
  const t = new Tensor(handle);
  if (opts?.requiresGrad) {
    try {
      native().setRequiresGrad(handle, true);
    } catch (e) {
      t.dispose();
      throw e;
    }
  }
  return t;
}

function dims(shape: Shape): number[] {
  return typeof shape === "number" ? [shape] : shape;
}

function isTypedArray(x: unknown): x is NativeTypedArray {
  return ArrayBuffer.isView(x) && !(x instanceof DataView);
}

/**
 * A tensor copied from JS data: nested arrays (int64 when all integers, float32 otherwise, bool for booleans,
 * as in PyTorch) or a typed array (1-D, its own dtype).
 */
export function tensor(data: NestedArray | NativeTypedArray, opts?: TensorOptions): Tensor {
  if (isTypedArray(data)) return fromTypedArray(data, [data.length], opts);
  const { data: flat, shape, inferred } = flattenNested(data);
  return finish(native().fromTypedArray(flat, shape, opts?.dtype ?? inferred, opts?.device), opts);
}

/**
 * A tensor of `shape` from a typed array. Copies, unless `share: true` (zero-copy: the tensor aliases the JS
 * memory, which stays alive while the tensor does; dtype and device must then stay the array's own).
 */
export function fromTypedArray(
  data: NativeTypedArray,
  shape: number[],
  opts?: TensorOptions & { share?: boolean },
): Tensor {
  if (opts?.share) {
    const own = typedArrayDtype(data);
    if ((opts.dtype && opts.dtype !== own) || (opts.device && opts.device !== "cpu")) {
      throw new TorchError(
        `fromTypedArray(share: true): a shared tensor keeps the array's dtype (${own}) and lives on the cpu`,
        "fromTypedArray",
      );
    }
    return finish(native().fromTypedArrayShared(data, shape), opts);
  }
  return finish(native().fromTypedArray(data, shape, opts?.dtype, opts?.device), opts);
}

/** All zeros. */
export function zeros(shape: Shape, opts?: TensorOptions): Tensor {
  return finish(native().zeros(dims(shape), opts?.dtype, opts?.device), opts);
}

/** All ones. */
export function ones(shape: Shape, opts?: TensorOptions): Tensor {
  return finish(native().ones(dims(shape), opts?.dtype, opts?.device), opts);
}

/** Uninitialised memory. */
export function empty(shape: Shape, opts?: TensorOptions): Tensor {
  return finish(native().empty(dims(shape), opts?.dtype, opts?.device), opts);
}

/** Filled with `value`; without a dtype it follows the value (integers give int64, as in PyTorch). */
export function full(shape: Shape, value: Scalar, opts?: TensorOptions): Tensor {
  return finish(native().full(dims(shape), value, opts?.dtype, opts?.device), opts);
}

/** Values from `start` to `end` (exclusive) by `step`; arange(n) counts 0..n-1. */
export function arange(start: number, end?: number, step = 1, opts?: TensorOptions): Tensor {
  const [from, to] = end === undefined ? [0, start] : [start, end];
  return finish(native().arange(from, to, step, opts?.dtype, opts?.device), opts);
}

/** `steps` evenly spaced values from `start` to `end` inclusive. */
export function linspace(start: number, end: number, steps: number, opts?: TensorOptions): Tensor {
  return finish(native().linspace(start, end, steps, opts?.dtype, opts?.device), opts);
}

/** Identity matrix n x m (m defaults to n). */
export function eye(n: number, m?: number, opts?: TensorOptions): Tensor {
  return finish(native().eye(n, m, opts?.dtype, opts?.device), opts);
}

/** Uniform [0, 1). */
export function rand(shape: Shape, opts?: RandomOptions): Tensor {
  return finish(native().randGen(dims(shape), opts?.generator?.handle, opts?.dtype, opts?.device), opts);
}

/** Standard normal. */
export function randn(shape: Shape, opts?: RandomOptions): Tensor {
  return finish(native().randnGen(dims(shape), opts?.generator?.handle, opts?.dtype, opts?.device), opts);
}

/** Uniform integers in [low, high); int64 unless a dtype is given. */
export function randint(low: number, high: number, shape: Shape, opts?: RandomOptions): Tensor {
  return finish(
    native().randintGen(low, high, dims(shape), opts?.generator?.handle, opts?.dtype, opts?.device),
    opts,
  );
}

/** A random permutation of 0..n-1 (int64); `generator` draws from a seeded torch.Generator. */
export function randperm(n: number, opts?: RandomOptions): Tensor {
  return finish(native().randpermGen(n, opts?.generator?.handle, opts?.dtype, opts?.device), opts);
}

type LikeOptions = TensorOptions & { dtype?: DType };

/** Zeros shaped like `t` (same dtype and device unless given). */
export function zerosLike(t: Tensor, opts?: LikeOptions): Tensor {
  return finish(native().zerosLike(t.handle, opts?.dtype, opts?.device), opts);
}

/** Ones shaped like `t`. */
export function onesLike(t: Tensor, opts?: LikeOptions): Tensor {
  return finish(native().onesLike(t.handle, opts?.dtype, opts?.device), opts);
}

/** Uninitialised, shaped like `t`. */
export function emptyLike(t: Tensor, opts?: LikeOptions): Tensor {
  return finish(native().emptyLike(t.handle, opts?.dtype, opts?.device), opts);
}

/** `value` everywhere, shaped like `t`. */
export function fullLike(t: Tensor, value: Scalar, opts?: LikeOptions): Tensor {
  return finish(native().fullLike(t.handle, value, opts?.dtype, opts?.device), opts);
}

/** Uniform [0, 1), shaped like `t`. */
export function randLike(t: Tensor, opts?: LikeOptions): Tensor {
  return finish(native().randLike(t.handle, opts?.dtype, opts?.device), opts);
}

/** Standard normal, shaped like `t`. */
export function randnLike(t: Tensor, opts?: LikeOptions): Tensor {
  return finish(native().randnLike(t.handle, opts?.dtype, opts?.device), opts);
}

/** Uniform integers in [low, high), shaped like `t`. */
export function randintLike(t: Tensor, low: number, high: number, opts?: LikeOptions): Tensor {
  return finish(native().randintLike(t.handle, low, high, opts?.dtype, opts?.device), opts);
}
