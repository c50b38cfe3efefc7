// Elementwise math and matrix products: torch.add(a, b) and a.add(b). Scalars (JS numbers) broadcast and
// promote like Python numbers: int64 + 2 stays int64, float32 * 2.5 stays float32, int64 / 2 gives float32.
import { type Handle, native, type Scalar } from "../native.js";
import { operand, Tensor, type TensorLike, wrap } from "../tensor.js";

/** The elementwise ops taking one tensor, returning one. */
type UnaryName =
  | "neg"
  | "abs"
  | "exp"
  | "expm1"
  | "log"
  | "log1p"
  | "log2"
  | "log10"
  | "sqrt"
  | "rsqrt"
  | "square"
  | "sign"
  | "sin"
  | "cos"
  | "tan"
  | "tanh"
  | "sigmoid"
  | "erf"
  | "floor"
  | "ceil"
  | "trunc"
  | "reciprocal"
  | "logicalNot"
  | "isnan"
  | "isinf"
  | "isfinite";
/** The broadcasting ops taking a tensor and a tensor-or-scalar. */
type BinaryName =
  | "mul"
  | "remainder"
  | "fmod"
  | "maximum"
  | "minimum"
  | "eq"
  | "ne"
  | "lt"
  | "le"
  | "gt"
  | "ge"
  | "logicalAnd"
  | "logicalOr"
  | "logicalXor";
/** The matrix products. */
type ProductName = "matmul" | "mm" | "bmm" | "outer" | "dot";
/** "trunc" rounds toward zero, "floor" toward -inf (Python's //); none is true division. */
export type RoundingMode = "trunc" | "floor";

type UnaryNative = { [K in UnaryName]: (h: Handle) => Handle };
type BinaryNative = { [K in BinaryName]: (a: Handle, b: Handle | Scalar) => Handle };
type ProductNative = { [K in ProductName]: (a: Handle, b: Handle) => Handle };
type Bound = Handle | Scalar | null | undefined;

declare module "../native.js" {
  interface NativeAddon extends UnaryNative, BinaryNative, ProductNative {
    add(a: Handle, b: Handle | Scalar, alpha?: Scalar): Handle;
    sub(a: Handle, b: Handle | Scalar, alpha?: Scalar): Handle;
    div(a: Handle, b: Handle | Scalar, roundingMode?: RoundingMode): Handle;
    pow(a: Handle | Scalar, b: Handle | Scalar): Handle;
    clamp(t: Handle, min: Bound, max: Bound): Handle;
    round(t: Handle, decimals?: number): Handle;
    allclose(a: Handle, b: Handle, rtol?: number, atol?: number, equalNan?: boolean): boolean;
    equal(a: Handle, b: Handle): boolean;
    add_(a: Handle, b: Handle | Scalar, alpha?: Scalar): void;
    sub_(a: Handle, b: Handle | Scalar, alpha?: Scalar): void;
    mul_(a: Handle, b: Handle | Scalar): void;
    div_(a: Handle, b: Handle | Scalar, roundingMode?: RoundingMode): void;
    clamp_(t: Handle, min: Bound, max: Bound): void;
    zero_(t: Handle): void;
    fill_(t: Handle, value: Handle | Scalar): void;
    copy_(dst: Handle, src: Handle): void;
  }
}

