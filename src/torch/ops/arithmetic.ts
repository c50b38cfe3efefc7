// Elementwise arithmetic: torch.add(a, b) and a.add(b), likewise sub, mul, div, pow, remainder, clamp, round.
// Scalars (JS numbers) broadcast and promote like Python numbers: int64 + 2 stays int64, float32 * 2.5 stays
// float32, int64 / 2 gives float32.
import { type Handle, native, type Scalar } from "../native.js";
import { operand, Tensor, type TensorLike, wrap } from "../tensor.js";
import { type Bound, bound } from "./clamp-bound.js";
import { installBinaryMethods } from "./install-methods.js";

/** The broadcasting arithmetic ops taking a tensor and a tensor-or-scalar. */
type ArithmeticName = "mul" | "remainder" | "fmod" | "maximum" | "minimum";
/** "trunc" rounds toward zero, "floor" toward -inf (Python's //); none is true division. */
export type RoundingMode = "trunc" | "floor";

type ArithmeticNative = { [K in ArithmeticName]: (a: Handle, b: Handle | Scalar) => Handle };

declare module "../native.js" {
  interface NativeAddon extends ArithmeticNative {
    add(a: Handle, b: Handle | Scalar, alpha?: Scalar): Handle;
    sub(a: Handle, b: Handle | Scalar, alpha?: Scalar): Handle;
    div(a: Handle, b: Handle | Scalar, roundingMode?: RoundingMode): Handle;
    pow(a: Handle | Scalar, b: Handle | Scalar): Handle;
    clamp(t: Handle, min: Bound, max: Bound): Handle;
    round(t: Handle, decimals?: number): Handle;
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
  }
}

function arithmetic(name: ArithmeticName): (a: Tensor, b: TensorLike) => Tensor {
  return (a, b) => wrap(native()[name](a.handle, operand(b)));
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

/** a * b, broadcasting. */
export const mul = arithmetic("mul");
/** Python's a % b (sign of b). */
export const remainder = arithmetic("remainder");
/** C's fmod(a, b) (sign of a). */
export const fmod = arithmetic("fmod");
/** Elementwise max. */
export const maximum = arithmetic("maximum");
/** Elementwise min. */
export const minimum = arithmetic("minimum");

// Typed as a full Record so that a name added to ArithmeticName without a function fails to compile.
const arithmeticOps: Record<ArithmeticName, (a: Tensor, b: TensorLike) => Tensor> = {
  mul,
  remainder,
  fmod,
  maximum,
  minimum,
};
installBinaryMethods(arithmeticOps);

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
} satisfies Partial<Record<keyof Tensor, unknown>>);
