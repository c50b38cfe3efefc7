// Elementwise comparisons and logical ops (bool results): torch.eq(a, b) and a.eq(b), likewise ne, lt, le,
// gt, ge, logicalAnd/Or/Xor; and the whole-tensor checks allclose and equal, which return JS booleans.
import { type Handle, native, type Scalar } from "../native.js";
import { operand, Tensor, type TensorLike, wrap } from "../tensor.js";
import { installBinaryMethods } from "./install-methods.js";

/** The broadcasting comparisons taking a tensor and a tensor-or-scalar. */
type ComparisonName = "eq" | "ne" | "lt" | "le" | "gt" | "ge" | "logicalAnd" | "logicalOr" | "logicalXor";

type ComparisonNative = { [K in ComparisonName]: (a: Handle, b: Handle | Scalar) => Handle };

declare module "../native.js" {
  interface NativeAddon extends ComparisonNative {
    allclose(a: Handle, b: Handle, rtol?: number, atol?: number, equalNan?: boolean): boolean;
    equal(a: Handle, b: Handle): boolean;
  }
}

declare module "../tensor.js" {
  interface Tensor {
    /** this == other elementwise (bool). */
    eq(other: TensorLike): Tensor;
    /** this != other elementwise (bool). */
    ne(other: TensorLike): Tensor;
    /** this < other elementwise (bool). */
    lt(other: TensorLike): Tensor;
    /** this <= other elementwise (bool). */
    le(other: TensorLike): Tensor;
    /** this > other elementwise (bool). */
    gt(other: TensorLike): Tensor;
    /** this >= other elementwise (bool). */
    ge(other: TensorLike): Tensor;
    /** Elementwise AND of truthiness (bool). */
    logicalAnd(other: TensorLike): Tensor;
    /** Elementwise OR of truthiness (bool). */
    logicalOr(other: TensorLike): Tensor;
    /** Elementwise XOR of truthiness (bool). */
    logicalXor(other: TensorLike): Tensor;
    /** Whether |this - other| <= atol + rtol * |other| everywhere (a JS boolean). */
    allclose(other: Tensor, rtol?: number, atol?: number, equalNan?: boolean): boolean;
    /** Whether both have the same shape and elements (a JS boolean). */
    equal(other: Tensor): boolean;
  }
}

function comparison(name: ComparisonName): (a: Tensor, b: TensorLike) => Tensor {
  return (a, b) => wrap(native()[name](a.handle, operand(b)));
}

/** a == b (bool). */
export const eq = comparison("eq");
/** a != b (bool). */
export const ne = comparison("ne");
/** a < b (bool). */
export const lt = comparison("lt");
/** a <= b (bool). */
export const le = comparison("le");
/** a > b (bool). */
export const gt = comparison("gt");
/** a >= b (bool). */
export const ge = comparison("ge");
/** Elementwise AND of truthiness. */
export const logicalAnd = comparison("logicalAnd");
/** Elementwise OR of truthiness. */
export const logicalOr = comparison("logicalOr");
/** Elementwise XOR of truthiness. */
export const logicalXor = comparison("logicalXor");

/** Whether |a - b| <= atol + rtol * |b| everywhere (rtol 1e-5, atol 1e-8 by default). */
export function allclose(a: Tensor, b: Tensor, rtol?: number, atol?: number, equalNan?: boolean): boolean {
  return native().allclose(a.handle, b.handle, rtol, atol, equalNan);
}

/** Whether a and b have the same shape and elements. */
export function equal(a: Tensor, b: Tensor): boolean {
  return native().equal(a.handle, b.handle);
}

// Typed as a full Record so that a name added to ComparisonName without a function fails to compile.
const comparisonOps: Record<ComparisonName, (a: Tensor, b: TensorLike) => Tensor> = {
  eq,
  ne,
  lt,
  le,
  gt,
  ge,
  logicalAnd,
  logicalOr,
  logicalXor,
};
installBinaryMethods(comparisonOps);

Object.assign(Tensor.prototype, {
  allclose(this: Tensor, other: Tensor, rtol?: number, atol?: number, equalNan?: boolean) {
    return allclose(this, other, rtol, atol, equalNan);
  },
  equal(this: Tensor, other: Tensor) {
    return equal(this, other);
  },
} satisfies Partial<Record<keyof Tensor, unknown>>);