declare module "../tensor.js" {
  interface Tensor {
    /** this + alpha * other, broadcasting. */
    add(other: TensorLike, alpha?: Scalar): Tensor;
    /** this - alpha * other, broadcasting. */
    sub(other: TensorLike, alpha?: Scalar): Tensor;
    /** this * other, broadcasting. */
    mul(other: TensorLike): Tensor;
    /** this / other (true division; roundingMode "trunc" or "floor" rounds the quotient). */
    div(other: TensorLike, roundingMode?: RoundingMode): Tensor;
    /** this ** exponent. */
    pow(exponent: TensorLike): Tensor;
    /** Python's %: the result has the sign of the divisor. */
    remainder(other: TensorLike): Tensor;
    /** C's fmod: the result has the sign of the dividend. */
    fmod(other: TensorLike): Tensor;
    /** Elementwise max of this and other. */
    maximum(other: TensorLike): Tensor;
    /** Elementwise min of this and other. */
    minimum(other: TensorLike): Tensor;
    /** Limits values to [min, max]; either bound may be null (open), a number or a tensor. */
    clamp(min?: TensorLike | null, max?: TensorLike | null): Tensor;
    /** Rounds half to even, to `decimals` decimal places (default 0). */
    round(decimals?: number): Tensor;
    /** -this. */
    neg(): Tensor;
    /** |this|. */
    abs(): Tensor;
    /** e ** this. */
    exp(): Tensor;
    /** e ** this - 1, accurate near 0. */
    expm1(): Tensor;
    /** Natural logarithm. */
    log(): Tensor;
    /** log(1 + this), accurate near 0. */
    log1p(): Tensor;
    /** Base-2 logarithm. */
    log2(): Tensor;
    /** Base-10 logarithm. */
    log10(): Tensor;
    /** Square root. */
    sqrt(): Tensor;
    /** 1 / sqrt(this). */
    rsqrt(): Tensor;
    /** this * this. */
    square(): Tensor;
    /** -1, 0 or 1 by sign. */
    sign(): Tensor;
    /** Sine. */
    sin(): Tensor;
    /** Cosine. */
    cos(): Tensor;
    /** Tangent. */
    tan(): Tensor;
    /** Hyperbolic tangent. */
    tanh(): Tensor;
    /** 1 / (1 + e ** -this). */
    sigmoid(): Tensor;
    /** Gauss error function. */
    erf(): Tensor;
    /** Rounds toward -inf. */
    floor(): Tensor;
    /** Rounds toward +inf. */
    ceil(): Tensor;
    /** Rounds toward zero. */
    trunc(): Tensor;
    /** 1 / this (integers promote to float). */
    reciprocal(): Tensor;
    /** Elementwise NOT of truthiness (bool result). */
    logicalNot(): Tensor;
    /** Whether each element is NaN. */
    isnan(): Tensor;
    /** Whether each element is +-inf. */
    isinf(): Tensor;
    /** Whether each element is neither NaN nor +-inf. */
    isfinite(): Tensor;
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
    /** Whether |this - other| <= atol + rtol * |other| everywhere (a JS boolean). */
    allclose(other: Tensor, rtol?: number, atol?: number, equalNan?: boolean): boolean;
    /** Whether both have the same shape and elements (a JS boolean). */
    equal(other: Tensor): boolean;
    /** In place: this += alpha * other. */
    add_(other: TensorLike, alpha?: Scalar): this;
    /** In place: this -= alpha * other. */
    sub_(other: TensorLike, alpha?: Scalar): this;
    /** In place: this *= other. */
    mul_(other: TensorLike): this;
    /** In place: this /= other (optionally rounded). */
    div_(other: TensorLike, roundingMode?: RoundingMode): this;
    /** In place clamp to [min, max]. */
    clamp_(min?: TensorLike | null, max?: TensorLike | null): this;
    /** In place: every element becomes 0. */
    zero_(): this;
    /** In place: every element becomes `value` (a number or a 0-dim tensor). */
    fill_(value: TensorLike): this;
    /** In place: copies `src` (broadcast, converted to this dtype and device) into this. */
    copy_(src: Tensor): this;
  }
}

function unary(name: UnaryName): (t: Tensor) => Tensor {
  return (t) => wrap(native()[name](t.handle));
}

function binary(name: BinaryName): (a: Tensor, b: TensorLike) => Tensor {
  return (a, b) => wrap(native()[name](a.handle, operand(b)));
}

function product(name: ProductName): (a: Tensor, b: Tensor) => Tensor {
  return (a, b) => wrap(native()[name](a.handle, b.handle));
}

