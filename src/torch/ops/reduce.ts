// Reductions: torch.sum(t, dim?, opts?) and t.sum(...), likewise mean, max, min, std, var, norm, topk, ...
// A `dim` left undefined reduces over every element; options follow PyTorch's keyword names.
import type { DType } from "../dtype.js";
import { type Handle, native } from "../native.js";
import { Tensor, wrap, wrapList } from "../tensor.js";

type Dims = number | number[];

declare module "../native.js" {
  interface NativeAddon {
    sum(t: Handle, dim?: Dims, keepdim?: boolean, dtype?: DType): Handle;
    mean(t: Handle, dim?: Dims, keepdim?: boolean, dtype?: DType): Handle;
    max(t: Handle, dim?: number, keepdim?: boolean): Handle | Handle[];
    min(t: Handle, dim?: number, keepdim?: boolean): Handle | Handle[];
    argmax(t: Handle, dim?: number, keepdim?: boolean): Handle;
    argmin(t: Handle, dim?: number, keepdim?: boolean): Handle;
    std(t: Handle, dim?: Dims, correction?: number, keepdim?: boolean): Handle;
    var(t: Handle, dim?: Dims, correction?: number, keepdim?: boolean): Handle;
    norm(t: Handle, p: number, dim?: Dims, keepdim?: boolean, dtype?: DType): Handle;
    prod(t: Handle, dim?: number, keepdim?: boolean, dtype?: DType): Handle;
    all(t: Handle, dim?: Dims, keepdim?: boolean): Handle;
    any(t: Handle, dim?: Dims, keepdim?: boolean): Handle;
    topk(t: Handle, k: number, dim?: number, largest?: boolean, sorted?: boolean): Handle[];
    cumsum(t: Handle, dim: number, dtype?: DType): Handle;
    logsumexp(t: Handle, dim: Dims, keepdim?: boolean): Handle;
    amax(t: Handle, dim?: Dims, keepdim?: boolean): Handle;
    amin(t: Handle, dim?: Dims, keepdim?: boolean): Handle;
  }
}

/** keepdim: keep reduced dims as size 1. */
export interface KeepdimOptions {
  keepdim?: boolean;
}

/** Options of the reductions that also accumulate in a chosen dtype (sum, mean, prod, norm). */
export interface ReduceOptions extends KeepdimOptions {
  dtype?: DType;
}

/** Options of std/var: `correction` (default 1) or the older `unbiased` flag (false = correction 0). */
export interface VarianceOptions extends KeepdimOptions {
  correction?: number;
  unbiased?: boolean;
}

/** Options of topk (PyTorch's defaults: last dim, largest, sorted). */
export interface TopkOptions {
  dim?: number;
  largest?: boolean;
  sorted?: boolean;
}

/** The (values, indices) pair of max/min/topk along a dim. */
export interface ValuesIndices {
  values: Tensor;
  indices: Tensor;
}

declare module "../tensor.js" {
  interface Tensor {
    /** Sum of all elements, or over `dim`. */
    sum(dim?: Dims, opts?: ReduceOptions): Tensor;
    /** Mean of all elements, or over `dim`. */
    mean(dim?: Dims, opts?: ReduceOptions): Tensor;
    /** Largest element (a 0-dim tensor). */
    max(): Tensor;
    /** Largest elements along `dim` and where they are. */
    max(dim: number, opts?: KeepdimOptions): ValuesIndices;
    /** Smallest element (a 0-dim tensor). */
    min(): Tensor;
    /** Smallest elements along `dim` and where they are. */
    min(dim: number, opts?: KeepdimOptions): ValuesIndices;
    /** Index of the largest element (of the flattened tensor when dim is undefined). */
    argmax(dim?: number, opts?: KeepdimOptions): Tensor;
    /** Index of the smallest element (of the flattened tensor when dim is undefined). */
    argmin(dim?: number, opts?: KeepdimOptions): Tensor;
    /** Standard deviation (Bessel-corrected unless correction/unbiased say otherwise). */
    std(dim?: Dims, opts?: VarianceOptions): Tensor;
    /** Variance (Bessel-corrected unless correction/unbiased say otherwise). */
    var(dim?: Dims, opts?: VarianceOptions): Tensor;
    /** Vector p-norm (p = 2, Infinity, "fro", ...) of all elements or over `dim`. */
    norm(p?: number | "fro", dim?: Dims, opts?: ReduceOptions): Tensor;
    /** Product of all elements, or along one dim. */
    prod(dim?: number, opts?: ReduceOptions): Tensor;
    /** Whether every element is non-zero (bool tensor). */
    all(dim?: Dims, opts?: KeepdimOptions): Tensor;
    /** Whether any element is non-zero (bool tensor). */
    any(dim?: Dims, opts?: KeepdimOptions): Tensor;
    /** The k largest (or smallest) elements along a dim, and their indices. */
    topk(k: number, opts?: TopkOptions): ValuesIndices;
    /** Running sum along `dim`. */
    cumsum(dim: number, opts?: { dtype?: DType }): Tensor;
    /** log(sum(exp(x))) over `dim`, computed stably. */
    logsumexp(dim: Dims, opts?: KeepdimOptions): Tensor;
    /** Maximum over `dim` (all dims when undefined); ties share the gradient. */
    amax(dim?: Dims, opts?: KeepdimOptions): Tensor;
    /** Minimum over `dim` (all dims when undefined); ties share the gradient. */
    amin(dim?: Dims, opts?: KeepdimOptions): Tensor;
  }
}

