// Shape and indexing ops: torch.reshape(t, shape) and t.reshape(shape).
import { type Handle, native } from "../native.js";
import { Tensor, wrap } from "../tensor.js";

declare module "../native.js" {
  interface NativeAddon {
    reshape(t: Handle, shape: number[]): Handle;
  }
}

declare module "../tensor.js" {
  interface Tensor {
    /** Same data with a new shape (a view when possible); one dimension may be -1. */
    reshape(shape: number[]): Tensor;
  }
}

/** Same data with a new shape (a view when possible); one dimension may be -1. */
export function reshape(t: Tensor, shape: number[]): Tensor {
  return wrap(native().reshape(t.handle, shape));
}

Tensor.prototype.reshape = function (this: Tensor, shape: number[]) {
  return reshape(this, shape);
};