function bound(x: TensorLike | null | undefined): Bound {
  return x instanceof Tensor ? x.handle : x;
}

/** a + alpha * b, broadcasting; scalars act as Python numbers. */
export function add(a: Tensor, b: TensorLike, alpha?: Scalar): Tensor {
  return wrap(native().add(a.handle, operand(b), alpha));
}

/** a - alpha * b, broadcasting. */
export function sub(a: Tensor, b: TensorLike, alpha?: Scalar): Tensor {
  return wrap(native().sub(a.handle, operand(b), alpha));
}

/** a / b: true division (integers give float), or rounded with "trunc" / "floor". */
export function div(a: Tensor, b: TensorLike, roundingMode?: RoundingMode): Tensor {
  return wrap(native().div(a.handle, operand(b), roundingMode));
}

/** a ** b; either side may be a number (not both). */
export function pow(a: TensorLike, b: TensorLike): Tensor {
  return wrap(native().pow(operand(a), operand(b)));
}

/** Limits t to [min, max]; a null/undefined bound is open, a tensor bound broadcasts. */
export function clamp(t: Tensor, min?: TensorLike | null, max?: TensorLike | null): Tensor {
  return wrap(native().clamp(t.handle, bound(min), bound(max)));
}

/** Rounds half to even, to `decimals` decimal places (default 0). */
export function round(t: Tensor, decimals?: number): Tensor {
  return wrap(native().round(t.handle, decimals));
}

/** Whether |a - b| <= atol + rtol * |b| everywhere (rtol 1e-5, atol 1e-8 by default). */
export function allclose(a: Tensor, b: Tensor, rtol?: number, atol?: number, equalNan?: boolean): boolean {
  return native().allclose(a.handle, b.handle, rtol, atol, equalNan);
}

/** Whether a and b have the same shape and elements. */
export function equal(a: Tensor, b: Tensor): boolean {
  return native().equal(a.handle, b.handle);
}

/** -t. */
export const neg = unary("neg");
/** |t|. */
export const abs = unary("abs");
/** e ** t. */
export const exp = unary("exp");
/** e ** t - 1. */
export const expm1 = unary("expm1");
/** Natural logarithm. */
export const log = unary("log");
/** log(1 + t). */
export const log1p = unary("log1p");
/** Base-2 logarithm. */
export const log2 = unary("log2");
/** Base-10 logarithm. */
export const log10 = unary("log10");
/** Square root. */
export const sqrt = unary("sqrt");
/** 1 / sqrt(t). */
export const rsqrt = unary("rsqrt");
/** t * t. */
export const square = unary("square");
/** -1, 0 or 1 by sign. */
export const sign = unary("sign");
/** Sine. */
export const sin = unary("sin");
/** Cosine. */
export const cos = unary("cos");
/** Tangent. */
export const tan = unary("tan");
/** Hyperbolic tangent. */
export const tanh = unary("tanh");
/** 1 / (1 + e ** -t). */
export const sigmoid = unary("sigmoid");
/** Gauss error function. */
export const erf = unary("erf");
/** Rounds toward -inf. */
export const floor = unary("floor");
/** Rounds toward +inf. */
export const ceil = unary("ceil");
/** Rounds toward zero. */
export const trunc = unary("trunc");
/** 1 / t. */
export const reciprocal = unary("reciprocal");
/** Elementwise NOT of truthiness. */
export const logicalNot = unary("logicalNot");
/** Whether each element is NaN. */
export const isnan = unary("isnan");
/** Whether each element is +-inf. */
export const isinf = unary("isinf");
/** Whether each element is finite. */
export const isfinite = unary("isfinite");
/** a * b, broadcasting. */
export const mul = binary("mul");
/** Python's a % b (sign of b). */
export const remainder = binary("remainder");
/** C's fmod(a, b) (sign of a). */
export const fmod = binary("fmod");
/** Elementwise max. */
export const maximum = binary("maximum");
/** Elementwise min. */
export const minimum = binary("minimum");
/** a == b (bool). */
export const eq = binary("eq");
/** a != b (bool). */
export const ne = binary("ne");
/** a < b (bool). */
export const lt = binary("lt");
/** a <= b (bool). */
export const le = binary("le");
/** a > b (bool). */
export const gt = binary("gt");
/** a >= b (bool). */
export const ge = binary("ge");
/** Elementwise AND of truthiness. */
export const logicalAnd = binary("logicalAnd");
/** Elementwise OR of truthiness. */
export const logicalOr = binary("logicalOr");
/** Elementwise XOR of truthiness. */
export const logicalXor = binary("logicalXor");
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

