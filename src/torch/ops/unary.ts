// Elementwise functions of one tensor: torch.exp(t) and t.exp(), likewise log, sqrt, sin, floor, isnan, ...
import { type Handle, native } from "../native.js";
import { type Tensor, wrap } from "../tensor.js";
import { installUnaryMethods } from "./install-methods.js";

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

type UnaryNative = { [K in UnaryName]: (h: Handle) => Handle };

declare module "../native.js" {
  interface NativeAddon extends UnaryNative {}
}

declare module "../tensor.js" {
  interface Tensor {
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
  }
}

function unary(name: UnaryName): (t: Tensor) => Tensor {
  return (t) => wrap(native()[name](t.handle));
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

// Typed as a full Record so that a name added to UnaryName without a function fails to compile.
const unaryOps: Record<UnaryName, (t: Tensor) => Tensor> = {
  ...{ neg, abs, exp, expm1, log, log1p, log2, log10, sqrt, rsqrt, square, sign, sin, cos, tan, tanh },
  ...{ sigmoid, erf, floor, ceil, trunc, reciprocal, logicalNot, isnan, isinf, isfinite },
};
installUnaryMethods(unaryOps);
