// Reductions: torch.sum(t, dim?, keepdim?) and t.sum(...).
import type { DType } from "../dtype.js";
import { type Handle, native } from "../native.js";
import { Tensor, wrap } from "../tensor.js";

declare module "../native.js" {
  interface NativeAddon {
    sum(t: Handle, dim?: number | number[], keepdim?: boolean, dtype?: DType): Handle;
  }
}

/** Options of the reductions that take a dim. */
export interface ReduceOptions {
  keepdim?: boolean;
  dtype?: DType;
}

declare module "../tensor.js" {
  interface Tensor {
    /** Sum of all elements, or over `dim`. */
    sum(dim?: number | number[], opts?: ReduceOptions): Tensor;
  }
}

/** Sum of all elements, or over `dim` (keepdim keeps reduced dims as size 1). */
export function sum(t: Tensor, dim?: number | number[], opts?: ReduceOptions): Tensor {
  return wrap(native().sum(t.handle, dim, opts?.keepdim, opts?.dtype));
}

Tensor.prototype.sum = function (this: Tensor, dim?: number | number[], opts?: ReduceOptions) {
  return sum(this, dim, opts);
};