const unaryOps: Record<UnaryName, (t: Tensor) => Tensor> = {
  ...{ neg, abs, exp, expm1, log, log1p, log2, log10, sqrt, rsqrt, square, sign, sin, cos, tan, tanh },
  ...{ sigmoid, erf, floor, ceil, trunc, reciprocal, logicalNot, isnan, isinf, isfinite },
};
const binaryOps: Record<BinaryName | ProductName, (a: Tensor, b: Tensor) => Tensor> = {
  ...{ mul, remainder, fmod, maximum, minimum, eq, ne, lt, le, gt, ge, logicalAnd, logicalOr, logicalXor },
  ...{ matmul, mm, bmm, outer, dot },
};
for (const name of Object.keys(unaryOps) as UnaryName[]) {
  const fn = unaryOps[name];
  Tensor.prototype[name] = function (this: Tensor) {
    return fn(this);
  };
}
for (const name of Object.keys(binaryOps) as (BinaryName | ProductName)[]) {
  const fn = binaryOps[name];
  Tensor.prototype[name] = function (this: Tensor, other: Tensor) {
    return fn(this, other);
  };
}

Object.assign(Tensor.prototype, {
  add(this: Tensor, other: TensorLike, alpha?: Scalar) {
    return add(this, other, alpha);
  },
  sub(this: Tensor, other: TensorLike, alpha?: Scalar) {
    return sub(this, other, alpha);
  },
  div(this: Tensor, other: TensorLike, roundingMode?: RoundingMode) {
    return div(this, other, roundingMode);
  },
  pow(this: Tensor, exponent: TensorLike) {
    return pow(this, exponent);
  },
  clamp(this: Tensor, min?: TensorLike | null, max?: TensorLike | null) {
    return clamp(this, min, max);
  },
  round(this: Tensor, decimals?: number) {
    return round(this, decimals);
  },
  allclose(this: Tensor, other: Tensor, rtol?: number, atol?: number, equalNan?: boolean) {
    return allclose(this, other, rtol, atol, equalNan);
  },
  equal(this: Tensor, other: Tensor) {
    return equal(this, other);
  },
  add_(this: Tensor, other: TensorLike, alpha?: Scalar) {
    native().add_(this.handle, operand(other), alpha);
    return this;
  },
  sub_(this: Tensor, other: TensorLike, alpha?: Scalar) {
    native().sub_(this.handle, operand(other), alpha);
    return this;
  },
  mul_(this: Tensor, other: TensorLike) {
    native().mul_(this.handle, operand(other));
    return this;
  },
  div_(this: Tensor, other: TensorLike, roundingMode?: RoundingMode) {
    native().div_(this.handle, operand(other), roundingMode);
    return this;
  },
  clamp_(this: Tensor, min?: TensorLike | null, max?: TensorLike | null) {
    native().clamp_(this.handle, bound(min), bound(max));
    return this;
  },
  zero_(this: Tensor) {
    native().zero_(this.handle);
    return this;
  },
  fill_(this: Tensor, value: TensorLike) {
    native().fill_(this.handle, operand(value));
    return this;
  },
  copy_(this: Tensor, src: Tensor) {
    native().copy_(this.handle, src.handle);
    return this;
  },
} satisfies Partial<Record<keyof Tensor, unknown>>);
