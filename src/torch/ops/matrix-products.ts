// Matrix products: torch.matmul(a, b) and a.matmul(b), likewise mm, bmm, outer, dot. Both sides are tensors
// (no scalar operands, unlike the elementwise ops).
import { type Handle, native } from "../native.js";
import { type Tensor, wrap } from "../tensor.js";
import { installBinaryMethods } from "./install-methods.js";

/** The matrix products. */
type ProductName = "matmul" | "mm" | "bmm" | "outer" | "dot";

type ProductNative = { [K in ProductName]: (a: Handle, b: Handle) => Handle };

declare module "../native.js" {
  interface NativeAddon extends ProductNative {}
}

declare module "../tensor.js" {
  interface Tensor {
    /** Matrix product with PyTorch's broadcasting rules. */
    matmul(other: Tensor): Tensor;
    /** Product of two matrices (no broadcasting). */
    mm(other: Tensor): Tensor;
    /** Batched matrix product of [b, n, m] and [b, m, p]. */
    bmm(other: Tensor): Tensor;
    /** Outer product of two vectors. */
    outer(other: Tensor): Tensor;
    /** Inner product of two vectors (a 0-dim tensor). */
    dot(other: Tensor): Tensor;
  }
}

function product(name: ProductName): (a: Tensor, b: Tensor) => Tensor {
  return (a, b) => wrap(native()[name](a.handle, b.handle));
}

/** Matrix product (vector, matrix and batched forms, as torch.matmul). */
export const matmul = product("matmul");
/** Product of two matrices. */
export const mm = product("mm");
/** Batched matrix product. */
export const bmm = product("bmm");
/** Outer product of two vectors. */
export const outer = product("outer");
/** Inner product of two vectors. */
export const dot = product("dot");

// Typed as a full Record so that a name added to ProductName without a function fails to compile.
const productOps: Record<ProductName, (a: Tensor, b: Tensor) => Tensor> = { matmul, mm, bmm, outer, dot };
installBinaryMethods(productOps);