function pair(handles: Handle[]): ValuesIndices {
  const [values, indices] = wrapList(handles) as [Tensor, Tensor];
  return { values, indices };
}

/** Sum of all elements, or over `dim` (keepdim keeps reduced dims as size 1; dtype accumulates in that type). */
export function sum(t: Tensor, dim?: Dims, opts?: ReduceOptions): Tensor {
  return wrap(native().sum(t.handle, dim, opts?.keepdim, opts?.dtype));
}

/** Mean of all elements, or over `dim`. */
export function mean(t: Tensor, dim?: Dims, opts?: ReduceOptions): Tensor {
  return wrap(native().mean(t.handle, dim, opts?.keepdim, opts?.dtype));
}

/** Largest element as a 0-dim tensor, or {values, indices} along `dim`. */
export function max(t: Tensor): Tensor;
export function max(t: Tensor, dim: number, opts?: KeepdimOptions): ValuesIndices;
export function max(t: Tensor, dim?: number, opts?: KeepdimOptions): Tensor | ValuesIndices {
  if (dim === undefined) return wrap(native().max(t.handle) as Handle);
  return pair(native().max(t.handle, dim, opts?.keepdim) as Handle[]);
}

/** Smallest element as a 0-dim tensor, or {values, indices} along `dim`. */
export function min(t: Tensor): Tensor;
export function min(t: Tensor, dim: number, opts?: KeepdimOptions): ValuesIndices;
export function min(t: Tensor, dim?: number, opts?: KeepdimOptions): Tensor | ValuesIndices {
  if (dim === undefined) return wrap(native().min(t.handle) as Handle);
  return pair(native().min(t.handle, dim, opts?.keepdim) as Handle[]);
}

/** Index of the largest element along `dim` (of the flattened tensor when dim is undefined). */
export function argmax(t: Tensor, dim?: number, opts?: KeepdimOptions): Tensor {
  return wrap(native().argmax(t.handle, dim, opts?.keepdim));
}

/** Index of the smallest element along `dim` (of the flattened tensor when dim is undefined). */
export function argmin(t: Tensor, dim?: number, opts?: KeepdimOptions): Tensor {
  return wrap(native().argmin(t.handle, dim, opts?.keepdim));
}

function correctionOf(opts: VarianceOptions | undefined): number | undefined {
  if (opts?.correction !== undefined && opts.unbiased !== undefined) {
    throw new TypeError("std/var: pass either correction or unbiased, not both");
  }
  return opts?.unbiased === undefined ? opts?.correction : opts.unbiased ? 1 : 0;
}

/** Standard deviation over `dim` (all elements when undefined), dividing by N - correction. */
export function std(t: Tensor, dim?: Dims, opts?: VarianceOptions): Tensor {
  return wrap(native().std(t.handle, dim, correctionOf(opts), opts?.keepdim));
}

/** Variance over `dim` (all elements when undefined), dividing by N - correction. Exported as torch.var. */
function variance(t: Tensor, dim?: Dims, opts?: VarianceOptions): Tensor {
  return wrap(native().var(t.handle, dim, correctionOf(opts), opts?.keepdim));
}

export { variance as var };

/** Vector p-norm (default 2; "fro" is 2; +-Infinity gives max/min abs) of all elements or over `dim`. */
export function norm(t: Tensor, p: number | "fro" = 2, dim?: Dims, opts?: ReduceOptions): Tensor {
  if (typeof p === "string" && p !== "fro") {
    throw new TypeError(`norm: p="${p}" is not supported (use a number, Infinity or "fro")`);
  }
  return wrap(native().norm(t.handle, p === "fro" ? 2 : p, dim, opts?.keepdim, opts?.dtype));
}

