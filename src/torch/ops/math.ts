// Elementwise math and matrix products: torch.add(a, b) and a.add(b).
import { type Handle, native, type Scalar } from "../native.js";
import { operand, Tensor, type TensorLike, wrap } from "../tensor.js";

declare module "../native.js" {
  interface NativeAddon {
    add(a: Handle, b: Handle | Scalar, alpha?: Scalar): Handle;
    mul(a: Handle, b: Handle | Scalar): Handle;
    matmul(a: Handle, b: Handle): Handle;
  }
}

declare module "../tensor.js" {
  interface Tensor {
    /** this + alpha * other, broadcasting. */
    add(other: TensorLike, alpha?: Scalar): Tensor;
    /** this * other, broadcasting. */
    mul(other: TensorLike): Tensor;
    /** Matrix product with PyTorch's broadcasting rules. */
    matmul(other: Tensor): Tensor;
  }
}

/** a + alpha * b, broadcasting; scalars act as Python numbers. */
export function add(a: Tensor, b: TensorLike, alpha?: Scalar): Tensor {
  return wrap(native().add(a.handle, operand(b), alpha));
}

/** a * b, broadcasting. */
export function mul(a: Tensor, b: TensorLike): Tensor {
  return wrap(native().mul(a.handle, operand(b)));
}

/** Matrix product (vector, matrix and batched forms, as torch.matmul). */
export function matmul(a: Tensor, b: Tensor): Tensor {
  return wrap(native().matmul(a.handle, b.handle));
}

Tensor.prototype.add = function (this: Tensor, other: TensorLike, alpha?: Scalar) {
  return add(this, other, alpha);
};
Tensor.prototype.mul = function (this: Tensor, other: TensorLike) {
  return mul(this, other);
};
Tensor.prototype.matmul = function (this: Tensor, other: Tensor) {
  return matmul(this, other);
};