/** Product of all elements, or along one `dim`. */
export function prod(t: Tensor, dim?: number, opts?: ReduceOptions): Tensor {
  return wrap(native().prod(t.handle, dim, opts?.keepdim, opts?.dtype));
}

/** Whether all elements (over `dim`) are non-zero, as a bool tensor. */
export function all(t: Tensor, dim?: Dims, opts?: KeepdimOptions): Tensor {
  return wrap(native().all(t.handle, dim, opts?.keepdim));
}

/** Whether any element (over `dim`) is non-zero, as a bool tensor. */
export function any(t: Tensor, dim?: Dims, opts?: KeepdimOptions): Tensor {
  return wrap(native().any(t.handle, dim, opts?.keepdim));
}

/** The k largest (largest: false: smallest) elements along `dim` (default last), with their indices. */
export function topk(t: Tensor, k: number, opts?: TopkOptions): ValuesIndices {
  return pair(native().topk(t.handle, k, opts?.dim, opts?.largest, opts?.sorted));
}

/** Running sum along `dim`. */
export function cumsum(t: Tensor, dim: number, opts?: { dtype?: DType }): Tensor {
  return wrap(native().cumsum(t.handle, dim, opts?.dtype));
}

/** log(sum(exp(t))) over `dim`, without overflow. */
export function logsumexp(t: Tensor, dim: Dims, opts?: KeepdimOptions): Tensor {
  return wrap(native().logsumexp(t.handle, dim, opts?.keepdim));
}

/** Maximum over `dim` (all dims when undefined); unlike max, ties share the gradient evenly. */
export function amax(t: Tensor, dim?: Dims, opts?: KeepdimOptions): Tensor {
  return wrap(native().amax(t.handle, dim, opts?.keepdim));
}

/** Minimum over `dim` (all dims when undefined); ties share the gradient evenly. */
export function amin(t: Tensor, dim?: Dims, opts?: KeepdimOptions): Tensor {
  return wrap(native().amin(t.handle, dim, opts?.keepdim));
}

Tensor.prototype.sum = function (this: Tensor, dim?: Dims, opts?: ReduceOptions) {
  return sum(this, dim, opts);
};
Tensor.prototype.mean = function (this: Tensor, dim?: Dims, opts?: ReduceOptions) {
  return mean(this, dim, opts);
};
Tensor.prototype.max = function (this: Tensor, dim?: number, opts?: KeepdimOptions) {
  return dim === undefined ? max(this) : max(this, dim, opts);
} as Tensor["max"];
Tensor.prototype.min = function (this: Tensor, dim?: number, opts?: KeepdimOptions) {
  return dim === undefined ? min(this) : min(this, dim, opts);
} as Tensor["min"];
Tensor.prototype.argmax = function (this: Tensor, dim?: number, opts?: KeepdimOptions) {
  return argmax(this, dim, opts);
};
Tensor.prototype.argmin = function (this: Tensor, dim?: number, opts?: KeepdimOptions) {
  return argmin(this, dim, opts);
};
Tensor.prototype.std = function (this: Tensor, dim?: Dims, opts?: VarianceOptions) {
  return std(this, dim, opts);
};
Tensor.prototype.var = function (this: Tensor, dim?: Dims, opts?: VarianceOptions) {
  return variance(this, dim, opts);
};
Tensor.prototype.norm = function (this: Tensor, p?: number | "fro", dim?: Dims, opts?: ReduceOptions) {
  return norm(this, p, dim, opts);
};
Tensor.prototype.prod = function (this: Tensor, dim?: number, opts?: ReduceOptions) {
  return prod(this, dim, opts);
};
Tensor.prototype.all = function (this: Tensor, dim?: Dims, opts?: KeepdimOptions) {
  return all(this, dim, opts);
};
Tensor.prototype.any = function (this: Tensor, dim?: Dims, opts?: KeepdimOptions) {
  return any(this, dim, opts);
};
Tensor.prototype.topk = function (this: Tensor, k: number, opts?: TopkOptions) {
  return topk(this, k, opts);
};
Tensor.prototype.cumsum = function (this: Tensor, dim: number, opts?: { dtype?: DType }) {
  return cumsum(this, dim, opts);
};
Tensor.prototype.logsumexp = function (this: Tensor, dim: Dims, opts?: KeepdimOptions) {
  return logsumexp(this, dim, opts);
};
Tensor.prototype.amax = function (this: Tensor, dim?: Dims, opts?: KeepdimOptions) {
  return amax(this, dim, opts);
};
Tensor.prototype.amin = function (this: Tensor, dim?: Dims, opts?: KeepdimOptions) {
  return amin(this, dim, opts);
};
